// Duration expressions: evaluation (Prometheus' promql/durations.go semantics) and query-time
// resolution. Printing lives in printer.cc with the rest of the printer.
#include "query/duration_expr.h"

#include <cmath>
#include <cstdint>

#include "util/status_macros.h"

namespace tidemark::promql {
namespace {

Result<double> EvaluateSeconds(const DurationExpr& expr, int64_t step_ms, int64_t range_ms) {
  using Op = DurationExpr::Op;
  switch (expr.op) {
    case Op::kLiteral:
      return expr.seconds;
    case Op::kStep:
      return static_cast<double>(step_ms) / 1000.0;
    case Op::kRange:
      return static_cast<double>(range_ms) / 1000.0;
    default:
      break;
  }
  TM_ASSIGN_OR_RETURN(double rhs, EvaluateSeconds(*expr.rhs, step_ms, range_ms));
  if (expr.op == Op::kNegate) return -rhs;
  TM_ASSIGN_OR_RETURN(double lhs, EvaluateSeconds(*expr.lhs, step_ms, range_ms));
  switch (expr.op) {
    case Op::kAdd:
      return lhs + rhs;
    case Op::kSub:
      return lhs - rhs;
    case Op::kMul:
      return lhs * rhs;
    case Op::kDiv:
      if (rhs == 0) return Status::InvalidArgument("division by zero");
      return lhs / rhs;
    case Op::kMod:
      if (rhs == 0) return Status::InvalidArgument("modulo by zero");
      return std::fmod(lhs, rhs);
    case Op::kPow:
      return std::pow(lhs, rhs);
    case Op::kMinOf:
      return std::fmin(lhs, rhs);
    case Op::kMaxOf:
      return std::fmax(lhs, rhs);
    default:
      return Status::Internal("unexpected duration expression operator");
  }
}

bool NeedsQuery(const DurationExprPtr& expr) {
  return expr != nullptr && DurationExprUsesQuery(*expr);
}

// Resolves `expr` into `*target_ms` when it depends on the query.
Status ResolveOne(const DurationExprPtr& expr, bool allow_negative, int64_t step_ms,
                  int64_t range_ms, int64_t* target_ms) {
  if (!NeedsQuery(expr)) return Status::OK();
  TM_ASSIGN_OR_RETURN(*target_ms, EvaluateDurationMs(*expr, allow_negative, step_ms, range_ms));
  return Status::OK();
}

}  // namespace

bool DurationExprUsesQuery(const DurationExpr& expr) {
  if (expr.op == DurationExpr::Op::kStep || expr.op == DurationExpr::Op::kRange) return true;
  return (expr.lhs != nullptr && DurationExprUsesQuery(*expr.lhs)) ||
         (expr.rhs != nullptr && DurationExprUsesQuery(*expr.rhs));
}

Result<int64_t> EvaluateDurationMs(const DurationExpr& expr, bool allow_negative,
                                   int64_t query_step_ms, int64_t query_range_ms) {
  TM_ASSIGN_OR_RETURN(double seconds, EvaluateSeconds(expr, query_step_ms, query_range_ms));
  if (seconds <= 0 && !allow_negative) {
    return Status::InvalidArgument("duration must be greater than 0");
  }
  // A time.Duration counts nanoseconds in an int64; beyond that Prometheus' value is meaningless.
  constexpr double kMaxMs = 9223372036854.775807;
  const double ms = std::trunc(seconds * 1000);
  if (std::isnan(ms) || ms > kMaxMs || ms < -kMaxMs) {
    return Status::InvalidArgument("duration is out of range");
  }
  return static_cast<int64_t>(ms);
}

bool HasQueryDependentDurations(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      return false;
    case ExprKind::kVectorSelector:
      return NeedsQuery(static_cast<const VectorSelector&>(expr).offset_expr);
    case ExprKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(expr);
      return NeedsQuery(ms.range_expr) || HasQueryDependentDurations(*ms.selector);
    }
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(expr);
      return NeedsQuery(sq.range_expr) || NeedsQuery(sq.step_expr) || NeedsQuery(sq.offset_expr) ||
             HasQueryDependentDurations(*sq.expr);
    }
    case ExprKind::kParen:
      return HasQueryDependentDurations(*static_cast<const ParenExpr&>(expr).expr);
    case ExprKind::kUnary:
      return HasQueryDependentDurations(*static_cast<const UnaryExpr&>(expr).expr);
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(expr);
      return HasQueryDependentDurations(*b.lhs) || HasQueryDependentDurations(*b.rhs);
    }
    case ExprKind::kAggregate: {
      const auto& agg = static_cast<const AggregateExpr&>(expr);
      return HasQueryDependentDurations(*agg.expr) ||
             (agg.param != nullptr && HasQueryDependentDurations(*agg.param));
    }
    case ExprKind::kCall:
      for (const ExprPtr& arg : static_cast<const Call&>(expr).args) {
        if (HasQueryDependentDurations(*arg)) return true;
      }
      return false;
  }
  return false;
}

Status ResolveQueryDurations(Expr* expr, int64_t query_step_ms, int64_t query_range_ms) {
  const int64_t step = query_step_ms;
  const int64_t range = query_range_ms;
  switch (expr->kind) {
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      return Status::OK();
    case ExprKind::kVectorSelector: {
      auto* vs = static_cast<VectorSelector*>(expr);
      return ResolveOne(vs->offset_expr, /*allow_negative=*/true, step, range, &vs->offset_ms);
    }
    case ExprKind::kMatrixSelector: {
      auto* ms = static_cast<MatrixSelector*>(expr);
      TM_RETURN_IF_ERROR(
          ResolveOne(ms->range_expr, /*allow_negative=*/false, step, range, &ms->range_ms));
      return ResolveQueryDurations(ms->selector.get(), step, range);
    }
    case ExprKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(expr);
      TM_RETURN_IF_ERROR(
          ResolveOne(sq->range_expr, /*allow_negative=*/false, step, range, &sq->range_ms));
      TM_RETURN_IF_ERROR(
          ResolveOne(sq->step_expr, /*allow_negative=*/false, step, range, &sq->step_ms));
      TM_RETURN_IF_ERROR(
          ResolveOne(sq->offset_expr, /*allow_negative=*/true, step, range, &sq->offset_ms));
      return ResolveQueryDurations(sq->expr.get(), step, range);
    }
    case ExprKind::kParen:
      return ResolveQueryDurations(static_cast<ParenExpr*>(expr)->expr.get(), step, range);
    case ExprKind::kUnary:
      return ResolveQueryDurations(static_cast<UnaryExpr*>(expr)->expr.get(), step, range);
    case ExprKind::kBinary: {
      auto* b = static_cast<BinaryExpr*>(expr);
      TM_RETURN_IF_ERROR(ResolveQueryDurations(b->lhs.get(), step, range));
      return ResolveQueryDurations(b->rhs.get(), step, range);
    }
    case ExprKind::kAggregate: {
      auto* agg = static_cast<AggregateExpr*>(expr);
      TM_RETURN_IF_ERROR(ResolveQueryDurations(agg->expr.get(), step, range));
      if (agg->param != nullptr) return ResolveQueryDurations(agg->param.get(), step, range);
      return Status::OK();
    }
    case ExprKind::kCall:
      for (ExprPtr& arg : static_cast<Call*>(expr)->args) {
        TM_RETURN_IF_ERROR(ResolveQueryDurations(arg.get(), step, range));
      }
      return Status::OK();
  }
  return Status::OK();
}

}  // namespace tidemark::promql
