// Golden files of the sample side: label encoding, series records, chunk keys, stored blocks,
// log record framing, commit and delete records, exemplars and metric metadata. Each test decodes
// the checked-in bytes (tests/storage/golden/*.hex) with today's decoders and compares every
// field with values written here by hand, so that data written by earlier versions stays
// readable; where the encoding is deterministic it also checks that the encoder writes the same
// bytes. The formats are drawn in docs/format/. Spans: golden_span_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "storage/block_codec.h"
#include "storage/kv_layout.h"
#include "storage/label_codec.h"
#include "storage/wal.h"
#include "tests/storage/golden_util.h"
#include "tests/storage/raw_db.h"
#include "tests/storage/test_util.h"
#include "util/coding.h"

namespace tidemark::storage {
namespace {

using testing::Bits;
using testing::GoldenBytes;
using testing::ReadAll;
using testing::TempDir;
using testing::TestOptions;

constexpr int64_t kT0 = 1'700'000'000'000;            // 2023-11-14T22:13:20Z
constexpr uint64_t kBits104_75 = 0x405a300000000000;  // 104.75

void ExpectLabels(const Labels& got, const std::vector<std::pair<std::string, std::string>>& want) {
  ASSERT_EQ(got.size(), want.size()) << got.ToString();
  size_t i = 0;
  for (const Label& l : got) {
    EXPECT_EQ(l.name, want[i].first) << "label " << i;
    EXPECT_EQ(l.value, want[i].second) << "label " << i;
    ++i;
  }
}

// --- labels, series records, chunk keys ---

TEST(Golden, LabelEncoding) {
  const Labels labels{{"__name__", "up"}, {"instance", "host:9100"}, {"zone", "\xc3\xa9"}};
  std::string encoded;
  EncodeLabels(labels, &encoded);
  const std::string bytes = GoldenBytes("labels", encoded);
  // count 3, then (len, name, len, value) per label.
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x03\x08__", 4));
  std::string_view in = bytes;
  Labels decoded;
  ASSERT_TRUE(DecodeLabels(&in, &decoded));
  EXPECT_TRUE(in.empty());
  ExpectLabels(decoded, {{"__name__", "up"}, {"instance", "host:9100"}, {"zone", "\xc3\xa9"}});
}

// The series record of the series whose block is block_decimal (series id 42).
SeriesRecord GoldenSeriesRecord() {
  SeriesRecord r;
  r.labels = Labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}};
  r.min_time = kT0;
  r.max_time = kT0 + 285'001;
  r.last_value_bits = kBits104_75;
  return r;
}

TEST(Golden, SeriesRecord) {
  const std::string key = GoldenBytes("series_key", SeriesKey(42));
  EXPECT_EQ(key, std::string("\0\0\0\0\0\0\0\x2a", 8));  // uint64 BE
  uint64_t id = 0;
  ASSERT_TRUE(ParseSeriesKey(key, &id));
  EXPECT_EQ(id, 42u);

  const std::string value = GoldenBytes("series_record", EncodeSeriesRecord(GoldenSeriesRecord()));
  SeriesRecord r;
  ASSERT_TRUE(DecodeSeriesRecord(value, &r));
  ExpectLabels(r.labels, {{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}});
  EXPECT_EQ(r.min_time, 1'700'000'000'000);
  EXPECT_EQ(r.max_time, 1'700'000'285'001);
  EXPECT_EQ(r.last_value_bits, 0x405a300000000000u);
}

TEST(Golden, ChunkKeyAndOrderedIntegers) {
  // partition -2 | group of "up" | series 7 | min time -5000: negative values sort before
  // positive ones.
  EXPECT_EQ(MetricGroup(""), 0x811c9dc5u);  // FNV-1a's offset basis
  EXPECT_EQ(MetricGroup("up"), 0x43430b20u);
  const std::string key = GoldenBytes("chunk_key", ChunkKey(-2, MetricGroup("up"), 7, -5'000));
  ASSERT_EQ(key.size(), kChunkKeyBytes);
  EXPECT_EQ(key.substr(0, 4), std::string("\x7f\xff\xff\xfe", 4));  // -2 with the sign bit flipped
  EXPECT_EQ(key.substr(4, 4), std::string("\x43\x43\x0b\x20", 4));  // the group, big-endian
  ChunkKeyParts parts;
  ASSERT_TRUE(ParseChunkKey(key, &parts));
  EXPECT_EQ(parts.partition, -2);
  EXPECT_EQ(parts.group, MetricGroup("up"));
  EXPECT_EQ(parts.series_id, 7u);
  EXPECT_EQ(parts.min_time, -5'000);
  EXPECT_EQ(key.substr(0, kChunkKeyPrefixBytes), ChunkKeyPrefix(-2, MetricGroup("up"), 7));
  EXPECT_FALSE(ParseChunkKeyV1(key, &parts));

  // Format version 1's key of the same block, which an upgrade reads.
  const std::string v1 = GoldenBytes("chunk_key_v1");
  ASSERT_TRUE(ParseChunkKeyV1(v1, &parts));
  EXPECT_EQ(parts.partition, -2);
  EXPECT_EQ(parts.series_id, 7u);
  EXPECT_EQ(parts.min_time, -5'000);
  EXPECT_FALSE(ParseChunkKey(v1, &parts));
  // meta/dropped_below_partition and meta/compacted_below_partition hold this encoding.
  EXPECT_EQ(DecodeOrderedInt32("\x80\x00\x00\x00"), 0);
  EXPECT_EQ(DecodeOrderedInt32("\x00\x00\x00\x00"), INT32_MIN);
  EXPECT_EQ(EncodeOrderedInt32(236'111), std::string("\x80\x03\x9a\x4f", 4));
}

// The fixed parameters in the default column family: what a new directory records, and that a
// directory with the golden values opens with the stored partition width, whatever the options say.
TEST(Golden, DirectoryMetadata) {
  TempDir created;
  Options options = TestOptions();
  options.partition_duration_ms = 3'600'000;
  { auto engine = std::move(Engine::Open(options, created.path())).value(); }
  std::string version, duration;
  {
    std::vector<std::string> names;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = testing::OpenRaw(created.path(), &names, &handles);
    ASSERT_NE(db, nullptr);
    auto* meta = testing::Handle(names, handles, "default");
    EXPECT_TRUE(db->Get({}, meta, kMetaFormatVersion, &version).ok());
    EXPECT_TRUE(db->Get({}, meta, kMetaPartitionDuration, &duration).ok());
    testing::CloseRaw(db, handles);
  }
  const std::string golden_version = GoldenBytes("meta_format_version", version);
  const std::string golden_duration = GoldenBytes("meta_partition_duration", duration);
  EXPECT_EQ(golden_version, std::string("\x02\0\0\0", 4));  // uint32 LE
  ASSERT_EQ(golden_duration.size(), 8u);
  EXPECT_EQ(util::DecodeFixed64(golden_duration.data()), 3'600'000u);  // uint64 LE

  TempDir dir;
  { auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value(); }
  {
    std::vector<std::string> names;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = testing::OpenRaw(dir.path(), &names, &handles);
    ASSERT_NE(db, nullptr);
    auto* meta = testing::Handle(names, handles, "default");
    EXPECT_TRUE(db->Put({}, meta, kMetaFormatVersion, golden_version).ok());
    EXPECT_TRUE(db->Put({}, meta, kMetaPartitionDuration, golden_duration).ok());
    testing::CloseRaw(db, handles);
  }
  auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();  // 2-hour default
  auto app = engine->NewAppender();
  app->Add(Labels{{"__name__", "up"}}, kT0, 1);
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(engine->Flush().ok());
  auto partitions = engine->Partitions();
  ASSERT_TRUE(partitions.ok());
  ASSERT_EQ(partitions->size(), 1u);
  EXPECT_EQ((*partitions)[0].end_ms - (*partitions)[0].start_ms, 3'600'000);
  EXPECT_EQ((*partitions)[0].start_ms, 1'699'999'200'000);  // kT0 rounded down to the hour
}

// --- stored blocks ---

TEST(Golden, StoredBlockDecimal) {
  std::vector<Sample> samples;
  for (int i = 0; i < 20; ++i)
    samples.push_back({1'700'000'000'000 + i * 15'000 + (i % 3), 100 + i * 0.25});
  samples[7].value = StaleMarker();
  const std::string bytes = GoldenBytes("block_decimal", EncodeBlock(42, samples));

  BlockHeader h;
  std::vector<Sample> got;
  ASSERT_TRUE(DecodeBlock(bytes, &h, &got).ok());
  EXPECT_EQ(h.series_id, 42u);
  EXPECT_EQ(h.min_time, 1'700'000'000'000);
  EXPECT_EQ(h.max_time, 1'700'000'285'001);
  EXPECT_EQ(h.count, 20u);
  EXPECT_EQ(h.timestamp_encoding, TimestampEncoding::kDeltaOfDelta);
  EXPECT_EQ(h.value_encoding, ValueEncoding::kDecimal);
  ASSERT_EQ(got.size(), 20u);
  EXPECT_EQ(got[0].timestamp_ms, 1'700'000'000'000);
  EXPECT_EQ(got[1].timestamp_ms, 1'700'000'015'001);
  EXPECT_EQ(got[2].timestamp_ms, 1'700'000'030'002);
  EXPECT_EQ(got[19].timestamp_ms, 1'700'000'285'001);
  EXPECT_EQ(Bits(got[0].value), Bits(100.0));
  EXPECT_EQ(Bits(got[7].value), kStaleMarkerBits);
  EXPECT_EQ(Bits(got[19].value), kBits104_75);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(got[i].timestamp_ms, kT0 + i * 15'000 + (i % 3)) << i;
    if (i != 7) {
      EXPECT_EQ(Bits(got[i].value), Bits(100 + i * 0.25)) << i;
    }
  }

  auto header = DecodeBlockHeader(bytes);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->count, 20u);
  EXPECT_EQ(header->max_time, 1'700'000'285'001);
}

TEST(Golden, StoredBlockXor) {
  std::vector<Sample> samples;
  for (int i = 0; i < 10; ++i) samples.push_back({-5'000 + i * 1'000, 1.0 / (i + 3)});
  const std::string bytes = GoldenBytes("block_xor", EncodeBlock(7, samples));

  BlockHeader h;
  std::vector<Sample> got;
  ASSERT_TRUE(DecodeBlock(bytes, &h, &got).ok());
  EXPECT_EQ(h.series_id, 7u);
  EXPECT_EQ(h.min_time, -5'000);
  EXPECT_EQ(h.max_time, 4'000);
  EXPECT_EQ(h.count, 10u);
  EXPECT_EQ(h.value_encoding, ValueEncoding::kXor);
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(Bits(got[0].value), 0x3fd5555555555555u);  // 1/3
  EXPECT_EQ(Bits(got[9].value), 0x3fb5555555555555u);  // 1/12
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(got[i].timestamp_ms, -5'000 + i * 1'000) << i;
    EXPECT_EQ(Bits(got[i].value), Bits(1.0 / (i + 3))) << i;
  }
}

// --- the write-ahead log ---

struct LoggedRecord {
  WalRecordType type;
  std::string payload;
};

// Every record of a log file holding `bytes`, through the real reader.
std::vector<LoggedRecord> ReplayBytes(std::string_view bytes, WalReplayResult* result = nullptr) {
  TempDir dir;
  const std::string path = dir.path() + "/0000000000000001.log";
  testing::WriteFile(path, bytes);
  std::vector<LoggedRecord> out;
  auto replayed = ReplayWalFile(path, [&](WalRecordType type, std::string_view payload) {
    out.push_back({type, std::string(payload)});
    return Status::OK();
  });
  EXPECT_TRUE(replayed.ok()) << replayed.status().ToString();
  if (replayed.ok() && result) *result = *replayed;
  return out;
}

TEST(Golden, LogRecordFraming) {
  TempDir dir;
  {
    auto w = WalWriter::Open(dir.path(), 1, SyncPolicy::kNone, 1);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(WalRecordType::kCommit, "payload-1").ok());
    ASSERT_TRUE((*w)->Append(WalRecordType::kDelete, std::string("\x00\x01\x02", 3)).ok());
  }
  const std::string bytes =
      GoldenBytes("wal_records", testing::ReadFile(WalFilePath(dir.path(), 1)));
  // crc32c <u32 LE> of type and payload | length <u32 LE> | type <u8> | payload
  ASSERT_EQ(bytes.size(), 2 * kWalRecordHeaderBytes + 9 + 3);
  EXPECT_EQ(util::DecodeFixed32(bytes.data() + 4), 9u);
  EXPECT_EQ(bytes[8], 1);
  EXPECT_EQ(bytes.substr(9, 9), "payload-1");
  EXPECT_EQ(util::DecodeFixed32(bytes.data() + 18 + 4), 3u);
  EXPECT_EQ(bytes[18 + 8], 2);

  WalReplayResult result;
  const auto records = ReplayBytes(bytes, &result);
  EXPECT_EQ(result.records, 2u);
  EXPECT_EQ(result.bytes_dropped, 0u);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].type, WalRecordType::kCommit);
  EXPECT_EQ(records[0].payload, "payload-1");
  EXPECT_EQ(records[1].type, WalRecordType::kDelete);
  EXPECT_EQ(records[1].payload, std::string("\x00\x01\x02", 3));
}

// A commit record payload, read exactly as docs/format/wal.md draws it (the engine's own reader
// is DbEngine::ReplayCommitRecord, exercised through Engine::Open below).
struct LoggedSeries {
  uint64_t id;
  Labels labels;
};
struct LoggedSample {
  uint64_t id;
  int64_t t_delta;
  uint64_t bits;
};
struct CommitRecord {
  std::vector<LoggedSeries> series;
  std::vector<LoggedSample> samples;
};
bool ReadCommitRecord(std::string_view in, CommitRecord* r) {
  uint64_t n;
  if (!util::GetVarint64(&in, &n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    LoggedSeries s;
    if (!util::GetVarint64(&in, &s.id) || !DecodeLabels(&in, &s.labels)) return false;
    r->series.push_back(std::move(s));
  }
  if (!util::GetVarint64(&in, &n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    LoggedSample s;
    if (!util::GetVarint64(&in, &s.id) || !util::GetVarintSigned64(&in, &s.t_delta) ||
        !util::GetFixed64(&in, &s.bits)) {
      return false;
    }
    r->samples.push_back(s);
  }
  return in.empty();
}

void ExpectSample(const LoggedSample& s, uint64_t id, int64_t t_delta, uint64_t bits) {
  EXPECT_EQ(s.id, id);
  EXPECT_EQ(s.t_delta, t_delta);
  EXPECT_EQ(s.bits, bits);
}

// What a fresh engine writes to its log for two commits and a delete.
std::string EngineLog() {
  TempDir dir;
  {
    auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
    const Labels up{{"__name__", "up"}, {"job", "api"}};
    const Labels temp{{"__name__", "temp"}, {"room", "a"}};
    auto app = engine->NewAppender();
    app->Add(up, kT0, 1);
    app->Add(temp, kT0 + 10'000, 21.5);
    app->Add(up, kT0 + 15'000, StaleMarker());
    app->Add(temp, kT0 + 12'000, 22.25);
    EXPECT_TRUE(app->Commit().ok());
    app->Add(up, kT0 + 30'000, 2);
    EXPECT_TRUE(app->Commit().ok());
    auto deleted =
        engine->DeleteSeries({LabelMatcher::Equal("__name__", "temp")}, kT0 + 11'000, kT0 + 13'000);
    EXPECT_TRUE(deleted.ok() && *deleted == 1);
  }
  return testing::ReadFile(WalFilePath(dir.path() + "/wal", 1));
}

TEST(Golden, CommitAndDeleteRecords) {
  const std::string bytes = GoldenBytes("wal_commit_delete", EngineLog());
  const auto records = ReplayBytes(bytes);
  ASSERT_EQ(records.size(), 3u);

  ASSERT_EQ(records[0].type, WalRecordType::kCommit);
  CommitRecord first;
  ASSERT_TRUE(ReadCommitRecord(records[0].payload, &first));
  ASSERT_EQ(first.series.size(), 2u);
  EXPECT_EQ(first.series[0].id, 1u);
  ExpectLabels(first.series[0].labels, {{"__name__", "up"}, {"job", "api"}});
  EXPECT_EQ(first.series[1].id, 2u);
  ExpectLabels(first.series[1].labels, {{"__name__", "temp"}, {"room", "a"}});
  ASSERT_EQ(first.samples.size(), 4u);
  ExpectSample(first.samples[0], 1, 1'700'000'000'000, 0x3ff0000000000000);  // 1.0
  ExpectSample(first.samples[1], 2, 10'000, 0x4035800000000000);             // 21.5
  ExpectSample(first.samples[2], 1, 5'000, 0x7ff0000000000002);              // stale marker
  ExpectSample(first.samples[3], 2, -3'000, 0x4036400000000000);             // 22.25

  ASSERT_EQ(records[1].type, WalRecordType::kCommit);
  CommitRecord second;
  ASSERT_TRUE(ReadCommitRecord(records[1].payload, &second));
  EXPECT_TRUE(second.series.empty());  // defined by the first record
  ASSERT_EQ(second.samples.size(), 1u);
  ExpectSample(second.samples[0], 1, 1'700'000'030'000, 0x4000000000000000);  // 2.0

  ASSERT_EQ(records[2].type, WalRecordType::kDelete);
  std::string_view del = records[2].payload;
  int64_t mint, maxt;
  uint64_t n, id;
  ASSERT_TRUE(util::GetVarintSigned64(&del, &mint) && util::GetVarintSigned64(&del, &maxt) &&
              util::GetVarint64(&del, &n) && util::GetVarint64(&del, &id));
  EXPECT_EQ(mint, 1'700'000'011'000);
  EXPECT_EQ(maxt, 1'700'000'013'000);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(id, 2u);
  EXPECT_TRUE(del.empty());
}

// The real path: an engine opened on a directory whose log is the golden file replays it.
TEST(Golden, EngineReplaysGoldenLog) {
  const std::string bytes = GoldenBytes("wal_commit_delete");
  TempDir dir;
  testing::WriteFile(WalFilePath(dir.path() + "/wal", 1), bytes);
  auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
  EXPECT_EQ(engine->recovery().wal_files_replayed, 1u);
  EXPECT_EQ(engine->recovery().wal_records_replayed, 3u);
  EXPECT_EQ(engine->recovery().wal_bytes_dropped, 0u);
  auto all = ReadAll(*engine, {LabelMatcher::Regex("__name__", ".+")});
  ASSERT_EQ(all.size(), 2u);
  const auto& up = all[Labels{{"__name__", "up"}, {"job", "api"}}.ToString()];
  ASSERT_EQ(up.size(), 3u);
  EXPECT_EQ(up[0].timestamp_ms, 1'700'000'000'000);
  EXPECT_EQ(up[0].value, 1.0);
  EXPECT_EQ(up[1].timestamp_ms, 1'700'000'015'000);
  EXPECT_EQ(Bits(up[1].value), kStaleMarkerBits);
  EXPECT_EQ(up[2].timestamp_ms, 1'700'000'030'000);
  EXPECT_EQ(up[2].value, 2.0);
  const auto& temp = all[Labels{{"__name__", "temp"}, {"room", "a"}}.ToString()];
  ASSERT_EQ(temp.size(), 1u);  // 22.25 at +12 s was deleted by the delete record
  EXPECT_EQ(temp[0].timestamp_ms, 1'700'000'010'000);
  EXPECT_EQ(temp[0].value, 21.5);
}

// --- exemplars and metric metadata ---

TEST(Golden, ExemplarRecord) {
  Exemplar e;
  e.labels =
      Labels{{"span_id", "00f067aa0ba902b7"}, {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}};
  e.value = 0.125;
  e.timestamp_ms = kT0 + 15'001;
  const std::string key = GoldenBytes("exemplar_key", ExemplarKey(236'111, 42, e.timestamp_ms));
  ASSERT_EQ(key.size(), 20u);
  EXPECT_EQ(DecodeOrderedInt32(key.data()), 236'111);
  EXPECT_EQ(util::DecodeBigEndian64(key.data() + 4), 42u);
  EXPECT_EQ(util::DecodeOrderedInt64(key.data() + 12), 1'700'000'015'001);

  const std::string value = GoldenBytes("exemplar_value", EncodeExemplarValue(e));
  Exemplar got;
  ASSERT_TRUE(DecodeExemplarValue(value, &got));
  ExpectLabels(got.labels,
               {{"span_id", "00f067aa0ba902b7"}, {"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}});
  EXPECT_EQ(Bits(got.value), 0x3fc0000000000000u);  // 0.125
}

TEST(Golden, MetricMetadataRecord) {
  const MetricMetadata m{"histogram", "Request latency.", "seconds"};
  const std::string value = GoldenBytes("metric_metadata", EncodeMetricMetadata(m));
  EXPECT_EQ(value.substr(0, 10), "\x09histogram");
  MetricMetadata got;
  ASSERT_TRUE(DecodeMetricMetadata(value, &got));
  EXPECT_EQ(got.type, "histogram");
  EXPECT_EQ(got.help, "Request latency.");
  EXPECT_EQ(got.unit, "seconds");
}

// The real path for RocksDB values: golden series record, block, exemplar and metadata put into
// an engine's column families are read back through the public API.
TEST(Golden, EngineReadsGoldenColumnFamilies) {
  TempDir dir;
  { auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value(); }
  {
    testing::RawDb raw(dir.path());
    ASSERT_TRUE(raw.ok());
    // Partition 236111 of the default 2-hour partitions holds kT0.
    raw.Put(kSeriesColumnFamily, GoldenBytes("series_key"), GoldenBytes("series_record"));
    raw.Put(kChunksColumnFamily, ChunkKey(236'111, MetricGroup("http_requests_total"), 42, kT0),
            GoldenBytes("block_decimal"));
    raw.Put(kExemplarsColumnFamily, GoldenBytes("exemplar_key"), GoldenBytes("exemplar_value"));
    raw.Put("default", std::string(kMetadataKeyPrefix) + "http_requests_total",
            GoldenBytes("metric_metadata"));
  }
  auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
  const Labels series{{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}};
  auto all = ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
  ASSERT_EQ(all.size(), 1u);
  const auto& samples = all[series.ToString()];
  ASSERT_EQ(samples.size(), 20u);
  EXPECT_EQ(samples[19].timestamp_ms, 1'700'000'285'001);
  EXPECT_EQ(Bits(samples[7].value), kStaleMarkerBits);
  EXPECT_EQ(samples[19].value, 104.75);

  auto exemplars = engine->SelectExemplars({LabelMatcher::Equal("job", "api")}, kT0, kT0 + 60'000);
  ASSERT_TRUE(exemplars.ok()) << exemplars.status().ToString();
  ASSERT_EQ(exemplars->size(), 1u);
  EXPECT_EQ((*exemplars)[0].series, series);
  ASSERT_EQ((*exemplars)[0].exemplars.size(), 1u);
  EXPECT_EQ((*exemplars)[0].exemplars[0].timestamp_ms, 1'700'000'015'001);
  EXPECT_EQ((*exemplars)[0].exemplars[0].value, 0.125);
  EXPECT_EQ((*exemplars)[0].exemplars[0].labels.Get("span_id"), "00f067aa0ba902b7");

  auto metadata = engine->GetMetricMetadata("http_requests_total", 0);
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  ASSERT_EQ(metadata->size(), 1u);
  EXPECT_EQ((*metadata)[0].second, (MetricMetadata{"histogram", "Request latency.", "seconds"}));

  // A later sample of the golden series at the stored maximum time with the same value bits is a
  // duplicate: the record's max_time and last_value_bits are read as such.
  auto app = engine->NewAppender();
  app->Add(series, kT0 + 285'001, 104.75);
  auto report = app->Commit();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->rejected, 0u);
  app->Add(series, kT0 + 285'001, 1.0);
  report = app->Commit();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->rejected_by_reason[static_cast<int>(RejectReason::kDuplicateTimestamp)], 1u);
}

// A directory of format version 1 (blocks keyed by partition and series id) opens: its keys are
// rewritten in version 2's layout once, its golden block reads back through the public API, and
// the directory records version 2.
TEST(Golden, FormatVersion1DirectoryIsUpgraded) {
  TempDir dir;
  { auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value(); }
  auto v1_key = [](int32_t partition, uint64_t id, int64_t min_time) {
    std::string key = EncodeOrderedInt32(partition);
    util::PutBigEndian64(&key, id);
    util::PutOrderedInt64(&key, min_time);
    return key;
  };
  EXPECT_EQ(v1_key(-2, 7, -5'000), GoldenBytes("chunk_key_v1"));
  {
    testing::RawDb raw(dir.path());
    ASSERT_TRUE(raw.ok());
    auto put = [&](const char* cf, const std::string& key, const std::string& value) {
      raw.Put(cf, key, value);
    };
    put("default", kMetaFormatVersion, std::string("\x01\0\0\0", 4));
    put(kSeriesColumnFamily, GoldenBytes("series_key"), GoldenBytes("series_record"));
    put(kChunksColumnFamily, v1_key(236'111, 42, kT0), GoldenBytes("block_decimal"));
    // A block no series record names: unreadable before and after, but not lost.
    put(kChunksColumnFamily, v1_key(236'111, 99, kT0), GoldenBytes("block_xor"));
    // One an upgrade that a crash cut short rewrote already: left as it is.
    put(kChunksColumnFamily, ChunkKey(236'111, MetricGroup(""), 98, kT0), GoldenBytes("block_xor"));
  }
  for (int open = 0; open < 2; ++open) {
    auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
    const auto& messages = engine->recovery().messages;
    const bool upgraded = std::any_of(messages.begin(), messages.end(), [](const std::string& m) {
      return m.find("upgraded the data directory from format version 1") != std::string::npos;
    });
    EXPECT_EQ(upgraded, open == 0);
    auto all = ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
    ASSERT_EQ(all.size(), 1u);
    const auto& samples =
        all[Labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}}
                .ToString()];
    ASSERT_EQ(samples.size(), 20u);
    EXPECT_EQ(samples[19].timestamp_ms, 1'700'000'285'001);
    EXPECT_EQ(samples[19].value, 104.75);
  }
  std::string version;
  std::vector<std::string> keys;
  {
    testing::RawDb raw(dir.path());
    ASSERT_TRUE(raw.ok());
    EXPECT_TRUE(raw.db()->Get({}, raw.cf("default"), kMetaFormatVersion, &version).ok());
    std::unique_ptr<rocksdb::Iterator> it(raw.db()->NewIterator({}, raw.cf(kChunksColumnFamily)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
  }
  EXPECT_EQ(version, GoldenBytes("meta_format_version"));
  ASSERT_EQ(keys.size(), 3u);
  std::vector<std::string> want = {ChunkKey(236'111, MetricGroup("http_requests_total"), 42, kT0),
                                   ChunkKey(236'111, MetricGroup(""), 98, kT0),
                                   ChunkKey(236'111, MetricGroup(""), 99, kT0)};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(keys, want);
}

}  // namespace
}  // namespace tidemark::storage
