// `tidemark check rules` and `tidemark test rules`: promtool's commands, with its output on
// stdout and stderr and its exit codes (docs/rules.md lists where the text differs).

#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "query/rules/rule_file.h"
#include "query/rules/unit_test_runner.h"
#include "server/commands.h"
#include "storage/memory_store.h"

namespace tidemark::server {
namespace {

constexpr int kSuccess = 0;
constexpr int kFailure = 1;
constexpr int kLintFailure = 3;  // promtool's "one or more lint issues detected"

// promtool takes only existing files (its flag parser refuses others before anything runs).
bool ArgumentsUsable(const std::vector<std::string>& files, const char* argument_name) {
  if (files.empty()) {
    std::fprintf(stderr, "tidemark: error: required argument '%s' not provided, try --help\n",
                 argument_name);
    return false;
  }
  for (const std::string& f : files) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) {
      std::fprintf(stderr, "tidemark: error: path '%s' does not exist, try --help\n", f.c_str());
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      std::fprintf(stderr, "tidemark: error: '%s' is a directory, try --help\n", f.c_str());
      return false;
    }
  }
  return true;
}

class MemoryTestStorage final : public rules::RuleTestStorage {
 public:
  SampleQuerier& querier() override { return store_; }
  std::unique_ptr<Appender> NewAppender() override { return store_.NewAppender(); }

 private:
  storage::MemoryStore store_;
};

}  // namespace

int RunCheckRules(const CheckRulesOptions& options) {
  if (!ArgumentsUsable(options.files, "rule-files")) return kFailure;
  bool lint_duplicates = false;
  for (size_t start = 0; start <= options.lint.size();) {
    size_t comma = options.lint.find(',', start);
    if (comma == std::string::npos) comma = options.lint.size();
    const std::string setting = options.lint.substr(start, comma - start);
    if (setting == "all" || setting == "duplicate-rules") {
      lint_duplicates = true;
    } else if (setting != "none") {
      std::printf("WARNING: unknown lint option %s\n", setting.c_str());
    }
    start = comma + 1;
  }
  rules::RuleFileOptions file_options;
  file_options.utf8_names = options.utf8_names;

  bool failed = false;
  bool has_errors = false;
  for (const std::string& file : options.files) {
    std::printf("Checking %s\n", file.c_str());
    std::fflush(stdout);
    rules::RuleFileCheck check = rules::CheckRuleFile(file, file_options);
    if (!check.ok()) {
      failed = has_errors = true;
      std::fprintf(stderr, "  FAILED:\n");
      for (const std::string& e : check.errors) std::fprintf(stderr, "%s\n", e.c_str());
    } else if (std::vector<rules::DuplicateRule> dups = rules::FindDuplicateRules(check.groups);
               lint_duplicates && !dups.empty()) {
      failed = true;
      std::fprintf(stderr, "  FAILED:\n%s\n", rules::FormatDuplicateRules(dups).c_str());
    } else {
      std::printf("  SUCCESS: %zu rules found\n", check.rule_count());
    }
    // promtool 2.42 ends every file with an empty line, whatever the outcome.
    std::printf("\n");
    std::fflush(stdout);
  }
  if (failed && has_errors) return kFailure;
  if (failed && options.lint_fatal) return kLintFailure;
  return kSuccess;
}

int RunTestRules(const std::vector<std::string>& files, bool utf8_names) {
  if (!ArgumentsUsable(files, "test-rule-file")) return kFailure;
  rules::RuleUnitTestOptions options;
  options.rule_files.utf8_names = utf8_names;
  auto new_storage = [] { return std::make_unique<MemoryTestStorage>(); };
  bool failed = false;
  for (const std::string& file : files) {
    std::printf("Unit Testing:  %s\n", file.c_str());
    std::fflush(stdout);
    rules::RuleUnitTestResult result = rules::RunRuleUnitTestFile(file, new_storage, options);
    for (const std::string& w : result.warnings) std::fprintf(stderr, "%s\n", w.c_str());
    if (!result.ok()) {
      failed = true;
      std::fprintf(stderr, "  FAILED:\n");
      // promtool writes an empty line to stdout after each failure it writes to stderr.
      for (const std::string& f : result.failures) {
        std::fprintf(stderr, "%s\n", f.c_str());
        std::printf("\n");
      }
    } else {
      std::printf("  SUCCESS\n");
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return failed ? kFailure : kSuccess;
}

}  // namespace tidemark::server
