#include "util/prom_names.h"

#include <gtest/gtest.h>

namespace tidemark::util {
namespace {

TEST(PromNames, LegacyLabelNamesHaveNoColons) {
  for (std::string_view ok : {"job", "_a1", "A_b", "__name__", "le"}) {
    EXPECT_TRUE(IsLegacyLabelName(ok)) << ok;
  }
  for (std::string_view bad : {"", "1a", "a:b", ":a", "a.b", "a-b", "é", "a b"}) {
    EXPECT_FALSE(IsLegacyLabelName(bad)) << bad;
  }
}

TEST(PromNames, LegacyMetricNamesMayHaveColons) {
  for (std::string_view ok : {"up", "a:b", ":a", "job:rate5m:sum", "_x9"}) {
    EXPECT_TRUE(IsLegacyMetricName(ok)) << ok;
  }
  for (std::string_view bad : {"", "9up", "a.b", "http.server.duration", "é"}) {
    EXPECT_FALSE(IsLegacyMetricName(bad)) << bad;
  }
}

TEST(PromNames, ValidLabelNamesAreNonEmptyUtf8) {
  for (std::string_view ok : {"job", "http.method", "é", "1a", "a b"}) {
    EXPECT_TRUE(IsValidLabelName(ok)) << ok;
  }
  for (std::string_view bad : {"", "\xff", "\xc0\x80", "\xed\xa0\x80"}) {
    EXPECT_FALSE(IsValidLabelName(bad)) << bad;
  }
}

}  // namespace
}  // namespace tidemark::util
