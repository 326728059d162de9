#include "storage/kv_layout.h"

#include <cstring>

#include "storage/label_codec.h"
#include "util/coding.h"

namespace tidemark::storage {

std::string EncodeOrderedInt32(int32_t v) {
  std::string out;
  util::PutBigEndian32(&out, static_cast<uint32_t>(v) ^ 0x80000000u);
  return out;
}

int32_t DecodeOrderedInt32(const char* p) {
  return static_cast<int32_t>(util::DecodeBigEndian32(p) ^ 0x80000000u);
}

std::string SeriesKey(uint64_t id) {
  std::string out;
  util::PutBigEndian64(&out, id);
  return out;
}

bool ParseSeriesKey(std::string_view key, uint64_t* id) {
  if (key.size() != 8) return false;
  *id = util::DecodeBigEndian64(key.data());
  return true;
}

std::string EncodeSeriesRecord(const SeriesRecord& r) {
  std::string out;
  EncodeLabels(r.labels, &out);
  EncodeSeriesRecordBounds(r.min_time, r.max_time, r.last_value_bits, &out);
  return out;
}

void EncodeSeriesRecordBounds(int64_t min_time, int64_t max_time, uint64_t last_value_bits,
                              std::string* out) {
  util::PutVarintSigned64(out, min_time);
  util::PutVarintSigned64(out, max_time);
  util::PutFixed64(out, last_value_bits);
}

bool DecodeSeriesRecord(std::string_view value, SeriesRecord* r) {
  return DecodeLabels(&value, &r->labels) && util::GetVarintSigned64(&value, &r->min_time) &&
         util::GetVarintSigned64(&value, &r->max_time) &&
         util::GetFixed64(&value, &r->last_value_bits) && value.empty();
}

std::string PartitionKeyPrefix(int32_t partition) { return EncodeOrderedInt32(partition); }

uint32_t MetricGroup(std::string_view metric_name) {
  uint32_t h = 2166136261u;
  for (const char c : metric_name) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

std::string ChunkKeyPrefix(int32_t partition, uint32_t group, uint64_t series_id) {
  std::string out = EncodeOrderedInt32(partition);
  util::PutBigEndian32(&out, group);
  util::PutBigEndian64(&out, series_id);
  return out;
}

std::string ChunkKey(int32_t partition, uint32_t group, uint64_t series_id, int64_t min_time) {
  std::string out = ChunkKeyPrefix(partition, group, series_id);
  util::PutOrderedInt64(&out, min_time);
  return out;
}

bool ParseChunkKey(std::string_view key, ChunkKeyParts* parts) {
  if (key.size() != kChunkKeyBytes) return false;
  parts->partition = DecodeOrderedInt32(key.data());
  parts->group = util::DecodeBigEndian32(key.data() + 4);
  parts->series_id = util::DecodeBigEndian64(key.data() + 8);
  parts->min_time = util::DecodeOrderedInt64(key.data() + 16);
  return true;
}

bool ParseChunkKeyV1(std::string_view key, ChunkKeyParts* parts) {
  if (key.size() != kChunkKeyV1Bytes) return false;
  parts->partition = DecodeOrderedInt32(key.data());
  parts->group = 0;
  parts->series_id = util::DecodeBigEndian64(key.data() + 4);
  parts->min_time = util::DecodeOrderedInt64(key.data() + 12);
  return true;
}

std::string ExemplarKey(int32_t partition, uint64_t series_id, int64_t timestamp_ms) {
  std::string out = EncodeOrderedInt32(partition);
  util::PutBigEndian64(&out, series_id);
  util::PutOrderedInt64(&out, timestamp_ms);
  return out;
}

std::string EncodeExemplarValue(const Exemplar& e) {
  std::string out;
  EncodeLabels(e.labels, &out);
  uint64_t bits;
  std::memcpy(&bits, &e.value, 8);
  util::PutFixed64(&out, bits);
  return out;
}

bool DecodeExemplarValue(std::string_view in, Exemplar* e) {
  uint64_t bits;
  if (!DecodeLabels(&in, &e->labels) || !util::GetFixed64(&in, &bits) || !in.empty()) return false;
  std::memcpy(&e->value, &bits, 8);
  return true;
}

std::string EncodeMetricMetadata(const MetricMetadata& m) {
  std::string out;
  for (const std::string* s : {&m.type, &m.help, &m.unit}) {
    util::PutVarint64(&out, s->size());
    out += *s;
  }
  return out;
}

bool DecodeMetricMetadata(std::string_view in, MetricMetadata* m) {
  for (std::string* s : {&m->type, &m->help, &m->unit}) {
    uint64_t n;
    if (!util::GetVarint64(&in, &n) || n > in.size()) return false;
    s->assign(in.substr(0, n));
    in.remove_prefix(n);
  }
  return in.empty();
}

}  // namespace tidemark::storage
