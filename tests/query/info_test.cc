// The experimental info() function against a real Engine: joining target_info (or selected info
// metrics) on instance/job, data label selection, pass-through of info series, staleness of info
// series per step, and the conflict errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "query/engine.h"
#include "query/parser.h"
#include "tests/query/storage_fixture.h"
#include "tidemark/engine.h"

namespace tidemark::promql {
namespace {

constexpr int64_t kMin = 60 * 1000;

using V = std::vector<std::string>;

class InfoFunction : public testing::StorageFixture {
 protected:
  // Adds one sample per minute from 0, with the given values.
  void Load(const Labels& labels, const std::vector<double>& values) {
    auto app = storage_->NewAppender();
    for (size_t i = 0; i < values.size(); ++i) {
      app->Add(labels, static_cast<int64_t>(i) * kMin, values[i]);
    }
    auto report = app->Commit();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_EQ(report->rejected, 0u);
  }

  Result<QueryResult> Instant(const std::string& query, int64_t t) {
    ParseOptions po;
    po.enable_experimental_functions = true;
    auto expr = ParseExpr(query, po);
    if (!expr.ok()) return expr.status();
    return QueryEngine(EngineOptions()).Instant(*storage_, **expr, t, QueryContext());
  }

  // The instant vector as sorted "labels => value" strings.
  V Vec(const std::string& query, int64_t t) {
    auto r = Instant(query, t);
    EXPECT_TRUE(r.ok()) << query << ": " << r.status().ToString();
    if (!r.ok()) return {};
    V out;
    for (const VectorSample& s : r->vector) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%g", s.f);
      out.push_back(s.metric.ToString() + " => " + buf);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // The range query result as sorted "labels => t:v t:v ..." strings (t in minutes).
  V Range(const std::string& query, int64_t start, int64_t end, int64_t step) {
    ParseOptions po;
    po.enable_experimental_functions = true;
    auto expr = ParseExpr(query, po);
    EXPECT_TRUE(expr.ok()) << query << ": " << expr.status().ToString();
    if (!expr.ok()) return {};
    auto r =
        QueryEngine(EngineOptions()).Range(*storage_, **expr, start, end, step, QueryContext());
    EXPECT_TRUE(r.ok()) << query << ": " << r.status().ToString();
    if (!r.ok()) return {};
    V out;
    for (const Series& s : r->matrix) {
      std::string line = s.metric.ToString() + " =>";
      for (const FPoint& p : s.floats) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), " %lld:%g", static_cast<long long>(p.t / kMin), p.f);
        line += buf;
      }
      out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(InfoFunction, AddsTargetInfoDataLabelsByInstanceAndJob) {
  Load({{"__name__", "up"}, {"instance", "a"}, {"job", "api"}}, {1, 1});
  Load({{"__name__", "up"}, {"instance", "b"}, {"job", "api"}}, {0, 0});
  Load({{"__name__", "target_info"}, {"instance", "a"}, {"job", "api"}, {"region", "eu"}}, {1, 1});
  EXPECT_EQ(Vec("info(up)", kMin), V({R"(up{instance="a", job="api", region="eu"} => 1)",
                                      R"(up{instance="b", job="api"} => 0)"}));
}

TEST_F(InfoFunction, DataLabelSelectorKeepsOnlyNamedLabelsAndDropsUnmatched) {
  Load({{"__name__", "up"}, {"instance", "a"}, {"job", "api"}}, {1});
  Load({{"__name__", "up"}, {"instance", "b"}, {"job", "api"}}, {2});
  Load({{"__name__", "target_info"},
        {"instance", "a"},
        {"job", "api"},
        {"region", "eu"},
        {"zone", "z1"}},
       {1});
  // region=~".+" does not accept an absent label: the series without target_info goes.
  EXPECT_EQ(Vec(R"(info(up, {region=~".+"}))", 0),
            V({R"(up{instance="a", job="api", region="eu"} => 1)"}));
  // An accepting matcher keeps it unchanged.
  EXPECT_EQ(Vec(R"(info(up, {region=~".*"}))", 0),
            V({R"(up{instance="a", job="api", region="eu"} => 1)",
               R"(up{instance="b", job="api"} => 2)"}));
}

TEST_F(InfoFunction, InfoSeriesThemselvesPassThrough) {
  Load({{"__name__", "build_info"}, {"instance", "a"}, {"job", "api"}, {"version", "1"}}, {1});
  Load({{"__name__", "target_info"}, {"instance", "a"}, {"job", "api"}, {"region", "eu"}}, {1});
  EXPECT_EQ(Vec(R"(info({job="api"}, {__name__=~".+_info"}))", 0),
            V({R"(build_info{instance="a", job="api", version="1"} => 1)",
               R"(target_info{instance="a", job="api", region="eu"} => 1)"}));
}

TEST_F(InfoFunction, FollowsInfoSeriesChurnPerStep) {
  Load({{"__name__", "up"}, {"instance", "a"}, {"job", "api"}}, {1, 2, 3});
  Load({{"__name__", "target_info"}, {"instance", "a"}, {"job", "api"}, {"version", "1"}},
       {1, 1, StaleMarker()});
  Load({{"__name__", "target_info"}, {"instance", "a"}, {"job", "api"}, {"version", "2"}},
       {StaleMarker(), StaleMarker(), 1});
  EXPECT_EQ(Range("info(up)", 0, 2 * kMin, kMin),
            V({R"(up{instance="a", job="api", version="1"} => 0:1 1:2)",
               R"(up{instance="a", job="api", version="2"} => 2:3)"}));
}

TEST_F(InfoFunction, EquallyRecentInfoSeriesWithSameIdentityFail) {
  Load({{"__name__", "up"}, {"instance", "a"}, {"job", "api"}}, {1});
  Load({{"__name__", "target_info"}, {"instance", "a"}, {"job", "api"}, {"version", "1"}}, {1});
  Load({{"__name__", "target_info"}, {"instance", "a"}, {"job", "api"}, {"version", "2"}}, {1});
  auto r = Instant("info(up)", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("found duplicate series for info metric"), std::string::npos)
      << r.status().ToString();
}

TEST_F(InfoFunction, ConflictingDataLabelsFromTwoInfoMetricsFail) {
  Load({{"__name__", "up"}, {"instance", "a"}, {"job", "api"}}, {1});
  Load({{"__name__", "target_info"}, {"instance", "a"}, {"job", "api"}, {"x", "t"}}, {1});
  Load({{"__name__", "build_info"}, {"instance", "a"}, {"job", "api"}, {"x", "b"}}, {1});
  auto r = Instant(R"(info(up, {__name__=~".+_info"}))", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("conflicting label: x"), std::string::npos)
      << r.status().ToString();
}

}  // namespace
}  // namespace tidemark::promql
