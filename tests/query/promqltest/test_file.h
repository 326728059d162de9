// The Prometheus PromQL test-file format (promql/promqltest/testdata/*.test), parsed into commands.
//
//   load 5m
//     http_requests{job="api"} 0+10x10 _ stale
//
//   eval instant at 50m sum(http_requests)
//     expect no_warn
//     {} 100
//
//   eval range from 0 to 10m step 5m http_requests
//     http_requests{job="api"} 0 20 _
//
//   clear
//
// The grammar follows Prometheus' promqltest/test.go: lines are trimmed, `#` lines are blank, a
// command's block ends at the first blank line. Series values use the expanding notation
// (`a+bxN` is N+1 values starting at a, stepping b; `_` is "no sample"; `_xN` is N of those).
// Native-histogram values (`{{...}}`) are recognised but not decoded: such series are flagged.
//
// Thread safety: plain values.
#ifndef TIDEMARK_TESTS_QUERY_PROMQLTEST_TEST_FILE_H_
#define TIDEMARK_TESTS_QUERY_PROMQLTEST_TEST_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "query/series_description.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::promqltest {

// The value grammar lives beside the PromQL engine: `tidemark test rules` reads input_series with
// it too.
using promql::ParseSeriesDescription;
using promql::ParseTestDuration;
using promql::ParseTestNumber;
using promql::SequenceValue;
using promql::SeriesDescription;
using promql::UnquoteString;

struct LoadCommand {
  int line = 0;  // 1-based
  int64_t interval_ms = 0;
  // `load_with_nhcb`: Prometheus also converts the classic histogram series into native
  // histograms with custom buckets under the base metric name.
  bool with_nhcb = false;
  // In file order; a later line with the same labels replaces an earlier one.
  std::vector<SeriesDescription> series;
};

struct ClearCommand {
  int line = 0;
};

enum class ExpectKind { kOrdered, kFail, kWarn, kNoWarn, kInfo, kNoInfo };

// An `expect <kind> [msg: <text> | regex: <pattern>]` line.
struct Expectation {
  ExpectKind kind = ExpectKind::kFail;
  // true: `text` is a regular expression (Go/RE2 syntax) that must match somewhere in the
  // message; `^.*$` when the line gave neither msg nor regex. false: `text` must equal it.
  bool is_regex = true;
  std::string text = "^.*$";
};

// One expected result line.
struct ExpectedSeries {
  Labels metric;
  std::vector<SequenceValue> values;
  // 1-based position among the eval block's lines (expect lines not counted), for ordered results.
  int position = 0;
  bool native_histogram = false;
};

struct EvalCommand {
  int line = 0;  // 1-based, of the `eval` line
  std::string expr;
  bool is_range = false;
  // Range evals: the query range. Instant evals with `expect range vector`: the range the
  // expected points lie on. Milliseconds since the epoch.
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int64_t step_ms = 0;
  // Instant evals: the evaluation time (the `expect range vector` end when one is given).
  int64_t eval_ms = 0;
  // An instant eval without `expect range vector`: a matrix result cannot hold more than the
  // points at start_ms (Prometheus leaves the end unset).
  bool has_end = false;

  // Legacy forms `eval_fail`, `eval_warn`, `eval_info`, `eval_ordered`.
  bool legacy_fail = false;
  bool legacy_warn = false;
  bool legacy_info = false;
  bool legacy_ordered = false;
  // Legacy `expected_fail_message <text>` / `expected_fail_regexp <pattern>` (with eval_fail).
  std::string expected_fail_message;
  std::string expected_fail_regexp;

  std::vector<Expectation> expectations;

  // A bare number result line.
  bool expect_scalar = false;
  double expected_scalar = 0;
  std::vector<ExpectedSeries> expected_series;  // unique labels
  std::string expected_string;                  // `expect string "..."`
  // `expect string` or `expect range vector`: no range-mode cross-check of an instant eval.
  bool exclude_from_range_query = false;

  bool IsFail() const;
  bool IsOrdered() const;
  // The expectations of one kind, in file order.
  std::vector<const Expectation*> Expectations(ExpectKind kind) const;
  // The expected output uses native-histogram notation.
  bool ExpectsNativeHistogram() const;
};

using TestCommand = std::variant<LoadCommand, ClearCommand, EvalCommand>;

struct TestFile {
  std::vector<TestCommand> commands;
};

// Parses a whole .test file. Errors are InvalidArgument naming the 1-based line, as Prometheus
// rejects the whole file on any malformed line.
Result<TestFile> ParseTestFile(std::string_view content);

}  // namespace tidemark::promqltest

#endif  // TIDEMARK_TESTS_QUERY_PROMQLTEST_TEST_FILE_H_
