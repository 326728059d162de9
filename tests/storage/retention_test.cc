#include <gtest/gtest.h>

#include <atomic>
#include <climits>

#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::ReadAll;
using testing::TempDir;
using testing::TestOptions;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

struct Clock {
  std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(0);
  std::function<int64_t()> fn() const {
    return [n = now] { return n->load(); };
  }
};

TEST(Retention, TooOldSamplesAreRejectedAndOldDataDisappearsAtOnce) {
  TempDir dir;
  Clock clock;
  *clock.now = 10 * kDay;
  Options o = TestOptions();
  o.retention_ms = 3 * kDay;
  o.partition_duration_ms = kDay;
  o.now_ms = clock.fn();
  auto engine = std::move(Engine::Open(o, dir.path())).value();
  auto app = engine->NewAppender();
  const Labels a{{"__name__", "a"}};
  const Labels b{{"__name__", "b"}};
  for (int64_t t = 6 * kDay; t <= 10 * kDay; t += kHour) {
    app->Add(a, t, 1);
    if (t < 8 * kDay) app->Add(b, t, 1);
  }
  auto r = app->Commit();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(RejectReason::kTooOld)],
            24u + 24u);  // day 6 of a and b
  ASSERT_TRUE(engine->Flush().ok());
  EXPECT_EQ(
      ReadAll(*engine, {LabelMatcher::Equal("__name__", "a")}).begin()->second.front().timestamp_ms,
      7 * kDay);

  // Time passes: day 8 and older fall out of queries before any maintenance runs.
  *clock.now = 11 * kDay + kHour;
  auto after = ReadAll(*engine, {LabelMatcher::Regex("__name__", "a|b")});
  ASSERT_EQ(after.size(), 1u);
  EXPECT_GE(after["a{}"].front().timestamp_ms, 8 * kDay + kHour);

  auto before = engine->Partitions();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(engine->RunMaintenance().ok());
  auto parts = engine->Partitions();
  ASSERT_TRUE(parts.ok());
  EXPECT_LT(parts->size(), before->size());
  EXPECT_EQ(parts->front().start_ms, 8 * kDay);  // whole partitions are dropped
  EXPECT_GT(engine->Stats().partitions_dropped, 0u);
  // Series b has no data left in the window: gone from the index too.
  auto names = engine->LabelValues("__name__", {}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"a"});
}

TEST(Retention, DroppedPartitionsStayDroppedAfterRestart) {
  TempDir dir;
  Clock clock;
  *clock.now = 5 * kDay;
  Options o = TestOptions();
  o.retention_ms = 2 * kDay;
  o.partition_duration_ms = kDay;
  o.now_ms = clock.fn();
  {
    auto engine = std::move(Engine::Open(o, dir.path())).value();
    auto app = engine->NewAppender();
    for (int64_t t = 3 * kDay + kHour; t <= 5 * kDay; t += kHour)
      app->Add(Labels{{"__name__", "a"}}, t, 1);
    ASSERT_TRUE(app->Commit().ok());
    ASSERT_TRUE(engine->Flush().ok());
    *clock.now = 6 * kDay;
    ASSERT_TRUE(engine->RunMaintenance().ok());
  }
  o.retention_ms = 0;  // even with retention off, dropped data does not come back
  auto engine = std::move(Engine::Open(o, dir.path())).value();
  auto all = ReadAll(*engine, {LabelMatcher::Equal("__name__", "a")});
  EXPECT_GE(all["a{}"].front().timestamp_ms, 4 * kDay);
}

TEST(Retention, SizeLimitDropsOldestPartitions) {
  TempDir dir;
  Clock clock;
  *clock.now = 30 * kDay;
  Options o = TestOptions();
  o.retention_ms = 0;
  o.retention_bytes = 1;  // anything stored is too much: keep only the newest partition
  o.partition_duration_ms = kDay;
  o.now_ms = clock.fn();
  auto engine = std::move(Engine::Open(o, dir.path())).value();
  auto app = engine->NewAppender();
  for (int s = 0; s < 20; ++s) {
    for (int64_t t = 20 * kDay; t < 30 * kDay; t += 15 * 60'000) {
      app->Add(Labels{{"__name__", "m"}, {"s", std::to_string(s)}}, t,
               static_cast<double>(t % 977));
    }
  }
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(engine->Flush().ok());
  ASSERT_EQ(engine->Partitions()->size(), 10u);
  ASSERT_TRUE(engine->RunMaintenance().ok());
  auto parts = engine->Partitions();
  ASSERT_TRUE(parts.ok());
  EXPECT_LT(parts->size(), 10u);
  EXPECT_EQ(parts->back().start_ms, 29 * kDay);
}

}  // namespace
}  // namespace tidemark
