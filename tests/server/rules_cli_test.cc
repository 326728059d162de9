// `tidemark check rules` and `tidemark test rules` against Debian's promtool (Prometheus 2.42) on
// the same files (tests/rules/): the same exit codes, the same stdout, and stderr naming the same
// problems. Where 2.42 words a message differently from the Prometheus 3 behaviour tidemark has
// (docs/rules.md), the comparison is on key phrases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `command` in `dir`, capturing stdout and stderr apart.
Output RunIn(const fs::path& dir, const std::string& command) {
  const fs::path tmp = fs::temp_directory_path() / ("rules_cli_test_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  const std::string shell = "cd '" + dir.string() + "' && " + command + " >'" +
                            (tmp / "out").string() + "' 2>'" + (tmp / "err").string() + "'";
  const int status = std::system(shell.c_str());
  Output o;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = ReadAll(tmp / "out");
  o.err = ReadAll(tmp / "err");
  fs::remove_all(tmp);
  return o;
}

bool HavePromtool() { return std::system("promtool --version >/dev/null 2>&1") == 0; }

const fs::path kRulesDir = RULES_DIR;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The error lines, sorted: Go prints a rule's label problems in map order, which varies.
std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines = Lines(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

struct CheckCase {
  CheckCase(std::string f, std::vector<std::string> p = {}, std::string flags = "")
      : file(std::move(f)), phrases(std::move(p)), tidemark_flags(std::move(flags)) {}
  std::string file;  // under tests/rules
  // Phrases both stderrs must contain. Empty: the stderrs must be equal line for line (sorted).
  std::vector<std::string> phrases;
  std::string tidemark_flags;  // for a Prometheus 2 check (--name-validation=legacy)
};

class CheckRulesVsPromtool : public ::testing::TestWithParam<CheckCase> {};

TEST_P(CheckRulesVsPromtool, SameVerdictAndProblems) {
  if (!HavePromtool()) GTEST_SKIP() << "promtool is not installed (apt-get install prometheus)";
  const CheckCase& c = GetParam();
  const Output prom = RunIn(kRulesDir, "promtool check rules " + c.file);
  const Output ours = RunIn(
      kRulesDir, std::string(TIDEMARK_BINARY) + " check rules " + c.tidemark_flags + " " + c.file);
  EXPECT_EQ(ours.exit_code, prom.exit_code) << ours.err;
  EXPECT_EQ(ours.out, prom.out);
  if (c.phrases.empty()) {
    EXPECT_EQ(SortedLines(ours.err), SortedLines(prom.err)) << "promtool:\n"
                                                            << prom.err << "tidemark:\n"
                                                            << ours.err;
  }
  for (const std::string& phrase : c.phrases) {
    EXPECT_NE(prom.err.find(phrase), std::string::npos) << "promtool lacks: " << phrase << "\n"
                                                        << prom.err;
    EXPECT_NE(ours.err.find(phrase), std::string::npos) << "tidemark lacks: " << phrase << "\n"
                                                        << ours.err;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, CheckRulesVsPromtool,
    ::testing::Values(
        CheckCase{"seed_003_llm_sla.yml"}, CheckCase{"seed_004_ai_alerts.yml"},
        CheckCase{"unit/llm_recording_rules.yml"},
        // yaml-cpp words syntax errors and counts their lines differently from libyaml.
        CheckCase{"broken/bad_yaml.yml", {"  FAILED:\nbroken/bad_yaml.yml: yaml: line "}},
        CheckCase{"broken/bad_promql.yml"}, CheckCase{"broken/bad_duration.yml"},
        CheckCase{"broken/duplicate_group.yml"}, CheckCase{"broken/invalid_label_name.yml"},
        CheckCase{"broken/legacy_label_name.yml", {}, "--name-validation=legacy"},
        CheckCase{"broken/record_with_annotations.yml"}, CheckCase{"broken/bad_template.yml"},
        CheckCase{"broken/unknown_field.yml"}, CheckCase{"broken/missing_expr.yml"},
        // Prometheus 3 takes a UTF-8 name with braces as valid but most likely PromQL.
        CheckCase{"broken/bad_record_name.yml",
                  {"5:17: group \"llm_recording\", rule 1, ", "recording rule name"}},
        CheckCase{"broken/record_and_alert.yml"}, CheckCase{"broken/duplicate_rules.yml"},
        CheckCase{"broken/wrong_kind.yml"}, CheckCase{"broken/not_rule_groups.yml"}),
    [](const ::testing::TestParamInfo<CheckCase>& info) {
      std::string name = fs::path(info.param.file).stem().string();
      std::replace_if(
          name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
      return name;
    });

TEST(CheckRules, SeveralFilesLintFatalAndMissingFiles) {
  if (!HavePromtool()) GTEST_SKIP() << "promtool is not installed (apt-get install prometheus)";
  const std::string tidemark = std::string(TIDEMARK_BINARY) + " check rules ";
  for (const std::string args :
       {"seed_003_llm_sla.yml broken/bad_promql.yml broken/duplicate_rules.yml",
        "--lint-fatal broken/duplicate_rules.yml seed_004_ai_alerts.yml",
        "--lint=none broken/duplicate_rules.yml", "--lint=all broken/duplicate_rules.yml",
        "no_such_file.yml", "broken", ""}) {
    const Output prom = RunIn(kRulesDir, "promtool check rules " + args);
    const Output ours = RunIn(kRulesDir, tidemark + args);
    EXPECT_EQ(ours.exit_code, prom.exit_code) << args << "\n" << ours.err;
    EXPECT_EQ(ours.out, prom.out) << args;
    if (prom.err.starts_with("promtool: error: ")) {
      // The flag parser's refusal, with the program's name.
      EXPECT_EQ(ours.err, "tidemark" + prom.err.substr(std::string("promtool").size())) << args;
    } else {
      EXPECT_EQ(SortedLines(ours.err), SortedLines(prom.err)) << args;
    }
  }
}

// A label name with a dash is valid UTF-8, so Prometheus 3 (and tidemark by default) takes it.
TEST(CheckRules, Utf8LabelNamesByDefault) {
  const Output ours =
      RunIn(kRulesDir, std::string(TIDEMARK_BINARY) + " check rules broken/legacy_label_name.yml");
  EXPECT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(ours.out, "Checking broken/legacy_label_name.yml\n  SUCCESS: 1 rules found\n\n");
}

// What identifies each failure promtool reports: the test group, and the alert or expression and
// time, or the rule that failed to evaluate, or the first line of a file-level error.
std::multiset<std::string> FailedTests(const std::string& err) {
  static const std::regex kAlert(R"(^    alertname: (.*), time: ([^,]*), $)");
  static const std::regex kExpr(R"(^    expr: (".*"), time: ([^,]*),)");
  static const std::regex kRule(R"(^    rule: (.*), time: ([^,]*), err: )");
  std::multiset<std::string> failed;
  std::string group;
  for (const std::string& line : Lines(err)) {
    std::smatch m;
    if (line.starts_with("    name: ")) {
      group = line;
    } else if (std::regex_search(line, m, kAlert)) {
      failed.insert(group + " alert " + m[1].str() + " at " + m[2].str());
      group.clear();
    } else if (std::regex_search(line, m, kExpr)) {
      failed.insert("expr " + m[1].str() + " at " + m[2].str());
    } else if (std::regex_search(line, m, kRule)) {
      failed.insert("rule " + m[1].str() + " at " + m[2].str());
    } else if (!line.starts_with(" ") && line != "  FAILED:") {
      // A file-level error: its first words (yaml-cpp and Go word parse errors differently).
      failed.insert("error " + line.substr(0, line.find(':')));
    }
  }
  return failed;
}

class TestRulesVsPromtool : public ::testing::TestWithParam<std::string> {};

TEST_P(TestRulesVsPromtool, SameVerdictAndFailures) {
  if (!HavePromtool()) GTEST_SKIP() << "promtool is not installed (apt-get install prometheus)";
  const std::string file = GetParam();
  const fs::path dir = kRulesDir / "unit";
  const Output prom = RunIn(dir, "promtool test rules " + file);
  const Output ours = RunIn(dir, std::string(TIDEMARK_BINARY) + " test rules " + file);
  EXPECT_EQ(ours.exit_code, prom.exit_code) << "promtool:\n"
                                            << prom.err << "tidemark:\n"
                                            << ours.err;
  // "Unit Testing:  FILE", then one empty line per failure and the verdict.
  EXPECT_EQ(ours.out, prom.out);
  EXPECT_EQ(FailedTests(ours.err), FailedTests(prom.err)) << "promtool:\n"
                                                          << prom.err << "tidemark:\n"
                                                          << ours.err;
  // Every test must be able to fail: a file named fail_* fails, the others pass.
  EXPECT_EQ(prom.exit_code != 0, file.starts_with("fail_")) << prom.err;
}

// The differences in alert and sample listings are the point of promtool's output: the ones
// whose values both engines compute alike must be byte for byte the same.
TEST(TestRules, FailureListingsAsPromtool) {
  if (!HavePromtool()) GTEST_SKIP() << "promtool is not installed (apt-get install prometheus)";
  const fs::path dir = kRulesDir / "unit";
  for (const std::string file :
       {"fail_annotation_test.yml", "fail_labels_test.yml", "fail_alertname_test.yml",
        "fail_file_test.yml", "fail_rule_file_test.yml"}) {
    const Output prom = RunIn(dir, "promtool test rules " + file);
    const Output ours = RunIn(dir, std::string(TIDEMARK_BINARY) + " test rules " + file);
    EXPECT_EQ(ours.err, prom.err) << file;
  }
}

std::vector<std::string> UnitTestFiles() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(kRulesDir / "unit")) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with("_test.yml")) files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Files, TestRulesVsPromtool, ::testing::ValuesIn(UnitTestFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return fs::path(info.param).stem().string();
                         });

}  // namespace
