// PromQL duration literals go through util::ParseDurationParts with Prometheus' limit (the total
// must fit int64 nanoseconds) and Prometheus' error messages.
#include <string>

#include "gtest/gtest.h"
#include "query/parser.h"

namespace tidemark::promql {
namespace {

TEST(ParserDurationLimits, AcceptUpToInt64NanosecondsAndNoFurther) {
  // INT64_MAX ns is 9223372036854.775807 ms.
  auto max = ParseDurationMs("9223372036854ms");
  ASSERT_TRUE(max.ok()) << max.status().message();
  EXPECT_EQ(*max, 9223372036854);
  EXPECT_EQ(ParseDurationMs("9223372036855ms").status().message(), "duration out of range");
  EXPECT_EQ(ParseDurationMs("292y").status().ok(), true);
  EXPECT_EQ(ParseDurationMs("293y").status().message(), "duration out of range");
  EXPECT_EQ(ParseDurationMs("292y52w").status().message(), "duration out of range");
  // More digits than 64 bits: model.ParseDuration's strconv.ParseUint fails first.
  EXPECT_EQ(ParseDurationMs("99999999999999999999s").status().message(),
            "not a valid duration string: \"99999999999999999999s\"");
  EXPECT_EQ(ParseDurationMs("").status().message(), "empty duration string");
  // In a query, the parse error carries the literal's position.
  auto expr = ParseExpr("foo[293y]");
  ASSERT_FALSE(expr.ok());
  EXPECT_NE(expr.status().message().find("duration out of range"), std::string::npos)
      << expr.status().message();
}

}  // namespace
}  // namespace tidemark::promql
