// The experimental info() function (Prometheus' promql/info.go): enriches the series of its first
// argument with the data labels of "info" series (target_info by default) that share their
// identifying labels, instance and job.
//
// It reads storage itself, so the evaluator implements it rather than the function table:
//  1. Evaluate the first argument.
//  2. Select the info series whose identifying labels take values seen in that result, reading the
//     span the first argument's (first) selector read, and turn them into one point per step whose
//     value is the time of the info sample in effect (lookback and staleness as for a selector).
//  3. At every step join each input sample with, per info metric name, the newest info sample of
//     equal identifying labels, and add the info series' data labels the input does not have.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "query/eval_internal.h"
#include "re2/re2.h"
#include "util/status_macros.h"

namespace tidemark::promql::eval {

namespace {

constexpr std::string_view kTargetInfo = "target_info";
constexpr std::string_view kInfoLikeName = ".+_info";
// Hard coded, as in Prometheus, so no knowledge of individual info metrics is needed.
constexpr std::string_view kIdentifyingLabels[] = {"instance", "job"};

// Matchers tested against label values in memory (absent labels match as "").
using ValueMatcher = CompiledMatcher;

// The join key of a series with info metric `info_name`: that name plus the series' identifying
// label values (an absent label and an empty value are the same thing in PromQL).
std::string InfoSignature(std::string_view info_name, const Labels& labels) {
  std::string sig(info_name);
  for (std::string_view name : kIdentifyingLabels) {
    sig.push_back('\xff');
    sig.append(labels.Get(name));
  }
  return sig;
}

// The first vector selector of `expr` in depth-first order (Prometheus' parser.Inspect): the
// span it reads is the span info series are read over.
const VectorSelector* FirstVectorSelector(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kVectorSelector:
      return static_cast<const VectorSelector*>(&expr);
    case ExprKind::kMatrixSelector:
      return &static_cast<const MatrixSelector&>(expr).vector_selector();
    case ExprKind::kSubquery:
      return FirstVectorSelector(*static_cast<const SubqueryExpr&>(expr).expr);
    case ExprKind::kParen:
      return FirstVectorSelector(*static_cast<const ParenExpr&>(expr).expr);
    case ExprKind::kUnary:
      return FirstVectorSelector(*static_cast<const UnaryExpr&>(expr).expr);
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(expr);
      if (const VectorSelector* vs = FirstVectorSelector(*b.lhs)) return vs;
      return FirstVectorSelector(*b.rhs);
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(expr);
      if (const VectorSelector* vs = FirstVectorSelector(*a.expr)) return vs;
      return a.param != nullptr ? FirstVectorSelector(*a.param) : nullptr;
    }
    case ExprKind::kCall:
      for (const ExprPtr& arg : static_cast<const Call&>(expr).args) {
        if (const VectorSelector* vs = FirstVectorSelector(*arg)) return vs;
      }
      return nullptr;
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      return nullptr;
  }
  return nullptr;
}

// One selected info series: per step, the timestamp of the info sample in effect.
struct InfoSeries {
  Labels metric;
  std::string sig;
  std::vector<FPoint> origin_times;  // t: the step; f: the sample's own time in ms
};

}  // namespace

Result<Matrix> Evaluator::EvalInfo(const Call& call) {
  const int64_t original_samples = q_->current_samples;
  TM_ASSIGN_OR_RETURN(EvalValue base_value, Eval(*call.args[0]));
  Matrix base = std::move(base_value.matrix);

  // Data label matchers by label name (__name__ ones select which info metrics to consider), and
  // the __name__ matchers telling which input series are info series themselves.
  std::map<std::string, std::vector<ValueMatcher>> data_matchers;
  std::vector<ValueMatcher> info_name_matchers;
  std::vector<LabelMatcher> selector_matchers;
  if (call.args.size() > 1) {
    const Expr& arg = UnwrapParens(*call.args[1]);
    if (arg.kind != ExprKind::kVectorSelector) {
      return Status::InvalidArgument("expected label selectors only");
    }
    selector_matchers = static_cast<const VectorSelector&>(arg).matchers;
    for (const LabelMatcher& m : selector_matchers) {
      TM_ASSIGN_OR_RETURN(ValueMatcher vm, ValueMatcher::Compile(m));
      if (m.name == kMetricNameLabel) {
        TM_ASSIGN_OR_RETURN(ValueMatcher name_vm, ValueMatcher::Compile(m));
        info_name_matchers.push_back(std::move(name_vm));
      }
      data_matchers[m.name].push_back(std::move(vm));
    }
  } else {
    TM_ASSIGN_OR_RETURN(ValueMatcher vm,
                        ValueMatcher::Compile(LabelMatcher::Equal(std::string(kMetricNameLabel),
                                                                  std::string(kTargetInfo))));
    info_name_matchers.push_back(std::move(vm));
  }
  const bool has_name_matcher = data_matchers.erase(std::string(kMetricNameLabel)) > 0;
  // Negative __name__ matchers alone would take any metric for an info metric: they then only
  // narrow down the metrics named like one (`.+_info`), both for reading and for passing through.
  bool only_negative_name_matchers = has_name_matcher;
  for (const ValueMatcher& m : info_name_matchers) {
    const MatchType type = m.matcher().type;
    if (type == MatchType::kEqual || type == MatchType::kRegexMatch) {
      only_negative_name_matchers = false;
    }
  }
  const LabelMatcher info_like_name =
      LabelMatcher::Regex(std::string(kMetricNameLabel), std::string(kInfoLikeName));
  if (only_negative_name_matchers) {
    TM_ASSIGN_OR_RETURN(ValueMatcher vm, ValueMatcher::Compile(info_like_name));
    info_name_matchers.insert(info_name_matchers.begin(), std::move(vm));
  }

  // Info series in the input are passed through unchanged rather than enriched.
  std::vector<bool> ignored(base.size(), false);
  if (!info_name_matchers.empty()) {
    for (size_t i = 0; i < base.size(); ++i) {
      const std::string_view name = base[i].metric.Get(kMetricNameLabel);
      bool all = true;
      for (const ValueMatcher& m : info_name_matchers) all = all && m.Matches(name);
      ignored[i] = all;
    }
  }

  // The identifying label values of the series to enrich: only info series with these are read.
  std::map<std::string_view, std::vector<std::string>> id_values;
  {
    std::map<std::string_view, absl::flat_hash_set<std::string>> seen;
    for (size_t i = 0; i < base.size(); ++i) {
      if (ignored[i]) continue;
      for (std::string_view name : kIdentifyingLabels) {
        const std::string_view value = base[i].metric.Get(name);
        if (value.empty()) continue;
        if (seen[name].insert(std::string(value)).second) {
          id_values[name].push_back(std::string(value));
        }
      }
    }
  }

  std::vector<InfoSeries> infos;
  if (!id_values.empty()) {
    std::vector<LabelMatcher> matchers;
    if (!has_name_matcher) {
      matchers.push_back(
          LabelMatcher::Equal(std::string(kMetricNameLabel), std::string(kTargetInfo)));
    }
    for (const auto& [name, values] : id_values) {
      std::string alternatives;
      for (const std::string& v : values) {
        if (!alternatives.empty()) alternatives.push_back('|');
        alternatives.append(RE2::QuoteMeta(v));
      }
      matchers.push_back(LabelMatcher::Regex(std::string(name), std::move(alternatives)));
    }
    matchers.insert(matchers.end(), selector_matchers.begin(), selector_matchers.end());
    if (only_negative_name_matchers) matchers.push_back(info_like_name);

    // Read the span the first argument's selector read (its offset and `@` applied), but
    // evaluate the info series at the plain steps, as Prometheus does.
    int64_t first_ref = start_;
    int64_t last_ref = end_;
    if (const VectorSelector* vs = FirstVectorSelector(*call.args[0])) {
      if (vs->at != AtModifier::kNone) first_ref = last_ref = AtTime(vs->at, vs->at_ms);
      first_ref -= vs->offset_ms;
      last_ref -= vs->offset_ms;
    }
    const int64_t lookback = q_->lookback_ms;
    TM_ASSIGN_OR_RETURN(auto set,
                        SelectSeries(matchers, first_ref - lookback + 1, last_ref, 0, "info"));
    while (set->Next()) {
      TM_RETURN_IF_ERROR(CheckContext());
      SampleIterator* it = set->Samples();
      InfoSeries info;
      bool has_next = it->Next();
      Sample next = has_next ? it->At() : Sample{};
      if (has_next) ++q_->stats.samples_loaded;
      bool has_last = false;
      Sample last;
      for (int64_t ts = start_; ts <= end_; ts += interval_) {
        while (has_next && next.timestamp_ms <= ts) {
          last = next;
          has_last = true;
          has_next = it->Next();
          if (has_next) {
            next = it->At();
            ++q_->stats.samples_loaded;
          }
        }
        if (!has_last || last.timestamp_ms <= ts - lookback || IsStaleMarker(last.value)) continue;
        info.origin_times.push_back(FPoint{ts, static_cast<double>(last.timestamp_ms)});
        TM_RETURN_IF_ERROR(AddSamples(1));
      }
      TM_RETURN_IF_ERROR(it->status());
      if (info.origin_times.empty()) continue;
      info.metric = set->labels();
      info.sig = InfoSignature(info.metric.Get(kMetricNameLabel), info.metric);
      infos.push_back(std::move(info));
    }
    TM_RETURN_IF_ERROR(set->status());
  }

  // The distinct info metric names, and each input series' join key for each of them.
  std::vector<std::string> info_names;
  {
    absl::flat_hash_set<std::string_view> seen;
    for (const InfoSeries& info : infos) {
      const std::string_view name = info.metric.Get(kMetricNameLabel);
      if (seen.insert(name).second) info_names.emplace_back(name);
    }
  }
  std::vector<std::vector<std::string>> base_sigs(base.size());
  for (size_t i = 0; i < base.size(); ++i) {
    if (ignored[i]) continue;
    for (const std::string& name : info_names) {
      base_sigs[i].push_back(InfoSignature(name, base[i].metric));
    }
  }

  // Without a matching info series a sample is kept only if every data matcher accepts "".
  bool all_matchers_match_empty = true;
  for (const auto& [name, ms] : data_matchers) {
    for (const ValueMatcher& m : ms) all_matchers_match_empty &= m.Matches("");
  }

  std::vector<size_t> base_cursor(base.size(), 0);
  std::vector<size_t> info_cursor(infos.size(), 0);
  Matrix result;
  std::vector<int64_t> last_ts;
  absl::flat_hash_map<std::string, size_t> result_index;
  absl::flat_hash_map<std::string_view, std::pair<size_t, int64_t>> newest_info;
  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    TM_RETURN_IF_ERROR(CheckContext());
    // Per join key, the info series whose sample in effect is the newest; two equally new ones
    // are ambiguous.
    newest_info.clear();
    for (size_t j = 0; j < infos.size(); ++j) {
      const InfoSeries& info = infos[j];
      size_t& c = info_cursor[j];
      if (c >= info.origin_times.size() || info.origin_times[c].t != ts) continue;
      const auto origin = static_cast<int64_t>(info.origin_times[c].f);
      ++c;
      auto [it, inserted] = newest_info.emplace(info.sig, std::make_pair(j, origin));
      if (inserted || it->second.second < origin) {
        it->second = {j, origin};
      } else if (it->second.second == origin) {
        return Status::InvalidArgument(
            "found duplicate series for info metric: existing " +
            PromLabelsString(infos[it->second.first].metric) + " @ " + std::to_string(origin) +
            ", new " + PromLabelsString(info.metric) + " @ " + std::to_string(origin));
      }
    }

    int64_t produced = 0;
    for (size_t i = 0; i < base.size(); ++i) {
      const Series& s = base[i];
      size_t& c = base_cursor[i];
      if (c >= s.floats.size() || s.floats[c].t != ts) continue;
      const double value = s.floats[c].f;
      ++c;

      Labels out_metric = s.metric;
      if (!ignored[i]) {
        std::vector<Label> added;
        bool matched = false;
        for (const std::string& sig : base_sigs[i]) {
          const auto found = newest_info.find(sig);
          if (found == newest_info.end()) continue;
          matched = true;
          for (const Label& l : infos[found->second.first].metric) {
            if (l.name == kMetricNameLabel) continue;
            if (!data_matchers.empty() && !data_matchers.contains(l.name)) continue;
            for (const Label& a : added) {
              if (a.name == l.name && a.value != l.value) {
                return Status::InvalidArgument("conflicting label: " + l.name);
              }
            }
            // The input's own labels win over the info series' ones.
            if (s.metric.Has(l.name)) continue;
            bool already = false;
            for (const Label& a : added) already = already || a.name == l.name;
            if (!already) added.push_back(l);
          }
        }
        if (!matched && !all_matchers_match_empty) continue;
        if (!added.empty()) {
          std::vector<Label> merged = s.metric.items();
          merged.insert(merged.end(), added.begin(), added.end());
          out_metric = Labels(std::move(merged));  // sorts
        }
      }

      ++produced;
      auto [it, inserted] = result_index.emplace(LabelsKey(out_metric), result.size());
      if (inserted) {
        Series series;
        series.metric = std::move(out_metric);
        series.drop_name = s.drop_name;
        result.push_back(std::move(series));
        last_ts.push_back(ts);
      } else {
        if (last_ts[it->second] == ts) return DuplicateLabelsetError();
        last_ts[it->second] = ts;
      }
      result[it->second].floats.push_back(FPoint{ts, value});
    }
    TM_RETURN_IF_ERROR(AddSamples(produced));
  }

  int64_t total = 0;
  for (const Series& s : result) total += static_cast<int64_t>(s.floats.size());
  q_->current_samples = original_samples + total;
  UpdatePeak();
  return result;
}

}  // namespace tidemark::promql::eval
