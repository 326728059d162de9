// The embedding facade (include/tidemark/promql.h): plain results, errors with positions,
// options honoured, on any SampleQuerier.
#include <gtest/gtest.h>

#include "storage/memory_store.h"
#include "tidemark/promql.h"

namespace tidemark {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

class PromQLFacade : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = store_.NewAppender();
    for (int i = 0; i <= 20; ++i) {
      app->Add(Labels{{"__name__", "requests_total"}, {"job", "api"}}, kT0 + i * 15'000, i * 3);
      app->Add(Labels{{"__name__", "requests_total"}, {"job", "web"}}, kT0 + i * 15'000, i);
    }
    ASSERT_TRUE(app->Commit().ok());
  }
  storage::MemoryStore store_;
};

TEST_F(PromQLFacade, InstantVectorScalarAndString) {
  auto r = EvaluateInstant(store_, "sum by (job) (rate(requests_total[1m]))", kT0 + 300'000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, PromQLValueType::kVector);
  ASSERT_EQ(r->series.size(), 2u);
  EXPECT_EQ(r->series[0].labels.ToString(), "{job=\"api\"}");
  EXPECT_DOUBLE_EQ(r->series[0].points[0].value, 0.2);
  EXPECT_DOUBLE_EQ(r->series[1].points[0].value, 1.0 / 15);
  auto s = EvaluateInstant(store_, "1 + 2", kT0);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->type, PromQLValueType::kScalar);
  EXPECT_EQ(s->scalar.value, 3);
  auto str = EvaluateInstant(store_, "\"hello\"", kT0);
  ASSERT_TRUE(str.ok());
  EXPECT_EQ(str->type, PromQLValueType::kString);
  EXPECT_EQ(str->string_value, "hello");
}

TEST_F(PromQLFacade, RangeQueriesGiveMatrices) {
  auto r = EvaluateRange(store_, "requests_total{job=\"web\"}", kT0, kT0 + 60'000, 30'000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->type, PromQLValueType::kMatrix);
  ASSERT_EQ(r->series.size(), 1u);
  ASSERT_EQ(r->series[0].points.size(), 3u);
  EXPECT_EQ(r->series[0].points[2].timestamp_ms, kT0 + 60'000);
  EXPECT_EQ(r->series[0].points[2].value, 4);
  EXPECT_EQ(EvaluateRange(store_, "up", kT0, kT0, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PromQLFacade, ErrorsAndOptions) {
  Status bad = CheckPromQL("sum(rate(x[5m])");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("parse error"), std::string::npos);
  EXPECT_TRUE(CheckPromQL("sum(rate(x[5m]))").ok());
  EXPECT_FALSE(CheckPromQL("sort_by_label(x, \"a\")").ok());
  PromQLOptions experimental;
  experimental.experimental_functions = true;
  EXPECT_TRUE(CheckPromQL("sort_by_label(x, \"a\")", experimental).ok());
  auto formatted = FormatPromQL("sum(rate(x[5m]))by(job)");
  ASSERT_TRUE(formatted.ok());
  EXPECT_EQ(*formatted, "sum by (job) (rate(x[5m]))");
  PromQLOptions small;
  small.max_samples = 3;
  EXPECT_EQ(EvaluateInstant(store_, "requests_total[5m]", kT0 + 300'000, small).status().code(),
            StatusCode::kResourceExhausted);
  std::atomic<bool> cancelled{true};
  PromQLOptions stop;
  stop.cancelled = &cancelled;
  EXPECT_EQ(EvaluateInstant(store_, "requests_total", kT0, stop).status().code(),
            StatusCode::kCancelled);
}

}  // namespace
}  // namespace tidemark
