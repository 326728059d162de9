// Go's strconv and fmt, pinned: each expectation is what Go writes or reads for that input.
#include "util/go_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace tidemark::util {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- strconv.FormatFloat(v, 'g', -1, 64), fmt's %v and %g ---------------------------------------

TEST(GoFormatFloatG, SwitchesToAnExponentBelowMinus4AndFrom6) {
  EXPECT_EQ(GoFormatFloatG(2), "2");
  EXPECT_EQ(GoFormatFloatG(0.5), "0.5");
  EXPECT_EQ(GoFormatFloatG(-0.1), "-0.1");
  EXPECT_EQ(GoFormatFloatG(1.01), "1.01");
  EXPECT_EQ(GoFormatFloatG(123456), "123456");
  EXPECT_EQ(GoFormatFloatG(999999), "999999");
  EXPECT_EQ(GoFormatFloatG(100000), "100000");
  EXPECT_EQ(GoFormatFloatG(1e6), "1e+06");
  EXPECT_EQ(GoFormatFloatG(1234567), "1.234567e+06");
  EXPECT_EQ(GoFormatFloatG(1e20), "1e+20");
  EXPECT_EQ(GoFormatFloatG(1e21), "1e+21");
  EXPECT_EQ(GoFormatFloatG(9223372036854775807.0), "9.223372036854776e+18");
  EXPECT_EQ(GoFormatFloatG(1e100), "1e+100");
  EXPECT_EQ(GoFormatFloatG(0.0001), "0.0001");
  EXPECT_EQ(GoFormatFloatG(-0.0001), "-0.0001");
  EXPECT_EQ(GoFormatFloatG(0.00001), "1e-05");
  EXPECT_EQ(GoFormatFloatG(1.5e-5), "1.5e-05");
  EXPECT_EQ(GoFormatFloatG(5e-324), "5e-324");
}

// ---- strconv.FormatFloat(v, fmt, prec, 64): fmt's %e %f %g with a precision ------------------

TEST(GoFormatFloat, FixedPrecisionRoundsTiesToEven) {
  EXPECT_EQ(GoFormatFloat(3.14159, 'f', 2), "3.14");
  EXPECT_EQ(GoFormatFloat(0.125, 'f', 2), "0.12");
  EXPECT_EQ(GoFormatFloat(2.5, 'f', 0), "2");
  EXPECT_EQ(GoFormatFloat(-0.0, 'f', 2), "-0.00");
  EXPECT_EQ(GoFormatFloat(1e21, 'f', 1), "1000000000000000000000.0");
  EXPECT_EQ(GoFormatFloat(0, 'e', 6), "0.000000e+00");
  EXPECT_EQ(GoFormatFloat(1234.5678, 'e', 2), "1.23e+03");
  EXPECT_EQ(GoFormatFloat(1234.5678, 'E', 3), "1.235E+03");
  EXPECT_EQ(GoFormatFloat(1e-300, 'e', 1), "1.0e-300");
}

TEST(GoFormatFloat, GeneralPrecisionDropsTrailingZeros) {
  // Prometheus' humanize is fmt.Sprintf("%.4g", v).
  EXPECT_EQ(GoFormatFloat(0, 'g', 4), "0");
  EXPECT_EQ(GoFormatFloat(1, 'g', 4), "1");
  EXPECT_EQ(GoFormatFloat(120, 'g', 4), "120");
  EXPECT_EQ(GoFormatFloat(1.234567, 'g', 4), "1.235");
  EXPECT_EQ(GoFormatFloat(12345, 'g', 4), "1.234e+04");
  EXPECT_EQ(GoFormatFloat(9.223372036854775807e18, 'g', 4), "9.223e+18");
  EXPECT_EQ(GoFormatFloat(0.0001234, 'g', 2), "0.00012");
  EXPECT_EQ(GoFormatFloat(0.00001234, 'g', 2), "1.2e-05");
  EXPECT_EQ(GoFormatFloat(1234.5, 'g', 8), "1234.5");
  EXPECT_EQ(GoFormatFloat(123456, 'g', 6), "123456");
  EXPECT_EQ(GoFormatFloat(5, 'g', 0), "5");
  EXPECT_EQ(GoFormatFloat(1e-7, 'G', -1), "1E-07");
  EXPECT_EQ(GoFormatFloat(0.1, 'g', 20), "0.10000000000000000555");
}

TEST(GoFormatFloat, ShortestAndSpecialValues) {
  EXPECT_EQ(GoFormatFloat(1234567, 'e', -1), "1.234567e+06");
  EXPECT_EQ(GoFormatFloat(0, 'e', -1), "0e+00");
  EXPECT_EQ(GoFormatFloat(1e21, 'f', -1), "1000000000000000000000");
  EXPECT_EQ(GoFormatFloat(kNaN, 'f', 2), "NaN");
  EXPECT_EQ(GoFormatFloat(-kInf, 'e', 2), "-Inf");
  EXPECT_EQ(GoFormatFloat(kInf, 'g', 4), "+Inf");
}

TEST(GoFormatFloatG, WritesTheShortestDigitsThatRoundTrip) {
  EXPECT_EQ(GoFormatFloatG(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(GoFormatFloatG(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(GoFormatFloatG(1.0 / 3), "0.3333333333333333");
  for (double v : {0.1, 1.0 / 3, 2.0 / 3e-7, 123.456, 6.02214076e23, 1e-300}) {
    EXPECT_EQ(std::stod(GoFormatFloatG(v)), v) << GoFormatFloatG(v);
  }
}

TEST(GoFormatFloatG, SpellsSpecialValuesAsGo) {
  EXPECT_EQ(GoFormatFloatG(kNaN), "NaN");
  EXPECT_EQ(GoFormatFloatG(kInf), "+Inf");
  EXPECT_EQ(GoFormatFloatG(-kInf), "-Inf");
  EXPECT_EQ(GoFormatFloatG(0.0), "0");
  EXPECT_EQ(GoFormatFloatG(-0.0), "-0");
}

// ---- strconv.FormatFloat(v, 'f', -1, 64) -------------------------------------------------------

TEST(GoFormatFloatF, NeverWritesAnExponent) {
  EXPECT_EQ(GoFormatFloatF(0.1), "0.1");
  EXPECT_EQ(GoFormatFloatF(100), "100");
  EXPECT_EQ(GoFormatFloatF(-2.5), "-2.5");
  EXPECT_EQ(GoFormatFloatF(1e6), "1000000");
  EXPECT_EQ(GoFormatFloatF(1e21), "1000000000000000000000");
  EXPECT_EQ(GoFormatFloatF(0.00001), "0.00001");
  EXPECT_EQ(GoFormatFloatF(1.5e-7), "0.00000015");
  EXPECT_EQ(GoFormatFloatF(5e-324), "0." + std::string(323, '0') + "5");
}

TEST(GoFormatFloatF, PadsTheShortestDigitsWithZerosInsteadOfTheExactValue) {
  // 1e23 is 99999999999999991611392 in binary; Go writes the shortest digits, then zeros.
  EXPECT_EQ(GoFormatFloatF(1e23), "100000000000000000000000");
  EXPECT_EQ(GoFormatFloatF(18446744073709551616.0), "18446744073709552000");  // 2^64
  EXPECT_EQ(GoFormatFloatF(9007199254740993.0), "9007199254740992");          // 2^53 + 1
}

TEST(GoFormatFloatF, SpellsSpecialValuesAsGo) {
  EXPECT_EQ(GoFormatFloatF(kNaN), "NaN");
  EXPECT_EQ(GoFormatFloatF(kInf), "+Inf");
  EXPECT_EQ(GoFormatFloatF(-kInf), "-Inf");
  EXPECT_EQ(GoFormatFloatF(0.0), "0");
  EXPECT_EQ(GoFormatFloatF(-0.0), "-0");
}

// ---- fmt's %f ----------------------------------------------------------------------------------

TEST(GoSprintfF, WritesSixDecimals) {
  EXPECT_EQ(GoSprintfF(0.5), "0.500000");
  EXPECT_EQ(GoSprintfF(-1.25), "-1.250000");
  EXPECT_EQ(GoSprintfF(1e21), "1000000000000000000000.000000");
  EXPECT_EQ(GoSprintfF(1e23), "99999999999999991611392.000000");  // %f is exact
  EXPECT_EQ(GoSprintfF(0.0000004), "0.000000");
  EXPECT_EQ(GoSprintfF(kNaN), "NaN");
  EXPECT_EQ(GoSprintfF(kInf), "+Inf");
  EXPECT_EQ(GoSprintfF(-kInf), "-Inf");
  EXPECT_EQ(GoSprintfF(1.7976931348623157e308).size(), 316u);
}

// ---- strconv.ParseFloat(s, 64) -----------------------------------------------------------------

double Float(std::string_view s) {
  Result<double> v = GoParseFloat(s);
  EXPECT_TRUE(v.ok()) << s << ": " << v.status().ToString();
  return v.ok() ? *v : kNaN;
}

std::string FloatError(std::string_view s) {
  Result<double> v = GoParseFloat(s);
  EXPECT_FALSE(v.ok()) << s;
  return v.ok() ? "" : v.status().message();
}

TEST(GoParseFloat, ReadsWhatStrconvReads) {
  EXPECT_EQ(Float(".2"), 0.2);
  EXPECT_EQ(Float("5."), 5);
  EXPECT_EQ(Float("1e0"), 1);
  EXPECT_EQ(Float("1.5E3"), 1500);
  EXPECT_EQ(Float("-1e-2"), -0.01);
  EXPECT_EQ(Float("+7"), 7);
  EXPECT_EQ(Float("1_000"), 1000);
  EXPECT_EQ(Float("1_000.000_1"), 1000.0001);
  EXPECT_EQ(Float("0x1p-2"), 0.25);
  EXPECT_EQ(Float("0X1.8P1"), 3);
  EXPECT_EQ(Float("0x_1p0"), 1);
  EXPECT_EQ(Float("+Inf"), kInf);
  EXPECT_EQ(Float("inf"), kInf);
  EXPECT_EQ(Float("-infinity"), -kInf);
  EXPECT_EQ(Float("INFINITY"), kInf);
  EXPECT_TRUE(std::isnan(Float("NaN")));
  EXPECT_TRUE(std::isnan(Float("nan")));
  EXPECT_EQ(Float("4.9e-324"), 5e-324);
}

TEST(GoParseFloat, ReadsAnUnderflowAsZeroWithoutError) {
  EXPECT_EQ(Float("1e-400"), 0);
  EXPECT_EQ(Float("0e99999"), 0);
  EXPECT_EQ(Float("123.4e-330"), 0);
  EXPECT_EQ(Float("0.00001e-320"), 0);
  EXPECT_EQ(Float("1e-99999999999999999999"), 0);
  EXPECT_EQ(Float("0x1p-1080"), 0);
  EXPECT_TRUE(std::signbit(Float("-1e-400")));
}

TEST(GoParseFloat, RefusesAnOverflowAsOutOfRange) {
  EXPECT_EQ(FloatError("1e400"), "strconv.ParseFloat: parsing \"1e400\": value out of range");
  EXPECT_EQ(FloatError("-1e309"), "strconv.ParseFloat: parsing \"-1e309\": value out of range");
  EXPECT_EQ(FloatError("0x1p99999"),
            "strconv.ParseFloat: parsing \"0x1p99999\": value out of range");
  EXPECT_EQ(FloatError("0.0001e313"),
            "strconv.ParseFloat: parsing \"0.0001e313\": value out of range");
  EXPECT_EQ(FloatError("1e99999999999999999999"),
            "strconv.ParseFloat: parsing \"1e99999999999999999999\": value out of range");
}

TEST(GoParseFloat, RefusesWhatStrconvRefusesAsInvalidSyntax) {
  for (std::string_view bad :
       {"",   "Hello World", "1_",  "_1",  "1__0",  "1_.5",    "1e_5", "1_e5", "+-1",
        " 1", "1 ",          "0x1", "0x",  "0x1.8", "+nan",    "-NaN", "--1",  "e5",
        ".",  ".e1",         "1e",  "1e+", "1.2.3", "infinit", "1,5"}) {
    EXPECT_EQ(FloatError(bad), "strconv.ParseFloat: parsing " + GoQuote(bad) + ": invalid syntax")
        << bad;
  }
}

// ---- strconv.ParseInt(s, 0, 64) ----------------------------------------------------------------

int64_t Int(std::string_view s) {
  Result<int64_t> v = GoParseInt(s);
  EXPECT_TRUE(v.ok()) << s << ": " << v.status().ToString();
  return v.ok() ? *v : -1;
}

TEST(GoParseInt, ReadsEveryBaseGoSyntaxHas) {
  EXPECT_EQ(Int("0"), 0);
  EXPECT_EQ(Int("42"), 42);
  EXPECT_EQ(Int("-42"), -42);
  EXPECT_EQ(Int("+42"), 42);
  EXPECT_EQ(Int("0x1F"), 31);
  EXPECT_EQ(Int("0XfF"), 255);
  EXPECT_EQ(Int("0o17"), 15);
  EXPECT_EQ(Int("017"), 15);
  EXPECT_EQ(Int("0b101"), 5);
  EXPECT_EQ(Int("1_000"), 1000);
  EXPECT_EQ(Int("0x_1F"), 31);
  EXPECT_EQ(Int("0_17"), 15);
  EXPECT_EQ(Int("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Int("-9223372036854775808"), std::numeric_limits<int64_t>::min());
}

TEST(GoParseInt, RefusesWithGosMessages) {
  for (std::string_view bad : {"", "-", "08", "0x", "0b2", "1e5", "1.5", "_1", "1_", "1__0", "0x_",
                               " 1", "Inf", "0x1p2"}) {
    Result<int64_t> v = GoParseInt(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().message(),
              "strconv.ParseInt: parsing " + GoQuote(bad) + ": invalid syntax");
  }
  for (std::string_view big : {"9223372036854775808", "-9223372036854775809",
                               "99999999999999999999", "0x10000000000000000"}) {
    Result<int64_t> v = GoParseInt(big);
    ASSERT_FALSE(v.ok()) << big;
    EXPECT_EQ(v.status().message(),
              "strconv.ParseInt: parsing " + GoQuote(big) + ": value out of range");
  }
}

// ---- strconv.Quote, QuoteRune, IsPrint ---------------------------------------------------------

TEST(GoQuote, EscapesAsStrconvQuote) {
  EXPECT_EQ(GoQuote(""), "\"\"");
  EXPECT_EQ(GoQuote("job"), "\"job\"");
  EXPECT_EQ(GoQuote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(GoQuote("'"), "\"'\"");
  EXPECT_EQ(GoQuote("\a\b\f\n\r\t\v"), "\"\\a\\b\\f\\n\\r\\t\\v\"");
  EXPECT_EQ(GoQuote("\x07\x01"), "\"\\a\\x01\"");
  EXPECT_EQ(GoQuote(std::string_view("\0\x1b\x7f", 3)), "\"\\x00\\x1b\\x7f\"");
}

TEST(GoQuote, KeepsPrintableUnicodeAndEscapesTheRest) {
  EXPECT_EQ(GoQuote("ü中😀"), "\"ü中😀\"");
  EXPECT_EQ(GoQuote("\uFFFD"), "\"\uFFFD\"");   // a valid U+FFFD is printable
  EXPECT_EQ(GoQuote("\u0085"), "\"\\u0085\"");  // C1 control
  EXPECT_EQ(GoQuote("\u00a0"), "\"\\u00a0\"");  // no-break space
  EXPECT_EQ(GoQuote("\u00ad"), "\"\\u00ad\"");  // soft hyphen
  EXPECT_EQ(GoQuote("a\u200bb"), "\"a\\u200bb\"");
  EXPECT_EQ(GoQuote("\u2028"), "\"\\u2028\"");
  EXPECT_EQ(GoQuote("\uFEFF"), "\"\\ufeff\"");
  EXPECT_EQ(GoQuote("\uE000"), "\"\\ue000\"");
  EXPECT_EQ(GoQuote("\U000E0001"), "\"\\U000e0001\"");
}

TEST(GoQuote, EscapesEachByteOfInvalidUtf8) {
  EXPECT_EQ(GoQuote("ü\xff"), "\"ü\\xff\"");
  EXPECT_EQ(GoQuote("\xc3"), "\"\\xc3\"");                             // truncated
  EXPECT_EQ(GoQuote("\xc0\x80"), "\"\\xc0\\x80\"");                    // overlong
  EXPECT_EQ(GoQuote("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");           // a surrogate
  EXPECT_EQ(GoQuote("\xf4\x90\x80\x80"), "\"\\xf4\\x90\\x80\\x80\"");  // past U+10FFFF
}

TEST(GoQuote, AppendsToWhatIsThere) {
  std::string out = "name=";
  AppendGoQuote(&out, "a\tb");
  EXPECT_EQ(out, "name=\"a\\tb\"");
}

TEST(GoQuoteRune, EscapesAsStrconvQuoteRune) {
  EXPECT_EQ(GoQuoteRune('x'), "'x'");
  EXPECT_EQ(GoQuoteRune('\''), "'\\''");
  EXPECT_EQ(GoQuoteRune('"'), "'\"'");
  EXPECT_EQ(GoQuoteRune('\\'), "'\\\\'");
  EXPECT_EQ(GoQuoteRune('\n'), "'\\n'");
  EXPECT_EQ(GoQuoteRune(0), "'\\x00'");
  EXPECT_EQ(GoQuoteRune(0x00e9), "'é'");
  EXPECT_EQ(GoQuoteRune(0x00a0), "'\\u00a0'");
  EXPECT_EQ(GoQuoteRune(0xD800), "'\uFFFD'");
  EXPECT_EQ(GoQuoteRune(0x110000), "'\uFFFD'");
}

TEST(GoIsPrint, FollowsUnicodeCategories) {
  for (char32_t r :
       {U' ', U'a', U'~', U'é', U'\u00a1', U'中', U'\u0300', U'\U0001F600', U'\uFFFD'}) {
    EXPECT_TRUE(GoIsPrint(r)) << static_cast<uint32_t>(r);
  }
  for (char32_t r : {U'\0', U'\t', U'\x7f', U'\u0080', U'\u009f', U'\u00a0', U'\u00ad', U'\u0600',
                     U'\u200b', U'\u2028', U'\u3000', U'\uFEFF', U'\uE000', U'\uFFFF',
                     U'\U000E0001', U'\U0010FFFD', char32_t{0x110000}}) {
    EXPECT_FALSE(GoIsPrint(r)) << static_cast<uint32_t>(r);
  }
}

// ---- strutil.Unquote ---------------------------------------------------------------------------

std::string Unquoted(std::string_view quoted) {
  Result<std::string> s = GoUnquote(quoted);
  EXPECT_TRUE(s.ok()) << quoted << ": " << s.status().ToString();
  return s.ok() ? *s : "<error>";
}

TEST(GoUnquote, ResolvesGoEscapes) {
  EXPECT_EQ(Unquoted("\"a\\tb\""), "a\tb");
  EXPECT_EQ(Unquoted("'single \"and\" several runes'"), "single \"and\" several runes");
  EXPECT_EQ(Unquoted("\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\""), "\a\b\f\n\r\t\v\\\"");
  EXPECT_EQ(Unquoted("'\\''"), "'");
  EXPECT_EQ(Unquoted("\"\\x41\\101\\u00e9\\U0001F600\""), "AAé😀");
  EXPECT_EQ(Unquoted("\"\\xff\\377\""), "\xff\xff");  // \x and octal give raw bytes
  EXPECT_EQ(Unquoted("`raw \\n \"kept\"`"), "raw \\n \"kept\"");
  EXPECT_EQ(Unquoted("\"\""), "");
}

TEST(GoUnquote, RefusesMalformedLiterals) {
  for (std::string_view bad : {"", "\"", "\"abc", "abc", "'abc\"", "\"\\q\"", "\"\\\"", "\"\\x4\"",
                               "\"\\xZZ\"", "\"\\400\"", "\"\\ud800\"", "\"\\U00110000\"", "'\\\"'",
                               "\"\\'\"", "\"a\"b\"", "\"a\nb\"", "`a`b`", "|x|"}) {
    Result<std::string> s = GoUnquote(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().message(), "invalid syntax");
  }
}

TEST(GoTrimSpace, TrimsAsciiWhiteSpaceAtBothEnds) {
  EXPECT_EQ(GoTrimSpace(" \t\n\v\f\r a b \r\n"), "a b");
  EXPECT_EQ(GoTrimSpace("   "), "");
  EXPECT_EQ(GoTrimSpace(""), "");
  EXPECT_EQ(GoTrimSpace("x"), "x");
}

}  // namespace
}  // namespace tidemark::util
