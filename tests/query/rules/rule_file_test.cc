// Rule files: decoding (yaml.v3's errors), validation (rulefmt's), the duplicate-rules lint and
// rule_files globs. The same files against promtool itself: tests/server/rules_cli_test.cc.
#include "query/rules/rule_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace tidemark::rules {
namespace {

RuleFileCheck Check(std::string_view yaml, RuleFileOptions options = {}) {
  return CheckRuleFileContent(yaml, "r.yml", options);
}

std::string Errors(const RuleFileCheck& c) {
  std::string out;
  for (const std::string& e : c.errors) out += e + "\n";
  return out;
}

TEST(RuleFile, DecodesGroupsAndRules) {
  RuleFileCheck c = Check(R"(groups:
  - name: llm
    interval: 30s
    query_offset: 1m
    limit: 10
    labels: {team: ai}
    rules:
      - record: job:llm_cost:sum
        expr: sum by (job) (llm_cost_usd_total)
        labels: {unit: usd}
      - alert: LLMCostHigh
        expr: job:llm_cost:sum > 180
        for: 5m
        keep_firing_for: 1m
        labels: {severity: warning}
        annotations:
          summary: "{{ $labels.job }} spent {{ $value | humanize }}"
  - name: empty
)");
  ASSERT_TRUE(c.ok()) << Errors(c);
  ASSERT_EQ(c.groups.size(), 2u);
  EXPECT_EQ(c.rule_count(), 2u);
  const GroupSpec& g = c.groups[0];
  EXPECT_EQ(g.name, "llm");
  EXPECT_EQ(g.file, "r.yml");
  EXPECT_EQ(g.interval_ms, 30'000);
  EXPECT_EQ(g.query_offset_ms, 60'000);
  EXPECT_EQ(g.limit, 10u);
  EXPECT_EQ(g.labels, (std::vector<Label>{{"team", "ai"}}));
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].kind, RuleKind::kRecording);
  EXPECT_EQ(g.rules[0].name, "job:llm_cost:sum");
  EXPECT_EQ(g.rules[0].line, 8);
  EXPECT_EQ(g.rules[1].kind, RuleKind::kAlerting);
  EXPECT_EQ(g.rules[1].for_ms, 300'000);
  EXPECT_EQ(g.rules[1].keep_firing_for_ms, 60'000);
  EXPECT_EQ(g.rules[1].annotations.size(), 1u);
  EXPECT_FALSE(c.groups[1].interval_ms.has_value());
}

TEST(RuleFile, EmptyFileAndNullEntriesHaveNoRules) {
  EXPECT_TRUE(Check("").ok());
  RuleFileCheck c = Check("groups:\n  -\n  - name: a\n    rules:\n      -\n");
  ASSERT_TRUE(c.ok()) << Errors(c);
  EXPECT_EQ(c.groups.size(), 1u);
  EXPECT_EQ(c.rule_count(), 0u);
}

TEST(RuleFile, UnknownFieldsAndWrongKindsAreUnmarshalErrors) {
  RuleFileCheck c = Check(R"(groups:
  - name: [a]
    limit: ten
    bogus: 1
    rules:
      - alert: A
        expr: up
        labels: [x]
        annotation: {}
)");
  EXPECT_EQ(Errors(c),
            "r.yml: yaml: unmarshal errors:\n"
            "  line 2: cannot unmarshal !!seq into string\n"
            "  line 3: cannot unmarshal !!str `ten` into int\n"
            "  line 4: field bogus not found in type rulefmt.RuleGroup\n"
            "  line 8: cannot unmarshal !!seq into map[string]string\n"
            "  line 9: field annotation not found in type rulefmt.RuleNode\n");
}

TEST(RuleFile, KeyGivenTwiceLeavesTheMappingUndecoded) {
  RuleFileCheck c = Check("groups:\n  - name: a\n    name: b\n    rules:\n      - expr: x\n");
  EXPECT_EQ(
      Errors(c),
      "r.yml: yaml: unmarshal errors:\n  line 3: mapping key \"name\" already defined at line "
      "2\n");
}

TEST(RuleFile, BadDurationEndsDecodingAlone) {
  RuleFileCheck c = Check(
      "groups:\n  - name: a\n    limit: x\n    rules:\n      - alert: A\n"
      "        expr: up\n        for: 5min\n");
  EXPECT_EQ(Errors(c), "r.yml: not a valid duration string: \"5min\"\n");
}

TEST(RuleFile, TopLevelOfTheWrongKindFailsBothPasses) {
  EXPECT_EQ(Errors(Check("- a\n")),
            "r.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into "
            "rulefmt.RuleGroups\nr.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq "
            "into rulefmt.ruleGroups\n");
  EXPECT_EQ(Errors(Check("groups: 5\n")),
            "r.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!int `5` into "
            "[]rulefmt.RuleGroup\nr.yml: yaml: unmarshal errors:\n  line 1: cannot unmarshal "
            "!!int `5` into []yaml.Node\n");
}

TEST(RuleFile, SyntaxErrorNamesTheLine) {
  // `for` indented less than the rule it belongs to.
  RuleFileCheck c = Check(
      "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: up\n       for: 5m\n");
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_EQ(c.errors[0], "r.yml: yaml: line 6: end of sequence not found");
  EXPECT_EQ(c.errors[1], c.errors[0]);
}

TEST(RuleFile, ValidationReportsEveryProblemWithPositions) {
  RuleFileCheck c = Check(R"(groups:
  - name: a
    rules:
      - record: job:x:sum
        expr: sum(x
        for: 1m
        annotations: {a: b}
      - alert: A
        record: r
        expr: up
      - expr: up
      - alert: T
        expr: up
        labels:
          __name__: x
        annotations:
          s: "{{ humanise 1 }}"
  - name: a
  - name: ""
)");
  EXPECT_EQ(Errors(c),
            "r.yml: 5:15: group \"a\", rule 1, \"job:x:sum\": could not parse expression: 1:6: "
            "parse error: unclosed left parenthesis\n"
            "r.yml: 4:17: group \"a\", rule 1, \"job:x:sum\": invalid field 'annotations' in "
            "recording rule\n"
            "r.yml: 4:17: group \"a\", rule 1, \"job:x:sum\": invalid field 'for' in recording "
            "rule\n"
            "r.yml: 9:17: 8:16: group \"a\", rule 2, \"A\": only one of 'record' and 'alert' must "
            "be set\n"
            "r.yml: 0:0: group \"a\", rule 3, \"\": one of 'record' or 'alert' must be set\n"
            "r.yml: group \"a\", rule 4, \"T\": invalid label name: __name__\n"
            "r.yml: group \"a\", rule 4, \"T\": annotation \"s\": template: __alert_T:1: function "
            "\"humanise\" not defined\n"
            "r.yml: 18:5: groupname: \"a\" is repeated in the same file\n"
            "r.yml: 19:5: Groupname must not be empty\n");
}

TEST(RuleFile, NamesAreUtf8OrLegacy) {
  constexpr std::string_view kYaml = R"(groups:
  - name: a
    rules:
      - record: "llm.cost"
        expr: up
        labels: {team-name: ai}
)";
  EXPECT_TRUE(Check(kYaml).ok());
  RuleFileOptions legacy;
  legacy.utf8_names = false;
  EXPECT_EQ(Errors(Check(kYaml, legacy)),
            "r.yml: 4:17: group \"a\", rule 1, \"llm.cost\": invalid recording rule name: "
            "llm.cost\nr.yml: group \"a\", rule 1, \"llm.cost\": invalid label name: team-name\n");
  EXPECT_EQ(Errors(Check("groups:\n- name: a\n  rules:\n  - record: x{a=\"b\"}\n    expr: up\n")),
            "r.yml: 4:13: group \"a\", rule 1, \"x{a=\\\"b\\\"}\": braces present in the recording "
            "rule name; should it be in expr?: x{a=\"b\"}\n");
}

TEST(RuleFile, DuplicateRulesAcrossGroups) {
  RuleFileCheck c = Check(R"(groups:
  - name: a
    rules:
      - {alert: A, expr: up, labels: {b: "2", a: "1"}}
      - {alert: A, expr: up == 1, labels: {a: "1", b: "2"}}
      - {alert: A, expr: up == 2, labels: {a: "1", b: "2"}}
      - {record: r, expr: up}
  - name: b
    rules:
      - {record: r, expr: up}
      - {alert: A, expr: up}
)");
  ASSERT_TRUE(c.ok()) << Errors(c);
  std::vector<DuplicateRule> dups = FindDuplicateRules(c.groups);
  ASSERT_EQ(dups.size(), 2u);
  EXPECT_EQ(FormatDuplicateRules(dups),
            "lint error 2 duplicate rule(s) found.\nMetric: A\nLabel(s):\n\ta: 1\n\tb: 2\n"
            "Metric: r\nLabel(s):\nMight cause inconsistency while recording expressions");
  EXPECT_TRUE(FindDuplicateRules({}).empty());
}

TEST(RuleFile, UnreadableFileIsOneError) {
  RuleFileCheck c = CheckRuleFile("/nonexistent/rules.yml");
  EXPECT_EQ(Errors(c),
            "/nonexistent/rules.yml: open /nonexistent/rules.yml: no such file or directory\n");
  auto loaded = LoadRuleFiles({"/nonexistent/rules.yml"});
  EXPECT_FALSE(loaded.ok());
}

TEST(RuleFile, ExpandsGlobsInOrderOnce) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("rule_file_test_" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  for (const char* name : {"b.yml", "a.yml", "c.yaml", "sub/d.yml"}) {
    std::ofstream(dir / name) << "groups:\n  - name: " << fs::path(name).stem().string() << "\n";
  }
  const std::string d = dir.string();
  auto files = ExpandRuleFiles({d + "/*.yml", d + "/a.yml", d + "/none*.yml", d + "/*/d.yml"});
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(*files, (std::vector<std::string>{d + "/a.yml", d + "/b.yml", d + "/sub/d.yml"}));
  auto groups = LoadRuleFiles(*files);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  EXPECT_EQ(groups->size(), 3u);
  EXPECT_FALSE(ExpandRuleFiles({d + "/[a-"}).ok());
  EXPECT_FALSE(ExpandRuleFiles({""}).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tidemark::rules
