#include "ingest/remote_write.h"

#include <gtest/gtest.h>

#include <climits>

#include "tests/storage/test_util.h"

namespace tidemark::ingest {
namespace {

prometheus::WriteRequest Request(int64_t t0) {
  prometheus::WriteRequest req;
  auto* ts = req.add_timeseries();
  for (auto [n, v] : {std::pair{"__name__", "up"}, std::pair{"job", "api"}}) {
    auto* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (int i = 0; i < 3; ++i) {
    auto* s = ts->add_samples();
    s->set_timestamp(t0 + i * 1000);
    s->set_value(i);
  }
  return req;
}

TEST(RemoteWrite, CachedRefsSurviveSeriesDeletion) {
  tidemark::testing::TempDir dir;
  auto engine = std::move(Engine::Open(tidemark::testing::TestOptions(), dir.path())).value();
  SeriesRefCache cache;
  auto r = AppendRemoteWrite(Request(1000), *engine, &cache);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->commit.accepted, 3u);
  r = AppendRemoteWrite(Request(10'000), *engine, &cache);  // by cached ref
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->commit.accepted, 3u);
  ASSERT_TRUE(engine->DeleteSeries({LabelMatcher::Equal("job", "api")}, INT64_MIN, INT64_MAX).ok());
  r = AppendRemoteWrite(Request(20'000), *engine, &cache);  // the cached ref is stale now
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->commit.accepted, 3u);
  EXPECT_EQ(r->commit.rejected, 0u);
  auto all = tidemark::testing::ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->second.size(), 3u);
  EXPECT_EQ(all.begin()->second[0].timestamp_ms, 20'000);
}

TEST(RemoteWrite, StoresExemplarsAndMetadata) {
  tidemark::testing::TempDir dir;
  auto engine = std::move(Engine::Open(tidemark::testing::TestOptions(), dir.path())).value();
  prometheus::WriteRequest req = Request(1000);
  auto* e = req.mutable_timeseries(0)->add_exemplars();
  auto* l = e->add_labels();
  l->set_name("trace_id");
  l->set_value("4bf92f3577b34da6a3ce929d0e0e4736");
  e->set_value(0.25);
  e->set_timestamp(1500);
  auto* m = req.add_metadata();
  m->set_type(prometheus::MetricMetadata::GAUGE);
  m->set_metric_family_name("up");
  m->set_help("1 if the target is up.");
  auto r = AppendRemoteWrite(req, *engine);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exemplars.accepted, 1u);
  EXPECT_EQ(r->metadata, 1u);
  auto ex = engine->SelectExemplars({LabelMatcher::Equal("__name__", "up")}, 0, 10'000);
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->size(), 1u);
  ASSERT_EQ((*ex)[0].exemplars.size(), 1u);
  EXPECT_EQ((*ex)[0].exemplars[0].labels.Get("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ((*ex)[0].exemplars[0].timestamp_ms, 1500);
  auto md = engine->GetMetricMetadata("up", 0);
  ASSERT_TRUE(md.ok());
  ASSERT_EQ(md->size(), 1u);
  EXPECT_EQ((*md)[0].second.type, "gauge");
  EXPECT_EQ((*md)[0].second.help, "1 if the target is up.");
}

TEST(RemoteWrite, InvalidSeriesRefusesTheWholeRequest) {
  tidemark::testing::TempDir dir;
  auto engine = std::move(Engine::Open(tidemark::testing::TestOptions(), dir.path())).value();
  auto req = Request(1000);
  auto* bad = req.add_timeseries();
  for (auto [n, v] : {std::pair{"__name__", "x"}, std::pair{"a", "1"}, std::pair{"a", "2"}}) {
    auto* l = bad->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  auto r = AppendRemoteWrite(req, *engine);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("duplicate label name \"a\""), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(tidemark::testing::ReadAll(*engine, {LabelMatcher::Equal("job", "api")}).empty());
}

}  // namespace
}  // namespace tidemark::ingest
