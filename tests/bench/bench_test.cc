// tidemark-bench: workloads are deterministic and encode what they claim; runs against a real
// `tidemark serve` store every item they count as accepted, surface refusals (HTTP errors, OTLP
// partial success, refused connections), and the open loop keeps its schedule.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <snappy.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "benchmarks/bench/load.h"
#include "benchmarks/bench/report.h"
#include "benchmarks/bench/verify.h"
#include "benchmarks/bench/workload.h"
#include "ingest/otlp_metrics.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "prometheus/remote.pb.h"
#include "tests/server/prometheus_process.h"
#include "tests/server/server_process.h"

namespace tidemark::bench {
namespace {

using testing::HttpCall;
using testing::ServerProcess;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

WorkloadOptions SmallNode(int64_t end_ms) {
  WorkloadOptions o;
  o.series = 300;
  o.scrapes = 6;
  o.series_per_request = 100;
  o.end_ms = end_ms;
  return o;
}

prometheus::WriteRequest DecodeRemoteWrite(const std::string& body) {
  std::string raw;
  EXPECT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  prometheus::WriteRequest req;
  EXPECT_TRUE(req.ParseFromString(raw));
  return req;
}

TEST(Workload, SameSeedSameBytesAndItemsCountSamples) {
  const int64_t end = 1'700'000'000'000;
  EncodeOptions rw;
  auto a = BuildWorkload(SmallNode(end), rw);
  auto b = BuildWorkload(SmallNode(end), rw);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a->requests.size(), b->requests.size());
  for (size_t i = 0; i < a->requests.size(); ++i) {
    EXPECT_EQ(a->requests[i].bytes, b->requests[i].bytes) << i;
  }
  // Blocks are encoded on every core and kept in order: scrape after scrape, block after block.
  ASSERT_EQ(a->requests.size() % 6, 0u);
  const size_t blocks = a->requests.size() / 6;
  ASSERT_GE(blocks, 2u);
  for (size_t i = 0; i < a->requests.size(); ++i) {
    EXPECT_EQ(a->requests[i].order_key, i % blocks) << i;
  }
  // 300 series round up to whole targets; every series has a sample at each of the 6 scrapes.
  EXPECT_EQ(a->items, a->distinct_series * 6);
  uint64_t samples = 0;
  std::set<std::string> series;
  for (const RequestBody& r : a->requests) {
    const prometheus::WriteRequest req = DecodeRemoteWrite(r.bytes);
    uint64_t in_request = 0;
    for (const auto& ts : req.timeseries()) {
      std::string key;
      for (const auto& l : ts.labels()) key += l.name() + "=" + l.value() + ",";
      series.insert(key);
      in_request += static_cast<uint64_t>(ts.samples_size());
      for (const auto& s : ts.samples()) {
        EXPECT_LE(s.timestamp(), end + 10);
        EXPECT_GE(s.timestamp(), end - 5 * 15'000 - 10);
      }
    }
    EXPECT_EQ(in_request, r.items);
    samples += in_request;
  }
  EXPECT_EQ(samples, a->items);
  EXPECT_EQ(series.size(), a->distinct_series);

  WorkloadOptions other = SmallNode(end);
  other.seed = 7;
  auto c = BuildWorkload(other, rw);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->requests[0].bytes, c->requests[0].bytes);
}

TEST(Workload, SamplesPerSeriesGroupsConsecutiveScrapes) {
  WorkloadOptions o = SmallNode(1'700'000'000'000);
  o.samples_per_series = 3;
  auto w = BuildWorkload(o, EncodeOptions());
  ASSERT_TRUE(w.ok());
  const prometheus::WriteRequest req = DecodeRemoteWrite(w->requests[0].bytes);
  ASSERT_GT(req.timeseries_size(), 0);
  EXPECT_EQ(req.timeseries(0).samples_size(), 3);
  EXPECT_EQ(w->items, w->distinct_series * 6);
}

TEST(Workload, ChurnReplacesTargetsUnderNewPodLabels) {
  WorkloadOptions o = SmallNode(1'700'000'000'000);
  o.scrapes = 240;  // an hour at 15 s
  o.churn_per_hour = 1.0;
  auto w = BuildWorkload(o, EncodeOptions());
  ASSERT_TRUE(w.ok());
  std::set<std::string> pods;
  std::set<std::string> series;
  for (const RequestBody& r : w->requests) {
    const prometheus::WriteRequest req = DecodeRemoteWrite(r.bytes);
    for (const auto& ts : req.timeseries()) {
      std::string key;
      for (const auto& l : ts.labels()) {
        key += l.name() + "=" + l.value() + ",";
        if (l.name() == "pod") pods.insert(l.value());
      }
      series.insert(key);
    }
  }
  // Every target was replaced about once in the hour: about twice the series, each counted.
  EXPECT_EQ(series.size(), w->distinct_series);
  EXPECT_GT(series.size(), 300u * 3 / 2);
  EXPECT_GT(pods.size(), 3u);
}

// The app workload sends what an OTel SDK sends (dotted names, units, descriptions, typed
// attributes), and the names it expects back are the ones Prometheus' OTLP translation makes.
TEST(Workload, AppMetricsAreOtelInstrumentsUnderTheirTranslatedNames) {
  WorkloadOptions o = SmallNode(1'700'000'000'000);
  o.name = "app";
  o.series = 400;
  auto w = BuildWorkload(o, EncodeOptions{Protocol::kOtlpHttp, Encoding::kProtobuf, false});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->distinct_series, 3u * 182);
  EXPECT_EQ(w->common_matcher, "job=~\"chat-api|rag-worker|agent-runner\"");
  std::set<std::string> expected_bases;
  for (const auto& [name, e] : w->metrics) {
    std::string base = name;
    for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (base.ends_with(suffix)) base.resize(base.size() - suffix.size());
    }
    expected_bases.insert(base);
  }
  std::set<std::string> otel_names, translated;
  uint64_t items = 0;
  bool status_code_is_int = false;
  for (const RequestBody& body : w->requests) {
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
    ASSERT_TRUE(req.ParseFromString(body.bytes));
    for (const auto& rm : req.resource_metrics()) {
      for (const auto& sm : rm.scope_metrics()) {
        for (const auto& m : sm.metrics()) {
          otel_names.insert(m.name() + " " + m.unit());
          EXPECT_FALSE(m.description().empty()) << m.name();
          translated.insert(ingest::PrometheusMetricName(
              m, ingest::TranslationStrategy::kUnderscoreEscapingWithSuffixes));
          if (m.has_histogram()) {
            for (const auto& p : m.histogram().data_points()) {
              items += p.bucket_counts_size() + 2;
              for (const auto& a : p.attributes()) {
                if (a.key() == "http.response.status_code") {
                  status_code_is_int = a.value().has_int_value();
                }
              }
            }
          } else {
            items += m.has_sum() ? m.sum().data_points_size() : m.gauge().data_points_size();
          }
        }
      }
    }
  }
  EXPECT_EQ(translated, expected_bases);
  EXPECT_EQ(items, w->items);
  EXPECT_TRUE(status_code_is_int);
  for (const char* m : {"http.server.request.duration s", "gen_ai.client.token.usage {token}",
                        "gen_ai.client.operation.duration s", "llm.requests {request}"}) {
    EXPECT_EQ(otel_names.count(m), 1u) << m;
  }
  EXPECT_EQ(w->metrics.count("llm_cost_usd_total"), 1u);
  EXPECT_EQ(w->metrics.count("gen_ai_client_token_usage_bucket"), 1u);
}

// Traces of a set size with added attributes of a set cardinality.
TEST(Workload, TraceShapeIsParameterised) {
  WorkloadOptions o;
  o.name = "traces";
  o.traces = 50;
  o.spans_per_trace = 12;
  o.span_attributes = 3;
  o.attribute_cardinality = 5;
  o.end_ms = 1'700'000'000'000;
  auto w = BuildWorkload(o, EncodeOptions{Protocol::kOtlpGrpc, Encoding::kProtobuf, false});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_EQ(w->traces.size(), 50u);
  for (const TraceExpectation& t : w->traces) EXPECT_EQ(t.spans, 12u) << t.trace_id;
  EXPECT_EQ(w->items, 600u);
  std::map<std::string, std::set<std::string>> values;
  std::set<std::string> span_ids, parents;
  for (const RequestBody& body : w->requests) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
    ASSERT_TRUE(req.ParseFromString(body.bytes));
    for (const auto& rs : req.resource_spans()) {
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& span : ss.spans()) {
          span_ids.insert(span.span_id());
          if (!span.parent_span_id().empty()) parents.insert(span.parent_span_id());
          for (const auto& a : span.attributes()) {
            if (a.key().starts_with("bench.attr."))
              values[a.key()].insert(a.value().string_value());
          }
        }
      }
    }
  }
  ASSERT_EQ(values.size(), 3u);
  for (const auto& [key, v] : values) EXPECT_LE(v.size(), 5u) << key;
  // Cut or filled, every parent is a span of the trace.
  for (const std::string& p : parents) EXPECT_EQ(span_ids.count(p), 1u);
  o.attribute_cardinality = 0;
  EXPECT_FALSE(BuildWorkload(o, EncodeOptions{Protocol::kOtlpGrpc}).ok());
}

TEST(Workload, ImpossibleCombinationsAreRefusedByName) {
  WorkloadOptions traces;
  traces.name = "traces";
  auto rw = BuildWorkload(traces, EncodeOptions());
  ASSERT_FALSE(rw.ok());
  EXPECT_NE(rw.status().message().find("remote_write carries metrics only"), std::string::npos);
  EncodeOptions grpc_json;
  grpc_json.protocol = Protocol::kOtlpGrpc;
  grpc_json.encoding = Encoding::kJson;
  EXPECT_FALSE(BuildWorkload(WorkloadOptions(), grpc_json).ok());
  WorkloadOptions unknown;
  unknown.name = "nope";
  auto u = BuildWorkload(unknown, EncodeOptions());
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("unknown workload \"nope\""), std::string::npos);
}

TEST(Report, PercentilesByNearestRank) {
  std::vector<double> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  EXPECT_EQ(Percentile(v, 50), 500);
  EXPECT_EQ(Percentile(v, 99), 990);
  EXPECT_EQ(Percentile(v, 99.9), 999);
  EXPECT_EQ(Percentile(v, 100), 1000);
  EXPECT_EQ(Percentile({}, 99), 0);
}

TEST(Verify, SpansCountedInTempoAndJaegerAnswers) {
  EXPECT_EQ(
      *CountSpansInTraceJson(R"({"batches":[{"scopeSpans":[{"spans":[{},{}]},{"spans":[{}]}]},)"
                             R"({"scopeSpans":[{"spans":[{}]}]}]})"),
      4u);
  EXPECT_EQ(*CountSpansInTraceJson(R"({"data":[{"traceID":"ab","spans":[{},{},{}]}]})"), 3u);
  EXPECT_EQ(
      *CountSpansInTraceJson(R"({"trace":{"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]}})"),
      1u);
  EXPECT_FALSE(CountSpansInTraceJson("[]").ok());
  EXPECT_FALSE(CountSpansInTraceJson(R"({"x":1})").ok());
}

TEST(Report, MetricFromExposition) {
  const std::string page =
      "# TYPE process_cpu_seconds_total counter\n"
      "process_cpu_seconds_total_other 9\n"
      "process_cpu_seconds_total 12.5\n"
      "process_resident_memory_bytes{a=\"b\"} 1.5e+07 1700000000\n";
  EXPECT_EQ(*MetricFromExposition(page, "process_cpu_seconds_total"), 12.5);
  EXPECT_EQ(*MetricFromExposition(page, "process_resident_memory_bytes"), 1.5e7);
  EXPECT_FALSE(MetricFromExposition(page, "nope").ok());
}

class BenchAgainstServer : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path());
    server_ = std::make_unique<ServerProcess>(dir_.path() + "/data", "self_scrape_interval: 0\n");
    ASSERT_TRUE(server_->ready) << server_->Log();
  }
  TargetOptions Target(Protocol p, Signal s) const {
    TargetOptions t;
    t.protocol = p;
    t.signal = s;
    t.address = "127.0.0.1:" + std::to_string(p == Protocol::kRemoteWrite ? server_->http_port
                                              : p == Protocol::kOtlpGrpc  ? server_->grpc_port
                                                                         : server_->otlp_http_port);
    return t;
  }
  // The server's answer to an instant query, as a number.
  double Query(const std::string& promql) {
    std::string q;
    for (char c : promql) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        q += c;
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        q += buf;
      }
    }
    auto r = HttpCall(server_->http_port, "GET", "/api/v1/query?query=" + q);
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    if (d.HasParseError() || !d.HasMember("data")) {
      ADD_FAILURE() << promql << ": " << r.status << " " << r.body;
      return -1;
    }
    const auto& result = d["data"]["result"];
    if (result.Size() == 0) return 0;
    return std::stod(result[0]["value"][1].GetString());
  }

  tidemark::testing::TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BenchAgainstServer, EveryAcceptedSampleIsStored) {
  const int64_t now = NowMs();
  uint64_t sent = 0;
  // remote_write, then OTLP/gRPC and OTLP/HTTP JSON with gzip later in time (the same series:
  // the OTLP mapping gives back the remote_write labels).
  const std::pair<EncodeOptions, int64_t> runs[] = {
      {{Protocol::kRemoteWrite, Encoding::kProtobuf, false}, now - 3'600'000},
      {{Protocol::kOtlpGrpc, Encoding::kProtobuf, false}, now - 2'400'000},
      {{Protocol::kOtlpHttp, Encoding::kJson, true}, now - 1'200'000},
  };
  for (const auto& [encode, end] : runs) {
    auto w = BuildWorkload(SmallNode(end), encode);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    TargetOptions t = Target(encode.protocol, Signal::kMetrics);
    t.encoding = encode.encoding;
    t.gzip = encode.gzip;
    LoadOptions lo;
    lo.connections = 3;
    auto r = RunLoad(w->requests, t, lo);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->requests_failed, 0u) << r->first_error;
    EXPECT_EQ(r->items_rejected, 0u) << r->first_error;
    EXPECT_EQ(r->items_accepted_total, w->items);
    EXPECT_EQ(r->latencies_ms.size(), w->requests.size());
    sent += w->items;
    // Read back through the query API: each run's samples and series, in its own time range.
    VerifyOptions vo;
    vo.query_url = "http://127.0.0.1:" + std::to_string(server_->http_port);
    auto v = Verify(*w, vo);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->complete()) << (v->losses.empty() ? "" : v->losses[0]);
    EXPECT_EQ(v->found_samples, w->items);
    EXPECT_EQ(v->found_series, w->distinct_series);
  }
  // A workload that was never sent is reported lost, name by name.
  {
    auto unsent = BuildWorkload(SmallNode(now - 5 * 3'600'000), EncodeOptions());
    VerifyOptions vo;
    vo.query_url = "http://127.0.0.1:" + std::to_string(server_->http_port);
    auto v = Verify(*unsent, vo);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_FALSE(v->complete());
    EXPECT_EQ(v->found_samples, 0u);
    EXPECT_EQ(v->losses.size(), unsent->metrics.size());
  }
  // Samples per metric name (count_over_time drops the name, and a histogram's _sum and _count
  // differ in name only), added up.
  rapidjson::Document names;
  names.Parse(HttpCall(server_->http_port, "GET", "/api/v1/label/__name__/values").body.c_str());
  ASSERT_FALSE(names.HasParseError());
  double stored = 0;
  for (const auto& name : names["data"].GetArray()) {
    stored += Query(std::string("sum(count_over_time({__name__=\"") + name.GetString() +
                    "\", job=\"node\"}[2h]))");
  }
  EXPECT_EQ(stored, static_cast<double>(sent));
  EXPECT_EQ(Query("count(last_over_time({job=\"node\"}[2h]))"),
            static_cast<double>(BuildWorkload(SmallNode(now), EncodeOptions())->distinct_series));

  // The OTLP workload again with other values at the same times: refused within answered
  // requests (OTLP partial success), which the run reports rather than counting as accepted.
  WorkloadOptions again = SmallNode(now - 2'400'000);
  again.seed = 99;
  EncodeOptions grpc{Protocol::kOtlpGrpc, Encoding::kProtobuf, false};
  auto w = BuildWorkload(again, grpc);
  ASSERT_TRUE(w.ok());
  auto r = RunLoad(w->requests, Target(Protocol::kOtlpGrpc, Signal::kMetrics), LoadOptions());
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->items_rejected, 0u);
  EXPECT_EQ(r->items_accepted_total + r->items_rejected, w->items);
  EXPECT_EQ(r->errors.count("OTLP partial success"), 1u);
  EXPECT_NE(r->first_error.find("refused"), std::string::npos) << r->first_error;
}

// The app workload over OTLP, remote_write 1.0 and 2.0 lands under the same names, whole.
TEST_F(BenchAgainstServer, AppMetricsOverOtlpAndRemoteWriteAreStoredWhole) {
  const int64_t now = NowMs();
  const std::pair<EncodeOptions, int64_t> runs[] = {
      {{Protocol::kOtlpHttp, Encoding::kProtobuf, false}, now - 3'600'000},
      {{Protocol::kRemoteWrite, Encoding::kProtobuf, false, 2}, now - 2'400'000},
      {{Protocol::kRemoteWrite, Encoding::kProtobuf, false}, now - 1'200'000},
  };
  for (const auto& [encode, end] : runs) {
    WorkloadOptions o = SmallNode(end);
    o.name = "app";
    o.series = 400;
    auto w = BuildWorkload(o, encode);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    TargetOptions t = Target(encode.protocol, Signal::kMetrics);
    t.remote_write_version = encode.remote_write_version;
    auto r = RunLoad(w->requests, t, LoadOptions());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->requests_failed, 0u) << r->first_error;
    EXPECT_EQ(r->items_rejected, 0u) << r->first_error;
    VerifyOptions vo;
    vo.query_url = "http://127.0.0.1:" + std::to_string(server_->http_port);
    auto v = Verify(*w, vo);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->complete()) << ProtocolName(encode.protocol) << ": "
                               << (v->losses.empty() ? "" : v->losses[0]);
    EXPECT_EQ(v->found_samples, w->items);
    EXPECT_EQ(v->found_series, w->distinct_series);
  }
  // The user's documents' queries work on it: the cost counter in dollars, p99 by route.
  EXPECT_GT(Query("sum(last_over_time(llm_cost_usd_total[2h]))"), 0);
  EXPECT_EQ(Query("count(count by (http_route) (last_over_time("
                  "http_server_request_duration_seconds_bucket{http_response_status_code=\"500\"}"
                  "[2h])))"),
            2);
}

TEST_F(BenchAgainstServer, TracesOverBothOtlpTransports) {
  uint64_t sent = 0;
  for (const EncodeOptions& encode :
       {EncodeOptions{Protocol::kOtlpGrpc, Encoding::kProtobuf, true},
        EncodeOptions{Protocol::kOtlpHttp, Encoding::kProtobuf, false}}) {
    WorkloadOptions o;
    o.name = "traces";
    o.traces = 100;
    o.spans_per_request = 200;
    o.seed = sent + 1;
    auto w = BuildWorkload(o, encode);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    TargetOptions t = Target(encode.protocol, Signal::kTraces);
    t.gzip = encode.gzip;
    auto r = RunLoad(w->requests, t, LoadOptions());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->requests_failed, 0u) << r->first_error;
    EXPECT_EQ(r->items_accepted_total, w->items);
    sent += w->items;
    // Read back by id through the Tempo API and through the Jaeger API.
    for (const char* api : {"", "/jaeger"}) {
      VerifyOptions vo;
      vo.traces_url = "http://127.0.0.1:" + std::to_string(server_->http_port) + api;
      vo.max_traces = 30;
      auto v = Verify(*w, vo);
      ASSERT_TRUE(v.ok()) << v.status().ToString();
      EXPECT_EQ(v->traces_checked, 30u);
      EXPECT_TRUE(v->complete()) << api << ": " << (v->losses.empty() ? "" : v->losses[0]);
    }
  }
  const std::string metrics = HttpCall(server_->http_port, "GET", "/metrics").body;
  double spans = 0;
  for (const char* p : {"otlp_grpc", "otlp_http"}) {
    const std::string key = std::string("tidemark_spans_ingested_total{protocol=\"") + p + "\"} ";
    const size_t at = metrics.find(key);
    ASSERT_NE(at, std::string::npos) << metrics;
    spans += std::stod(metrics.substr(at + key.size()));
  }
  EXPECT_EQ(spans, static_cast<double>(sent));
}

TEST_F(BenchAgainstServer, OpenLoopKeepsItsScheduleAndMeasuresFromIt) {
  auto w = BuildWorkload(SmallNode(NowMs()), EncodeOptions());
  ASSERT_TRUE(w.ok());
  LoadOptions lo;
  lo.connections = 2;
  // The last request is scheduled at (items before it) / rate: the run cannot end sooner.
  lo.rate = static_cast<double>(w->items) / 0.5;
  auto r = RunLoad(w->requests, Target(Protocol::kRemoteWrite, Signal::kMetrics), lo);
  ASSERT_TRUE(r.ok());
  const double last_at = static_cast<double>(w->items - w->requests.back().items) / lo.rate;
  EXPECT_GE(r->measured_seconds, last_at);
  EXPECT_EQ(r->requests_failed, 0u) << r->first_error;
}

TEST_F(BenchAgainstServer, ServerMeasuredByPidAndByMetricsPage) {
  for (int by_pid : {1, 0}) {
    auto s = by_pid ? ServerSampler::ForPid(server_->pid())
                    : ServerSampler::ForMetricsUrl(
                          "http://127.0.0.1:" + std::to_string(server_->http_port) + "/metrics");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    (*s)->Start();
    auto w = BuildWorkload(SmallNode(NowMs() - by_pid * 600'000), EncodeOptions());
    ASSERT_TRUE(
        RunLoad(w->requests, Target(Protocol::kRemoteWrite, Signal::kMetrics), LoadOptions()).ok());
    auto reading = (*s)->Stop();
    ASSERT_TRUE(reading.ok()) << reading.status().ToString();
    EXPECT_GT(reading->rss_bytes, 1u << 20);
    EXPECT_GE(reading->cpu_seconds, 0);
  }
  EXPECT_FALSE(ServerSampler::ForPid(999'999'999).ok());
}

// The same workload and verification against a back end nobody here wrote: Debian's Prometheus
// as a remote_write receiver, read back through its own query API.
TEST(BenchAgainstPrometheus, RemoteWriteIsStoredWholeAndVerified) {
  tidemark::testing::TempDir dir;
  std::filesystem::create_directories(dir.path());
  const uint16_t port = testing::FreePort();
  const std::string config = dir.path() + "/prometheus.yml", log = dir.path() + "/prometheus.log";
  std::ofstream(config) << "global:\n  scrape_interval: 1h\n";
  const pid_t pid = testing::StartPrometheus(config, dir.path() + "/data", port, log,
                                             {"--web.enable-remote-write-receiver"});
  bool up = false;
  for (int i = 0; i < 300 && !up; ++i) {
    up = HttpCall(port, "GET", "/-/ready").status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << testing::ReadFileOrDie(log);
  WorkloadOptions o = SmallNode(NowMs());
  o.churn_per_hour = 20;  // some targets replaced within the 75 s of data
  auto w = BuildWorkload(o, EncodeOptions());
  ASSERT_TRUE(w.ok());
  TargetOptions t;
  t.address = "127.0.0.1:" + std::to_string(port);
  auto r = RunLoad(w->requests, t, LoadOptions());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->requests_failed, 0u) << r->first_error;
  VerifyOptions vo;
  vo.query_url = "http://" + t.address;
  auto v = Verify(*w, vo);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->complete()) << (v->losses.empty() ? "" : v->losses[0]);
  EXPECT_GT(v->found_series, 318u);  // churn added series
  EXPECT_EQ(v->found_samples, w->items);
  EXPECT_TRUE(testing::StopProcess(pid));
}

// TLS on every listener: remote_write over HTTPS and OTLP over gRPC with TLS, verified against
// the server's certificate; a client trusting another certificate is refused, saying why.
TEST(BenchTls, VerifiedAgainstTheServersCertificate) {
  tidemark::testing::TempDir dir;
  std::filesystem::create_directories(dir.path());
  auto make_cert = [&](const std::string& name) {
    testing::RunCommand(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir.path() + "/" + name + "-key.pem -out " + dir.path() + "/" + name + "-cert.pem");
    return dir.path() + "/" + name + "-cert.pem";
  };
  const std::string cert = make_cert("server"), other = make_cert("other");
  ASSERT_TRUE(std::filesystem::exists(cert) && std::filesystem::exists(other));
  auto probe = [&](uint16_t port) {
    return testing::RunCommand("curl -s --max-time 5 --cacert " + cert +
                               " https://127.0.0.1:" + std::to_string(port) + "/-/ready")
               .find("Ready") != std::string::npos;
  };
  ServerProcess server(dir.path() + "/data",
                       "self_scrape_interval: 0\ntls:\n  cert_file: " + cert +
                           "\n  key_file: " + dir.path() + "/server-key.pem\n",
                       probe);
  ASSERT_TRUE(server.ready) << server.Log();
  for (const Protocol p : {Protocol::kRemoteWrite, Protocol::kOtlpGrpc}) {
    EncodeOptions encode;
    encode.protocol = p;
    auto w =
        BuildWorkload(SmallNode(NowMs() - (p == Protocol::kRemoteWrite ? 600'000 : 0)), encode);
    ASSERT_TRUE(w.ok());
    TargetOptions t;
    t.protocol = p;
    t.address = "127.0.0.1:" +
                std::to_string(p == Protocol::kRemoteWrite ? server.http_port : server.grpc_port);
    t.tls = true;
    t.tls_ca_file = cert;
    auto r = RunLoad(w->requests, t, LoadOptions());
    ASSERT_TRUE(r.ok()) << ProtocolName(p) << ": " << r.status().ToString();
    EXPECT_EQ(r->requests_failed, 0u) << ProtocolName(p) << ": " << r->first_error;
    EXPECT_EQ(r->items_accepted_total, w->items);

    t.tls_ca_file = other;
    LoadOptions once;
    once.max_attempts = 1;
    once.timeout_seconds = 5;
    auto refused = RunLoad(w->requests, t, once);
    if (refused.ok()) {
      EXPECT_EQ(refused->items_accepted_total, 0u) << ProtocolName(p);
      EXPECT_FALSE(refused->first_error.empty());
    } else {
      EXPECT_NE(refused.status().message().find("certificate"), std::string::npos)
          << refused.status().ToString();
    }
  }
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

TEST(BenchRefused, NoServerIsAnErrorNamingTheAddress) {
  const uint16_t port = testing::FreePort();
  TargetOptions t;
  t.address = "127.0.0.1:" + std::to_string(port);
  auto w = BuildWorkload(SmallNode(NowMs()), EncodeOptions());
  ASSERT_TRUE(w.ok());
  auto r = RunLoad(w->requests, t, LoadOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(t.address), std::string::npos) << r.status().ToString();
}

TEST_F(BenchAgainstServer, CommandLineWritesItsReportAndFailsOnBadInput) {
  const std::string report = dir_.path() + "/report.json";
  const std::string bin = TIDEMARK_BENCH_BINARY;
  const std::string target = "127.0.0.1:" + std::to_string(server_->http_port);
  int rc = std::system((bin + " run --quiet --series 200 --scrapes 3 --target " + target +
                        " --server-pid " + std::to_string(server_->pid()) + " --report " + report +
                        " > " + dir_.path() + "/out.txt 2>&1")
                           .c_str());
  ASSERT_EQ(WEXITSTATUS(rc), 0) << testing::ReadFileOrDie(dir_.path() + "/out.txt");
  rapidjson::Document d;
  d.Parse(testing::ReadFileOrDie(report).c_str());
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["items_accepted_total"].GetUint64(), d["encoded"]["items"].GetUint64());
  EXPECT_EQ(d["requests_failed"].GetUint64(), 0u);
  EXPECT_TRUE(d["server"]["peak_rss_bytes"].GetUint64() > 0);
  EXPECT_TRUE(d["server"]["end_rss_bytes"].GetUint64() > 0);
  EXPECT_LE(d["server"]["end_rss_bytes"].GetUint64(), d["server"]["peak_rss_bytes"].GetUint64());
  const std::string out = testing::ReadFileOrDie(dir_.path() + "/out.txt");
  EXPECT_NE(out.find("samples accepted"), std::string::npos) << out;

  rc = std::system((bin + " run --quiet --target " + target + " --header nocolon > " + dir_.path() +
                    "/bad.txt 2>&1")
                       .c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  EXPECT_NE(testing::ReadFileOrDie(dir_.path() + "/bad.txt").find("is not NAME:VALUE"),
            std::string::npos);
}

}  // namespace
}  // namespace tidemark::bench
