// Go's fmt as templates print: printf's verbs, flags, widths and mistakes, and how %v writes
// each kind of value. Each expectation is what Go's fmt writes for the same operands.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "query/rules/go_format.h"
#include "tests/query/rules/template_test.h"

namespace tidemark::rules {
namespace {

using testing::Expand;
using testing::Strings;

std::string Printf(std::string_view format, std::vector<TemplateValue> args) {
  return GoSprintf(format, args);
}

TemplateValue I(int64_t v) { return TemplateValue::Int(v); }
TemplateValue F(double v) { return TemplateValue::Float(v); }
TemplateValue S(std::string v) { return TemplateValue::String(std::move(v)); }

TEST(GoPrintf, Integers) {
  EXPECT_EQ(Printf("%d|%5d|%-5d|%05d|%+d|% d|%x|%X|%#x|%o|%#o|%O|%b|%c|%q|%U|%#U",
                   {I(42), I(42), I(42), I(-42), I(42), I(42), I(255), I(255), I(255), I(8), I(8),
                    I(8), I(5), I(0x41), I(0x41), I(0x41), I(0x41)}),
            "42|   42|42   |-0042|+42| 42|ff|FF|0xff|10|010|0o10|101|A|'A'|U+0041|U+0041 'A'");
  EXPECT_EQ(Printf("%.3d|%8.3d|%.0d|%x", {I(7), I(-7), I(0), I(-255)}), "007|    -007||-ff");
  EXPECT_EQ(Printf("%d", {TemplateValue::Uint(UINT64_MAX)}), "18446744073709551615");
}

TEST(GoPrintf, Floats) {
  EXPECT_EQ(Printf("%f|%.2f|%8.3f|%-8.1f|%08.2f|%+.1f|%e|%.2E|%g|%.3g|%G|%v|%F",
                   {F(3.14159), F(3.14159), F(3.14159), F(2.5), F(-3.5), F(2), F(1234.5678),
                    F(1234.5678), F(1e21), F(1234.5678), F(1e-7), F(0.1), F(1)}),
            "3.141590|3.14|   3.142|2.5     |-0003.50|+2.0|1.234568e+03|1.23E+03|1e+21|1.23e+03|"
            "1E-07|0.1|1.000000");
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(Printf("%f|%.2f|%5.1f|%v|%+v|%08.2f",
                   {F(inf), F(-inf), F(std::nan("")), F(std::nan("")), F(inf), F(inf)}),
            "+Inf|-Inf|  NaN|NaN|+Inf|    +Inf");
  EXPECT_EQ(Printf("%.1f %.0f %.0f %.0f", {F(0.25), F(0.5), F(1.5), F(2.5)}), "0.2 0 2 2");
  EXPECT_EQ(Printf("%v %v %v %v", {F(1e6), F(123456), F(1e-5), F(-0.0)}), "1e+06 123456 1e-05 -0");
  EXPECT_EQ(Printf("%.4g %.4g %.4g %.4g", {F(0), F(120), F(9.2233720368547758e18), F(1.0)}),
            "0 120 9.223e+18 1");
}

TEST(GoPrintf, StringsAndQuoting) {
  EXPECT_EQ(Printf("%s|%10s|%-10s|%.2s|%q|%x|% x|%#x|%X|%05s",
                   {S("hi"), S("hi"), S("hi"), S("héllo"), S("a\"b\n"), S("hi"), S("hi"), S("hi"),
                    S("hi"), S("ab")}),
            "hi|        hi|hi        |hé|\"a\\\"b\\n\"|6869|68 69|0x6869|6869|   ab");
  EXPECT_EQ(Printf("%t %v", {TemplateValue::Bool(true), TemplateValue::Bool(false)}), "true false");
  EXPECT_EQ(Printf("%T %T %T %T", {I(1), F(1), S(""), TemplateValue()}),
            "int float64 string <nil>");
}

TEST(GoPrintf, Mistakes) {
  EXPECT_EQ(Printf("%d", {S("x")}), "%!d(string=x)");
  // The operand of a bad verb prints with the verb's flags: here precision 2.
  EXPECT_EQ(Printf("%.2f", {I(5)}), "%!f(int=05)");
  EXPECT_EQ(Printf("%f", {I(5)}), "%!f(int=5)");
  EXPECT_EQ(Printf("%s", {I(5)}), "%!s(int=5)");
  EXPECT_EQ(Printf("%d %d", {I(1)}), "1 %!d(MISSING)");
  EXPECT_EQ(Printf("%d", {I(1), S("a"), TemplateValue()}), "1%!(EXTRA string=a, <nil>)");
  EXPECT_EQ(Printf("x%", {}), "x%!(NOVERB)");
  EXPECT_EQ(Printf("%d", {TemplateValue()}), "%!d(<nil>)");
  EXPECT_EQ(Printf("100%%", {}), "100%");
  EXPECT_EQ(Printf("%z", {I(1)}), "%!z(int=1)");
}

TEST(GoPrintf, StarsAndArgumentIndexes) {
  EXPECT_EQ(Printf("%*d|%-*d|%.*f", {I(4), I(7), I(4), I(7), I(1), F(2.25)}), "   7|7   |2.2");
  EXPECT_EQ(Printf("%[2]d %[1]d", {I(1), I(2)}), "2 1");
  EXPECT_EQ(Printf("%[3]d", {I(1)}), "%!d(BADINDEX)");
  EXPECT_EQ(Printf("%*d", {S("x"), I(1)}), "%!(BADWIDTH)1");
}

TEST(GoPrintf, CompositeValues) {
  auto map = TemplateValue::StringMap({{"b", "2"}, {"a", "1"}});
  EXPECT_EQ(Printf("%v|%s|%d", {Strings({"a", "b"}), Strings({"x"}), Strings({"x"})}),
            "[a b]|[x]|[%!d(string=x)]");
  EXPECT_EQ(GoFormatValue(map), "map[a:1 b:2]");
  auto sample = TemplateValue::Struct(
      {{"Labels", TemplateValue::StringMap({{"job", "x"}})}, {"Value", F(1.5)}}, "*template.sample",
      true);
  EXPECT_EQ(GoFormatValue(sample), "&{map[job:x] 1.5}");
  EXPECT_EQ(Printf("%+v", {sample}), "&{Labels:map[job:x] Value:1.5}");
  EXPECT_EQ(GoFormatValue(TemplateValue::List({TemplateValue(), I(1), S("s")})), "[<nil> 1 s]");
}

TEST(GoPrint, SpacesBetweenOperandsThatAreNotStrings) {
  EXPECT_EQ(GoSprint({I(1), I(2)}), "1 2");
  EXPECT_EQ(GoSprint({S("a"), I(1), S("b")}), "a1b");
  EXPECT_EQ(GoSprint({F(1.5), TemplateValue::Bool(true)}), "1.5 true");
  EXPECT_EQ(GoSprintln({S("a"), S("b")}), "a b\n");
}

TEST(TemplatePrinting, ValuesPrintAsFmtPrintsThem) {
  EXPECT_EQ(Expand("{{ 1.0 }} {{ 1e6 }} {{ 0.1 }} {{ 100000000.0 }} {{ -0.0 }}"),
            "1 1e+06 0.1 1e+08 -0");
  EXPECT_EQ(Expand("{{ . }}", Strings({"a", "b"})), "[a b]");
  EXPECT_EQ(Expand("{{ printf \"%.2f\" 5 }}"), "%!f(int=05)");
  EXPECT_EQ(Expand("{{ printf \"%.2f\" 5.0 }}"), "5.00");
  EXPECT_EQ(Expand("{{ printf \"%s is %d%%\" \"cpu\" 95 }}"), "cpu is 95%");
  EXPECT_EQ(Expand("{{ args 1 \"a\" }}"), "map[arg0:1 arg1:a]");
}

}  // namespace
}  // namespace tidemark::rules
