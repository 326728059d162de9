// The structural prefilter (structure_scan.h) and the count prefilter (count_scan.h) never change
// an answer: on random traces with missing parents, several roots, shared span ids and
// duplicates, every structural query and count pipeline finds through SearchTraceQL exactly the
// traces that evaluating every trace whole finds.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "query/traceql/evaluator.h"
#include "query/traceql/trace_view.h"
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

// Where the spans are: all in the buffer; all in one segment; or each trace's spans dealt over
// two segments and the buffer, with more traces so that segments hold several row groups (a
// trace's spans then also straddle row groups).
enum class Layout { kBuffered, kFlushed, kSplit };

// Trace t: up to 12 spans over ten minutes; most have a parent among the earlier spans, some are
// roots, some have a parent that never arrived, a few share an id with another span (Zipkin's
// client and server halves, or a span delivered twice).
std::vector<Span> RandomTrace(int t, std::mt19937_64& rng) {
  std::vector<Span> spans;
  const int n = 1 + static_cast<int>(rng() % 12);
  for (int i = 0; i < n; ++i) {
    Span s;
    s.trace_id = Id(static_cast<uint64_t>(t), 16);
    s.span_id = Id(static_cast<uint64_t>(t) * 100 + static_cast<uint64_t>(i) + 1, 8);
    const uint64_t roll = rng() % 100;
    if (i > 0 && roll < 4) {
      s = spans[rng() % spans.size()];  // the same span again
      spans.push_back(s);
      continue;
    }
    if (i > 0 && roll < 8) {
      s.span_id = spans[rng() % spans.size()].span_id;  // a shared id
    }
    const uint64_t parent_roll = rng() % 100;
    if (i == 0 || parent_roll < 12) {
      // a root
    } else if (parent_roll < 20) {
      s.parent_span_id = Id(999'999, 8);  // never arrived
    } else {
      s.parent_span_id = spans[rng() % spans.size()].span_id;
    }
    s.name = std::string(1, static_cast<char>('x' + rng() % 3));
    s.kind = static_cast<SpanKind>(1 + rng() % 3);  // internal, server or client
    s.start_time_unix_nano =
        kNow - 700 * kSecond + static_cast<uint64_t>(t % 160) * kSecond + (rng() % 600) * kSecond;
    s.end_time_unix_nano = s.start_time_unix_nano + (1 + rng() % 1000) * 1'000'000;
    s.resource = MakeSpanResource({{"service.name", AnyValue::String(rng() % 2 ? "api" : "db")}});
    if (rng() % 100 < 35) {
      s.attributes.push_back({"a", AnyValue::Int(static_cast<int64_t>(rng() % 4))});
    }
    if (rng() % 100 < 25) s.status_code = SpanStatusCode::kError;
    spans.push_back(std::move(s));
  }
  return spans;
}

class StructureScan : public ::testing::TestWithParam<Layout> {
 protected:
  void SetUp() override {
    traces_ = GetParam() == Layout::kSplit ? 480 : 160;
    Options o = testing::TestOptions();
    o.now_ms = [] { return kNowMs; };
    o.span_segment_max_age_ms = 3'600'000;
    auto e = Engine::Open(o, dir_.path());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    std::mt19937_64 rng(7);
    std::vector<Span> parts[3];
    for (int t = 1; t <= traces_; ++t) {
      int k = 0;
      for (Span& s : RandomTrace(t, rng)) {
        parts[GetParam() == Layout::kSplit ? k++ % 3 : 0].push_back(std::move(s));
      }
    }
    for (int part = 0; part < 3; ++part) {
      if (parts[part].empty()) continue;
      auto report = engine_->AppendSpans(parts[part]);
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      if (GetParam() == Layout::kFlushed || (GetParam() == Layout::kSplit && part < 2)) {
        ASSERT_TRUE(engine_->Flush().ok());
      }
    }
  }

  // The trace ids (hex) SearchTraceQL finds, and how many traces it read whole.
  std::set<std::string> Searched(const std::string& query, uint64_t start, uint64_t end,
                                 uint64_t* inspected, uint32_t limit = 0) {
    TraceQLSearchRequest request;
    request.query = query;
    request.limit = limit == 0 ? traces_ : limit;
    request.start_unix_nano = start;
    request.end_unix_nano = end;
    auto found = SearchTraceQL(*engine_, request);
    EXPECT_TRUE(found.ok()) << query << ": " << found.status().ToString();
    std::set<std::string> ids;
    if (!found.ok()) return ids;
    for (const TraceQLTrace& t : found->traces) ids.insert(t.trace_id);
    *inspected = found->inspected_traces;
    return ids;
  }

  // The trace ids (hex) for which evaluating the whole trace (its spans in the range) matches.
  std::set<std::string> Evaluated(const std::string& query, uint64_t start, uint64_t end) {
    std::set<std::string> ids;
    auto compiled = traceql::CompiledQuery::Compile(query);
    EXPECT_TRUE(compiled.ok()) << query;
    if (!compiled.ok()) return ids;
    std::vector<std::vector<Span>>& traces = read_[{start, end}];
    if (traces.empty()) {
      for (int t = 1; t <= traces_; ++t) {
        auto spans = engine_->GetTrace(Id(static_cast<uint64_t>(t), 16), start, end);
        traces.push_back(spans.ok() ? *spans : std::vector<Span>{});
      }
    }
    for (int t = 1; t <= traces_; ++t) {
      const std::vector<Span>& spans = traces[t - 1];
      if (spans.empty()) continue;
      traceql::TraceEvaluator eval(**compiled, spans);
      auto sets = eval.Evaluate();
      EXPECT_TRUE(sets.ok()) << query << ": " << sets.status().ToString();
      if (sets.ok() && !sets->empty()) ids.insert(traceql::HexId(Id(t, 16)));
    }
    return ids;
  }

  int traces_ = 0;
  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::map<std::pair<uint64_t, uint64_t>, std::vector<std::vector<Span>>> read_;  // by range
};

TEST_P(StructureScan, FindsWhatWholeTraceEvaluationFinds) {
  const std::vector<std::string> sides = {
      "{ span.a != nil }",
      "{ status = error }",
      "{ name = \"x\" }",
      "{ }",
      "{ span.a = 1 || name = \"y\" }",
      "{ span.a > 1 && status != error }",
      "{ kind = server }",
      "{ resource.service.name = \"db\" && name != \"z\" }",
  };
  const std::vector<std::string> ops = {">",  ">>",  "<",  "<<", "~",   "&>", "&>>",
                                        "&<", "&<<", "&~", "!>", "!>>", "!~"};
  const std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {0, UINT64_MAX}, {kNow - 500 * kSecond, kNow - 200 * kSecond}};
  std::mt19937_64 rng(11);
  uint64_t read_whole = 0, matched = 0;
  for (int q = 0; q < 260; ++q) {
    const std::string& op = ops[rng() % ops.size()];
    std::string query = sides[rng() % sides.size()] + " " + op + " " + sides[rng() % sides.size()];
    if (q % 5 == 0) query += " | count() > 1";
    if (q % 7 == 0) query += " | { name != \"z\" }";  // one more requirement
    const auto& [start, end] = ranges[rng() % ranges.size()];
    uint64_t inspected = 0;
    const std::set<std::string> searched = Searched(query, start, end, &inspected);
    const std::set<std::string> evaluated = Evaluated(query, start, end);
    EXPECT_EQ(searched, evaluated) << query << " in [" << start << ", " << end << "]";
    if (op[0] != '!') {  // the negations read every candidate whole
      read_whole += inspected;
      matched += evaluated.size();
    }
  }
  // The prefilters spare reading most traces that do not match: these queries read 10,700
  // traces whole for 7,036 matches when the spans are buffered (10,709 when flushed), and 30,871
  // for 19,707 in the split layout (the rest are traces whose skeletons repeat a span id, which
  // stay undecided, and pipelines that reject what the join keeps).
  EXPECT_GT(matched, 0u);
  EXPECT_LT(read_whole * 10, matched * 16);
}

// `{A} | count() op N`: with a small limit the first pass of candidates does not fill it, and
// the search counts every trace's spans instead (count_scan.h); what it returns must match, and
// be as many as the limit allows.
TEST_P(StructureScan, CountPipelinesFindWhatWholeTraceEvaluationFinds) {
  const std::vector<std::string> filters = {"{ span.a != nil }", "{ status = error }", "{ }",
                                            "{ span.a = 1 || name = \"y\" }",
                                            "{ kind = server && span.a > 0 }"};
  const std::vector<std::string> comparisons = {"> 2", ">= 3", "= 4", "> 5.5",
                                                "< 3", "!= 1", "> 0"};
  const std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {0, UINT64_MAX}, {kNow - 500 * kSecond, kNow - 200 * kSecond}};
  for (const std::string& filter : filters) {
    for (const std::string& comparison : comparisons) {
      for (const auto& [start, end] : ranges) {
        const std::string query = filter + " | count() " + comparison;
        const std::set<std::string> evaluated = Evaluated(query, start, end);
        for (uint32_t limit : {3u, 1000u}) {
          uint64_t inspected = 0;
          const std::set<std::string> searched = Searched(query, start, end, &inspected, limit);
          EXPECT_EQ(searched.size(), std::min<size_t>(limit, evaluated.size()))
              << query << " limit " << limit;
          EXPECT_TRUE(
              std::includes(evaluated.begin(), evaluated.end(), searched.begin(), searched.end()))
              << query << " limit " << limit << ": a trace that does not match";
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, StructureScan,
                         ::testing::Values(Layout::kBuffered, Layout::kFlushed, Layout::kSplit),
                         [](const ::testing::TestParamInfo<Layout>& info) {
                           switch (info.param) {
                             case Layout::kBuffered:
                               return "Buffered";
                             case Layout::kFlushed:
                               return "Flushed";
                             case Layout::kSplit:
                               return "Split";
                           }
                           return "";
                         });

}  // namespace
}  // namespace tidemark
