// Routing of HTTP requests by path and method, and the checks every route shares: methods
// (405 with Allow), admin endpoints that are off unless enabled (as Prometheus'
// --web.enable-admin-api), and state-changing requests refused when a browser sends them from
// another origin (a web page must not be able to delete data through a user's browser).
// The table of the API port's routes is in routes.cc.
//
// Thread safety: a Router is immutable after construction; Serve may be called concurrently.
#ifndef TIDEMARK_SERVER_ROUTER_H_
#define TIDEMARK_SERVER_ROUTER_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/auth.h"
#include "server/http_server.h"

namespace tidemark::server {

// What a route does, which decides who may call it.
enum class RouteAccess {
  // Liveness and readiness probes: answered to anyone, also when authentication is on (probes
  // carry no credentials, and the answers say nothing about the data).
  kProbe,
  kRead,   // reads; any client, any method the route lists
  kWrite,  // changes state (writes data): refused for cross-origin browser requests
  kAdmin,  // kWrite, and answered only when the admin API is enabled
  // kWrite, and answered only when the lifecycle API is enabled (Prometheus'
  // --web.enable-lifecycle): /-/reload
  kLifecycle,
};

// How a route's errors are written: Prometheus' JSON envelope or plain text.
enum class ErrorStyle { kPrometheusJson, kText };

// Values of the `{name}` segments of a matched pattern.
class RouteParams {
 public:
  // The value of `{name}`, or "".
  std::string Get(std::string_view name) const;
  void Set(std::string name, std::string value) {
    values_.emplace_back(std::move(name), std::move(value));
  }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

using RouteHandler = std::function<HttpResponse(const HttpRequest&, const RouteParams&)>;

struct Route {
  // The path: literal segments and `{name}` segments, each matching one non-empty segment;
  // a last segment `{name...}` matches the rest of the path (one or more segments).
  std::string pattern;
  std::vector<std::string> methods;  // e.g. {"GET", "POST"}
  RouteAccess access = RouteAccess::kRead;
  ErrorStyle errors = ErrorStyle::kPrometheusJson;
  std::string handler;  // the name its requests are counted under in /metrics
  RouteHandler serve;
};

class Router {
 public:
  struct Options {
    bool admin_enabled = false;
    bool lifecycle_enabled = false;
    // Who may call which route (server/auth.h); null or disabled: anyone.
    const Authenticator* auth = nullptr;
  };
  Router(std::vector<Route> routes, Options options);

  // The response of the route matching the request, or 404 / 405 / 403; `*handler` is set to
  // the matched route's handler name ("not_found" when none matched).
  HttpResponse Serve(const HttpRequest& request, std::string* handler) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  Options options_;
};

// The 401 or 403 of a refused request, in the route's error style; a 401 says how to
// authenticate (WWW-Authenticate), as clients expect.
HttpResponse AuthRefusal(ErrorStyle style, const AuthDecision& decision);

// Why a state-changing request must be refused as a cross-origin browser request, or "" if it
// may proceed. Browsers mark their requests with Sec-Fetch-Site and Origin; clients that are not
// browsers (curl, Prometheus, exporters) send neither, or an Origin naming the server itself.
std::string CrossOriginRefusal(const HttpRequest& request);

// An error response in `style`: Prometheus' {"status":"error",...} or plain text.
HttpResponse RouteError(ErrorStyle style, int status, std::string_view error_type,
                        const std::string& message);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_ROUTER_H_
