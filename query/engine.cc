// QueryEngine: runs instant and range queries; the evaluator's dispatch, step invariance and
// per-step assembly (Prometheus' exec, eval and rangeEval).
#include "query/engine.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "query/duration_expr.h"
#include "query/eval_internal.h"
#include "query/parser.h"
#include "util/status_macros.h"

namespace tidemark::promql {

using eval::Evaluator;
using eval::EvalValue;
using eval::QueryState;

namespace {

// Functions whose result changes with the evaluation time even when their arguments do not
// (Prometheus' AtModifierUnsafeFunctions).
bool IsAtModifierUnsafe(std::string_view name) {
  static constexpr std::string_view kUnsafe[] = {
      "days_in_month", "day_of_month", "day_of_week",    "day_of_year", "hour",     "minute",
      "month",         "year",         "predict_linear", "time",        "timestamp"};
  return std::find(std::begin(kUnsafe), std::end(kUnsafe), name) != std::end(kUnsafe);
}

struct Invariance {
  bool invariant = false;
  bool should_wrap = false;
};

// Finds the highest subtrees whose value does not depend on the evaluation time (pinned by `@`)
// and records them, as Prometheus' preprocessExprHelper wraps them in StepInvariantExpr. They
// are evaluated once at the first step and copied to the others; their values are the same as a
// per-step evaluation would give, so this is only about cost.
Invariance MarkStepInvariant(const Expr& expr, absl::flat_hash_set<const Expr*>* wrapped) {
  switch (expr.kind) {
    case ExprKind::kVectorSelector: {
      const bool at = static_cast<const VectorSelector&>(expr).at != AtModifier::kNone;
      return {at, at};
    }
    case ExprKind::kAggregate:
      return MarkStepInvariant(*static_cast<const AggregateExpr&>(expr).expr, wrapped);
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(expr);
      const Invariance l = MarkStepInvariant(*b.lhs, wrapped);
      const Invariance r = MarkStepInvariant(*b.rhs, wrapped);
      if (l.invariant && r.invariant) return {true, true};
      if (l.should_wrap) wrapped->insert(b.lhs.get());
      if (r.should_wrap) wrapped->insert(b.rhs.get());
      return {false, false};
    }
    case ExprKind::kCall: {
      const auto& call = static_cast<const Call&>(expr);
      bool invariant = !IsAtModifierUnsafe(call.func->name);
      std::vector<bool> wrap(call.args.size());
      for (size_t i = 0; i < call.args.size(); ++i) {
        const Invariance a = MarkStepInvariant(*call.args[i], wrapped);
        invariant = invariant && a.invariant;
        wrap[i] = a.should_wrap;
      }
      if (invariant) return {true, true};
      for (size_t i = 0; i < call.args.size(); ++i) {
        // A range argument is evaluated by the function itself; only instant arguments are
        // worth wrapping.
        if (wrap[i] && call.args[i]->type() != ValueType::kMatrix) {
          wrapped->insert(call.args[i].get());
        }
      }
      return {false, false};
    }
    case ExprKind::kMatrixSelector:
      return {
          MarkStepInvariant(*static_cast<const MatrixSelector&>(expr).selector, wrapped).invariant,
          false};
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(expr);
      if (MarkStepInvariant(*sq.expr, wrapped).invariant) wrapped->insert(sq.expr.get());
      const bool at = sq.at != AtModifier::kNone;
      return {at, at};
    }
    case ExprKind::kParen:
      return MarkStepInvariant(*static_cast<const ParenExpr&>(expr).expr, wrapped);
    case ExprKind::kUnary:
      return MarkStepInvariant(*static_cast<const UnaryExpr&>(expr).expr, wrapped);
    case ExprKind::kStringLiteral:
    case ExprKind::kNumberLiteral:
      return {true, false};
  }
  return {false, false};
}

bool LabelsLess(const Series& a, const Series& b) { return a.metric < b.metric; }

}  // namespace

Result<QueryResult> QueryEngine::Instant(SampleQuerier& storage, const Expr& expr, int64_t time_ms,
                                         const QueryContext& ctx) const {
  return Exec(storage, expr, time_ms, time_ms, 0, ctx);
}

Result<QueryResult> QueryEngine::Range(SampleQuerier& storage, const Expr& expr, int64_t start_ms,
                                       int64_t end_ms, int64_t step_ms,
                                       const QueryContext& ctx) const {
  const ValueType type = expr.type();
  if (type != ValueType::kVector && type != ValueType::kScalar) {
    std::string name =
        type == ValueType::kMatrix ? "range vector" : std::string(ValueTypeName(type));
    return Status::InvalidArgument("invalid expression type \"" + name +
                                   "\" for range query, must be Scalar or instant Vector");
  }
  if (step_ms <= 0) {
    return Status::InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if (end_ms < start_ms) {
    return Status::InvalidArgument("end timestamp must not be before start time");
  }
  return Exec(storage, expr, start_ms, end_ms, step_ms, ctx);
}

Result<QueryResult> QueryEngine::Exec(SampleQuerier& storage, const Expr& parsed, int64_t start_ms,
                                      int64_t end_ms, int64_t step_ms,
                                      const QueryContext& ctx) const {
  // Ranges, steps and offsets written with step() or range() get their values from this query;
  // the parsed tree is shared, so they are filled in on a copy.
  ExprPtr resolved;
  if (HasQueryDependentDurations(parsed)) {
    resolved = CloneExpr(parsed);
    TM_RETURN_IF_ERROR(ResolveQueryDurations(resolved.get(), step_ms, end_ms - start_ms));
  }
  const Expr& expr = resolved != nullptr ? *resolved : parsed;
  QueryState q;
  q.storage = &storage;
  q.ctx = &ctx;
  q.lookback_ms = ctx.lookback_delta_ms > 0 ? ctx.lookback_delta_ms : options_.lookback_delta_ms;
  q.max_samples = options_.max_samples;
  q.max_bytes = options_.max_bytes_per_query;
  q.memory_budget = options_.memory_budget.get();
  // The first sample reserves from the shared budget; with none, the check waits for max_bytes.
  q.memory_check_at = q.memory_budget != nullptr ? 0 : q.max_bytes > 0 ? q.max_bytes : INT64_MAX;
  q.default_subquery_step_ms =
      options_.default_subquery_step_ms > 0 ? options_.default_subquery_step_ms : 60'000;
  q.query_start = start_ms;
  q.query_end = end_ms;
  q.query_step = step_ms;
  q.delayed_name_removal = options_.delayed_name_removal;
  q.sorted_selection = options_.sorted_selection;
  q.read_ahead = options_.read_ahead;
  if (MarkStepInvariant(expr, &q.step_invariant).should_wrap) q.step_invariant.insert(&expr);

  // A query whose context is already done fails before it starts, as Prometheus' exec.
  TM_RETURN_IF_ERROR(eval::CheckQueryContext(ctx, "query execution"));
  const bool instant = step_ms == 0;
  Evaluator ev(&q, start_ms, end_ms, instant ? 1 : step_ms);
  TM_ASSIGN_OR_RETURN(EvalValue value, ev.Eval(expr));

  QueryResult result;
  if (value.is_string) {
    result.type = ValueType::kString;
    result.string_value = std::move(value.str);
    result.scalar_t = start_ms;
  } else {
    Matrix mat = std::move(value.matrix);
    if (q.delayed_name_removal) {
      for (Series& s : mat) {
        if (s.drop_name) s.metric = eval::DropMetricName(s.metric);
        s.drop_name = false;
      }
      TM_ASSIGN_OR_RETURN(mat, eval::MergeSeriesWithSameLabelset(std::move(mat)));
    }
    const ValueType type = expr.type();
    if (instant && type == ValueType::kVector) {
      result.type = ValueType::kVector;
      result.vector.reserve(mat.size());
      for (Series& s : mat) {
        if (s.floats.empty()) continue;
        result.vector.push_back(VectorSample{std::move(s.metric), start_ms, s.floats[0].f});
      }
    } else if (instant && type == ValueType::kScalar) {
      result.type = ValueType::kScalar;
      result.scalar_t = start_ms;
      result.scalar = mat.empty() || mat[0].floats.empty() ? 0 : mat[0].floats[0].f;
    } else {
      result.type = ValueType::kMatrix;
      int64_t points = 0;
      for (const Series& s : mat) points += static_cast<int64_t>(s.floats.size());
      if (!instant && points > options_.max_result_points) {
        return Status::ResourceExhausted("query would return " + std::to_string(points) +
                                         " points, more than max_result_points (" +
                                         std::to_string(options_.max_result_points) + ")");
      }
      std::sort(mat.begin(), mat.end(), LabelsLess);
      result.matrix = std::move(mat);
    }
  }
  TM_RETURN_IF_ERROR(eval::CheckQueryContext(ctx, "expression evaluation"));
  result.annotations = std::move(q.annotations);
  result.stats = q.stats;
  return result;
}

}  // namespace tidemark::promql

namespace tidemark::promql::eval {

int64_t Evaluator::AtTime(AtModifier at, int64_t at_ms) const {
  switch (at) {
    case AtModifier::kStart:
      return q_->query_start;
    case AtModifier::kEnd:
      return q_->query_end;
    default:
      return at_ms;
  }
}

Status Evaluator::CheckContext() const {
  // Called per series and per step: reading the clock each time was 2 % of a rule's evaluation.
  // Cancellation is a load, checked every time; the deadline on the first call and every
  // kClockEvery-th after, so a query overruns it by at most that many series or steps.
  if (q_->context_checks++ % QueryState::kClockEvery != 0) {
    if (q_->ctx->cancelled != nullptr && q_->ctx->cancelled->load(std::memory_order_relaxed)) {
      return Status::Cancelled("query was canceled in expression evaluation");
    }
    return Status::OK();
  }
  return CheckQueryContext(*q_->ctx, "expression evaluation");
}

Result<std::unique_ptr<SeriesSet>> Evaluator::SelectSeries(
    const std::vector<LabelMatcher>& matchers, int64_t mint, int64_t maxt, int64_t range_ms,
    std::string_view func, const std::vector<std::string>* projection, bool window_summary) const {
  TM_RETURN_IF_ERROR(CheckContext());
  ReadOptions options;
  options.deadline = q_->ctx->deadline;
  options.cancelled = q_->ctx->cancelled;
  SelectHints hints;
  hints.start_ms = start_;
  hints.end_ms = end_;
  hints.step_ms = start_ == end_ ? 0 : interval_;
  hints.range_ms = range_ms;
  hints.func = func;
  hints.sorted = q_->sorted_selection;
  hints.read_ahead = q_->read_ahead;
  hints.window_summary = window_summary;
  if (projection != nullptr) {
    hints.project_labels = true;
    hints.projection = *projection;
  }
  return q_->storage->Select(options, matchers, mint, maxt, hints);
}

Status CheckQueryContext(const QueryContext& ctx, std::string_view stage) {
  if (ctx.cancelled != nullptr && ctx.cancelled->load(std::memory_order_relaxed)) {
    return Status::Cancelled("query was canceled in " + std::string(stage));
  }
  if (ctx.deadline != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() >= ctx.deadline) {
    return Status::DeadlineExceeded("query timed out in " + std::string(stage));
  }
  return Status::OK();
}

void Evaluator::UpdatePeak() const {
  if (q_->current_samples > q_->stats.peak_samples) q_->stats.peak_samples = q_->current_samples;
}

Result<EvalValue> Evaluator::Eval(const Expr& expr) { return EvalProjected(expr, nullptr); }

Result<EvalValue> Evaluator::EvalProjected(const Expr& expr,
                                           const std::vector<std::string>* projection) {
  TM_RETURN_IF_ERROR(CheckContext());
  if (end_ < start_) return EvalValue{};
  if (start_ != end_ && q_->step_invariant.contains(&expr)) return EvalStepInvariant(expr);
  return EvalNode(expr, projection);
}

Result<EvalValue> Evaluator::EvalStepInvariant(const Expr& expr) {
  Evaluator once(q_, start_, start_, interval_);
  TM_ASSIGN_OR_RETURN(EvalValue value, once.EvalNode(expr));
  if (value.is_string || expr.type() == ValueType::kMatrix) return value;
  for (Series& s : value.matrix) {
    if (s.floats.size() != 1) return Status::Internal("step-invariant series without one point");
    const double f = s.floats[0].f;
    s.floats.reserve(static_cast<size_t>(NumSteps()));
    for (int64_t ts = start_ + interval_; ts <= end_; ts += interval_) {
      s.floats.push_back(FPoint{ts, f});
      TM_RETURN_IF_ERROR(AddSamples(1));
    }
  }
  return value;
}

Result<EvalValue> Evaluator::EvalNode(const Expr& expr,
                                      const std::vector<std::string>* projection) {
  EvalValue out;
  switch (expr.kind) {
    case ExprKind::kNumberLiteral: {
      TM_ASSIGN_OR_RETURN(out.matrix, EvalNumber(static_cast<const NumberLiteral&>(expr).value));
      return out;
    }
    case ExprKind::kStringLiteral:
      out.is_string = true;
      out.str = static_cast<const StringLiteral&>(expr).value;
      return out;
    case ExprKind::kParen:
      return EvalProjected(*static_cast<const ParenExpr&>(expr).expr, projection);
    case ExprKind::kUnary: {
      TM_ASSIGN_OR_RETURN(out.matrix, EvalUnary(static_cast<const UnaryExpr&>(expr)));
      return out;
    }
    case ExprKind::kBinary: {
      TM_ASSIGN_OR_RETURN(out.matrix, EvalBinary(static_cast<const BinaryExpr&>(expr)));
      return out;
    }
    case ExprKind::kAggregate: {
      TM_ASSIGN_OR_RETURN(out.matrix, EvalAggregate(static_cast<const AggregateExpr&>(expr)));
      return out;
    }
    case ExprKind::kCall: {
      TM_ASSIGN_OR_RETURN(out.matrix, EvalCall(static_cast<const Call&>(expr), projection));
      return out;
    }
    case ExprKind::kVectorSelector: {
      TM_ASSIGN_OR_RETURN(out.matrix, SelectInstantSamples(static_cast<const VectorSelector&>(expr),
                                                           /*sample_times=*/false, projection));
      return out;
    }
    case ExprKind::kMatrixSelector: {
      if (start_ != end_) {
        return Status::InvalidArgument("cannot do range evaluation of matrix selector");
      }
      TM_ASSIGN_OR_RETURN(out.matrix, EvalMatrixSelector(static_cast<const MatrixSelector&>(expr)));
      return out;
    }
    case ExprKind::kSubquery: {
      TM_ASSIGN_OR_RETURN(out.matrix, EvalSubquery(static_cast<const SubqueryExpr&>(expr)));
      return out;
    }
  }
  return Status::Internal("unhandled expression kind");
}

Result<Matrix> Evaluator::EvalNumber(double value) {
  Series s;
  s.floats.reserve(static_cast<size_t>(NumSteps()));
  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    s.floats.push_back(FPoint{ts, value});
    TM_RETURN_IF_ERROR(AddSamples(1));
  }
  Matrix mat;
  mat.push_back(std::move(s));
  return mat;
}

Result<Matrix> Evaluator::EvalUnary(const UnaryExpr& e) {
  TM_ASSIGN_OR_RETURN(EvalValue value, Eval(*e.expr));
  Matrix mat = std::move(value.matrix);
  if (!e.negate) return mat;
  for (Series& s : mat) {
    if (!q_->delayed_name_removal) s.metric = DropMetricName(s.metric);
    s.drop_name = true;
    for (FPoint& p : s.floats) p.f = -p.f;
  }
  if (!q_->delayed_name_removal) return MergeSeriesWithSameLabelset(std::move(mat));
  return mat;
}

Result<Matrix> Evaluator::RangeEval(const VectorMatching* matching,
                                    std::span<const Expr* const> exprs, const StepFunc& fn) {
  const int64_t num_steps = NumSteps();
  const int64_t original_samples = q_->current_samples;
  std::vector<Matrix> inputs(exprs.size());
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (exprs[i] == nullptr || exprs[i]->type() == ValueType::kString) continue;
    TM_ASSIGN_OR_RETURN(EvalValue value, Eval(*exprs[i]));
    inputs[i] = std::move(value.matrix);
  }

  // Join signatures: series of both sides that agree on the matching labels share an ordinal.
  std::vector<std::vector<int>> series_sigs(exprs.size());
  if (matching != nullptr) {
    std::vector<std::string> names = matching->labels;
    std::sort(names.begin(), names.end());
    if (!matching->on) names.push_back(std::string(kMetricNameLabel));
    absl::flat_hash_map<std::string, int> sig_ordinal;
    for (size_t i = 0; i < inputs.size(); ++i) {
      series_sigs[i].reserve(inputs[i].size());
      for (const Series& s : inputs[i]) {
        std::string sig;
        for (const Label& l : s.metric) {
          const bool listed = std::find(names.begin(), names.end(), l.name) != names.end();
          if (listed != matching->on) continue;
          sig.append(l.name);
          sig.push_back('\xff');
          sig.append(l.value);
          sig.push_back('\xff');
        }
        auto [it, inserted] = sig_ordinal.emplace(std::move(sig), sig_ordinal.size());
        series_sigs[i].push_back(it->second);
      }
    }
  }

  std::vector<std::vector<size_t>> cursors(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) cursors[i].assign(inputs[i].size(), 0);
  std::vector<Vector> vectors(inputs.size());
  // A range evaluation's steps where every series of an input has a point (the usual case) take
  // the input's series as they are: a vector of them with their label sets, built once, whose
  // times and values are set in place, instead of a copy of every label set at every step.
  const bool range = start_ != end_;
  std::vector<Vector> whole(inputs.size());
  std::vector<char> lent(inputs.size(), 0);  // whole[i] is in vectors[i] for this step
  if (range) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      whole[i].reserve(inputs[i].size());
      for (const Series& series : inputs[i])
        whole[i].push_back(VectorSample{series.metric, 0, 0, series.drop_name});
    }
  }
  std::vector<std::vector<int>> step_sigs(inputs.size());
  Vector out;
  Matrix result;
  std::vector<int64_t> last_ts;
  absl::flat_hash_map<std::string, size_t> result_index;
  // An index entry's slot and the key string's allocation, beyond the key's bytes.
  constexpr int64_t kIndexEntryBytes = sizeof(std::string) + sizeof(size_t) + 16;
  int64_t index_bytes = 0;  // of result_index, in the query's label_bytes until it is freed
  int64_t temp_samples = q_->current_samples;

  for (int64_t ts = start_; ts <= end_; ts += interval_) {
    TM_RETURN_IF_ERROR(CheckContext());
    q_->current_samples = temp_samples;
    for (size_t i = 0; i < inputs.size(); ++i) {
      vectors[i].clear();
      step_sigs[i].clear();
      if (range) {
        bool all = true;
        for (size_t j = 0; j < inputs[i].size() && all; ++j) {
          const size_t c = cursors[i][j];
          all = c < inputs[i][j].floats.size() && inputs[i][j].floats[c].t == ts;
        }
        if (all) {
          std::swap(vectors[i], whole[i]);  // swapped back after the step
          lent[i] = 1;
          for (size_t j = 0; j < inputs[i].size(); ++j) {
            vectors[i][j].t = ts;
            vectors[i][j].f = inputs[i][j].floats[cursors[i][j]++].f;
            if (matching != nullptr) step_sigs[i].push_back(series_sigs[i][j]);
          }
          TM_RETURN_IF_ERROR(AddSamples(static_cast<int64_t>(inputs[i].size())));
          continue;
        }
      }
      for (size_t j = 0; j < inputs[i].size(); ++j) {
        Series& s = inputs[i][j];
        size_t& c = cursors[i][j];
        if (c >= s.floats.size() || s.floats[c].t != ts) continue;
        // An instant evaluation has one step: the inputs' labels move into it.
        vectors[i].push_back(VectorSample{start_ == end_ ? std::move(s.metric) : s.metric, ts,
                                          s.floats[c].f, s.drop_name});
        ++c;
        if (matching != nullptr) step_sigs[i].push_back(series_sigs[i][j]);
        TM_RETURN_IF_ERROR(AddSamples(1));
      }
    }
    out.clear();
    const Status step = fn(vectors, step_sigs, ts, &out);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (lent[i]) std::swap(vectors[i], whole[i]);
      lent[i] = 0;
    }
    TM_RETURN_IF_ERROR(step);
    const auto produced = static_cast<int64_t>(out.size());
    temp_samples += produced;
    TM_RETURN_IF_ERROR(AddSamples(produced));

    if (start_ == end_) {
      if (!q_->delayed_name_removal && VectorHasDuplicateLabelsets(out)) {
        return DuplicateLabelsetError();
      }
      Matrix mat;
      mat.reserve(out.size());
      for (VectorSample& s : out) {
        Series series;
        series.metric = std::move(s.metric);
        series.drop_name = s.drop_name;
        series.floats.push_back(FPoint{ts, s.f});
        mat.push_back(std::move(series));
      }
      q_->current_samples = original_samples + static_cast<int64_t>(mat.size());
      UpdatePeak();
      return mat;
    }
    for (VectorSample& s : out) {
      auto [it, inserted] = result_index.emplace(LabelsKey(s.metric), result.size());
      if (inserted) {
        Series series;
        series.metric = std::move(s.metric);
        series.drop_name = s.drop_name;
        // A series there from the first step usually has a point at every step: room for them
        // at once. One that appears later is often short-lived (count_values makes a series per
        // distinct value): reserving thousands of points for each of millions of them took
        // gigabytes the sample limit never saw.
        series.floats.reserve(ts == start_ ? static_cast<size_t>(std::min<int64_t>(num_steps, 5000))
                                           : 4);
        // The series, its key in the index (freed when the evaluation returns) and the room
        // reserved for its points, as the query's memory.
        const int64_t key_bytes = static_cast<int64_t>(it->first.size()) + kIndexEntryBytes;
        index_bytes += key_bytes;
        TM_RETURN_IF_ERROR(AddLabelBytes(
            LabelsBytes(series.metric) + key_bytes + static_cast<int64_t>(sizeof(Series)) +
            static_cast<int64_t>(series.floats.capacity() * sizeof(FPoint))));
        result.push_back(std::move(series));
        last_ts.push_back(ts);
      } else {
        if (last_ts[it->second] == ts) return DuplicateLabelsetError();
        last_ts[it->second] = ts;
      }
      result[it->second].floats.push_back(FPoint{ts, s.f});
    }
  }
  int64_t total = 0;
  for (const Series& s : result) total += static_cast<int64_t>(s.floats.size());
  q_->current_samples = original_samples + total;
  q_->label_bytes -= index_bytes;
  UpdatePeak();
  return result;
}

}  // namespace tidemark::promql::eval
