#include "server/web_ui.h"

#include <memory>

#include "util/go_text.h"

namespace tidemark::server {
namespace {

constexpr std::string_view kBasePlaceholder = "__TIDEMARK_BASE__";

// Headers every UI response carries: no sniffing, no framing by other sites (clickjacking), and
// a policy that lets the page load only its own scripts and talk only to this server.
void AddSecurityHeaders(HttpResponse* r) {
  r->headers.push_back({"X-Content-Type-Options", "nosniff"});
  r->headers.push_back({"Content-Security-Policy",
                        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
                        "base-uri 'self'; form-action 'self'"});
  r->headers.push_back({"Referrer-Policy", "same-origin"});
}

bool AcceptsGzip(const HttpRequest& request) {
  // Accept-Encoding: gzip, deflate, br (a q=0 for gzip is not something browsers send).
  const std::string accept = request.Header("accept-encoding");
  return accept.find("gzip") != std::string::npos;
}

// The addresses of the UI's pages, each answered with index.html (the page routes itself); the
// client router (web/src/app.tsx) knows the same names.
const std::vector<std::string> kWebUiPages = {"/",       "/query",     "/graph", "/explore",
                                              "/traces", "/alerts",    "/rules", "/targets",
                                              "/status", "/trace/{id}"};

}  // namespace

bool IsWebUiPath(std::string_view path) {
  if (path.starts_with("/assets/") || path.starts_with("/trace/")) return true;
  for (const std::string& page : kWebUiPages) {
    if (page == path) return true;
  }
  return false;
}

std::vector<Route> WebUiRoutes(std::span<const WebAsset> assets, const std::string& route_prefix) {
  std::vector<Route> routes;
  const WebAsset* index = nullptr;
  for (const WebAsset& asset : assets) {
    if (asset.path == "index.html") index = &asset;
  }
  if (index != nullptr) {
    std::string html(index->body);
    if (const size_t at = html.find(kBasePlaceholder); at != std::string::npos) {
      // The configuration admits only URL path characters; escaped regardless, as an attribute.
      html.replace(at, kBasePlaceholder.size(), util::GoHtmlEscape(route_prefix + "/"));
    }
    auto page = std::make_shared<const std::string>(std::move(html));
    for (const std::string& pattern : kWebUiPages) {
      routes.push_back({pattern,
                        {"GET"},
                        RouteAccess::kRead,
                        ErrorStyle::kText,
                        "web_ui",
                        [page](const HttpRequest&, const RouteParams&) {
                          HttpResponse r;
                          r.content_type = "text/html; charset=utf-8";
                          r.body = *page;
                          // The page names the current scripts; it must not outlive them.
                          r.headers.push_back({"Cache-Control", "no-cache"});
                          AddSecurityHeaders(&r);
                          return r;
                        }});
    }
  }
  routes.push_back(
      {"/assets/{file}",
       {"GET"},
       RouteAccess::kRead,
       ErrorStyle::kText,
       "web_ui_assets",
       [assets](const HttpRequest& request, const RouteParams& params) {
         const std::string path = "assets/" + params.Get("file");
         for (const WebAsset& asset : assets) {
           if (asset.path != path) continue;
           HttpResponse r;
           r.content_type = std::string(asset.content_type);
           // Names carry their content's hash: a changed file is a new name.
           r.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
           r.headers.push_back({"ETag", std::string(asset.etag)});
           r.headers.push_back({"Vary", "Accept-Encoding"});
           AddSecurityHeaders(&r);
           if (request.Header("if-none-match") == asset.etag) {
             r.status = 304;
             return r;
           }
           if (AcceptsGzip(request)) {
             r.body = std::string(asset.gzip);
             r.headers.push_back({"Content-Encoding", "gzip"});
           } else {
             r.body = std::string(asset.body);
           }
           return r;
         }
         HttpResponse r;
         r.status = 404;
         r.body = "not found: " + request.path +
                  " (the UI's files are named by their content; reload the page)\n";
         return r;
       }});
  return routes;
}

}  // namespace tidemark::server
