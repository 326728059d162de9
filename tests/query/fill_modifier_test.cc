// The fill / fill_left / fill_right binary-operator modifiers (Prometheus 3, experimental):
// parsing, the feature gate, printing, and evaluation including group_left/group_right.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "query/engine.h"
#include "query/parser.h"
#include "tests/query/storage_fixture.h"
#include "tidemark/engine.h"

namespace tidemark::promql {
namespace {

ParseOptions Enabled() {
  ParseOptions po;
  po.enable_experimental_functions = true;
  return po;
}

TEST(FillModifierParse, SetsFillValues) {
  auto expr = ParseExpr("a + on(x) group_left fill_left(5) fill_right(-Inf) b", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  const auto& b = static_cast<const BinaryExpr&>(**expr);
  ASSERT_NE(b.matching, nullptr);
  EXPECT_EQ(b.matching->fill_lhs, 5);
  EXPECT_EQ(b.matching->fill_rhs, -std::numeric_limits<double>::infinity());
  EXPECT_FALSE(b.matching->fill_both);
}

TEST(FillModifierParse, MetricsNamedLikeTheModifiers) {
  auto expr = ParseExpr("fill + fill(0) fill_left", Enabled());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  const auto& b = static_cast<const BinaryExpr&>(**expr);
  EXPECT_EQ(static_cast<const VectorSelector&>(*b.lhs).name, "fill");
  EXPECT_EQ(static_cast<const VectorSelector&>(*b.rhs).name, "fill_left");
  EXPECT_TRUE(b.matching->fill_both);

  expr = ParseExpr("other + fill", ParseOptions());
  ASSERT_TRUE(expr.ok()) << expr.status().ToString();
  EXPECT_FALSE(static_cast<const BinaryExpr&>(**expr).matching->fill_lhs.has_value());
}

TEST(FillModifierParse, Errors) {
  auto expr = ParseExpr("a + fill(0) b", ParseOptions());
  ASSERT_FALSE(expr.ok());
  EXPECT_EQ(expr.status().message(),
            "1:5: parse error: fill modifiers are experimental and not enabled");
  expr = ParseExpr("a + fill(0) 1", Enabled());
  ASSERT_FALSE(expr.ok());
  EXPECT_EQ(expr.status().message(),
            "1:1: parse error: filling is only allowed between instant vectors");
  expr = ParseExpr("a and fill(0) b", Enabled());
  ASSERT_FALSE(expr.ok());
  EXPECT_EQ(expr.status().message(),
            "1:1: parse error: filling is not allowed for set operation \"and\"");
  expr = ParseExpr("a + fill(0) fill_left(1) b", Enabled());
  ASSERT_FALSE(expr.ok());
  EXPECT_EQ(expr.status().message(), "1:13: parse error: duplicate fill modifier \"fill_left\"");
  expr = ParseExpr("a + fill(x) b", Enabled());
  ASSERT_FALSE(expr.ok());
}

TEST(FillModifierPrint, RoundTrips) {
  const char* const kCases[][2] = {
      {"a + fill(0) b", "a + fill (0) b"},
      {"a == bool fill(NaN) b", "a == bool fill (NaN) b"},
      {"a + on(x) group_left(y) fill_right(2.5) b", "a + on (x) group_left (y) fill_right (2.5) b"},
      {"a + fill_left(1e6) fill_right(-Inf) b", "a + fill_left (1e+06) fill_right (-Inf) b"},
      {"a + fill_left(3) fill_right(3) b", "a + fill_left (3) fill_right (3) b"},
  };
  for (const auto& [in, want] : kCases) {
    auto expr = ParseExpr(in, Enabled());
    ASSERT_TRUE(expr.ok()) << in << ": " << expr.status().ToString();
    EXPECT_EQ(FormatExpr(**expr), want) << in;
    auto again = ParseExpr(FormatExpr(**expr), Enabled());
    ASSERT_TRUE(again.ok()) << want << ": " << again.status().ToString();
    EXPECT_EQ(FormatExpr(**again), want);
  }
}

class FillModifierEval : public testing::StorageFixture {
 protected:
  void SetUp() override {
    StorageFixture::SetUp();
    if (HasFatalFailure()) return;
    auto app = storage_->NewAppender();
    app->Add({{"__name__", "left"}, {"k", "a"}}, 0, 10);
    app->Add({{"__name__", "left"}, {"k", "b"}}, 0, 20);
    app->Add({{"__name__", "right"}, {"k", "a"}}, 0, 100);
    app->Add({{"__name__", "right"}, {"k", "c"}}, 0, 300);
    app->Add({{"__name__", "one"}, {"i", "x"}}, 0, 2);
    app->Add({{"__name__", "one"}, {"i", "z"}}, 0, 3);
    app->Add({{"__name__", "many"}, {"i", "x"}, {"c", "0"}}, 0, 10);
    app->Add({{"__name__", "many"}, {"i", "y"}, {"c", "0"}}, 0, 20);
    auto report = app->Commit();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
  }

  std::vector<std::string> Vec(const std::string& query) {
    auto expr = ParseExpr(query, Enabled());
    EXPECT_TRUE(expr.ok()) << query << ": " << expr.status().ToString();
    if (!expr.ok()) return {};
    auto r = QueryEngine(EngineOptions()).Instant(*storage_, **expr, 0, QueryContext());
    EXPECT_TRUE(r.ok()) << query << ": " << r.status().ToString();
    if (!r.ok()) return {};
    std::vector<std::string> out;
    for (const VectorSample& s : r->vector) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%g", s.f);
      out.push_back(s.metric.ToString() + " => " + buf);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(FillModifierEval, OneToOne) {
  EXPECT_EQ(Vec("left - fill(1) right"),
            (std::vector<std::string>{"{k=\"a\"} => -90", "{k=\"b\"} => 19", "{k=\"c\"} => -299"}));
  EXPECT_EQ(Vec("left - fill_right(1) right"),
            (std::vector<std::string>{"{k=\"a\"} => -90", "{k=\"b\"} => 19"}));
  EXPECT_EQ(Vec("left - fill_left(1) right"),
            (std::vector<std::string>{"{k=\"a\"} => -90", "{k=\"c\"} => -299"}));
  // A comparison keeps the (possibly filled) left value and the left metric name.
  EXPECT_EQ(
      Vec("left < fill(50) right"),
      (std::vector<std::string>{"left{k=\"a\"} => 10", "left{k=\"b\"} => 20", "{k=\"c\"} => 50"}));
  EXPECT_EQ(Vec("left + fill(0) nothing"),
            (std::vector<std::string>{"{k=\"a\"} => 10", "{k=\"b\"} => 20"}));
}

TEST_F(FillModifierEval, GroupRightAppliesFillAfterSwappingSides) {
  // As in Prometheus, group_right swaps the operands internally but not the fill values: the
  // fill_right value stands in for the missing "one" side (left operand) of a "many" series.
  EXPECT_EQ(Vec("one - on(i) group_right fill_right(1) many"),
            (std::vector<std::string>{"{c=\"0\", i=\"x\"} => -8", "{c=\"0\", i=\"y\"} => -19"}));
  EXPECT_EQ(Vec("one - on(i) group_right fill_left(1) many"),
            (std::vector<std::string>{"{c=\"0\", i=\"x\"} => -8", "{i=\"z\"} => 2"}));
}

}  // namespace
}  // namespace tidemark::promql
