#include "query/rules/group.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "query/functions_internal.h"
#include "query/rules/template_funcs.h"
#include "util/status_macros.h"

namespace tidemark::rules {
namespace {

// How long a resolved alert is kept, so that it is sent as resolved (Prometheus'
// resolvedRetention).
constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

constexpr std::string_view kAlertsMetric = "ALERTS";
constexpr std::string_view kAlertsForStateMetric = "ALERTS_FOR_STATE";
constexpr std::string_view kAlertStateLabel = "alertstate";
constexpr std::string_view kAlertNameLabel = "alertname";

// The group's labels under the rule's own: the rule's win.
std::vector<Label> MergeLabels(const std::vector<Label>& group, const std::vector<Label>& rule) {
  std::vector<Label> out = rule;
  for (const Label& g : group) {
    const bool overridden =
        std::any_of(rule.begin(), rule.end(), [&](const Label& r) { return r.name == g.name; });
    if (!overridden) out.push_back(g);
  }
  return out;
}

std::map<std::string, std::string> ToMap(const Labels& labels) {
  std::map<std::string, std::string> out;
  for (const Label& l : labels) out[l.name] = l.value;
  return out;
}

// Prometheus' strutil.TableLinkForExpression, under the external URL (as the template function
// tableLink builds it).
std::string GeneratorUrl(std::string_view external_url, std::string_view expr) {
  std::string base(external_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/graph?g0.expr=" + internal::GoQueryEscape(expr) + "&g0.tab=1";
}

Result<promql::Vector> RunInstantQuery(const promql::Expr& expr, int64_t t_ms,
                                       const EvalContext& ctx) {
  promql::QueryContext qc = promql::QueryContext::WithTimeout(ctx.query_timeout);
  qc.cancelled = ctx.cancelled;
  TM_ASSIGN_OR_RETURN(promql::QueryResult result,
                      ctx.engine->Instant(*ctx.querier, expr, t_ms, qc));
  switch (result.type) {
    case promql::ValueType::kVector:
      return std::move(result.vector);
    case promql::ValueType::kScalar: {
      promql::Vector v(1);
      v[0].t = t_ms;
      v[0].f = result.scalar;
      return v;
    }
    default:
      return Status::InvalidArgument("rule result is not a vector or scalar");
  }
}

}  // namespace

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kInactive:
      break;
  }
  return "inactive";
}

std::string_view RuleHealthName(RuleHealth health) {
  switch (health) {
    case RuleHealth::kOk:
      return "ok";
    case RuleHealth::kError:
      return "err";
    case RuleHealth::kUnknown:
      break;
  }
  return "unknown";
}

namespace {

// A rule's output series, by label set. `ref`: the output's ref for the series (0: none);
// `value`: the sample being written.
struct WrittenSample {
  uint64_t ref = 0;
  double value = 0;
};
using WrittenSeries = absl::flat_hash_map<Labels, WrittenSample>;

// Adds `series`, by the refs `last` (the last evaluation's series) holds for them where they
// came from the store `*ref_scope`, and stale markers for the series of `last` not among them.
void WriteSeries(int64_t t, WrittenSeries& series, const WrittenSeries& last,
                 const void** ref_scope, RuleOutput& out) {
  const bool refs_valid = out.RefScope() != nullptr && out.RefScope() == *ref_scope;
  for (auto& [labels, written] : series) {
    uint64_t ref = 0;
    if (refs_valid) {
      if (auto it = last.find(labels); it != last.end()) ref = it->second.ref;
    }
    written.ref = out.AddRef(labels, ref, t, written.value);
  }
  for (const auto& [gone, written] : last) {
    if (!series.contains(gone)) out.Add(gone, t, StaleMarker());
  }
  *ref_scope = out.RefScope();
}

}  // namespace

struct RuleGroup::Rule {
  RuleSpec spec;  // labels: the group's merged in
  promql::ExprPtr expr;
  std::string expr_text;  // as Prometheus prints it, for generator URLs
  // An alerting rule's label and annotation templates, in spec order, parsed once: the template,
  // or the message of its parse error (shown in place of the text at every evaluation).
  // A text with no action ("warning") is its own expansion: it is kept as `literal` and not
  // executed for every alert at every evaluation.
  struct ParsedText {
    std::shared_ptr<const Template> tmpl;
    std::string error;
    std::optional<std::string> literal;
  };
  std::vector<ParsedText> label_templates;
  std::vector<ParsedText> annotation_templates;
  // Guarded by RuleGroup::mu_ where Snapshot reads them.
  std::map<Labels, Alert> active;
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;
  int64_t last_evaluation_ms = 0;
  double evaluation_seconds = 0;
  // Only the evaluating thread: the series written in the last evaluation, each with the ref
  // the output gave it (RuleOutput::AddRef) in the store `ref_scope`.
  WrittenSeries last_series;
  const void* ref_scope = nullptr;
  // What the rule reads and writes, for committing the group's outputs together: the metric
  // names its selectors name by equality, or reads_any when one may select any name (or an
  // alert template may run a query); the metric names it writes.
  std::set<std::string, std::less<>> reads;
  bool reads_any = false;
  std::vector<std::string> writes;
};

namespace {

// Adds the metric names `expr`'s selectors name by equality to `names`; false when a selector
// names none, so that it may select any metric.
bool SelectedNames(const promql::Expr& expr, std::set<std::string, std::less<>>* names) {
  if (expr.kind == promql::ExprKind::kVectorSelector) {
    for (const LabelMatcher& m : static_cast<const promql::VectorSelector&>(expr).matchers) {
      if (m.name == kMetricNameLabel && m.type == MatchType::kEqual) {
        names->insert(m.value);
        return true;
      }
    }
    return false;
  }
  for (const promql::Expr* child : promql::ChildrenOf(expr)) {
    if (!SelectedNames(*child, names)) return false;
  }
  return true;
}

// Passes the rules' samples on, leaving the commits to RuleGroup::Evaluate.
class DeferredOutput final : public RuleOutput {
 public:
  explicit DeferredOutput(RuleOutput& out) : out_(out) {}
  void Add(const Labels& labels, int64_t t_ms, double value) override {
    out_.Add(labels, t_ms, value);
  }
  uint64_t AddRef(const Labels& labels, uint64_t ref, int64_t t_ms, double value) override {
    return out_.AddRef(labels, ref, t_ms, value);
  }
  const void* RefScope() const override { return out_.RefScope(); }
  Status Commit() override { return Status::OK(); }

 private:
  RuleOutput& out_;
};

}  // namespace

RuleGroup::RuleGroup(GroupSpec spec, const RuleOptions& options)
    : spec_(std::move(spec)), options_(options) {}
RuleGroup::~RuleGroup() = default;

Result<std::unique_ptr<RuleGroup>> RuleGroup::Create(GroupSpec spec, const RuleOptions& options) {
  std::unique_ptr<RuleGroup> group(new RuleGroup(std::move(spec), options));
  group->interval_ms_ = group->spec_.interval_ms.value_or(options.default_interval_ms);
  if (group->interval_ms_ <= 0) {
    return Status::InvalidArgument("group \"" + group->spec_.name + "\": interval must be > 0");
  }
  group->query_offset_ms_ = group->spec_.query_offset_ms.value_or(options.default_query_offset_ms);
  for (const RuleSpec& r : group->spec_.rules) {
    auto rule = std::make_unique<Rule>();
    rule->spec = r;
    rule->spec.labels = MergeLabels(group->spec_.labels, r.labels);
    auto expr = promql::ParseExpr(r.expr, options.parse_options);
    if (!expr.ok()) {
      return Status::InvalidArgument("group \"" + group->spec_.name + "\", rule \"" + r.name +
                                     "\": " + std::string(expr.status().message()));
    }
    rule->expr = std::move(expr).value();
    rule->expr_text = promql::FormatExpr(*rule->expr);
    rule->reads_any = !SelectedNames(*rule->expr, &rule->reads);
    if (rule->spec.kind == RuleKind::kRecording) {
      rule->writes = {rule->spec.name};
    } else {
      rule->writes = {std::string(kAlertsMetric), std::string(kAlertsForStateMetric)};
      auto may_query = [](const std::vector<Label>& texts) {
        return std::any_of(texts.begin(), texts.end(), [](const Label& l) {
          return l.value.find("query") != std::string::npos;
        });
      };
      if (may_query(rule->spec.labels) || may_query(rule->spec.annotations)) {
        rule->reads_any = true;
      }
    }
    if (rule->spec.kind == RuleKind::kAlerting) {
      const std::string template_name = "__alert_" + rule->spec.name;
      auto parse = [&](const std::string& text) {
        Rule::ParsedText parsed;
        // Go's text/template copies text outside {{ }} verbatim, and the variables the alert
        // prefix declares print nothing.
        if (text.find("{{") == std::string::npos) {
          parsed.literal = text;
          return parsed;
        }
        auto tmpl = ParseAlertTemplate(template_name, text, options.template_options);
        if (tmpl.ok()) {
          parsed.tmpl = std::move(tmpl).value();
        } else {
          parsed.error = tmpl.status().message();
        }
        return parsed;
      };
      for (const Label& l : rule->spec.labels) rule->label_templates.push_back(parse(l.value));
      for (const Label& a : rule->spec.annotations)
        rule->annotation_templates.push_back(parse(a.value));
    }
    group->rules_.push_back(std::move(rule));
  }
  return group;
}

int64_t RuleGroup::EvaluationTimeAtOrAfter(int64_t now_ms) const {
  // FNV-1a of name and file: a stable spread of groups over their interval.
  uint64_t h = 1469598103934665603ULL;
  for (std::string_view part :
       {std::string_view(spec_.name), std::string_view("\xff"), std::string_view(spec_.file)}) {
    for (unsigned char c : part) h = (h ^ c) * 1099511628211ULL;
  }
  const int64_t offset = static_cast<int64_t>(h % static_cast<uint64_t>(interval_ms_));
  const int64_t adjusted = now_ms - offset;
  int64_t base = adjusted - (((adjusted % interval_ms_) + interval_ms_) % interval_ms_);
  int64_t t = base + offset;
  if (t < now_ms) t += interval_ms_;
  return t;
}

GroupEvalResult RuleGroup::Evaluate(int64_t ts_ms, const EvalContext& ctx, RuleOutput& out) {
  GroupEvalResult result;
  const auto group_start = std::chrono::steady_clock::now();
  // The rules' outputs are committed together, before the first rule that may read one of them
  // and at the end: a rule still sees every earlier rule's output, as Prometheus' per-rule
  // commits give it, but a group of independent rules commits once rather than once per rule
  // (each commit takes the engine's commit lock, which ingestion waits for).
  DeferredOutput deferred(out);
  std::vector<Rule*> uncommitted;
  std::set<std::string, std::less<>> uncommitted_names;
  auto commit = [&] {
    if (uncommitted.empty()) return;
    Status s = out.Commit();
    if (!s.ok()) {
      std::lock_guard lock(mu_);
      for (Rule* rule : uncommitted) {
        if (rule->health != RuleHealth::kError) ++result.failed_rules;
        rule->health = RuleHealth::kError;
        rule->last_error = std::string(s.message());
      }
    }
    uncommitted.clear();
    uncommitted_names.clear();
  };
  for (std::unique_ptr<Rule>& rule : rules_) {
    if (!uncommitted.empty() &&
        (rule->reads_any ||
         std::any_of(rule->reads.begin(), rule->reads.end(),
                     [&](const std::string& name) { return uncommitted_names.contains(name); }))) {
      commit();
    }
    const auto start = std::chrono::steady_clock::now();
    Status s = rule->spec.kind == RuleKind::kRecording
                   ? EvalRecording(*rule, ts_ms, ctx, deferred, &result)
                   : EvalAlerting(*rule, ts_ms, ctx, deferred, &result);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    uncommitted.push_back(rule.get());
    uncommitted_names.insert(rule->writes.begin(), rule->writes.end());
    std::lock_guard lock(mu_);
    rule->last_evaluation_ms = ts_ms;
    rule->evaluation_seconds = seconds;
    if (s.ok()) {
      rule->health = RuleHealth::kOk;
      rule->last_error.clear();
    } else {
      rule->health = RuleHealth::kError;
      rule->last_error = std::string(s.message());
      ++result.failed_rules;
    }
  }
  commit();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - group_start).count();
  std::lock_guard lock(mu_);
  last_evaluation_ms_ = ts_ms;
  evaluation_seconds_ = result.seconds;
  return result;
}

Status RuleGroup::EvalRecording(Rule& rule, int64_t ts_ms, const EvalContext& ctx, RuleOutput& out,
                                GroupEvalResult* result) {
  const int64_t t = ts_ms - query_offset_ms_;
  TM_ASSIGN_OR_RETURN(promql::Vector vector, RunInstantQuery(*rule.expr, t, ctx));
  WrittenSeries series;
  series.reserve(vector.size());
  for (promql::VectorSample& sample : vector) {
    Labels metric =
        promql::internal::WithLabel(std::move(sample.metric), kMetricNameLabel, rule.spec.name);
    for (const Label& l : rule.spec.labels)
      metric = promql::internal::WithLabel(std::move(metric), l.name, l.value);
    if (!series.try_emplace(std::move(metric), WrittenSample{0, sample.f}).second) {
      return Status::InvalidArgument(
          "vector contains metrics with the same labelset after applying rule labels");
    }
  }
  if (spec_.limit > 0 && vector.size() > spec_.limit) {
    return Status::InvalidArgument("exceeded limit of " + std::to_string(spec_.limit) + " with " +
                                   std::to_string(vector.size()) + " series");
  }
  WriteSeries(t, series, rule.last_series, &rule.ref_scope, out);
  TM_RETURN_IF_ERROR(out.Commit());
  result->samples_written += static_cast<int64_t>(vector.size());
  rule.last_series = std::move(series);
  return Status::OK();
}

Status RuleGroup::EvalAlerting(Rule& rule, int64_t ts_ms, const EvalContext& ctx, RuleOutput& out,
                               GroupEvalResult* result) {
  const int64_t t = ts_ms - query_offset_ms_;
  TM_ASSIGN_OR_RETURN(promql::Vector vector, RunInstantQuery(*rule.expr, t, ctx));

  TemplateEnv env;
  env.external_url = options_.external_url;
  env.query = [&](std::string_view q) -> Result<std::vector<TemplateSample>> {
    TM_ASSIGN_OR_RETURN(promql::ExprPtr expr, promql::ParseExpr(q, options_.parse_options));
    TM_ASSIGN_OR_RETURN(promql::Vector v, RunInstantQuery(*expr, ts_ms, ctx));
    std::vector<TemplateSample> samples;
    for (const promql::VectorSample& s : v) samples.push_back({ToMap(s.metric), s.f});
    return samples;
  };
  auto expand = [&](const Rule::ParsedText& text, const TemplateValue& data) {
    if (text.literal) return *text.literal;
    // Prometheus shows the failure in place of the text, and the rule stays healthy.
    if (!text.tmpl) return "<error expanding template: " + text.error + ">";
    auto expanded = ExecuteAlertTemplate(*text.tmpl, data, env);
    if (expanded.ok()) return std::move(expanded).value();
    return "<error expanding template: " + std::string(expanded.status().message()) + ">";
  };
  // The templates' data: built once per alert, its external labels once per evaluation, and
  // not at all for a rule without templates.
  auto executed = [](const std::vector<Rule::ParsedText>& texts) {
    return std::any_of(texts.begin(), texts.end(),
                       [](const Rule::ParsedText& t) { return !t.literal; });
  };
  const bool templated = executed(rule.label_templates) || executed(rule.annotation_templates);
  const TemplateValue external_labels =
      templated ? TemplateValue::LabelMap(options_.external_labels) : TemplateValue();

  // The alerts the result makes, by identifying labels.
  absl::flat_hash_map<Labels, Alert> fresh;
  fresh.reserve(vector.size());
  for (const promql::VectorSample& sample : vector) {
    const TemplateValue data =
        templated ? AlertTemplateValue(TemplateValue::LabelMap(sample.metric), external_labels,
                                       options_.external_url, sample.f)
                  : TemplateValue();
    Labels labels = promql::internal::WithoutLabel(sample.metric, kMetricNameLabel);
    for (size_t i = 0; i < rule.spec.labels.size(); ++i) {
      labels = promql::internal::WithLabel(std::move(labels), rule.spec.labels[i].name,
                                           expand(rule.label_templates[i], data));
    }
    labels = promql::internal::WithLabel(std::move(labels), kAlertNameLabel, rule.spec.name);
    Alert alert;  // its labels are set below if it becomes a new active alert
    for (size_t i = 0; i < rule.spec.annotations.size(); ++i) {
      alert.annotations.push_back(
          {rule.spec.annotations[i].name, expand(rule.annotation_templates[i], data)});
    }
    alert.state = AlertState::kPending;
    alert.active_at_ms = ts_ms;
    alert.value = sample.f;
    if (!fresh.emplace(std::move(labels), std::move(alert)).second) {
      return Status::InvalidArgument(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }

  std::lock_guard lock(mu_);
  for (auto& [labels, alert] : fresh) {
    auto it = rule.active.find(labels);
    if (it != rule.active.end() && it->second.state != AlertState::kInactive) {
      it->second.value = alert.value;
      it->second.annotations = std::move(alert.annotations);
      continue;
    }
    alert.labels = labels;
    rule.active[labels] = std::move(alert);
  }
  uint64_t active_count = 0;
  std::vector<std::pair<Labels, double>> samples;
  for (auto it = rule.active.begin(); it != rule.active.end();) {
    Alert& a = it->second;
    if (fresh.count(it->first) == 0) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && rule.spec.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = ts_ms;
        keep_firing = ts_ms - a.keep_firing_since_ms < rule.spec.keep_firing_for_ms;
      }
      // A pending alert that went away is forgotten; a resolved one is kept for a while so that
      // it is sent as resolved.
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ms != 0 && ts_ms - a.resolved_at_ms > kResolvedRetentionMs)) {
        it = rule.active.erase(it);
        continue;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts_ms;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = 0;
    }
    ++active_count;
    if (a.state == AlertState::kPending && ts_ms - a.active_at_ms >= rule.spec.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts_ms;
    }
    if (restored_) {
      samples.emplace_back(
          promql::internal::WithLabel(
              promql::internal::WithLabel(a.labels, kMetricNameLabel, kAlertsMetric),
              kAlertStateLabel, AlertStateName(a.state)),
          1.0);
      samples.emplace_back(
          promql::internal::WithLabel(a.labels, kMetricNameLabel, kAlertsForStateMetric),
          static_cast<double>(a.active_at_ms / 1000));
    }
    ++it;
  }
  if (spec_.limit > 0 && active_count > spec_.limit) {
    rule.active.clear();
    return Status::InvalidArgument("exceeded limit of " + std::to_string(spec_.limit) + " with " +
                                   std::to_string(active_count) + " alerts");
  }

  WrittenSeries series;
  series.reserve(samples.size());
  for (auto& [labels, value] : samples) {
    series.try_emplace(std::move(labels), WrittenSample{0, value});
  }
  WriteSeries(t, series, rule.last_series, &rule.ref_scope, out);
  TM_RETURN_IF_ERROR(out.Commit());
  result->samples_written += static_cast<int64_t>(samples.size());
  rule.last_series = std::move(series);
  CollectNotifications(rule, ts_ms, result);
  return Status::OK();
}

// Prometheus' sendAlerts and needsSending: firing alerts are sent when they start firing and
// again every resend delay; resolved ones once more after they resolve.
void RuleGroup::CollectNotifications(Rule& rule, int64_t ts_ms, GroupEvalResult* result) {
  const int64_t delta = std::max(options_.resend_delay_ms, interval_ms_);
  for (auto& [labels, a] : rule.active) {
    if (a.state == AlertState::kPending) continue;
    const bool resolved_since_sent = a.resolved_at_ms > a.last_sent_at_ms;
    const bool due = a.last_sent_at_ms == 0 || a.last_sent_at_ms + options_.resend_delay_ms < ts_ms;
    if (!resolved_since_sent && !due) continue;
    a.last_sent_at_ms = ts_ms;
    // Valid long enough to survive two missed evaluations or sends.
    a.valid_until_ms = ts_ms + 4 * delta;
    AlertNotification n;
    n.labels = a.labels;
    n.annotations = a.annotations;
    n.starts_at_ms = a.fired_at_ms;
    n.ends_at_ms = a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms;
    n.generator_url = GeneratorUrl(options_.external_url, rule.expr_text);
    result->notifications.push_back(std::move(n));
  }
}

Status RuleGroup::RestoreForState(int64_t ts_ms, const EvalContext& ctx) {
  const int64_t mint = ts_ms - options_.outage_tolerance_ms;
  ReadOptions read;
  read.cancelled = ctx.cancelled;
  read.deadline = std::chrono::steady_clock::now() + ctx.query_timeout;
  Status first_error;
  for (std::unique_ptr<Rule>& rule : rules_) {
    if (rule->spec.kind != RuleKind::kAlerting) continue;
    const int64_t hold = rule->spec.for_ms;
    // Prometheus skips alerts whose `for` is under the grace period: they wait it out again.
    if (hold == 0 || hold < options_.for_grace_period_ms) continue;
    std::lock_guard lock(mu_);
    for (auto& [labels, alert] : rule->active) {
      std::vector<LabelMatcher> matchers = {
          LabelMatcher::Equal(std::string(kMetricNameLabel), std::string(kAlertsForStateMetric))};
      for (const Label& l : labels) matchers.push_back(LabelMatcher::Equal(l.name, l.value));
      auto set = ctx.querier->Select(read, matchers, mint, ts_ms, SelectHints{});
      if (!set.ok()) {
        if (first_error.ok()) first_error = set.status();
        continue;
      }
      // The series of exactly these labels (the matchers also match supersets).
      const Labels want =
          promql::internal::WithLabel(labels, kMetricNameLabel, kAlertsForStateMetric);
      bool found = false;
      int64_t last_t = 0;
      double last_v = 0;
      while ((*set)->Next()) {
        if ((*set)->labels() != want) continue;
        SampleIterator* it = (*set)->Samples();
        while (it->Next()) {
          last_t = it->At().timestamp_ms;
          last_v = it->At().value;
          found = true;
        }
        if (!it->status().ok() && first_error.ok()) first_error = it->status();
      }
      if (!(*set)->status().ok() && first_error.ok()) first_error = (*set)->status();
      if (!found || IsStaleMarker(last_v) || std::isnan(last_v)) continue;
      // Whole seconds, as the series stores them.
      const int64_t down_at = last_t / 1000 * 1000;
      int64_t restored_active_at = static_cast<int64_t>(last_v) * 1000;
      const int64_t spent_pending = down_at - restored_active_at;
      const int64_t remaining = hold - spent_pending;
      if (remaining <= 0) {
        // It was firing when the process stopped; the next evaluation fires it again.
      } else if (remaining < options_.for_grace_period_ms) {
        restored_active_at += options_.for_grace_period_ms - remaining;
      } else {
        // The time it was down does not count towards `for`.
        restored_active_at += ts_ms - down_at;
      }
      alert.active_at_ms = restored_active_at;
    }
  }
  restored_ = true;
  return first_error;
}

void RuleGroup::SkipRestore() { restored_ = true; }

void RuleGroup::CopyStateFrom(const RuleGroup& old) {
  std::scoped_lock lock(mu_, old.mu_);
  restored_ = restored_ || old.restored_;
  for (std::unique_ptr<Rule>& rule : rules_) {
    for (const std::unique_ptr<Rule>& previous : old.rules_) {
      if (previous->spec.kind != rule->spec.kind || previous->spec.name != rule->spec.name ||
          previous->expr_text != rule->expr_text || previous->spec.labels != rule->spec.labels) {
        continue;
      }
      rule->active = previous->active;
      rule->last_series = previous->last_series;
      rule->ref_scope = previous->ref_scope;
      rule->health = previous->health;
      rule->last_error = previous->last_error;
      rule->last_evaluation_ms = previous->last_evaluation_ms;
      rule->evaluation_seconds = previous->evaluation_seconds;
      break;
    }
  }
  last_evaluation_ms_ = old.last_evaluation_ms_;
  evaluation_seconds_ = old.evaluation_seconds_;
}

Status RuleGroup::WriteStaleMarkers(int64_t ts_ms, RuleOutput& out, bool keep_for_state) {
  {
    // After the last evaluation's samples even if the clock has not moved on since: a marker at
    // a sample's own timestamp would be refused as a conflicting duplicate.
    std::lock_guard lock(mu_);
    ts_ms = std::max(ts_ms, last_evaluation_ms_ + 1);
  }
  const int64_t t = ts_ms - query_offset_ms_;
  for (std::unique_ptr<Rule>& rule : rules_) {
    WrittenSeries kept;
    for (const auto& [series, written] : rule->last_series) {
      if (keep_for_state && series.Get(kMetricNameLabel) == kAlertsForStateMetric) {
        kept.emplace(series, written);
      } else {
        out.Add(series, t, StaleMarker());
      }
    }
    rule->last_series = std::move(kept);
  }
  return out.Commit();
}

GroupSnapshot RuleGroup::Snapshot() const {
  std::lock_guard lock(mu_);
  GroupSnapshot g;
  g.name = spec_.name;
  g.file = spec_.file;
  g.interval_ms = interval_ms_;
  g.query_offset_ms = query_offset_ms_;
  g.limit = spec_.limit;
  g.last_evaluation_ms = last_evaluation_ms_;
  g.evaluation_seconds = evaluation_seconds_;
  for (const std::unique_ptr<Rule>& rule : rules_) {
    RuleSnapshot r;
    r.spec = rule->spec;
    r.query = rule->expr_text;
    r.health = rule->health;
    r.last_error = rule->last_error;
    r.last_evaluation_ms = rule->last_evaluation_ms;
    r.evaluation_seconds = rule->evaluation_seconds;
    for (const auto& [labels, alert] : rule->active) {
      if (alert.state == AlertState::kInactive) continue;
      r.alerts.push_back(alert);
      if (alert.state == AlertState::kFiring ||
          (alert.state == AlertState::kPending && r.state == AlertState::kInactive)) {
        r.state = alert.state;
      }
    }
    g.rules.push_back(std::move(r));
  }
  return g;
}

}  // namespace tidemark::rules
