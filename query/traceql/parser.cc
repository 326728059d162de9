// A recursive-descent parser for Tempo's grammar (pkg/traceql/expr.y).
//
// Tempo's yacc grammar has several nonterminals that share operators and parentheses: spanset
// expressions (`{a} && {b}`), spanset pipelines (`{a} | count() > 1`), wrapped pipelines combined
// with spanset operators (`({a} | ...) && ({b} | ...)`), scalar filters (`count() > 1`) and scalar
// pipeline filters (`({a} | count()) > 2`). Rather than guess which one a `(` opens, the parser
// parses one operator-precedence grammar over all of them and tags every intermediate result with
// the categories it can still belong to; each operator checks its operands' categories and
// refuses the combinations Tempo's grammar refuses. Precedence, lowest first, as in expr.y:
//   |    then  && ||    then  comparisons and structural operators    then  + -    then  * / %
//   then  ^ (right-associative). Inside `{ }`: && || (one level, left-associative), comparisons,
//   + -, unary ! and -, * / %, ^.
#include "query/traceql/parser.h"

#include <utility>

#include "query/traceql/grammar.h"
#include "query/traceql/lexer.h"
#include "util/status_macros.h"

namespace tidemark::traceql {
namespace {

// What an intermediate result can be used as (bit set).
enum Category : uint32_t {
  kSpansetExpr = 1 << 0,     // filters and spanset operators: `{a} > {b}`
  kParenSpanset = 1 << 1,    // a spanset expression in parentheses: also a wrapped pipeline
  kWrapped = 1 << 2,         // wrapped pipelines and spanset operators between them
  kPipe = 1 << 3,            // an unwrapped pipeline giving spansets (or one non-spanset stage)
  kScalarPipe = 1 << 4,      // an unwrapped pipeline ending with an aggregate
  kScalar = 1 << 5,          // aggregates, numbers and arithmetic between them
  kBareAggregate = 1 << 6,   // count(), avg(x), ... not in parentheses
  kScalarPipeline = 1 << 7,  // wrapped scalar pipelines and arithmetic between them
  kScalarFilter = 1 << 8,    // scalar comparison inside a pipeline: `count() > 2`
  kRootFilter = 1 << 9,      // `({...} | count()) > 2`: only the whole query
  kGroup = 1 << 10,
  kSelect = 1 << 11,
  kCoalesce = 1 << 12,
  kStaticValue = 1 << 13,  // a literal usable on the right of a root filter
};

struct Item {
  NodePtr node;
  uint32_t cats = 0;
  int pos = 0;
};

class Parser {
 public:
  Parser(std::string_view input, std::vector<Token> tokens, const ParseOptions& options)
      : input_(input), tokens_(std::move(tokens)) {
    max_depth_ = options.max_depth < 1           ? 1
                 : options.max_depth > kMaxDepth ? kMaxDepth
                                                 : options.max_depth;
  }

  Result<Query> ParseRoot() {
    TM_ASSIGN_OR_RETURN(Item body, ParsePipeline());
    Query query;
    if (Is(TokenKind::kIdentifier) && Peek().text == "with") {
      TM_RETURN_IF_ERROR(ParseHints(&query.hints));
    }
    if (!Is(TokenKind::kEof)) return Unexpected("an operator or the end of the query");
    TM_ASSIGN_OR_RETURN(query.root, RootNode(std::move(body)));
    return query;
  }

 private:
  // ---- Tokens and errors.

  const Token& Peek(size_t ahead = 0) const {
    const size_t at = i_ + ahead;
    return at < tokens_.size() ? tokens_[at] : tokens_.back();
  }
  bool Is(TokenKind kind) const { return Peek().kind == kind; }
  bool IsWord(std::string_view word) const {
    return Is(TokenKind::kIdentifier) && Peek().text == word;
  }
  const Token& Take() {
    const Token& t = tokens_[i_];
    if (i_ + 1 < tokens_.size()) ++i_;
    return t;
  }

  Status ErrorAt(int pos, const std::string& message) const {
    return Status::InvalidArgument("parse error at " + DescribePosition(input_, pos) + ": " +
                                   message);
  }
  Status Unexpected(const std::string& expecting) const {
    return ErrorAt(Peek().pos, "unexpected " + DescribeToken(Peek()) + ", expecting " + expecting);
  }
  Status Expect(TokenKind kind, const std::string& what) {
    if (!Is(kind)) return Unexpected(what);
    Take();
    return Status::OK();
  }

  // Bounds both the recursion of this parser and the height of the tree it builds.
  Status Enter() {
    if (++depth_ > max_depth_) return TooDeep(Peek().pos);
    return Status::OK();
  }
  void Leave() { --depth_; }
  Status TooDeep(int pos) const {
    return ErrorAt(pos, "query nested too deeply (more than " + std::to_string(max_depth_) +
                            " levels of parentheses, operators or pipeline stages)");
  }
  Result<NodePtr> Build(NodeKind kind, int pos, std::vector<NodePtr> children) {
    NodePtr node = MakeNode(kind, pos, std::move(children));
    if (node->height > max_depth_) return TooDeep(pos);
    return node;
  }

  // ---- Spanset level.

  // A pipeline: stages separated by `|` (the lowest precedence).
  Result<Item> ParsePipeline() {
    TM_ASSIGN_OR_RETURN(Item first, ParseSpansetLogical());
    if (!Is(TokenKind::kPipe)) return first;
    if ((first.cats & (kSpansetExpr | kScalarFilter | kGroup | kSelect)) == 0) {
      if (first.cats & kCoalesce)
        return ErrorAt(first.pos, "a pipeline cannot start with coalesce()");
      return Unexpected(
          "the end of the query: a pipeline starts with a spanset filter, a scalar "
          "filter, by() or select()");
    }
    std::vector<NodePtr> stages;
    stages.push_back(std::move(first.node));
    bool ends_with_aggregate = false;
    while (Is(TokenKind::kPipe)) {
      const int pipe_pos = Take().pos;
      if (Is(TokenKind::kIdentifier) && IsMetricsFunction(Peek().text)) {
        return Status::InvalidArgument(
            "TraceQL metrics queries are not supported yet: " + Peek().text + "()");
      }
      if (ends_with_aggregate) {
        return ErrorAt(pipe_pos,
                       "an aggregate must end its pipeline and be compared, as in "
                       "`| count() > 2`");
      }
      TM_ASSIGN_OR_RETURN(Item stage, ParseSpansetLogical());
      const uint32_t allowed =
          kSpansetExpr | kScalarFilter | kGroup | kCoalesce | kSelect | kBareAggregate;
      if ((stage.cats & allowed) == 0) {
        return ErrorAt(stage.pos,
                       "a pipeline stage must be a spanset expression, a scalar "
                       "filter, an aggregate, by(), coalesce() or select()");
      }
      ends_with_aggregate = (stage.cats & kSpansetExpr) == 0 && (stage.cats & kBareAggregate);
      stages.push_back(std::move(stage.node));
      if (static_cast<int>(stages.size()) > max_depth_) return TooDeep(stage.pos);
    }
    Item out;
    out.pos = stages.front()->pos;
    TM_ASSIGN_OR_RETURN(out.node, Build(NodeKind::kPipeline, out.pos, std::move(stages)));
    out.cats = ends_with_aggregate ? kScalarPipe : kPipe;
    return out;
  }

  // `&&` and `||` between spansets.
  Result<Item> ParseSpansetLogical() {
    TM_ASSIGN_OR_RETURN(Item lhs, ParseRelation());
    while (Is(TokenKind::kAnd) || Is(TokenKind::kOr)) {
      const Token& op_token = Take();
      const SpansetOp op = op_token.kind == TokenKind::kAnd ? SpansetOp::kAnd : SpansetOp::kUnion;
      TM_ASSIGN_OR_RETURN(Item rhs, ParseRelation());
      TM_ASSIGN_OR_RETURN(lhs, CombineSpansets(op, op_token.pos, std::move(lhs), std::move(rhs)));
    }
    return lhs;
  }

  static bool IsSpansetLike(const Item& item) {
    return (item.cats & (kSpansetExpr | kWrapped)) != 0;
  }

  // Structural operators and comparisons (one precedence level, left-associative).
  Result<Item> ParseRelation() {
    TM_ASSIGN_OR_RETURN(Item lhs, ParseScalarAdditive());
    while (true) {
      const TokenKind kind = Peek().kind;
      SpansetOp structural = SpansetOp::kAnd;
      FieldOp comparison = FieldOp::kEq;
      const bool is_structural = StructuralOp(kind, &structural);
      const bool is_comparison = ScalarComparisonOp(kind, &comparison);
      if (!is_structural && !is_comparison) {
        if (kind == TokenKind::kRegex) return Unexpected("a spanset or scalar operator");
        break;
      }
      const int op_pos = Take().pos;
      TM_ASSIGN_OR_RETURN(Item rhs, ParseScalarAdditive());
      if (is_structural && (!is_comparison || IsSpansetLike(lhs))) {
        TM_ASSIGN_OR_RETURN(lhs,
                            CombineSpansets(structural, op_pos, std::move(lhs), std::move(rhs)));
      } else {
        TM_ASSIGN_OR_RETURN(lhs,
                            MakeComparison(comparison, op_pos, std::move(lhs), std::move(rhs)));
      }
    }
    return lhs;
  }

  Result<NodePtr> WrapAsPipeline(Item item) {
    if (item.node->kind == NodeKind::kPipeline ||
        (item.cats & kWrapped) != 0) {  // already a wrapped pipeline or an operation of them
      return std::move(item.node);
    }
    std::vector<NodePtr> stages;
    stages.push_back(std::move(item.node));
    return Build(NodeKind::kPipeline, item.pos, std::move(stages));
  }

  Result<Item> CombineSpansets(SpansetOp op, int op_pos, Item lhs, Item rhs) {
    Item out;
    out.pos = lhs.pos;
    if ((lhs.cats & kSpansetExpr) && (rhs.cats & kSpansetExpr)) {
      std::vector<NodePtr> children;
      children.push_back(std::move(lhs.node));
      children.push_back(std::move(rhs.node));
      TM_ASSIGN_OR_RETURN(out.node,
                          Build(NodeKind::kSpansetOperation, out.pos, std::move(children)));
      out.node->spanset_op = op;
      out.cats = kSpansetExpr;
      return out;
    }
    const uint32_t wrappable = kParenSpanset | kWrapped;
    if ((lhs.cats & wrappable) && (rhs.cats & wrappable)) {
      std::vector<NodePtr> children;
      TM_ASSIGN_OR_RETURN(NodePtr l, WrapAsPipeline(std::move(lhs)));
      TM_ASSIGN_OR_RETURN(NodePtr r, WrapAsPipeline(std::move(rhs)));
      children.push_back(std::move(l));
      children.push_back(std::move(r));
      TM_ASSIGN_OR_RETURN(out.node,
                          Build(NodeKind::kSpansetOperation, out.pos, std::move(children)));
      out.node->spanset_op = op;
      out.cats = kWrapped;
      return out;
    }
    if (IsSpansetLike(lhs) && IsSpansetLike(rhs)) {
      return ErrorAt(op_pos, "operator " + std::string(SpansetOpText(op)) +
                                 " joins a pipeline only with another pipeline in parentheses");
    }
    return ErrorAt(op_pos,
                   "operator " + std::string(SpansetOpText(op)) + " needs spansets on both sides");
  }

  Result<Item> MakeComparison(FieldOp op, int op_pos, Item lhs, Item rhs) {
    Item out;
    out.pos = lhs.pos;
    uint32_t cats = 0;
    if ((lhs.cats & kScalar) && (rhs.cats & kScalar)) {
      cats = kScalarFilter;
    } else if ((lhs.cats & kScalarPipeline) && (rhs.cats & (kScalarPipeline | kStaticValue))) {
      cats = kRootFilter;
    } else {
      return ErrorAt(op_pos, "operator " + std::string(FieldOpText(op)) +
                                 " compares an aggregate with a number (`count() > 2`) or a "
                                 "parenthesized scalar pipeline with a value");
    }
    std::vector<NodePtr> children;
    children.push_back(std::move(lhs.node));
    children.push_back(std::move(rhs.node));
    TM_ASSIGN_OR_RETURN(out.node, Build(NodeKind::kScalarFilter, out.pos, std::move(children)));
    out.node->op = op;
    out.cats = cats;
    return out;
  }

  Result<Item> MakeArithmetic(FieldOp op, int op_pos, Item lhs, Item rhs) {
    Item out;
    out.pos = lhs.pos;
    if ((lhs.cats & kScalar) && (rhs.cats & kScalar)) {
      out.cats = kScalar;
    } else if ((lhs.cats & kScalarPipeline) && (rhs.cats & kScalarPipeline)) {
      out.cats = kScalarPipeline;
    } else {
      return ErrorAt(op_pos, "operator " + std::string(FieldOpText(op)) +
                                 " applies to aggregates and numbers, or to parenthesized scalar "
                                 "pipelines");
    }
    std::vector<NodePtr> children;
    children.push_back(std::move(lhs.node));
    children.push_back(std::move(rhs.node));
    TM_ASSIGN_OR_RETURN(out.node, Build(NodeKind::kScalarOperation, out.pos, std::move(children)));
    out.node->op = op;
    return out;
  }

  Result<Item> ParseScalarAdditive() {
    TM_ASSIGN_OR_RETURN(Item lhs, ParseScalarMultiplicative());
    FieldOp op = FieldOp::kAdd;
    int level = 0;
    while (ScalarArithmeticOp(Peek().kind, &op, &level) && level == kLevelAdditive) {
      const int op_pos = Take().pos;
      TM_ASSIGN_OR_RETURN(Item rhs, ParseScalarMultiplicative());
      TM_ASSIGN_OR_RETURN(lhs, MakeArithmetic(op, op_pos, std::move(lhs), std::move(rhs)));
    }
    return lhs;
  }

  Result<Item> ParseScalarMultiplicative() {
    TM_ASSIGN_OR_RETURN(Item lhs, ParseScalarPower());
    FieldOp op = FieldOp::kAdd;
    int level = 0;
    while (ScalarArithmeticOp(Peek().kind, &op, &level) && level == kLevelMultiplicative) {
      const int op_pos = Take().pos;
      TM_ASSIGN_OR_RETURN(Item rhs, ParseScalarPower());
      TM_ASSIGN_OR_RETURN(lhs, MakeArithmetic(op, op_pos, std::move(lhs), std::move(rhs)));
    }
    return lhs;
  }

  Result<Item> ParseScalarPower() {
    TM_ASSIGN_OR_RETURN(Item base, ParseItem());
    if (!Is(TokenKind::kPow)) return base;
    const int op_pos = Take().pos;
    TM_RETURN_IF_ERROR(Enter());
    Result<Item> exponent = ParseScalarPower();  // right-associative
    Leave();
    if (!exponent.ok()) return exponent.status();
    return MakeArithmetic(FieldOp::kPow, op_pos, std::move(base), std::move(exponent).value());
  }

  Result<Item> Parenthesized() {
    const int open = Take().pos;
    TM_RETURN_IF_ERROR(Enter());
    Result<Item> inner_result = ParsePipeline();
    Leave();
    if (!inner_result.ok()) return inner_result.status();
    Item inner = std::move(inner_result).value();
    TM_RETURN_IF_ERROR(Expect(TokenKind::kRightParen, "\")\""));
    Item out;
    out.pos = open;
    if (inner.cats & kSpansetExpr) {
      out.node = std::move(inner.node);
      out.cats = kSpansetExpr | kParenSpanset;
    } else if (inner.cats & (kWrapped | kPipe)) {
      out.node = std::move(inner.node);
      out.cats = kWrapped;
    } else if (inner.cats & (kScalarFilter | kGroup | kSelect)) {
      TM_ASSIGN_OR_RETURN(out.node, WrapAsPipeline(std::move(inner)));
      out.cats = kWrapped;
    } else if (inner.cats & (kScalarPipe | kScalarPipeline)) {
      out.node = std::move(inner.node);
      out.cats = kScalarPipeline;
    } else if (inner.cats & kScalar) {
      out.node = std::move(inner.node);
      out.cats = kScalar;
    } else if (inner.cats & kRootFilter) {
      return ErrorAt(open, "a filter on a scalar pipeline cannot be in parentheses");
    } else {
      return ErrorAt(inner.pos,
                     "expecting a spanset expression, a pipeline or a scalar "
                     "expression inside parentheses");
    }
    return out;
  }

  Result<Item> ParseItem() {
    const Token& t = Peek();
    Item out;
    out.pos = t.pos;
    switch (t.kind) {
      case TokenKind::kLeftBrace: {
        Take();
        NodePtr expr;
        if (Is(TokenKind::kRightBrace)) {
          expr = MakeStatic(ValueType::kBool, t.pos);
          expr->bool_value = true;
        } else {
          TM_ASSIGN_OR_RETURN(expr, ParseField(kLevelLogical));
        }
        TM_RETURN_IF_ERROR(Expect(TokenKind::kRightBrace, "\"}\" or an operator"));
        std::vector<NodePtr> children;
        children.push_back(std::move(expr));
        TM_ASSIGN_OR_RETURN(out.node,
                            Build(NodeKind::kSpansetFilter, out.pos, std::move(children)));
        out.cats = kSpansetExpr;
        return out;
      }
      case TokenKind::kLeftParen:
        return Parenthesized();
      case TokenKind::kInteger:
      case TokenKind::kFloat:
      case TokenKind::kDuration:
        out.node = NumberStatic(Take(), false);
        out.cats = kScalar | kStaticValue;
        return out;
      case TokenKind::kSub: {
        Take();
        if (!Is(TokenKind::kInteger) && !Is(TokenKind::kFloat) && !Is(TokenKind::kDuration)) {
          return Unexpected("a number or duration after \"-\"");
        }
        out.node = NumberStatic(Take(), true);
        out.node->pos = t.pos;
        out.cats = kScalar;
        return out;
      }
      case TokenKind::kString:
        out.node = MakeStatic(ValueType::kString, t.pos);
        out.node->text = Take().text;
        out.cats = kStaticValue;
        return out;
      case TokenKind::kIdentifier:
        return WordItem();
      default:
        return Unexpected("\"{\", \"(\", an aggregate, by(), select() or a number");
    }
  }

  NodePtr NumberStatic(const Token& t, bool negative) {
    NodePtr node;
    if (t.kind == TokenKind::kFloat) {
      node = MakeStatic(ValueType::kFloat, t.pos);
      node->float_value = negative ? -t.float_value : t.float_value;
    } else {
      node =
          MakeStatic(t.kind == TokenKind::kInteger ? ValueType::kInt : ValueType::kDuration, t.pos);
      node->int_value = negative ? -t.int_value : t.int_value;
    }
    return node;
  }

  Result<Item> WordItem() {
    const Token& t = Peek();
    Item out;
    out.pos = t.pos;
    const std::string word = t.text;
    if (IsMetricsFunction(word)) {
      return Status::InvalidArgument("TraceQL metrics queries are not supported yet: " + word +
                                     "()");
    }
    ValueType static_type;
    int64_t static_value;
    if (StaticWord(word, &static_type, &static_value)) {
      Take();
      out.node = MakeStatic(static_type, t.pos);
      out.node->int_value = static_value;
      out.node->bool_value = static_value != 0;
      out.cats = kStaticValue;
      return out;
    }
    AggregateOp aggregate;
    if (AggregateWord(word, &aggregate)) {
      Take();
      TM_RETURN_IF_ERROR(Expect(TokenKind::kLeftParen, "\"(\" after " + word));
      std::vector<NodePtr> children;
      if (aggregate != AggregateOp::kCount) {
        if (Is(TokenKind::kRightParen)) return Unexpected("a field expression in " + word + "()");
        TM_ASSIGN_OR_RETURN(NodePtr expr, ParseField(kLevelLogical));
        children.push_back(std::move(expr));
      }
      TM_RETURN_IF_ERROR(Expect(TokenKind::kRightParen, "\")\""));
      TM_ASSIGN_OR_RETURN(out.node, Build(NodeKind::kAggregate, out.pos, std::move(children)));
      out.node->aggregate = aggregate;
      out.cats = kScalar | kBareAggregate;
      return out;
    }
    if (word == "by") {
      Take();
      TM_RETURN_IF_ERROR(Expect(TokenKind::kLeftParen, "\"(\" after by"));
      if (Is(TokenKind::kRightParen)) return Unexpected("a field expression in by()");
      TM_ASSIGN_OR_RETURN(NodePtr expr, ParseField(kLevelLogical));
      TM_RETURN_IF_ERROR(Expect(TokenKind::kRightParen, "\")\""));
      std::vector<NodePtr> children;
      children.push_back(std::move(expr));
      TM_ASSIGN_OR_RETURN(out.node, Build(NodeKind::kGroup, out.pos, std::move(children)));
      out.cats = kGroup;
      return out;
    }
    if (word == "coalesce") {
      Take();
      TM_RETURN_IF_ERROR(Expect(TokenKind::kLeftParen, "\"(\" after coalesce"));
      TM_RETURN_IF_ERROR(Expect(TokenKind::kRightParen, "\")\": coalesce() takes no arguments"));
      TM_ASSIGN_OR_RETURN(out.node, Build(NodeKind::kCoalesce, out.pos, {}));
      out.cats = kCoalesce;
      return out;
    }
    if (word == "select") {
      Take();
      TM_RETURN_IF_ERROR(Expect(TokenKind::kLeftParen, "\"(\" after select"));
      std::vector<NodePtr> children;
      while (true) {
        TM_ASSIGN_OR_RETURN(NodePtr attribute, ParseSelectable());
        children.push_back(std::move(attribute));
        if (!Is(TokenKind::kComma)) break;
        Take();
      }
      TM_RETURN_IF_ERROR(Expect(TokenKind::kRightParen, "\",\" or \")\""));
      TM_ASSIGN_OR_RETURN(out.node, Build(NodeKind::kSelect, out.pos, std::move(children)));
      out.cats = kSelect;
      return out;
    }
    return Unexpected("\"{\", \"(\", an aggregate, by(), select() or a number");
  }

  // An attribute or intrinsic (select() arguments).
  Result<NodePtr> ParseSelectable() {
    const Token& t = Peek();
    if (t.kind == TokenKind::kAttribute || t.kind == TokenKind::kScopeColon) return ParsePrimary();
    if (t.kind == TokenKind::kIdentifier && BareIntrinsic(t.text) != Intrinsic::kNone) {
      return ParsePrimary();
    }
    return Unexpected("an attribute or intrinsic");
  }

  // ---- Field expressions (inside { }, by(), aggregates).

  // Operators of level >= min_level, by precedence climbing.
  Result<NodePtr> ParseField(int min_level) {
    TM_RETURN_IF_ERROR(Enter());
    Result<NodePtr> out = ParseFieldAtDepth(min_level);
    Leave();
    return out;
  }

  Result<NodePtr> ParseFieldAtDepth(int min_level) {
    TM_ASSIGN_OR_RETURN(NodePtr lhs, ParseUnary());
    while (true) {
      FieldOp op = FieldOp::kEq;
      int level = 0;
      if (!FieldBinaryOp(Peek().kind, &op, &level) || level < min_level) break;
      const int op_pos = Take().pos;
      if ((op == FieldOp::kEq || op == FieldOp::kNe) && IsWord("nil")) {
        Take();
        std::vector<NodePtr> children;
        children.push_back(std::move(lhs));
        TM_ASSIGN_OR_RETURN(lhs, Build(NodeKind::kUnary, op_pos, std::move(children)));
        lhs->pos = lhs->children[0]->pos;
        lhs->op = op == FieldOp::kNe ? FieldOp::kExists : FieldOp::kNotExists;
        continue;
      }
      const int next_level = op == FieldOp::kPow ? level : level + 1;  // ^ is right-associative
      TM_ASSIGN_OR_RETURN(NodePtr rhs, ParseField(next_level));
      const int pos = lhs->pos;
      std::vector<NodePtr> children;
      children.push_back(std::move(lhs));
      children.push_back(std::move(rhs));
      TM_ASSIGN_OR_RETURN(lhs, Build(NodeKind::kBinary, pos, std::move(children)));
      lhs->op = op;
      (void)op_pos;
    }
    return lhs;
  }

  Result<NodePtr> ParseUnary() {
    const Token& t = Peek();
    if (t.kind == TokenKind::kSub || t.kind == TokenKind::kNot) {
      Take();
      // The operand takes the operators that bind tighter than unary - and ! (* / % ^), as
      // expr.y's precedence does: `-a * b` is `-(a * b)`, `!a = b` is `(!a) = b`.
      TM_ASSIGN_OR_RETURN(NodePtr operand, ParseField(kLevelMultiplicative));
      std::vector<NodePtr> children;
      children.push_back(std::move(operand));
      TM_ASSIGN_OR_RETURN(NodePtr node, Build(NodeKind::kUnary, t.pos, std::move(children)));
      node->op = t.kind == TokenKind::kSub ? FieldOp::kNeg : FieldOp::kNot;
      return node;
    }
    if (t.kind == TokenKind::kIdentifier && t.text == "nil") {
      // `nil != x`, `nil = x`, and the constant `nil = nil` / `nil != nil` (false, as Tempo).
      const int pos = Take().pos;
      if (!Is(TokenKind::kEq) && !Is(TokenKind::kNe)) {
        return Unexpected("\"=\" or \"!=\" after nil: nil is only compared with = and !=");
      }
      const bool exists = Take().kind == TokenKind::kNe;
      if (IsWord("nil")) {
        Take();
        NodePtr node = MakeStatic(ValueType::kBool, pos);
        node->bool_value = false;
        return node;
      }
      TM_ASSIGN_OR_RETURN(NodePtr operand, ParseField(kLevelAdditive));
      std::vector<NodePtr> children;
      children.push_back(std::move(operand));
      TM_ASSIGN_OR_RETURN(NodePtr node, Build(NodeKind::kUnary, pos, std::move(children)));
      node->op = exists ? FieldOp::kExists : FieldOp::kNotExists;
      return node;
    }
    return ParsePrimary();
  }

  Result<NodePtr> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kLeftParen: {
        Take();
        TM_ASSIGN_OR_RETURN(NodePtr inner, ParseField(kLevelLogical));
        TM_RETURN_IF_ERROR(Expect(TokenKind::kRightParen, "\")\" or an operator"));
        return inner;
      }
      case TokenKind::kString: {
        NodePtr node = MakeStatic(ValueType::kString, t.pos);
        node->text = Take().text;
        return node;
      }
      case TokenKind::kInteger:
      case TokenKind::kFloat:
      case TokenKind::kDuration:
        return NumberStatic(Take(), false);
      case TokenKind::kAttribute: {
        if (t.text.empty()) {
          return ErrorAt(t.pos, "expecting an attribute name after the scope");
        }
        NodePtr node = MakeAttribute(t.scope, Intrinsic::kNone, t.text, t.pos);
        node->parent = t.parent;
        Take();
        return node;
      }
      case TokenKind::kScopeColon: {
        const std::string scope = t.text;
        const int pos = Take().pos;
        if (Is(TokenKind::kIdentifier)) {
          const Intrinsic intrinsic = ScopedIntrinsic(scope, Peek().text);
          if (intrinsic != Intrinsic::kNone) {
            Take();
            return MakeIntrinsic(intrinsic, pos);
          }
        }
        return Unexpected("an intrinsic of " + scope + ": (" + ScopedIntrinsicNames(scope) + ")");
      }
      case TokenKind::kIdentifier: {
        ValueType type;
        int64_t value;
        if (StaticWord(t.text, &type, &value)) {
          NodePtr node = MakeStatic(type, t.pos);
          node->int_value = value;
          node->bool_value = value != 0;
          Take();
          return node;
        }
        if (const Intrinsic intrinsic = BareIntrinsic(t.text); intrinsic != Intrinsic::kNone) {
          Take();
          return MakeIntrinsic(intrinsic, t.pos);
        }
        if (t.text == "nil") return Unexpected("a value: nil is only compared with = and !=");
        return ErrorAt(t.pos, "unexpected \"" + t.text +
                                  "\": attributes are written .name, span.name or resource.name, "
                                  "intrinsics as name, duration, span:id, ...");
      }
      default:
        return Unexpected("a field expression");
    }
  }

  // ---- Hints and the root.

  Status ParseHints(std::vector<Hint>* hints) {
    Take();  // with
    TM_RETURN_IF_ERROR(Expect(TokenKind::kLeftParen, "\"(\" after with"));
    while (true) {
      if (!Is(TokenKind::kIdentifier)) return Unexpected("a hint name");
      Hint hint;
      hint.name = Take().text;
      TM_RETURN_IF_ERROR(Expect(TokenKind::kEq, "\"=\""));
      const Token& v = Peek();
      ValueType type;
      int64_t value;
      if (v.kind == TokenKind::kString) {
        hint.value = MakeStatic(ValueType::kString, v.pos);
        hint.value->text = Take().text;
      } else if (v.kind == TokenKind::kInteger || v.kind == TokenKind::kFloat ||
                 v.kind == TokenKind::kDuration) {
        hint.value = NumberStatic(Take(), false);
      } else if (v.kind == TokenKind::kIdentifier && StaticWord(v.text, &type, &value)) {
        hint.value = MakeStatic(type, v.pos);
        hint.value->int_value = value;
        hint.value->bool_value = value != 0;
        Take();
      } else {
        return Unexpected("a hint value");
      }
      hints->push_back(std::move(hint));
      if (!Is(TokenKind::kComma)) break;
      Take();
    }
    return Expect(TokenKind::kRightParen, "\",\" or \")\"");
  }

  Result<NodePtr> RootNode(Item body) {
    if (body.cats & (kPipe | kWrapped | kRootFilter)) return std::move(body.node);
    if (body.cats & (kSpansetExpr | kScalarFilter | kGroup | kSelect)) {
      return WrapAsPipeline(std::move(body));
    }
    if (body.cats & kScalarPipe) {
      return ErrorAt(body.pos,
                     "a pipeline ending with an aggregate must compare it, as in "
                     "`{ } | count() > 2`");
    }
    if (body.cats & kCoalesce) return ErrorAt(body.pos, "a pipeline cannot start with coalesce()");
    if (body.cats & (kScalar | kScalarPipeline)) {
      return ErrorAt(body.pos, "a scalar expression must be compared, as in `count() > 2`");
    }
    return ErrorAt(body.pos, "expecting a spanset filter such as { span.http.method = \"GET\" }");
  }

  std::string_view input_;
  std::vector<Token> tokens_;
  size_t i_ = 0;
  int depth_ = 0;
  int max_depth_ = kDefaultMaxDepth;
};

}  // namespace

Result<Query> ParseQuery(std::string_view input, const ParseOptions& options) {
  TM_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(input));
  Parser parser(input, std::move(tokens), options);
  return parser.ParseRoot();
}

Result<Query> ParseAndValidate(std::string_view input, const ParseOptions& options) {
  TM_ASSIGN_OR_RETURN(Query query, ParseQuery(input, options));
  TM_RETURN_IF_ERROR(ValidateQuery(query));
  return query;
}

}  // namespace tidemark::traceql
