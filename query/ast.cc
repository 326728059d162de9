#include "query/ast.h"

#include <algorithm>

namespace tidemark::promql {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNone:
      return "none";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "unknown";
}

std::string_view ValueTypeApiName(ValueType type) {
  switch (type) {
    case ValueType::kNone:
      return "none";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kString:
      return "string";
  }
  return "unknown";
}

ValueType Expr::type() const {
  switch (kind) {
    case ExprKind::kNumberLiteral:
      return ValueType::kScalar;
    case ExprKind::kStringLiteral:
      return ValueType::kString;
    case ExprKind::kVectorSelector:
      return ValueType::kVector;
    case ExprKind::kMatrixSelector:
    case ExprKind::kSubquery:
      return ValueType::kMatrix;
    case ExprKind::kParen:
      return static_cast<const ParenExpr*>(this)->expr->type();
    case ExprKind::kUnary:
      return static_cast<const UnaryExpr*>(this)->expr->type();
    case ExprKind::kBinary: {
      auto* b = static_cast<const BinaryExpr*>(this);
      return b->lhs->type() == ValueType::kScalar && b->rhs->type() == ValueType::kScalar
                 ? ValueType::kScalar
                 : ValueType::kVector;
    }
    case ExprKind::kAggregate:
      return ValueType::kVector;
    case ExprKind::kCall:
      return static_cast<const Call*>(this)->func->return_type;
  }
  return ValueType::kNone;
}

std::string_view BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparisonOp(BinaryOp op) {
  return op == BinaryOp::kEql || op == BinaryOp::kNeq || op == BinaryOp::kGtr ||
         op == BinaryOp::kLss || op == BinaryOp::kGte || op == BinaryOp::kLte;
}

bool IsSetOp(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view AggregateOpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kGroup:
      return "group";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kTopk:
      return "topk";
    case AggregateOp::kBottomk:
      return "bottomk";
    case AggregateOp::kQuantile:
      return "quantile";
    case AggregateOp::kCountValues:
      return "count_values";
    case AggregateOp::kLimitk:
      return "limitk";
    case AggregateOp::kLimitRatio:
      return "limit_ratio";
  }
  return "?";
}

bool AggregateTakesParam(AggregateOp op) {
  return op == AggregateOp::kTopk || op == AggregateOp::kBottomk || op == AggregateOp::kQuantile ||
         op == AggregateOp::kCountValues || op == AggregateOp::kLimitk ||
         op == AggregateOp::kLimitRatio;
}

namespace {

// The owning child pointers of `expr`, so that both the readers and DestroyExpr share one list.
std::vector<ExprPtr*> ChildSlots(Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kMatrixSelector:
      return {&static_cast<MatrixSelector&>(expr).selector};
    case ExprKind::kSubquery:
      return {&static_cast<SubqueryExpr&>(expr).expr};
    case ExprKind::kParen:
      return {&static_cast<ParenExpr&>(expr).expr};
    case ExprKind::kUnary:
      return {&static_cast<UnaryExpr&>(expr).expr};
    case ExprKind::kBinary: {
      auto& b = static_cast<BinaryExpr&>(expr);
      return {&b.lhs, &b.rhs};
    }
    case ExprKind::kAggregate: {
      auto& a = static_cast<AggregateExpr&>(expr);
      return {&a.param, &a.expr};
    }
    case ExprKind::kCall: {
      std::vector<ExprPtr*> slots;
      for (ExprPtr& arg : static_cast<Call&>(expr).args) slots.push_back(&arg);
      return slots;
    }
    default:
      return {};
  }
}

}  // namespace

std::vector<const Expr*> ChildrenOf(const Expr& expr) {
  std::vector<const Expr*> children;
  // ChildSlots only reads the pointers here; the const_cast does not let anything change.
  for (ExprPtr* slot : ChildSlots(const_cast<Expr&>(expr))) {
    if (*slot) children.push_back(slot->get());
  }
  return children;
}

size_t ExprHeight(const Expr& expr) {
  size_t height = 0;
  std::vector<std::pair<const Expr*, size_t>> stack = {{&expr, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    height = std::max(height, depth);
    for (const Expr* child : ChildrenOf(*node)) stack.push_back({child, depth + 1});
  }
  return height;
}

void DestroyExpr(ExprPtr expr) {
  std::vector<ExprPtr> pending;
  pending.push_back(std::move(expr));
  while (!pending.empty()) {
    ExprPtr node = std::move(pending.back());
    pending.pop_back();
    if (!node) continue;
    for (ExprPtr* slot : ChildSlots(*node)) pending.push_back(std::move(*slot));
    // `node` now owns no children, so its destructor does not recurse.
  }
}

}  // namespace tidemark::promql
