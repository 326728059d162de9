// A rule unit test file in `promtool test rules`' format, parsed (unit_test_runner.h runs it):
//
//   rule_files: [alerts.yml]            # relative to this file; globs
//   evaluation_interval: 1m             # default 1m
//   group_eval_order: [g1, g2]          # optional
//   tests:
//     - interval: 1m                    # of the input series; default evaluation_interval
//       input_series:
//         - series: 'up{job="api"}'
//           values: '1 1 0x5 _ stale'  # expanding notation (query/series_description.h)
//       alert_rule_test:
//         - eval_time: 5m
//           alertname: InstanceDown
//           exp_alerts: [{exp_labels: {job: api}, exp_annotations: {summary: "..."}}]
//       promql_expr_test:
//         - expr: up
//           eval_time: 1m
//           exp_samples: [{labels: 'up{job="api"}', value: 1}]
//       external_labels: {region: eu}
//       external_url: http://prometheus:9090
//       name: optional test group name
//
// Decoded as promtool decodes it (Go's yaml.v2 UnmarshalStrict): unknown fields and values of the
// wrong kind are "yaml: unmarshal errors:" with their lines.
#ifndef TIDEMARK_QUERY_RULES_UNIT_TEST_FILE_H_
#define TIDEMARK_QUERY_RULES_UNIT_TEST_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::rules {

struct InputSeries {
  std::string series;  // `name{label="value"}`
  std::string values;  // `1+1x10 _ stale`
};

struct ExpectedAlert {
  std::vector<Label> labels;       // without alertname, which the runner adds
  std::vector<Label> annotations;  // exactly the alert's annotations
};

struct AlertRuleTest {
  int64_t eval_time_ms = 0;
  std::string alertname;
  std::vector<ExpectedAlert> exp_alerts;  // the firing alerts of that name, in any order
};

struct ExpectedSample {
  std::string labels;  // `name{label="value"}`, or `{}` for a scalar result
  double value = 0;
};

struct PromqlExprTest {
  std::string expr;
  int64_t eval_time_ms = 0;
  std::vector<ExpectedSample> exp_samples;  // in any order
};

struct RuleTestGroup {
  int64_t interval_ms = 0;  // 0: the file's evaluation_interval
  std::vector<InputSeries> input_series;
  std::vector<AlertRuleTest> alert_rule_test;
  std::vector<PromqlExprTest> promql_expr_test;
  std::vector<Label> external_labels;
  std::string external_url;
  std::string name;
};

struct RuleUnitTestFile {
  std::vector<std::string> rule_files;  // as written
  int64_t evaluation_interval_ms = 0;   // 0: one minute
  std::vector<std::string> group_eval_order;
  // Prometheus 3: floats compare equal when at most one ulp apart.
  bool fuzzy_compare = false;
  std::vector<RuleTestGroup> tests;
};

// InvalidArgument with promtool's message ("yaml: unmarshal errors:\n  line 3: field foo not found
// in type main.testGroup", `not a valid duration string: "1x"`, "yaml: line 3: ...").
Result<RuleUnitTestFile> ParseRuleUnitTestFile(std::string_view content);

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_UNIT_TEST_FILE_H_
