#include "query/rules/unit_test_runner.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "query/engine.h"
#include "query/eval_internal.h"
#include "query/rules/appender_output.h"
#include "query/rules/group.h"
#include "query/rules/yaml_decode.h"
#include "query/series_description.h"
#include "util/duration.h"
#include "util/go_text.h"
#include "util/status_macros.h"

namespace tidemark::rules {
namespace {

constexpr int64_t kDefaultEvaluationIntervalMs = 60'000;

// Go's filepath.Clean: the shortest equivalent path ("a/./b/../c" is "a/c", "" is ".").
std::string CleanPath(std::string_view path) {
  const bool rooted = path.starts_with('/');
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.emplace_back("..");
      }
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    i = j + 1;
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) out += (k > 0 ? "/" : "") + parts[k];
  return out.empty() ? "." : out;
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : CleanPath(path.substr(0, slash + 1));
}

std::string ModelDuration(int64_t ms) { return util::FormatDuration(ms); }

// labels.Labels.String() of sorted pairs (empty values kept, as Go's labels.FromMap keeps them).
std::vector<Label> Sorted(std::vector<Label> labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

struct AlertView {
  std::vector<Label> labels;
  std::vector<Label> annotations;
  auto operator<=>(const AlertView&) const = default;
};

// Go's indentLines: every line but the first gets `indent`.
std::string IndentLines(std::string_view text, std::string_view indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += indent;
  }
  return out;
}

// promtool's labelsAndAnnotations.String().
std::string AlertsString(const std::vector<AlertView>& alerts) {
  if (alerts.empty()) return "[]";
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    out += (i == 0 ? "\n" : ",\n") + std::to_string(i) + ":" +
           IndentLines("\nLabels:" + promql::eval::PromLabelsString(alerts[i].labels) +
                           "\nAnnotations:" + promql::eval::PromLabelsString(alerts[i].annotations),
                       "  ");
  }
  return out + "\n]";
}

struct SampleView {
  Labels labels;
  double value = 0;
};

// promtool's parsedSamplesString: "nil", or `{__name__="x"} 1E+00, ...`.
std::string SamplesString(const std::vector<SampleView>& samples) {
  if (samples.empty()) return "nil";
  std::string out;
  for (const SampleView& s : samples) {
    if (!out.empty()) out += ", ";
    out += promql::eval::PromLabelsString(s.labels) + " " + util::GoFormatFloat(s.value, 'E', -1);
  }
  return out;
}

bool FloatsEqual(double a, double b, bool fuzzy) {
  if (a == b) return true;
  return fuzzy && (std::nextafter(a, -INFINITY) == b || std::nextafter(a, INFINITY) == b);
}

Result<std::vector<SampleView>> Query(const promql::QueryEngine& engine, SampleQuerier& querier,
                                      std::string_view text, int64_t t_ms) {
  TM_ASSIGN_OR_RETURN(promql::ExprPtr expr, promql::ParseExpr(text));
  TM_ASSIGN_OR_RETURN(promql::QueryResult result,
                      engine.Instant(querier, *expr, t_ms, promql::QueryContext{}));
  std::vector<SampleView> out;
  if (result.type == promql::ValueType::kScalar) {
    out.push_back({Labels(), result.scalar});
  } else if (result.type == promql::ValueType::kVector) {
    for (const promql::VectorSample& s : result.vector) out.push_back({s.metric, s.f});
  } else {
    return Status::InvalidArgument("rule result is not a vector or scalar");
  }
  return out;
}

// One test group of a file, as promtool's testGroup.test.
class TestGroupRun {
 public:
  TestGroupRun(const RuleUnitTestFile& file, const RuleTestGroup& tg,
               const std::vector<std::string>& rule_files, const RuleUnitTestOptions& options,
               RuleTestStorage& storage)
      : file_(file), tg_(tg), rule_files_(rule_files), options_(options), storage_(storage) {}

  std::vector<std::string> Run();

 private:
  Status LoadSeries();
  std::vector<std::string> LoadGroups();
  void WriteSamplesUntil(int64_t ts);
  std::vector<std::string> CheckAlerts(const AlertRuleTest& test);
  void CheckPromql(std::vector<std::string>* errors);
  std::string TestName() const { return tg_.name.empty() ? "" : "    name: " + tg_.name + ",\n"; }

  const RuleUnitTestFile& file_;
  const RuleTestGroup& tg_;
  const std::vector<std::string>& rule_files_;
  const RuleUnitTestOptions& options_;
  RuleTestStorage& storage_;
  int64_t eval_interval_ms_ = 0;
  promql::QueryEngine engine_{promql::EngineOptions{}};
  // The input samples by time, and how many are written.
  std::vector<std::pair<int64_t, std::pair<Labels, double>>> samples_;
  size_t written_ = 0;
  std::vector<std::unique_ptr<RuleGroup>> groups_;
};

Status TestGroupRun::LoadSeries() {
  const int64_t interval = tg_.interval_ms != 0 ? tg_.interval_ms : eval_interval_ms_;
  for (const InputSeries& in : tg_.input_series) {
    TM_ASSIGN_OR_RETURN(promql::SeriesDescription desc,
                        promql::ParseSeriesDescription(in.series + " " + in.values));
    if (desc.native_histogram) {
      return Status::InvalidArgument("native histogram input series are not supported: " +
                                     in.series);
    }
    for (size_t i = 0; i < desc.values.size(); ++i) {
      if (desc.values[i].omitted) continue;
      samples_.push_back({static_cast<int64_t>(i) * interval, {desc.metric, desc.values[i].value}});
    }
  }
  std::stable_sort(samples_.begin(), samples_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return Status::OK();
}

void TestGroupRun::WriteSamplesUntil(int64_t ts) {
  if (written_ == samples_.size() || samples_[written_].first > ts) return;
  std::unique_ptr<Appender> app = storage_.NewAppender();
  for (; written_ < samples_.size() && samples_[written_].first <= ts; ++written_) {
    app->Add(samples_[written_].second.first, samples_[written_].first,
             samples_[written_].second.second);
  }
  // Rejected samples (a series given twice, say) are dropped, as Prometheus' test storage
  // drops them.
  (void)app->Commit();
}

std::vector<std::string> TestGroupRun::LoadGroups() {
  RuleOptions ro;
  ro.default_interval_ms = tg_.interval_ms != 0 ? tg_.interval_ms : eval_interval_ms_;
  ro.external_labels = Labels(tg_.external_labels);
  ro.external_url = tg_.external_url;
  ro.parse_options = options_.rule_files.parse_options;
  ro.template_options = options_.rule_files.template_options;
  std::vector<std::pair<size_t, std::unique_ptr<RuleGroup>>> ordered;
  for (const std::string& path : rule_files_) {
    RuleFileCheck check = CheckRuleFile(path, options_.rule_files);
    if (!check.ok()) return check.errors;
    for (GroupSpec& spec : check.groups) {
      const auto it =
          std::find(file_.group_eval_order.begin(), file_.group_eval_order.end(), spec.name);
      const size_t order =
          it == file_.group_eval_order.end() ? 0 : it - file_.group_eval_order.begin();
      auto group = RuleGroup::Create(std::move(spec), ro);
      if (!group.ok()) return {path + ": " + std::string(group.status().message())};
      (*group)->SkipRestore();
      ordered.emplace_back(order, std::move(group).value());
    }
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, group] : ordered) groups_.push_back(std::move(group));
  return {};
}

std::vector<std::string> TestGroupRun::CheckAlerts(const AlertRuleTest& test) {
  std::vector<AlertView> got;
  for (const std::unique_ptr<RuleGroup>& g : groups_) {
    for (const RuleSnapshot& r : g->Snapshot().rules) {
      if (r.spec.kind != RuleKind::kAlerting || r.spec.name != test.alertname) continue;
      for (const Alert& a : r.alerts) {
        if (a.state == AlertState::kFiring) {
          got.push_back({a.labels.items(), Sorted(a.annotations)});
        }
      }
    }
  }
  std::vector<AlertView> exp;
  for (const ExpectedAlert& e : test.exp_alerts) {
    std::vector<Label> labels = e.labels;
    std::erase_if(labels, [](const Label& l) { return l.name == "alertname"; });
    labels.push_back({"alertname", test.alertname});
    exp.push_back({Sorted(std::move(labels)), Sorted(e.annotations)});
  }
  std::sort(got.begin(), got.end());
  std::sort(exp.begin(), exp.end());
  if (got == exp) return {};
  const std::string indent = "            ";
  return {TestName() + "    alertname: " + test.alertname +
          ", time: " + ModelDuration(test.eval_time_ms) +
          ", \n        exp:" + IndentLines(AlertsString(exp), indent) +
          ", \n        got:" + IndentLines(AlertsString(got), indent)};
}

void TestGroupRun::CheckPromql(std::vector<std::string>* errors) {
  for (const PromqlExprTest& test : tg_.promql_expr_test) {
    const std::string head =
        "    expr: " + util::GoQuote(test.expr) + ", time: " + ModelDuration(test.eval_time_ms);
    auto got = Query(engine_, storage_.querier(), test.expr, test.eval_time_ms);
    if (!got.ok()) {
      errors->push_back(head + ", err: " + std::string(got.status().message()));
      continue;
    }
    std::vector<SampleView> exp;
    Status bad_labels;
    for (const ExpectedSample& s : test.exp_samples) {
      auto desc = promql::ParseSeriesDescription(s.labels);
      if (desc.ok() && (!desc->values.empty() || desc->native_histogram)) {
        desc = Status::InvalidArgument("unexpected values after the labels");
      }
      if (!desc.ok()) {
        // PromQL's parser words the syntax error as Prometheus does ("1:30: parse error: ...").
        auto as_promql = promql::ParseExpr(s.labels);
        const Status& why = as_promql.ok() ? desc.status() : as_promql.status();
        bad_labels = Status::InvalidArgument("labels " + util::GoQuote(s.labels) + ": " +
                                             std::string(why.message()));
        break;
      }
      exp.push_back({desc->metric, s.value});
    }
    if (!bad_labels.ok()) {
      errors->push_back(head + ", err: " + std::string(bad_labels.message()));
      continue;
    }
    auto by_labels = [](const SampleView& a, const SampleView& b) { return a.labels < b.labels; };
    std::stable_sort(exp.begin(), exp.end(), by_labels);
    std::stable_sort(got->begin(), got->end(), by_labels);
    bool equal = exp.size() == got->size();
    for (size_t i = 0; equal && i < exp.size(); ++i) {
      equal = exp[i].labels == (*got)[i].labels &&
              FloatsEqual(exp[i].value, (*got)[i].value, file_.fuzzy_compare);
    }
    if (!equal) {
      errors->push_back(head + ",\n        exp: " + SamplesString(exp) +
                        "\n        got: " + SamplesString(*got));
    }
  }
}

std::vector<std::string> TestGroupRun::Run() {
  eval_interval_ms_ = file_.evaluation_interval_ms != 0 ? file_.evaluation_interval_ms
                                                        : kDefaultEvaluationIntervalMs;
  if (Status s = LoadSeries(); !s.ok()) return {std::string(s.message())};
  if (std::vector<std::string> errors = LoadGroups(); !errors.empty()) return errors;

  std::map<int64_t, std::vector<const AlertRuleTest*>> alert_tests;  // by eval_time
  int64_t max_eval = 0;
  for (const AlertRuleTest& a : tg_.alert_rule_test) {
    if (a.alertname.empty()) {
      return {"an item under alert_rule_test misses required attribute alertname at eval_time " +
              ModelDuration(a.eval_time_ms) +
              (tg_.name.empty() ? "" : " (in TestGroup " + tg_.name + ")")};
    }
    alert_tests[a.eval_time_ms].push_back(&a);
    max_eval = std::max(max_eval, a.eval_time_ms);
  }
  for (const PromqlExprTest& p : tg_.promql_expr_test)
    max_eval = std::max(max_eval, p.eval_time_ms);

  std::vector<std::string> errors;
  EvalContext ctx;
  ctx.querier = &storage_.querier();
  ctx.engine = &engine_;
  auto next_alert = alert_tests.begin();
  for (int64_t ts = 0; ts <= max_eval; ts += eval_interval_ms_) {
    WriteSamplesUntil(ts);
    std::vector<std::string> eval_errors;
    for (const std::unique_ptr<RuleGroup>& g : groups_) {
      AppenderOutput out(storage_.NewAppender(), &storage_);
      g->Evaluate(ts, ctx, out);
      for (const RuleSnapshot& r : g->Snapshot().rules) {
        if (r.health != RuleHealth::kError) continue;
        eval_errors.push_back("    rule: " + r.spec.name + ", time: " +
                              util::FormatGoDuration(ts * 1'000'000) + ", err: " + r.last_error);
      }
    }
    if (!eval_errors.empty()) {
      errors.insert(errors.end(), eval_errors.begin(), eval_errors.end());
      return errors;
    }
    // Alerts asked for at ts <= eval_time < ts + interval are those of this evaluation.
    for (; next_alert != alert_tests.end() && next_alert->first < ts + eval_interval_ms_;
         ++next_alert) {
      for (const AlertRuleTest* test : next_alert->second) {
        for (std::string& e : CheckAlerts(*test)) errors.push_back(std::move(e));
      }
    }
  }
  CheckPromql(&errors);
  return errors;
}

}  // namespace

RuleUnitTestResult RunRuleUnitTestFile(const std::string& path,
                                       const RuleTestStorageFactory& new_storage,
                                       const RuleUnitTestOptions& options) {
  RuleUnitTestResult result;
  Result<std::string> text = internal::ReadFileAsGoDoes(path);
  if (!text.ok()) {
    result.failures.emplace_back(text.status().message());
    return result;
  }
  Result<RuleUnitTestFile> file = ParseRuleUnitTestFile(*text);
  if (!file.ok()) {
    result.failures.emplace_back(file.status().message());
    return result;
  }
  // Rule files are relative to the test file, then globbed; no match is only a warning.
  std::vector<std::string> rule_files;
  for (const std::string& pattern : file->rule_files) {
    const std::string joined = pattern.empty() || pattern.starts_with('/')
                                   ? pattern
                                   : CleanPath(DirOf(path) + "/" + pattern);
    Result<std::vector<std::string>> matches =
        joined.empty() ? std::vector<std::string>{} : ExpandRuleFiles({joined});
    if (!matches.ok()) {
      result.failures.emplace_back(matches.status().message());
      return result;
    }
    if (matches->empty()) result.warnings.push_back("  WARNING: no file match pattern " + joined);
    rule_files.insert(rule_files.end(), matches->begin(), matches->end());
  }
  std::set<std::string> order_seen;
  for (const std::string& name : file->group_eval_order) {
    if (!order_seen.insert(name).second) {
      result.failures.push_back("group name repeated in evaluation order: " + name);
      return result;
    }
  }
  for (const RuleTestGroup& tg : file->tests) {
    std::unique_ptr<RuleTestStorage> storage = new_storage();
    std::vector<std::string> errors = TestGroupRun(*file, tg, rule_files, options, *storage).Run();
    for (std::string& e : errors) result.failures.push_back(std::move(e));
  }
  return result;
}

}  // namespace tidemark::rules
