#include "server/routes.h"

#include "server/api_params.h"
#include "server/api_response.h"
#include "server/notifier.h"
#include "server/prom_api.h"
#include "server/receivers.h"
#include "server/rules_api.h"
#include "server/rules_manager.h"
#include "server/scrape_api.h"
#include "server/tenants.h"
#include "server/trace_api.h"
#include "server/web_ui.h"

namespace tidemark::server {
namespace {

const std::vector<std::string> kGet = {"GET"};  // status and operational endpoints
const std::vector<std::string> kGetPost = {"GET", "POST"};
const std::vector<std::string> kPost = {"POST"};
const std::vector<std::string> kPostPut = {"POST", "PUT"};

// A Prometheus API endpoint: parses the form values first (bad_data when they are malformed).
template <typename Endpoint>
RouteHandler WithForm(Endpoint endpoint) {
  return [endpoint](const HttpRequest& request, const RouteParams& params) {
    auto form = FormValues::Parse(request);
    if (!form.ok()) return ApiError(ErrorType::kBadData, form.status().message());
    return endpoint(request, *form, params);
  };
}

}  // namespace

std::vector<Route> ApiRoutes(Receivers* receivers, Tenant* tenant, RulesManager* rules,
                             const Notifier* notifier, const ScrapeManager* scrape,
                             const std::string* web_ui_prefix) {
  PrometheusApi* api = tenant->api.get();
  TraceApi* traces = tenant->traces.get();
  // The default tenant's rules are given; another tenant's are its own, once it has some.
  auto rule_groups = [=] {
    RulesManager* manager = rules != nullptr ? rules : tenant->rules.load();
    return manager != nullptr ? manager->Snapshot() : std::vector<rules::GroupSnapshot>{};
  };
  using P = const RouteParams&;
  using F = const FormValues&;
  using R = const HttpRequest&;
  std::vector<Route> routes = {
      // Operational endpoints.
      {"/-/healthy", kGet, RouteAccess::kProbe, ErrorStyle::kText, "healthy",
       [=](R, P) { return receivers->Healthy(); }},
      {"/-/ready", kGet, RouteAccess::kProbe, ErrorStyle::kText, "ready",
       [=](R, P) { return receivers->Ready(); }},
      {"/metrics", kGet, RouteAccess::kRead, ErrorStyle::kText, "metrics",
       [=](R, P) { return receivers->Metrics(); }},
      {"/-/reload", kPostPut, RouteAccess::kLifecycle, ErrorStyle::kText, "reload",
       [=](R, P) { return receivers->Reload(); }},

      // Writes.
      {"/api/v1/write", kPost, RouteAccess::kWrite, ErrorStyle::kText, "remote_write",
       [=](R r, P) { return receivers->RemoteWrite(*tenant, r); }},
      // Prometheus 3's OTLP receiver path, for senders configured for Prometheus.
      {"/api/v1/otlp/v1/metrics", kPost, RouteAccess::kWrite, ErrorStyle::kText,
       "otlp_http_metrics", [=](R r, P) { return receivers->OtlpHttpMetrics(*tenant, r); }},

      // The Prometheus query API.
      {"/api/v1/query", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson, "query",
       WithForm([=](R r, F f, P) { return api->Query(r, f); })},
      {"/api/v1/query_range", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "query_range", WithForm([=](R r, F f, P) { return api->QueryRange(r, f); })},
      {"/api/v1/series", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson, "series",
       WithForm([=](R, F f, P) { return api->Series(f); })},
      {"/api/v1/labels", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson, "labels",
       WithForm([=](R, F f, P) { return api->Labels(f); })},
      {"/api/v1/label/{name}/values", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "label_values", WithForm([=](R, F f, P p) { return api->LabelValues(p.Get("name"), f); })},
      {"/api/v1/metadata", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson, "metadata",
       WithForm([=](R, F f, P) { return api->Metadata(f); })},
      {"/api/v1/query_exemplars", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "query_exemplars", WithForm([=](R, F f, P) { return api->QueryExemplars(f); })},
      {"/api/v1/format_query", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "format_query", WithForm([=](R, F f, P) { return api->FormatQuery(f); })},
      {"/api/v1/parse_query", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "parse_query", WithForm([=](R, F f, P) { return api->ParseQuery(f); })},
      {"/api/v1/status/buildinfo", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "status_buildinfo", [=](R, P) { return api->BuildInfo(); }},
      {"/api/v1/status/runtimeinfo", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "status_runtimeinfo", [=](R, P) { return api->RuntimeInfo(); }},
      {"/api/v1/status/flags", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "status_flags", [=](R, P) { return api->Flags(); }},
      {"/api/v1/status/config", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "status_config", [=](R, P) { return api->Config(); }},
      {"/api/v1/status/tsdb", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson, "status_tsdb",
       WithForm([=](R, F f, P) { return api->TsdbStatus(f); })},
      {"/api/v1/status/storage", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "status_storage", [=](R, P) { return api->StorageStatus(); }},
      // Rules and alerts (rules_api.h).
      {"/api/v1/rules", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson, "rules",
       WithForm([=](R, F f, P) { return RulesResponse(rule_groups(), f); })},
      {"/api/v1/alerts", kGetPost, RouteAccess::kRead, ErrorStyle::kPrometheusJson, "alerts",
       [=](R, P) { return AlertsResponse(rule_groups()); }},
      // Scraping (scrape_api.h).
      {"/api/v1/targets", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson, "targets",
       WithForm([=](R, F f, P) { return TargetsResponse(scrape, f); })},
      {"/api/v1/targets/metadata", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "targets_metadata", WithForm([=](R, F f, P) { return TargetsMetadataResponse(scrape, f); })},
      {"/api/v1/scrape_pools", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "scrape_pools", [=](R, P) { return ScrapePoolsResponse(scrape); }},
      {"/api/v1/alertmanagers", kGet, RouteAccess::kRead, ErrorStyle::kPrometheusJson,
       "alertmanagers",
       [=](R, P) {
         return AlertmanagersResponse(notifier != nullptr ? notifier : tenant->notifier.load());
       }},

      // Admin: off unless enabled.
      {"/api/v1/admin/tsdb/delete_series", kPostPut, RouteAccess::kAdmin,
       ErrorStyle::kPrometheusJson, "admin_tsdb_delete_series",
       WithForm([=](R, F f, P) { return api->DeleteSeries(f); })},
      {"/api/v1/admin/flush", kPostPut, RouteAccess::kAdmin, ErrorStyle::kText, "admin_flush",
       [=](R, P) { return receivers->Flush(*tenant); }},
      {"/api/v1/admin/compact", kPostPut, RouteAccess::kAdmin, ErrorStyle::kText, "admin_compact",
       [=](R, P) { return receivers->Compact(*tenant); }},
  };
  // The trace APIs: Jaeger under /jaeger, Tempo at the root (trace_api.cc).
  for (Route& route : TraceRoutes(traces)) routes.push_back(std::move(route));
  // The web UI: pages at /, /query, /traces, ... and their files under /assets/ (web_ui.h).
  if (web_ui_prefix != nullptr) {
    for (Route& route : WebUiRoutes(EmbeddedWebAssets(), *web_ui_prefix)) {
      routes.push_back(std::move(route));
    }
  }
  return routes;
}

}  // namespace tidemark::server
