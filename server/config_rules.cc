#include "server/config_rules.h"

#include <algorithm>
#include <set>

#include "server/config_yaml.h"
#include "util/duration.h"
#include "util/prom_names.h"
#include "util/status_macros.h"

namespace tidemark::server {

using config_yaml::Bad;
using config_yaml::CheckMapping;
using config_yaml::ReadDuration;
using config_yaml::ReadInt;
using config_yaml::ReadString;
using config_yaml::ReadStringList;
using config_yaml::Where;

namespace {
constexpr int64_t kSecond = 1000;
constexpr int64_t kDay = 24 * 3600 * kSecond;
}  // namespace

Status ApplyGlobal(const YAML::Node& g, GlobalConfig* global) {
  TM_RETURN_IF_ERROR(CheckMapping(g, "global.",
                                  {"evaluation_interval", "rule_query_offset", "external_labels",
                                   "scrape_interval", "scrape_timeout", "scrape_protocols"}));
  if (const auto n = g["scrape_interval"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "global.scrape_interval", 1, 365 * kDay, nullptr,
                                    &global->scrape_interval_ms));
  }
  if (const auto n = g["scrape_timeout"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "global.scrape_timeout", 1, 365 * kDay, nullptr,
                                    &global->scrape_timeout_ms));
    if (global->scrape_timeout_ms > global->scrape_interval_ms) {
      return Bad("global.scrape_timeout",
                 "global scrape timeout greater than scrape interval (" +
                     util::FormatDuration(global->scrape_timeout_ms) + " > " +
                     util::FormatDuration(global->scrape_interval_ms) + ")" + Where(n));
    }
  } else if (g["scrape_interval"]) {
    global->scrape_timeout_ms = std::min<int64_t>(10'000, global->scrape_interval_ms);
  }
  if (const auto n = g["scrape_protocols"]) {
    TM_RETURN_IF_ERROR(
        ReadScrapeProtocols(n, "global.scrape_protocols", &global->scrape_protocols));
  }
  if (const auto n = g["evaluation_interval"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "global.evaluation_interval", kSecond, kDay, nullptr,
                                    &global->evaluation_interval_ms));
  }
  if (const auto n = g["rule_query_offset"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "global.rule_query_offset", 1, kDay, "no offset",
                                    &global->rule_query_offset_ms));
  }
  if (const auto n = g["external_labels"]) {
    if (!n.IsMap()) return Bad("global.external_labels", "is not a mapping" + Where(n));
    std::vector<Label> labels;
    std::set<std::string> seen;
    for (const auto& kv : n) {
      std::string name, value;
      TM_RETURN_IF_ERROR(ReadString(kv.first, "global.external_labels", &name));
      const std::string key = "global.external_labels." + name;
      TM_RETURN_IF_ERROR(ReadString(kv.second, key, &value));
      if (!util::IsValidLabelName(name) || name.starts_with("__")) {
        return Bad(key, "\"" + name + "\" is not a valid label name" + Where(kv.first));
      }
      if (!seen.insert(name).second) return Bad(key, "is given twice" + Where(kv.first));
      // An empty value removes the label in Prometheus: it is simply not added.
      if (!value.empty()) labels.push_back({name, value});
    }
    global->external_labels = Labels(std::move(labels));
  }
  return Status::OK();
}

Status ApplyRuleFiles(const YAML::Node& node, RulesConfig* rules) {
  TM_RETURN_IF_ERROR(ReadStringList(node, "rule_files", &rules->rule_files));
  for (const std::string& f : rules->rule_files) {
    if (f.empty()) return Bad("rule_files", "has an empty path" + Where(node));
  }
  return Status::OK();
}

Status ApplyRulesSection(const YAML::Node& r, RulesConfig* rules) {
  TM_RETURN_IF_ERROR(CheckMapping(r, "rules.",
                                  {"resend_delay", "for_grace_period", "outage_tolerance",
                                   "max_concurrent_evaluations", "evaluation_nice"}));
  if (const auto n = r["resend_delay"]) {
    TM_RETURN_IF_ERROR(
        ReadDuration(n, "rules.resend_delay", kSecond, kDay, nullptr, &rules->resend_delay_ms));
  }
  if (const auto n = r["for_grace_period"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "rules.for_grace_period", 1, kDay, "no grace period",
                                    &rules->for_grace_period_ms));
  }
  if (const auto n = r["outage_tolerance"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "rules.outage_tolerance", kSecond, 30 * kDay, nullptr,
                                    &rules->outage_tolerance_ms));
  }
  if (const auto n = r["max_concurrent_evaluations"]) {
    TM_RETURN_IF_ERROR(ReadInt(n, "rules.max_concurrent_evaluations", 1, 1024,
                               &rules->max_concurrent_evaluations));
  }
  if (const auto n = r["evaluation_nice"]) {
    TM_RETURN_IF_ERROR(ReadInt(n, "rules.evaluation_nice", 0, 19, &rules->evaluation_nice));
  }
  return Status::OK();
}

void EmitRulesConfig(const GlobalConfig& global, const RulesConfig& rules, YAML::Emitter* out) {
  *out << YAML::Key << "global" << YAML::Value << YAML::BeginMap;
  *out << YAML::Key << "evaluation_interval" << YAML::Value
       << util::FormatDuration(global.evaluation_interval_ms);
  *out << YAML::Key << "rule_query_offset" << YAML::Value
       << (global.rule_query_offset_ms == 0 ? std::string("0s")
                                            : util::FormatDuration(global.rule_query_offset_ms));
  *out << YAML::Key << "external_labels" << YAML::Value << YAML::BeginMap;
  for (const Label& l : global.external_labels)
    *out << YAML::Key << l.name << YAML::Value << l.value;
  *out << YAML::EndMap;
  *out << YAML::Key << "scrape_interval" << YAML::Value
       << util::FormatDuration(global.scrape_interval_ms);
  *out << YAML::Key << "scrape_timeout" << YAML::Value
       << util::FormatDuration(global.scrape_timeout_ms);
  if (!global.scrape_protocols.empty()) {
    *out << YAML::Key << "scrape_protocols" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (ScrapeProtocol p : global.scrape_protocols) *out << std::string(ScrapeProtocolName(p));
    *out << YAML::EndSeq;
  }
  *out << YAML::EndMap;
  *out << YAML::Key << "rule_files" << YAML::Value << YAML::BeginSeq;
  for (const std::string& f : rules.rule_files) *out << f;
  *out << YAML::EndSeq;
  *out << YAML::Key << "rules" << YAML::Value << YAML::BeginMap;
  *out << YAML::Key << "resend_delay" << YAML::Value << util::FormatDuration(rules.resend_delay_ms);
  *out << YAML::Key << "for_grace_period" << YAML::Value
       << (rules.for_grace_period_ms == 0 ? std::string("0s")
                                          : util::FormatDuration(rules.for_grace_period_ms));
  *out << YAML::Key << "outage_tolerance" << YAML::Value
       << util::FormatDuration(rules.outage_tolerance_ms);
  *out << YAML::Key << "max_concurrent_evaluations" << YAML::Value
       << rules.max_concurrent_evaluations;
  *out << YAML::Key << "evaluation_nice" << YAML::Value << rules.evaluation_nice;
  *out << YAML::EndMap;
}

}  // namespace tidemark::server
