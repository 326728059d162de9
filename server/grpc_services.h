// The OTLP gRPC services (port 4317) on gRPC's callback API.
//
// Why not the synchronous API: it parses every request into heap-allocated protobuf objects (a
// malloc per attribute, most of an export's CPU) and holds one of gRPC's threads per call. Here
// the request arrives as raw bytes for the receivers' wire decoders, and the export (which
// blocks until its group commit is durable) runs on our own bounded pool of workers, so gRPC's
// reactor threads never block. A full queue answers UNAVAILABLE, which OTLP exporters retry.
#ifndef TIDEMARK_SERVER_GRPC_SERVICES_H_
#define TIDEMARK_SERVER_GRPC_SERVICES_H_

#include <grpcpp/grpcpp.h>

#include <functional>

#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "server/auth.h"
#include "server/receivers.h"
#include "util/thread_pool.h"

namespace tidemark::server {

// The call's `authorization` metadata checked for the write permission: OK, UNAUTHENTICATED
// or PERMISSION_DENIED with the reason. OK when `auth` is null or off.
grpc::Status CheckExportAuth(const grpc::CallbackServerContext* context, const Authenticator* auth);

// The tenant the call's x-scope-orgid metadata names (server/tenants.h): UNAUTHENTICATED without
// one when tenants are on, INVALID_ARGUMENT for a bad id, UNAVAILABLE past tenants.max_tenants.
// With `auth`, the call's credentials must be allowed the tenant (web.auth.tenants):
// PERMISSION_DENIED otherwise.
Result<Tenant*> TenantOfCall(const grpc::CallbackServerContext* context, Receivers* receivers,
                             const Authenticator* auth, grpc::Status* refused);

// Runs `export_fn(request bytes, &response bytes)` on a worker of `pool` and finishes the call
// with its status (UNAVAILABLE when the pool's queue is full).
grpc::ServerUnaryReactor* RunExport(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response, util::ThreadPool* pool, const char* what,
    std::function<Status(std::string_view request, std::string* response)> export_fn);

// TraceService or MetricsService: Export hands the request's bytes to `kExport` of Receivers,
// for the tenant the call names.
template <typename GrpcService, typename Response,
          Status (Receivers::*kExport)(Tenant&, std::string_view, Response*, const std::string&)>
class OtlpExportService final
    : public GrpcService::template WithRawCallbackMethod_Export<typename GrpcService::Service> {
 public:
  OtlpExportService(Receivers* receivers, util::ThreadPool* pool, const char* what,
                    const Authenticator* auth = nullptr)
      : r_(receivers), pool_(pool), what_(what), auth_(auth) {}
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    if (grpc::Status refused = CheckExportAuth(context, auth_); !refused.ok()) {
      grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
      reactor->Finish(refused);
      return reactor;
    }
    grpc::Status refused;
    auto tenant = TenantOfCall(context, r_, auth_, &refused);
    if (!tenant.ok()) {
      grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
      reactor->Finish(refused);
      return reactor;
    }
    Receivers* r = r_;
    Tenant* t = *tenant;
    return RunExport(context, request, response, pool_, what_,
                     [r, t](std::string_view bytes, std::string* out) {
                       Response message;
                       const Status s = (r->*kExport)(*t, bytes, &message, "otlp_grpc");
                       if (s.ok()) *out = message.SerializeAsString();
                       return s;
                     });
  }

 private:
  Receivers* r_;
  util::ThreadPool* pool_;
  const char* what_;  // "trace" or "metrics", in logs
  const Authenticator* auth_;
};

using TraceGrpcService =
    OtlpExportService<opentelemetry::proto::collector::trace::v1::TraceService,
                      opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse,
                      &Receivers::ExportTraces>;
using MetricsGrpcService =
    OtlpExportService<opentelemetry::proto::collector::metrics::v1::MetricsService,
                      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse,
                      &Receivers::ExportMetrics>;

// Logs are not stored yet: UNIMPLEMENTED with a message, as the OTLP specification allows (after
// the same authentication as the other exports, so that the answer tells nobody anything).
class LogsGrpcService final
    : public opentelemetry::proto::collector::logs::v1::LogsService::WithRawCallbackMethod_Export<
          opentelemetry::proto::collector::logs::v1::LogsService::Service> {
 public:
  explicit LogsGrpcService(const Authenticator* auth = nullptr) : auth_(auth) {}
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context, const grpc::ByteBuffer*,
                                   grpc::ByteBuffer*) override;

 private:
  const Authenticator* auth_;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_GRPC_SERVICES_H_
