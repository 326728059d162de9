// The contract between the evaluator (query/engine.cc) and the PromQL function implementations
// (query/functions.cc), modelled on Prometheus' FunctionCall so that its semantics port directly.
//
// The evaluator calls a function once per output step:
// - functions taking a range vector (rate, *_over_time, predict_linear, ...) once per step and
//   per input series, with `range` set to that series' points in the window (t - range, t] (stale
//   markers removed) and `vectors` empty; the other (scalar/string) arguments as below;
// - other functions once per step with each instant-vector argument's samples at that step in
//   `vectors[i]`, each scalar argument's value in `scalars[i]` and each string literal argument
//   in `strings[i]` (index i is the argument position; unused slots are empty/NaN).
// The function appends its output samples to `out` (timestamps are set by the evaluator) and may
// add annotations. A range function appends at most one sample with no labels: the evaluator
// owns the series' labels and whether the function keeps the metric name, so nothing is copied
// per step. It returns InvalidArgument for a Prometheus execution error (e.g.
// "invalid regular expression in label_replace(): ...").
//
// Thread safety: implementations are stateless.
#ifndef TIDEMARK_QUERY_FUNCTIONS_H_
#define TIDEMARK_QUERY_FUNCTIONS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "query/ast.h"
#include "query/value.h"
#include "tidemark/status.h"

namespace tidemark::promql {

struct FunctionArgs {
  const Call* call = nullptr;  // the call node (argument expressions, for messages)
  int64_t t = 0;               // evaluation time of this step, ms
  // The query's start and end (for functions whose result depends on them); ms.
  int64_t query_start = 0;
  int64_t query_end = 0;

  // Per argument position:
  std::vector<const Vector*> vectors;     // instant-vector arguments (null elsewhere)
  std::vector<double> scalars;            // scalar arguments (NaN elsewhere)
  std::vector<std::string_view> strings;  // string arguments (empty elsewhere)

  // For range-vector functions: the current series and its window.
  const Labels* range_metric = nullptr;
  // The metric name the selector pins by equality, or empty; range_metric may then lack it.
  std::string_view range_metric_name;
  const std::vector<FPoint>* range = nullptr;
  int64_t range_ms = 0;      // the selector's (or subquery's) range
  int64_t window_start = 0;  // exclusive: t - offset - range
  int64_t window_end = 0;    // inclusive: t - offset
  // The range argument's expression is a MatrixSelector (true) or a subquery (false); rate and
  // friends use it to find the selector's metric name for annotations.
  bool range_is_selector = true;
};

struct FunctionOutput {
  Vector* out = nullptr;
  Annotations* annotations = nullptr;
};

using FunctionImpl = Status (*)(const FunctionArgs& args, const FunctionOutput& output);

// The implementation of the function called `name`, or null. The evaluator implements itself the
// few functions that need the AST or the raw samples rather than values: `absent` and
// `absent_over_time` (labels from the selector's equality matchers) and `timestamp` (a selector's
// sample timestamps); LookupFunctionImpl returns null for those. Every other function of the
// parser's table is implemented here.
FunctionImpl LookupFunctionImpl(std::string_view name);

// Adds "PromQL warning: ..." / "PromQL info: ..." once (deduplicated).
void AddWarning(Annotations* annotations, std::string message);
void AddInfo(Annotations* annotations, std::string message);

}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_FUNCTIONS_H_
