// The PromQL function table: names and signatures as in Prometheus 3's promql/parser/functions.go.
// The evaluator's implementations live in functions.cc; this table is what the parser checks calls
// against (arity, argument types, experimental gating).
#include <algorithm>
#include <utility>
#include <vector>

#include "query/ast.h"

namespace tidemark::promql {
namespace {

constexpr ValueType kS = ValueType::kScalar;
constexpr ValueType kV = ValueType::kVector;
constexpr ValueType kM = ValueType::kMatrix;
constexpr ValueType kStr = ValueType::kString;

FunctionInfo Fn(std::string_view name, std::vector<ValueType> args, ValueType ret = kV,
                int variadic = 0, bool experimental = false) {
  return FunctionInfo{name, std::move(args), variadic, ret, experimental};
}

// Sorted by name for binary search.
const std::vector<FunctionInfo>& Table() {
  static const std::vector<FunctionInfo>* table = [] {
    auto* t = new std::vector<FunctionInfo>{
        Fn("abs", {kV}),
        Fn("absent", {kV}),
        Fn("absent_over_time", {kM}),
        Fn("acos", {kV}),
        Fn("acosh", {kV}),
        Fn("asin", {kV}),
        Fn("asinh", {kV}),
        Fn("atan", {kV}),
        Fn("atanh", {kV}),
        Fn("avg_over_time", {kM}),
        Fn("ceil", {kV}),
        Fn("changes", {kM}),
        Fn("clamp", {kV, kS, kS}),
        Fn("clamp_max", {kV, kS}),
        Fn("clamp_min", {kV, kS}),
        Fn("cos", {kV}),
        Fn("cosh", {kV}),
        Fn("count_over_time", {kM}),
        Fn("day_of_month", {kV}, kV, 1),
        Fn("day_of_week", {kV}, kV, 1),
        Fn("day_of_year", {kV}, kV, 1),
        Fn("days_in_month", {kV}, kV, 1),
        Fn("deg", {kV}),
        Fn("delta", {kM}),
        Fn("deriv", {kM}),
        Fn("double_exponential_smoothing", {kM, kS, kS}, kV, 0, true),
        Fn("end", {}, kS, 0, true),
        Fn("exp", {kV}),
        Fn("first_over_time", {kM}, kV, 0, true),
        Fn("floor", {kV}),
        Fn("histogram_avg", {kV}),
        Fn("histogram_count", {kV}),
        Fn("histogram_fraction", {kS, kS, kV}),
        Fn("histogram_quantile", {kS, kV}),
        Fn("histogram_quantiles", {kV, kStr, kS, kS}, kV, 9, true),
        Fn("histogram_stddev", {kV}),
        Fn("histogram_stdvar", {kV}),
        Fn("histogram_sum", {kV}),
        Fn("hour", {kV}, kV, 1),
        Fn("idelta", {kM}),
        Fn("increase", {kM}),
        Fn("info", {kV, kV}, kV, 1, true),
        Fn("integral", {kM, kS}, kV, 1, true),
        Fn("irate", {kM}),
        Fn("label_join", {kV, kStr, kStr, kStr}, kV, -1),
        Fn("label_replace", {kV, kStr, kStr, kStr, kStr}),
        Fn("last_over_time", {kM}),
        Fn("ln", {kV}),
        Fn("log10", {kV}),
        Fn("log2", {kV}),
        Fn("mad_over_time", {kM}, kV, 0, true),
        Fn("max_of", {kS, kS}, kS, 0, true),
        Fn("max_over_time", {kM}),
        Fn("min_of", {kS, kS}, kS, 0, true),
        Fn("min_over_time", {kM}),
        Fn("minute", {kV}, kV, 1),
        Fn("month", {kV}, kV, 1),
        Fn("pi", {}, kS),
        Fn("predict_linear", {kM, kS}),
        Fn("present_over_time", {kM}),
        Fn("quantile_over_time", {kS, kM}),
        Fn("rad", {kV}),
        Fn("range", {}, kS, 0, true),
        Fn("rate", {kM}),
        Fn("resets", {kM}),
        Fn("round", {kV, kS}, kV, 1),
        Fn("scalar", {kV}, kS),
        Fn("sgn", {kV}),
        Fn("sin", {kV}),
        Fn("sinh", {kV}),
        Fn("sort", {kV}),
        Fn("sort_by_label", {kV, kStr}, kV, -1, true),
        Fn("sort_by_label_desc", {kV, kStr}, kV, -1, true),
        Fn("sort_desc", {kV}),
        Fn("sqrt", {kV}),
        Fn("start", {}, kS, 0, true),
        Fn("stddev_over_time", {kM}),
        Fn("stdvar_over_time", {kM}),
        Fn("step", {}, kS, 0, true),
        Fn("sum_over_time", {kM}),
        Fn("tan", {kV}),
        Fn("tanh", {kV}),
        Fn("time", {}, kS),
        Fn("timestamp", {kV}),
        Fn("ts_of_first_over_time", {kM}, kV, 0, true),
        Fn("ts_of_last_over_time", {kM}, kV, 0, true),
        Fn("ts_of_max_over_time", {kM}, kV, 0, true),
        Fn("ts_of_min_over_time", {kM}, kV, 0, true),
        Fn("vector", {kS}),
        Fn("year", {kV}, kV, 1),
    };
    std::sort(t->begin(), t->end(),
              [](const FunctionInfo& a, const FunctionInfo& b) { return a.name < b.name; });
    return t;
  }();
  return *table;
}

}  // namespace

const FunctionInfo* LookupFunction(std::string_view name) {
  const std::vector<FunctionInfo>& table = Table();
  auto it = std::lower_bound(table.begin(), table.end(), name,
                             [](const FunctionInfo& f, std::string_view n) { return f.name < n; });
  if (it == table.end() || it->name != name) return nullptr;
  return &*it;
}

}  // namespace tidemark::promql
