#include "query/rules/unit_test_file.h"

#include "query/rules/yaml_decode.h"

namespace tidemark::rules {
namespace {

using internal::YamlDecoder;

std::vector<std::string> Strings(YamlDecoder& d, const YAML::Node& node) {
  std::vector<std::string> out;
  d.Sequence(node, "[]string", [&](const YAML::Node& item) { out.push_back(d.String(item)); });
  return out;
}

AlertRuleTest DecodeAlertTest(YamlDecoder& d, const YAML::Node& node) {
  AlertRuleTest t;
  d.Struct(node, "main.alertTestCase", {"eval_time", "alertname", "exp_alerts"},
           [&](std::string_view key, const YAML::Node& v) {
             if (key == "eval_time") {
               t.eval_time_ms = d.Duration(v).value_or(0);
             } else if (key == "alertname") {
               t.alertname = d.String(v);
             } else {
               d.Sequence(v, "[]main.alert", [&](const YAML::Node& a) {
                 ExpectedAlert alert;
                 d.Struct(a, "main.alert", {"exp_labels", "exp_annotations"},
                          [&](std::string_view ak, const YAML::Node& av) {
                            (ak == "exp_labels" ? alert.labels : alert.annotations) =
                                d.StringMap(av);
                          });
                 t.exp_alerts.push_back(std::move(alert));
               });
             }
           });
  return t;
}

PromqlExprTest DecodePromqlTest(YamlDecoder& d, const YAML::Node& node) {
  PromqlExprTest t;
  d.Struct(node, "main.promqlTestCase", {"expr", "eval_time", "exp_samples"},
           [&](std::string_view key, const YAML::Node& v) {
             if (key == "expr") {
               t.expr = d.String(v);
             } else if (key == "eval_time") {
               t.eval_time_ms = d.Duration(v).value_or(0);
             } else {
               d.Sequence(v, "[]main.sample", [&](const YAML::Node& s) {
                 ExpectedSample sample;
                 d.Struct(s, "main.sample", {"labels", "value"},
                          [&](std::string_view sk, const YAML::Node& sv) {
                            if (sk == "labels") {
                              sample.labels = d.String(sv);
                            } else {
                              sample.value = d.Float(sv);
                            }
                          });
                 t.exp_samples.push_back(std::move(sample));
               });
             }
           });
  return t;
}

RuleTestGroup DecodeTestGroup(YamlDecoder& d, const YAML::Node& node) {
  RuleTestGroup g;
  d.Struct(node, "main.testGroup",
           {"interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels",
            "external_url", "name"},
           [&](std::string_view key, const YAML::Node& v) {
             if (key == "interval") {
               g.interval_ms = d.Duration(v).value_or(0);
             } else if (key == "input_series") {
               d.Sequence(v, "[]main.series", [&](const YAML::Node& s) {
                 InputSeries series;
                 d.Struct(s, "main.series", {"series", "values"},
                          [&](std::string_view sk, const YAML::Node& sv) {
                            (sk == "series" ? series.series : series.values) = d.String(sv);
                          });
                 g.input_series.push_back(std::move(series));
               });
             } else if (key == "alert_rule_test") {
               d.Sequence(v, "[]main.alertTestCase", [&](const YAML::Node& a) {
                 g.alert_rule_test.push_back(DecodeAlertTest(d, a));
               });
             } else if (key == "promql_expr_test") {
               d.Sequence(v, "[]main.promqlTestCase", [&](const YAML::Node& p) {
                 g.promql_expr_test.push_back(DecodePromqlTest(d, p));
               });
             } else if (key == "external_labels") {
               g.external_labels = d.StringMap(v);
             } else if (key == "external_url") {
               g.external_url = d.String(v);
             } else {
               g.name = d.String(v);
             }
           });
  return g;
}

}  // namespace

Result<RuleUnitTestFile> ParseRuleUnitTestFile(std::string_view content) {
  Result<YAML::Node> root = internal::ParseYaml(content);
  if (!root.ok()) return root.status();
  RuleUnitTestFile file;
  YamlDecoder d(YamlDecoder::Flavor::kYamlV2);
  d.Struct(
      *root, "main.unitTestFile",
      {"rule_files", "evaluation_interval", "group_eval_order", "fuzzy_compare", "tests"},
      [&](std::string_view key, const YAML::Node& v) {
        if (key == "rule_files") {
          file.rule_files = Strings(d, v);
        } else if (key == "evaluation_interval") {
          file.evaluation_interval_ms = d.Duration(v).value_or(0);
        } else if (key == "group_eval_order") {
          file.group_eval_order = Strings(d, v);
        } else if (key == "fuzzy_compare") {
          const std::string text = d.String(v);
          if (text == "true" || text == "True" || text == "TRUE") {
            file.fuzzy_compare = true;
          } else if (!(text == "false" || text == "False" || text == "FALSE" || text.empty())) {
            d.TypeError(v, "bool");
          }
        } else {
          d.Sequence(v, "[]main.testGroup",
                     [&](const YAML::Node& t) { file.tests.push_back(DecodeTestGroup(d, t)); });
        }
      });
  if (!d.ok()) return Status::InvalidArgument(d.Error());
  return file;
}

}  // namespace tidemark::rules
