// SearchTraceQL on a real Engine in a temporary directory, from the span buffer and from segments
// after Flush(); the scan planner; CheckTraceQL and TraceQLSpanConditions.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "query/traceql/parser.h"
#include "query/traceql/planner.h"
#include "tests/query/traceql/trace_fixture.h"
#include "tests/storage/test_util.h"
#include "tidemark/engine.h"
#include "tidemark/traceql.h"

namespace tidemark {
namespace {

using testing::Id;
using testing::kNow;
using testing::kNowMs;
using testing::kSecond;
using testing::TempDir;

constexpr int kTraces = 30;

std::string Hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
    out.push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
  }
  return out;
}

uint64_t TraceStart(int k) { return kNow - (kTraces + 10 - k) * 10 * kSecond; }

// Trace k: a server root "root k" of service "api" (odd k) or "web" (even k), and a client child
// "query"; the child has db.system = "postgres" when k % 3 == 0 and an error status when
// k % 5 == 0. Larger k is newer.
std::vector<Span> Trace(int k) {
  Span root;
  root.trace_id = Id(k, 16);
  root.span_id = Id(k * 10 + 1, 8);
  root.name = "root " + std::to_string(k);
  root.kind = SpanKind::kServer;
  root.start_time_unix_nano = TraceStart(k);
  root.end_time_unix_nano = TraceStart(k) + 2 * kSecond;
  root.resource = MakeSpanResource({{"service.name", AnyValue::String(k % 2 ? "api" : "web")}});
  root.attributes = {{"http.status_code", AnyValue::Int(k % 5 == 0 ? 500 : 200)}};
  Span child = root;
  child.span_id = Id(k * 10 + 2, 8);
  child.parent_span_id = root.span_id;
  child.name = "query";
  child.kind = SpanKind::kClient;
  child.start_time_unix_nano = TraceStart(k) + kSecond / 2;
  child.end_time_unix_nano = TraceStart(k) + kSecond;
  child.attributes = {{"db.system", AnyValue::String(k % 3 == 0 ? "postgres" : "redis")}};
  if (k % 5 == 0) child.status_code = SpanStatusCode::kError;
  return {child, root};
}

Options SpanOptions() {
  Options o = testing::TestOptions();
  o.now_ms = [] { return kNowMs; };
  o.span_segment_max_age_ms = 3'600'000;  // the tests flush explicitly
  return o;
}

class TraceQLSearch : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto e = Engine::Open(SpanOptions(), dir_.path());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    std::vector<Span> spans;
    for (int k = 1; k <= kTraces; ++k) {
      for (Span& s : Trace(k)) spans.push_back(std::move(s));
    }
    auto report = engine_->AppendSpans(spans);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_EQ(report->accepted, spans.size());
    if (GetParam()) {
      ASSERT_TRUE(engine_->Flush().ok());  // from segments, not the buffer
    }
  }

  TraceQLSearchResponse Search(const std::string& query, uint32_t limit = 20) {
    TraceQLSearchRequest request;
    request.query = query;
    request.limit = limit;
    auto found = SearchTraceQL(*engine_, request);
    EXPECT_TRUE(found.ok()) << query << ": " << found.status().ToString();
    return found.ok() ? *found : TraceQLSearchResponse{};
  }

  // The k of each trace found, in order.
  static std::vector<int> Ks(const TraceQLSearchResponse& response) {
    std::vector<int> ks;
    for (const TraceQLTrace& t : response.traces) {
      for (int k = 1; k <= kTraces; ++k) {
        if (t.trace_id == Hex(Id(k, 16))) ks.push_back(k);
      }
    }
    return ks;
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(TraceQLSearch, FindsMatchingTracesNewestFirst) {
  const TraceQLSearchResponse r = Search(R"({ span.db.system = "postgres" })");
  EXPECT_EQ(Ks(r), (std::vector<int>{30, 27, 24, 21, 18, 15, 12, 9, 6, 3}));
  EXPECT_FALSE(r.stopped_at_limit);
  ASSERT_FALSE(r.traces.empty());
  const TraceQLTrace& t = r.traces[0];
  EXPECT_EQ(t.root_service_name, "web");
  EXPECT_EQ(t.root_trace_name, "root 30");
  EXPECT_EQ(t.start_time_unix_nano, TraceStart(30));
  EXPECT_EQ(t.duration_nano, 2 * kSecond);
  ASSERT_EQ(t.spansets.size(), 1u);
  EXPECT_EQ(t.spansets[0].matched, 1u);
  ASSERT_EQ(t.spansets[0].spans.size(), 1u);
  const TraceQLSpan& s = t.spansets[0].spans[0];
  EXPECT_EQ(s.name, "query");
  EXPECT_EQ(s.span_id, Hex(Id(302, 8)));
  EXPECT_EQ(s.duration_nano, kSecond / 2);
  EXPECT_EQ(s.attributes, (std::vector<KeyValue>{{"db.system", AnyValue::String("postgres")}}));
}

TEST_P(TraceQLSearch, StructuralPipelinesAndTraceIntrinsics) {
  EXPECT_EQ(Ks(Search(R"({ resource.service.name = "api" } > { status = error })")),
            (std::vector<int>{25, 15, 5}));
  EXPECT_EQ(
      Ks(Search(R"({ rootServiceName = "web" && span.db.system = "postgres" } | count() = 1)")),
      (std::vector<int>{30, 24, 18, 12, 6}));
  EXPECT_EQ(Ks(Search(R"({ kind = client && status = error } || { name = "root 7" })")),
            (std::vector<int>{30, 25, 20, 15, 10, 7, 5}));
  // The errors are children of the 500s: nothing is left.
  EXPECT_EQ(Ks(Search(R"({ span.http.status_code = 500 } !> { status = error })")),
            (std::vector<int>{}));
  EXPECT_EQ(Ks(Search(R"({ span.http.status_code = 500 } !> { kind = server })")),
            (std::vector<int>{30, 25, 20, 15, 10, 5}));  // the roots themselves
  const TraceQLSearchResponse r = Search("{ } | by(resource.service.name) | count() = 2", 1);
  ASSERT_EQ(r.traces.size(), 1u);
  ASSERT_EQ(r.traces[0].spansets.size(), 1u);
  EXPECT_EQ(r.traces[0].spansets[0].attributes,
            (std::vector<KeyValue>{{"by(resource.service.name)", AnyValue::String("web")},
                                   {"count()", AnyValue::Int(2)}}));
  EXPECT_EQ(r.traces[0].spansets[0].spans.size(), 2u);
}

TEST_P(TraceQLSearch, LimitAndSpansPerSpanset) {
  TraceQLSearchRequest request;
  request.query = "{ }";
  request.limit = 3;
  request.spans_per_spanset = 1;
  auto r = SearchTraceQL(*engine_, request);
  ASSERT_TRUE(r.ok());
  // Newest first among those found (the scan visits the newest partitions first, not spans in
  // time order within them).
  const std::vector<int> ks = Ks(*r);
  ASSERT_EQ(ks.size(), 3u);
  EXPECT_GT(ks[0], ks[1]);
  EXPECT_GT(ks[1], ks[2]);
  ASSERT_EQ(r->traces[0].spansets.size(), 1u);
  EXPECT_EQ(r->traces[0].spansets[0].matched, 2u);
  EXPECT_EQ(r->traces[0].spansets[0].spans.size(), 1u);
  EXPECT_FALSE(r->stopped_at_limit);
}

TEST_P(TraceQLSearch, ScansAgainWhenTheFirstCandidatesDoNotMatch) {
  // Nothing of these filters can be pushed down, so every trace is a candidate; the first pass
  // takes 10 of them. Whichever trace the scan reaches last is still found, and a filter that
  // matches nothing inspects every trace once.
  for (int k : {1, 30}) {
    const TraceQLSearchResponse r =
        Search(R"({ !(name != "root )" + std::to_string(k) + R"(") })", 1);
    EXPECT_EQ(Ks(r), (std::vector<int>{k}));
  }
  const TraceQLSearchResponse none = Search(R"({ !(name != "nope") })", 1);
  EXPECT_TRUE(none.traces.empty());
  EXPECT_EQ(none.inspected_traces, static_cast<uint64_t>(kTraces));
  EXPECT_FALSE(none.stopped_at_limit);
}

TEST_P(TraceQLSearch, TimeRangeRestrictsTheSpansEvaluated) {
  TraceQLSearchRequest request;
  request.query = "{ } | count() = 2";
  request.start_unix_nano = TraceStart(10);
  request.end_unix_nano = TraceStart(12) + kSecond / 4;  // trace 12's child starts later
  auto r = SearchTraceQL(*engine_, request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ks(*r), (std::vector<int>{11, 10}));
  request.query = R"({ name = "root 12" })";
  r = SearchTraceQL(*engine_, request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ks(*r), (std::vector<int>{12}));
}

TEST_P(TraceQLSearch, BoundsStopTheSearchAndSaySo) {
  TraceQLSearchRequest request;
  request.query = "{ } | count() > 5";  // matches nothing, so every candidate is inspected
  request.max_traces_inspected = 4;
  auto r = SearchTraceQL(*engine_, request);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->traces.empty());
  EXPECT_EQ(r->inspected_traces, 4u);
  EXPECT_TRUE(r->stopped_at_limit);

  request.max_traces_inspected = 0;
  request.max_spans_inspected = 5;
  r = SearchTraceQL(*engine_, request);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->stopped_at_limit);
  EXPECT_LE(r->inspected_spans, 5u);  // the bound, not one more

  request.max_spans_inspected = 0;
  r = SearchTraceQL(*engine_, request);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->stopped_at_limit);
  EXPECT_EQ(r->inspected_traces, static_cast<uint64_t>(kTraces));
}

TEST_P(TraceQLSearch, HonoursDeadlineAndCancellation) {
  TraceQLSearchRequest request;
  request.query = "{ }";
  ReadOptions expired;
  expired.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto r = SearchTraceQL(*engine_, request, expired);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  std::atomic<bool> cancelled{true};
  ReadOptions cancel;
  cancel.cancelled = &cancelled;
  r = SearchTraceQL(*engine_, request, cancel);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
}

TEST_P(TraceQLSearch, RefusesBadQueries) {
  TraceQLSearchRequest request;
  request.query = "{ .a = }";
  auto r = SearchTraceQL(*engine_, request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  request.query = "{ } | rate()";
  r = SearchTraceQL(*engine_, request);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("TraceQL metrics queries are not supported yet"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(BufferedAndFlushed, TraceQLSearch, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Flushed" : "Buffered";
                         });

TEST(TraceQLApi, CheckAndSpanConditions) {
  EXPECT_TRUE(CheckTraceQL("{ span.a = 1 } | count() > 2").ok());
  EXPECT_EQ(CheckTraceQL("{ 1 + 1 }").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckTraceQL("{ parent.a = 1 }").code(), StatusCode::kInvalidArgument);

  auto c =
      TraceQLSpanConditions(R"({ resource.service.name = "api" && (span.a = 1 || span.b = 2) })");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 1u);  // the service as the intrinsic the storage has a column for
  EXPECT_EQ((*c)[0].scope, ConditionScope::kIntrinsic);
  EXPECT_EQ((*c)[0].key, "service.name");
  c = TraceQLSpanConditions("{ }");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->empty());
  c = TraceQLSpanConditions(R"({ name = "x" } >> { span.b = 2 })");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].key, "name");
  EXPECT_FALSE(TraceQLSpanConditions("{ .a = ").ok());
}

std::string Plan(const std::string& text) {
  auto q = traceql::ParseAndValidate(text);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  if (!q.ok()) return "";
  std::string out;
  for (const traceql::Conjunction& alt : traceql::PlanScan(*q)) {
    if (!out.empty()) out += " | ";
    out += "[";
    for (size_t i = 0; i < alt.size(); ++i) {
      if (i) out += ", ";
      static constexpr const char* kScopes[] = {"span", "resource", "any", "intrinsic"};
      static constexpr const char* kOps[] = {"=",  "!=", "<",  "<=",     ">",
                                             ">=", "=~", "!~", "exists", "!exists"};
      out += std::string(kScopes[static_cast<int>(alt[i].scope)]) + ":" + alt[i].key + " " +
             kOps[static_cast<int>(alt[i].op)];
      if (alt[i].value.type != AnyValue::Type::kEmpty) out += " " + alt[i].value.ToString();
    }
    out += "]";
  }
  return out;
}

TEST(TraceQLPlanner, PushesDownWhatMapsExactly) {
  EXPECT_EQ(Plan("{ }"), "[]");
  EXPECT_EQ(Plan(R"({ span.http.method = "GET" && duration > 1s })"),
            "[span:http.method = GET, intrinsic:duration > 1000000000]");
  EXPECT_EQ(Plan(R"({ resource.service.name = "api" })"), "[intrinsic:service.name = api]");
  EXPECT_EQ(Plan("{ .a = 1 || .b = 2.5 }"), "[any:a = 1] | [any:b = 2.5]");
  EXPECT_EQ(Plan("{ .a = 1 || !(.b = 2) }"), "[]");
  EXPECT_EQ(Plan(R"({ status = error && kind != server && name =~ "GET.*" })"),
            "[intrinsic:status = error, intrinsic:kind != server, intrinsic:name =~ GET.*]");
  EXPECT_EQ(Plan("{ 500 <= span.code }"), "[span:code >= 500]");
  EXPECT_EQ(Plan("{ span.delta > -5 && -2.5 < span.f }"), "[span:delta > -5, span:f > -2.5]");
  EXPECT_EQ(Plan("{ span.x != nil && resource.y = nil }"), "[span:x exists, resource:y !exists]");
  EXPECT_EQ(Plan("{ .flag }"), "[any:flag = true]");
  EXPECT_EQ(Plan("{ .a + 1 = 2 && event.x = 1 && rootName = \"r\" }"), "[]");
  // Spanset && and structural operators: one side, the more selective.
  EXPECT_EQ(Plan(R"({ .a = 1 } >> { .b = 2 && .c = 3 })"), "[any:b = 2, any:c = 3]");
  EXPECT_EQ(Plan(R"({ .a = 1 } && { })"), "[any:a = 1]");
  EXPECT_EQ(Plan(R"({ .a = 1 } !> { .b = 2 })"), "[any:a = 1]");
  EXPECT_EQ(Plan(R"({ .a = 1 } || { .b = 2 })"), "[any:a = 1] | [any:b = 2]");
  EXPECT_EQ(Plan(R"({ .a = 1 } || { })"), "[]");
  EXPECT_EQ(Plan(R"({ } | by(.k) | { .a = 1 } | count() > 2)"), "[any:a = 1]");
  EXPECT_EQ(Plan(R"(({ .a = 1 } | count()) > 2)"), "[any:a = 1]");
}

// The requirement groups of a query, each as the number of its alternatives.
std::vector<size_t> Requirements(const std::string& text) {
  auto q = traceql::ParseAndValidate(text);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  std::vector<size_t> out;
  if (!q.ok()) return out;
  for (const auto& group : traceql::PlanRequirements(*q)) out.push_back(group.size());
  return out;
}

TEST(TraceQLPlanner, RequirementsOfEverySideForIntersection) {
  // Both sides of structural operators (their negations too: both sides must be non-empty).
  EXPECT_EQ(Requirements("{ span.a != nil } >> { status = error }"), (std::vector<size_t>{1, 1}));
  EXPECT_EQ(Requirements("{ span.a = 1 } !> { span.b = 2 } && { name = \"x\" }"),
            (std::vector<size_t>{1, 1, 1}));
  // A union is one requirement with both sides as alternatives.
  EXPECT_EQ(Requirements("{ span.a = 1 } || { span.b = 2 }"), (std::vector<size_t>{2}));
  // What any span satisfies is no requirement.
  EXPECT_EQ(Requirements("{ } >> { status = error }"), (std::vector<size_t>{1}));
  EXPECT_EQ(Requirements("{ !(span.a = 1) } && { span.b = 2 }"), (std::vector<size_t>{1}));
  // Every filter stage of a pipeline.
  EXPECT_EQ(Requirements("{ span.a = 1 } | { span.b = 2 } | count() > 1"),
            (std::vector<size_t>{1, 1}));
}

TEST_P(TraceQLSearch, IntersectsTheRequirementsOfBothSides) {
  // Postgres queries are in every third trace, errors in every fifth: only the traces with both
  // are read and evaluated, and the answer is theirs.
  const TraceQLSearchResponse r =
      Search(R"({ span.db.system = "postgres" } && { status = error })");
  EXPECT_EQ(Ks(r), (std::vector<int>{30, 15}));
  EXPECT_EQ(r.inspected_traces, 2u);
  // No trace has both: nothing is read.
  const TraceQLSearchResponse none =
      Search(R"({ span.db.system = "postgres" } && { name = "root 7" })");
  EXPECT_TRUE(none.traces.empty());
  EXPECT_EQ(none.inspected_traces, 0u);
}

TEST_P(TraceQLSearch, StructuralQueriesReadOnlyTheTracesTheirSkeletonsMatch) {
  // Errors are on the child of every fifth trace: the roots are their parents.
  const TraceQLSearchResponse parents = Search(R"({ name =~ "root.*" } > { status = error })");
  EXPECT_EQ(Ks(parents), (std::vector<int>{30, 25, 20, 15, 10, 5}));
  EXPECT_EQ(parents.inspected_traces, 6u);
  // Postgres children never have children: traces 15 and 30 have both sides, in no relation, and
  // their skeletons say so without reading them.
  const TraceQLSearchResponse none =
      Search(R"({ span.db.system = "postgres" } > { status = error })");
  EXPECT_TRUE(none.traces.empty());
  EXPECT_EQ(none.inspected_traces, 0u);
  // The negations are evaluated on whole traces.
  const TraceQLSearchResponse negated =
      Search(R"({ span.db.system = "postgres" } !> { status = error })", 100);
  EXPECT_EQ(Ks(negated), (std::vector<int>{30, 15}));
}

}  // namespace
}  // namespace tidemark
