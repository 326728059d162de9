// Values TraceQL computes with, and its operators on them (Tempo's Static and the execute()
// methods of ast_execute.go), with comparison semantics equal to the storage's SpanCondition
// (trace.h): a condition the planner pushes down holds on every span the evaluator would accept.
//
//   - Comparisons with a missing value (nil) or an opaque one (arrays, bytes, maps) are false.
//   - Numbers compare with numbers: integers and durations exactly, otherwise as doubles.
//   - Strings compare bytewise and with regular expressions (RE2, fully anchored); booleans,
//     statuses and kinds only with = and !=.
//   - Arithmetic on two integers stays integral (wrapping, x / 0 is nil); any other numbers give a
//     double, as in Tempo.
//
// Thread safety: values; string views point into the trace or the query they came from.
#ifndef TIDEMARK_QUERY_TRACEQL_VALUE_H_
#define TIDEMARK_QUERY_TRACEQL_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "query/traceql/ast.h"
#include "tidemark/trace.h"

namespace re2 {
class RE2;
}

namespace tidemark::traceql {

struct Value {
  ValueType type = ValueType::kNil;
  int64_t i = 0;  // kInt; kDuration (ns); kStatus (SpanStatusCode); kKind (SpanKind)
  double f = 0;   // kFloat
  bool b = false;
  std::string_view s;  // kString

  static Value Nil() { return {}; }
  static Value Int(int64_t v) { return {ValueType::kInt, v, 0, false, {}}; }
  static Value Float(double v) { return {ValueType::kFloat, 0, v, false, {}}; }
  static Value Bool(bool v) { return {ValueType::kBool, 0, 0, v, {}}; }
  static Value String(std::string_view v) { return {ValueType::kString, 0, 0, false, v}; }
  static Value Duration(int64_t ns) { return {ValueType::kDuration, ns, 0, false, {}}; }
  static Value Status(SpanStatusCode c) {
    return {ValueType::kStatus, static_cast<int64_t>(c), 0, false, {}};
  }
  static Value Kind(SpanKind k) {
    return {ValueType::kKind, static_cast<int64_t>(k), 0, false, {}};
  }
  static Value Opaque() { return {ValueType::kOpaque, 0, 0, false, {}}; }

  bool IsTrue() const { return type == ValueType::kBool && b; }
  bool IsNumeric() const { return IsNumericType(type); }
  double AsDouble() const { return type == ValueType::kFloat ? f : static_cast<double>(i); }
};

// The value of an attribute as stored: strings, integers, doubles and booleans; anything else is
// present but opaque.
Value FromAnyValue(const AnyValue& value);
// The value of a kStatic node (the string views its text).
Value FromStatic(const Node& node);

// A comparison (= != < <= > >= =~ !~). `regex` is the compiled right-hand side of =~ and !~.
bool CompareValues(FieldOp op, const Value& lhs, const Value& rhs, const re2::RE2* regex);
// + - * / % ^ on numbers; nil otherwise.
Value Arithmetic(FieldOp op, const Value& lhs, const Value& rhs);
// Typed equality, for grouping: numbers of one kind by value, strings by bytes.
bool SameValue(const Value& a, const Value& b);

// As Tempo's Static.AsAnyValue: durations as Go prints them ("1.5s"), statuses and kinds by name,
// nil as the string "nil".
AnyValue ToAnyValue(const Value& value);
// Go's time.Duration.String(): "0s", "1.5s", "300ms", "2µs", "1h0m0s".
std::string GoDurationString(int64_t ns);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_VALUE_H_
