#include "server/router.h"

#include <algorithm>

#include "server/prom_json.h"

namespace tidemark::server {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i <= path.size()) {
    const size_t slash = path.find('/', i);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(i, end - i));
    if (slash == std::string_view::npos) break;
    i = slash + 1;
  }
  return out;
}

bool Matches(std::string_view pattern, std::string_view path, RouteParams* params) {
  const auto want = Segments(pattern);
  const auto got = Segments(path);
  for (size_t i = 0; i < want.size(); ++i) {
    const std::string_view w = want[i];
    const bool param = w.size() > 2 && w.front() == '{' && w.back() == '}';
    if (param && w.ends_with("...}")) {
      if (i >= got.size()) return false;
      // The rest of the path from this segment on.
      size_t offset = 0;
      for (size_t k = 0; k < i; ++k) offset += got[k].size() + 1;
      const std::string_view rest = path.substr(offset);
      if (rest.empty()) return false;
      params->Set(std::string(w.substr(1, w.size() - 5)), std::string(rest));
      return true;
    }
    if (i >= got.size()) return false;
    if (param) {
      if (got[i].empty()) return false;
      params->Set(std::string(w.substr(1, w.size() - 2)), std::string(got[i]));
    } else if (w != got[i]) {
      return false;
    }
  }
  return want.size() == got.size();
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// "http://host:port" -> "host:port"; "" when it is not an http(s) origin.
std::string OriginHost(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.starts_with(scheme)) {
      std::string_view rest = origin.substr(scheme.size());
      return std::string(rest.substr(0, rest.find('/')));
    }
  }
  return "";
}

// Content types a browser may send cross-origin without asking first (a CORS "simple request"):
// an HTML form or a script can post them from any page.
bool IsSimpleFormContentType(std::string_view content_type) {
  std::string lower(content_type.substr(0, content_type.find(';')));
  for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  while (!lower.empty() && lower.back() == ' ') lower.pop_back();
  return lower == "text/plain" || lower == "multipart/form-data";
}

}  // namespace

std::string RouteParams::Get(std::string_view name) const {
  for (const auto& [k, v] : values_) {
    if (k == name) return v;
  }
  return "";
}

std::string CrossOriginRefusal(const HttpRequest& request) {
  const std::string fetch_site = request.Header("sec-fetch-site");
  if (fetch_site == "cross-site" || fetch_site == "same-site") {
    return "cross-origin request refused: a state-changing endpoint does not accept requests a "
           "browser sends from another site (Sec-Fetch-Site: " +
           fetch_site + ")";
  }
  const std::string origin = request.Header("origin");
  if (!origin.empty()) {
    const std::string host = request.Header("host");
    if (origin == "null" || OriginHost(origin) != host) {
      return "cross-origin request refused: Origin \"" + origin + "\" is not this server (Host \"" +
             host + "\")";
    }
  }
  if (IsSimpleFormContentType(request.Header("content-type"))) {
    return "Content-Type \"" + request.Header("content-type") +
           "\" refused: a state-changing endpoint does not accept what any web page could post";
  }
  return "";
}

HttpResponse RouteError(ErrorStyle style, int status, std::string_view error_type,
                        const std::string& message) {
  HttpResponse r;
  r.status = status;
  if (style == ErrorStyle::kPrometheusJson) {
    r.content_type = "application/json";
    r.body = "{\"status\":\"error\",\"errorType\":";
    AppendJsonString(&r.body, error_type);
    r.body += ",\"error\":";
    AppendJsonString(&r.body, message);
    r.body += "}";
  } else {
    r.body = message + "\n";
  }
  return r;
}

HttpResponse AuthRefusal(ErrorStyle style, const AuthDecision& decision) {
  HttpResponse r = RouteError(style, decision.status,
                              decision.status == 401   ? "unauthorized"
                              : decision.status == 429 ? "unavailable"
                                                       : "forbidden",
                              decision.message);
  if (decision.status == 429) r.headers.push_back({"Retry-After", "1"});
  if (decision.status == 401) r.headers.push_back({"WWW-Authenticate", "Basic realm=\"tidemark\""});
  return r;
}

Router::Router(std::vector<Route> routes, Options options)
    : routes_(std::move(routes)), options_(options) {}

HttpResponse Router::Serve(const HttpRequest& request, std::string* handler) const {
  for (const Route& route : routes_) {
    RouteParams params;
    if (!Matches(route.pattern, request.path, &params)) continue;
    *handler = route.handler;
    const bool allowed = std::find(route.methods.begin(), route.methods.end(), request.method) !=
                         route.methods.end();
    if (!allowed) {
      HttpResponse r =
          RouteError(route.errors, 405, "bad_data",
                     "method " + request.method + " not allowed; use " + Join(route.methods));
      r.headers.push_back({"Allow", Join(route.methods)});
      return r;
    }
    if (options_.auth != nullptr && options_.auth->enabled() &&
        route.access != RouteAccess::kProbe) {
      const Permission need = route.access == RouteAccess::kRead    ? Permission::kRead
                              : route.access == RouteAccess::kWrite ? Permission::kWrite
                                                                    : Permission::kAdmin;
      const AuthDecision decision = options_.auth->Check(request.Header("authorization"), need);
      if (!decision.allowed()) return AuthRefusal(route.errors, decision);
    }
    if (route.access == RouteAccess::kAdmin && !options_.admin_enabled) {
      return RouteError(route.errors, 403, "unavailable",
                        "admin APIs disabled: start tidemark with --web.enable-admin-api (or "
                        "web.enable_admin_api: true) to use " +
                            request.path);
    }
    if (route.access == RouteAccess::kLifecycle && !options_.lifecycle_enabled) {
      return RouteError(route.errors, 403, "unavailable",
                        "Lifecycle API is not enabled: start tidemark with --web.enable-lifecycle "
                        "(or web.enable_lifecycle: true) to use " +
                            request.path);
    }
    if (route.access != RouteAccess::kRead && route.access != RouteAccess::kProbe) {
      const std::string refusal = CrossOriginRefusal(request);
      if (!refusal.empty()) return RouteError(route.errors, 403, "bad_data", refusal);
    }
    return route.serve(request, params);
  }
  *handler = "not_found";
  const ErrorStyle style =
      request.path.starts_with("/api/") ? ErrorStyle::kPrometheusJson : ErrorStyle::kText;
  return RouteError(style, 404, "not_found", "not found: " + request.path);
}

}  // namespace tidemark::server
