#include "util/duration.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

namespace tidemark::util {
namespace {

int64_t Ms(std::string_view s) {
  Result<int64_t> r = ParseDuration(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().message();
  return r.ok() ? *r : -1;
}

std::string Error(std::string_view s) {
  Result<int64_t> r = ParseDuration(s);
  EXPECT_FALSE(r.ok()) << s << " parsed as " << (r.ok() ? *r : 0);
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(Duration, ParsesEveryUnitAndCombinations) {
  EXPECT_EQ(Ms("0"), 0);
  EXPECT_EQ(Ms("0s"), 0);
  EXPECT_EQ(Ms("500ms"), 500);
  EXPECT_EQ(Ms("10s"), 10'000);
  EXPECT_EQ(Ms("30m"), 1'800'000);
  EXPECT_EQ(Ms("6h"), 21'600'000);
  EXPECT_EQ(Ms("15d"), 15LL * 86'400'000);
  EXPECT_EQ(Ms("2w"), 14LL * 86'400'000);
  EXPECT_EQ(Ms("1y"), 365LL * 86'400'000);
  EXPECT_EQ(Ms("1h30m"), 5'400'000);
  EXPECT_EQ(Ms("1y2w3d4h5m6s7ms"), 365LL * 86'400'000 + 14LL * 86'400'000 + 3LL * 86'400'000 +
                                       4LL * 3'600'000 + 5 * 60'000 + 6'000 + 7);
  EXPECT_EQ(Ms("90m"), 5'400'000);  // a term may exceed the next unit
  EXPECT_EQ(Ms("007s"), 7'000);
}

TEST(Duration, RefusesWhatPrometheusRefuses) {
  EXPECT_EQ(Error(""), "empty duration");
  for (const char* bad :
       {"5", "500", "s", "-5m", "+5m", "5m1h", "1h1h", "1m1m", "1s1s", " 5m", "1h30", "ms"}) {
    EXPECT_NE(Error(bad).find("is not a duration"), std::string::npos) << bad;
  }
  // Everything up to the next digit is the unit, as in model.ParseDuration.
  for (const char* bad : {"1.5h", "5 m", "5m ", "5mm5", "1h-5m"}) {
    EXPECT_NE(Error(bad).find("unknown unit"), std::string::npos) << bad;
  }
  EXPECT_NE(Error("5x").find("unknown unit \"x\""), std::string::npos);
  EXPECT_NE(Error("5sec").find("unknown unit \"sec\""), std::string::npos);
  EXPECT_NE(Error("5M").find("unknown unit \"M\""), std::string::npos);
  // The input is quoted as Go's %q quotes it, control characters and invalid UTF-8 escaped.
  EXPECT_NE(Error("5\n").find("\"5\\n\""), std::string::npos) << Error("5\n");
  EXPECT_NE(Error("5\x01\xff").find("\"5\\x01\\xff\""), std::string::npos);
}

TEST(Duration, DetectsOverflowInsteadOfWrapping) {
  // INT64_MAX milliseconds is exactly representable; one more is not.
  EXPECT_EQ(Ms("9223372036854775807ms"), INT64_MAX);
  EXPECT_EQ(Ms("9223372036854775s807ms"), INT64_MAX);
  EXPECT_NE(Error("9223372036854775808ms").find("out of range"), std::string::npos);
  EXPECT_NE(Error("9223372036854775s808ms").find("out of range"), std::string::npos);
  // 213503982335d * 86400000 wraps int64 to about 9 hours if unchecked.
  EXPECT_NE(Error("213503982335d").find("out of range"), std::string::npos);
  EXPECT_EQ(Ms("106751991167d"), 106751991167LL * 86'400'000);
  // More digits than 64 bits hold (std::stoll threw std::out_of_range here).
  EXPECT_NE(Error("99999999999999999999d").find("out of range"), std::string::npos);
  EXPECT_NE(Error("99999999999999999999999999999999ms").find("out of range"), std::string::npos);
  // A sum of terms that each fit.
  EXPECT_NE(Error("292471208y52w").find("out of range"), std::string::npos);
}

TEST(Duration, PartsReportTheErrorKindAndHonourTheLimit) {
  EXPECT_EQ(ParseDurationParts("1h", 3'600'000).error, DurationError::kNone);
  EXPECT_EQ(ParseDurationParts("1h1ms", 3'600'000).error, DurationError::kOutOfRange);
  EXPECT_EQ(ParseDurationParts("0", 0).error, DurationError::kNone);
  EXPECT_EQ(ParseDurationParts("1ms", 0).error, DurationError::kOutOfRange);
  EXPECT_EQ(ParseDurationParts("").error, DurationError::kEmpty);
  EXPECT_EQ(ParseDurationParts("1q").error, DurationError::kUnknownUnit);
  EXPECT_EQ(ParseDurationParts("1q").unit, "q");
  EXPECT_EQ(ParseDurationParts("5m1h").error, DurationError::kInvalid);
  EXPECT_EQ(ParseDurationParts("99999999999999999999s").error, DurationError::kNumberTooLarge);
  // As Prometheus: a term's range is checked when it is reached, before later syntax.
  EXPECT_EQ(ParseDurationParts("300y5x", INT64_MAX / 1'000'000).error, DurationError::kOutOfRange);
}

TEST(Duration, FormatsAsPrometheusAndRoundTrips) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(500), "500ms");
  EXPECT_EQ(FormatDuration(90'000), "1m30s");
  EXPECT_EQ(FormatDuration(15LL * 86'400'000), "15d");
  EXPECT_EQ(FormatDuration(14LL * 86'400'000), "2w");
  EXPECT_EQ(FormatDuration(365LL * 86'400'000), "1y");
  EXPECT_EQ(FormatDuration(366LL * 86'400'000), "366d");
  EXPECT_EQ(FormatDuration(-300'000), "-5m");
  EXPECT_EQ(FormatDuration(INT64_MIN).substr(0, 1), "-");
  for (int64_t ms : std::vector<int64_t>{0, 1, 999, 1000, 61'001, 3'600'000, 86'400'000,
                                         7LL * 86'400'000, 365LL * 86'400'000 + 1, INT64_MAX}) {
    EXPECT_EQ(Ms(FormatDuration(ms)), ms) << FormatDuration(ms);
  }
}

TEST(GoDuration, ParsesWhatGoParses) {
  auto ns = [](std::string_view s) {
    auto r = ParseGoDurationNanos(s);
    EXPECT_TRUE(r.ok()) << s << ": " << r.status().ToString();
    return r.ok() ? *r : -12345;
  };
  EXPECT_EQ(ns("0"), 0);
  EXPECT_EQ(ns("-0"), 0);
  EXPECT_EQ(ns("5ns"), 5);
  EXPECT_EQ(ns("4.5us"), 4500);
  EXPECT_EQ(ns("4.5\u00b5s"), 4500);
  EXPECT_EQ(ns("1.5s"), 1'500'000'000);
  EXPECT_EQ(ns(".5ms"), 500'000);
  EXPECT_EQ(ns("1.ms"), 1'000'000);
  EXPECT_EQ(ns("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(ns("1m1.000000001s"), 61'000'000'001);
  EXPECT_EQ(ns("-2ms"), -2'000'000);
  EXPECT_EQ(ns("+3s"), 3'000'000'000);
  EXPECT_EQ(ns("2562047h47m16.854775807s"), INT64_MAX);
}

TEST(GoDuration, RefusesWhatGoRefuses) {
  for (std::string_view bad : {"", "1", "s", "1x", "1.5", ".s", "-", "1d", "3000000h",
                               "9223372036854775808ns", "1s2", "1 s"}) {
    auto r = ParseGoDurationNanos(bad);
    EXPECT_FALSE(r.ok()) << "\"" << bad << "\" parsed as " << (r.ok() ? *r : 0);
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("invalid duration"), std::string::npos);
    }
  }
}

TEST(GoDuration, FormatsAsGoPrintsIt) {
  constexpr int64_t kMs = 1'000'000;
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(3), "3ns");
  EXPECT_EQ(FormatGoDuration(1'500), "1.5\u00b5s");
  EXPECT_EQ(FormatGoDuration(500 * kMs), "500ms");
  EXPECT_EQ(FormatGoDuration(1'500 * kMs), "1.5s");
  EXPECT_EQ(FormatGoDuration(60'000 * kMs), "1m0s");
  EXPECT_EQ(FormatGoDuration(150'000 * kMs), "2m30s");
  EXPECT_EQ(FormatGoDuration(3'600'000 * kMs), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(-90'000 * kMs), "-1m30s");
  EXPECT_EQ(FormatGoDuration(INT64_MIN), "-2562047h47m16.854775808s");
  // Round trip through the parser.
  for (int64_t ns : {int64_t{1}, 1'500 * kMs, 3'723'004 * kMs}) {
    EXPECT_EQ(ParseGoDurationNanos(FormatGoDuration(ns)).value(), ns);
  }
}

}  // namespace
}  // namespace tidemark::util
