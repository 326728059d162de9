// The write endpoints: OTLP over HTTP and gRPC, Prometheus remote_write, and the operational
// endpoints of the HTTP API port. The only place where Status codes become HTTP and gRPC codes.
#ifndef TIDEMARK_SERVER_RECEIVERS_H_
#define TIDEMARK_SERVER_RECEIVERS_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "ingest/otlp_metrics.h"
#include "ingest/remote_write.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/prom_api.h"
#include "server/self_metrics.h"
#include "tidemark/engine.h"

namespace tidemark::server {

int HttpStatusFor(const Status& s);
grpc::Status GrpcStatusFor(const Status& s);

class Receivers {
 public:
  Receivers(Engine* engine, SelfMetrics* metrics, const ServerConfig& config);

  // Port 4318: POST /v1/traces, /v1/metrics, /v1/logs.
  HttpResponse HandleOtlpHttp(const HttpRequest& request);
  // Port 9090: POST /api/v1/write, /api/v1/admin/flush; GET /-/ready, /-/healthy, /metrics;
  // the Prometheus query API (/api/v1/query, ..., see PrometheusApi).
  HttpResponse HandleApi(const HttpRequest& request);

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

  // Logs a failed request (errors only) and records its latency.
  void Finish(const std::string& handler, const HttpRequest& req, const HttpResponse& response,
              std::chrono::steady_clock::time_point started);

  Engine* engine_;
  SelfMetrics* metrics_;
  const ServerConfig& config_;
  ingest::MetricsTranslator translator_;
  ingest::SeriesRefCache series_cache_;
  std::unique_ptr<PrometheusApi> prom_api_;
  std::atomic<bool> ready_{false};
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_RECEIVERS_H_
