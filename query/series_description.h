// The value-level grammar of Prometheus' PromQL test files (tests/query/promqltest/test_file.h)
// and of promtool's rule unit tests (`input_series`, query/rules/unit_test_runner.h): series lines
// in expanding notation, durations, bare numbers and quoted strings.
//
//   auto series = ParseSeriesDescription(R"(http_requests{job="api"} 0+10x3 _ stale)");
//   // series->values: 0 10 20 30, then one omitted position, then a stale marker
//
// Thread safety: free functions over values.
#ifndef TIDEMARK_QUERY_SERIES_DESCRIPTION_H_
#define TIDEMARK_QUERY_SERIES_DESCRIPTION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::promql {

// One position of a value sequence: a sample value, or `_` (no sample at this position).
struct SequenceValue {
  double value = 0;
  bool omitted = false;
};

// A series line: `name{label="value", ...} <values>` (the metric part is optional in result
// lines: `{} 3`).
struct SeriesDescription {
  Labels metric;
  std::vector<SequenceValue> values;
  // The values use the native-histogram notation `{{...}}`; `values` is then empty.
  bool native_histogram = false;
};

// Parses a series line. InvalidArgument on a syntax error.
Result<SeriesDescription> ParseSeriesDescription(std::string_view line);

// Prometheus' model.ParseDuration: `0`, or units in the order y w d h m s ms (`1h30m`, `10s53ms`).
// Milliseconds.
Result<int64_t> ParseTestDuration(std::string_view text);

// A bare number as the harness reads an expected scalar: an integer (Go ParseInt base 0: `0x1f`,
// `0o17`, `017`, `0b101`) or a float (`1.5e3`, `Inf`, `-inf`, `NaN`, hex floats).
Result<double> ParseTestNumber(std::string_view text);

// Unquotes a PromQL string literal in double quotes, single quotes (any length) or backquotes
// (raw), with Go's escape sequences.
Result<std::string> UnquoteString(std::string_view quoted);

}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_SERIES_DESCRIPTION_H_
