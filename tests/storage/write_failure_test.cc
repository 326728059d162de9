// Writes that fail in the middle (a full disk, a file size limit): the commit fails with a
// retryable Unavailable, nothing of it becomes visible, and writes go on by themselves once the
// condition passes, with exactly the acknowledged data after a restart.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>

#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::TempDir;

// Largest file in `dir` (the current log file).
uint64_t LargestFile(const std::string& dir) {
  uint64_t largest = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    largest = std::max<uint64_t>(largest, e.file_size());
  return largest;
}

// Makes every write past `bytes` in any file of this process fail with EFBIG, as a full disk
// fails a write with ENOSPC, until destroyed.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(uint64_t bytes) {
    signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

Span TestSpan(int n, uint64_t start_ns) {
  Span s;
  s.trace_id = std::string(15, '\x01') + static_cast<char>(n);
  s.span_id = std::string(7, '\x02') + static_cast<char>(n);
  s.name = "op";
  s.start_time_unix_nano = start_ns;
  s.end_time_unix_nano = start_ns + 1000;
  s.attributes = {{"payload", AnyValue::String(std::string(2000, 'x'))}};
  return s;
}

class WriteFailure : public ::testing::TestWithParam<SyncPolicy> {
 protected:
  Options TestOptions() {
    Options o = testing::TestOptions();
    o.sync_policy = GetParam();
    o.span_segment_max_age_ms = 3'600'000;  // no segment writing while files are limited
    o.span_retention_ms = 0;
    return o;
  }
};

TEST_P(WriteFailure, FailedCommitsAreUnavailableInvisibleAndWritesRecover) {
  TempDir dir;
  const Labels series{{"__name__", "x"}};
  const int64_t t0 = 1'700'000'000'000;
  const uint64_t span_t0 = static_cast<uint64_t>(t0) * 1'000'000;
  {
    auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
    auto app = engine->NewAppender();
    app->Add(series, t0, 0);
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(engine->AppendSpans(std::vector<Span>{TestSpan(1, span_t0)}).ok());
    {
      // A few bytes more than the logs hold: the next records are cut short mid-write.
      const uint64_t wal = LargestFile(dir.path() + "/wal");
      const uint64_t span_wal = LargestFile(dir.path() + "/span_wal");
      FileSizeLimit limit(std::max(wal, span_wal) + 10);
      for (int attempt = 0; attempt < 2; ++attempt) {
        for (int i = 1; i <= 1000; ++i) app->Add(series, t0 + i * 1000, i);
        auto failed = app->Commit();
        ASSERT_FALSE(failed.ok());
        EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable) << failed.status().ToString();
        EXPECT_NE(failed.status().message().find("retry"), std::string::npos);
        auto spans = engine->AppendSpans(std::vector<Span>{TestSpan(2, span_t0 + 5)});
        ASSERT_FALSE(spans.ok()) << "log files of " << wal << " and " << span_wal << " bytes; now "
                                 << LargestFile(dir.path() + "/span_wal");
        EXPECT_EQ(spans.status().code(), StatusCode::kUnavailable);
        // Nothing of the failed writes is visible.
        auto all = testing::ReadAll(*engine, {LabelMatcher::Equal("__name__", "x")});
        ASSERT_EQ(all.size(), 1u);
        EXPECT_EQ(all.begin()->second.size(), 1u);
        EXPECT_EQ(engine->GetTrace(TestSpan(2, 0).trace_id).status().code(), StatusCode::kNotFound);
      }
    }
    // Room again: the same writes succeed, none refused as a duplicate or out of order.
    for (int i = 1; i <= 1000; ++i) app->Add(series, t0 + i * 1000, i);
    auto ok = app->Commit();
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(ok->accepted, 1000u);
    EXPECT_EQ(ok->rejected, 0u);
    ASSERT_TRUE(engine->AppendSpans(std::vector<Span>{TestSpan(2, span_t0 + 5)}).ok());
    auto all = testing::ReadAll(*engine, {LabelMatcher::Equal("__name__", "x")});
    EXPECT_EQ(all.begin()->second.size(), 1001u);
  }
  // After a restart: exactly what was acknowledged, and whole logs.
  auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
  EXPECT_EQ(engine->recovery().wal_bytes_dropped, 0u);
  auto all = testing::ReadAll(*engine, {LabelMatcher::Equal("__name__", "x")});
  ASSERT_EQ(all.size(), 1u);
  const auto& samples = all.begin()->second;
  ASSERT_EQ(samples.size(), 1001u);
  for (int i = 0; i <= 1000; ++i) EXPECT_EQ(samples[i].value, i);
  EXPECT_TRUE(engine->GetTrace(TestSpan(1, 0).trace_id).ok());
  EXPECT_TRUE(engine->GetTrace(TestSpan(2, 0).trace_id).ok());
}

INSTANTIATE_TEST_SUITE_P(Policies, WriteFailure,
                         ::testing::Values(SyncPolicy::kEveryCommit, SyncPolicy::kGroupCommit,
                                           SyncPolicy::kNone),
                         [](const auto& info) {
                           switch (info.param) {
                             case SyncPolicy::kEveryCommit:
                               return std::string("every_commit");
                             case SyncPolicy::kGroupCommit:
                               return std::string("group");
                             case SyncPolicy::kNone:
                               return std::string("none");
                           }
                           return std::string("unknown");
                         });

TEST(BackgroundError, IsKeptShownAndRefusesWritesUntilTheJobSucceeds) {
  TempDir dir;
  std::vector<std::string> reported;
  Options o = testing::TestOptions();
  o.checkpoint_interval_ms = 1;  // every maintenance pass checkpoints
  o.on_background_error = [&](const Status& s) { reported.push_back(s.message()); };
  auto engine = std::move(Engine::Open(o, dir.path())).value();
  const Labels series{{"__name__", "x"}};
  auto app = engine->NewAppender();
  app->Add(series, 1'700'000'000'000, 1);
  ASSERT_TRUE(app->Commit().ok());
  EXPECT_TRUE(engine->BackgroundError().ok());
  {
    FileSizeLimit limit(1);  // the checkpoint cannot write its segments
    EXPECT_FALSE(engine->RunMaintenance().ok());
  }
  Status bg = engine->BackgroundError();
  ASSERT_FALSE(bg.ok());
  EXPECT_NE(bg.message().find("checkpoint"), std::string::npos) << bg.ToString();
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0], bg.message());
  EXPECT_TRUE(engine->Stats().background_error);
  // Writes that depend on the failed work are refused, naming it.
  app->Add(series, 1'700'000'001'000, 2);
  auto refused = app->Commit();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("checkpoint"), std::string::npos);
  // RocksDB stops taking writes after its own write failed, so the error stays until the engine
  // is reopened; then everything acknowledged is there and writes go on.
  EXPECT_FALSE(engine->RunMaintenance().ok());
  EXPECT_FALSE(engine->BackgroundError().ok());
  engine.reset();
  engine = std::move(Engine::Open(o, dir.path())).value();
  EXPECT_TRUE(engine->BackgroundError().ok());
  app = engine->NewAppender();
  app->Add(series, 1'700'000'001'000, 2);
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(engine->RunMaintenance().ok());
  EXPECT_EQ(
      testing::ReadAll(*engine, {LabelMatcher::Equal("__name__", "x")}).begin()->second.size(), 2u);
}

}  // namespace
}  // namespace tidemark
