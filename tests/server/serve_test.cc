// `tidemark serve` end to end: OTLP over HTTP (JSON, protobuf, gzip) and gRPC, remote_write, error
// statuses, readiness, self metrics, graceful shutdown; what was accepted is read back through
// the embedding API after the server stopped.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "ingest/otlp_common.h"
#include "io/prometheus/write/v2/types.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "prometheus/remote.pb.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"
#include "tidemark/engine.h"

namespace tidemark {
namespace {

using testing::HttpCall;
using testing::ServerProcess;
using testing::TempDir;
namespace tpb = opentelemetry::proto::collector::trace::v1;
namespace mpb = opentelemetry::proto::collector::metrics::v1;

const char kConfig[] = R"(storage:
  retention: 0
  span_retention: 0
max_request_bytes: 200000
self_scrape_interval: 1h
web:
  enable_admin_api: true
)";

std::string PeerFile(const std::string& name) {
  return testing::ReadFileOrDie(std::string(PEER_DIR) + "/otlp/" + name);
}

std::string Gzip(const std::string& in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::unique_ptr<Engine> OpenStopped(const std::string& dir) {
  Options o = testing::TestOptions();
  o.span_retention_ms = 0;
  auto e = Engine::Open(o, dir);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

tpb::ExportTraceServiceRequest TraceRequest(int first, int n, uint64_t start_ns) {
  tpb::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("proto-service");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("test-scope");
  for (int i = first; i < first + n; ++i) {
    auto* s = ss->add_spans();
    s->set_trace_id(std::string(15, '\x11') + static_cast<char>(i));
    s->set_span_id(std::string(7, '\x22') + static_cast<char>(i + 1));
    s->set_name("span-" + std::to_string(i));
    s->set_kind(opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
    s->set_start_time_unix_nano(start_ns + i);
    s->set_end_time_unix_nano(start_ns + i + 1000);
    auto* a = s->add_attributes();
    a->set_key("http.status_code");
    a->mutable_value()->set_int_value(200 + i);
  }
  return req;
}

TEST(Serve, SharedOtlpJsonExamplesAreAcceptedAndStored) {
  TempDir dir;
  {
    ServerProcess server(dir.path(), kConfig);
    ASSERT_TRUE(server.ready) << server.Log();
    const std::map<std::string, std::string> json = {{"Content-Type", "application/json"}};
    auto r = HttpCall(server.otlp_http_port, "POST", "/v1/traces", PeerFile("trace.json"), json);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["Content-Type"], "application/json");
    r = HttpCall(server.otlp_http_port, "POST", "/v1/metrics", PeerFile("metrics.json"), json);
    EXPECT_EQ(r.status, 200) << r.body;
    r = HttpCall(server.otlp_http_port, "POST", "/v1/logs", PeerFile("logs.json"), json);
    EXPECT_EQ(r.status, 501) << "logs are not stored yet: " << r.body;
    EXPECT_EQ(server.Stop(), 0) << server.Log();
  }
  auto engine = OpenStopped(dir.path());
  std::string trace_id;
  ASSERT_TRUE(ingest::FromHex("5B8EFFF798038103D269B633813FC60C", &trace_id));
  auto trace = engine->GetTrace(trace_id);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  ASSERT_EQ(trace->size(), 1u);
  const Span& s = (*trace)[0];
  EXPECT_EQ(s.name, "I'm a server span");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.start_time_unix_nano, 1544712660000000000ULL);  // a JSON number past 2^53, exact
  EXPECT_EQ(s.end_time_unix_nano, 1544712661000000000ULL);
  EXPECT_EQ(s.ServiceName(), "my.service");
  EXPECT_EQ(s.Scope().name, "my.library");
  EXPECT_EQ(s.Scope().version, "1.0.0");
  ASSERT_EQ(s.attributes.size(), 1u);
  EXPECT_EQ(s.attributes[0].key, "my.span.attr");
  EXPECT_EQ(s.attributes[0].value.string_value, "some value");

  // metrics.json: a delta counter, a gauge of unit 1 and a delta histogram.
  auto names = engine->LabelValues("__name__", {}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(names.ok());
  for (const char* want : {"my_counter_total", "my_gauge_ratio", "my_histogram_bucket",
                           "my_histogram_count", "my_histogram_sum"}) {
    EXPECT_NE(std::find(names->begin(), names->end(), want), names->end()) << want;
  }
  auto jobs = engine->LabelValues("job", {LabelMatcher::Equal("__name__", "my_counter_total")},
                                  INT64_MIN, INT64_MAX);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(*jobs, std::vector<std::string>{"my.service"});
}

TEST(Serve, ProtobufGzipPartialSuccessAndErrorStatuses) {
  TempDir dir;
  const uint64_t start = 1'700'000'000'000'000'000ULL;
  {
    ServerProcess server(dir.path(), kConfig);
    ASSERT_TRUE(server.ready) << server.Log();
    const std::map<std::string, std::string> proto = {{"Content-Type", "application/x-protobuf"}};
    // 3 spans, one with a 15-byte trace id: 200 with partial_success naming it.
    auto req = TraceRequest(1, 3, start);
    req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(1)->set_trace_id("short");
    auto r = HttpCall(server.otlp_http_port, "POST", "/v1/traces", req.SerializeAsString(), proto);
    ASSERT_EQ(r.status, 200) << r.body;
    tpb::ExportTraceServiceResponse resp;
    ASSERT_TRUE(resp.ParseFromString(r.body));
    EXPECT_EQ(resp.partial_success().rejected_spans(), 1);
    EXPECT_NE(resp.partial_success().error_message().find("trace id"), std::string::npos);
    // gzip-compressed protobuf.
    auto headers = proto;
    headers["Content-Encoding"] = "gzip";
    r = HttpCall(server.otlp_http_port, "POST", "/v1/traces",
                 Gzip(TraceRequest(10, 2, start).SerializeAsString()), headers);
    EXPECT_EQ(r.status, 200) << r.body;
    // A body of two gzip members (concatenated streams): both are read.
    r = HttpCall(server.otlp_http_port, "POST", "/v1/traces",
                 Gzip(TraceRequest(20, 1, start).SerializeAsString()) +
                     Gzip(TraceRequest(21, 1, start).SerializeAsString()),
                 headers);
    EXPECT_EQ(r.status, 200) << r.body;
    // Errors: each with its status, and nothing already accepted lost.
    EXPECT_EQ(
        HttpCall(server.otlp_http_port, "POST", "/v1/traces", "\xff\xff\xff garbage", proto).status,
        400);
    EXPECT_EQ(HttpCall(server.otlp_http_port, "POST", "/v1/traces",
                       req.SerializeAsString().substr(0, 20), proto)
                  .status,
              400);
    EXPECT_EQ(HttpCall(server.otlp_http_port, "POST", "/v1/traces", "{\"resourceSpans\": [",
                       {{"Content-Type", "application/json"}})
                  .status,
              400);
    EXPECT_EQ(HttpCall(server.otlp_http_port, "POST", "/v1/traces", "{\"resourceSpans\": {}}",
                       {{"Content-Type", "application/json"}})
                  .status,
              400);  // wrongly typed
    EXPECT_EQ(
        HttpCall(server.otlp_http_port, "POST", "/v1/traces",
                 "{\"a\":" + std::string(100000, '[') + "}", {{"Content-Type", "application/json"}})
            .status,
        400);  // nested too deep: refused, no crash
    EXPECT_EQ(
        HttpCall(server.otlp_http_port, "POST", "/v1/traces", "x", {{"Content-Type", "text/plain"}})
            .status,
        415);
    r = HttpCall(server.otlp_http_port, "POST", "/v1/traces", std::string(300000, 'x'), proto);
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_EQ(HttpCall(server.otlp_http_port, "POST", "/v1/traces", "not gzip", headers).status,
              400);
    EXPECT_EQ(HttpCall(server.otlp_http_port, "GET", "/v1/traces").status, 405);
    // A wrong path: a readable answer, whatever the request's type.
    r = HttpCall(server.otlp_http_port, "POST", "/v1/trace", "x", proto);
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("POST /v1/traces"), std::string::npos) << r.body;
    // Logs: not stored yet, UNIMPLEMENTED (12) rather than a retryable UNAVAILABLE.
    r = HttpCall(server.otlp_http_port, "POST", "/v1/logs", "{}",
                 {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 501);
    EXPECT_NE(r.body.find("\"code\":12"), std::string::npos) << r.body;
    // Self metrics and flush.
    EXPECT_EQ(HttpCall(server.http_port, "POST", "/api/v1/admin/flush").status, 204);
    auto metrics = HttpCall(server.http_port, "GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("tidemark_spans_ingested_total{protocol=\"otlp_http\"} 6"),
              std::string::npos)
        << metrics.body;
    EXPECT_NE(
        metrics.body.find("tidemark_rejected_total{kind=\"span\",reason=\"invalid_trace_id\"} 1"),
        std::string::npos);
    EXPECT_EQ(HttpCall(server.http_port, "GET", "/-/healthy").status, 200);
    EXPECT_EQ(server.Stop(), 0) << server.Log();
  }
  auto engine = OpenStopped(dir.path());
  for (int i : {1, 3, 10, 11, 20, 21}) {
    auto t = engine->GetTrace(std::string(15, '\x11') + static_cast<char>(i));
    ASSERT_TRUE(t.ok()) << i;
    EXPECT_EQ((*t)[0].name, "span-" + std::to_string(i));
    EXPECT_EQ((*t)[0].attributes[0].value.int_value, 200 + i);
  }
}

TEST(Serve, GrpcExportsAndLimits) {
  TempDir dir;
  {
    ServerProcess server(dir.path(), kConfig);
    ASSERT_TRUE(server.ready) << server.Log();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server.grpc_port),
                                       grpc::InsecureChannelCredentials());
    auto traces = tpb::TraceService::NewStub(channel);
    {
      grpc::ClientContext ctx;
      ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
      tpb::ExportTraceServiceResponse resp;
      auto st = traces->Export(&ctx, TraceRequest(20, 5, 1'700'000'000'000'000'000ULL), &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      EXPECT_FALSE(resp.has_partial_success());
    }
    {
      grpc::ClientContext ctx;
      tpb::ExportTraceServiceResponse resp;
      auto big = TraceRequest(40, 1, 1'700'000'000'000'000'000ULL);
      big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(
          std::string(300000, 'n'));
      auto st = traces->Export(&ctx, big, &resp);
      EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
    }
    {
      auto metrics = mpb::MetricsService::NewStub(channel);
      mpb::ExportMetricsServiceRequest req;
      auto* m = req.add_resource_metrics()->add_scope_metrics()->add_metrics();
      m->set_name("gen_ai.client.token.usage");
      m->set_unit("{token}");
      auto* p = m->mutable_sum()->add_data_points();
      m->mutable_sum()->set_is_monotonic(true);
      m->mutable_sum()->set_aggregation_temporality(
          opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
      p->set_time_unix_nano(1'700'000'000'000'000'000ULL);
      p->set_as_int(42);
      auto* e = m->mutable_sum();
      (void)e;
      grpc::ClientContext ctx;
      mpb::ExportMetricsServiceResponse resp;
      auto st = metrics->Export(&ctx, req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
    }
    {
      // Bytes that are no request: INVALID_ARGUMENT naming the message, for both services.
      grpc::GenericStub generic(channel);
      for (const std::string method :
           {"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"}) {
        const std::string garbage = "\x0a\xff\xff\xff\x0f truncated";
        grpc::Slice slice(garbage);
        const grpc::ByteBuffer request(&slice, 1);
        grpc::ByteBuffer response;
        grpc::ClientContext ctx;
        std::promise<grpc::Status> done;
        generic.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                          [&done](grpc::Status st) { done.set_value(std::move(st)); });
        const grpc::Status st = done.get_future().get();
        EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
        EXPECT_NE(st.error_message().find("Export"), std::string::npos) << st.error_message();
      }
    }
    {
      auto logs = opentelemetry::proto::collector::logs::v1::LogsService::NewStub(channel);
      grpc::ClientContext ctx;
      opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse resp;
      auto st = logs->Export(&ctx, {}, &resp);
      EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    }
    EXPECT_EQ(server.Stop(), 0) << server.Log();
  }
  auto engine = OpenStopped(dir.path());
  EXPECT_TRUE(engine->GetTrace(std::string(15, '\x11') + static_cast<char>(24)).ok());
  auto all = testing::ReadAll(*engine,
                              {LabelMatcher::Equal("__name__", "gen_ai_client_token_usage_total")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->second[0].value, 42);
  EXPECT_EQ(all.begin()->second[0].timestamp_ms, 1'700'000'000'000);
}

TEST(Serve, RemoteWriteStoresSamplesAndRefusesBadRequests) {
  TempDir dir;
  {
    ServerProcess server(dir.path(), kConfig);
    ASSERT_TRUE(server.ready) << server.Log();
    prometheus::WriteRequest req;
    for (int s = 0; s < 3; ++s) {
      auto* ts = req.add_timeseries();
      auto* l = ts->add_labels();
      l->set_name("__name__");
      l->set_value("http_requests_total");
      l = ts->add_labels();
      l->set_name("code");
      l->set_value(std::to_string(200 + s));
      for (int i = 0; i < 10; ++i) {
        auto* smp = ts->add_samples();
        smp->set_timestamp(1'700'000'000'000 + i * 15'000);
        smp->set_value(i * (s + 1));
      }
    }
    std::string compressed;
    snappy::Compress(req.SerializeAsString().data(), req.ByteSizeLong(), &compressed);
    const std::map<std::string, std::string> headers = {
        {"Content-Type", "application/x-protobuf"},
        {"Content-Encoding", "snappy"},
        {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
    EXPECT_EQ(HttpCall(server.http_port, "POST", "/api/v1/write", compressed, headers).status, 204);
    // The same request again: as in Prometheus, only a sample at the newest timestamp with the
    // same value is an ignorable duplicate; the older ones are out of order.
    auto again = HttpCall(server.http_port, "POST", "/api/v1/write", compressed, headers);
    EXPECT_EQ(again.status, 400);
    EXPECT_NE(again.body.find("27 of 30 samples rejected: out_of_order"), std::string::npos)
        << again.body;
    // Out-of-order and conflicting samples: 400 naming them, as Prometheus answers; the valid
    // samples of the same request are stored.
    {
      prometheus::WriteRequest mixed;
      auto* ts = mixed.add_timeseries();
      for (auto [n, v] : {std::pair{"__name__", "http_requests_total"}, std::pair{"code", "200"}}) {
        auto* l = ts->add_labels();
        l->set_name(n);
        l->set_value(v);
      }
      auto* old = ts->add_samples();  // older than the newest stored sample
      old->set_timestamp(1'700'000'000'000 + 3 * 15'000);
      old->set_value(1);
      auto* conflict = ts->add_samples();  // same time as the newest, another value
      conflict->set_timestamp(1'700'000'000'000 + 9 * 15'000);
      conflict->set_value(-1);
      auto* fresh = mixed.add_timeseries();
      for (auto [n, v] : {std::pair{"__name__", "http_requests_total"}, std::pair{"code", "299"}}) {
        auto* l = fresh->add_labels();
        l->set_name(n);
        l->set_value(v);
      }
      auto* ok = fresh->add_samples();
      ok->set_timestamp(1'700'000'000'000);
      ok->set_value(7);
      std::string body;
      snappy::Compress(mixed.SerializeAsString().data(), mixed.ByteSizeLong(), &body);
      auto r = HttpCall(server.http_port, "POST", "/api/v1/write", body, headers);
      EXPECT_EQ(r.status, 400) << r.body;
      EXPECT_NE(r.body.find("2 of 3 samples rejected"), std::string::npos) << r.body;
      EXPECT_NE(r.body.find("out_of_order"), std::string::npos) << r.body;
      EXPECT_NE(r.body.find("duplicate"), std::string::npos) << r.body;
      EXPECT_NE(r.body.find("code=\"200\""), std::string::npos) << r.body;
    }
    // A nanosecond timestamp sent as milliseconds: refused naming the bound, and the series
    // still takes normal samples afterwards.
    {
      prometheus::WriteRequest future;
      auto* ts = future.add_timeseries();
      for (auto [n, v] : {std::pair{"__name__", "http_requests_total"}, std::pair{"code", "299"}}) {
        auto* l = ts->add_labels();
        l->set_name(n);
        l->set_value(v);
      }
      auto* far = ts->add_samples();
      far->set_timestamp(1'700'000'000'000'000'000);
      far->set_value(1);
      std::string body;
      snappy::Compress(future.SerializeAsString().data(), future.ByteSizeLong(), &body);
      auto r = HttpCall(server.http_port, "POST", "/api/v1/write", body, headers);
      EXPECT_EQ(r.status, 400) << r.body;
      EXPECT_NE(r.body.find("out_of_bounds"), std::string::npos) << r.body;
      EXPECT_NE(r.body.find("max_future"), std::string::npos) << r.body;
    }
    EXPECT_EQ(HttpCall(server.http_port, "POST", "/api/v1/write", "not snappy", headers).status,
              400);
    prometheus::WriteRequest nameless;
    auto* l = nameless.add_timeseries()->add_labels();
    l->set_name("job");
    l->set_value("x");
    std::string bad;
    snappy::Compress(nameless.SerializeAsString().data(), nameless.ByteSizeLong(), &bad);
    auto r = HttpCall(server.http_port, "POST", "/api/v1/write", bad, headers);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("metric name"), std::string::npos) << r.body;
    EXPECT_EQ(server.Stop(), 0) << server.Log();
  }
  auto engine = OpenStopped(dir.path());
  auto all = testing::ReadAll(*engine, {LabelMatcher::Equal("__name__", "http_requests_total")});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all["http_requests_total{code=\"299\"}"].size(), 1u);
  all.erase("http_requests_total{code=\"299\"}");
  for (const auto& [name, samples] : all) EXPECT_EQ(samples.size(), 10u) << name;
  EXPECT_EQ(all["http_requests_total{code=\"201\"}"][9].value, 18);
}

// Remote-Write 2.0, told from 1.0 by the Content-Type's proto parameter: stored, answered with
// the written-counts headers; native histograms are named as not written (a partial write is a
// 400) while the float samples beside them are stored; a message or encoding tidemark does not
// read is a 415, from which a 2.0 sender falls back to 1.0.
TEST(Serve, RemoteWrite2IsNegotiatedAndAnswersWhatItWrote) {
  TempDir dir;
  {
    ServerProcess server(dir.path(), kConfig);
    ASSERT_TRUE(server.ready) << server.Log();
    io::prometheus::write::v2::Request req;
    for (const char* sym : {"", "__name__", "llm_requests_total", "model", "gpt-4o", "o1",
                            "LLM calls.", "trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}) {
      req.add_symbols(sym);
    }
    for (uint32_t model : {4, 5}) {
      auto* ts = req.add_timeseries();
      for (uint32_t ref : {1u, 2u, 3u, model}) ts->add_labels_refs(ref);
      for (int i = 0; i < 4; ++i) {
        auto* smp = ts->add_samples();
        smp->set_timestamp(1'700'000'000'000 + i * 15'000);
        smp->set_value(i * 10);
      }
      ts->mutable_metadata()->set_type(io::prometheus::write::v2::Metadata::METRIC_TYPE_COUNTER);
      ts->mutable_metadata()->set_help_ref(6);
    }
    auto* e = req.mutable_timeseries(0)->add_exemplars();
    for (uint32_t ref : {7, 8}) e->add_labels_refs(ref);
    e->set_value(30);
    e->set_timestamp(1'700'000'045'000);
    auto compress = [](const std::string& raw) {
      std::string out;
      snappy::Compress(raw.data(), raw.size(), &out);
      return out;
    };
    std::map<std::string, std::string> headers = {
        {"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
        {"Content-Encoding", "snappy"},
        {"X-Prometheus-Remote-Write-Version", "2.0.0"}};
    auto r = HttpCall(server.http_port, "POST", "/api/v1/write", compress(req.SerializeAsString()),
                      headers);
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(r.headers["X-Prometheus-Remote-Write-Samples-Written"], "8");
    EXPECT_EQ(r.headers["X-Prometheus-Remote-Write-Exemplars-Written"], "1");
    EXPECT_EQ(r.headers["X-Prometheus-Remote-Write-Histograms-Written"], "0");
    // Native histograms beside new float samples: the floats are stored, the histograms named.
    io::prometheus::write::v2::Request mixed = req;
    for (auto& ts : *mixed.mutable_timeseries()) {
      ts.clear_exemplars();
      for (auto& smp : *ts.mutable_samples()) smp.set_timestamp(smp.timestamp() + 60'000);
    }
    auto* h = mixed.add_timeseries();
    for (uint32_t ref : {1u, 2u}) h->add_labels_refs(ref);
    h->add_histograms()->set_count_int(3);
    r = HttpCall(server.http_port, "POST", "/api/v1/write", compress(mixed.SerializeAsString()),
                 headers);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find("1 native histogram samples of 1 series not written"), std::string::npos)
        << r.body;
    EXPECT_EQ(r.headers["X-Prometheus-Remote-Write-Samples-Written"], "8");
    // Messages and encodings tidemark does not read.
    headers["Content-Type"] = "application/x-protobuf;proto=io.prometheus.write.v3.Request";
    r = HttpCall(server.http_port, "POST", "/api/v1/write", compress(req.SerializeAsString()),
                 headers);
    EXPECT_EQ(r.status, 415);
    EXPECT_NE(r.body.find("io.prometheus.write.v3.request"), std::string::npos) << r.body;
    headers["Content-Type"] = "application/x-protobuf;proto=io.prometheus.write.v2.Request";
    headers["Content-Encoding"] = "zstd";
    r = HttpCall(server.http_port, "POST", "/api/v1/write", compress(req.SerializeAsString()),
                 headers);
    EXPECT_EQ(r.status, 415);
    EXPECT_NE(r.body.find("Content-Encoding"), std::string::npos) << r.body;
    // A reference past the symbols: 400 naming it, nothing stored.
    headers["Content-Encoding"] = "snappy";
    io::prometheus::write::v2::Request bad = req;
    bad.mutable_timeseries(1)->set_labels_refs(3, 77);
    r = HttpCall(server.http_port, "POST", "/api/v1/write", compress(bad.SerializeAsString()),
                 headers);
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("label reference 77"), std::string::npos) << r.body;
    auto md = HttpCall(server.http_port, "GET", "/api/v1/metadata?metric=llm_requests_total");
    EXPECT_NE(md.body.find("\"type\":\"counter\",\"help\":\"LLM calls.\""), std::string::npos)
        << md.body;
    EXPECT_EQ(server.Stop(), 0) << server.Log();
  }
  auto engine = OpenStopped(dir.path());
  auto all = testing::ReadAll(*engine, {LabelMatcher::Equal("__name__", "llm_requests_total")});
  ASSERT_EQ(all.size(), 2u);
  for (const auto& [name, samples] : all) EXPECT_EQ(samples.size(), 8u) << name;
}

// A full disk, for real: a 20 MiB tmpfs (needs root and mount; skipped where unavailable).
TEST(Serve, FullDiskAnswers503AndWritesRecoverWhenSpaceReturns) {
  TempDir mount_point;
  std::filesystem::create_directories(mount_point.path());
  const std::string mount =
      "mount -t tmpfs -o size=20m tmpfs " + mount_point.path() + " 2>/dev/null";
  if (std::system(mount.c_str()) != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  struct Unmount {
    std::string path;
    ~Unmount() {
      const std::string cmd = "umount -l " + path + " 2>/dev/null";
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "umount %s failed\n", path.c_str());
    }
  } unmount{mount_point.path()};
  const std::string data = mount_point.path() + "/data";
  const std::string filler = mount_point.path() + "/filler";
  ServerProcess server(data, kConfig);
  ASSERT_TRUE(server.ready) << server.Log();
  const std::map<std::string, std::string> headers = {{"Content-Type", "application/x-protobuf"},
                                                      {"Content-Encoding", "snappy"}};
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto request = [&](const std::string& code, int n) {
    prometheus::WriteRequest req;
    auto* ts = req.add_timeseries();
    for (auto [k, v] : {std::pair{"__name__", "disk_test"}, std::pair{"code", code.c_str()}}) {
      auto* l = ts->add_labels();
      l->set_name(k);
      l->set_value(v);
    }
    for (int i = 0; i < n; ++i) {
      auto* smp = ts->add_samples();
      smp->set_timestamp(now - 600'000 + i);
      smp->set_value(i);
    }
    std::string body;
    snappy::Compress(req.SerializeAsString().data(), req.ByteSizeLong(), &body);
    return body;
  };
  ASSERT_EQ(HttpCall(server.http_port, "POST", "/api/v1/write", request("ok", 10), headers).status,
            204);
  // Fill the disk.
  {
    std::FILE* f = std::fopen(filler.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 64 && std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size(); ++i) {
    }
    std::fclose(f);
  }
  auto full = HttpCall(server.http_port, "POST", "/api/v1/write", request("lost", 5'000), headers);
  EXPECT_EQ(full.status, 503) << full.body;
  EXPECT_EQ(full.headers["Retry-After"], "1");
  EXPECT_NE(full.body.find("retry"), std::string::npos) << full.body;
  // Nothing of the refused request is visible.
  auto q = HttpCall(server.http_port, "GET", "/api/v1/series?match[]=disk_test");
  EXPECT_EQ(q.body.find("lost"), std::string::npos) << q.body;
  // Space returns: writes go on without a restart.
  std::filesystem::remove(filler);
  auto again = HttpCall(server.http_port, "POST", "/api/v1/write", request("lost", 5'000), headers);
  EXPECT_EQ(again.status, 204) << again.body;
  q = HttpCall(server.http_port, "GET", "/api/v1/series?match[]=disk_test");
  EXPECT_NE(q.body.find("lost"), std::string::npos) << q.body;
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

TEST(Serve, TlsOnTheHttpListeners) {
  TempDir dir;
  const std::string cert = dir.path() + "-cert.pem", key = dir.path() + "-key.pem";
  testing::RunCommand(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext "
      "subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert);
  ASSERT_TRUE(std::filesystem::exists(cert)) << "openssl could not make a certificate";
  const std::string curl = "curl -s --max-time 10 --cacert " + cert + " ";
  auto probe = [&](uint16_t port) {
    return testing::RunCommand(curl + "https://127.0.0.1:" + std::to_string(port) + "/-/ready")
               .find("Ready") != std::string::npos;
  };
  ServerProcess server(
      dir.path(),
      std::string(kConfig) + "tls:\n  cert_file: " + cert + "\n  key_file: " + key + "\n", probe);
  ASSERT_TRUE(server.ready) << server.Log();
  // OTLP/HTTP over TLS, verified against the certificate.
  const std::string trace = std::string(PEER_DIR) + "/otlp/trace.json";
  EXPECT_EQ(testing::RunCommand(curl +
                                "-o /dev/null -S -w '%{http_code}' -X POST -H 'Content-Type: "
                                "application/json' --data-binary @" +
                                trace + " https://127.0.0.1:" +
                                std::to_string(server.otlp_http_port) + "/v1/traces"),
            "200");
  // The query API over TLS; plain HTTP on the same port gets no answer.
  EXPECT_NE(testing::RunCommand(curl + "'https://127.0.0.1:" + std::to_string(server.http_port) +
                                "/api/v1/query?query=1%2B1'")
                .find("\"success\""),
            std::string::npos);
  EXPECT_NE(HttpCall(server.http_port, "GET", "/-/ready").status, 200);
  EXPECT_EQ(server.Stop(), 0) << server.Log();
  std::remove(cert.c_str());
  std::remove(key.c_str());
}

// Mutual TLS (issue 14): with tls.client_auth_type RequireAndVerifyClientCert, HTTP clients and
// OTLP/gRPC exporters must present a certificate the configured CA signed; others are refused in
// the handshake. The server's self-scrape presents the server's certificate, which that CA signed.
TEST(Serve, ClientCertificatesAreRequiredAndVerified) {
  TempDir dir;
  const std::string p = dir.path() + "-";
  const std::string ext = p + "ext.cnf";
  std::ofstream(ext) << "subjectAltName=IP:127.0.0.1\n";
  auto sh = [](const std::string& command) { return testing::RunCommand(command + " 2>&1"); };
  sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca -keyout " + p +
     "ca.key -out " + p + "ca.pem");
  for (const std::string name : {"server", "client"}) {
    sh("openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + p + name +
       ".key -out " + p + name + ".csr");
    sh("openssl x509 -req -days 1 -in " + p + name + ".csr -CA " + p + "ca.pem -CAkey " + p +
       "ca.key -CAcreateserial -extfile " + ext + " -out " + p + name + ".pem");
  }
  // A client certificate no configured CA signed.
  sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=rogue -keyout " + p +
     "rogue.key -out " + p + "rogue.pem");
  ASSERT_TRUE(std::filesystem::exists(p + "client.pem")) << "openssl could not make certificates";
  const std::string curl = "curl -s --max-time 10 --cacert " + p + "ca.pem ";
  const std::string as_client = "--cert " + p + "client.pem --key " + p + "client.key ";
  auto probe = [&](uint16_t port) {
    return sh(curl + as_client + "https://127.0.0.1:" + std::to_string(port) + "/-/ready")
               .find("Ready") != std::string::npos;
  };
  ServerProcess server(dir.path(),
                       "self_scrape_interval: 1s\ntls:\n  cert_file: " + p + "server.pem\n" +
                           "  key_file: " + p +
                           "server.key\n  client_auth_type: "
                           "RequireAndVerifyClientCert\n  client_ca_file: " +
                           p + "ca.pem\n",
                       probe);
  ASSERT_TRUE(server.ready) << server.Log();
  const std::string api = "https://127.0.0.1:" + std::to_string(server.http_port);
  EXPECT_NE(sh(curl + as_client + "'" + api + "/api/v1/query?query=1%2B1'").find("\"success\""),
            std::string::npos);
  // No certificate, or one the CA did not sign: no answer at all.
  EXPECT_EQ(sh(curl + "-o /dev/null -w '%{http_code}' " + api + "/-/ready"), "000");
  EXPECT_EQ(sh(curl + "--cert " + p + "rogue.pem --key " + p +
               "rogue.key -o /dev/null -w "
               "'%{http_code}' " +
               api + "/-/ready"),
            "000");
  // OTLP/gRPC: an exporter with the client certificate is served, one without is refused.
  auto export_span = [&](bool with_certificate) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = testing::ReadFileOrDie(p + "ca.pem");
    if (with_certificate) {
      ssl.pem_private_key = testing::ReadFileOrDie(p + "client.key");
      ssl.pem_cert_chain = testing::ReadFileOrDie(p + "client.pem");
    }
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server.grpc_port),
                                       grpc::SslCredentials(ssl));
    auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
    return stub->Export(&ctx, req, &resp).error_code();
  };
  EXPECT_EQ(export_span(true), grpc::StatusCode::OK);
  EXPECT_EQ(export_span(false), grpc::StatusCode::UNAVAILABLE);
  // The self-scrape got through with the server's own certificate.
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = sh(curl + as_client + "'" + api + "/api/v1/targets'").find("\"health\":\"up\"") !=
         std::string::npos;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(up) << sh(curl + as_client + "'" + api + "/api/v1/targets'");
  EXPECT_EQ(server.Stop(), 0) << server.Log();
  for (const char* f :
       {"ca.key", "ca.pem", "ca.srl", "server.key", "server.csr", "server.pem", "client.key",
        "client.csr", "client.pem", "rogue.key", "rogue.pem", "ext.cnf"}) {
    std::filesystem::remove(p + f);
  }
}

TEST(Serve, BadConfigExitsWithCode2NamingTheKey) {
  TempDir dir;
  ServerProcess server(dir.path(), "storage:\n  retention: soon\n");
  EXPECT_FALSE(server.ready);
  EXPECT_EQ(server.Stop(), 2);
  EXPECT_NE(server.Log().find("storage.retention"), std::string::npos) << server.Log();
  for (const std::string& config :
       {std::string("query:\n  max_samples: 0\n"), std::string("query:\n  timeout: never\n"),
        std::string("query:\n  lookback: 5m\n"), std::string("otlp:\n  grpc_workers: 0\n"),
        std::string("otlp:\n  grpc_max_queued: 0\n"),
        std::string("otlp:\n  delta_max_series: 1\n")}) {
    TempDir other;
    ServerProcess bad(other.path(), config);
    EXPECT_FALSE(bad.ready);
    EXPECT_EQ(bad.Stop(), 2);
    const std::string key =
        config.substr(0, config.find(':')) + "." +
        config.substr(config.find("  ") + 2, config.rfind(':') - config.find("  ") - 2);
    EXPECT_NE(bad.Log().find(key), std::string::npos) << key << bad.Log();
  }
}

}  // namespace
}  // namespace tidemark

namespace tidemark {
namespace {

TEST(Serve, DocumentedExampleConfigStarts) {
  testing::TempDir dir;
  testing::ServerProcess server(
      dir.path(), testing::ReadFileOrDie(std::string(DOCS_DIR) + "/tidemark.example.yaml"));
  EXPECT_TRUE(server.ready) << server.Log();
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

}  // namespace
}  // namespace tidemark
