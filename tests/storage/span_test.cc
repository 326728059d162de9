#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "storage/span_interner.h"
#include "tests/storage/raw_db.h"
#include "tests/storage/test_util.h"
#include "tidemark/engine.h"
#include "tidemark/trace_search.h"

namespace tidemark {
namespace {

using testing::TempDir;

constexpr uint64_t kSecond = 1'000'000'000ULL;
// A fixed "now" for these tests: 2026-01-01T00:00:00Z.
constexpr int64_t kNowMs = 1'767'225'600'000;
constexpr uint64_t kNow = static_cast<uint64_t>(kNowMs) * 1'000'000;

Options SpanOptions() {
  Options o = testing::TestOptions();
  o.now_ms = [] { return kNowMs; };
  o.span_segment_max_age_ms = 3'600'000;  // tests flush explicitly
  return o;
}

std::string Id(int n, size_t len) {
  std::string id(len, '\0');
  for (size_t i = 0; i < len && n; ++i, n >>= 8) id[len - 1 - i] = static_cast<char>(n & 0xff);
  id[0] = '\x01';
  return id;
}

// A span using every field and every attribute type.
Span FullSpan(int trace, int span, uint64_t start) {
  Span s;
  s.trace_id = Id(trace, 16);
  s.span_id = Id(span, 8);
  s.parent_span_id = span % 3 == 0 ? "" : Id(span - 1, 8);
  s.trace_state = "vendor=value";
  s.flags = 0x101;
  s.name = "GET /api/" + std::to_string(span % 4);
  s.kind = SpanKind::kServer;
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = start + 1234567;
  s.attributes = {
      {"http.method", AnyValue::String("GET")},
      {"http.status_code", AnyValue::Int(span % 2 ? 200 : 503)},
      {"ratio", AnyValue::Double(0.25)},
      {"nan", AnyValue::Double(std::numeric_limits<double>::quiet_NaN())},
      {"error", AnyValue::Bool(span % 2 == 0)},
      {"blob", AnyValue::Bytes(std::string("\x00\x01\xff", 3))},
      {"gen_ai.prompt", AnyValue::Array({AnyValue::KvList({{"role", AnyValue::String("user")},
                                                           {"content", AnyValue::String("hello")}}),
                                         AnyValue::Int(7), AnyValue()})},
  };
  s.dropped_attributes_count = 2;
  s.events = {{start + 10, "exception", {{"exception.type", AnyValue::String("IOError")}}, 1},
              {start + 20, "retry", {}, 0}};
  s.dropped_events_count = 3;
  s.links = {
      {Id(trace + 1000, 16), Id(9, 8), "l=1", {{"link.kind", AnyValue::String("follows")}}, 4, 1}};
  s.dropped_links_count = 5;
  s.status_code = span % 2 ? SpanStatusCode::kOk : SpanStatusCode::kError;
  s.status_message = span % 2 ? "" : "upstream failed";
  s.resource = std::make_shared<const SpanResource>(SpanResource{
      .attributes = {{"service.name", AnyValue::String(trace % 2 ? "checkout" : "cart")},
                     {"service.instance.id", AnyValue::String("i-" + std::to_string(trace % 3))}},
      .dropped_attributes_count = 1,
      .schema_url = "https://opentelemetry.io/schemas/1.21.0"});
  s.scope = std::make_shared<const SpanScope>(
      SpanScope{.name = "io.opentelemetry.http",
                .version = "1.2.3",
                .attributes = {{"scope.attr", AnyValue::Bool(true)}},
                .dropped_attributes_count = 6,
                .schema_url = "scope-schema"});
  return s;
}

std::unique_ptr<Engine> Open(const std::string& dir, Options o = SpanOptions()) {
  auto e = Engine::Open(o, dir);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(e).value() : nullptr;
}

void ExpectSameSpans(std::vector<Span> got, std::vector<Span> want) {
  auto by_start = [](const Span& a, const Span& b) {
    return std::tie(a.start_time_unix_nano, a.span_id) <
           std::tie(b.start_time_unix_nano, b.span_id);
  };
  std::sort(want.begin(), want.end(), by_start);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(got[i] == want[i]) << "span " << i << " differs";
}

TEST(Spans, EveryFieldRoundTripsFromBufferSegmentsAndLog) {
  TempDir dir;
  std::vector<Span> written;
  for (int i = 0; i < 6; ++i)
    written.push_back(FullSpan(1, i + 1, kNow - 100 * kSecond + i * kSecond));
  {
    auto engine = Open(dir.path());
    auto r = engine->AppendSpans(written);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->accepted, 6u);
    auto got = engine->GetTrace(Id(1, 16));  // from the buffer
    ASSERT_TRUE(got.ok());
    ExpectSameSpans(*got, written);
  }
  {
    auto engine = Open(dir.path());  // replayed from the span log
    auto got = engine->GetTrace(Id(1, 16));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectSameSpans(*got, written);
    ASSERT_TRUE(engine->Flush().ok());
    EXPECT_EQ(engine->Stats().spans_buffered, 0u);
    got = engine->GetTrace(Id(1, 16));  // from a segment
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectSameSpans(*got, written);
  }
  auto engine = Open(dir.path());  // segments after a restart, nothing replayed twice
  auto got = engine->GetTrace(Id(1, 16));
  ASSERT_TRUE(got.ok());
  ExpectSameSpans(*got, written);
}

TEST(Spans, TraceSplitOverBatchesAndSegmentsComesBackWhole) {
  TempDir dir;
  auto engine = Open(dir.path());
  std::vector<Span> all;
  for (int batch = 0; batch < 8; ++batch) {
    std::vector<Span> spans;
    for (int k = 0; k < 300; ++k) {
      // Trace 42 gets one span per batch; others fill row groups around it.
      const int trace = k == 0 ? 42 : 1000 + batch * 300 + k;
      spans.push_back(
          FullSpan(trace, batch * 1000 + k + 1, kNow - (600 - batch * 60) * kSecond + k));
      if (trace == 42) all.push_back(spans.back());
    }
    ASSERT_TRUE(engine->AppendSpans(spans).ok());
    if (batch % 3 != 2) {
      ASSERT_TRUE(engine->Flush().ok());  // some stay buffered
    }
  }
  EXPECT_GT(engine->Stats().span_segments_written, 4u);
  auto got = engine->GetTrace(Id(42, 16));
  ASSERT_TRUE(got.ok());
  ExpectSameSpans(*got, all);
  // A time range narrows the result; an unknown trace is NotFound.
  got = engine->GetTrace(Id(42, 16), kNow - 400 * kSecond, kNow);
  ASSERT_TRUE(got.ok());
  EXPECT_LT(got->size(), all.size());
  EXPECT_EQ(engine->GetTrace(Id(777777, 16)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(engine->GetTrace("short").status().code(), StatusCode::kInvalidArgument);
}

TEST(Spans, InvalidSpansAreRejectedOneByOne) {
  TempDir dir;
  auto engine = Open(dir.path());
  std::vector<Span> spans(5, FullSpan(1, 1, kNow - kSecond));
  spans[1].trace_id = std::string(16, '\0');
  spans[2].span_id = "abc";
  spans[3].end_time_unix_nano = spans[3].start_time_unix_nano - 1;
  spans[4].start_time_unix_nano = kNow - 8 * 24 * 3600 * kSecond;  // past the 7-day retention
  spans[4].end_time_unix_nano = spans[4].start_time_unix_nano;
  auto r = engine->AppendSpans(spans);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->accepted, 1u);
  EXPECT_EQ(r->rejected, 4u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(SpanRejectReason::kInvalidTraceId)], 1u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(SpanRejectReason::kInvalidSpanId)], 1u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(SpanRejectReason::kEndBeforeStart)], 1u);
  EXPECT_EQ(r->rejected_by_reason[static_cast<int>(SpanRejectReason::kTooOld)], 1u);
  EXPECT_EQ(r->first_rejections.size(), 4u);
}

// Spans accepted around rejected ones are stored in their order, each with its own content.
TEST(Spans, SpansBetweenRejectedOnesAreStoredWhole) {
  TempDir dir;
  auto engine = Open(dir.path());
  std::vector<Span> spans;
  for (int i = 0; i < 6; ++i) spans.push_back(FullSpan(7, i + 1, kNow - 50 * kSecond + i));
  std::vector<Span> accepted = {spans[0], spans[2], spans[4], spans[5]};
  spans[1].span_id = "short";
  spans[3].trace_id = std::string(16, '\0');
  auto r = engine->AppendSpans(spans);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 4u);
  EXPECT_EQ(r->rejected, 2u);
  auto got = engine->GetTrace(Id(7, 16));  // from the buffer
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameSpans(*got, accepted);
  ASSERT_TRUE(engine->Flush().ok());
  got = engine->GetTrace(Id(7, 16));  // from a segment
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameSpans(*got, accepted);
}

// Every request decodes its own resource objects; the buffer gives equal ones one object, so it
// holds each resource once however many requests brought it.
TEST(Spans, BufferedSpansOfEqualResourcesShareOneObject) {
  TempDir dir;
  auto engine = Open(dir.path());
  for (int batch = 0; batch < 3; ++batch) {
    // FullSpan makes new resource and scope objects for every span; traces 1 and 7 have equal
    // resources, trace 2 another.
    std::vector<Span> spans = {FullSpan(1, batch * 10 + 1, kNow - 20 * kSecond + batch),
                               FullSpan(2, batch * 10 + 2, kNow - 20 * kSecond + batch),
                               FullSpan(7, batch * 10 + 3, kNow - 20 * kSecond + batch)};
    ASSERT_TRUE(engine->AppendSpans(std::move(spans)).ok());
  }
  auto one = engine->GetTrace(Id(1, 16));
  auto two = engine->GetTrace(Id(2, 16));
  auto three = engine->GetTrace(Id(7, 16));
  ASSERT_TRUE(one.ok() && two.ok() && three.ok());
  ASSERT_EQ(one->size(), 3u);
  ASSERT_EQ(three->size(), 3u);
  for (const Span& s : *one) {
    EXPECT_EQ(s.resource.get(), (*one)[0].resource.get());
    EXPECT_EQ(s.scope.get(), (*one)[0].scope.get());
  }
  for (const Span& s : *three) EXPECT_EQ(s.resource.get(), (*one)[0].resource.get());
  for (const Span& s : *two) {
    EXPECT_NE(s.resource.get(), (*one)[0].resource.get());
    EXPECT_EQ(s.resource.get(), (*two)[0].resource.get());
    EXPECT_EQ(s.scope.get(), (*one)[0].scope.get());  // every span's scope is equal
  }
}

TEST(SpanInterner, EqualValuesShareTheFirstObject) {
  storage::SpanInterner<SpanResource> interner(8);
  auto make = [](const std::string& service) {
    SpanResource r;
    r.attributes = {{"service.name", AnyValue::String(service)}};
    return std::make_shared<const SpanResource>(std::move(r));
  };
  const auto a = make("a");
  EXPECT_EQ(interner.Intern(a), a);
  EXPECT_EQ(interner.Intern(make("a")), a);
  const auto b = make("b");
  EXPECT_EQ(interner.Intern(b), b);
  EXPECT_EQ(interner.Intern(nullptr), nullptr);
  EXPECT_EQ(interner.size(), 2u);
  // A value unequal to itself (a NaN attribute) is still found by its own object.
  SpanResource with_nan;
  with_nan.attributes = {{"x", AnyValue::Double(std::numeric_limits<double>::quiet_NaN())}};
  const auto nan = std::make_shared<const SpanResource>(with_nan);
  EXPECT_EQ(interner.Intern(nan), nan);
  EXPECT_EQ(interner.Intern(nan), nan);
  EXPECT_EQ(interner.size(), 3u);
}

TEST(SpanInterner, ForgetsEverythingPastItsBound) {
  storage::SpanInterner<SpanScope> interner(4);
  auto make = [](int i) {
    SpanScope scope;
    scope.name = "scope-" + std::to_string(i);
    return std::make_shared<const SpanScope>(std::move(scope));
  };
  for (int i = 0; i < 4; ++i) interner.Intern(make(i));
  EXPECT_EQ(interner.size(), 4u);
  // The fifth distinct value starts over: the earlier ones are no longer matched.
  interner.Intern(make(4));
  EXPECT_EQ(interner.size(), 1u);
  const auto again = make(0);
  EXPECT_EQ(interner.Intern(again), again);
  EXPECT_EQ(interner.size(), 2u);
}

TEST(Spans, LimitsTruncateAndCountLikeSdks) {
  TempDir dir;
  Options o = SpanOptions();
  o.limits.max_span_attributes = 3;
  o.limits.max_span_attribute_value_bytes = 3;
  o.limits.max_span_events = 1;
  o.limits.max_span_links = 0;
  auto engine = Open(dir.path(), o);
  Span s = FullSpan(1, 1, kNow - kSecond);
  s.attributes = {{"a", AnyValue::String("ab\xc3\xa9")},
                  {"b", AnyValue::Int(1)},
                  {"c", AnyValue::Int(2)},
                  {"d", AnyValue::Int(3)}};
  s.dropped_attributes_count = 0;
  auto r = engine->AppendSpans({s});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dropped_attributes, 1u);
  EXPECT_EQ(r->truncated_attribute_values, 2u);  // "a" and the kept event's exception.type
  EXPECT_EQ(r->dropped_events, 1u);
  EXPECT_EQ(r->dropped_links, 1u);
  auto got = engine->GetTrace(Id(1, 16));
  ASSERT_TRUE(got.ok());
  const Span& g = (*got)[0];
  ASSERT_EQ(g.attributes.size(), 3u);
  EXPECT_EQ(g.attributes[0].value.string_value, "ab");  // not cut inside the 2-byte character
  EXPECT_EQ(g.events[0].attributes[0].value.string_value, "IOE");
  EXPECT_EQ(g.dropped_attributes_count, 1u);
  EXPECT_EQ(g.events.size(), 1u);
  EXPECT_EQ(g.dropped_events_count, 4u);
  EXPECT_TRUE(g.links.empty());
  EXPECT_EQ(g.dropped_links_count, 6u);
}

TEST(Spans, TooDeeplyNestedValuesAreDroppedNotStoredUnreadable) {
  TempDir dir;
  auto engine = Open(dir.path());
  Span s = FullSpan(1, 1, kNow - kSecond);
  AnyValue deep = AnyValue::Int(1);
  for (int i = 0; i < 40; ++i) deep = AnyValue::Array({deep});
  s.attributes = {{"deep", deep}, {"flat", AnyValue::Int(2)}};
  s.dropped_attributes_count = 0;
  auto r = engine->AppendSpans({s});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dropped_attributes, 1u);
  ASSERT_TRUE(engine->Flush().ok());
  auto got = engine->GetTrace(Id(1, 16));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ((*got)[0].attributes.size(), 1u);
  EXPECT_EQ((*got)[0].attributes[0].key, "flat");
  EXPECT_EQ((*got)[0].dropped_attributes_count, 1u);
}

class SpanSearchTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    engine_ = Open(dir_.path());
    std::vector<Span> spans;
    for (int t = 1; t <= 20; ++t) {
      for (int k = 0; k < 3; ++k) {
        Span s = FullSpan(t, t * 10 + k, kNow - (100 - t) * kSecond + k * 1000);
        if (k == 0) s.parent_span_id.clear();  // the root
        s.end_time_unix_nano =
            s.start_time_unix_nano + static_cast<uint64_t>(t) * 100'000'000;  // t * 100 ms
        s.attributes.push_back({"user.id", AnyValue::String("u" + std::to_string(t % 5))});
        if (t % 4 == 0) s.attributes.push_back({"only.some", AnyValue::Int(t)});
        spans.push_back(s);
      }
    }
    ASSERT_TRUE(engine_->AppendSpans(spans).ok());
    if (GetParam()) {
      ASSERT_TRUE(engine_->Flush().ok());
    }
  }

  std::vector<int> Traces(std::vector<SpanCondition> conditions, uint32_t limit = 100,
                          uint64_t start = 0, uint64_t end = UINT64_MAX) {
    TraceSearchRequest req;
    req.conditions = std::move(conditions);
    req.limit = limit;
    req.start_unix_nano = start;
    req.end_unix_nano = end;
    auto r = SearchTraces(*engine_, req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<int> out;
    if (!r.ok()) return out;
    EXPECT_TRUE(r->warnings.empty());
    for (const auto& t : r->traces) {
      int n = 0;
      for (size_t i = 1; i < 16; ++i) n = (n << 8) | static_cast<uint8_t>(t.trace_id[i]);
      out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

SpanCondition Cond(ConditionScope scope, std::string key, ConditionOp op, AnyValue v = AnyValue()) {
  return {scope, std::move(key), op, std::move(v)};
}

TEST_P(SpanSearchTest, IntrinsicsAndOperators) {
  using S = ConditionScope;
  using O = ConditionOp;
  EXPECT_EQ(Traces({Cond(S::kIntrinsic, "service.name", O::kEq, AnyValue::String("cart")),
                    Cond(S::kIntrinsic, "duration", O::kGe, AnyValue::Int(1'800'000'000))}),
            (std::vector<int>{18, 20}));
  EXPECT_EQ(Traces({Cond(S::kIntrinsic, "duration", O::kLt, AnyValue::Int(300'000'000))}),
            (std::vector<int>{1, 2}));
  EXPECT_EQ(Traces({Cond(S::kIntrinsic, "duration", O::kLe, AnyValue::Double(3e8))}),
            (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(Traces({Cond(S::kIntrinsic, "duration", O::kGt, AnyValue::Int(1'900'000'000))}),
            (std::vector<int>{20}));
  EXPECT_EQ(Traces({Cond(S::kIntrinsic, "name", O::kRegex, AnyValue::String("GET /api/[12]")),
                    Cond(S::kIntrinsic, "duration", O::kLe, AnyValue::Int(200'000'000))}),
            (std::vector<int>{1, 2}));
  EXPECT_EQ(Traces({Cond(S::kIntrinsic, "status", O::kEq, AnyValue::String("error")),
                    Cond(S::kIntrinsic, "duration", O::kLt, AnyValue::Int(400'000'000))})
                .size(),
            3u);
  EXPECT_EQ(Traces({Cond(S::kIntrinsic, "kind", O::kNe, AnyValue::String("server"))}),
            std::vector<int>{});
  EXPECT_EQ(Traces({Cond(S::kIntrinsic, "kind", O::kEq, AnyValue::Int(2))}).size(), 20u);
}

TEST_P(SpanSearchTest, AttributesScopesAndMissingValues) {
  using S = ConditionScope;
  using O = ConditionOp;
  EXPECT_EQ(Traces({Cond(S::kSpan, "user.id", O::kEq, AnyValue::String("u3"))}),
            (std::vector<int>{3, 8, 13, 18}));
  EXPECT_EQ(Traces({Cond(S::kAny, "user.id", O::kNotRegex, AnyValue::String("u[0-3]"))}),
            (std::vector<int>{4, 9, 14, 19}));
  // service.instance.id lives on the resource: span scope misses it, resource and any find it.
  EXPECT_EQ(Traces({Cond(S::kSpan, "service.instance.id", O::kEq, AnyValue::String("i-0"))}),
            std::vector<int>{});
  EXPECT_EQ(Traces({Cond(S::kResource, "service.instance.id", O::kEq, AnyValue::String("i-0"))}),
            (std::vector<int>{3, 6, 9, 12, 15, 18}));
  EXPECT_EQ(Traces({Cond(S::kAny, "service.instance.id", O::kEq, AnyValue::String("i-0"))}).size(),
            6u);
  // A missing attribute satisfies only "not exists"; != needs the attribute present.
  EXPECT_EQ(Traces({Cond(S::kSpan, "only.some", O::kExists)}),
            (std::vector<int>{4, 8, 12, 16, 20}));
  EXPECT_EQ(Traces({Cond(S::kSpan, "only.some", O::kNotExists)}).size(), 15u);
  EXPECT_EQ(Traces({Cond(S::kSpan, "only.some", O::kNe, AnyValue::Int(4))}),
            (std::vector<int>{8, 12, 16, 20}));
  EXPECT_EQ(Traces({Cond(S::kSpan, "only.some", O::kGt, AnyValue::Double(12.5))}),
            (std::vector<int>{16, 20}));
  // Types must agree: a string never equals an int.
  EXPECT_EQ(Traces({Cond(S::kSpan, "http.status_code", O::kEq, AnyValue::String("503"))}),
            std::vector<int>{});
  EXPECT_EQ(Traces({Cond(S::kSpan, "http.status_code", O::kGe, AnyValue::Int(500)),
                    Cond(S::kSpan, "error", O::kEq, AnyValue::Bool(true))})
                .size(),
            20u);
}

TEST_P(SpanSearchTest, TimeRangeLimitAndTraceFacts) {
  // Trace t's spans start at now - (100 - t) s (+ up to 2 us).
  EXPECT_EQ(Traces({}, 100, kNow - 90 * kSecond, kNow - 85 * kSecond),
            (std::vector<int>{10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(Traces({}, 100, kNow - 90 * kSecond + 2001, kNow - 85 * kSecond).front(),
            11);  // edge excluded
  EXPECT_EQ(Traces({}, 3).size(), 3u);
  TraceSearchRequest req;
  req.conditions = {
      Cond(ConditionScope::kIntrinsic, "name", ConditionOp::kEq, AnyValue::String("GET /api/3"))};
  req.limit = 100;
  req.spans_per_trace = 1;
  auto r = SearchTraces(*engine_, req);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->traces.empty());
  for (const auto& t : r->traces) {
    EXPECT_EQ(t.root_span_name.rfind("GET /api/", 0), 0u);
    EXPECT_FALSE(t.root_service_name.empty());
    EXPECT_GT(t.duration_nano, 0u);
    EXPECT_EQ(t.spans.size(), 1u);
    EXPECT_EQ(t.spans[0].name, "GET /api/3");
  }
}

TEST_P(SpanSearchTest, ScannedSpansReadInFull) {
  // A visitor that needs more than the scanned columns reads the whole span: the same span
  // GetTrace returns, from the buffer and from row groups alike.
  SpanScan scan;
  scan.conditions = {
      Cond(ConditionScope::kSpan, "user.id", ConditionOp::kEq, AnyValue::String("u3"))};
  std::vector<Span> read;
  Status read_status;
  auto stats = engine_->ScanSpans({}, scan, [&](const ScannedSpan& scanned) {
    Span full;
    read_status = scanned.ReadSpan(&full);
    if (!read_status.ok()) return false;
    EXPECT_EQ(full.span_id, scanned.span_id);
    EXPECT_EQ(full.name, scanned.name);
    EXPECT_EQ(full.ServiceName(), scanned.service_name);
    read.push_back(std::move(full));
    return true;
  });
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  ASSERT_TRUE(read_status.ok()) << read_status.ToString();
  EXPECT_EQ(read.size(), 4u * 3);  // traces 3, 8, 13, 18, three spans each
  for (const Span& full : read) {
    auto trace = engine_->GetTrace(full.trace_id);
    ASSERT_TRUE(trace.ok());
    auto same = std::find_if(trace->begin(), trace->end(),
                             [&](const Span& s) { return s.span_id == full.span_id; });
    EXPECT_TRUE(same != trace->end() && *same == full);
  }
}

TEST_P(SpanSearchTest, ManyTracesAtOnceAreEachAsGetTraceReadsThem) {
  std::vector<std::string> ids;
  for (int t = 20; t >= 1; t -= 3) ids.push_back(Id(t, 16));
  ids.push_back(Id(999, 16));  // unknown
  ids.push_back(Id(7, 16));    // twice
  auto traces = engine_->GetTraces(ids);
  ASSERT_TRUE(traces.ok()) << traces.status().ToString();
  ASSERT_EQ(traces->size(), ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    auto one = engine_->GetTrace(ids[k]);
    if (!one.ok()) {
      EXPECT_EQ(one.status().code(), StatusCode::kNotFound);
      EXPECT_TRUE((*traces)[k].empty()) << k;
      continue;
    }
    EXPECT_EQ((*traces)[k].size(), 3u) << k;
    EXPECT_TRUE((*traces)[k] == *one) << k;
  }
  // A time range keeps the spans starting in it, as GetTrace does.
  const uint64_t start = kNow - (100 - 10) * kSecond + 1;  // trace 10's second span onwards
  auto ranged = engine_->GetTraces({Id(10, 16)}, start, UINT64_MAX);
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ((*ranged)[0].size(), 2u);
  EXPECT_FALSE(engine_->GetTraces({"short"}).ok());
}

TEST_P(SpanSearchTest, AlternativesAndTraceFilterInOnePass) {
  using S = ConditionScope;
  using O = ConditionOp;
  // Trace id + span id of every span a scan visits.
  auto visited = [&](const SpanScan& scan) {
    std::map<std::string, uint64_t> keys;
    auto stats = engine_->ScanSpans({}, scan, [&](const ScannedSpan& s) {
      keys[std::string(s.trace_id) + std::string(s.span_id)] = s.alternatives;
      return true;
    });
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return keys;
  };
  const std::vector<std::vector<SpanCondition>> alternatives = {
      {Cond(S::kSpan, "only.some", O::kExists)},
      {Cond(S::kIntrinsic, "status", O::kEq, AnyValue::String("error")),
       Cond(S::kIntrinsic, "duration", O::kGe, AnyValue::Int(1'500'000'000))},
      {Cond(S::kIntrinsic, "service.name", O::kEq, AnyValue::String("no such service"))},
  };
  // What each alternative matches alone.
  std::vector<std::map<std::string, uint64_t>> alone;
  for (const auto& conditions : alternatives) {
    SpanScan scan;
    scan.conditions = conditions;
    alone.push_back(visited(scan));
  }
  ASSERT_FALSE(alone[0].empty());
  ASSERT_FALSE(alone[1].empty());
  ASSERT_TRUE(alone[2].empty());

  SpanScan scan;
  scan.any_of = alternatives;
  scan.any_of.emplace_back();  // every span
  scan.conditions = {Cond(S::kIntrinsic, "kind", O::kEq, AnyValue::String("server"))};
  // Only the traces with an even number (the last byte of the id).
  scan.trace_filter = [](std::string_view trace_id) { return trace_id.back() % 2 == 0; };
  const std::map<std::string, uint64_t> together = visited(scan);
  EXPECT_EQ(together.size(), 30u);  // 3 spans in each of 10 traces
  for (const auto& [key, mask] : together) {
    EXPECT_EQ(key[15] % 2, 0) << "the trace filter let an odd trace through";
    for (size_t j = 0; j < alternatives.size(); ++j) {
      EXPECT_EQ((mask >> j) & 1, alone[j].count(key)) << "alternative " << j;
    }
    EXPECT_EQ((mask >> 3) & 1, 1u);  // the empty alternative holds for every span
  }
  // Without the empty alternative, only spans that meet one of the others are visited.
  scan.any_of.pop_back();
  for (const auto& [key, mask] : visited(scan)) {
    EXPECT_NE(mask, 0u);
    EXPECT_TRUE(alone[0].count(key) + alone[1].count(key) > 0);
  }
  // Alternatives no segment can hold skip the segments (the name equality rules them all out).
  scan.any_of = {alternatives[2]};
  scan.trace_filter = nullptr;
  auto stats = engine_->ScanSpans({}, scan, [](const ScannedSpan&) { return true; });
  ASSERT_TRUE(stats.ok());
  if (GetParam()) {
    EXPECT_EQ(stats->row_groups_read, 0u);
    EXPECT_GT(stats->segments_skipped, 0u);
  }
  // ids_only: the trace id and start, and with structure the span id, kind and parent.
  for (bool structure : {false, true}) {
    SpanScan ids;
    ids.ids_only = true;
    ids.with_structure = structure;
    size_t visited = 0;
    auto ids_stats = engine_->ScanSpans({}, ids, [&](const ScannedSpan& s) {
      ++visited;
      EXPECT_EQ(s.trace_id.size(), 16u);
      EXPECT_GT(s.start_unix_nano, 0u);
      EXPECT_TRUE(s.name.empty());
      EXPECT_TRUE(s.service_name.empty());
      EXPECT_EQ(s.duration_nano, 0u);
      EXPECT_EQ(s.span_id.size(), structure ? 8u : 0u);
      EXPECT_EQ(s.kind, structure ? SpanKind::kServer : SpanKind::kUnspecified);
      return true;
    });
    ASSERT_TRUE(ids_stats.ok());
    EXPECT_EQ(visited, 60u);
  }
  // without_start: no start times, and the range still applies, whether a row group lies inside
  // it (the start column is not read) or across its edges.
  for (auto [from, to] :
       {std::pair<uint64_t, uint64_t>{0, UINT64_MAX}, {kNow - 95 * kSecond, kNow - 90 * kSecond}}) {
    SpanScan timed, untimed;
    timed.start_unix_nano = untimed.start_unix_nano = from;
    timed.end_unix_nano = untimed.end_unix_nano = to;
    untimed.without_start = true;
    size_t with_times = 0, without_times = 0;
    ASSERT_TRUE(engine_
                    ->ScanSpans({}, timed,
                                [&](const ScannedSpan&) {
                                  ++with_times;
                                  return true;
                                })
                    .ok());
    ASSERT_TRUE(engine_
                    ->ScanSpans({}, untimed,
                                [&](const ScannedSpan& s) {
                                  ++without_times;
                                  EXPECT_EQ(s.start_unix_nano, 0u);
                                  return true;
                                })
                    .ok());
    EXPECT_EQ(without_times, with_times);
    // Traces 5 to 9, three spans each, and the first span of trace 10 (its others start 1 and 2
    // µs past the end).
    EXPECT_EQ(with_times, from == 0 ? 60u : 16u);
  }
  // The number of alternatives is bounded.
  scan.any_of.assign(kMaxScanAlternatives + 1, {});
  auto refused = engine_->ScanSpans({}, scan, [](const ScannedSpan&) { return true; });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("at most 64 alternatives"), std::string::npos);
}

TEST_P(SpanSearchTest, TagDiscovery) {
  auto keys = engine_->SpanTagKeys(TagScope::kSpan, 0, UINT64_MAX, 100);
  ASSERT_TRUE(keys.ok());
  EXPECT_NE(std::find(keys->begin(), keys->end(), "user.id"), keys->end());
  EXPECT_EQ(std::find(keys->begin(), keys->end(), "service.name"), keys->end());
  auto rkeys = engine_->SpanTagKeys(TagScope::kResource, 0, UINT64_MAX, 100);
  ASSERT_TRUE(rkeys.ok());
  EXPECT_EQ(*rkeys, (std::vector<std::string>{"service.instance.id", "service.name"}));
  auto values = engine_->SpanTagValues(TagScope::kAll, "service.name", 0, UINT64_MAX, 100);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(*values, (std::vector<std::string>{"cart", "checkout"}));
  values = engine_->SpanTagValues(TagScope::kSpan, "user.id", 0, UINT64_MAX, 2);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(BufferedAndStored, SpanSearchTest, ::testing::Bool());

// Row groups are filtered on several threads, but the visitor sees what a one-thread scan shows:
// the same spans in the same order, the same cut at the spans-inspected bound, and a stop when it
// asks, with each span readable in full.
TEST(Spans, ScanOnManyThreadsVisitsAsOneThreadDoes) {
  TempDir dir;
  Options o = SpanOptions();
  o.span_segment_max_spans = 5'000;
  auto engine = Open(dir.path(), o);
  ASSERT_TRUE(engine);
  std::vector<Span> spans;
  for (int t = 0; t < 8'000; ++t) {
    for (int k = 0; k < 3; ++k) {
      Span s = FullSpan(t, 3 * t + k, kNow - 3'000 * kSecond + (3 * t + k) * 100'000'000ULL);
      spans.push_back(std::move(s));
    }
    if (spans.size() >= 3'000) {
      ASSERT_TRUE(engine->AppendSpans(std::move(spans)).ok());
      spans.clear();
      ASSERT_TRUE(engine->Flush().ok());
    }
  }
  ASSERT_TRUE(engine->AppendSpans(std::move(spans)).ok());  // some stay buffered
  engine.reset();

  struct Visit {
    std::vector<std::string> keys;
    SpanScanStats stats;
  };
  auto run = [&](uint32_t threads, uint64_t max_inspected, size_t stop_after) {
    Options opts = SpanOptions();
    opts.span_scan_threads = threads;
    auto e = Open(dir.path(), opts);
    Visit v;
    if (!e) return v;
    SpanScan scan;
    scan.conditions = {
        Cond(ConditionScope::kSpan, "http.status_code", ConditionOp::kGe, AnyValue::Int(500))};
    scan.max_spans_inspected = max_inspected;
    scan.with_structure = true;
    auto stats = e->ScanSpans({}, scan, [&](const ScannedSpan& scanned) {
      Span full;
      EXPECT_TRUE(scanned.ReadSpan(&full).ok());
      EXPECT_EQ(full.span_id, scanned.span_id);
      EXPECT_EQ(full.parent_span_id, scanned.parent_span_id);
      v.keys.push_back(std::string(scanned.trace_id) + std::string(scanned.span_id));
      return v.keys.size() < stop_after;
    });
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    if (stats.ok()) v.stats = *stats;
    return v;
  };
  for (auto [max_inspected, stop_after] :
       {std::pair<uint64_t, size_t>{0, SIZE_MAX}, {10'001, SIZE_MAX}, {0, 777}}) {
    const Visit one = run(1, max_inspected, stop_after);
    const Visit many = run(4, max_inspected, stop_after);
    EXPECT_EQ(many.keys, one.keys) << max_inspected << " " << stop_after;
    EXPECT_EQ(many.stats.spans_inspected, one.stats.spans_inspected);
    EXPECT_EQ(many.stats.stopped_at_limit, one.stats.stopped_at_limit);
    if (max_inspected != 0) {
      EXPECT_EQ(one.stats.spans_inspected, max_inspected);
      EXPECT_TRUE(one.stats.stopped_at_limit);
    }
    if (stop_after != SIZE_MAX) {
      EXPECT_EQ(one.keys.size(), stop_after);
    }
    if (max_inspected == 0 && stop_after == SIZE_MAX) {
      EXPECT_EQ(one.keys.size(), 12'000u);
      EXPECT_GT(one.stats.row_groups_read, 16u);  // enough to keep four threads busy
    }
  }
}

// A flush of many row groups encodes them on Options::span_flush_threads threads: the stored
// segments hold the same bytes whatever the thread count, so every trace reads back whole and
// alike, across partitions.
TEST(Spans, FlushOnManyThreadsStoresWhatOneThreadStores) {
  std::vector<Span> spans;
  for (int t = 0; t < 3'000; ++t) {
    for (int k = 0; k < 3; ++k) {
      // Two partitions (2 hours each) a flush, so row groups of both are encoded at once.
      const uint64_t start = kNow - (t % 2 ? 3 : 1) * 3'600 * kSecond + t * 1'000'000ULL + k;
      spans.push_back(FullSpan(t, 3 * t + k, start));
    }
  }
  auto store = [&](uint32_t threads, TempDir* dir) {
    Options o = SpanOptions();
    o.span_flush_threads = threads;
    auto engine = Open(dir->path(), o);
    if (!engine) return engine;
    EXPECT_TRUE(engine->AppendSpans(spans).ok());
    EXPECT_TRUE(engine->Flush().ok());
    return engine;
  };
  TempDir one_dir, many_dir;
  auto one = store(1, &one_dir);
  auto many = store(4, &many_dir);
  ASSERT_TRUE(one && many);
  EXPECT_EQ(one->Stats().span_segments_written, 2u);
  EXPECT_EQ(many->Stats().span_segments_written, 2u);
  for (int t = 0; t < 3'000; t += 7) {
    auto a = one->GetTrace(Id(t, 16));
    auto b = many->GetTrace(Id(t, 16));
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), 3u) << "trace " << t;
    ASSERT_EQ(b->size(), 3u) << "trace " << t;
    for (size_t k = 0; k < 3; ++k) EXPECT_TRUE((*a)[k] == (*b)[k]) << "trace " << t;
    ExpectSameSpans(*b, {spans.begin() + 3 * t, spans.begin() + 3 * t + 3});
  }
}

// SpanScan::runs_holding: for each trace and stored segment, every span of the trace there is
// visited, or none of them meets a named alternative; spans not yet in segments are all
// visited. CountTraceSegments counts the stored segments a trace is in. Traces of 1 to 9 spans
// are dealt over two segments (each several row groups, so runs straddle them) and the buffer.
TEST(Spans, RunsHoldingVisitsWholeRunsAndSegmentsAreCounted) {
  TempDir dir;
  auto e = Engine::Open(SpanOptions(), dir.path());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  Engine& engine = **e;
  constexpr int kTraces = 1200;
  // part[t][span] = where the span went: 0, 1 (segments) or 2 (buffer).
  std::map<std::string, int> part_of;  // trace id + span id
  std::map<std::string, bool> error_of;
  std::vector<Span> parts[3];
  for (int t = 1; t <= kTraces; ++t) {
    const int n = 1 + t % 9;
    for (int i = 0; i < n; ++i) {
      Span s;
      s.trace_id = Id(t, 16);
      s.span_id = Id(t * 10 + i, 8);
      s.name = "op";
      s.start_time_unix_nano = kNow - 60 * kSecond + static_cast<uint64_t>(i) * kSecond;
      s.end_time_unix_nano = s.start_time_unix_nano + 1000;
      s.status_code = (t * 7 + i) % 11 == 0 ? SpanStatusCode::kError : SpanStatusCode::kOk;
      const int part = t % 5 == 0 ? 0 : (t + i) % 3;  // every fifth trace in one segment only
      part_of[s.trace_id + s.span_id] = part;
      error_of[s.trace_id + s.span_id] = s.status_code == SpanStatusCode::kError;
      parts[part].push_back(std::move(s));
    }
  }
  for (int part = 0; part < 3; ++part) {
    ASSERT_TRUE(engine.AppendSpans(parts[part]).ok());
    if (part < 2) {
      ASSERT_TRUE(engine.Flush().ok());
    }
  }
  SpanScan scan;
  scan.any_of = {
      {Cond(ConditionScope::kIntrinsic, "status", ConditionOp::kEq, AnyValue::String("error"))},
      {}};
  scan.runs_holding = 1;
  std::map<std::string, uint64_t> visited;
  auto stats = engine.ScanSpans({}, scan, [&](const ScannedSpan& s) {
    visited[std::string(s.trace_id) + std::string(s.span_id)] = s.alternatives;
    return true;
  });
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_LT(visited.size(), part_of.size());  // runs were left out
  auto number = [](const std::string& id) {
    return (static_cast<uint8_t>(id[14]) << 8) | static_cast<uint8_t>(id[15]);
  };
  // (trace, part) -> whether any span there is an error, and whether all were visited.
  std::map<std::pair<std::string, int>, std::pair<bool, bool>> runs;
  for (const auto& [key, part] : part_of) {
    auto& [any_error, all_visited] =
        runs.try_emplace({key.substr(0, 16), part}, false, true).first->second;
    any_error = any_error || error_of[key];
    auto it = visited.find(key);
    all_visited = all_visited && it != visited.end();
    if (it != visited.end()) {
      EXPECT_EQ(it->second & 1, error_of[key] ? 1u : 0u);
    }
  }
  for (const auto& [run, facts] : runs) {
    if (run.second == 2 || facts.first) {
      EXPECT_TRUE(facts.second) << "trace " << number(run.first) << " part " << run.second;
    }
  }
  // A mask naming an alternative the scan does not have is refused.
  scan.runs_holding = 4;
  EXPECT_EQ(engine.ScanSpans({}, scan, [](const ScannedSpan&) { return true; }).status().code(),
            StatusCode::kInvalidArgument);

  std::vector<std::string> ids;
  for (int t = 1; t <= kTraces; t += 7) ids.push_back(Id(t, 16));
  ids.push_back(Id(kTraces + 1, 16));  // unknown
  auto counts = engine.CountTraceSegments({}, ids, 0, UINT64_MAX);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_EQ(counts->size(), ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    std::set<int> stored;
    for (auto it = part_of.lower_bound(ids[k]);
         it != part_of.end() && it->first.compare(0, 16, ids[k]) == 0; ++it) {
      if (it->second < 2) stored.insert(it->second);
    }
    EXPECT_EQ((*counts)[k], stored.size()) << "trace " << number(ids[k]);
  }
  // Outside the traces' partitions nothing is counted.
  auto later = engine.CountTraceSegments({}, ids, kNow + 86'400 * kSecond, UINT64_MAX);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(*later, std::vector<uint32_t>(ids.size(), 0));
}

// A scan fills at most half the block cache: past that, its row groups are read without
// filling it, so one long search does not push out what other reads keep using.
TEST(Spans, ScanFillsAtMostHalfTheBlockCache) {
  for (const uint64_t cache : {uint64_t{2}, uint64_t{256} << 20}) {
    TempDir dir;
    Options o = SpanOptions();
    o.block_cache_bytes = cache;
    auto e = Engine::Open(o, dir.path());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    std::vector<Span> spans;
    for (int i = 0; i < 3000; ++i) spans.push_back(FullSpan(1 + i / 10, i, kNow - kSecond));
    ASSERT_TRUE((*e)->AppendSpans(spans).ok());
    ASSERT_TRUE((*e)->Flush().ok());
    auto stats = (*e)->ScanSpans({}, SpanScan{}, [](const ScannedSpan&) { return true; });
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    ASSERT_EQ(stats->row_groups_read, 3u);
    // A 2-byte cache: the first row group is the scan's share; a 256 MiB one holds them all.
    EXPECT_EQ(stats->row_groups_read_uncached, cache == 2 ? 2u : 0u) << cache;
  }
}

TEST(Spans, DamagedSegmentIsReportedAndTheRestStaysReadable) {
  TempDir dir;
  {
    auto engine = Open(dir.path());
    ASSERT_TRUE(
        engine
            ->AppendSpans({FullSpan(1, 1, kNow - 10 * kSecond), FullSpan(1, 2, kNow - 9 * kSecond)})
            .ok());
    ASSERT_TRUE(engine->Flush().ok());  // segment 1
    ASSERT_TRUE(engine->AppendSpans({FullSpan(2, 3, kNow - 5 * kSecond)}).ok());
    ASSERT_TRUE(engine->Flush().ok());  // segment 2
  }
  {
    std::vector<std::string> names;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = testing::OpenRaw(dir.path(), &names, &handles);
    rocksdb::ColumnFamilyHandle* data = testing::Handle(names, handles, "span_data");
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), data));
    it->SeekToFirst();  // segment 1, row group 0
    ASSERT_TRUE(it->Valid());
    std::string key = it->key().ToString(), value = it->value().ToString();
    it.reset();
    value[value.size() / 2] ^= 0x20;
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), data, key, value).ok());
    testing::CloseRaw(db, handles);
  }
  auto engine = Open(dir.path());
  auto damaged = engine->GetTrace(Id(1, 16));
  ASSERT_EQ(damaged.status().code(), StatusCode::kCorruption);
  EXPECT_NE(damaged.status().message().find("span segment 1 row group 0"), std::string::npos)
      << damaged.status().ToString();
  EXPECT_TRUE(engine->GetTrace(Id(2, 16)).ok());
  TraceSearchRequest req;
  auto r = SearchTraces(*engine, req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->traces.size(), 1u);
  EXPECT_EQ(r->traces[0].trace_id, Id(2, 16));
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("span segment 1"), std::string::npos);
}

TEST(Spans, RetentionDropsOldPartitions) {
  TempDir dir;
  auto now = std::make_shared<std::atomic<int64_t>>(kNowMs);
  Options o = SpanOptions();
  o.span_retention_ms = 24 * 3600 * 1000;
  o.partition_duration_ms = 3600 * 1000;
  o.now_ms = [now] { return now->load(); };
  auto engine = Open(dir.path(), o);
  ASSERT_TRUE(engine
                  ->AppendSpans(
                      {FullSpan(1, 1, kNow - 20 * 3600 * kSecond), FullSpan(2, 2, kNow - kSecond)})
                  .ok());
  ASSERT_TRUE(engine->Flush().ok());
  *now += 10 * 3600 * 1000;  // trace 1 is now 30 hours old
  EXPECT_EQ(engine->GetTrace(Id(1, 16)).status().code(), StatusCode::kNotFound);  // hidden at once
  ASSERT_TRUE(engine->RunMaintenance().ok());
  EXPECT_EQ(engine->GetTrace(Id(1, 16)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(engine->GetTrace(Id(2, 16)).ok());
}

}  // namespace
}  // namespace tidemark
