#include "storage/span_segment_format.h"

#include <algorithm>

#include "storage/kv_layout.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace tidemark::storage {

std::string SegmentKey(int32_t partition, uint64_t segment) {
  std::string k = EncodeOrderedInt32(partition);
  util::PutBigEndian64(&k, segment);
  return k;
}

std::string RowGroupKey(int32_t partition, uint64_t segment, uint32_t row_group) {
  std::string k = SegmentKey(partition, segment);
  util::PutBigEndian32(&k, row_group);
  return k;
}

std::string TraceIndexKey(int32_t partition, std::string_view trace_id, uint64_t segment) {
  std::string k = EncodeOrderedInt32(partition);
  k += trace_id;
  util::PutBigEndian64(&k, segment);
  return k;
}

void TraceSummary::Add(const Span& s) {
  ++spans;
  min_start = std::min(min_start, s.start_time_unix_nano);
  max_end = std::max(max_end, s.end_time_unix_nano);
  if (s.parent_span_id.empty() && !has_root) {
    has_root = true;
    root_service.assign(s.ServiceName());
    root_name = s.name;
  }
}

std::string EncodeSummary(const TraceSummary& s) {
  std::string out;
  util::PutVarint64(&out, s.spans);
  util::PutVarint64(&out, s.min_start);
  util::PutVarint64(&out, s.max_end);
  out.push_back(s.has_root ? 1 : 0);
  if (s.has_root) {
    util::PutLengthPrefixed(&out, s.root_service);
    util::PutLengthPrefixed(&out, s.root_name);
  }
  return out;
}

bool DecodeSummary(std::string_view in, TraceSummary* s) {
  if (!util::GetVarint64(&in, &s->spans) || !util::GetVarint64(&in, &s->min_start) ||
      !util::GetVarint64(&in, &s->max_end) || in.empty()) {
    return false;
  }
  s->has_root = in[0] != 0;
  in.remove_prefix(1);
  if (s->has_root) {
    std::string_view a, b;
    if (!util::GetLengthPrefixed(&in, &a) || !util::GetLengthPrefixed(&in, &b)) return false;
    s->root_service.assign(a);
    s->root_name.assign(b);
  }
  return in.empty();
}

std::string EncodeSegmentHeader(const SegmentHeader& h) {
  std::string out;
  out.push_back(static_cast<char>(kSegmentFormatVersion));
  util::PutVarint64(&out, h.spans);
  util::PutVarint64(&out, h.min_start);
  util::PutVarint64(&out, h.max_start - h.min_start);
  for (const auto* set : {&h.services, &h.names}) {
    util::PutVarint64(&out, set->size());
    for (const std::string& s : *set) util::PutLengthPrefixed(&out, s);
  }
  util::PutVarint64(&out, h.row_groups.size());
  for (const RowGroupStats& rg : h.row_groups) {
    out += rg.first_trace_id;
    out += rg.last_trace_id;
    util::PutVarint64(&out, rg.spans);
    util::PutVarint64(&out, rg.min_start - h.min_start);
    util::PutVarint64(&out, rg.max_start - h.min_start);
    util::PutVarint64(&out, rg.max_duration);
  }
  util::PutFixed32(&out, util::Crc32c(out));
  return out;
}

bool DecodeSegmentHeader(std::string_view in, SegmentHeader* h) {
  if (in.size() < 5) return false;
  const uint32_t crc = util::DecodeFixed32(in.data() + in.size() - 4);
  in.remove_suffix(4);
  if (util::Crc32c(in) != crc || static_cast<uint8_t>(in[0]) != kSegmentFormatVersion) return false;
  in.remove_prefix(1);
  uint64_t span, n;
  if (!util::GetVarint64(&in, &h->spans) || !util::GetVarint64(&in, &h->min_start) ||
      !util::GetVarint64(&in, &span)) {
    return false;
  }
  h->max_start = h->min_start + span;
  for (auto* set : {&h->services, &h->names}) {
    if (!util::GetVarint64(&in, &n) || n > in.size()) return false;
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view s;
      if (!util::GetLengthPrefixed(&in, &s)) return false;
      set->emplace(s);
    }
  }
  if (!util::GetVarint64(&in, &n) || n > in.size()) return false;
  h->row_groups.resize(n);
  for (RowGroupStats& rg : h->row_groups) {
    uint64_t spans, a, b;
    if (in.size() < 32) return false;
    rg.first_trace_id.assign(in.substr(0, 16));
    rg.last_trace_id.assign(in.substr(16, 16));
    in.remove_prefix(32);
    if (!util::GetVarint64(&in, &spans) || !util::GetVarint64(&in, &a) ||
        !util::GetVarint64(&in, &b) || !util::GetVarint64(&in, &rg.max_duration)) {
      return false;
    }
    rg.spans = static_cast<uint32_t>(spans);
    rg.min_start = h->min_start + a;
    rg.max_start = h->min_start + b;
  }
  return in.empty();
}

}  // namespace tidemark::storage
