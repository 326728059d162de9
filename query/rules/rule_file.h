// Prometheus' rule files: the YAML of `rule_files` read into GroupSpecs and validated as
// Prometheus' rulefmt does, with the errors worded as `promtool check rules` prints them.
//
//   groups:
//     - name: llm_sla_alerts            # unique in its file, not empty
//       interval: 1m                    # optional durations: interval, query_offset
//       limit: 0                        # optional; labels: {...} added to every rule
//       rules:
//         - alert: LLMCostHigh          # or `record: level:metric:op` (a metric name)
//           expr: llm_cost_usd_total > 180
//           for: 5m                     # alerting only, as keep_firing_for and annotations
//           labels: {severity: warning}
//           annotations: {summary: "cost {{ $value }}"}
//
// Decoding follows Go's yaml.v3 as Prometheus uses it: an unknown field, a value of the wrong
// kind or a key given twice is an "unmarshal error" with its line; a duration that does not parse
// ends the decoding with that one message; a null group or rule is skipped. Then every group and
// rule is validated and every problem reported: "5:15: group \"a\", rule 1, \"x\": could not parse
// expression: 1:6: parse error: ..." (line:column of the offending value, as yaml.v3 counts them).
// Where promtool 2.42 and Prometheus 3 differ, docs/rules.md says which one this follows.
//
// Thread safety: free functions.
#ifndef TIDEMARK_QUERY_RULES_RULE_FILE_H_
#define TIDEMARK_QUERY_RULES_RULE_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "query/parser.h"
#include "query/rules/rule.h"
#include "query/rules/template.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::rules {

struct RuleFileOptions {
  // Prometheus 3's UTF-8 names: a metric or label name is any non-empty valid UTF-8 string. With
  // false, Prometheus 2's legacy names only ([a-zA-Z_:][a-zA-Z0-9_:]* for `record`,
  // [a-zA-Z_][a-zA-Z0-9_]* for label and annotation names), as promtool 2.x checks them.
  bool utf8_names = true;
  promql::ParseOptions parse_options;
  TemplateOptions template_options;
};

// What reading one rule file found.
struct RuleFileCheck {
  // The groups in file order; empty when there are errors.
  std::vector<GroupSpec> groups;
  // Every problem, as promtool prints it: "FILE: MESSAGE". One entry per error; an entry may span
  // lines (yaml's "unmarshal errors" list one per line below the first).
  std::vector<std::string> errors;

  bool ok() const { return errors.empty(); }
  size_t rule_count() const;
};

// Decodes and validates `content`; `file` names it in errors and in GroupSpec::file.
RuleFileCheck CheckRuleFileContent(std::string_view content, const std::string& file,
                                   const RuleFileOptions& options = {});
// Reads `path`, then CheckRuleFileContent. A file that cannot be read is one error, worded as
// Go's: "rules.yml: open rules.yml: no such file or directory".
RuleFileCheck CheckRuleFile(const std::string& path, const RuleFileOptions& options = {});

// The groups of every file in order (group names are unique per file, not across files), or the
// first failing file's problems as one InvalidArgument, one problem per line.
Result<std::vector<GroupSpec>> LoadRuleFiles(const std::vector<std::string>& paths,
                                             const RuleFileOptions& options = {});

// Expands `rule_files` patterns with glob(3), as Prometheus does with Go's filepath.Glob (`*`,
// `?`, `[...]`, `\` escapes; no `**` or braces): the matches of each pattern in sorted order, a
// file matched twice listed once. A pattern that matches nothing adds nothing, as in Prometheus
// (its files are then simply absent), and so does a directory that cannot be read (Go's Glob
// ignores I/O errors); InvalidArgument for an empty or malformed pattern ("[a-"). A matched file
// that cannot be read fails later, when it is loaded.
Result<std::vector<std::string>> ExpandRuleFiles(const std::vector<std::string>& patterns);

// promtool's duplicate-rules lint: rules of one file (across its groups) with the same name
// (`alert`, or `record` when there is no alert name) and the same labels.
struct DuplicateRule {
  std::string name;
  std::vector<Label> labels;  // sorted by name
};
// Each duplicated (name, labels) once, sorted by name then labels.
std::vector<DuplicateRule> FindDuplicateRules(const std::vector<GroupSpec>& groups);
// promtool's text for them: "lint error 2 duplicate rule(s) found.\nMetric: A\nLabel(s):\n\ta: 1\n
// ...Might cause inconsistency while recording expressions".
std::string FormatDuplicateRules(const std::vector<DuplicateRule>& duplicates);

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_RULE_FILE_H_
