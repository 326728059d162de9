// Unit tests of the PromQL function implementations, called directly through
// LookupFunctionImpl with hand-built arguments (no parser or evaluator). Expected values come
// from Prometheus' promql/promqltest/testdata where a case exists there.
#include "query/functions.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "query/functions_internal.h"
#include "query/quantile.h"

namespace tidemark::promql {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kMinute = 60 * 1000;

// Points at start, start + step, ... with the given values.
std::vector<FPoint> Series(int64_t start_ms, int64_t step_ms, const std::vector<double>& values) {
  std::vector<FPoint> points;
  for (size_t i = 0; i < values.size(); ++i) {
    points.push_back(FPoint{start_ms + static_cast<int64_t>(i) * step_ms, values[i]});
  }
  return points;
}

// The points of `all` inside the window (t - range, t].
std::vector<FPoint> Window(const std::vector<FPoint>& all, int64_t t, int64_t range_ms) {
  std::vector<FPoint> out;
  for (const FPoint& p : all) {
    if (p.t > t - range_ms && p.t <= t) out.push_back(p);
  }
  return out;
}

struct CallResult {
  Status status;
  Vector out;
  Annotations annotations;
};

CallResult CallFunction(std::string_view name, const FunctionArgs& args) {
  CallResult result;
  FunctionImpl impl = LookupFunctionImpl(name);
  if (impl == nullptr) {
    result.status = Status::NotFound(std::string(name));
    return result;
  }
  result.status = impl(args, FunctionOutput{&result.out, &result.annotations});
  return result;
}

// Calls range function `name` on the window (t - range, t] of `all`; `scalars` are the
// positional scalar arguments (NaN at the range argument's position).
CallResult CallRange(std::string_view name, const Labels& metric, const std::vector<FPoint>& all,
                     int64_t t, int64_t range_ms, std::vector<double> scalars = {}) {
  const std::vector<FPoint> window = Window(all, t, range_ms);
  FunctionArgs args;
  args.t = t;
  args.query_start = args.query_end = t;
  args.range_metric = &metric;
  args.range = &window;
  args.range_ms = range_ms;
  args.window_start = t - range_ms;
  args.window_end = t;
  args.scalars = std::move(scalars);
  return CallFunction(name, args);
}

// Calls an instant-vector function with one vector argument at position 0 (plus scalars and
// strings at their positions).
CallResult CallInstant(std::string_view name, const Vector& in, std::vector<double> scalars = {},
                       std::vector<std::string_view> strings = {}, int64_t t = 0) {
  FunctionArgs args;
  args.t = t;
  args.query_start = args.query_end = t;
  args.vectors = {&in};
  args.scalars = std::move(scalars);
  args.strings = std::move(strings);
  return CallFunction(name, args);
}

double Single(const CallResult& r) {
  EXPECT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.out.size(), 1u);
  return r.out.empty() ? kNaN : r.out[0].f;
}

Labels Metric(std::string name, std::vector<Label> labels = {}) {
  if (!name.empty()) labels.push_back(Label{"__name__", std::move(name)});
  return Labels(std::move(labels));
}

// --- Lookup and annotations ------------------------------------------------------------------

TEST(FuncLookup, KnowsFunctionsButLeavesEvaluatorOnesOut) {
  for (std::string_view name : {"rate", "abs", "label_replace", "histogram_quantile", "sort",
                                "double_exponential_smoothing", "ts_of_max_over_time", "year"}) {
    EXPECT_NE(LookupFunctionImpl(name), nullptr) << name;
  }
  for (std::string_view name : {"absent", "absent_over_time", "timestamp", "info", "nope"}) {
    EXPECT_EQ(LookupFunctionImpl(name), nullptr) << name;
  }
}

TEST(FuncAnnotations, AddsPrefixOnceAndDeduplicates) {
  Annotations a;
  AddWarning(&a, "x");
  AddWarning(&a, "PromQL warning: x");
  AddInfo(&a, "y");
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_EQ(a.warnings[0], "PromQL warning: x");
  ASSERT_EQ(a.infos.size(), 1u);
  EXPECT_EQ(a.infos[0], "PromQL info: y");
}

// --- rate, increase, delta -------------------------------------------------------------------

TEST(FuncRate, IncreaseExtrapolatesAndStopsAtZero) {
  // functions.test: increase(http_requests_total[100m]) at 50m over 0+10x10 etc.
  struct Case {
    double start;
    double want;
  };
  for (const Case& c : {Case{0, 100}, Case{10, 105}, Case{1, 101}}) {
    std::vector<double> values;
    for (int i = 0; i <= 10; ++i) values.push_back(c.start + 10 * i);
    const auto all = Series(0, 5 * kMinute, values);
    EXPECT_DOUBLE_EQ(
        Single(CallRange("increase", Metric("x_total"), all, 50 * kMinute, 100 * kMinute)), c.want)
        << "start " << c.start;
  }
}

TEST(FuncRate, IncreaseCountsCounterReset) {
  const auto all = Series(0, 5 * kMinute, {0, 1, 2, 3, 2, 3, 4});
  EXPECT_DOUBLE_EQ(
      Single(CallRange("increase", Metric("x_total"), all, 30 * kMinute, 30 * kMinute)), 7);
}

TEST(FuncRate, RateOverResetInMiddle) {
  // 0+27x4 0+27x5 at 5m intervals; rate([50m]) at 50m is 0.08.
  const auto all = Series(0, 5 * kMinute, {0, 27, 54, 81, 108, 0, 27, 54, 81, 108, 135});
  EXPECT_NEAR(Single(CallRange("rate", Metric("x_total"), all, 50 * kMinute, 50 * kMinute)), 0.08,
              1e-12);
}

TEST(FuncRate, ZeroCutoffNearStart) {
  // testcounter_zero_cutoff_total: 4m spacing, rate([20m]) at 10m. A start of 60 reaches
  // zero 1m before the first sample: the extrapolation stops there (0.55), while 180 would
  // reach zero beyond half an interval, so half an interval is used (0.6).
  const auto one_minute = Series(0, 4 * kMinute, {60, 300, 540});
  EXPECT_NEAR(Single(CallRange("rate", Metric("c_total"), one_minute, 10 * kMinute, 20 * kMinute)),
              0.55, 1e-12);
  const auto three_minutes = Series(0, 4 * kMinute, {180, 420, 660});
  EXPECT_NEAR(
      Single(CallRange("rate", Metric("c_total"), three_minutes, 10 * kMinute, 20 * kMinute)), 0.6,
      1e-12);
  const auto zero = Series(0, 4 * kMinute, {0, 240, 480});
  EXPECT_NEAR(Single(CallRange("rate", Metric("c_total"), zero, 10 * kMinute, 20 * kMinute)), 0.5,
              1e-12);
}

TEST(FuncRate, NeedsTwoSamples) {
  const auto all = Series(0, 5 * kMinute, {1, 2});
  const CallResult r = CallRange("rate", Metric("x_total"), all, 5 * kMinute, 5 * kMinute);
  EXPECT_TRUE(r.status.ok());
  EXPECT_TRUE(r.out.empty());
}

TEST(FuncRate, EmitsOneValueAtTheStepWithoutLabels) {
  const auto all = Series(0, kMinute, {0, 60});
  const Labels metric = Metric("x_total", {{"job", "a"}});
  const CallResult r = CallRange("rate", metric, all, kMinute, 2 * kMinute);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_TRUE(r.out[0].metric.empty());  // the evaluator keeps the series' labels
  EXPECT_EQ(r.out[0].t, kMinute);
}

TEST(FuncRate, InfoForNonCounterName) {
  const auto all = Series(0, kMinute, {0, 60});
  CallResult r = CallRange("rate", Metric("requests"), all, kMinute, 2 * kMinute);
  ASSERT_EQ(r.annotations.infos.size(), 1u);
  EXPECT_EQ(r.annotations.infos[0],
            "PromQL info: metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: \"requests\"");
  for (std::string_view name : {"a_total", "a_sum", "a_count", "a_bucket", ""}) {
    r = CallRange("increase", Metric(std::string(name)), all, kMinute, 2 * kMinute);
    EXPECT_TRUE(r.annotations.infos.empty()) << name;
  }
  r = CallRange("delta", Metric("requests"), all, kMinute, 2 * kMinute);
  EXPECT_TRUE(r.annotations.infos.empty());
}

TEST(FuncRate, DeltaDoesNotTreatDecreaseAsReset) {
  const auto all = Series(0, kMinute, {10, 4});
  // The first sample is one spacing after the window start (within 110% of it), so the
  // change is extrapolated over the full 2m window: -6 * 2.
  EXPECT_DOUBLE_EQ(Single(CallRange("delta", Metric("g"), all, kMinute, 2 * kMinute)), -12);
}

// --- irate, idelta ---------------------------------------------------------------------------

TEST(FuncIrate, UsesLastTwoSamplesAndHandlesReset) {
  const auto all = Series(0, 5 * kMinute, {0, 10, 20, 30, 40, 50, 0, 10});
  EXPECT_NEAR(Single(CallRange("irate", Metric("x"), all, 25 * kMinute, 50 * kMinute)), 10.0 / 300,
              1e-15);
  // At 30m the last two samples are 50 and 0: a reset, so the rate is 0 / 300s.
  EXPECT_DOUBLE_EQ(Single(CallRange("irate", Metric("x"), all, 30 * kMinute, 50 * kMinute)), 0);
  EXPECT_DOUBLE_EQ(Single(CallRange("idelta", Metric("x"), all, 30 * kMinute, 50 * kMinute)), -50);
}

TEST(FuncIrate, NaNPropagates) {
  const auto all = Series(0, 5 * kMinute, {1, kNaN, kNaN, 5, 11});
  EXPECT_TRUE(std::isnan(Single(CallRange("irate", Metric("x"), all, 15 * kMinute, kMinute * 16))));
  EXPECT_NEAR(Single(CallRange("irate", Metric("x"), all, 20 * kMinute, kMinute * 16)), 0.02,
              1e-15);
}

// --- deriv, predict_linear -------------------------------------------------------------------

TEST(FuncDeriv, SlopeOfLinearSeries) {
  const auto all = Series(0, kMinute, {0, 60, 120, 180});
  EXPECT_NEAR(Single(CallRange("deriv", Metric("x"), all, 3 * kMinute, 10 * kMinute)), 1.0, 1e-12);
  const auto constant = Series(0, kMinute, {5, 5, 5});
  EXPECT_EQ(Single(CallRange("deriv", Metric("x"), constant, 2 * kMinute, 10 * kMinute)), 0);
  const auto inf = Series(0, kMinute, {kInf, kInf});
  EXPECT_TRUE(std::isnan(Single(CallRange("deriv", Metric("x"), inf, kMinute, 10 * kMinute))));
}

TEST(FuncDeriv, PredictLinearExtrapolatesFromEvaluationTime) {
  const auto all = Series(0, kMinute, {0, 60, 120, 180});
  // Slope 1/s; at t = 3m the fitted value is 180, an hour later 3780.
  EXPECT_NEAR(Single(CallRange("predict_linear", Metric("x"), all, 3 * kMinute, 10 * kMinute,
                               {kNaN, 3600})),
              3780, 1e-9);
}

// --- *_over_time -----------------------------------------------------------------------------

TEST(FuncOverTime, Aggregates) {
  const auto all = Series(kMinute, kMinute, {2, 4, 4, 4, 5, 5, 7, 9});
  const int64_t t = 8 * kMinute;
  const int64_t r = 10 * kMinute;
  EXPECT_DOUBLE_EQ(Single(CallRange("avg_over_time", Metric("x"), all, t, r)), 5);
  EXPECT_DOUBLE_EQ(Single(CallRange("sum_over_time", Metric("x"), all, t, r)), 40);
  EXPECT_DOUBLE_EQ(Single(CallRange("count_over_time", Metric("x"), all, t, r)), 8);
  EXPECT_DOUBLE_EQ(Single(CallRange("min_over_time", Metric("x"), all, t, r)), 2);
  EXPECT_DOUBLE_EQ(Single(CallRange("max_over_time", Metric("x"), all, t, r)), 9);
  EXPECT_DOUBLE_EQ(Single(CallRange("stddev_over_time", Metric("x"), all, t, r)), 2);
  EXPECT_DOUBLE_EQ(Single(CallRange("stdvar_over_time", Metric("x"), all, t, r)), 4);
  EXPECT_DOUBLE_EQ(Single(CallRange("present_over_time", Metric("x"), all, t, r)), 1);
  EXPECT_DOUBLE_EQ(Single(CallRange("first_over_time", Metric("x"), all, t, r)), 2);
  EXPECT_DOUBLE_EQ(Single(CallRange("last_over_time", Metric("x"), all, t, r)), 9);
  EXPECT_DOUBLE_EQ(Single(CallRange("ts_of_first_over_time", Metric("x"), all, t, r)), 60);
  EXPECT_DOUBLE_EQ(Single(CallRange("ts_of_last_over_time", Metric("x"), all, t, r)), 480);
  EXPECT_DOUBLE_EQ(Single(CallRange("ts_of_max_over_time", Metric("x"), all, t, r)), 480);
  // The latest of the equal minima... here the minimum is unique, at 1m.
  EXPECT_DOUBLE_EQ(Single(CallRange("ts_of_min_over_time", Metric("x"), all, t, r)), 60);
  // Median 4.5; deviations 2.5 .5 .5 .5 .5 .5 2.5 4.5 -> median 0.5.
  EXPECT_DOUBLE_EQ(Single(CallRange("mad_over_time", Metric("x"), all, t, r)), 0.5);
  EXPECT_DOUBLE_EQ(Single(CallRange("quantile_over_time", Metric("x"), all, t, r, {0.5})), 4.5);
  EXPECT_DOUBLE_EQ(Single(CallRange("changes", Metric("x"), all, t, r)), 4);
  EXPECT_DOUBLE_EQ(Single(CallRange("resets", Metric("x"), all, t, r)), 0);
}

TEST(FuncOverTime, TsOfMinPrefersLatestEqualValue) {
  const auto all = Series(kMinute, kMinute, {3, 1, 2, 1});
  EXPECT_DOUBLE_EQ(
      Single(CallRange("ts_of_min_over_time", Metric("x"), all, 4 * kMinute, 10 * kMinute)), 240);
}

TEST(FuncOverTime, FirstAndLastOverTime) {
  const Labels metric = Metric("x", {{"a", "b"}});
  const auto all = Series(kMinute, kMinute, {1, 2});
  EXPECT_EQ(Single(CallRange("first_over_time", metric, all, 2 * kMinute, 5 * kMinute)), 1);
  EXPECT_EQ(Single(CallRange("last_over_time", metric, all, 2 * kMinute, 5 * kMinute)), 2);
}

TEST(FuncOverTime, EmptyWindowYieldsNothing) {
  const std::vector<FPoint> none;
  for (std::string_view name : {"avg_over_time", "count_over_time", "changes", "resets",
                                "present_over_time", "max_over_time", "stddev_over_time"}) {
    const CallResult r = CallRange(name, Metric("x"), none, kMinute, kMinute);
    EXPECT_TRUE(r.out.empty()) << name;
  }
}

TEST(FuncOverTime, MinMaxSkipLeadingNaN) {
  const auto all = Series(kMinute, kMinute, {kNaN, 3, 1, kNaN});
  EXPECT_DOUBLE_EQ(Single(CallRange("max_over_time", Metric("x"), all, 4 * kMinute, 10 * kMinute)),
                   3);
  EXPECT_DOUBLE_EQ(Single(CallRange("min_over_time", Metric("x"), all, 4 * kMinute, 10 * kMinute)),
                   1);
  const auto nans = Series(kMinute, kMinute, {kNaN, kNaN});
  EXPECT_TRUE(
      std::isnan(Single(CallRange("max_over_time", Metric("x"), nans, 2 * kMinute, 10 * kMinute))));
}

TEST(FuncOverTime, ChangesTreatsNaNAsEqualToNaN) {
  const auto all = Series(0, 5 * kMinute, {0, kNaN, 0});
  EXPECT_DOUBLE_EQ(Single(CallRange("changes", Metric("x"), all, 15 * kMinute, 20 * kMinute)), 2);
  const auto nans = Series(0, 5 * kMinute, {kNaN, kNaN, kNaN});
  EXPECT_DOUBLE_EQ(Single(CallRange("changes", Metric("x"), nans, 15 * kMinute, 20 * kMinute)), 0);
}

TEST(FuncOverTime, StddevIsStableForLargeOffsets) {
  // The naive E[x^2] - E[x]^2 loses every digit here; Welford with Kahan does not.
  std::vector<double> values;
  for (int i = 0; i < 100; ++i) values.push_back(1e9 + (i % 2 == 0 ? 1 : -1));
  const auto all = Series(kMinute, kMinute, values);
  EXPECT_NEAR(Single(CallRange("stddev_over_time", Metric("x"), all, 100 * kMinute, 200 * kMinute)),
              1.0, 1e-9);
}

TEST(FuncOverTime, AvgAndSumSurviveOverflow) {
  const double big = std::numeric_limits<double>::max();
  const auto all = Series(kMinute, kMinute, {big, big});
  EXPECT_EQ(Single(CallRange("avg_over_time", Metric("x"), all, 2 * kMinute, 10 * kMinute)), big);
  EXPECT_EQ(Single(CallRange("sum_over_time", Metric("x"), all, 2 * kMinute, 10 * kMinute)), kInf);
  // Kahan compensation recovers the small addends a plain sum would drop.
  const auto kahan = Series(kMinute, kMinute, {1, 1e100, 1, -1e100});
  EXPECT_DOUBLE_EQ(
      Single(CallRange("sum_over_time", Metric("x"), kahan, 4 * kMinute, 10 * kMinute)), 2);
}

TEST(FuncOverTime, QuantileOverTimeWarnsOnInvalidPhi) {
  const auto all = Series(kMinute, kMinute, {1, 2, 3});
  CallResult r = CallRange("quantile_over_time", Metric("x"), all, 3 * kMinute, 10 * kMinute, {2});
  EXPECT_EQ(Single(r), kInf);
  ASSERT_EQ(r.annotations.warnings.size(), 1u);
  EXPECT_EQ(r.annotations.warnings[0],
            "PromQL warning: quantile value should be between 0 and 1, got 2");
  r = CallRange("quantile_over_time", Metric("x"), all, 3 * kMinute, 10 * kMinute, {-0.1});
  EXPECT_EQ(Single(r), -kInf);
  EXPECT_EQ(r.annotations.warnings[0],
            "PromQL warning: quantile value should be between 0 and 1, got -0.1");
  EXPECT_TRUE(r.annotations.infos.empty());
}

TEST(FuncOverTime, DoubleExponentialSmoothing) {
  const auto all = Series(kMinute, kMinute, {1, 2, 3, 4, 5});
  // A perfectly linear series is reproduced exactly.
  EXPECT_NEAR(Single(CallRange("double_exponential_smoothing", Metric("x"), all, 5 * kMinute,
                               10 * kMinute, {kNaN, 0.5, 0.5})),
              5, 1e-12);
  CallResult r = CallRange("double_exponential_smoothing", Metric("x"), all, 5 * kMinute,
                           10 * kMinute, {kNaN, 1, 0.5});
  EXPECT_EQ(r.status.message(), "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000");
  r = CallRange("double_exponential_smoothing", Metric("x"), all, 5 * kMinute, 10 * kMinute,
                {kNaN, 0.5, 0});
  EXPECT_EQ(r.status.message(), "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
}

// --- Quantile helpers ------------------------------------------------------------------------

TEST(FuncQuantile, InterpolatesBetweenRanks) {
  EXPECT_DOUBLE_EQ(Quantile(0.5, {4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Quantile(0, {4, 1, 3, 2}), 1);
  EXPECT_DOUBLE_EQ(Quantile(1, {4, 1, 3, 2}), 4);
  EXPECT_DOUBLE_EQ(Quantile(0.25, {1, 2, 3, 4, 5}), 2);
  EXPECT_TRUE(std::isnan(Quantile(0.5, {})));
  EXPECT_TRUE(std::isnan(Quantile(kNaN, {1})));
  EXPECT_EQ(Quantile(-1, {1}), -kInf);
  EXPECT_EQ(Quantile(1.5, {1}), kInf);
  // NaN sorts below every number.
  EXPECT_TRUE(std::isnan(Quantile(0, {3, kNaN, 1})));
  EXPECT_DOUBLE_EQ(Quantile(1, {3, kNaN, 1}), 3);
}

TEST(FuncQuantile, BucketQuantileInterpolates) {
  // testhistogram2: q(1/6), q(1/2), q(5/6) are 1, 3, 5.
  const std::vector<ClassicBucket> b = {{0, 0}, {2, 1}, {4, 2}, {6, 3}, {kInf, 3}};
  EXPECT_NEAR(BucketQuantile(1.0 / 6, b).value, 1, 1e-12);
  EXPECT_NEAR(BucketQuantile(0.5, b).value, 3, 1e-12);
  EXPECT_NEAR(BucketQuantile(5.0 / 6, b).value, 5, 1e-12);
  // Into the +Inf bucket: the highest finite bound.
  const std::vector<ClassicBucket> tail = {{1, 1}, {kInf, 10}};
  EXPECT_EQ(BucketQuantile(0.9, tail).value, 1);
  // Lowest bucket with a non-positive bound: that bound.
  const std::vector<ClassicBucket> negative = {{-1, 5}, {kInf, 10}};
  EXPECT_EQ(BucketQuantile(0.1, negative).value, -1);
}

TEST(FuncQuantile, BucketQuantileSpecialCases) {
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{1, 1}, {2, 2}}).value));     // no +Inf bucket
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{kInf, 10}}).value));         // single bucket
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{1, 0}, {kInf, 0}}).value));  // no observations
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {}).value));
  EXPECT_TRUE(std::isnan(BucketQuantile(kNaN, {{1, 1}, {kInf, 2}}).value));
  EXPECT_EQ(BucketQuantile(-0.1, {{1, 1}, {kInf, 2}}).value, -kInf);
  EXPECT_EQ(BucketQuantile(1.1, {{1, 1}, {kInf, 2}}).value, kInf);
}

TEST(FuncQuantile, BucketQuantileForcesMonotonicity) {
  // histograms.test's nonmonotonic_bucket at 50m: 20 10 50 40 90 80 for 0.1 1 10 100 1000 +Inf.
  std::vector<ClassicBucket> b = {{0.1, 20}, {1, 10}, {10, 50}, {100, 40}, {1000, 90}, {kInf, 80}};
  BucketQuantileResult r = BucketQuantile(0.5, b);
  EXPECT_TRUE(r.forced_monotonicity);
  EXPECT_NEAR(r.value, 8.5, 1e-12);
  EXPECT_EQ(r.min_bucket, 1);
  EXPECT_EQ(r.max_bucket, kInf);
  EXPECT_EQ(r.max_diff, 10);
  EXPECT_NEAR(BucketQuantile(0.01, b).value, 0.0045, 1e-12);
  EXPECT_NEAR(BucketQuantile(0.99, b).value, 979.75, 1e-9);
  // Float noise is absorbed without being reported as non-monotonic.
  r = BucketQuantile(0.5, {{1, 10}, {2, 10 - 1e-14}, {kInf, 20}});
  EXPECT_FALSE(r.forced_monotonicity);
  EXPECT_TRUE(r.fixed_precision);
}

TEST(FuncQuantile, BucketFraction) {
  const std::vector<ClassicBucket> b = {{0, 0}, {2, 1}, {4, 2}, {6, 3}, {kInf, 3}};
  EXPECT_NEAR(BucketFraction(0, 4, b), 2.0 / 3, 1e-15);
  EXPECT_NEAR(BucketFraction(0, 3.5, b), 0.5833333333333334, 1e-15);
  const std::vector<ClassicBucket> neg = {{-3, 10}, {-2, 12}, {-1, 15}, {kInf, 100}};
  EXPECT_NEAR(BucketFraction(-4, -2, neg), 0.02, 1e-15);
  EXPECT_NEAR(BucketFraction(-kInf, -1.5, neg), 0.135, 1e-15);
  EXPECT_NEAR(BucketFraction(0, 1, neg), 0, 1e-15);
  EXPECT_EQ(BucketFraction(3, 2, neg), 0);
  EXPECT_TRUE(std::isnan(BucketFraction(kNaN, 1, neg)));
  EXPECT_TRUE(std::isnan(BucketFraction(0, 1, {{1, 0}, {kInf, 0}})));
  EXPECT_NEAR(BucketFraction(400, kInf, {{1, 1}, {2, 3}, {3, 6}, {kInf, 100}}), 0.94, 1e-15);
}

// --- histogram_quantile, histogram_quantiles, histogram_fraction -----------------------------

Vector Buckets(std::string name, const std::vector<std::pair<std::string, double>>& buckets,
               std::vector<Label> extra = {}) {
  Vector v;
  for (const auto& [le, count] : buckets) {
    std::vector<Label> labels = extra;
    labels.push_back({"__name__", name});
    labels.push_back({"le", le});
    v.push_back(VectorSample{Labels(std::move(labels)), 0, count});
  }
  return v;
}

CallResult CallHistogramQuantile(double q, const Vector& in) {
  FunctionArgs args;
  args.vectors = {nullptr, &in};
  args.scalars = {q, kNaN};
  return CallFunction("histogram_quantile", args);
}

TEST(FuncHistogramQuantile, GroupsByLabelsWithoutLe) {
  Vector in = Buckets("req_bucket", {{"0.1", 1}, {"0.2", 3}, {"+Inf", 4}}, {{"job", "a"}});
  const Vector b = Buckets("req_bucket", {{"0.1", 2}, {"0.2", 5}, {"+Inf", 6}}, {{"job", "b"}});
  in.insert(in.end(), b.begin(), b.end());
  const CallResult r = CallHistogramQuantile(0.5, in);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[0].metric, Labels({{"__name__", "req_bucket"}, {"job", "a"}}));
  EXPECT_TRUE(r.out[0].drop_name);
  EXPECT_NEAR(r.out[0].f, 0.15, 1e-12);
  EXPECT_EQ(r.out[1].metric, Labels({{"__name__", "req_bucket"}, {"job", "b"}}));
  EXPECT_NEAR(r.out[1].f, 0.1 + 0.1 * (1.0 / 3), 1e-12);
  EXPECT_TRUE(r.annotations.warnings.empty());
  EXPECT_TRUE(r.annotations.infos.empty());
}

TEST(FuncHistogramQuantile, ParsesLeSpellingsAndCoalesces) {
  // histograms.test's mixed_bucket: "0.2", "2e-1" and "2.0e-1" are one bucket; "+inf" = +Inf.
  const Vector in =
      Buckets("mixed_bucket",
              {{"0.1", 1}, {"0.2", 1}, {"2e-1", 1}, {"2.0e-1", 1}, {"+Inf", 4}, {"+inf", 0}});
  const CallResult r = CallHistogramQuantile(0.5, in);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_NEAR(r.out[0].f, 0.15, 1e-12);  // buckets 0.1:1, 0.2:3, +Inf:4
}

TEST(FuncHistogramQuantile, WarnsOnBadLe) {
  Vector in = Buckets("series", {{"Hello World", 1}});
  in.push_back(VectorSample{Labels({{"__name__", "series"}}), 0, 1});
  const CallResult r = CallHistogramQuantile(0.5, in);
  EXPECT_TRUE(r.out.empty());
  ASSERT_EQ(r.annotations.warnings.size(), 2u);
  EXPECT_EQ(r.annotations.warnings[0],
            "PromQL warning: bucket label \"le\" is missing or has a malformed value of "
            "\"Hello World\" for metric name \"series\"");
  EXPECT_EQ(r.annotations.warnings[1],
            "PromQL warning: bucket label \"le\" is missing or has a malformed value of \"\" for "
            "metric name \"series\"");
}

TEST(FuncHistogramQuantile, MissingInfBucketAndSingleBucket) {
  CallResult r = CallHistogramQuantile(0.5, Buckets("x_bucket", {{"1", 1}, {"2", 2}}));
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_TRUE(std::isnan(r.out[0].f));
  r = CallHistogramQuantile(0.5, Buckets("x_bucket", {{"+Inf", 100}}));
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_TRUE(std::isnan(r.out[0].f));
}

TEST(FuncHistogramQuantile, InvalidPhiWarnsEvenWithoutInput) {
  CallResult r = CallHistogramQuantile(kNaN, Vector());
  EXPECT_TRUE(r.out.empty());
  ASSERT_EQ(r.annotations.warnings.size(), 1u);
  EXPECT_EQ(r.annotations.warnings[0],
            "PromQL warning: quantile value should be between 0 and 1, got NaN");
  r = CallHistogramQuantile(1.01, Buckets("x_bucket", {{"1", 1}, {"+Inf", 2}}));
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].f, kInf);
  EXPECT_EQ(r.annotations.warnings[0],
            "PromQL warning: quantile value should be between 0 and 1, got 1.01");
}

TEST(FuncHistogramQuantile, InfoWhenMonotonicityForced) {
  const CallResult r = CallHistogramQuantile(
      0.5, Buckets("nonmonotonic_bucket",
                   {{"0.1", 20}, {"1", 10}, {"10", 50}, {"100", 40}, {"1000", 90}, {"+Inf", 80}}));
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_NEAR(r.out[0].f, 8.5, 1e-12);
  ASSERT_EQ(r.annotations.infos.size(), 1u);
  EXPECT_EQ(r.annotations.infos[0],
            "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
            "https://prometheus.io/docs/prometheus/latest/querying/functions/"
            "#histogram_quantile) for metric name \"nonmonotonic_bucket\"");
}

TEST(FuncHistogramQuantile, QuantilesAddsLabelAndRejectsCollisions) {
  Vector in = Buckets("h_bucket", {{"0", 0}, {"2", 1}, {"4", 2}, {"6", 3}, {"+Inf", 3}},
                      {{"start", "positive"}});
  const Vector negative = Buckets("h_bucket", {{"-1", 1}, {"+Inf", 2}}, {{"start", "negative"}});
  in.insert(in.end(), negative.begin(), negative.end());
  FunctionArgs args;
  args.vectors = {&in};
  args.strings = {"", "q"};
  args.scalars = {kNaN, kNaN, 0, 0.5, 1};
  CallResult r = CallFunction("histogram_quantiles", args);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 6u);  // per φ, per histogram
  EXPECT_EQ(r.out[0].metric,
            Labels({{"__name__", "h_bucket"}, {"q", "0.0"}, {"start", "positive"}}));
  EXPECT_EQ(r.out[1].metric,
            Labels({{"__name__", "h_bucket"}, {"q", "0.0"}, {"start", "negative"}}));
  EXPECT_EQ(r.out[2].metric,
            Labels({{"__name__", "h_bucket"}, {"q", "0.5"}, {"start", "positive"}}));
  EXPECT_NEAR(r.out[2].f, 3, 1e-12);
  EXPECT_EQ(r.out[4].metric,
            Labels({{"__name__", "h_bucket"}, {"q", "1.0"}, {"start", "positive"}}));
  EXPECT_NEAR(r.out[4].f, 6, 1e-12);
  args.strings = {"", "start"};
  r = CallFunction("histogram_quantiles", args);
  EXPECT_EQ(r.status.message(), "vector cannot contain metrics with the same labelset");
}

TEST(FuncHistogramQuantile, Fraction) {
  const Vector in = Buckets("h_bucket", {{"0", 0}, {"2", 1}, {"4", 2}, {"6", 3}, {"+Inf", 3}});
  FunctionArgs args;
  args.vectors = {nullptr, nullptr, &in};
  args.scalars = {0, 4, kNaN};
  const CallResult r = CallFunction("histogram_fraction", args);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].metric, Labels({{"__name__", "h_bucket"}}));
  EXPECT_NEAR(r.out[0].f, 0.6666666666666666, 1e-15);
}

// --- label_replace, label_join ---------------------------------------------------------------

Vector TestMetric() {
  return {
      VectorSample{Labels({{"__name__", "testmetric"},
                           {"src", "source-value-10"},
                           {"dst", "original-destination-value"}}),
                   0, 0},
      VectorSample{Labels({{"__name__", "testmetric"},
                           {"src", "source-value-20"},
                           {"dst", "original-destination-value"}}),
                   0, 1},
  };
}

CallResult LabelReplace(const Vector& in, std::string_view dst, std::string_view repl,
                        std::string_view src, std::string_view regex) {
  return CallInstant("label_replace", in, {}, {"", dst, repl, src, regex});
}

TEST(FuncLabelReplace, ReplacesOnFullMatchOnly) {
  CallResult r =
      LabelReplace(TestMetric(), "dst", "destination-value-$1", "src", "source-value-(.*)");
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[0].metric.Get("dst"), "destination-value-10");
  EXPECT_EQ(r.out[0].metric.Get("__name__"), "testmetric");
  EXPECT_EQ(r.out[1].metric.Get("dst"), "destination-value-20");
  // No substring match.
  r = LabelReplace(TestMetric(), "dst", "destination-value-$1", "src", "value-(.*)");
  EXPECT_EQ(r.out[0].metric.Get("dst"), "original-destination-value");
  // Multiple groups, ${n} and $$.
  r = LabelReplace(TestMetric(), "dst", "${1}_$2$$", "src", "(.*)-value-(.*)");
  EXPECT_EQ(r.out[0].metric.Get("dst"), "source_10$");
  // `$1x` names a group "1x", which does not exist: it expands to nothing.
  r = LabelReplace(TestMetric(), "dst", "a$1x", "src", "(.*)");
  EXPECT_EQ(r.out[0].metric.Get("dst"), "a");
  // Named groups.
  r = LabelReplace(TestMetric(), "dst", "$num", "src", "source-value-(?P<num>.*)");
  EXPECT_EQ(r.out[1].metric.Get("dst"), "20");
}

TEST(FuncLabelReplace, EmptyResultRemovesLabelAndMissingSourceMatchesEmpty) {
  CallResult r = LabelReplace(TestMetric(), "dst", "", "dst", ".*");
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_FALSE(r.out[0].metric.Has("dst"));
  r = LabelReplace(TestMetric(), "dst", "value-$1", "nonexistent-src", "(.*)");
  EXPECT_EQ(r.out[0].metric.Get("dst"), "value-");
  r = LabelReplace(TestMetric(), "dst", "value-$1", "nonexistent-src", "source-value-(.*)");
  EXPECT_EQ(r.out[0].metric.Get("dst"), "original-destination-value");
}

TEST(FuncLabelReplace, Errors) {
  CallResult r = LabelReplace(TestMetric(), "dst", "value-$1", "src", "(.*");
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(), "invalid regular expression in label_replace(): (.*");
  r = LabelReplace(TestMetric(), "\xff", "", "src", "(.*)");
  EXPECT_EQ(r.status.message(), "invalid destination label name in label_replace(): \xff");
  r = LabelReplace(TestMetric(), "", "", "src", "(.*)");
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  // Dropping `src` from both series leaves two identical label sets.
  r = LabelReplace(TestMetric(), "src", "", "", "");
  EXPECT_EQ(r.status.message(), "vector cannot contain metrics with the same labelset");
  // UTF-8 label names are valid.
  r = LabelReplace(TestMetric(), "ü.name", "x", "src", ".*");
  EXPECT_TRUE(r.status.ok());
}

TEST(FuncLabelJoin, JoinsInOrderAndValidates) {
  const Vector in = {
      VectorSample{Labels({{"__name__", "m"}, {"src", "a"}, {"src1", "b"}, {"src2", "c"}}), 0, 0}};
  CallResult r = CallInstant("label_join", in, {}, {"", "dst", "-", "src", "src3", "src1"});
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].metric.Get("dst"), "a--b");
  EXPECT_EQ(r.out[0].metric.Get("__name__"), "m");
  r = CallInstant("label_join", in, {}, {"", "dst", ", "});
  EXPECT_FALSE(r.out[0].metric.Has("dst"));
  r = CallInstant("label_join", in, {}, {"", "dst", "-", "\xff"});
  EXPECT_EQ(r.status.message(), "invalid source label name in label_join(): \xff");
  r = CallInstant("label_join", in, {}, {"", "", "-", "src"});
  EXPECT_EQ(r.status.message(), "invalid destination label name in label_join(): ");
  const Vector dup = {VectorSample{Labels({{"label", "a"}, {"this", "a"}}), 0, 1},
                      VectorSample{Labels({{"label", "b"}, {"this", "a"}}), 0, 1}};
  r = CallInstant("label_join", dup, {}, {"", "label", "", "this"});
  EXPECT_EQ(r.status.message(), "vector cannot contain metrics with the same labelset");
}

// --- sort ------------------------------------------------------------------------------------

Vector Values(const std::vector<std::pair<std::string, double>>& named) {
  Vector v;
  for (const auto& [name, value] : named) {
    v.push_back(VectorSample{Labels({{"name", name}}), 0, value});
  }
  return v;
}

std::vector<std::string> Names(const Vector& v) {
  std::vector<std::string> out;
  for (const VectorSample& s : v) out.emplace_back(s.metric.Get("name"));
  return out;
}

TEST(FuncSort, ByValueWithNaNLast) {
  const Vector in = Values({{"a", 3}, {"b", kNaN}, {"c", 1}, {"d", 2}});
  EXPECT_EQ(Names(CallInstant("sort", in).out), (std::vector<std::string>{"c", "d", "a", "b"}));
  EXPECT_EQ(Names(CallInstant("sort_desc", in).out),
            (std::vector<std::string>{"a", "d", "c", "b"}));
}

TEST(FuncSort, ByLabelInNaturalOrder) {
  const Vector in = Values({{"node10", 0}, {"node9", 0}, {"node1", 0}, {"alpha", 0}});
  EXPECT_EQ(Names(CallInstant("sort_by_label", in, {}, {"", "name"}).out),
            (std::vector<std::string>{"alpha", "node1", "node9", "node10"}));
  EXPECT_EQ(Names(CallInstant("sort_by_label_desc", in, {}, {"", "name"}).out),
            (std::vector<std::string>{"node10", "node9", "node1", "alpha"}));
  EXPECT_TRUE(internal::NaturalLess("a2", "a10"));
  EXPECT_FALSE(internal::NaturalLess("a10", "a2"));
  EXPECT_TRUE(internal::NaturalLess("abc", "abd"));
}

TEST(FuncSort, ByLabelFallsBackToAllLabels) {
  const Vector in = {VectorSample{Labels({{"g", "1"}, {"x", "b"}}), 0, 0},
                     VectorSample{Labels({{"g", "1"}, {"x", "a"}}), 0, 0}};
  const CallResult r = CallInstant("sort_by_label", in, {}, {"", "g"});
  ASSERT_EQ(r.out.size(), 2u);
  EXPECT_EQ(r.out[0].metric.Get("x"), "a");
}

TEST(FuncSort, SurvivesInconsistentNaturalOrder) {
  // natsort says "a1" < "a01" and "a01" < "a1"; sorting must still terminate in bounds.
  Vector in;
  for (int i = 0; i < 64; ++i)
    in.push_back(
        VectorSample{Labels({{"name", i % 2 ? "a1" : "a01"}, {"i", std::to_string(i)}}), 0, 0});
  const CallResult r = CallInstant("sort_by_label", in, {}, {"", "name"});
  EXPECT_EQ(r.out.size(), in.size());
}

TEST(FuncSort, WarnsInRangeQueries) {
  FunctionArgs args;
  const Vector in = Values({{"a", 1}});
  args.vectors = {&in};
  args.query_start = 0;
  args.query_end = 60000;
  const CallResult r = CallFunction("sort", args);
  ASSERT_EQ(r.annotations.warnings.size(), 1u);
  EXPECT_EQ(r.annotations.warnings[0],
            "PromQL warning: sort is ineffective for range queries since results are always "
            "ordered by labels");
}

// --- Element-wise and scalar functions -------------------------------------------------------

TEST(FuncMath, MarksNameForRemovalAndApplies) {
  const Vector in = {VectorSample{Labels({{"__name__", "m"}, {"a", "b"}}), 0, -2.5}};
  CallResult r = CallInstant("abs", in);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_EQ(r.out[0].metric, in[0].metric);
  EXPECT_TRUE(r.out[0].drop_name);
  EXPECT_EQ(r.out[0].f, 2.5);
  EXPECT_EQ(Single(CallInstant("sgn", in)), -1);
  EXPECT_EQ(Single(CallInstant("ceil", in)), -2);
  EXPECT_EQ(Single(CallInstant("floor", in)), -3);
  EXPECT_EQ(Single(CallInstant("round", in)), -2);  // ties round up
  EXPECT_DOUBLE_EQ(Single(CallInstant("deg", Vector{{Labels(), 0, std::acos(-1.0)}})), 180);
}

TEST(FuncMath, RoundToNearest) {
  const Vector in = {VectorSample{Labels(), 0, 0.26}};
  EXPECT_DOUBLE_EQ(Single(CallInstant("round", in, {kNaN, 0.1})), 0.3);
  EXPECT_DOUBLE_EQ(Single(CallInstant("round", in, {kNaN, 5})), 0);
}

TEST(FuncMath, ClampFollowsGoMinMax) {
  const Vector in = {VectorSample{Labels({{"s", "a"}}), 0, -50},
                     VectorSample{Labels({{"s", "b"}}), 0, 0},
                     VectorSample{Labels({{"s", "c"}}), 0, 100}};
  CallResult r = CallInstant("clamp", in, {kNaN, -25, 75});
  ASSERT_EQ(r.out.size(), 3u);
  EXPECT_EQ(r.out[0].f, -25);
  EXPECT_EQ(r.out[2].f, 75);
  r = CallInstant("clamp", in, {kNaN, 0, kNaN});
  ASSERT_EQ(r.out.size(), 3u);
  for (const VectorSample& s : r.out) EXPECT_TRUE(std::isnan(s.f));
  r = CallInstant("clamp", in, {kNaN, 5, -5});
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(CallInstant("clamp_min", in, {kNaN, -25}).out[0].f, -25);
  EXPECT_EQ(CallInstant("clamp_max", in, {kNaN, 75}).out[2].f, 75);
}

TEST(FuncMath, ScalarAndVector) {
  EXPECT_TRUE(std::isnan(Single(CallInstant("scalar", Vector()))));
  EXPECT_EQ(Single(CallInstant("scalar", Vector{{Labels({{"a", "b"}}), 0, 7}})), 7);
  EXPECT_TRUE(std::isnan(
      Single(CallInstant("scalar", Vector{{Labels({{"a", "b"}}), 0, 7}, {Labels(), 0, 8}}))));
  FunctionArgs args;
  args.scalars = {3};
  args.t = 5000;
  CallResult r = CallFunction("vector", args);
  ASSERT_EQ(r.out.size(), 1u);
  EXPECT_TRUE(r.out[0].metric.empty());
  EXPECT_EQ(r.out[0].f, 3);
  EXPECT_EQ(Single(CallFunction("time", args)), 5);
}

// --- Calendar functions ----------------------------------------------------------------------

double DateOf(std::string_view fn, double unix_seconds) {
  return Single(CallInstant(fn, Vector{{Labels(), 0, unix_seconds}}));
}

TEST(FuncDate, KnownTimestamps) {
  // 2006-01-02 22:04:05 UTC, a Monday (functions.test).
  EXPECT_EQ(DateOf("year", 1136239445), 2006);
  EXPECT_EQ(DateOf("month", 1136239445), 1);
  EXPECT_EQ(DateOf("day_of_month", 1136239445), 2);
  EXPECT_EQ(DateOf("day_of_year", 1136239445), 2);
  EXPECT_EQ(DateOf("day_of_week", 1136239445), 1);
  EXPECT_EQ(DateOf("hour", 1136239445), 22);
  EXPECT_EQ(DateOf("minute", 1136239445), 4);
  EXPECT_EQ(DateOf("days_in_month", 1136239445), 31);
  // Around the 2008 leap second and in leap years.
  EXPECT_EQ(DateOf("year", 1230767999), 2008);
  EXPECT_EQ(DateOf("year", 1230768000), 2009);
  EXPECT_EQ(DateOf("month", 1456790399), 2);
  EXPECT_EQ(DateOf("day_of_month", 1456790399), 29);
  EXPECT_EQ(DateOf("day_of_year", 1483191420), 366);
  EXPECT_EQ(DateOf("day_of_year", 1672493820), 365);
  EXPECT_EQ(DateOf("days_in_month", 1454284800), 29);
  EXPECT_EQ(DateOf("days_in_month", 1485907200), 28);
  // Before the epoch: 1969-12-31 23:59:59, a Wednesday.
  EXPECT_EQ(DateOf("year", -1), 1969);
  EXPECT_EQ(DateOf("day_of_week", -1), 3);
  EXPECT_EQ(DateOf("hour", -1), 23);
  EXPECT_TRUE(std::isnan(DateOf("year", kNaN)));
}

TEST(FuncDate, NoArgumentUsesEvaluationTime) {
  FunctionArgs args;
  args.t = 0;
  EXPECT_EQ(Single(CallFunction("year", args)), 1970);
  EXPECT_EQ(Single(CallFunction("day_of_week", args)), 4);  // a Thursday
  args.t = 1136239445500;
  EXPECT_EQ(Single(CallFunction("minute", args)), 4);
}

// --- Prometheus' float formatting (Go's own is pinned in tests/util/go_text_test.cc) ---------

TEST(FuncFormat, OpenMetricsFloatsEndInPointZeroWhenIntegral) {
  EXPECT_EQ(internal::FormatOpenMetricsFloat(1), "1.0");
  EXPECT_EQ(internal::FormatOpenMetricsFloat(2), "2.0");
  EXPECT_EQ(internal::FormatOpenMetricsFloat(0.25), "0.25");
  EXPECT_EQ(internal::FormatOpenMetricsFloat(1e6), "1e+06");
  EXPECT_EQ(internal::FormatOpenMetricsFloat(kNaN), "NaN");
}

}  // namespace
}  // namespace tidemark::promql
