// TraceQL search for embedding programs and the server's Tempo API, on any SpanReader (a
// tidemark::Engine). Implemented in query/traceql/; docs/traceql.md describes the language
// supported, the semantics chosen and what is refused.
//
//   TraceQLSearchRequest request;
//   request.query = R"({ resource.service.name = "api" && status = error } | count() > 2)";
//   Result<TraceQLSearchResponse> found = SearchTraceQL(*engine, request);
//
// Errors: InvalidArgument for a query that does not parse, does not type-check, uses a construct
// not supported yet ("... is not supported yet") or is a metrics query ("TraceQL metrics queries
// are not supported yet"); DeadlineExceeded and Cancelled from ReadOptions; the storage's errors.
//
// Thread safety: free functions; they may run concurrently on one reader.
#ifndef TIDEMARK_TRACEQL_H_
#define TIDEMARK_TRACEQL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/querier.h"
#include "tidemark/span_reader.h"
#include "tidemark/status.h"
#include "tidemark/trace.h"

namespace tidemark {

struct TraceQLSearchRequest {
  std::string query;
  // Spans starting in [start, end] are searched and evaluated; trace-level facts (root, duration)
  // are the whole trace's.
  uint64_t start_unix_nano = 0, end_unix_nano = UINT64_MAX;
  uint32_t limit = 20;                // traces returned at most (0 is taken as 1)
  uint32_t spans_per_spanset = 3;     // spans returned per spanset (Tempo's spss); 0: none
  uint64_t max_spans_inspected = 0;   // spans the scans may inspect (0 = no bound)
  uint32_t max_traces_inspected = 0;  // candidate traces read and evaluated (0 = no bound)
};

struct TraceQLSpan {
  std::string span_id;  // hex
  std::string name;
  uint64_t start_time_unix_nano = 0;
  uint64_t duration_nano = 0;
  // The attributes the query names or selects, keyed by name as Tempo returns them ("http.method",
  // "status", "nestedSetLeft"); the name, duration and trace-level intrinsics are fields instead.
  std::vector<KeyValue> attributes;
};

struct TraceQLSpanset {
  std::vector<TraceQLSpan> spans;  // at most spans_per_spanset, earliest first
  uint32_t matched = 0;            // spans in the spanset
  // by() values and aggregate results as Tempo names them: {"by(resource.service.name)", "api"},
  // {"count()", 4}, {"avg(duration)", "1.5s"} (durations, statuses and kinds as strings).
  std::vector<KeyValue> attributes;
};

struct TraceQLTrace {
  std::string trace_id;           // hex
  std::string root_service_name;  // "" when the root span has not arrived
  std::string root_trace_name;
  uint64_t start_time_unix_nano = 0;  // of the earliest span
  uint64_t duration_nano = 0;
  std::vector<TraceQLSpanset> spansets;
};

struct TraceQLSearchResponse {
  std::vector<TraceQLTrace> traces;  // newest first (by start time)
  uint64_t inspected_traces = 0, inspected_spans = 0;
  // A bound (spans/traces inspected) stopped the search before the range was covered.
  bool stopped_at_limit = false;
  // Damaged data that was skipped (each names where); the rest was searched.
  std::vector<std::string> warnings;
};

// Parses and validates `query`: InvalidArgument naming the problem.
Status CheckTraceQL(std::string_view query);

Result<TraceQLSearchResponse> SearchTraceQL(SpanReader& reader, const TraceQLSearchRequest& request,
                                            const ReadOptions& options = {});

// For autocomplete narrowing (Tempo's /api/search/tag/<t>/values?q=): the conjunction of
// conditions a span must satisfy to match the query's first spanset filter, as far as they map to
// SpanCondition; empty = any span. The query must parse and validate.
Result<std::vector<SpanCondition>> TraceQLSpanConditions(std::string_view query);

}  // namespace tidemark

#endif  // TIDEMARK_TRACEQL_H_
