// SpanReader: the read side of span storage, the seam trace search (Jaeger, Tempo, TraceQL)
// stands on. The storage scans its segments and buffer with the conditions pushed down, skipping
// segments and row groups by their statistics, and hands out the columns of the spans that
// match; what a search means (grouping into traces, limits, ordering, TraceQL) is the query
// layer's (query/trace_search.cc, tidemark/trace_search.h).
//
// Thread safety: an implementation may be called from any number of threads at once.
#ifndef TIDEMARK_SPAN_READER_H_
#define TIDEMARK_SPAN_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/querier.h"
#include "tidemark/status.h"
#include "tidemark/trace.h"

namespace tidemark {

// What to scan: spans that start in [start, end] and satisfy every condition. The conditions'
// meaning is SpanCondition's (trace.h): typed comparisons on intrinsics and attributes, a missing
// attribute satisfies only kNotExists. Equality on the service and span name and lower bounds on
// the duration let the storage skip whole segments and row groups.
struct SpanScan {
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = UINT64_MAX;
  std::vector<SpanCondition> conditions;
  // Stop after inspecting this many spans (0: no limit); the stats say when it stopped there.
  uint64_t max_spans_inspected = 0;
  // Fill ScannedSpan::kind and parent_span_id (a service graph, operations by kind); off by
  // default because it reads two more columns of every matching row group.
  bool with_structure = false;
  // Fill only trace_id and start_unix_nano (with with_structure also span_id, kind and
  // parent_span_id; and alternatives): a visitor that only groups spans into traces (trace
  // search's candidate sets) spares the span id, duration, name and service columns, and the row
  // group's dictionary that names need.
  bool ids_only = false;
  // Leave ScannedSpan::start_unix_nano 0: the storage then reads the start column only of row
  // groups that straddle the range's edges (a trace's structure needs no times). Otherwise it
  // reads it of a row group inside the range only when some span there matches.
  bool without_start = false;
  // Alternatives evaluated in the same pass (at most kMaxScanAlternatives): when not empty, a span
  // is visited when it satisfies `conditions` and at least one alternative, and
  // ScannedSpan::alternatives has bit j set for each alternative j it satisfies. An empty
  // alternative is satisfied by every span. One pass over the data answers several questions:
  // trace search marks the spans of both sides of a structural operator this way.
  std::vector<std::vector<SpanCondition>> any_of;
  // With any_of, a bit mask of alternatives that lets the storage leave out spans by whole runs:
  // for each trace and stored segment, either every span of the trace there (in the range) is
  // visited, or none of them satisfies an alternative in the mask. Spans not yet in segments are
  // all visited. A structural query visits this way, in one pass, every span of one side and
  // the rest of its trace, as far as CountTraceSegments tells it (structure_scan.h).
  uint64_t runs_holding = 0;
  // When set, only spans of the traces it accepts (16-byte ids) are considered; it is asked before
  // any condition, so conditions are evaluated only on those spans. Called from the storage's
  // scanning threads at once: it must be safe to call concurrently (a lookup in a set built
  // before the scan is).
  std::function<bool(std::string_view trace_id)> trace_filter;
};

inline constexpr size_t kMaxScanAlternatives = 64;

// Reads every field of a span a scan matched; the storage decodes the rest of the span's row
// group on first use, so a visitor that needs more than ScannedSpan's columns (attributes, events,
// links, the resource) pays for it only on the spans it asks about.
class SpanMaterializer {
 public:
  virtual Status Read(uint32_t row, Span* out) const = 0;

 protected:
  ~SpanMaterializer() = default;
};

// A span a scan matched, as columns of the storage (valid during the visit only).
struct ScannedSpan {
  std::string_view trace_id;  // 16 bytes
  std::string_view span_id;   // 8 bytes
  std::string_view name;
  std::string_view service_name;
  uint64_t start_unix_nano = 0;
  uint64_t duration_nano = 0;
  // With SpanScan::with_structure only (else kUnspecified and empty).
  SpanKind kind = SpanKind::kUnspecified;
  std::string_view parent_span_id;  // empty for a root span, else 8 bytes
  uint64_t alternatives = 0;        // with SpanScan::any_of: which alternatives it satisfies
  const SpanMaterializer* source = nullptr;
  uint32_t row = 0;  // of `source`
  // Every field of the span, resource and scope included.
  Status ReadSpan(Span* out) const { return source->Read(row, out); }
};

struct SpanScanStats {
  uint64_t spans_inspected = 0;
  uint64_t row_groups_read = 0;
  // Of those, read without filling the block cache: a scan fills at most half of it, so a
  // search over a long range does not push out what other reads keep using.
  uint64_t row_groups_read_uncached = 0;
  uint64_t row_groups_skipped = 0;  // by their statistics
  uint64_t segments_skipped = 0;    // by their statistics
  bool stopped_at_limit = false;    // SpanScan::max_spans_inspected was reached
  // Damaged data that was skipped (each names where); the rest was scanned.
  std::vector<std::string> warnings;
};

// What the storage knows of a whole trace without reading its spans.
struct TraceFacts {
  bool found = false;
  std::string root_service_name;  // "" when the root span has not arrived
  std::string root_span_name;
  uint64_t start_unix_nano = 0;  // of the earliest span
  uint64_t end_unix_nano = 0;    // latest end
};

class SpanReader {
 public:
  virtual ~SpanReader() = default;

  // Calls `visit` for each matching span, newest data first (spans not yet in segments, then
  // segments from the newest partition down); `visit` returns false to stop. `visit` must not
  // call back into this reader: an implementation may hold a lock while it runs (collect trace
  // ids and read the traces after the scan).
  virtual Result<SpanScanStats> ScanSpans(const ReadOptions& options, const SpanScan& scan,
                                          const std::function<bool(const ScannedSpan&)>& visit) = 0;
  // The facts of a trace (16-byte id). Damaged index entries are skipped and named in
  // `warnings` (may be null).
  virtual Result<TraceFacts> GetTraceFacts(const ReadOptions& options, std::string_view trace_id,
                                           std::vector<std::string>* warnings) = 0;
  // All spans of a trace that start in [start, end], ordered by start time; NotFound if none.
  virtual Result<std::vector<Span>> GetTrace(std::string_view trace_id,
                                             uint64_t start_unix_nano = 0,
                                             uint64_t end_unix_nano = UINT64_MAX) = 0;
  // How many stored segments hold spans of each trace (16-byte ids) in the partitions [start, end]
  // covers, from the trace index alone (spans not yet in segments are not counted); or
  // kUnknownSegmentCount. The default knows none.
  static constexpr uint32_t kUnknownSegmentCount = UINT32_MAX;
  virtual Result<std::vector<uint32_t>> CountTraceSegments(
      const ReadOptions& options, const std::vector<std::string>& trace_ids,
      uint64_t start_unix_nano, uint64_t end_unix_nano) {
    (void)options, (void)start_unix_nano, (void)end_unix_nano;
    return std::vector<uint32_t>(trace_ids.size(), kUnknownSegmentCount);
  }
  // The spans of many traces at once (16-byte ids), each as GetTrace returns them, or empty when
  // the trace has no span in [start, end]. A store answers it reading each block of spans once,
  // however many of the traces it holds: search reads its candidate traces this way. The default
  // calls GetTrace for each.
  virtual Result<std::vector<std::vector<Span>>> GetTraces(
      const std::vector<std::string>& trace_ids, uint64_t start_unix_nano = 0,
      uint64_t end_unix_nano = UINT64_MAX) {
    std::vector<std::vector<Span>> out(trace_ids.size());
    for (size_t i = 0; i < trace_ids.size(); ++i) {
      auto trace = GetTrace(trace_ids[i], start_unix_nano, end_unix_nano);
      if (trace.ok()) {
        out[i] = std::move(trace).value();
      } else if (trace.status().code() != StatusCode::kNotFound) {
        return trace.status();
      }
    }
    return out;
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_SPAN_READER_H_
