// Evaluating and printing Prometheus 3 duration expressions (`[5m+1m]`, `offset -step()`); see
// DurationExpr in query/ast.h.
//
// Thread safety: free functions over immutable trees, except ResolveQueryDurations, which writes
// the tree it is given (the engine calls it on its own clone).
#ifndef TIDEMARK_QUERY_DURATION_EXPR_H_
#define TIDEMARK_QUERY_DURATION_EXPR_H_

#include <cstdint>
#include <string>

#include "query/ast.h"
#include "tidemark/status.h"

namespace tidemark::promql {

// True when `expr` contains step() or range(), so its value is known only at query time.
bool DurationExprUsesQuery(const DurationExpr& expr);

// The value of `expr` in milliseconds, given the query's step and range (end - start) for step()
// and range(). Errors (InvalidArgument) carry Prometheus' messages: "division by zero", "modulo by
// zero", and, unless `allow_negative` (offsets), "duration must be greater than 0" for values <= 0.
Result<int64_t> EvaluateDurationMs(const DurationExpr& expr, bool allow_negative,
                                   int64_t query_step_ms, int64_t query_range_ms);

// The expression as Prometheus prints it: `5m + 1m`, `-step()`, `(1h - 5m)`, `min_of(step(), 1h)`.
std::string FormatDurationExpr(const DurationExpr& expr);

// True when some range, step or offset in `expr` depends on step() or range().
bool HasQueryDependentDurations(const Expr& expr);

// Computes every step()/range()-dependent range, step and offset in `expr` for a query with the
// given step (0 for instant queries) and range (end - start).
Status ResolveQueryDurations(Expr* expr, int64_t query_step_ms, int64_t query_range_ms);

}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_DURATION_EXPR_H_
