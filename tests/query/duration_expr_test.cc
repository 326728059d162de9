// Duration expressions (Prometheus 3's promql-duration-expr): parsing, the feature gate, printing
// round trips, parse-time errors, and query-time step()/range() in the engine.
#include "query/duration_expr.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>

#include "query/engine.h"
#include "query/parser.h"
#include "tests/query/storage_fixture.h"
#include "tidemark/engine.h"

namespace tidemark::promql {
namespace {

ParseOptions Enabled() {
  ParseOptions po;
  po.enable_duration_expressions = true;
  return po;
}

std::string Reprint(const std::string& query) {
  auto expr = ParseExpr(query, Enabled());
  EXPECT_TRUE(expr.ok()) << query << ": " << expr.status().ToString();
  if (!expr.ok()) return "";
  return FormatExpr(**expr);
}

std::string ParseError(const std::string& query, const ParseOptions& po = Enabled()) {
  auto expr = ParseExpr(query, po);
  EXPECT_FALSE(expr.ok()) << query << " parsed as " << (expr.ok() ? FormatExpr(**expr) : "");
  return expr.ok() ? "" : expr.status().message();
}

TEST(DurationExprParse, ConstantExpressionsAreFoldedAtParseTime) {
  auto expr = ParseExpr("foo[26m+4m]", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  const auto& ms = static_cast<const MatrixSelector&>(**expr);
  EXPECT_EQ(ms.range_ms, 30 * 60 * 1000);
  ASSERT_NE(ms.range_expr, nullptr);

  expr = ParseExpr("foo[2m*(10+5)]", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  EXPECT_EQ(static_cast<const MatrixSelector&>(**expr).range_ms, 30 * 60 * 1000);

  expr = ParseExpr("foo offset (1h - 5m)", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  EXPECT_EQ(static_cast<const VectorSelector&>(**expr).offset_ms, 55 * 60 * 1000);

  expr = ParseExpr("foo[29s+1s:20*500ms] offset -(2 * 5s)", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  const auto& sq = static_cast<const SubqueryExpr&>(**expr);
  EXPECT_EQ(sq.range_ms, 30000);
  EXPECT_EQ(sq.step_ms, 10000);
  EXPECT_EQ(sq.offset_ms, -10000);
}

TEST(DurationExprParse, PlainLiteralsStayPlain) {
  auto expr = ParseExpr("foo[(5m)] offset -4", ParseOptions());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  const auto& ms = static_cast<const MatrixSelector&>(**expr);
  EXPECT_EQ(ms.range_ms, 5 * 60 * 1000);
  EXPECT_EQ(ms.range_expr, nullptr);
  EXPECT_EQ(ms.vector_selector().offset_ms, -4000);
  EXPECT_EQ(FormatExpr(**expr), "foo[5m] offset -4s");
}

TEST(DurationExprParse, OffsetBindsOnlyItsOperand) {
  // `foo offset -2 ^ 2` is `(foo offset -2s) ^ 2`; parentheses make the whole a duration.
  auto expr = ParseExpr("foo offset -2 ^ 2", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  EXPECT_EQ((*expr)->kind, ExprKind::kBinary);
  expr = ParseExpr("foo offset (-2 ^ 2)", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  ASSERT_EQ((*expr)->kind, ExprKind::kVectorSelector);
  EXPECT_EQ(static_cast<const VectorSelector&>(**expr).offset_ms, -4000);
  expr = ParseExpr("foo offset -step() * 2", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  EXPECT_EQ((*expr)->kind, ExprKind::kBinary);
}

TEST(DurationExprParse, GatedBehindTheFeatureFlag) {
  const ParseOptions off;
  EXPECT_EQ(ParseError("foo[5m+1m]", off),
            "1:5: parse error: experimental duration expression is not enabled");
  EXPECT_EQ(ParseError("foo offset step()", off),
            "1:12: parse error: experimental duration expression is not enabled");
  EXPECT_EQ(ParseError("foo[1m:min_of(step(), 1m)]", off),
            "1:8: parse error: experimental duration expression is not enabled");
}

TEST(DurationExprParse, Errors) {
  EXPECT_EQ(ParseError("foo[5m-5m]"), "1:4: parse error: duration must be greater than 0");
  EXPECT_EQ(ParseError("foo[5m/0]"), "1:7: parse error: division by zero");
  EXPECT_EQ(ParseError("foo[5m%0]"), "1:7: parse error: modulo by zero");
  EXPECT_EQ(ParseError("foo[5m:1m-2m]"), "1:8: parse error: duration must be greater than 0");
  EXPECT_EQ(ParseError("foo[5m+]"),
            "1:8: parse error: unexpected \"]\" in subquery selector, expected number or duration");
  EXPECT_EQ(ParseError("foo[min_of(1m)]"),
            "1:14: parse error: unexpected \")\" in duration expression, expected \",\"");
}

TEST(DurationExprPrint, RoundTrips) {
  const char* const kCases[][2] = {
      {"foo[26m+4m]", "foo[26m + 4m]"},
      {"foo[-5m+35m]", "foo[-5m + 35m]"},
      {"foo[2m*(10+5)]", "foo[2m * (10 + 5)]"},
      {"foo[1+(STep()-5)*2]", "foo[1 + (step() - 5) * 2]"},
      {"foo[((max_of(min_of((step()+1),((1h))),1ms)))]",
       "foo[(max_of(min_of((step() + 1), 1h), 1ms))]"},
      {"foo[29s+1s:5s+5s] offset (1h - 5m)", "foo[29s + 1s:5s + 5s] offset (1h - 5m)"},
      {"foo offset -(min_of(step(), 2s)-5)", "foo offset -(min_of(step(), 2s) - 5)"},
      {"foo offset -step()", "foo offset -step()"},
      {"foo[range()] offset +range()", "foo[range()] offset range()"},
      {"foo[2m^2^0]", "foo[2m ^ 2 ^ 0]"},
  };
  for (const auto& [in, want] : kCases) {
    const std::string printed = Reprint(in);
    EXPECT_EQ(printed, want) << in;
    EXPECT_EQ(Reprint(printed), printed) << in;
  }
}

TEST(DurationExprEval, EvaluateDurationMs) {
  auto expr = ParseExpr("foo[min_of(step() * 2, range())]", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  const DurationExpr& d = *static_cast<const MatrixSelector&>(**expr).range_expr;
  EXPECT_TRUE(DurationExprUsesQuery(d));
  EXPECT_EQ(*EvaluateDurationMs(d, false, 5000, 60000), 10000);
  EXPECT_EQ(*EvaluateDurationMs(d, false, 50000, 60000), 60000);
  auto zero = EvaluateDurationMs(d, /*allow_negative=*/false, 5000, 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "duration must be greater than 0");
  EXPECT_EQ(*EvaluateDurationMs(d, /*allow_negative=*/true, 5000, 0), 0);
}

class DurationExprEngine : public testing::StorageFixture {
 protected:
  void SetUp() override {
    StorageFixture::SetUp();
    if (HasFatalFailure()) return;
    // metric: 0, 1, 2, ... at 0s, 1s, 2s, ... 100s.
    auto app = storage_->NewAppender();
    for (int i = 0; i <= 100; ++i) app->Add({{"__name__", "metric"}}, i * 1000, i);
    auto report = app->Commit();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
  }

  Result<QueryResult> Range(const std::string& query, int64_t start, int64_t end, int64_t step) {
    auto expr = ParseExpr(query, Enabled());
    if (!expr.ok()) return expr.status();
    return QueryEngine(EngineOptions()).Range(*storage_, **expr, start, end, step, QueryContext());
  }
  Result<QueryResult> Instant(const std::string& query, int64_t t) {
    auto expr = ParseExpr(query, Enabled());
    if (!expr.ok()) return expr.status();
    return QueryEngine(EngineOptions()).Instant(*storage_, **expr, t, QueryContext());
  }
};

TEST_F(DurationExprEngine, StepAndRangeTakeTheQuerysValues) {
  auto r = Range("count_over_time(metric[step()])", 50000, 60000, 10000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->matrix.size(), 1u);
  ASSERT_EQ(r->matrix[0].floats.size(), 2u);
  EXPECT_EQ(r->matrix[0].floats[0].f, 10);

  r = Range("metric offset -step() * 2", 50000, 60000, 5000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->matrix.size(), 1u);
  ASSERT_EQ(r->matrix[0].floats.size(), 3u);
  EXPECT_EQ(r->matrix[0].floats[0].f, 110);

  r = Range("metric offset min_of(range(), 8s)", 50000, 60000, 5000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->matrix.size(), 1u);
  EXPECT_EQ(r->matrix[0].floats[0].f, 42);

  // The same parsed tree serves queries with other steps: it is not modified.
  auto expr = ParseExpr("count_over_time(metric[step()])", Enabled());
  ASSERT_TRUE(expr.ok());
  for (int64_t step : {5000, 10000}) {
    auto res =
        QueryEngine(EngineOptions()).Range(*storage_, **expr, 50000, 60000, step, QueryContext());
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    ASSERT_EQ(res->matrix.size(), 1u);
    EXPECT_EQ(res->matrix[0].floats[0].f, static_cast<double>(step / 1000));
  }
  EXPECT_EQ(static_cast<const Call&>(**expr).args[0]->kind, ExprKind::kMatrixSelector);
  EXPECT_EQ(static_cast<const MatrixSelector&>(*static_cast<const Call&>(**expr).args[0]).range_ms,
            0);
}

TEST_F(DurationExprEngine, InstantQueriesHaveZeroStepAndRange) {
  auto r = Instant("metric offset range()", 50000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->vector.size(), 1u);
  EXPECT_EQ(r->vector[0].f, 50);

  r = Instant("count_over_time(metric[step()])", 50000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "duration must be greater than 0");
}

}  // namespace
}  // namespace tidemark::promql
