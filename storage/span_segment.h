// The small records that describe span segments: the segment header (one per segment, in the
// `segments` column family) and the trace summary (one per trace and segment, in the trace
// index). Layout: docs/format/span-segments.md. Both are read from disk, so decoding checks
// every length and answers false for anything malformed.
#ifndef TIDEMARK_STORAGE_SPAN_SEGMENT_H_
#define TIDEMARK_STORAGE_SPAN_SEGMENT_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/span_row_group.h"
#include "tidemark/trace.h"

namespace tidemark::storage {

inline constexpr uint8_t kSegmentFormatVersion = 1;

// What one segment holds of one trace: span count, time range and the root span, if present.
struct TraceSummary {
  uint64_t spans = 0;
  uint64_t min_start = UINT64_MAX;
  uint64_t max_end = 0;
  bool has_root = false;
  std::string root_service;
  std::string root_name;

  void Add(const Span& s) {
    ++spans;
    min_start = std::min(min_start, s.start_time_unix_nano);
    max_end = std::max(max_end, s.end_time_unix_nano);
    if (s.parent_span_id.empty() && !has_root) {
      has_root = true;
      root_service.assign(s.ServiceName());
      root_name = s.name;
    }
  }
};

std::string EncodeSummary(const TraceSummary& s);
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

// Version byte, fields, then a crc32c of everything before it.
std::string EncodeHeader(const SegmentHeader& h);
bool DecodeHeader(std::string_view in, SegmentHeader* h);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SPAN_SEGMENT_H_
