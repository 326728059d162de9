// The TraceQL abstract syntax tree, as the parser builds it and the evaluator walks it.
//
// The node set follows Tempo's pkg/traceql AST (RootExpr, Pipeline, SpansetFilter,
// SpansetOperation, ScalarFilter, Aggregate, GroupOperation, CoalesceOperation, SelectOperation,
// BinaryOperation, UnaryOperation, Static, Attribute) in one tagged node type: the tree is small,
// and one type lets destruction, copying and the depth bound be written once. Children are owned
// by their parent; destroying a tree never recurses (a deep tree cannot overflow the stack).
//
// Thread safety: a tree is immutable after parsing and may be read by several threads.
#ifndef TIDEMARK_QUERY_TRACEQL_AST_H_
#define TIDEMARK_QUERY_TRACEQL_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark::traceql {

// Types of values, as Tempo's StaticType. kAttribute is "decided by the data" (an attribute whose
// type is only known when a span is read); kOpaque is a value that is present but compares with
// nothing (arrays, byte strings, key-value lists, empty values).
enum class ValueType : uint8_t {
  kNil,
  kInt,
  kFloat,
  kString,
  kBool,
  kDuration,  // nanoseconds
  kStatus,    // SpanStatusCode (trace.h) in the integer
  kKind,      // SpanKind (trace.h) in the integer
  kAttribute,
  kOpaque,
};
std::string_view ValueTypeName(ValueType type);
bool IsNumericType(ValueType type);

// Operators of field expressions (inside `{ }`, `by()`, aggregates).
enum class FieldOp : uint8_t {
  // Binary.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kRegex,
  kNotRegex,
  kAnd,
  kOr,
  // Unary.
  kNeg,
  kNot,
  kExists,     // `x != nil`
  kNotExists,  // `x = nil`
};
std::string_view FieldOpText(FieldOp op);
// Comparisons and logical operators, whose result is a boolean.
bool IsBooleanOp(FieldOp op);
bool IsComparisonOp(FieldOp op);

// Operators between spansets. Structural ones return the right-hand side's spans (or both sides'
// for the union forms), as in Tempo.
enum class SpansetOp : uint8_t {
  kAnd,              // &&
  kUnion,            // ||
  kChild,            // >
  kParent,           // <
  kDescendant,       // >>
  kAncestor,         // <<
  kSibling,          // ~
  kNotChild,         // !>
  kNotParent,        // !<
  kNotDescendant,    // !>>
  kNotAncestor,      // !<<
  kNotSibling,       // !~
  kUnionChild,       // &>
  kUnionParent,      // &<
  kUnionDescendant,  // &>>
  kUnionAncestor,    // &<<
  kUnionSibling,     // &~
};
std::string_view SpansetOpText(SpansetOp op);

enum class AggregateOp : uint8_t { kCount, kAvg, kMin, kMax, kSum };
std::string_view AggregateOpName(AggregateOp op);

enum class AttributeScope : uint8_t { kNone, kSpan, kResource, kEvent, kLink, kInstrumentation };

enum class Intrinsic : uint8_t {
  kNone,  // a named attribute
  kDuration,
  kName,
  kStatus,
  kStatusMessage,
  kKind,
  kChildCount,  // parsed, not supported
  kParent,      // parsed, not supported
  kTraceDuration,
  kTraceRootName,
  kTraceRootService,
  kTraceId,
  kSpanId,
  kParentId,
  kNestedSetLeft,
  kNestedSetRight,
  kNestedSetParent,
  kEventName,
  kEventTimeSinceStart,
  kLinkTraceId,
  kLinkSpanId,
  kInstrumentationName,
  kInstrumentationVersion,
};
// The name Tempo prints for an intrinsic ("duration", "rootServiceName", "span:id", ...): also
// the canonical spelling our printer uses, so `span:duration` prints as `duration`.
std::string_view IntrinsicName(Intrinsic intrinsic);
// The type an intrinsic evaluates to (Tempo's Attribute.impliedType).
ValueType IntrinsicType(Intrinsic intrinsic);
// Trace-level intrinsics: the same value for every span of a trace.
bool IsTraceIntrinsic(Intrinsic intrinsic);

enum class NodeKind : uint8_t {
  // Field expressions.
  kStatic,     // static_type and the value fields
  kAttribute,  // scope, intrinsic, parent, text (the attribute name)
  kBinary,     // op; children [lhs, rhs]
  kUnary,      // op; children [operand]
  // Spanset level.
  kSpansetFilter,     // children [field expression]; `{}` holds the static `true`
  kSpansetOperation,  // spanset_op; children [lhs, rhs]
  kPipeline,          // children: the stages, at least one
  kScalarFilter,      // op (a comparison); children [lhs, rhs]
  kScalarOperation,   // op (arithmetic); children [lhs, rhs]
  kAggregate,         // aggregate; children [] for count(), else [field expression]
  kGroup,             // by(expr): children [field expression]
  kCoalesce,          // coalesce()
  kSelect,            // select(attr, ...): children, the attributes
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  explicit Node(NodeKind k) : kind(k) {}
  // Destroys the subtree iteratively, whatever its height.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  NodeKind kind;
  int pos = 0;     // byte offset in the query of the node's first token
  int height = 1;  // of the subtree: 1 for a leaf

  FieldOp op = FieldOp::kEq;
  SpansetOp spanset_op = SpansetOp::kAnd;
  AggregateOp aggregate = AggregateOp::kCount;

  // kStatic.
  ValueType static_type = ValueType::kNil;
  int64_t int_value = 0;  // kInt, kDuration (ns), kStatus, kKind
  double float_value = 0;
  bool bool_value = false;
  std::string text;  // kStatic: the string; kAttribute: the attribute name

  // kAttribute.
  AttributeScope scope = AttributeScope::kNone;
  Intrinsic intrinsic = Intrinsic::kNone;
  bool parent = false;  // `parent.` (parsed, not supported)

  std::vector<NodePtr> children;
};

// A `with(name = value, ...)` hint after the query. Parsed and printed; search ignores them.
struct Hint {
  std::string name;
  NodePtr value;  // a kStatic
};

struct Query {
  NodePtr root;  // kPipeline, kSpansetOperation (of wrapped pipelines) or kScalarFilter
  std::vector<Hint> hints;
};

// Leaf constructors.
NodePtr MakeStatic(ValueType type, int pos);
NodePtr MakeAttribute(AttributeScope scope, Intrinsic intrinsic, std::string name, int pos);
NodePtr MakeIntrinsic(Intrinsic intrinsic, int pos);
// An inner node owning `children`; its height is one more than the highest child.
NodePtr MakeNode(NodeKind kind, int pos, std::vector<NodePtr> children);

// Deep copy, iterative.
NodePtr CloneNode(const Node& node);

// True if the expression reads the span (has an attribute or intrinsic): Tempo's referencesSpan.
bool ReferencesSpan(const Node& expr);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_AST_H_
