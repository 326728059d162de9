// SeriesIndex: the matchers' expansion over label values and candidates stops at the read's
// deadline or cancellation (issue 14: matcher expansion is one of the long loops a query must be
// able to stop inside).
#include "storage/series_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <string>

namespace tidemark::storage {
namespace {

TEST(SeriesIndex, MatcherExpansionStopsWhenTheReadIsCancelled) {
  SeriesIndex index;
  constexpr int kSeries = 20'000;
  for (int i = 0; i < kSeries; ++i) {
    index.Insert(static_cast<uint64_t>(i + 1),
                 Labels{{"__name__", "x"}, {"id", std::to_string(i)}});
  }
  auto compiled = CompileMatchers({{MatchType::kRegexMatch, "id", ".+"}});
  ASSERT_TRUE(compiled.ok());
  // Not cancelled: every series, and the status stays OK.
  ReadOptions options;
  std::atomic<bool> cancelled{false};
  options.cancelled = &cancelled;
  Status stopped;
  EXPECT_EQ(index.Select(*compiled, &options, &stopped).size(), size_t{kSeries});
  EXPECT_TRUE(stopped.ok()) << stopped.ToString();
  // Cancelled: the union over 20,000 values stops at its first check, with the reason.
  cancelled = true;
  EXPECT_TRUE(index.Select(*compiled, &options, &stopped).empty());
  EXPECT_EQ(stopped.code(), StatusCode::kCancelled) << stopped.ToString();
  // The same through the filter applied to each candidate (a matcher matching the empty string).
  auto filtered =
      CompileMatchers({{MatchType::kEqual, "__name__", "x"}, {MatchType::kNotEqual, "id", "7"}});
  ASSERT_TRUE(filtered.ok());
  stopped = Status::OK();
  EXPECT_TRUE(index.Select(*filtered, &options, &stopped).empty());
  EXPECT_EQ(stopped.code(), StatusCode::kCancelled);
  // Without options, nothing is checked.
  EXPECT_EQ(index.Select(*filtered).size(), size_t{kSeries - 1});
}

std::vector<uint64_t> Ids(const std::vector<std::shared_ptr<MemSeries>>& series) {
  std::vector<uint64_t> ids;
  for (const auto& s : series) ids.push_back(s->id);
  return ids;
}

// Remembered selections answer what a fresh intersection would, through series created after
// them, removed series and inserts below the largest id, with room for all of them or for few.
TEST(SeriesIndex, RememberedSelectionsAnswerAsFreshOnes) {
  SeriesIndex fresh;
  SeriesIndex roomy(64 << 20);
  SeriesIndex cramped(600);
  std::vector<SeriesIndex*> cached = {&roomy, &cramped};
  const std::vector<std::vector<LabelMatcher>> selectors = {
      {{MatchType::kEqual, "__name__", "m1"}},
      {{MatchType::kEqual, "__name__", "m2"}, {MatchType::kEqual, "team", "t1"}},
      {{MatchType::kEqual, "__name__", "m1"}, {MatchType::kNotEqual, "mode", "idle"}},
      {{MatchType::kRegexMatch, "__name__", "m[12]"}, {MatchType::kEqual, "team", "t2"}},
      {{MatchType::kEqual, "team", "t0"}, {MatchType::kRegexMatch, "mode", "|user"}},
      {{MatchType::kEqual, "team", "t3"}, {MatchType::kRegexNoMatch, "mode", "idle|sys"}},
  };
  std::vector<std::vector<CompiledMatcher>> compiled;
  for (const auto& sel : selectors) compiled.push_back(CompileMatchers(sel).value());
  std::mt19937 rng(5);
  uint64_t next_id = 1;
  std::vector<uint64_t> live;
  std::map<uint64_t, Labels> removed;
  int hits_possible = 0;
  for (int step = 0; step < 3000; ++step) {
    const int op = static_cast<int>(rng() % 10);
    if (op < 4 || live.empty()) {
      Labels labels{{"__name__", "m" + std::to_string(rng() % 3)},
                    {"mode", rng() % 3 == 0 ? "idle" : (rng() % 2 ? "user" : "sys")},
                    {"n", std::to_string(next_id)},
                    {"team", "t" + std::to_string(rng() % 4)}};
      if (rng() % 5 == 0) labels = Labels{{"__name__", "m1"}, {"n", std::to_string(next_id)}};
      for (SeriesIndex* index : {&fresh, &roomy, &cramped}) index->Insert(next_id, labels);
      live.push_back(next_id++);
    } else if (op == 4) {
      const size_t k = rng() % live.size();
      const uint64_t id = live[k];
      removed[id] = fresh.FindById(id)->ToLabels();
      for (SeriesIndex* index : {&fresh, &roomy, &cramped}) index->Remove(id);
      live.erase(live.begin() + static_cast<ptrdiff_t>(k));
    } else if (op == 5 && !removed.empty()) {
      // As replay does: a series back under an id below the largest.
      auto it = removed.begin();
      std::advance(it, rng() % removed.size());
      for (SeriesIndex* index : {&fresh, &roomy, &cramped}) index->Insert(it->first, it->second);
      live.push_back(it->first);
      removed.erase(it);
    } else {
      const auto& m = compiled[rng() % compiled.size()];
      const std::vector<uint64_t> want = Ids(fresh.Select(m));
      for (SeriesIndex* index : cached) {
        ASSERT_EQ(Ids(index->Select(m)), want) << "step " << step;
      }
      ++hits_possible;
    }
  }
  EXPECT_GT(hits_possible, 1000);
  EXPECT_GT(roomy.selection_cache_stats().hits, 200u);  // removals forget them all
  EXPECT_LE(cramped.selection_cache_stats().bytes, 600u);
  EXPECT_EQ(fresh.selection_cache_stats().hits + fresh.selection_cache_stats().misses, 0u);
}

}  // namespace
}  // namespace tidemark::storage
