// The PromQL parser's state, shared by the files that implement its phases: parser.cc (tokens,
// errors, expressions, calls and aggregations), parser_literals.cc (number and string literals,
// selectors and their matchers), parser_durations.cc (offsets, @, ranges and subqueries, duration
// expressions) and type_check.cc (parse.go's checkAST). Internal to query/; parser.h is the API.
#ifndef TIDEMARK_QUERY_PARSER_INTERNAL_H_
#define TIDEMARK_QUERY_PARSER_INTERNAL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "query/ast.h"
#include "query/duration_expr.h"
#include "query/lexer.h"
#include "query/parser.h"
#include "tidemark/matcher.h"
#include "tidemark/status.h"

namespace tidemark::promql::internal {

// The precedence of `^`, the highest binary operator; unary minus binds like it.
inline constexpr int kPowPrec = 6;

// Binary operator precedence (generated_parser.y: %left LOR; LAND LUNLESS; comparisons; ADD SUB;
// MUL DIV MOD ATAN2; %right POW); 0 for tokens that are not binary operators.
int Precedence(TokenKind kind);

// `s` in ASCII lower case: PromQL keywords and aggregation names are case-insensitive.
std::string Lower(std::string_view s);

// VectorMatching as the grammar builds it, before the checks decide whether it stays.
struct PendingMatching {
  VectorMatching matching;
  bool return_bool = false;
};

// Parses one query (or one selector) and checks it. Single use: construct, then call ParseWhole or
// ParseSelectorOnly once.
class Parser {
 public:
  Parser(std::string_view input, const ParseOptions& options)
      : input_(input), options_(options), lexer_(input) {
    Advance();
  }

  // The whole input as one expression, checked (checkAST) if it parsed without an error.
  Result<ExprPtr> ParseWhole();
  // The whole input as one vector selector (match[] of the series API): its matchers.
  Result<std::vector<LabelMatcher>> ParseSelectorOnly();

 private:
  // ---- Tokens and errors (parser.cc) ----

  void Advance();
  const Token& PeekNext();
  // The next non-comment token. A lexer error is recorded and reads as the end of input, as in
  // Prometheus' parser.Lex.
  Token Lex();
  void Consume();
  // Position just after the last consumed closing token (Prometheus' lastClosing).
  int LastClosing() const { return last_closing_; }

  void AddError(int pos, std::string message) { errors_.push_back({pos, std::move(message)}); }
  // parser.unexpected in parse.go. Returns false so callers can `return Unexpected(...)`.
  bool Unexpected(std::string_view context, std::string_view expected);
  // The first error, as "line:column: parse error: message".
  Status Failure() const;

  int MaxDepth() const { return std::clamp(options_.max_depth, 1, kMaxExprDepth); }
  // Returns false so callers can `return TooDeep(...)`.
  bool TooDeep(int pos);
  // Counts the recursive descents in progress; refuses one past MaxDepth so that no input can
  // exhaust the stack.
  class NestingGuard {
   public:
    explicit NestingGuard(Parser* parser) : parser_(parser) { ++parser_->nesting_; }
    ~NestingGuard() { --parser_->nesting_; }
    bool ok() const { return parser_->nesting_ <= static_cast<size_t>(parser_->MaxDepth()); }

   private:
    Parser* parser_;
  };

  // ---- Expressions, calls and aggregations (parser.cc) ----

  // Precedence climbing over the binary operators; operands are unary expressions.
  bool ParseExpression(int min_prec, ExprPtr* out);
  bool ParseBinaryModifiers(PendingMatching* m);
  // The fill modifier `word` names, if `cur_` starts one: fill, fill_left or fill_right followed
  // by `(` (otherwise the word is a metric name, as in `other + fill`).
  enum class FillKind { kNone, kBoth, kLeft, kRight };
  FillKind PeekFillModifier();
  // `fill(v)`, or `fill_left(v)` and/or `fill_right(v)`; v is a signed number literal.
  bool ParseFillModifiers(VectorMatching* matching);
  // `( label, ... )` after by/without/on/ignoring/group_x.
  bool ParseGroupingLabels(std::vector<std::string>* labels);
  // unary_expr: `-`/`+` binds like `*` (so `-1^2` is `-(1^2)` and `-1*2` is `(-1)*2`).
  bool ParseUnary(ExprPtr* out);
  // offset, @ and [range] / [range:step] after an operand.
  bool ParsePostfix(ExprPtr expr, ExprPtr* out);
  bool ParsePrimary(ExprPtr* out);
  // `(` args `)` of a call or aggregation (function_call_body).
  bool ParseCallBody(std::vector<ExprPtr>* args);
  bool ParseCall(ExprPtr* out);
  bool ParseAggregate(ExprPtr* out);
  // An aggregation with an error already recorded: keep parsing with a placeholder operand so that
  // later syntax errors are still found, as Prometheus' grammar does.
  bool FailedAggregate(std::unique_ptr<AggregateExpr> agg, ExprPtr* out);

  // ---- Literals and selectors (parser_literals.cc) ----

  // parser.number in parse.go: an integer as strconv.ParseInt(s, 0, 64) reads it, else a float.
  double ParseNumber(const Token& token);
  // strutil.Unquote, with Prometheus' message on failure.
  bool Unquote(const Token& token, std::string* out);
  // vector_selector: metric_identifier [label_matchers] | label_matchers.
  bool ParseVectorSelector(ExprPtr* out);
  bool ParseLabelMatchers(VectorSelector* vs);

  // ---- Durations, offset, @, ranges and subqueries (parser_durations.cc) ----

  // number_duration_literal: a number of seconds or a duration; the value in seconds.
  // With `as_duration`, a plain number must fit a time.Duration in seconds (offset, range, step).
  bool ParseNumberOrDuration(double* seconds, int64_t* exact_ms, bool as_duration = false);
  bool IsNumberOrDuration() const {
    return cur_.kind == TokenKind::kNumber || cur_.kind == TokenKind::kDuration;
  }
  bool ParseOffset(Expr* expr);
  bool ParseAt(Expr* expr);
  bool ParseRangeOrSubquery(ExprPtr* expr);

  // Where a duration is parsed, for "unexpected ..." messages about its first token.
  struct DurationContext {
    std::string_view context;
    std::string_view expected;
  };
  // offset_duration_expr: a signed literal, step(), range(), min_of/max_of(...) or a parenthesized
  // duration expression. Binary operators after it apply to the selector (`foo offset 1m + 1`).
  bool ParseOffsetDuration(std::shared_ptr<DurationExpr>* out);
  // duration_expr: precedence climbing over + - * / % ^, with unary signs binding like `*`.
  bool ParseDurationExpr(int min_prec, const DurationContext& ctx,
                         std::shared_ptr<DurationExpr>* out);
  bool ExpectToken(TokenKind kind, std::string_view expected);
  // A literal, step(), range(), min_of(a, b), max_of(a, b) or `( duration_expr )`.
  bool ParseDurationAtom(const DurationContext& ctx, std::shared_ptr<DurationExpr>* out);
  // Splits a parsed duration into its millisecond value and the expression to keep for printing
  // (null for a plain literal). Expressions need the feature flag; those without step()/range()
  // are computed now, the others by the engine (the value stays 0 until then).
  void FoldParsedDuration(const std::shared_ptr<DurationExpr>& duration, int pos, int64_t* ms,
                          DurationExprPtr* kept);

  // ---- Semantic checks: checkAST in parse.go (type_check.cc) ----

  // The type of `node`, after checking it and its children.
  ValueType CheckAst(const Expr& node);
  void ExpectType(const Expr& expr, ValueType want, std::string_view context);
  void CheckAggregate(const AggregateExpr& agg);
  void CheckBinary(BinaryExpr& b);
  void CheckCall(const Call& call);
  void CheckVectorSelector(const VectorSelector& vs);

  struct ParseError {
    int pos;
    std::string message;
  };

  std::string_view input_;
  ParseOptions options_;
  Lexer lexer_;
  Token cur_;
  Token next_;
  bool has_next_ = false;
  bool lexer_error_ = false;
  int last_closing_ = 0;
  size_t nesting_ = 0;  // recursive descents in progress (NestingGuard)
  int quoted_name_index_ = -1;
  std::vector<ParseError> errors_;
  // Side information the AST does not carry but the checks need.
  std::unordered_map<const BinaryExpr*, int> op_pos_;
  std::unordered_set<const VectorSelector*> name_outside_;
  std::unordered_set<const VectorSelector*> bypass_empty_check_;
};

}  // namespace tidemark::promql::internal

#endif  // TIDEMARK_QUERY_PARSER_INTERNAL_H_
