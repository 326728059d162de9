// The .test-file parser of the PromQL conformance driver (tests/query/promqltest).
#include <gtest/gtest.h>

#include <cmath>
#include <variant>

#include "tests/query/promqltest/test_file.h"
#include "tidemark/engine.h"

namespace tidemark::promqltest {
namespace {

std::vector<double> Values(const SeriesDescription& d) {
  std::vector<double> out;
  for (const auto& v : d.values) out.push_back(v.omitted ? -12345 : v.value);
  return out;
}

TEST(TestFileSeries, ExpandsIncreasingSequence) {
  auto d = ParseSeriesDescription(R"(http_requests{job="api", instance="0"} 0+10x3)");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->metric, (Labels{{"__name__", "http_requests"}, {"job", "api"}, {"instance", "0"}}));
  EXPECT_EQ(Values(*d), (std::vector<double>{0, 10, 20, 30}));
}

TEST(TestFileSeries, ExpandsDecreasingAndSignedStart) {
  auto d = ParseSeriesDescription("m 1-1x3 -2+1x1 5x2");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(Values(*d), (std::vector<double>{1, 0, -1, -2, -2, -1, 5, 5, 5}));
}

TEST(TestFileSeries, FractionalStepsAccumulate) {
  auto d = ParseSeriesDescription("m 0+0.1x3");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->values.size(), 4u);
  EXPECT_EQ(d->values[3].value, 0.0 + 0.1 + 0.1 + 0.1);
}

TEST(TestFileSeries, BlanksAndRepeatedBlanks) {
  auto d = ParseSeriesDescription("m _ 1 _x3 2");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->values.size(), 6u);
  EXPECT_TRUE(d->values[0].omitted);
  EXPECT_FALSE(d->values[1].omitted);
  EXPECT_TRUE(d->values[2].omitted && d->values[3].omitted && d->values[4].omitted);
  EXPECT_EQ(d->values[5].value, 2);
}

TEST(TestFileSeries, StaleInfNaNAndExponents) {
  auto d = ParseSeriesDescription("m stale Inf -Inf +inf NaN 1.5e3 -2.5E-1 .5");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ(d->values.size(), 8u);
  EXPECT_TRUE(IsStaleMarker(d->values[0].value));
  EXPECT_EQ(d->values[1].value, INFINITY);
  EXPECT_EQ(d->values[2].value, -INFINITY);
  EXPECT_EQ(d->values[3].value, INFINITY);
  EXPECT_TRUE(std::isnan(d->values[4].value) && !IsStaleMarker(d->values[4].value));
  EXPECT_EQ(d->values[5].value, 1500);
  EXPECT_EQ(d->values[6].value, -0.25);
  EXPECT_EQ(d->values[7].value, 0.5);
}

TEST(TestFileSeries, ZeroXIsARepetitionNotHex) {
  auto d = ParseSeriesDescription("m 0x2");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(Values(*d), (std::vector<double>{0, 0, 0}));
}

TEST(TestFileSeries, RejectsBadValues) {
  EXPECT_FALSE(ParseSeriesDescription("m 1m").ok());
  EXPECT_FALSE(ParseSeriesDescription("m foo").ok());
  EXPECT_FALSE(ParseSeriesDescription("m 1+1").ok());
  EXPECT_FALSE(ParseSeriesDescription("m -stale").ok());
  EXPECT_FALSE(ParseSeriesDescription(R"(m{a="b" 1)").ok());
  EXPECT_FALSE(ParseSeriesDescription("m _x99999999999").ok());
}

TEST(TestFileSeries, QuotedLabelsAndNames) {
  auto d = ParseSeriesDescription(
      R"({"service.name"="a\"b", 'single'='x\n', "http.requests", raw=`C:\dir`} 1)");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->metric.Get("__name__"), "http.requests");
  EXPECT_EQ(d->metric.Get("service.name"), "a\"b");
  EXPECT_EQ(d->metric.Get("single"), "x\n");
  EXPECT_EQ(d->metric.Get("raw"), "C:\\dir");
}

TEST(TestFileSeries, UnicodeEscapesAndUtf8) {
  auto d = ParseSeriesDescription(R"(m{a="\u00e9", b="é", c="\x41"} 1)");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->metric.Get("a"), "é");
  EXPECT_EQ(d->metric.Get("b"), "é");
  EXPECT_EQ(d->metric.Get("c"), "A");
}

TEST(TestFileSeries, EmptyLabelSetAndTrailingComma) {
  auto d = ParseSeriesDescription("{} 3");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->metric.empty());
  d = ParseSeriesDescription(R"(m{a="1",} 3)");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->metric.size(), 2u);
}

TEST(TestFileSeries, NativeHistogramIsFlagged) {
  auto d = ParseSeriesDescription("h {{schema:0 sum:5 count:4 buckets:[1 2 1]}}x2");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->native_histogram);
  EXPECT_TRUE(d->values.empty());
}

TEST(TestFileNumbers, DurationsAndNumbers) {
  EXPECT_EQ(*ParseTestDuration("0"), 0);
  EXPECT_EQ(*ParseTestDuration("1h30m"), 5'400'000);
  EXPECT_EQ(*ParseTestDuration("10s53ms"), 10'053);
  EXPECT_EQ(*ParseTestDuration("1d"), 86'400'000);
  EXPECT_FALSE(ParseTestDuration("").ok());
  EXPECT_FALSE(ParseTestDuration("30s1m").ok());
  EXPECT_FALSE(ParseTestDuration("1.5s").ok());
  EXPECT_EQ(*ParseTestNumber("0x1f"), 31);
  EXPECT_EQ(*ParseTestNumber("017"), 15);
  EXPECT_EQ(*ParseTestNumber("-3.5"), -3.5);
  EXPECT_EQ(*ParseTestNumber("+Inf"), INFINITY);
  EXPECT_TRUE(std::isnan(*ParseTestNumber("NaN")));
  EXPECT_EQ(*ParseTestNumber("0x1p-2"), 0.25);
  EXPECT_FALSE(ParseTestNumber("{} 1").ok());
  EXPECT_FALSE(ParseTestNumber("foo").ok());
}

TEST(TestFileCommands, LoadEvalAndClear) {
  auto file = ParseTestFile(R"(# a comment
load 5m
  a{x="1"} 0+1x2
  b 1 _ stale

eval instant at 10m a
  a{x="1"} 2

clear

eval range from 0 to 10m step 5m b
  b 1 _ _
)");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(file->commands.size(), 4u);
  const auto& load = std::get<LoadCommand>(file->commands[0]);
  EXPECT_EQ(load.line, 2);
  EXPECT_EQ(load.interval_ms, 300'000);
  ASSERT_EQ(load.series.size(), 2u);
  EXPECT_TRUE(IsStaleMarker(load.series[1].values[2].value));

  const auto& instant = std::get<EvalCommand>(file->commands[1]);
  EXPECT_EQ(instant.line, 6);
  EXPECT_FALSE(instant.is_range);
  EXPECT_EQ(instant.expr, "a");
  EXPECT_EQ(instant.eval_ms, 600'000);
  ASSERT_EQ(instant.expected_series.size(), 1u);
  EXPECT_EQ(instant.expected_series[0].values[0].value, 2);

  EXPECT_TRUE(std::holds_alternative<ClearCommand>(file->commands[2]));

  const auto& range = std::get<EvalCommand>(file->commands[3]);
  EXPECT_TRUE(range.is_range);
  EXPECT_EQ(range.start_ms, 0);
  EXPECT_EQ(range.end_ms, 600'000);
  EXPECT_EQ(range.step_ms, 300'000);
  ASSERT_EQ(range.expected_series.size(), 1u);
  EXPECT_EQ(range.expected_series[0].values.size(), 3u);
}

TEST(TestFileCommands, ExpectLines) {
  auto file = ParseTestFile(R"(eval instant at 1m foo
  expect fail msg: vector cannot contain metrics with the same labelset
  expect warn regex: ^PromQL warning: .*
  expect no_info
  expect ordered
  {a="2"} 1
  {a="1"} 2
)");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const auto& eval = std::get<EvalCommand>(file->commands[0]);
  EXPECT_TRUE(eval.IsFail());
  EXPECT_TRUE(eval.IsOrdered());
  auto fails = eval.Expectations(ExpectKind::kFail);
  ASSERT_EQ(fails.size(), 1u);
  EXPECT_FALSE(fails[0]->is_regex);
  EXPECT_EQ(fails[0]->text, "vector cannot contain metrics with the same labelset");
  auto warns = eval.Expectations(ExpectKind::kWarn);
  ASSERT_EQ(warns.size(), 1u);
  EXPECT_TRUE(warns[0]->is_regex);
  EXPECT_EQ(warns[0]->text, "^PromQL warning: .*");
  ASSERT_EQ(eval.expected_series.size(), 2u);
  EXPECT_EQ(eval.expected_series[0].position, 1);
  EXPECT_EQ(eval.expected_series[1].position, 2);
}

TEST(TestFileCommands, ExpectFailWithoutMessageMatchesAnything) {
  auto file = ParseTestFile("eval instant at 0 foo\n  expect fail\n");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto fails = std::get<EvalCommand>(file->commands[0]).Expectations(ExpectKind::kFail);
  ASSERT_EQ(fails.size(), 1u);
  EXPECT_TRUE(fails[0]->is_regex);
  EXPECT_EQ(fails[0]->text, "^.*$");
}

TEST(TestFileCommands, ConflictingExpectLinesAreRejected) {
  EXPECT_FALSE(ParseTestFile("eval instant at 0 foo\n  expect warn\n  expect no_warn\n").ok());
  EXPECT_FALSE(ParseTestFile("eval instant at 0 foo\n  expect fail\n  expect fail\n").ok());
  EXPECT_FALSE(ParseTestFile("eval instant at 0 foo\n  expect bogus\n").ok());
}

TEST(TestFileCommands, ScalarStringAndRangeVectorResults) {
  auto file = ParseTestFile(R"(eval instant at 50m 1 + 1
  2

eval instant at 50m "Foo"
  expect string `Foo`

eval instant at 1m some_metric[1m]
  expect range vector from 10s to 1m step 10s
  some_metric{env="a"} 2 3 4 5 6
)");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const auto& scalar = std::get<EvalCommand>(file->commands[0]);
  EXPECT_TRUE(scalar.expect_scalar);
  EXPECT_EQ(scalar.expected_scalar, 2);
  const auto& str = std::get<EvalCommand>(file->commands[1]);
  EXPECT_EQ(str.expected_string, "Foo");
  EXPECT_TRUE(str.exclude_from_range_query);
  const auto& rv = std::get<EvalCommand>(file->commands[2]);
  EXPECT_TRUE(rv.exclude_from_range_query);
  EXPECT_EQ(rv.start_ms, 10'000);
  EXPECT_EQ(rv.end_ms, 60'000);
  EXPECT_EQ(rv.step_ms, 10'000);
  EXPECT_EQ(rv.eval_ms, 60'000);
  ASSERT_EQ(rv.expected_series.size(), 1u);
  EXPECT_EQ(rv.expected_series[0].values.size(), 5u);
}

TEST(TestFileCommands, LegacyFormsAndMultipleValuesInInstantEval) {
  auto file = ParseTestFile(
      "eval_fail instant at 0 foo\n  expected_fail_message boom\n\n"
      "eval_ordered instant at 0 foo\n  {} 1\n");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const auto& fail = std::get<EvalCommand>(file->commands[0]);
  EXPECT_TRUE(fail.IsFail());
  EXPECT_EQ(fail.expected_fail_message, "boom");
  EXPECT_TRUE(std::get<EvalCommand>(file->commands[1]).IsOrdered());
  EXPECT_FALSE(ParseTestFile("eval instant at 0 foo\n  {} 1 2\n").ok());
}

TEST(TestFileCommands, LoadWithNhcbAndStartTimestampLines) {
  auto file = ParseTestFile("load_with_nhcb 1m\n  h_bucket{le=\"1\"} 1 2\n  h_bucket@st -1m\n");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const auto& load = std::get<LoadCommand>(file->commands[0]);
  EXPECT_TRUE(load.with_nhcb);
  EXPECT_EQ(load.interval_ms, 60'000);
  EXPECT_EQ(load.series.size(), 1u);
}

TEST(TestFileCommands, UnknownCommandIsAnError) {
  auto file = ParseTestFile("\n\nfrobnicate 1\n");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("line 3"), std::string::npos);
}

}  // namespace
}  // namespace tidemark::promqltest
