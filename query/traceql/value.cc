#include "query/traceql/value.h"

#include <re2/re2.h>

#include <cmath>
#include <limits>

namespace tidemark::traceql {
namespace {

bool BothIntegral(const Value& a, const Value& b) {
  return (a.type == ValueType::kInt || a.type == ValueType::kDuration) &&
         (b.type == ValueType::kInt || b.type == ValueType::kDuration);
}

template <typename T>
bool Ordered(FieldOp op, const T& a, const T& b) {
  switch (op) {
    case FieldOp::kEq:
      return a == b;
    case FieldOp::kNe:
      return a != b;
    case FieldOp::kLt:
      return a < b;
    case FieldOp::kLe:
      return a <= b;
    case FieldOp::kGt:
      return a > b;
    case FieldOp::kGe:
      return a >= b;
    default:
      return false;
  }
}

// Wrapping integer arithmetic: TraceQL integers are Go ints, which wrap.
int64_t Wrap(uint64_t v) { return static_cast<int64_t>(v); }

int64_t IntPower(int64_t base, int64_t exponent) {
  uint64_t result = 1;
  uint64_t b = static_cast<uint64_t>(base);
  for (uint64_t e = static_cast<uint64_t>(exponent); e > 0; e >>= 1) {
    if (e & 1) result *= b;
    b *= b;
  }
  return Wrap(result);
}

std::string FractionDigits(uint64_t v, int precision) {
  std::string digits(precision, '0');
  for (int i = precision - 1; i >= 0; --i, v /= 10) digits[i] = static_cast<char>('0' + v % 10);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return digits.empty() ? "" : "." + digits;
}

}  // namespace

Value FromAnyValue(const AnyValue& value) {
  switch (value.type) {
    case AnyValue::Type::kString:
      return Value::String(value.string_value);
    case AnyValue::Type::kInt:
      return Value::Int(value.int_value);
    case AnyValue::Type::kDouble:
      return Value::Float(value.double_value);
    case AnyValue::Type::kBool:
      return Value::Bool(value.bool_value);
    default:
      return Value::Opaque();
  }
}

Value FromStatic(const Node& node) {
  Value v;
  v.type = node.static_type;
  v.i = node.int_value;
  v.f = node.float_value;
  v.b = node.bool_value;
  if (node.static_type == ValueType::kString) v.s = node.text;
  return v;
}

bool CompareValues(FieldOp op, const Value& lhs, const Value& rhs, const re2::RE2* regex) {
  if (op == FieldOp::kRegex || op == FieldOp::kNotRegex) {
    if (lhs.type != ValueType::kString || regex == nullptr) return false;
    const bool match = RE2::FullMatch(lhs.s, *regex);
    return op == FieldOp::kRegex ? match : !match;
  }
  if (lhs.IsNumeric() && rhs.IsNumeric()) {
    if (BothIntegral(lhs, rhs)) return Ordered(op, lhs.i, rhs.i);
    return Ordered(op, lhs.AsDouble(), rhs.AsDouble());
  }
  if (lhs.type != rhs.type) return false;
  switch (lhs.type) {
    case ValueType::kString:
      return Ordered(op, lhs.s, rhs.s);
    case ValueType::kBool:
      return (op == FieldOp::kEq || op == FieldOp::kNe) && Ordered(op, lhs.b, rhs.b);
    case ValueType::kStatus:
    case ValueType::kKind:
      return (op == FieldOp::kEq || op == FieldOp::kNe) && Ordered(op, lhs.i, rhs.i);
    default:
      return false;  // nil and opaque values satisfy no comparison
  }
}

Value Arithmetic(FieldOp op, const Value& lhs, const Value& rhs) {
  if (!lhs.IsNumeric() || !rhs.IsNumeric()) return Value::Nil();
  if (lhs.type == ValueType::kInt && rhs.type == ValueType::kInt) {
    const uint64_t a = static_cast<uint64_t>(lhs.i);
    const uint64_t b = static_cast<uint64_t>(rhs.i);
    switch (op) {
      case FieldOp::kAdd:
        return Value::Int(Wrap(a + b));
      case FieldOp::kSub:
        return Value::Int(Wrap(a - b));
      case FieldOp::kMul:
        return Value::Int(Wrap(a * b));
      case FieldOp::kDiv:
        if (rhs.i == 0) return Value::Nil();
        if (rhs.i == -1) return Value::Int(Wrap(0 - a));
        return Value::Int(lhs.i / rhs.i);
      case FieldOp::kMod:
        if (rhs.i == 0) return Value::Nil();
        if (rhs.i == -1) return Value::Int(0);
        return Value::Int(lhs.i % rhs.i);
      case FieldOp::kPow:
        if (rhs.i >= 0) return Value::Int(IntPower(lhs.i, rhs.i));
        break;
      default:
        return Value::Nil();
    }
  }
  const double a = lhs.AsDouble();
  const double b = rhs.AsDouble();
  switch (op) {
    case FieldOp::kAdd:
      return Value::Float(a + b);
    case FieldOp::kSub:
      return Value::Float(a - b);
    case FieldOp::kMul:
      return Value::Float(a * b);
    case FieldOp::kDiv:
      return Value::Float(a / b);
    case FieldOp::kMod:
      return Value::Float(std::fmod(a, b));
    case FieldOp::kPow:
      return Value::Float(std::pow(a, b));
    default:
      return Value::Nil();
  }
}

bool SameValue(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::kNil:
    case ValueType::kOpaque:
      return true;
    case ValueType::kFloat:
      return a.f == b.f || (std::isnan(a.f) && std::isnan(b.f));
    case ValueType::kString:
      return a.s == b.s;
    case ValueType::kBool:
      return a.b == b.b;
    default:
      return a.i == b.i;
  }
}

std::string GoDurationString(int64_t ns) {
  const bool negative = ns < 0;
  const uint64_t u = negative ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  std::string out;
  if (u < 1'000'000'000ULL) {
    if (u == 0) return "0s";
    if (u < 1'000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1'000'000) {
      out = std::to_string(u / 1'000) + FractionDigits(u % 1'000, 3) + "\xC2\xB5s";
    } else {
      out = std::to_string(u / 1'000'000) + FractionDigits(u % 1'000'000, 6) + "ms";
    }
  } else {
    const uint64_t seconds = u / 1'000'000'000ULL;
    out = std::to_string(seconds % 60) + FractionDigits(u % 1'000'000'000ULL, 9) + "s";
    const uint64_t minutes = seconds / 60;
    if (minutes > 0) {
      out = std::to_string(minutes % 60) + "m" + out;
      const uint64_t hours = minutes / 60;
      if (hours > 0) out = std::to_string(hours) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

AnyValue ToAnyValue(const Value& value) {
  switch (value.type) {
    case ValueType::kInt:
      return AnyValue::Int(value.i);
    case ValueType::kFloat:
      return AnyValue::Double(value.f);
    case ValueType::kBool:
      return AnyValue::Bool(value.b);
    case ValueType::kString:
      return AnyValue::String(std::string(value.s));
    case ValueType::kDuration:
      return AnyValue::String(GoDurationString(value.i));
    case ValueType::kStatus:
      return AnyValue::String(std::string(SpanStatusName(static_cast<SpanStatusCode>(value.i))));
    case ValueType::kKind:
      return AnyValue::String(std::string(SpanKindName(static_cast<SpanKind>(value.i))));
    default:
      return AnyValue::String("nil");
  }
}

}  // namespace tidemark::traceql
