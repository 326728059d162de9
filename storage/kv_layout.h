// Keys and values of the RocksDB column families. docs/format/column-families.md draws them.
#ifndef TIDEMARK_STORAGE_KV_LAYOUT_H_
#define TIDEMARK_STORAGE_KV_LAYOUT_H_

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>

#include "tidemark/engine.h"
#include "tidemark/labels.h"

namespace tidemark::storage {

inline constexpr char kSeriesColumnFamily[] = "series";
inline constexpr char kChunksColumnFamily[] = "chunks";
inline constexpr char kSpanSegmentsColumnFamily[] = "span_segments";
inline constexpr char kSpanDataColumnFamily[] = "span_data";
inline constexpr char kTraceIndexColumnFamily[] = "trace_index";
inline constexpr char kExemplarsColumnFamily[] = "exemplars";

// The directory format (meta/format_version). Persisted: never renumber. Version 1 keyed stored
// blocks by partition and series id; version 2 puts the series' metric group between them, and
// Open rewrites a version 1 directory's keys (docs/format/column-families.md).
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kFormatVersionSeriesKeyed = 1;
// Keys of the default column family.
inline constexpr char kMetaFormatVersion[] = "meta/format_version";
inline constexpr char kMetaPartitionDuration[] = "meta/partition_duration_ms";
inline constexpr char kMetaNextSeriesId[] = "meta/next_series_id";
inline constexpr char kMetaDroppedBelow[] = "meta/dropped_below_partition";
inline constexpr char kMetaCompactedBelow[] = "meta/compacted_below_partition";
// "metadata/<metric family name>" -> EncodeMetricMetadata.
inline constexpr char kMetadataKeyPrefix[] = "metadata/";

inline constexpr size_t kChunkKeyBytes = 24;
inline constexpr size_t kChunkKeyPrefixBytes = 16;      // partition, metric group and series id
inline constexpr size_t kChunkKeyGroupPrefixBytes = 8;  // partition and metric group
// Format version 1's chunk keys: partition | series id | min time.
inline constexpr size_t kChunkKeyV1Bytes = 20;

// Partition number of a timestamp: floor(t / duration), also for negative t, saturated to the
// int32 range (a query's "all time" bounds map to the first and last partition numbers; what is
// stored always fits, see MaxStorableTime).
inline int32_t PartitionOf(int64_t t, int64_t duration) {
  int64_t p = t / duration;
  if (t % duration != 0 && t < 0) --p;
  return static_cast<int32_t>(std::clamp<int64_t>(p, INT32_MIN, INT32_MAX));
}
// The range of sample timestamps whose partition numbers fit without saturating (with a
// partition of at least a minute, more than 4,000 years either side of 1970).
inline int64_t MinStorableTime(int64_t duration) { return (int64_t{INT32_MIN} + 1) * duration; }
inline int64_t MaxStorableTime(int64_t duration) { return int64_t{INT32_MAX} * duration - 1; }
inline int64_t PartitionStart(int32_t p, int64_t duration) { return int64_t{p} * duration; }

std::string SeriesKey(uint64_t id);
bool ParseSeriesKey(std::string_view key, uint64_t* id);

// The persisted state of a series: labels, time bounds of its stored samples and the last value.
struct SeriesRecord {
  Labels labels;
  int64_t min_time = 0;
  int64_t max_time = 0;
  uint64_t last_value_bits = 0;
};
std::string EncodeSeriesRecord(const SeriesRecord& r);
// What follows the labels in a series record: a checkpoint encodes the labels of a million
// series from their interned pairs (EncodeLabelsFrom), not from label sets built for it.
void EncodeSeriesRecordBounds(int64_t min_time, int64_t max_time, uint64_t last_value_bits,
                              std::string* out);
bool DecodeSeriesRecord(std::string_view value, SeriesRecord* r);

// The group a series' blocks are stored in within a partition: FNV-1a (32 bits) of its metric
// name (of "" without one). A selection is nearly always of one metric; its series' blocks lie
// side by side, so a read steps from one to the next instead of seeking each among the blocks of
// every other metric.
uint32_t MetricGroup(std::string_view metric_name);

// partition <int32, sign-flipped big-endian> | metric group <uint32 BE> | series id <uint64 BE> |
// block min time <int64, sign-flipped BE>: all blocks of a partition are contiguous, within it
// those of a metric group, and within that those of a series.
std::string ChunkKey(int32_t partition, uint32_t group, uint64_t series_id, int64_t min_time);
std::string ChunkKeyPrefix(int32_t partition, uint32_t group, uint64_t series_id);
std::string PartitionKeyPrefix(int32_t partition);
struct ChunkKeyParts {
  int32_t partition;
  uint32_t group;
  uint64_t series_id;
  int64_t min_time;
};
bool ParseChunkKey(std::string_view key, ChunkKeyParts* parts);
// A format version 1 key (kChunkKeyV1Bytes, no group); `group` is left 0.
bool ParseChunkKeyV1(std::string_view key, ChunkKeyParts* parts);

// `exemplars`: partition <int32, sign-flipped BE> | series id <uint64 BE> | timestamp <int64,
// sign-flipped BE>, the layout of a format version 1 chunk key.
std::string ExemplarKey(int32_t partition, uint64_t series_id, int64_t timestamp_ms);
// labels (EncodeLabels) | value <float64 bits, fixed64>. The timestamp is in the key and is not
// read here.
std::string EncodeExemplarValue(const Exemplar& e);
// False unless `in` is exactly one value.
bool DecodeExemplarValue(std::string_view in, Exemplar* e);

// Metric metadata under kMetadataKeyPrefix + family: type, help and unit, each a uvarint length
// and the bytes.
std::string EncodeMetricMetadata(const MetricMetadata& m);
// False unless `in` is exactly one record.
bool DecodeMetricMetadata(std::string_view in, MetricMetadata* m);

// 4 bytes, big-endian with the sign bit flipped, so that byte order is numeric order.
std::string EncodeOrderedInt32(int32_t v);
int32_t DecodeOrderedInt32(const char* p);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_KV_LAYOUT_H_
