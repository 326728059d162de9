#include "server/rules_manager.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "query/rules/appender_output.h"
#include "server/log.h"
#include "util/thread_pool.h"

namespace tidemark::server {

struct RulesManager::Runner {
  std::shared_ptr<rules::RuleGroup> group;
  bool restore = false;  // restore the for-state after the second evaluation
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;  // guarded by mu

  std::atomic<uint64_t> iterations{0};
  std::atomic<uint64_t> missed{0};
  std::atomic<uint64_t> evaluations{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> last_samples{0};
  std::atomic<double> last_duration{0};

  bool Stopping() {
    std::lock_guard lock(mu);
    return stopping;
  }
};

RulesManager::RulesManager(Engine* engine, RulesManagerOptions options, NotifyFunc notify)
    : engine_(engine),
      options_(std::move(options)),
      notify_(std::move(notify)),
      query_engine_(options_.query_engine),
      free_slots_(std::max(1, options_.max_concurrent_evaluations)) {}

RulesManager::~RulesManager() { Stop(); }

int64_t RulesManager::NowMs() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status RulesManager::Update(std::vector<rules::GroupSpec> groups) {
  // Everything is checked before anything changes.
  std::vector<std::unique_ptr<Runner>> fresh;
  for (rules::GroupSpec& spec : groups) {
    auto group = rules::RuleGroup::Create(std::move(spec), options_.rules);
    if (!group.ok()) return group.status();
    auto runner = std::make_unique<Runner>();
    runner->group = std::move(group).value();
    fresh.push_back(std::move(runner));
  }
  std::lock_guard update_lock(update_mu_);
  // Stop the old groups first, so no two runners of one group evaluate at once. They stay in
  // runners_ (the API keeps showing them) until the new ones replace them.
  std::vector<Runner*> running;
  {
    std::lock_guard lock(mu_);
    for (const std::unique_ptr<Runner>& r : runners_) running.push_back(r.get());
  }
  for (Runner* r : running) {
    {
      std::lock_guard lock(r->mu);
      r->stopping = true;
    }
    r->cv.notify_all();
    if (r->thread.joinable()) r->thread.join();
  }
  std::lock_guard lock(mu_);
  std::vector<std::unique_ptr<Runner>> old;
  old.swap(runners_);
  for (std::unique_ptr<Runner>& r : fresh) {
    bool carried = false;
    bool restore_pending = false;
    for (const std::unique_ptr<Runner>& o : old) {
      if (o && o->group->spec().file == r->group->spec().file &&
          o->group->spec().name == r->group->spec().name) {
        r->group->CopyStateFrom(*o->group);
        carried = true;
        restore_pending = o->restore;  // its thread has ended: no race
        break;
      }
    }
    // Only the groups loaded at start read the for-state back; later ones are new. A group
    // replaced before it restored (loaded twice before Start) still restores.
    r->restore = (first_update_ && !carried) || restore_pending;
    if (!r->restore) r->group->SkipRestore();
  }
  first_update_ = false;
  // Removed groups: their series end now.
  for (const std::unique_ptr<Runner>& o : old) {
    const bool kept = std::any_of(fresh.begin(), fresh.end(), [&](const auto& r) {
      return r->group->spec().file == o->group->spec().file &&
             r->group->spec().name == o->group->spec().name;
    });
    if (kept) continue;
    rules::AppenderOutput out(engine_->NewAppender());
    Status s = o->group->WriteStaleMarkers(NowMs(), out);
    if (!s.ok()) {
      LogError("rule group removed but its stale markers were not written",
               {{"group", o->group->spec().name}, {"error", s.ToString()}});
    }
  }
  runners_ = std::move(fresh);
  if (started_) {
    for (std::unique_ptr<Runner>& r : runners_) StartRunnerLocked(r.get());
  }
  return Status::OK();
}

void RulesManager::Start() {
  std::lock_guard update_lock(update_mu_);
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (std::unique_ptr<Runner>& r : runners_) StartRunnerLocked(r.get());
}

Status RulesManager::WriteStaleMarkers() {
  std::lock_guard update_lock(update_mu_);
  std::lock_guard lock(mu_);
  if (started_) return Status::Unavailable("rule evaluation is running; stop it first");
  Status first_error;
  for (const std::unique_ptr<Runner>& r : runners_) {
    rules::AppenderOutput out(engine_->NewAppender());
    Status s = r->group->WriteStaleMarkers(NowMs(), out, /*keep_for_state=*/true);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

void RulesManager::StartRunnerLocked(Runner* runner) {
  runner->thread = std::thread([this, runner] { Run(runner); });
  util::NameThread(runner->thread, "tidemark-rules");
}

void RulesManager::Stop() {
  std::lock_guard update_lock(update_mu_);
  std::vector<Runner*> running;
  {
    std::lock_guard lock(mu_);
    started_ = false;
    for (std::unique_ptr<Runner>& r : runners_) running.push_back(r.get());
  }
  for (Runner* r : running) {
    {
      std::lock_guard lock(r->mu);
      r->stopping = true;
    }
    r->cv.notify_all();
  }
  slots_cv_.notify_all();
  for (Runner* r : running) {
    if (r->thread.joinable()) r->thread.join();
    std::lock_guard lock(r->mu);
    r->stopping = false;  // a later Start runs it again
  }
}

bool RulesManager::AcquireSlot(Runner* runner) {
  std::unique_lock lock(slots_mu_);
  while (free_slots_ == 0) {
    if (runner->Stopping()) return false;
    slots_cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  --free_slots_;
  return true;
}

void RulesManager::ReleaseSlot() {
  {
    std::lock_guard lock(slots_mu_);
    ++free_slots_;
  }
  slots_cv_.notify_one();
}

namespace {

// Puts the calling thread under SCHED_BATCH (a thread of the normal policy only) and gives it
// nice value `nice` unless it has a higher one. On Linux both belong to the thread and need no
// privilege to lower. SCHED_BATCH keeps the thread's fair share of the CPU but never lets its
// wake-ups preempt a running thread: a group's evaluation is CPU-bound work nobody waits on, the
// kind of work the policy is meant for. Ten alternated pairs of the rules benchmark showed no
// effect on ingestion either way (docs/benchmarks.md).
void LowerThreadPriority(int nice, const std::string& group) {
  if (::sched_getscheduler(0) == SCHED_OTHER) {
    const sched_param param{};  // sched_priority 0, as SCHED_BATCH requires
    if (::sched_setscheduler(0, SCHED_BATCH, &param) != 0) {
      LogError("putting a rule group's thread under SCHED_BATCH failed; it keeps its policy",
               {{"group", group}, {"error", std::strerror(errno)}});
    }
  }
  if (nice <= 0) return;
  const id_t tid = static_cast<id_t>(::gettid());
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0 && current >= nice) return;
  if (::setpriority(PRIO_PROCESS, tid, nice) != 0) {
    LogError("lowering the priority of a rule group's thread failed; it runs at normal priority",
             {{"group", group}, {"nice", std::to_string(nice)}, {"error", std::strerror(errno)}});
  }
}

}  // namespace

void RulesManager::Run(Runner* runner) {
  rules::RuleGroup& group = *runner->group;
  LowerThreadPriority(options_.evaluation_nice, group.spec().name);
  const int64_t interval = group.interval_ms();
  int64_t t = group.EvaluationTimeAtOrAfter(NowMs());
  // Moves `t` past the evaluation times that are an interval or more in the past, counting them.
  auto skip_missed = [&] {
    const int64_t now = NowMs();
    if (now < t + interval) return;
    const int64_t skipped = (now - t) / interval;
    runner->missed += static_cast<uint64_t>(skipped);
    t += skipped * interval;
  };
  int evaluations = 0;
  while (true) {
    {
      // Sleep until the evaluation time by the wall clock (tests' clocks are polled).
      std::unique_lock lock(runner->mu);
      while (!runner->stopping) {
        const int64_t wait = t - NowMs();
        if (wait <= 0) break;
        runner->cv.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(wait, 1000)));
      }
      if (runner->stopping) return;
    }
    if (!AcquireSlot(runner)) return;
    // Waiting for a slot (or the clock) made this evaluation an interval or more late: the
    // evaluations that passed meanwhile are skipped and counted, as after one that ran too long.
    skip_missed();
    rules::EvalContext ctx;
    ctx.querier = engine_;
    ctx.engine = &query_engine_;
    ctx.query_timeout = options_.query_timeout;
    rules::AppenderOutput out(engine_->NewAppender(), engine_);
    rules::GroupEvalResult result = group.Evaluate(t, ctx, out);
    ++evaluations;
    if (runner->restore && evaluations == 2) {
      // As Prometheus: after the second evaluation, so that recording rules the alerts depend on
      // have run since the start.
      Status s = group.RestoreForState(NowMs(), ctx);
      if (!s.ok()) {
        LogError("restoring the for-state of alerts failed",
                 {{"group", group.spec().name}, {"error", s.ToString()}});
      }
      runner->restore = false;
    }
    ReleaseSlot();
    runner->iterations += 1;
    runner->evaluations += group.spec().rules.size();
    runner->failures += static_cast<uint64_t>(result.failed_rules);
    runner->last_samples = static_cast<uint64_t>(result.samples_written);
    runner->last_duration = result.seconds;
    if (result.failed_rules > 0) {
      Log(LogLevel::kWarn, "rule evaluation failed",
          {{"group", group.spec().name}, {"failed_rules", std::to_string(result.failed_rules)}});
    }
    if (!result.notifications.empty() && notify_) notify_(std::move(result.notifications));
    // The next evaluation time; those that passed while this one ran are skipped and counted.
    t += interval;
    skip_missed();
  }
}

std::vector<rules::GroupSnapshot> RulesManager::Snapshot() const {
  std::vector<std::shared_ptr<rules::RuleGroup>> groups;
  {
    std::lock_guard lock(mu_);
    for (const std::unique_ptr<Runner>& r : runners_) groups.push_back(r->group);
  }
  std::vector<rules::GroupSnapshot> out;
  for (const auto& g : groups) out.push_back(g->Snapshot());
  return out;
}

std::vector<RuleGroupMetrics> RulesManager::Metrics() const {
  std::lock_guard lock(mu_);
  std::vector<RuleGroupMetrics> out;
  for (const std::unique_ptr<Runner>& r : runners_) {
    RuleGroupMetrics m;
    m.file = r->group->spec().file;
    m.name = r->group->spec().name;
    m.interval_seconds = static_cast<double>(r->group->interval_ms()) / 1000;
    m.last_duration_seconds = r->last_duration;
    m.last_evaluation_ms = r->group->Snapshot().last_evaluation_ms;
    m.rules = r->group->spec().rules.size();
    m.iterations_total = r->iterations;
    m.iterations_missed_total = r->missed;
    m.evaluations_total = r->evaluations;
    m.evaluation_failures_total = r->failures;
    m.last_samples = r->last_samples;
    out.push_back(std::move(m));
  }
  return out;
}

void RulesManager::CollectMetrics(std::vector<std::pair<Labels, double>>* out) const {
  const std::vector<RuleGroupMetrics> groups = Metrics();
  // Family by family, so that /metrics writes each TYPE line once.
  auto family = [&](const char* name, auto value) {
    for (const RuleGroupMetrics& m : groups) {
      out->emplace_back(Labels{{"__name__", name}, {"rule_group", m.file + ";" + m.name}},
                        static_cast<double>(value(m)));
    }
  };
  family("tidemark_rule_group_interval_seconds",
         [](const RuleGroupMetrics& m) { return m.interval_seconds; });
  family("tidemark_rule_group_last_duration_seconds",
         [](const RuleGroupMetrics& m) { return m.last_duration_seconds; });
  family("tidemark_rule_group_last_evaluation_timestamp_seconds", [](const RuleGroupMetrics& m) {
    return static_cast<double>(m.last_evaluation_ms) / 1000;
  });
  family("tidemark_rule_group_rules", [](const RuleGroupMetrics& m) { return m.rules; });
  family("tidemark_rule_group_last_evaluation_samples",
         [](const RuleGroupMetrics& m) { return m.last_samples; });
  family("tidemark_rule_group_iterations_total",
         [](const RuleGroupMetrics& m) { return m.iterations_total; });
  family("tidemark_rule_group_iterations_missed_total",
         [](const RuleGroupMetrics& m) { return m.iterations_missed_total; });
  family("tidemark_rule_evaluations_total",
         [](const RuleGroupMetrics& m) { return m.evaluations_total; });
  family("tidemark_rule_evaluation_failures_total",
         [](const RuleGroupMetrics& m) { return m.evaluation_failures_total; });
}

promql::EngineOptions RuleQueryEngineOptions() {
  promql::EngineOptions o;
  o.delayed_name_removal = false;  // as the query API
  o.sorted_selection = false;      // results are sets; saves a sort per selection
  o.read_ahead = false;            // rules stay on their own (SCHED_BATCH, niced) threads
  return o;
}

RulesManagerOptions RulesManagerOptionsFor(const RuleEvaluatorOptions& options) {
  RulesManagerOptions o;
  rules::RuleOptions& r = o.rules;
  r.default_interval_ms = options.default_interval_ms;
  r.default_query_offset_ms = options.default_query_offset_ms;
  r.resend_delay_ms = options.resend_delay_ms;
  r.for_grace_period_ms = options.for_grace_period_ms;
  r.outage_tolerance_ms = options.outage_tolerance_ms;
  r.external_labels = options.external_labels;
  r.external_url = options.external_url;
  r.parse_options = RuleFileOptionsFor(options).parse_options;
  const PromQLOptions& q = options.query;
  o.query_engine.lookback_delta_ms = q.lookback_delta_ms;
  o.query_engine.max_samples = q.max_samples;
  o.query_engine.max_result_points = q.max_result_points;
  o.query_engine.max_bytes_per_query = q.max_bytes_per_query;
  o.query_engine.default_subquery_step_ms = q.default_subquery_step_ms;
  o.query_timeout = q.timeout;
  o.max_concurrent_evaluations = options.max_concurrent_evaluations;
  o.evaluation_nice = options.evaluation_nice;
  return o;
}

rules::RuleFileOptions RuleFileOptionsFor(const RuleEvaluatorOptions& options) {
  rules::RuleFileOptions o;
  o.parse_options.enable_experimental_functions = options.query.experimental_functions;
  o.parse_options.enable_duration_expressions = options.query.duration_expressions;
  return o;
}

Result<std::vector<rules::GroupSpec>> LoadRuleGroups(const std::vector<std::string>& patterns,
                                                     const std::string& base_dir,
                                                     const rules::RuleFileOptions& options) {
  std::vector<std::string> resolved;
  for (const std::string& p : patterns) {
    resolved.push_back(base_dir.empty() || p.starts_with("/") ? p : base_dir + "/" + p);
  }
  auto files = rules::ExpandRuleFiles(resolved);
  if (!files.ok()) return files.status();
  return rules::LoadRuleFiles(*files, options);
}

}  // namespace tidemark::server
