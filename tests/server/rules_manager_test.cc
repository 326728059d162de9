// The rules manager on a real engine: groups evaluated on their interval, results written back,
// state carried over an update, removed groups ended with stale markers, missed evaluations
// skipped and counted, notifications handed over. Intervals are short and every wait is bounded.
#include "server/rules_manager.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "tests/storage/test_util.h"

namespace tidemark::server {
namespace {

using namespace std::chrono_literals;

using testing::WallMs;

// The rules run every 100 ms: poll at 10 ms, for at most 10 s.
template <typename Pred>
bool Eventually(Pred done) {
  return testing::Eventually(done, 10'000, 10);
}

rules::RuleSpec Recording(std::string name, std::string expr) {
  rules::RuleSpec r;
  r.kind = rules::RuleKind::kRecording;
  r.name = std::move(name);
  r.expr = std::move(expr);
  return r;
}

rules::GroupSpec Group(std::string name, int64_t interval_ms, std::vector<rules::RuleSpec> rules) {
  rules::GroupSpec g;
  g.name = std::move(name);
  g.file = "test.yml";
  g.interval_ms = interval_ms;
  g.rules = std::move(rules);
  return g;
}

class RulesManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto e = Engine::Open(testing::TestOptions(), dir_.path());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }

  // The newest value of the series `name` and when it was written (NaN if none).
  std::pair<int64_t, double> Latest(const std::string& name) {
    auto set = engine_->Select({LabelMatcher::Equal("__name__", name)}, 0, INT64_MAX);
    std::pair<int64_t, double> out = {0, NAN};
    if (!set.ok()) return out;
    while ((*set)->Next()) {
      SampleIterator* it = (*set)->Samples();
      while (it->Next()) out = {it->At().timestamp_ms, it->At().value};
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(RulesManagerTest, GroupsRunOnTheirIntervalAndUpdatesKeepState) {
  {
    auto app = engine_->NewAppender();
    app->Add({{"__name__", "source"}}, WallMs(), 7);
    ASSERT_TRUE(app->Commit().ok());
  }
  RulesManager manager(engine_.get(), RulesManagerOptions{}, nullptr);
  ASSERT_TRUE(manager
                  .Update({Group("a", 100, {Recording("copied", "source * 2")}),
                           Group("b", 100, {Recording("other", "vector(1)")})})
                  .ok());
  manager.Start();
  ASSERT_TRUE(Eventually([&] { return Latest("copied").second == 14; }));
  ASSERT_TRUE(Eventually([&] { return Latest("other").second == 1; }));
  ASSERT_TRUE(Eventually([&] {
    for (const RuleGroupMetrics& m : manager.Metrics()) {
      if (m.iterations_total < 3) return false;
    }
    return true;
  }));
  std::vector<std::pair<Labels, double>> series;
  manager.CollectMetrics(&series);
  bool found = false;
  for (const auto& [labels, value] : series) {
    if (labels.Get("__name__") == "tidemark_rule_group_rules" &&
        labels.Get("rule_group") == "test.yml;a") {
      found = true;
      EXPECT_EQ(value, 1);
    }
  }
  EXPECT_TRUE(found);

  // Group b goes away: its series ends with a stale marker. Group a stays and keeps running.
  const int64_t a_before = manager.Snapshot()[0].last_evaluation_ms;
  ASSERT_TRUE(manager.Update({Group("a", 100, {Recording("copied", "source * 2")})}).ok());
  EXPECT_TRUE(IsStaleMarker(Latest("other").second));
  ASSERT_EQ(manager.Snapshot().size(), 1u);
  EXPECT_GE(manager.Snapshot()[0].last_evaluation_ms, a_before);  // carried over, not reset
  ASSERT_TRUE(Eventually([&] { return manager.Snapshot()[0].last_evaluation_ms > a_before; }));

  // A broken group is refused and the running ones stay.
  EXPECT_FALSE(manager.Update({Group("c", 100, {Recording("bad", "sum(")})}).ok());
  EXPECT_EQ(manager.Snapshot().size(), 1u);
  manager.Stop();
}

TEST_F(RulesManagerTest, AGroupThatFallsBehindSkipsAndCountsTheEvaluations) {
  // The clock jumps ten intervals ahead after the first evaluation, as if it had taken that long
  // (or the group had waited that long for an evaluation slot): the next evaluation, once it has
  // its slot, finds itself late and skips to the latest due time.
  std::atomic<int64_t> skew{0};
  RulesManagerOptions options;
  options.now_ms = [&] { return WallMs() + skew.load(); };
  RulesManager manager(engine_.get(), options, nullptr);
  ASSERT_TRUE(manager.Update({Group("slow", 1000, {Recording("one", "vector(1)")})}).ok());
  manager.Start();
  ASSERT_TRUE(Eventually([&] { return manager.Metrics()[0].iterations_total >= 1; }));
  skew = 10'000;
  ASSERT_TRUE(Eventually([&] { return manager.Metrics()[0].iterations_missed_total >= 9; }));
  const RuleGroupMetrics m = manager.Metrics()[0];
  EXPECT_LE(m.iterations_missed_total, 11u);
  manager.Stop();
}

TEST_F(RulesManagerTest, FiringAlertsAreHandedToTheNotifier) {
  std::mutex mu;
  std::vector<rules::AlertNotification> sent;
  RulesManager manager(engine_.get(), RulesManagerOptions{},
                       [&](std::vector<rules::AlertNotification> alerts) {
                         std::lock_guard lock(mu);
                         for (auto& a : alerts) sent.push_back(std::move(a));
                       });
  rules::RuleSpec alert;
  alert.kind = rules::RuleKind::kAlerting;
  alert.name = "AlwaysOn";
  alert.expr = "vector(1)";
  alert.labels = {{"severity", "page"}};
  ASSERT_TRUE(manager.Update({Group("alerts", 100, {alert})}).ok());
  manager.Start();
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return !sent.empty();
  }));
  // ALERTS is written once the for-state was restored (after the second evaluation).
  EXPECT_TRUE(Eventually([&] { return Latest("ALERTS").second == 1; }));
  manager.Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(sent[0].labels, (Labels{{"alertname", "AlwaysOn"}, {"severity", "page"}}));
  EXPECT_GT(sent[0].ends_at_ms, sent[0].starts_at_ms);
}

// Groups evaluate on threads of the configured lower priority, under SCHED_BATCH (the notifier
// runs on the group's thread, after its evaluation), and leave the other threads of the process
// as they were.
TEST_F(RulesManagerTest, GroupsEvaluateAtTheConfiguredNiceValue) {
  const int own = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
  const int own_policy = ::sched_getscheduler(0);
  for (const int nice : {0, 7}) {
    std::atomic<int> seen{-100};
    std::atomic<int> policy{-100};
    RulesManagerOptions options;
    options.evaluation_nice = nice;
    RulesManager manager(engine_.get(), options, [&](std::vector<rules::AlertNotification>) {
      policy = ::sched_getscheduler(0);
      seen = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
    });
    rules::RuleSpec alert;
    alert.kind = rules::RuleKind::kAlerting;
    alert.name = "AlwaysOn";
    alert.expr = "vector(1)";
    ASSERT_TRUE(manager.Update({Group("alerts", 100, {alert})}).ok());
    manager.Start();
    ASSERT_TRUE(Eventually([&] { return seen != -100; }));
    manager.Stop();
    // A thread that already runs at a higher nice value keeps it.
    EXPECT_EQ(seen, std::max(own, nice)) << "evaluation_nice " << nice;
    if (own_policy == SCHED_OTHER) {
      EXPECT_EQ(policy, SCHED_BATCH) << "evaluation_nice " << nice;
    }
  }
  EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())), own);
  EXPECT_EQ(::sched_getscheduler(0), own_policy);
}

// Rules read their selections on their own thread (SCHED_BATCH, evaluation_nice), not on the
// shared read pool's threads, whether the options come from RulesManagerOptionsFor (the server,
// the embedding API) or are built directly (the rules benchmark did, and read ahead).
TEST(RulesManagerOptionsTest, RuleQueriesReadOnTheGroupsThread) {
  for (const RulesManagerOptions& options :
       {RulesManagerOptions{}, RulesManagerOptionsFor(RuleEvaluatorOptions{})}) {
    EXPECT_FALSE(options.query_engine.read_ahead);
    EXPECT_FALSE(options.query_engine.sorted_selection);
    EXPECT_FALSE(options.query_engine.delayed_name_removal);
  }
}

}  // namespace
}  // namespace tidemark::server
