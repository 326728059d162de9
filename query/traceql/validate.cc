// Type checking as Tempo's ast_validate.go does it, then what we parse but do not run. Types are
// those a value is known to have before reading data (ValueType::kAttribute when only the data
// will tell); a binary operation needs operands of one type (numbers mix freely) and an operator
// valid for it, as Tempo's isMatchingOperand and binaryTypesValid.
#include <re2/re2.h>

#include "query/traceql/parser.h"
#include "util/status_macros.h"

namespace tidemark::traceql {
namespace {

ValueType FieldType(const Node& node) {
  switch (node.kind) {
    case NodeKind::kStatic:
      return node.static_type;
    case NodeKind::kAttribute:
      return node.parent ? ValueType::kAttribute : IntrinsicType(node.intrinsic);
    case NodeKind::kUnary:
      if (node.op == FieldOp::kExists || node.op == FieldOp::kNotExists) return ValueType::kBool;
      return FieldType(*node.children[0]);
    case NodeKind::kBinary: {
      if (IsBooleanOp(node.op)) return ValueType::kBool;
      const ValueType lhs = FieldType(*node.children[0]);
      return lhs != ValueType::kAttribute ? lhs : FieldType(*node.children[1]);
    }
    default:
      return ValueType::kAttribute;
  }
}

ValueType ScalarType(const Node& node) {
  switch (node.kind) {
    case NodeKind::kStatic:
      return node.static_type;
    case NodeKind::kAggregate:
      if (node.aggregate == AggregateOp::kCount) return ValueType::kInt;
      return FieldType(*node.children[0]);
    case NodeKind::kScalarOperation: {
      const ValueType lhs = ScalarType(*node.children[0]);
      return lhs != ValueType::kAttribute ? lhs : ScalarType(*node.children[1]);
    }
    case NodeKind::kPipeline:
      return ScalarType(*node.children.back());
    default:
      return ValueType::kAttribute;
  }
}

bool MatchingOperands(ValueType a, ValueType b) {
  if (a == ValueType::kAttribute || b == ValueType::kAttribute) return true;
  if (a == b) return true;
  return IsNumericType(a) && IsNumericType(b);
}

bool OpValidFor(FieldOp op, ValueType t) {
  switch (t) {
    case ValueType::kAttribute:
      return true;
    case ValueType::kBool:
      return op == FieldOp::kAnd || op == FieldOp::kOr || op == FieldOp::kEq || op == FieldOp::kNe;
    case ValueType::kInt:
    case ValueType::kFloat:
    case ValueType::kDuration:
      return op == FieldOp::kAdd || op == FieldOp::kSub || op == FieldOp::kMul ||
             op == FieldOp::kDiv || op == FieldOp::kMod || op == FieldOp::kPow ||
             op == FieldOp::kEq || op == FieldOp::kNe || op == FieldOp::kGt || op == FieldOp::kGe ||
             op == FieldOp::kLt || op == FieldOp::kLe;
    case ValueType::kString:
      return op == FieldOp::kEq || op == FieldOp::kNe || op == FieldOp::kRegex ||
             op == FieldOp::kNotRegex || op == FieldOp::kGt || op == FieldOp::kGe ||
             op == FieldOp::kLt || op == FieldOp::kLe;
    case ValueType::kNil:
    case ValueType::kStatus:
    case ValueType::kKind:
      return op == FieldOp::kEq || op == FieldOp::kNe;
    default:
      return false;
  }
}

Status Invalid(const std::string& what, const Node& node) {
  return Status::InvalidArgument(what + ": " + FormatNode(node));
}

Status Unsupported(const std::string& feature, const Node& node) {
  return Status::InvalidArgument(feature + " is not supported yet: " + FormatNode(node));
}

Status ValidateField(const Node& node) {
  switch (node.kind) {
    case NodeKind::kStatic:
      return Status::OK();
    case NodeKind::kAttribute:
      if (node.parent) return Unsupported("parent", node);
      if (node.intrinsic == Intrinsic::kParent) return Unsupported("the intrinsic parent", node);
      if (node.intrinsic == Intrinsic::kChildCount) {
        return Unsupported("the intrinsic childCount", node);
      }
      return Status::OK();
    case NodeKind::kUnary: {
      const Node& operand = *node.children[0];
      TM_RETURN_IF_ERROR(ValidateField(operand));
      const ValueType t = FieldType(operand);
      if (t == ValueType::kAttribute) return Status::OK();
      if (node.op == FieldOp::kNeg && !IsNumericType(t)) {
        return Invalid("illegal operation for the given type", node);
      }
      if (node.op == FieldOp::kNot && t != ValueType::kBool) {
        return Invalid("illegal operation for the given type", node);
      }
      return Status::OK();
    }
    case NodeKind::kBinary: {
      const Node& lhs = *node.children[0];
      const Node& rhs = *node.children[1];
      TM_RETURN_IF_ERROR(ValidateField(lhs));
      TM_RETURN_IF_ERROR(ValidateField(rhs));
      const ValueType lt = FieldType(lhs);
      const ValueType rt = FieldType(rhs);
      if (!MatchingOperands(lt, rt)) {
        return Invalid("binary operations must operate on the same type", node);
      }
      if (!OpValidFor(node.op, lt) || !OpValidFor(node.op, rt)) {
        return Invalid("illegal operation for the given types", node);
      }
      if ((node.op == FieldOp::kRegex || node.op == FieldOp::kNotRegex) &&
          rhs.kind == NodeKind::kStatic && rhs.static_type == ValueType::kString) {
        RE2::Options options;
        options.set_log_errors(false);
        RE2 re(rhs.text, options);
        if (!re.ok()) {
          return Status::InvalidArgument("invalid regex " + FormatNode(rhs) + ": " + re.error());
        }
      }
      return Status::OK();
    }
    default:
      return Status::Internal("not a field expression: " + FormatNode(node));
  }
}

Status ValidateScalar(const Node& node);

Status ValidateAggregate(const Node& node) {
  if (node.aggregate == AggregateOp::kCount) return Status::OK();
  const Node& expr = *node.children[0];
  TM_RETURN_IF_ERROR(ValidateField(expr));
  const ValueType t = FieldType(expr);
  if (t != ValueType::kAttribute && !IsNumericType(t)) {
    return Invalid("aggregate field expressions must resolve to a number type", node);
  }
  if (!ReferencesSpan(expr)) {
    return Invalid("aggregate field expressions must reference the span", node);
  }
  return Status::OK();
}

Status ValidatePipelineLevel(const Node& node);

Status ValidateScalar(const Node& node) {
  switch (node.kind) {
    case NodeKind::kStatic:
      return Status::OK();
    case NodeKind::kAggregate:
      return ValidateAggregate(node);
    case NodeKind::kPipeline:
      return ValidatePipelineLevel(node);
    case NodeKind::kScalarOperation: {
      TM_RETURN_IF_ERROR(ValidateScalar(*node.children[0]));
      TM_RETURN_IF_ERROR(ValidateScalar(*node.children[1]));
      const ValueType lt = ScalarType(*node.children[0]);
      const ValueType rt = ScalarType(*node.children[1]);
      if (!MatchingOperands(lt, rt)) {
        return Invalid("binary operations must operate on the same type", node);
      }
      if (!OpValidFor(node.op, lt) || !OpValidFor(node.op, rt)) {
        return Invalid("illegal operation for the given types", node);
      }
      return Status::OK();
    }
    default:
      return Status::Internal("not a scalar expression: " + FormatNode(node));
  }
}

Status ValidateScalarFilter(const Node& node) {
  const Node& lhs = *node.children[0];
  const Node& rhs = *node.children[1];
  TM_RETURN_IF_ERROR(ValidateScalar(lhs));
  TM_RETURN_IF_ERROR(ValidateScalar(rhs));
  const ValueType lt = ScalarType(lhs);
  const ValueType rt = ScalarType(rhs);
  if (!MatchingOperands(lt, rt)) {
    return Invalid("binary operations must operate on the same type", node);
  }
  if (!OpValidFor(node.op, lt) || !OpValidFor(node.op, rt)) {
    return Invalid("illegal operation for the given types", node);
  }
  // What runs: an aggregate (or one wrapped scalar pipeline) compared with a value, as Tempo.
  const bool lhs_runs = lhs.kind == NodeKind::kAggregate || lhs.kind == NodeKind::kPipeline;
  if (!lhs_runs) {
    return Unsupported("a scalar filter whose left side is not an aggregate", node);
  }
  if (rhs.kind != NodeKind::kStatic) {
    return Unsupported("a scalar filter whose right side is not a value", node);
  }
  return Status::OK();
}

Status ValidatePipelineLevel(const Node& node) {
  switch (node.kind) {
    case NodeKind::kPipeline:
      for (const NodePtr& stage : node.children) TM_RETURN_IF_ERROR(ValidatePipelineLevel(*stage));
      return Status::OK();
    case NodeKind::kSpansetFilter: {
      const Node& expr = *node.children[0];
      TM_RETURN_IF_ERROR(ValidateField(expr));
      const ValueType t = FieldType(expr);
      if (t != ValueType::kAttribute && t != ValueType::kBool) {
        return Invalid("span filter field expressions must resolve to a boolean", node);
      }
      return Status::OK();
    }
    case NodeKind::kSpansetOperation:
      TM_RETURN_IF_ERROR(ValidatePipelineLevel(*node.children[0]));
      return ValidatePipelineLevel(*node.children[1]);
    case NodeKind::kScalarFilter:
      return ValidateScalarFilter(node);
    case NodeKind::kAggregate:
      return ValidateAggregate(node);
    case NodeKind::kGroup: {
      const Node& expr = *node.children[0];
      if (!ReferencesSpan(expr)) {
        return Invalid("grouping field expressions must reference the span", node);
      }
      return ValidateField(expr);
    }
    case NodeKind::kCoalesce:
      return Status::OK();
    case NodeKind::kSelect:
      for (const NodePtr& attribute : node.children) TM_RETURN_IF_ERROR(ValidateField(*attribute));
      return Status::OK();
    default:
      return Status::Internal("unexpected node in a pipeline: " + FormatNode(node));
  }
}

}  // namespace

Status ValidateQuery(const Query& query) { return ValidatePipelineLevel(*query.root); }

}  // namespace tidemark::traceql
