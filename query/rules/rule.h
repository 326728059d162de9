// Recording and alerting rules as Prometheus' rule files define them (its rulefmt): the parsed,
// validated form the evaluator (group.h) runs and `tidemark check rules` reports on.
#ifndef TIDEMARK_QUERY_RULES_RULE_H_
#define TIDEMARK_QUERY_RULES_RULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tidemark/labels.h"

namespace tidemark::rules {

enum class RuleKind { kRecording, kAlerting };

struct RuleSpec {
  RuleKind kind = RuleKind::kRecording;
  std::string name;  // `record` or `alert`
  std::string expr;  // PromQL, as written
  // Alerting rules only.
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::vector<Label> annotations;  // in file order; values are templates
  // Labels added to the result (values are templates for alerting rules), in file order.
  std::vector<Label> labels;
  int line = 0;  // of the rule in its file, for messages; 0 if unknown
};

struct GroupSpec {
  std::string name;
  std::string file;  // the rule file it came from
  // Evaluation interval; nullopt: the global evaluation_interval.
  std::optional<int64_t> interval_ms;
  // How far back of the evaluation time the queries look; nullopt: the global rule_query_offset.
  std::optional<int64_t> query_offset_ms;
  // Most series a recording rule and most alerts an alerting rule may produce (0: no limit).
  uint64_t limit = 0;
  // Labels added to every rule's result; the rule's own labels win (Prometheus 3).
  std::vector<Label> labels;
  std::vector<RuleSpec> rules;
};

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_RULE_H_
