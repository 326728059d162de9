// The write endpoints: OTLP over HTTP and gRPC, Prometheus remote_write, and the operational
// endpoints of the HTTP API port. The only place where Status codes become HTTP and gRPC codes.
#ifndef TIDEMARK_SERVER_RECEIVERS_H_
#define TIDEMARK_SERVER_RECEIVERS_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>

#include "ingest/otlp_metrics.h"
#include "ingest/remote_write.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/prom_api.h"
#include "server/router.h"
#include "server/self_metrics.h"
#include "server/tenants.h"
#include "server/trace_api.h"
#include "tidemark/engine.h"

namespace tidemark::server {

class Notifier;

int HttpStatusFor(const Status& s);
grpc::Status GrpcStatusFor(const Status& s);

class RulesManager;
class ScrapeManager;

class Receivers {
 public:
  // `engine` is the default tenant's (server/tenants.h). `rules` (may be null) serves
  // /api/v1/rules and /api/v1/alerts, `notifier` (may be null: no alert delivery)
  // /api/v1/alertmanagers, `scrape` (may be null: no scraping) the target APIs, all of the
  // default tenant; `auth` (may be null: no authentication) decides who may call what; all must
  // outlive the Receivers.
  Receivers(Engine* engine, SelfMetrics* metrics, const ServerConfig& config,
            RulesManager* rules = nullptr, const Notifier* notifier = nullptr,
            const ScrapeManager* scrape = nullptr, const Authenticator* auth = nullptr);
  ~Receivers();

  // With tenants on: opens the tenants that have data, so that their retention runs.
  Status OpenTenants() { return tenants_->OpenExisting(); }
  // Flushes every tenant's engine (at shutdown); the first error.
  Status FlushAll();

  // Port 4318: POST /v1/traces, /v1/metrics, /v1/logs.
  HttpResponse HandleOtlpHttp(const HttpRequest& request);
  // Port 9090: every route of ApiRoutes (routes.cc).
  HttpResponse HandleApi(const HttpRequest& request);

  // Endpoints of the API port (routes.cc maps paths to them).
  HttpResponse Healthy() const;
  HttpResponse Ready() const;
  HttpResponse Metrics() const;
  HttpResponse Flush(Tenant& tenant);
  // Flush, then merge every partition's blocks per series and compact the series records, the
  // current partition too (what the maintenance thread does once a partition has ended), as
  // VictoriaMetrics' /internal/force_merge does; e.g. before measuring bytes on disk.
  HttpResponse Compact(Tenant& tenant);
  // POST /-/reload: runs the reloader (SetReloader); 500 with its error, keeping the old state.
  HttpResponse Reload();
  void SetReloader(std::function<Status()> reload) { reload_ = std::move(reload); }
  // POST /api/v1/write: Prometheus remote_write 1.0 and 2.0.
  HttpResponse RemoteWrite(Tenant& tenant, const HttpRequest& request);
  // POST /api/v1/otlp/v1/metrics (Prometheus 3's OTLP path): as /v1/metrics on the OTLP port.
  HttpResponse OtlpHttpMetrics(Tenant& tenant, const HttpRequest& request);

  // OTLP/gRPC: the tenant named by the call's x-scope-orgid metadata (`org_id`, empty when
  // absent), then the export. InvalidArgument, ResourceExhausted when the tenant cannot be
  // served; Unauthenticated is reported as PERMISSION_DENIED... (see GrpcTenantStatus).
  Result<Tenant*> TenantForGrpc(std::string_view org_id);
  bool tenants_enabled() const { return tenants_->enabled(); }
  // Applies a reloaded configuration's tenant limits to the open tenants and those opened later
  // (TenantRegistry::Reconfigure).
  Status ReconfigureTenants(const ServerConfig& fresh);
  // The tenant `id`, opened (created if it has no data yet) for the server's own use: its rules.
  Result<Tenant*> OpenTenant(const std::string& id) { return tenants_->Resolve(id, true); }
  // An ExportTraceServiceRequest's wire bytes (OTLP/gRPC, OTLP/HTTP protobuf), decoded straight
  // into spans.
  Status ExportTraces(
      Tenant& tenant, std::string_view request_bytes,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response,
      const std::string& protocol);
  // The same for a parsed request (OTLP/JSON).
  Status ExportTraces(
      Tenant& tenant,
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response,
      const std::string& protocol);
  // An ExportMetricsServiceRequest's wire bytes, translated from views of the bytes.
  Status ExportMetrics(
      Tenant& tenant, std::string_view request_bytes,
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* response,
      const std::string& protocol);
  Status ExportMetrics(
      Tenant& tenant,
      const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* response,
      const std::string& protocol);

  void SetReady(bool ready) { ready_ = ready; }

 private:
  // Stores what the translation produced besides samples and fills the response.
  Status FinishMetrics(
      Tenant& tenant, Result<ingest::MetricsTranslationReport> report,
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* response,
      const std::string& protocol);
  Status ExportSpans(
      Tenant& tenant, std::vector<Span> spans,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response,
      const std::string& protocol);

  enum class OtlpSignal { kTraces, kMetrics, kLogs };
  HttpResponse ServeOtlpHttp(Tenant& tenant, const HttpRequest& request, OtlpSignal signal);
  // A tenant's services over `engine` (the default tenant's) or an engine opened from `dir`.
  Result<std::unique_ptr<Tenant>> MakeTenant(const std::string& id, const TenantLimits& limits,
                                             Engine* engine, const std::string& dir);
  // The tenant a request names (X-Scope-OrgID); `writes`: the request stores data, so a tenant
  // without any yet is created. A read of a tenant with no data is answered from an empty one.
  Result<Tenant*> TenantFor(const HttpRequest& request, bool writes);
  // Whether the request's credentials may act for the tenant it names (web.auth.tenants).
  AuthDecision TenantBinding(const HttpRequest& request) const;
  // Whether the tenant's ingestion rate allows another request now (429 when not).
  static Status CheckRate(RateLimit* limit, const char* what);
  // Logs rejected remote_write samples at most once every 10 seconds.
  void LogRejectionsSampled(const std::string& message);

  // Logs a failed request (5xx as errors, 4xx at info or debug) and records its latency.
  void Finish(const std::string& handler, const HttpRequest& req, const HttpResponse& response,
              std::chrono::steady_clock::time_point started);

  SelfMetrics* metrics_;
  const ServerConfig& config_;
  ingest::MetricsTranslator translator_;
  RulesManager* rules_;
  const Notifier* notifier_;
  const ScrapeManager* scrape_;
  const Authenticator* auth_ = nullptr;
  PrometheusApi::Settings api_settings_;  // every tenant's, but for its concurrency
  std::unique_ptr<TenantRegistry> tenants_;
  // Reads of a tenant that has no data yet: answered from this empty engine's services rather
  // than by creating the tenant. Made on first use.
  std::mutex empty_mu_;
  std::unique_ptr<Tenant> empty_tenant_;
  std::atomic<int64_t> last_rejection_log_ms_{0};  // remote_write rejections are logged sampled
  std::atomic<bool> ready_{false};
  std::function<Status()> reload_;  // set before serving
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_RECEIVERS_H_
