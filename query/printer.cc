// Expressions back to text: FormatExpr follows Prometheus' String() methods (printer.go) and
// PrettyExpr its Pretty(level) methods (prettier.go), so that /api/v1/format_query and error
// messages read exactly as Prometheus writes them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "query/duration_expr.h"
#include "query/lexer.h"
#include "query/parser.h"
#include "util/go_text.h"
#include "util/prom_names.h"

namespace tidemark::promql {
namespace {

constexpr size_t kMaxCharactersPerLine = 100;

void WriteLabels(std::string* out, const std::vector<std::string>& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) *out += ", ";
    *out += util::IsLegacyLabelName(labels[i]) ? labels[i] : util::GoQuote(labels[i]);
  }
}

// labels.Matcher.String().
std::string MatcherString(const LabelMatcher& m) {
  std::string out = util::IsLegacyLabelName(m.name) ? m.name : util::GoQuote(m.name);
  switch (m.type) {
    case MatchType::kEqual:
      out += "=";
      break;
    case MatchType::kNotEqual:
      out += "!=";
      break;
    case MatchType::kRegexMatch:
      out += "=~";
      break;
    case MatchType::kRegexNoMatch:
      out += "!~";
      break;
  }
  return out + util::GoQuote(m.value);
}

std::string AtString(AtModifier at, int64_t at_ms) {
  switch (at) {
    case AtModifier::kNone:
      return "";
    case AtModifier::kStart:
      return " @ start()";
    case AtModifier::kEnd:
      return " @ end()";
    case AtModifier::kTimestamp: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), " @ %.3f", static_cast<double>(at_ms) / 1000.0);
      return buf;
    }
  }
  return "";
}

std::string OffsetString(int64_t offset_ms, const DurationExprPtr& offset_expr) {
  if (offset_expr != nullptr) return " offset " + FormatDurationExpr(*offset_expr);
  if (offset_ms == 0) return "";
  return " offset " + FormatDuration(offset_ms);
}

// A range or step: the duration expression as written, else the value.
std::string DurationString(int64_t ms, const DurationExprPtr& expr) {
  return expr != nullptr ? FormatDurationExpr(*expr) : FormatDuration(ms);
}

// The selector without its @ and offset (shared by instant and range selectors).
std::string SelectorBody(const VectorSelector& vs) {
  // The name goes in front of the braces when it can be written there; a UTF-8 name stays a
  // __name__ matcher, as Prometheus prints selectors written as {"name"}. So does a metric named
  // like a number (`{"nan"}` printed as `nan` would parse back as the number NaN) or like a
  // keyword the grammar does not take as a metric name (`group_left`, `bool`, `on`).
  const bool name_in_front =
      !vs.name.empty() && util::IsLegacyMetricName(vs.name) && !LexesAsNonMetricKeyword(vs.name);
  std::vector<std::string> matchers;
  for (const LabelMatcher& m : vs.matchers) {
    if (name_in_front && m.name == "__name__" && m.type == MatchType::kEqual &&
        m.value == vs.name) {
      continue;
    }
    matchers.push_back(MatcherString(m));
  }
  std::string out = name_in_front ? vs.name : "";
  if (!matchers.empty()) {
    std::sort(matchers.begin(), matchers.end());
    out += "{";
    for (size_t i = 0; i < matchers.size(); ++i) {
      if (i > 0) out += ",";
      out += matchers[i];
    }
    out += "}";
  }
  return out;
}

std::string AggregateOpString(const AggregateExpr& agg) {
  std::string out(AggregateOpName(agg.op));
  if (agg.without) {
    out += " without (";
    WriteLabels(&out, agg.grouping);
    out += ") ";
  } else if (!agg.grouping.empty()) {
    out += " by (";
    WriteLabels(&out, agg.grouping);
    out += ") ";
  }
  return out;
}

std::string MatchingString(const BinaryExpr& b) {
  const VectorMatching* vm = b.matching.get();
  if (vm == nullptr) return "";
  std::string out;
  const bool grouped =
      vm->card == MatchCardinality::kManyToOne || vm->card == MatchCardinality::kOneToMany;
  if (!vm->labels.empty() || vm->on || grouped) {
    out += vm->on ? " on (" : " ignoring (";
    WriteLabels(&out, vm->labels);
    out += ")";
  }
  if (grouped) {
    out += vm->card == MatchCardinality::kManyToOne ? " group_left (" : " group_right (";
    WriteLabels(&out, vm->include);
    out += ")";
  }
  if (vm->fill_both && vm->fill_lhs.has_value()) {
    out += " fill (" + util::GoFormatFloatG(*vm->fill_lhs) + ")";
  } else {
    if (vm->fill_lhs.has_value()) out += " fill_left (" + util::GoFormatFloatG(*vm->fill_lhs) + ")";
    if (vm->fill_rhs.has_value())
      out += " fill_right (" + util::GoFormatFloatG(*vm->fill_rhs) + ")";
  }
  return out;
}

std::string SubquerySuffix(const SubqueryExpr& sq) {
  std::string out = "[" + DurationString(sq.range_ms, sq.range_expr) + ":";
  if (sq.step_expr != nullptr || sq.step_ms != 0) out += DurationString(sq.step_ms, sq.step_expr);
  out += "]";
  return out + AtString(sq.at, sq.at_ms) + OffsetString(sq.offset_ms, sq.offset_expr);
}

std::string Indent(int level) { return std::string(static_cast<size_t>(level) * 2, ' '); }

bool NeedsSplit(const Expr& expr) { return FormatExpr(expr).size() > kMaxCharactersPerLine; }

std::string Pretty(const Expr& expr, int level);

std::string PrettyList(const std::vector<const Expr*>& exprs, int level) {
  std::string out;
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (i > 0) out += ",\n";
    out += Pretty(*exprs[i], level);
  }
  return out;
}

// The left operand of a binary operator. A number printed with a sign ("+Inf", the only literal
// the parser can leave signed on the left of `^`) is parenthesised there: `+Inf ^ 2` would parse
// back as +(Inf ^ 2), since unary operators bind more loosely than `^`, and print as `++Inf ^ 2`.
// Prometheus' String() prints it bare and so does not round-trip.
std::string LeftOperand(const BinaryExpr& b, std::string printed) {
  if (b.op == BinaryOp::kPow && b.lhs->kind == ExprKind::kNumberLiteral &&
      (printed.starts_with('+') || printed.starts_with('-'))) {
    return "(" + printed + ")";
  }
  return printed;
}

std::string Pretty(const Expr& expr, int level) {
  switch (expr.kind) {
    case ExprKind::kAggregate: {
      const auto& agg = static_cast<const AggregateExpr&>(expr);
      if (!NeedsSplit(expr)) return Indent(level) + FormatExpr(expr);
      std::string out = Indent(level) + AggregateOpString(agg) + "(\n";
      if (agg.param) out += Pretty(*agg.param, level + 1) + ",\n";
      return out + Pretty(*agg.expr, level + 1) + "\n" + Indent(level) + ")";
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(expr);
      if (!NeedsSplit(expr)) return Indent(level) + FormatExpr(expr);
      std::string lhs = Pretty(*b.lhs, level + 1);
      if (b.op == BinaryOp::kPow && b.lhs->kind == ExprKind::kNumberLiteral)
        lhs = Indent(level + 1) + LeftOperand(b, FormatExpr(*b.lhs));
      return lhs + "\n" + Indent(level) + std::string(BinaryOpName(b.op)) +
             (b.return_bool ? " bool" : "") + MatchingString(b) + "\n" + Pretty(*b.rhs, level + 1);
    }
    case ExprKind::kCall: {
      const auto& call = static_cast<const Call&>(expr);
      if (!NeedsSplit(expr)) return Indent(level) + FormatExpr(expr);
      std::vector<const Expr*> args;
      for (const ExprPtr& arg : call.args) args.push_back(arg.get());
      return Indent(level) + std::string(call.func->name) + "(\n" + PrettyList(args, level + 1) +
             "\n" + Indent(level) + ")";
    }
    case ExprKind::kParen: {
      if (!NeedsSplit(expr)) return Indent(level) + FormatExpr(expr);
      return Indent(level) + "(\n" + Pretty(*static_cast<const ParenExpr&>(expr).expr, level + 1) +
             "\n" + Indent(level) + ")";
    }
    case ExprKind::kSubquery: {
      // As prettier.go: an unsplit subquery is not indented.
      const auto& sq = static_cast<const SubqueryExpr&>(expr);
      if (!NeedsSplit(expr)) return FormatExpr(expr);
      return Pretty(*sq.expr, level) + SubquerySuffix(sq);
    }
    case ExprKind::kUnary: {
      const auto& unary = static_cast<const UnaryExpr&>(expr);
      std::string child = Pretty(*unary.expr, level);
      size_t first = child.find_first_not_of(" \t\n\r");
      size_t last = child.find_last_not_of(" \t\n\r");
      child = first == std::string::npos ? "" : child.substr(first, last - first + 1);
      return Indent(level) + (unary.negate ? "-" : "+") + child;
    }
    case ExprKind::kVectorSelector:
    case ExprKind::kMatrixSelector:
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      return Indent(level) + FormatExpr(expr);
  }
  return "";
}

}  // namespace

std::string FormatExpr(const Expr& expr) {
  switch (expr.kind) {
    case ExprKind::kNumberLiteral:
      return util::GoFormatFloatF(static_cast<const NumberLiteral&>(expr).value);
    case ExprKind::kStringLiteral:
      return util::GoQuote(static_cast<const StringLiteral&>(expr).value);
    case ExprKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(expr);
      return SelectorBody(vs) + AtString(vs.at, vs.at_ms) +
             OffsetString(vs.offset_ms, vs.offset_expr);
    }
    case ExprKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(expr);
      const VectorSelector& vs = ms.vector_selector();
      return SelectorBody(vs) + "[" + DurationString(ms.range_ms, ms.range_expr) + "]" +
             AtString(vs.at, vs.at_ms) + OffsetString(vs.offset_ms, vs.offset_expr);
    }
    case ExprKind::kSubquery: {
      const auto& sq = static_cast<const SubqueryExpr&>(expr);
      return FormatExpr(*sq.expr) + SubquerySuffix(sq);
    }
    case ExprKind::kParen:
      return "(" + FormatExpr(*static_cast<const ParenExpr&>(expr).expr) + ")";
    case ExprKind::kUnary: {
      const auto& unary = static_cast<const UnaryExpr&>(expr);
      return (unary.negate ? "-" : "+") + FormatExpr(*unary.expr);
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(expr);
      return LeftOperand(b, FormatExpr(*b.lhs)) + " " + std::string(BinaryOpName(b.op)) +
             (b.return_bool ? " bool" : "") + MatchingString(b) + " " + FormatExpr(*b.rhs);
    }
    case ExprKind::kAggregate: {
      const auto& agg = static_cast<const AggregateExpr&>(expr);
      std::string out = AggregateOpString(agg) + "(";
      if (agg.param) out += FormatExpr(*agg.param) + ", ";
      return out + FormatExpr(*agg.expr) + ")";
    }
    case ExprKind::kCall: {
      const auto& call = static_cast<const Call&>(expr);
      std::string out = std::string(call.func->name) + "(";
      for (size_t i = 0; i < call.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += FormatExpr(*call.args[i]);
      }
      return out + ")";
    }
  }
  return "";
}

std::string PrettyExpr(const Expr& expr) { return Pretty(expr, 0); }

std::string FormatDurationExpr(const DurationExpr& expr) {
  using Op = DurationExpr::Op;
  std::string out;
  switch (expr.op) {
    case Op::kLiteral:
      if (!expr.literal_is_unit) {
        out = util::GoFormatFloatF(expr.seconds);
      } else {
        // FormatDuration already writes a negative duration as "-5m".
        out = FormatDuration(std::llround(expr.seconds * 1000));
      }
      break;
    case Op::kStep:
      out = "step()";
      break;
    case Op::kRange:
      out = "range()";
      break;
    case Op::kNegate:
      out = "-" + FormatDurationExpr(*expr.rhs);
      break;
    case Op::kMinOf:
    case Op::kMaxOf:
      out = std::string(expr.op == Op::kMinOf ? "min_of(" : "max_of(") +
            FormatDurationExpr(*expr.lhs) + ", " + FormatDurationExpr(*expr.rhs) + ")";
      break;
    default: {
      const char* op = expr.op == Op::kAdd   ? "+"
                       : expr.op == Op::kSub ? "-"
                       : expr.op == Op::kMul ? "*"
                       : expr.op == Op::kDiv ? "/"
                       : expr.op == Op::kMod ? "%"
                                             : "^";
      out = FormatDurationExpr(*expr.lhs) + " " + op + " " + FormatDurationExpr(*expr.rhs);
      break;
    }
  }
  return expr.wrapped ? "(" + out + ")" : out;
}

}  // namespace tidemark::promql
