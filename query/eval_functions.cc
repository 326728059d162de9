// Function calls: range-vector functions (one call per series and step with the window's
// points), instant-vector functions (one call per step), and the functions the evaluator
// implements itself (absent, absent_over_time, timestamp of a selector). Prometheus' Call case
// of eval.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <span>

#include "absl/container/flat_hash_map.h"
#include "query/eval_internal.h"
#include "query/functions.h"
#include "query/functions_internal.h"
#include "re2/re2.h"
#include "util/status_macros.h"

namespace tidemark::promql::eval {

namespace {

// Labels `absent(x{a="b"})` reports: the selector's equality matchers, except __name__ and any
// label matched more than once or by another operator (Prometheus'
// createLabelsForAbsentFunction).
Labels AbsentLabels(const Expr& arg) {
  const Expr& e = UnwrapParens(arg);
  const VectorSelector* vs = nullptr;
  if (e.kind == ExprKind::kVectorSelector) vs = static_cast<const VectorSelector*>(&e);
  if (e.kind == ExprKind::kMatrixSelector) {
    vs = &static_cast<const MatrixSelector&>(e).vector_selector();
  }
  if (vs == nullptr) return Labels();
  std::map<std::string, std::optional<std::string>> built;
  std::map<std::string, bool> has;
  for (const LabelMatcher& m : vs->matchers) {
    if (m.name == kMetricNameLabel) continue;
    if (m.type == MatchType::kEqual && !has[m.name]) {
      built[m.name] = m.value;
      has[m.name] = true;
    } else {
      built[m.name] = std::nullopt;
    }
  }
  std::vector<Label> out;
  for (auto& [name, value] : built) {
    if (value.has_value()) out.push_back(Label{name, *value});
  }
  return Labels(std::move(out));
}

// The functions whose result keeps the input's metric name; every other function's result
// loses it (Prometheus sets DropName in all of them).
bool KeepsMetricName(std::string_view name) {
  return name == "sort" || name == "sort_desc" || name == "sort_by_label" ||
         name == "sort_by_label_desc" || name == "label_replace" || name == "label_join" ||
         name == "last_over_time" || name == "first_over_time" || name == "info";
}

// The points of one input series of a range function, read in time order: from storage for a
// range selector, from memory for a subquery.
class PointSource {
 public:
  // Reads the samples in place when the iterator holds them (SampleIterator::InMemory).
  PointSource(SampleIterator* it, QueryStats* stats)
      : it_(it), stats_(stats), in_memory_(it->InMemory()) {}
  explicit PointSource(const std::vector<FPoint>* points) : points_(points) {}

  // The next point, if it is at or before `maxt`; consumes it.
  bool NextUpTo(int64_t maxt, FPoint* p) {
    if (!in_memory_.empty()) {
      if (index_ >= in_memory_.size()) return false;
      // Counted as through the iterator: each sample when first looked at.
      if (index_ + 1 > loaded_) {
        ++stats_->samples_loaded;
        loaded_ = index_ + 1;
      }
      if (in_memory_[index_].timestamp_ms > maxt) return false;
      *p = FPoint{in_memory_[index_].timestamp_ms, in_memory_[index_].value};
      ++index_;
      return true;
    }
    if (!Fill()) return false;
    if (pending_.t > maxt) return false;
    *p = pending_;
    has_pending_ = false;
    return true;
  }
  Status status() const { return it_ != nullptr ? it_->status() : Status::OK(); }
  // The iterator's samples in place (SampleIterator::InMemory); empty for a subquery's points.
  std::span<const Sample> InMemory() const { return in_memory_; }
  // The store's summary of the samples instead (SampleIterator::Summary), or null.
  const SampleSummary* Summary() const { return it_ != nullptr ? it_->Summary() : nullptr; }

 private:
  bool Fill() {
    if (has_pending_) return true;
    if (it_ != nullptr) {
      if (!it_->Next()) return false;
      const Sample s = it_->At();
      ++stats_->samples_loaded;
      pending_ = FPoint{s.timestamp_ms, s.value};
    } else {
      if (index_ >= points_->size()) return false;
      pending_ = (*points_)[index_++];
    }
    has_pending_ = true;
    return true;
  }

  SampleIterator* it_ = nullptr;
  QueryStats* stats_ = nullptr;
  std::span<const Sample> in_memory_;
  const std::vector<FPoint>* points_ = nullptr;
  size_t index_ = 0;   // in in_memory_ or points_: the next point
  size_t loaded_ = 0;  // in in_memory_: points counted as loaded
  bool has_pending_ = false;
  FPoint pending_;
};

}  // namespace

Result<Matrix> Evaluator::EvalCall(const Call& call, const std::vector<std::string>* projection) {
  const std::string_view name = call.func->name;
  if (name == "info" && !call.args.empty()) return EvalInfo(call);
  if (name == "timestamp" && !call.args.empty()) {
    const Expr& arg = UnwrapParens(*call.args[0]);
    if (arg.kind == ExprKind::kVectorSelector) {
      return EvalTimestampOfSelector(static_cast<const VectorSelector&>(arg));
    }
  }
  for (size_t i = 0; i < call.args.size(); ++i) {
    const ExprKind kind = UnwrapParens(*call.args[i]).kind;
    if (kind == ExprKind::kMatrixSelector || kind == ExprKind::kSubquery) {
      return EvalRangeFunction(call, i, projection);
    }
  }
  return EvalInstantFunction(call);
}

Result<Matrix> Evaluator::EvalRangeFunction(const Call& call, size_t range_arg,
                                            const std::vector<std::string>* projection) {
  const std::string_view name = call.func->name;
  const bool absent_over_time = name == "absent_over_time";
  FunctionImpl impl = absent_over_time ? nullptr : LookupFunctionImpl(name);
  if (!absent_over_time && impl == nullptr) {
    return Status::InvalidArgument("function \"" + std::string(name) + "\" is not implemented");
  }
  const size_t nargs = call.args.size();

  // The other arguments: scalars (one point per step) and string literals.
  std::vector<Matrix> scalar_args(nargs);
  std::vector<std::string> string_args(nargs);
  for (size_t i = 0; i < nargs; ++i) {
    if (i == range_arg) continue;
    TM_ASSIGN_OR_RETURN(EvalValue value, Eval(*call.args[i]));
    if (value.is_string) {
      string_args[i] = std::move(value.str);
    } else {
      scalar_args[i] = std::move(value.matrix);
    }
  }

  const Expr& arg = UnwrapParens(*call.args[range_arg]);
  const bool is_selector = arg.kind == ExprKind::kMatrixSelector;
  int64_t range = 0;
  int64_t offset = 0;
  AtModifier at_mod = AtModifier::kNone;
  int64_t at_ms = 0;
  std::unique_ptr<SeriesSet> set;
  Matrix subquery;
  int64_t subquery_samples = 0;
  if (is_selector) {
    const auto& ms = static_cast<const MatrixSelector&>(arg);
    const VectorSelector& vs = ms.vector_selector();
    range = ms.range_ms;
    offset = vs.offset_ms;
    at_mod = vs.at;
    at_ms = vs.at_ms;
  } else {
    const auto& sq = static_cast<const SubqueryExpr&>(arg);
    range = sq.range_ms;
    offset = sq.offset_ms;
    at_mod = sq.at;
    at_ms = sq.at_ms;
    TM_ASSIGN_OR_RETURN(subquery, EvalSubquery(sq));
    for (const Series& s : subquery) subquery_samples += static_cast<int64_t>(s.floats.size());
  }
  const bool pinned = at_mod != AtModifier::kNone;
  const int64_t at = pinned ? AtTime(at_mod, at_ms) : 0;

  // rate, increase and delta are computed in place over the window (the dashboard hot path):
  // no FunctionArgs, output vector or per-step annotation check, and the window's oldest points
  // are skipped by index rather than erased.
  bool rate_counter = false;
  bool rate_is_rate = false;
  const bool rate_kernel =
      !absent_over_time && internal::LookupRateKernel(name, &rate_counter, &rate_is_rate);
  internal::RateWindowCache& rate_cache = internal::RateWindowCache::ForThisThread();
  // At one timestamp (rules, instant queries) they need only the window's ends and count when
  // it holds no stale marker and no reset: the store may say just that (SelectHints).
  const bool one_window = start_ == end_;
  // last_over_time and first_over_time act like an offset: they keep the metric name.
  const bool drop_name = !KeepsMetricName(name);
  // The metric name a selector pins by equality: every series it selects has it.
  std::string_view pinned_name;
  std::vector<std::string> without_name;
  if (is_selector) {
    const int64_t first_end = (pinned ? at : start_) - offset;
    const int64_t last_end = (pinned ? at : end_) - offset;
    const auto& vs = static_cast<const MatrixSelector&>(arg).vector_selector();
    for (const LabelMatcher& m : vs.matchers) {
      if (m.type == MatchType::kEqual && m.name == kMetricNameLabel) pinned_name = m.value;
    }
    // A projection names __name__ so that dropping it can be checked for duplicates. When the
    // function drops it and the selector pins it, every series has the same one: reading it
    // would only copy a string per series to throw away.
    if (projection != nullptr && drop_name && !q_->delayed_name_removal && !pinned_name.empty()) {
      without_name = *projection;
      std::erase(without_name, kMetricNameLabel);
      projection = &without_name;
    }
    TM_ASSIGN_OR_RETURN(set, SelectSeries(vs.matchers, first_end - range + 1, last_end, range,
                                          call.func->name, projection, rate_kernel && one_window));
  }

  FunctionArgs fa;
  fa.call = &call;
  fa.query_start = q_->query_start;
  fa.query_end = q_->query_end;
  fa.vectors.assign(nargs, nullptr);
  fa.scalars.assign(nargs, std::numeric_limits<double>::quiet_NaN());
  fa.strings.assign(nargs, std::string_view());
  for (size_t i = 0; i < nargs; ++i) fa.strings[i] = string_args[i];
  fa.range_ms = range;
  fa.range_is_selector = is_selector;
  FunctionOutput fo;
  Vector out;
  fo.out = &out;
  fo.annotations = &q_->annotations;

  Matrix mat;
  // The window is window[window_lo, end); only the rate kernel path moves window_lo. It also
  // counts the window's counter resets (points below their predecessor), so that the kernel
  // scans for them only when there are some.
  std::vector<FPoint> window;
  size_t window_lo = 0;
  int64_t window_resets = 0;
  size_t subquery_index = 0;
  // Series read from storage have distinct label sets, so results can only collide when dropping
  // the metric name (and __type__, __unit__) merged two of them; while those labels are the same
  // in every series (one metric, the usual case) the check for duplicates is not needed.
  bool may_collide = !is_selector;
  // Points the window over a span of samples (below) holds, as window.size() - window_lo does.
  size_t span_window = 0;
  std::vector<Label> first_schema;  // the first result's __name__, __type__ and __unit__
  bool have_first_schema = false;
  while (true) {
    // The series' labels: a selector's are taken from the set (they become the result's).
    Labels taken;
    const Labels* labels = nullptr;
    std::optional<PointSource> source;
    if (is_selector) {
      if (!set->Next()) break;
      taken = set->TakeLabels();
      labels = &taken;
      source.emplace(set->Samples(), &q_->stats);
    } else {
      if (subquery_index >= subquery.size()) break;
      labels = &subquery[subquery_index].metric;
      source.emplace(&subquery[subquery_index].floats);
      ++subquery_index;
    }
    TM_RETURN_IF_ERROR(CheckContext());
    q_->current_samples -= static_cast<int64_t>(window.size() - window_lo + span_window);
    window.clear();
    window_lo = 0;
    window_resets = 0;
    span_window = 0;
    // A subquery's series may already be due to lose their name (last_over_time(abs(x)[5m:])):
    // that carries through even the functions that keep names.
    const bool series_drop_name =
        drop_name || (!is_selector && subquery[subquery_index - 1].drop_name);
    const bool drop_now = series_drop_name && !q_->delayed_name_removal;
    Series series;
    series.drop_name = series_drop_name;
    fa.range_metric = labels;
    fa.range_metric_name = pinned_name;
    int64_t mint = 0;
    int64_t maxt = 0;
    size_t step = 0;
    // rate, increase and delta of samples the store holds in memory, with no stale marker among
    // them: the window is an index range over the samples, moved step by step, rather than a copy
    // of them. Counts, limits and results are those of the loop below.
    const SampleSummary* summary = rate_kernel && one_window ? source->Summary() : nullptr;
    if (summary != nullptr) {
      // As the loop over a span below computes it over these samples, with no reset in them.
      maxt = (pinned ? at : start_) - offset;
      mint = maxt - range;
      const auto n = static_cast<int64_t>(summary->count);
      TM_RETURN_IF_ERROR(AddSamples(n));
      q_->stats.samples_loaded += n;
      span_window = summary->count;
      if (summary->count >= 2) {
        double value;
        internal::ExtrapolatedRateFromEnds(summary->first.timestamp_ms, summary->first.value,
                                           summary->last.timestamp_ms, summary->count,
                                           summary->last.value - summary->first.value, mint, maxt,
                                           range, rate_counter, rate_is_rate, &rate_cache, &value);
        series.floats.push_back(FPoint{start_, value});
      }
    }
    const std::span<const Sample> samples = source->InMemory();
    const bool over_span = rate_kernel && !samples.empty() &&
                           std::none_of(samples.begin(), samples.end(),
                                        [](const Sample& x) { return IsStaleSample(x.value); });
    if (over_span) {
      const size_t n = samples.size();
      size_t lo = 0, hi = 0;  // the window: samples[lo, hi)
      int64_t resets = 0;     // pairs in the window where a sample is below its predecessor
      int64_t steps = 0;
      for (int64_t ts = start_; ts <= end_; ts += interval_) {
        if (++steps % kStepsBetweenChecks == 0) TM_RETURN_IF_ERROR(CheckContext());
        if (ts == start_ || !pinned) {
          maxt = (pinned ? at : ts) - offset;
          mint = maxt - range;
          const size_t lo_before = lo;
          while (lo < hi && samples[lo].timestamp_ms <= mint) {
            if (lo + 1 < hi && samples[lo + 1].value < samples[lo].value) --resets;
            ++lo;
          }
          q_->current_samples -= static_cast<int64_t>(lo - lo_before);
          int64_t added = 0;
          while (hi < n && samples[hi].timestamp_ms <= maxt) {
            if (samples[hi].timestamp_ms <= mint) {
              lo = ++hi;  // before the window (which is empty then): passed over
              continue;
            }
            if (hi > lo && samples[hi].value < samples[hi - 1].value) ++resets;
            ++hi;
            ++added;
          }
          if (added > 0) TM_RETURN_IF_ERROR(AddSamples(added));
        }
        if (hi - lo < 2) continue;
        double change = samples[hi - 1].value - samples[lo].value;
        if (rate_counter && resets != 0) {
          for (size_t i = lo + 1; i < hi; ++i) {
            if (samples[i].value < samples[i - 1].value) change += samples[i - 1].value;
          }
        }
        double value;
        internal::ExtrapolatedRateFromEnds(
            samples[lo].timestamp_ms, samples[lo].value, samples[hi - 1].timestamp_ms, hi - lo,
            change, mint, maxt, range, rate_counter, rate_is_rate, &rate_cache, &value);
        if (series.floats.empty()) {
          series.floats.reserve(ReserveForSteps(ts, end_, interval_));
        }
        series.floats.push_back(FPoint{ts, value});
      }
      // As the iterator counts: each sample passed, and the one looked at after them.
      q_->stats.samples_loaded += static_cast<int64_t>(std::min(n, hi + 1));
      span_window = hi - lo;
    }
    for (int64_t ts = start_; !over_span && summary == nullptr && ts <= end_;
         ts += interval_, ++step) {
      if (step % kStepsBetweenChecks == kStepsBetweenChecks - 1) {
        TM_RETURN_IF_ERROR(CheckContext());
      }
      for (size_t i = 0; i < nargs; ++i) {
        if (i == range_arg || scalar_args[i].empty()) continue;
        const auto& pts = scalar_args[i][0].floats;
        fa.scalars[i] = step < pts.size() ? pts[step].f : std::numeric_limits<double>::quiet_NaN();
      }
      // With `@` the window is the same at every step: read it once.
      if (ts == start_ || !pinned) {
        maxt = (pinned ? at : ts) - offset;
        mint = maxt - range;
        size_t drop = 0;
        while (window_lo + drop < window.size() && window[window_lo + drop].t <= mint) ++drop;
        if (rate_kernel) {
          for (size_t k = 0; k < drop; ++k, ++window_lo) {
            // The pair (window_lo, window_lo + 1) leaves the window.
            const size_t next = window_lo + 1;
            if (next < window.size() && window[next].f < window[window_lo].f) --window_resets;
          }
          // Reclaim the skipped prefix now and then, so a long series does not pile up.
          if (window_lo >= 4096 && 2 * window_lo >= window.size()) {
            window.erase(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(window_lo));
            window_lo = 0;
          }
        } else {
          window.erase(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(drop));
        }
        q_->current_samples -= static_cast<int64_t>(drop);
        // Accounted once the step's points are in: the count only grows meanwhile, so the
        // limit and the peak come out as if each point were counted on arrival.
        int64_t added = 0;
        FPoint p;
        while (source->NextUpTo(maxt, &p)) {
          if (p.t <= mint || IsStaleSample(p.f)) continue;
          if (rate_kernel && window.size() > window_lo && p.f < window.back().f) ++window_resets;
          window.push_back(p);
          ++added;
        }
        if (added > 0) TM_RETURN_IF_ERROR(AddSamples(added));
      }
      if (window.size() == window_lo) continue;
      if (rate_kernel) {
        double value;
        if (internal::ExtrapolatedRateValue(std::span<const FPoint>(window).subspan(window_lo),
                                            mint, maxt, range, rate_counter, rate_is_rate,
                                            /*may_have_resets=*/window_resets != 0, &rate_cache,
                                            &value)) {
          // Room for every remaining step at once: a dense series would otherwise regrow its
          // points about log2(steps) times.
          if (series.floats.empty()) {
            series.floats.reserve(ReserveForSteps(ts, end_, interval_));
          }
          series.floats.push_back(FPoint{ts, value});
        }
        continue;
      }
      out.clear();
      if (absent_over_time) {
        out.push_back(VectorSample{Labels(), ts, 1});
      } else {
        fa.t = ts;
        fa.range = &window;
        fa.window_start = mint;
        fa.window_end = maxt;
        TM_RETURN_IF_ERROR(impl(fa, fo));
      }
      if (!out.empty()) {
        if (series.floats.empty()) {
          series.floats.reserve(ReserveForSteps(ts, end_, interval_));
        }
        series.floats.push_back(FPoint{ts, out[0].f});
      }
    }
    TM_RETURN_IF_ERROR(source->status());
    if (rate_kernel && rate_counter && !series.floats.empty()) {
      internal::MaybeAddNonCounterInfo(
          pinned_name.empty() ? labels->Get(kMetricNameLabel) : pinned_name, &q_->annotations);
    }
    if (!series.floats.empty()) {
      TM_RETURN_IF_ERROR(AddSamples(static_cast<int64_t>(series.floats.size())));
      if (drop_now && !may_collide) {
        if (!have_first_schema) {
          for (const Label& l : *labels) {
            if (IsMetricSchemaLabel(l.name)) first_schema.push_back(l);
          }
          have_first_schema = true;
        } else {
          may_collide = !SameMetricSchemaLabels(*labels, first_schema);
        }
      }
      if (is_selector) {
        series.metric = drop_now ? DropMetricName(std::move(taken)) : std::move(taken);
      } else {
        series.metric = drop_now ? DropMetricName(*labels) : *labels;
      }
      TM_RETURN_IF_ERROR(
          AddLabelBytes(LabelsBytes(series.metric) + static_cast<int64_t>(sizeof(Series))));
      mat.push_back(std::move(series));
    }
  }
  if (set != nullptr) TM_RETURN_IF_ERROR(set->status());
  q_->current_samples -= static_cast<int64_t>(window.size() - window_lo + span_window);
  // The subquery's points are no longer held.
  q_->current_samples -= subquery_samples;

  if (absent_over_time) {
    // One series with 1 at the steps where no input series had a point.
    const int64_t steps = NumSteps();
    absl::flat_hash_set<int64_t> found;
    for (const Series& s : mat) {
      if (static_cast<int64_t>(s.floats.size()) == steps) return Matrix();
      for (const FPoint& p : s.floats) found.insert(p.t);
    }
    if (static_cast<int64_t>(found.size()) == steps) return Matrix();
    Series absent;
    absent.metric = AbsentLabels(arg);
    absent.drop_name = true;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      if (!found.contains(ts)) absent.floats.push_back(FPoint{ts, 1});
    }
    Matrix result;
    result.push_back(std::move(absent));
    return result;
  }
  if (!q_->delayed_name_removal && may_collide && projection != nullptr && is_selector) {
    // Series whose labels were read in part may be equal without being duplicates; whether any
    // are duplicates needs every label. Rare (a selection of metrics told apart only by name,
    // type or unit): read again in full.
    for (const Series& s : mat) q_->current_samples -= static_cast<int64_t>(s.floats.size());
    return EvalRangeFunction(call, range_arg, nullptr);
  }
  if (!q_->delayed_name_removal && may_collide) {
    absl::flat_hash_set<std::string> seen;
    for (const Series& s : mat) {
      if (!seen.insert(LabelsKey(s.metric)).second) return DuplicateLabelsetError();
    }
  }
  return mat;
}

Result<Matrix> Evaluator::EvalInstantFunction(const Call& call) {
  const std::string_view name = call.func->name;
  std::vector<const Expr*> exprs;
  exprs.reserve(call.args.size());
  for (const ExprPtr& a : call.args) exprs.push_back(a.get());

  if (name == "absent") {
    const Labels labels = call.args.empty() ? Labels() : AbsentLabels(*call.args[0]);
    return RangeEval(nullptr, exprs,
                     [&](std::span<const Vector> in, std::span<const std::vector<int>>, int64_t ts,
                         Vector* out) {
                       if (in.empty() || in[0].empty()) out->push_back({labels, ts, 1});
                       return Status::OK();
                     });
  }

  if (name == "timestamp") {
    // Not a plain selector (see EvalCall): the samples carry the step's time.
    const bool delayed = q_->delayed_name_removal;
    return RangeEval(nullptr, exprs,
                     [delayed](std::span<const Vector> in, std::span<const std::vector<int>>,
                               int64_t ts, Vector* out) {
                       if (in.empty()) return Status::OK();
                       for (const VectorSample& s : in[0]) {
                         out->push_back(VectorSample{delayed ? s.metric : DropMetricName(s.metric),
                                                     ts, static_cast<double>(ts) / 1000, true});
                       }
                       return Status::OK();
                     });
  }

  FunctionImpl impl = LookupFunctionImpl(name);
  if (impl == nullptr && name == "step") {
    // The query's step in seconds (0 for an instant query): only the evaluator knows it.
    const double step_s = static_cast<double>(q_->query_step) / 1000;
    return RangeEval(nullptr, exprs,
                     [step_s](std::span<const Vector>, std::span<const std::vector<int>>,
                              int64_t ts, Vector* out) {
                       out->push_back(VectorSample{Labels(), ts, step_s});
                       return Status::OK();
                     });
  }
  if (impl == nullptr) {
    return Status::InvalidArgument("function \"" + std::string(name) + "\" is not implemented");
  }
  const size_t nargs = call.args.size();
  std::vector<std::string> string_args(nargs);
  for (size_t i = 0; i < nargs; ++i) {
    if (call.args[i]->type() != ValueType::kString) continue;
    TM_ASSIGN_OR_RETURN(EvalValue value, Eval(*call.args[i]));
    string_args[i] = std::move(value.str);
  }
  const bool keeps_name = KeepsMetricName(name);
  const bool relabels = name == "label_replace" || name == "label_join";
  const bool writes_name = relabels && nargs > 1 && string_args[1] == kMetricNameLabel;
  // label_replace writing __name__ keeps the name only where its regex matched.
  std::unique_ptr<RE2> replace_regex;
  if (name == "label_replace" && writes_name && nargs > 4) {
    replace_regex = std::make_unique<RE2>("^(?s:" + string_args[4] + ")$", RE2::Quiet);
  }

  FunctionArgs fa;
  fa.call = &call;
  fa.query_start = q_->query_start;
  fa.query_end = q_->query_end;
  fa.vectors.assign(nargs, nullptr);
  fa.scalars.assign(nargs, std::numeric_limits<double>::quiet_NaN());
  fa.strings.assign(nargs, std::string_view());
  for (size_t i = 0; i < nargs; ++i) fa.strings[i] = string_args[i];
  FunctionOutput fo;
  fo.annotations = &q_->annotations;

  return RangeEval(
      nullptr, exprs,
      [&](std::span<const Vector> in, std::span<const std::vector<int>>, int64_t ts,
          Vector* out) -> Status {
        for (size_t i = 0; i < nargs; ++i) {
          switch (call.args[i]->type()) {
            case ValueType::kVector:
              fa.vectors[i] = &in[i];
              break;
            case ValueType::kScalar:
              fa.scalars[i] = in[i].empty() ? std::numeric_limits<double>::quiet_NaN() : in[i][0].f;
              break;
            default:
              break;
          }
        }
        fa.t = ts;
        fo.out = out;
        TM_RETURN_IF_ERROR(impl(fa, fo));
        const Vector* input =
            nargs > 0 && call.args[0]->type() == ValueType::kVector ? &in[0] : nullptr;
        if (keeps_name && input != nullptr) {
          // The result keeps each input series' pending name removal, whatever the function
          // copied: sort* permute the input, label_* map it one to one.
          absl::flat_hash_map<std::string, bool> pending;
          if (!relabels) {
            for (const VectorSample& s : *input) pending[LabelsKey(s.metric)] = s.drop_name;
          }
          for (size_t j = 0; j < out->size(); ++j) {
            VectorSample& s = (*out)[j];
            if (relabels) {
              if (j < input->size()) s.drop_name = (*input)[j].drop_name;
              if (writes_name) {
                bool matched = true;
                if (replace_regex != nullptr && j < input->size()) {
                  const std::string src((*input)[j].metric.Get(string_args[3]));
                  matched = RE2::FullMatch(src, *replace_regex);
                }
                if (matched) s.drop_name = false;
              }
            } else if (auto it = pending.find(LabelsKey(s.metric)); it != pending.end()) {
              s.drop_name = it->second;
            }
          }
        }
        for (VectorSample& s : *out) {
          s.t = ts;
          if (keeps_name) continue;
          s.drop_name = true;
          if (!q_->delayed_name_removal) s.metric = DropMetricName(s.metric);
        }
        if (relabels && VectorHasDuplicateLabelsets(*out)) {
          return DuplicateLabelsetError();
        }
        return Status::OK();
      });
}

}  // namespace tidemark::promql::eval
