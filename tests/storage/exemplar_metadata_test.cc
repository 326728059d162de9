// Exemplars, metric metadata and head cardinality statistics.
#include <gtest/gtest.h>

#include "tests/storage/test_util.h"
#include "tidemark/engine.h"

namespace tidemark {
namespace {

using testing::TempDir;
using testing::TestOptions;

const Labels kBucket{{"__name__", "req_bucket"}, {"job", "api"}, {"le", "0.5"}};
const Labels kOther{{"__name__", "req_count"}, {"job", "web"}};

std::unique_ptr<Engine> OpenOrDie(const std::string& dir, Options o = TestOptions()) {
  auto e = Engine::Open(o, dir);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

void AddSamples(Engine& engine) {
  auto app = engine.NewAppender();
  app->Add(kBucket, 1000, 1);
  app->Add(kOther, 1000, 2);
  ASSERT_TRUE(app->Commit().ok());
}

Exemplar TraceExemplar(std::string trace_id, double v, int64_t t) {
  return Exemplar{Labels{{"trace_id", std::move(trace_id)}}, v, t};
}

TEST(Exemplars, StoredByTimeAndSelectedByMatchersAcrossRestart) {
  TempDir dir;
  {
    auto engine = OpenOrDie(dir.path());
    AddSamples(*engine);
    auto r = engine->AppendExemplars({{kBucket, TraceExemplar("aa", 0.3, 2000)},
                                      {kBucket, TraceExemplar("bb", 0.4, 1500)},
                                      {kOther, TraceExemplar("cc", 7, 3000)}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->accepted, 3u);
  }
  auto engine = OpenOrDie(dir.path());
  auto got = engine->SelectExemplars({LabelMatcher::Equal("job", "api")}, 0, 10'000);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].series, kBucket);
  ASSERT_EQ((*got)[0].exemplars.size(), 2u);
  EXPECT_EQ((*got)[0].exemplars[0].timestamp_ms, 1500);  // by time
  EXPECT_EQ((*got)[0].exemplars[0].labels.Get("trace_id"), "bb");
  EXPECT_DOUBLE_EQ((*got)[0].exemplars[1].value, 0.3);

  auto window = engine->SelectExemplars({LabelMatcher::Regex("job", ".+")}, 1600, 2500);
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 1u);
  ASSERT_EQ((*window)[0].exemplars.size(), 1u);
  EXPECT_EQ((*window)[0].exemplars[0].timestamp_ms, 2000);
}

TEST(Exemplars, RejectsUnknownSeriesAndOverlongLabels) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  AddSamples(*engine);
  const Labels unknown{{"__name__", "nope"}};
  auto r = engine->AppendExemplars({{unknown, TraceExemplar("aa", 1, 1000)},
                                    {kBucket, TraceExemplar(std::string(200, 'x'), 1, 1000)},
                                    {kBucket, TraceExemplar("ok", 1, 1000)}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1u);
  EXPECT_EQ(r->rejected, 2u);
  ASSERT_EQ(r->first_rejections.size(), 2u);
  EXPECT_NE(r->first_rejections[0].find("no samples"), std::string::npos);
  EXPECT_NE(r->first_rejections[1].find("128"), std::string::npos);
}

TEST(Metadata, LatestWinsAndSurvivesRestart) {
  TempDir dir;
  {
    auto engine = OpenOrDie(dir.path());
    ASSERT_TRUE(engine->SetMetricMetadata("req", {"histogram", "old help", "seconds"}).ok());
    ASSERT_TRUE(
        engine->SetMetricMetadata("req", {"histogram", "Request latency.", "seconds"}).ok());
    ASSERT_TRUE(engine->SetMetricMetadata("up", {"gauge", "Target up.", ""}).ok());
    EXPECT_EQ(engine->SetMetricMetadata("", {}).code(), StatusCode::kInvalidArgument);
  }
  auto engine = OpenOrDie(dir.path());
  auto all = engine->GetMetricMetadata("", 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].first, "req");
  EXPECT_EQ((*all)[0].second.help, "Request latency.");
  auto one = engine->GetMetricMetadata("up", 0);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].second.type, "gauge");
  auto limited = engine->GetMetricMetadata("", 1);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 1u);
}

TEST(HeadStats, CountsSeriesLabelsAndTimes) {
  TempDir dir;
  auto engine = OpenOrDie(dir.path());
  AddSamples(*engine);
  auto app = engine->NewAppender();
  app->Add(Labels{{"__name__", "req_bucket"}, {"job", "api"}, {"le", "+Inf"}}, 5000, 3);
  ASSERT_TRUE(app->Commit().ok());
  auto hs = engine->HeadStats(10);
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->num_series, 3u);
  EXPECT_EQ(hs->min_time_ms, 1000);
  EXPECT_EQ(hs->max_time_ms, 5000);
  ASSERT_FALSE(hs->series_count_by_metric_name.empty());
  EXPECT_EQ(hs->series_count_by_metric_name[0].first, "req_bucket");
  EXPECT_EQ(hs->series_count_by_metric_name[0].second, 2u);
  // __name__ has 2 values, job 2, le 2: pairs are distinct (name, value) combinations.
  EXPECT_EQ(hs->num_label_pairs, 6u);
  auto top1 = engine->HeadStats(1);
  ASSERT_TRUE(top1.ok());
  EXPECT_EQ(top1->series_count_by_label_value_pair.size(), 1u);
}

}  // namespace
}  // namespace tidemark
