// Time in PromQL: number-or-duration literals, the offset and @ modifiers, ranges and
// subqueries, and duration expressions (promql-duration-expr: arithmetic, step(), range(),
// min_of/max_of), folded to milliseconds while parsing where they do not depend on the query.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "query/parser_internal.h"
#include "util/duration.h"
#include "util/go_text.h"

namespace tidemark::promql {
namespace internal {

namespace {

// time.Duration(seconds * 1000) * time.Millisecond, as the grammar converts.
int64_t SecondsToMs(double seconds, int64_t exact_ms) {
  if (exact_ms >= 0) return exact_ms;
  double ms = seconds * 1000;
  if (std::isnan(ms)) return 0;
  if (ms >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (ms <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(ms);
}

// The precedence of the operators duration expressions allow; 0 for any other token.
int DurationPrecedence(TokenKind kind) {
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

bool IsPlainLiteral(const DurationExpr& d) { return d.op == DurationExpr::Op::kLiteral; }

// Applies a unary sign to a parsed duration: literals absorb it, as in Prometheus' grammar.
std::shared_ptr<DurationExpr> ApplySign(bool negative, std::shared_ptr<DurationExpr> operand) {
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

// True when the duration's value is known only at query time (so not checked while parsing).
bool QueryDependent(const DurationExprPtr& expr) {
  return expr != nullptr && DurationExprUsesQuery(*expr);
}

}  // namespace

bool Parser::ParseNumberOrDuration(double* seconds, int64_t* exact_ms, bool as_duration) {
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

bool Parser::ParseOffset(Expr* expr) {
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

bool Parser::ParseOffsetDuration(std::shared_ptr<DurationExpr>* out) {
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

bool Parser::ParseDurationExpr(int min_prec, const DurationContext& ctx,
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

bool Parser::ExpectToken(TokenKind kind, std::string_view expected) {
  if (cur_.kind != kind) return Unexpected("duration expression", expected);
  Consume();
  return true;
}

bool Parser::ParseDurationAtom(const DurationContext& ctx, std::shared_ptr<DurationExpr>* out) {
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

void Parser::FoldParsedDuration(const std::shared_ptr<DurationExpr>& duration, int pos, int64_t* ms,
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

bool Parser::ParseAt(Expr* expr) {
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

bool Parser::ParseRangeOrSubquery(ExprPtr* expr) {
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

}  // namespace internal

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

}  // namespace tidemark::promql
