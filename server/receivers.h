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
  // `rules` (may be null) serves /api/v1/rules and /api/v1/alerts, `notifier` (may be null: no
  // alert delivery) /api/v1/alertmanagers, `scrape` (may be null: no scraping) the target APIs;
  // `auth` (may be null: no authentication) decides who may call what; all must outlive the
  // Receivers.
  Receivers(Engine* engine, SelfMetrics* metrics, const ServerConfig& config,
            RulesManager* rules = nullptr, const Notifier* notifier = nullptr,
            const ScrapeManager* scrape = nullptr, const Authenticator* auth = nullptr);

  // Port 4318: POST /v1/traces, /v1/metrics, /v1/logs.
  HttpResponse HandleOtlpHttp(const HttpRequest& request);
  // Port 9090: every route of ApiRoutes (routes.cc).
  HttpResponse HandleApi(const HttpRequest& request);

  // Endpoints of the API port (routes.cc maps paths to them).
  HttpResponse Healthy() const;
  HttpResponse Ready() const;
  HttpResponse Metrics() const;
  HttpResponse Flush();
  // POST /-/reload: runs the reloader (SetReloader); 500 with its error, keeping the old state.
  HttpResponse Reload();
  void SetReloader(std::function<Status()> reload) { reload_ = std::move(reload); }
  // POST /api/v1/write: Prometheus remote_write 1.0.
  HttpResponse RemoteWrite(const HttpRequest& request);
  // POST /api/v1/otlp/v1/metrics (Prometheus 3's OTLP path): as /v1/metrics on the OTLP port.
  HttpResponse OtlpHttpMetrics(const HttpRequest& request);

  // An ExportTraceServiceRequest's wire bytes (OTLP/gRPC, OTLP/HTTP protobuf), decoded straight
  // into spans.
  Status ExportTraces(
      std::string_view request_bytes,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response,
      const std::string& protocol);
  // The same for a parsed request (OTLP/JSON).
  Status ExportTraces(
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response,
      const std::string& protocol);
  // An ExportMetricsServiceRequest's wire bytes, translated from views of the bytes.
  Status ExportMetrics(
      std::string_view request_bytes,
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* response,
      const std::string& protocol);
  Status ExportMetrics(
      const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* response,
      const std::string& protocol);

  void SetReady(bool ready) { ready_ = ready; }

 private:
  // Stores what the translation produced besides samples and fills the response.
  Status FinishMetrics(
      Result<ingest::MetricsTranslationReport> report,
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* response,
      const std::string& protocol);
  Status ExportSpans(
      std::vector<Span> spans,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response,
      const std::string& protocol);

  enum class OtlpSignal { kTraces, kMetrics, kLogs };
  HttpResponse ServeOtlpHttp(const HttpRequest& request, OtlpSignal signal);
  // Logs rejected remote_write samples at most once every 10 seconds.
  void LogRejectionsSampled(const std::string& message);

  // Logs a failed request (5xx as errors, 4xx at info or debug) and records its latency.
  void Finish(const std::string& handler, const HttpRequest& req, const HttpResponse& response,
              std::chrono::steady_clock::time_point started);

  Engine* engine_;
  SelfMetrics* metrics_;
  const ServerConfig& config_;
  ingest::MetricsTranslator translator_;
  ingest::SeriesRefCache series_cache_;
  std::unique_ptr<PrometheusApi> prom_api_;
  std::unique_ptr<TraceApi> trace_api_;
  const Authenticator* auth_ = nullptr;
  std::unique_ptr<Router> api_router_;             // after the APIs: its routes call into them
  std::atomic<int64_t> last_rejection_log_ms_{0};  // remote_write rejections are logged sampled
  std::atomic<bool> ready_{false};
  std::function<Status()> reload_;  // set before serving
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_RECEIVERS_H_
