// TraceQL parsing, validation and printing. The query lists cover the ground of Tempo's
// pkg/traceql/test_examples.yaml (valid queries, parse failures, validation failures, and valid
// constructs Tempo does not run) with our own examples.
#include "query/traceql/parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "query/traceql/lexer.h"

namespace tidemark::traceql {
namespace {

std::string Canonical(std::string_view text) {
  auto query = ParseQuery(text);
  EXPECT_TRUE(query.ok()) << text << ": " << query.status().ToString();
  if (!query.ok()) return "";
  return FormatQuery(*query);
}

// Parses, validates, prints, and checks that the printed form parses back to itself.
void ExpectValid(std::string_view text) {
  auto query = ParseAndValidate(text);
  ASSERT_TRUE(query.ok()) << text << ": " << query.status().ToString();
  const std::string printed = FormatQuery(*query);
  auto again = ParseAndValidate(printed);
  ASSERT_TRUE(again.ok()) << text << " printed as " << printed << ": " << again.status().ToString();
  EXPECT_EQ(FormatQuery(*again), printed) << text;
}

TEST(TraceQLParser, AcceptsSpansetFilters) {
  for (const char* q : {
           "{ true }",
           "{}",
           "{ }",
           "{ !false }",
           "{ true && false }",
           "{ false || true }",
           "{ 3 = 4 }",
           "{ 3 != 4 }",
           "{ 3 > 4 }",
           "{ 3 >= 4 }",
           "{ 3 < 4 }",
           "{ 3 <= 4 }",
           "{ -3 = 4 }",
           R"({ "abc" =~ "a.*" })",
           R"({ "abc" !~ "a.*" })",
           R"({ "abc" = "abc" })",
           R"({ "abc" != "abc" })",
           "{ .flag }",
           "{ !.flag }",
           "{ .flag && false }",
           "{ .flag || true }",
           "{ .retries = 3 }",
           "{ .retries != 3 }",
           "{ .retries > 3 }",
           "{ .retries >= 3 }",
           "{ .retries < 3 }",
           "{ .retries <= 3 }",
           "{ -.retries = 3 }",
           R"({ .peer =~ "db-.*" })",
           R"({ .peer !~ "db-.*" })",
           R"({ .peer = "db-1" })",
           R"({ .peer != "db-1" })",
           "{ resource.pod != 7 }",
           "{ span.retries != 7 }",
           R"({ !("x" != .c || ((true && .b) || 2 < .a)) })",
           "{ status = ok }",
           "{ status = unset }",
           "{ status = error }",
           "{ status != error }",
           R"({ statusMessage = "timed out" })",
           R"({ statusMessage = "" })",
           R"({ statusMessage =~ "time.*" })",
           R"({ statusMessage != "" })",
           "{ kind = internal }",
           "{ kind = client }",
           "{ kind = consumer }",
           "{ kind = server }",
           "{ kind = producer }",
           "{ kind = unspecified }",
           "{ traceDuration > 2s }",
           R"({ rootServiceName = "api" })",
           R"({ rootName != "GET /" })",
           "{ duration > 2s }",
           "{ 2 < 1h }",
           "{ 2 <= 2.5 }",
           R"({ event.exception.type = "IOError" })",
           R"({ link.kind = "follows" })",
           R"({ instrumentation.lib = "grpc" })",
           "{ span.http.response.status_code >= 500 }",
           R"({ span."gen_ai.usage.input_tokens" > 100 })",
           R"({ resource."k8s pod" = "x" })",
           "{ span.x != nil }",
           "{ span.x = nil }",
           "{ nil != .x }",
           "{ nil = .x }",
           R"({ .a = "x" && .b != nil })",
       }) {
    SCOPED_TRACE(q);
    ExpectValid(q);
  }
}

TEST(TraceQLParser, AcceptsScopedIntrinsics) {
  for (const char* q : {
           "{ trace:duration > 3s }",
           R"({ trace:rootName = "b" })",
           R"({ trace:rootService = "b" })",
           R"({ trace:id = "0102030405060708090a0b0c0d0e0f10" })",
           "{ span:duration > 3s }",
           "{ span:status = error }",
           "{ span:kind = server }",
           R"({ span:statusMessage = "oops" })",
           R"({ span:id = "0102030405060708" })",
           R"({ span:parentID = "0102030405060708" })",
           R"({ span:name = "GET" })",
           R"({ event:name = "exception" })",
           "{ event:timeSinceStart > 2ms }",
           R"({ link:traceID = "0102030405060708090a0b0c0d0e0f10" })",
           R"({ link:spanID = "0102030405060708" })",
           R"({ instrumentation:name = "otel" })",
           R"({ instrumentation:version = "1.2" })",
           "{ nestedSetLeft > 2 }",
           "{ nestedSetRight < 9 && nestedSetParent = -1 }",
       }) {
    SCOPED_TRACE(q);
    ExpectValid(q);
  }
}

TEST(TraceQLParser, AcceptsArithmetic) {
  for (const char* q : {
           "{ 2 + 2 = 4 }",
           "{ 2 - 2 = 4 }",
           "{ 2 * 2 = 4 }",
           "{ 2 / 2 = 4 }",
           "{ 2 % 2 = 4 }",
           "{ 2 ^ 2 = 4 }",
           "{ .n + 2 = 4 }",
           "{ .n - 2 = 4 }",
           "{ .n * 2 = 4 }",
           "{ .n / 2 = 4 }",
           "{ .n ^ 2 = 4 }",
           "{ duration > 2s * 3s }",
           "{ 2 * 1h = 2 }",
           "{ 2 / 2.5 = 2 }",
           R"({ .http.status >= "300" })",
           "{ span.bytes / 1024 > 10 }",
           "{ (span.a + span.b) * 2 > span.c }",
       }) {
    SCOPED_TRACE(q);
    ExpectValid(q);
  }
}

TEST(TraceQLParser, AcceptsSpansetOperators) {
  for (const char* q : {
           "{ true } && { true }",
           "{ true } || { true }",
           "{ true } >> { true }",
           "{ true } << { true }",
           "{ true } > { true }",
           "{ true } < { true }",
           "{ true } ~ { true }",
           "{ true } !> { true }",
           "{ true } !< { true }",
           "{ true } !~ { true }",
           "{ true } !>> { true }",
           "{ true } !<< { true }",
           "{ true } &> { true }",
           "{ true } &< { true }",
           "{ true } &~ { true }",
           "{ true } &>> { true }",
           "{ true } &<< { true }",
           "({ true } | count() > 2 | { false }) >> ({ true } | count() > 2 | { false })",
           "({ true } | count() > 2 | { false }) > ({ true } | count() > 2 | { false })",
           "({ true } | count() > 2 | { false }) ~ ({ true } | count() > 2 | { false })",
           "({ true } | count() > 2 | { false }) && ({ true } | count() > 2 | { false })",
           "({ true } | count() > 2 | { false }) || ({ true } | count() > 2 | { false })",
           "({ .a } | count() > 1) && ({ .b })",
           "({ .a }) && ({ .b } | count() > 1)",
           "(({ .a } | count() > 1))",
           "({ .a } && { .b }) > { .c }",
           "{ .a } > ({ .b } > { .c })",
       }) {
    SCOPED_TRACE(q);
    ExpectValid(q);
  }
}

TEST(TraceQLParser, AcceptsPipelines) {
  for (const char* q : {
           "avg(.latency) > 2",
           "max(duration) >= 2s",
           "max(duration) > 2",
           "{ true } | max(duration) = 1h",
           "{ true } | min(duration) = 1h",
           "{ true } | sum(duration) = 1h",
           "{ true } | max(.n) = 2",
           "{ true } | max(span.n) = 2",
           "{ true } | max(resource.n) = 2",
           "{ true } | max(2 + .n) = 2",
           "{ true } | max((2 + .n) * 3) = 2",
           "max(duration) > 4s | { status = error || .http.status = 503 }",
           "select(.a)",
           "{ } | select(.a, .b, .c)",
           "{ } | select(span.a, resource.b, name, span:id, nestedSetLeft)",
           "{ true } | { .a }",
           "{ true } | count() = 2",
           "{ true } | avg(duration) = 1h",
           "count() = 2 | { true }",
           "{ true } | count() = 2 | { true }",
           "{ true } | coalesce()",
           "{ true } | by(2 + .a) | coalesce()",
           "{ true } | by(.a)",
           "{ true } | by(2 + .a)",
           "by(.a) | { true }",
           "{ true } | by(name) | count() > 3",
           "{ true } | by(.f) | avg(.b) = 3",
           "{ true } | by(4 * .f - 3) | max(duration) < 2s",
           "{ } >> { kind = server } | select(nestedSetLeft, nestedSetRight, nestedSetParent)",
           "{ .a } | count() > -1",
           "{ .a } | avg(duration) > 1.5s",
           "({ .a } | count()) > 2",
           "({ .a } | count()) > 2 with(most_recent=true)",
           "{ .a } with(most_recent=true, sample=0.5)",
       }) {
    SCOPED_TRACE(q);
    ExpectValid(q);
  }
}

TEST(TraceQLParser, RejectsSyntaxErrors) {
  for (const char* q : {
           "true",
           "[ true ]",
           "( true )",
           "{ . }",
           "{ < }",
           "{ .a < }",
           "{ .a < 3",
           "{ (.a < 3 }",
           "{ attribute = 4 }",
           "{ .attribute == 4 }",
           "{ span. }",
           "{ true } + { true }",
           "{ true } - { true }",
           "{ true } * { true }",
           "{ true } / { true }",
           "{ true } ^ { true }",
           "{ true } = { true }",
           "{ true } <= { true }",
           "{ true } >= { true }",
           R"(max(name) = "foo")",
           R"(avg("foo") = "bar")",
           "max(status) = ok",
           "max(kind) = consumer",
           "max(duration) < ok",
           R"(min(1) = "foo")",
           "min(parent) = nil",
           R"(avg(childCount) > "foo")",
           "avg(.field) + 1",
           "sum(3) - 2",
           "min(childCount) && 2",
           "select(.a",
           "select()",
           R"(select(1 + "string"))",
           "coalesce() | { true }",
           "count() > 3 && { true }",
           "{ true } | count()",
           "{ true } | notAnAggregate() = 1",
           "{ true } | count = 1",
           "{ true } | max() = 1",
           "{ true } | by()",
           "({ true }) + (count()) = 1",
           "({ true }) && (count())",
           "({ true } | count()) && ({ true } | count()) = 1",
           "({ true }) + ({ true }) = 1",
           "({ true } | count()) + ({ true } | count())",
           "(by(.ns) | count()) > 2 * 2",
           "(by(.ns) | count()) * 2 > 2",
           "2 < (by(.ns) | count())",
           R"({ trace:status = error })",
           R"({ trace:kind = server })",
           R"({ trace:name = "a" })",
           R"({ trace:rootServiceName = "a" })",
           R"({ span:rootName = "bar" })",
           "{ .a } | count() > 2 | count() > 1 |",
           "{ .a = }",
           "{ .a = 1 } extra",
           R"({ .a = "unterminated })",
           R"({ span."unterminated = 1 })",
           "{ .a = 1 } & { .b }",
           "({ .a } | count() > 1) && { .b }",
           "({ .a } | count() > 1) | { .b }",
           "{ .a } | ({ .b } | count() > 1)",
           "{ nil }",
           "{ .a = 99999999999999999999 }",
           "{ .a = 1e999 }",
           "/* unterminated",
       }) {
    SCOPED_TRACE(q);
    auto query = ParseQuery(q);
    EXPECT_FALSE(query.ok()) << q << " parsed as " << FormatQuery(*query);
    if (!query.ok()) {
      EXPECT_EQ(query.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(TraceQLParser, RejectsTypeErrors) {
  for (const char* q : {
           "{ status }",
           "{ kind }",
           "{ ok }",
           "{ 2.5 }",
           "{ 2h }",
           R"({ "bar" })",
           "{ 2 + 2 }",
           R"({ 2 + "bar" = 2 })",
           "{ 2 - true = 2 }",
           "{ 2 / ok = 2 }",
           "{ 2 ^ name = 2 }",
           R"({ 2 = "bar" })",
           "{ 2 != true }",
           "{ 2 > ok }",
           "{ 2 = name }",
           "{ 2 =~ 3}",
           "{ 2 !~ 3}",
           R"({ 2 && "bar" })",
           "{ 2 || ok }",
           "{ true || 2.5 }",
           "{ status > ok }",
           "{ kind < consumer }",
           R"({ traceDuration > "x" })",
           "{ rootServiceName = 2 }",
           "{ rootName != 4.5 }",
           R"({ span.x =~ "[" })",
           R"({ span.x !~ "(" })",
           "{ -true }",
           R"({ -"bar" = "baz" })",
           "{ -ok = status }",
           R"({ -name = "bar" })",
           R"({ !"bar" = "baz" })",
           "{ !ok = status }",
           "{ !consumer = kind }",
           R"({ !name = "bar" })",
           "{ !2 = 2 }",
           "{ !2h = 2 }",
           "{ !2.5 = 2.5 }",
           "min(2 = 4) = 2",
           "sum(4) = 3",
           "sum(4) = min(15)",
           "min(3h) < max(duration)",
           "min(4) = max(duration)",
           "min(2) = max(3) + 4",
           "min(2.5 - 4) > 2",
           "max(2h + 3h) > 2",
           "{ true } | by(2)",
           R"({ true } | by("bar"))",
           R"({ nestedSetLeft = "bar" })",
           "{ nestedSetRight = false }",
           R"({ nestedSetParent > "bar" })",
           "{ .a = 1 } | avg(name) > 2",
       }) {
    SCOPED_TRACE(q);
    auto query = ParseQuery(q);
    ASSERT_TRUE(query.ok()) << q << ": " << query.status().ToString();
    const Status valid = ValidateQuery(*query);
    EXPECT_FALSE(valid.ok()) << q;
    EXPECT_EQ(valid.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(valid.message().find("not supported"), std::string::npos) << valid.message();
  }
}

TEST(TraceQLParser, RejectsUnsupportedConstructsNamingThem) {
  for (const char* q : {
           "min(.field) < max(duration)",
           "sum(.field) = min(.field)",
           "min(.field) + max(.field) > 1",
           "max(1 - (2 + .field)) < avg(3 * duration ^ 2)",
           "{ .http.status = 200 } | max(.field) - min(.field) > 3",
           "{ parent.a != 3 }",
           "{ parent.resource.a && true }",
           "{ parent.span.a > 3 }",
           "{ parent.duration = 1h }",
           "{ parent = nil }",
           "{ parent }",
           "{ 1 = childCount }",
           "min(childCount) < 2",
           "{ true } | max(parent.a) = 1",
           "{ true } | count() + count() = 1",
           "({ true } | count()) + ({ true } | count()) = 1",
           "({ .a } | count()) > ({ .b } | count())",
           "3 = 2",
           "avg(.field) > 1 - 3",
       }) {
    SCOPED_TRACE(q);
    auto query = ParseAndValidate(q);
    ASSERT_FALSE(query.ok()) << q;
    EXPECT_EQ(query.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(query.status().message().find("is not supported yet"), std::string::npos)
        << query.status().message();
  }
}

TEST(TraceQLParser, RejectsMetricsQueries) {
  for (const char* q : {
           "{} | rate()",
           "{} | count_over_time() by (name) with(sample=0.1)",
           "{} | min_over_time(duration) by (span.http.path)",
           "{} | max_over_time(duration)",
           "{} | avg_over_time(duration) by (span.http.path)",
           "{} | sum_over_time(duration)",
           "{} | quantile_over_time(duration, 0, 0.9, 1) by (span.http.path)",
           "{} | histogram_over_time(duration)",
           "{} | compare({status = error})",
           "{} | rate() | topk(5)",
           "{} | rate() | bottomk(5)",
           "rate()",
       }) {
    SCOPED_TRACE(q);
    auto query = ParseQuery(q);
    ASSERT_FALSE(query.ok());
    EXPECT_EQ(query.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(query.status().message().find("TraceQL metrics queries are not supported yet"),
              std::string::npos)
        << query.status().message();
  }
}

TEST(TraceQLParser, ErrorsGivePositionAndExpectation) {
  auto q = ParseQuery("{ .a = 1 ");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(),
            "parse error at line 1, col 10: unexpected end of input, expecting \"}\" or an "
            "operator");
  q = ParseQuery("{ .a = 1 }\n  && { span. }");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(),
            "parse error at line 2, col 8: expecting an attribute name after the scope");
  q = ParseQuery("{ name = }");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("col 10: unexpected \"}\", expecting a field expression"),
            std::string::npos)
      << q.status().message();
  q = ParseQuery("{ span:foo = 1 }");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("expecting an intrinsic of span"), std::string::npos)
      << q.status().message();
  q = ParseQuery(R"({ .a = "x\q" })");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("col 10: invalid escape sequence"), std::string::npos)
      << q.status().message();
}

TEST(TraceQLParser, DepthIsBounded) {
  std::string parens = std::string(5000, '(') + "{ .a }" + std::string(5000, ')');
  auto q = ParseQuery(parens);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(q.status().message().find("nested too deeply"), std::string::npos);

  std::string field = "{ " + std::string(5000, '(') + ".a" + std::string(5000, ')') + " }";
  q = ParseQuery(field);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("nested too deeply"), std::string::npos);

  std::string chain = "{ .a }";
  for (int i = 0; i < 1500; ++i) chain += "&&{ .a }";
  ASSERT_GT(chain.size(), 10000u);
  q = ParseQuery(chain);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("nested too deeply"), std::string::npos);

  std::string inner = "{ .a";
  for (int i = 0; i < 2000; ++i) inner += " && .a";
  q = ParseQuery(inner + " }");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("nested too deeply"), std::string::npos);

  std::string unary = "{ " + std::string(5000, '!') + "true }";
  q = ParseQuery(unary);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("nested too deeply"), std::string::npos);

  std::string power = "{ 2";
  for (int i = 0; i < 3000; ++i) power += "^2";
  q = ParseQuery(power + " = 1 }");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("nested too deeply"), std::string::npos);

  // Within the bound, and with a larger bound, deep queries parse.
  std::string ok = std::string(100, '(') + "{ .a }" + std::string(100, ')');
  EXPECT_TRUE(ParseAndValidate(ok).ok());
  ParseOptions deep;
  deep.max_depth = kMaxDepth;
  std::string deeper = std::string(600, '(') + "{ .a }" + std::string(600, ')');
  EXPECT_FALSE(ParseQuery(deeper).ok());
  EXPECT_TRUE(ParseQuery(deeper, deep).ok());
}

TEST(TraceQLParser, PrintsCanonicalForm) {
  EXPECT_EQ(Canonical("{}"), "{ true }");
  EXPECT_EQ(Canonical("{.a=1}"), "{ .a = 1 }");
  EXPECT_EQ(Canonical("{ span.http.status_code>=500&&resource.service.name=\"api\" }"),
            R"({ span.http.status_code >= 500 && resource.service.name = "api" })");
  EXPECT_EQ(Canonical(R"({ span."gen_ai.usage" > 1 })"), R"({ span.gen_ai.usage > 1 })");
  EXPECT_EQ(Canonical(R"({ span."a b" = `x"y` })"), R"({ span."a b" = "x\"y" })");
  EXPECT_EQ(Canonical(R"({ ."5xx" = 1 })"), R"({ ."5xx" = 1 })");
  EXPECT_EQ(Canonical("{ span:duration > 1500ms }"), "{ duration > 1500ms }");
  EXPECT_EQ(Canonical("{ duration > 1.5s }"), "{ duration > 1500ms }");
  EXPECT_EQ(Canonical("{ duration > 60s }"), "{ duration > 1m }");
  EXPECT_EQ(Canonical("{ duration > 1h30m }"), "{ duration > 90m }");
  EXPECT_EQ(Canonical("{ duration > 1d }"), "{ duration > 24h }");
  EXPECT_EQ(Canonical("{ duration > 2us }"), "{ duration > 2us }");
  EXPECT_EQ(Canonical("{ duration > 5ns }"), "{ duration > 5ns }");
  EXPECT_EQ(Canonical("{ .a = 100.0 }"), "{ .a = 100.0 }");
  EXPECT_EQ(Canonical("{ .a = .5 }"), "{ .a = 0.5 }");
  EXPECT_EQ(Canonical("{ .a = 1e300 }"), "{ .a = 1e+300 }");
  EXPECT_EQ(Canonical("{ (.a + 1) * 2 = (3) }"), "{ (.a + 1) * 2 = 3 }");
  EXPECT_EQ(Canonical("{ .a - (.b - .c) = 1 }"), "{ .a - (.b - .c) = 1 }");
  EXPECT_EQ(Canonical("{ (.a - .b) - .c = 1 }"), "{ .a - .b - .c = 1 }");
  EXPECT_EQ(Canonical("{ .a ^ (.b ^ .c) = 1 }"), "{ .a ^ .b ^ .c = 1 }");
  EXPECT_EQ(Canonical("{ (.a ^ .b) ^ .c = 1 }"), "{ (.a ^ .b) ^ .c = 1 }");
  EXPECT_EQ(Canonical("{ (-.a) * .b = 1 }"), "{ (-.a) * .b = 1 }");
  EXPECT_EQ(Canonical("{ -.a * .b = 1 }"), "{ -.a * .b = 1 }");
  EXPECT_EQ(Canonical("{ .a || .b && .c }"), "{ .a || .b && .c }");
  EXPECT_EQ(Canonical("{ .a || (.b && .c) }"), "{ .a || (.b && .c) }");
  EXPECT_EQ(Canonical("{ nil != .a }"), "{ .a != nil }");
  EXPECT_EQ(Canonical("{ nil = nil }"), "{ false }");
  EXPECT_EQ(Canonical("{ (.a && .b) != nil }"), "{ (.a && .b) != nil }");
  EXPECT_EQ(Canonical("{ true } >> ({ .a } && { .b })"), "{ true } >> ({ .a } && { .b })");
  EXPECT_EQ(Canonical("({ .a } > { .b }) > { .c }"), "{ .a } > { .b } > { .c }");
  EXPECT_EQ(Canonical("{ .a }|count()>2|by(resource.ns)|coalesce()"),
            "{ .a } | count() > 2 | by(resource.ns) | coalesce()");
  EXPECT_EQ(Canonical("({ .a }) && ({ .b } | count() > 1)"), "({ .a }) && ({ .b } | count() > 1)");
  EXPECT_EQ(Canonical("{ .a } | count() > -2"), "{ .a } | count() > -2");
  EXPECT_EQ(Canonical("{ .a } with ( most_recent = true )"), "{ .a } with(most_recent=true)");
  EXPECT_EQ(Canonical("{ .a = 1 } // comment\n"), "{ .a = 1 }");
  EXPECT_EQ(Canonical(R"({ .a = "tab\there\x01" })"), R"({ .a = "tab\there\x01" })");
}

TEST(TraceQLParser, AggregateAndGroupNamesAreTempos) {
  auto q = ParseQuery("{ .a } | by(resource.service.name) | avg(span:duration) > 1s");
  ASSERT_TRUE(q.ok());
  const Node& pipeline = *q->root;
  ASSERT_EQ(pipeline.kind, NodeKind::kPipeline);
  EXPECT_EQ(FormatNode(*pipeline.children[1]), "by(resource.service.name)");
  EXPECT_EQ(FormatNode(*pipeline.children[2]->children[0]), "avg(duration)");
  q = ParseQuery("{ } | count() > 1");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(FormatNode(*q->root->children[1]->children[0]), "count()");
}

TEST(TraceQLLexer, ReadsDurations) {
  EXPECT_EQ(ParseTraceQLDuration("1.5s"), 1'500'000'000);
  EXPECT_EQ(ParseTraceQLDuration("300ms"), 300'000'000);
  EXPECT_EQ(ParseTraceQLDuration("2us"), 2'000);
  EXPECT_EQ(ParseTraceQLDuration("2\xC2\xB5s"), 2'000);
  EXPECT_EQ(ParseTraceQLDuration("5ns"), 5);
  EXPECT_EQ(ParseTraceQLDuration("1m"), 60'000'000'000);
  EXPECT_EQ(ParseTraceQLDuration("1h"), 3'600'000'000'000);
  EXPECT_EQ(ParseTraceQLDuration("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(ParseTraceQLDuration("30m1h"), 5'400'000'000'000);  // Go's syntax takes any order
  EXPECT_EQ(ParseTraceQLDuration("1d"), 86'400'000'000'000);
  EXPECT_EQ(ParseTraceQLDuration("1w"), 7 * 86'400'000'000'000);
  EXPECT_EQ(ParseTraceQLDuration("1y"), 365 * 86'400'000'000'000);
  EXPECT_EQ(ParseTraceQLDuration("1d2h"), 93'600'000'000'000);
  EXPECT_EQ(ParseTraceQLDuration("1.5d"), std::nullopt);
  EXPECT_EQ(ParseTraceQLDuration("1x"), std::nullopt);
  EXPECT_EQ(ParseTraceQLDuration("s"), std::nullopt);
  EXPECT_EQ(ParseTraceQLDuration("3000000h"), std::nullopt);  // past int64 nanoseconds
}

TEST(TraceQLLexer, ReadsAttributeNamesAndStrings) {
  auto tokens = Tokenize(R"(span.http.route=~"/api/.*" resource."a\"b".c event.x parent.span.y)");
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  ASSERT_EQ(tokens->size(), 7u);
  EXPECT_EQ((*tokens)[0].kind, TokenKind::kAttribute);
  EXPECT_EQ((*tokens)[0].scope, AttributeScope::kSpan);
  EXPECT_EQ((*tokens)[0].text, "http.route");
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kRegex);
  EXPECT_EQ((*tokens)[2].text, "/api/.*");
  EXPECT_EQ((*tokens)[3].scope, AttributeScope::kResource);
  EXPECT_EQ((*tokens)[3].text, "a\"b.c");
  EXPECT_EQ((*tokens)[4].scope, AttributeScope::kEvent);
  EXPECT_EQ((*tokens)[5].scope, AttributeScope::kSpan);
  EXPECT_TRUE((*tokens)[5].parent);
  EXPECT_EQ((*tokens)[5].text, "y");
  tokens = Tokenize(R"("\u00e9\101\n" `raw\n`)");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[0].text,
            "\xC3\xA9"
            "A\n");
  EXPECT_EQ((*tokens)[1].text, "raw\\n");
  tokens = Tokenize("!>> &<< !~ &~ >= 10ms 10 1.5");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ((*tokens)[0].kind, TokenKind::kNotDescendant);
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kUnionAncestor);
  EXPECT_EQ((*tokens)[2].kind, TokenKind::kNotRegex);
  EXPECT_EQ((*tokens)[3].kind, TokenKind::kUnionSibling);
  EXPECT_EQ((*tokens)[4].kind, TokenKind::kGe);
  EXPECT_EQ((*tokens)[5].kind, TokenKind::kDuration);
  EXPECT_EQ((*tokens)[6].kind, TokenKind::kInteger);
  EXPECT_EQ((*tokens)[7].kind, TokenKind::kFloat);
}

TEST(TraceQLParser, OperatorPrecedenceFollowsTempo) {
  // `&&` and `||` share one level inside filters and associate to the left, as in expr.y.
  auto q = ParseQuery("{ .a || .b && .c }");
  ASSERT_TRUE(q.ok());
  const Node& expr = *q->root->children[0]->children[0];
  EXPECT_EQ(expr.op, FieldOp::kAnd);
  EXPECT_EQ(expr.children[0]->op, FieldOp::kOr);
  // Spanset && binds looser than structural operators.
  q = ParseQuery("{ .a } && { .b } > { .c }");
  ASSERT_TRUE(q.ok());
  const Node& op = *q->root->children[0];
  EXPECT_EQ(op.spanset_op, SpansetOp::kAnd);
  EXPECT_EQ(op.children[1]->spanset_op, SpansetOp::kChild);
  // Unary minus takes the multiplication that follows it.
  q = ParseQuery("{ -.a * 2 = 1 }");
  ASSERT_TRUE(q.ok());
  const Node& eq = *q->root->children[0]->children[0];
  EXPECT_EQ(eq.children[0]->op, FieldOp::kNeg);
  EXPECT_EQ(eq.children[0]->children[0]->op, FieldOp::kMul);
}

}  // namespace
}  // namespace tidemark::traceql

namespace tidemark::traceql {
namespace {

// The fuzz target's seeds (tests/fuzz/corpus/traceql/) hold its invariant in every build.
TEST(TraceQLCorpus, SeedsPrintStably) {
  int parsed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TRACEQL_CORPUS_DIR)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto query = ParseQuery(text);
    if (!query.ok()) continue;
    ++parsed;
    const std::string printed = FormatQuery(*query);
    auto again = ParseQuery(printed);
    ASSERT_TRUE(again.ok()) << text << " printed as " << printed;
    EXPECT_EQ(FormatQuery(*again), printed) << text;
    EXPECT_EQ(ValidateQuery(*query).ok(), ValidateQuery(*again).ok()) << text;
  }
  EXPECT_GT(parsed, 30);
}

}  // namespace
}  // namespace tidemark::traceql
