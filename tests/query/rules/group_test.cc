// Rule groups evaluated on a MemoryStore: recording rules, the alert state machine (pending,
// firing, keep_firing_for, resolved), notifications and their resends, limits, stale markers,
// templates, and the for-state restored after a restart.
#include "query/rules/group.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "query/rules/appender_output.h"
#include "storage/memory_store.h"

namespace tidemark::rules {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kT0 = 1'700'000'000'000;  // a whole second

class RuleGroupTest : public ::testing::Test {
 protected:
  // `name{labels}` = value at every 15 s from t0 to t1 (inclusive).
  void Fill(const Labels& labels, int64_t t0, int64_t t1, double value) {
    auto app = store_.NewAppender();
    for (int64_t t = t0; t <= t1; t += 15'000) app->Add(labels, t, value);
    ASSERT_TRUE(app->Commit().ok());
  }

  std::unique_ptr<RuleGroup> Make(GroupSpec spec, RuleOptions options = {}) {
    options.external_url = "http://tidemark:9090/";
    auto g = RuleGroup::Create(std::move(spec), options);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? std::move(g).value() : nullptr;
  }

  // Evaluation on store_ with engine_.
  EvalContext Context() {
    EvalContext ctx;
    ctx.querier = &store_;
    ctx.engine = &engine_;
    return ctx;
  }

  GroupEvalResult Eval(RuleGroup& g, int64_t ts) {
    AppenderOutput out(store_.NewAppender(), &store_);
    return g.Evaluate(ts, Context(), out);
  }

  // The value of the series with exactly `labels` at `t` (NaN if none).
  double ValueAt(const Labels& labels, int64_t t) {
    std::vector<LabelMatcher> matchers;
    for (const Label& l : labels) matchers.push_back(LabelMatcher::Equal(l.name, l.value));
    auto set = store_.Select({}, matchers, t, t, {});
    if (!set.ok()) return NAN;
    while ((*set)->Next()) {
      if ((*set)->labels() != labels) continue;
      SampleIterator* it = (*set)->Samples();
      while (it->Next()) {
        if (it->At().timestamp_ms == t) return it->At().value;
      }
    }
    return NAN;
  }

  storage::MemoryStore store_;
  promql::QueryEngine engine_{promql::EngineOptions{}};
};

RuleSpec Recording(std::string name, std::string expr, std::vector<Label> labels = {}) {
  RuleSpec r;
  r.kind = RuleKind::kRecording;
  r.name = std::move(name);
  r.expr = std::move(expr);
  r.labels = std::move(labels);
  return r;
}

RuleSpec Alerting(std::string name, std::string expr, int64_t for_ms,
                  std::vector<Label> labels = {}, std::vector<Label> annotations = {}) {
  RuleSpec r;
  r.kind = RuleKind::kAlerting;
  r.name = std::move(name);
  r.expr = std::move(expr);
  r.for_ms = for_ms;
  r.labels = std::move(labels);
  r.annotations = std::move(annotations);
  return r;
}

TEST_F(RuleGroupTest, RecordingRulesWriteSeriesThatLaterRulesRead) {
  Fill({{"__name__", "requests"}, {"job", "api"}}, kT0 - 10 * kMinute, kT0, 4);
  GroupSpec spec;
  spec.name = "g";
  spec.labels = {{"team", "core"}, {"tier", "group"}};
  spec.rules = {Recording("job:requests:double", "requests * 2", {{"tier", "rule"}}),
                Recording("job:requests:quad", "job:requests:double * 2"),
                Recording("answer", "42")};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  GroupEvalResult r = Eval(*g, kT0);
  EXPECT_EQ(r.failed_rules, 0);
  // The rule's label beats the group's; __name__ is the record.
  EXPECT_EQ(
      ValueAt(
          {{"__name__", "job:requests:double"}, {"job", "api"}, {"team", "core"}, {"tier", "rule"}},
          kT0),
      8);
  // Labels overwrite what the result had: the group's tier replaces the first rule's.
  EXPECT_EQ(
      ValueAt(
          {{"__name__", "job:requests:quad"}, {"job", "api"}, {"team", "core"}, {"tier", "group"}},
          kT0),
      16);
  // A scalar result is one series with only the name and labels.
  EXPECT_EQ(ValueAt({{"__name__", "answer"}, {"team", "core"}, {"tier", "group"}}, kT0), 42);
  GroupSnapshot snap = g->Snapshot();
  ASSERT_EQ(snap.rules.size(), 3u);
  EXPECT_EQ(snap.rules[0].health, RuleHealth::kOk);
  EXPECT_EQ(snap.last_evaluation_ms, kT0);
}

// Counts the commits a group makes and the samples each carries.
class CountingOutput final : public RuleOutput {
 public:
  explicit CountingOutput(RuleOutput* out) : out_(out) {}
  void Add(const Labels& labels, int64_t t_ms, double value) override {
    out_->Add(labels, t_ms, value);
    ++pending_;
  }
  Status Commit() override {
    commits.push_back(pending_);
    pending_ = 0;
    return out_->Commit();
  }
  std::vector<int> commits;

 private:
  RuleOutput* out_;
  int pending_ = 0;
};

// A group commits its rules' outputs together, before the first rule that reads one of them (by
// metric name, or any when a selector names no metric or a template may query) and at the end.
TEST_F(RuleGroupTest, OutputsAreCommittedTogetherUntilARuleReadsThem) {
  Fill({{"__name__", "requests"}, {"job", "api"}}, kT0 - 10 * kMinute, kT0, 4);
  GroupSpec spec;
  spec.name = "g";
  spec.rules = {Recording("a", "requests * 2"),
                Recording("b", "requests * 3"),
                Alerting("High", "requests > 1", 0),
                Recording("c", "a + b"),  // reads a and b: they are committed first
                Recording("d", "requests * 4"),
                Recording("e", "sum({job=\"api\"})"),  // may read anything
                Recording("f", "count(ALERTS)"),       // reads High's series
                Recording("g", "requests")};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  g->SkipRestore();
  const EvalContext ctx = Context();
  AppenderOutput appender(store_.NewAppender());
  CountingOutput out(&appender);
  GroupEvalResult r = g->Evaluate(kT0, ctx, out);
  EXPECT_EQ(r.failed_rules, 0);
  // a, b and High's ALERTS and ALERTS_FOR_STATE before c; c and d before e; e, f (whose
  // ALERTS are committed already) and g at the end.
  EXPECT_EQ(out.commits, (std::vector<int>{4, 2, 3}));
  EXPECT_EQ(ValueAt({{"__name__", "c"}, {"job", "api"}}, kT0), 20);
  EXPECT_EQ(ValueAt({{"__name__", "f"}}, kT0), 1);
  // A template that may query reads anything.
  GroupSpec templated;
  templated.name = "t";
  templated.rules = {
      Recording("x", "requests"),
      Alerting("Templated", "requests > 1", 0, {},
               {{"summary", "{{ with query \"x\" }}{{ . | first | value }}{{ end }}"}})};
  auto t = Make(templated);
  ASSERT_TRUE(t);
  t->SkipRestore();
  CountingOutput out2(&appender);
  t->Evaluate(kT0, ctx, out2);
  EXPECT_EQ(out2.commits, (std::vector<int>{1, 2}));
}

// Hands out a ref per label set and records the refs it is given back, in the store `scope`.
class RefRecordingOutput final : public RuleOutput {
 public:
  explicit RefRecordingOutput(const void* scope) : scope_(scope) {}
  void Add(const Labels& labels, int64_t, double) override { by_labels.push_back(labels); }
  uint64_t AddRef(const Labels& labels, uint64_t ref, int64_t, double) override {
    given[labels] = ref;
    // A ref the store no longer knows (forgotten) is added by labels, as Appender::TryAdd says.
    if (ref != 0 && !forgotten.contains(ref)) return ref;
    auto [it, inserted] = refs.try_emplace(labels, refs.size() + 100);
    if (!inserted && forgotten.contains(it->second)) it->second = 1000 + refs.size();
    return it->second;
  }
  const void* RefScope() const override { return scope_; }
  Status Commit() override { return Status::OK(); }

  std::map<Labels, uint64_t> refs;   // handed out
  std::map<Labels, uint64_t> given;  // passed in by the last evaluation
  std::set<uint64_t> forgotten;
  std::vector<Labels> by_labels;  // stale markers

 private:
  const void* scope_;
};

// A rule writes its series by the refs the output gave them the evaluation before, in the same
// store only; a ref the store forgot costs one lookup by labels, not a lost sample.
TEST_F(RuleGroupTest, OutputSeriesAreWrittenByTheRefsTheStoreGave) {
  Fill({{"__name__", "requests"}, {"job", "api"}}, kT0 - 10 * kMinute, kT0 + 10 * kMinute, 4);
  Fill({{"__name__", "requests"}, {"job", "web"}}, kT0 - 10 * kMinute, kT0 + 10 * kMinute, 5);
  GroupSpec spec;
  spec.name = "g";
  spec.rules = {Recording("doubled", "requests * 2"), Alerting("High", "requests > 1", 0)};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  g->SkipRestore();
  const EvalContext ctx = Context();
  const Labels api{{"__name__", "doubled"}, {"job", "api"}};
  int store_a = 0, store_b = 0;
  RefRecordingOutput first(&store_a);
  EXPECT_EQ(g->Evaluate(kT0, ctx, first).failed_rules, 0);
  // Two recorded series, and ALERTS and ALERTS_FOR_STATE for two alerts: none had a ref yet.
  ASSERT_EQ(first.given.size(), 6u);
  for (const auto& [labels, ref] : first.given) EXPECT_EQ(ref, 0u) << labels.ToString();

  RefRecordingOutput second(&store_a);
  second.refs = first.refs;
  second.forgotten.insert(first.refs.at(api));  // expired from the store meanwhile
  EXPECT_EQ(g->Evaluate(kT0 + kMinute, ctx, second).failed_rules, 0);
  ASSERT_EQ(second.given.size(), 6u);
  for (const auto& [labels, ref] : second.given) {
    EXPECT_EQ(ref, first.refs.at(labels)) << labels.ToString();
  }
  EXPECT_NE(second.refs.at(api), first.refs.at(api));  // added again by its labels
  EXPECT_TRUE(second.by_labels.empty());

  RefRecordingOutput third(&store_a);
  third.refs = second.refs;
  EXPECT_EQ(g->Evaluate(kT0 + 2 * kMinute, ctx, third).failed_rules, 0);
  EXPECT_EQ(third.given.at(api), second.refs.at(api));  // the new ref, not the forgotten one

  // Another store: its refs mean nothing here.
  RefRecordingOutput other(&store_b);
  EXPECT_EQ(g->Evaluate(kT0 + 3 * kMinute, ctx, other).failed_rules, 0);
  ASSERT_EQ(other.given.size(), 6u);
  for (const auto& [labels, ref] : other.given) EXPECT_EQ(ref, 0u) << labels.ToString();
}

TEST_F(RuleGroupTest, SeriesThatGoAwayGetAStaleMarker) {
  Fill({{"__name__", "up"}, {"instance", "a"}}, kT0 - 5 * kMinute, kT0, 1);
  GroupSpec spec;
  spec.name = "g";
  spec.rules = {Recording("up:copy", "up")};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  Fill({{"__name__", "up"}, {"instance", "b"}}, kT0, kT0, 1);
  Eval(*g, kT0);
  const Labels b = {{"__name__", "up:copy"}, {"instance", "b"}};
  EXPECT_EQ(ValueAt(b, kT0), 1);
  // b's last sample is now out of the lookback window.
  Eval(*g, kT0 + 6 * kMinute);
  EXPECT_TRUE(IsStaleMarker(ValueAt(b, kT0 + 6 * kMinute)));
}

TEST_F(RuleGroupTest, DuplicateSeriesAndLimitFailTheRuleOnly) {
  Fill({{"__name__", "x"}, {"a", "1"}}, kT0 - kMinute, kT0, 1);
  Fill({{"__name__", "x"}, {"a", "2"}}, kT0 - kMinute, kT0, 2);
  GroupSpec spec;
  spec.name = "g";
  spec.limit = 1;
  spec.rules = {Recording("dup", "x", {}), Recording("one", "sum(x)"),
                Recording("same", "label_replace(x, \"a\", \"z\", \"a\", \".*\")")};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  GroupEvalResult r = Eval(*g, kT0);
  EXPECT_EQ(r.failed_rules, 2);
  GroupSnapshot snap = g->Snapshot();
  EXPECT_EQ(snap.rules[0].health, RuleHealth::kError);
  EXPECT_EQ(snap.rules[0].last_error, "exceeded limit of 1 with 2 series");
  EXPECT_EQ(snap.rules[1].health, RuleHealth::kOk);
  EXPECT_EQ(ValueAt({{"__name__", "one"}}, kT0), 3);
  EXPECT_NE(snap.rules[2].last_error.find("same labelset"), std::string::npos)
      << snap.rules[2].last_error;
}

TEST_F(RuleGroupTest, AlertGoesPendingFiresAndResolvesWithNotifications) {
  const Labels series = {{"__name__", "latency_ms"}, {"service", "rag"}};
  Fill(series, kT0 - 5 * kMinute, kT0 + 10 * kMinute, 12'000);
  GroupSpec spec;
  spec.name = "llm";
  spec.rules = {Alerting("HighLatency", "latency_ms > 10000", 5 * kMinute,
                         {{"severity", "page"}, {"svc", "{{ $labels.service }}"}},
                         {{"summary", "{{ $labels.service }} at {{ $value | humanize }}ms"},
                          {"broken", "{{ humanize \"x\" }}"}})};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  g->SkipRestore();
  const Labels alert = {
      {"alertname", "HighLatency"}, {"service", "rag"}, {"severity", "page"}, {"svc", "rag"}};
  auto alerts_series = [&](std::string_view state) {
    std::vector<Label> l(alert.begin(), alert.end());
    l.push_back({"__name__", "ALERTS"});
    l.push_back({"alertstate", std::string(state)});
    return Labels(l);
  };

  GroupEvalResult r = Eval(*g, kT0);
  EXPECT_TRUE(r.notifications.empty());  // pending alerts are not sent
  GroupSnapshot snap = g->Snapshot();
  ASSERT_EQ(snap.rules[0].alerts.size(), 1u);
  EXPECT_EQ(snap.rules[0].state, AlertState::kPending);
  EXPECT_EQ(snap.rules[0].alerts[0].labels, alert);
  EXPECT_EQ(snap.rules[0].alerts[0].annotations[0].value, "rag at 12kms");
  EXPECT_EQ(snap.rules[0].alerts[0].annotations[1].value.rfind("<error expanding template: ", 0),
            0u)
      << snap.rules[0].alerts[0].annotations[1].value;
  EXPECT_EQ(ValueAt(alerts_series("pending"), kT0), 1);
  std::vector<Label> for_state(alert.begin(), alert.end());
  for_state.push_back({"__name__", "ALERTS_FOR_STATE"});
  EXPECT_EQ(ValueAt(Labels(for_state), kT0), kT0 / 1000);

  Eval(*g, kT0 + 4 * kMinute);
  EXPECT_EQ(g->Snapshot().rules[0].state, AlertState::kPending);
  r = Eval(*g, kT0 + 5 * kMinute);
  EXPECT_EQ(g->Snapshot().rules[0].state, AlertState::kFiring);
  ASSERT_EQ(r.notifications.size(), 1u);
  EXPECT_EQ(r.notifications[0].labels, alert);
  EXPECT_EQ(r.notifications[0].starts_at_ms, kT0 + 5 * kMinute);
  EXPECT_EQ(r.notifications[0].ends_at_ms, kT0 + 5 * kMinute + 4 * kMinute);
  EXPECT_EQ(r.notifications[0].generator_url,
            "http://tidemark:9090/graph?g0.expr=latency_ms+%3E+10000&g0.tab=1");
  EXPECT_EQ(ValueAt(alerts_series("firing"), kT0 + 5 * kMinute), 1);
  EXPECT_TRUE(IsStaleMarker(ValueAt(alerts_series("pending"), kT0 + 5 * kMinute)));

  // Not resent before the resend delay (1 minute) has passed.
  EXPECT_TRUE(Eval(*g, kT0 + 5 * kMinute + 30'000).notifications.empty());
  EXPECT_EQ(Eval(*g, kT0 + 6 * kMinute + 15'000).notifications.size(), 1u);

  // The latency drops: the alert resolves and is sent once as resolved.
  Fill(series, kT0 + 10 * kMinute + 15'000, kT0 + 20 * kMinute, 100);
  r = Eval(*g, kT0 + 11 * kMinute);
  ASSERT_EQ(r.notifications.size(), 1u);
  EXPECT_EQ(r.notifications[0].ends_at_ms, kT0 + 11 * kMinute);
  EXPECT_TRUE(g->Snapshot().rules[0].alerts.empty());
  EXPECT_TRUE(IsStaleMarker(ValueAt(alerts_series("firing"), kT0 + 11 * kMinute)));
}

// Texts with no action are copied as written, as Go's text/template copies text outside {{ }}:
// a stray "}}" and a "$value" outside braces stay.
TEST_F(RuleGroupTest, TextsWithoutActionsAreKeptAsWritten) {
  Fill({{"__name__", "up"}, {"job", "api"}}, kT0 - 5 * kMinute, kT0, 0);
  GroupSpec spec;
  spec.name = "g";
  spec.rules = {Alerting("Down", "up == 0", 0, {{"severity", "page"}, {"note", "a }} b $value"}},
                         {{"runbook", "https://runbooks/{ down }"}})};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  g->SkipRestore();
  Eval(*g, kT0);
  const GroupSnapshot snap = g->Snapshot();
  ASSERT_EQ(snap.rules[0].alerts.size(), 1u);
  EXPECT_EQ(snap.rules[0].alerts[0].labels, Labels({{"alertname", "Down"},
                                                    {"job", "api"},
                                                    {"note", "a }} b $value"},
                                                    {"severity", "page"}}));
  ASSERT_EQ(snap.rules[0].alerts[0].annotations.size(), 1u);
  EXPECT_EQ(snap.rules[0].alerts[0].annotations[0].value, "https://runbooks/{ down }");
}

TEST_F(RuleGroupTest, KeepFiringForHoldsAResolvedAlert) {
  const Labels series = {{"__name__", "errors"}};
  Fill(series, kT0 - kMinute, kT0 + kMinute, 5);
  Fill(series, kT0 + kMinute + 15'000, kT0 + 20 * kMinute, 0);
  GroupSpec spec;
  spec.name = "g";
  RuleSpec rule = Alerting("Errors", "errors > 0", 0);
  rule.keep_firing_for_ms = 3 * kMinute;
  spec.rules = {rule};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  g->SkipRestore();
  Eval(*g, kT0);
  EXPECT_EQ(g->Snapshot().rules[0].state, AlertState::kFiring);  // for: 0 fires at once
  Eval(*g, kT0 + 2 * kMinute);                                   // condition gone
  EXPECT_EQ(g->Snapshot().rules[0].state, AlertState::kFiring);
  Eval(*g, kT0 + 4 * kMinute);
  EXPECT_EQ(g->Snapshot().rules[0].state, AlertState::kFiring);
  Eval(*g, kT0 + 5 * kMinute);  // 3 minutes since it was first kept firing
  EXPECT_EQ(g->Snapshot().rules[0].state, AlertState::kInactive);
}

TEST_F(RuleGroupTest, AlertLimitClearsTheAlerts) {
  Fill({{"__name__", "x"}, {"a", "1"}}, kT0 - kMinute, kT0, 1);
  Fill({{"__name__", "x"}, {"a", "2"}}, kT0 - kMinute, kT0, 1);
  GroupSpec spec;
  spec.name = "g";
  spec.limit = 1;
  spec.rules = {Alerting("X", "x > 0", 0)};
  auto g = Make(spec);
  ASSERT_TRUE(g);
  Eval(*g, kT0);
  GroupSnapshot snap = g->Snapshot();
  EXPECT_EQ(snap.rules[0].last_error, "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(snap.rules[0].alerts.empty());
}

// An alert pending for 4 of its 5 minutes when the process stopped fires 1 minute after the
// restart (the time it was down does not count), not 5.
TEST_F(RuleGroupTest, ForStateIsRestoredAfterARestart) {
  const Labels series = {{"__name__", "cost_usd"}};
  Fill(series, kT0 - kMinute, kT0 + 30 * kMinute, 200);
  GroupSpec spec;
  spec.name = "cost";
  spec.file = "rules.yml";
  spec.rules = {Alerting("Cost", "cost_usd > 180", 5 * kMinute)};
  {
    auto before = Make(spec);
    ASSERT_TRUE(before);
    before->SkipRestore();
    for (int64_t t = kT0; t <= kT0 + 4 * kMinute; t += kMinute) Eval(*before, t);
    EXPECT_EQ(before->Snapshot().rules[0].state, AlertState::kPending);
  }
  // Down from kT0 + 4m to kT0 + 10m.
  auto after = Make(spec);
  ASSERT_TRUE(after);
  const int64_t restart = kT0 + 10 * kMinute;
  Eval(*after, restart);
  const EvalContext ctx = Context();
  ASSERT_TRUE(after->RestoreForState(restart, ctx).ok());
  EXPECT_EQ(after->Snapshot().rules[0].alerts[0].active_at_ms, kT0 + 6 * kMinute);
  Eval(*after, restart + 30'000);
  EXPECT_EQ(after->Snapshot().rules[0].state, AlertState::kPending);
  Eval(*after, restart + kMinute);
  EXPECT_EQ(after->Snapshot().rules[0].state, AlertState::kFiring);

  // With Prometheus' grace period of 10 minutes, a 5 minute `for` is not restored: it waits the
  // whole `for` again.
  RuleOptions prometheus_like;
  prometheus_like.for_grace_period_ms = 10 * kMinute;
  auto strict = Make(spec, prometheus_like);
  ASSERT_TRUE(strict);
  Eval(*strict, restart);
  ASSERT_TRUE(strict->RestoreForState(restart, ctx).ok());
  EXPECT_EQ(strict->Snapshot().rules[0].alerts[0].active_at_ms, restart);
}

TEST_F(RuleGroupTest, TemplatesCanQueryAndReadExternalLabels) {
  Fill({{"__name__", "up"}, {"instance", "a:9100"}}, kT0 - kMinute, kT0, 0);
  Fill({{"__name__", "up"}, {"instance", "b:9100"}}, kT0 - kMinute, kT0, 1);
  GroupSpec spec;
  spec.name = "g";
  spec.rules = {Alerting(
      "Down", "up == 0", 0, {},
      {{"summary", "{{ $labels.instance | stripPort }} down in {{ $externalLabels.cluster }}"},
       {"up", "{{ query \"sum(up)\" | first | value }} of {{ len (query \"up\") }}"}})};
  RuleOptions options;
  options.external_labels = Labels{{"cluster", "eu-1"}};
  auto g = Make(spec, options);
  ASSERT_TRUE(g);
  Eval(*g, kT0);
  GroupSnapshot snap = g->Snapshot();
  ASSERT_EQ(snap.rules[0].alerts.size(), 1u);
  EXPECT_EQ(snap.rules[0].alerts[0].annotations[0].value, "a down in eu-1");
  EXPECT_EQ(snap.rules[0].alerts[0].annotations[1].value, "1 of 2");
}

TEST_F(RuleGroupTest, EvaluationTimesAreSpreadAndAligned) {
  GroupSpec a;
  a.name = "a";
  a.interval_ms = 15'000;
  GroupSpec b = a;
  b.name = "b";
  auto ga = Make(a);
  auto gb = Make(b);
  ASSERT_TRUE(ga && gb);
  const int64_t ta = ga->EvaluationTimeAtOrAfter(kT0);
  EXPECT_GE(ta, kT0);
  EXPECT_LT(ta, kT0 + 15'000);
  EXPECT_EQ(ga->EvaluationTimeAtOrAfter(ta), ta);
  EXPECT_EQ(ga->EvaluationTimeAtOrAfter(ta + 1), ta + 15'000);
  EXPECT_NE(ta % 15'000, gb->EvaluationTimeAtOrAfter(kT0) % 15'000);
}

TEST_F(RuleGroupTest, BadExpressionIsRefusedNamingTheRule) {
  GroupSpec spec;
  spec.name = "g";
  spec.rules = {Recording("r", "sum(")};
  auto g = RuleGroup::Create(spec, {});
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("rule \"r\""), std::string::npos);
}

}  // namespace
}  // namespace tidemark::rules
