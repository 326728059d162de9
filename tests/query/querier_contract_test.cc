// The SampleQuerier contract on both of its implementations, tidemark::Engine and the in-memory
// store: the same writes give the same reads and the same PromQL results, and per-call options
// (deadline, cancellation, limit) are honoured.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "query/engine.h"
#include "query/parser.h"
#include "storage/memory_store.h"
#include "tidemark/engine.h"

namespace tidemark {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

void Write(Appender* app) {
  for (int job = 0; job < 3; ++job) {
    for (int code : {200, 500}) {
      const Labels labels{{"__name__", "http_requests_total"},
                          {"code", std::to_string(code)},
                          {"job", "job" + std::to_string(job)}};
      for (int i = 0; i < 40; ++i) app->Add(labels, kT0 + i * 15'000, i * (code == 200 ? 10 : 1));
    }
  }
  ASSERT_TRUE(app->Commit().ok());
}

std::string Render(const promql::QueryResult& r) {
  std::string out;
  for (const auto& s : r.matrix) {
    out += s.metric.ToString() + ":";
    for (const auto& p : s.floats) out += " " + std::to_string(p.t) + "=" + std::to_string(p.f);
    out += "\n";
  }
  for (const auto& s : r.vector) out += s.metric.ToString() + " " + std::to_string(s.f) + "\n";
  return out;
}

class QuerierContract : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tidemark_querier_contract_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Options o;
    o.retention_ms = 0;
    o.sync_policy = SyncPolicy::kNone;
    o.maintenance_interval_ms = 0;
    engine_ = std::move(Engine::Open(o, dir_.string())).value();
    Write(engine_->NewAppender().get());
    Write(memory_.NewAppender().get());
  }
  void TearDown() override {
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::vector<SampleQuerier*> Both() { return {engine_.get(), &memory_}; }

  std::filesystem::path dir_;
  std::unique_ptr<Engine> engine_;
  storage::MemoryStore memory_;
};

TEST_F(QuerierContract, BothImplementationsAnswerTheSame) {
  const std::vector<LabelMatcher> m = {LabelMatcher::Equal("__name__", "http_requests_total"),
                                       LabelMatcher::Regex("job", "job[01]")};
  std::vector<std::string> answers;
  for (SampleQuerier* q : Both()) {
    std::string a;
    auto set = q->Select(ReadOptions(), m, kT0 + 60'000, kT0 + 120'000, SelectHints());
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    while ((*set)->Next()) {
      a += (*set)->labels().ToString();
      SampleIterator* it = (*set)->Samples();
      while (it->Next()) a += " " + std::to_string(it->At().timestamp_ms);
      a += "\n";
    }
    ReadOptions limited;
    limited.limit = 2;
    auto series = q->Series(limited, m, INT64_MIN, INT64_MAX);
    ASSERT_TRUE(series.ok());
    EXPECT_EQ(series->size(), 2u);
    for (const Labels& l : *series) a += l.ToString() + ";";
    auto names = q->LabelNames(ReadOptions(), {}, INT64_MIN, INT64_MAX);
    ASSERT_TRUE(names.ok());
    for (const auto& n : *names) a += n + ",";
    auto values = q->LabelValues(ReadOptions(), "job", m, INT64_MIN, INT64_MAX);
    ASSERT_TRUE(values.ok());
    for (const auto& v : *values) a += v + ",";
    // PromQL on the interface.
    for (const char* query : {"sum by (code) (rate(http_requests_total[2m]))",
                              "topk(2, http_requests_total)", "http_requests_total offset 1m"}) {
      auto expr = promql::ParseExpr(query);
      ASSERT_TRUE(expr.ok());
      auto r = promql::QueryEngine(promql::EngineOptions())
                   .Range(*q, **expr, kT0 + 120'000, kT0 + 500'000, 30'000, promql::QueryContext());
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      a += Render(*r);
    }
    answers.push_back(a);
  }
  EXPECT_EQ(answers[0], answers[1]);
  EXPECT_NE(answers[0].find("job1"), std::string::npos);
}

// Selections intersect postings lists of very different lengths (a metric name's against one
// value of a fine-grained label, and lists of similar length): both stores select the same
// series for every combination of matchers.
TEST_F(QuerierContract, UnevenPostingsSelectTheSameSeries) {
  auto write = [](Appender* app) {
    for (int i = 0; i < 3000; ++i) {
      const Labels labels{{"__name__", i < 2500 ? "big" : "small"},
                          {"a", std::to_string(i % 3)},
                          {"b", std::to_string(i % 97)},
                          {"c", std::to_string(i % 5)}};
      app->Add(labels, kT0, i);
    }
    ASSERT_TRUE(app->Commit().ok());
  };
  write(engine_->NewAppender().get());
  write(memory_.NewAppender().get());
  using M = LabelMatcher;
  const std::vector<std::vector<LabelMatcher>> selectors = {
      {M::Equal("__name__", "big"), M::Equal("b", "7")},
      {M::Equal("b", "96"), M::Equal("__name__", "big"), M::Equal("c", "1")},
      {M::Equal("__name__", "small"), M::Equal("a", "1")},
      {M::Equal("__name__", "big"), M::Equal("a", "2"), M::Equal("c", "3"), M::Equal("b", "11")},
      {M::Equal("b", "5"), M::NotEqual("c", "2")},
      {M::Regex("__name__", "big|small"), M::Regex("b", "1.*"), M::Equal("a", "0")},
      {M::Equal("__name__", "small"), M::Equal("b", "0")},
  };
  for (const auto& matchers : selectors) {
    std::vector<std::string> answers[2];
    size_t which = 0;
    for (SampleQuerier* q : Both()) {
      auto set = q->Select(ReadOptions(), matchers, kT0, kT0, SelectHints());
      ASSERT_TRUE(set.ok()) << set.status().ToString();
      while ((*set)->Next()) answers[which].push_back((*set)->labels().ToString());
      ++which;
    }
    EXPECT_FALSE(answers[1].empty());
    EXPECT_EQ(answers[0], answers[1]) << answers[0].size() << " against " << answers[1].size();
  }
}

// With SelectHints::sorted false a store may return the series in any order, but the same
// series and samples; PromQL evaluated so (as rules are) gives the same results as a set.
TEST_F(QuerierContract, UnsortedSelectionsHoldTheSameSeries) {
  const std::vector<LabelMatcher> m = {LabelMatcher::Equal("__name__", "http_requests_total")};
  for (SampleQuerier* q : Both()) {
    std::vector<std::string> answers[2];
    for (const bool sorted : {true, false}) {
      SelectHints hints;
      hints.sorted = sorted;
      auto set = q->Select(ReadOptions(), m, kT0, kT0 + 120'000, hints);
      ASSERT_TRUE(set.ok()) << set.status().ToString();
      while ((*set)->Next()) {
        std::string a = (*set)->labels().ToString();
        SampleIterator* it = (*set)->Samples();
        while (it->Next()) a += " " + std::to_string(it->At().timestamp_ms);
        answers[sorted].push_back(a);
      }
      if (sorted) {
        EXPECT_TRUE(std::is_sorted(answers[1].begin(), answers[1].end()));
      }
    }
    ASSERT_EQ(answers[1].size(), 6u);
    std::sort(answers[0].begin(), answers[0].end());
    EXPECT_EQ(answers[0], answers[1]);

    std::vector<std::string> results[2];
    for (const bool sorted : {true, false}) {
      promql::EngineOptions options;
      options.sorted_selection = sorted;
      for (const char* query : {"sum by (job) (rate(http_requests_total[2m])) > 0",
                                "http_requests_total{code=\"500\"} * on (job) group_left "
                                "http_requests_total{code=\"200\"}"}) {
        auto expr = promql::ParseExpr(query);
        ASSERT_TRUE(expr.ok());
        auto r =
            promql::QueryEngine(options).Instant(*q, **expr, kT0 + 300'000, promql::QueryContext());
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        for (const auto& v : r->vector) {
          results[sorted].push_back(v.metric.ToString() + " " + std::to_string(v.f));
        }
      }
      std::sort(results[sorted].begin(), results[sorted].end());
    }
    EXPECT_EQ(results[0], results[1]);
    EXPECT_EQ(results[1].size(), 6u);
  }
}

// With SelectHints::project_labels a store may hand out only the named labels, and both do: the
// same series and samples come, and an aggregation `by` labels (which asks for the projection)
// answers the same on both.
TEST_F(QuerierContract, ProjectedSelectionsHoldTheSameSeries) {
  const std::vector<LabelMatcher> m = {LabelMatcher::Equal("__name__", "http_requests_total")};
  SelectHints full;
  full.sorted = false;
  SelectHints projected = full;
  projected.project_labels = true;
  projected.projection = {"__name__", "absent", "job"};
  for (SampleQuerier* q : Both()) {
    for (const SelectHints* hints : {&full, &projected}) {
      auto set = q->Select(ReadOptions(), m, kT0, kT0 + 120'000, *hints);
      ASSERT_TRUE(set.ok()) << set.status().ToString();
      int series = 0;
      while ((*set)->Next()) {
        ++series;
        const Labels& labels = (*set)->labels();
        EXPECT_EQ(labels.Get("__name__"), "http_requests_total");
        EXPECT_TRUE(labels.Has("job"));
        if (hints == &projected) {
          EXPECT_EQ(labels.size(), 2u) << labels.ToString();
        } else {
          EXPECT_TRUE(labels.Has("code")) << labels.ToString();
        }
        int samples = 0;
        for (SampleIterator* it = (*set)->Samples(); it->Next();) ++samples;
        EXPECT_EQ(samples, 9);
      }
      EXPECT_EQ(series, 6);
    }
  }
  std::vector<std::string> results[2];
  for (int i = 0; i < 2; ++i) {
    SampleQuerier* q = Both()[static_cast<size_t>(i)];
    for (const char* query :
         {"sum by (job) (rate(http_requests_total[2m]))", "count by (code) (http_requests_total)",
          "max(increase(http_requests_total[2m]))",
          "quantile by (job) (0.5, http_requests_total)"}) {
      auto expr = promql::ParseExpr(query);
      ASSERT_TRUE(expr.ok());
      auto r = promql::QueryEngine(promql::EngineOptions())
                   .Instant(*q, **expr, kT0 + 300'000, promql::QueryContext());
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      for (const auto& v : r->vector) {
        results[i].push_back(std::string(query) + " " + v.metric.ToString() + " " +
                             std::to_string(v.f));
      }
    }
    std::sort(results[i].begin(), results[i].end());
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0].size(), 3u + 2u + 1u + 3u);
}

// Reads every series a selection holds: labels, then timestamp=value of each sample.
std::vector<std::string> ReadAll(SampleQuerier* q, const std::vector<LabelMatcher>& m, int64_t mint,
                                 int64_t maxt, const SelectHints& hints) {
  std::vector<std::string> out;
  auto set = q->Select(ReadOptions(), m, mint, maxt, hints);
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  if (!set.ok()) return out;
  while ((*set)->Next()) {
    std::string a = (*set)->labels().ToString();
    SampleIterator* it = (*set)->Samples();
    while (it->Next()) {
      a += " " + std::to_string(it->At().timestamp_ms) + "=" + std::to_string(it->At().value);
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    out.push_back(std::move(a));
  }
  EXPECT_TRUE((*set)->status().ok()) << (*set)->status().ToString();
  return out;
}

// A selection of many batches is read ahead by helper threads (Options::read_threads): the
// series, their order and their samples are what one thread reads, from stored blocks and the
// head alike, and a selection dropped half-read leaves nothing running.
TEST_F(QuerierContract, ReadAheadReadsWhatOneThreadReads) {
  auto write = [](Appender* app, int from, int to) {
    for (int i = 0; i < 200; ++i) {
      const Labels labels{{"__name__", "many"}, {"i", std::to_string(i)}};
      for (int k = from; k < to; ++k) app->Add(labels, kT0 + k * 60'000, i * 1000 + k * 0.5);
    }
    ASSERT_TRUE(app->Commit().ok());
  };
  std::unique_ptr<Engine> engines[2];
  for (int e = 0; e < 2; ++e) {
    Options o;
    o.retention_ms = 0;
    o.sync_policy = SyncPolicy::kNone;
    o.maintenance_interval_ms = 0;
    o.checkpoint_wal_bytes = 1 << 20;
    o.read_threads = e == 0 ? 1 : 4;
    const auto dir = dir_.string() + "_" + std::to_string(e);
    std::filesystem::remove_all(dir);
    engines[e] = std::move(Engine::Open(o, dir)).value();
    // Two days of minutely samples: the first day stored in blocks, the second in the head.
    write(engines[e]->NewAppender().get(), 0, 1440);
    ASSERT_TRUE(engines[e]->Flush().ok());
    write(engines[e]->NewAppender().get(), 1440, 2880);
  }
  write(memory_.NewAppender().get(), 0, 2880);
  const std::vector<LabelMatcher> m = {LabelMatcher::Equal("__name__", "many")};
  // Each range is read in several batches (about 64 Ki samples at 15 s, at least 64 series).
  for (const auto& [mint, maxt] : std::vector<std::pair<int64_t, int64_t>>{
           {kT0, kT0 + 2 * 86'400'000LL},              // everything, 4 batches
           {kT0 + 80'000'000, kT0 + 95'000'000},       // across the stored/head boundary
           {kT0 + 3'600'000, kT0 + 3 * 3'600'000}}) {  // stored blocks only, 2 batches
    for (const bool sorted : {true, false}) {
      SelectHints hints;
      hints.sorted = sorted;
      const auto one = ReadAll(engines[0].get(), m, mint, maxt, hints);
      const auto ahead = ReadAll(engines[1].get(), m, mint, maxt, hints);
      ASSERT_EQ(one.size(), 200u);
      EXPECT_EQ(one, ahead);
      hints.read_ahead = false;
      EXPECT_EQ(one, ReadAll(engines[1].get(), m, mint, maxt, hints));
      if (sorted) {
        EXPECT_EQ(one, ReadAll(&memory_, m, mint, maxt, hints));
      }
    }
  }
  // Dropped after one series, while helpers read the next batches.
  for (int i = 0; i < 20; ++i) {
    auto set = engines[1]->Select(ReadOptions(), m, kT0, kT0 + 2 * 86'400'000LL, SelectHints());
    ASSERT_TRUE(set.ok());
    ASSERT_TRUE((*set)->Next());
  }
  for (int e = 0; e < 2; ++e) {
    engines[e].reset();
    std::filesystem::remove_all(dir_.string() + "_" + std::to_string(e));
  }
}

// Hides SampleIterator::InMemory, so readers walk the samples through Next and At.
class IteratorOnlyQuerier final : public SampleQuerier {
 public:
  explicit IteratorOnlyQuerier(SampleQuerier* base) : base_(base) {}
  Result<std::unique_ptr<SeriesSet>> Select(const ReadOptions& o,
                                            const std::vector<LabelMatcher>& m, int64_t mint,
                                            int64_t maxt, const SelectHints& hints) override {
    // It forwards samples only, so it must not let the store answer in brief.
    SelectHints samples_only = hints;
    samples_only.window_summary = false;
    auto set = base_->Select(o, m, mint, maxt, samples_only);
    if (!set.ok()) return set.status();
    return std::unique_ptr<SeriesSet>(new Set(std::move(set).value()));
  }
  Result<std::vector<Labels>> Series(const ReadOptions& o, const std::vector<LabelMatcher>& m,
                                     int64_t mint, int64_t maxt) override {
    return base_->Series(o, m, mint, maxt);
  }
  Result<std::vector<std::string>> LabelNames(const ReadOptions& o,
                                              const std::vector<LabelMatcher>& m, int64_t mint,
                                              int64_t maxt) override {
    return base_->LabelNames(o, m, mint, maxt);
  }
  Result<std::vector<std::string>> LabelValues(const ReadOptions& o, std::string_view name,
                                               const std::vector<LabelMatcher>& m, int64_t mint,
                                               int64_t maxt) override {
    return base_->LabelValues(o, name, m, mint, maxt);
  }

 private:
  class Iterator final : public SampleIterator {
   public:
    SampleIterator* base = nullptr;
    bool Next() override { return base->Next(); }
    bool Seek(int64_t t) override { return base->Seek(t); }
    Sample At() const override { return base->At(); }
    const Status& status() const override { return base->status(); }
  };
  class Set final : public SeriesSet {
   public:
    explicit Set(std::unique_ptr<SeriesSet> base) : base_(std::move(base)) {}
    bool Next() override { return base_->Next(); }
    const Labels& labels() const override { return base_->labels(); }
    SeriesRef ref() const override { return base_->ref(); }
    SampleIterator* Samples() override {
      it_.base = base_->Samples();
      return &it_;
    }
    const Status& status() const override { return base_->status(); }

   private:
    std::unique_ptr<SeriesSet> base_;
    Iterator it_;
  };
  SampleQuerier* base_;
};

// Selectors read samples in place where the store holds them (SampleIterator::InMemory): the
// results and the samples counted as loaded are the same as through the iterator.
TEST_F(QuerierContract, SamplesReadInPlaceGiveWhatTheIteratorGives) {
  for (SampleQuerier* q : Both()) {
    IteratorOnlyQuerier iterator_only(q);
    for (const char* query :
         {"sum by (job) (rate(http_requests_total[2m]))", "http_requests_total",
          "delta(http_requests_total[3m])", "rate(http_requests_total[20s])",
          "count_over_time(http_requests_total[1m])", "max_over_time(http_requests_total[45s])",
          "http_requests_total offset 1m", "timestamp(http_requests_total)",
          "increase(http_requests_total[5m] @ 1700000300)"}) {
      auto expr = promql::ParseExpr(query);
      ASSERT_TRUE(expr.ok()) << query;
      std::string answers[2];
      int64_t loaded[2] = {0, 0}, peak[2] = {0, 0};
      for (int k = 0; k < 2; ++k) {
        SampleQuerier* target = k == 0 ? q : static_cast<SampleQuerier*>(&iterator_only);
        auto r = promql::QueryEngine(promql::EngineOptions())
                     .Range(*target, **expr, kT0 - 60'000, kT0 + 700'000, 20'000,
                            promql::QueryContext());
        ASSERT_TRUE(r.ok()) << query << ": " << r.status().ToString();
        answers[k] = Render(*r);
        loaded[k] = r->stats.samples_loaded;
        peak[k] = r->stats.peak_samples;
      }
      EXPECT_FALSE(answers[0].empty()) << query;
      EXPECT_EQ(answers[0], answers[1]) << query;
      EXPECT_EQ(loaded[0], loaded[1]) << query;
      EXPECT_EQ(peak[0], peak[1]) << query;
    }
  }
}

// Rules' and instant queries' rate, increase and delta read a window the Engine may answer in
// brief (SelectHints::window_summary, from its head chunks): every result is bit for bit the one
// from all the samples, over resets, stale markers, NaN, values the decimal coding escapes and
// decreasing gauges, at every evaluation time, and so are the samples counted.
TEST_F(QuerierContract, WindowSummariesGiveWhatTheSamplesGive) {
  auto app = engine_->NewAppender();
  auto mem = memory_.NewAppender();
  for (int series = 0; series < 6; ++series) {
    const Labels labels{{"__name__", "odd_total"}, {"kind", std::to_string(series)}};
    double v = 100;
    for (int i = 0; i < 60; ++i) {
      v += series == 5 ? -(i % 4) : 1.5 * (i % 3);
      double value = v;
      if (series == 1 && i == 30) value = 2;  // a reset
      if (series == 2 && i == 40) value = StaleMarker();
      if (series == 3 && i == 20) value = std::numeric_limits<double>::quiet_NaN();
      if (series == 4) value = v / 3;  // not decimal
      const int64_t t = kT0 + 600'000 + i * 15'000 + series;
      app->Add(labels, t, value);
      mem->Add(labels, t, value);
    }
  }
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(mem->Commit().ok());
  // An instant vector's order is the selection's, which differs between the stores.
  auto render = [](const promql::QueryResult& r) {
    std::vector<std::string> lines;
    for (const auto& s : r.vector) {
      char hex[64];
      std::snprintf(hex, sizeof(hex), " %a\n", s.f);
      lines.push_back(s.metric.ToString() + hex);
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& l : lines) out += l;
    return out;
  };
  int compared = 0;
  for (const char* query :
       {"rate(odd_total[2m])", "increase(odd_total[5m])", "delta(odd_total[1m])",
        "sum by (kind) (rate(odd_total[3m]))", "rate(http_requests_total[2m])",
        "rate(odd_total[2m] offset 1m)", "increase(odd_total[4m] @ 1700000900)"}) {
    auto expr = promql::ParseExpr(query);
    ASSERT_TRUE(expr.ok()) << query;
    for (int64_t t = kT0 + 540'000; t <= kT0 + 1'600'000; t += 7'000) {
      std::string answers[2];
      int64_t loaded[2] = {0, 0};
      for (int k = 0; k < 2; ++k) {
        SampleQuerier* q = k == 0 ? static_cast<SampleQuerier*>(engine_.get()) : &memory_;
        auto r = promql::QueryEngine(promql::EngineOptions())
                     .Instant(*q, **expr, t, promql::QueryContext());
        ASSERT_TRUE(r.ok()) << query << ": " << r.status().ToString();
        answers[k] = render(*r);
        loaded[k] = r->stats.samples_loaded;
      }
      ASSERT_EQ(answers[0], answers[1]) << query << " at " << t;
      ASSERT_EQ(loaded[0], loaded[1]) << query << " at " << t;
      compared += answers[0].empty() ? 0 : 1;
    }
  }
  EXPECT_GT(compared, 500);
}

TEST_F(QuerierContract, DeadlineAndCancellationStopReads) {
  const std::vector<LabelMatcher> m = {LabelMatcher::Equal("__name__", "http_requests_total")};
  for (SampleQuerier* q : Both()) {
    ReadOptions late;
    late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
    auto r = q->Select(late, m, INT64_MIN, INT64_MAX, SelectHints());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
    std::atomic<bool> cancelled{true};
    ReadOptions stop;
    stop.cancelled = &cancelled;
    auto names = q->LabelNames(stop, {}, INT64_MIN, INT64_MAX);
    ASSERT_FALSE(names.ok());
    EXPECT_EQ(names.status().code(), StatusCode::kCancelled);
    // A selector that matches everything is refused by both.
    auto all = q->Select(ReadOptions(), {LabelMatcher::Regex("job", ".*")}, 0, 1, SelectHints());
    EXPECT_EQ(all.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tidemark
