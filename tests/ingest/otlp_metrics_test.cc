#include "ingest/otlp_metrics.h"

#include <gtest/gtest.h>

#include <climits>
#include <random>
#include <set>

#include "tests/ingest/otlp_metrics_test_util.h"
#include "tests/storage/test_util.h"

namespace tidemark::ingest {
namespace {

namespace mpb = opentelemetry::proto::metrics::v1;
using testing::AddResource;
using testing::Counter;
using testing::Gauge;
using tidemark::testing::ReadAll;
using tidemark::testing::TempDir;

class TranslateTest : public testing::TranslatorTest {
 protected:
  mpb::ResourceMetrics* Resource(
      opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest* req) {
    return AddResource(req, {{"service.name", "checkout"},
                             {"service.namespace", "shop"},
                             {"service.instance.id", "pod-1"},
                             {"host.name", "node-7"}});
  }

  using TranslatorTest::Run;
  MetricsTranslationReport Run(
      const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& req) {
    return Run(translator_, req);
  }

  MetricsTranslator translator_{MetricsTranslationOptions{}};
};

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ULL;

TEST_F(TranslateTest, JobInstanceTargetInfoAndAttributes) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  auto* m = Resource(&req)->add_scope_metrics()->add_metrics();
  *m = Counter("http.server.requests", "");
  auto* p = m->mutable_sum()->add_data_points();
  p->set_time_unix_nano(kT0);
  p->set_as_int(7);
  auto* a = p->add_attributes();
  a->set_key("http.status_code");
  a->mutable_value()->set_int_value(503);
  Run(req);
  auto all = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "http_server_requests_total")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->first,
            "http_server_requests_total{http_status_code=\"503\", instance=\"pod-1\", "
            "job=\"shop/checkout\"}");
  EXPECT_EQ(all.begin()->second[0].timestamp_ms, 1'700'000'000'000);
  auto info = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "target_info")});
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info.begin()->first,
            "target_info{host_name=\"node-7\", instance=\"pod-1\", job=\"shop/checkout\"}");
}

TEST_F(TranslateTest, DeltaSumsBecomeCumulative) {
  for (int i = 0; i < 3; ++i) {
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
    auto* m = Resource(&req)->add_scope_metrics()->add_metrics();
    *m = Counter("tokens", "");
    m->mutable_sum()->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_DELTA);
    auto* p = m->mutable_sum()->add_data_points();
    p->set_time_unix_nano(kT0 + i * 1'000'000'000ULL);
    p->set_as_double(10);
    Run(req);
  }
  auto all = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "tokens_total")});
  ASSERT_EQ(all.size(), 1u);
  const auto& s = all.begin()->second;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[2].value, 30);
}

TEST_F(TranslateTest, DeltaTotalsStayWithinTheirLimitForgettingTheLeastRecentlyUpdated) {
  MetricsTranslationOptions options;
  options.max_delta_series = 4;
  MetricsTranslator translator(options);
  // Series 0 is updated in every round; series 1..7 once each, in order.
  for (int round = 1; round <= 7; ++round) {
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
    auto* m = Resource(&req)->add_scope_metrics()->add_metrics();
    *m = Counter("jobs", "");
    m->mutable_sum()->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_DELTA);
    for (int series : {0, round}) {
      auto* p = m->mutable_sum()->add_data_points();
      p->set_time_unix_nano(kT0 + round * 1'000'000'000ULL);
      p->set_as_double(1);
      auto* a = p->add_attributes();
      a->set_key("n");
      a->mutable_value()->set_string_value(std::to_string(series));
    }
    auto app = engine_->NewAppender();
    ASSERT_TRUE(translator.Translate(req, app.get()).ok());
  }
  EXPECT_GT(translator.delta_series_forgotten(), 0u);
  // Series 0, updated most recently every time, kept its total: 1 per round.
  auto all = ReadAll(
      *engine_, {LabelMatcher::Equal("__name__", "jobs_total"), LabelMatcher::Equal("n", "0")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->second.back().value, 7);
}

TEST_F(TranslateTest, HistogramsSummariesAndUnsupportedKinds) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  auto* sm = Resource(&req)->add_scope_metrics();
  auto* h = sm->add_metrics();
  h->set_name("chain_latency");
  h->set_unit("ms");
  h->mutable_histogram()->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* hp = h->mutable_histogram()->add_data_points();
  hp->set_time_unix_nano(kT0);
  for (double b : {100.0, 500.0}) hp->add_explicit_bounds(b);
  for (uint64_t c : {3, 4, 1}) hp->add_bucket_counts(c);
  hp->set_count(8);
  hp->set_sum(1234.5);
  auto* s = sm->add_metrics();
  s->set_name("rpc.latency");
  auto* sp = s->mutable_summary()->add_data_points();
  sp->set_time_unix_nano(kT0);
  sp->set_count(10);
  sp->set_sum(5);
  auto* q = sp->add_quantile_values();
  q->set_quantile(0.99);
  q->set_value(0.8);
  auto* e = sm->add_metrics();
  e->set_name("native");
  e->mutable_exponential_histogram()->add_data_points()->set_time_unix_nano(kT0);
  auto* g = sm->add_metrics();
  *g = Gauge("queue.depth", "");
  auto* gp = g->mutable_gauge()->add_data_points();
  gp->set_time_unix_nano(kT0);
  gp->set_flags(1);  // no recorded value: a stale marker

  auto report = Run(req);
  EXPECT_EQ(report.rejected_data_points, 1u);
  EXPECT_NE(report.first_rejection.find("exponential histogram native"), std::string::npos)
      << report.first_rejection;

  auto buckets =
      ReadAll(*engine_, {LabelMatcher::Equal("__name__", "chain_latency_milliseconds_bucket")});
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets["chain_latency_milliseconds_bucket{instance=\"pod-1\", job=\"shop/checkout\", "
                    "le=\"100\"}"][0]
                .value,
            3);
  EXPECT_EQ(buckets["chain_latency_milliseconds_bucket{instance=\"pod-1\", job=\"shop/checkout\", "
                    "le=\"500\"}"][0]
                .value,
            7);
  EXPECT_EQ(buckets["chain_latency_milliseconds_bucket{instance=\"pod-1\", job=\"shop/checkout\", "
                    "le=\"+Inf\"}"][0]
                .value,
            8);
  auto sum = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "chain_latency_milliseconds_sum")});
  EXPECT_EQ(sum.begin()->second[0].value, 1234.5);
  auto quantile = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "rpc_latency"),
                                     LabelMatcher::Equal("quantile", "0.99")});
  ASSERT_EQ(quantile.size(), 1u);
  EXPECT_EQ(quantile.begin()->second[0].value, 0.8);
  auto stale = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "queue_depth")});
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_TRUE(IsStaleMarker(stale.begin()->second[0].value));
}

TEST_F(TranslateTest, BoundsAndQuantilesAreWrittenAsPrometheusWritesThem) {
  // strconv.FormatFloat(v, 'f', -1, 64), as Prometheus' OTLP translator: never an exponent.
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  auto* sm = Resource(&req)->add_scope_metrics();
  auto* h = sm->add_metrics();
  h->set_name("payload");
  h->mutable_histogram()->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* hp = h->mutable_histogram()->add_data_points();
  hp->set_time_unix_nano(kT0);
  for (double b : {0.00001, 100000.0, 1e6}) hp->add_explicit_bounds(b);
  for (uint64_t c : {1, 1, 1, 1}) hp->add_bucket_counts(c);
  hp->set_count(4);
  auto* s = sm->add_metrics();
  s->set_name("rpc.latency");
  auto* sp = s->mutable_summary()->add_data_points();
  sp->set_time_unix_nano(kT0);
  auto* q = sp->add_quantile_values();
  q->set_quantile(0.00001);
  q->set_value(1);
  Run(req);
  std::set<std::string> le;
  for (const auto& [series, samples] :
       ReadAll(*engine_, {LabelMatcher::Equal("__name__", "payload_bucket")})) {
    le.insert(series.substr(series.find("le=")));
  }
  EXPECT_EQ(le, (std::set<std::string>{"le=\"+Inf\"}", "le=\"0.00001\"}", "le=\"100000\"}",
                                       "le=\"1000000\"}"}));
  EXPECT_EQ(ReadAll(*engine_, {LabelMatcher::Equal("__name__", "rpc_latency"),
                               LabelMatcher::Equal("quantile", "0.00001")})
                .size(),
            1u);
}

TEST_F(TranslateTest, ExemplarsGoToTheirBucketAndMetadataIsReported) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  auto* h = Resource(&req)->add_scope_metrics()->add_metrics();
  h->set_name("chain_latency");
  h->set_unit("ms");
  h->set_description("Latency of a chain run.");
  h->mutable_histogram()->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* hp = h->mutable_histogram()->add_data_points();
  hp->set_time_unix_nano(kT0);
  for (double b : {100.0, 500.0}) hp->add_explicit_bounds(b);
  for (uint64_t c : {3, 4, 1}) hp->add_bucket_counts(c);
  hp->set_count(8);
  for (double v : {100.0, 250.0, 900.0}) {
    auto* e = hp->add_exemplars();
    e->set_as_double(v);
    e->set_time_unix_nano(kT0);
    e->set_trace_id(
        std::string("\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x36", 16));
    e->set_span_id(std::string("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8));
  }
  auto report = Run(req);
  ASSERT_EQ(report.exemplars.size(), 3u);
  EXPECT_EQ(report.exemplars[0].series.Get("le"), "100");  // upper bounds are inclusive
  EXPECT_EQ(report.exemplars[1].series.Get("le"), "500");
  EXPECT_EQ(report.exemplars[2].series.Get("le"), "+Inf");
  EXPECT_EQ(report.exemplars[0].exemplar.labels.Get("trace_id"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(report.exemplars[0].exemplar.labels.Get("span_id"), "00f067aa0ba902b7");
  EXPECT_EQ(report.exemplars[0].exemplar.timestamp_ms, 1'700'000'000'000);
  ASSERT_EQ(report.metadata.size(), 1u);
  EXPECT_EQ(report.metadata[0].first, "chain_latency_milliseconds");
  EXPECT_EQ(report.metadata[0].second.type, "histogram");
  EXPECT_EQ(report.metadata[0].second.help, "Latency of a chain run.");
  EXPECT_EQ(report.metadata[0].second.unit, "ms");
}

TEST_F(TranslateTest, RepeatedSeriesGoThroughTheRefCacheAndSurviveDeletion) {
  auto request = [&](uint64_t t) {
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
    auto* sm = Resource(&req)->add_scope_metrics();
    auto* g = sm->add_metrics();
    *g = Gauge("queue.depth", "");
    for (const char* q : {"a", "b"}) {
      auto* p = g->mutable_gauge()->add_data_points();
      p->set_time_unix_nano(t);
      p->set_as_int(3);
      auto* a = p->add_attributes();
      a->set_key("queue");
      a->mutable_value()->set_string_value(q);
    }
    auto* h = sm->add_metrics();
    h->set_name("latency");
    h->mutable_histogram()->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
    auto* hp = h->mutable_histogram()->add_data_points();
    hp->set_time_unix_nano(t);
    hp->add_explicit_bounds(1);
    hp->add_bucket_counts(2);
    hp->add_bucket_counts(1);
    hp->set_count(3);
    hp->set_sum(2.5);
    return req;
  };
  for (int i = 0; i < 3; ++i) Run(request(kT0 + i * 1'000'000'000ULL));
  auto gauges = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "queue_depth")});
  ASSERT_EQ(gauges.size(), 2u);
  for (const auto& [name, samples] : gauges) EXPECT_EQ(samples.size(), 3u) << name;
  auto buckets = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "latency_bucket")});
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets["latency_bucket{instance=\"pod-1\", job=\"shop/checkout\", le=\"+Inf\"}"]
                .back()
                .value,
            3);
  // A cached ref whose series was deleted falls back to the label set.
  ASSERT_TRUE(
      engine_->DeleteSeries({LabelMatcher::Equal("queue", "a")}, INT64_MIN, INT64_MAX).ok());
  auto report = Run(request(kT0 + 10'000'000'000ULL));
  EXPECT_EQ(report.commit.rejected, 0u);
  auto again = ReadAll(*engine_, {LabelMatcher::Equal("queue", "a")});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again.begin()->second.size(), 1u);
}

TEST_F(TranslateTest, RefCacheTellsJobFromInstance) {
  // Resource {service.name=x} gives job="x"; {service.instance.id=x} gives instance="x": the same
  // gauge under each is two series, also on the cached path.
  for (int round = 0; round < 2; ++round) {
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
    for (const char* key : {"service.name", "service.instance.id"}) {
      auto* rm = req.add_resource_metrics();
      auto* a = rm->mutable_resource()->add_attributes();
      a->set_key(key);
      a->mutable_value()->set_string_value("x");
      auto* m = rm->add_scope_metrics()->add_metrics();
      *m = Gauge("load", "");
      auto* p = m->mutable_gauge()->add_data_points();
      p->set_time_unix_nano(kT0 + round * 1'000'000'000ULL);
      p->set_as_double(round);
    }
    Run(req);
  }
  auto all = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "load")});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all["load{job=\"x\"}"].size(), 2u);
  EXPECT_EQ(all["load{instance=\"x\"}"].size(), 2u);
}

TEST_F(TranslateTest, Utf8NamingKeepsOtelNames) {
  MetricsTranslationOptions options;
  options.translation_strategy = TranslationStrategy::kNoTranslation;
  options.target_info = false;
  MetricsTranslator utf8(options);
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  auto* m = Resource(&req)->add_scope_metrics()->add_metrics();
  *m = Counter("gen_ai.client.token.usage", "{token}");
  auto* p = m->mutable_sum()->add_data_points();
  p->set_time_unix_nano(kT0);
  p->set_as_int(5);
  auto* a = p->add_attributes();
  a->set_key("gen_ai.system");
  a->mutable_value()->set_string_value("openai");
  auto app = engine_->NewAppender();
  ASSERT_TRUE(utf8.Translate(req, app.get()).ok());
  auto all = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "gen_ai.client.token.usage"),
                                LabelMatcher::Equal("gen_ai.system", "openai")});
  EXPECT_EQ(all.size(), 1u);
  EXPECT_TRUE(ReadAll(*engine_, {LabelMatcher::Equal("__name__", "target_info")}).empty());
}

}  // namespace
}  // namespace tidemark::ingest

namespace tidemark::ingest {
namespace {

namespace cpb = opentelemetry::proto::collector::metrics::v1;
namespace common = opentelemetry::proto::common::v1;

// Requests with every metric kind and field, for the wire decoder against protobuf's parser.
class MetricsGenerator {
 public:
  explicit MetricsGenerator(uint32_t seed) : rng_(seed) {}

  cpb::ExportMetricsServiceRequest Request() {
    cpb::ExportMetricsServiceRequest req;
    for (int r = Int(1, 2); r > 0; --r) {
      auto* rm = req.add_resource_metrics();
      Attributes(rm->mutable_resource()->mutable_attributes());
      for (int s = Int(1, 2); s > 0; --s) {
        auto* sm = rm->add_scope_metrics();
        sm->mutable_scope()->set_name("scope");
        Attributes(sm->mutable_scope()->mutable_attributes());
        for (int n = Int(1, 4); n > 0; --n) Metric(sm->add_metrics());
      }
    }
    return req;
  }

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::string Text() {
    static const char* kWords[] = {"", "checkout", "gen_ai.client.token.usage", "π", "GET", "x"};
    return kWords[Int(0, 5)];
  }
  void Attributes(google::protobuf::RepeatedPtrField<common::KeyValue>* kvs) {
    for (int i = Int(0, 3); i > 0; --i) {
      auto* kv = kvs->Add();
      kv->set_key(Text());
      switch (Int(0, 4)) {
        case 0:
          kv->mutable_value()->set_string_value(Text());
          break;
        case 1:
          kv->mutable_value()->set_int_value(Int(-5, 5000));
          break;
        case 2:
          kv->mutable_value()->set_double_value(Int(0, 100) / 8.0);
          break;
        case 3:
          kv->mutable_value()->mutable_array_value()->add_values()->set_bool_value(true);
          break;
        default:
          break;
      }
    }
  }
  template <typename Point>
  void Common(Point* p) {
    Attributes(p->mutable_attributes());
    p->set_start_time_unix_nano(kT0);
    p->set_time_unix_nano(kT0 + static_cast<uint64_t>(Int(0, 1000)) * 1'000'000);
    p->set_flags(Int(0, 3) == 0 ? 1 : 0);
  }
  template <typename Point>
  void Exemplars(Point* p) {
    for (int i = Int(0, 1); i > 0; --i) {
      auto* e = p->add_exemplars();
      e->set_trace_id(std::string(16, '\x01'));
      e->set_span_id(std::string(8, '\x02'));
      e->set_as_double(Int(0, 10));
      e->set_time_unix_nano(kT0);
      Attributes(e->mutable_filtered_attributes());
    }
  }
  void Metric(opentelemetry::proto::metrics::v1::Metric* m) {
    m->set_name(Text());
    m->set_unit(Int(0, 1) ? "s" : "{token}");
    m->set_description(Text());
    switch (Int(0, 4)) {
      case 0:
        for (int i = Int(0, 2); i > 0; --i) {
          auto* p = m->mutable_gauge()->add_data_points();
          Common(p);
          p->set_as_double(Int(0, 100) / 3.0);
          Exemplars(p);
        }
        break;
      case 1:
        m->mutable_sum()->set_is_monotonic(Int(0, 1));
        m->mutable_sum()->set_aggregation_temporality(
            static_cast<opentelemetry::proto::metrics::v1::AggregationTemporality>(Int(0, 2)));
        for (int i = Int(0, 2); i > 0; --i) {
          auto* p = m->mutable_sum()->add_data_points();
          Common(p);
          p->set_as_int(Int(0, 100));
          Exemplars(p);
        }
        break;
      case 2:
        m->mutable_histogram()->set_aggregation_temporality(
            static_cast<opentelemetry::proto::metrics::v1::AggregationTemporality>(Int(1, 2)));
        for (int i = Int(0, 2); i > 0; --i) {
          auto* p = m->mutable_histogram()->add_data_points();
          Common(p);
          const int bounds = Int(0, 3);
          for (int b = 0; b < bounds; ++b) p->add_explicit_bounds(b * 0.5);
          for (int b = 0; b <= bounds; ++b) p->add_bucket_counts(Int(0, 9));
          p->set_count(100);
          if (Int(0, 1)) p->set_sum(12.5);
          if (Int(0, 1)) p->set_min(0.1);
          Exemplars(p);
        }
        break;
      case 3:
        for (int i = Int(0, 2); i > 0; --i) {
          auto* p = m->mutable_summary()->add_data_points();
          Common(p);
          p->set_count(3);
          p->set_sum(4.5);
          auto* q = p->add_quantile_values();
          q->set_quantile(0.5);
          q->set_value(1.5);
        }
        break;
      default:
        for (int i = Int(0, 2); i > 0; --i) {
          auto* p = m->mutable_exponential_histogram()->add_data_points();
          Common(p);
          p->set_scale(Int(-2, 3));
          p->mutable_positive()->set_offset(Int(-3, 3));
          p->mutable_positive()->add_bucket_counts(Int(0, 300));
          Exemplars(p);
        }
    }
  }

  std::mt19937 rng_;
};

TEST(OtlpMetricsDecoder, AcceptsExactlyWhatProtobufAccepts) {
  // protobuf logs every string that is not UTF-8; the corruptions make many.
  google::protobuf::LogSilencer quiet;
  TempDir dir;
  auto engine = Engine::Open(tidemark::testing::TestOptions(), dir.path());
  ASSERT_TRUE(engine.ok());
  MetricsTranslator translator{MetricsTranslationOptions{}};
  MetricsGenerator gen(5);
  auto check = [&](const std::string& body, const std::string& what) {
    cpb::ExportMetricsServiceRequest parsed;
    const bool protobuf_ok = parsed.ParseFromString(body);
    auto app = (*engine)->NewAppender();
    auto r = translator.Translate(body, app.get());
    ASSERT_EQ(r.ok(), protobuf_ok) << what << ": " << r.status().ToString();
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << what;
      EXPECT_NE(r.status().message().find("ExportMetricsServiceRequest"), std::string::npos);
      return;
    }
    // The same data points as protobuf sees.
    uint64_t points = 0;
    for (const auto& rm : parsed.resource_metrics()) {
      for (const auto& sm : rm.scope_metrics()) {
        for (const auto& m : sm.metrics()) {
          points += m.gauge().data_points_size() + m.sum().data_points_size() +
                    m.histogram().data_points_size() + m.summary().data_points_size() +
                    m.exponential_histogram().data_points_size();
        }
      }
    }
    EXPECT_EQ(r->data_points, points) << what;
  };
  for (int i = 0; i < 200; ++i) check(gen.Request().SerializeAsString(), "request");
  for (int i = 0; i < 12; ++i) {
    const std::string body = gen.Request().SerializeAsString();
    for (size_t n = 0; n < body.size(); n += 1 + body.size() / 400)
      check(body.substr(0, n), "request " + std::to_string(i) + " cut at " + std::to_string(n));
    for (int k = 0; k < 150 && !body.empty(); ++k) {
      std::string corrupt = body;
      corrupt[gen.Int(0, static_cast<int>(body.size()) - 1)] = static_cast<char>(gen.Int(0, 255));
      check(corrupt, "request " + std::to_string(i) + " corruption " + std::to_string(k));
    }
  }
}

// What the wire path stores equals what the series would be when built from the parsed message:
// checked on a request whose every label is known.
TEST(OtlpMetricsDecoder, NonStringAttributesAndMergedValuesPrintAsProtobufSeesThem) {
  TempDir dir;
  auto engine = Engine::Open(tidemark::testing::TestOptions(), dir.path());
  ASSERT_TRUE(engine.ok());
  MetricsTranslator translator{MetricsTranslationOptions{}};
  cpb::ExportMetricsServiceRequest req;
  auto* m = req.add_resource_metrics()->add_scope_metrics()->add_metrics();
  m->set_name("g");
  auto* p = m->mutable_gauge()->add_data_points();
  p->set_time_unix_nano(kT0);
  p->set_as_double(1);
  auto add = [&](const char* key) {
    auto* kv = p->add_attributes();
    kv->set_key(key);
    return kv->mutable_value();
  };
  add("i")->set_int_value(-7);
  add("b")->set_bool_value(true);
  add("d")->set_double_value(0.25);
  add("s")->set_string_value("text");
  std::string body = req.SerializeAsString();
  auto app = (*engine)->NewAppender();
  ASSERT_TRUE(translator.Translate(body, app.get()).ok());
  auto all = ReadAll(**engine, {LabelMatcher::Equal("__name__", "g")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->first, R"(g{b="true", d="0.25", i="-7", s="text"})");

  // A KeyValue whose value field comes twice ({string "a"} then {int 5}): protobuf merges the
  // two AnyValues and the oneof's last member wins. Encoded by hand: no encoder writes this.
  auto ld = [](int field, const std::string& bytes) {
    return std::string(1, static_cast<char>(field << 3 | 2)) +
           std::string(1, static_cast<char>(bytes.size())) + bytes;
  };
  const std::string key_value = ld(1, "m") + ld(2, ld(1, "a")) + ld(2, std::string("\x18\x05", 2));
  std::string time(1, static_cast<char>(3 << 3 | 1));
  for (int i = 0; i < 8; ++i) time.push_back(static_cast<char>((kT0 >> (8 * i)) & 0xff));
  const std::string point = time + ld(7, key_value);
  const std::string merged = ld(1, ld(2, ld(2, ld(1, "m2") + ld(5, ld(1, point)))));
  cpb::ExportMetricsServiceRequest check;
  ASSERT_TRUE(check.ParseFromString(merged));
  ASSERT_EQ(check.resource_metrics(0)
                .scope_metrics(0)
                .metrics(0)
                .gauge()
                .data_points(0)
                .attributes(0)
                .value()
                .int_value(),
            5);
  auto app2 = (*engine)->NewAppender();
  ASSERT_TRUE(translator.Translate(merged, app2.get()).ok());
  all = ReadAll(**engine, {LabelMatcher::Equal("__name__", "m2")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->first, R"(m2{m="5"})");
}

}  // namespace
}  // namespace tidemark::ingest
