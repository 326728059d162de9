#include "query/traceql/planner.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "query/traceql/value.h"

namespace tidemark::traceql {
namespace {

using Alternatives = std::vector<Conjunction>;

constexpr size_t kMaxAlternatives = 16;

Alternatives AnySpan() { return {Conjunction{}}; }

bool HasEmpty(const Alternatives& a) {
  return std::any_of(a.begin(), a.end(), [](const Conjunction& c) { return c.empty(); });
}

// How selective alternatives are: the fewest conditions any of them has.
size_t Score(const Alternatives& a) {
  size_t score = SIZE_MAX;
  for (const Conjunction& c : a) score = std::min(score, c.size());
  return a.empty() ? 0 : score;
}

const Alternatives& Better(const Alternatives& a, const Alternatives& b) {
  if (Score(a) != Score(b)) return Score(a) > Score(b) ? a : b;
  if (a.size() != b.size()) return a.size() < b.size() ? a : b;
  return a;
}

Alternatives Either(Alternatives a, const Alternatives& b) {
  if (HasEmpty(a) || HasEmpty(b)) return AnySpan();
  a.insert(a.end(), b.begin(), b.end());
  if (a.size() > kMaxAlternatives) return AnySpan();
  return a;
}

Alternatives Both(const Alternatives& a, const Alternatives& b) {
  if (a.size() * b.size() > kMaxAlternatives) return Better(a, b);
  Alternatives out;
  for (const Conjunction& x : a) {
    for (const Conjunction& y : b) {
      Conjunction c = x;
      c.insert(c.end(), y.begin(), y.end());
      out.push_back(std::move(c));
    }
  }
  return out;
}

struct Target {
  ConditionScope scope;
  std::string key;
  Intrinsic intrinsic;
};

std::optional<Target> TargetOf(const Node& node) {
  if (node.kind != NodeKind::kAttribute || node.parent) return std::nullopt;
  switch (node.intrinsic) {
    case Intrinsic::kNone:
      switch (node.scope) {
        case AttributeScope::kNone:
          return Target{ConditionScope::kAny, node.text, Intrinsic::kNone};
        case AttributeScope::kSpan:
          return Target{ConditionScope::kSpan, node.text, Intrinsic::kNone};
        case AttributeScope::kResource:
          return Target{ConditionScope::kResource, node.text, Intrinsic::kNone};
        default:
          return std::nullopt;
      }
    case Intrinsic::kName:
      return Target{ConditionScope::kIntrinsic, "name", node.intrinsic};
    case Intrinsic::kStatusMessage:
      return Target{ConditionScope::kIntrinsic, "status_message", node.intrinsic};
    case Intrinsic::kDuration:
      return Target{ConditionScope::kIntrinsic, "duration", node.intrinsic};
    case Intrinsic::kStatus:
      return Target{ConditionScope::kIntrinsic, "status", node.intrinsic};
    case Intrinsic::kKind:
      return Target{ConditionScope::kIntrinsic, "kind", node.intrinsic};
    default:
      return std::nullopt;
  }
}

// The condition's value for a literal compared with `target`, if the storage compares it as
// the evaluator does.
std::optional<AnyValue> ConditionValue(const Target& target, const Node& literal) {
  // A negative number is written as unary minus on a literal: `.a = -1`.
  if (literal.kind == NodeKind::kUnary && literal.op == FieldOp::kNeg &&
      literal.children[0]->kind == NodeKind::kStatic) {
    std::optional<AnyValue> v = ConditionValue(target, *literal.children[0]);
    if (!v) return std::nullopt;
    if (v->type == AnyValue::Type::kInt) {
      return AnyValue::Int(static_cast<int64_t>(0 - static_cast<uint64_t>(v->int_value)));
    }
    if (v->type == AnyValue::Type::kDouble) return AnyValue::Double(-v->double_value);
    return std::nullopt;
  }
  if (literal.kind != NodeKind::kStatic) return std::nullopt;
  const ValueType t = literal.static_type;
  switch (target.intrinsic) {
    case Intrinsic::kNone:
      switch (t) {
        case ValueType::kString:
          return AnyValue::String(literal.text);
        case ValueType::kInt:
        case ValueType::kDuration:
          return AnyValue::Int(literal.int_value);
        case ValueType::kFloat:
          return AnyValue::Double(literal.float_value);
        case ValueType::kBool:
          return AnyValue::Bool(literal.bool_value);
        default:
          return std::nullopt;
      }
    case Intrinsic::kName:
    case Intrinsic::kStatusMessage:
      if (t == ValueType::kString) return AnyValue::String(literal.text);
      return std::nullopt;
    case Intrinsic::kDuration:
      if (t == ValueType::kInt || t == ValueType::kDuration)
        return AnyValue::Int(literal.int_value);
      if (t == ValueType::kFloat) return AnyValue::Double(literal.float_value);
      return std::nullopt;
    case Intrinsic::kStatus:
      if (t != ValueType::kStatus) return std::nullopt;
      return AnyValue::String(
          std::string(SpanStatusName(static_cast<SpanStatusCode>(literal.int_value))));
    case Intrinsic::kKind:
      if (t != ValueType::kKind) return std::nullopt;
      return AnyValue::String(std::string(SpanKindName(static_cast<SpanKind>(literal.int_value))));
    default:
      return std::nullopt;
  }
}

std::optional<ConditionOp> ConditionOpOf(FieldOp op, bool mirrored) {
  switch (op) {
    case FieldOp::kEq:
      return ConditionOp::kEq;
    case FieldOp::kNe:
      return ConditionOp::kNe;
    case FieldOp::kLt:
      return mirrored ? ConditionOp::kGt : ConditionOp::kLt;
    case FieldOp::kLe:
      return mirrored ? ConditionOp::kGe : ConditionOp::kLe;
    case FieldOp::kGt:
      return mirrored ? ConditionOp::kLt : ConditionOp::kGt;
    case FieldOp::kGe:
      return mirrored ? ConditionOp::kLe : ConditionOp::kGe;
    case FieldOp::kRegex:
      if (mirrored) return std::nullopt;
      return ConditionOp::kRegex;
    case FieldOp::kNotRegex:
      if (mirrored) return std::nullopt;
      return ConditionOp::kNotRegex;
    default:
      return std::nullopt;
  }
}

Alternatives Comparison(const Node& node) {
  const Node& lhs = *node.children[0];
  const Node& rhs = *node.children[1];
  bool mirrored = false;
  std::optional<Target> target = TargetOf(lhs);
  const Node* literal = &rhs;
  if (!target) {
    target = TargetOf(rhs);
    literal = &lhs;
    mirrored = true;
  }
  if (!target) return AnySpan();
  const std::optional<ConditionOp> op = ConditionOpOf(node.op, mirrored);
  const std::optional<AnyValue> value = ConditionValue(*target, *literal);
  if (!op || !value) return AnySpan();
  // The service is also an intrinsic the storage skips segments by and reads from its own
  // column: the same test without decoding resources (the evaluator checks the rest anyway).
  if (target->scope == ConditionScope::kResource && target->key == "service.name" &&
      *op == ConditionOp::kEq && value->type == AnyValue::Type::kString &&
      !value->string_value.empty()) {
    return {{SpanCondition{ConditionScope::kIntrinsic, "service.name", ConditionOp::kEq, *value}}};
  }
  return {{SpanCondition{target->scope, target->key, *op, *value}}};
}

Alternatives FieldConditions(const Node& node) {
  switch (node.kind) {
    case NodeKind::kBinary:
      if (node.op == FieldOp::kAnd) {
        return Both(FieldConditions(*node.children[0]), FieldConditions(*node.children[1]));
      }
      if (node.op == FieldOp::kOr) {
        return Either(FieldConditions(*node.children[0]), FieldConditions(*node.children[1]));
      }
      if (IsComparisonOp(node.op)) return Comparison(node);
      return AnySpan();
    case NodeKind::kUnary: {
      if (node.op != FieldOp::kExists && node.op != FieldOp::kNotExists) return AnySpan();
      const std::optional<Target> target = TargetOf(*node.children[0]);
      if (!target || target->intrinsic != Intrinsic::kNone) return AnySpan();
      return {{SpanCondition{
          target->scope, target->key,
          node.op == FieldOp::kExists ? ConditionOp::kExists : ConditionOp::kNotExists,
          AnyValue()}}};
    }
    case NodeKind::kAttribute: {
      // A filter of one attribute holds when it is the boolean true.
      const std::optional<Target> target = TargetOf(node);
      if (!target || target->intrinsic != Intrinsic::kNone) return AnySpan();
      return {{SpanCondition{target->scope, target->key, ConditionOp::kEq, AnyValue::Bool(true)}}};
    }
    default:
      return AnySpan();
  }
}

Alternatives SpansetConditions(const Node& node) {
  switch (node.kind) {
    case NodeKind::kSpansetFilter:
      return FieldConditions(*node.children[0]);
    case NodeKind::kSpansetOperation: {
      const Alternatives lhs = SpansetConditions(*node.children[0]);
      const Alternatives rhs = SpansetConditions(*node.children[1]);
      if (node.spanset_op == SpansetOp::kUnion) return Either(lhs, rhs);
      return Better(lhs, rhs);
    }
    case NodeKind::kPipeline: {
      Alternatives best = AnySpan();
      for (const NodePtr& stage : node.children) best = Better(best, SpansetConditions(*stage));
      return best;
    }
    case NodeKind::kScalarFilter:
      if (node.children[0]->kind == NodeKind::kPipeline) {
        return SpansetConditions(*node.children[0]);
      }
      return AnySpan();
    default:
      return AnySpan();
  }
}

void AddRequirements(const Node& node, std::vector<Alternatives>* out) {
  switch (node.kind) {
    case NodeKind::kSpansetFilter:
      out->push_back(FieldConditions(*node.children[0]));
      return;
    case NodeKind::kSpansetOperation:
      if (node.spanset_op == SpansetOp::kUnion) {
        out->push_back(SpansetConditions(node));
      } else {
        AddRequirements(*node.children[0], out);
        AddRequirements(*node.children[1], out);
      }
      return;
    case NodeKind::kPipeline:
      for (const NodePtr& stage : node.children) AddRequirements(*stage, out);
      return;
    case NodeKind::kScalarFilter:
      if (node.children[0]->kind == NodeKind::kPipeline) AddRequirements(*node.children[0], out);
      return;
    default:
      return;
  }
}

const Node* FirstFilter(const Node& node) {
  std::vector<const Node*> pending = {&node};
  while (!pending.empty()) {
    const Node* n = pending.back();
    pending.pop_back();
    if (n->kind == NodeKind::kSpansetFilter) return n;
    if (n->kind == NodeKind::kPipeline || n->kind == NodeKind::kSpansetOperation ||
        n->kind == NodeKind::kScalarFilter) {
      for (size_t i = n->children.size(); i-- > 0;) pending.push_back(n->children[i].get());
    }
  }
  return nullptr;
}

bool SameCondition(const SpanCondition& a, const SpanCondition& b) {
  return a.scope == b.scope && a.key == b.key && a.op == b.op && a.value == b.value;
}

}  // namespace

std::vector<Conjunction> PlanScan(const Query& query) {
  Alternatives plan = SpansetConditions(*query.root);
  if (plan.empty() || HasEmpty(plan)) return AnySpan();
  return plan;
}

std::vector<std::vector<Conjunction>> PlanRequirements(const Query& query) {
  std::vector<Alternatives> groups;
  AddRequirements(*query.root, &groups);
  std::erase_if(groups, [](const Alternatives& g) { return g.empty() || HasEmpty(g); });
  return groups;
}

std::optional<StructuralPlan> PlanStructural(const Query& query) {
  const Node* node = query.root.get();
  if (node->kind == NodeKind::kPipeline) node = node->children.front().get();
  if (node->kind != NodeKind::kSpansetOperation) return std::nullopt;
  switch (node->spanset_op) {
    case SpansetOp::kChild:
    case SpansetOp::kParent:
    case SpansetOp::kDescendant:
    case SpansetOp::kAncestor:
    case SpansetOp::kSibling:
    case SpansetOp::kUnionChild:
    case SpansetOp::kUnionParent:
    case SpansetOp::kUnionDescendant:
    case SpansetOp::kUnionAncestor:
    case SpansetOp::kUnionSibling:
      break;
    default:
      return std::nullopt;  // `&&`, `||` and the negations (a side gaining spans loses matches)
  }
  const Node& lhs = *node->children[0];
  const Node& rhs = *node->children[1];
  if (lhs.kind != NodeKind::kSpansetFilter || rhs.kind != NodeKind::kSpansetFilter) {
    return std::nullopt;
  }
  StructuralPlan plan;
  plan.op = node->spanset_op;
  plan.lhs = FieldConditions(*lhs.children[0]);
  plan.rhs = FieldConditions(*rhs.children[0]);
  if (plan.lhs.empty() || HasEmpty(plan.lhs)) plan.lhs = AnySpan();
  if (plan.rhs.empty() || HasEmpty(plan.rhs)) plan.rhs = AnySpan();
  return plan;
}

std::optional<CountPlan> PlanCount(const Query& query) {
  const Node& root = *query.root;
  if (root.kind != NodeKind::kPipeline || root.children.size() < 2) return std::nullopt;
  const Node& filter = *root.children[0];
  const Node& scalar = *root.children[1];
  if (filter.kind != NodeKind::kSpansetFilter || scalar.kind != NodeKind::kScalarFilter) {
    return std::nullopt;
  }
  const Node& aggregate = *scalar.children[0];
  const Node& bound = *scalar.children[1];
  if (aggregate.kind != NodeKind::kAggregate || aggregate.aggregate != AggregateOp::kCount ||
      bound.kind != NodeKind::kStatic) {
    return std::nullopt;
  }
  double n;
  if (bound.static_type == ValueType::kInt) {
    n = static_cast<double>(bound.int_value);
  } else if (bound.static_type == ValueType::kFloat) {
    n = bound.float_value;
  } else {
    return std::nullopt;
  }
  CountPlan plan;
  switch (scalar.op) {
    case FieldOp::kGt:
      plan.min_count = std::floor(n) + 1;  // counts are whole: more than n is at least floor(n)+1
      break;
    case FieldOp::kGe:
    case FieldOp::kEq:
      plan.min_count = std::ceil(n);
      break;
    default:
      return std::nullopt;  // `<`, `<=`, `!=` are met by traces with few spans
  }
  plan.filter = FieldConditions(*filter.children[0]);
  if (plan.filter.empty() || HasEmpty(plan.filter)) plan.filter = AnySpan();
  return plan;
}

bool SameAlternatives(const std::vector<Conjunction>& a, const std::vector<Conjunction>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const Conjunction& x, const Conjunction& y) {
                      return std::equal(x.begin(), x.end(), y.begin(), y.end(), SameCondition);
                    });
}

int ScanCost(const std::vector<Conjunction>& group) {
  int total = 0;
  for (const Conjunction& conjunction : group) {
    // A conjunction is evaluated cheapest condition first, the others only where it holds.
    int cheapest = 0;
    for (const SpanCondition& c : conjunction) {
      const int cost = c.scope == ConditionScope::kIntrinsic ? 1 : 3;
      cheapest = cheapest == 0 ? cost : std::min(cheapest, cost);
    }
    total += cheapest;
  }
  return total;
}

std::vector<SpanCondition> FirstFilterConditions(const Query& query) {
  const Node* filter = FirstFilter(*query.root);
  if (filter == nullptr) return {};
  const Alternatives alternatives = FieldConditions(*filter->children[0]);
  std::vector<SpanCondition> common;
  for (const SpanCondition& c : alternatives.front()) {
    const bool everywhere =
        std::all_of(alternatives.begin() + 1, alternatives.end(), [&](const Conjunction& other) {
          return std::any_of(other.begin(), other.end(),
                             [&](const SpanCondition& o) { return SameCondition(c, o); });
        });
    const bool duplicate = std::any_of(common.begin(), common.end(),
                                       [&](const SpanCondition& o) { return SameCondition(c, o); });
    if (everywhere && !duplicate) common.push_back(c);
  }
  return common;
}

}  // namespace tidemark::traceql
