// The web UI's routes (server/web_ui.cc) over files given here, and the embedded files' shape:
// every page address answers index.html with the prefix in its <base>, files by name with gzip
// when accepted and 304 for a matching ETag, unknown files 404. The pages themselves are tested
// in chromium (tests/web/).
#include "server/web_ui.h"

#include <gtest/gtest.h>

#include <string>

namespace tidemark::server {
namespace {

const WebAsset kAssets[] = {
    {"index.html", "text/html; charset=utf-8",
     "<base href=\"__TIDEMARK_BASE__\"><script src=\"assets/app-1.js\"></script>", "", "\"i\""},
    {"assets/app-1.js", "text/javascript; charset=utf-8", "console.log(1)", "GZIPPED", "\"e1\""},
};

HttpResponse Get(const std::vector<Route>& routes, const std::string& path,
                 std::map<std::string, std::string> headers = {}) {
  Router router(routes, Router::Options{});
  HttpRequest request;
  request.method = "GET";
  request.path = path;
  request.target = path;
  request.headers = std::move(headers);
  std::string handler;
  return router.Serve(request, &handler);
}

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(WebUi, EveryPageAddressAnswersTheIndexWithThePrefixInItsBase) {
  const auto routes = WebUiRoutes(kAssets, "/tidemark");
  for (const std::string path : {"/", "/query", "/graph", "/traces", "/trace/0af7651916cd43dd",
                                 "/alerts", "/rules", "/targets", "/status", "/explore"}) {
    const HttpResponse r = Get(routes, path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<base href=\"/tidemark/\"><script src=\"assets/app-1.js\"></script>")
        << path;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
    EXPECT_NE(Header(r, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);
    EXPECT_TRUE(IsWebUiPath(path)) << path;
  }
  EXPECT_EQ(Get(WebUiRoutes(kAssets, ""), "/").body.substr(0, 16), "<base href=\"/\"><");
  EXPECT_EQ(Get(routes, "/nothing").status, 404);
  EXPECT_FALSE(IsWebUiPath("/api/v1/query"));
  EXPECT_FALSE(IsWebUiPath("/metrics"));
}

TEST(WebUi, FilesAreGzippedWhenAcceptedAndNotResentWhenUnchanged) {
  const auto routes = WebUiRoutes(kAssets, "");
  HttpResponse plain = Get(routes, "/assets/app-1.js");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, "console.log(1)");
  EXPECT_EQ(plain.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(plain, "Content-Encoding"), "");
  EXPECT_EQ(Header(plain, "ETag"), "\"e1\"");
  EXPECT_NE(Header(plain, "Cache-Control").find("immutable"), std::string::npos);
  HttpResponse gz = Get(routes, "/assets/app-1.js", {{"accept-encoding", "gzip, deflate, br"}});
  EXPECT_EQ(gz.body, "GZIPPED");
  EXPECT_EQ(Header(gz, "Content-Encoding"), "gzip");
  HttpResponse same = Get(routes, "/assets/app-1.js", {{"if-none-match", "\"e1\""}});
  EXPECT_EQ(same.status, 304);
  EXPECT_EQ(same.body, "");
  HttpResponse gone = Get(routes, "/assets/app-0.js");
  EXPECT_EQ(gone.status, 404);
  EXPECT_NE(gone.body.find("reload the page"), std::string::npos);
}

TEST(WebUi, TheEmbeddedFilesAreTheBuiltUi) {
  const auto assets = EmbeddedWebAssets();
  bool index = false, script = false, style = false;
  for (const WebAsset& a : assets) {
    EXPECT_FALSE(a.body.empty()) << a.path;
    EXPECT_FALSE(a.gzip.empty()) << a.path;
    // gzip's magic bytes.
    EXPECT_EQ(a.gzip.substr(0, 2), std::string("\x1f\x8b")) << a.path;
    if (a.path == "index.html") {
      index = true;
      EXPECT_NE(a.body.find("__TIDEMARK_BASE__"), std::string_view::npos);
    }
    if (a.path.starts_with("assets/app-") && a.path.ends_with(".js")) script = true;
    if (a.path.starts_with("assets/app-") && a.path.ends_with(".css")) style = true;
  }
  EXPECT_TRUE(index && script && style);
}

}  // namespace
}  // namespace tidemark::server
