// What one scrape stores, page by page on a real engine: target labels and their clashes, metric
// relabeling, the report series, stale markers (a series leaving the page, a failed scrape, the
// target going away), limits and malformed pages that fail the whole scrape, explicit timestamps,
// metadata and exemplars.
#include "server/target_scraper.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/storage/test_util.h"
#include "tidemark/querier.h"

namespace tidemark::server {
namespace {

using ingest::ExpositionFormat;

struct Point {
  int64_t t;
  double v;
};

class TargetScraperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(testing::TestOptions(), dir_.path());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    config_.job_name = "node";
    config_.scrape_interval_ms = 15'000;
    config_.scrape_timeout_ms = 10'000;
  }

  std::unique_ptr<TargetScraper> Make() {
    return std::make_unique<TargetScraper>(engine_.get(),
                                           std::make_shared<const ScrapeConfig>(config_),
                                           Labels{{"job", "node"}, {"instance", "h:9100"}});
  }

  // Every sample of the series with exactly `labels`.
  std::vector<Point> Samples(const Labels& labels) {
    std::vector<LabelMatcher> matchers;
    for (const Label& l : labels) matchers.push_back(LabelMatcher::Equal(l.name, l.value));
    auto set = engine_->Select(matchers, 0, INT64_MAX);
    std::vector<Point> out;
    if (!set.ok()) return out;
    while ((*set)->Next()) {
      if ((*set)->labels() != labels) continue;
      SampleIterator* it = (*set)->Samples();
      while (it->Next()) out.push_back({it->At().timestamp_ms, it->At().value});
    }
    return out;
  }

  // Every series of metric `name`.
  std::vector<Labels> Series(const std::string& name) {
    auto set = engine_->Select({LabelMatcher::Equal("__name__", name)}, 0, INT64_MAX);
    std::vector<Labels> out;
    if (!set.ok()) return out;
    while ((*set)->Next()) out.push_back((*set)->labels());
    return out;
  }

  double Report(const std::string& name, int64_t t) {
    for (const Point& p : Samples({{"__name__", name}, {"job", "node"}, {"instance", "h:9100"}})) {
      if (p.t == t) return p.v;
    }
    return NAN;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
  ScrapeConfig config_;
};

constexpr char kPage[] =
    "# HELP node_load1 1m load average.\n"
    "# TYPE node_load1 gauge\n"
    "node_load1 0.5\n"
    "# TYPE node_cpu_seconds_total counter\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 100\n"
    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 20\n";

TEST_F(TargetScraperTest, StoresThePageWithTargetLabelsAndReports) {
  auto scraper = Make();
  ScrapeResult r = scraper->AppendPage(kPage, ExpositionFormat::kPrometheusText, 1'000, 0.25);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(r.samples_scraped, 3u);
  EXPECT_EQ(r.samples_post_relabel, 3u);
  EXPECT_EQ(r.series_added, 3u);
  auto idle = Samples({{"__name__", "node_cpu_seconds_total"},
                       {"cpu", "0"},
                       {"instance", "h:9100"},
                       {"job", "node"},
                       {"mode", "idle"}});
  ASSERT_EQ(idle.size(), 1u);
  EXPECT_EQ(idle[0].t, 1'000);
  EXPECT_EQ(idle[0].v, 100);
  EXPECT_EQ(Report("up", 1'000), 1);
  EXPECT_EQ(Report("scrape_duration_seconds", 1'000), 0.25);
  EXPECT_EQ(Report("scrape_samples_scraped", 1'000), 3);
  EXPECT_EQ(Report("scrape_samples_post_metric_relabeling", 1'000), 3);
  EXPECT_EQ(Report("scrape_series_added", 1'000), 3);

  // The second time the series are known: none added.
  r = scraper->AppendPage(kPage, ExpositionFormat::kPrometheusText, 2'000, 0.1);
  ASSERT_TRUE(r.error.ok());
  EXPECT_EQ(r.series_added, 0u);
  EXPECT_EQ(Report("scrape_series_added", 2'000), 0);

  auto metadata = scraper->Metadata();
  ASSERT_EQ(metadata.size(), 2u);
  EXPECT_EQ(metadata[0].family, "node_cpu_seconds_total");
  EXPECT_EQ(metadata[0].metadata.type, "counter");
  EXPECT_EQ(metadata[1].family, "node_load1");
  EXPECT_EQ(metadata[1].metadata.help, "1m load average.");
  auto stored = engine_->GetMetricMetadata("node_load1", 0);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].second.type, "gauge");
}

TEST_F(TargetScraperTest, ASeriesLeavingThePageGetsAStaleMarker) {
  auto scraper = Make();
  ASSERT_TRUE(scraper->AppendPage(kPage, ExpositionFormat::kPrometheusText, 1'000, 0).error.ok());
  ASSERT_TRUE(scraper->AppendPage("node_load1 0.7\n", ExpositionFormat::kPrometheusText, 2'000, 0)
                  .error.ok());
  auto user = Samples({{"__name__", "node_cpu_seconds_total"},
                       {"cpu", "0"},
                       {"instance", "h:9100"},
                       {"job", "node"},
                       {"mode", "user"}});
  ASSERT_EQ(user.size(), 2u);
  EXPECT_EQ(user[1].t, 2'000);
  EXPECT_TRUE(IsStaleMarker(user[1].v));
  auto load = Samples({{"__name__", "node_load1"}, {"instance", "h:9100"}, {"job", "node"}});
  ASSERT_EQ(load.size(), 2u);
  EXPECT_EQ(load[1].v, 0.7);
}

TEST_F(TargetScraperTest, ScrapedLabelsClashingWithTheTargetsAreExported) {
  auto scraper = Make();
  ASSERT_TRUE(scraper
                  ->AppendPage("a{job=\"app\",exported_job=\"x\",instance=\"\"} 1\n",
                               ExpositionFormat::kPrometheusText, 1'000, 0)
                  .error.ok());
  auto series = Series("a");
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0], (Labels{{"__name__", "a"},
                               {"exported_exported_job", "app"},
                               {"exported_job", "x"},
                               {"instance", "h:9100"},
                               {"job", "node"}}));

  config_.honor_labels = true;
  auto honoring = Make();
  ASSERT_TRUE(
      honoring->AppendPage("b{job=\"app\"} 1\n", ExpositionFormat::kPrometheusText, 1'000, 0)
          .error.ok());
  series = Series("b");
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0], (Labels{{"__name__", "b"}, {"instance", "h:9100"}, {"job", "app"}}));
}

TEST_F(TargetScraperTest, MetricRelabelingDropsAndRewrites) {
  ingest::RelabelRule drop;
  drop.source_labels = {"__name__"};
  drop.regex = "node_cpu_.*";
  drop.action = ingest::RelabelAction::kDrop;
  ingest::RelabelRule rename;
  rename.source_labels = {"__name__"};
  rename.regex = "node_(.*)";
  rename.target_label = "__name__";
  rename.replacement = "host_$1";
  for (const auto& rule : {drop, rename}) {
    auto made = ingest::MakeRelabelConfig(rule);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    config_.metric_relabel_configs.push_back(*made);
  }
  auto scraper = Make();
  ScrapeResult r = scraper->AppendPage(kPage, ExpositionFormat::kPrometheusText, 1'000, 0);
  ASSERT_TRUE(r.error.ok());
  EXPECT_EQ(r.samples_scraped, 3u);
  EXPECT_EQ(r.samples_post_relabel, 1u);
  EXPECT_TRUE(Series("node_cpu_seconds_total").empty());
  EXPECT_EQ(Series("host_load1").size(), 1u);
  EXPECT_EQ(Report("scrape_samples_post_metric_relabeling", 1'000), 1);
}

TEST_F(TargetScraperTest, AMalformedPageStoresNothingAndEndsThePreviousSeries) {
  auto scraper = Make();
  ASSERT_TRUE(scraper->AppendPage(kPage, ExpositionFormat::kPrometheusText, 1'000, 0).error.ok());
  // A backslash ending a line inside a label value.
  ScrapeResult r = scraper->AppendPage("node_load1 0.9\nnode_bad{a=\"x\\\n\"} 1\n",
                                       ExpositionFormat::kPrometheusText, 2'000, 0);
  ASSERT_FALSE(r.error.ok());
  EXPECT_NE(r.error.message().find("line 2"), std::string::npos) << r.error.ToString();
  EXPECT_EQ(Report("up", 2'000), 0);
  auto load = Samples({{"__name__", "node_load1"}, {"instance", "h:9100"}, {"job", "node"}});
  ASSERT_EQ(load.size(), 2u);
  EXPECT_TRUE(IsStaleMarker(load[1].v));  // not 0.9: nothing of the bad page is kept
  EXPECT_TRUE(Series("node_bad").empty());

  // A failed fetch after a good page does the same.
  ASSERT_TRUE(scraper->AppendPage(kPage, ExpositionFormat::kPrometheusText, 3'000, 0).error.ok());
  r = scraper->AppendFailure(Status::Unavailable("connection refused"), 4'000, 0.01);
  EXPECT_EQ(r.error.message(), "connection refused");
  EXPECT_EQ(Report("up", 4'000), 0);
  load = Samples({{"__name__", "node_load1"}, {"instance", "h:9100"}, {"job", "node"}});
  ASSERT_EQ(load.size(), 4u);
  EXPECT_EQ(load[2].v, 0.5);
  EXPECT_TRUE(IsStaleMarker(load[3].v));
}

TEST_F(TargetScraperTest, DuplicateSeriesAndLimitsFailTheScrape) {
  auto scraper = Make();
  ScrapeResult r =
      scraper->AppendPage("a 1\nb 2\na 3\n", ExpositionFormat::kPrometheusText, 1'000, 0);
  ASSERT_FALSE(r.error.ok());
  EXPECT_NE(r.error.message().find("line 3: duplicate series a"), std::string::npos)
      << r.error.ToString();
  EXPECT_TRUE(Series("a").empty());

  config_.sample_limit = 2;
  r = Make()->AppendPage("a 1\nb 2\nc 3\n", ExpositionFormat::kPrometheusText, 1'000, 0);
  EXPECT_NE(r.error.message().find("sample limit exceeded"), std::string::npos);

  config_.sample_limit = 0;
  config_.label_limit = 3;
  r = Make()->AppendPage("d{x=\"1\"} 1\n", ExpositionFormat::kPrometheusText, 1'000, 0);
  EXPECT_NE(r.error.message().find("label_limit exceeded (metric: d, number of labels: 4"),
            std::string::npos)
      << r.error.ToString();

  config_.label_limit = 0;
  config_.label_value_length_limit = 3;
  r = Make()->AppendPage("e{x=\"long\"} 1\n", ExpositionFormat::kPrometheusText, 1'000, 0);
  EXPECT_NE(r.error.message().find("label_value_length_limit exceeded"), std::string::npos)
      << r.error.ToString();
  EXPECT_TRUE(Series("e").empty());
}

TEST_F(TargetScraperTest, ExplicitTimestampsAreHonouredAndNotEndedByStaleness) {
  auto scraper = Make();
  ASSERT_TRUE(scraper->AppendPage("t 1 500\nu 2\n", ExpositionFormat::kPrometheusText, 1'000, 0)
                  .error.ok());
  ASSERT_TRUE(scraper->AppendPage("", ExpositionFormat::kPrometheusText, 2'000, 0).error.ok());
  auto t = Samples({{"__name__", "t"}, {"instance", "h:9100"}, {"job", "node"}});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].t, 500);
  auto u = Samples({{"__name__", "u"}, {"instance", "h:9100"}, {"job", "node"}});
  ASSERT_EQ(u.size(), 2u);
  EXPECT_TRUE(IsStaleMarker(u[1].v));

  config_.honor_timestamps = false;
  auto ignoring = Make();
  ASSERT_TRUE(
      ignoring->AppendPage("v 1 500\n", ExpositionFormat::kPrometheusText, 3'000, 0).error.ok());
  auto v = Samples({{"__name__", "v"}, {"instance", "h:9100"}, {"job", "node"}});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].t, 3'000);
}

TEST_F(TargetScraperTest, AGoneTargetEndsEverySeriesItWrote) {
  auto scraper = Make();
  ASSERT_TRUE(scraper->AppendPage(kPage, ExpositionFormat::kPrometheusText, 1'000, 0).error.ok());
  ASSERT_TRUE(scraper->WriteStaleMarkers(1'500).ok());
  auto load = Samples({{"__name__", "node_load1"}, {"instance", "h:9100"}, {"job", "node"}});
  ASSERT_EQ(load.size(), 2u);
  EXPECT_TRUE(IsStaleMarker(load[1].v));
  auto up = Samples({{"__name__", "up"}, {"instance", "h:9100"}, {"job", "node"}});
  ASSERT_EQ(up.size(), 2u);
  EXPECT_TRUE(IsStaleMarker(up[1].v));
}

TEST_F(TargetScraperTest, OpenMetricsExemplarsAreStored) {
  auto scraper = Make();
  ScrapeResult r = scraper->AppendPage(
      "# TYPE http_requests counter\n"
      "http_requests_total 10 # {trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\"} 1 0.9\n"
      "# EOF\n",
      ExpositionFormat::kOpenMetrics, 1'000, 0);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  auto exemplars =
      engine_->SelectExemplars({LabelMatcher::Equal("__name__", "http_requests_total")}, 0, 10'000);
  ASSERT_TRUE(exemplars.ok()) << exemplars.status().ToString();
  ASSERT_EQ(exemplars->size(), 1u);
  ASSERT_EQ((*exemplars)[0].exemplars.size(), 1u);
  EXPECT_EQ((*exemplars)[0].exemplars[0].timestamp_ms, 900);
  EXPECT_EQ((*exemplars)[0].exemplars[0].labels.Get("trace_id"),
            "4bf92f3577b34da6a3ce929d0e0e4736");
}

}  // namespace
}  // namespace tidemark::server
