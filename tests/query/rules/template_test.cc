// Go's text/template as Prometheus runs it. The cases marked "Prometheus" are
// prometheus/template/template_test.go's, with its expected output and error text; the others
// are Go's documented behaviour (text/template's doc.go and exec_test.go) and the examples of
// Prometheus' template_examples.md.
#include "query/rules/template.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tests/query/rules/template_test.h"

namespace tidemark::rules {
namespace {

using testing::Expand;
using testing::Floats;
using testing::Ints;
using testing::Strings;
using testing::Uints;

constexpr double kInf = std::numeric_limits<double>::infinity();

TemplateSample Sample(std::map<std::string, std::string> labels, double value) {
  return TemplateSample{std::move(labels), value};
}

TemplateValue Data(std::map<std::string, TemplateValue, std::less<>> fields) {
  return TemplateValue::Map(std::move(fields));
}

// ---- Prometheus' template_test.go ---------------------------------------------------------------

TEST(PrometheusTemplate, PlainTextAndValues) {
  EXPECT_EQ(Expand("plain text"), "plain text");
  EXPECT_EQ(Expand("{{ 1 }}"), "1");
  EXPECT_EQ(Expand("{{ \"<b>\" }}"), "<b>");  // no HTML escaping in text templates
}

TEST(PrometheusTemplate, NonAsciiSpaceInActionIsAnError) {
  EXPECT_EQ(Expand("{{\u00a0}}"),
            "ERROR: error parsing template test: template: test:1: unrecognized character in "
            "action: U+00A0");
}

TEST(PrometheusTemplate, ArgsPassesSeveralArgumentsToATemplate) {
  EXPECT_EQ(Expand("{{define \"x\"}}{{.arg0}} {{.arg1}}{{end}}{{template \"x\" (args 1 \"2\")}}"),
            "1 2");
}

TEST(PrometheusTemplate, QueryFirstValueAndLabel) {
  EXPECT_EQ(Expand("{{ query \"1.5\" | first | value }}", {}, {Sample({}, 1.5)}), "1.5");
  const std::vector<TemplateSample> result = {
      Sample({{"__name__", "metric"}, {"instance", "a"}}, 11)};
  EXPECT_EQ(Expand("{{ query \"metric{instance='a'}\" | first | value }}", {}, result), "11");
  EXPECT_EQ(Expand("{{ query \"metric{instance='a'}\" | first | label \"instance\" }}", {}, result),
            "a");
  EXPECT_EQ(Expand("{{ query \"metric{instance='a'}\" | first | label \"foo\" }}", {}, result), "");
  EXPECT_EQ(Expand("{{ $x := query \"metric\" | first }}{{ $x.Labels.foo }}", {}, result), "");
  EXPECT_EQ(Expand("{{ query \"metric{__value__='a'}\" | first | strvalue }}", {},
                   {Sample({{"__name__", "metric"}, {"__value__", "a"}}, 11)}),
            "a");
}

TEST(PrometheusTemplate, RangeOverQuerySortedByLabel) {
  EXPECT_EQ(Expand("{{ range query \"metric\" | sortByLabel \"instance\" }}{{.Labels.instance}}:"
                   "{{.Value}}: {{end}}",
                   {},
                   {Sample({{"__name__", "metric"}, {"instance", "b"}}, 21),
                    Sample({{"__name__", "metric"}, {"instance", "a"}}, 11)}),
            "a:11: b:21: ");
}

TEST(PrometheusTemplate, StripPort) {
  EXPECT_EQ(Expand("{{ \"foo.example.com\" | stripPort }}"), "foo.example.com");
  EXPECT_EQ(Expand("{{ \"foo.example.com:12345\" | stripPort }}"), "foo.example.com");
  EXPECT_EQ(Expand("{{ \"192.0.2.1\" | stripPort }}"), "192.0.2.1");
  EXPECT_EQ(Expand("{{ \"192.0.2.1:12345\" | stripPort }}"), "192.0.2.1");
  EXPECT_EQ(Expand("{{ \"2001:0DB8::1\" | stripPort }}"), "2001:0DB8::1");
  EXPECT_EQ(Expand("{{ \"[2001:0DB8::1]:12345\" | stripPort }}"), "2001:0DB8::1");
  EXPECT_EQ(Expand("{{ \"[2001:0DB8::1]::12345\" | stripPort }}"), "[2001:0DB8::1]::12345");
}

TEST(PrometheusTemplate, StripDomain) {
  EXPECT_EQ(Expand("{{ \"foo.example.com\" | stripDomain }}"), "foo");
  EXPECT_EQ(Expand("{{ \"foo.example.com:12345\" | stripDomain }}"), "foo:12345");
  EXPECT_EQ(Expand("{{ \"192.0.2.1\" | stripDomain }}"), "192.0.2.1");
  EXPECT_EQ(Expand("{{ \"192.0.2.1:12345\" | stripDomain }}"), "192.0.2.1:12345");
  EXPECT_EQ(Expand("{{ \"2001:0DB8::1\" | stripDomain }}"), "2001:0DB8::1");
  EXPECT_EQ(Expand("{{ \"[2001:0DB8::1]:12345\" | stripDomain }}"), "[2001:0DB8::1]:12345");
  EXPECT_EQ(Expand("{{ \"[2001:0DB8::1]::12345\" | stripDomain }}"), "[2001:0DB8::1]::12345");
}

TEST(PrometheusTemplate, MissingValueOnNilData) {
  EXPECT_EQ(Expand("{{ .Foo }}"), "<no value>");
  TemplateOptions options;
  options.missing_key = MissingKey::kDefault;
  EXPECT_EQ(Expand("{{ .Foo }}", {}, {}, options), "<no value>");
  options.missing_key = MissingKey::kError;
  EXPECT_EQ(Expand("{{ .Foo }}", {}, {}, options),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<.Foo>: nil data; no entry for key \"Foo\"");
}

TEST(PrometheusTemplate, UnclosedActionIsAParseError) {
  EXPECT_EQ(Expand("{{"), "ERROR: error parsing template test: template: test:1: unclosed action");
}

TEST(PrometheusTemplate, FunctionErrorsNameTheCommand) {
  EXPECT_EQ(Expand("{{ query \"missing\" | first }}"),
            "ERROR: error executing template test: template: test:1:21: executing \"test\" at "
            "<first>: error calling first: first() called on vector with no elements");
}

TEST(PrometheusTemplate, FieldOfAQueryResultNamesTheLastNodeVisited) {
  EXPECT_EQ(Expand("{{ (query \"missing\").banana }}"),
            "ERROR: error executing template test: template: test:1:10: executing \"test\" at "
            "<\"missing\">: can't evaluate field banana in type template.queryResult");
}

TEST(PrometheusTemplate, ReReplaceAll) {
  EXPECT_EQ(Expand("{{ reReplaceAll \"(a)b\" \"x$1\" \"ab\" }}"), "xa");
}

TEST(PrometheusTemplate, Humanize) {
  const char* text = "{{ range . }}{{ humanize . }}:{{ end }}";
  EXPECT_EQ(Expand(text, Floats({0.0, 1.0, 1234567.0, .12})), "0:1:1.235M:120m:");
  EXPECT_EQ(Expand(text, Strings({"0.0", "1.0", "1234567.0", ".12"})), "0:1:1.235M:120m:");
  EXPECT_EQ(Expand(text, Ints({0, -1, 1, 1234567, INT64_MAX})), "0:-1:1:1.235M:9.223E:");
  EXPECT_EQ(Expand(text, Uints({0, 1, 1234567, UINT64_MAX})), "0:1:1.235M:18.45E:");
  EXPECT_EQ(Expand("{{ humanize \"one\" }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<humanize \"one\">: error calling humanize: strconv.ParseFloat: parsing \"one\": "
            "invalid syntax");
}

TEST(PrometheusTemplate, Humanize1024) {
  const char* text = "{{ range . }}{{ humanize1024 . }}:{{ end }}";
  EXPECT_EQ(Expand(text, Floats({0.0, 1.0, 1048576.0, .12})), "0:1:1Mi:0.12:");
  EXPECT_EQ(Expand(text, Strings({"0.0", "1.0", "1048576.0", ".12"})), "0:1:1Mi:0.12:");
  EXPECT_EQ(Expand(text, Ints({0, -1, 1, 1234567, INT64_MAX})), "0:-1:1:1.177Mi:8Ei:");
  EXPECT_EQ(Expand(text, Uints({0, 1, 1234567, UINT64_MAX})), "0:1:1.177Mi:16Ei:");
  EXPECT_EQ(Expand("{{ humanize1024 \"one\" }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<humanize1024 \"one\">: error calling humanize1024: strconv.ParseFloat: parsing "
            "\"one\": invalid syntax");
}

TEST(PrometheusTemplate, HumanizeDuration) {
  const char* text = "{{ range . }}{{ humanizeDuration . }}:{{ end }}";
  EXPECT_EQ(Expand(text, Floats({0, 1, 60, 3600, 86400, 86400 + 3600,
                                 -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99})),
            "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:");
  EXPECT_EQ(Expand(text, Strings({"0", "1", "60", "3600", "86400"})),
            "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:");
  EXPECT_EQ(Expand(text, Floats({.1, .0001, .12345, 60.1, 60.5, 1.2345, 12.345})),
            "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:");
  EXPECT_EQ(Expand(text, Strings({".1", ".0001", ".12345", "60.1", "60.5", "1.2345", "12.345"})),
            "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:");
  EXPECT_EQ(Expand(text, Ints({0, -1, 1, 1234567}, "int")), "0s:-1s:1s:14d 6h 56m 7s:");
  EXPECT_EQ(Expand(text, Uints({0, 1, 1234567})), "0s:1s:14d 6h 56m 7s:");
  EXPECT_EQ(Expand("{{ humanizeDuration \"one\" }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<humanizeDuration \"one\">: error calling humanizeDuration: strconv.ParseFloat: "
            "parsing \"one\": invalid syntax");
}

TEST(PrometheusTemplate, HumanizeInfinitiesAndNaN) {
  const char* text =
      "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:"
      "{{humanizeTimestamp .}}:{{ end }}";
  const std::string want = "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:";
  EXPECT_EQ(Expand(text, Floats({kInf, -kInf, std::nan("")})), want);
  EXPECT_EQ(Expand(text, Strings({"+Inf", "-Inf", "NaN"})), want);
}

TEST(PrometheusTemplate, HumanizePercentage) {
  EXPECT_EQ(Expand("{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:"
                   "{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}"),
            "-22.22%:0%:12.35%:123.5%");
  const char* text = "{{ range . }}{{ humanizePercentage . }}:{{ end }}";
  EXPECT_EQ(Expand(text, Ints({0, -1, 1, 1234567, INT64_MAX})),
            "0%:-100%:100%:1.235e+08%:9.223e+20%:");
  EXPECT_EQ(Expand(text, Uints({0, 1, 1234567, UINT64_MAX})), "0%:100%:1.235e+08%:1.845e+21%:");
  EXPECT_EQ(
      Expand("{{ \"-0.22222\" | humanizePercentage }}:{{ \"0.0\" | humanizePercentage }}:"
             "{{ \"0.1234567\" | humanizePercentage }}:{{ \"1.23456\" | humanizePercentage }}"),
      "-22.22%:0%:12.35%:123.5%");
  EXPECT_EQ(Expand("{{ \"one\" | humanizePercentage }}"),
            "ERROR: error executing template test: template: test:1:11: executing \"test\" at "
            "<humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing "
            "\"one\": invalid syntax");
}

TEST(PrometheusTemplate, HumanizeTimestamp) {
  const char* text = "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}";
  EXPECT_EQ(Expand(text, Ints({0, -1, 1, 1234567, 9223372036})),
            "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 "
            "+0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:");
  EXPECT_EQ(Expand(text, Uints({0, 1, 1234567, 9223372036})),
            "1970-01-01 00:00:00 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 "
            "+0000 UTC:2262-04-11 23:47:16 +0000 UTC:");
  EXPECT_EQ(Expand(text, Ints({INT64_MIN, INT64_MAX})),
            "ERROR: error executing template test: template: test:1:16: executing \"test\" at "
            "<humanizeTimestamp .>: error calling humanizeTimestamp: -9.223372036854776e+18 "
            "cannot be represented as a nanoseconds timestamp since it overflows int64");
  EXPECT_EQ(Expand(text, Uints({UINT64_MAX})),
            "ERROR: error executing template test: template: test:1:16: executing \"test\" at "
            "<humanizeTimestamp .>: error calling humanizeTimestamp: 1.8446744073709552e+19 "
            "cannot be represented as a nanoseconds timestamp since it overflows int64");
  EXPECT_EQ(Expand("{{ 1435065584.128 | humanizeTimestamp }}"),
            "2015-06-23 13:19:44.128 +0000 UTC");
  EXPECT_EQ(Expand("{{ \"1435065584.128\" | humanizeTimestamp }}"),
            "2015-06-23 13:19:44.128 +0000 UTC");
  EXPECT_EQ(Expand("{{ -1.5 | humanizeTimestamp }}"), "1969-12-31 23:59:58.5 +0000 UTC");
}

TEST(PrometheusTemplate, StringFunctions) {
  EXPECT_EQ(Expand("{{ \"aa bb CC\" | title }}"), "Aa Bb CC");
  EXPECT_EQ(Expand("{{ \"aa bb CC\" | toUpper }}"), "AA BB CC");
  EXPECT_EQ(Expand("{{ \"aA bB CC\" | toLower }}"), "aa bb cc");
  EXPECT_EQ(Expand("{{ \"héllo wörld-x_y\" | title }}"), "Héllo Wörld-X_y");
  EXPECT_EQ(Expand("{{ \"straße ä\" | toUpper }}"), "STRAßE Ä");
  EXPECT_EQ(Expand("{{ match \"a+\" \"aa\" }} {{ match \"a+\" \"b\" }}"), "true false");
}

TEST(PrometheusTemplate, Links) {
  EXPECT_EQ(Expand("{{ graphLink \"up\" }}"), "/graph?g0.expr=up&g0.tab=0");
  EXPECT_EQ(Expand("{{ tableLink \"up\" }}"), "/graph?g0.expr=up&g0.tab=1");
  EXPECT_EQ(Expand("{{ graphLink \"rate(x{a='b c'}[5m])\" }}"),
            "/graph?g0.expr=rate%28x%7Ba%3D%27b+c%27%7D%5B5m%5D%29&g0.tab=0");
  EXPECT_EQ(Expand("{{ pathPrefix }}"), "/path/prefix");
  EXPECT_EQ(Expand("{{ externalURL }}"), "http://testhost:9090/path/prefix");
}

TEST(PrometheusTemplate, ParseDuration) {
  EXPECT_EQ(Expand("{{ printf \"%0.2f\" (parseDuration \"1h2m10ms\") }}"), "3720.01");
  EXPECT_EQ(Expand("{{ parseDuration \"1d\" }}"), "86400");
  EXPECT_EQ(Expand("{{ parseDuration \"5x\" }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<parseDuration \"5x\">: error calling parseDuration: unknown unit \"x\" in duration "
            "\"5x\"");
}

// ---- Prometheus' documented examples ----------------------------------------------------------

TEST(PrometheusExamples, SimpleIteration) {
  EXPECT_EQ(Expand("{{ range query \"up\" }}\n  {{ .Labels.instance }} {{ .Value }}\n{{ end }}", {},
                   {Sample({{"instance", "a:9100"}}, 1), Sample({{"instance", "b:9100"}}, 0)}),
            "\n  a:9100 1\n\n  b:9100 0\n");
}

TEST(PrometheusExamples, DisplayOneValue) {
  const char* text =
      "{{ with query \"some_metric{instance='someinstance'}\" }}{{ . | first | value | humanize "
      "}}{{ end }}";
  EXPECT_EQ(Expand(text, {}, {Sample({}, 1234567)}), "1.235M");
  EXPECT_EQ(Expand(text, {}, {}), "");  // with skips an empty result
}

TEST(PrometheusExamples, ConsoleUrlParameters) {
  const TemplateValue data = Data({{"Params", TemplateValue::StringMap({{"instance", "host"}})}});
  EXPECT_EQ(Expand("{{ with printf \"node_memory_MemTotal{job='node',instance='%s'}\" "
                   ".Params.instance | query }}{{ . | first | value | humanize1024}}B{{ end }}",
                   data, {Sample({}, 8 * 1024.0 * 1024 * 1024)}),
            "8GiB");
}

TEST(PrometheusExamples, ReusableTemplates) {
  EXPECT_EQ(Expand("{{/* Define the template */}}\n{{define \"myTemplate\"}}\n  do something\n"
                   "{{end}}\n\n{{/* Use the template */}}\n{{template \"myTemplate\"}}\n"),
            "\n\n\n\n\n  do something\n\n");
  EXPECT_EQ(
      Expand("{{define \"myMultiArgTemplate\"}}\n  First argument: {{.arg0}}\n  Second "
             "argument: {{.arg1}}\n{{end}}\n{{template \"myMultiArgTemplate\" (args 1 2)}}\n"),
      "\n\n  First argument: 1\n  Second argument: 2\n\n");
}

// ---- Alerting rules -----------------------------------------------------------------------------

AlertTemplateData Alert() {
  AlertTemplateData data;
  data.labels = {{"alertname", "HighLatency"}, {"instance", "web-1:9100"}, {"job", "api"}};
  data.external_labels = {{"cluster", "eu-1"}};
  data.external_url = "http://prom.example:9090/prom";
  data.value = 12345.678;
  return data;
}

TEST(AlertTemplate, ExposesLabelsValueAndExternalData) {
  TemplateEnv env;
  env.external_url = "http://prom.example:9090/prom";
  auto out = ExpandAlertTemplate(
      "__alert_HighLatency",
      "{{ $labels.instance }} of {{ $labels.job }} in {{ $externalLabels.cluster }}: "
      "{{ $value | humanize }} ({{ .Value }}) {{ $externalURL }} {{ .Labels.alertname }}",
      Alert(), env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out,
            "web-1:9100 of api in eu-1: 12.35k (12345.678) http://prom.example:9090/prom "
            "HighLatency");
}

// A rule builds the data once per alert from label sets; templates see the same as from maps.
TEST(AlertTemplate, DataBuiltFromLabelSetsReadsAsFromMaps) {
  const std::string text =
      "{{ $labels.instance }} {{ .Labels }} {{ $externalLabels }} {{ printf \"%T\" $labels }} "
      "{{ $value }} {{ $externalURL }}";
  auto tmpl = ParseAlertTemplate("__alert_HighLatency", text);
  ASSERT_TRUE(tmpl.ok()) << tmpl.status().ToString();
  const AlertTemplateData data = Alert();
  const TemplateValue parts = AlertTemplateValue(
      TemplateValue::LabelMap(
          Labels{{"job", "api"}, {"alertname", "HighLatency"}, {"instance", "web-1:9100"}}),
      TemplateValue::LabelMap(Labels{{"cluster", "eu-1"}}), data.external_url, data.value);
  auto from_maps = ExecuteAlertTemplate(**tmpl, data, {});
  auto from_parts = ExecuteAlertTemplate(**tmpl, parts, {});
  ASSERT_TRUE(from_maps.ok()) << from_maps.status().ToString();
  ASSERT_TRUE(from_parts.ok()) << from_parts.status().ToString();
  EXPECT_EQ(*from_parts, *from_maps);
  EXPECT_EQ(*from_parts,
            "web-1:9100 map[alertname:HighLatency instance:web-1:9100 job:api] map[cluster:eu-1] "
            "map[string]string 12345.678 http://prom.example:9090/prom");
}

TEST(AlertTemplate, MissingLabelIsEmptyAsWithMissingkeyZero) {
  auto out = ExpandAlertTemplate("__alert_X", "[{{ $labels.nope }}]", Alert(), {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "[]");
}

TEST(AlertTemplate, ComparingTheFloatValueWithAnIntLiteralFailsAsInGo) {
  auto out = ExpandAlertTemplate("__alert_X", "{{ if gt $value 100 }}big{{ end }}", Alert(), {});
  ASSERT_FALSE(out.ok());
  // The column counts the 112 bytes of prefix Prometheus puts before the text.
  EXPECT_EQ(out.status().message(),
            "error executing template __alert_X: template: __alert_X:1:118: executing "
            "\"__alert_X\" at <gt $value 100>: error calling gt: incompatible types for "
            "comparison");
  auto ok = ExpandAlertTemplate("__alert_X", "{{ if gt $value 100.0 }}big{{ end }}", Alert(), {});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "big");
}

TEST(AlertTemplate, ParseErrorsArePrefixedAsPrometheusDoes) {
  auto out = ExpandAlertTemplate("__alert_X", "{{ humanise $value }}", Alert(), {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "error parsing template __alert_X: template: __alert_X:1: function \"humanise\" not "
            "defined");
}

TEST(AlertTemplate, QueryWithoutACallbackFails) {
  auto out = ExpandAlertTemplate("__alert_X", "{{ query \"up\" }}", Alert(), {});
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("error calling query: query is not available"),
            std::string::npos)
      << out.status().message();
}

TEST(AlertTemplate, QueryErrorsBecomeTemplateErrors) {
  TemplateEnv env;
  env.query = [](std::string_view q) -> Result<std::vector<TemplateSample>> {
    return Status::InvalidArgument("1:4: parse error: unexpected end of input in " +
                                   std::string(q));
  };
  auto out = ExpandAlertTemplate("__alert_X", "{{ query \"up{\" }}", Alert(), env);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find(
                "error calling query: 1:4: parse error: unexpected end of input in up{"),
            std::string::npos)
      << out.status().message();
}

TEST(CheckTemplate, AcceptsWhatParsesAndDoesNotExecute) {
  EXPECT_TRUE(CheckTemplate("__alert_A", "{{ $labels.x | humanize }}").ok());
  EXPECT_TRUE(CheckTemplate("__alert_A", "{{ query \"up\" | first | value }}").ok());
  const Status bad = CheckTemplate("__alert_A", "{{ if $value }}x");
  EXPECT_EQ(bad.message(), "template: __alert_A:1: unexpected EOF");
  EXPECT_EQ(CheckTemplate("__alert_A", "{{ $undefined }}").message(),
            "template: __alert_A:1: undefined variable \"$undefined\"");
}

// ---- Go's text/template: actions ----------------------------------------------------------------

TEST(GoTemplate, IfElseIfElse) {
  const char* text = "{{if eq . 1}}one{{else if eq . 2}}two{{else}}many{{end}}";
  EXPECT_EQ(Expand(text, TemplateValue::Int(1)), "one");
  EXPECT_EQ(Expand(text, TemplateValue::Int(2)), "two");
  EXPECT_EQ(Expand(text, TemplateValue::Int(3)), "many");
}

TEST(GoTemplate, Truthiness) {
  const char* text = "{{range .}}{{if .}}T{{else}}F{{end}}{{end}}";
  std::vector<TemplateValue> values = {TemplateValue(),
                                       TemplateValue::Bool(false),
                                       TemplateValue::Bool(true),
                                       TemplateValue::Int(0),
                                       TemplateValue::Int(-1),
                                       TemplateValue::Float(0),
                                       TemplateValue::Float(0.1),
                                       TemplateValue::String(""),
                                       TemplateValue::String("0"),
                                       TemplateValue::List({}),
                                       Strings({"x"}),
                                       TemplateValue::Map({}),
                                       TemplateValue::StringMap({{"a", "b"}}),
                                       TemplateValue::Struct({}, "struct {}", false)};
  EXPECT_EQ(Expand(text, TemplateValue::List(values)), "FFTFTFTFTFTFTT");
}

TEST(GoTemplate, RangeWithVariablesElseBreakContinue) {
  EXPECT_EQ(Expand("{{range $i, $e := .}}{{$i}}={{$e}};{{end}}", Strings({"a", "b"})), "0=a;1=b;");
  EXPECT_EQ(Expand("{{range $e := .}}{{$e}}{{end}}", Strings({"a", "b"})), "ab");
  EXPECT_EQ(Expand("{{range .}}x{{else}}empty{{end}}", Strings({})), "empty");
  EXPECT_EQ(Expand("{{range .}}x{{else}}empty{{end}}", TemplateValue()), "empty");
  EXPECT_EQ(Expand("{{range .}}{{if eq . \"c\"}}{{break}}{{end}}{{.}}{{end}}",
                   Strings({"a", "b", "c", "d"})),
            "ab");
  EXPECT_EQ(Expand("{{range .}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}",
                   Strings({"a", "b", "c"})),
            "ac");
  EXPECT_EQ(Expand("{{range 3}}{{.}}{{end}}"), "012");
  EXPECT_EQ(Expand("{{break}}"),
            "ERROR: error parsing template test: template: test:1: {{break}} outside {{range}}");
  EXPECT_EQ(Expand("{{range 5.5}}{{end}}"),
            "ERROR: error executing template test: template: test:1:8: executing \"test\" at "
            "<5.5>: range can't iterate over 5.5");
}

TEST(GoTemplate, RangeOverAMapIsInKeyOrder) {
  const TemplateValue labels = TemplateValue::StringMap({{"b", "2"}, {"a", "1"}, {"c", "3"}});
  EXPECT_EQ(Expand("{{range $k, $v := .}}{{$k}}={{$v}} {{end}}", labels), "a=1 b=2 c=3 ");
  EXPECT_EQ(Expand("{{.}}", labels), "map[a:1 b:2 c:3]");
}

TEST(GoTemplate, WithAndElseWith) {
  EXPECT_EQ(Expand("{{with .A}}{{.}}{{else with .B}}b={{.}}{{else}}none{{end}}",
                   Data({{"A", TemplateValue::String("")}, {"B", TemplateValue::String("x")}})),
            "b=x");
  EXPECT_EQ(Expand("{{with .A}}{{.}}{{else}}none{{end}}", Data({})), "none");
}

TEST(GoTemplate, VariablesScopeAndAssignment) {
  EXPECT_EQ(Expand("{{$x := 1}}{{if true}}{{$x = 2}}{{$y := 3}}{{end}}{{$x}}"), "2");
  EXPECT_EQ(Expand("{{if true}}{{$y := 3}}{{end}}{{$y}}"),
            "ERROR: error parsing template test: template: test:1: undefined variable \"$y\"");
  EXPECT_EQ(Expand("{{$}}", TemplateValue::Int(7)), "7");
  EXPECT_EQ(Expand("{{with 5}}{{$}}{{.}}{{end}}", TemplateValue::Int(7)), "75");
}

TEST(GoTemplate, TrimMarkersAndComments) {
  EXPECT_EQ(Expand("a  \n {{- 1 -}} \n  b"), "a1b");
  EXPECT_EQ(Expand("a {{- /* c */ -}} b"), "ab");
  EXPECT_EQ(Expand("a{{/* comment */}}b"), "ab");
  EXPECT_EQ(Expand("{{-3}}"), "-3");  // a number, not a trim marker
  EXPECT_EQ(Expand("{{/* x"),
            "ERROR: error parsing template test: template: test:1: unclosed comment");
}

TEST(GoTemplate, ActionsMaySpanLines) {
  EXPECT_EQ(Expand("{{ print\n  1\n  2 }}"), "1 2");
  EXPECT_EQ(Expand("x\n{{ print\n 1"),
            "ERROR: error parsing template test: template: test:3: unclosed action started at "
            "test:2");
}

TEST(GoTemplate, DefineTemplateAndBlock) {
  EXPECT_EQ(Expand("{{define \"T\"}}<{{.}}>{{end}}{{template \"T\" \"x\"}}{{template \"T\"}}"),
            "<x><<no value>>");
  EXPECT_EQ(Expand("{{block \"B\" .}}[{{.}}]{{end}}", TemplateValue::Int(4)), "[4]");
  EXPECT_EQ(Expand("{{template \"nope\"}}"),
            "ERROR: error executing template test: template: test:1:11: executing \"test\" at "
            "<{{template \"nope\"}}>: template \"nope\" not defined");
  EXPECT_EQ(Expand("{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}"),
            "ERROR: error parsing template test: template: test:1: template: multiple "
            "definition of template \"a\"");
  // Errors inside a defined template name it.
  EXPECT_EQ(Expand("{{define \"T\"}}{{len 3}}{{end}}{{template \"T\"}}"),
            "ERROR: error executing template test: template: test:1:16: executing \"T\" at <len "
            "3>: error calling len: len of type int");
}

TEST(GoTemplate, ParenthesesPipelinesAndChains) {
  EXPECT_EQ(Expand("{{ (print \"a\" \"b\") | printf \"%s!\" }}"), "ab!");
  EXPECT_EQ(Expand("{{ \"x\" | printf \"%s-%s\" \"y\" }}"), "y-x");
  const TemplateValue data = Data({{"M", TemplateValue::StringMap({{"k", "v"}})}});
  EXPECT_EQ(Expand("{{ (.M).k }} {{ .M.k }} {{ $m := .M }}{{ $m.k }}", data), "v v v");
}

TEST(GoTemplate, LiteralsAndNumbers) {
  EXPECT_EQ(Expand("{{ 0x1F }} {{ 1e3 }} {{ 1.5 }} {{ 'a' }} {{ 1_000 }} {{ 0o17 }} {{ 0b101 }}"),
            "31 1000 1.5 97 1000 15 5");
  // nil may start a pipeline (only later stages must be executable), but is no command.
  EXPECT_EQ(Expand("{{ nil | print }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<nil>: nil is not a command");
  EXPECT_EQ(Expand("{{ 1 | 2 }}"),
            "ERROR: error parsing template test: template: test:1: non executable command in "
            "pipeline stage 2");
  EXPECT_EQ(Expand("{{ `raw\\n` }} {{ \"tab\\tq\\\"\" }} {{ true }}"), "raw\\n tab\tq\" true");
  EXPECT_EQ(Expand("{{ nil }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<nil>: nil is not a command");
  EXPECT_EQ(Expand("{{ 99999999999999999999 }}"),
            "ERROR: error parsing template test: template: test:1: integer overflow: "
            "\"99999999999999999999\"");
  EXPECT_EQ(Expand("{{ 18446744073709551615 }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<18446744073709551615>: 18446744073709551615 overflows int");
  EXPECT_EQ(Expand("{{ 1+2i }}").substr(0, 6), "ERROR:");  // complex numbers are not supported
}

TEST(GoTemplate, MissingKeysAndFields) {
  const TemplateValue data =
      Data({{"M", TemplateValue::StringMap({{"k", "v"}})}, {"A", TemplateValue::Map({})}});
  EXPECT_EQ(Expand("[{{ .M.nope }}][{{ .A.nope }}][{{ .Nope.deeper }}]", data),
            "[][<no value>][<no value>]");
  TemplateOptions options;
  options.missing_key = MissingKey::kDefault;
  EXPECT_EQ(Expand("[{{ .M.nope }}]", data, {}, options), "[<no value>]");
  options.missing_key = MissingKey::kError;
  EXPECT_EQ(Expand("{{ .M.nope }}", data, {}, options),
            "ERROR: error executing template test: template: test:1:5: executing \"test\" at "
            "<.M.nope>: map has no entry for key \"nope\"");
  EXPECT_EQ(Expand("{{ .M.k.x }}", data),
            "ERROR: error executing template test: template: test:1:5: executing \"test\" at "
            "<.M.k.x>: can't evaluate field x in type string");
  EXPECT_EQ(Expand("{{ .M.k 1 }}", data),
            "ERROR: error executing template test: template: test:1:5: executing \"test\" at "
            "<.M.k>: k is not a method but has arguments");
}

// ---- Go's text/template: functions --------------------------------------------------------------

TEST(GoTemplate, AndOrNotShortCircuit) {
  EXPECT_EQ(Expand("{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 \"\" }} {{ or 0 3 }} {{ not 0 }}"),
            "0 2  3 true");
  // The second argument is never evaluated: no error from first.
  EXPECT_EQ(Expand("{{ or 1 (query \"x\" | first) }} {{ and 0 (query \"x\" | first) }}"), "1 0");
}

TEST(GoTemplate, Comparisons) {
  EXPECT_EQ(Expand("{{ eq 1 1 }} {{ eq 1 2 3 1 }} {{ ne \"a\" \"b\" }} {{ lt 1 2 }} {{ le 2 2 }} "
                   "{{ gt 1.5 1.25 }} {{ ge \"b\" \"a\" }}"),
            "true true true true true true true");
  EXPECT_EQ(Expand("{{ lt 1 1.5 }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at <lt "
            "1 1.5>: error calling lt: incompatible types for comparison");
  EXPECT_EQ(Expand("{{ lt true false }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at <lt "
            "true false>: error calling lt: invalid type for comparison");
  EXPECT_EQ(Expand("{{ eq 1 }}"),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at <eq "
            "1>: error calling eq: missing argument for comparison");
  EXPECT_EQ(Expand("{{ eq .Nope \"x\" }} {{ eq .Nope .Nope }}"), "false true");
  EXPECT_EQ(Expand("{{ eq (index \"a\" 0) 97 }}"), "true");  // uint8 against int
}

TEST(GoTemplate, IndexSliceLen) {
  const TemplateValue data =
      Data({{"L", Strings({"a", "b", "c"})}, {"M", TemplateValue::StringMap({{"x y", "1"}})}});
  EXPECT_EQ(Expand("{{ index .L 1 }} {{ index .M \"x y\" }} [{{ index .M \"nope\" }}] "
                   "{{ slice .L 1 }} {{ slice .L 0 2 }} {{ slice \"hello\" 1 3 }} {{ len .L }} "
                   "{{ len .M }} {{ len \"héllo\" }} {{ index \"abc\" 1 }}",
                   data),
            "b 1 [] [b c] [a b] el 3 1 6 98");
  EXPECT_EQ(Expand("{{ index .L 3 }}", data),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<index .L 3>: error calling index: index out of range: 3");
  EXPECT_EQ(Expand("{{ index .M 1 }}", data),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<index .M 1>: error calling index: value has type int; should be string");
  EXPECT_EQ(Expand("{{ slice .L 2 1 }}", data),
            "ERROR: error executing template test: template: test:1:3: executing \"test\" at "
            "<slice .L 2 1>: error calling slice: invalid slice index: 2 > 1");
}

TEST(GoTemplate, Escapers) {
  EXPECT_EQ(Expand("{{ html \"<a href='x'>&\\\"</a>\" }}"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;");
  EXPECT_EQ(Expand("{{ js \"it's <b>\\\"x\\\"</b> = \\n\" }}"),
            "it\\'s \\u003Cb\\u003E\\\"x\\\"\\u003C/b\\u003E \\u003D \\u000A");
  EXPECT_EQ(Expand("{{ urlquery \"a b&c=d/é\" }}"), "a+b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(Expand("{{ html 1 2 }}"), "1 2");
}

TEST(GoTemplate, PrintFunctions) {
  EXPECT_EQ(Expand("{{ print 1 2 \"a\" \"b\" 3 }}"), "1 2ab3");
  EXPECT_EQ(Expand("{{ println 1 \"a\" }}"), "1 a\n");
  EXPECT_EQ(Expand("{{ printf \"%d-%s\" 3 \"x\" }}"), "3-x");
  EXPECT_EQ(Expand("{{ print nil }}"), "<nil>");
}

// ---- Errors ------------------------------------------------------------------------------------

TEST(TemplateErrors, ParseErrors) {
  const auto parse = [](std::string_view text) {
    return Expand(text).substr(std::string("ERROR: error parsing template test: ").size());
  };
  EXPECT_EQ(parse("{{ nosuch 1 }}"), "template: test:1: function \"nosuch\" not defined");
  EXPECT_EQ(parse("{{ if 1 }}"), "template: test:1: unexpected EOF");
  EXPECT_EQ(parse("{{ end }}"), "template: test:1: unexpected {{end}}");
  EXPECT_EQ(parse("{{ else }}"), "template: test:1: unexpected {{else}}");
  EXPECT_EQ(parse("a\n\n{{ range }}{{ end }}"), "template: test:3: missing value for range");
  EXPECT_EQ(parse("{{ \"x }}"), "template: test:1: unterminated quoted string");
  EXPECT_EQ(parse("{{ (1 }}"), "template: test:1: unclosed left paren");
  EXPECT_EQ(parse("{{ 1) }}"), "template: test:1: unexpected right paren U+0029 ')'");
  EXPECT_EQ(parse("{{ $x+1 }}"), "template: test:1: bad character U+002B '+'");
  EXPECT_EQ(parse("{{ .X | 1 }}"), "template: test:1: non executable command in pipeline stage 2");
  EXPECT_EQ(parse("{{ 3.x }}"), "template: test:1: bad number syntax: \"3.x\"");
  EXPECT_EQ(parse("{{ \"a\".x }}"), "template: test:1: unexpected . after term \"\\\"a\\\"\"");
  EXPECT_EQ(parse("{{ with $x, $y := 1 }}{{ end }}"),
            "template: test:1: too many declarations in with");
  EXPECT_EQ(parse("{{ if 1 }}{{ else }}{{ else }}{{ end }}"),
            "template: test:1: expected end; found {{else}}");
  EXPECT_EQ(parse("{{ template foo }}"), "template: test:1: unexpected \"foo\" in template clause");
  EXPECT_EQ(parse("{{ $x := }}"), "template: test:1: missing value for command");
}

TEST(TemplateErrors, WrongArgumentCountsAndTypes) {
  const auto exec = [](std::string_view text) {
    const std::string out = Expand(text);
    const size_t at = out.find(">: ");
    return at == std::string::npos ? out : out.substr(at + 3);
  };
  EXPECT_EQ(exec("{{ humanize 1 2 }}"), "wrong number of args for humanize: want 1 got 2");
  EXPECT_EQ(exec("{{ printf }}"), "wrong number of args for printf: want at least 1 got 0");
  EXPECT_EQ(exec("{{ 1 | label \"x\" \"y\" }}"), "wrong number of args for label: want 2 got 3");
  EXPECT_EQ(exec("{{ toUpper 3 }}"), "expected string; found 3");
  EXPECT_EQ(exec("{{ 3 | toUpper }}"), "wrong type for value; expected string; got int");
  EXPECT_EQ(exec("{{ .Nope | toUpper }}"), "invalid value; expected string");
  EXPECT_EQ(exec("{{ first 1 }}"), "can't handle 1 for arg of type template.queryResult");
  EXPECT_EQ(exec("{{ \"x\" | first }}"),
            "wrong type for value; expected template.queryResult; got string");
  EXPECT_EQ(exec("{{ humanize true }}"), "error calling humanize: can't convert bool to float");
  EXPECT_EQ(exec("{{ label \"x\" nil }}"),
            "error calling label: runtime error: invalid memory address or nil pointer "
            "dereference");
  EXPECT_EQ(exec("{{ 1 2 }}"), "can't give argument to non-function 1");
  EXPECT_EQ(exec("{{ reReplaceAll \"(\" \"\" \"x\" }}"),
            "error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: missing "
            "closing ): `(`");
  EXPECT_EQ(exec("{{ match \"[\" \"x\" }}"),
            "error calling match: error parsing regexp: missing closing ]: `[`");
}

// ---- Limits ------------------------------------------------------------------------------------

TEST(TemplateLimits, ParseDepth) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "{{if 1}}";
  for (int i = 0; i < 200; ++i) deep += "{{end}}";
  auto tmpl = ParseTemplate("t", deep);
  ASSERT_FALSE(tmpl.ok());
  EXPECT_EQ(tmpl.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(tmpl.status().message(), "template: t:1: template nesting exceeds the limit of 100");
  std::string parens = "{{ " + std::string(150, '(') + "1" + std::string(150, ')') + " }}";
  EXPECT_EQ(ParseTemplate("t", parens).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Expand("{{ " + std::string(50, '(') + "1" + std::string(50, ')') + " }}"), "1");
}

TEST(TemplateLimits, TextSize) {
  TemplateOptions options;
  options.max_text_bytes = 10;
  EXPECT_EQ(ParseTemplate("t", std::string(11, 'x'), options).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(TemplateLimits, RecursionDepth) {
  auto tmpl = ParseTemplate("t", "{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\" .}}");
  ASSERT_TRUE(tmpl.ok());
  auto out = ExecuteTemplate(**tmpl, {}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(out.status().message().find("exceeded maximum template depth (100)"), std::string::npos)
      << out.status().message();
}

TEST(TemplateLimits, DeepNestingInsideRecursionStopsOnTheStackBudget) {
  std::string body;
  for (int i = 0; i < 90; ++i) body += "{{with 1}}";
  body += "{{template \"r\" .}}";
  for (int i = 0; i < 90; ++i) body += "{{end}}";
  TemplateOptions options;
  options.max_call_depth = 100000;
  auto tmpl =
      ParseTemplate("t", "{{define \"r\"}}" + body + "{{end}}{{template \"r\" .}}", options);
  ASSERT_TRUE(tmpl.ok());
  auto out = ExecuteTemplate(**tmpl, {}, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
}

TEST(TemplateLimits, Steps) {
  TemplateOptions options;
  options.max_steps = 1000;
  const std::string out = Expand("{{range 100000}}x{{end}}", {}, {}, options);
  EXPECT_NE(out.find("execution exceeded the limit of 1000 steps"), std::string::npos) << out;
  EXPECT_EQ(Expand("{{range 10}}x{{end}}", {}, {}, options), "xxxxxxxxxx");
}

TEST(TemplateLimits, OutputSize) {
  TemplateOptions options;
  options.max_output_bytes = 100;
  EXPECT_NE(Expand("{{range 1000}}x{{end}}", {}, {}, options)
                .find("output exceeds the limit of 100 bytes"),
            std::string::npos);
  EXPECT_NE(Expand("{{printf \"%500d\" 1}}", {}, {}, options).find("over the output limit of 100"),
            std::string::npos);
}

TEST(TemplateLimits, Queries) {
  TemplateOptions options;
  options.max_queries = 3;
  const std::string out = Expand("{{range 5}}{{query \"up\"}}{{end}}", {}, {}, options);
  EXPECT_NE(out.find("more than 3 queries in one template execution"), std::string::npos) << out;
}

TEST(Template, ExecutesConcurrentlyFromOneParse) {
  auto tmpl = ParseTemplate("t", "{{range .}}{{. | humanize}} {{end}}");
  ASSERT_TRUE(tmpl.ok());
  auto a = ExecuteTemplate(**tmpl, Floats({1000, 2e6}), {});
  auto b = ExecuteTemplate(**tmpl, Floats({0.001}), {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, "1k 2M ");
  EXPECT_EQ(*b, "1m ");
}

}  // namespace
}  // namespace tidemark::rules
