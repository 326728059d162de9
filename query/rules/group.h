// A rule group at run time: its rules, the state of their alerts, and one evaluation of all of
// them at a given time, as Prometheus' rules.Group.Eval does it. No scheduling here: the server
// (server/rules_manager.h) calls Evaluate on the group's interval, and `tidemark test rules`
// calls it at the instants of a test, both on the same code.
//
// Semantics (Prometheus' rules/alerting.go, recording.go, group.go):
// - Rules run in file order; each rule's output is committed before the next runs, so later
//   rules of the group read it. Series a rule wrote last time and not this time get a stale
//   marker.
// - Recording rules: the result (a vector, or a scalar as one series without labels) gets
//   __name__ = record plus the group's and the rule's labels; two equal label sets are an error.
// - Alerting rules: every result sample is an alert identified by its labels without __name__,
//   plus the group's and the rule's labels (templates, expanded), plus alertname. A new alert is
//   pending; after `for` it fires; when its sample goes away it resolves (after keep_firing_for,
//   if firing). Resolved alerts are kept 15 minutes so they are sent as resolved. ALERTS and
//   ALERTS_FOR_STATE series are written once the for-state was restored (RestoreForState).
// - `limit`: more series (alerts) than the limit fails the rule and discards its result.
//
// Thread safety: Evaluate, RestoreForState and CopyStateFrom are called from one thread at a
// time; Snapshot may be called from any thread at any time.
#ifndef TIDEMARK_QUERY_RULES_GROUP_H_
#define TIDEMARK_QUERY_RULES_GROUP_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "query/ast.h"
#include "query/engine.h"
#include "query/parser.h"
#include "query/rules/rule.h"
#include "query/rules/template.h"
#include "tidemark/labels.h"
#include "tidemark/querier.h"
#include "tidemark/status.h"

namespace tidemark::rules {

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState state);  // "inactive", "pending", "firing"

struct Alert {
  Labels labels;  // identifying: with alertname
  std::vector<Label> annotations;
  AlertState state = AlertState::kInactive;
  double value = 0;
  int64_t active_at_ms = 0;
  int64_t fired_at_ms = 0;           // 0: never fired
  int64_t resolved_at_ms = 0;        // 0: not resolved
  int64_t last_sent_at_ms = 0;       // 0: never sent
  int64_t valid_until_ms = 0;        // endsAt of a firing alert as last sent
  int64_t keep_firing_since_ms = 0;  // 0: not being kept firing
};

enum class RuleHealth { kUnknown, kOk, kError };
std::string_view RuleHealthName(RuleHealth health);  // "unknown", "ok", "err"

// What the API shows of a rule.
struct RuleSnapshot {
  RuleSpec spec;      // labels: the group's merged in
  std::string query;  // the expression as PromQL prints it
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;
  int64_t last_evaluation_ms = 0;  // 0: never evaluated
  double evaluation_seconds = 0;
  std::vector<Alert> alerts;                 // active (pending and firing) alerts, by labels
  AlertState state = AlertState::kInactive;  // the most severe of the alerts
};

struct GroupSnapshot {
  std::string name;
  std::string file;
  int64_t interval_ms = 0;
  int64_t query_offset_ms = 0;
  uint64_t limit = 0;
  int64_t last_evaluation_ms = 0;
  double evaluation_seconds = 0;
  std::vector<RuleSnapshot> rules;
};

// Global settings of rule evaluation (Prometheus' flags and global config).
struct RuleOptions {
  int64_t default_interval_ms = 60'000;  // global.evaluation_interval
  int64_t default_query_offset_ms = 0;   // global.rule_query_offset
  int64_t resend_delay_ms = 60'000;      // --rules.alert.resend-delay
  // --rules.alert.for-grace-period. Prometheus' default is 10 minutes, which makes an alert whose
  // `for` is shorter start its wait again after a restart; tidemark's is 0, so an alert pending
  // for 4 of its 5 minutes fires 1 minute after the restart.
  int64_t for_grace_period_ms = 0;
  int64_t outage_tolerance_ms = 3'600'000;  // --rules.alert.for-outage-tolerance
  Labels external_labels;
  std::string external_url;  // --web.external-url: alert generator URLs and templates
  promql::ParseOptions parse_options;
  TemplateOptions template_options;
};

// Where a group's results go. Each rule's samples are committed before the next rule runs.
class RuleOutput {
 public:
  virtual ~RuleOutput() = default;
  virtual void Add(const Labels& labels, int64_t t_ms, double value) = 0;
  // The same, given `ref`: what an earlier AddRef of an output with this RefScope() returned
  // for `labels`, or 0. Returns the ref to pass at the next evaluation (0: none), so that a rule
  // writing the same series every evaluation skips looking them up by labels.
  virtual uint64_t AddRef(const Labels& labels, uint64_t ref, int64_t t_ms, double value) {
    (void)ref;
    Add(labels, t_ms, value);
    return 0;
  }
  // What AddRef's refs identify series in (the store written to), or null when it gives none.
  virtual const void* RefScope() const { return nullptr; }
  virtual Status Commit() = 0;
};

// What a group reads its queries from.
struct EvalContext {
  SampleQuerier* querier = nullptr;
  const promql::QueryEngine* engine = nullptr;
  std::chrono::milliseconds query_timeout{2 * 60 * 1000};
  const std::atomic<bool>* cancelled = nullptr;
};

// An alert to hand to Alertmanager, as Prometheus' sendAlerts builds it.
struct AlertNotification {
  Labels labels;
  std::vector<Label> annotations;
  int64_t starts_at_ms = 0;
  int64_t ends_at_ms = 0;
  std::string generator_url;
};

struct GroupEvalResult {
  std::vector<AlertNotification> notifications;  // due to be sent now
  int failed_rules = 0;
  double seconds = 0;
  int64_t samples_written = 0;
};

class RuleGroup {
 public:
  // Parses every rule's expression and templates; errors name the rule.
  static Result<std::unique_ptr<RuleGroup>> Create(GroupSpec spec, const RuleOptions& options);
  ~RuleGroup();

  const GroupSpec& spec() const { return spec_; }
  int64_t interval_ms() const { return interval_ms_; }
  int64_t query_offset_ms() const { return query_offset_ms_; }
  // The first evaluation time at or after `now_ms`. Groups are spread over their interval by a
  // hash of their name and file, as Prometheus spreads them, so they do not all run at once.
  int64_t EvaluationTimeAtOrAfter(int64_t now_ms) const;

  // Evaluates every rule at `ts_ms`.
  GroupEvalResult Evaluate(int64_t ts_ms, const EvalContext& ctx, RuleOutput& out);
  // Restores the active time of alerts from ALERTS_FOR_STATE (written before a restart), after
  // the group's first evaluation; from then on ALERTS and ALERTS_FOR_STATE are written.
  Status RestoreForState(int64_t ts_ms, const EvalContext& ctx);
  // Marks the for-state as restored without reading it (a group new since the process started).
  void SkipRestore();
  // Takes over the alerts and last results of the rules of `old` that this group has too (same
  // kind, name, expression and labels), as a reload does in Prometheus.
  void CopyStateFrom(const RuleGroup& old);
  // Stale markers at `ts_ms` for every series the group wrote in its last evaluation (the group
  // is being removed, or its evaluation stopped). With `keep_for_state`, ALERTS_FOR_STATE series
  // are left as they are, so that a later RestoreForState (after a restart) still finds them.
  Status WriteStaleMarkers(int64_t ts_ms, RuleOutput& out, bool keep_for_state = false);

  GroupSnapshot Snapshot() const;

 private:
  struct Rule;
  RuleGroup(GroupSpec spec, const RuleOptions& options);
  Status EvalRecording(Rule& rule, int64_t ts_ms, const EvalContext& ctx, RuleOutput& out,
                       GroupEvalResult* result);
  Status EvalAlerting(Rule& rule, int64_t ts_ms, const EvalContext& ctx, RuleOutput& out,
                      GroupEvalResult* result);
  void CollectNotifications(Rule& rule, int64_t ts_ms, GroupEvalResult* result);

  GroupSpec spec_;
  RuleOptions options_;
  int64_t interval_ms_ = 0;
  int64_t query_offset_ms_ = 0;
  bool restored_ = false;
  std::vector<std::unique_ptr<Rule>> rules_;

  mutable std::mutex mu_;  // guards what Snapshot reads
  int64_t last_evaluation_ms_ = 0;
  double evaluation_seconds_ = 0;
};

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_GROUP_H_
