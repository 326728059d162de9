#include "server/rules_api.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "server/api_response.h"
#include "server/prom_json.h"
#include "util/go_text.h"

namespace tidemark::server {
namespace {

using rules::Alert;
using rules::GroupSnapshot;
using rules::RuleKind;
using rules::RuleSnapshot;

// Go's zero time, which Prometheus reports for a rule never evaluated.
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

void AppendTime(std::string* out, int64_t ms) {
  out->push_back('"');
  *out += ms == 0 ? std::string(kZeroTime) : FormatRfc3339Nano(ms);
  out->push_back('"');
}

void AppendLabelObject(std::string* out, const std::vector<Label>& labels) {
  // Sorted by name, as Prometheus' labels are; the last of a repeated name wins.
  std::vector<Label> sorted = labels;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  out->push_back('{');
  bool first = true;
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i + 1 < sorted.size() && sorted[i + 1].name == sorted[i].name) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, sorted[i].name);
    out->push_back(':');
    AppendJsonString(out, sorted[i].value);
  }
  out->push_back('}');
}

void AppendAlert(std::string* out, const Alert& a) {
  *out += "{\"labels\":";
  AppendJsonLabels(out, a.labels);
  *out += ",\"annotations\":";
  AppendLabelObject(out, a.annotations);
  *out += ",\"state\":";
  AppendJsonString(out, rules::AlertStateName(a.state));
  *out += ",\"activeAt\":";
  AppendTime(out, a.active_at_ms);
  if (a.keep_firing_since_ms != 0) {
    *out += ",\"keepFiringSince\":";
    AppendTime(out, a.keep_firing_since_ms);
  }
  // Go's strconv.FormatFloat(v, 'e', -1, 64), as Prometheus writes alert values.
  *out += ",\"value\":";
  AppendJsonString(out, util::GoFormatFloat(a.value, 'e', -1));
  out->push_back('}');
}

void AppendRule(std::string* out, const RuleSnapshot& r, bool with_alerts) {
  out->push_back('{');
  if (r.spec.kind == RuleKind::kAlerting) {
    *out += "\"state\":";
    AppendJsonString(out, rules::AlertStateName(r.state));
    out->push_back(',');
  }
  *out += "\"name\":";
  AppendJsonString(out, r.spec.name);
  *out += ",\"query\":";
  AppendJsonString(out, r.query);
  if (r.spec.kind == RuleKind::kAlerting) {
    *out += ",\"duration\":" + util::GoFormatFloatG(static_cast<double>(r.spec.for_ms) / 1000);
    *out += ",\"keepFiringFor\":" +
            util::GoFormatFloatG(static_cast<double>(r.spec.keep_firing_for_ms) / 1000);
  }
  *out += ",\"labels\":";
  AppendLabelObject(out, r.spec.labels);
  if (r.spec.kind == RuleKind::kAlerting) {
    *out += ",\"annotations\":";
    AppendLabelObject(out, r.spec.annotations);
    if (with_alerts) {
      *out += ",\"alerts\":[";
      for (size_t i = 0; i < r.alerts.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendAlert(out, r.alerts[i]);
      }
      out->push_back(']');
    }
  }
  *out += ",\"health\":";
  AppendJsonString(out, rules::RuleHealthName(r.health));
  *out += ",\"lastError\":";
  AppendJsonString(out, r.last_error);
  *out += ",\"evaluationTime\":" + util::GoFormatFloatG(r.evaluation_seconds);
  *out += ",\"lastEvaluation\":";
  AppendTime(out, r.last_evaluation_ms);
  *out += ",\"type\":";
  AppendJsonString(out, r.spec.kind == RuleKind::kAlerting ? "alerting" : "recording");
  out->push_back('}');
}

bool Selected(const std::vector<std::string>& wanted, const std::string& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

}  // namespace

HttpResponse RulesResponse(const std::vector<GroupSnapshot>& groups, const FormValues& form) {
  // Prometheus' messages: invalidParamError with Go's strconv.ParseBool for exclude_alerts.
  std::string type = form.Get("type");
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!type.empty() && type != "alert" && type != "record") {
    return ApiError(ErrorType::kBadData,
                    "invalid parameter \"type\": not supported value \"" + type + "\"");
  }
  const std::string exclude = form.Get("exclude_alerts");
  bool with_alerts = true;
  if (!exclude.empty()) {
    static const std::set<std::string> kTrue = {"1", "t", "T", "TRUE", "true", "True"};
    static const std::set<std::string> kFalse = {"0", "f", "F", "FALSE", "false", "False"};
    if (kTrue.count(exclude) > 0) {
      with_alerts = false;
    } else if (kFalse.count(exclude) == 0) {
      return ApiError(ErrorType::kBadData,
                      "invalid parameter \"exclude_alerts\": strconv.ParseBool: parsing \"" +
                          exclude + "\": invalid syntax");
    }
  }
  const std::vector<std::string> names = form.All("rule_name[]");
  const std::vector<std::string> group_names = form.All("rule_group[]");
  const std::vector<std::string> files = form.All("file[]");
  const bool rule_filter = !type.empty() || !names.empty();

  std::string data = "{\"groups\":[";
  bool first_group = true;
  for (const GroupSnapshot& g : groups) {
    if (!Selected(group_names, g.name) || !Selected(files, g.file)) continue;
    std::string rules_json;
    size_t count = 0;
    for (const RuleSnapshot& r : g.rules) {
      const bool alerting = r.spec.kind == RuleKind::kAlerting;
      if ((type == "alert" && !alerting) || (type == "record" && alerting)) continue;
      if (!Selected(names, r.spec.name)) continue;
      if (count++ > 0) rules_json.push_back(',');
      AppendRule(&rules_json, r, with_alerts);
    }
    // Groups left without rules by a rule filter are left out, as Prometheus does.
    if (rule_filter && count == 0) continue;
    if (!first_group) data.push_back(',');
    first_group = false;
    data += "{\"name\":";
    AppendJsonString(&data, g.name);
    data += ",\"file\":";
    AppendJsonString(&data, g.file);
    data += ",\"rules\":[" + rules_json + "]";
    data += ",\"interval\":" + util::GoFormatFloatG(static_cast<double>(g.interval_ms) / 1000);
    data += ",\"limit\":" + std::to_string(g.limit);
    data += ",\"evaluationTime\":" + util::GoFormatFloatG(g.evaluation_seconds);
    data += ",\"lastEvaluation\":";
    AppendTime(&data, g.last_evaluation_ms);
    data.push_back('}');
  }
  data += "]}";
  return Success(data);
}

HttpResponse AlertsResponse(const std::vector<GroupSnapshot>& groups) {
  std::string data = "{\"alerts\":[";
  bool first = true;
  for (const GroupSnapshot& g : groups) {
    for (const RuleSnapshot& r : g.rules) {
      for (const Alert& a : r.alerts) {
        if (!first) data.push_back(',');
        first = false;
        AppendAlert(&data, a);
      }
    }
  }
  data += "]}";
  return Success(data);
}

}  // namespace tidemark::server
