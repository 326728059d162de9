// A recursive-descent PromQL parser that follows Prometheus' yacc grammar (generated_parser.y)
// and its checks (parse.go: the grammar actions and checkAST), including their error messages.
//
// Errors are collected in order, as Prometheus does: a syntax error stops the parse, while errors
// found by grammar actions (unknown function, offset set twice, ...) are recorded and parsing goes
// on. The first error is reported. Type checks run only when there was no other error.
#include "query/parser.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "query/duration_expr.h"
#include "query/lexer.h"
#include "re2/re2.h"
#include "util/duration.h"
#include "util/go_text.h"
#include "util/prom_names.h"

namespace tidemark::promql {
namespace {

constexpr int kPowPrec = 6;

// Binary operator precedence (generated_parser.y: %left LOR; LAND LUNLESS; comparisons; ADD SUB;
// MUL DIV MOD ATAN2; %right POW); 0 for tokens that are not binary operators.
int Precedence(TokenKind kind) {
  switch (kind) {
    case TokenKind::kOr:
      return 1;
    case TokenKind::kAnd:
    case TokenKind::kUnless:
      return 2;
    case TokenKind::kEqlc:
    case TokenKind::kNeq:
    case TokenKind::kLss:
    case TokenKind::kLte:
    case TokenKind::kGtr:
    case TokenKind::kGte:
      return 3;
    case TokenKind::kAdd:
    case TokenKind::kSub:
      return 4;
    case TokenKind::kMul:
    case TokenKind::kDiv:
    case TokenKind::kMod:
    case TokenKind::kAtan2:
      return 5;
    case TokenKind::kPow:
      return kPowPrec;
    default:
      return 0;
  }
}

BinaryOp ToBinaryOp(TokenKind kind) {
  switch (kind) {
    case TokenKind::kAdd:
      return BinaryOp::kAdd;
    case TokenKind::kSub:
      return BinaryOp::kSub;
    case TokenKind::kMul:
      return BinaryOp::kMul;
    case TokenKind::kDiv:
      return BinaryOp::kDiv;
    case TokenKind::kMod:
      return BinaryOp::kMod;
    case TokenKind::kPow:
      return BinaryOp::kPow;
    case TokenKind::kAtan2:
      return BinaryOp::kAtan2;
    case TokenKind::kEqlc:
      return BinaryOp::kEql;
    case TokenKind::kNeq:
      return BinaryOp::kNeq;
    case TokenKind::kLss:
      return BinaryOp::kLss;
    case TokenKind::kLte:
      return BinaryOp::kLte;
    case TokenKind::kGtr:
      return BinaryOp::kGtr;
    case TokenKind::kGte:
      return BinaryOp::kGte;
    case TokenKind::kAnd:
      return BinaryOp::kAnd;
    case TokenKind::kOr:
      return BinaryOp::kOr;
    default:
      return BinaryOp::kUnless;
  }
}

bool LookupAggregateOp(std::string_view lower, AggregateOp* op) {
  static constexpr std::pair<std::string_view, AggregateOp> kOps[] = {
      {"sum", AggregateOp::kSum},           {"avg", AggregateOp::kAvg},
      {"min", AggregateOp::kMin},           {"max", AggregateOp::kMax},
      {"count", AggregateOp::kCount},       {"group", AggregateOp::kGroup},
      {"stddev", AggregateOp::kStddev},     {"stdvar", AggregateOp::kStdvar},
      {"topk", AggregateOp::kTopk},         {"bottomk", AggregateOp::kBottomk},
      {"quantile", AggregateOp::kQuantile}, {"count_values", AggregateOp::kCountValues},
      {"limitk", AggregateOp::kLimitk},     {"limit_ratio", AggregateOp::kLimitRatio},
  };
  for (const auto& [name, value] : kOps) {
    if (name == lower) {
      *op = value;
      return true;
    }
  }
  return false;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Go's regexp/syntax error text ("error parsing regexp: missing closing ): `(`") for an RE2
// compile failure.
std::string RegexpError(const RE2& re) {
  std::string code;
  switch (re.error_code()) {
    case RE2::ErrorMissingParen:
      code = "missing closing )";
      break;
    case RE2::ErrorUnexpectedParen:
      code = "unexpected )";
      break;
    case RE2::ErrorMissingBracket:
      code = "missing closing ]";
      break;
    case RE2::ErrorBadEscape:
      code = "invalid escape sequence";
      break;
    case RE2::ErrorRepeatArgument:
      code = "missing argument to repetition operator";
      break;
    case RE2::ErrorRepeatSize:
      code = "invalid repeat count";
      break;
    case RE2::ErrorRepeatOp:
      code = "invalid nested repetition operator";
      break;
    case RE2::ErrorBadCharRange:
      code = "invalid character class range";
      break;
    case RE2::ErrorBadCharClass:
      code = "invalid character class";
      break;
    case RE2::ErrorBadPerlOp:
      code = "invalid or unsupported Perl syntax";
      break;
    case RE2::ErrorBadUTF8:
      code = "invalid UTF-8";
      break;
    case RE2::ErrorBadNamedCapture:
      code = "invalid named capture";
      break;
    default:
      code = re.error();
      break;
  }
  return "error parsing regexp: " + code + ": `" + re.error_arg() + "`";
}

// VectorMatching as the grammar builds it, before the checks decide whether it stays.
struct PendingMatching {
  VectorMatching matching;
  bool return_bool = false;
};

class Parser {
 public:
  Parser(std::string_view input, const ParseOptions& options)
      : input_(input), options_(options), lexer_(input) {
    Advance();
  }

  Result<ExprPtr> ParseWhole() {
    if (cur_.kind == TokenKind::kEof && errors_.empty()) {
      AddError(0, "no expression found in input");
      return Failure();
    }
    ExprPtr expr;
    if (ParseExpression(0, &expr) && cur_.kind != TokenKind::kEof) Unexpected("", "");
    if (errors_.empty() && ExprHeight(*expr) > static_cast<size_t>(MaxDepth()))
      TooDeep(expr->pos.start);
    if (!errors_.empty()) {
      DestroyExpr(std::move(expr));
      return Failure();
    }
    CheckAst(*expr);
    if (!errors_.empty()) return Failure();
    return expr;
  }

  Result<std::vector<LabelMatcher>> ParseSelectorOnly() {
    ExprPtr expr;
    if (cur_.kind == TokenKind::kLeftBrace || cur_.kind == TokenKind::kIdentifier ||
        cur_.kind == TokenKind::kMetricIdentifier || IsMetricKeyword(cur_.kind)) {
      if (ParseVectorSelector(&expr) && cur_.kind != TokenKind::kEof) Unexpected("", "");
    } else {
      Unexpected("", "");
    }
    if (!errors_.empty()) return Failure();
    return std::move(static_cast<VectorSelector&>(*expr).matchers);
  }

 private:
  // ---- Tokens and errors ----

  void Advance() {
    if (has_next_) {
      cur_ = std::move(next_);
      has_next_ = false;
    } else {
      cur_ = Lex();
    }
  }

  const Token& PeekNext() {
    if (!has_next_) {
      next_ = Lex();
      has_next_ = true;
    }
    return next_;
  }

  // The next non-comment token. A lexer error is recorded and reads as the end of input, as in
  // Prometheus' parser.Lex.
  Token Lex() {
    Token t = lexer_.Next();
    while (t.kind == TokenKind::kComment) t = lexer_.Next();
    if (t.kind == TokenKind::kError) {
      AddError(t.pos, t.error);
      Token eof;
      eof.kind = TokenKind::kEof;
      eof.pos = static_cast<int>(input_.size());
      lexer_error_ = true;
      return eof;
    }
    return t;
  }

  // Position just after the last consumed closing token (Prometheus' lastClosing).
  int LastClosing() const { return last_closing_; }

  void Consume() {
    if (cur_.kind == TokenKind::kRightBrace || cur_.kind == TokenKind::kRightParen ||
        cur_.kind == TokenKind::kRightBracket || cur_.kind == TokenKind::kNumber ||
        cur_.kind == TokenKind::kDuration) {
      last_closing_ = cur_.end();
    }
    Advance();
  }

  void AddError(int pos, std::string message) { errors_.push_back({pos, std::move(message)}); }

  int MaxDepth() const { return std::clamp(options_.max_depth, 1, kMaxExprDepth); }
  // Returns false so callers can `return TooDeep(...)`.
  bool TooDeep(int pos) {
    AddError(pos, "expression nested too deeply (more than " + std::to_string(MaxDepth()) +
                      " levels of parentheses, calls and operators)");
    return false;
  }
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

  // parser.unexpected in parse.go. Returns false so callers can `return Unexpected(...)`.
  bool Unexpected(std::string_view context, std::string_view expected) {
    if (lexer_error_ && cur_.kind == TokenKind::kEof) return false;  // reported by the lexer
    std::string msg = "unexpected " + DescribeToken(cur_);
    if (!context.empty()) msg += " in " + std::string(context);
    if (!expected.empty()) msg += ", expected " + std::string(expected);
    AddError(cur_.pos, std::move(msg));
    return false;
  }

  Status Failure() const {
    const auto& [pos, message] = errors_.front();
    int line = 1;
    int last_newline = -1;
    for (int i = 0; i < pos && i < static_cast<int>(input_.size()); ++i) {
      if (input_[i] == '\n') {
        ++line;
        last_newline = i;
      }
    }
    return Status::InvalidArgument(std::to_string(line) + ":" + std::to_string(pos - last_newline) +
                                   ": parse error: " + message);
  }

  static bool IsMetricKeyword(TokenKind kind) {
    switch (kind) {
      case TokenKind::kAggregator:
      case TokenKind::kBy:
      case TokenKind::kWithout:
      case TokenKind::kOffset:
      case TokenKind::kAnd:
      case TokenKind::kOr:
      case TokenKind::kUnless:
      case TokenKind::kStart:
      case TokenKind::kEnd:
      case TokenKind::kStep:
      case TokenKind::kRange:
        return true;
      default:
        return false;
    }
  }

  // ---- Expressions ----

  // Precedence climbing over the binary operators; operands are unary expressions.
  bool ParseExpression(int min_prec, ExprPtr* out) {
    NestingGuard nesting(this);
    if (!nesting.ok()) return TooDeep(cur_.pos);
    ExprPtr lhs;
    if (!ParseUnary(&lhs)) return false;
    // The height of the tree built so far, kept as operators are chained onto it, so that a long
    // chain (`1+1+...`, which needs no recursion to parse) is refused as soon as it is too deep.
    size_t height = ExprHeight(*lhs);
    if (nesting_ + height > static_cast<size_t>(MaxDepth())) {
      DestroyExpr(std::move(lhs));
      return TooDeep(cur_.pos);
    }
    while (true) {
      const int prec = Precedence(cur_.kind);
      if (prec == 0 || prec < min_prec) break;
      const Token op = cur_;
      Consume();
      PendingMatching modifiers;
      if (!ParseBinaryModifiers(&modifiers)) return false;
      ExprPtr rhs;
      // `^` is right-associative; all others are left-associative.
      if (!ParseExpression(prec == kPowPrec ? prec : prec + 1, &rhs)) {
        DestroyExpr(std::move(lhs));
        return false;
      }
      height = std::max(height, ExprHeight(*rhs)) + 1;
      if (nesting_ + height > static_cast<size_t>(MaxDepth())) {
        DestroyExpr(std::move(lhs));
        DestroyExpr(std::move(rhs));
        return TooDeep(op.pos);
      }
      auto binary = std::make_unique<BinaryExpr>();
      binary->op = ToBinaryOp(op.kind);
      binary->pos = {lhs->pos.start, rhs->pos.end};
      binary->return_bool = modifiers.return_bool;
      binary->matching = std::make_unique<VectorMatching>(std::move(modifiers.matching));
      binary->lhs = std::move(lhs);
      binary->rhs = std::move(rhs);
      op_pos_[binary.get()] = op.pos;
      lhs = std::move(binary);
    }
    *out = std::move(lhs);
    return true;
  }

  bool ParseBinaryModifiers(PendingMatching* m) {
    if (cur_.kind == TokenKind::kBool) {
      m->return_bool = true;
      Consume();
    }
    if (cur_.kind == TokenKind::kOn || cur_.kind == TokenKind::kIgnoring) {
      m->matching.on = cur_.kind == TokenKind::kOn;
      Consume();
      if (!ParseGroupingLabels(&m->matching.labels)) return false;
      if (cur_.kind == TokenKind::kGroupLeft || cur_.kind == TokenKind::kGroupRight) {
        m->matching.card = cur_.kind == TokenKind::kGroupLeft ? MatchCardinality::kManyToOne
                                                              : MatchCardinality::kOneToMany;
        Consume();
        if (cur_.kind == TokenKind::kLeftParen && !ParseGroupingLabels(&m->matching.include)) {
          return false;
        }
      }
    }
    return ParseFillModifiers(&m->matching);
  }

  // The fill modifier `word` names, if `cur_` starts one: fill, fill_left or fill_right followed
  // by `(` (otherwise the word is a metric name, as in `other + fill`).
  enum class FillKind { kNone, kBoth, kLeft, kRight };
  FillKind PeekFillModifier() {
    if (cur_.kind != TokenKind::kIdentifier || PeekNext().kind != TokenKind::kLeftParen) {
      return FillKind::kNone;
    }
    const std::string word = Lower(cur_.text);
    if (word == "fill") return FillKind::kBoth;
    if (word == "fill_left") return FillKind::kLeft;
    if (word == "fill_right") return FillKind::kRight;
    return FillKind::kNone;
  }

  // `fill(v)`, or `fill_left(v)` and/or `fill_right(v)`; v is a signed number literal.
  bool ParseFillModifiers(VectorMatching* matching) {
    for (FillKind kind = PeekFillModifier(); kind != FillKind::kNone; kind = PeekFillModifier()) {
      const Token word = cur_;
      if (!options_.enable_experimental_functions) {
        AddError(word.pos, "fill modifiers are experimental and not enabled");
        return false;
      }
      const bool repeated = kind == FillKind::kBoth
                                ? matching->fill_lhs.has_value() || matching->fill_rhs.has_value()
                            : kind == FillKind::kLeft ? matching->fill_lhs.has_value()
                                                      : matching->fill_rhs.has_value();
      if (repeated) {
        AddError(word.pos, "duplicate fill modifier " + util::GoQuote(word.text));
        return false;
      }
      Consume();
      Consume();  // (
      bool negative = false;
      if (cur_.kind == TokenKind::kAdd || cur_.kind == TokenKind::kSub) {
        negative = cur_.kind == TokenKind::kSub;
        Consume();
      }
      if (cur_.kind != TokenKind::kNumber) return Unexpected("fill modifier", "number");
      double value = ParseNumber(cur_);
      Consume();
      if (negative) value = -value;
      if (cur_.kind != TokenKind::kRightParen) return Unexpected("fill modifier", "\")\"");
      Consume();
      if (kind != FillKind::kRight) matching->fill_lhs = value;
      if (kind != FillKind::kLeft) matching->fill_rhs = value;
      matching->fill_both = kind == FillKind::kBoth;
    }
    return true;
  }

  // `( label, ... )` after by/without/on/ignoring/group_x.
  bool ParseGroupingLabels(std::vector<std::string>* labels) {
    if (cur_.kind != TokenKind::kLeftParen) return Unexpected("grouping opts", "\"(\"");
    Consume();
    labels->clear();
    if (cur_.kind == TokenKind::kRightParen) {
      Consume();
      return true;
    }
    while (true) {
      if (cur_.kind == TokenKind::kString) {
        std::string unquoted;
        if (!Unquote(cur_, &unquoted)) return false;
        labels->push_back(std::move(unquoted));
      } else if (IsWordToken(cur_.kind) && util::IsLegacyLabelName(cur_.text)) {
        labels->emplace_back(cur_.text);
      } else {
        return Unexpected("grouping opts", "label");
      }
      Consume();
      if (cur_.kind == TokenKind::kComma) {
        Consume();
        if (cur_.kind == TokenKind::kRightParen) break;
        continue;
      }
      if (cur_.kind == TokenKind::kRightParen) break;
      return Unexpected("grouping opts", "\",\" or \")\"");
    }
    Consume();
    return true;
  }

  // unary_expr: `-`/`+` binds like `*` (so `-1^2` is `-(1^2)` and `-1*2` is `(-1)*2`).
  bool ParseUnary(ExprPtr* out) {
    if (cur_.kind != TokenKind::kAdd && cur_.kind != TokenKind::kSub) {
      ExprPtr primary;
      if (!ParsePrimary(&primary)) return false;
      return ParsePostfix(std::move(primary), out);
    }
    const Token op = cur_;
    Consume();
    ExprPtr operand;
    if (!ParseExpression(kPowPrec, &operand)) return false;
    if (operand->kind == ExprKind::kNumberLiteral) {
      auto& number = static_cast<NumberLiteral&>(*operand);
      if (op.kind == TokenKind::kSub) number.value = -number.value;
      number.pos.start = op.pos;
      *out = std::move(operand);
      return true;
    }
    auto unary = std::make_unique<UnaryExpr>();
    unary->negate = op.kind == TokenKind::kSub;
    unary->pos = {op.pos, operand->pos.end};
    unary->expr = std::move(operand);
    *out = std::move(unary);
    return true;
  }

  // offset, @ and [range] / [range:step] after an operand.
  bool ParsePostfix(ExprPtr expr, ExprPtr* out) {
    for (size_t wraps = 0;; ++wraps) {
      if (nesting_ + wraps > static_cast<size_t>(MaxDepth())) {
        DestroyExpr(std::move(expr));
        return TooDeep(cur_.pos);
      }
      if (cur_.kind == TokenKind::kOffset) {
        if (!ParseOffset(expr.get())) return false;
      } else if (cur_.kind == TokenKind::kAt) {
        if (!ParseAt(expr.get())) return false;
      } else if (cur_.kind == TokenKind::kLeftBracket) {
        if (!ParseRangeOrSubquery(&expr)) return false;
      } else {
        break;
      }
    }
    *out = std::move(expr);
    return true;
  }

  // number_duration_literal: a number of seconds or a duration; the value in seconds.
  // With `as_duration`, a plain number must fit a time.Duration in seconds (offset, range, step).
  bool ParseNumberOrDuration(double* seconds, int64_t* exact_ms, bool as_duration = false) {
    *exact_ms = -1;
    if (cur_.kind == TokenKind::kNumber) {
      *seconds = ParseNumber(cur_);
      constexpr double kMaxSeconds = 9223372036.854775807;
      if (as_duration &&
          (std::isnan(*seconds) || *seconds > kMaxSeconds || *seconds < -kMaxSeconds)) {
        AddError(cur_.pos, "duration out of range");
        *seconds = 0;
      }
    } else {
      Result<int64_t> ms = ParseDurationMs(cur_.text);
      if (!ms.ok()) {
        AddError(cur_.pos, ms.status().message());
        *seconds = 0;
      } else {
        *exact_ms = *ms;
        *seconds = static_cast<double>(*ms) / 1000.0;
      }
    }
    Consume();
    return true;
  }

  // time.Duration(seconds * 1000) * time.Millisecond, as the grammar converts.
  static int64_t SecondsToMs(double seconds, int64_t exact_ms) {
    if (exact_ms >= 0) return exact_ms;
    double ms = seconds * 1000;
    if (std::isnan(ms)) return 0;
    if (ms >= 9.2e18) return std::numeric_limits<int64_t>::max();
    if (ms <= -9.2e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(ms);
  }

  bool IsNumberOrDuration() const {
    return cur_.kind == TokenKind::kNumber || cur_.kind == TokenKind::kDuration;
  }

  bool ParseOffset(Expr* expr) {
    Consume();
    const int duration_pos = cur_.pos;
    std::shared_ptr<DurationExpr> duration;
    if (!ParseOffsetDuration(&duration)) return false;
    int64_t ms = 0;
    DurationExprPtr kept;
    FoldParsedDuration(duration, duration_pos, &ms, &kept);
    int64_t* target = nullptr;
    DurationExprPtr* target_expr = nullptr;
    switch (expr->kind) {
      case ExprKind::kVectorSelector: {
        auto* vs = static_cast<VectorSelector*>(expr);
        target = &vs->offset_ms, target_expr = &vs->offset_expr;
        break;
      }
      case ExprKind::kMatrixSelector: {
        auto& vs = static_cast<VectorSelector&>(*static_cast<MatrixSelector*>(expr)->selector);
        target = &vs.offset_ms, target_expr = &vs.offset_expr;
        break;
      }
      case ExprKind::kSubquery: {
        auto* sq = static_cast<SubqueryExpr*>(expr);
        target = &sq->offset_ms, target_expr = &sq->offset_expr;
        break;
      }
      default:
        AddError(expr->pos.start,
                 "offset modifier must be preceded by an instant vector selector or range vector "
                 "selector or a subquery");
        return true;
    }
    if (*target != 0 || *target_expr != nullptr) {
      AddError(expr->pos.start, "offset may not be set multiple times");
    } else {
      *target = ms;
      *target_expr = std::move(kept);
    }
    expr->pos.end = LastClosing();
    return true;
  }

  // ---- Duration expressions ----

  // Where a duration is parsed, for "unexpected ..." messages about its first token.
  struct DurationContext {
    std::string_view context;
    std::string_view expected;
  };

  static int DurationPrecedence(TokenKind kind) {
    switch (kind) {
      case TokenKind::kAdd:
      case TokenKind::kSub:
      case TokenKind::kMul:
      case TokenKind::kDiv:
      case TokenKind::kMod:
      case TokenKind::kPow:
        return Precedence(kind);
      default:
        return 0;
    }
  }

  static bool IsPlainLiteral(const DurationExpr& d) { return d.op == DurationExpr::Op::kLiteral; }

  // Applies a unary sign to a parsed duration: literals absorb it, as in Prometheus' grammar.
  static std::shared_ptr<DurationExpr> ApplySign(bool negative,
                                                 std::shared_ptr<DurationExpr> operand) {
    if (!negative) return operand;
    if (IsPlainLiteral(*operand)) {
      operand->seconds = -operand->seconds;
      return operand;
    }
    auto negate = std::make_shared<DurationExpr>();
    negate->op = DurationExpr::Op::kNegate;
    negate->rhs = std::move(operand);
    return negate;
  }

  // offset_duration_expr: a signed literal, step(), range(), min_of/max_of(...) or a parenthesized
  // duration expression. Binary operators after it apply to the selector (`foo offset 1m + 1`).
  bool ParseOffsetDuration(std::shared_ptr<DurationExpr>* out) {
    bool negative = false;
    if (cur_.kind == TokenKind::kAdd || cur_.kind == TokenKind::kSub) {
      negative = cur_.kind == TokenKind::kSub;
      Consume();
    }
    const DurationContext ctx{"offset", "number or duration"};
    std::shared_ptr<DurationExpr> operand;
    if (!ParseDurationAtom(ctx, &operand)) return false;
    *out = ApplySign(negative, std::move(operand));
    return true;
  }

  // duration_expr: precedence climbing over + - * / % ^, with unary signs binding like `*`.
  bool ParseDurationExpr(int min_prec, const DurationContext& ctx,
                         std::shared_ptr<DurationExpr>* out) {
    NestingGuard nesting(this);
    if (!nesting.ok()) return TooDeep(cur_.pos);
    size_t chained = 0;
    std::shared_ptr<DurationExpr> lhs;
    if (cur_.kind == TokenKind::kAdd || cur_.kind == TokenKind::kSub) {
      const bool negative = cur_.kind == TokenKind::kSub;
      Consume();
      std::shared_ptr<DurationExpr> operand;
      if (!ParseDurationExpr(kPowPrec, ctx, &operand)) return false;
      lhs = ApplySign(negative, std::move(operand));
    } else if (!ParseDurationAtom(ctx, &lhs)) {
      return false;
    }
    while (true) {
      const int prec = DurationPrecedence(cur_.kind);
      if (prec == 0 || prec < min_prec) break;
      if (nesting_ + ++chained > static_cast<size_t>(MaxDepth())) return TooDeep(cur_.pos);
      const Token op = cur_;
      Consume();
      std::shared_ptr<DurationExpr> rhs;
      // `^` is right-associative; the others are left-associative.
      if (!ParseDurationExpr(prec == kPowPrec ? prec : prec + 1, ctx, &rhs)) return false;
      auto binary = std::make_shared<DurationExpr>();
      switch (op.kind) {
        case TokenKind::kAdd:
          binary->op = DurationExpr::Op::kAdd;
          break;
        case TokenKind::kSub:
          binary->op = DurationExpr::Op::kSub;
          break;
        case TokenKind::kMul:
          binary->op = DurationExpr::Op::kMul;
          break;
        case TokenKind::kDiv:
          binary->op = DurationExpr::Op::kDiv;
          break;
        case TokenKind::kMod:
          binary->op = DurationExpr::Op::kMod;
          break;
        default:
          binary->op = DurationExpr::Op::kPow;
          break;
      }
      // A literal zero divisor is caught while parsing, as Prometheus does.
      if (IsPlainLiteral(*rhs) && rhs->seconds == 0) {
        if (op.kind == TokenKind::kDiv) AddError(op.pos, "division by zero");
        if (op.kind == TokenKind::kMod) AddError(op.pos, "modulo by zero");
      }
      binary->lhs = std::move(lhs);
      binary->rhs = std::move(rhs);
      lhs = std::move(binary);
    }
    *out = std::move(lhs);
    return true;
  }

  bool ExpectToken(TokenKind kind, std::string_view expected) {
    if (cur_.kind != kind) return Unexpected("duration expression", expected);
    Consume();
    return true;
  }

  // A literal, step(), range(), min_of(a, b), max_of(a, b) or `( duration_expr )`.
  bool ParseDurationAtom(const DurationContext& ctx, std::shared_ptr<DurationExpr>* out) {
    auto node = std::make_shared<DurationExpr>();
    if (IsNumberOrDuration()) {
      node->op = DurationExpr::Op::kLiteral;
      node->literal_is_unit = cur_.kind == TokenKind::kDuration;
      int64_t exact_ms = -1;
      ParseNumberOrDuration(&node->seconds, &exact_ms, /*as_duration=*/true);
      *out = std::move(node);
      return true;
    }
    if (cur_.kind == TokenKind::kStep || cur_.kind == TokenKind::kRange) {
      node->op = cur_.kind == TokenKind::kStep ? DurationExpr::Op::kStep : DurationExpr::Op::kRange;
      Consume();
      if (!ExpectToken(TokenKind::kLeftParen, "\"(\"")) return false;
      if (!ExpectToken(TokenKind::kRightParen, "\")\"")) return false;
      *out = std::move(node);
      return true;
    }
    if (cur_.kind == TokenKind::kIdentifier &&
        (Lower(cur_.text) == "min_of" || Lower(cur_.text) == "max_of")) {
      node->op = Lower(cur_.text) == "min_of" ? DurationExpr::Op::kMinOf : DurationExpr::Op::kMaxOf;
      Consume();
      if (!ExpectToken(TokenKind::kLeftParen, "\"(\"")) return false;
      std::shared_ptr<DurationExpr> lhs;
      std::shared_ptr<DurationExpr> rhs;
      if (!ParseDurationExpr(0, ctx, &lhs)) return false;
      if (!ExpectToken(TokenKind::kComma, "\",\"")) return false;
      if (!ParseDurationExpr(0, ctx, &rhs)) return false;
      if (!ExpectToken(TokenKind::kRightParen, "\")\"")) return false;
      node->lhs = std::move(lhs);
      node->rhs = std::move(rhs);
      *out = std::move(node);
      return true;
    }
    if (cur_.kind == TokenKind::kLeftParen) {
      Consume();
      std::shared_ptr<DurationExpr> inner;
      if (!ParseDurationExpr(0, ctx, &inner)) return false;
      if (!ExpectToken(TokenKind::kRightParen, "\")\"")) return false;
      // A parenthesized literal is just the literal (it prints without the parentheses).
      if (!IsPlainLiteral(*inner)) inner->wrapped = true;
      *out = std::move(inner);
      return true;
    }
    return Unexpected(ctx.context, ctx.expected);
  }

  // Splits a parsed duration into its millisecond value and the expression to keep for printing
  // (null for a plain literal). Expressions need the feature flag; those without step()/range()
  // are computed now, the others by the engine (the value stays 0 until then).
  void FoldParsedDuration(const std::shared_ptr<DurationExpr>& duration, int pos, int64_t* ms,
                          DurationExprPtr* kept) {
    *kept = nullptr;
    if (IsPlainLiteral(*duration)) {
      *ms = duration->literal_is_unit ? std::llround(duration->seconds * 1000)
                                      : SecondsToMs(duration->seconds, -1);
      return;
    }
    if (!options_.enable_duration_expressions) {
      AddError(pos, "experimental duration expression is not enabled");
    }
    *kept = duration;
    *ms = 0;
    if (DurationExprUsesQuery(*duration)) return;
    Result<int64_t> value = EvaluateDurationMs(*duration, /*allow_negative=*/true, 0, 0);
    if (!value.ok()) {
      AddError(pos, value.status().message());
      return;
    }
    *ms = *value;
  }

  // True when the duration's value is known only at query time (so not checked while parsing).
  static bool QueryDependent(const DurationExprPtr& expr) {
    return expr != nullptr && DurationExprUsesQuery(*expr);
  }

  bool ParseAt(Expr* expr) {
    Consume();
    AtModifier at = AtModifier::kTimestamp;
    int64_t at_ms = 0;
    if (cur_.kind == TokenKind::kStart || cur_.kind == TokenKind::kEnd) {
      at = cur_.kind == TokenKind::kStart ? AtModifier::kStart : AtModifier::kEnd;
      Consume();
      if (cur_.kind != TokenKind::kLeftParen) return Unexpected("@", "timestamp");
      Consume();
      if (cur_.kind != TokenKind::kRightParen) return Unexpected("@", "timestamp");
      Consume();
    } else {
      bool negative = false;
      if (cur_.kind == TokenKind::kAdd || cur_.kind == TokenKind::kSub) {
        negative = cur_.kind == TokenKind::kSub;
        Consume();
      }
      if (!IsNumberOrDuration()) return Unexpected("@", "timestamp");
      double seconds = 0;
      int64_t exact_ms = -1;
      ParseNumberOrDuration(&seconds, &exact_ms);
      if (negative) seconds = -seconds;
      if (std::isinf(seconds) || std::isnan(seconds) || seconds >= 9.223372036854775807e18 ||
          seconds <= -9.223372036854775808e18) {
        AddError(expr->pos.start,
                 "timestamp out of bounds for @ modifier: " + util::GoSprintfF(seconds));
      }
      double ms = std::round(seconds * 1000);
      if (std::isnan(ms)) ms = 0;
      at_ms = ms >= 9.2e18    ? std::numeric_limits<int64_t>::max()
              : ms <= -9.2e18 ? std::numeric_limits<int64_t>::min()
                              : static_cast<int64_t>(ms);
    }
    AtModifier* at_target = nullptr;
    int64_t* ms_target = nullptr;
    switch (expr->kind) {
      case ExprKind::kVectorSelector: {
        auto* vs = static_cast<VectorSelector*>(expr);
        at_target = &vs->at, ms_target = &vs->at_ms;
        break;
      }
      case ExprKind::kMatrixSelector: {
        auto& vs = static_cast<VectorSelector&>(*static_cast<MatrixSelector*>(expr)->selector);
        at_target = &vs.at, ms_target = &vs.at_ms;
        break;
      }
      case ExprKind::kSubquery: {
        auto* sq = static_cast<SubqueryExpr*>(expr);
        at_target = &sq->at, ms_target = &sq->at_ms;
        break;
      }
      default:
        AddError(expr->pos.start,
                 "@ modifier must be preceded by an instant vector selector or range vector "
                 "selector or a subquery");
        return true;
    }
    if (*at_target != AtModifier::kNone) {
      AddError(expr->pos.start, "@ <timestamp> may not be set multiple times");
      return true;
    }
    *at_target = at;
    *ms_target = at_ms;
    expr->pos.end = LastClosing();
    return true;
  }

  bool ParseRangeOrSubquery(ExprPtr* expr) {
    const int bracket_pos = cur_.pos;
    Consume();
    const int range_pos = cur_.pos;
    std::shared_ptr<DurationExpr> range;
    if (!ParseDurationExpr(0, {"subquery selector", "number or duration"}, &range)) return false;
    int64_t range_ms = 0;
    DurationExprPtr range_expr;
    FoldParsedDuration(range, range_pos, &range_ms, &range_expr);
    const bool range_checkable = !QueryDependent(range_expr);
    if (cur_.kind == TokenKind::kRightBracket) {
      Consume();
      std::string error;
      if ((*expr)->kind != ExprKind::kVectorSelector) {
        error = "ranges only allowed for vector selectors";
      } else if (static_cast<VectorSelector&>(**expr).offset_ms != 0 ||
                 static_cast<VectorSelector&>(**expr).offset_expr != nullptr) {
        error = "no offset modifiers allowed before range";
      } else if (static_cast<VectorSelector&>(**expr).at != AtModifier::kNone) {
        error = "no @ modifiers allowed before range";
      } else if (range_checkable && range_ms <= 0) {
        error = "duration must be greater than 0";
      }
      if (!error.empty()) {
        AddError(bracket_pos, error);
        return true;
      }
      auto matrix = std::make_unique<MatrixSelector>();
      matrix->pos = {(*expr)->pos.start, LastClosing()};
      matrix->range_ms = range_ms;
      matrix->range_expr = std::move(range_expr);
      matrix->selector = std::move(*expr);
      *expr = std::move(matrix);
      return true;
    }
    if (cur_.kind != TokenKind::kColon) return Unexpected("subquery or range", "\":\" or \"]\"");
    Consume();
    int64_t step_ms = 0;
    DurationExprPtr step_expr;
    if (cur_.kind != TokenKind::kRightBracket) {
      const int step_pos = cur_.pos;
      std::shared_ptr<DurationExpr> step;
      if (!ParseDurationExpr(0, {"subquery selector", "number or duration or \"]\""}, &step)) {
        return false;
      }
      FoldParsedDuration(step, step_pos, &step_ms, &step_expr);
      if (!QueryDependent(step_expr) && step_ms <= 0) {
        AddError(step_pos, "duration must be greater than 0");
      }
      if (cur_.kind != TokenKind::kRightBracket) return Unexpected("subquery selector", "\"]\"");
    }
    Consume();
    if (range_checkable && range_ms <= 0) AddError(bracket_pos, "duration must be greater than 0");
    auto subquery = std::make_unique<SubqueryExpr>();
    subquery->pos = {(*expr)->pos.start, LastClosing()};
    subquery->range_ms = range_ms;
    subquery->step_ms = step_ms;
    subquery->range_expr = std::move(range_expr);
    subquery->step_expr = std::move(step_expr);
    subquery->expr = std::move(*expr);
    *expr = std::move(subquery);
    return true;
  }

  bool ParsePrimary(ExprPtr* out) {
    switch (cur_.kind) {
      case TokenKind::kNumber:
      case TokenKind::kDuration: {
        auto number = std::make_unique<NumberLiteral>();
        number->pos = {cur_.pos, cur_.end()};
        double seconds = 0;
        int64_t exact_ms = -1;
        ParseNumberOrDuration(&seconds, &exact_ms);
        number->value = seconds;
        *out = std::move(number);
        return true;
      }
      case TokenKind::kString: {
        auto literal = std::make_unique<StringLiteral>();
        literal->pos = {cur_.pos, cur_.end()};
        if (!Unquote(cur_, &literal->value)) return false;
        Consume();
        *out = std::move(literal);
        return true;
      }
      case TokenKind::kLeftParen: {
        const int start = cur_.pos;
        Consume();
        auto paren = std::make_unique<ParenExpr>();
        if (!ParseExpression(0, &paren->expr)) return false;
        if (cur_.kind != TokenKind::kRightParen) return Unexpected("", "");
        Consume();
        paren->pos = {start, LastClosing()};
        *out = std::move(paren);
        return true;
      }
      case TokenKind::kLeftBrace:
      case TokenKind::kMetricIdentifier:
        return ParseVectorSelector(out);
      case TokenKind::kIdentifier:
      case TokenKind::kStart:
      case TokenKind::kEnd:
      case TokenKind::kStep:
      case TokenKind::kRange:
        if (PeekNext().kind == TokenKind::kLeftParen) return ParseCall(out);
        return ParseVectorSelector(out);
      case TokenKind::kAggregator: {
        // As in Prometheus' grammar, an aggregator keyword is a metric name when what follows it
        // can only follow a selector (`sum{job="x"}`, `count + 1`, `max)`).
        const TokenKind next = PeekNext().kind;
        const bool ends_selector = next == TokenKind::kLeftBrace || next == TokenKind::kEof ||
                                   next == TokenKind::kRightParen || next == TokenKind::kComma ||
                                   next == TokenKind::kOffset || next == TokenKind::kAt ||
                                   next == TokenKind::kLeftBracket || Precedence(next) != 0;
        if (ends_selector) return ParseVectorSelector(out);
        return ParseAggregate(out);
      }
      default:
        if (IsMetricKeyword(cur_.kind)) return ParseVectorSelector(out);
        return Unexpected("", "");
    }
  }

  // `(` args `)` of a call or aggregation (function_call_body).
  bool ParseCallBody(std::vector<ExprPtr>* args) {
    Consume();  // (
    if (cur_.kind == TokenKind::kRightParen) {
      Consume();
      return true;
    }
    while (true) {
      ExprPtr arg;
      if (!ParseExpression(0, &arg)) return false;
      args->push_back(std::move(arg));
      if (cur_.kind == TokenKind::kComma) {
        const int comma_pos = cur_.pos;
        Consume();
        if (cur_.kind == TokenKind::kRightParen) {
          AddError(comma_pos, "trailing commas not allowed in function call args");
          break;
        }
        continue;
      }
      if (cur_.kind == TokenKind::kRightParen) break;
      return Unexpected("", "");
    }
    Consume();
    return true;
  }

  bool ParseCall(ExprPtr* out) {
    const Token name = cur_;
    Consume();
    auto call = std::make_unique<Call>();
    call->func = LookupFunction(name.text);
    if (call->func == nullptr) {
      AddError(name.pos, "unknown function with name " + util::GoQuote(name.text));
    } else if (call->func->experimental && !options_.enable_experimental_functions) {
      AddError(name.pos, "function " + util::GoQuote(name.text) + " is not enabled");
    }
    if (!ParseCallBody(&call->args)) return false;
    call->pos = {name.pos, LastClosing()};
    *out = std::move(call);
    return true;
  }

  bool ParseAggregate(ExprPtr* out) {
    const Token op_token = cur_;
    Consume();
    auto agg = std::make_unique<AggregateExpr>();
    if (!LookupAggregateOp(Lower(op_token.text), &agg->op)) return Unexpected("", "");
    bool modifier_before = false;
    if (cur_.kind == TokenKind::kBy || cur_.kind == TokenKind::kWithout) {
      modifier_before = true;
      agg->without = cur_.kind == TokenKind::kWithout;
      agg->grouping_written = true;
      Consume();
      if (!ParseGroupingLabels(&agg->grouping)) return false;
    }
    if (cur_.kind != TokenKind::kLeftParen) return Unexpected("aggregation", "");
    std::vector<ExprPtr> args;
    if (!ParseCallBody(&args)) return false;
    if (!modifier_before && (cur_.kind == TokenKind::kBy || cur_.kind == TokenKind::kWithout)) {
      agg->without = cur_.kind == TokenKind::kWithout;
      agg->grouping_written = true;
      Consume();
      if (!ParseGroupingLabels(&agg->grouping)) return false;
    }
    agg->pos = {op_token.pos, LastClosing()};
    const std::string op_name(AggregateOpName(agg->op));
    if (args.empty()) {
      AddError(op_token.pos, "no arguments for aggregate expression provided");
      return FailedAggregate(std::move(agg), out);
    }
    size_t desired = 1;
    if (AggregateTakesParam(agg->op)) {
      if ((agg->op == AggregateOp::kLimitk || agg->op == AggregateOp::kLimitRatio) &&
          !options_.enable_experimental_functions) {
        AddError(op_token.pos, op_name +
                                   "() is experimental and must be enabled with "
                                   "--enable-feature=promql-experimental-functions");
        return FailedAggregate(std::move(agg), out);
      }
      desired = 2;
      agg->param = std::move(args[0]);
    }
    if (args.size() != desired) {
      AddError(op_token.pos,
               "wrong number of arguments for aggregate expression provided, expected " +
                   std::to_string(desired) + ", got " + std::to_string(args.size()));
      return FailedAggregate(std::move(agg), out);
    }
    agg->expr = std::move(args[desired - 1]);
    *out = std::move(agg);
    return true;
  }

  // An aggregation with an error already recorded: keep parsing with a placeholder operand so that
  // later syntax errors are still found, as Prometheus' grammar does.
  bool FailedAggregate(std::unique_ptr<AggregateExpr> agg, ExprPtr* out) {
    if (!agg->expr) agg->expr = std::make_unique<NumberLiteral>();
    *out = std::move(agg);
    return true;
  }

  // vector_selector: metric_identifier [label_matchers] | label_matchers.
  bool ParseVectorSelector(ExprPtr* out) {
    auto vs = std::make_unique<VectorSelector>();
    vs->pos.start = cur_.pos;
    bool name_outside = false;
    if (cur_.kind != TokenKind::kLeftBrace) {
      if (!IsWordToken(cur_.kind)) return Unexpected("", "");
      vs->name = std::string(cur_.text);
      name_outside = true;
      vs->pos.end = cur_.end();
      Consume();
    }
    if (cur_.kind == TokenKind::kLeftBrace) {
      if (!ParseLabelMatchers(vs.get())) return false;
      vs->pos.end = LastClosing();
    }
    if (name_outside) {
      vs->matchers.insert(vs->matchers.begin(), LabelMatcher::Equal("__name__", vs->name));
      name_outside_.insert(vs.get());
    } else {
      // A quoted metric name inside the braces ({"http.requests"}) names the selector when it is
      // the only __name__ matcher.
      int name_matchers = 0;
      size_t index = 0;
      for (size_t i = 0; i < vs->matchers.size(); ++i) {
        if (vs->matchers[i].name == "__name__") {
          ++name_matchers;
          index = i;
        }
      }
      if (name_matchers == 1 && quoted_name_index_ == static_cast<int>(index) &&
          !vs->matchers[index].value.empty()) {
        LabelMatcher name_matcher = vs->matchers[index];
        vs->matchers.erase(vs->matchers.begin() + static_cast<std::ptrdiff_t>(index));
        vs->matchers.insert(vs->matchers.begin(), name_matcher);
        vs->name = name_matcher.value;
      }
    }
    *out = std::move(vs);
    return true;
  }

  bool ParseLabelMatchers(VectorSelector* vs) {
    Consume();  // {
    quoted_name_index_ = -1;
    if (cur_.kind == TokenKind::kRightBrace) {
      Consume();
      return true;
    }
    while (true) {
      if (cur_.kind != TokenKind::kIdentifier && cur_.kind != TokenKind::kString) {
        return Unexpected("label matching", "identifier or \"}\"");
      }
      const Token label = cur_;
      std::string name;
      if (label.kind == TokenKind::kString) {
        if (!Unquote(label, &name)) return false;
      } else {
        name = std::string(label.text);
      }
      Consume();
      if (label.kind == TokenKind::kString &&
          (cur_.kind == TokenKind::kComma || cur_.kind == TokenKind::kRightBrace)) {
        quoted_name_index_ = static_cast<int>(vs->matchers.size());
        vs->matchers.push_back(LabelMatcher::Equal("__name__", std::move(name)));
      } else {
        MatchType type;
        switch (cur_.kind) {
          case TokenKind::kAssign:
            type = MatchType::kEqual;
            break;
          case TokenKind::kNeq:
            type = MatchType::kNotEqual;
            break;
          case TokenKind::kEqlRegex:
            type = MatchType::kRegexMatch;
            break;
          case TokenKind::kNeqRegex:
            type = MatchType::kRegexNoMatch;
            break;
          default:
            if (label.kind == TokenKind::kString) return Unexpected("label matching", "string");
            return Unexpected("label matching", "label matching operator");
        }
        Consume();
        if (cur_.kind != TokenKind::kString) return Unexpected("label matching", "string");
        std::string value;
        if (!Unquote(cur_, &value)) return false;
        if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
          RE2::Options re_options;
          re_options.set_log_errors(false);
          RE2 re("^(?s:" + value + ")$", re_options);
          if (!re.ok()) AddError(label.pos, RegexpError(re));
        }
        Consume();
        vs->matchers.push_back({type, std::move(name), std::move(value)});
      }
      if (cur_.kind == TokenKind::kComma) {
        Consume();
        if (cur_.kind == TokenKind::kRightBrace) break;
        continue;
      }
      if (cur_.kind == TokenKind::kRightBrace) break;
      return Unexpected("label matching", "\",\" or \"}\"");
    }
    Consume();
    return true;
  }

  // ---- Literals ----

  // parser.number in parse.go: an integer as strconv.ParseInt(s, 0, 64) reads it, else a float.
  double ParseNumber(const Token& token) {
    if (Result<int64_t> integer = util::GoParseInt(token.text); integer.ok()) {
      return static_cast<double>(*integer);
    }
    Result<double> value = util::GoParseFloat(token.text);
    if (!value.ok()) {
      AddError(token.pos, "error parsing number: " + value.status().message());
      return 0;
    }
    return *value;
  }

  // strutil.Unquote, with Prometheus' message on failure.
  bool Unquote(const Token& token, std::string* out) {
    Result<std::string> unquoted = util::GoUnquote(token.text);
    if (!unquoted.ok()) {
      AddError(token.pos, "error unquoting string " + util::GoQuote(token.text) + ": " +
                              unquoted.status().message());
      return false;
    }
    *out = std::move(unquoted).value();
    return true;
  }

  // ---- Semantic checks (checkAST in parse.go) ----

  void ExpectType(const Expr& expr, ValueType want, std::string_view context) {
    ValueType got = CheckAst(expr);
    if (got != want) {
      AddError(expr.pos.start, "expected type " + std::string(ValueTypeName(want)) + " in " +
                                   std::string(context) + ", got " +
                                   std::string(ValueTypeName(got)));
    }
  }

  ValueType CheckAst(const Expr& node) {
    const ValueType type = node.type();
    switch (node.kind) {
      case ExprKind::kAggregate:
        CheckAggregate(static_cast<const AggregateExpr&>(node));
        break;
      case ExprKind::kBinary:
        CheckBinary(const_cast<BinaryExpr&>(static_cast<const BinaryExpr&>(node)));
        break;
      case ExprKind::kCall:
        CheckCall(static_cast<const Call&>(node));
        break;
      case ExprKind::kParen:
        CheckAst(*static_cast<const ParenExpr&>(node).expr);
        break;
      case ExprKind::kUnary: {
        ValueType t = CheckAst(*static_cast<const UnaryExpr&>(node).expr);
        if (t != ValueType::kScalar && t != ValueType::kVector) {
          AddError(node.pos.start,
                   "unary expression only allowed on expressions of type scalar or instant "
                   "vector, got " +
                       util::GoQuote(ValueTypeName(t)));
        }
        break;
      }
      case ExprKind::kSubquery: {
        ValueType t = CheckAst(*static_cast<const SubqueryExpr&>(node).expr);
        if (t != ValueType::kVector) {
          AddError(node.pos.start, "subquery is only allowed on instant vector, got " +
                                       std::string(ValueTypeApiName(t)) + " instead");
        }
        break;
      }
      case ExprKind::kMatrixSelector:
        CheckAst(*static_cast<const MatrixSelector&>(node).selector);
        break;
      case ExprKind::kVectorSelector:
        CheckVectorSelector(static_cast<const VectorSelector&>(node));
        break;
      case ExprKind::kNumberLiteral:
      case ExprKind::kStringLiteral:
        break;
    }
    return type;
  }

  void CheckAggregate(const AggregateExpr& agg) {
    ExpectType(*agg.expr, ValueType::kVector, "aggregation expression");
    switch (agg.op) {
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk:
      case AggregateOp::kQuantile:
      case AggregateOp::kLimitk:
      case AggregateOp::kLimitRatio:
        ExpectType(*agg.param, ValueType::kScalar, "aggregation parameter");
        break;
      case AggregateOp::kCountValues:
        ExpectType(*agg.param, ValueType::kString, "aggregation parameter");
        break;
      default:
        break;
    }
  }

  void CheckBinary(BinaryExpr& b) {
    const ValueType lt = CheckAst(*b.lhs);
    const ValueType rt = CheckAst(*b.rhs);
    const int op_pos = op_pos_.count(&b) ? op_pos_[&b] : b.pos.start;
    const std::string op_name = util::GoQuote(BinaryOpName(b.op));
    if (b.return_bool && !IsComparisonOp(b.op)) {
      AddError(op_pos, "bool modifier can only be used on comparison operators");
    }
    if (IsComparisonOp(b.op) && !b.return_bool && lt == ValueType::kScalar &&
        rt == ValueType::kScalar) {
      AddError(op_pos, "comparisons between scalars must use BOOL modifier");
    }
    VectorMatching* m = b.matching.get();
    if (m != nullptr) {
      if (IsSetOp(b.op) && m->card == MatchCardinality::kOneToOne) {
        m->card = MatchCardinality::kManyToMany;
      }
      for (const std::string& l1 : m->labels) {
        for (const std::string& l2 : m->include) {
          if (l1 == l2 && m->on) {
            AddError(op_pos, "label " + util::GoQuote(l1) +
                                 " must not occur in ON and GROUP clause at once");
          }
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      AddError(b.lhs->pos.start,
               "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      AddError(b.rhs->pos.start,
               "binary expression must contain only scalar and instant vector types");
    }
    const bool filled = m != nullptr && (m->fill_lhs.has_value() || m->fill_rhs.has_value());
    if ((lt != ValueType::kVector || rt != ValueType::kVector) && filled) {
      AddError(b.pos.start, "filling is only allowed between instant vectors");
    } else if (IsSetOp(b.op) && filled) {
      AddError(b.pos.start, "filling is not allowed for set operation " + op_name);
    }
    if ((lt != ValueType::kVector || rt != ValueType::kVector) && m != nullptr) {
      if (!m->labels.empty()) {
        AddError(b.pos.start, "vector matching only allowed between instant vectors");
      }
      b.matching.reset();
    } else if (IsSetOp(b.op) && m != nullptr) {
      if (m->card == MatchCardinality::kOneToMany || m->card == MatchCardinality::kManyToOne) {
        AddError(b.pos.start, "no grouping allowed for " + op_name + " operation");
      }
      if (m->card != MatchCardinality::kManyToMany) {
        AddError(b.pos.start, "set operations must always be many-to-many");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOp(b.op)) {
      AddError(b.pos.start, "set operator " + op_name + " not allowed in binary scalar expression");
    }
  }

  void CheckCall(const Call& call) {
    const FunctionInfo& f = *call.func;
    const int nargs = static_cast<int>(f.arg_types.size());
    const int given = static_cast<int>(call.args.size());
    const std::string quoted = util::GoQuote(f.name);
    if (f.variadic == 0) {
      if (nargs != given) {
        AddError(call.pos.start, "expected " + std::to_string(nargs) + " argument(s) in call to " +
                                     quoted + ", got " + std::to_string(given));
      }
    } else {
      const int at_least = nargs - 1;
      if (at_least > given) {
        AddError(call.pos.start, "expected at least " + std::to_string(at_least) +
                                     " argument(s) in call to " + quoted + ", got " +
                                     std::to_string(given));
      } else if (f.variadic > 0 && at_least + f.variadic < given) {
        AddError(call.pos.start, "expected at most " + std::to_string(at_least + f.variadic) +
                                     " argument(s) in call to " + quoted + ", got " +
                                     std::to_string(given));
      }
    }
    if (f.name == "info" && given > 1) {
      const Expr& selector = *call.args[1];
      if (selector.type() != ValueType::kVector) {
        AddError(call.pos.start, "expected type instant vector in call to function " + quoted +
                                     ", got " + std::string(ValueTypeName(selector.type())));
      }
      if (selector.kind == ExprKind::kVectorSelector &&
          name_outside_.count(static_cast<const VectorSelector*>(&selector))) {
        AddError(selector.pos.start, "expected label selectors only, got vector selector instead");
      } else if (selector.kind == ExprKind::kVectorSelector) {
        bypass_empty_check_.insert(static_cast<const VectorSelector*>(&selector));
      } else {
        AddError(selector.pos.start, "expected label selectors only");
      }
    }
    for (int i = 0; i < given; ++i) {
      int type_index = i;
      if (i >= nargs) {
        if (f.variadic == 0) break;
        type_index = nargs - 1;
      }
      ValueType t = CheckAst(*call.args[i]);
      if (t != f.arg_types[type_index]) {
        AddError(call.args[i]->pos.start,
                 "expected type " + std::string(ValueTypeName(f.arg_types[type_index])) +
                     " in call to function " + quoted + ", got " + std::string(ValueTypeName(t)));
      }
    }
  }

  void CheckVectorSelector(const VectorSelector& vs) {
    if (name_outside_.count(&vs)) {
      for (size_t i = 1; i < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name == "__name__") {
          AddError(vs.pos.start, "metric name must not be set twice: " + util::GoQuote(vs.name) +
                                     " or " + util::GoQuote(vs.matchers[i].value));
        }
      }
      return;
    }
    if (bypass_empty_check_.count(&vs)) return;
    for (const LabelMatcher& m : vs.matchers) {
      if (!MatchesEmpty(m)) return;
    }
    AddError(vs.pos.start, "vector selector must contain at least one non-empty matcher");
  }

  static bool MatchesEmpty(const LabelMatcher& m) {
    switch (m.type) {
      case MatchType::kEqual:
        return m.value.empty();
      case MatchType::kNotEqual:
        return !m.value.empty();
      case MatchType::kRegexMatch:
      case MatchType::kRegexNoMatch: {
        RE2::Options options;
        options.set_log_errors(false);
        RE2 re("^(?s:" + m.value + ")$", options);
        bool matches = re.ok() && RE2::FullMatch("", re);
        return m.type == MatchType::kRegexMatch ? matches : !matches;
      }
    }
    return false;
  }

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

}  // namespace

Result<ExprPtr> ParseExpr(std::string_view input, const ParseOptions& options) {
  Parser parser(input, options);
  return parser.ParseWhole();
}

Result<std::vector<LabelMatcher>> ParseSeriesSelector(std::string_view input) {
  Parser parser(input, ParseOptions{});
  return parser.ParseSelectorOnly();
}

// model.ParseDuration, through the shared parser; Prometheus' messages, and its limit: the
// total must fit time.Duration (int64 nanoseconds).
Result<int64_t> ParseDurationMs(std::string_view input) {
  constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1000000;
  const util::DurationParse p = util::ParseDurationParts(input, kMaxMs);
  switch (p.error) {
    case util::DurationError::kNone:
      return p.ms;
    case util::DurationError::kEmpty:
      return Status::InvalidArgument("empty duration string");
    case util::DurationError::kInvalid:
    case util::DurationError::kNumberTooLarge:
      return Status::InvalidArgument("not a valid duration string: " + util::GoQuote(input));
    case util::DurationError::kUnknownUnit:
      return Status::InvalidArgument("unknown unit " + util::GoQuote(p.unit) + " in duration " +
                                     util::GoQuote(input));
    case util::DurationError::kOutOfRange:
      return Status::InvalidArgument("duration out of range");
  }
  return Status::Internal("unknown duration parse error");
}

std::string FormatDuration(int64_t ms) { return util::FormatDuration(ms); }

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
