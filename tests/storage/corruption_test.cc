// Damaged stored data is reported as Corruption naming the series and time range; other series
// stay readable, and nothing wrong is returned.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <climits>

#include "storage/kv_layout.h"
#include "tests/storage/raw_db.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::Handle;
using testing::OpenRaw;
using testing::ReadAll;
using testing::TempDir;
using testing::TestOptions;

// Flips one byte in the value of every `chunks` entry whose key is for the given series id.
int DamageBlocks(const std::string& dir, uint64_t series_id, size_t offset_from_end) {
  std::vector<std::string> names;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = OpenRaw(dir, &names, &handles);
  rocksdb::ColumnFamilyHandle* chunks = Handle(names, handles, "chunks");
  int damaged = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), chunks));
  std::vector<std::pair<std::string, std::string>> writes;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    storage::ChunkKeyParts parts;
    const bool parsed = storage::ParseChunkKey(it->key().ToStringView(), &parts);
    EXPECT_TRUE(parsed) << it->key().ToString(true);
    if (!parsed || parts.series_id != series_id) continue;
    std::string v = it->value().ToString();
    v[v.size() - 1 - offset_from_end] ^= 0x40;
    writes.emplace_back(it->key().ToString(), v);
  }
  it.reset();
  for (auto& [k, v] : writes) {
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions(), chunks, k, v).ok());
    ++damaged;
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  return damaged;
}

TEST(Corruption, FlippedByteInStoredBlockIsReportedNotReturned) {
  for (size_t offset : {0, 5, 12}) {
    TempDir dir;
    SeriesRef damaged_ref;
    {
      auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
      auto app = engine->NewAppender();
      for (int i = 0; i < 200; ++i) {
        damaged_ref = app->Add(Labels{{"__name__", "m"}, {"s", "bad"}}, 1000LL * i, i * 1.5);
        app->Add(Labels{{"__name__", "m"}, {"s", "good"}}, 1000LL * i, i * 2.5);
      }
      ASSERT_TRUE(app->Commit().ok());
      ASSERT_TRUE(engine->Flush().ok());
    }
    ASSERT_GT(DamageBlocks(dir.path(), damaged_ref, offset), 0);
    auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
    Status status;
    auto all =
        ReadAll(*engine, {LabelMatcher::Equal("__name__", "m")}, INT64_MIN, INT64_MAX, &status);
    EXPECT_EQ(status.code(), StatusCode::kCorruption) << "offset " << offset;
    EXPECT_NE(status.message().find("s=\"bad\""), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("[0,"), std::string::npos) << status.message();
    // Nothing of the damaged block is returned; the other series is whole and right.
    EXPECT_TRUE(all["m{s=\"bad\"}"].empty());
    ASSERT_EQ(all["m{s=\"good\"}"].size(), 200u);
    for (int i = 0; i < 200; ++i) ASSERT_EQ(all["m{s=\"good\"}"][i].value, i * 2.5);
  }
}

TEST(Corruption, DamagedSeriesRecordFailsOpenWithCorruption) {
  TempDir dir;
  {
    auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
    auto app = engine->NewAppender();
    app->Add(Labels{{"__name__", "m"}}, 1, 1);
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(engine->Flush().ok());
  }
  {
    std::vector<std::string> names;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = OpenRaw(dir.path(), &names, &handles);
    rocksdb::ColumnFamilyHandle* series = Handle(names, handles, "series");
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), series));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    const std::string key = it->key().ToString();
    it.reset();
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), series, key, "\x05garbage").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto engine = Engine::Open(TestOptions(), dir.path());
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kCorruption);
  EXPECT_NE(engine.status().message().find("series record"), std::string::npos);
}

TEST(Corruption, DamagedMetadataFailsOpenInsteadOfReadingAsAbsent) {
  // A wrong-sized next segment id read as "absent" would restart segment ids at 1 and overwrite
  // stored segments; every metadata value is checked.
  for (const std::string key : {"meta/span_next_segment_id", "meta/next_series_id",
                                "meta/dropped_below_partition", "meta/span_wal_flushed"}) {
    TempDir dir;
    { auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value(); }
    {
      std::vector<std::string> names;
      std::vector<rocksdb::ColumnFamilyHandle*> handles;
      rocksdb::DB* db = OpenRaw(dir.path(), &names, &handles);
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[0], key, "xyz").ok());
      testing::CloseRaw(db, handles);
    }
    auto engine = Engine::Open(TestOptions(), dir.path());
    ASSERT_FALSE(engine.ok()) << key;
    EXPECT_EQ(engine.status().code(), StatusCode::kCorruption) << key;
    EXPECT_NE(engine.status().message().find(key), std::string::npos) << engine.status().ToString();
  }
}

TEST(Corruption, ReplayOfASampleOfAnUndefinedSeriesIsCorruption) {
  TempDir dir;
  {
    auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
    auto app = engine->NewAppender();
    app->Add(Labels{{"__name__", "m"}}, 1'700'000'000'000, 1);
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(engine->Flush().ok());  // the definition is now in the series column family
    app->Add(Labels{{"__name__", "m"}}, 1'700'000'001'000, 2);
    ASSERT_TRUE(app->Commit().ok());  // a log record that relies on it
  }
  {
    std::vector<std::string> names;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = OpenRaw(dir.path(), &names, &handles);
    rocksdb::ColumnFamilyHandle* series = Handle(names, handles, "series");
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), series));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    const std::string key = it->key().ToString();
    it.reset();
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), series, key).ok());
    testing::CloseRaw(db, handles);
  }
  auto engine = Engine::Open(TestOptions(), dir.path());
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kCorruption);
  EXPECT_NE(engine.status().message().find("defines"), std::string::npos)
      << engine.status().ToString();
}

}  // namespace
}  // namespace tidemark
