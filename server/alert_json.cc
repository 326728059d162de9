#include "server/alert_json.h"

#include <cstdio>

#include "server/api_params.h"
#include "server/prom_json.h"
#include "util/json_string.h"

namespace tidemark::server {
namespace {

void AppendTimeField(std::string* out, const char* name, int64_t ms) {
  out->append(",\"").append(name).append("\":\"").append(FormatRfc3339Millis(ms)).append("\"");
}

// The pairs that every label set has, as Alertmanager computes commonLabels.
Labels Common(const std::vector<const Labels*>& sets) {
  if (sets.empty()) return Labels();
  std::vector<Label> common;
  for (const Label& l : *sets[0]) {
    bool everywhere = true;
    for (size_t i = 1; i < sets.size() && everywhere; ++i) {
      everywhere = sets[i]->Get(l.name) == l.value && sets[i]->Has(l.name);
    }
    if (everywhere) common.push_back(l);
  }
  return Labels(std::move(common));
}

}  // namespace

std::string EncodePostableAlerts(const std::vector<NotifierAlert>& alerts) {
  std::string out = "[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    const NotifierAlert& a = alerts[i];
    if (i > 0) out.push_back(',');
    out += "{\"labels\":";
    AppendJsonLabels(&out, a.labels);
    out += ",\"annotations\":";
    AppendJsonLabels(&out, a.annotations);
    if (a.starts_at_ms != 0) AppendTimeField(&out, "startsAt", a.starts_at_ms);
    if (a.ends_at_ms != 0) AppendTimeField(&out, "endsAt", a.ends_at_ms);
    if (!a.generator_url.empty()) {
      out += ",\"generatorURL\":";
      util::AppendJsonString(&out, a.generator_url);
    }
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

std::string EncodeWebhookMessage(const std::vector<NotifierAlert>& alerts,
                                 const WebhookMessageContext& context) {
  auto resolved = [&](const NotifierAlert& a) {
    return a.ends_at_ms != 0 && a.ends_at_ms <= context.now_ms;
  };
  bool any_firing = false;
  std::vector<const Labels*> labels, annotations;
  for (const NotifierAlert& a : alerts) {
    any_firing = any_firing || !resolved(a);
    labels.push_back(&a.labels);
    annotations.push_back(&a.annotations);
  }
  const char* status = any_firing ? "firing" : "resolved";
  std::string out = "{\"receiver\":";
  util::AppendJsonString(&out, context.receiver);
  out += ",\"status\":\"";
  out += status;
  out += "\",\"alerts\":[";
  for (size_t i = 0; i < alerts.size(); ++i) {
    const NotifierAlert& a = alerts[i];
    if (i > 0) out.push_back(',');
    out += "{\"status\":\"";
    out += resolved(a) ? "resolved" : "firing";
    out += "\",\"labels\":";
    AppendJsonLabels(&out, a.labels);
    out += ",\"annotations\":";
    AppendJsonLabels(&out, a.annotations);
    // Go's zero time for an unset one, as Alertmanager's own messages carry it.
    constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";
    out += ",\"startsAt\":\"";
    out += a.starts_at_ms != 0 ? FormatRfc3339Millis(a.starts_at_ms) : kZeroTime;
    out += "\",\"endsAt\":\"";
    out += a.ends_at_ms != 0 ? FormatRfc3339Millis(a.ends_at_ms) : kZeroTime;
    out += "\",\"generatorURL\":";
    util::AppendJsonString(&out, a.generator_url);
    out += ",\"fingerprint\":\"";
    out += AlertFingerprint(a.labels);
    out += "\"}";
  }
  out += "],\"groupLabels\":{},\"commonLabels\":";
  AppendJsonLabels(&out, Common(labels));
  out += ",\"commonAnnotations\":";
  AppendJsonLabels(&out, Common(annotations));
  out += ",\"externalURL\":";
  util::AppendJsonString(&out, context.external_url);
  out += ",\"version\":\"4\",\"groupKey\":\"{}:{}\",\"truncatedAlerts\":";
  out += std::to_string(context.truncated_alerts);
  out += "}";
  return out;
}

std::string AlertFingerprint(const Labels& labels) {
  constexpr uint64_t kOffset = 14695981039346656037ULL;
  constexpr uint64_t kPrime = 1099511628211ULL;
  uint64_t h = kOffset;
  auto add = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= kPrime;
    }
  };
  for (const Label& l : labels) {
    add(l.name);
    add("\xff");
    add(l.value);
    add("\xff");
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace tidemark::server
