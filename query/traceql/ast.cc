#include "query/traceql/ast.h"

#include <algorithm>
#include <utility>

namespace tidemark::traceql {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kNil:
      return "nil";
    case ValueType::kInt:
      return "int";
    case ValueType::kFloat:
      return "float";
    case ValueType::kString:
      return "string";
    case ValueType::kBool:
      return "boolean";
    case ValueType::kDuration:
      return "duration";
    case ValueType::kStatus:
      return "status";
    case ValueType::kKind:
      return "kind";
    case ValueType::kAttribute:
      return "attribute";
    case ValueType::kOpaque:
      return "opaque";
  }
  return "unknown";
}

bool IsNumericType(ValueType type) {
  return type == ValueType::kInt || type == ValueType::kFloat || type == ValueType::kDuration;
}

std::string_view FieldOpText(FieldOp op) {
  switch (op) {
    case FieldOp::kAdd:
      return "+";
    case FieldOp::kSub:
    case FieldOp::kNeg:
      return "-";
    case FieldOp::kMul:
      return "*";
    case FieldOp::kDiv:
      return "/";
    case FieldOp::kMod:
      return "%";
    case FieldOp::kPow:
      return "^";
    case FieldOp::kEq:
      return "=";
    case FieldOp::kNe:
      return "!=";
    case FieldOp::kLt:
      return "<";
    case FieldOp::kLe:
      return "<=";
    case FieldOp::kGt:
      return ">";
    case FieldOp::kGe:
      return ">=";
    case FieldOp::kRegex:
      return "=~";
    case FieldOp::kNotRegex:
      return "!~";
    case FieldOp::kAnd:
      return "&&";
    case FieldOp::kOr:
      return "||";
    case FieldOp::kNot:
      return "!";
    case FieldOp::kExists:
      return "!= nil";
    case FieldOp::kNotExists:
      return "= nil";
  }
  return "?";
}

bool IsComparisonOp(FieldOp op) {
  switch (op) {
    case FieldOp::kEq:
    case FieldOp::kNe:
    case FieldOp::kLt:
    case FieldOp::kLe:
    case FieldOp::kGt:
    case FieldOp::kGe:
    case FieldOp::kRegex:
    case FieldOp::kNotRegex:
      return true;
    default:
      return false;
  }
}

bool IsBooleanOp(FieldOp op) {
  return IsComparisonOp(op) || op == FieldOp::kAnd || op == FieldOp::kOr || op == FieldOp::kNot ||
         op == FieldOp::kExists || op == FieldOp::kNotExists;
}

std::string_view SpansetOpText(SpansetOp op) {
  switch (op) {
    case SpansetOp::kAnd:
      return "&&";
    case SpansetOp::kUnion:
      return "||";
    case SpansetOp::kChild:
      return ">";
    case SpansetOp::kParent:
      return "<";
    case SpansetOp::kDescendant:
      return ">>";
    case SpansetOp::kAncestor:
      return "<<";
    case SpansetOp::kSibling:
      return "~";
    case SpansetOp::kNotChild:
      return "!>";
    case SpansetOp::kNotParent:
      return "!<";
    case SpansetOp::kNotDescendant:
      return "!>>";
    case SpansetOp::kNotAncestor:
      return "!<<";
    case SpansetOp::kNotSibling:
      return "!~";
    case SpansetOp::kUnionChild:
      return "&>";
    case SpansetOp::kUnionParent:
      return "&<";
    case SpansetOp::kUnionDescendant:
      return "&>>";
    case SpansetOp::kUnionAncestor:
      return "&<<";
    case SpansetOp::kUnionSibling:
      return "&~";
  }
  return "?";
}

std::string_view AggregateOpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kSum:
      return "sum";
  }
  return "?";
}

std::string_view IntrinsicName(Intrinsic intrinsic) {
  switch (intrinsic) {
    case Intrinsic::kNone:
      return "";
    case Intrinsic::kDuration:
      return "duration";
    case Intrinsic::kName:
      return "name";
    case Intrinsic::kStatus:
      return "status";
    case Intrinsic::kStatusMessage:
      return "statusMessage";
    case Intrinsic::kKind:
      return "kind";
    case Intrinsic::kChildCount:
      return "childCount";
    case Intrinsic::kParent:
      return "parent";
    case Intrinsic::kTraceDuration:
      return "traceDuration";
    case Intrinsic::kTraceRootName:
      return "rootName";
    case Intrinsic::kTraceRootService:
      return "rootServiceName";
    case Intrinsic::kTraceId:
      return "trace:id";
    case Intrinsic::kSpanId:
      return "span:id";
    case Intrinsic::kParentId:
      return "span:parentID";
    case Intrinsic::kNestedSetLeft:
      return "nestedSetLeft";
    case Intrinsic::kNestedSetRight:
      return "nestedSetRight";
    case Intrinsic::kNestedSetParent:
      return "nestedSetParent";
    case Intrinsic::kEventName:
      return "event:name";
    case Intrinsic::kEventTimeSinceStart:
      return "event:timeSinceStart";
    case Intrinsic::kLinkTraceId:
      return "link:traceID";
    case Intrinsic::kLinkSpanId:
      return "link:spanID";
    case Intrinsic::kInstrumentationName:
      return "instrumentation:name";
    case Intrinsic::kInstrumentationVersion:
      return "instrumentation:version";
  }
  return "";
}

ValueType IntrinsicType(Intrinsic intrinsic) {
  switch (intrinsic) {
    case Intrinsic::kNone:
      return ValueType::kAttribute;
    case Intrinsic::kDuration:
    case Intrinsic::kTraceDuration:
    case Intrinsic::kEventTimeSinceStart:
      return ValueType::kDuration;
    case Intrinsic::kStatus:
      return ValueType::kStatus;
    case Intrinsic::kKind:
      return ValueType::kKind;
    case Intrinsic::kChildCount:
    case Intrinsic::kNestedSetLeft:
    case Intrinsic::kNestedSetRight:
    case Intrinsic::kNestedSetParent:
      return ValueType::kInt;
    case Intrinsic::kParent:
      return ValueType::kNil;
    default:
      return ValueType::kString;
  }
}

bool IsTraceIntrinsic(Intrinsic intrinsic) {
  return intrinsic == Intrinsic::kTraceDuration || intrinsic == Intrinsic::kTraceRootName ||
         intrinsic == Intrinsic::kTraceRootService || intrinsic == Intrinsic::kTraceId;
}

Node::~Node() {
  if (children.empty()) return;
  std::vector<NodePtr> pending = std::move(children);
  while (!pending.empty()) {
    NodePtr node = std::move(pending.back());
    pending.pop_back();
    if (!node) continue;
    for (NodePtr& child : node->children) pending.push_back(std::move(child));
    node->children.clear();
    // `node` owns no children now: its destructor returns at once.
  }
}

NodePtr MakeStatic(ValueType type, int pos) {
  auto node = std::make_unique<Node>(NodeKind::kStatic);
  node->static_type = type;
  node->pos = pos;
  return node;
}

NodePtr MakeAttribute(AttributeScope scope, Intrinsic intrinsic, std::string name, int pos) {
  auto node = std::make_unique<Node>(NodeKind::kAttribute);
  node->scope = scope;
  node->intrinsic = intrinsic;
  node->text = std::move(name);
  node->pos = pos;
  return node;
}

NodePtr MakeIntrinsic(Intrinsic intrinsic, int pos) {
  return MakeAttribute(AttributeScope::kNone, intrinsic, std::string(IntrinsicName(intrinsic)),
                       pos);
}

NodePtr MakeNode(NodeKind kind, int pos, std::vector<NodePtr> children) {
  auto node = std::make_unique<Node>(kind);
  node->pos = pos;
  int height = 0;
  for (const NodePtr& child : children) height = std::max(height, child->height);
  node->height = height + 1;
  node->children = std::move(children);
  return node;
}

namespace {

NodePtr ShallowCopy(const Node& from) {
  auto node = std::make_unique<Node>(from.kind);
  node->pos = from.pos;
  node->height = from.height;
  node->op = from.op;
  node->spanset_op = from.spanset_op;
  node->aggregate = from.aggregate;
  node->static_type = from.static_type;
  node->int_value = from.int_value;
  node->float_value = from.float_value;
  node->bool_value = from.bool_value;
  node->text = from.text;
  node->scope = from.scope;
  node->intrinsic = from.intrinsic;
  node->parent = from.parent;
  return node;
}

}  // namespace

NodePtr CloneNode(const Node& node) {
  NodePtr root = ShallowCopy(node);
  std::vector<std::pair<const Node*, Node*>> pending = {{&node, root.get()}};
  while (!pending.empty()) {
    auto [from, to] = pending.back();
    pending.pop_back();
    for (const NodePtr& child : from->children) {
      to->children.push_back(ShallowCopy(*child));
      pending.push_back({child.get(), to->children.back().get()});
    }
  }
  return root;
}

bool ReferencesSpan(const Node& expr) {
  std::vector<const Node*> pending = {&expr};
  while (!pending.empty()) {
    const Node* node = pending.back();
    pending.pop_back();
    if (node->kind == NodeKind::kAttribute) return true;
    for (const NodePtr& child : node->children) pending.push_back(child.get());
  }
  return false;
}

}  // namespace tidemark::traceql
