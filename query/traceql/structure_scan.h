// Deciding a structural query (`{A} >> {B}` and the other operators of planner.h's
// StructuralPlan) on candidate traces from a scan of their skeletons, instead of reading each
// candidate whole.
//
// One scan, restricted to the candidate traces, reads of every span in the range only its ids,
// parent id and kind, and which side's conditions it meets (both sides and "any span" as
// SpanScan::any_of alternatives of one pass). The skeleton of each trace gets the nested set
// numbers evaluation would give it (trace_view.h reads nothing else), and the structural join
// (structural.h) of the marked sides says whether the trace can match. Since the sides'
// conditions are necessary ones and these operators only gain matches when a side gains spans, a
// trace the join rejects cannot match; the ones it keeps are read whole and evaluated as before.
// Reading a trace whole costs hundreds of times what its skeleton does.
//
// FindStructuralCandidates needs no candidates: for the operators whose one side is always the
// child or descendant, it visits only the trace runs holding a span of that side
// (SpanScan::runs_holding), so a query like `{A} >> {status = error}` costs one scan, not a scan
// for the candidates and then one of their skeletons.
//
// A trace whose skeleton repeats a span id is kept (duplicates are merged, and Zipkin's shared
// ids told apart, only when spans are read whole). Above a bound of skeleton spans the scan gives
// up and keeps every candidate, so memory stays bounded.
//
// Thread safety: free functions.
#ifndef TIDEMARK_QUERY_TRACEQL_STRUCTURE_SCAN_H_
#define TIDEMARK_QUERY_TRACEQL_STRUCTURE_SCAN_H_

#include <absl/container/flat_hash_map.h>
#include <absl/strings/string_view.h>

#include <cstdint>
#include <string>

#include "query/traceql/planner.h"
#include "tidemark/span_reader.h"

namespace tidemark::traceql {

// Candidate traces (16-byte ids), each with how recent it is (larger is newer: the start of its
// newest span a requirement matched, or the order in which a scan, newest data first, met it):
// search reads them newest first.
using TraceCandidates = absl::flat_hash_map<std::string, uint64_t>;

// A trace id as these maps look it up without a copy (Debian's Abseil has its own string_view).
inline absl::string_view LookupKey(std::string_view id) { return {id.data(), id.size()}; }

// Skeleton spans held at most: beyond it the candidates are left as they are.
inline constexpr size_t kMaxSkeletonSpans = 2'000'000;

// Removes from `candidates` the traces whose spans in [range.start, range.end] cannot satisfy
// `plan`, and sets *decided; or, when the skeletons would exceed kMaxSkeletonSpans or the scan
// stops at its spans-inspected bound, leaves them all and clears *decided. Every trace kept has a
// span meeting each side's conditions. `range` gives the time range and the bound (its conditions
// must be empty); the scan's statistics are returned.
Result<SpanScanStats> DropStructuralMismatches(SpanReader& reader, const ReadOptions& options,
                                               const SpanScan& range, const StructuralPlan& plan,
                                               TraceCandidates* candidates, bool* decided);

// Whether FindStructuralCandidates can decide `op`: the operators whose one side ("lower") is
// always the child or descendant in the relation (`>`, `>>`, `<`, `<<` and their union forms).
bool HasLowerSide(SpansetOp op);

// The traces whose spans in [range.start, range.end] may satisfy `plan`, found in one scan with
// no candidate set to start from: the scan visits the skeletons of the trace runs that hold a
// span of the lower side (SpanScan::runs_holding), so every such span is seen, with the spans
// stored beside it. A trace is ruled out when it has no lower-side span, or when the parent of
// every lower-side span, and theirs in turn, up to a span without one, are among the spans seen
// (the relation needs no other span) and the structural join of its skeleton is empty. A trace
// whose chain of parents leaves the spans seen, or goes through a span whose id another span may
// share, is ruled out only if the trace index shows it stored in at most one segment (so the scan
// saw all of it); one whose skeleton repeats a span id is kept. Fills `out` and sets *decided; or,
// for an operator without a lower side, beyond kMaxSkeletonSpans or at the spans-inspected bound,
// leaves `out` empty and clears *decided. Each trace's recency is the order the scan met it in.
Result<SpanScanStats> FindStructuralCandidates(SpanReader& reader, const ReadOptions& options,
                                               const SpanScan& range, const StructuralPlan& plan,
                                               TraceCandidates* out, bool* decided);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_STRUCTURE_SCAN_H_
