#include "server/trace_api.h"

#include <algorithm>

#include "ingest/otlp_common.h"
#include "server/client_watcher.h"

namespace tidemark::server {

TraceApi::TraceApi(Engine* engine, TraceQueryConfig config)
    : engine_(engine), config_(config), free_slots_(config.max_concurrency) {}

TraceApi::Slot::Slot(TraceApi* api, std::chrono::steady_clock::time_point deadline) : api_(api) {
  std::unique_lock lock(api->slots_mu_);
  acquired_ = api->slots_cv_.wait_until(lock, deadline, [&] { return api->free_slots_ > 0; });
  if (acquired_) --api->free_slots_;
}

TraceApi::Slot::~Slot() {
  if (!acquired_) return;
  {
    std::lock_guard lock(api_->slots_mu_);
    ++api_->free_slots_;
  }
  api_->slots_cv_.notify_one();
}

namespace {

// The hang-up flag of the request this thread serves (set by Cancellable), read by Deadline():
// the endpoints take form values, not the request, and every read they make takes its options
// from Deadline().
thread_local const std::atomic<bool>* current_cancelled = nullptr;

// Serves `route` with the client's socket watched: a search or trace read whose client hangs up
// stops at its next check instead of running to its timeout.
RouteHandler Cancellable(RouteHandler route) {
  return [route = std::move(route)](const HttpRequest& request, const RouteParams& params) {
    ClientWatcher watcher(request.socket_fd);
    current_cancelled = watcher.flag();
    HttpResponse response = route(request, params);
    current_cancelled = nullptr;
    return response;
  };
}

}  // namespace

ReadOptions TraceApi::Deadline() const {
  ReadOptions options;
  options.cancelled = current_cancelled;
  options.deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.timeout_ms);
  return options;
}

uint64_t TraceApi::NowNanos() const {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Result<uint64_t> ParseUnixTimeParam(const FormValues& form, const std::string& name,
                                    uint64_t unit_nanos, uint64_t fallback) {
  const std::string v = form.Get(name);
  if (v.empty()) return fallback;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) {
      return Status::InvalidArgument("invalid parameter \"" + name + "\": \"" + v +
                                     "\" is not a non-negative integer");
    }
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > UINT64_MAX / unit_nanos) {
    return Status::InvalidArgument("invalid parameter \"" + name + "\": " + v + " is out of range");
  }
  return n * unit_nanos;
}

Result<uint32_t> CountParam(const FormValues& form, const std::string& name, uint32_t fallback,
                            int64_t max, const std::string& max_key) {
  auto n = LimitParam(form, name);
  if (!n.ok()) return n.status();
  if (*n == 0) return fallback;
  if (*n > static_cast<uint64_t>(max)) {
    return Status::InvalidArgument(name + " " + form.Get(name) + " is over " + max_key + " (" +
                                   std::to_string(max) + ")");
  }
  return static_cast<uint32_t>(*n);
}

Result<std::string> ParseTraceId(std::string_view hex) {
  if (hex.empty() || hex.size() > 32) {
    return Status::InvalidArgument("trace id \"" + std::string(hex.substr(0, 64)) +
                                   "\" is not 1 to 32 hex digits");
  }
  std::string padded(32 - hex.size(), '0');  // Jaeger drops leading zeros
  padded += hex;
  std::string bytes;
  if (!ingest::FromHex(padded, &bytes)) {
    return Status::InvalidArgument("trace id \"" + std::string(hex) + "\" is not hex");
  }
  if (bytes == std::string(16, '\0')) {
    return Status::InvalidArgument("trace id " + std::string(hex) + " is all zeros");
  }
  return bytes;
}

namespace {

// Parses the URL's parameters first: malformed percent-encoding is a 400 naming it.
template <typename Endpoint>
RouteHandler WithQuery(Endpoint endpoint) {
  return [endpoint](const HttpRequest& request, const RouteParams& params) {
    auto form = FormValues::Parse(request);
    if (!form.ok()) {
      HttpResponse bad;
      bad.status = 400;
      bad.body = "invalid request parameters: " + form.status().message() + "\n";
      return bad;
    }
    return endpoint(request, *form, params);
  };
}

}  // namespace

std::vector<Route> TraceRoutes(TraceApi* api) {
  using P = const RouteParams&;
  using R = const HttpRequest&;
  const std::vector<std::string> get = {"GET"};
  using F = const FormValues&;
  std::vector<Route> routes = {
      // Jaeger's query API, v1 (the Jaeger UI up to 1.x, Grafana's Jaeger data source).
      {"/jaeger/api/services", get, RouteAccess::kRead, ErrorStyle::kText, "jaeger_services",
       WithQuery([=](R, F f, P) { return api->JaegerServices(f); })},
      {"/jaeger/api/services/{service}/operations", get, RouteAccess::kRead, ErrorStyle::kText,
       "jaeger_service_operations",
       WithQuery([=](R, F f, P p) { return api->JaegerServiceOperations(p.Get("service"), f); })},
      {"/jaeger/api/operations", get, RouteAccess::kRead, ErrorStyle::kText, "jaeger_operations",
       WithQuery([=](R, F f, P) { return api->JaegerOperations(f); })},
      {"/jaeger/api/traces/{id}", get, RouteAccess::kRead, ErrorStyle::kText, "jaeger_trace",
       [=](R, P p) { return api->JaegerTrace(p.Get("id")); }},
      {"/jaeger/api/traces", get, RouteAccess::kRead, ErrorStyle::kText, "jaeger_traces",
       WithQuery([=](R, F f, P) { return api->JaegerTraces(f); })},
      {"/jaeger/api/dependencies", get, RouteAccess::kRead, ErrorStyle::kText,
       "jaeger_dependencies", WithQuery([=](R, F f, P) { return api->JaegerDependencies(f); })},
      // Jaeger's v3 API (the current Jaeger UI): OTLP-shaped.
      {"/jaeger/api/v3/services", get, RouteAccess::kRead, ErrorStyle::kText, "jaeger_v3_services",
       [=](R, P) { return api->JaegerV3Services(); }},
      {"/jaeger/api/v3/operations", get, RouteAccess::kRead, ErrorStyle::kText,
       "jaeger_v3_operations", WithQuery([=](R, F f, P) { return api->JaegerV3Operations(f); })},
      {"/jaeger/api/v3/traces/{id}", get, RouteAccess::kRead, ErrorStyle::kText, "jaeger_v3_trace",
       WithQuery([=](R, F f, P p) { return api->JaegerV3Trace(p.Get("id"), f); })},
      {"/jaeger/api/v3/traces", get, RouteAccess::kRead, ErrorStyle::kText, "jaeger_v3_traces",
       WithQuery([=](R, F f, P) { return api->JaegerV3Traces(f); })},

      // Tempo's HTTP API (Grafana's Tempo data source).
      {"/api/traces/{id}", get, RouteAccess::kRead, ErrorStyle::kText, "tempo_trace",
       WithQuery([=](R r, F f, P p) { return api->TempoTrace(r, p.Get("id"), f, false); })},
      {"/api/v2/traces/{id}", get, RouteAccess::kRead, ErrorStyle::kText, "tempo_trace_v2",
       WithQuery([=](R r, F f, P p) { return api->TempoTrace(r, p.Get("id"), f, true); })},
      {"/api/search", get, RouteAccess::kRead, ErrorStyle::kText, "tempo_search",
       WithQuery([=](R, F f, P) { return api->TempoSearch(f); })},
      {"/api/search/tags", get, RouteAccess::kRead, ErrorStyle::kText, "tempo_tags",
       WithQuery([=](R, F f, P) { return api->TempoTags(f, false); })},
      {"/api/v2/search/tags", get, RouteAccess::kRead, ErrorStyle::kText, "tempo_tags_v2",
       WithQuery([=](R, F f, P) { return api->TempoTags(f, true); })},
      {"/api/search/tag/{tag}/values", get, RouteAccess::kRead, ErrorStyle::kText,
       "tempo_tag_values",
       WithQuery([=](R, F f, P p) { return api->TempoTagValues(p.Get("tag"), f, false); })},
      {"/api/v2/search/tag/{tag}/values", get, RouteAccess::kRead, ErrorStyle::kText,
       "tempo_tag_values_v2",
       WithQuery([=](R, F f, P p) { return api->TempoTagValues(p.Get("tag"), f, true); })},
      {"/api/echo", get, RouteAccess::kRead, ErrorStyle::kText, "tempo_echo",
       [=](R, P) { return api->TempoEcho(); }},
      {"/api/status/buildinfo", get, RouteAccess::kRead, ErrorStyle::kText, "tempo_buildinfo",
       [=](R, P) { return api->TempoBuildInfo(); }},
  };
  for (Route& route : routes) route.serve = Cancellable(std::move(route.serve));
  return routes;
}

}  // namespace tidemark::server
