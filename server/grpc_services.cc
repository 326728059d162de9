#include "server/grpc_services.h"

#include <string>

#include "server/log.h"

namespace tidemark::server {

namespace {

// A worker's request buffer above this is freed after the request.
constexpr size_t kMaxRetainedBytes = 4 << 20;

// The request's bytes in one piece: gRPC hands them over as slices. One slice is viewed in place
// (`slices` keeps it referenced); several are joined into `buffer`, the worker thread's own,
// which keeps its capacity between requests. Empty when gRPC cannot read the buffer.
std::string_view Contiguous(const grpc::ByteBuffer& request, std::vector<grpc::Slice>* slices,
                            std::string* buffer) {
  if (!request.Dump(slices).ok()) return {};
  if (slices->size() == 1)
    return {reinterpret_cast<const char*>((*slices)[0].begin()), (*slices)[0].size()};
  buffer->clear();
  for (const grpc::Slice& s : *slices)
    buffer->append(reinterpret_cast<const char*>(s.begin()), s.size());
  return *buffer;
}

}  // namespace

grpc::Status CheckExportAuth(const grpc::CallbackServerContext* context,
                             const Authenticator* auth) {
  if (auth == nullptr || !auth->enabled()) return grpc::Status::OK;
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  const std::string_view value = it == metadata.end()
                                     ? std::string_view()
                                     : std::string_view(it->second.data(), it->second.size());
  const AuthDecision decision = auth->Check(value, Permission::kWrite);
  if (decision.allowed()) return grpc::Status::OK;
  return grpc::Status(decision.status == 401   ? grpc::StatusCode::UNAUTHENTICATED
                      : decision.status == 429 ? grpc::StatusCode::UNAVAILABLE
                                               : grpc::StatusCode::PERMISSION_DENIED,
                      decision.message);
}

Result<Tenant*> TenantOfCall(const grpc::CallbackServerContext* context, Receivers* receivers,
                             const Authenticator* auth, grpc::Status* refused) {
  const auto& metadata = context->client_metadata();
  auto value_of = [&](const std::string& key) {
    auto it = metadata.find(key);
    return it == metadata.end() ? std::string_view()
                                : std::string_view(it->second.data(), it->second.size());
  };
  const std::string_view org_id = value_of(std::string(kTenantHeader));
  if (auth != nullptr && receivers->tenants_enabled()) {
    const AuthDecision bound = auth->CheckTenant(value_of("authorization"), org_id);
    if (!bound.allowed()) {
      *refused = grpc::Status(bound.status == 401   ? grpc::StatusCode::UNAUTHENTICATED
                              : bound.status == 429 ? grpc::StatusCode::UNAVAILABLE
                                                    : grpc::StatusCode::PERMISSION_DENIED,
                              bound.message);
      return Status::InvalidArgument(bound.message);
    }
  }
  auto tenant = receivers->TenantForGrpc(org_id);
  if (!tenant.ok()) {
    const grpc::StatusCode code = org_id.empty() ? grpc::StatusCode::UNAUTHENTICATED
                                  : tenant.status().code() == StatusCode::kInvalidArgument
                                      ? grpc::StatusCode::INVALID_ARGUMENT
                                      : grpc::StatusCode::UNAVAILABLE;
    *refused = grpc::Status(code, tenant.status().message());
  }
  return tenant;
}

grpc::ServerUnaryReactor* RunExport(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response, util::ThreadPool* pool, const char* what,
    std::function<Status(std::string_view request, std::string* response)> export_fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The request and response buffers stay valid until Finish.
  const bool queued = pool->TrySubmit([reactor, request, response, what, export_fn] {
    thread_local std::string buffer;
    std::vector<grpc::Slice> slices;
    const std::string_view bytes = Contiguous(*request, &slices, &buffer);
    std::string out;
    const Status s = export_fn(bytes, &out);
    if (buffer.capacity() > kMaxRetainedBytes) std::string().swap(buffer);  // after a large one
    if (!s.ok()) {
      LogError(std::string("grpc ") + what + " export failed", {{"error", s.ToString()}});
      reactor->Finish(GrpcStatusFor(s));
      return;
    }
    grpc::Slice slice(out);
    *response = grpc::ByteBuffer(&slice, 1);
    reactor->Finish(grpc::Status::OK);
  });
  if (!queued) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "too many export requests queued; retry later"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* LogsGrpcService::Export(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer*, grpc::ByteBuffer*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status refused = CheckExportAuth(context, auth_); !refused.ok()) {
    reactor->Finish(refused);
    return reactor;
  }
  reactor->Finish(
      grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "tidemark does not store logs yet"));
  return reactor;
}

}  // namespace tidemark::server
