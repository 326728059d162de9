// The embedding API of include/tidemark/rules.h over the server's RulesManager: the same
// scheduler, evaluation and rule-file checks as `tidemark serve`, with alerts handed to the
// embedder's callback instead of the Notifier.
#include <utility>

#include "query/rules/rule_file.h"
#include "server/rules_manager.h"
#include "tidemark/rules.h"

namespace tidemark {
namespace {

// External labels as the Notifier adds them: an alert's own label of the same name wins.
Labels WithExternalLabels(const Labels& labels, const Labels& external) {
  if (external.empty()) return labels;
  std::vector<Label> merged = labels.items();
  for (const Label& l : external) {
    if (!labels.Has(l.name)) merged.push_back(l);
  }
  return Labels(std::move(merged));
}

RuleState RuleStateOf(rules::RuleSnapshot r) {
  RuleState out;
  out.type = r.spec.kind == rules::RuleKind::kAlerting ? RuleType::kAlerting : RuleType::kRecording;
  out.name = std::move(r.spec.name);
  out.query = std::move(r.query);
  out.labels = Labels(std::move(r.spec.labels));
  out.annotations = Labels(std::move(r.spec.annotations));
  out.for_ms = r.spec.for_ms;
  out.keep_firing_for_ms = r.spec.keep_firing_for_ms;
  switch (r.health) {
    case rules::RuleHealth::kUnknown:
      out.health = RuleHealth::kUnknown;
      break;
    case rules::RuleHealth::kOk:
      out.health = RuleHealth::kOk;
      break;
    case rules::RuleHealth::kError:
      out.health = RuleHealth::kError;
      break;
  }
  out.last_error = std::move(r.last_error);
  out.last_evaluation_ms = r.last_evaluation_ms;
  out.evaluation_seconds = r.evaluation_seconds;
  for (rules::Alert& a : r.alerts) {
    // The snapshot holds active alerts only: inactive ones are never listed.
    if (a.state == rules::AlertState::kInactive) continue;
    ActiveAlert alert;
    alert.labels = std::move(a.labels);
    alert.annotations = Labels(std::move(a.annotations));
    alert.state =
        a.state == rules::AlertState::kFiring ? AlertState::kFiring : AlertState::kPending;
    alert.value = a.value;
    alert.active_at_ms = a.active_at_ms;
    alert.fired_at_ms = a.fired_at_ms;
    alert.keep_firing_since_ms = a.keep_firing_since_ms;
    out.alerts.push_back(std::move(alert));
  }
  return out;
}

class EmbeddedRuleEvaluator final : public RuleEvaluator {
 public:
  EmbeddedRuleEvaluator(Engine* engine, const RuleEvaluatorOptions& options,
                        AlertCallback on_alerts)
      : file_options_(server::RuleFileOptionsFor(options)),
        manager_(engine, server::RulesManagerOptionsFor(options),
                 Deliver(std::move(on_alerts), options.external_labels)) {}
  ~EmbeddedRuleEvaluator() override { (void)Stop(); }

  Status LoadFiles(const std::vector<std::string>& patterns) override {
    auto groups = server::LoadRuleGroups(patterns, /*base_dir=*/"", file_options_);
    if (!groups.ok()) return groups.status();
    return manager_.Update(std::move(groups).value());
  }

  Status LoadYaml(std::string_view yaml, std::string_view file_name) override {
    rules::RuleFileCheck check =
        rules::CheckRuleFileContent(yaml, std::string(file_name), file_options_);
    if (!check.ok()) {
      // One problem per line, as LoadRuleFiles (and so LoadFiles) words them.
      std::string message;
      for (const std::string& e : check.errors) message += (message.empty() ? "" : "\n") + e;
      return Status::InvalidArgument(message);
    }
    return manager_.Update(std::move(check.groups));
  }

  void Start() override { manager_.Start(); }

  Status Stop() override {
    manager_.Stop();
    return manager_.WriteStaleMarkers();
  }

  std::vector<RuleGroupState> Groups() const override {
    std::vector<RuleGroupState> out;
    for (rules::GroupSnapshot& g : manager_.Snapshot()) {
      RuleGroupState group;
      group.name = std::move(g.name);
      group.file = std::move(g.file);
      group.interval_ms = g.interval_ms;
      group.query_offset_ms = g.query_offset_ms;
      group.limit = g.limit;
      group.last_evaluation_ms = g.last_evaluation_ms;
      group.evaluation_seconds = g.evaluation_seconds;
      for (rules::RuleSnapshot& r : g.rules) group.rules.push_back(RuleStateOf(std::move(r)));
      out.push_back(std::move(group));
    }
    return out;
  }

 private:
  static server::NotifyFunc Deliver(AlertCallback on_alerts, Labels external) {
    if (!on_alerts) return nullptr;
    return [on_alerts = std::move(on_alerts),
            external = std::move(external)](std::vector<rules::AlertNotification> alerts) {
      std::vector<AlertNotification> out;
      out.reserve(alerts.size());
      for (rules::AlertNotification& a : alerts) {
        AlertNotification n;
        n.labels = WithExternalLabels(a.labels, external);
        n.annotations = Labels(std::move(a.annotations));
        n.starts_at_ms = a.starts_at_ms;
        n.ends_at_ms = a.ends_at_ms;
        n.generator_url = std::move(a.generator_url);
        out.push_back(std::move(n));
      }
      on_alerts(std::move(out));
    };
  }

  const rules::RuleFileOptions file_options_;
  server::RulesManager manager_;
};

}  // namespace

Result<std::unique_ptr<RuleEvaluator>> RuleEvaluator::Create(Engine* engine,
                                                             RuleEvaluatorOptions options,
                                                             AlertCallback on_alerts) {
  if (engine == nullptr) return Status::InvalidArgument("rule evaluator: engine is null");
  auto positive = [](int64_t v, const char* name) -> Status {
    if (v > 0) return Status::OK();
    return Status::InvalidArgument(std::string("rule evaluator: ") + name + " is " +
                                   std::to_string(v) + ", want > 0");
  };
  auto non_negative = [](int64_t v, const char* name) -> Status {
    if (v >= 0) return Status::OK();
    return Status::InvalidArgument(std::string("rule evaluator: ") + name + " is " +
                                   std::to_string(v) + ", want >= 0");
  };
  for (Status s : {positive(options.default_interval_ms, "default_interval_ms"),
                   non_negative(options.default_query_offset_ms, "default_query_offset_ms"),
                   non_negative(options.resend_delay_ms, "resend_delay_ms"),
                   non_negative(options.for_grace_period_ms, "for_grace_period_ms"),
                   non_negative(options.outage_tolerance_ms, "outage_tolerance_ms"),
                   positive(options.max_concurrent_evaluations, "max_concurrent_evaluations"),
                   positive(options.query.timeout.count(), "query.timeout")}) {
    if (!s.ok()) return s;
  }
  if (options.evaluation_nice < 0 || options.evaluation_nice > 19) {
    return Status::InvalidArgument("rule evaluator: evaluation_nice is " +
                                   std::to_string(options.evaluation_nice) + ", want 0..19");
  }
  std::unique_ptr<RuleEvaluator> evaluator =
      std::make_unique<EmbeddedRuleEvaluator>(engine, options, std::move(on_alerts));
  return evaluator;
}

}  // namespace tidemark
