// TraceQL evaluation on hand-built traces: every operator, structural ones on a trace whose
// spans arrive out of order and include a subtree whose parent never arrived.
#include "query/traceql/evaluator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace tidemark::traceql {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kBase = 1'700'000'000'000'000'000ULL;

std::string Id(int n, size_t len) {
  std::string id(len, '\0');
  id[len - 1] = static_cast<char>(n);
  id[0] = '\x0a';
  return id;
}

Span MakeSpan(int id, int parent, std::string name, SpanKind kind, uint64_t start_ms,
              uint64_t end_ms) {
  Span s;
  s.trace_id = Id(1, 16);
  s.span_id = Id(id, 8);
  if (parent != 0) s.parent_span_id = Id(parent, 8);
  s.name = std::move(name);
  s.kind = kind;
  s.start_time_unix_nano = kBase + start_ms * kMs;
  s.end_time_unix_nano = kBase + end_ms * kMs;
  // Every span of the sample trace shares one resource and one scope, as an SDK's do.
  static const auto resource = MakeSpanResource({{"service.name", AnyValue::String("api")}});
  static const auto scope = MakeSpanScope("otel-go", "1.2.0");
  s.resource = resource;
  s.scope = scope;
  return s;
}

// Span ids: 1 root "GET /"; 2 "SELECT" and 4 "redis" its children; 3 "parse" under 2;
// 5 "lost" whose parent 99 never arrived, 6 "lost child" under 5. Stored out of order.
std::vector<Span> SampleTrace() {
  Span root = MakeSpan(1, 0, "GET /", SpanKind::kServer, 0, 100);
  root.attributes = {{"http.status_code", AnyValue::Int(200)},
                     {"http.route", AnyValue::String("/api/users")}};
  Span select = MakeSpan(2, 1, "SELECT", SpanKind::kClient, 10, 50);
  select.attributes = {{"db", AnyValue::String("postgres")},
                       {"rows", AnyValue::Int(7)},
                       {"ratio", AnyValue::Double(0.5)},
                       {"cached", AnyValue::Bool(false)},
                       {"tags", AnyValue::Array({AnyValue::String("a")})}};
  select.events = {
      {kBase + 12 * kMs, "retry", {{"attempt", AnyValue::Int(1)}}, 0},
      {kBase + 20 * kMs,
       "exception",
       {{"exception.type", AnyValue::String("Timeout")}, {"attempt", AnyValue::Int(2)}},
       0}};
  Span parse = MakeSpan(3, 2, "parse", SpanKind::kInternal, 12, 20);
  SpanScope parse_scope = parse.Scope();
  parse_scope.attributes = {{"lib", AnyValue::String("pg")}};
  parse.scope = std::make_shared<const SpanScope>(std::move(parse_scope));
  Span redis = MakeSpan(4, 1, "redis", SpanKind::kClient, 60, 70);
  redis.status_code = SpanStatusCode::kError;
  redis.status_message = "connection refused";
  redis.links = {{Id(9, 16), Id(8, 8), "", {{"kind", AnyValue::String("follows")}}, 0, 0}};
  SpanResource redis_resource = redis.Resource();
  redis_resource.attributes.push_back({"db", AnyValue::String("redis")});
  redis.resource = std::make_shared<const SpanResource>(std::move(redis_resource));
  Span lost = MakeSpan(5, 99, "lost", SpanKind::kUnspecified, 80, 90);
  Span lost_child = MakeSpan(6, 5, "lost child", SpanKind::kUnspecified, 82, 88);
  return {lost_child, redis, parse, root, lost, select};
}

class EvalTest : public ::testing::Test {
 protected:
  // The names of the spans of each returned spanset.
  std::vector<std::vector<std::string>> SpansetNames(std::string_view query) {
    auto compiled = CompiledQuery::Compile(query);
    EXPECT_TRUE(compiled.ok()) << query << ": " << compiled.status().ToString();
    if (!compiled.ok()) return {};
    TraceEvaluator eval(**compiled, spans_);
    auto sets = eval.Evaluate();
    EXPECT_TRUE(sets.ok()) << query << ": " << sets.status().ToString();
    if (!sets.ok()) return {};
    std::vector<std::vector<std::string>> out;
    for (const EvaluatedSpanset& set : *sets) {
      std::vector<std::string> names;
      for (uint32_t i : set.spans) names.push_back(spans_[i].name);
      std::sort(names.begin(), names.end());
      out.push_back(names);
    }
    return out;
  }
  // The spans of the single spanset, sorted; empty if nothing matched.
  std::vector<std::string> One(std::string_view query) {
    auto sets = SpansetNames(query);
    EXPECT_LE(sets.size(), 1u) << query;
    return sets.empty() ? std::vector<std::string>{} : sets[0];
  }
  std::vector<EvaluatedSpanset> Sets(std::string_view query) {
    auto compiled = CompiledQuery::Compile(query);
    EXPECT_TRUE(compiled.ok()) << compiled.status().ToString();
    TraceEvaluator eval(**compiled, spans_);
    auto sets = eval.Evaluate();
    EXPECT_TRUE(sets.ok()) << sets.status().ToString();
    return sets.ok() ? *sets : std::vector<EvaluatedSpanset>{};
  }

  std::vector<Span> spans_ = SampleTrace();
};

using Names = std::vector<std::string>;

TEST_F(EvalTest, FiltersOnAttributesAndIntrinsics) {
  EXPECT_EQ(One("{ name = \"SELECT\" }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ span.db = \"postgres\" }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ resource.db = \"redis\" }"), (Names{"redis"}));
  EXPECT_EQ(One("{ .db =~ \"p.*|r.*\" }"), (Names{"SELECT", "redis"}));  // span, else resource
  EXPECT_EQ(One("{ .rows > 5 && .rows <= 7 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ .rows = 7.0 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ .ratio < 1 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ .cached = false }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ !.cached }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ .rows = \"7\" }"), (Names{}));  // numbers never equal strings
  EXPECT_EQ(One("{ .tags = \"a\" }"), (Names{}));  // arrays compare with nothing
  EXPECT_EQ(One("{ .tags != nil }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ kind = client }"), (Names{"SELECT", "redis"}));
  EXPECT_EQ(One("{ span:kind = server }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ status = error }"), (Names{"redis"}));
  EXPECT_EQ(One("{ status != error && kind != unspecified }"), (Names{"GET /", "SELECT", "parse"}));
  EXPECT_EQ(One("{ statusMessage =~ \"connection.*\" }"), (Names{"redis"}));
  EXPECT_EQ(One("{ duration >= 40ms }"), (Names{"GET /", "SELECT"}));
  EXPECT_EQ(One("{ span:duration < 10ms }"), (Names{"lost child", "parse"}));
  EXPECT_EQ(One("{ .http.route = \"/api/users\" }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ span.http.status_code = 200 }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ span.http.status_code != 500 }"), (Names{"GET /"}));  // missing: no match
}

TEST_F(EvalTest, NilAndRegex) {
  EXPECT_EQ(One("{ .db != nil }"), (Names{"SELECT", "redis"}));
  EXPECT_EQ(One("{ span.db = nil && kind = client }"), (Names{"redis"}));
  EXPECT_EQ(One("{ nil != span.rows }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ name =~ \"GET\" }"), (Names{}));  // fully anchored
  EXPECT_EQ(One("{ name =~ \"GET.*\" }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ name !~ \".*e.*\" }"), (Names{"GET /", "SELECT", "lost", "lost child"}));
  EXPECT_EQ(One("{ .missing !~ \"x\" }"), (Names{}));
  EXPECT_EQ(One("{ !(.missing = 1) && name = \"parse\" }"), (Names{"parse"}));
}

TEST_F(EvalTest, Arithmetic) {
  EXPECT_EQ(One("{ .rows * 2 = 14 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ .rows % 4 = 3 && .rows / 2 = 3 }"), (Names{"SELECT"}));  // integer division
  EXPECT_EQ(One("{ .rows / 2.0 = 3.5 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ .rows ^ 2 = 49 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ .rows - 10 = -3 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ -.rows = -7 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ .rows / 0 = 1 }"), (Names{}));
  EXPECT_EQ(One("{ duration / 2 > 20ms }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ duration - 30ms > 10ms }"), (Names{"GET /"}));
}

TEST_F(EvalTest, EventLinkAndInstrumentationScopes) {
  EXPECT_EQ(One("{ event:name = \"exception\" }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ event.exception.type = \"Timeout\" }"), (Names{"SELECT"}));
  // One event must satisfy the whole filter.
  EXPECT_EQ(One("{ event:name = \"exception\" && event.attempt = 2 }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ event:name = \"retry\" && event.attempt = 2 }"), (Names{}));
  EXPECT_EQ(One("{ event:timeSinceStart >= 10ms }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ link.kind = \"follows\" }"), (Names{"redis"}));
  EXPECT_EQ(One("{ link:spanID = \"0a00000000000008\" }"), (Names{"redis"}));
  EXPECT_EQ(One("{ link:traceID = \"0A000000000000000000000000000009\" }"), (Names{"redis"}));
  EXPECT_EQ(One("{ instrumentation.lib = \"pg\" }"), (Names{"parse"}));
  EXPECT_EQ(One("{ instrumentation:name = \"otel-go\" && name = \"parse\" }"), (Names{"parse"}));
  EXPECT_EQ(One("{ instrumentation:version = \"1.2.0\" && name = \"parse\" }"), (Names{"parse"}));
  EXPECT_EQ(One("{ span:id = \"0a00000000000003\" }"), (Names{"parse"}));
  EXPECT_EQ(One("{ span:parentID = \"0a00000000000002\" }"), (Names{"parse"}));
  EXPECT_EQ(One("{ span:parentID = nil }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ trace:id = \"0a000000000000000000000000000001\" && name = \"parse\" }"),
            (Names{"parse"}));
}

TEST_F(EvalTest, TraceIntrinsics) {
  EXPECT_EQ(One("{ rootServiceName = \"api\" && kind = server }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ trace:rootService = \"api\" && kind = server }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ rootName = \"GET /\" && name = \"parse\" }"), (Names{"parse"}));
  EXPECT_EQ(One("{ traceDuration = 100ms && name = \"parse\" }"), (Names{"parse"}));
  EXPECT_EQ(One("{ trace:duration > 100ms }"), (Names{}));

  // Without a root span, rootName and rootServiceName are nil.
  std::vector<Span> rootless = {MakeSpan(5, 99, "lost", SpanKind::kServer, 0, 10)};
  auto q = CompiledQuery::Compile("{ rootName != \"x\" || rootServiceName = nil }");
  ASSERT_TRUE(q.ok());
  TraceEvaluator eval(**q, rootless);
  auto sets = eval.Evaluate();
  ASSERT_TRUE(sets.ok());
  ASSERT_EQ(sets->size(), 1u);

  // A summary from the storage overrides what the spans say.
  TraceSummary summary;
  summary.has_root = true;
  summary.root_service_name = "gateway";
  summary.duration_nano = 5'000 * kMs;
  auto q2 = CompiledQuery::Compile("{ rootServiceName = \"gateway\" && traceDuration = 5s }");
  ASSERT_TRUE(q2.ok());
  TraceEvaluator eval2(**q2, rootless, &summary);
  auto sets2 = eval2.Evaluate();
  ASSERT_TRUE(sets2.ok());
  EXPECT_EQ(sets2->size(), 1u);
}

TEST_F(EvalTest, NestedSetNumbersIgnoreArrivalOrder) {
  auto q = CompiledQuery::Compile("{ }");
  ASSERT_TRUE(q.ok());
  TraceEvaluator eval(**q, spans_);
  std::map<std::string, NestedSet> by_name;
  for (uint32_t i = 0; i < spans_.size(); ++i) by_name[spans_[i].name] = eval.trace().nested_set(i);
  EXPECT_EQ(by_name["GET /"].left, 1);
  EXPECT_EQ(by_name["GET /"].right, 8);
  EXPECT_EQ(by_name["GET /"].parent, -1);
  EXPECT_EQ(by_name["SELECT"].left, 2);
  EXPECT_EQ(by_name["SELECT"].right, 5);
  EXPECT_EQ(by_name["SELECT"].parent, 1);
  EXPECT_EQ(by_name["parse"].left, 3);
  EXPECT_EQ(by_name["parse"].right, 4);
  EXPECT_EQ(by_name["parse"].parent, 2);
  EXPECT_EQ(by_name["redis"].left, 6);
  EXPECT_EQ(by_name["redis"].right, 7);
  // The subtree whose parent never arrived gets no numbers, as in Tempo.
  EXPECT_EQ(by_name["lost"].left, 0);
  EXPECT_EQ(by_name["lost child"].left, 0);
  EXPECT_EQ(by_name["lost child"].parent, 0);
  EXPECT_EQ(One("{ nestedSetParent = -1 }"), (Names{"GET /"}));
  EXPECT_EQ(One("{ nestedSetLeft = 0 }"), (Names{"lost", "lost child"}));
}

TEST_F(EvalTest, StructuralOperators) {
  EXPECT_EQ(One("{ name = \"GET /\" } > { kind = client }"), (Names{"SELECT", "redis"}));
  EXPECT_EQ(One("{ name = \"GET /\" } >> { }"), (Names{"SELECT", "parse", "redis"}));
  EXPECT_EQ(One("{ name = \"parse\" } < { }"), (Names{"SELECT"}));
  EXPECT_EQ(One("{ name = \"parse\" } << { }"), (Names{"GET /", "SELECT"}));
  EXPECT_EQ(One("{ name = \"SELECT\" } ~ { }"), (Names{"redis"}));
  EXPECT_EQ(One("{ } ~ { }"), (Names{"SELECT", "redis"}));
  // Negations return the right side's spans with no such relation, unknown places included.
  EXPECT_EQ(One("{ name = \"GET /\" } !> { }"), (Names{"GET /", "lost", "lost child", "parse"}));
  EXPECT_EQ(One("{ name = \"GET /\" } !>> { }"), (Names{"GET /", "lost", "lost child"}));
  EXPECT_EQ(One("{ name = \"parse\" } !< { }"),
            (Names{"GET /", "lost", "lost child", "parse", "redis"}));
  EXPECT_EQ(One("{ name = \"parse\" } !<< { }"), (Names{"lost", "lost child", "parse", "redis"}));
  EXPECT_EQ(One("{ name = \"SELECT\" } !~ { kind = client }"), (Names{"SELECT"}));
  // A negation needs a non-empty left side (Tempo joins nothing otherwise).
  EXPECT_EQ(One("{ name = \"nope\" } !> { }"), (Names{}));
  // Union forms return both sides.
  EXPECT_EQ(One("{ name = \"GET /\" } &> { kind = client }"), (Names{"GET /", "SELECT", "redis"}));
  EXPECT_EQ(One("{ kind = client } &< { kind = server }"), (Names{"GET /", "SELECT", "redis"}));
  EXPECT_EQ(One("{ name = \"GET /\" } &>> { name = \"parse\" }"), (Names{"GET /", "parse"}));
  EXPECT_EQ(One("{ name = \"parse\" } &<< { kind = server }"), (Names{"GET /", "parse"}));
  EXPECT_EQ(One("{ name = \"SELECT\" } &~ { name = \"redis\" }"), (Names{"SELECT", "redis"}));
  // Missing parents: the spans under a parent that never arrived are in no relation.
  EXPECT_EQ(One("{ name = \"lost\" } > { name = \"lost child\" }"), (Names{}));
  EXPECT_EQ(One("{ } >> { name = \"lost child\" }"), (Names{}));
  EXPECT_EQ(One("{ } ~ { name = \"lost\" }"), (Names{}));
  // Chains and spanset logic.
  EXPECT_EQ(One("{ kind = server } > { kind = client } > { name = \"parse\" }"), (Names{"parse"}));
  EXPECT_EQ(One("{ name = \"parse\" } && { status = error }"), (Names{"parse", "redis"}));
  EXPECT_EQ(One("{ name = \"parse\" } && { name = \"nope\" }"), (Names{}));
  EXPECT_EQ(One("{ name = \"parse\" } || { name = \"nope\" }"), (Names{"parse"}));
}

TEST_F(EvalTest, SpansetOperatorsOnGroupsFailAsTempo) {
  auto q = CompiledQuery::Compile("({ } | by(kind)) > ({ } | by(kind))");
  ASSERT_TRUE(q.ok());
  TraceEvaluator eval(**q, spans_);
  auto sets = eval.Evaluate();
  ASSERT_FALSE(sets.ok());
  EXPECT_NE(sets.status().message().find("coalesce()"), std::string::npos);
  // With coalesce() they run.
  EXPECT_EQ(One("({ } | by(kind) | coalesce()) > ({ kind = internal } | by(kind) | coalesce())"),
            (Names{"parse"}));
}

TEST_F(EvalTest, PipelinesAndAggregates) {
  auto sets = Sets("{ kind = client } | count() > 1");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].spans.size(), 2u);
  ASSERT_EQ(sets[0].attributes.size(), 1u);
  EXPECT_EQ(sets[0].attributes[0], (KeyValue{"count()", AnyValue::Int(2)}));
  EXPECT_TRUE(Sets("{ kind = client } | count() > 2").empty());

  sets = Sets("{ kind = client } | avg(duration) > 20ms");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].attributes[0], (KeyValue{"avg(duration)", AnyValue::String("25ms")}));
  sets = Sets("{ } | max(duration) >= 100ms");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].attributes[0], (KeyValue{"max(duration)", AnyValue::String("100ms")}));
  sets = Sets("{ } | min(span:duration) < 7ms");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].attributes[0], (KeyValue{"min(duration)", AnyValue::String("6ms")}));
  sets = Sets("{ } | sum(.rows) = 7");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].attributes[0], (KeyValue{"sum(.rows)", AnyValue::Int(7)}));
  sets = Sets("{ } | avg(.rows + 1) = 8");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].attributes[0], (KeyValue{"avg(.rows + 1)", AnyValue::Double(8)}));
  EXPECT_TRUE(Sets("{ } | avg(.missing) > 0").empty());
  EXPECT_EQ(Sets("count() = 6 | { kind = server }").size(), 1u);
  EXPECT_EQ(Sets("({ kind = client } | count()) = 2").size(), 1u);
  EXPECT_TRUE(Sets("({ kind = client } | count()) > 2").empty());
}

TEST_F(EvalTest, GroupSelectAndCoalesce) {
  auto sets = Sets("{ } | by(kind) | count() > 1");
  ASSERT_EQ(sets.size(), 2u);
  std::vector<std::vector<KeyValue>> attributes;
  for (const auto& s : sets) attributes.push_back(s.attributes);
  EXPECT_EQ(attributes[0][0], (KeyValue{"by(kind)", AnyValue::String("unspecified")}));
  EXPECT_EQ(attributes[0][1], (KeyValue{"count()", AnyValue::Int(2)}));
  EXPECT_EQ(attributes[1][0], (KeyValue{"by(kind)", AnyValue::String("client")}));

  sets = Sets("{ } | by(resource.service.name)");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].attributes[0],
            (KeyValue{"by(resource.service.name)", AnyValue::String("api")}));
  EXPECT_EQ(sets[0].spans.size(), 6u);

  sets = Sets("{ } | by(.db) | coalesce()");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0].spans.size(), 6u);
  EXPECT_TRUE(sets[0].attributes.empty());

  auto q = CompiledQuery::Compile(
      "{ span.db = \"postgres\" } | select(span.rows, resource.service.name, status, "
      "nestedSetLeft, event:name)");
  ASSERT_TRUE(q.ok());
  TraceEvaluator eval(**q, spans_);
  auto result = eval.Evaluate();
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->size(), 1u);
  const std::vector<KeyValue> reported = eval.SpanAttributes((*result)[0].spans[0]);
  const std::vector<KeyValue> want = {
      {"db", AnyValue::String("postgres")},      {"rows", AnyValue::Int(7)},
      {"service.name", AnyValue::String("api")}, {"status", AnyValue::String("unset")},
      {"nestedSetLeft", AnyValue::Int(2)},       {"event:name", AnyValue::String("retry")}};
  EXPECT_EQ(reported, want);
}

TEST(TraceQLValue, GoDurationStrings) {
  EXPECT_EQ(GoDurationString(0), "0s");
  EXPECT_EQ(GoDurationString(5), "5ns");
  EXPECT_EQ(GoDurationString(1500), "1.5\xC2\xB5s");
  EXPECT_EQ(GoDurationString(25'000'000), "25ms");
  EXPECT_EQ(GoDurationString(1'500'000'000), "1.5s");
  EXPECT_EQ(GoDurationString(90'000'000'000), "1m30s");
  EXPECT_EQ(GoDurationString(3'600'000'000'000), "1h0m0s");
  EXPECT_EQ(GoDurationString(-1'500'000'000), "-1.5s");
}

}  // namespace
}  // namespace tidemark::traceql

namespace tidemark::traceql {
namespace {

// The deepest queries the parser accepts evaluate and print without exhausting the stack.
TEST(TraceQLDepth, DeepestAcceptedQueriesEvaluate) {
  const std::vector<Span> spans = SampleTrace();
  std::string chain = "{ .a }";
  for (int i = 0; i < kDefaultMaxDepth - 3; ++i) chain += " && { .a }";
  std::string field = "{ " + std::string(kDefaultMaxDepth - 3, '!') + "true }";
  std::string parens =
      std::string(kDefaultMaxDepth - 3, '(') + "{ .a }" + std::string(kDefaultMaxDepth - 3, ')');
  for (const std::string& q : {chain, field, parens}) {
    auto compiled = CompiledQuery::Compile(q);
    ASSERT_TRUE(compiled.ok()) << compiled.status().ToString();
    TraceEvaluator eval(**compiled, spans);
    EXPECT_TRUE(eval.Evaluate().ok());
    EXPECT_FALSE(FormatQuery((*compiled)->query()).empty());
  }
}

}  // namespace
}  // namespace tidemark::traceql
