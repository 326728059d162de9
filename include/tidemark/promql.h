// PromQL for embedding programs: parse and evaluate queries on any SampleQuerier (a
// tidemark::Engine, or the embedder's own storage) with plain result types. Nothing of the
// query engine's internals (syntax tree, evaluator) is visible.
//
//   tidemark::PromQLOptions options;
//   auto result = tidemark::EvaluateInstant(*engine, "sum by (job)
//   (rate(http_requests_total[5m]))",
//                                           now_ms, options);
//   if (result.ok()) for (const auto& s : result->series) ... s.labels, s.points[0].value ...
//
// Thread safety: free functions; any number may run at once on one SampleQuerier.
#ifndef TIDEMARK_PROMQL_H_
#define TIDEMARK_PROMQL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/labels.h"
#include "tidemark/querier.h"
#include "tidemark/status.h"

namespace tidemark {

struct PromQLOptions {
  // How far back an instant selector looks for a sample, ms (Prometheus' lookback delta).
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Most samples one query may hold at once; more fails with ResourceExhausted.
  int64_t max_samples = 50'000'000;
  // Most points (series x steps) a range query may return.
  int64_t max_result_points = 10'000'000;
  // Most bytes one query may hold at once, estimated (its samples and its series' labels); more
  // fails with ResourceExhausted. 0: no limit.
  int64_t max_bytes_per_query = 2LL << 30;
  // Evaluation step of subqueries that name none, ms.
  int64_t default_subquery_step_ms = 60'000;
  // The query fails with DeadlineExceeded after this long. Default 2 minutes.
  std::chrono::milliseconds timeout{2 * 60 * 1000};
  // Raised by another thread to stop the query with Cancelled; may be null.
  const std::atomic<bool>* cancelled = nullptr;
  // Prometheus' experimental functions and duration expressions (off by default, as there).
  bool experimental_functions = false;
  bool duration_expressions = false;
};

enum class PromQLValueType { kScalar, kVector, kMatrix, kString };

struct PromQLPoint {
  int64_t timestamp_ms = 0;
  double value = 0;
};

struct PromQLSeries {
  Labels labels;
  std::vector<PromQLPoint> points;  // one for an instant vector, by time for a matrix
};

struct PromQLResult {
  PromQLValueType type = PromQLValueType::kVector;
  std::vector<PromQLSeries> series;   // kVector and kMatrix
  PromQLPoint scalar;                 // kScalar
  std::string string_value;           // kString
  std::vector<std::string> warnings;  // as Prometheus' annotations
  std::vector<std::string> infos;
};

// OK if `query` parses and type-checks; InvalidArgument "line:column: parse error: ..." otherwise.
Status CheckPromQL(std::string_view query, const PromQLOptions& options = {});
// The query in Prometheus' canonical form (what /api/v1/format_query returns).
Result<std::string> FormatPromQL(std::string_view query, const PromQLOptions& options = {});
// Evaluates `query` at `time_ms`. A range-vector query gives a matrix.
Result<PromQLResult> EvaluateInstant(SampleQuerier& storage, std::string_view query,
                                     int64_t time_ms, const PromQLOptions& options = {});
// Evaluates `query` at start, start+step, ... <= end; the result is a matrix.
Result<PromQLResult> EvaluateRange(SampleQuerier& storage, std::string_view query, int64_t start_ms,
                                   int64_t end_ms, int64_t step_ms,
                                   const PromQLOptions& options = {});

}  // namespace tidemark

#endif  // TIDEMARK_PROMQL_H_
