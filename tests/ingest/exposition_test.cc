// The exposition parsers against the cases of Prometheus' promparse_test.go and
// openmetricsparse_test.go (valid pages entry by entry, and their invalid inputs), pages in the
// shape node_exporter and python prometheus_client write, and the golden pages of
// docs/format/exposition.md.
#include "ingest/exposition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/ingest/exposition_test_util.h"

namespace tidemark::ingest {
namespace {

using testing::ReadPage;
using Lines = std::vector<std::string>;

constexpr auto kText = ExpositionFormat::kPrometheusText;
constexpr auto kOM = ExpositionFormat::kOpenMetrics;

TEST(ExpositionContentType, NegotiatesAsPrometheus) {
  EXPECT_EQ(*ExpositionFormatForContentType("text/plain; version=0.0.4; charset=utf-8"), kText);
  EXPECT_EQ(*ExpositionFormatForContentType("text/plain;version=1.0.0;escaping=allow-utf-8"),
            kText);
  EXPECT_EQ(
      *ExpositionFormatForContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
      kOM);
  EXPECT_EQ(*ExpositionFormatForContentType("Application/OpenMetrics-Text;charset=utf-8"), kOM);
  EXPECT_EQ(*ExpositionFormatForContentType("TEXT/PLAIN"), kText);
  auto json = ExpositionFormatForContentType("application/json");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(json.status().message().find("\"application/json\""), std::string::npos);
  auto proto = ExpositionFormatForContentType(
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily");
  EXPECT_FALSE(proto.ok());
  auto empty = ExpositionFormatForContentType("");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("no Content-Type"), std::string::npos);
}

// promparse_test.go TestPromParse, entry by entry.
TEST(PromTextParser, ReadsPrometheusTestPage) {
  std::string page = R"(# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# 	TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.25",} 7.424100000000001e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
go_gc_duration_seconds{quantile="0.8", a="b"} 8.3835e-05
go_gc_duration_seconds{ quantile="0.9", a="b"} 8.3835e-05
# HELP prometheus_http_request_duration_seconds Histogram of latencies for HTTP requests.
# TYPE prometheus_http_request_duration_seconds histogram
prometheus_http_request_duration_seconds_bucket{handler="/",le="1"} 1
prometheus_http_request_duration_seconds_bucket{handler="/",le="+Inf"} 1
prometheus_http_request_duration_seconds_sum{handler="/"} 0.022
# Hrandom comment starting with prefix of HELP
#
wind_speed{A="2",c="3"} 12345
# comment with escaped \n newline
# HELP nohelp1
# HELP nohelp2 
go_gc_duration_seconds{ quantile="1.0", a="b" } 8.3835e-05
go_gc_duration_seconds { quantile = "1.0", a = "b" } 8.3835e-05
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"}	1
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 33  	123123

_metric_starting_with_underscore 1
testmetric{_label_starting_with_underscore="foo"} 1
testmetric{label="\"bar\""} 1
testmetric{le="10"} 1
# HELP metric foo)";
  page +=
      std::string("\x00", 1) + "bar\nnull_byte_metric{a=\"abc" + std::string("\x00", 1) + "\"} 1";
  const Lines want = {
      R"(HELP go_gc_duration_seconds "A summary of the GC invocation durations.")",
      "TYPE go_gc_duration_seconds summary",
      R"(SERIES go_gc_duration_seconds{quantile="0"} {__name__="go_gc_duration_seconds", quantile="0.0"} 4.9351e-05)",
      R"(SERIES go_gc_duration_seconds{quantile="0.25",} {__name__="go_gc_duration_seconds", quantile="0.25"} 7.424100000000001e-05)",
      R"(SERIES go_gc_duration_seconds{quantile="0.5",a="b"} {__name__="go_gc_duration_seconds", a="b", quantile="0.5"} 8.3835e-05)",
      R"(SERIES go_gc_duration_seconds{quantile="0.8", a="b"} {__name__="go_gc_duration_seconds", a="b", quantile="0.8"} 8.3835e-05)",
      R"(SERIES go_gc_duration_seconds{ quantile="0.9", a="b"} {__name__="go_gc_duration_seconds", a="b", quantile="0.9"} 8.3835e-05)",
      R"(HELP prometheus_http_request_duration_seconds "Histogram of latencies for HTTP requests.")",
      "TYPE prometheus_http_request_duration_seconds histogram",
      R"(SERIES prometheus_http_request_duration_seconds_bucket{handler="/",le="1"} {__name__="prometheus_http_request_duration_seconds_bucket", handler="/", le="1.0"} 1)",
      R"(SERIES prometheus_http_request_duration_seconds_bucket{handler="/",le="+Inf"} {__name__="prometheus_http_request_duration_seconds_bucket", handler="/", le="+Inf"} 1)",
      R"(SERIES prometheus_http_request_duration_seconds_sum{handler="/"} {__name__="prometheus_http_request_duration_seconds_sum", handler="/"} 0.022)",
      "COMMENT # Hrandom comment starting with prefix of HELP",
      "COMMENT #",
      R"(SERIES wind_speed{A="2",c="3"} {A="2", __name__="wind_speed", c="3"} 12345)",
      R"(COMMENT # comment with escaped \n newline)",
      R"(HELP nohelp1 "")",
      R"(HELP nohelp2 "")",
      R"(SERIES go_gc_duration_seconds{ quantile="1.0", a="b" } {__name__="go_gc_duration_seconds", a="b", quantile="1.0"} 8.3835e-05)",
      R"(SERIES go_gc_duration_seconds { quantile = "1.0", a = "b" } {__name__="go_gc_duration_seconds", a="b", quantile="1.0"} 8.3835e-05)",
      R"(SERIES go_gc_duration_seconds_count {__name__="go_gc_duration_seconds_count"} 99)",
      R"(SERIES some:aggregate:rate5m{a_b="c"} {__name__="some:aggregate:rate5m", a_b="c"} 1)",
      R"(HELP go_goroutines "Number of goroutines that currently exist.")",
      "TYPE go_goroutines gauge",
      R"(SERIES go_goroutines {__name__="go_goroutines"} 33 @123123)",
      R"(SERIES _metric_starting_with_underscore {__name__="_metric_starting_with_underscore"} 1)",
      R"(SERIES testmetric{_label_starting_with_underscore="foo"} {__name__="testmetric", _label_starting_with_underscore="foo"} 1)",
      R"(SERIES testmetric{label="\"bar\""} {__name__="testmetric", label="\"bar\""} 1)",
      R"(SERIES testmetric{le="10"} {__name__="testmetric", le="10"} 1)",
      R"(HELP metric "foo\x00bar")",
      R"(SERIES null_byte_metric{a="abc)" + std::string("\x00", 1) +
          R"("} {__name__="null_byte_metric", a="abc\x00"} 1)",
  };
  EXPECT_EQ(ReadPage(kText, page), want);
}

// promparse_test.go TestUTF8PromParse: quoted names inside and before the braces.
TEST(PromTextParser, ReadsQuotedUtf8Names) {
  const std::string page =
      "# HELP \"go.gc_duration_seconds\" A summary of the GC invocation durations.\n"
      "# TYPE \"go.gc_duration_seconds\" summary\n"
      "{\"go.gc_duration_seconds\",quantile=\"0\"} 4.9351e-05\n"
      "{\"go.gc_duration_seconds\",quantile=\"0.25\",} 7.424100000000001e-05\n"
      "{\"go.gc_duration_seconds\", quantile=\"0.9\", a=\"b\"} 8.3835e-05\n"
      "{ \"go.gc_duration_seconds\", quantile= \"1.0\", a= \"b\", } 8.3835e-05\n"
      "{\"go.gc_duration_seconds_count\"} 99\n"
      "{\"Heiz\xc3\xb6l 10\xe2\x82\xac metric with \\\"interesting\\\" {character\\nchoices}\","
      "\"strange\xc2\xa9\\n'quoted' \\\"name\\\"\"=\"6\"} 10.0\n"
      "{q=\"0.9\",\"http.status\",a=\"b\"} 1\n"
      "\"my.metric\"{\"label.x\"=\"v\"} 2\n";
  const Lines want = {
      R"(HELP go.gc_duration_seconds "A summary of the GC invocation durations.")",
      "TYPE go.gc_duration_seconds summary",
      R"(SERIES {"go.gc_duration_seconds",quantile="0"} {__name__="go.gc_duration_seconds", quantile="0.0"} 4.9351e-05)",
      R"(SERIES {"go.gc_duration_seconds",quantile="0.25",} {__name__="go.gc_duration_seconds", quantile="0.25"} 7.424100000000001e-05)",
      R"(SERIES {"go.gc_duration_seconds", quantile="0.9", a="b"} {__name__="go.gc_duration_seconds", a="b", quantile="0.9"} 8.3835e-05)",
      R"(SERIES { "go.gc_duration_seconds", quantile= "1.0", a= "b", } {__name__="go.gc_duration_seconds", a="b", quantile="1.0"} 8.3835e-05)",
      R"(SERIES {"go.gc_duration_seconds_count"} {__name__="go.gc_duration_seconds_count"} 99)",
      "SERIES {\"Heiz\xc3\xb6l 10\xe2\x82\xac metric with \\\"interesting\\\" "
      "{character\\nchoices}\",\"strange\xc2\xa9\\n'quoted' \\\"name\\\"\"=\"6\"} "
      "{__name__=\"Heiz\xc3\xb6l 10\xe2\x82\xac metric with \\\"interesting\\\" "
      "{character\\nchoices}\", strange\xc2\xa9\n'quoted' \"name\"=\"6\"} 10",
      R"(SERIES {q="0.9","http.status",a="b"} {__name__="http.status", a="b", q="0.9"} 1)",
      R"(SERIES "my.metric"{"label.x"="v"} {__name__="my.metric", label.x="v"} 2)",
  };
  EXPECT_EQ(ReadPage(kText, page), want);
}

TEST(PromTextParser, ResolvesEscapesAsPrometheus) {
  const std::string page =
      "# HELP m help \\\\ \\n \\\" \\q end\n"
      "m{a=\"x\\\\y\",b=\"1\\n2\",c=\"q\\\"q\",d=\"keep \\q\"} 1\n";
  const Lines want = {
      R"(HELP m "help \\ \n \\\" \\q end")",
      R"(SERIES m{a="x\\y",b="1\n2",c="q\"q",d="keep \q"} {__name__="m", a="x\\y", b="1\n2", c="q\"q", d="keep \\q"} 1)",
  };
  EXPECT_EQ(ReadPage(kText, page), want);
}

TEST(PromTextParser, ReadsValueSpellingsAsGo) {
  struct Case {
    const char* value;
    double want;
  };
  const Case cases[] = {
      {"1", 1},
      {"-1.5", -1.5},
      {"+2", 2},
      {".5", 0.5},
      {"5.", 5},
      {"1e3", 1000},
      {"1E-2", 0.01},
      {"+Inf", INFINITY},
      {"-inf", -INFINITY},
      {"Inf", INFINITY},
      {"infinity", INFINITY},
      {"-Infinity", -INFINITY},
      {"1e-400", 0},
      {"007", 7},
      {"4.9351e-05", 4.9351e-05},
  };
  for (const Case& c : cases) {
    ExpositionParser p(kText, std::string("m ") + c.value + "\n");
    auto e = p.Next();
    ASSERT_TRUE(e.ok()) << c.value << ": " << e.status().ToString();
    EXPECT_EQ(p.value(), c.want) << c.value;
  }
  for (const char* nan : {"NaN", "nan", "NAN"}) {
    ExpositionParser p(kText, std::string("m ") + nan);
    ASSERT_TRUE(p.Next().ok()) << nan;
    uint64_t bits;
    const double v = p.value();
    std::memcpy(&bits, &v, sizeof bits);
    EXPECT_EQ(bits, 0x7ff8000000000001ULL) << "Prometheus' normal NaN, never the stale marker";
  }
  for (const char* bad : {"true", "1_000", "0x1p-3", "0x10", "1e400", "-1e400", "+NaN", "-nan",
                          "infin", "1e", "e1", ".", "+", "1.2.3", "--1", "1e+"}) {
    auto lines = ReadPage(kText, std::string("m ") + bad + "\n");
    ASSERT_EQ(lines.size(), 1u) << bad;
    EXPECT_EQ(lines[0].rfind("ERROR line 1: invalid value", 0), 0u) << bad << ": " << lines[0];
  }
}

TEST(PromTextParser, ReadsIntegerMillisecondTimestamps) {
  EXPECT_EQ(
      ReadPage(kText, "a 1 1520879607789\nb 2 0 \n"),
      (Lines{R"(SERIES a {__name__="a"} 1 @1520879607789)", R"(SERIES b {__name__="b"} 2 @0)"}));
  EXPECT_EQ(ReadPage(kText, "a 1 1.5\n"),
            Lines{"ERROR line 1: expected the end of the line after the timestamp, got \".5\""});
  EXPECT_EQ(ReadPage(kText, "a 1 -5\n"),
            Lines{"ERROR line 1: expected a timestamp (integer ms) or the end of the line after "
                  "the value, got \"-5\""});
  EXPECT_EQ(ReadPage(kText, "a 1 99999999999999999999\n"),
            Lines{"ERROR line 1: timestamp 99999999999999999999 is out of range"});
}

TEST(PromTextParser, AcceptsTrailingLineWithoutNewlineAndBlankLines) {
  EXPECT_EQ(ReadPage(kText, "\n\n  \t\na 1\n\nb 2"),
            (Lines{R"(SERIES a {__name__="a"} 1)", R"(SERIES b {__name__="b"} 2)"}));
  EXPECT_EQ(ReadPage(kText, ""), Lines{});
  EXPECT_EQ(ReadPage(kText, "# only a comment"), Lines{"COMMENT # only a comment"});
}

TEST(PromTextParser, RefusesCarriageReturnsAsPrometheusDoes) {
  // Prometheus gives \r no meaning: it is part of the value token, so CRLF sample lines fail.
  EXPECT_EQ(ReadPage(kText, "# comment\r\na 1\r\n"),
            (Lines{"COMMENT # comment\r",
                   "ERROR line 2: invalid value \"1\\r\" after the series: not a number"}));
}

TEST(PromTextParser, ReadsLabelValueSpanningLines) {
  // promlex allows a raw newline inside a label value; line numbers keep counting.
  EXPECT_EQ(ReadPage(kText, "a{b=\"x\ny\"} 1\nc 1 z\n"),
            (Lines{"SERIES a{b=\"x\ny\"} {__name__=\"a\", b=\"x\\ny\"} 1",
                   "ERROR line 3: expected a timestamp (integer ms) or the end of the line after "
                   "the value, got \"z\""}));
}

TEST(PromTextParser, ReportsTheLineOfTheEntry) {
  ExpositionParser p(kText, "# HELP a x\n\n# TYPE a gauge\na 1\n");
  std::vector<int> lines;
  for (;;) {
    auto e = p.Next();
    ASSERT_TRUE(e.ok());
    if (*e == ExpositionEntry::kEnd) break;
    lines.push_back(p.line());
  }
  EXPECT_EQ(lines, (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(*p.Next(), ExpositionEntry::kEnd) << "kEnd repeats";
}

// promparse_test.go TestPromParseErrors and TestPromNullByteHandling, plus tidemark's own: each
// must fail, naming its line.
TEST(PromTextParser, RefusesPrometheusInvalidInputs) {
  struct Case {
    std::string input;
    std::string error;
  };
  const std::string nul("\x00", 1);
  const Case cases[] = {
      {"a", "line 1: expected a value after the series, got the end of the page"},
      {"a{b='c'} 1\n", "line 1: expected a quoted label value after \"b\"=, got \"'c'} 1\""},
      {"a{b=\n", "line 1: expected a quoted label value after \"b\"=, got the end of the line"},
      {"a{\xff=\"foo\"} 1\n", "line 1: expected a label name or `}`, got \"\\xff=\\\"foo\\\"} 1\""},
      {"a{b=\"\xff\"} 1\n", "line 1: invalid UTF-8 in label value \"\\xff\""},
      {R"({"a", "b = "c"})", "line 1: expected `=` after label name \"b = \", got \"c\\\"}\""},
      {R"({"a",b\nc="d"} 1)",
       "line 1: expected `=` after label name \"b\", got \"\\\\nc=\\\"d\\\"} 1\""},
      {"a true\n", "line 1: invalid value \"true\" after the series: not a number"},
      {"something_weird{problem=\"",
       "line 1: unterminated label value: the page ends inside the quotes"},
      {"empty_label_name{=\"\"} 0", "line 1: expected a label name or `}`, got \"=\\\"\\\"} 0\""},
      {"foo 1_2\n",
       "line 1: invalid value \"1_2\" after the series: hexadecimal floats and '_' are not "
       "allowed"},
      {"foo 0x1p-3\n",
       "line 1: invalid value \"0x1p-3\" after the series: hexadecimal floats and '_' are not "
       "allowed"},
      {"foo 0x1P-3\n",
       "line 1: invalid value \"0x1P-3\" after the series: hexadecimal floats and '_' are not "
       "allowed"},
      {"foo 0 1_2\n", "line 1: expected the end of the line after the timestamp, got \"_2\""},
      {R"({a="ok"} 1)",
       "line 1: metric name not set: the series needs a name before `{` or a quoted one inside it"},
      {"# TYPE #\n", "line 1: expected a metric name after TYPE, got \"#\""},
      {"# HELP #\n", "line 1: expected a metric name after HELP, got \"#\""},
      {"a{b=" + nul + "\"ssss\"} 1\n",
       "line 1: expected a quoted label value after \"b\"=, got \"\\x00\\\"ssss\\\"} 1\""},
      {"a{b=\"" + nul, "line 1: unterminated label value: the page ends inside the quotes"},
      {"a{b" + nul + "=\"hiih\"}\t1",
       "line 1: expected `=` after label name \"b\", got \"\\x00=\\\"hiih\\\"}\\t1\""},
      {"a" + nul + "{b=\"ddd\"} 1",
       "line 1: expected a value after the series, got \"\\x00{b=\\\"ddd\\\"} 1\""},
      {"a 0 1" + nul, "line 1: expected the end of the line after the timestamp, got \"\\x00\""},
      // tidemark's own.
      {"ok 1\n# TYPE x unknown\n",
       "line 2: invalid metric type \"unknown\" (want counter, gauge, histogram, summary or "
       "untyped)"},
      {"# TYPE x counter \n",
       "line 1: invalid metric type \"counter \" (want counter, gauge, histogram, summary or "
       "untyped)"},
      {"# TYPE m\n",
       "line 1: invalid metric type \"\" (want counter, gauge, histogram, summary or untyped)"},
      {"# HELP \n", "line 1: expected a metric name after HELP, got the end of the line"},
      {"# HELP m \xff\n", "line 1: help text is not valid UTF-8"},
      {"a{\"x\"} 1", "line 1: metric name already set: \"x\" would be a second one"},
      {"{\"x\",\"y\"} 1", "line 1: metric name already set: \"y\" would be a second one"},
      {"a{b=\"c\",,d=\"e\"} 1", "line 1: expected a label name or `}`, got \",d=\\\"e\\\"} 1\""},
      {"a{b=\"c\"\n", "line 1: expected a label name or `}`, got the end of the line"},
      {"a{b=\"c\"} \n", "line 1: expected a value after the series, got the end of the line"},
      {"a 1 2 3\n", "line 1: expected the end of the line after the timestamp, got \"3\""},
      {"ok 1\n9 1\n",
       "line 2: expected a metric name, `{` or `#` at the start of a line, got \"9 1\""},
      {"a{b=\"c\\\n\"} 1",
       "line 1: a backslash in a label value must escape a character on the same line"},
      {"a 1{\n",
       "line 1: expected a timestamp (integer ms) or the end of the line after the value, got "
       "\"{\""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ReadPage(kText, c.input).back(), "ERROR " + c.error) << c.input;
  }
}

// Fuzz finding: an empty HELP text (a null view) was searched with memchr.
TEST(PromTextParser, HelpWithoutText) {
  EXPECT_EQ(ReadPage(kText, "# HELP a\n# HELP b \n# HELP c\n# HELP"),
            (Lines{R"(HELP a "")", R"(HELP b "")", R"(HELP c "")", "COMMENT # HELP"}));
}

TEST(PromTextParser, NulBytesWhereAllowed) {
  const std::string nul("\x00", 1);
  for (const std::string& ok : {"null_byte_metric{a=\"abc" + nul + "\"} 1",
                                "a{b=\"" + nul + "ss\"} 1\n", "a{b=\"" + nul + "\"} 1\n"}) {
    auto lines = ReadPage(kText, ok);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind("SERIES", 0), 0u) << lines[0];
  }
  // As in promlex, a NUL byte where a line starts ends the page.
  EXPECT_EQ(ReadPage(kText, "a 1\n" + nul + "garbage"), Lines{R"(SERIES a {__name__="a"} 1)"});
}

TEST(PromTextParser, ExemplarsAreOnlyOpenMetrics) {
  EXPECT_EQ(ReadPage(kText, "a_total 1 # {id=\"x\"} 1\n").back(),
            "ERROR line 1: expected a timestamp (integer ms) or the end of the line after the "
            "value, got \"# {id=\\\"x\\\"} 1\"");
}

// openmetricsparse_test.go TestOpenMetricsParse (without the created-timestamp expectations:
// `_created` series are ordinary series here).
TEST(OpenMetricsParser, ReadsPrometheusTestPage) {
  std::string page = R"(# HELP go_gc_duration_seconds A summary of the GC invocation durations.
# TYPE go_gc_duration_seconds summary
# UNIT go_gc_duration_seconds seconds
go_gc_duration_seconds{quantile="0"} 4.9351e-05
go_gc_duration_seconds{quantile="0.5",a="b"} 8.3835e-05
# HELP nohelp1 
# HELP help2 escape \ \n \\ \" \x chars
# UNIT nounit 
go_gc_duration_seconds_count 99
some:aggregate:rate5m{a_b="c"} 1
# TYPE go_goroutines gauge
go_goroutines 33 123.123
# TYPE hh histogram
hh_bucket{le="+Inf"} 1
# TYPE gh gaugehistogram
gh_bucket{le="+Inf"} 1
# TYPE hhh histogram
hhh_bucket{le="+Inf"} 1 # {id="histogram-bucket-test"} 4
hhh_count 1 # {id="histogram-count-test"} 4
# TYPE ggh gaugehistogram
ggh_bucket{le="+Inf"} 1 # {id="gaugehistogram-bucket-test",xx="yy"} 4 123.123
# TYPE smr_seconds summary
smr_seconds_count 2.0 # {id="summary-count-test"} 1 123.321
# TYPE ii info
ii{foo="bar"} 1
# TYPE ss stateset
ss{ss="foo"} 1
ss{A="a"} 0
# TYPE un unknown
_metric_starting_with_underscore 1
testmetric{label="\"bar\""} 1
# TYPE foo counter
foo_total 17.0 1520879607.789 # {id="counter-test"} 5
foo_created 1520872607.123
foo_total{a="b"} 17.0 1520879607.789 # {id="counter-test"} 5
# TYPE baz histogram
baz_bucket{le="0.0"} 0
baz_bucket{le="1"} 2
# HELP metric foo)";
  page += std::string("\x00", 1) + "bar\nnull_byte_metric{a=\"abc" + std::string("\x00", 1) +
          "\"} 1\n# EOF\n";
  const Lines want = {
      R"(HELP go_gc_duration_seconds "A summary of the GC invocation durations.")",
      "TYPE go_gc_duration_seconds summary",
      "UNIT go_gc_duration_seconds seconds",
      R"(SERIES go_gc_duration_seconds{quantile="0"} {__name__="go_gc_duration_seconds", quantile="0.0"} 4.9351e-05)",
      R"(SERIES go_gc_duration_seconds{quantile="0.5",a="b"} {__name__="go_gc_duration_seconds", a="b", quantile="0.5"} 8.3835e-05)",
      R"(HELP nohelp1 "")",
      R"(HELP help2 "escape \\ \n \\ \" \\x chars")",
      "UNIT nounit ",
      R"(SERIES go_gc_duration_seconds_count {__name__="go_gc_duration_seconds_count"} 99)",
      R"(SERIES some:aggregate:rate5m{a_b="c"} {__name__="some:aggregate:rate5m", a_b="c"} 1)",
      "TYPE go_goroutines gauge",
      R"(SERIES go_goroutines {__name__="go_goroutines"} 33 @123123)",
      "TYPE hh histogram",
      R"(SERIES hh_bucket{le="+Inf"} {__name__="hh_bucket", le="+Inf"} 1)",
      "TYPE gh gaugehistogram",
      R"(SERIES gh_bucket{le="+Inf"} {__name__="gh_bucket", le="+Inf"} 1)",
      "TYPE hhh histogram",
      R"(SERIES hhh_bucket{le="+Inf"} {__name__="hhh_bucket", le="+Inf"} 1 # {id="histogram-bucket-test"} 4)",
      R"(SERIES hhh_count {__name__="hhh_count"} 1 # {id="histogram-count-test"} 4)",
      "TYPE ggh gaugehistogram",
      R"(SERIES ggh_bucket{le="+Inf"} {__name__="ggh_bucket", le="+Inf"} 1 # {id="gaugehistogram-bucket-test", xx="yy"} 4 @123123)",
      "TYPE smr_seconds summary",
      R"(SERIES smr_seconds_count {__name__="smr_seconds_count"} 2 # {id="summary-count-test"} 1 @123321)",
      "TYPE ii info",
      R"(SERIES ii{foo="bar"} {__name__="ii", foo="bar"} 1)",
      "TYPE ss stateset",
      R"(SERIES ss{ss="foo"} {__name__="ss", ss="foo"} 1)",
      R"(SERIES ss{A="a"} {A="a", __name__="ss"} 0)",
      "TYPE un unknown",
      R"(SERIES _metric_starting_with_underscore {__name__="_metric_starting_with_underscore"} 1)",
      R"(SERIES testmetric{label="\"bar\""} {__name__="testmetric", label="\"bar\""} 1)",
      "TYPE foo counter",
      R"(SERIES foo_total {__name__="foo_total"} 17 @1520879607789 # {id="counter-test"} 5)",
      R"(SERIES foo_created {__name__="foo_created"} 1.520872607123e+09)",
      R"(SERIES foo_total{a="b"} {__name__="foo_total", a="b"} 17 @1520879607789 # {id="counter-test"} 5)",
      "TYPE baz histogram",
      R"(SERIES baz_bucket{le="0.0"} {__name__="baz_bucket", le="0.0"} 0)",
      R"(SERIES baz_bucket{le="1"} {__name__="baz_bucket", le="1.0"} 2)",
      R"(HELP metric "foo\x00bar")",
      R"(SERIES null_byte_metric{a="abc)" + std::string("\x00", 1) +
          R"("} {__name__="null_byte_metric", a="abc\x00"} 1)",
  };
  EXPECT_EQ(ReadPage(kOM, page), want);
}

// openmetricsparse_test.go TestUTF8OpenMetricsParse.
TEST(OpenMetricsParser, ReadsQuotedUtf8Names) {
  const std::string page =
      "# HELP \"go.gc_duration_seconds\" A summary of the GC invocation durations.\n"
      "# TYPE \"go.gc_duration_seconds\" summary\n"
      "# UNIT \"go.gc_duration_seconds\" seconds\n"
      "{\"go.gc_duration_seconds\",quantile=\"0\"} 4.9351e-05\n"
      "{q=\"0.9\",\"http.status\",a=\"b\"} 8.3835e-05\n"
      "{\"go.gc_duration_seconds_sum\"} 0.004304266\n"
      "quotedexemplar_count 1 # {\"id.thing\"=\"histogram-count-test\",other=\"hello\"} 4\n"
      "# EOF\n";
  const Lines want = {
      R"(HELP go.gc_duration_seconds "A summary of the GC invocation durations.")",
      "TYPE go.gc_duration_seconds summary",
      "UNIT go.gc_duration_seconds seconds",
      R"(SERIES {"go.gc_duration_seconds",quantile="0"} {__name__="go.gc_duration_seconds", quantile="0.0"} 4.9351e-05)",
      R"(SERIES {q="0.9","http.status",a="b"} {__name__="http.status", a="b", q="0.9"} 8.3835e-05)",
      R"(SERIES {"go.gc_duration_seconds_sum"} {__name__="go.gc_duration_seconds_sum"} 0.004304266)",
      R"(SERIES quotedexemplar_count {__name__="quotedexemplar_count"} 1 # {id.thing="histogram-count-test", other="hello"} 4)",
  };
  EXPECT_EQ(ReadPage(kOM, page), want);
}

TEST(OpenMetricsParser, EndsAtEofWithOrWithoutNewline) {
  EXPECT_EQ(ReadPage(kOM, "# EOF"), Lines{});
  EXPECT_EQ(ReadPage(kOM, "# EOF\n"), Lines{});
  EXPECT_EQ(ReadPage(kOM, "a 1\n# EOF"), Lines{R"(SERIES a {__name__="a"} 1)"});
}

TEST(OpenMetricsParser, ConvertsFloatSecondTimestamps) {
  EXPECT_EQ(
      ReadPage(kOM, "a 1 1520879607.789\nb 1 -1.5\nc 1 1e3\nd 1 0.0009\n# EOF\n"),
      (Lines{R"(SERIES a {__name__="a"} 1 @1520879607789)", R"(SERIES b {__name__="b"} 1 @-1500)",
             R"(SERIES c {__name__="c"} 1 @1000000)", R"(SERIES d {__name__="d"} 1 @0)"}));
}

TEST(OpenMetricsParser, ExemplarLabelSetOverLimitIsDropped) {
  const std::string ok(126, 'x');  // "id" + 126 = 128 runes: at the limit
  const std::string long_value(127, 'x');
  auto lines = ReadPage(
      kOM, "a_total 1 # {id=\"" + ok + "\"} 1\nb_total 2 # {id=\"" + long_value + "\"} 1\n# EOF\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" # {id="), std::string::npos);
  EXPECT_EQ(lines[1], R"(SERIES b_total {__name__="b_total"} 2)") << "sample kept, exemplar not";
}

// openmetricsparse_test.go TestOpenMetricsParseErrors and TestOMNullByteHandling, plus tidemark's
// own: each must fail, naming its line.
TEST(OpenMetricsParser, RefusesPrometheusInvalidInputs) {
  struct Case {
    std::string input;
    std::string error;
  };
  const std::string nul("\x00", 1);
  const std::string kTypes =
      " (want counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown)";
  const std::string kNotComment =
      "expected `# HELP`, `# TYPE`, `# UNIT` or `# EOF` (OpenMetrics has no other comments), got ";
  const Case cases[] = {
      {"", "line 1: the page does not end with `# EOF`"},
      {"\n", "line 1: blank lines are not allowed in OpenMetrics"},
      {"metric",
       "line 1: expected one space and a value after the series, got the end of the page"},
      {"metric 1", "line 1: the page does not end with `# EOF`"},
      {"metric 1\n", "line 2: the page does not end with `# EOF`"},
      {"metric_total 1 # {aa=\"bb\"} 4", "line 1: the page does not end with `# EOF`"},
      {"a\n#EOF\n",
       "line 1: expected one space and a value after the series, got the end of the line"},
      {"\n\n#EOF\n", "line 1: blank lines are not allowed in OpenMetrics"},
      {" a 1\n#EOF\n",
       "line 1: expected a metric name, `{` or `#` at the start of a line, got \" a 1\""},
      {"9\n#EOF\n", "line 1: expected a metric name, `{` or `#` at the start of a line, got \"9\""},
      {"# TYPE u untyped\n#EOF\n", "line 1: invalid metric type \"untyped\"" + kTypes},
      {"# TYPE c counter \n#EOF\n", "line 1: invalid metric type \"counter \"" + kTypes},
      {"#  TYPE c counter\n#EOF\n", "line 1: " + kNotComment + "\"#  TYPE c counte\""},
      {"# TYPE \n#EOF\n", "line 1: expected a metric name after TYPE, got the end of the line"},
      {"# TYPE m\n#EOF\n",
       "line 1: expected a space and the text of TYPE after the name, got the end of the line"},
      {"# UNIT metric suffix\n#EOF\n",
       "line 1: unit \"suffix\" is not a suffix of metric \"metric\" (want a name ending in "
       "_suffix)"},
      {"# UNIT metricsuffix suffix\n#EOF\n",
       "line 1: unit \"suffix\" is not a suffix of metric \"metricsuffix\" (want a name ending in "
       "_suffix)"},
      {"# UNIT m suffix\n#EOF\n",
       "line 1: unit \"suffix\" is not a suffix of metric \"m\" (want a name ending in _suffix)"},
      {"# UNIT \n#EOF\n", "line 1: expected a metric name after UNIT, got the end of the line"},
      {"# UNIT m\n#EOF\n",
       "line 1: expected a space and the text of UNIT after the name, got the end of the line"},
      {"# HELP \n#EOF\n", "line 1: expected a metric name after HELP, got the end of the line"},
      {"# HELP m\n#EOF\n",
       "line 1: expected a space and the text of HELP after the name, got the end of the line"},
      {"a\t1\n#EOF\n", "line 1: expected one space and a value after the series, got \"\\t1\""},
      {"a 1\t2\n#EOF\n", "line 1: invalid value \"1\\t2\" after the series: not a number"},
      {"a 1 2 \n#EOF\n",
       "line 1: expected the end of the line or an exemplar after the timestamp, got \" \""},
      {"a 1 2 #\n#EOF\n",
       "line 1: expected the end of the line or an exemplar after the timestamp, got \" #\""},
      {"a 1 1z\n#EOF\n", "line 1: invalid timestamp \"1z\": not a number"},
      {" # EOF\n",
       "line 1: expected a metric name, `{` or `#` at the start of a line, got \" # EOF\""},
      {"# EOF\na 1", "line 2: unexpected data after `# EOF`"},
      {"# EOF\n\n", "line 2: unexpected data after `# EOF`"},
      {"# EOFa 1", "line 1: unexpected data after `# EOF`"},
      {"#\tTYPE c counter\n", "line 1: " + kNotComment + "\"#\\tTYPE c counter\""},
      {"# TYPE c  counter\n", "line 1: invalid metric type \" counter\"" + kTypes},
      {"a 1 1 1\n# EOF\n",
       "line 1: expected the end of the line or an exemplar after the timestamp, got \" 1\""},
      {"a{b='c'} 1\n# EOF\n", "line 1: expected a quoted label value after \"b\"=, got \"'c'} 1\""},
      {"a{,b=\"c\"} 1\n# EOF\n", "line 1: expected a label name or `}`, got \",b=\\\"c\\\"} 1\""},
      {"a{b=\"c\"d=\"e\"} 1\n# EOF\n",
       "line 1: expected `,` or `}` after a label value, got \"d=\\\"e\\\"} 1\""},
      {"a{b=\"c\",,d=\"e\"} 1\n# EOF\n",
       "line 1: expected a label name or `}`, got \",d=\\\"e\\\"} 1\""},
      {"a{b=\n# EOF\n",
       "line 1: expected a quoted label value after \"b\"=, got the end of the line"},
      {"a{\xff=\"foo\"} 1\n# EOF\n",
       "line 1: expected a label name or `}`, got \"\\xff=\\\"foo\\\"} 1\""},
      {"a{b=\"\xff\"} 1\n# EOF\n", "line 1: invalid UTF-8 in label value \"\\xff\""},
      {"{\"a\",\"b = \"c\"}\n# EOF\n",
       "line 1: expected `=` after label name \"b = \", got \"c\\\"}\""},
      {"{\"a\",b\\nc=\"d\"} 1\n# EOF\n",
       "line 1: expected `=` after label name \"b\", got \"\\\\nc=\\\"d\\\"} 1\""},
      {"a true\n", "line 1: invalid value \"true\" after the series: not a number"},
      {"something_weird{problem=\"\n# EOF\n",
       "line 1: unterminated label value: the line ends inside the quotes"},
      {"empty_label_name{=\"\"} 0\n# EOF\n",
       "line 1: expected a label name or `}`, got \"=\\\"\\\"} 0\""},
      {"foo 1_2\n\n# EOF\n",
       "line 1: invalid value \"1_2\" after the series: hexadecimal floats and '_' are not "
       "allowed"},
      {"foo 0x1p-3\n\n# EOF\n",
       "line 1: invalid value \"0x1p-3\" after the series: hexadecimal floats and '_' are not "
       "allowed"},
      {"foo 0 1_2\n\n# EOF\n",
       "line 1: invalid timestamp \"1_2\": hexadecimal floats and '_' are not allowed"},
      {"custom_metric_total 1 # {aa=bb}\n# EOF\n",
       "line 1: expected a quoted label value after \"aa\"=, got \"bb}\""},
      {"custom_metric_total 1 # {aa=\"bb\"}\n# EOF\n",
       "line 1: expected one space and a value after the exemplar's labels, got the end of the "
       "line"},
      {"custom_metric_total 1 # {aa=\"bb\"}",
       "line 1: expected one space and a value after the exemplar's labels, got the end of the "
       "page"},
      {"custom_metric_total 1 # {bb}", "line 1: expected `=` after label name \"bb\", got \"}\""},
      {"custom_metric_total 1 # {bb, a=\"dd\"}",
       "line 1: expected `=` after label name \"bb\", got \", a=\\\"dd\\\"}\""},
      {"custom_metric_total 1 # {aa=\"bb\",,cc=\"dd\"} 1",
       "line 1: expected a label name or `}` in the exemplar, got \",cc=\\\"dd\\\"} 1\""},
      {"custom_metric_total 1 # {aa=\"bb\"} 1_2",
       "line 1: invalid value \"1_2\" after the exemplar's labels: hexadecimal floats and '_' are "
       "not allowed"},
      {"custom_metric_total 1 # {aa=\"bb\"} 0x1p-3",
       "line 1: invalid value \"0x1p-3\" after the exemplar's labels: hexadecimal floats and '_' "
       "are not allowed"},
      {"custom_metric_total 1 # {aa=\"bb\"} true",
       "line 1: invalid value \"true\" after the exemplar's labels: not a number"},
      {"custom_metric_total 1 # {aa=\"bb\",cc=}",
       "line 1: expected a quoted label value after \"cc\"=, got \"}\""},
      {"custom_metric_total 1 # {aa=\\\"\xff\\\"} 9.0",
       "line 1: expected a quoted label value after \"aa\"=, got \"\\\\\\\"\\xff\\\\\\\"} 9.0\""},
      {"{b=\"c\",} 1",
       "line 1: metric name not set: the series needs a name before `{` or a quoted one inside it"},
      {"a 1 NaN", "line 1: invalid timestamp NaN: not a finite number"},
      {"a 1 -Inf", "line 1: invalid timestamp -Inf: not a finite number"},
      {"a 1 Inf", "line 1: invalid timestamp Inf: not a finite number"},
      {"# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 NaN",
       "line 2: invalid exemplar timestamp NaN: not a finite number"},
      {"# TYPE hhh histogram\nhhh_bucket{le=\"+Inf\"} 1 # {aa=\"bb\"} 4 -Inf",
       "line 2: invalid exemplar timestamp -Inf: not a finite number"},
      {"a{b=" + nul + "\"ssss\"} 1\n# EOF\n",
       "line 1: expected a quoted label value after \"b\"=, got \"\\x00\\\"ssss\\\"} 1\""},
      {"a{b=\"" + nul, "line 1: unterminated label value: the page ends inside the quotes"},
      {"a" + nul + "{b=\"ddd\"} 1",
       "line 1: expected one space and a value after the series, got \"\\x00{b=\\\"ddd\\\"} 1\""},
      {"#", "line 1: " + kNotComment + "\"#\""},
      {"# H", "line 1: " + kNotComment + "\"# H\""},
      {"custom_metric_total 1 # {b=" + nul + "\"ssss\"} 1\n",
       "line 1: expected a quoted label value after \"b\"=, got \"\\x00\\\"ssss\\\"} 1\""},
      // tidemark's own.
      {"# comment\n# EOF\n", "line 1: " + kNotComment + "\"# comment\""},
      {"a 1\r\n# EOF\n", "line 1: invalid value \"1\\r\" after the series: not a number"},
      {"a {b=\"c\"} 1\n# EOF\n",
       "line 1: invalid value \"{b=\\\"c\\\"}\" after the series: not a number"},
      {"a{b=\"c\", d=\"e\"} 1\n# EOF\n",
       "line 1: expected a label name or `}`, got \" d=\\\"e\\\"} 1\""},
      {"a  1\n# EOF\n", "line 1: expected a value after the series, got \" 1\""},
      {"a_total 1 # {\"x\"} 1\n# EOF\n",
       "line 1: expected `=` and a value after exemplar label name \"x\" (an exemplar has no "
       "metric name), got \"} 1\""},
      {"a 1\n# HELP m x", "line 2: the page does not end with `# EOF`"},
      {"a 1 # {a=\"b\"} 1 2 3\n# EOF\n",
       "line 1: expected the end of the line after the exemplar, got \" 3\""},
      {"a{b=\"x\ny\"} 1\n# EOF\n",
       "line 1: unterminated label value: the line ends inside the quotes"},
      {"ok 1\nok 2\n# TYPE x y\n# EOF\n", "line 3: invalid metric type \"y\"" + kTypes},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ReadPage(kOM, c.input).back(), "ERROR " + c.error) << c.input;
  }
}

TEST(OpenMetricsParser, NulBytesInLabelValues) {
  const std::string nul("\x00", 1);
  for (const std::string& ok :
       {"null_byte_metric{a=\"abc" + nul + "\"} 1\n# EOF\n", "a{b=\"" + nul + "ss\"} 1\n# EOF\n",
        "a{b=\"" + nul + "\"} 1\n# EOF"}) {
    auto lines = ReadPage(kOM, ok);
    ASSERT_EQ(lines.size(), 1u) << ok;
    EXPECT_EQ(lines[0].rfind("SERIES", 0), 0u) << lines[0];
  }
}

// A page in the shape node_exporter 1.x writes (text format 0.0.4).
TEST(PromTextParser, ReadsNodeExporterPage) {
  const std::string page =
      R"page(# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.3571e-05
go_gc_duration_seconds{quantile="1"} 0.000133062
go_gc_duration_seconds_sum 0.012297357
go_gc_duration_seconds_count 311
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 184283.29
node_cpu_seconds_total{cpu="0",mode="iowait"} 76.33
# HELP node_filesystem_avail_bytes Filesystem space available to non-root users in bytes.
# TYPE node_filesystem_avail_bytes gauge
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 3.1422734336e+10
# HELP node_network_info Non-numeric data from /sys/class/net/<iface>, value is always 1.
# TYPE node_network_info gauge
node_network_info{address="52:54:00:12:34:56",broadcast="ff:ff:ff:ff:ff:ff",device="eth0",duplex="full",ifalias="",operstate="up"} 1
# HELP node_uname_info Labeled system information as provided by the uname system call.
# TYPE node_uname_info gauge
node_uname_info{domainname="(none)",machine="x86_64",nodename="host",release="6.1.0-18-amd64",sysname="Linux",version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"} 1
# HELP node_scrape_collector_success node_exporter: Whether a collector succeeded.
# TYPE node_scrape_collector_success gauge
node_scrape_collector_success{collector="arp"} 1
# HELP promhttp_metric_handler_requests_total Total number of scrapes by HTTP status code.
# TYPE promhttp_metric_handler_requests_total counter
promhttp_metric_handler_requests_total{code="200"} 4
)page";
  const Lines got = ReadPage(kText, page);
  ASSERT_EQ(got.size(), 25u) << got.back();
  EXPECT_EQ(
      got[3],
      R"(SERIES go_gc_duration_seconds{quantile="1"} {__name__="go_gc_duration_seconds", quantile="1.0"} 0.000133062)");
  EXPECT_EQ(
      got[12],
      R"(SERIES node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} {__name__="node_filesystem_avail_bytes", device="/dev/sda1", fstype="ext4", mountpoint="/"} 3.1422734336e+10)");
  EXPECT_EQ(
      got[15],
      R"(SERIES node_network_info{address="52:54:00:12:34:56",broadcast="ff:ff:ff:ff:ff:ff",device="eth0",duplex="full",ifalias="",operstate="up"} {__name__="node_network_info", address="52:54:00:12:34:56", broadcast="ff:ff:ff:ff:ff:ff", device="eth0", duplex="full", operstate="up"} 1)")
      << "an empty label value means no label";
  EXPECT_EQ(
      got.back(),
      R"(SERIES promhttp_metric_handler_requests_total{code="200"} {__name__="promhttp_metric_handler_requests_total", code="200"} 4)");
}

// A page in the shape python prometheus_client writes, in both formats.
TEST(ExpositionParser, ReadsPythonClientPages) {
  const std::string text = R"(# HELP python_info Python platform information
# TYPE python_info gauge
python_info{implementation="CPython",major="3",minor="11",patchlevel="2",version="3.11.2"} 1.0
# HELP requests_total Requests handled
# TYPE requests_total counter
requests_total{method="GET",path="/"} 3.0
# HELP requests_created Requests handled
# TYPE requests_created gauge
requests_created{method="GET",path="/"} 1.7000000001234e+09
# HELP latency_seconds Request latency
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.005",method="GET"} 0.0
latency_seconds_bucket{le="+Inf",method="GET"} 3.0
latency_seconds_count{method="GET"} 3.0
latency_seconds_sum{method="GET"} 0.75
)";
  const Lines got_text = ReadPage(kText, text);
  ASSERT_EQ(got_text.size(), 15u) << got_text.back();
  EXPECT_EQ(
      got_text[8],
      R"(SERIES requests_created{method="GET",path="/"} {__name__="requests_created", method="GET", path="/"} 1.7000000001234e+09)");
  EXPECT_EQ(
      got_text[11],
      R"(SERIES latency_seconds_bucket{le="0.005",method="GET"} {__name__="latency_seconds_bucket", le="0.005", method="GET"} 0)");

  const std::string om = R"(# HELP requests Requests handled.
# TYPE requests counter
requests_total{method="GET",path="/"} 3.0 # {trace_id="abc"} 1.0 1520879607.789
requests_created{method="GET",path="/"} 1.7000000001234e+09
# HELP latency_seconds Request latency.
# TYPE latency_seconds histogram
# UNIT latency_seconds seconds
latency_seconds_bucket{le="0.005",method="GET"} 0.0
latency_seconds_bucket{le="+Inf",method="GET"} 3.0 # {trace_id="def"} 0.3
latency_seconds_count{method="GET"} 3.0
latency_seconds_sum{method="GET"} 0.75
latency_seconds_created{method="GET"} 1.7000000001234e+09
# EOF
)";
  const Lines want = {
      R"(HELP requests "Requests handled.")",
      "TYPE requests counter",
      R"(SERIES requests_total{method="GET",path="/"} {__name__="requests_total", method="GET", path="/"} 3 # {trace_id="abc"} 1 @1520879607789)",
      R"(SERIES requests_created{method="GET",path="/"} {__name__="requests_created", method="GET", path="/"} 1.7000000001234e+09)",
      R"(HELP latency_seconds "Request latency.")",
      "TYPE latency_seconds histogram",
      "UNIT latency_seconds seconds",
      R"(SERIES latency_seconds_bucket{le="0.005",method="GET"} {__name__="latency_seconds_bucket", le="0.005", method="GET"} 0)",
      R"(SERIES latency_seconds_bucket{le="+Inf",method="GET"} {__name__="latency_seconds_bucket", le="+Inf", method="GET"} 3 # {trace_id="def"} 0.3)",
      R"(SERIES latency_seconds_count{method="GET"} {__name__="latency_seconds_count", method="GET"} 3)",
      R"(SERIES latency_seconds_sum{method="GET"} {__name__="latency_seconds_sum", method="GET"} 0.75)",
      R"(SERIES latency_seconds_created{method="GET"} {__name__="latency_seconds_created", method="GET"} 1.7000000001234e+09)",
  };
  EXPECT_EQ(ReadPage(kOM, om), want);
}

// The golden pages of docs/format/exposition.md, decoded entry by entry.
std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(EXPOSITION_TESTDATA_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Lines ReadExpectations(const std::string& name) {
  Lines out;
  std::istringstream in(ReadTestdata(name));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

TEST(ExpositionGolden, TextPage) {
  const std::string page = ReadTestdata("golden.prom.txt");
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(ReadPage(kText, page), ReadExpectations("golden.prom.expected"));
}

TEST(ExpositionGolden, OpenMetricsPage) {
  const std::string page = ReadTestdata("golden.om.txt");
  ASSERT_FALSE(page.empty());
  EXPECT_EQ(ReadPage(kOM, page), ReadExpectations("golden.om.expected"));
}

}  // namespace
}  // namespace tidemark::ingest
