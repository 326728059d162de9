// Runs rule groups (query/rules/group.h) on their intervals inside the server, as Prometheus'
// rules.Manager does: one thread per group waits for the group's next evaluation time, evaluates
// every rule through the PromQL engine on the engine's own data, writes the results back, and
// hands due alerts to a notification callback.
//
// Never in the way of ingestion: at most `max_concurrent_evaluations` groups evaluate at once
// (the rest wait their turn), on SCHED_BATCH threads of a configurable nice value
// (`evaluation_nice`), each query is bounded by the query limits and timeout, and a group that
// falls behind skips the evaluations it missed (counted) instead of queueing them.
//
// Thread safety: every method may be called from any thread.
#ifndef TIDEMARK_SERVER_RULES_MANAGER_H_
#define TIDEMARK_SERVER_RULES_MANAGER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "query/engine.h"
#include "query/rules/group.h"
#include "query/rules/rule_file.h"
#include "tidemark/engine.h"
#include "tidemark/rules.h"

namespace tidemark::server {

// The PromQL engine's options for rule queries, the default of RulesManagerOptions: results are
// sets (selections unsorted), the metric name is dropped as the query API drops it, and
// selections are read on the group's own thread (read_ahead off), which runs under SCHED_BATCH at
// evaluation_nice, not by the shared read pool's threads, which run at normal priority.
promql::EngineOptions RuleQueryEngineOptions();

struct RulesManagerOptions {
  rules::RuleOptions rules;
  // Limits are copied in by RulesManagerOptionsFor; keep the other settings of the default.
  promql::EngineOptions query_engine = RuleQueryEngineOptions();
  std::chrono::milliseconds query_timeout{2 * 60 * 1000};
  // Groups evaluating at once; the others wait for a slot.
  int max_concurrent_evaluations = 2;
  // The nice value of the groups' threads (RuleEvaluatorOptions::evaluation_nice).
  int evaluation_nice = 0;
  // Wall clock in Unix milliseconds (tests set it). Default: the system clock.
  std::function<int64_t()> now_ms;
};

// Rule evaluation as the embedding API's options describe it (include/tidemark/rules.h);
// `tidemark serve` fills those options from its configuration, so both run rules the same way.
RulesManagerOptions RulesManagerOptionsFor(const RuleEvaluatorOptions& options);
// How rule files are read under those options (which PromQL extensions they may use).
rules::RuleFileOptions RuleFileOptionsFor(const RuleEvaluatorOptions& options);

// The groups of the rule files `patterns` match (rules::ExpandRuleFiles, then LoadRuleFiles).
// Relative patterns are relative to `base_dir` (the config file's directory, as in Prometheus);
// with an empty `base_dir`, to the working directory.
Result<std::vector<rules::GroupSpec>> LoadRuleGroups(const std::vector<std::string>& patterns,
                                                     const std::string& base_dir,
                                                     const rules::RuleFileOptions& options);

// Called with the alerts due to be sent after each evaluation of a group (from the group's
// thread); must not block for long.
using NotifyFunc = std::function<void(std::vector<rules::AlertNotification>)>;

// What /metrics shows of one group (Prometheus' prometheus_rule_group_* series).
struct RuleGroupMetrics {
  std::string file;
  std::string name;
  double interval_seconds = 0;
  double last_duration_seconds = 0;
  int64_t last_evaluation_ms = 0;
  uint64_t rules = 0;
  uint64_t iterations_total = 0;
  uint64_t iterations_missed_total = 0;
  uint64_t evaluations_total = 0;          // rule evaluations
  uint64_t evaluation_failures_total = 0;  // rule evaluations that failed
  uint64_t last_samples = 0;
};

class RulesManager {
 public:
  RulesManager(Engine* engine, RulesManagerOptions options, NotifyFunc notify);
  ~RulesManager();
  RulesManager(const RulesManager&) = delete;
  RulesManager& operator=(const RulesManager&) = delete;

  // Replaces the groups. Every group is checked first (an error changes nothing); a group with
  // the file and name of a running one takes over its alerts; removed groups' series end with
  // stale markers. Groups of the first update after Start restore their alerts' for-state.
  Status Update(std::vector<rules::GroupSpec> groups);
  // Starts evaluating (the groups given so far and later ones).
  void Start();
  // Stops every group, waiting for evaluations in progress.
  void Stop();
  // Stale markers for every series the groups wrote in their last evaluation, except
  // ALERTS_FOR_STATE (kept for the for-state restore after a restart), as if the evaluation had
  // ended for good. Only while stopped (Unavailable otherwise); a later Start goes on.
  Status WriteStaleMarkers();

  std::vector<rules::GroupSnapshot> Snapshot() const;
  std::vector<RuleGroupMetrics> Metrics() const;
  // Appends the groups' metrics as series, for /metrics.
  void CollectMetrics(std::vector<std::pair<Labels, double>>* out) const;

 private:
  struct Runner;
  void Run(Runner* runner);
  int64_t NowMs() const;
  bool AcquireSlot(Runner* runner);
  void ReleaseSlot();
  void StartRunnerLocked(Runner* runner);

  Engine* const engine_;
  const RulesManagerOptions options_;
  const NotifyFunc notify_;
  const promql::QueryEngine query_engine_;

  std::mutex update_mu_;   // one Update, Start or Stop at a time
  mutable std::mutex mu_;  // guards runners_, started_, first_update_
  std::vector<std::unique_ptr<Runner>> runners_;
  bool started_ = false;
  bool first_update_ = true;

  std::mutex slots_mu_;
  std::condition_variable slots_cv_;
  int free_slots_;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_RULES_MANAGER_H_
