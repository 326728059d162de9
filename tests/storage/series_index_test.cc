// SeriesIndex: the matchers' expansion over label values and candidates stops at the read's
// deadline or cancellation (issue 14: matcher expansion is one of the long loops a query must be
// able to stop inside).
#include "storage/series_index.h"

#include <gtest/gtest.h>

#include <atomic>
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

}  // namespace
}  // namespace tidemark::storage
