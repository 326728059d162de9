// tidemark::RuleEvaluator: Prometheus recording and alerting rules evaluated inside an embedding
// program, on an Engine's own data, as `tidemark serve` evaluates them (docs/alerting.md). Rule
// files are Prometheus' YAML, validated as `tidemark check rules` (and `promtool check rules`)
// validates them. Alerts due to be sent are handed to a callback; delivering them (to an
// Alertmanager, a pager, a log) is the embedder's choice.
//
//   tidemark::RuleEvaluatorOptions options;
//   options.default_interval_ms = 15'000;
//   auto rules = tidemark::RuleEvaluator::Create(engine.get(), options,
//       [](std::vector<tidemark::AlertNotification> alerts) { ... deliver ... });
//   if (!rules.ok()) { ... rules.status() ... }
//   tidemark::Status s = (*rules)->LoadFiles({"/etc/myapp/rules/*.yml"});
//   if (!s.ok()) { ... s.message(): every problem, "FILE: LINE:COL: ..." one per line ... }
//   (*rules)->Start();
//   ...
//   for (const tidemark::RuleGroupState& g : (*rules)->Groups()) ... g.rules[i].health ...
//
// Recording rules write their results into the engine as series; alerting rules write ALERTS and
// ALERTS_FOR_STATE, as Prometheus does. Each group runs on its own thread, at its interval.
//
// Thread safety: every method may be called from any thread. The callback is called from the
// groups' threads, possibly from several at once; it must not block for long (a group waits for
// it) and must not call Load*, Start or Stop of the same evaluator.
// Ownership: the Engine must outlive the RuleEvaluator. The destructor calls Stop.
#ifndef TIDEMARK_RULES_H_
#define TIDEMARK_RULES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/engine.h"
#include "tidemark/labels.h"
#include "tidemark/promql.h"
#include "tidemark/status.h"

namespace tidemark {

// How rules are evaluated: Prometheus' global evaluation settings and --rules.* flags.
// Fixed when the evaluator is created; none of it is persisted.
struct RuleEvaluatorOptions {
  // Interval of groups whose file gives none, ms (Prometheus' global.evaluation_interval).
  // Default 1 minute. Range > 0.
  int64_t default_interval_ms = 60'000;
  // How far back of the evaluation time queries look for groups that give no query_offset, ms
  // (Prometheus' global.rule_query_offset). Default 0. Range >= 0.
  int64_t default_query_offset_ms = 0;
  // Added to every alert handed to the callback (an alert's own label of that name wins), and
  // shown to templates as $externalLabels. Default none.
  Labels external_labels;
  // The address of the embedding program's UI (Prometheus' --web.external-url): alerts'
  // generatorURL is external_url + "graph?g0.expr=...", and templates see it as externalURL and
  // pathPrefix. Default empty: generatorURL is a relative "/graph?g0.expr=...".
  std::string external_url;
  // Firing alerts are handed to the callback again this often, ms (Prometheus'
  // --rules.alert.resend-delay). Default 1 minute.
  int64_t resend_delay_ms = 60'000;
  // After a restart, an alert whose `for` is shorter than this waits its whole `for` again; a
  // longer one resumes where it was, but fires no sooner than this after the restart, ms
  // (Prometheus' --rules.alert.for-grace-period, whose default is 10 minutes). Default 0: every
  // pending alert resumes where it was.
  int64_t for_grace_period_ms = 0;
  // The for-state of alerts is restored after a restart only if it was written at most this long
  // before, ms (Prometheus' --rules.alert.for-outage-tolerance). Default 1 hour.
  int64_t outage_tolerance_ms = 3'600'000;
  // Groups evaluating at once; the others wait for a slot. Default 2. Range >= 1.
  int max_concurrent_evaluations = 2;
  // The nice value of the threads that evaluate groups (Linux; the threads this evaluator starts,
  // not the embedding program's). Above 0, rules give way to other work for the CPU: their
  // evaluations take longer on a busy machine and are skipped, and counted, when they pass their
  // interval. Default 0: measured beside saturating ingestion (docs/benchmarks.md, issue 11),
  // nice 10 took as much throughput from ingestion as 0 did and missed evaluations. A nice value
  // the threads already have that is higher is kept. Range 0..19. The threads also run under
  // SCHED_BATCH (their wake-ups do not preempt running threads) unless they have another policy.
  int evaluation_nice = 0;
  // Limits of every rule's query: lookback delta, max samples, timeout, and whether the rule files
  // may use experimental functions and duration expressions. `cancelled` is ignored (Stop ends
  // evaluations). Default: PromQLOptions' defaults.
  PromQLOptions query;
};

// An alert due to be sent, as Prometheus sends it to Alertmanager (API v2's fields).
struct AlertNotification {
  Labels labels;             // alertname, the result's labels, the rule's labels, external labels
  Labels annotations;        // the rule's annotation templates, rendered
  int64_t starts_at_ms = 0;  // when it started firing
  // Firing: a time a few resend delays ahead, after which a receiver may consider it resolved if
  // it is not sent again. Resolved: when it resolved (then it is sent once more, and no more).
  int64_t ends_at_ms = 0;
  std::string generator_url;  // a link to the rule's expression
};

// Called with the alerts due to be sent after each evaluation of a group.
using AlertCallback = std::function<void(std::vector<AlertNotification> alerts)>;

enum class RuleType { kRecording, kAlerting };
enum class RuleHealth { kUnknown, kOk, kError };  // unknown: not evaluated yet
enum class AlertState { kPending, kFiring };

// An active alert of an alerting rule: pending (its `for` has not passed) or firing.
struct ActiveAlert {
  Labels labels;
  Labels annotations;  // rendered
  AlertState state = AlertState::kPending;
  double value = 0;          // of the sample that made it, at the last evaluation
  int64_t active_at_ms = 0;  // when it became pending
  int64_t fired_at_ms = 0;   // 0: not fired yet
  // When its expression stopped returning it while keep_firing_for keeps it firing; 0: not so.
  int64_t keep_firing_since_ms = 0;
};

struct RuleState {
  RuleType type = RuleType::kRecording;
  std::string name;    // `record` or `alert`
  std::string query;   // the expression as PromQL prints it
  Labels labels;       // the rule's and its group's labels (templates for alerting rules)
  Labels annotations;  // alerting rules: the templates
  int64_t for_ms = 0;  // alerting rules
  int64_t keep_firing_for_ms = 0;  // alerting rules
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;           // of the last evaluation; empty when it succeeded
  int64_t last_evaluation_ms = 0;   // 0: not evaluated yet
  double evaluation_seconds = 0;    // how long the last evaluation took
  std::vector<ActiveAlert> alerts;  // alerting rules, sorted by labels
};

struct RuleGroupState {
  std::string name;
  std::string file;  // as given to LoadFiles (the matched path) or LoadYaml
  int64_t interval_ms = 0;
  int64_t query_offset_ms = 0;
  uint64_t limit = 0;              // 0: none
  int64_t last_evaluation_ms = 0;  // 0: not evaluated yet
  double evaluation_seconds = 0;   // how long the last evaluation of all its rules took
  std::vector<RuleState> rules;    // in file order
};

class RuleEvaluator {
 public:
  // An evaluator with no rules, not started. InvalidArgument if an option is out of range.
  // `on_alerts` may be empty (alerts are then only written as ALERTS series and shown by Groups).
  static Result<std::unique_ptr<RuleEvaluator>> Create(Engine* engine, RuleEvaluatorOptions options,
                                                       AlertCallback on_alerts);
  virtual ~RuleEvaluator() = default;
  RuleEvaluator(const RuleEvaluator&) = delete;
  RuleEvaluator& operator=(const RuleEvaluator&) = delete;

  // Replaces the rules by the groups of the rule files `patterns` match (globs as Prometheus'
  // rule_files: `*`, `?`, `[...]`; a pattern that matches nothing adds nothing). Everything is
  // read and checked first: on error nothing changes and the rules loaded before keep running.
  // The error is InvalidArgument with every problem of the first bad file, one per line, as
  // `tidemark check rules` prints them ("rules.yml: 6:15: group \"api\", rule 1, \"HighLatency\":
  // could not parse expression: 1:6: parse error: ..."). Groups that stay (same file and name)
  // keep their alerts; removed groups' series end with stale markers.
  virtual Status LoadFiles(const std::vector<std::string>& patterns) = 0;
  // The same, for one rule file given as text; `file_name` stands for its path in errors and in
  // RuleGroupState::file.
  virtual Status LoadYaml(std::string_view yaml, std::string_view file_name = "rules.yml") = 0;

  // Starts evaluating, each group at its interval (rules loaded later start at once). Idempotent.
  virtual void Start() = 0;
  // Stops evaluating, waiting for evaluations in progress, then ends the series the rules wrote
  // (recording rules' and ALERTS) with stale markers, so queries stop seeing them at once. The
  // ALERTS_FOR_STATE series stay, so that an evaluator created after a restart resumes pending
  // alerts where they were. Start may be called again. Idempotent. The error is that of writing
  // the stale markers (the evaluation stopped regardless).
  virtual Status Stop() = 0;

  // The groups, their rules and active alerts as of their last evaluation, in load order.
  virtual std::vector<RuleGroupState> Groups() const = 0;

 protected:
  RuleEvaluator() = default;
};

}  // namespace tidemark

#endif  // TIDEMARK_RULES_H_
