#include "server/receivers.h"

#include <absl/cleanup/cleanup.h>
#include <google/protobuf/arena.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>

#include "ingest/otlp_json.h"
#include "ingest/otlp_traces.h"
#include "ingest/remote_write.h"
#include "server/log.h"
#include "server/prom_json.h"
#include "server/routes.h"
#include "server/web_ui.h"
#include "util/status_macros.h"

namespace tidemark::server {

namespace tpb = opentelemetry::proto::collector::trace::v1;
namespace mpb = opentelemetry::proto::collector::metrics::v1;

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

grpc::Status GrpcStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, s.message());
    case StatusCode::kNotFound:
      return grpc::Status(grpc::StatusCode::NOT_FOUND, s.message());
    case StatusCode::kResourceExhausted:
      // OTLP: RESOURCE_EXHAUSTED is retryable only with RetryInfo; backpressure is UNAVAILABLE.
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, s.message());
    case StatusCode::kUnavailable:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, s.message());
    default:
      return grpc::Status(grpc::StatusCode::INTERNAL, s.message());
  }
}

namespace {

// Per-thread request buffers above this are freed after the request.
constexpr size_t kMaxRetainedBytes = 1 << 20;

// Inflates a gzip body, refusing to produce more than `limit` bytes. A body of several gzip
// members (concatenated streams, RFC 1952 2.2) inflates to all of them, as Go's gzip reader and
// so the OpenTelemetry Collector read it.
Status Gunzip(std::string_view in, size_t limit, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::Internal("zlib init");
  absl::Cleanup end = [&zs] { inflateEnd(&zs); };
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  char buf[64 * 1024];
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && zs.avail_in == 0))
      return Status::InvalidArgument("gzip body is corrupt");
    out->append(buf, sizeof buf - zs.avail_out);
    if (out->size() > limit) {
      return Status::ResourceExhausted("decompressed body over the limit of " +
                                       std::to_string(limit) + " bytes");
    }
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) return Status::OK();
      // Another member follows.
      if (inflateReset(&zs) != Z_OK) return Status::Internal("zlib reset");
      continue;
    }
    if (zs.avail_in == 0 && zs.avail_out != 0)
      return Status::InvalidArgument("gzip body is truncated");
  }
}

// google.rpc.Status {int32 code = 1; string message = 2;}, encoded by hand (its .proto is not
// part of OTLP).
std::string RpcStatusProto(int code, const std::string& message) {
  std::string out;
  out.push_back(0x08);
  for (uint32_t v = static_cast<uint32_t>(code);;) {
    if (v < 0x80) {
      out.push_back(static_cast<char>(v));
      break;
    }
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(0x12);
  for (uint64_t v = message.size();;) {
    if (v < 0x80) {
      out.push_back(static_cast<char>(v));
      break;
    }
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  return out + message;
}

enum class Body { kProtobuf, kJson };

// `grpc_code` < 0: the code GrpcStatusFor maps the status to.
HttpResponse ErrorResponse(int http_status, const Status& s, Body body, int grpc_code = -1) {
  HttpResponse r;
  r.status = http_status;
  if (grpc_code < 0) grpc_code = static_cast<int>(GrpcStatusFor(s).error_code());
  if (body == Body::kJson) {
    r.content_type = "application/json";
    r.body = "{\"code\":" + std::to_string(grpc_code) + ",\"message\":";
    AppendJsonString(&r.body, s.message());
    r.body += "}";
  } else {
    r.content_type = "application/x-protobuf";
    r.body = RpcStatusProto(grpc_code, s.message());
  }
  if (http_status == 429 || http_status == 503) r.headers.push_back({"Retry-After", "1"});
  return r;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

void Receivers::Finish(const std::string& handler, const HttpRequest& req,
                       const HttpResponse& response,
                       std::chrono::steady_clock::time_point started) {
  if (response.status >= 400) {
    // An error line means the server has a problem; a client's mistake is the client's to see
    // in its response, and shows here only at info (debug for unknown paths and methods).
    const LogLevel level = response.status >= 500                             ? LogLevel::kError
                           : response.status == 404 || response.status == 405 ? LogLevel::kDebug
                                                                              : LogLevel::kInfo;
    Log(level, response.status >= 500 ? "request failed" : "request refused",
        {{"path", req.path},
         {"status", std::to_string(response.status)},
         {"error", response.body.substr(0, 300)}});
  }
  metrics_->ObserveRequest(
      handler, response.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

Receivers::Receivers(Engine* engine, SelfMetrics* metrics, const ServerConfig& config,
                     RulesManager* rules, const Notifier* notifier, const ScrapeManager* scrape,
                     const Authenticator* auth)
    : metrics_(metrics),
      config_(config),
      translator_(config.translation),
      rules_(rules),
      notifier_(notifier),
      scrape_(scrape),
      auth_(auth) {
  PrometheusApi::Settings& api = api_settings_;
  api.query = config.query;
  api.config_yaml = RenderConfigYaml(config);
  api.flags = {
      {"config.file", config.config_file},
      {"storage.tsdb.path", config.data_dir},
      {"storage.tsdb.retention.time", FormatRetention(config.engine.retention_ms)},
      {"web.listen-address", config.http_addr},
      {"web.enable-admin-api", config.enable_admin_api ? "true" : "false"},
      {"otlp.grpc-address", config.otlp_grpc_addr},
      {"otlp.http-address", config.otlp_http_addr},
      {"query.lookback-delta", std::to_string(config.query.lookback_delta_ms / 1000) + "s"},
      {"query.timeout", std::to_string(config.query.timeout_ms / 1000) + "s"},
      {"query.max-samples", std::to_string(config.query.max_samples)},
      {"log.level", config.log_level}};
  api.storage_retention = FormatRetention(config.engine.retention_ms);
  api.span_retention = FormatRetention(config.engine.span_retention_ms);
  // One memory budget for every tenant's queries: the machine is shared.
  api.query_memory = QueryMemoryBudget(config.query);
  tenants_ = std::make_unique<TenantRegistry>(
      config.tenants, config.data_dir,
      [this](const std::string& id, const TenantLimits& limits, Engine* existing,
             const std::string& dir) { return MakeTenant(id, limits, existing, dir); });
  // Over the server's engine: nothing to open, so nothing to fail.
  Status made = tenants_->SetDefault(engine);
  if (!made.ok()) LogError("default tenant", {{"error", made.ToString()}});
}

Receivers::~Receivers() = default;

Result<std::unique_ptr<Tenant>> Receivers::MakeTenant(const std::string& id,
                                                      const TenantLimits& limits, Engine* engine,
                                                      const std::string& dir) {
  auto tenant = std::make_unique<Tenant>();
  tenant->id = id;
  if (engine == nullptr) {
    Options options = config_.engine;
    if (limits.max_active_series > 0) options.limits.max_active_series = limits.max_active_series;
    // Tenants are many and mostly small: no disk reserved ahead of what they write.
    options.preallocate_files = false;
    options.on_background_error = [id](const Status& s) {
      LogError("background work failed; writes that depend on it are refused until it succeeds",
               {{"tenant", id}, {"error", s.ToString()}});
    };
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(dir).parent_path(), ec);
    if (ec) return Status::IOError("tenant \"" + id + "\": mkdir " + dir + ": " + ec.message());
    auto opened = Engine::Open(options, dir);
    if (!opened.ok()) {
      return Status(opened.status().code(),
                    "tenant \"" + id + "\": open " + dir + ": " + opened.status().message());
    }
    tenant->owned_engine = std::move(opened).value();
    engine = tenant->owned_engine.get();
    for (const std::string& m : engine->recovery().messages)
      LogInfo("recovery", {{"tenant", id}, {"detail", m}});
  }
  tenant->engine = engine;
  PrometheusApi::Settings api = api_settings_;
  if (limits.max_concurrent_queries > 0) api.query.max_concurrency = limits.max_concurrent_queries;
  tenant->api = std::make_unique<PrometheusApi>(engine, std::move(api));
  tenant->traces = std::make_unique<TraceApi>(engine, config_.trace_query);
  // Rules, alerts, scrape targets and Alertmanagers are the default tenant's.
  const bool is_default = id == config_.tenants.default_tenant;
  // The web UI is the server's: served by the default tenant's table, to anyone who may read.
  const std::string web_ui_prefix = EffectiveRoutePrefix(config_);
  tenant->router = std::make_unique<Router>(
      ApiRoutes(this, tenant.get(), is_default ? rules_ : nullptr, is_default ? notifier_ : nullptr,
                is_default ? scrape_ : nullptr, is_default ? &web_ui_prefix : nullptr),
      Router::Options{.admin_enabled = config_.enable_admin_api,
                      .lifecycle_enabled = config_.enable_lifecycle,
                      .auth = auth_});
  tenant->samples = std::make_unique<RateLimit>(limits.samples_per_second);
  tenant->spans = std::make_unique<RateLimit>(limits.spans_per_second);
  return tenant;
}

Status Receivers::ReconfigureTenants(const ServerConfig& fresh) {
  return tenants_->Reconfigure(fresh.tenants, [&](Tenant* tenant, const TenantLimits& limits) {
    if (tenant->owned_engine != nullptr) {
      tenant->engine->SetMaxActiveSeries(limits.max_active_series > 0
                                             ? limits.max_active_series
                                             : fresh.engine.limits.max_active_series);
    }
    tenant->api->SetMaxConcurrency(limits.max_concurrent_queries > 0 ? limits.max_concurrent_queries
                                                                     : fresh.query.max_concurrency);
    tenant->samples->SetRate(limits.samples_per_second);
    tenant->spans->SetRate(limits.spans_per_second);
  });
}

Result<Tenant*> Receivers::TenantFor(const HttpRequest& request, bool writes) {
  TM_ASSIGN_OR_RETURN(Tenant * tenant,
                      tenants_->Resolve(request.Header(std::string(kTenantHeader)), writes));
  if (tenant != nullptr) return tenant;
  std::lock_guard lock(empty_mu_);
  if (empty_tenant_ == nullptr) {
    // '#' can never be in a tenant id, so no tenant's directory is this one.
    TM_ASSIGN_OR_RETURN(empty_tenant_,
                        MakeTenant("#empty", TenantLimits{}, nullptr, tenants_->DirOf("#empty")));
  }
  return empty_tenant_.get();
}

AuthDecision Receivers::TenantBinding(const HttpRequest& request) const {
  if (!tenants_->enabled() || auth_ == nullptr) return {};
  return auth_->CheckTenant(request.Header("authorization"),
                            request.Header(std::string(kTenantHeader)));
}

Result<Tenant*> Receivers::TenantForGrpc(std::string_view org_id) {
  return tenants_->Resolve(org_id, /*create=*/true);
}

Status Receivers::CheckRate(RateLimit* limit, const char* what) {
  if (limit == nullptr || limit->Allow()) return Status::OK();
  return Status::ResourceExhausted(std::string("the tenant's ingestion rate limit of ") +
                                   std::to_string(static_cast<int64_t>(limit->per_second())) + " " +
                                   what + " per second is reached; retry later");
}

Status Receivers::FlushAll() {
  Status first;
  for (Tenant* tenant : tenants_->All()) {
    Status s = tenant->engine->Flush();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status Receivers::ExportTraces(Tenant& tenant, std::string_view request_bytes,
                               tpb::ExportTraceServiceResponse* response,
                               const std::string& protocol) {
  TM_RETURN_IF_ERROR(CheckRate(tenant.spans.get(), "spans"));
  // While segments are behind, wait (bounded) for room before decoding: senders slow down
  // without retrying, and a refusal costs no decoding.
  if (!tenant.engine->AwaitSpanCapacity(config_.span_backpressure_wait_ms))
    return Status::Unavailable("span buffer is full: writing segments is behind, retry later");
  std::vector<Span> spans;
  TM_RETURN_IF_ERROR(ingest::DecodeOtlpTraces(request_bytes, &spans));
  return ExportSpans(tenant, std::move(spans), response, protocol);
}

Status Receivers::ExportTraces(Tenant& tenant, const tpb::ExportTraceServiceRequest& request,
                               tpb::ExportTraceServiceResponse* response,
                               const std::string& protocol) {
  TM_RETURN_IF_ERROR(CheckRate(tenant.spans.get(), "spans"));
  TM_ASSIGN_OR_RETURN(std::vector<Span> spans, ingest::SpansFromOtlp(request));
  return ExportSpans(tenant, std::move(spans), response, protocol);
}

Status Receivers::ExportMetrics(Tenant& tenant, std::string_view request_bytes,
                                mpb::ExportMetricsServiceResponse* response,
                                const std::string& protocol) {
  TM_RETURN_IF_ERROR(CheckRate(tenant.samples.get(), "samples"));
  auto appender = tenant.engine->NewAppender();
  return FinishMetrics(tenant, translator_.Translate(request_bytes, appender.get()), response,
                       protocol);
}

Status Receivers::ExportSpans(Tenant& tenant, std::vector<Span> spans,
                              tpb::ExportTraceServiceResponse* response,
                              const std::string& protocol) {
  if (spans.empty()) return Status::OK();
  tenant.spans->Spend(static_cast<double>(spans.size()));
  auto report = tenant.engine->AppendSpans(std::move(spans));
  if (!report.ok()) {
    if (report.status().code() == StatusCode::kResourceExhausted) {
      return Status::Unavailable(report.status().message());  // backpressure: retry later
    }
    return report.status();
  }
  metrics_->AddSpans(protocol, report->accepted, *report);
  if (report->rejected > 0) {
    auto* partial = response->mutable_partial_success();
    partial->set_rejected_spans(static_cast<int64_t>(report->rejected));
    std::string message = std::to_string(report->rejected) + " spans rejected";
    if (!report->first_rejections.empty())
      message += ", first: " + report->first_rejections.front();
    partial->set_error_message(message);
  }
  return Status::OK();
}

Status Receivers::ExportMetrics(Tenant& tenant, const mpb::ExportMetricsServiceRequest& request,
                                mpb::ExportMetricsServiceResponse* response,
                                const std::string& protocol) {
  TM_RETURN_IF_ERROR(CheckRate(tenant.samples.get(), "samples"));
  auto appender = tenant.engine->NewAppender();
  return FinishMetrics(tenant, translator_.Translate(request, appender.get()), response, protocol);
}

Status Receivers::FinishMetrics(Tenant& tenant, Result<ingest::MetricsTranslationReport> report,
                                mpb::ExportMetricsServiceResponse* response,
                                const std::string& protocol) {
  if (!report.ok()) return report.status();
  metrics_->AddSamples(protocol, report->commit.accepted, report->commit);
  tenant.samples->Spend(static_cast<double>(report->commit.accepted + report->commit.rejected));
  if (!report->exemplars.empty()) {
    auto stored = tenant.engine->AppendExemplars(report->exemplars);
    if (!stored.ok()) return stored.status();
  }
  for (const auto& [family, metadata] : report->metadata) {
    Status s = tenant.engine->SetMetricMetadata(family, metadata);
    if (!s.ok()) return s;
  }
  if (report->rejected_data_points > 0)
    metrics_->AddRejectedDataPoints(protocol, report->rejected_data_points);
  const uint64_t rejected = report->rejected_data_points + report->commit.rejected;
  if (rejected > 0) {
    auto* partial = response->mutable_partial_success();
    partial->set_rejected_data_points(static_cast<int64_t>(rejected));
    std::string message;
    if (!report->first_rejection.empty()) message = report->first_rejection;
    if (!report->commit.first_rejections.empty()) {
      if (!message.empty()) message += "; ";
      message += std::to_string(report->commit.rejected) +
                 " samples rejected, first: " + report->commit.first_rejections.front();
    }
    partial->set_error_message(message);
  }
  return Status::OK();
}

namespace {

// The answer to a request whose tenant cannot be served: 401 without a tenant (tenants on), 400
// for an id that cannot name one, 429 past tenants.max_tenants, else the engine's error.
HttpResponse TenantRefusal(const Status& s, const HttpRequest& req, ErrorStyle style) {
  if (req.Header(std::string(kTenantHeader)).empty()) {
    return RouteError(style, 401, "unauthorized", s.message());
  }
  const int status = s.code() == StatusCode::kInvalidArgument     ? 400
                     : s.code() == StatusCode::kResourceExhausted ? 429
                                                                  : HttpStatusFor(s);
  return RouteError(style, status, status == 400 ? "bad_data" : "unavailable", s.message());
}

}  // namespace

HttpResponse Receivers::HandleOtlpHttp(const HttpRequest& req) {
  if (auth_ != nullptr && auth_->enabled()) {
    // Every path of this port writes.
    const AuthDecision decision = auth_->Check(req.Header("authorization"), Permission::kWrite);
    if (!decision.allowed()) {
      HttpResponse refused = AuthRefusal(ErrorStyle::kText, decision);
      Finish("otlp_http_refused", req, refused, std::chrono::steady_clock::now());
      return refused;
    }
  }
  const auto started = std::chrono::steady_clock::now();
  if (req.path == "/v1/traces" || req.path == "/v1/metrics" || req.path == "/v1/logs") {
    const OtlpSignal signal = req.path == "/v1/traces"    ? OtlpSignal::kTraces
                              : req.path == "/v1/metrics" ? OtlpSignal::kMetrics
                                                          : OtlpSignal::kLogs;
    if (AuthDecision bound = TenantBinding(req); !bound.allowed()) {
      HttpResponse refused = AuthRefusal(ErrorStyle::kText, bound);
      Finish("otlp_http_refused", req, refused, started);
      return refused;
    }
    auto tenant = TenantFor(req, /*writes=*/true);
    if (!tenant.ok()) {
      HttpResponse refused = TenantRefusal(tenant.status(), req, ErrorStyle::kText);
      Finish("otlp_http_refused", req, refused, started);
      return refused;
    }
    return ServeOtlpHttp(**tenant, req, signal);
  }
  // Readable whatever the client asked for: this is most often a person trying a URL.
  HttpResponse response{
      404,
      "text/plain; charset=utf-8",
      "not found: " + req.path +
          "\nthe OTLP/HTTP port takes POST /v1/traces, /v1/metrics and /v1/logs\n",
      {}};
  Finish("otlp_http_not_found", req, response, started);
  return response;
}

HttpResponse Receivers::OtlpHttpMetrics(Tenant& tenant, const HttpRequest& request) {
  return ServeOtlpHttp(tenant, request, OtlpSignal::kMetrics);
}

HttpResponse Receivers::ServeOtlpHttp(Tenant& tenant, const HttpRequest& req, OtlpSignal signal) {
  const auto started = std::chrono::steady_clock::now();
  const std::string content_type = Lower(req.Header("content-type"));
  const Body body_kind =
      content_type.rfind("application/json", 0) == 0 ? Body::kJson : Body::kProtobuf;
  const bool traces = signal == OtlpSignal::kTraces, logs = signal == OtlpSignal::kLogs;
  const std::string handler = std::string("otlp_http") + (traces ? "_traces"
                                                          : logs ? "_logs"
                                                                 : "_metrics");
  HttpResponse response = [&]() -> HttpResponse {
    if (req.method != "POST") {
      HttpResponse r = ErrorResponse(405, Status::InvalidArgument("use POST"), body_kind);
      r.headers.push_back({"Allow", "POST"});
      return r;
    }
    if (content_type.rfind("application/x-protobuf", 0) != 0 && body_kind != Body::kJson) {
      return ErrorResponse(
          415,
          Status::InvalidArgument("unsupported Content-Type \"" + req.Header("content-type") +
                                  "\": use application/x-protobuf or application/json"),
          Body::kJson);
    }
    if (logs) {
      return ErrorResponse(501, Status::Unavailable("tidemark does not store logs yet"), body_kind,
                           static_cast<int>(grpc::StatusCode::UNIMPLEMENTED));
    }
    std::string inflated;
    std::string_view body = req.body;
    const std::string encoding = Lower(req.Header("content-encoding"));
    if (encoding == "gzip") {
      Status s = Gunzip(req.body, config_.max_request_bytes, &inflated);
      if (!s.ok())
        return ErrorResponse(s.code() == StatusCode::kResourceExhausted ? 413 : 400, s, body_kind);
      body = inflated;
    } else if (!encoding.empty() && encoding != "identity") {
      return ErrorResponse(
          415, Status::InvalidArgument("unsupported Content-Encoding \"" + encoding + "\""),
          body_kind);
    }
    auto respond = [&](const google::protobuf::Message& message) {
      HttpResponse r;
      if (body_kind == Body::kJson) {
        auto json = ingest::ToOtlpJson(message);
        r.content_type = "application/json";
        r.body = json.ok() ? *json : "{}";
      } else {
        r.content_type = "application/x-protobuf";
        r.body = message.SerializeAsString();
      }
      return r;
    };
    if (body_kind == Body::kProtobuf) {
      Status s;
      if (traces) {
        tpb::ExportTraceServiceResponse out;
        s = ExportTraces(tenant, body, &out, "otlp_http");
        if (s.ok()) return respond(out);
      } else {
        mpb::ExportMetricsServiceResponse out;
        s = ExportMetrics(tenant, body, &out, "otlp_http");
        if (s.ok()) return respond(out);
      }
      return ErrorResponse(HttpStatusFor(s), s, body_kind);
    }
    google::protobuf::Arena arena;  // the request's many small allocations, freed together
    if (traces) {
      auto* request =
          google::protobuf::Arena::CreateMessage<tpb::ExportTraceServiceRequest>(&arena);
      tpb::ExportTraceServiceResponse out;
      Status s = ingest::ParseOtlpJson(body, request);
      if (s.ok()) s = ExportTraces(tenant, *request, &out, "otlp_http");
      return s.ok() ? respond(out) : ErrorResponse(HttpStatusFor(s), s, body_kind);
    }
    auto* request =
        google::protobuf::Arena::CreateMessage<mpb::ExportMetricsServiceRequest>(&arena);
    mpb::ExportMetricsServiceResponse out;
    Status s = ingest::ParseOtlpJson(body, request);
    if (s.ok()) s = ExportMetrics(tenant, *request, &out, "otlp_http");
    return s.ok() ? respond(out) : ErrorResponse(HttpStatusFor(s), s, body_kind);
  }();
  Finish(handler, req, response, started);
  return response;
}

HttpResponse Receivers::HandleApi(const HttpRequest& req) {
  const auto started = std::chrono::steady_clock::now();
  std::string handler = "tenant_refused";
  HttpResponse response;
  // The operational endpoints are the server's, not a tenant's: they need no header.
  const bool server_wide = req.path == "/-/healthy" || req.path == "/-/ready" ||
                           req.path == "/-/reload" || req.path == "/metrics" ||
                           IsWebUiPath(req.path);
  const bool writes = req.path == "/api/v1/write" || req.path == "/api/v1/otlp/v1/metrics";
  if (server_wide) {
    response = tenants_->Default()->router->Serve(req, &handler);
  } else if (AuthDecision bound = TenantBinding(req); !bound.allowed()) {
    // Credentials first: a tenant is not opened (nor created) for a caller who is nobody.
    response = AuthRefusal(ErrorStyle::kPrometheusJson, bound);
  } else if (auto tenant = TenantFor(req, writes); !tenant.ok()) {
    response = TenantRefusal(tenant.status(), req, ErrorStyle::kPrometheusJson);
  } else {
    response = (*tenant)->router->Serve(req, &handler);
  }
  Finish(handler, req, response, started);
  return response;
}

HttpResponse Receivers::Healthy() const {
  return {200, "text/plain; charset=utf-8", "tidemark is Healthy.\n", {}};
}

HttpResponse Receivers::Ready() const {
  if (!ready_) return {503, "text/plain; charset=utf-8", "Service Unavailable\n", {}};
  for (Tenant* tenant : tenants_->All()) {
    if (Status bg = tenant->engine->BackgroundError(); !bg.ok()) {
      return {503, "text/plain; charset=utf-8", "Service Unavailable: " + bg.message() + "\n", {}};
    }
  }
  return {200, "text/plain; charset=utf-8", "tidemark is Ready.\n", {}};
}

HttpResponse Receivers::Metrics() const {
  return {200,
          "text/plain; version=0.0.4; charset=utf-8",
          metrics_->RenderText(*tenants_->Default()->engine),
          {}};
}

HttpResponse Receivers::Reload() {
  if (!reload_) return {500, "text/plain; charset=utf-8", "reloading is not available\n", {}};
  Status s = reload_();
  if (!s.ok()) {
    return {500,
            "text/plain; charset=utf-8",
            "failed to reload config: " + std::string(s.message()) + "\n",
            {}};
  }
  return {200, "text/plain; charset=utf-8", "", {}};
}

HttpResponse Receivers::Flush(Tenant& tenant) {
  Status s = tenant.engine->Flush();
  if (!s.ok()) return {HttpStatusFor(s), "text/plain; charset=utf-8", s.ToString() + "\n", {}};
  return {204, "text/plain; charset=utf-8", "", {}};
}

HttpResponse Receivers::Compact(Tenant& tenant) {
  Status s = tenant.engine->Flush();
  if (s.ok()) s = tenant.engine->Compact(INT64_MAX);
  if (!s.ok()) return {HttpStatusFor(s), "text/plain; charset=utf-8", s.ToString() + "\n", {}};
  return {204, "text/plain; charset=utf-8", "", {}};
}

namespace {

// The remote_write message a Content-Type names, or InvalidArgument for one tidemark does not read.
Result<ingest::RemoteWriteVersion> RemoteWriteMessage(std::string_view content_type) {
  // application/x-protobuf[;proto=<message>] (lower-cased), parameters in any order.
  size_t at = content_type.find(';');
  while (at != std::string_view::npos) {
    std::string_view param = content_type.substr(at + 1);
    const size_t next = param.find(';');
    if (next != std::string_view::npos) param = param.substr(0, next);
    while (!param.empty() && param.front() == ' ') param.remove_prefix(1);
    while (!param.empty() && param.back() == ' ') param.remove_suffix(1);
    if (param.starts_with("proto=")) {
      std::string_view message = param.substr(6);
      if (message.size() >= 2 && message.front() == '"' && message.back() == '"')
        message = message.substr(1, message.size() - 2);
      if (message == "prometheus.writerequest") return ingest::RemoteWriteVersion::kV1;
      if (message == "io.prometheus.write.v2.request") return ingest::RemoteWriteVersion::kV2;
      return Status::InvalidArgument(
          "unsupported remote_write message \"" + std::string(message) +
          "\": tidemark takes prometheus.WriteRequest (1.0) and io.prometheus.write.v2.Request "
          "(2.0)");
    }
    at = next == std::string_view::npos ? next : at + 1 + next;
  }
  return ingest::RemoteWriteVersion::kV1;
}

}  // namespace

HttpResponse Receivers::RemoteWrite(Tenant& tenant, const HttpRequest& req) {
  // Remote-write senders send protobuf; anything else is a client that is not one (or a web
  // page posting a form through a browser).
  const std::string content_type = Lower(req.Header("content-type"));
  if (!content_type.empty() && !content_type.starts_with("application/x-protobuf")) {
    return {415,
            "text/plain; charset=utf-8",
            "unsupported Content-Type \"" + req.Header("content-type") +
                "\": remote_write takes application/x-protobuf (snappy-compressed)\n",
            {}};
  }
  // Remote-Write 2.0 names the message in the media type's `proto` parameter; no parameter is
  // 1.0. A message or an encoding tidemark does not read is a 415, which a 2.0 sender answers by
  // falling back to 1.0.
  auto version = RemoteWriteMessage(content_type);
  if (!version.ok())
    return {415, "text/plain; charset=utf-8", version.status().message() + "\n", {}};
  const std::string encoding = Lower(req.Header("content-encoding"));
  if (!encoding.empty() && encoding != "snappy") {
    return {415,
            "text/plain; charset=utf-8",
            "unsupported Content-Encoding \"" + req.Header("content-encoding") +
                "\": remote_write bodies are snappy-compressed\n",
            {}};
  }
  // Decoded into views of the decompressed bytes; both buffers are kept per thread so that
  // a connection's requests reuse their memory.
  thread_local std::string decoded;
  thread_local ingest::RemoteWriteRequest request;
  // ...unless a request was unusually large: hundreds of connection threads must not each
  // keep the largest request they ever saw.
  absl::Cleanup release = [] {
    if (decoded.capacity() > kMaxRetainedBytes) std::string().swap(decoded);
    if (request.labels.capacity() > kMaxRetainedBytes / sizeof(ingest::LabelView))
      request = ingest::RemoteWriteRequest();
  };
  if (Status limited = CheckRate(tenant.samples.get(), "samples"); !limited.ok()) {
    return {429, "text/plain; charset=utf-8", limited.message() + "\n", {{"Retry-After", "1"}}};
  }
  Status s =
      ingest::DecodeRemoteWrite(req.body, config_.max_request_bytes, &decoded, &request, *version);
  if (!s.ok())
    return {s.code() == StatusCode::kResourceExhausted ? 413 : 400,
            "text/plain",
            s.message() + "\n",
            {}};
  auto report = ingest::AppendRemoteWrite(request, *tenant.engine, &tenant.series_cache);
  if (!report.ok()) {
    const int code = report.status().code() == StatusCode::kInvalidArgument ? 400
                     : report.status().code() == StatusCode::kResourceExhausted
                         ? 400
                         : HttpStatusFor(report.status());
    HttpResponse failed{code, "text/plain", report.status().message() + "\n", {}};
    // Senders retry 5xx and 429 with backoff; say when.
    if (code == 429 || code >= 500) failed.headers.push_back({"Retry-After", "1"});
    return failed;
  }
  metrics_->AddSamples("remote_write", report->commit.accepted, report->commit);
  tenant.samples->Spend(static_cast<double>(report->commit.accepted + report->commit.rejected));
  // What was written, as Remote-Write 2.0 requires of every answer (1.0 senders ignore it).
  std::vector<std::pair<std::string, std::string>> written = {
      {"X-Prometheus-Remote-Write-Samples-Written", std::to_string(report->commit.accepted)},
      {"X-Prometheus-Remote-Write-Histograms-Written", "0"},
      {"X-Prometheus-Remote-Write-Exemplars-Written", std::to_string(report->exemplars.accepted)}};
  std::string message;
  if (report->commit.rejected > 0) {
    // As Prometheus: the valid samples are stored, and the sender learns with a 400 (which it
    // does not retry) which samples were not and why.
    message = std::to_string(report->commit.rejected) + " of " +
              std::to_string(report->commit.rejected + report->commit.accepted) +
              " samples rejected";
    for (size_t i = 0; i < report->commit.first_rejections.size(); ++i)
      message += (i == 0 ? ": " : "; ") + report->commit.first_rejections[i];
    LogRejectionsSampled(message);
  }
  if (request.histograms > 0) {
    // The float samples are stored; native histograms cannot be yet, and a sender must not
    // believe they were (a partial write is a 400 in Remote-Write 2.0).
    message += (message.empty() ? "" : "; ") + std::to_string(request.histograms) +
               " native histogram samples of " + std::to_string(request.histogram_series) +
               " series not written: tidemark does not store native histograms yet";
  }
  if (!message.empty()) return {400, "text/plain; charset=utf-8", message + "\n", written};
  return {204, "text/plain; charset=utf-8", "", written};
}

void Receivers::LogRejectionsSampled(const std::string& message) {
  constexpr int64_t kLogEveryMs = 10'000;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_rejection_log_ms_.load();
  if (now - last < kLogEveryMs || !last_rejection_log_ms_.compare_exchange_strong(last, now))
    return;
  LogInfo("remote_write samples rejected (logged at most every 10s)", {{"detail", message}});
}

}  // namespace tidemark::server
