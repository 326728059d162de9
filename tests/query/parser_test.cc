#include "query/parser.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "query/lexer.h"

namespace tidemark::promql {
namespace {

ParseOptions Experimental() {
  ParseOptions options;
  options.enable_experimental_functions = true;
  return options;
}

std::string ParseAndFormat(const std::string& input, const ParseOptions& options = Experimental()) {
  auto expr = ParseExpr(input, options);
  if (!expr.ok()) return "ERROR: " + expr.status().message();
  return FormatExpr(**expr);
}

// ---- Valid expressions and their canonical form ----

struct FormatCase {
  const char* input;
  const char* want;
};

constexpr FormatCase kFormatCases[] = {
    // Numbers.
    {"1", "1"},
    {"+Inf", "+Inf"},
    {"-Inf", "-Inf"},
    {"inf", "+Inf"},
    {"NaN", "NaN"},
    {"nan", "NaN"},
    {".5", "0.5"},
    {"5.", "5"},
    {"123.4567", "123.4567"},
    {"5e-3", "0.005"},
    {"5e3", "5000"},
    {"1e20", "100000000000000000000"},
    {"0xc", "12"},
    {"0x1F", "31"},
    {"0755", "493"},
    {"08", "8"},
    {"+5.5e-3", "0.0055"},
    {"-0755", "-493"},
    {"1_000", "1000"},
    {"5m", "300"},
    {"1h30m", "5400"},
    {"100ms", "0.1"},
    // Scalar arithmetic, precedence and associativity.
    {"1 + 1", "1 + 1"},
    {"1 == bool 1", "1 == bool 1"},
    {"1 < bool 2 - 1 * 2", "1 < bool 2 - 1 * 2"},
    {"-1^2", "-1 ^ 2"},
    {"-1*2", "-1 * 2"},
    {"-1^-2", "-1 ^ -2"},
    {"+1 + -2 * 1", "1 + -2 * 1"},
    {"1 + 2/(3*1)", "1 + 2 / (3 * 1)"},
    {"2 ^ 3 ^ 2", "2 ^ 3 ^ 2"},
    {"- - 1", "1"},
    {"-(1)", "-(1)"},
    {"1 atan2 2", "1 atan2 2"},
    {"# comment\n1 # trailing\n+ 2", "1 + 2"},
    // Strings.
    {R"("foo")", R"("foo")"},
    {R"('foo')", R"("foo")"},
    {"`raw\\n`", R"("raw\\n")"},
    {R"("a\tb\u00e9\x41\101")", R"("a\tbéAA")"},
    {R"('it\'s')", R"("it's")"},
    // Selectors.
    {"foo", "foo"},
    {"-some_metric", "-some_metric"},
    {"+some_metric", "+some_metric"},
    {"foo:bar", "foo:bar"},
    {"foo{}", "foo"},
    {R"(foo{b="1", a="2"})", R"(foo{a="2",b="1"})"},
    {R"(foo{a="b",})", R"(foo{a="b"})"},
    {R"(foo{a!="b", c=~"d.*", e!~'f'})", R"(foo{a!="b",c=~"d.*",e!~"f"})"},
    {R"({__name__="foo"})", R"({__name__="foo"})"},
    {R"({__name__=~"foo|bar"})", R"({__name__=~"foo|bar"})"},
    {R"({"foo"})", "foo"},
    {R"({"gen_ai.client.token.usage", "service.name"="x"})",
     R"({"service.name"="x",__name__="gen_ai.client.token.usage"})"},
    {R"(foo{"a.b"="c"})", R"(foo{"a.b"="c"})"},
    {R"(foo{on="x", by="y", offset="z"})", R"(foo{by="y",offset="z",on="x"})"},
    {"sum{a=\"b\"}", R"(sum{a="b"})"},
    {"by", "by"},
    {"sum", "sum"},
    {"count + max", "count + max"},
    {"rate(min[5m])", "rate(min[5m])"},
    {"offset", "offset"},
    {"foo offset 5m", "foo offset 5m"},
    {"foo offset -5m", "foo offset -5m"},
    {"foo offset 1.5", "foo offset 1s500ms"},
    {"foo offset 90", "foo offset 1m30s"},
    {"foo OFFSET 1h30m", "foo offset 1h30m"},
    {"foo offset 7d", "foo offset 1w"},
    {"foo offset 365d", "foo offset 1y"},
    {"foo offset 400d", "foo offset 400d"},
    {"foo @ 1603774568", "foo @ 1603774568.000"},
    {"foo @ -100", "foo @ -100.000"},
    {"foo @ 1.5", "foo @ 1.500"},
    {"foo @ start()", "foo @ start()"},
    {"foo @ end()", "foo @ end()"},
    {"foo @ 100 offset 5m", "foo @ 100.000 offset 5m"},
    {"foo offset 5m @ 100", "foo @ 100.000 offset 5m"},
    {"foo[5m]", "foo[5m]"},
    {"foo[5m30s]", "foo[5m30s]"},
    {"foo[90]", "foo[1m30s]"},
    {"foo[5m] offset 1m", "foo[5m] offset 1m"},
    {"foo[5m] @ 100 offset -1m", "foo[5m] @ 100.000 offset -1m"},
    {"foo[1y]", "foo[1y]"},
    {R"(foo{a="b"}[5m] @ end())", R"(foo{a="b"}[5m] @ end())"},
    // Subqueries.
    {"foo[5m:1m]", "foo[5m:1m]"},
    {"foo[5m:]", "foo[5m:]"},
    {"rate(foo[5m])[1h:5m] offset 1m @ start()", "rate(foo[5m])[1h:5m] @ start() offset 1m"},
    {"(foo + bar)[5m:]", "(foo + bar)[5m:]"},
    {"min_over_time(rate(foo[1m])[5m:])[10m:1m]", "min_over_time(rate(foo[1m])[5m:])[10m:1m]"},
    {"sum(foo)[5m:1m] @ 100", "sum(foo)[5m:1m] @ 100.000"},
    // Binary operators between vectors.
    {"foo + bar", "foo + bar"},
    {"foo * on(a, b) bar", "foo * on (a, b) bar"},
    {"foo * ignoring(a) bar", "foo * ignoring (a) bar"},
    {"foo * on() bar", "foo * on () bar"},
    {"foo * ignoring() bar", "foo * bar"},
    {"foo / on(a) group_left(b, c) bar", "foo / on (a) group_left (b, c) bar"},
    {"foo / on(a) group_left bar", "foo / on (a) group_left () bar"},
    {"foo - ignoring(a) group_right bar", "foo - ignoring (a) group_right () bar"},
    {"foo > bool on(a) bar", "foo > bool on (a) bar"},
    {"foo and bar or baz unless qux", "foo and bar or baz unless qux"},
    {"foo and on(a) bar", "foo and on (a) bar"},
    {"foo == 1", "foo == 1"},
    {"1 < foo", "1 < foo"},
    {"foo + 1 * 2", "foo + 1 * 2"},
    {"(foo + 1) * 2", "(foo + 1) * 2"},
    {"foo * on(\"a.b\") bar", "foo * on (\"a.b\") bar"},
    // Aggregations.
    {"sum(foo)", "sum(foo)"},
    {"SUM(foo)", "sum(foo)"},
    {"sum by (job) (foo)", "sum by (job) (foo)"},
    {"sum(foo) by (job)", "sum by (job) (foo)"},
    {"sum without (job) (foo)", "sum without (job) (foo)"},
    {"sum without () (foo)", "sum without () (foo)"},
    {"sum by () (foo)", "sum(foo)"},
    {"sum by (job,) (foo)", "sum by (job) (foo)"},
    {"sum by (and, by, offset, on) (foo)", "sum by (and, by, offset, on) (foo)"},
    {"sum by (\"service.name\") (foo)", "sum by (\"service.name\") (foo)"},
    {"topk(5, foo)", "topk(5, foo)"},
    {"bottomk by (a) (5, foo)", "bottomk by (a) (5, foo)"},
    {"quantile(0.9, foo)", "quantile(0.9, foo)"},
    {R"(count_values("value", foo))", R"(count_values("value", foo))"},
    {"limitk(2, foo)", "limitk(2, foo)"},
    {"limit_ratio(0.5, foo)", "limit_ratio(0.5, foo)"},
    {"group(foo)", "group(foo)"},
    {"stddev(foo) without (a)", "stddev without (a) (foo)"},
    {"sum by (job) (rate(foo{a=\"b\"}[5m] offset 1m))",
     "sum by (job) (rate(foo{a=\"b\"}[5m] offset 1m))"},
    // Function calls.
    {"time()", "time()"},
    {"rate(foo[5m])", "rate(foo[5m])"},
    {"round(foo)", "round(foo)"},
    {"round(foo, 5)", "round(foo, 5)"},
    {"histogram_quantile(0.9, rate(foo_bucket[5m]))",
     "histogram_quantile(0.9, rate(foo_bucket[5m]))"},
    {R"(label_join(foo, "a", ",", "b", "c", "d"))", R"(label_join(foo, "a", ",", "b", "c", "d"))"},
    {R"x(label_replace(foo, "a", "$1", "b", "(.*)"))x",
     R"x(label_replace(foo, "a", "$1", "b", "(.*)"))x"},
    {"vector(1)", "vector(1)"},
    {"scalar(foo) + 1", "scalar(foo) + 1"},
    {"start()", "start()"},
    {"step() * 2", "step() * 2"},
    {"range()", "range()"},
    {"min_of(3, 5) + max_of(1, 2)", "min_of(3, 5) + max_of(1, 2)"},
    {"end()", "end()"},
    {R"(sort_by_label(foo, "a", "b"))", R"(sort_by_label(foo, "a", "b"))"},
    {R"(info(foo, {job="x"}))", R"(info(foo, {job="x"}))"},
    {R"(info(foo, {__name__="target_info"}))", R"(info(foo, {__name__="target_info"}))"},
    {"double_exponential_smoothing(foo[5m], 0.5, 0.5)",
     "double_exponential_smoothing(foo[5m], 0.5, 0.5)"},
    {"predict_linear(foo[5m], 3600)", "predict_linear(foo[5m], 3600)"},
    {"absent(nonexistent{job=\"x\"})", "absent(nonexistent{job=\"x\"})"},
    {"day_of_week()", "day_of_week()"},
};

TEST(ParserFormat, CanonicalForm) {
  for (const FormatCase& c : kFormatCases) {
    EXPECT_EQ(ParseAndFormat(c.input), c.want) << "input: " << c.input;
  }
}

TEST(ParserFormat, RoundTripIsStable) {
  for (const FormatCase& c : kFormatCases) {
    std::string once = ParseAndFormat(c.input);
    ASSERT_EQ(once.rfind("ERROR", 0), std::string::npos) << c.input << ": " << once;
    EXPECT_EQ(ParseAndFormat(once), once) << "input: " << c.input;
  }
}

// Found by tests/fuzz/promql_fuzzer.cc: `{"nan"}` printed as `nan`, which parses back as the
// number NaN. Names that lex as numbers stay __name__ matchers; keywords the grammar accepts as
// metric names stay in front.
TEST(ParserFormat, MetricNamedLikeANumberStaysASelector) {
  for (const char* input : {"{\"nan\"}", "{\"NaN\"}", "{__name__=\"inf\"}", "{\"Inf\"}[5m]"}) {
    const std::string once = ParseAndFormat(input);
    ASSERT_EQ(once.rfind("ERROR", 0), std::string::npos) << input << ": " << once;
    EXPECT_NE(once.find("__name__="), std::string::npos) << input << ": " << once;
    EXPECT_EQ(ParseAndFormat(once), once) << input;
  }
  EXPECT_EQ(ParseAndFormat("{\"nan\"}"), "{__name__=\"nan\"}");
  EXPECT_EQ(ParseAndFormat("nan_total"), "nan_total");
  // Found by the fuzzer too: `{"group_left"}` printed as `group_left`, which does not parse.
  for (const char* keyword : {"group_left", "group_right", "on", "ignoring", "bool", "atan2"}) {
    const std::string input = std::string("{\"") + keyword + "\"}";
    EXPECT_EQ(ParseAndFormat(input), std::string("{__name__=\"") + keyword + "\"}");
  }
  EXPECT_EQ(ParseAndFormat("{\"sum\"}"), "sum");
  for (const char* keyword : {"sum", "by", "offset", "bool", "start", "step"}) {
    const std::string input = std::string("{__name__=\"") + keyword + "\"}";
    const std::string once = ParseAndFormat(input);
    ASSERT_EQ(once.rfind("ERROR", 0), std::string::npos) << input << ": " << once;
    EXPECT_EQ(ParseAndFormat(once), once) << input;
  }
}

// Found by tests/fuzz/promql_fuzzer.cc: `Inf ^ 2` printed as `+Inf ^ 2`, which parses back as
// +(Inf ^ 2) and prints as `++Inf ^ 2`, one more sign per round trip.
TEST(ParserFormat, SignedNumberLeftOfPowerKeepsItsMeaning) {
  for (const char* input : {"Inf ^ 2", "inf ^ 2 * 3", "5 ^ inf ^ 2", "1 - Inf ^ 2"}) {
    const std::string once = ParseAndFormat(input);
    ASSERT_EQ(once.rfind("ERROR", 0), std::string::npos) << input << ": " << once;
    EXPECT_NE(once.find("(+Inf) ^ 2"), std::string::npos) << input << ": " << once;
    EXPECT_EQ(ParseAndFormat(once), once) << input;
    auto expr = ParseExpr(input);
    ASSERT_TRUE(expr.ok());
    auto pretty = ParseExpr(PrettyExpr(**expr));
    ASSERT_TRUE(pretty.ok()) << PrettyExpr(**expr);
    EXPECT_EQ(FormatExpr(**pretty), once) << input;
  }
  EXPECT_EQ(ParseAndFormat("2 ^ +Inf"), "2 ^ +Inf");  // on the right, the sign folds as before
  EXPECT_EQ(ParseAndFormat("-1 ^ 2"), "-1 ^ 2");
}

// ---- Invalid expressions and Prometheus' messages ----

struct ErrorCase {
  const char* input;
  const char* want;
};

constexpr ErrorCase kErrorCases[] = {
    {"", "1:1: parse error: no expression found in input"},
    {"# just a comment\n\n", "1:1: parse error: no expression found in input"},
    {"1+", "1:3: parse error: unexpected end of input"},
    {".", "1:1: parse error: unexpected character: '.'"},
    {"2.5.", R"(1:1: parse error: bad number or duration syntax: "2.5.")"},
    {"100..4", R"(1:1: parse error: bad number or duration syntax: "100..")"},
    {"0deadbeef", R"(1:1: parse error: bad number or duration syntax: "0de")"},
    {"1 /", "1:4: parse error: unexpected end of input"},
    {"*1", "1:1: parse error: unexpected <op:*>"},
    {"(1))", "1:5: parse error: unexpected right parenthesis ')'"},
    {"((1)", "1:5: parse error: unclosed left parenthesis"},
    {"(", "1:2: parse error: unclosed left parenthesis"},
    {"1 and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
    {"1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
    {"1 or 1", "1:1: parse error: set operator \"or\" not allowed in binary scalar expression"},
    {"1 !~ 1", "1:3: parse error: unexpected character after '!': '~'"},
    {"1 =~ 1", "1:3: parse error: unexpected character after '=': '~'"},
    {"foo bar", "1:5: parse error: unexpected identifier \"bar\""},
    {"foo + bool bar", "1:5: parse error: bool modifier can only be used on comparison operators"},
    {"1e400",
     "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e400\": "
     "value out of range"},
    // Selectors.
    {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {R"({x=""})", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {R"({x=~".*"})",
     "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {R"({x!~".+"})",
     "1:1: parse error: vector selector must contain at least one non-empty matcher"},
    {R"(foo{__name__="bar"})",
     "1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\""},
    {"foo{", "1:5: parse error: unexpected end of input inside braces"},
    {"foo{a}",
     "1:6: parse error: unexpected \"}\" in label matching, expected label matching "
     "operator"},
    {"foo{a=}", "1:7: parse error: unexpected \"}\" in label matching, expected string"},
    {R"(foo{a="b" c="d"})",
     "1:11: parse error: unexpected identifier \"c\" in label matching, expected \",\" or \"}\""},
    {"foo{a=\"b\"", "1:10: parse error: unexpected end of input inside braces"},
    {R"(foo{a="b)", "1:7: parse error: unterminated quoted string"},
    {R"("foo\q")", "1:1: parse error: unknown escape sequence U+0071 'q'"},
    {"foo{a=~\"(\"}", "1:5: parse error: error parsing regexp: missing closing ): `^(?s:()$`"},
    {"foo{1=\"a\"}", "1:5: parse error: unexpected character inside braces: '1'"},
    {"foo offset",
     "1:11: parse error: unexpected end of input in offset, expected number or "
     "duration"},
    {"foo offset 1m offset 2m", "1:1: parse error: offset may not be set multiple times"},
    {"foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"},
    {"foo @", "1:6: parse error: unexpected end of input in @, expected timestamp"},
    {"foo @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
    {"(foo) offset 5m",
     "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
     "vector selector or a subquery"},
    {"1 @ 5",
     "1:1: parse error: @ modifier must be preceded by an instant vector selector or range "
     "vector selector or a subquery"},
    {"foo[5m", "1:7: parse error: unexpected end of input in duration expression"},
    {"foo[]",
     "1:5: parse error: unexpected \"]\" in subquery selector, expected number or "
     "duration"},
    {"foo[5mm]", "1:5: parse error: bad number or duration syntax: \"5mm\""},
    {"foo[5hs]", "1:5: parse error: unknown unit \"hs\" in duration \"5hs\""},
    {"foo[1m1h]", "1:5: parse error: not a valid duration string: \"1m1h\""},
    {"foo[1.5m]", "1:5: parse error: unknown unit \".\" in duration \"1.5m\""},
    {"foo[5m30]", "1:5: parse error: bad number or duration syntax: \"5m30\""},
    {"foo offset Inf", "1:12: parse error: duration out of range"},
    {"foo[0s]", "1:4: parse error: duration must be greater than 0"},
    {"foo[5m:0s]", "1:8: parse error: duration must be greater than 0"},
    {"foo offset 1m[5m]", "1:14: parse error: no offset modifiers allowed before range"},
    {"foo @ 1 [5m]", "1:9: parse error: no @ modifiers allowed before range"},
    {"(foo)[5m]", "1:6: parse error: ranges only allowed for vector selectors"},
    {"foo[5m][5m:1m]",
     "1:1: parse error: subquery is only allowed on instant vector, got matrix "
     "instead"},
    {"foo[5m] + 1",
     "1:1: parse error: binary expression must contain only scalar and instant vector types"},
    {"-foo[5m]",
     "1:1: parse error: unary expression only allowed on expressions of type scalar "
     "or instant vector, got \"range vector\""},
    // Binary matching.
    {"foo and on(a) group_left bar", "1:1: parse error: no grouping allowed for \"and\" operation"},
    {"foo * on(a) group_left(a) bar",
     "1:5: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
    {"1 + on(a) foo", "1:1: parse error: vector matching only allowed between instant vectors"},
    {"foo * on a bar",
     "1:10: parse error: unexpected identifier \"a\" in grouping opts, expected \"(\""},
    // Aggregations.
    {"sum(foo[5m])",
     "1:5: parse error: expected type instant vector in aggregation expression, got range "
     "vector"},
    {"sum()", "1:1: parse error: no arguments for aggregate expression provided"},
    {"sum(1, foo)",
     "1:1: parse error: wrong number of arguments for aggregate expression "
     "provided, expected 1, got 2"},
    {"topk(foo)",
     "1:1: parse error: wrong number of arguments for aggregate expression "
     "provided, expected 2, got 1"},
    {"topk(\"a\", foo)",
     "1:6: parse error: expected type scalar in aggregation parameter, got string"},
    {"count_values(1, foo)",
     "1:14: parse error: expected type string in aggregation parameter, got scalar"},
    {"sum without(==)(some_metric)",
     "1:13: parse error: unexpected <op:==> in grouping opts, expected label"},
    {"sum without(,)(some_metric)",
     "1:13: parse error: unexpected \",\" in grouping opts, expected label"},
    {"sum without(foo,,)(some_metric)",
     "1:17: parse error: unexpected \",\" in grouping opts, expected label"},
    {"sum some_metric by (test)",
     "1:5: parse error: unexpected identifier \"some_metric\" in aggregation"},
    {"sum (some_metric) by test",
     "1:22: parse error: unexpected identifier \"test\" in grouping opts, expected \"(\""},
    {"sum by (a b) (y)",
     "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
    {"sum by (1) (y)",
     "1:9: parse error: unexpected number \"1\" in grouping opts, expected "
     "label"},
    {"sum by (foo:bar) (y)",
     "1:9: parse error: unexpected metric identifier \"foo:bar\" in "
     "grouping opts, expected label"},
    // Calls.
    {"foo()", "1:1: parse error: unknown function with name \"foo\""},
    {"abs(1, 2)", "1:1: parse error: expected 1 argument(s) in call to \"abs\", got 2"},
    {"rate(foo)",
     "1:6: parse error: expected type range vector in call to function \"rate\", "
     "got instant vector"},
    {"round(foo, 1, 2)",
     "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
    {"label_join(foo)",
     "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 1"},
    {"rate(x[5m],)", "1:11: parse error: trailing commas not allowed in function call args"},
    {"rate(x[5m] y)", "1:12: parse error: unexpected identifier \"y\""},
    {"floor(1)",
     "1:7: parse error: expected type instant vector in call to function \"floor\", "
     "got scalar"},
    {R"(info(foo, bar))",
     "1:11: parse error: expected label selectors only, got vector selector instead"},
};

TEST(ParserErrors, PrometheusMessages) {
  for (const ErrorCase& c : kErrorCases) {
    auto expr = ParseExpr(c.input, Experimental());
    ASSERT_FALSE(expr.ok()) << "input: " << c.input << " parsed as " << FormatExpr(**expr);
    EXPECT_EQ(expr.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(expr.status().message(), c.want) << "input: " << c.input;
  }
}

TEST(ParserErrors, LineAndColumnOnLaterLines) {
  auto expr = ParseExpr("sum(\n  rate(foo[5m])\n) +");
  ASSERT_FALSE(expr.ok());
  EXPECT_EQ(expr.status().message(), "3:4: parse error: unexpected end of input");
}

TEST(ParserErrors, ExperimentalFunctionsNeedTheOption) {
  auto call = ParseExpr("sort_by_label(foo, \"a\")");
  ASSERT_FALSE(call.ok());
  EXPECT_EQ(call.status().message(), "1:1: parse error: function \"sort_by_label\" is not enabled");
  auto limitk = ParseExpr("limitk(1, foo)");
  ASSERT_FALSE(limitk.ok());
  EXPECT_EQ(limitk.status().message(),
            "1:1: parse error: limitk() is experimental and must be enabled with "
            "--enable-feature=promql-experimental-functions");
  EXPECT_TRUE(ParseExpr("rate(foo[5m])").ok());
  EXPECT_TRUE(ParseExpr("sort_by_label(foo, \"a\")", Experimental()).ok());
}

// ---- AST shape ----

TEST(ParserAst, SelectorCarriesNameMatcherFirst) {
  auto expr = ParseExpr(R"(foo{job="api"} offset 5m @ 100.5)");
  ASSERT_TRUE(expr.ok()) << expr.status().message();
  ASSERT_EQ((*expr)->kind, ExprKind::kVectorSelector);
  const auto& vs = static_cast<const VectorSelector&>(**expr);
  EXPECT_EQ(vs.name, "foo");
  ASSERT_EQ(vs.matchers.size(), 2u);
  EXPECT_EQ(vs.matchers[0].name, "__name__");
  EXPECT_EQ(vs.matchers[0].value, "foo");
  EXPECT_EQ(vs.matchers[1].name, "job");
  EXPECT_EQ(vs.offset_ms, 300000);
  EXPECT_EQ(vs.at, AtModifier::kTimestamp);
  EXPECT_EQ(vs.at_ms, 100500);
}

TEST(ParserAst, QuotedMetricNameInsideBraces) {
  auto expr = ParseExpr(R"({"http.server.duration", "service.name"="api"})");
  ASSERT_TRUE(expr.ok()) << expr.status().message();
  const auto& vs = static_cast<const VectorSelector&>(**expr);
  EXPECT_EQ(vs.name, "http.server.duration");
  ASSERT_EQ(vs.matchers.size(), 2u);
  EXPECT_EQ(vs.matchers[0].name, "__name__");
  EXPECT_EQ(vs.matchers[1].name, "service.name");
}

TEST(ParserAst, UnaryMinusBindsLikeMultiplication) {
  auto pow = ParseExpr("-1^2");
  ASSERT_TRUE(pow.ok());
  ASSERT_EQ((*pow)->kind, ExprKind::kUnary);
  EXPECT_EQ((*pow)->type(), ValueType::kScalar);
  auto mul = ParseExpr("-1*2");
  ASSERT_TRUE(mul.ok());
  ASSERT_EQ((*mul)->kind, ExprKind::kBinary);
  const auto& b = static_cast<const BinaryExpr&>(**mul);
  ASSERT_EQ(b.lhs->kind, ExprKind::kNumberLiteral);
  EXPECT_EQ(static_cast<const NumberLiteral&>(*b.lhs).value, -1);
}

TEST(ParserAst, PowIsRightAssociative) {
  auto expr = ParseExpr("2 ^ 3 ^ 2");
  ASSERT_TRUE(expr.ok());
  const auto& b = static_cast<const BinaryExpr&>(**expr);
  EXPECT_EQ(b.lhs->kind, ExprKind::kNumberLiteral);
  EXPECT_EQ(b.rhs->kind, ExprKind::kBinary);
  auto sub = ParseExpr("5 - 3 - 1");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(static_cast<const BinaryExpr&>(**sub).lhs->kind, ExprKind::kBinary);
}

TEST(ParserAst, VectorMatchingDefaults) {
  auto arith = ParseExpr("foo + bar");
  ASSERT_TRUE(arith.ok());
  const auto& a = static_cast<const BinaryExpr&>(**arith);
  ASSERT_NE(a.matching, nullptr);
  EXPECT_EQ(a.matching->card, MatchCardinality::kOneToOne);
  auto set = ParseExpr("foo or bar");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(static_cast<const BinaryExpr&>(**set).matching->card, MatchCardinality::kManyToMany);
  auto scalar = ParseExpr("foo * 2");
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(static_cast<const BinaryExpr&>(**scalar).matching, nullptr);
  auto grouped = ParseExpr("foo * on(a) group_right(b) bar");
  ASSERT_TRUE(grouped.ok());
  const auto& g = *static_cast<const BinaryExpr&>(**grouped).matching;
  EXPECT_EQ(g.card, MatchCardinality::kOneToMany);
  EXPECT_TRUE(g.on);
  EXPECT_EQ(g.labels, std::vector<std::string>{"a"});
  EXPECT_EQ(g.include, std::vector<std::string>{"b"});
}

TEST(ParserAst, SubqueryAndMatrixFields) {
  auto expr = ParseExpr("max_over_time(rate(foo[1m])[1h:5m] offset -2m @ end())");
  ASSERT_TRUE(expr.ok()) << expr.status().message();
  const auto& call = static_cast<const Call&>(**expr);
  EXPECT_EQ(call.func->name, "max_over_time");
  ASSERT_EQ(call.args[0]->kind, ExprKind::kSubquery);
  const auto& sq = static_cast<const SubqueryExpr&>(*call.args[0]);
  EXPECT_EQ(sq.range_ms, 3600000);
  EXPECT_EQ(sq.step_ms, 300000);
  EXPECT_EQ(sq.offset_ms, -120000);
  EXPECT_EQ(sq.at, AtModifier::kEnd);
  const auto& rate = static_cast<const Call&>(*sq.expr);
  const auto& ms = static_cast<const MatrixSelector&>(*rate.args[0]);
  EXPECT_EQ(ms.range_ms, 60000);
  EXPECT_EQ(ms.vector_selector().name, "foo");
}

TEST(ParserAst, CloneIsDeepAndEqual) {
  const char* inputs[] = {
      "sum by (a) (rate(foo{b=~\"c\"}[5m] offset 1m)) / on(a) group_left(d) bar @ 5",
      "topk(3, -foo)[10m:1m] @ start()",
      R"(label_replace(foo, "a", "b", "c", "d") > bool 1)",
  };
  for (const char* input : inputs) {
    auto expr = ParseExpr(input);
    ASSERT_TRUE(expr.ok()) << input;
    ExprPtr copy = CloneExpr(**expr);
    EXPECT_EQ(FormatExpr(*copy), FormatExpr(**expr));
    EXPECT_NE(copy.get(), expr->get());
  }
}

// ---- Series selectors (match[]) ----

TEST(ParserSeriesSelector, AcceptsInstantSelectorsOnly) {
  auto ok = ParseSeriesSelector(R"(up{job="api"})");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].name, "__name__");
  EXPECT_EQ((*ok)[1].value, "api");
  auto braces = ParseSeriesSelector(R"({"service.name"="x"})");
  ASSERT_TRUE(braces.ok());
  EXPECT_EQ((*braces)[0].name, "service.name");
  EXPECT_FALSE(ParseSeriesSelector("up offset 5m").ok());
  EXPECT_FALSE(ParseSeriesSelector("up[5m]").ok());
  EXPECT_FALSE(ParseSeriesSelector("sum(up)").ok());
  EXPECT_FALSE(ParseSeriesSelector("up + up").ok());
  EXPECT_FALSE(ParseSeriesSelector("").ok());
  auto bad = ParseSeriesSelector("up @ 5");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "1:4: parse error: unexpected <op:@>");
}

// ---- Durations ----

TEST(ParserDuration, ParsesPrometheusDurations) {
  struct {
    const char* text;
    int64_t ms;
  } cases[] = {{"0", 0},
               {"0s", 0},
               {"100ms", 100},
               {"1s", 1000},
               {"5m", 300000},
               {"1h30m", 5400000},
               {"1d", 86400000},
               {"1w", 604800000},
               {"1y", 31536000000},
               {"1y2w3d4h5m6s7ms",
                31536000000 + 2 * 604800000 + 3 * 86400000 + 4 * 3600000 + 5 * 60000 + 6000 + 7}};
  for (const auto& c : cases) {
    auto ms = ParseDurationMs(c.text);
    ASSERT_TRUE(ms.ok()) << c.text << ": " << ms.status().message();
    EXPECT_EQ(*ms, c.ms) << c.text;
  }
  for (const char* bad : {"", "1.5s", "5", "m", "5mm", "1m1h", "1s1s", "-5m", "5 m"}) {
    EXPECT_FALSE(ParseDurationMs(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseDurationMs("1m1h").status().message(), "not a valid duration string: \"1m1h\"");
  EXPECT_EQ(ParseDurationMs("5x").status().message(), "unknown unit \"x\" in duration \"5x\"");
  EXPECT_EQ(ParseDurationMs("9999999999y").status().message(), "duration out of range");
}

TEST(ParserDuration, FormatsLikeModelDuration) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(100), "100ms");
  EXPECT_EQ(FormatDuration(300000), "5m");
  EXPECT_EQ(FormatDuration(5400000), "1h30m");
  EXPECT_EQ(FormatDuration(86400000), "1d");
  EXPECT_EQ(FormatDuration(7 * 86400000LL), "1w");
  EXPECT_EQ(FormatDuration(8 * 86400000LL), "8d");
  EXPECT_EQ(FormatDuration(365 * 86400000LL), "1y");
  EXPECT_EQ(FormatDuration(90 * 86400000LL), "90d");
  EXPECT_EQ(FormatDuration(-300000), "-5m");
  EXPECT_EQ(FormatDuration(61001), "1m1s1ms");
}

// ---- Lexer ----

TEST(ParserLexer, TokenDescriptions) {
  Lexer lexer(R"(sum by (a) + "a long string here" 5m foo:bar @ [)");
  std::vector<std::string> got;
  for (Token t = lexer.Next(); t.kind != TokenKind::kEof; t = lexer.Next()) {
    got.push_back(DescribeToken(t));
    if (t.kind == TokenKind::kError) break;
  }
  std::vector<std::string> want = {"<aggr:sum>",
                                   "<by>",
                                   "\"(\"",
                                   "identifier \"a\"",
                                   "\")\"",
                                   "<op:+>",
                                   "string \"\\\"a long st\"...",
                                   "duration \"5m\"",
                                   "metric identifier \"foo:bar\"",
                                   "<op:@>",
                                   "\"[\"",
                                   "unexpected end of input in duration expression"};
  EXPECT_EQ(got, want);
}

// ---- Pretty printing (format_query) ----

TEST(PrinterPretty, ShortExpressionsStayOnOneLine) {
  auto expr = ParseExpr("sum by (job) (rate(foo[5m]))");
  ASSERT_TRUE(expr.ok());
  EXPECT_EQ(PrettyExpr(**expr), "sum by (job) (rate(foo[5m]))");
}

TEST(PrinterPretty, SplitsLongExpressions) {
  auto expr = ParseExpr(
      "sum by (job, instance) (rate(http_requests_total{job=\"api-server\", "
      "handler=\"/api/v1/query\"}[5m])) / on (job) group_left () "
      "sum by (job) (rate(http_requests_total[5m]))");
  ASSERT_TRUE(expr.ok()) << expr.status().message();
  EXPECT_EQ(PrettyExpr(**expr),
            "  sum by (job, instance) (rate(http_requests_total{handler=\"/api/v1/query\","
            "job=\"api-server\"}[5m]))\n"
            "/ on (job) group_left ()\n"
            "  sum by (job) (rate(http_requests_total[5m]))");
}

TEST(PrinterPretty, SplitsCallsAndUnary) {
  auto expr = ParseExpr(
      "-histogram_quantile(0.99, sum by (le) (rate(very_long_metric_name_for_latency_bucket{"
      "service=\"checkout\"}[5m])))");
  ASSERT_TRUE(expr.ok()) << expr.status().message();
  EXPECT_EQ(PrettyExpr(**expr),
            "-histogram_quantile(\n"
            "  0.99,\n"
            "  sum by (le) (rate(very_long_metric_name_for_latency_bucket{service=\"checkout\"}"
            "[5m]))\n"
            ")");
}

// ---- Every expression of the peer conformance files parses ----

std::filesystem::path PeerDir() {
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / ".." / "shared" / "peer" /
         "promql";
}

std::string Trim(const std::string& s) {
  size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  size_t last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

TEST(ParserPeerFiles, EveryEvalExpressionParses) {
  const char* files[] = {"aggregators", "at_modifier", "collision", "functions",
                         "histograms",  "literals",    "operators", "range_queries",
                         "selectors",   "staleness",   "subquery",  "trig_functions"};
  const std::regex eval_re(
      R"(^eval(_\w+)?\s+(instant\s+at\s+\S+|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+)\s+(.*)$)");
  int parsed = 0;
  int files_found = 0;
  for (const char* name : files) {
    std::ifstream in(PeerDir() / (std::string(name) + ".test"));
    if (!in) continue;
    ++files_found;
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    for (size_t i = 0; i < lines.size(); ++i) {
      std::smatch m;
      std::string line = Trim(lines[i]);
      if (!std::regex_match(line, m, eval_re)) continue;
      const std::string expr_text = m[3].str();
      bool may_fail = m[1].str() == "_fail";
      for (size_t j = i + 1; j < lines.size(); ++j) {
        std::string next = Trim(lines[j]);
        if (next.empty() || next.rfind("eval", 0) == 0 || next.rfind("load", 0) == 0 ||
            next.rfind("clear", 0) == 0) {
          break;
        }
        if (next.rfind("expect fail", 0) == 0) may_fail = true;
      }
      auto expr = ParseExpr(expr_text, Experimental());
      if (may_fail) continue;
      ++parsed;
      ASSERT_TRUE(expr.ok()) << name << ".test:" << i + 1 << ": " << expr_text << "\n"
                             << expr.status().message();
      const std::string formatted = FormatExpr(**expr);
      auto again = ParseExpr(formatted, Experimental());
      ASSERT_TRUE(again.ok()) << name << ".test:" << i + 1 << ": " << formatted << "\n"
                              << again.status().message();
      EXPECT_EQ(FormatExpr(**again), formatted) << name << ".test:" << i + 1;
    }
  }
  if (files_found == 0) GTEST_SKIP() << "peer files not found at " << PeerDir();
  EXPECT_GT(parsed, 500);
}

// ---- Depth limits: no input may exhaust the stack of whatever walks the tree ----

std::string Repeat(const std::string& unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

TEST(ParserDepth, RefusesInputNestedPastTheLimitWithAParseError) {
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"5,000 chained additions", Repeat("1+", 5000) + "1"},
      {"5,000 nested calls", Repeat("abs(", 5000) + "x" + Repeat(")", 5000)},
      {"20,000 unary minus signs", Repeat("-", 20000) + "1"},
      {"20,000 nested parentheses", Repeat("(", 20000) + "1" + Repeat(")", 20000)},
      {"20,000 unclosed parentheses", Repeat("(", 20000)},
      {"5,000 chained power operators", Repeat("2^", 5000) + "2"},
      {"5,000 chained subqueries", "x" + Repeat("[1m:]", 5000)},
      {"5,000 chained `or`", Repeat("x or ", 5000) + "x"},
      {"nested aggregations", Repeat("sum(", 3000) + "x" + Repeat(")", 3000)},
  };
  for (const auto& [what, input] : inputs) {
    auto expr = ParseExpr(input);
    ASSERT_FALSE(expr.ok()) << what;
    EXPECT_EQ(expr.status().code(), StatusCode::kInvalidArgument) << what;
    EXPECT_NE(expr.status().message().find("nested too deeply"), std::string::npos)
        << what << ": " << expr.status().message();
  }
}

TEST(ParserDepth, DurationExpressionsAreBoundedToo) {
  ParseOptions options;
  options.enable_duration_expressions = true;
  for (const std::string& input : {"x[" + Repeat("1m+", 5000) + "1m]",
                                   "x[" + Repeat("(", 5000) + "1m" + Repeat(")", 5000) + "]",
                                   "x offset (" + Repeat("-(", 5000) + "1m" + Repeat(")", 5001)}) {
    auto expr = ParseExpr(input, options);
    ASSERT_FALSE(expr.ok());
    EXPECT_NE(expr.status().message().find("nested too deeply"), std::string::npos)
        << expr.status().message();
  }
}

TEST(ParserDepth, AcceptsExpressionsUpToTheLimitAndTheyRoundTrip) {
  // A chain of n additions is a tree of height n + 1.
  const int n = kDefaultMaxExprDepth - 2;
  for (const std::string& input :
       {Repeat("1+", n) + "1", Repeat("abs(", n / 2) + "x" + Repeat(")", n / 2),
        Repeat("(", n / 2) + "1" + Repeat(")", n / 2), Repeat("x or ", n) + "x"}) {
    auto expr = ParseExpr(input);
    ASSERT_TRUE(expr.ok()) << expr.status().message();
    EXPECT_LE(ExprHeight(**expr), static_cast<size_t>(kDefaultMaxExprDepth));
    auto again = ParseExpr(FormatExpr(**expr));
    ASSERT_TRUE(again.ok()) << again.status().message();
    EXPECT_EQ(FormatExpr(**again), FormatExpr(**expr));
    EXPECT_FALSE(PrettyExpr(**expr).empty());
  }
}

TEST(ParserDepth, TheLimitIsAnOption) {
  ParseOptions options;
  options.max_depth = 4;
  EXPECT_TRUE(ParseExpr("1+1+1", options).ok());
  EXPECT_FALSE(ParseExpr("1+1+1+1+1", options).ok());
  EXPECT_FALSE(ParseExpr("abs(abs(abs(abs(x))))", options).ok());
}

TEST(ParserDepth, DestroysAnyTreeWithoutRecursion) {
  // Built by hand, deeper than any parse could produce: freeing it must not recurse.
  ExprPtr root = std::make_unique<NumberLiteral>();
  for (int i = 0; i < 1'000'000; ++i) {
    auto paren = std::make_unique<ParenExpr>();
    paren->expr = std::move(root);
    root = std::move(paren);
  }
  EXPECT_EQ(ExprHeight(*root), 1'000'001u);
  DestroyExpr(std::move(root));
}

}  // namespace
}  // namespace tidemark::promql
