// The SampleQuerier contract on both of its implementations, tidemark::Engine and the in-memory
// store: the same writes give the same reads and the same PromQL results, and per-call options
// (deadline, cancellation, limit) are honoured.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

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
