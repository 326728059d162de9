#include "tidemark/engine.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::Bits;
using testing::ReadAll;
using testing::TempDir;
using testing::TestOptions;

const Labels kUp{{"__name__", "up"}, {"job", "api"}};
const Labels kUpWeb{{"__name__", "up"}, {"job", "web"}};

std::unique_ptr<Engine> OpenOrDie(const std::string& dir, Options o = TestOptions()) {
  auto e = Engine::Open(o, dir);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

// 400 series of `load` with 500 samples each, a commit per sample time: about 2 MiB of log.
bool AppendLoad(Engine& engine) {
  std::vector<Labels> series;
  for (int i = 0; i < 400; ++i) {
    series.push_back(Labels{{"__name__", "load"}, {"i", std::to_string(i)}});
  }
  for (int t = 0; t < 500; ++t) {
    auto app = engine.NewAppender();
    for (const Labels& l : series) app->Add(l, 1000 + t * 1000LL, t * 0.37);
    auto result = app->Commit();
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return false;
  }
  return true;
}

TEST(Engine, CommitThenSelectReturnsSamples) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  auto app = engine->NewAppender();
  for (int i = 0; i < 10; ++i) {
    EXPECT_NE(app->Add(kUp, 1000 * i, i), 0u);
    EXPECT_NE(app->Add(kUpWeb, 1000 * i, -i), 0u);
  }
  auto report = app->Commit();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->accepted, 20u);
  EXPECT_EQ(report->rejected, 0u);

  auto all = ReadAll(*engine, {LabelMatcher::Equal("__name__", "up")});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all["up{job=\"api\"}"].size(), 10u);
  EXPECT_EQ(all["up{job=\"web\"}"][9].value, -9);

  auto range = ReadAll(*engine, {LabelMatcher::Equal("job", "api")}, 3000, 5000);
  ASSERT_EQ(range["up{job=\"api\"}"].size(), 3u);
  EXPECT_EQ(range["up{job=\"api\"}"][0].timestamp_ms, 3000);
}

// Bytes the files under `dir` take on disk (allocated blocks, not their apparent sizes).
uint64_t AllocatedBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st;
    if (entry.is_regular_file() && ::stat(entry.path().c_str(), &st) == 0) {
      bytes += static_cast<uint64_t>(st.st_blocks) * 512;
    }
  }
  return bytes;
}

// Options::preallocate_files false: no disk reserved ahead of what the engine writes (RocksDB
// would reserve about 73 MB for its log), as a server opens its tenants' engines.
TEST(Engine, WithoutPreallocationAnEngineTakesTheDiskItWrites) {
  uint64_t allocated[2] = {0, 0};
  for (const bool preallocate : {true, false}) {
    TempDir dir;
    Options o = TestOptions();
    o.preallocate_files = preallocate;
    auto engine = OpenOrDie(dir.path(), o);
    ASSERT_NE(engine, nullptr);
    auto app = engine->NewAppender();
    app->Add(kUp, 1000, 1);
    ASSERT_TRUE(app->Commit().ok());
    allocated[preallocate] = AllocatedBytes(dir.path());
  }
  if (allocated[1] < (32u << 20)) {
    GTEST_SKIP() << "this file system reserves no space ahead (" << allocated[1] << " bytes)";
  }
  EXPECT_LT(allocated[0], 8u << 20) << "preallocating: " << allocated[1] << " bytes";
}

// CommitUnsynced (what rules write through): visible at once, validated like Commit, and in the
// log like any commit, so a clean restart keeps it, in every sync policy.
TEST(Engine, UnsyncedCommitIsVisibleAtOnceAndLoggedLikeAnyOther) {
  for (SyncPolicy policy :
       {SyncPolicy::kEveryCommit, SyncPolicy::kGroupCommit, SyncPolicy::kNone}) {
    TempDir dir;
    Options o = TestOptions();
    o.sync_policy = policy;
    {
      auto engine = OpenOrDie(dir.path(), o);
      auto app = engine->NewAppender();
      app->Add(kUp, 1000, 1);
      app->Add(kUp, 2000, 2);
      auto report = app->CommitUnsynced();
      ASSERT_TRUE(report.ok());
      EXPECT_EQ(report->accepted, 2u);
      EXPECT_EQ(ReadAll(*engine, {LabelMatcher::Equal("job", "api")})["up{job=\"api\"}"].size(),
                2u);
      app->Add(kUp, 1500, 9);  // out of order: refused as by Commit
      report = app->CommitUnsynced();
      ASSERT_TRUE(report.ok());
      EXPECT_EQ(report->rejected, 1u);
    }
    auto reopened = OpenOrDie(dir.path(), o);
    auto all = ReadAll(*reopened, {LabelMatcher::Equal("job", "api")});
    ASSERT_EQ(all["up{job=\"api\"}"].size(), 2u) << static_cast<int>(policy);
    EXPECT_EQ(all["up{job=\"api\"}"][1].value, 2);
  }
}

// Unsynced commits do not each start a sync: they are synced with the next commit that waits,
// or once the oldest has waited Options::unsynced_commit_delay_ms.
TEST(Engine, UnsyncedCommitsShareASyncWithinTheirDelay) {
  for (SyncPolicy policy : {SyncPolicy::kEveryCommit, SyncPolicy::kGroupCommit}) {
    TempDir dir;
    Options o = TestOptions();
    o.sync_policy = policy;
    o.unsynced_commit_delay_ms = 60'000;
    auto engine = OpenOrDie(dir.path(), o);
    ASSERT_NE(engine, nullptr);
    const uint64_t syncs = engine->Stats().wal_syncs;
    auto app = engine->NewAppender();
    for (int i = 0; i < 50; ++i) {
      app->Add(kUp, 1000 * (i + 1), i);
      ASSERT_TRUE(app->CommitUnsynced().ok());
    }
    EXPECT_EQ(engine->Stats().wal_syncs, syncs) << static_cast<int>(policy);
    // A commit that waits syncs them all with it, at once.
    app->Add(kUpWeb, 1000, 1);
    ASSERT_TRUE(app->Commit().ok());
    EXPECT_EQ(engine->Stats().wal_syncs, syncs + 1) << static_cast<int>(policy);
  }
  // With a short delay an unsynced commit is synced without anyone waiting.
  TempDir dir;
  Options o = TestOptions();
  o.sync_policy = SyncPolicy::kGroupCommit;
  o.unsynced_commit_delay_ms = 50;
  auto engine = OpenOrDie(dir.path(), o);
  ASSERT_NE(engine, nullptr);
  const uint64_t syncs = engine->Stats().wal_syncs;
  auto app = engine->NewAppender();
  app->Add(kUp, 1000, 1);
  ASSERT_TRUE(app->CommitUnsynced().ok());
  EXPECT_TRUE(testing::Eventually([&] { return engine->Stats().wal_syncs > syncs; }, 5'000, 10));
  o.unsynced_commit_delay_ms = 60'001;
  TempDir other;
  EXPECT_EQ(Engine::Open(o, other.path()).status().code(), StatusCode::kInvalidArgument);
}

// A commit that finds the log at checkpoint_wal_bytes wakes the background worker: the checkpoint
// does not wait for the worker's next pass (an hour away here).
TEST(Engine, AFullLogCheckpointsBeforeTheNextMaintenancePass) {
  TempDir dir;
  Options o = TestOptions();
  o.maintenance_interval_ms = 3'600'000;
  o.checkpoint_interval_ms = 0;
  o.checkpoint_wal_bytes = 1 << 20;
  auto engine = OpenOrDie(dir.path(), o);
  ASSERT_NE(engine, nullptr);
  ASSERT_TRUE(AppendLoad(*engine));
  bool checkpointed = false;
  for (int i = 0; i < 500 && !checkpointed; ++i) {  // at most 10 s
    checkpointed = engine->Stats().checkpoints > 0;
    if (!checkpointed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(checkpointed);
  auto all = ReadAll(*engine, {LabelMatcher::Equal("__name__", "load")});
  ASSERT_EQ(all.size(), 400u);
  EXPECT_EQ(all.begin()->second.size(), 500u);
}

// A checkpoint's blocks go to tables at once, not through RocksDB's log and memtables: the head's
// samples are in our log until then, and a second copy on disk and in memory cost both.
TEST(Engine, ACheckpointWritesTablesNotRocksDbsLog) {
  TempDir dir;
  Options o = TestOptions();
  o.maintenance_interval_ms = 0;
  o.checkpoint_interval_ms = 0;
  o.checkpoint_wal_bytes = 1 << 20;
  {
    auto engine = OpenOrDie(dir.path(), o);
    ASSERT_NE(engine, nullptr);
    ASSERT_TRUE(AppendLoad(*engine));
    ASSERT_TRUE(engine->RunMaintenance().ok());
    const EngineStats st = engine->Stats();
    ASSERT_EQ(st.checkpoints, 1u);
    EXPECT_GT(st.segment_bytes, 30'000u);  // 200,000 samples in tables (none before)
    uint64_t rocksdb_log_bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(dir.path() + "/db")) {
      if (f.path().extension() == ".log") rocksdb_log_bytes += f.file_size();
    }
    EXPECT_LT(rocksdb_log_bytes, st.segment_bytes / 10);
  }
  // Durable without RocksDB's log: everything is there after reopening.
  auto engine = OpenOrDie(dir.path(), o);
  ASSERT_NE(engine, nullptr);
  auto all = ReadAll(*engine, {LabelMatcher::Equal("__name__", "load")});
  ASSERT_EQ(all.size(), 400u);
  for (const auto& [labels, samples] : all) EXPECT_EQ(samples.size(), 500u);
}

// Checkpoints snapshot series a slice at a time while commits go on: with more series than a
// slice, open chunks kept in the head, chunks closed meanwhile and checkpoints during the writes,
// every sample is read back once, before and after reopening.
TEST(Engine, CheckpointsDuringWritesStoreEverySampleOnce) {
  TempDir dir;
  Options o = TestOptions();
  o.checkpoint_interval_ms = 1;  // every maintenance pass checkpoints
  o.samples_per_chunk = 16;      // chunks are closed during the writes too
  constexpr int kSeries = 20'000;
  constexpr int kRounds = 30;
  std::vector<Labels> series;
  for (int i = 0; i < kSeries; ++i) {
    series.push_back(Labels{{"__name__", "busy"}, {"i", std::to_string(i)}});
  }
  // Recent samples, so that the checkpoints keep open chunks in the head.
  const int64_t start = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() -
                        10 * 60 * 1000;
  auto check = [&](Engine& engine) {
    auto all = ReadAll(engine, {LabelMatcher::Equal("__name__", "busy")});
    ASSERT_EQ(all.size(), static_cast<size_t>(kSeries));
    for (const auto& [labels, samples] : all) {
      ASSERT_EQ(samples.size(), static_cast<size_t>(kRounds)) << labels;
      for (int r = 0; r < kRounds; ++r) {
        ASSERT_EQ(samples[r].timestamp_ms, start + r * 15'000) << labels;
        ASSERT_EQ(samples[r].value, r * 1.5) << labels;
      }
    }
  };
  {
    auto engine = OpenOrDie(dir.path(), o);
    ASSERT_NE(engine, nullptr);
    std::atomic<bool> done{false};
    Status write_status;
    std::thread writer([&] {
      for (int r = 0; r < kRounds && write_status.ok(); ++r) {
        for (int from = 0; from < kSeries; from += 5'000) {
          auto app = engine->NewAppender();
          for (int i = from; i < from + 5'000; ++i)
            app->Add(series[i], start + r * 15'000, r * 1.5);
          auto result = app->Commit();
          if (!result.ok()) write_status = result.status();
        }
      }
      done = true;
    });
    int checkpoints = 0;
    for (int i = 0; i < 5'000 && !done; ++i) {  // at most 10 s: the writer ends within one
      // Not ASSERT: the writer must be joined before the test returns.
      const Status s = engine->RunMaintenance();
      if (!s.ok()) {
        ADD_FAILURE() << s.message();
        break;
      }
      ++checkpoints;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    writer.join();
    ASSERT_TRUE(write_status.ok()) << write_status.message();
    const uint64_t during = engine->Stats().checkpoints;
    ASSERT_TRUE(engine->RunMaintenance().ok());
    EXPECT_GE(during, 2u) << checkpoints << " passes";
    check(*engine);
  }
  auto engine = OpenOrDie(dir.path(), o);
  ASSERT_NE(engine, nullptr);
  check(*engine);
}

TEST(Engine, RollbackDiscardsBatch) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  auto app = engine->NewAppender();
  app->Add(kUp, 1, 1);
  app->Rollback();
  auto r = app->Commit();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 0u);
  EXPECT_TRUE(ReadAll(*engine, {LabelMatcher::Equal("job", "api")}).empty());
}

TEST(Engine, ReportsOutOfOrderAndDuplicatesButStoresTheRest) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  auto app = engine->NewAppender();
  app->Add(kUp, 2000, 1);
  ASSERT_TRUE(app->Commit().ok());
  app->Add(kUp, 1000, 5);  // out of order
  app->Add(kUp, 2000, 9);  // duplicate timestamp, different value
  app->Add(kUp, 2000, 1);  // identical: ignored, not an error
  app->Add(kUp, 3000, 3);  // fine
  auto r = app->Commit();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 2u);
  EXPECT_EQ(r->rejected, 2u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(RejectReason::kOutOfOrder)], 1u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(RejectReason::kDuplicateTimestamp)], 1u);
  ASSERT_EQ(r->first_rejections.size(), 2u);
  EXPECT_NE(r->first_rejections[0].find("out_of_order"), std::string::npos);
  EXPECT_NE(r->first_rejections[0].find("up{job=\"api\"}"), std::string::npos);
  auto all = ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
  ASSERT_EQ(all["up{job=\"api\"}"].size(), 2u);
  EXPECT_EQ(all["up{job=\"api\"}"][1].value, 3);
}

TEST(Engine, RefFastPathAndUnknownRef) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  auto app = engine->NewAppender();
  SeriesRef ref = app->Add(kUp, 1, 1);
  ASSERT_NE(ref, 0u);
  EXPECT_EQ(app->Add(ref, 2, 2), ref);
  EXPECT_EQ(app->Add(SeriesRef{987654321}, 3, 3), 0u);
  auto r = app->Commit();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 2u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(RejectReason::kUnknownSeriesRef)], 1u);
}

TEST(Engine, SamplesSurviveRestartFromLogAndFromSegments) {
  TempDir dir;
  {
    auto engine = OpenOrDie(dir.path());
    auto app = engine->NewAppender();
    for (int i = 0; i < 1000; ++i) app->Add(kUp, 15'000LL * i, i * 0.5);
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(engine->Flush().ok());  // first 1000 into segments
    for (int i = 1000; i < 1500; ++i) app->Add(kUp, 15'000LL * i, i * 0.5);
    app->Add(kUp, 15'000LL * 1500, StaleMarker());
    ASSERT_TRUE(app->Commit().ok());  // the rest only in the log
  }
  auto engine = OpenOrDie(dir.path());
  EXPECT_EQ(engine->recovery().samples_replayed, 501u);
  auto all = ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
  const auto& s = all["up{job=\"api\"}"];
  ASSERT_EQ(s.size(), 1501u);
  for (int i = 0; i < 1500; ++i) {
    ASSERT_EQ(s[i].timestamp_ms, 15'000LL * i);
    ASSERT_EQ(s[i].value, i * 0.5);
  }
  EXPECT_TRUE(IsStaleMarker(s[1500].value));
  // Appends continue after the restart; older samples are still refused.
  auto app = engine->NewAppender();
  app->Add(kUp, 15'000LL * 1400, 1);
  app->Add(kUp, 15'000LL * 1600, 1);
  auto r = app->Commit();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(RejectReason::kOutOfOrder)], 1u);
}

TEST(Engine, ReplayAfterFlushDoesNotDuplicate) {
  TempDir dir;
  {
    auto engine = OpenOrDie(dir.path());
    auto app = engine->NewAppender();
    for (int i = 0; i < 300; ++i) app->Add(kUp, 1000LL * i, i);
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(engine->Flush().ok());
    ASSERT_TRUE(engine->Flush().ok());
  }
  for (int round = 0; round < 2; ++round) {
    auto engine = OpenOrDie(dir.path());
    auto all = ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
    ASSERT_EQ(all["up{job=\"api\"}"].size(), 300u);
  }
}

TEST(Engine, DeleteSeriesRemovesRangeInHeadAndSegmentsDurably) {
  TempDir dir;
  {
    auto engine = OpenOrDie(dir.path());
    auto app = engine->NewAppender();
    for (int i = 0; i < 100; ++i) {
      app->Add(kUp, 1000LL * i, i);
      app->Add(kUpWeb, 1000LL * i, i);
    }
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(engine->Flush().ok());
    for (int i = 100; i < 200; ++i) app->Add(kUp, 1000LL * i, i);
    ASSERT_TRUE(app->Commit().ok());
    auto deleted = engine->DeleteSeries({LabelMatcher::Equal("job", "api")}, 50'000, 149'000);
    ASSERT_TRUE(deleted.ok());
    EXPECT_EQ(*deleted, 1u);
    auto deleted_all =
        engine->DeleteSeries({LabelMatcher::Equal("job", "web")}, INT64_MIN, INT64_MAX);
    ASSERT_TRUE(deleted_all.ok());
    auto s = ReadAll(*engine, {LabelMatcher::Equal("__name__", "up")});
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s["up{job=\"api\"}"].size(), 100u);
  }
  auto engine = OpenOrDie(dir.path());
  auto s = ReadAll(*engine, {LabelMatcher::Equal("__name__", "up")});
  ASSERT_EQ(s.size(), 1u);
  const auto& api = s["up{job=\"api\"}"];
  ASSERT_EQ(api.size(), 100u);
  EXPECT_EQ(api[49].timestamp_ms, 49'000);
  EXPECT_EQ(api[50].timestamp_ms, 150'000);
  auto values = engine->LabelValues("job", {}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, std::vector<std::string>{"api"});
}

TEST(Engine, LabelNamesAndValuesRespectMatchersAndTime) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  auto app = engine->NewAppender();
  app->Add(Labels{{"__name__", "a"}, {"x", "1"}}, 1000, 1);
  app->Add(Labels{{"__name__", "b"}, {"y", "2"}}, 5000, 1);
  ASSERT_TRUE(app->Commit().ok());
  auto names = engine->LabelNames({}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "x", "y"}));
  names = engine->LabelNames({LabelMatcher::Equal("__name__", "b")}, INT64_MIN, INT64_MAX);
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "y"}));
  auto values = engine->LabelValues("__name__", {}, 0, 2000);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, std::vector<std::string>{"a"});
}

TEST(Engine, SeriesAreReturnedInLabelOrder) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  auto app = engine->NewAppender();
  for (const char* job : {"zeta", "alpha", "mid"})
    app->Add(Labels{{"__name__", "m"}, {"job", job}}, 1, 1);
  ASSERT_TRUE(app->Commit().ok());
  auto set = engine->Select({LabelMatcher::Equal("__name__", "m")}, 0, 10);
  ASSERT_TRUE(set.ok());
  std::vector<std::string> order;
  while ((*set)->Next()) order.emplace_back((*set)->labels().Get("job"));
  EXPECT_EQ(order, (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST(Engine, SampleIteratorSeek) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  auto app = engine->NewAppender();
  for (int i = 0; i < 10; ++i) app->Add(kUp, 10 * i, i);
  ASSERT_TRUE(app->Commit().ok());
  auto set = engine->Select({LabelMatcher::Equal("job", "api")}, 0, 1000);
  ASSERT_TRUE((*set)->Next());
  auto* it = (*set)->Samples();
  ASSERT_TRUE(it->Seek(35));
  EXPECT_EQ(it->At().timestamp_ms, 40);
  ASSERT_TRUE(it->Seek(0));  // never moves backwards
  EXPECT_EQ(it->At().timestamp_ms, 40);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->At().timestamp_ms, 50);
  EXPECT_FALSE(it->Seek(1000));
}

TEST(Engine, ConcurrentAppendersAndReaders) {
  TempDir dir;
  Options o = TestOptions();
  o.sync_policy = SyncPolicy::kGroupCommit;
  o.samples_per_chunk = 32;
  auto engine = OpenOrDie(dir.path(), o);
  constexpr int kThreads = 4, kSeriesPerThread = 50, kCommits = 40;
  std::vector<std::thread> threads;
  std::atomic<bool> done{false};
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      auto app = engine->NewAppender();
      for (int c = 0; c < kCommits; ++c) {
        for (int s = 0; s < kSeriesPerThread; ++s) {
          app->Add(Labels{{"__name__", "load"}, {"w", std::to_string(w)}, {"s", std::to_string(s)}},
                   1000LL * c, c);
        }
        auto r = app->Commit();
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->accepted, uint64_t{kSeriesPerThread});
      }
    });
  }
  std::thread reader([&] {
    while (!done) {
      auto set = engine->Select({LabelMatcher::Equal("__name__", "load")}, INT64_MIN, INT64_MAX);
      ASSERT_TRUE(set.ok());
      while ((*set)->Next()) {
        auto* it = (*set)->Samples();
        int64_t last = -1;
        while (it->Next()) {
          ASSERT_GT(it->At().timestamp_ms, last);
          last = it->At().timestamp_ms;
        }
        ASSERT_TRUE(it->status().ok());
      }
    }
  });
  std::thread flusher([&] {
    for (int i = 0; i < 5 && !done; ++i) ASSERT_TRUE(engine->Flush().ok());
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  flusher.join();
  auto all = ReadAll(*engine, {LabelMatcher::Equal("__name__", "load")});
  ASSERT_EQ(all.size(), size_t{kThreads * kSeriesPerThread});
  for (const auto& [name, samples] : all) ASSERT_EQ(samples.size(), size_t{kCommits}) << name;
}

TEST(Engine, ConcurrentWritersOfOneSeriesKeepEveryAcceptedSample) {
  // Two appenders race on the same series; whatever each commit accepted must be stored, in
  // order, exactly once (chunk appends happen after the commit lock, so they can arrive reordered).
  TempDir dir;
  Options o = TestOptions();
  o.samples_per_chunk = 16;
  auto engine = OpenOrDie(dir.path(), o);
  std::atomic<uint64_t> accepted{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      auto app = engine->NewAppender();
      for (int i = 0; i < 2000; ++i) {
        const int64_t t = 2 * i + w;
        app->Add(kUp, t, static_cast<double>(t));
        auto r = app->Commit();
        ASSERT_TRUE(r.ok());
        accepted += r->accepted;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto all = ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
  const auto& samples = all["up{job=\"api\"}"];
  EXPECT_EQ(samples.size(), accepted.load());
  for (size_t i = 1; i < samples.size(); ++i)
    ASSERT_LT(samples[i - 1].timestamp_ms, samples[i].timestamp_ms);
  for (const Sample& s : samples) ASSERT_EQ(s.value, static_cast<double>(s.timestamp_ms));
}

TEST(Engine, InvalidOptionsAreRejectedWithTheirName) {
  TempDir dir;
  Options o = TestOptions();
  o.partition_duration_ms = 10;
  auto e = Engine::Open(o, dir.path());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find("partition_duration_ms"), std::string::npos);
}

TEST(Engine, OpenMissingDirectoryWithoutCreateIsNotFound) {
  TempDir dir;
  Options o = TestOptions();
  o.create_if_missing = false;
  auto e = Engine::Open(o, dir.path() + "/nope");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
}

TEST(Engine, SecondOpenOfADirectoryInUseNamesTheHoldersPid) {
  TempDir dir;
  auto first = Engine::Open(TestOptions(), dir.path());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // flock locks belong to an open file description: a second open in this process is refused too.
  auto second = Engine::Open(TestOptions(), dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message(),
            "data directory " + dir.path() + " in use by pid " + std::to_string(::getpid()))
      << second.status().ToString();
  // Closing releases it.
  first->reset();
  auto third = Engine::Open(TestOptions(), dir.path());
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

TEST(Engine, CompactMergesPerCheckpointBlocks) {
  TempDir dir;
  Options o = TestOptions();
  o.partition_duration_ms = 3'600'000;
  {
    auto engine = OpenOrDie(dir.path(), o);
    auto app = engine->NewAppender();
    for (int i = 0; i < 480; ++i) {
      app->Add(kUp, 15'000LL * i, i * 1.5);
      app->Add(kUpWeb, 15'000LL * i, i);
      ASSERT_TRUE(app->Commit().ok());
      if (i % 50 == 49) {
        ASSERT_TRUE(engine->Flush().ok());  // many blocks per partition
      }
    }
    ASSERT_TRUE(engine->Flush().ok());
    auto before = engine->Partitions();
    ASSERT_TRUE(before.ok());
    EXPECT_GT((*before)[0].blocks, 2u);
    ASSERT_TRUE(engine->Compact(INT64_MAX).ok());
    auto after = engine->Partitions();
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after->size(), 2u);
    for (const PartitionInfo& p : *after) {
      EXPECT_EQ(p.blocks, 2u);  // one per series
      EXPECT_EQ(p.samples, 480u);
    }
    EXPECT_EQ(engine->Stats().partitions_compacted, 2u);
  }
  auto engine = OpenOrDie(dir.path(), o);
  auto all = ReadAll(*engine, {LabelMatcher::Equal("__name__", "up")});
  ASSERT_EQ(all["up{job=\"api\"}"].size(), 480u);
  for (int i = 0; i < 480; ++i) {
    ASSERT_EQ(all["up{job=\"api\"}"][i].timestamp_ms, 15'000LL * i);
    ASSERT_EQ(all["up{job=\"api\"}"][i].value, i * 1.5);
  }
}

// A checkpoint stores every sample once, keeps the open chunks of series with recent samples in
// the head (Options::head_keep_recent_ms) and empties it of the rest; reads see each sample once
// wherever it is, also after blocks are merged and after a restart.
TEST(Engine, CheckpointsKeepRecentOpenChunksAndStoreEachSampleOnce) {
  TempDir dir;
  std::atomic<int64_t> now{0};
  Options o = TestOptions();
  o.partition_duration_ms = 3 * 3'600'000;
  o.now_ms = [&now] { return now.load(); };
  int written = 0;
  auto write = [&](Engine* engine, int n) {
    auto app = engine->NewAppender();
    for (int i = 0; i < n; ++i, ++written) {
      app->Add(kUp, 15'000LL * written, written * 1.5);
      now = 15'000LL * written;
    }
    ASSERT_TRUE(app->Commit().ok());
  };
  auto expect_all = [&](Engine* engine, const char* when) {
    auto all = ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
    const auto& s = all["up{job=\"api\"}"];
    ASSERT_EQ(s.size(), static_cast<size_t>(written)) << when;
    for (int i = 0; i < written; ++i) {
      ASSERT_EQ(s[i].timestamp_ms, 15'000LL * i) << when;
      ASSERT_EQ(s[i].value, i * 1.5) << when;
    }
    // A window reaching from stored blocks into the head.
    auto part = ReadAll(*engine, {LabelMatcher::Equal("job", "api")}, 15'000LL * (written - 130),
                        15'000LL * (written - 3));
    EXPECT_EQ(part["up{job=\"api\"}"].size(), static_cast<size_t>(std::min(written, 130) - 2))
        << when;
  };
  auto stored_samples = [](Engine* engine) {
    auto partitions = engine->Partitions();
    EXPECT_TRUE(partitions.ok()) << partitions.status().ToString();
    uint64_t n = 0;
    if (partitions.ok()) {
      for (const PartitionInfo& p : *partitions) n += p.samples;
    }
    return n;
  };
  {
    auto engine = OpenOrDie(dir.path(), o);
    for (int round = 0; round < 6; ++round) {  // 450 samples: chunks cut between checkpoints
      write(engine.get(), 75);
      // Long reads take what the head holds of stored samples from the blocks and decode the
      // kept chunk from its mark on.
      expect_all(engine.get(), "before a checkpoint");
      ASSERT_TRUE(engine->Flush().ok());
      EXPECT_GT(engine->Stats().head_samples, 0u) << "round " << round;
      EXPECT_EQ(stored_samples(engine.get()), static_cast<uint64_t>(written)) << "round " << round;
      expect_all(engine.get(), "after a checkpoint");
    }
    ASSERT_TRUE(engine->Compact(INT64_MAX).ok());
    expect_all(engine.get(), "after compaction");
    write(engine.get(), 10);
    expect_all(engine.get(), "with samples only in the log");
  }
  {
    auto engine = OpenOrDie(dir.path(), o);
    expect_all(engine.get(), "after a restart");
    ASSERT_TRUE(engine->Flush().ok());
    EXPECT_EQ(stored_samples(engine.get()), static_cast<uint64_t>(written));
    // Two hours without a sample: the next checkpoint lets the chunk go.
    now = now.load() + 2 * 3'600'000;
    ASSERT_TRUE(engine->Flush().ok());
    EXPECT_EQ(engine->Stats().head_samples, 0u);
    EXPECT_EQ(stored_samples(engine.get()), static_cast<uint64_t>(written));
    expect_all(engine.get(), "with the head empty");
  }
  // Off: a checkpoint empties the head, as before.
  o.head_keep_recent_ms = 0;
  auto engine = OpenOrDie(dir.path(), o);
  write(engine.get(), 20);
  ASSERT_TRUE(engine->Flush().ok());
  EXPECT_EQ(engine->Stats().head_samples, 0u);
  expect_all(engine.get(), "with keeping off");
}

TEST(Engine, PartitionsDescribeStoredData) {
  TempDir dir;
  Options o = TestOptions();
  o.partition_duration_ms = 3'600'000;
  auto engine = OpenOrDie(dir.path(), o);
  auto app = engine->NewAppender();
  for (int i = 0; i < 480; ++i) app->Add(kUp, 15'000LL * i, i);  // two hours
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(engine->Flush().ok());
  auto parts = engine->Partitions();
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].samples, 240u);
  EXPECT_EQ((*parts)[1].start_ms, 3'600'000);
  EXPECT_EQ((*parts)[1].series, 1u);
}

}  // namespace
}  // namespace tidemark
