// Internals of the PromQL evaluator (query/engine.cc, eval_*.cc, aggregate.cc, binary_ops.cc).
//
// The evaluator follows Prometheus' promql/engine.go: every node is evaluated once over all the
// steps of its evaluator (start, start+interval, ..., <= end) and yields a Matrix whose series
// hold one point per step at which they have a value. Subqueries run a child evaluator over
// their own steps; step-invariant subtrees (those pinned by `@`) run once at the first step and
// are copied to the others. Errors travel as Status (Prometheus panics and recovers).
//
// Memory accounting mirrors Prometheus' currentSamples: every point held (selected samples in
// range windows, step points of intermediate results) counts against EngineOptions::max_samples.
#ifndef TIDEMARK_QUERY_EVAL_INTERNAL_H_
#define TIDEMARK_QUERY_EVAL_INTERNAL_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "query/ast.h"
#include "query/engine.h"
#include "query/value.h"
#include "tidemark/labels.h"
#include "tidemark/querier.h"
#include "tidemark/status.h"

namespace tidemark::promql::eval {

// What evaluating a node gives: a string literal or a matrix (instant vectors and scalars are
// matrices with one point per step, as in Prometheus).
struct EvalValue {
  bool is_string = false;
  std::string str;
  Matrix matrix;
};

// State shared by the evaluators of one query (the top one, subqueries, step-invariant parts).
struct QueryState {
  SampleQuerier* storage = nullptr;
  const QueryContext* ctx = nullptr;
  int64_t lookback_ms = 0;
  int64_t max_samples = 0;
  int64_t default_subquery_step_ms = 0;
  // The query's own start and end: what `@ start()` and `@ end()` mean at any depth.
  int64_t query_start = 0;
  int64_t query_end = 0;
  int64_t query_step = 0;  // 0 for an instant query
  bool delayed_name_removal = true;
  bool sorted_selection = true;  // SelectHints::sorted
  bool read_ahead = true;        // SelectHints::read_ahead
  // Points held at this moment (Prometheus' currentSamples).
  int64_t current_samples = 0;
  // Evaluator::CheckContext calls so far: it reads the clock on every kClockEvery-th.
  uint32_t context_checks = 0;
  static constexpr uint32_t kClockEvery = 16;
  // Memory, estimated: MemoryBytes() is the samples held plus the label sets of the series
  // selected and built (label_bytes, never decreasing: an upper bound). Past memory_check_at,
  // ChargeQueryMemory checks max_bytes and takes more of the shared budget.
  int64_t label_bytes = 0;
  int64_t max_bytes = 0;  // 0: no limit
  util::MemoryBudget* memory_budget = nullptr;
  int64_t reserved_bytes = 0;  // taken from memory_budget, given back by the destructor
  int64_t memory_check_at = 0;
  static constexpr int64_t kBytesPerSample = 16;
  int64_t MemoryBytes() const { return current_samples * kBytesPerSample + label_bytes; }
  QueryStats stats;
  Annotations annotations;
  // Nodes Prometheus would wrap in a StepInvariantExpr (see MarkStepInvariant in engine.cc).
  absl::flat_hash_set<const Expr*> step_invariant;

  QueryState() = default;
  QueryState(const QueryState&) = delete;
  QueryState& operator=(const QueryState&) = delete;
  ~QueryState() {
    if (memory_budget != nullptr) memory_budget->Release(static_cast<uint64_t>(reserved_bytes));
  }
};

// Checks the query's memory (QueryState::MemoryBytes) against its own limit and takes more of
// the shared budget when it has outgrown what it reserved; ResourceExhausted naming the limit
// it would pass. Sets memory_check_at to the next bytes worth checking at.
Status ChargeQueryMemory(QueryState* q);
// The bytes a label set holds, estimated: the vector, its pairs, and strings longer than the
// small-string buffer.
int64_t LabelsBytes(const Labels& labels);

class Evaluator {
 public:
  Evaluator(QueryState* q, int64_t start, int64_t end, int64_t interval)
      : q_(q), start_(start), end_(end), interval_(interval) {}

  Result<EvalValue> Eval(const Expr& expr);
  // Eval for an aggregation `by` the labels `projection` names (see EvalNode).
  Result<EvalValue> EvalProjected(const Expr& expr, const std::vector<std::string>* projection);

  // Per-step callback of RangeEval: `in[i]` is argument i's vector at `ts` (empty for string
  // arguments); with matching, `sigs[i][j]` is the join-signature ordinal of in[i][j].
  using StepFunc = std::function<Status(
      std::span<const Vector> in, std::span<const std::vector<int>> sigs, int64_t ts, Vector* out)>;
  // Evaluates `exprs` (null or string-typed entries are skipped) and calls `fn` once per step
  // with their values, assembling the outputs into series (Prometheus' rangeEval).
  Result<Matrix> RangeEval(const VectorMatching* matching, std::span<const Expr* const> exprs,
                           const StepFunc& fn);

 private:
  // `projection` non-null: the caller (an aggregation `by` these labels) uses only the labels
  // it names of the result's series; a selector, or a range function of one, may then read just
  // those (SelectHints::projection), so that its series may carry equal label sets.
  Result<EvalValue> EvalNode(const Expr& expr,
                             const std::vector<std::string>* projection = nullptr);
  Result<EvalValue> EvalStepInvariant(const Expr& expr);
  Result<Matrix> EvalNumber(double value);
  Result<Matrix> EvalUnary(const UnaryExpr& e);
  Result<Matrix> EvalMatrixSelector(const MatrixSelector& ms);
  Result<Matrix> EvalSubquery(const SubqueryExpr& sq);
  Result<Matrix> EvalBinary(const BinaryExpr& e);
  Result<Matrix> EvalAggregate(const AggregateExpr& e);
  Result<Matrix> EvalCall(const Call& call, const std::vector<std::string>* projection);
  Result<Matrix> EvalRangeFunction(const Call& call, size_t range_arg,
                                   const std::vector<std::string>* projection);
  Result<Matrix> EvalTimestampOfSelector(const VectorSelector& vs);
  // The instant samples of a selector at every step: their values, or (sample_times) their own
  // timestamps in seconds.
  Result<Matrix> SelectInstantSamples(const VectorSelector& vs, bool sample_times,
                                      const std::vector<std::string>* projection = nullptr);
  Result<Matrix> EvalInstantFunction(const Call& call);
  // info(): joins info series' data labels onto its input (eval_info.cc).
  Result<Matrix> EvalInfo(const Call& call);

  // Binary operators at one step (binary_ops.cc).
  Status VectorBinop(BinaryOp op, const Vector& lhs, const Vector& rhs,
                     const VectorMatching& matching, bool return_bool,
                     const std::vector<int>& lhs_sigs, const std::vector<int>& rhs_sigs,
                     Vector* out) const;
  Status VectorScalarBinop(BinaryOp op, const Vector& lhs, double rhs, bool swap, bool return_bool,
                           Vector* out) const;

  // The `@` time of a selector or subquery (start()/end() resolved).
  int64_t AtTime(AtModifier at, int64_t at_ms) const;
  int64_t NumSteps() const { return (end_ - start_) / interval_ + 1; }
  Status CheckContext() const;
  // Selects from storage with the query's deadline and cancellation, and hints that describe
  // this evaluation (`range_ms` of a range selector, the function applied to it; whether a
  // window summary will do, SelectHints::window_summary).
  Result<std::unique_ptr<SeriesSet>> SelectSeries(
      const std::vector<LabelMatcher>& matchers, int64_t mint, int64_t maxt, int64_t range_ms = 0,
      std::string_view func = "", const std::vector<std::string>* projection = nullptr,
      bool window_summary = false) const;
  Status AddSamples(int64_t n);  // current_samples += n, failing past max_samples
  // label_bytes += bytes, failing past the memory limits.
  Status AddLabelBytes(int64_t bytes);
  void UpdatePeak() const;

  QueryState* q_;
  int64_t start_;
  int64_t end_;
  int64_t interval_;
};

// --- Shared helpers ---------------------------------------------------------------------------

// tidemark::IsStaleMarker, inline: the evaluator asks it of every sample it reads, and the
// out-of-line call was a measurable share of long range queries.
inline bool IsStaleSample(double value) {
  return std::bit_cast<uint64_t>(value) == kStaleMarkerBits;
}

// Room to reserve for the points of the steps from `ts` to `end`: all of them, but at most
// 65,536. A subquery may have billions of steps (`x[1y:1ms]`); beyond that the series grows with
// the points it really gets, which the sample limit bounds.
inline size_t ReserveForSteps(int64_t ts, int64_t end, int64_t interval) {
  constexpr int64_t kMaxReserved = 1 << 16;
  return static_cast<size_t>(std::min<int64_t>((end - ts) / interval + 1, kMaxReserved));
}
// Long step loops check the deadline and cancellation every this many steps (a check reads the
// clock).
inline constexpr int64_t kStepsBetweenChecks = 1 << 14;

// DeadlineExceeded / Cancelled as Prometheus words them, or OK.
Status CheckQueryContext(const QueryContext& ctx, std::string_view stage);
Status TooManySamplesError();
Status DuplicateLabelsetError();

// A byte key identifying a label set (for hash maps).
std::string LabelsKey(const Labels& labels);
// Whether DropMetricName removes the label `name`.
inline bool IsMetricSchemaLabel(std::string_view name) {
  return name == "__name__" || name == "__type__" || name == "__unit__";
}
// `labels` without __name__, __type__ and __unit__ (Prometheus' DropReserved(IsMetadataLabel)).
Labels DropMetricName(const Labels& labels);
Labels DropMetricName(Labels&& labels);
// Whether `labels`' __name__, __type__ and __unit__ are `schema` (those labels of another set,
// in order).
bool SameMetricSchemaLabels(const Labels& labels, const std::vector<Label>& schema);
// Prometheus' labels.String(): {__name__="up", job="x"}. The vector form prints the pairs in the
// order given, empty values included (annotations, which Labels would drop).
std::string PromLabelsString(const std::vector<Label>& labels);
inline std::string PromLabelsString(const Labels& labels) {
  return PromLabelsString(labels.items());
}
// Prometheus' labels.Hash(): xxHash64 of name\xff value\xff ... (limit_ratio depends on it).
uint64_t PromLabelsHash(const Labels& labels);
// xxHash64 with seed 0.
uint64_t XxHash64(std::string_view data);
// Go's math.Pow/Mod special cases agree with C's pow/fmod; these wrap them for clarity.
double ScalarBinop(BinaryOp op, double lhs, double rhs);

// Series with equal label sets merged; overlapping timestamps are the duplicate-labelset error.
Result<Matrix> MergeSeriesWithSameLabelset(Matrix mat);
bool VectorHasDuplicateLabelsets(const Vector& vector);

// The expression inside any number of parentheses.
const Expr& UnwrapParens(const Expr& expr);

// Inline: called for every step of every series.
inline Status Evaluator::AddSamples(int64_t n) {
  q_->current_samples += n;
  if (q_->current_samples > q_->stats.peak_samples) q_->stats.peak_samples = q_->current_samples;
  if (q_->current_samples > q_->max_samples) return TooManySamplesError();
  if (q_->MemoryBytes() > q_->memory_check_at) return ChargeQueryMemory(q_);
  return Status::OK();
}

inline Status Evaluator::AddLabelBytes(int64_t bytes) {
  q_->label_bytes += bytes;
  if (q_->MemoryBytes() > q_->memory_check_at) return ChargeQueryMemory(q_);
  return Status::OK();
}

}  // namespace tidemark::promql::eval

#endif  // TIDEMARK_QUERY_EVAL_INTERNAL_H_
