// The PromQL evaluator: runs a parsed expression against a tidemark::Engine's samples.
//
//   promql::QueryEngine engine(promql::EngineOptions{});
//   auto expr = promql::ParseExpr("rate(http_requests_total[5m])");
//   auto result = engine.Instant(storage, **expr, now_ms, promql::QueryContext::WithTimeout(2min));
//
// Semantics are Prometheus 3's: left-open windows (t - range, t], the lookback delta for instant
// selectors, stale markers ending a series, rate/increase extrapolation, __name__ dropping.
// Errors: InvalidArgument for an expression that fails at evaluation (Prometheus' "execution"
// errors: duplicate series, many-to-many matching, bad parameters); ResourceExhausted for a query
// over max_samples or max_points; DeadlineExceeded past the timeout; Cancelled when the context's
// cancel flag was raised.
//
// Thread safety: a QueryEngine is immutable (its memory budget, shared, is thread-safe); any
// number of queries may run on it at once.
#ifndef TIDEMARK_QUERY_ENGINE_H_
#define TIDEMARK_QUERY_ENGINE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "query/ast.h"
#include "query/value.h"
#include "tidemark/querier.h"
#include "tidemark/status.h"
#include "util/memory_budget.h"

namespace tidemark::promql {

struct EngineOptions {
  // How far back an instant selector looks for a sample (Prometheus' --query.lookback-delta).
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Most samples one query may hold in memory at once (Prometheus' --query.max-samples).
  int64_t max_samples = 50'000'000;
  // Most points (series x steps) a range query may return.
  int64_t max_result_points = 10'000'000;
  // Most bytes one query may hold at once, estimated: its samples (16 bytes each, those
  // max_samples counts) and the label sets of the series it selects and builds. ResourceExhausted
  // naming the limit past it. 0: no limit.
  int64_t max_bytes_per_query = 2LL << 30;
  // Shared by the queries of every engine given it: what they hold together (estimated as
  // above, reserved in 16 MiB steps) stays under its limit, past which a query fails with
  // ResourceExhausted and may be retried. Null: no bound across queries.
  std::shared_ptr<util::MemoryBudget> memory_budget;
  // Default evaluation step of subqueries without one, in ms (Prometheus' evaluation_interval).
  int64_t default_subquery_step_ms = 60 * 1000;
  // Remove __name__ only when the evaluation ends (Prometheus' EnableDelayedNameRemoval, which
  // its promqltest harness turns on): `label_replace(rate(x[5m]), "n", "$1", "__name__", "(.*)")`
  // can still read the name, and duplicate label sets are only an error in the final result.
  // false: drop it at once, as Prometheus' server does without the feature flag.
  bool delayed_name_removal = true;
  // false (default): selections may come in any order (SelectHints::sorted false), as
  // Prometheus' engine and rule manager select (sortSeries=false); results then come in the
  // store's order (tidemark's: series creation order, as Prometheus' head) and sums add in it.
  // A range query's matrix is sorted by labels at the end either way. true: label order.
  bool sorted_selection = false;
  // false: selections are read on the evaluating thread only (SelectHints::read_ahead).
  bool read_ahead = true;
};

// Per-query controls.
struct QueryContext {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Raised by another thread (e.g. when the HTTP client disconnects) to stop the query.
  const std::atomic<bool>* cancelled = nullptr;
  // 0: EngineOptions::lookback_delta_ms.
  int64_t lookback_delta_ms = 0;

  static QueryContext WithTimeout(std::chrono::milliseconds timeout) {
    QueryContext ctx;
    ctx.deadline = std::chrono::steady_clock::now() + timeout;
    return ctx;
  }
};

class QueryEngine {
 public:
  explicit QueryEngine(EngineOptions options) : options_(options) {}

  // Evaluates `expr` at one instant. A range-vector expression gives a matrix.
  Result<QueryResult> Instant(SampleQuerier& storage, const Expr& expr, int64_t time_ms,
                              const QueryContext& ctx) const;
  // Evaluates `expr` at start, start+step, ... <= end; the result is a matrix (or, for a scalar
  // or string expression, a matrix of one series with no labels). `expr` must not be a range
  // vector (InvalidArgument, as Prometheus).
  Result<QueryResult> Range(SampleQuerier& storage, const Expr& expr, int64_t start_ms,
                            int64_t end_ms, int64_t step_ms, const QueryContext& ctx) const;

  const EngineOptions& options() const { return options_; }

 private:
  // step_ms == 0: an instant query at start_ms.
  Result<QueryResult> Exec(SampleQuerier& storage, const Expr& expr, int64_t start_ms,
                           int64_t end_ms, int64_t step_ms, const QueryContext& ctx) const;

  EngineOptions options_;
};

}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_ENGINE_H_
