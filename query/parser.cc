// A recursive-descent PromQL parser that follows Prometheus' yacc grammar (generated_parser.y)
// and its checks (parse.go: the grammar actions and checkAST), including their error messages.
//
// Errors are collected in order, as Prometheus does: a syntax error stops the parse, while errors
// found by grammar actions (unknown function, offset set twice, ...) are recorded and parsing goes
// on. The first error is reported. Type checks run only when there was no other error.
//
// This file holds the token stream, errors and expressions; parser_internal.h lists the files of
// the other phases.
#include <string>
#include <utility>

#include "query/parser_internal.h"
#include "util/go_text.h"
#include "util/prom_names.h"

namespace tidemark::promql {
namespace internal {
namespace {

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

}  // namespace

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

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<ExprPtr> Parser::ParseWhole() {
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

Result<std::vector<LabelMatcher>> Parser::ParseSelectorOnly() {
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

void Parser::Advance() {
  if (has_next_) {
    cur_ = std::move(next_);
    has_next_ = false;
  } else {
    cur_ = Lex();
  }
}

const Token& Parser::PeekNext() {
  if (!has_next_) {
    next_ = Lex();
    has_next_ = true;
  }
  return next_;
}

Token Parser::Lex() {
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

void Parser::Consume() {
  if (cur_.kind == TokenKind::kRightBrace || cur_.kind == TokenKind::kRightParen ||
      cur_.kind == TokenKind::kRightBracket || cur_.kind == TokenKind::kNumber ||
      cur_.kind == TokenKind::kDuration) {
    last_closing_ = cur_.end();
  }
  Advance();
}

bool Parser::TooDeep(int pos) {
  AddError(pos, "expression nested too deeply (more than " + std::to_string(MaxDepth()) +
                    " levels of parentheses, calls and operators)");
  return false;
}

bool Parser::Unexpected(std::string_view context, std::string_view expected) {
  if (lexer_error_ && cur_.kind == TokenKind::kEof) return false;  // reported by the lexer
  std::string msg = "unexpected " + DescribeToken(cur_);
  if (!context.empty()) msg += " in " + std::string(context);
  if (!expected.empty()) msg += ", expected " + std::string(expected);
  AddError(cur_.pos, std::move(msg));
  return false;
}

Status Parser::Failure() const {
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

bool Parser::ParseExpression(int min_prec, ExprPtr* out) {
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

bool Parser::ParseBinaryModifiers(PendingMatching* m) {
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

Parser::FillKind Parser::PeekFillModifier() {
  if (cur_.kind != TokenKind::kIdentifier || PeekNext().kind != TokenKind::kLeftParen) {
    return FillKind::kNone;
  }
  const std::string word = Lower(cur_.text);
  if (word == "fill") return FillKind::kBoth;
  if (word == "fill_left") return FillKind::kLeft;
  if (word == "fill_right") return FillKind::kRight;
  return FillKind::kNone;
}

bool Parser::ParseFillModifiers(VectorMatching* matching) {
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

bool Parser::ParseGroupingLabels(std::vector<std::string>* labels) {
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

bool Parser::ParseUnary(ExprPtr* out) {
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

bool Parser::ParsePostfix(ExprPtr expr, ExprPtr* out) {
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

bool Parser::ParsePrimary(ExprPtr* out) {
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

bool Parser::ParseCallBody(std::vector<ExprPtr>* args) {
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

bool Parser::ParseCall(ExprPtr* out) {
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

bool Parser::ParseAggregate(ExprPtr* out) {
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

bool Parser::FailedAggregate(std::unique_ptr<AggregateExpr> agg, ExprPtr* out) {
  if (!agg->expr) agg->expr = std::make_unique<NumberLiteral>();
  *out = std::move(agg);
  return true;
}

}  // namespace internal

Result<ExprPtr> ParseExpr(std::string_view input, const ParseOptions& options) {
  internal::Parser parser(input, options);
  return parser.ParseWhole();
}

Result<std::vector<LabelMatcher>> ParseSeriesSelector(std::string_view input) {
  internal::Parser parser(input, ParseOptions{});
  return parser.ParseSelectorOnly();
}

}  // namespace tidemark::promql
