// The names Prometheus 3's four OTLP translation strategies give metrics and attributes, as its
// otlptranslator builds them, including the seeds' instruments tabled in docs/otlp-translation.md;
// and resource attribute promotion (promote, promote all but ignored, identifying attributes on
// target_info).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/otlp_metrics.h"
#include "tests/ingest/otlp_metrics_test_util.h"
#include "tests/storage/test_util.h"

namespace tidemark::ingest {
namespace {

namespace mpb = opentelemetry::proto::metrics::v1;
using testing::AddResource;
using testing::Counter;
using testing::ExportRequest;
using testing::Gauge;
using testing::Histogram;
using testing::UpDownCounter;
using tidemark::testing::ReadAll;

constexpr auto kWithSuffixes = TranslationStrategy::kUnderscoreEscapingWithSuffixes;
constexpr auto kWithoutSuffixes = TranslationStrategy::kUnderscoreEscapingWithoutSuffixes;
constexpr auto kUtf8WithSuffixes = TranslationStrategy::kNoUTF8EscapingWithSuffixes;
constexpr auto kNoTranslation = TranslationStrategy::kNoTranslation;

TEST(TranslationStrategy, IsSpelledAsPrometheusSpellsIt) {
  for (auto s : {kWithSuffixes, kWithoutSuffixes, kUtf8WithSuffixes, kNoTranslation}) {
    TranslationStrategy back = s == kNoTranslation ? kWithSuffixes : kNoTranslation;
    ASSERT_TRUE(ParseTranslationStrategy(TranslationStrategyName(s), &back))
        << TranslationStrategyName(s);
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(TranslationStrategyName(kUtf8WithSuffixes), "NoUTF8EscapingWithSuffixes");
  TranslationStrategy s = kWithSuffixes;
  for (const char* bad : {"", "underscoreescapingwithsuffixes", "NoUTF8Escaping", "utf8"})
    EXPECT_FALSE(ParseTranslationStrategy(bad, &s)) << bad;
  EXPECT_EQ(s, kWithSuffixes);
}

TEST(MetricNames, UnderscoreEscapingWithSuffixes) {
  auto name = [](const mpb::Metric& m) { return PrometheusMetricName(m, kWithSuffixes); };
  // The seeds' instruments.
  EXPECT_EQ(name(Counter("llm.cost.usd", "USD")), "llm_cost_usd_USD_total");
  EXPECT_EQ(name(Histogram("llm.request.latency", "ms")), "llm_request_latency_milliseconds");
  EXPECT_EQ(name(Counter("gen_ai.client.token.usage", "tokens")),
            "gen_ai_client_token_usage_tokens_total");
  EXPECT_EQ(name(Histogram("gen_ai.client.token.usage", "{token}")), "gen_ai_client_token_usage");
  EXPECT_EQ(name(Counter("llm.errors", "errors")), "llm_errors_total");  // unit already a token
  // What the docs recommend for the seeds' queries: no unit, or an {annotation}.
  EXPECT_EQ(name(Counter("llm.cost.usd", "")), "llm_cost_usd_total");
  EXPECT_EQ(name(Counter("llm.cost.usd", "{USD}")), "llm_cost_usd_total");
  EXPECT_EQ(name(Histogram("llm.request.latency", "")), "llm_request_latency");
  // Units.
  EXPECT_EQ(name(Histogram("http.server.request.duration", "s")),
            "http_server_request_duration_seconds");
  EXPECT_EQ(name(Gauge("process.memory.usage", "By")), "process_memory_usage_bytes");
  EXPECT_EQ(name(Gauge("disk.free", "GiBy")), "disk_free_gibibytes");
  EXPECT_EQ(name(Counter("requests", "1")), "requests_total");  // 1 adds nothing to counters
  EXPECT_EQ(name(Gauge("system.cpu.utilization", "1")), "system_cpu_utilization_ratio");
  EXPECT_EQ(name(Gauge("ratio.of.hits", "1")), "of_hits_ratio");    // moved to the end
  EXPECT_EQ(name(UpDownCounter("queue.fill", "1")), "queue_fill");  // gauges only, as Prometheus
  EXPECT_EQ(name(Counter("network.io", "By/s")), "network_io_bytes_per_second_total");
  EXPECT_EQ(name(Counter("packets", "{packet}/s")), "packets_per_second_total");
  EXPECT_EQ(name(Counter("bytes.sent", "By{compressed}")), "bytes_sent_total");
  EXPECT_EQ(name(Gauge("fan.speed", " rpm ")), "fan_speed_rpm");
  EXPECT_EQ(name(Gauge("temperature", "deg.C")), "temperature_deg_C");
  EXPECT_EQ(name(Gauge("duration_seconds", "s")), "duration_seconds");
  // _total moves to the end; escaping collapses runs; a leading digit gets '_'.
  EXPECT_EQ(name(Counter("chain_requests_total", "")), "chain_requests_total");
  EXPECT_EQ(name(Counter("total.requests", "")), "requests_total");
  EXPECT_EQ(name(Gauge("latency__with--odd chars", "ms")), "latency_with_odd_chars_milliseconds");
  EXPECT_EQ(name(Gauge("http.服务.calls", "")), "http_calls");
  EXPECT_EQ(name(Gauge("node:cpu.seconds", "")), "node:cpu_seconds");
  EXPECT_EQ(name(Gauge("2xx.count", "")), "_2xx_count");
  // Nothing usable left: Prometheus refuses the metric, and so do we.
  EXPECT_EQ(name(Gauge("...", "")), "");
  EXPECT_EQ(name(Gauge("___", "")), "");
  EXPECT_EQ(name(Gauge("", "s")), "");
}

TEST(MetricNames, UnderscoreEscapingWithoutSuffixes) {
  auto name = [](const mpb::Metric& m) { return PrometheusMetricName(m, kWithoutSuffixes); };
  EXPECT_EQ(name(Counter("llm.cost.usd", "USD")), "llm_cost_usd");
  EXPECT_EQ(name(Histogram("llm.request.latency", "ms")), "llm_request_latency");
  EXPECT_EQ(name(Counter("gen_ai.client.token.usage", "tokens")), "gen_ai_client_token_usage");
  EXPECT_EQ(name(Histogram("gen_ai.client.token.usage", "{token}")), "gen_ai_client_token_usage");
  EXPECT_EQ(name(Counter("llm.errors", "errors")), "llm_errors");
  EXPECT_EQ(name(Counter("chain_requests_total", "1")), "chain_requests_total");
  EXPECT_EQ(name(Gauge("system.cpu.utilization", "1")), "system_cpu_utilization");
  // Underscores are kept as sent; other runs become one '_'.
  EXPECT_EQ(name(Gauge("latency__with--odd chars", "ms")), "latency__with_odd_chars");
  EXPECT_EQ(name(Gauge("_private.metric", "")), "_private_metric");
  EXPECT_EQ(name(Gauge("http.服务.calls", "")), "http_calls");
  EXPECT_EQ(name(Gauge("2xx.count", "")), "_2xx_count");
  EXPECT_EQ(name(Gauge("___", "")), "___");  // sent so: kept
  EXPECT_EQ(name(Gauge("...", "")), "");
}

TEST(MetricNames, NoUTF8EscapingWithSuffixes) {
  auto name = [](const mpb::Metric& m) { return PrometheusMetricName(m, kUtf8WithSuffixes); };
  EXPECT_EQ(name(Counter("llm.cost.usd", "USD")), "llm.cost.usd_USD_total");
  EXPECT_EQ(name(Histogram("llm.request.latency", "ms")), "llm.request.latency_milliseconds");
  EXPECT_EQ(name(Counter("gen_ai.client.token.usage", "tokens")),
            "gen_ai.client.token.usage_tokens_total");
  EXPECT_EQ(name(Histogram("gen_ai.client.token.usage", "{token}")), "gen_ai.client.token.usage");
  EXPECT_EQ(name(Counter("llm.errors", "errors")), "llm.errors_total");  // ends with the unit
  EXPECT_EQ(name(Counter("http.requests.total", "")), "http.requests_total");
  EXPECT_EQ(name(Counter("network.io", "By/s")), "network.io_bytes_per_second_total");
  EXPECT_EQ(name(Counter("net.io.per_second", "By/s")), "net.io_bytes_per_second_total");
  EXPECT_EQ(name(Gauge("system.cpu.utilization", "1")), "system.cpu.utilization_ratio");
  EXPECT_EQ(name(Gauge("cpu.ratio", "1")), "cpu_ratio");
  EXPECT_EQ(name(UpDownCounter("queue.fill", "1")), "queue.fill");
  EXPECT_EQ(name(Gauge("duration_seconds", "s")), "duration_seconds");
  EXPECT_EQ(name(Gauge("http.服务.latency", "ms")), "http.服务.latency_milliseconds");
  EXPECT_EQ(name(Gauge("", "")), "");
}

TEST(MetricNames, NoTranslation) {
  auto name = [](const mpb::Metric& m) { return PrometheusMetricName(m, kNoTranslation); };
  EXPECT_EQ(name(Counter("llm.cost.usd", "USD")), "llm.cost.usd");
  EXPECT_EQ(name(Histogram("llm.request.latency", "ms")), "llm.request.latency");
  EXPECT_EQ(name(Counter("gen_ai.client.token.usage", "tokens")), "gen_ai.client.token.usage");
  EXPECT_EQ(name(Gauge("system.cpu.utilization", "1")), "system.cpu.utilization");
  EXPECT_EQ(name(Gauge("http.服务.latency", "ms")), "http.服务.latency");
  EXPECT_EQ(name(Gauge("", "")), "");
}

TEST(LabelNames, FollowTheStrategy) {
  for (auto s : {kWithSuffixes, kWithoutSuffixes}) {
    EXPECT_EQ(PrometheusLabelName("gen_ai.request.model", s), "gen_ai_request_model");
    EXPECT_EQ(PrometheusLabelName("token.type", s), "token_type");
    EXPECT_EQ(PrometheusLabelName("http.method", s), "http_method");
    EXPECT_EQ(PrometheusLabelName("2xx", s), "key_2xx");
    EXPECT_EQ(PrometheusLabelName("_private", s), "key_private");
    EXPECT_EQ(PrometheusLabelName("_", s), "key_");
    EXPECT_EQ(PrometheusLabelName("__reserved", s), "__reserved");
    EXPECT_EQ(PrometheusLabelName("a__b", s), "a__b");
    // One '_' per character, not per byte: "é" is two bytes.
    EXPECT_EQ(PrometheusLabelName("café.name", s), "caf__name");
    EXPECT_EQ(PrometheusLabelName("名前", s), "__");
  }
  for (auto s : {kUtf8WithSuffixes, kNoTranslation}) {
    EXPECT_EQ(PrometheusLabelName("gen_ai.request.model", s), "gen_ai.request.model");
    EXPECT_EQ(PrometheusLabelName("2xx", s), "2xx");
    EXPECT_EQ(PrometheusLabelName("café.name", s), "café.name");
  }
}

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ULL;

// Requests from the seeds' service, translated under given options into a fresh engine.
class StrategyTest : public testing::TranslatorTest {
 protected:
  static mpb::ResourceMetrics* Resource(ExportRequest* req, const char* environment = "prod") {
    return AddResource(req, {{"service.name", "llm-chat"},
                             {"service.namespace", "ai"},
                             {"service.instance.id", "pod-1"},
                             {"host.name", "node-7"},
                             {"deployment.environment", environment}});
  }

  // A counter point and a histogram point (bounds 100, 1000) with gen_ai.request.model.
  static void AddSeedMetrics(mpb::ResourceMetrics* rm, uint64_t t) {
    auto* sm = rm->add_scope_metrics();
    auto* cost = sm->add_metrics();
    *cost = Counter("llm.cost.usd", "USD");
    auto* cp = cost->mutable_sum()->add_data_points();
    cp->set_time_unix_nano(t);
    cp->set_as_double(181.5);
    Model(cp->add_attributes());
    auto* latency = sm->add_metrics();
    *latency = Histogram("llm.request.latency", "ms");
    auto* hp = latency->mutable_histogram()->add_data_points();
    hp->set_time_unix_nano(t);
    for (double b : {100.0, 1000.0}) hp->add_explicit_bounds(b);
    for (uint64_t c : {1, 2, 3}) hp->add_bucket_counts(c);
    hp->set_count(6);
    hp->set_sum(42000);
    Model(hp->add_attributes());
  }

  static void Model(opentelemetry::proto::common::v1::KeyValue* a) {
    a->set_key("gen_ai.request.model");
    a->mutable_value()->set_string_value("gpt-4o");
  }

  // Series (as text) whose __name__ is `name`.
  std::vector<std::string> Series(const std::string& name) {
    std::vector<std::string> out;
    for (const auto& [series, samples] : ReadAll(*engine_, {LabelMatcher::Equal("__name__", name)}))
      out.push_back(series);
    return out;
  }
};

TEST_F(StrategyTest, EachStrategyStoresTheSeedsInstrumentsUnderItsNames) {
  struct Case {
    TranslationStrategy strategy;
    std::string cost, latency_bucket, model_label;
  };
  for (const Case& c : std::vector<Case>{
           {kWithSuffixes, "llm_cost_usd_USD_total", "llm_request_latency_milliseconds_bucket",
            "gen_ai_request_model"},
           {kWithoutSuffixes, "llm_cost_usd", "llm_request_latency_bucket", "gen_ai_request_model"},
           {kUtf8WithSuffixes, "llm.cost.usd_USD_total", "llm.request.latency_milliseconds_bucket",
            "gen_ai.request.model"},
           {kNoTranslation, "llm.cost.usd", "llm.request.latency_bucket", "gen_ai.request.model"},
       }) {
    SCOPED_TRACE(std::string(TranslationStrategyName(c.strategy)));
    OpenEngine();
    MetricsTranslationOptions options;
    options.translation_strategy = c.strategy;
    MetricsTranslator translator(options);
    ExportRequest req;
    AddSeedMetrics(Resource(&req), kT0);
    const auto report = Run(translator, req);
    EXPECT_EQ(report.rejected_data_points, 0u);
    auto cost = ReadAll(*engine_, {LabelMatcher::Equal("__name__", c.cost),
                                   LabelMatcher::Equal(c.model_label, "gpt-4o"),
                                   LabelMatcher::Equal("job", "ai/llm-chat")});
    ASSERT_EQ(cost.size(), 1u);
    EXPECT_EQ(cost.begin()->second.back().value, 181.5);
    auto inf = ReadAll(*engine_, {LabelMatcher::Equal("__name__", c.latency_bucket),
                                  LabelMatcher::Equal(c.model_label, "gpt-4o"),
                                  LabelMatcher::Equal("le", "+Inf")});
    ASSERT_EQ(inf.size(), 1u);
    EXPECT_EQ(inf.begin()->second.back().value, 6);
    // _sum and _count follow the bucket's base name under every strategy.
    const std::string base = c.latency_bucket.substr(0, c.latency_bucket.size() - 7);
    EXPECT_EQ(Series(base + "_sum").size(), 1u);
    EXPECT_EQ(Series(base + "_count").size(), 1u);
    ASSERT_EQ(report.metadata.size(), 2u);
    EXPECT_EQ(report.metadata[0].first, c.cost);
    // target_info's attribute labels are named like the others.
    const std::string environment =
        EscapesNames(c.strategy) ? "deployment_environment" : "deployment.environment";
    EXPECT_EQ(ReadAll(*engine_, {LabelMatcher::Equal("__name__", "target_info"),
                                 LabelMatcher::Equal(environment, "prod")})
                  .size(),
              1u);
  }
}

TEST_F(StrategyTest, TheRecommendedInstrumentsGiveTheSeedsQueryNames) {
  // docs/otlp-translation.md: the default strategy, and the seeds' instruments declared without
  // the units that would add a suffix.
  MetricsTranslator translator(MetricsTranslationOptions{});
  ExportRequest req;
  auto* sm = Resource(&req)->add_scope_metrics();
  auto add_counter = [&](const char* name, const char* unit) {
    auto* m = sm->add_metrics();
    *m = Counter(name, unit);
    auto* p = m->mutable_sum()->add_data_points();
    p->set_time_unix_nano(kT0);
    p->set_as_int(1);
  };
  add_counter("llm.cost.usd", "{USD}");
  add_counter("llm.errors", "errors");
  add_counter("llm.calls", "");
  for (const char* name : {"llm.request.latency", "llm.time_to_first_token"}) {
    auto* m = sm->add_metrics();
    *m = Histogram(name, "");
    auto* p = m->mutable_histogram()->add_data_points();
    p->set_time_unix_nano(kT0);
    p->set_count(0);
  }
  Run(translator, req);
  for (const char* name : {"llm_cost_usd_total", "llm_errors_total", "llm_calls_total",
                           "llm_request_latency_bucket", "llm_time_to_first_token_bucket"}) {
    EXPECT_EQ(Series(name).size(), 1u) << name;
  }
}

TEST_F(StrategyTest, PromotedResourceAttributesLabelEverySeriesOfTheirResource) {
  MetricsTranslationOptions options;
  options.promote_resource_attributes = {"deployment.environment", "service.name", "absent"};
  MetricsTranslator translator(options);
  ExportRequest req;
  AddSeedMetrics(Resource(&req), kT0);
  Run(translator, req);
  const std::vector<std::string> cost = Series("llm_cost_usd_USD_total");
  ASSERT_EQ(cost.size(), 1u);
  EXPECT_EQ(cost[0],
            "llm_cost_usd_USD_total{deployment_environment=\"prod\", "
            "gen_ai_request_model=\"gpt-4o\", instance=\"pod-1\", job=\"ai/llm-chat\", "
            "service_name=\"llm-chat\"}");
  EXPECT_EQ(
      ReadAll(*engine_, {LabelMatcher::Equal("__name__", "llm_request_latency_milliseconds_bucket"),
                         LabelMatcher::Equal("deployment_environment", "prod")})
          .size(),
      3u);
  // target_info keeps every non-identifying attribute, promoted or not.
  EXPECT_EQ(Series("target_info"),
            std::vector<std::string>{"target_info{deployment_environment=\"prod\", "
                                     "host_name=\"node-7\", instance=\"pod-1\", "
                                     "job=\"ai/llm-chat\"}"});
}

TEST_F(StrategyTest, ADataPointAttributeWinsOverAPromotedOneAndJobOverBoth) {
  MetricsTranslationOptions options;
  options.promote_resource_attributes = {"deployment.environment", "job"};
  MetricsTranslator translator(options);
  ExportRequest req;
  auto* rm = AddResource(
      &req,
      {{"service.name", "svc"}, {"deployment.environment", "prod"}, {"job", "from-resource"}});
  auto* m = rm->add_scope_metrics()->add_metrics();
  *m = Gauge("load", "");
  auto* p = m->mutable_gauge()->add_data_points();
  p->set_time_unix_nano(kT0);
  p->set_as_double(1);
  auto* a = p->add_attributes();
  a->set_key("deployment_environment");
  a->mutable_value()->set_string_value("from-point");
  Run(translator, req);
  EXPECT_EQ(Series("load"),
            std::vector<std::string>{"load{deployment_environment=\"from-point\", job=\"svc\"}"});
}

TEST_F(StrategyTest, PromoteAllLeavesOutTheIgnoredAttributes) {
  MetricsTranslationOptions options;
  options.promote_all_resource_attributes = true;
  options.ignore_resource_attributes = {"host.name", "service.instance.id"};
  MetricsTranslator translator(options);
  ExportRequest req;
  AddSeedMetrics(Resource(&req), kT0);
  Run(translator, req);
  EXPECT_EQ(Series("llm_cost_usd_USD_total"),
            std::vector<std::string>{
                "llm_cost_usd_USD_total{deployment_environment=\"prod\", "
                "gen_ai_request_model=\"gpt-4o\", instance=\"pod-1\", job=\"ai/llm-chat\", "
                "service_name=\"llm-chat\", service_namespace=\"ai\"}"});
}

TEST_F(StrategyTest, PromotedLabelsAreNamedByTheStrategy) {
  MetricsTranslationOptions options;
  options.translation_strategy = kNoTranslation;
  options.promote_resource_attributes = {"deployment.environment"};
  MetricsTranslator translator(options);
  ExportRequest req;
  AddSeedMetrics(Resource(&req), kT0);
  Run(translator, req);
  EXPECT_EQ(ReadAll(*engine_, {LabelMatcher::Equal("__name__", "llm.cost.usd"),
                               LabelMatcher::Equal("deployment.environment", "prod")})
                .size(),
            1u);
}

TEST_F(StrategyTest, ResourcesDifferingOnlyInPromotedAttributesAreDifferentSeries) {
  // Same job and instance, same data point: the cached path must tell them apart too.
  MetricsTranslationOptions options;
  options.promote_resource_attributes = {"deployment.environment"};
  MetricsTranslator translator(options);
  for (int round = 0; round < 2; ++round) {
    ExportRequest req;
    for (const char* environment : {"prod", "staging"})
      AddSeedMetrics(Resource(&req, environment), kT0 + round * 1'000'000'000ULL);
    Run(translator, req);
  }
  auto all = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "llm_cost_usd_USD_total")});
  ASSERT_EQ(all.size(), 2u);
  for (const auto& [series, samples] : all) EXPECT_EQ(samples.size(), 2u) << series;
}

TEST_F(StrategyTest, IdentifyingAttributesGoOnTargetInfoOnlyWhenKept) {
  for (bool keep : {false, true}) {
    SCOPED_TRACE(keep);
    OpenEngine();
    MetricsTranslationOptions options;
    options.keep_identifying_resource_attributes = keep;
    MetricsTranslator translator(options);
    ExportRequest req;
    AddSeedMetrics(Resource(&req), kT0);
    Run(translator, req);
    const std::string common =
        "deployment_environment=\"prod\", host_name=\"node-7\", instance=\"pod-1\", "
        "job=\"ai/llm-chat\"";
    EXPECT_EQ(Series("target_info"),
              std::vector<std::string>{
                  keep ? "target_info{" + common +
                             ", service_instance_id=\"pod-1\", service_name=\"llm-chat\", "
                             "service_namespace=\"ai\"}"
                       : "target_info{" + common + "}"});
    // Only identifying attributes: no target_info either way.
    ExportRequest only;
    AddSeedMetrics(AddResource(&only, {{"service.name", "bare"}}), kT0);
    Run(translator, only);
    EXPECT_EQ(ReadAll(*engine_, {LabelMatcher::Equal("__name__", "target_info"),
                                 LabelMatcher::Equal("job", "bare")})
                  .size(),
              0u);
  }
}

TEST_F(StrategyTest, AMetricWithoutAUsableNameIsRejectedAndCounted) {
  MetricsTranslator translator(MetricsTranslationOptions{});
  ExportRequest req;
  auto* sm = Resource(&req)->add_scope_metrics();
  auto* m = sm->add_metrics();
  *m = Gauge("...", "");
  for (int i = 0; i < 2; ++i) m->mutable_gauge()->add_data_points()->set_time_unix_nano(kT0);
  auto* ok = sm->add_metrics();
  *ok = Gauge("load", "");
  ok->mutable_gauge()->add_data_points()->set_time_unix_nano(kT0);
  const auto report = Run(translator, req);
  EXPECT_EQ(report.data_points, 3u);
  EXPECT_EQ(report.rejected_data_points, 2u);
  EXPECT_NE(report.first_rejection.find("\"...\" has no Prometheus name under "
                                        "UnderscoreEscapingWithSuffixes"),
            std::string::npos)
      << report.first_rejection;
  EXPECT_EQ(Series("load").size(), 1u);
  EXPECT_EQ(report.metadata.size(), 1u);
}

}  // namespace
}  // namespace tidemark::ingest
