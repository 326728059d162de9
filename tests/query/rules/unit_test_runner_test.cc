// Rule unit tests run by the library (query/rules/unit_test_runner.h) on MemoryStore: verdicts,
// promtool's failure listings, and the file's own errors. The same files against promtool:
// tests/server/rules_cli_test.cc.
#include "query/rules/unit_test_runner.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/memory_store.h"

namespace tidemark::rules {
namespace {

namespace fs = std::filesystem;

class MemoryStorage final : public RuleTestStorage {
 public:
  SampleQuerier& querier() override { return store_; }
  std::unique_ptr<Appender> NewAppender() override { return store_.NewAppender(); }

 private:
  storage::MemoryStore store_;
};

class UnitTestRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("unit_test_runner_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    Write("rules.yml", R"(groups:
  - name: g
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: InstanceDown
        expr: up == 0
        for: 2m
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.instance }} down ({{ $value }}) in {{ $externalLabels.region }}"
)");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  RuleUnitTestResult Run(const std::string& test_yaml) {
    Write("t.yml", test_yaml);
    return RunRuleUnitTestFile((dir_ / "t.yml").string(),
                               [] { return std::make_unique<MemoryStorage>(); });
  }

  static std::string Failures(const RuleUnitTestResult& r) {
    std::string out;
    for (const std::string& f : r.failures) out += f + "\n";
    return out;
  }

  fs::path dir_;
};

constexpr std::string_view kInput = R"(
    interval: 1m
    external_labels: {region: eu}
    input_series:
      - series: 'up{job="a", instance="i1"}'
        values: '1 1 0 0 0 0 0'
      - series: 'up{job="a", instance="i2"}'
        values: '1+0x6'
)";

TEST_F(UnitTestRunnerTest, PassesWhenAlertsAndSamplesMatch) {
  RuleUnitTestResult r = Run("rule_files: [rules.yml]\ntests:\n  -" + std::string(kInput) + R"(
    alert_rule_test:
      - eval_time: 3m
        alertname: InstanceDown
      - eval_time: 4m
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {severity: page, instance: i1, job: a}
            exp_annotations: {summary: "i1 down (0) in eu"}
    promql_expr_test:
      - expr: job:up:sum
        eval_time: 4m
        exp_samples:
          - labels: 'job:up:sum{job="a"}'
            value: 1
      - expr: ALERTS_FOR_STATE
        eval_time: 4m
        exp_samples:
          - labels: 'ALERTS_FOR_STATE{alertname="InstanceDown", instance="i1", job="a", severity="page"}'
            value: 120
)");
  EXPECT_TRUE(r.ok()) << Failures(r);
  EXPECT_TRUE(r.warnings.empty());
}

TEST_F(UnitTestRunnerTest, FailuresReadAsPromtoolPrintsThem) {
  RuleUnitTestResult r =
      Run("rule_files: [rules.yml, none*.yml]\ntests:\n  - name: grp" + std::string(kInput) + R"(
    alert_rule_test:
      - eval_time: 150s
        alertname: InstanceDown
        exp_alerts:
          - exp_labels: {instance: i1}
    promql_expr_test:
      - expr: job:up:sum
        eval_time: 4m
        exp_samples:
          - labels: 'job:up:sum{job="a"}'
            value: 3
      - expr: sum(
        eval_time: 1m
)");
  EXPECT_EQ(r.warnings, std::vector<std::string>{"  WARNING: no file match pattern " +
                                                 (dir_ / "none*.yml").string()});
  EXPECT_EQ(Failures(r),
            "    name: grp,\n"
            "    alertname: InstanceDown, time: 2m30s, \n"
            "        exp:[\n"
            "            0:\n"
            "              Labels:{alertname=\"InstanceDown\", instance=\"i1\"}\n"
            "              Annotations:{}\n"
            "            ], \n"
            "        got:[]\n"
            "    expr: \"job:up:sum\", time: 4m,\n"
            "        exp: {__name__=\"job:up:sum\", job=\"a\"} 3E+00\n"
            "        got: {__name__=\"job:up:sum\", job=\"a\"} 1E+00\n"
            "    expr: \"sum(\", time: 1m, err: 1:5: parse error: unclosed left parenthesis\n");
}

TEST_F(UnitTestRunnerTest, FileErrorsEndTheFile) {
  EXPECT_EQ(
      Failures(Run("rule_files: [rules.yml]\ntests:\n  - intervall: 1m\n")),
      "yaml: unmarshal errors:\n  line 3: field intervall not found in type main.testGroup\n");
  EXPECT_EQ(Failures(Run("rule_files: [rules.yml]\ngroup_eval_order: [a, a]\n")),
            "group name repeated in evaluation order: a\n");
  EXPECT_EQ(Failures(Run("tests:\n  - alert_rule_test:\n      - eval_time: 1m\n")),
            "an item under alert_rule_test misses required attribute alertname at eval_time 1m\n");
  Write("bad.yml", "groups:\n  - name: b\n    rules:\n      - record: x\n        expr: sum(\n");
  EXPECT_EQ(Failures(Run("rule_files: [bad.yml]\ntests:\n  - interval: 1m\n")),
            (dir_ / "bad.yml").string() +
                ": 5:15: group \"b\", rule 1, \"x\": could not parse expression: 1:5: parse error: "
                "unclosed left parenthesis\n");
}

TEST_F(UnitTestRunnerTest, EvaluationErrorEndsTheTestGroup) {
  Write("dup.yml", R"(groups:
  - name: d
    rules:
      - record: x
        expr: label_replace(up, "instance", "", "", "")
)");
  RuleUnitTestResult r = Run("rule_files: [dup.yml]\ntests:\n  -" + std::string(kInput) + R"(
    promql_expr_test:
      - expr: x
        eval_time: 5m
)");
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_TRUE(r.failures[0].starts_with("    rule: x, time: 0s, err: ")) << r.failures[0];
}

}  // namespace
}  // namespace tidemark::rules
