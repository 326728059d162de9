// The PromQL abstract syntax tree, as the parser builds it and the evaluator walks it.
//
// The node set mirrors Prometheus' promql/parser AST so that its semantics (and its printed form,
// used by /api/v1/format_query and by the conformance driver) carry over one to one. Children are
// owned by their parent. Times and durations are milliseconds.
//
// Thread safety: an Expr tree is immutable after parsing and may be evaluated by several threads.
#ifndef TIDEMARK_QUERY_AST_H_
#define TIDEMARK_QUERY_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/matcher.h"

namespace tidemark::promql {

// The four PromQL value types (plus kNone for "no value", used by function signatures).
enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };
// "scalar", "instant vector", "range vector", "string", as Prometheus names them in messages.
std::string_view ValueTypeName(ValueType type);
// "scalar", "vector", "matrix", "string": the `resultType` of the HTTP API.
std::string_view ValueTypeApiName(ValueType type);

// Byte offsets [start, end) of a node in the query text, for error messages.
struct PositionRange {
  int start = 0;
  int end = 0;
};

enum class ExprKind {
  kNumberLiteral,
  kStringLiteral,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kParen,
  kUnary,
  kBinary,
  kAggregate,
  kCall,
};

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  // The type of value this expression evaluates to.
  ValueType type() const;

  const ExprKind kind;
  PositionRange pos;
};
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral final : Expr {
  NumberLiteral() : Expr(ExprKind::kNumberLiteral) {}
  double value = 0;
};

struct StringLiteral final : Expr {
  StringLiteral() : Expr(ExprKind::kStringLiteral) {}
  std::string value;  // unescaped
};

// Arithmetic on durations (Prometheus 3's promql-duration-expr feature) in a range, a subquery
// range or step, or an offset: `[5m+1m]`, `[step()]`, `offset (1h - 5m)`, `[min_of(step(), 1h)]`.
// Kept in the tree so that printing reproduces what was written; the parser folds expressions
// without step()/range() into the plain millisecond fields, the engine folds the others once it
// knows the query's step and range. Immutable, so clones share it.
struct DurationExpr {
  enum class Op {
    kLiteral,  // `seconds`
    kStep,     // step(): the query's resolution step
    kRange,    // range(): the query's end minus start
    kNegate,   // -rhs
    kAdd,
    kSub,
    kMul,
    kDiv,
    kMod,
    kPow,
    kMinOf,  // min_of(lhs, rhs)
    kMaxOf,  // max_of(lhs, rhs)
  };
  Op op = Op::kLiteral;
  double seconds = 0;            // kLiteral
  bool literal_is_unit = false;  // kLiteral written with units ("5m"); printed that way
  bool wrapped = false;          // written in parentheses; printed that way
  std::shared_ptr<const DurationExpr> lhs;
  std::shared_ptr<const DurationExpr> rhs;  // the operand of kNegate
};
using DurationExprPtr = std::shared_ptr<const DurationExpr>;

// Which `@` modifier a selector or subquery carries.
enum class AtModifier { kNone, kTimestamp, kStart, kEnd };

// `foo{job="x"}`, `{"service.name"="x"}`, with optional `offset` and `@`.
struct VectorSelector final : Expr {
  VectorSelector() : Expr(ExprKind::kVectorSelector) {}
  // The metric name as written before the braces (or as a quoted name inside them); empty if the
  // selector names none. When set, `matchers` also holds the `__name__` equality matcher for it.
  std::string name;
  std::vector<LabelMatcher> matchers;
  int64_t offset_ms = 0;  // `offset 5m` is 300000, `offset -5m` is -300000
  AtModifier at = AtModifier::kNone;
  int64_t at_ms = 0;  // when at == kTimestamp
  // The offset as a duration expression, when written as one; offset_ms holds its value (0 until
  // the engine resolves a step()/range()-dependent one).
  DurationExprPtr offset_expr;
};

// `selector[5m]`. `selector` is always a VectorSelector; offset and @ live on it.
struct MatrixSelector final : Expr {
  MatrixSelector() : Expr(ExprKind::kMatrixSelector) {}
  ExprPtr selector;
  int64_t range_ms = 0;
  DurationExprPtr range_expr;  // as for VectorSelector::offset_expr

  const VectorSelector& vector_selector() const {
    return static_cast<const VectorSelector&>(*selector);
  }
};

// `expr[range:step]` with optional offset and @ (applying to the subquery as a whole).
struct SubqueryExpr final : Expr {
  SubqueryExpr() : Expr(ExprKind::kSubquery) {}
  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;  // 0: the evaluation's default step (the global evaluation interval)
  int64_t offset_ms = 0;
  AtModifier at = AtModifier::kNone;
  int64_t at_ms = 0;
  // Duration expressions for range, step and offset, as for VectorSelector::offset_expr.
  DurationExprPtr range_expr;
  DurationExprPtr step_expr;
  DurationExprPtr offset_expr;
};

struct ParenExpr final : Expr {
  ParenExpr() : Expr(ExprKind::kParen) {}
  ExprPtr expr;
};

// Unary `-expr` or `+expr`.
struct UnaryExpr final : Expr {
  UnaryExpr() : Expr(ExprKind::kUnary) {}
  bool negate = false;  // true for `-`
  ExprPtr expr;
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,  // ==
  kNeq,  // !=
  kGtr,  // >
  kLss,  // <
  kGte,  // >=
  kLte,  // <=
  kAnd,
  kOr,
  kUnless,
};
// The operator as written: "+", "==", "atan2", "and", ...
std::string_view BinaryOpName(BinaryOp op);
bool IsComparisonOp(BinaryOp op);
bool IsSetOp(BinaryOp op);  // and, or, unless

enum class MatchCardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// `on(a, b)` / `ignoring(a)` and `group_left(c)` / `group_right`. Present on every binary
// expression between two instant vectors (set operators are many-to-many).
struct VectorMatching {
  MatchCardinality card = MatchCardinality::kOneToOne;
  bool on = false;                   // true: `on(...)` was written; false: `ignoring(...)` or none
  std::vector<std::string> labels;   // the on/ignoring label list
  std::vector<std::string> include;  // the group_left/group_right label list
  // `fill(v)`, `fill_left(v)`, `fill_right(v)` (Prometheus 3, experimental): the value a missing
  // left or right sample takes, so that unmatched series still produce a result. `fill(v)` sets
  // both and `fill_both` records that it was written so (for printing).
  std::optional<double> fill_lhs;
  std::optional<double> fill_rhs;
  bool fill_both = false;
};

struct BinaryExpr final : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;  // the `bool` modifier of a comparison
  // Set when both sides are instant vectors; null otherwise.
  std::unique_ptr<VectorMatching> matching;
};

enum class AggregateOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
  kLimitk,
  kLimitRatio,
};
std::string_view AggregateOpName(AggregateOp op);
// topk, bottomk, quantile, count_values, limitk, limit_ratio take a parameter.
bool AggregateTakesParam(AggregateOp op);

struct AggregateExpr final : Expr {
  AggregateExpr() : Expr(ExprKind::kAggregate) {}
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // the first argument of topk/quantile/...; null otherwise
  std::vector<std::string> grouping;
  bool without = false;           // true: `without (...)`; false: `by (...)` or none
  bool grouping_written = false;  // `by ()` was written (kept for printing)
};

// A PromQL function's signature, from the parser's function table.
struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // Trailing arguments that may be omitted (0 = fixed arity); -1: the last type repeats without
  // bound (label_join).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;  // off unless EnableExperimentalFunctions(true)
};
// The function called `name`, or null.
const FunctionInfo* LookupFunction(std::string_view name);

struct Call final : Expr {
  Call() : Expr(ExprKind::kCall) {}
  const FunctionInfo* func = nullptr;
  std::vector<ExprPtr> args;
};

// The direct child expressions of `expr` (not its duration expressions), in source order.
std::vector<const Expr*> ChildrenOf(const Expr& expr);
// The height of the tree (a leaf is 1), computed without recursion so that any tree, however
// deep, can be measured before something recursive walks it.
size_t ExprHeight(const Expr& expr);
// Frees a tree of any depth without recursion (dropping a deep ExprPtr would recurse once per
// level in the destructors).
void DestroyExpr(ExprPtr expr);
// A deep copy of `expr` (duration expressions, which are immutable, are shared).
ExprPtr CloneExpr(const Expr& expr);

}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_AST_H_
