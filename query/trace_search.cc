// Trace search (tidemark/trace_search.h) on the SpanReader interface: the storage scans spans
// with the conditions pushed down; this groups them into traces, applies the limits and adds
// each trace's facts.
#include "tidemark/trace_search.h"

#include <algorithm>
#include <map>

#include "util/status_macros.h"

namespace tidemark {

Result<TraceSearchResponse> SearchTraces(SpanReader& reader, const TraceSearchRequest& request,
                                         const ReadOptions& options) {
  const uint32_t limit = std::max<uint32_t>(1, request.limit);
  TraceSearchResponse response;
  std::vector<std::string> order;  // trace ids in the order found (newest data first)
  std::map<std::string, TraceSearchResult, std::less<>> found;
  SpanScan scan;
  scan.start_unix_nano = request.start_unix_nano;
  scan.end_unix_nano = request.end_unix_nano;
  scan.conditions = request.conditions;
  TM_ASSIGN_OR_RETURN(
      SpanScanStats stats, reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
        auto it = found.find(span.trace_id);
        if (it == found.end()) {
          if (found.size() >= limit) return false;  // a new trace past the limit
          it = found.emplace(std::string(span.trace_id), TraceSearchResult{}).first;
          it->second.trace_id.assign(span.trace_id);
          order.emplace_back(span.trace_id);
        }
        ++it->second.matched_span_count;
        if (it->second.spans.size() < request.spans_per_trace) {
          it->second.spans.push_back({std::string(span.span_id), std::string(span.name),
                                      std::string(span.service_name), span.start_unix_nano,
                                      span.duration_nano});
        }
        return true;
      }));
  response.warnings = std::move(stats.warnings);
  for (const std::string& id : order) {
    TraceSearchResult& result = found[id];
    TM_ASSIGN_OR_RETURN(TraceFacts facts, reader.GetTraceFacts(options, id, &response.warnings));
    result.root_service_name = std::move(facts.root_service_name);
    result.root_span_name = std::move(facts.root_span_name);
    result.start_time_unix_nano = facts.start_unix_nano;
    result.duration_nano = facts.end_unix_nano > facts.start_unix_nano
                               ? facts.end_unix_nano - facts.start_unix_nano
                               : 0;
    response.traces.push_back(std::move(result));
  }
  return response;
}

}  // namespace tidemark
