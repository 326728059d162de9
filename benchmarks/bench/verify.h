// tidemark-bench's verification: after a run, reads back through the target's query APIs what it
// should now hold, so that a fast but lossy back end cannot look good.
//
// Metrics, through the Prometheus HTTP API (tidemark, Prometheus, VictoriaMetrics, Mimir): for
// each metric name of the workload, the number of series and the sum of count_over_time over the
// data's time range. Traces, through the trace-by-id API Tempo and Jaeger share
// (`GET /api/traces/<id>`): the spans of each trace checked. The target should hold nothing else
// of the workload's metric names in that range (a fresh back end, as `compare` starts).
#ifndef TIDEMARK_BENCHMARKS_BENCH_VERIFY_H_
#define TIDEMARK_BENCHMARKS_BENCH_VERIFY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "benchmarks/bench/workload.h"

namespace tidemark::bench {

struct VerifyOptions {
  std::string query_url;    // Prometheus API base, e.g. http://127.0.0.1:9090
  std::string traces_url;   // Tempo or Jaeger API base
  size_t max_traces = 200;  // traces checked, spread evenly over those sent
  std::vector<std::pair<std::string, std::string>> headers;  // credentials, tenant
};

struct VerifyResult {
  uint64_t expected_samples = 0, found_samples = 0;
  uint64_t expected_series = 0, found_series = 0;
  uint64_t traces_checked = 0, traces_found = 0;
  uint64_t expected_spans = 0, found_spans = 0;
  std::vector<std::string> losses;  // one line per metric name or trace that came back short
  bool complete() const {
    return found_samples == expected_samples && found_series == expected_series &&
           traces_found == traces_checked && found_spans == expected_spans;
  }
};

// Errors are failures to ask (the API unreachable, an answer that does not parse), naming the
// URL; missing data is in the result.
Result<VerifyResult> Verify(const Workload& workload, const VerifyOptions& options);

// Spans in a trace-by-id answer: Tempo's OTLP JSON (`batches` or `resourceSpans`) or Jaeger's
// (`data[].spans`). InvalidArgument if it is neither.
Result<uint64_t> CountSpansInTraceJson(std::string_view body);

}  // namespace tidemark::bench

#endif  // TIDEMARK_BENCHMARKS_BENCH_VERIFY_H_
