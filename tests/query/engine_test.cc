// The PromQL evaluator against a real Engine: selectors (lookback, staleness, left-open
// windows, offset, @, subqueries), binary operators and their matching errors, aggregations,
// functions the evaluator implements itself, range queries, delayed name removal, and limits.
#include "query/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "query/eval_internal.h"
#include "query/parser.h"
#include "tests/query/storage_fixture.h"
#include "tidemark/engine.h"

namespace tidemark::promql {
namespace {

constexpr int64_t kMin = 60 * 1000;

class EvalFixture : public testing::StorageFixture {
 protected:
  // Adds `count` samples start, start+step, ... with values first, first+inc, ...
  void Load(const Labels& labels, int64_t start, int64_t step, int count, double first,
            double inc) {
    auto app = storage_->NewAppender();
    for (int i = 0; i < count; ++i) app->Add(labels, start + i * step, first + i * inc);
    auto report = app->Commit();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_EQ(report->rejected, 0u);
  }
  // One sample, stored bit for bit (a stale marker must not pass through arithmetic).
  void Add(const Labels& labels, int64_t t, double v) {
    auto app = storage_->NewAppender();
    app->Add(labels, t, v);
    auto report = app->Commit();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_EQ(report->rejected, 0u);
  }

  Result<QueryResult> Instant(const std::string& query, int64_t t,
                              const QueryContext& ctx = QueryContext()) {
    ParseOptions po;
    po.enable_experimental_functions = true;
    auto expr = ParseExpr(query, po);
    if (!expr.ok()) return expr.status();
    return QueryEngine(options_).Instant(*storage_, **expr, t, ctx);
  }
  Result<QueryResult> RangeQuery(const std::string& query, int64_t start, int64_t end,
                                 int64_t step) {
    ParseOptions po;
    po.enable_experimental_functions = true;
    auto expr = ParseExpr(query, po);
    if (!expr.ok()) return expr.status();
    return QueryEngine(options_).Range(*storage_, **expr, start, end, step, QueryContext());
  }

  // The instant vector as "labels => value" strings, sorted.
  std::vector<std::string> Vec(const std::string& query, int64_t t) {
    auto r = Instant(query, t);
    EXPECT_TRUE(r.ok()) << query << ": " << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_EQ(r->type, ValueType::kVector) << query;
    std::vector<std::string> out;
    for (const VectorSample& s : r->vector) {
      EXPECT_EQ(s.t, t);
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%g", s.f);
      out.push_back(s.metric.ToString() + " => " + buf);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  double Scalar(const std::string& query, int64_t t) {
    auto r = Instant(query, t);
    EXPECT_TRUE(r.ok()) << query << ": " << r.status().ToString();
    if (!r.ok()) return std::nan("");
    EXPECT_EQ(r->type, ValueType::kScalar);
    return r->scalar;
  }
  Status Error(const std::string& query, int64_t t) {
    auto r = Instant(query, t);
    EXPECT_FALSE(r.ok()) << query;
    return r.ok() ? Status::OK() : r.status();
  }

  EngineOptions options_;
};

using EvalSelectors = EvalFixture;
using EvalBinaryOps = EvalFixture;
using EvalAggregations = EvalFixture;
using EvalFunctions = EvalFixture;
using EvalRangeQueries = EvalFixture;
using EvalLimits = EvalFixture;

using V = std::vector<std::string>;

TEST_F(EvalSelectors, LookbackAndStaleMarkers) {
  Load({{"__name__", "x"}}, 0, kMin, 3, 1, 1);  // 1 @0, 2 @1m, 3 @2m
  Add({{"__name__", "x"}}, 3 * kMin, StaleMarker());
  Load({{"__name__", "y"}}, 0, kMin, 1, 7, 0);
  EXPECT_EQ(Vec("x", 90'000), V({"x{} => 2"}));
  EXPECT_EQ(Vec("x", 2 * kMin), V({"x{} => 3"}));
  // The stale marker ends the series at once.
  EXPECT_EQ(Vec("x", 3 * kMin), V());
  EXPECT_EQ(Vec("x", 4 * kMin), V());
  // The lookback window (t - 5m, t] is open on the left.
  EXPECT_EQ(Vec("y", 5 * kMin - 1), V({"y{} => 7"}));
  EXPECT_EQ(Vec("y", 5 * kMin), V());
}

TEST_F(EvalSelectors, RangeWindowsAreLeftOpenAndSkipStaleMarkers) {
  Load({{"__name__", "x"}}, 0, kMin, 4, 1, 1);
  Add({{"__name__", "x"}}, 4 * kMin, StaleMarker());
  auto r = Instant("x[2m]", 3 * kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->matrix.size(), 1u);
  ASSERT_EQ(r->matrix[0].floats.size(), 2u);  // 2m and 3m; 1m is on the open edge
  EXPECT_EQ(r->matrix[0].floats[0].t, 2 * kMin);
  EXPECT_EQ(r->matrix[0].floats[1].f, 4);
  r = Instant("x[2m]", 5 * kMin - 1);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->matrix.size(), 1u);
  EXPECT_EQ(r->matrix[0].floats.size(), 1u);  // 3m; 4m is a stale marker: dropped
  r = Instant("x[2m]", 5 * kMin);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->matrix.empty());
}

TEST_F(EvalSelectors, OffsetAndAtModifier) {
  Load({{"__name__", "x"}}, 0, kMin, 10, 0, 10);  // 0, 10, ... 90 at 0..9m
  EXPECT_EQ(Vec("x offset 2m", 5 * kMin), V({"x{} => 30"}));
  EXPECT_EQ(Vec("x offset -2m", 5 * kMin), V({"x{} => 70"}));
  EXPECT_EQ(Vec("x @ 120", 9 * kMin), V({"x{} => 20"}));
  EXPECT_EQ(Vec("x @ 180 offset 1m", 9 * kMin), V({"x{} => 20"}));
  // @ is step invariant: the same value at every step of a range query.
  auto r = RangeQuery("x @ 60", 0, 4 * kMin, kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->matrix.size(), 1u);
  ASSERT_EQ(r->matrix[0].floats.size(), 5u);
  for (const FPoint& p : r->matrix[0].floats) EXPECT_EQ(p.f, 10);
  r = RangeQuery("x @ end()", 0, 3 * kMin, kMin);
  ASSERT_TRUE(r.ok());
  for (const FPoint& p : r->matrix[0].floats) EXPECT_EQ(p.f, 30);
}

TEST_F(EvalSelectors, SubqueryStepsAreAlignedToTheEpoch) {
  Load({{"__name__", "x"}}, 0, 10'000, 100, 0, 1);  // value = seconds / 10
  auto r = Instant("x[1m:20s]", 125'000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->matrix.size(), 1u);
  const auto& pts = r->matrix[0].floats;
  ASSERT_EQ(pts.size(), 3u);  // steps 80s, 100s, 120s in (65s, 125s]
  EXPECT_EQ(pts[0].t, 80'000);
  EXPECT_EQ(pts[0].f, 8);
  EXPECT_EQ(pts[2].t, 120'000);
  // Offset shifts the subquery; the default step is the evaluation interval (1m).
  r = Instant("x[3m:] offset 1m", 5 * kMin);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->matrix[0].floats.size(), 3u);  // 2m, 3m, 4m
  EXPECT_EQ(r->matrix[0].floats.back().t, 4 * kMin);
  EXPECT_EQ(r->matrix[0].floats.back().f, 24);
  EXPECT_EQ(Vec("sum_over_time(x[1m:20s])", 125'000), V({"{} => 30"}));
  // Pinned at 65s: steps 20s, 40s, 60s.
  EXPECT_EQ(Vec("sum_over_time(x[1m:20s] @ 65)", 500'000), V({"{} => 12"}));
}

TEST_F(EvalBinaryOps, ScalarAndVectorArithmetic) {
  Load({{"__name__", "x"}, {"a", "1"}}, 0, kMin, 1, 6, 0);
  Load({{"__name__", "x"}, {"a", "2"}}, 0, kMin, 1, -3, 0);
  EXPECT_DOUBLE_EQ(Scalar("1 + 2 * 3 ^ 2", 0), 19);
  EXPECT_DOUBLE_EQ(Scalar("-7 % 3", 0), -1);  // Go's math.Mod keeps the dividend's sign
  EXPECT_TRUE(std::isinf(Scalar("1 / 0", 0)));
  EXPECT_TRUE(std::isnan(Scalar("0 / 0", 0)));
  EXPECT_DOUBLE_EQ(Scalar("2 > bool 1", 0), 1);
  EXPECT_EQ(Vec("x * 2", 0), V({"{a=\"1\"} => 12", "{a=\"2\"} => -6"}));
  EXPECT_EQ(Vec("10 - x", 0), V({"{a=\"1\"} => 4", "{a=\"2\"} => 13"}));
  // Comparisons filter and keep the vector's value and name; bool drops the name.
  EXPECT_EQ(Vec("x > 0", 0), V({"x{a=\"1\"} => 6"}));
  EXPECT_EQ(Vec("0 < x", 0), V({"x{a=\"1\"} => 6"}));
  EXPECT_EQ(Vec("x > bool 0", 0), V({"{a=\"1\"} => 1", "{a=\"2\"} => 0"}));
  EXPECT_EQ(Vec("-x", 0), V({"{a=\"1\"} => -6", "{a=\"2\"} => 3"}));
  EXPECT_EQ(Vec("x atan2 0", 0).size(), 2u);
}

TEST_F(EvalBinaryOps, VectorMatching) {
  Load({{"__name__", "req"}, {"job", "api"}, {"code", "200"}}, 0, kMin, 1, 8, 0);
  Load({{"__name__", "req"}, {"job", "api"}, {"code", "500"}}, 0, kMin, 1, 2, 0);
  Load({{"__name__", "req"}, {"job", "web"}, {"code", "200"}}, 0, kMin, 1, 5, 0);
  Load({{"__name__", "total"}, {"job", "api"}, {"team", "a"}}, 0, kMin, 1, 10, 0);
  Load({{"__name__", "total"}, {"job", "web"}, {"team", "b"}}, 0, kMin, 1, 20, 0);

  EXPECT_EQ(Vec("req / on(job) group_left total", 0),
            V({"{code=\"200\", job=\"api\"} => 0.8", "{code=\"200\", job=\"web\"} => 0.25",
               "{code=\"500\", job=\"api\"} => 0.2"}));
  EXPECT_EQ(Vec("req / on(job) group_left(team) total", 0),
            V({"{code=\"200\", job=\"api\", team=\"a\"} => 0.8",
               "{code=\"200\", job=\"web\", team=\"b\"} => 0.25",
               "{code=\"500\", job=\"api\", team=\"a\"} => 0.2"}));
  EXPECT_EQ(Vec("total / on(job) group_right req", 0).size(), 3u);
  EXPECT_EQ(Vec("req{code=\"200\"} + ignoring(code, team) total", 0),
            V({"{job=\"api\"} => 18", "{job=\"web\"} => 25"}));
  // One-to-one `on` keeps only the matching labels, also for a filtering comparison.
  EXPECT_EQ(Vec("req{code=\"200\"} > on(job) total - 7", 0), V({"{job=\"api\"} => 8"}));
  EXPECT_EQ(Vec("req{code=\"200\"} > ignoring(code, team) total - 7", 0),
            V({"req{job=\"api\"} => 8"}));
  // Set operators.
  EXPECT_EQ(Vec("req and on(job) total{team=\"b\"}", 0),
            V({"req{code=\"200\", job=\"web\"} => 5"}));
  EXPECT_EQ(Vec("req{job=\"web\"} or total", 0),
            V({"req{code=\"200\", job=\"web\"} => 5", "total{job=\"api\", team=\"a\"} => 10",
               "total{job=\"web\", team=\"b\"} => 20"}));
  EXPECT_EQ(Vec("req unless on(code) req{job=\"web\"}", 0),
            V({"req{code=\"500\", job=\"api\"} => 2"}));

  Status s = Error("req / on(job) total", 0);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("many-to-one matching must be explicit"), std::string::npos)
      << s.message();
  s = Error("total / on(job) group_left req", 0);
  EXPECT_NE(s.message().find("found duplicate series for the match group {job=\"api\"} on the "
                             "right hand-side of the operation"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("many-to-many matching not allowed"), std::string::npos);
  s = Error("req / on(job) group_right total", 0);
  EXPECT_NE(s.message().find("on the left hand-side"), std::string::npos) << s.message();
}

TEST_F(EvalAggregations, Operators) {
  Load({{"__name__", "m"}, {"g", "a"}, {"i", "1"}}, 0, kMin, 1, 1, 0);
  Load({{"__name__", "m"}, {"g", "a"}, {"i", "2"}}, 0, kMin, 1, 3, 0);
  Load({{"__name__", "m"}, {"g", "b"}, {"i", "3"}}, 0, kMin, 1, 10, 0);
  Load({{"__name__", "m"}, {"g", "b"}, {"i", "4"}}, 0, kMin, 1, 10, 0);
  EXPECT_EQ(Vec("sum(m)", 0), V({"{} => 24"}));
  EXPECT_EQ(Vec("sum by (g) (m)", 0), V({"{g=\"a\"} => 4", "{g=\"b\"} => 20"}));
  EXPECT_EQ(Vec("avg without (i) (m)", 0), V({"{g=\"a\"} => 2", "{g=\"b\"} => 10"}));
  EXPECT_EQ(Vec("min(m)", 0), V({"{} => 1"}));
  EXPECT_EQ(Vec("max by (g) (m)", 0), V({"{g=\"a\"} => 3", "{g=\"b\"} => 10"}));
  EXPECT_EQ(Vec("count(m)", 0), V({"{} => 4"}));
  EXPECT_EQ(Vec("group by (g) (m)", 0), V({"{g=\"a\"} => 1", "{g=\"b\"} => 1"}));
  EXPECT_EQ(Vec("stdvar by (g) (m)", 0), V({"{g=\"a\"} => 1", "{g=\"b\"} => 0"}));
  EXPECT_EQ(Vec("stddev by (g) (m)", 0), V({"{g=\"a\"} => 1", "{g=\"b\"} => 0"}));
  EXPECT_EQ(Vec("quantile(0.5, m)", 0), V({"{} => 6.5"}));
  EXPECT_EQ(Vec("count_values(\"v\", m)", 0),
            V({"{v=\"1\"} => 1", "{v=\"10\"} => 2", "{v=\"3\"} => 1"}));
  EXPECT_EQ(Vec("topk(1, m{g=\"a\"})", 0), V({"m{g=\"a\", i=\"2\"} => 3"}));
  EXPECT_EQ(Vec("bottomk by (g) (1, m)", 0).size(), 2u);
  EXPECT_EQ(Vec("limitk(2, m)", 0).size(), 2u);
  EXPECT_EQ(Vec("limit_ratio(1, m)", 0).size(), 4u);
  EXPECT_EQ(Vec("topk(0, m)", 0), V());

  // topk orders its result by value, highest first.
  auto r = Instant("topk(3, m)", 0);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->vector.size(), 3u);
  EXPECT_EQ(r->vector[0].f, 10);
  EXPECT_EQ(r->vector[2].f, 3);

  // A quantile outside [0, 1] is ±Inf with a warning.
  r = Instant("quantile(2, m)", 0);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->vector.size(), 1u);
  EXPECT_TRUE(std::isinf(r->vector[0].f));
  ASSERT_EQ(r->annotations.warnings.size(), 1u);
  EXPECT_EQ(r->annotations.warnings[0],
            "PromQL warning: quantile value should be between 0 and 1, got 2");

  EXPECT_EQ(Error("topk(scalar(nonexistent), m)", 0).message(), "Parameter value is NaN");
  // fmt's %v of the float, as Prometheus writes it.
  EXPECT_EQ(Error("topk(9.3e18, m)", 0).message(), "Scalar value 9.3e+18 overflows int64");
  EXPECT_EQ(Error("count_values(\"\", m)", 0).message(), "invalid label name \"\"");
}

TEST_F(EvalAggregations, LimitRatioIsDeterministicAndComplementary) {
  for (int i = 0; i < 20; ++i) {
    Load({{"__name__", "m"}, {"i", std::to_string(i)}}, 0, kMin, 1, i, 0);
  }
  const auto some = Vec("limit_ratio(0.3, m)", 0);
  const auto rest = Vec("limit_ratio(-0.7, m)", 0);
  EXPECT_EQ(some.size() + rest.size(), 20u);
  EXPECT_EQ(Vec("limit_ratio(0.3, m)", 0), some);
  for (const std::string& s : some) {
    EXPECT_EQ(std::find(rest.begin(), rest.end(), s), rest.end()) << s;
  }
}

TEST_F(EvalFunctions, AbsentAndTimestamp) {
  Add({{"__name__", "x"}, {"job", "a"}}, 10'000, 1);
  EXPECT_EQ(Vec("absent(x)", 20'000), V());
  EXPECT_EQ(Vec("absent(nope{job=\"a\", env=~\"p.*\", k=\"v\"})", 20'000),
            V({"{job=\"a\", k=\"v\"} => 1"}));
  EXPECT_EQ(Vec("absent_over_time(x[5s])", 20'000), V({"{} => 1"}));
  EXPECT_EQ(Vec("absent_over_time(x[15s])", 20'000), V());
  EXPECT_EQ(Vec("absent_over_time(nope{job=\"b\"}[1m])", 20'000), V({"{job=\"b\"} => 1"}));
  // timestamp() of a selector is the sample's own time; of anything else, the step's.
  EXPECT_EQ(Vec("timestamp(x)", 20'000), V({"{job=\"a\"} => 10"}));
  EXPECT_EQ(Vec("timestamp(x + 1)", 20'000), V({"{job=\"a\"} => 20"}));
}

TEST_F(EvalFunctions, RangeFunctionsDropTheNameExceptLastOverTime) {
  Load({{"__name__", "c_total"}}, 0, kMin, 11, 0, 60);
  EXPECT_EQ(Vec("rate(c_total[5m])", 10 * kMin), V({"{} => 1"}));
  EXPECT_EQ(Vec("last_over_time(c_total[5m])", 10 * kMin), V({"c_total{} => 600"}));
  EXPECT_EQ(Vec("count_over_time(c_total[5m])", 10 * kMin), V({"{} => 5"}));
  // rate() of a metric not named like a counter adds an info annotation.
  Load({{"__name__", "gauge"}}, 0, kMin, 11, 0, 60);
  auto r = Instant("rate(gauge[5m])", 10 * kMin);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->annotations.infos.size(), 1u);
  EXPECT_NE(r->annotations.infos[0].find("metric might not be a counter"), std::string::npos);
}

// Series a selector reads are distinct, so a range function's results can only collide when
// dropping __name__ (or __type__, __unit__) merged two: the check runs whenever those differ.
TEST_F(EvalFunctions, RangeFunctionsReportSeriesOnlyTheirNamesTellApart) {
  Load({{"__name__", "a_total"}, {"env", "1"}}, 0, kMin, 11, 0, 60);
  Load({{"__name__", "a_total"}, {"env", "2"}}, 0, kMin, 11, 0, 120);
  Load({{"__name__", "b_total"}, {"env", "3"}}, 0, kMin, 11, 0, 180);
  // One name, or several names that leave distinct series: no error.
  EXPECT_EQ(Vec("rate(a_total[5m])", 10 * kMin), V({"{env=\"1\"} => 1", "{env=\"2\"} => 2"}));
  EXPECT_EQ(Vec("rate({__name__=~\".+_total\"}[5m])", 10 * kMin),
            V({"{env=\"1\"} => 1", "{env=\"2\"} => 2", "{env=\"3\"} => 3"}));
  // The colliding series comes last in the selection, after series that differ in name only.
  Load({{"__name__", "c_total"}, {"env", "2"}}, 0, kMin, 11, 0, 60);
  EXPECT_EQ(Error("rate({__name__=~\".+_total\"}[5m])", 10 * kMin).message(),
            "vector cannot contain metrics with the same labelset");
  EXPECT_EQ(Error("increase({env=\"2\"}[5m])", 10 * kMin).message(),
            "vector cannot contain metrics with the same labelset");
  // Series that differ only in __unit__ collide too.
  Load({{"__name__", "d"}, {"__unit__", "seconds"}, {"k", "v"}}, 0, kMin, 11, 0, 1);
  Load({{"__name__", "d"}, {"__unit__", "milliseconds"}, {"k", "v"}}, 0, kMin, 11, 0, 1000);
  EXPECT_EQ(Error("max_over_time(d[5m])", 10 * kMin).message(),
            "vector cannot contain metrics with the same labelset");
  // last_over_time keeps the name: nothing collides.
  EXPECT_EQ(Vec("last_over_time(d[5m])", 10 * kMin).size(), 2u);
}

// An aggregation `by` labels reads only those (and the name, type and unit) of its input's
// series. Equal partial label sets are then no sign of duplicates: the range function reads its
// selection again in full when names, types or units differ, and finds the true ones.
TEST_F(EvalFunctions, AggregationsByLabelsReadThemAloneAndStillFindDuplicates) {
  options_.delayed_name_removal = false;  // as the server: a range function's duplicates fail it
  Load({{"__name__", "a_total"}, {"env", "1"}, {"pod", "x"}}, 0, kMin, 11, 0, 60);
  Load({{"__name__", "a_total"}, {"env", "1"}, {"pod", "y"}}, 0, kMin, 11, 0, 120);
  Load({{"__name__", "b_total"}, {"env", "2"}, {"pod", "x"}}, 0, kMin, 11, 0, 180);
  EXPECT_EQ(Vec("sum by (env) (rate(a_total[5m]))", 10 * kMin), V({"{env=\"1\"} => 3"}));
  EXPECT_EQ(Vec("sum by (env) (rate({__name__=~\".+_total\"}[5m]))", 10 * kMin),
            V({"{env=\"1\"} => 3", "{env=\"2\"} => 3"}));
  EXPECT_EQ(Vec("count by (env) ({__name__=~\".+_total\"})", 10 * kMin),
            V({"{env=\"1\"} => 2", "{env=\"2\"} => 1"}));
  EXPECT_EQ(Vec("avg(max_over_time(a_total[5m]))", 10 * kMin), V({"{} => 900"}));
  // topk returns its input's series whole.
  EXPECT_EQ(Vec("topk by (env) (1, rate(a_total[5m]))", 10 * kMin),
            V({"{env=\"1\", pod=\"y\"} => 2"}));
  // b_total{env="1", pod="y"} and a_total{env="1", pod="y"} collide once their names go.
  Load({{"__name__", "b_total"}, {"env", "1"}, {"pod", "y"}}, 0, kMin, 11, 0, 60);
  EXPECT_EQ(Error("sum by (env) (rate({__name__=~\".+_total\"}[5m]))", 10 * kMin).message(),
            "vector cannot contain metrics with the same labelset");
  EXPECT_EQ(Error("sum by (env) (rate({pod=\"y\"}[5m]))", 10 * kMin).message(),
            "vector cannot contain metrics with the same labelset");
  // Series that differ only in pod do not.
  EXPECT_EQ(Vec("sum by (env) (rate({__name__=\"a_total\"}[5m]))", 10 * kMin),
            V({"{env=\"1\"} => 3"}));
}

TEST_F(EvalFunctions, DelayedNameRemoval) {
  Load({{"__name__", "a_total"}, {"env", "1"}}, 0, kMin, 11, 0, 60);
  Load({{"__name__", "b_total"}, {"env", "1"}}, 0, kMin, 11, 0, 120);
  // The names are still there when label_replace reads them ...
  EXPECT_EQ(
      Vec("label_replace(rate({env=\"1\"}[5m]), \"n\", \"$1\", \"__name__\", \"(.+)\")", 10 * kMin),
      V({"{env=\"1\", n=\"a_total\"} => 1", "{env=\"1\", n=\"b_total\"} => 2"}));
  // ... grouping by them keeps two groups whose names go at the end: a duplicate.
  EXPECT_EQ(Error("sum by (__name__) (rate({env=\"1\"}[5m]))", 10 * kMin).message(),
            "vector cannot contain metrics with the same labelset");
  EXPECT_EQ(Vec("sum(rate({env=\"1\"}[5m])) by (env)", 10 * kMin), V({"{env=\"1\"} => 3"}));
  EXPECT_EQ(Error("{env=\"1\"} * 2", 10 * kMin).message(),
            "vector cannot contain metrics with the same labelset");
}

TEST_F(EvalRangeQueries, MatrixSortedByLabels) {
  Load({{"__name__", "x"}, {"k", "b"}}, 0, kMin, 5, 1, 1);
  Load({{"__name__", "x"}, {"k", "a"}}, 2 * kMin, kMin, 3, 10, 0);
  auto r = RangeQuery("x", 0, 4 * kMin, kMin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->matrix.size(), 2u);
  EXPECT_EQ(r->matrix[0].metric.Get("k"), "a");
  EXPECT_EQ(r->matrix[0].floats.size(), 3u);
  EXPECT_EQ(r->matrix[0].floats[0].t, 2 * kMin);
  EXPECT_EQ(r->matrix[1].floats.size(), 5u);

  r = RangeQuery("time()", 0, 2 * kMin, kMin);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->matrix.size(), 1u);
  EXPECT_TRUE(r->matrix[0].metric.empty());
  EXPECT_EQ(r->matrix[0].floats[2].f, 120);

  r = RangeQuery("sum by (k) (x)", 0, 4 * kMin, kMin);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->matrix.size(), 2u);
  EXPECT_EQ(r->matrix[1].floats.back().f, 5);

  r = RangeQuery("topk(1, x)", 0, 4 * kMin, kMin);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->matrix.size(), 2u);  // b until 1m, a (10) from 2m
  EXPECT_EQ(r->matrix[0].floats.size(), 3u);

  r = RangeQuery("\"s\"", 0, kMin, kMin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "invalid expression type \"string\" for range query, must be Scalar or instant Vector");
  r = RangeQuery("x[1m]", 0, kMin, kMin);
  ASSERT_FALSE(r.ok());
}

TEST_F(EvalLimits, EvaluatesExpressionsAsDeepAsTheParserAllows) {
  Load({{"__name__", "x"}, {"job", "a"}}, 0, 10'000, 30, 2, 0);
  const int n = kDefaultMaxExprDepth - 4;
  std::string sum = "x";
  for (int i = 0; i < n; ++i) sum += "+1";
  EXPECT_EQ(Vec(sum, 2 * kMin),
            std::vector<std::string>{"{job=\"a\"} => " + std::to_string(n + 2)});
  std::string nested = "x";
  for (int i = 0; i < n / 2; ++i) nested = "abs(" + nested + ")";
  EXPECT_EQ(Vec(nested, 2 * kMin), std::vector<std::string>{"{job=\"a\"} => 2"});
  std::string either = "x";
  for (int i = 0; i < n; ++i) either += " or x";
  EXPECT_EQ(Vec(either, 2 * kMin), std::vector<std::string>{"x{job=\"a\"} => 2"});
  std::string subqueries = "x";
  for (int i = 0; i < n / 4; ++i) subqueries = "last_over_time((" + subqueries + ")[1m:10s])";
  EXPECT_EQ(Vec(subqueries, 2 * kMin), std::vector<std::string>{"x{job=\"a\"} => 2"});
}

TEST_F(EvalLimits, MaxSamplesDeadlineAndCancel) {
  for (int i = 0; i < 10; ++i) {
    Load({{"__name__", "x"}, {"i", std::to_string(i)}}, 0, 10'000, 30, 1, 1);
  }
  options_.max_samples = 50;
  auto r = Instant("x[5m]", 5 * kMin);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "query processing would load too many samples into memory in query execution");
  EXPECT_TRUE(Instant("sum(x)", 5 * kMin).ok());  // 10 samples
  auto rr = RangeQuery("x", 0, 5 * kMin, kMin);
  ASSERT_FALSE(rr.ok());
  EXPECT_EQ(rr.status().code(), StatusCode::kResourceExhausted);

  options_ = EngineOptions();
  QueryContext past;
  past.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  r = Instant("sum(x)", 5 * kMin, past);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), "query timed out in query execution");

  std::atomic<bool> cancelled{true};
  QueryContext cancel;
  cancel.cancelled = &cancelled;
  r = Instant("sum(x)", 5 * kMin, cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), "query was canceled in query execution");
}

// Memory (issue 14): a query's samples and the labels of the series it builds count against its
// own limit and a budget shared with other queries, each refusal naming its limit; what a query
// took from the shared budget is given back when it ends, refused or not.
TEST_F(EvalLimits, QueryMemoryCountsAgainstItsOwnLimitAndASharedBudget) {
  // 200 series of a counter with 100-character values, so that labels, not samples, weigh.
  for (int i = 0; i < 200; ++i) {
    Load({{"__name__", "x"}, {"i", std::to_string(i)}, {"pad", std::string(100, 'p')}}, 0, 15'000,
         40, i * 1000, 1);
  }
  // Fits: about 200 series of a few hundred bytes, and few samples.
  options_.max_bytes_per_query = 1 << 20;
  EXPECT_TRUE(Instant("sum(rate(x[5m]))", 10 * kMin).ok());
  // count_values of a value that differs at every step and series makes a series of each: 8,000
  // series, over 1 MiB with their index, while their samples alone (8,000) weigh 128 KiB.
  auto r = RangeQuery("count_values(\"v\", x)", 0, 10 * kMin, 15'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().ToString();
  EXPECT_EQ(r.status().message(),
            "query would hold more than max_bytes_per_query (1048576 bytes) of samples and series "
            "labels in memory");
  options_.max_bytes_per_query = 0;
  EXPECT_TRUE(RangeQuery("count_values(\"v\", x)", 0, 10 * kMin, 15'000).ok());

  // The shared budget: a query that needs more than is left fails, and gives back what it took.
  auto budget = std::make_shared<util::MemoryBudget>(64 << 20);
  options_.memory_budget = budget;
  EXPECT_TRUE(Instant("sum(rate(x[5m]))", 10 * kMin).ok());
  EXPECT_EQ(budget->used(), 0u);
  ASSERT_TRUE(budget->TryReserve((64 << 20) - (1 << 20)));  // other queries hold most of it
  r = RangeQuery("count_values(\"v\", x)", 0, 10 * kMin, 15'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "the queries running at once would hold more than max_bytes_all_queries (67108864 "
            "bytes) in memory; retry later");
  EXPECT_EQ(budget->used(), (64u << 20) - (1u << 20));
  budget->Release((64 << 20) - (1 << 20));
  EXPECT_TRUE(RangeQuery("count_values(\"v\", x)", 0, 10 * kMin, 15'000).ok());
  EXPECT_EQ(budget->used(), 0u);
}

// A subquery with billions of steps (issue 14: `max_over_time(node_load1[1y:1ms])` ran 38 s past
// a 10 s timeout): over sparse data it costs its samples, not its steps, and a step loop that is
// long for real stops at the deadline instead of after it.
TEST_F(EvalLimits, FineSubqueriesCostTheirSamplesAndStopAtTheDeadline) {
  constexpr int64_t kYear = 365 * 24 * 3600 * 1000LL;
  const int64_t end = 2 * kYear;
  // Half an hour of a gauge at 15 s, ending at `end`: 120 samples, the largest 119 (at a 1 ms
  // step the subquery still holds 2.1 million points).
  Load({{"__name__", "x"}, {"job", "a"}}, end - 1800 * 1000 + 15'000, 15'000, 120, 0, 1);
  QueryContext bounded;
  bounded.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto r = Instant("max_over_time(x[1y:1ms])", end, bounded);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->vector.size(), 1u);
  EXPECT_EQ(r->vector[0].f, 119);
  // Every step from the first sample on has a point: the jumps over empty steps land exactly
  // on the first step a sample answers, also with an offset that moves them.
  const int64_t first = end - 1800 * 1000 + 15'000;
  auto value = [&](const std::string& query) {
    auto v = Instant(query, end);
    EXPECT_TRUE(v.ok() && v->vector.size() == 1) << query;
    return v.ok() && v->vector.size() == 1 ? v->vector[0].f : -1;
  };
  EXPECT_EQ(value("count_over_time(x[1y:1ms])"), static_cast<double>(end - first + 1));
  EXPECT_EQ(value("count_over_time(x[1y:1ms] offset 10m)"),
            static_cast<double>(end - first + 1 - 600'000));
  EXPECT_EQ(value("min_over_time(x[1y:1ms] offset 10m)"), 0);
  EXPECT_EQ(value("max_over_time(x[1y:1ms] offset 10m)"), 79);
  // Three billion steps of rate() before the data begins: stopped at a 300 ms deadline, long
  // before the loop would end.
  QueryContext soon;
  soon.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  r = Instant("max_over_time(rate(x[5m])[1y:10ms])", end, soon);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(took, std::chrono::seconds(5));
}

// Go's float formatting the evaluator uses is pinned in tests/util/go_text_test.cc.
TEST(EvalHelpers, LabelsStringAndHash) {
  EXPECT_EQ(eval::XxHash64(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(eval::XxHash64("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(eval::PromLabelsString(Labels{{"__name__", "up"}, {"a", "x\"y"}}),
            "{__name__=\"up\", a=\"x\\\"y\"}");
  // labels.String(): names that are not legacy label names (a colon is not) are quoted, and
  // both are quoted as strconv.Quote does.
  EXPECT_EQ(eval::PromLabelsString(Labels{{"a:b", "\a\xff"}, {"http.method", "GET"}}),
            "{\"a:b\"=\"\\a\\xff\", \"http.method\"=\"GET\"}");
}

}  // namespace
}  // namespace tidemark::promql
