// The configuration of rule evaluation: Prometheus' `global` keys (evaluation_interval,
// rule_query_offset, external_labels, and the scrape defaults scrape_interval, scrape_timeout,
// scrape_protocols), `rule_files`, and tidemark's `rules` section (Prometheus' --rules.* flags).
// Part of ServerConfig (config.h).
#ifndef TIDEMARK_SERVER_CONFIG_RULES_H_
#define TIDEMARK_SERVER_CONFIG_RULES_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "server/config_scrape.h"  // ScrapeProtocol
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::server {

struct GlobalConfig {
  int64_t evaluation_interval_ms = 60'000;
  int64_t rule_query_offset_ms = 0;
  // Added to alerts sent out (and shown to templates as $externalLabels).
  Labels external_labels;
  // Defaults of every scrape job. A timeout not given is min(10s, scrape_interval), as in
  // Prometheus; one over the interval is refused.
  int64_t scrape_interval_ms = 60'000;
  int64_t scrape_timeout_ms = 10'000;
  std::vector<ScrapeProtocol> scrape_protocols;  // empty: Prometheus 3's default list
};

struct RulesConfig {
  std::vector<std::string> rule_files;  // paths or globs, relative to the config file
  int64_t resend_delay_ms = 60'000;     // firing alerts are sent again this often
  // Prometheus' default is 10m (an alert with a shorter `for` waits it out again after a
  // restart); 0 resumes every pending alert where it was.
  int64_t for_grace_period_ms = 0;
  int64_t outage_tolerance_ms = 3'600'000;  // for-state older than this is not restored
  int64_t max_concurrent_evaluations = 2;   // groups evaluating at once
  int64_t evaluation_nice = 0;              // nice value of the evaluating threads
};

Status ApplyGlobal(const YAML::Node& node, GlobalConfig* global);
Status ApplyRuleFiles(const YAML::Node& node, RulesConfig* rules);
Status ApplyRulesSection(const YAML::Node& node, RulesConfig* rules);
// Appends the three sections to a YAML map being emitted (/api/v1/status/config).
void EmitRulesConfig(const GlobalConfig& global, const RulesConfig& rules, YAML::Emitter* out);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_CONFIG_RULES_H_
