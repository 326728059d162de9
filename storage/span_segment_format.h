// Keys and values of the span column families other than row groups: segment headers
// (`span_segments`), trace index summaries (`trace_index`) and the keys of all three. Row groups
// are in span_row_group.h. Layout: docs/format/span-segments.md; golden files in
// tests/storage/golden/ (span_golden_test.cc).
#ifndef TIDEMARK_STORAGE_SPAN_SEGMENT_FORMAT_H_
#define TIDEMARK_STORAGE_SPAN_SEGMENT_FORMAT_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/span_row_group.h"
#include "tidemark/trace.h"

namespace tidemark::storage {

// Persisted: never renumber.
inline constexpr uint8_t kSegmentFormatVersion = 1;

// partition <int32, sign-flipped BE> | segment id <uint64 BE>: 12 bytes.
std::string SegmentKey(int32_t partition, uint64_t segment);
// SegmentKey | row group <uint32 BE>: 16 bytes.
std::string RowGroupKey(int32_t partition, uint64_t segment, uint32_t row_group);
// partition | trace id <16 bytes> | segment id <uint64 BE>: 28 bytes.
std::string TraceIndexKey(int32_t partition, std::string_view trace_id, uint64_t segment);

// What the trace index holds for one trace in one segment: enough for a search result (start,
// duration, root span) without reading the trace's spans.
struct TraceSummary {
  uint64_t spans = 0;
  uint64_t min_start = UINT64_MAX;
  uint64_t max_end = 0;
  bool has_root = false;
  std::string root_service;  // of the first root span added
  std::string root_name;

  void Add(const Span& s);
};
std::string EncodeSummary(const TraceSummary& s);
// False when `in` is not exactly one summary.
bool DecodeSummary(std::string_view in, TraceSummary* s);

// The small, always-read part of a segment: time range, the services and span names it holds
// (to skip it for equality conditions), and each row group's trace-id range and statistics.
struct SegmentHeader {
  uint64_t spans = 0;
  uint64_t min_start = 0;
  uint64_t max_start = 0;
  std::set<std::string, std::less<>> services;
  std::set<std::string, std::less<>> names;
  std::vector<RowGroupStats> row_groups;
};
// Ends in a CRC-32C of everything before it.
std::string EncodeSegmentHeader(const SegmentHeader& h);
// False on a checksum mismatch, another format version or anything that does not decode.
bool DecodeSegmentHeader(std::string_view in, SegmentHeader* h);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SPAN_SEGMENT_FORMAT_H_
