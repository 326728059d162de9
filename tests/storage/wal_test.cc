#include "storage/wal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "storage/label_codec.h"
#include "tests/storage/test_util.h"
#include "tidemark/engine.h"
#include "util/coding.h"

namespace tidemark::storage {
namespace {

using tidemark::testing::TempDir;

std::vector<std::string> ReplayAll(const std::string& path, WalReplayResult* result) {
  std::vector<std::string> records;
  auto r = ReplayWalFile(path, [&](WalRecordType type, std::string_view payload) {
    EXPECT_EQ(type, WalRecordType::kCommit);
    records.emplace_back(payload);
    return Status::OK();
  });
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) *result = *r;
  return records;
}

void WriteRecords(const std::string& dir, SyncPolicy policy, int n) {
  auto w = WalWriter::Open(dir, 1, policy, 2);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (int i = 0; i < n; ++i) {
    auto lsn = (*w)->Append(WalRecordType::kCommit,
                            "record-" + std::to_string(i) + std::string(i * 10, 'x'));
    ASSERT_TRUE(lsn.ok());
    ASSERT_TRUE((*w)->WaitDurable(*lsn).ok());
  }
}

TEST(Wal, ReplaysEveryRecordInOrderUnderEachPolicy) {
  for (SyncPolicy policy :
       {SyncPolicy::kEveryCommit, SyncPolicy::kGroupCommit, SyncPolicy::kNone}) {
    TempDir dir;
    WriteRecords(dir.path(), policy, 20);
    WalReplayResult result;
    auto records = ReplayAll(WalFilePath(dir.path(), 1), &result);
    ASSERT_EQ(records.size(), 20u);
    for (int i = 0; i < 20; ++i)
      EXPECT_EQ(records[i], "record-" + std::to_string(i) + std::string(i * 10, 'x'));
    EXPECT_EQ(result.bytes_dropped, 0u);
  }
}

TEST(Wal, TornTailIsDroppedAndReported) {
  TempDir dir;
  WriteRecords(dir.path(), SyncPolicy::kNone, 5);
  const std::string path = WalFilePath(dir.path(), 1);
  const auto full = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, full - 7);
  WalReplayResult result;
  auto records = ReplayAll(path, &result);
  EXPECT_EQ(records.size(), 4u);
  EXPECT_GT(result.bytes_dropped, 0u);
  EXPECT_FALSE(result.tail_problem.empty());
}

TEST(Wal, FlippedByteStopsReplayAtThatRecord) {
  TempDir dir;
  WriteRecords(dir.path(), SyncPolicy::kNone, 5);
  const std::string path = WalFilePath(dir.path(), 1);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  // Record 0 is 9 + 8 bytes; damage a payload byte of record 1.
  f.seekp(9 + 8 + 9 + 2);
  f.put('Z');
  f.close();
  WalReplayResult result;
  auto records = ReplayAll(path, &result);
  EXPECT_EQ(records.size(), 1u);
  EXPECT_NE(result.tail_problem.find("checksum"), std::string::npos);
}

TEST(Wal, RotateAndRemoveKeepOnlyNewFiles) {
  TempDir dir;
  auto w = WalWriter::Open(dir.path(), 1, SyncPolicy::kGroupCommit, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(WalRecordType::kCommit, "a").ok());
  auto closed = (*w)->Rotate();
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(*closed, 1u);
  auto lsn = (*w)->Append(WalRecordType::kCommit, "b");
  ASSERT_TRUE(lsn.ok());
  ASSERT_TRUE((*w)->WaitDurable(*lsn).ok());
  ASSERT_TRUE((*w)->RemoveFilesUpTo(*closed).ok());
  auto files = ListWalFiles(dir.path());
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, std::vector<uint64_t>{2});
}

// Opens a fresh data directory whose sample log holds one record of `type` with `payload`.
Status OpenWithLogRecord(WalRecordType type, const std::string& payload) {
  TempDir dir;
  const std::string log_dir = dir.path() + "/wal";
  std::filesystem::create_directories(log_dir);
  {
    auto w = WalWriter::Open(log_dir, 1, SyncPolicy::kNone, 1);
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE((*w)->Append(type, payload).ok());
  }
  return Engine::Open(tidemark::testing::TestOptions(), dir.path()).status();
}

// Found with tests/fuzz/wal_fuzzer.cc: a delete record claiming 2^40 series ids made replay
// allocate 8 TiB (an abort) before reading any of them.
TEST(WalReplay, DeleteRecordCountPastItsBytesIsCorruption) {
  std::string payload;
  util::PutVarintSigned64(&payload, 0);
  util::PutVarintSigned64(&payload, 10);
  util::PutVarint64(&payload, uint64_t{1} << 40);
  util::PutVarint64(&payload, 1);
  Status s = OpenWithLogRecord(WalRecordType::kDelete, payload);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("ids in"), std::string::npos) << s.ToString();
}

// Found with tests/fuzz/wal_fuzzer.cc: timestamp deltas summing past INT64_MAX overflowed a
// signed integer (undefined behaviour) during replay.
TEST(WalReplay, CommitRecordTimestampOverflowIsCorruption) {
  std::string payload;
  util::PutVarint64(&payload, 1);  // one series definition
  util::PutVarint64(&payload, 1);
  EncodeLabels(Labels{{"__name__", "up"}}, &payload);
  util::PutVarint64(&payload, 2);  // two samples
  for (int64_t dt : {std::numeric_limits<int64_t>::max(), int64_t{10}}) {
    util::PutVarint64(&payload, 1);
    util::PutVarintSigned64(&payload, dt);
    util::PutFixed64(&payload, 0);
  }
  Status s = OpenWithLogRecord(WalRecordType::kCommit, payload);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("overflows"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace tidemark::storage
