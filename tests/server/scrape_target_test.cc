// PopulateTarget against the cases of Prometheus' scrape/manager_test.go TestPopulateLabels, plus
// the URL built from params and __param_ labels.
#include "server/scrape_target.h"

#include <gtest/gtest.h>

#include "ingest/relabel.h"

namespace tidemark::server {
namespace {

ScrapeConfig Job(const std::string& scheme = "https") {
  ScrapeConfig c;
  c.job_name = "job";
  c.scheme = scheme;
  c.metrics_path = "/metrics";
  c.scrape_interval_ms = 1000;
  c.scrape_timeout_ms = 1000;
  return c;
}

ingest::RelabelConfig Rule(ingest::RelabelRule rule) {
  Result<ingest::RelabelConfig> c = ingest::MakeRelabelConfig(rule);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

std::string Error(const ScrapeConfig& c, const Labels& in) {
  Result<ScrapeTarget> t = PopulateTarget(c, in, {});
  EXPECT_FALSE(t.ok());
  return t.ok() ? "" : t.status().message();
}

TEST(PopulateTarget, FillsTheJobsDefaults) {
  Result<ScrapeTarget> t =
      PopulateTarget(Job(), {{"__address__", "1.2.3.4:1000"}, {"custom", "value"}}, {});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->labels, (Labels{{"custom", "value"}, {"instance", "1.2.3.4:1000"}, {"job", "job"}}));
  EXPECT_EQ(t->discovered_labels, (Labels{{"__address__", "1.2.3.4:1000"},
                                          {"__metrics_path__", "/metrics"},
                                          {"__scheme__", "https"},
                                          {"__scrape_interval__", "1s"},
                                          {"__scrape_timeout__", "1s"},
                                          {"custom", "value"},
                                          {"job", "job"}}));
  EXPECT_EQ(t->url, "https://1.2.3.4:1000/metrics");
  EXPECT_EQ(t->interval_ms, 1000);
  EXPECT_EQ(t->timeout_ms, 1000);
  EXPECT_FALSE(t->dropped);
}

TEST(PopulateTarget, TargetLabelsOverrideTheDefaultsAndNoPortIsAdded) {
  Result<ScrapeTarget> t = PopulateTarget(Job(),
                                          {{"__address__", "1.2.3.4"},
                                           {"__scheme__", "http"},
                                           {"__metrics_path__", "/custom"},
                                           {"job", "custom-job"},
                                           {"__scrape_interval__", "2s"},
                                           {"__scrape_timeout__", "2s"}},
                                          {});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->labels, (Labels{{"instance", "1.2.3.4"}, {"job", "custom-job"}}));
  EXPECT_EQ(t->url, "http://1.2.3.4/custom");
  EXPECT_EQ(t->interval_ms, 2000);
  EXPECT_EQ(t->timeout_ms, 2000);
}

TEST(PopulateTarget, KeepsAGivenInstanceAndIpv6Address) {
  Result<ScrapeTarget> t =
      PopulateTarget(Job(), {{"__address__", "[::1]"}, {"instance", "custom-instance"}}, {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->labels.Get("instance"), "custom-instance");
  EXPECT_EQ(t->url, "https://[::1]/metrics");
}

TEST(PopulateTarget, DefaultPortsAreKept) {
  Result<ScrapeTarget> t = PopulateTarget(Job("http"), {{"__address__", "1.2.3.4:80"}}, {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->labels.Get("instance"), "1.2.3.4:80");
  t = PopulateTarget(Job("https"), {{"__address__", "1.2.3.4:443"}}, {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->labels.Get("instance"), "1.2.3.4:443");
}

TEST(PopulateTarget, ErrorsWordedAsPrometheus) {
  EXPECT_EQ(Error(Job(), {{"custom", "value"}}), "no address");
  EXPECT_EQ(Error(Job(), {{"__address__", "1.2.3.4:1000"}, {"custom", "\xbd"}}),
            "invalid label value for \"custom\": \"\\xbd\"");
  EXPECT_EQ(Error(Job(), {{"__address__", "1.2.3.4:1000"}, {"__scrape_interval__", "2notseconds"}}),
            "error parsing scrape interval: unknown unit \"notseconds\" in duration "
            "\"2notseconds\"");
  EXPECT_EQ(Error(Job(), {{"__address__", "1.2.3.4:1000"}, {"__scrape_timeout__", "2notseconds"}}),
            "error parsing scrape timeout: unknown unit \"notseconds\" in duration "
            "\"2notseconds\"");
  EXPECT_EQ(Error(Job(), {{"__address__", "1.2.3.4:1000"}, {"__scrape_interval__", "0s"}}),
            "scrape interval cannot be 0");
  EXPECT_EQ(Error(Job(), {{"__address__", "1.2.3.4:1000"}, {"__scrape_timeout__", "0s"}}),
            "scrape timeout cannot be 0");
  EXPECT_EQ(Error(Job(), {{"__address__", "1.2.3.4:1000"},
                          {"__scrape_interval__", "1s"},
                          {"__scrape_timeout__", "2s"}}),
            "scrape timeout cannot be greater than scrape interval (\"2s\" > \"1s\")");
  EXPECT_EQ(Error(Job(), {{"__address__", "http://1.2.3.4/metrics"}}),
            "\"http://1.2.3.4/metrics\" is not a valid hostname");
}

TEST(PopulateTarget, AddressAddedByRelabeling) {
  ScrapeConfig c = Job();
  ingest::RelabelRule r;
  r.source_labels = {"custom"};
  r.source_labels_set = true;
  r.replacement = "${1}";
  r.target_label = "__address__";
  c.relabel_configs.push_back(Rule(r));
  Result<ScrapeTarget> t = PopulateTarget(c, {{"custom", "host:1234"}}, {});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->labels,
            (Labels{{"custom", "host:1234"}, {"instance", "host:1234"}, {"job", "job"}}));
  EXPECT_FALSE(t->discovered_labels.Has("__address__"));
}

TEST(PopulateTarget, DroppedByRelabelingKeepsItsDiscoveredLabels) {
  ScrapeConfig c = Job();
  ingest::RelabelRule r;
  r.action = ingest::RelabelAction::kDrop;
  r.source_labels = {"env"};
  r.source_labels_set = true;
  r.regex = "dev";
  r.regex_set = true;
  c.relabel_configs.push_back(Rule(r));
  Result<ScrapeTarget> t = PopulateTarget(c, {{"__address__", "a:1"}}, {{"env", "dev"}});
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->dropped);
  EXPECT_TRUE(t->labels.empty());
  EXPECT_EQ(t->discovered_labels.Get("env"), "dev");
  EXPECT_EQ(t->discovered_labels.Get("job"), "job");
}

TEST(PopulateTarget, GroupLabelsUnderTargetLabelsAndMetaLabelsRemoved) {
  Result<ScrapeTarget> t =
      PopulateTarget(Job(), {{"__address__", "a:1"}, {"env", "target"}},
                     {{"env", "group"}, {"team", "t"}, {"__meta_filepath", "/x.json"}});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->labels,
            (Labels{{"env", "target"}, {"instance", "a:1"}, {"job", "job"}, {"team", "t"}}));
  EXPECT_EQ(t->discovered_labels.Get("__meta_filepath"), "/x.json");
}

TEST(PopulateTarget, ParamsBecomeLabelsAndTheQuery) {
  ScrapeConfig c = Job("http");
  c.params = {{"module", {"http_2xx", "second"}}, {"b c", {"x&y"}}};
  Result<ScrapeTarget> t = PopulateTarget(c, {{"__address__", "a:1"}}, {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->discovered_labels.Get("__param_module"), "http_2xx");
  EXPECT_EQ(t->url, "http://a:1/metrics?b+c=x%26y&module=http_2xx&module=second");
  // A __param_ label from discovery (or relabeling) wins over the first configured value.
  t = PopulateTarget(
      c, {{"__address__", "a:1"}, {"__param_module", "tcp"}, {"__param_target", "example.com"}},
      {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->url, "http://a:1/metrics?b+c=x%26y&module=tcp&module=second&target=example.com");
}

TEST(PopulateTargets, ReportsRefusedTargetsByGroupAndIndex) {
  TargetGroup g;
  g.source = "file.json:0";
  g.targets = {Labels{{"__address__", "a:1"}}, Labels{{"__address__", "b/c"}}};
  std::vector<std::string> errors;
  std::vector<ScrapeTarget> targets = PopulateTargets(Job(), {g}, &errors);
  ASSERT_EQ(targets.size(), 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "instance 1 in group file.json:0: \"b/c\" is not a valid hostname");
}

}  // namespace
}  // namespace tidemark::server
