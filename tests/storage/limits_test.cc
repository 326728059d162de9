#include <gtest/gtest.h>

#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::TempDir;
using testing::TestOptions;

CommitReport CommitOne(Engine& engine, const Labels& labels) {
  auto app = engine.NewAppender();
  app->Add(labels, 1, 1);
  auto r = app->Commit();
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : CommitReport{};
}

TEST(Limits, EachLimitRejectsWithItsName) {
  TempDir dir;
  Options o = TestOptions();
  o.limits.max_active_series = 2;
  o.limits.max_labels_per_series = 3;
  o.limits.max_label_name_bytes = 8;
  o.limits.max_label_value_bytes = 8;
  o.limits.max_samples_per_commit = 5;
  auto engine = std::move(Engine::Open(o, dir.path())).value();

  auto r = CommitOne(*engine, Labels{{"__name__", "a"}, {"b", "1"}, {"c", "1"}, {"d", "1"}});
  EXPECT_EQ(r.rejected_by_reason[static_cast<int>(RejectReason::kLimitExceeded)], 1u);
  EXPECT_NE(r.first_rejections[0].find("max_labels_per_series=3"), std::string::npos)
      << r.first_rejections[0];

  r = CommitOne(*engine, Labels{{"__name__", "a"}, {"very_long_name", "1"}});
  EXPECT_EQ(r.rejected_by_reason[static_cast<int>(RejectReason::kInvalidLabels)], 1u);
  EXPECT_NE(r.first_rejections[0].find("max_label_name_bytes=8"), std::string::npos);

  r = CommitOne(*engine, Labels{{"__name__", "a"}, {"b", "123456789"}});
  EXPECT_NE(r.first_rejections[0].find("max_label_value_bytes=8"), std::string::npos);

  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "s1"}}).accepted, 1u);
  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "s2"}}).accepted, 1u);
  r = CommitOne(*engine, Labels{{"__name__", "s3"}});
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_NE(r.first_rejections[0].find("max_active_series=2"), std::string::npos);
  // Existing series still take samples at the series limit.
  auto app = engine->NewAppender();
  app->Add(Labels{{"__name__", "s1"}}, 2, 1);
  EXPECT_EQ(app->Commit()->accepted, 1u);

  for (int i = 0; i < 6; ++i) app->Add(Labels{{"__name__", "s1"}}, 10 + i, 1);
  auto big = app->Commit();
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("max_samples_per_commit=5"), std::string::npos);
}

TEST(Limits, InvalidLabelsAreRejected) {
  TempDir dir;
  auto engine = std::move(Engine::Open(TestOptions(), dir.path())).value();
  EXPECT_EQ(CommitOne(*engine, Labels{})
                .rejected_by_reason[static_cast<int>(RejectReason::kInvalidLabels)],
            1u);
  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "a"}, {"x", "\xff\xfe"}})
                .rejected_by_reason[static_cast<int>(RejectReason::kInvalidLabels)],
            1u);
  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "a"}, {"x", "1"}, {"x", "2"}})
                .rejected_by_reason[static_cast<int>(RejectReason::kInvalidLabels)],
            1u);
  // Empty values mean "absent": the label is dropped, not rejected.
  EXPECT_EQ(CommitOne(*engine, Labels{{"__name__", "a"}, {"x", ""}}).accepted, 1u);
  EXPECT_EQ(engine->Stats().samples_rejected[static_cast<int>(RejectReason::kInvalidLabels)], 3u);
}

// A fixed "now" for the bounds tests: 2026-01-01T00:00:00Z.
constexpr int64_t kNowMs = 1'767'225'600'000;

Options BoundedOptions() {
  Options o = TestOptions();
  o.now_ms = [] { return kNowMs; };
  o.max_future_ms = 3'600'000;
  return o;
}

TEST(TimestampBounds, FarFutureSamplesAreRejectedAndDoNotPoisonTheirSeries) {
  TempDir dir;
  const Labels up{{"__name__", "up"}, {"job", "a"}};
  {
    auto engine = std::move(Engine::Open(BoundedOptions(), dir.path())).value();
    auto app = engine->NewAppender();
    app->Add(up, kNowMs - 1000, 1);
    app->Add(up, 1'700'000'000'000'000'000, 2);  // nanoseconds sent as milliseconds
    app->Add(up, kNowMs + 3'600'001, 3);         // just past the window
    auto r = app->Commit();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 1u);
    EXPECT_EQ(r->rejected_by_reason[static_cast<int>(RejectReason::kOutOfBounds)], 2u);
    ASSERT_FALSE(r->first_rejections.empty());
    EXPECT_NE(r->first_rejections[0].find("max_future"), std::string::npos)
        << r->first_rejections[0];
    // Later samples of the series are still accepted.
    app->Add(up, kNowMs, 4);
    app->Add(up, kNowMs + 3'600'000, 5);  // at the edge of the window: accepted
    r = app->Commit();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->accepted, 2u);
    EXPECT_EQ(r->rejected, 0u);
    ASSERT_TRUE(engine->Flush().ok());
  }
  auto engine = std::move(Engine::Open(BoundedOptions(), dir.path())).value();
  auto all = testing::ReadAll(*engine, {LabelMatcher::Equal("__name__", "up")});
  ASSERT_EQ(all.size(), 1u);
  const auto& samples = all.begin()->second;
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples.back().timestamp_ms, kNowMs + 3'600'000);
  auto app = engine->NewAppender();
  app->Add(up, kNowMs + 3'600'000 + 1, 6);  // the clock has not moved: still outside
  app->Add(up, kNowMs + 1, 6);              // older than the newest: out of order
  auto r = app->Commit();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(RejectReason::kOutOfBounds)], 1u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(RejectReason::kOutOfOrder)], 1u);
}

TEST(TimestampBounds, ExemplarsAndSpansFromTheFarFutureAreRejected) {
  TempDir dir;
  auto engine = std::move(Engine::Open(BoundedOptions(), dir.path())).value();
  const Labels series{{"__name__", "latency_bucket"}, {"le", "1"}};
  auto app = engine->NewAppender();
  app->Add(series, kNowMs, 1);
  ASSERT_TRUE(app->Commit().ok());
  auto ex = engine->AppendExemplars(
      {{series, {Labels{{"trace_id", "a"}}, 1, kNowMs}},
       {series, {Labels{{"trace_id", "b"}}, 1, 1'700'000'000'000'000'000}}});
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->accepted, 1u);
  EXPECT_EQ(ex->rejected, 1u);

  Span span;
  span.trace_id = std::string(16, '\x01');
  span.span_id = std::string(8, '\x02');
  span.name = "late";
  span.start_time_unix_nano = UINT64_MAX - 1;
  span.end_time_unix_nano = UINT64_MAX;
  Span ok = span;
  ok.span_id = std::string(8, '\x03');
  ok.start_time_unix_nano = static_cast<uint64_t>(kNowMs) * 1'000'000;
  ok.end_time_unix_nano = ok.start_time_unix_nano + 1000;
  auto spans = engine->AppendSpans(std::vector<Span>{span, ok});
  ASSERT_TRUE(spans.ok());
  EXPECT_EQ(spans->accepted, 1u);
  EXPECT_EQ(spans->rejected_by_reason[static_cast<int>(SpanRejectReason::kOutOfBounds)], 1u);
  ASSERT_TRUE(engine->Flush().ok());
  auto trace = engine->GetTrace(span.trace_id);
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(trace->size(), 1u);
}

TEST(TimestampBounds, ReadsOverAllTimeCostWhatExistsNotTheRangeWidth) {
  // Reads with "no start" and "no end" (the API's defaults) over data in a few partitions: each
  // loop over partitions must follow the partitions that exist (this used to walk billions).
  TempDir dir;
  auto engine = std::move(Engine::Open(BoundedOptions(), dir.path())).value();
  const Labels series{{"__name__", "x"}};
  auto app = engine->NewAppender();
  for (int i = 0; i < 3; ++i) app->Add(series, kNowMs - (3 - i) * 4 * 3'600'000LL, i);
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(
      engine->AppendExemplars({{series, {Labels{{"trace_id", "t"}}, 1, kNowMs - 1000}}}).ok());
  ASSERT_TRUE(engine->Flush().ok());
  const std::vector<LabelMatcher> x = {LabelMatcher::Equal("__name__", "x")};
  auto exemplars = engine->SelectExemplars(x, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(exemplars.ok()) << exemplars.status().ToString();
  ASSERT_EQ(exemplars->size(), 1u);
  EXPECT_EQ(testing::ReadAll(*engine, x).begin()->second.size(), 3u);
  auto deleted = engine->DeleteSeries(x, INT64_MIN, kNowMs - 9 * 3'600'000LL);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(testing::ReadAll(*engine, x).begin()->second.size(), 2u);
  auto none = engine->GetTrace(std::string(16, '\x07'), 0, UINT64_MAX);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

TEST(TimestampBounds, MaxFutureIsValidated) {
  TempDir dir;
  Options o = TestOptions();
  o.max_future_ms = 0;
  auto engine = Engine::Open(o, dir.path());
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().message().find("max_future"), std::string::npos);
}

}  // namespace
}  // namespace tidemark
