#include "query/rules/rule_file.h"

#include <glob.h>

#include <algorithm>
#include <set>

#include "query/rules/yaml_decode.h"
#include "util/go_text.h"
#include "util/prom_names.h"
#include "util/utf8.h"

namespace tidemark::rules {
namespace {

using internal::PosOf;
using internal::YamlDecoder;
using internal::YamlPos;

// A rule as decoded, with where its parts are (Prometheus' RuleNode): record, alert and expr
// keep their positions for messages.
struct RuleNode {
  std::string record, alert, expr;
  YamlPos record_pos, alert_pos, expr_pos;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::vector<Label> labels;
  std::vector<Label> annotations;
  YamlPos pos;
};

struct GroupNode {
  std::string name;
  YamlPos pos;
  int64_t interval_ms = 0;  // 0: the global interval
  std::optional<int64_t> query_offset_ms;
  int64_t limit = 0;
  std::vector<Label> labels;
  std::vector<RuleNode> rules;
};

// record, alert and expr are yaml.Node in Prometheus: any node decodes, a non-scalar to "".
void DecodeNodeField(const YAML::Node& value, std::string* text, YamlPos* pos) {
  *text = value.IsScalar() ? value.Scalar() : "";
  *pos = PosOf(value);
}

std::vector<GroupNode> DecodeGroups(const YAML::Node& root, YamlDecoder& d) {
  std::vector<GroupNode> groups;
  d.Struct(root, "rulefmt.RuleGroups", {"groups"}, [&](std::string_view, const YAML::Node& v) {
    d.Sequence(v, "[]rulefmt.RuleGroup", [&](const YAML::Node& g) {
      GroupNode group;
      group.pos = PosOf(g);
      const bool decoded = d.Struct(
          g, "rulefmt.RuleGroup", {"name", "interval", "query_offset", "limit", "rules", "labels"},
          [&](std::string_view key, const YAML::Node& gv) {
            if (key == "name") {
              group.name = d.String(gv);
            } else if (key == "interval") {
              group.interval_ms = d.Duration(gv).value_or(0);
            } else if (key == "query_offset") {
              group.query_offset_ms = d.Duration(gv);
            } else if (key == "limit") {
              group.limit = d.Int(gv);
            } else if (key == "labels") {
              group.labels = d.StringMap(gv);
            } else {
              d.Sequence(gv, "[]rulefmt.RuleNode", [&](const YAML::Node& r) {
                RuleNode rule;
                rule.pos = PosOf(r);
                if (d.Struct(r, "rulefmt.RuleNode",
                             {"record", "alert", "expr", "for", "keep_firing_for", "labels",
                              "annotations"},
                             [&](std::string_view rk, const YAML::Node& rv) {
                               if (rk == "record") {
                                 DecodeNodeField(rv, &rule.record, &rule.record_pos);
                               } else if (rk == "alert") {
                                 DecodeNodeField(rv, &rule.alert, &rule.alert_pos);
                               } else if (rk == "expr") {
                                 DecodeNodeField(rv, &rule.expr, &rule.expr_pos);
                               } else if (rk == "for") {
                                 rule.for_ms = d.Duration(rv).value_or(0);
                               } else if (rk == "keep_firing_for") {
                                 rule.keep_firing_for_ms = d.Duration(rv).value_or(0);
                               } else if (rk == "labels") {
                                 rule.labels = d.StringMap(rv);
                               } else {
                                 rule.annotations = d.StringMap(rv);
                               }
                             })) {
                  group.rules.push_back(std::move(rule));
                }
              });
            }
          });
      if (decoded) groups.push_back(std::move(group));
    });
  });
  return groups;
}

std::string Position(YamlPos pos) {
  return std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": ";
}

class Validator {
 public:
  explicit Validator(const RuleFileOptions& options) : options_(options) {}

  bool ValidMetricName(std::string_view name) const {
    return options_.utf8_names ? !name.empty() && util::IsValidUtf8(name)
                               : util::IsLegacyMetricName(name);
  }
  bool ValidLabelName(std::string_view name) const {
    return options_.utf8_names ? util::IsValidLabelName(name) : util::IsLegacyLabelName(name);
  }

  // Prometheus' RuleGroups.Validate: the group's own problems, then its rules'.
  std::vector<std::string> Validate(const std::vector<GroupNode>& groups) const {
    std::vector<std::string> errors;
    std::set<std::string> seen;
    for (const GroupNode& g : groups) {
      if (g.name.empty()) errors.push_back(Position(g.pos) + "Groupname must not be empty");
      if (!seen.insert(g.name).second) {
        errors.push_back(Position(g.pos) + "groupname: \"" + g.name +
                         "\" is repeated in the same file");
      }
      for (const Label& l : g.labels) CheckLabel(l, &errors);
      for (size_t i = 0; i < g.rules.size(); ++i) {
        const RuleNode& r = g.rules[i];
        const std::string context = "group " + util::GoQuote(g.name) + ", rule " +
                                    std::to_string(i + 1) + ", " +
                                    util::GoQuote(r.alert.empty() ? r.record : r.alert) + ": ";
        for (auto& [pos, message] : ValidateRule(r)) errors.push_back(pos + context + message);
      }
    }
    return errors;
  }

 private:
  void CheckLabel(const Label& l, std::vector<std::string>* errors) const {
    if (!ValidLabelName(l.name) || l.name == kMetricNameLabel) {
      errors->push_back("invalid label name: " + l.name);
    }
    if (!util::IsValidUtf8(l.value)) errors->push_back("invalid label value: " + l.value);
  }

  // Prometheus' Rule.Validate: (position prefix, message) pairs, the prefix empty where
  // Prometheus has no node to point at.
  std::vector<std::pair<std::string, std::string>> ValidateRule(const RuleNode& r) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!r.record.empty() && !r.alert.empty()) {
      out.emplace_back(Position(r.record_pos) + Position(r.alert_pos),
                       "only one of 'record' and 'alert' must be set");
    }
    if (r.record.empty() && r.alert.empty()) {
      out.emplace_back(Position(r.record_pos), "one of 'record' or 'alert' must be set");
    }
    if (r.expr.empty()) {
      out.emplace_back(Position(r.expr_pos), "field 'expr' must be set in rule");
    } else if (auto expr = promql::ParseExpr(r.expr, options_.parse_options); !expr.ok()) {
      out.emplace_back(Position(r.expr_pos),
                       "could not parse expression: " + std::string(expr.status().message()));
    }
    if (!r.record.empty()) {
      const std::string at = Position(r.record_pos);
      if (!r.annotations.empty()) {
        out.emplace_back(at, "invalid field 'annotations' in recording rule");
      }
      if (r.for_ms != 0) out.emplace_back(at, "invalid field 'for' in recording rule");
      if (r.keep_firing_for_ms != 0) {
        out.emplace_back(at, "invalid field 'keep_firing_for' in recording rule");
      }
      if (!ValidMetricName(r.record)) {
        out.emplace_back(at, "invalid recording rule name: " + r.record);
      }
      // A valid UTF-8 name, but most likely PromQL written in the wrong field (Prometheus 3).
      if (r.record.find_first_of("{}") != std::string::npos) {
        out.emplace_back(
            at, "braces present in the recording rule name; should it be in expr?: " + r.record);
      }
    }
    std::vector<std::string> label_errors;
    for (const Label& l : r.labels) CheckLabel(l, &label_errors);
    for (std::string& e : label_errors) out.emplace_back("", std::move(e));
    for (const Label& a : r.annotations) {
      if (!ValidLabelName(a.name)) out.emplace_back("", "invalid annotation name: " + a.name);
    }
    // Templates of alerting rules parse (they are not executed: they may legitimately fail on
    // the empty data a check has).
    if (!r.alert.empty()) {
      const std::string name = "__alert_" + r.alert;
      for (const auto& [kind, items] :
           {std::pair{"label ", &r.labels}, std::pair{"annotation ", &r.annotations}}) {
        for (const Label& l : *items) {
          Status s = CheckTemplate(name, l.value, options_.template_options);
          if (!s.ok()) {
            out.emplace_back("", kind + util::GoQuote(l.name) + ": " + std::string(s.message()));
          }
        }
      }
    }
    return out;
  }

  const RuleFileOptions& options_;
};

GroupSpec ToSpec(GroupNode g, const std::string& file) {
  GroupSpec spec;
  spec.name = std::move(g.name);
  spec.file = file;
  if (g.interval_ms != 0) spec.interval_ms = g.interval_ms;
  spec.query_offset_ms = g.query_offset_ms;
  spec.limit = g.limit > 0 ? static_cast<uint64_t>(g.limit) : 0;
  spec.labels = std::move(g.labels);
  for (RuleNode& r : g.rules) {
    RuleSpec rule;
    rule.kind = r.alert.empty() ? RuleKind::kRecording : RuleKind::kAlerting;
    rule.name = r.alert.empty() ? std::move(r.record) : std::move(r.alert);
    rule.expr = std::move(r.expr);
    rule.for_ms = r.for_ms;
    rule.keep_firing_for_ms = r.keep_firing_for_ms;
    rule.labels = std::move(r.labels);
    rule.annotations = std::move(r.annotations);
    rule.line = r.pos.line;
    spec.rules.push_back(std::move(rule));
  }
  return spec;
}

// Go's filepath.Match refuses an unterminated character class; glob(3) would take it literally.
bool WellFormedPattern(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (++i == pattern.size()) return false;
    } else if (pattern[i] == '[') {
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      while (j < pattern.size() && pattern[j] != ']') ++j;
      if (j == pattern.size()) return false;
      i = j;
    }
  }
  return true;
}

}  // namespace

size_t RuleFileCheck::rule_count() const {
  size_t n = 0;
  for (const GroupSpec& g : groups) n += g.rules.size();
  return n;
}

RuleFileCheck CheckRuleFileContent(std::string_view content, const std::string& file,
                                   const RuleFileOptions& options) {
  RuleFileCheck check;
  auto fail = [&](std::string message) { check.errors.push_back(file + ": " + message); };
  Result<YAML::Node> root = internal::ParseYaml(content);
  if (!root.ok()) {
    // Prometheus decodes the file twice (values, then positions); both passes fail alike.
    fail(std::string(root.status().message()));
    fail(std::string(root.status().message()));
    return check;
  }
  YamlDecoder d(YamlDecoder::Flavor::kYamlV3);
  std::vector<GroupNode> groups = DecodeGroups(*root, d);
  if (!d.ok()) {
    fail(d.Error());
    // The position pass decodes the document and `groups` alone, as a list of nodes, so only a
    // wrong kind there fails it as well.
    YamlDecoder positions(YamlDecoder::Flavor::kYamlV3);
    if (!root->IsNull() && !root->IsMap()) {
      positions.TypeError(*root, "rulefmt.ruleGroups");
    } else if (root->IsMap() && (*root)["groups"].IsDefined() && !(*root)["groups"].IsNull() &&
               !(*root)["groups"].IsSequence()) {
      positions.TypeError((*root)["groups"], "[]yaml.Node");
    }
    if (!positions.ok() && !d.failed()) fail(positions.Error());
    return check;
  }
  for (std::string& e : Validator(options).Validate(groups)) fail(std::move(e));
  if (!check.errors.empty()) return check;
  for (GroupNode& g : groups) check.groups.push_back(ToSpec(std::move(g), file));
  return check;
}

RuleFileCheck CheckRuleFile(const std::string& path, const RuleFileOptions& options) {
  Result<std::string> content = internal::ReadFileAsGoDoes(path);
  if (!content.ok()) {
    RuleFileCheck check;
    check.errors.push_back(path + ": " + std::string(content.status().message()));
    return check;
  }
  return CheckRuleFileContent(*content, path, options);
}

Result<std::vector<GroupSpec>> LoadRuleFiles(const std::vector<std::string>& paths,
                                             const RuleFileOptions& options) {
  std::vector<GroupSpec> groups;
  for (const std::string& path : paths) {
    RuleFileCheck check = CheckRuleFile(path, options);
    if (!check.ok()) {
      std::string message;
      for (const std::string& e : check.errors) message += (message.empty() ? "" : "\n") + e;
      return Status::InvalidArgument(message);
    }
    for (GroupSpec& g : check.groups) groups.push_back(std::move(g));
  }
  return groups;
}

Result<std::vector<std::string>> ExpandRuleFiles(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  std::set<std::string> seen;
  for (const std::string& pattern : patterns) {
    if (pattern.empty() || !WellFormedPattern(pattern)) {
      return Status::InvalidArgument("invalid rule file pattern " + util::GoQuote(pattern) +
                                     ": syntax error in pattern");
    }
    glob_t g{};
    const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        if (seen.insert(g.gl_pathv[i]).second) files.emplace_back(g.gl_pathv[i]);
      }
    }
    ::globfree(&g);
    if (rc == GLOB_NOSPACE) {
      return Status::ResourceExhausted("rule file pattern " + util::GoQuote(pattern) +
                                       ": out of memory");
    }
    // GLOB_NOMATCH: nothing, as in Prometheus; unreadable directories are passed over (Go's
    // Glob ignores I/O errors too).
  }
  return files;
}

std::vector<DuplicateRule> FindDuplicateRules(const std::vector<GroupSpec>& groups) {
  std::vector<DuplicateRule> rules;
  for (const GroupSpec& g : groups) {
    for (const RuleSpec& r : g.rules) {
      DuplicateRule d{r.name, r.labels};
      std::sort(d.labels.begin(), d.labels.end());
      rules.push_back(std::move(d));
    }
  }
  auto key = [](const DuplicateRule& d) { return std::tie(d.name, d.labels); };
  std::sort(rules.begin(), rules.end(),
            [&](const DuplicateRule& a, const DuplicateRule& b) { return key(a) < key(b); });
  std::vector<DuplicateRule> duplicates;
  for (size_t i = 1; i < rules.size(); ++i) {
    if (key(rules[i - 1]) != key(rules[i])) continue;
    if (duplicates.empty() || key(duplicates.back()) != key(rules[i])) {
      duplicates.push_back(rules[i]);
    }
  }
  return duplicates;
}

std::string FormatDuplicateRules(const std::vector<DuplicateRule>& duplicates) {
  std::string out =
      "lint error " + std::to_string(duplicates.size()) + " duplicate rule(s) found.\n";
  for (const DuplicateRule& d : duplicates) {
    out += "Metric: " + d.name + "\nLabel(s):\n";
    for (const Label& l : d.labels) out += "\t" + l.name + ": " + l.value + "\n";
  }
  out += "Might cause inconsistency while recording expressions";
  return out;
}

}  // namespace tidemark::rules
