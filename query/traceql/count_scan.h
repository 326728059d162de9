// Deciding `{A} | count() > N` (planner.h's CountPlan) by counting instead of reading: one scan
// counts, per trace, its spans in the range that satisfy A's necessary conditions; only traces
// with at least the count a match needs are read whole and evaluated. The search driver turns to
// it when a first pass of candidates did not fill the limit (so a query most traces match still
// stops early), before reading trace after trace that cannot match.
//
// Thread safety: free functions.
#ifndef TIDEMARK_QUERY_TRACEQL_COUNT_SCAN_H_
#define TIDEMARK_QUERY_TRACEQL_COUNT_SCAN_H_

#include <functional>
#include <string_view>

#include "query/traceql/planner.h"
#include "query/traceql/structure_scan.h"
#include "tidemark/span_reader.h"

namespace tidemark::traceql {

// Traces counted at most: beyond it the scan gives up (*complete false) and decides nothing.
inline constexpr size_t kMaxCountedTraces = 2'000'000;

// Fills `out` with the traces (other than those `skip` accepts) having at least plan.min_count
// spans in [range.start, range.end] that satisfy plan.filter, each with its newest such span's
// start; *complete says whether the scan covered the range within its bounds. `range` gives the
// time range and the spans-inspected bound; the scan's statistics are returned.
Result<SpanScanStats> TracesWithEnoughSpans(SpanReader& reader, const ReadOptions& options,
                                            const SpanScan& range, const CountPlan& plan,
                                            const std::function<bool(std::string_view)>& skip,
                                            TraceCandidates* out, bool* complete);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_COUNT_SCAN_H_
