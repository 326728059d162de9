#include "query/traceql/count_scan.h"

#include <algorithm>

#include "util/status_macros.h"

namespace tidemark::traceql {

Result<SpanScanStats> TracesWithEnoughSpans(SpanReader& reader, const ReadOptions& options,
                                            const SpanScan& range, const CountPlan& plan,
                                            const std::function<bool(std::string_view)>& skip,
                                            TraceCandidates* out, bool* complete) {
  *complete = false;
  out->clear();
  if (plan.filter.size() > kMaxScanAlternatives) return SpanScanStats{};
  SpanScan scan;
  scan.start_unix_nano = range.start_unix_nano;
  scan.end_unix_nano = range.end_unix_nano;
  scan.max_spans_inspected = range.max_spans_inspected;
  scan.ids_only = true;
  scan.any_of = plan.filter;  // a span meeting several alternatives is visited, and counted, once
  struct Count {
    uint64_t spans = 0;
    uint64_t newest = 0;
  };
  absl::flat_hash_map<std::string, Count> counts;
  bool too_many = false;
  TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                      reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
                        auto it = counts.find(LookupKey(span.trace_id));
                        if (it == counts.end()) {
                          if (skip && skip(span.trace_id)) return true;
                          if (counts.size() >= kMaxCountedTraces) {
                            too_many = true;
                            return false;
                          }
                          it = counts.try_emplace(std::string(span.trace_id)).first;
                        }
                        ++it->second.spans;
                        it->second.newest = std::max(it->second.newest, span.start_unix_nano);
                        return true;
                      }));
  if (too_many || stats.stopped_at_limit) return stats;
  *complete = true;
  for (const auto& [id, count] : counts) {
    if (static_cast<double>(count.spans) >= plan.min_count) out->emplace(id, count.newest);
  }
  return stats;
}

}  // namespace tidemark::traceql
