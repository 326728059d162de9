// Rules in an embedding program, through the public API only (include/tidemark/rules.h) on a
// real engine: a recording rule's output is written, an alert goes pending then firing and reaches
// the callback with its annotations rendered, a bad rule file is refused with the problem named
// while the previous rules keep running, and Stop ends the written series with stale markers.
// Intervals are 100 ms and every wait is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <mutex>
#include <thread>

#include "tests/storage/test_util.h"
#include "tidemark/rules.h"

namespace tidemark {
namespace {

using namespace std::chrono_literals;

constexpr char kRules[] = R"(groups:
  - name: api
    interval: 100ms
    rules:
      - record: job:requests:doubled
        expr: requests * 2
      - alert: TooManyRequests
        expr: job:requests:doubled > 10
        for: 300ms
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.job }} doubled is {{ $value }}"
)";

using testing::WallMs;

// The rules run every 100 ms: poll at 10 ms, for at most 10 s.
template <typename Pred>
bool Eventually(Pred done) {
  return testing::Eventually(done, 10'000, 10);
}

class EmbeddedRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(testing::TestOptions(), dir_.path());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    auto app = engine_->NewAppender();
    app->Add({{"__name__", "requests"}, {"job", "api"}}, WallMs(), 7);
    ASSERT_TRUE(app->Commit().ok());
  }

  // The newest value of the series matching `matchers` (NaN if none).
  double Latest(std::vector<LabelMatcher> matchers) {
    auto set = engine_->Select(matchers, 0, INT64_MAX);
    double out = NAN;
    if (!set.ok()) return out;
    while ((*set)->Next()) {
      SampleIterator* it = (*set)->Samples();
      while (it->Next()) out = it->At().value;
    }
    return out;
  }
  double Latest(const std::string& name) { return Latest({LabelMatcher::Equal("__name__", name)}); }

  // The alerts of TooManyRequests as Groups shows them.
  std::vector<ActiveAlert> Alerts(const RuleEvaluator& rules) {
    for (const RuleGroupState& g : rules.Groups()) {
      for (const RuleState& r : g.rules) {
        if (r.name == "TooManyRequests") return r.alerts;
      }
    }
    return {};
  }

  static RuleEvaluatorOptions Options() {
    RuleEvaluatorOptions o;
    o.default_interval_ms = 100;
    o.resend_delay_ms = 100;
    o.external_labels = Labels{{"cluster", "eu-1"}};
    o.external_url = "http://tidemark.example/";
    return o;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EmbeddedRulesTest, RecordsAlertsAndNotifies) {
  std::mutex mu;
  std::vector<AlertNotification> received;  // guarded by mu
  auto created =
      RuleEvaluator::Create(engine_.get(), Options(), [&](std::vector<AlertNotification> alerts) {
        std::lock_guard lock(mu);
        for (auto& a : alerts) received.push_back(std::move(a));
      });
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  RuleEvaluator& rules = **created;
  ASSERT_TRUE(rules.LoadYaml(kRules, "api.yml").ok());

  // Loaded but not started: listed, not evaluated.
  std::vector<RuleGroupState> groups = rules.Groups();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].name, "api");
  EXPECT_EQ(groups[0].file, "api.yml");
  EXPECT_EQ(groups[0].interval_ms, 100);
  ASSERT_EQ(groups[0].rules.size(), 2u);
  EXPECT_EQ(groups[0].rules[0].type, RuleType::kRecording);
  EXPECT_EQ(groups[0].rules[1].type, RuleType::kAlerting);
  EXPECT_EQ(groups[0].rules[1].for_ms, 300);
  EXPECT_EQ(groups[0].rules[0].health, RuleHealth::kUnknown);

  rules.Start();
  ASSERT_TRUE(Eventually([&] { return Latest("job:requests:doubled") == 14; }));

  // Pending first (its `for` is 3 evaluations), then firing.
  ASSERT_TRUE(Eventually([&] {
    std::vector<ActiveAlert> alerts = Alerts(rules);
    return alerts.size() == 1 && alerts[0].state == AlertState::kPending;
  }));
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(received.empty()) << "a pending alert is not sent";
  }
  ASSERT_TRUE(Eventually([&] {
    std::vector<ActiveAlert> alerts = Alerts(rules);
    return alerts.size() == 1 && alerts[0].state == AlertState::kFiring;
  }));
  std::vector<ActiveAlert> alerts = Alerts(rules);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].labels,
            (Labels{{"alertname", "TooManyRequests"}, {"job", "api"}, {"severity", "page"}}));
  EXPECT_EQ(alerts[0].annotations.Get("summary"), "api doubled is 14");
  EXPECT_EQ(alerts[0].value, 14);
  EXPECT_GT(alerts[0].fired_at_ms, alerts[0].active_at_ms);

  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return !received.empty();
  }));
  {
    std::lock_guard lock(mu);
    const AlertNotification& n = received.front();
    // The external labels are added to what is sent, not to the alert itself.
    EXPECT_EQ(n.labels, (Labels{{"alertname", "TooManyRequests"},
                                {"cluster", "eu-1"},
                                {"job", "api"},
                                {"severity", "page"}}));
    EXPECT_EQ(n.annotations, (Labels{{"summary", "api doubled is 14"}}));
    EXPECT_EQ(n.starts_at_ms, alerts[0].fired_at_ms);
    EXPECT_GT(n.ends_at_ms, n.starts_at_ms);
    EXPECT_TRUE(n.generator_url.starts_with("http://tidemark.example/graph?g0.expr="))
        << n.generator_url;
  }
  EXPECT_EQ(Latest({LabelMatcher::Equal("__name__", "ALERTS"),
                    LabelMatcher::Equal("alertstate", "firing")}),
            1);
  groups = rules.Groups();
  for (const RuleState& r : groups[0].rules) {
    EXPECT_EQ(r.health, RuleHealth::kOk) << r.name << ": " << r.last_error;
    EXPECT_GT(r.last_evaluation_ms, 0) << r.name;
  }

  // Stop ends the rules' series at once; the for-state stays for a restart to resume from.
  ASSERT_TRUE(rules.Stop().ok());
  EXPECT_TRUE(IsStaleMarker(Latest("job:requests:doubled")));
  EXPECT_TRUE(IsStaleMarker(Latest(
      {LabelMatcher::Equal("__name__", "ALERTS"), LabelMatcher::Equal("alertstate", "firing")})));
  const double for_state = Latest("ALERTS_FOR_STATE");
  EXPECT_FALSE(std::isnan(for_state));
  EXPECT_EQ(static_cast<int64_t>(for_state), alerts[0].active_at_ms / 1000);
  // Stopped: nothing more is written.
  const int64_t last = rules.Groups()[0].last_evaluation_ms;
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(rules.Groups()[0].last_evaluation_ms, last);
  EXPECT_TRUE(IsStaleMarker(Latest("job:requests:doubled")));
  EXPECT_TRUE(rules.Stop().ok());  // idempotent
}

TEST_F(EmbeddedRulesTest, BadRuleFileKeepsThePreviousRules) {
  auto created = RuleEvaluator::Create(engine_.get(), Options(), nullptr);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  RuleEvaluator& rules = **created;
  ASSERT_TRUE(rules.LoadYaml(kRules, "api.yml").ok());
  rules.Start();
  ASSERT_TRUE(Eventually([&] { return Latest("job:requests:doubled") == 14; }));

  // A PromQL error, worded as `promtool check rules` words it (checked against promtool 2.42).
  const std::string broken = R"(groups:
  - name: api
    rules:
      - record: job:requests:doubled
        expr: sum(requests
)";
  Status s = rules.LoadYaml(broken, "api.yml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "api.yml: 5:15: group \"api\", rule 1, \"job:requests:doubled\": could not parse "
            "expression: 1:13: parse error: unclosed left parenthesis")
      << s.message();

  // The same from a file, and a YAML error.
  const std::string path = dir_.path() + "-bad.yml";
  {
    std::ofstream f(path);
    f << "groups:\n  - name: api\n    rulez: []\n";
  }
  s = rules.LoadFiles({path});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path + ": yaml: unmarshal errors:"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("field rulez not found"), std::string::npos) << s.message();
  std::filesystem::remove(path);

  // The old rules are still there and still evaluated.
  std::vector<RuleGroupState> groups = rules.Groups();
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].rules.size(), 2u);
  EXPECT_EQ(groups[0].rules[0].query, "requests * 2");
  const int64_t before = groups[0].last_evaluation_ms;
  ASSERT_TRUE(Eventually([&] { return rules.Groups()[0].last_evaluation_ms > before; }));

  // A good file replaces them; the group of the same file and name keeps its state.
  const std::string good = dir_.path() + "-good.yml";
  {
    std::ofstream f(good);
    f << "groups:\n  - name: api\n    interval: 100ms\n    rules:\n"
         "      - record: job:requests:tripled\n        expr: requests * 3\n";
  }
  ASSERT_TRUE(rules.LoadFiles({good}).ok());
  std::filesystem::remove(good);
  ASSERT_TRUE(Eventually([&] { return Latest("job:requests:tripled") == 21; }));
  // The file of the old group (api.yml) is gone: its series ended.
  EXPECT_TRUE(IsStaleMarker(Latest("job:requests:doubled")));
  ASSERT_EQ(rules.Groups().size(), 1u);
  EXPECT_EQ(rules.Groups()[0].file, good);
  ASSERT_TRUE(rules.Stop().ok());
}

TEST_F(EmbeddedRulesTest, CreateRefusesOptionsOutOfRange) {
  RuleEvaluatorOptions o;
  o.default_interval_ms = 0;
  auto created = RuleEvaluator::Create(engine_.get(), o, nullptr);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().message(), "rule evaluator: default_interval_ms is 0, want > 0");
  EXPECT_FALSE(RuleEvaluator::Create(nullptr, RuleEvaluatorOptions{}, nullptr).ok());
  o = RuleEvaluatorOptions{};
  o.max_concurrent_evaluations = 0;
  EXPECT_FALSE(RuleEvaluator::Create(engine_.get(), o, nullptr).ok());
  o = RuleEvaluatorOptions{};
  o.evaluation_nice = 20;
  created = RuleEvaluator::Create(engine_.get(), o, nullptr);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().message(), "rule evaluator: evaluation_nice is 20, want 0..19");
}

TEST_F(EmbeddedRulesTest, DestroyingARunningEvaluatorStopsIt) {
  {
    auto created = RuleEvaluator::Create(engine_.get(), Options(), nullptr);
    ASSERT_TRUE(created.ok());
    ASSERT_TRUE((*created)->LoadYaml(kRules).ok());
    (*created)->Start();
    ASSERT_TRUE(Eventually([&] { return Latest("job:requests:doubled") == 14; }));
  }
  EXPECT_TRUE(IsStaleMarker(Latest("job:requests:doubled")));
}

}  // namespace
}  // namespace tidemark
