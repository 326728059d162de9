// The canonical text of a query. Parentheses are printed only where the parser needs them, which
// takes care with unary operators: `-` and `!` take the * / % ^ operators that follow them
// (`-a * b` is `-(a * b)`), so a unary operator followed by one of those is parenthesized.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "query/traceql/lexer.h"
#include "query/traceql/parser.h"

namespace tidemark::traceql {
namespace {

constexpr int kLevelPrimary = 6;

int FieldLevel(const Node& node) {
  if (node.kind == NodeKind::kUnary) {
    // Exists/NotExists print as a comparison; - and ! parenthesize themselves (see PrintField).
    return node.op == FieldOp::kExists || node.op == FieldOp::kNotExists ? 2 : kLevelPrimary;
  }
  if (node.kind != NodeKind::kBinary && node.kind != NodeKind::kScalarOperation) {
    return kLevelPrimary;
  }
  switch (node.op) {
    case FieldOp::kAnd:
    case FieldOp::kOr:
      return 1;
    case FieldOp::kAdd:
    case FieldOp::kSub:
      return 3;
    case FieldOp::kMul:
    case FieldOp::kDiv:
    case FieldOp::kMod:
      return 4;
    case FieldOp::kPow:
      return 5;
    default:
      return 2;
  }
}

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          *out += "\\x";
          out->push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
          out->push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// Quoted attribute names know only the escapes \" and \\.
void AppendQuotedName(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string FormatFloat(double v) {
  char buf[64];
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.1f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".eEni") == std::string::npos) s += ".0";
  return s;
}

std::string FormatDurationLiteral(int64_t ns) {
  if (ns == 0) return "0s";
  std::string sign;
  uint64_t v = static_cast<uint64_t>(ns);
  if (ns < 0) {
    sign = "-";
    v = 0 - v;
  }
  static constexpr std::pair<uint64_t, std::string_view> kUnits[] = {
      {3'600'000'000'000ULL, "h"}, {60'000'000'000ULL, "m"}, {1'000'000'000ULL, "s"},
      {1'000'000ULL, "ms"},        {1'000ULL, "us"},         {1ULL, "ns"},
  };
  for (const auto& [unit, name] : kUnits) {
    if (v % unit == 0) return sign + std::to_string(v / unit) + std::string(name);
  }
  return sign + std::to_string(v) + "ns";
}

void PrintStatic(const Node& node, std::string* out) {
  switch (node.static_type) {
    case ValueType::kString:
      AppendQuoted(node.text, out);
      return;
    case ValueType::kInt:
      *out += std::to_string(node.int_value);
      return;
    case ValueType::kFloat:
      *out += FormatFloat(node.float_value);
      return;
    case ValueType::kBool:
      *out += node.bool_value ? "true" : "false";
      return;
    case ValueType::kDuration:
      *out += FormatDurationLiteral(node.int_value);
      return;
    case ValueType::kStatus:
      *out += node.int_value == 2 ? "error" : node.int_value == 1 ? "ok" : "unset";
      return;
    case ValueType::kKind: {
      static constexpr std::string_view kKinds[] = {"unspecified", "internal", "server",
                                                    "client",      "producer", "consumer"};
      *out += node.int_value >= 0 && node.int_value < 6 ? kKinds[node.int_value] : "unspecified";
      return;
    }
    default:
      *out += "nil";
      return;
  }
}

void PrintAttribute(const Node& node, std::string* out) {
  if (node.intrinsic != Intrinsic::kNone) {
    if (node.parent) *out += "parent.";
    *out += IntrinsicName(node.intrinsic);
    return;
  }
  if (node.parent) *out += "parent.";
  switch (node.scope) {
    case AttributeScope::kNone:
      if (!node.parent) *out += ".";
      break;
    case AttributeScope::kSpan:
      *out += "span.";
      break;
    case AttributeScope::kResource:
      *out += "resource.";
      break;
    case AttributeScope::kEvent:
      *out += "event.";
      break;
    case AttributeScope::kLink:
      *out += "link.";
      break;
    case AttributeScope::kInstrumentation:
      *out += "instrumentation.";
      break;
  }
  if (AttributeNeedsQuotes(node.text, node.scope, node.parent)) {
    AppendQuotedName(node.text, out);
  } else {
    *out += node.text;
  }
}

// `follow`: the level of the binary operator printed right after this node (0: none), which a
// unary - or ! would otherwise take into its operand.
void PrintField(const Node& node, int follow, std::string* out) {
  switch (node.kind) {
    case NodeKind::kStatic:
      PrintStatic(node, out);
      return;
    case NodeKind::kAttribute:
      PrintAttribute(node, out);
      return;
    case NodeKind::kUnary: {
      const Node& operand = *node.children[0];
      if (node.op == FieldOp::kExists || node.op == FieldOp::kNotExists) {
        const bool paren = FieldLevel(operand) < 2;
        if (paren) out->push_back('(');
        PrintField(operand, paren ? 0 : 2, out);
        if (paren) out->push_back(')');
        *out += node.op == FieldOp::kExists ? " != nil" : " = nil";
        return;
      }
      const bool self_paren = follow >= 4;
      const int inner_follow = self_paren ? 0 : follow;
      if (self_paren) out->push_back('(');
      *out += node.op == FieldOp::kNeg ? "-" : "!";
      const bool paren = FieldLevel(operand) < 4;
      if (paren) out->push_back('(');
      PrintField(operand, paren ? 0 : inner_follow, out);
      if (paren) out->push_back(')');
      if (self_paren) out->push_back(')');
      return;
    }
    case NodeKind::kBinary: {
      const int level = FieldLevel(node);
      const bool right_assoc = node.op == FieldOp::kPow;
      const Node& lhs = *node.children[0];
      const Node& rhs = *node.children[1];
      const bool lparen = FieldLevel(lhs) < level || (FieldLevel(lhs) == level && right_assoc);
      const bool rparen = FieldLevel(rhs) < level || (FieldLevel(rhs) == level && !right_assoc);
      if (lparen) out->push_back('(');
      PrintField(lhs, lparen ? 0 : level, out);
      if (lparen) out->push_back(')');
      out->push_back(' ');
      *out += FieldOpText(node.op);
      out->push_back(' ');
      if (rparen) out->push_back('(');
      PrintField(rhs, rparen ? 0 : follow, out);
      if (rparen) out->push_back(')');
      return;
    }
    default:
      return;
  }
}

void PrintPipeline(const Node& node, std::string* out);

int SpansetLevel(const Node& node) {
  if (node.kind != NodeKind::kSpansetOperation) return 3;
  return node.spanset_op == SpansetOp::kAnd || node.spanset_op == SpansetOp::kUnion ? 1 : 2;
}

void PrintSpansetOperand(const Node& node, bool paren, std::string* out);

void PrintSpanset(const Node& node, std::string* out) {
  if (node.kind == NodeKind::kSpansetFilter) {
    *out += "{ ";
    PrintField(*node.children[0], 0, out);
    *out += " }";
    return;
  }
  if (node.kind == NodeKind::kPipeline) {
    PrintSpansetOperand(node, true, out);
    return;
  }
  const int level = SpansetLevel(node);
  const Node& lhs = *node.children[0];
  const Node& rhs = *node.children[1];
  PrintSpansetOperand(lhs, SpansetLevel(lhs) < level, out);
  out->push_back(' ');
  *out += SpansetOpText(node.spanset_op);
  out->push_back(' ');
  PrintSpansetOperand(rhs, SpansetLevel(rhs) <= level, out);
}

void PrintSpansetOperand(const Node& node, bool paren, std::string* out) {
  if (node.kind == NodeKind::kPipeline) {
    out->push_back('(');
    PrintPipeline(node, out);
    out->push_back(')');
    return;
  }
  if (paren) out->push_back('(');
  PrintSpanset(node, out);
  if (paren) out->push_back(')');
}

void PrintScalar(const Node& node, std::string* out) {
  switch (node.kind) {
    case NodeKind::kPipeline:
      out->push_back('(');
      PrintPipeline(node, out);
      out->push_back(')');
      return;
    case NodeKind::kScalarOperation: {
      const int level = FieldLevel(node);
      const bool right_assoc = node.op == FieldOp::kPow;
      const Node& lhs = *node.children[0];
      const Node& rhs = *node.children[1];
      const bool lparen = FieldLevel(lhs) < level || (FieldLevel(lhs) == level && right_assoc);
      const bool rparen = FieldLevel(rhs) < level || (FieldLevel(rhs) == level && !right_assoc);
      if (lparen) out->push_back('(');
      PrintScalar(lhs, out);
      if (lparen) out->push_back(')');
      out->push_back(' ');
      *out += FieldOpText(node.op);
      out->push_back(' ');
      if (rparen) out->push_back('(');
      PrintScalar(rhs, out);
      if (rparen) out->push_back(')');
      return;
    }
    case NodeKind::kScalarFilter:
      PrintScalar(*node.children[0], out);
      out->push_back(' ');
      *out += FieldOpText(node.op);
      out->push_back(' ');
      PrintScalar(*node.children[1], out);
      return;
    default:
      *out += FormatNode(node);
      return;
  }
}

void PrintStage(const Node& node, std::string* out) {
  switch (node.kind) {
    case NodeKind::kSpansetFilter:
    case NodeKind::kSpansetOperation:
      PrintSpanset(node, out);
      return;
    case NodeKind::kScalarFilter:
      PrintScalar(node, out);
      return;
    default:
      *out += FormatNode(node);
      return;
  }
}

void PrintPipeline(const Node& node, std::string* out) {
  for (size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) *out += " | ";
    PrintStage(*node.children[i], out);
  }
}

}  // namespace

std::string FormatNode(const Node& node) {
  std::string out;
  switch (node.kind) {
    case NodeKind::kStatic:
    case NodeKind::kAttribute:
    case NodeKind::kBinary:
    case NodeKind::kUnary:
      PrintField(node, 0, &out);
      break;
    case NodeKind::kSpansetFilter:
    case NodeKind::kSpansetOperation:
      PrintSpanset(node, &out);
      break;
    case NodeKind::kPipeline:
      PrintPipeline(node, &out);
      break;
    case NodeKind::kScalarFilter:
    case NodeKind::kScalarOperation:
      PrintScalar(node, &out);
      break;
    case NodeKind::kAggregate:
      out += AggregateOpName(node.aggregate);
      out += "(";
      if (!node.children.empty()) PrintField(*node.children[0], 0, &out);
      out += ")";
      break;
    case NodeKind::kGroup:
      out += "by(";
      PrintField(*node.children[0], 0, &out);
      out += ")";
      break;
    case NodeKind::kCoalesce:
      out += "coalesce()";
      break;
    case NodeKind::kSelect:
      out += "select(";
      for (size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) out += ", ";
        PrintField(*node.children[i], 0, &out);
      }
      out += ")";
      break;
  }
  return out;
}

std::string FormatQuery(const Query& query) {
  std::string out = FormatNode(*query.root);
  if (!query.hints.empty()) {
    out += " with(";
    for (size_t i = 0; i < query.hints.size(); ++i) {
      if (i > 0) out += ", ";
      out += query.hints[i].name;
      out += "=";
      PrintStatic(*query.hints[i].value, &out);
    }
    out += ")";
  }
  return out;
}

}  // namespace tidemark::traceql
