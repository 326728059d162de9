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

ExprPtr CloneExpr(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kNumberLiteral: {
      auto out = std::make_unique<NumberLiteral>();
      out->value = static_cast<const NumberLiteral&>(expr).value;
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kStringLiteral: {
      auto out = std::make_unique<StringLiteral>();
      out->value = static_cast<const StringLiteral&>(expr).value;
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kVectorSelector: {
      const auto& in = static_cast<const VectorSelector&>(expr);
      auto out = std::make_unique<VectorSelector>();
      out->name = in.name;
      out->matchers = in.matchers;
      out->offset_ms = in.offset_ms;
      out->at = in.at;
      out->at_ms = in.at_ms;
      out->offset_expr = in.offset_expr;
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kMatrixSelector: {
      const auto& in = static_cast<const MatrixSelector&>(expr);
      auto out = std::make_unique<MatrixSelector>();
      out->selector = CloneExpr(*in.selector);
      out->range_ms = in.range_ms;
      out->range_expr = in.range_expr;
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kSubquery: {
      const auto& in = static_cast<const SubqueryExpr&>(expr);
      auto out = std::make_unique<SubqueryExpr>();
      out->expr = CloneExpr(*in.expr);
      out->range_ms = in.range_ms;
      out->step_ms = in.step_ms;
      out->offset_ms = in.offset_ms;
      out->at = in.at;
      out->at_ms = in.at_ms;
      out->range_expr = in.range_expr;
      out->step_expr = in.step_expr;
      out->offset_expr = in.offset_expr;
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kParen: {
      auto out = std::make_unique<ParenExpr>();
      out->expr = CloneExpr(*static_cast<const ParenExpr&>(expr).expr);
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kUnary: {
      const auto& in = static_cast<const UnaryExpr&>(expr);
      auto out = std::make_unique<UnaryExpr>();
      out->negate = in.negate;
      out->expr = CloneExpr(*in.expr);
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kBinary: {
      const auto& in = static_cast<const BinaryExpr&>(expr);
      auto out = std::make_unique<BinaryExpr>();
      out->op = in.op;
      out->lhs = CloneExpr(*in.lhs);
      out->rhs = CloneExpr(*in.rhs);
      out->return_bool = in.return_bool;
      if (in.matching) out->matching = std::make_unique<VectorMatching>(*in.matching);
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kAggregate: {
      const auto& in = static_cast<const AggregateExpr&>(expr);
      auto out = std::make_unique<AggregateExpr>();
      out->op = in.op;
      out->expr = CloneExpr(*in.expr);
      if (in.param) out->param = CloneExpr(*in.param);
      out->grouping = in.grouping;
      out->without = in.without;
      out->grouping_written = in.grouping_written;
      out->pos = expr.pos;
      return out;
    }
    case ExprKind::kCall: {
      const auto& in = static_cast<const Call&>(expr);
      auto out = std::make_unique<Call>();
      out->func = in.func;
      for (const ExprPtr& arg : in.args) out->args.push_back(CloneExpr(*arg));
      out->pos = expr.pos;
      return out;
    }
  }
  return nullptr;
}

}  // namespace tidemark::promql
