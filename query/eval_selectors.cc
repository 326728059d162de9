// Selectors and subqueries: reading samples from storage at each step (Prometheus'
// evalSeries/vectorSelectorSingle, matrixSelector) and running subqueries on their own steps.
//
// Each selector is read with one Select over exactly the span its evaluation needs: the steps
// shifted by its offset (or pinned by `@`), widened by the lookback delta (instant selectors) or
// the range (range selectors). Storage returns [mint, maxt] inclusive, so the left-open windows
// (t - lookback, t] and (t - range, t] start one millisecond later.
#include <algorithm>
#include <span>

#include "query/eval_internal.h"
#include "util/status_macros.h"

namespace tidemark::promql::eval {

namespace {

// Walks one series' samples forward, remembering the newest sample at or before a reference
// time; reference times must not decrease. Reads the samples in place when the iterator holds
// them (SampleIterator::InMemory), through the iterator otherwise.
class SampleCursor {
 public:
  SampleCursor(SampleIterator* it, QueryStats* stats)
      : it_(it), stats_(stats), in_memory_(it->InMemory()) {
    if (!in_memory_.empty()) {
      ++stats_->samples_loaded;  // the first sample, looked at as the next one
      return;
    }
    Advance();
  }

  void AdvanceTo(int64_t ref) {
    if (!in_memory_.empty()) {
      const size_t n = in_memory_.size();
      size_t pos = pos_;
      while (pos < n && in_memory_[pos].timestamp_ms <= ref) ++pos;
      if (pos != pos_) {
        // As through the iterator: each sample passed, and the one after it, was loaded.
        stats_->samples_loaded +=
            static_cast<int64_t>(std::min(pos + 1, n) - std::min(pos_ + 1, n));
        pos_ = pos;
        last_ = in_memory_[pos - 1];
        has_last_ = true;
      }
      return;
    }
    while (has_next_ && next_.timestamp_ms <= ref) {
      last_ = next_;
      has_last_ = true;
      Advance();
    }
  }
  bool has_last() const { return has_last_; }
  const Sample& last() const { return last_; }
  // Whether a sample follows those passed, and its time.
  bool has_next() const { return in_memory_.empty() ? has_next_ : pos_ < in_memory_.size(); }
  int64_t next_time() const {
    return in_memory_.empty() ? next_.timestamp_ms : in_memory_[pos_].timestamp_ms;
  }
  const Status& status() const { return it_->status(); }

 private:
  void Advance() {
    has_next_ = it_->Next();
    if (has_next_) {
      next_ = it_->At();
      ++stats_->samples_loaded;
    }
  }

  SampleIterator* it_;
  QueryStats* stats_;
  std::span<const Sample> in_memory_;
  size_t pos_ = 0;  // in in_memory_: the first sample not passed yet
  bool has_next_ = false;
  bool has_last_ = false;
  Sample next_;
  Sample last_;
};

}  // namespace

Result<Matrix> Evaluator::EvalTimestampOfSelector(const VectorSelector& vs) {
  TM_ASSIGN_OR_RETURN(Matrix mat, SelectInstantSamples(vs, /*sample_times=*/true));
  // timestamp() is a function: its output loses the metric name.
  for (Series& series : mat) {
    if (!q_->delayed_name_removal) series.metric = DropMetricName(series.metric);
    series.drop_name = true;
  }
  if (!q_->delayed_name_removal) return MergeSeriesWithSameLabelset(std::move(mat));
  return mat;
}

Result<Matrix> Evaluator::SelectInstantSamples(const VectorSelector& vs, bool sample_times,
                                               const std::vector<std::string>* projection) {
  const bool pinned = vs.at != AtModifier::kNone;
  const int64_t at = pinned ? AtTime(vs.at, vs.at_ms) : 0;
  const int64_t first_ref = (pinned ? at : start_) - vs.offset_ms;
  const int64_t last_ref = (pinned ? at : end_) - vs.offset_ms;
  const int64_t lookback = q_->lookback_ms;
  TM_ASSIGN_OR_RETURN(auto set, SelectSeries(vs.matchers, first_ref - lookback + 1, last_ref,
                                             /*range_ms=*/0, /*func=*/"", projection));
  Matrix mat;
  while (set->Next()) {
    TM_RETURN_IF_ERROR(CheckContext());
    SampleCursor cursor(set->Samples(), &q_->stats);
    Series series;
    int64_t steps = 0;
    for (int64_t ts = start_; ts <= end_; ts += interval_) {
      if (++steps % kStepsBetweenChecks == 0) TM_RETURN_IF_ERROR(CheckContext());
      const int64_t ref = (pinned ? at : ts) - vs.offset_ms;
      cursor.AdvanceTo(ref);
      if (!cursor.has_last() || cursor.last().timestamp_ms <= ref - lookback ||
          IsStaleSample(cursor.last().value)) {
        // Nothing answers this step, nor any step before the next sample's time (the last
        // sample only grows older, a stale marker stays): go to the first step at or after it,
        // so that sparse data at a fine step ([1y:1ms]) costs its samples, not its steps.
        if (pinned || !cursor.has_next()) break;
        const int64_t target = cursor.next_time() + vs.offset_ms;
        if (target > end_) break;
        const int64_t k = (target - start_ + interval_ - 1) / interval_;
        ts = start_ + (k - 1) * interval_;  // the loop adds the step
        continue;
      }
      const Sample& s = cursor.last();
      // Room for every remaining step at once, rather than regrowing about log2(steps) times.
      if (series.floats.empty()) {
        series.floats.reserve(ReserveForSteps(ts, end_, interval_));
      }
      // timestamp() of a selector reports the sample's own time, not the step's.
      series.floats.push_back(
          FPoint{ts, sample_times ? static_cast<double>(s.timestamp_ms) / 1000 : s.value});
      TM_RETURN_IF_ERROR(AddSamples(1));
    }
    TM_RETURN_IF_ERROR(cursor.status());
    if (!series.floats.empty()) {
      series.metric = set->TakeLabels();
      TM_RETURN_IF_ERROR(
          AddLabelBytes(LabelsBytes(series.metric) + static_cast<int64_t>(sizeof(Series))));
      mat.push_back(std::move(series));
    }
  }
  TM_RETURN_IF_ERROR(set->status());
  return mat;
}

Result<Matrix> Evaluator::EvalMatrixSelector(const MatrixSelector& ms) {
  const VectorSelector& vs = ms.vector_selector();
  const bool pinned = vs.at != AtModifier::kNone;
  const int64_t maxt = (pinned ? AtTime(vs.at, vs.at_ms) : start_) - vs.offset_ms;
  const int64_t mint = maxt - ms.range_ms;
  TM_ASSIGN_OR_RETURN(auto set, SelectSeries(vs.matchers, mint + 1, maxt, ms.range_ms));
  Matrix mat;
  while (set->Next()) {
    TM_RETURN_IF_ERROR(CheckContext());
    SampleIterator* it = set->Samples();
    Series series;
    while (it->Next()) {
      ++q_->stats.samples_loaded;
      const Sample s = it->At();
      if (s.timestamp_ms <= mint) continue;
      if (s.timestamp_ms > maxt) break;
      if (IsStaleSample(s.value)) continue;
      series.floats.push_back(FPoint{s.timestamp_ms, s.value});
      TM_RETURN_IF_ERROR(AddSamples(1));
    }
    TM_RETURN_IF_ERROR(it->status());
    if (!series.floats.empty()) {
      series.metric = set->TakeLabels();
      TM_RETURN_IF_ERROR(
          AddLabelBytes(LabelsBytes(series.metric) + static_cast<int64_t>(sizeof(Series))));
      mat.push_back(std::move(series));
    }
  }
  TM_RETURN_IF_ERROR(set->status());
  return mat;
}

Result<Matrix> Evaluator::EvalSubquery(const SubqueryExpr& sq) {
  const int64_t step = sq.step_ms > 0 ? sq.step_ms : q_->default_subquery_step_ms;
  const bool pinned = sq.at != AtModifier::kNone;
  const int64_t at = pinned ? AtTime(sq.at, sq.at_ms) : 0;
  const int64_t end = (pinned ? at : end_) - sq.offset_ms;
  const int64_t first = (pinned ? at : start_) - sq.offset_ms - sq.range_ms;
  // The first step is the first multiple of `step` (since the epoch) after the range's left,
  // open, edge: subquery results do not depend on when the outer query runs.
  int64_t start = step * (first / step);
  if (start <= first) start += step;
  Evaluator sub(q_, start, end, step);
  TM_ASSIGN_OR_RETURN(EvalValue value, sub.Eval(*sq.expr));
  return std::move(value.matrix);
}

}  // namespace tidemark::promql::eval
