// The write endpoints: OTLP over HTTP and gRPC, Prometheus remote_write, and the operational
// endpoints of the HTTP API port. The only place where Status codes become HTTP and gRPC codes.
#ifndef TIDEMARK_SERVER_RECEIVERS_H_
#define TIDEMARK_SERVER_RECEIVERS_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "ingest/otlp_metrics.h"
#include "ingest/remote_write.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
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

  Status ExportTraces(
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response,
      const std::string& protocol);
  Status ExportMetrics(
      const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* response,
      const std::string& protocol);

  void SetReady(bool ready) { ready_ = ready; }

 private:
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

// gRPC services over the same Receivers.
class TraceGrpcService final
    : public opentelemetry::proto::collector::trace::v1::TraceService::Service {
 public:
  explicit TraceGrpcService(Receivers* r) : r_(r) {}
  grpc::Status Export(
      grpc::ServerContext*,
      const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* req,
      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* resp) override;

 private:
  Receivers* r_;
};

class MetricsGrpcService final
    : public opentelemetry::proto::collector::metrics::v1::MetricsService::Service {
 public:
  explicit MetricsGrpcService(Receivers* r) : r_(r) {}
  grpc::Status Export(
      grpc::ServerContext*,
      const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest* req,
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* resp) override;

 private:
  Receivers* r_;
};

class LogsGrpcService final
    : public opentelemetry::proto::collector::logs::v1::LogsService::Service {
 public:
  grpc::Status Export(
      grpc::ServerContext*,
      const opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest*,
      opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse*) override {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "tidemark does not store logs yet");
  }
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_RECEIVERS_H_
