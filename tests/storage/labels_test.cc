#include "tidemark/labels.h"

#include <gtest/gtest.h>

namespace tidemark {
namespace {

TEST(Labels, DropEmptyValuesAndSortByName) {
  const Labels l{{"job", "api"}, {"a", ""}, {"__name__", "up"}};
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l.items()[0].name, "__name__");
  EXPECT_EQ(l.Get("job"), "api");
  EXPECT_FALSE(l.Has("a"));
}

TEST(Labels, PrintAsPrometheusPrintsSeries) {
  EXPECT_EQ((Labels{{"__name__", "up"}, {"job", "api"}}).ToString(), "up{job=\"api\"}");
  EXPECT_EQ((Labels{{"job", "api"}}).ToString(), "{job=\"api\"}");
  EXPECT_EQ((Labels{{"__name__", "job:rate5m"}}).ToString(), "job:rate5m{}");
  // Names that are not legacy names are quoted; the metric name then goes inside the braces.
  EXPECT_EQ(
      (Labels{{"__name__", "http.requests"}, {"http.method", "GET"}, {"a:b", "1"}}).ToString(),
      "{\"http.requests\", \"a:b\"=\"1\", \"http.method\"=\"GET\"}");
  // Values are quoted as strconv.Quote does.
  EXPECT_EQ((Labels{{"v", "a\"b\\c\n\t\x01\xff"}}).ToString(),
            "{v=\"a\\\"b\\\\c\\n\\t\\x01\\xff\"}");
}

}  // namespace
}  // namespace tidemark
