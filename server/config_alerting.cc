#include "server/config_alerting.h"

#include "server/config_blocks.h"
#include "server/config_yaml.h"
#include "util/duration.h"
#include "util/prom_names.h"
#include "util/status_macros.h"

namespace tidemark::server {
namespace {

using config_yaml::Bad;
using config_yaml::CheckMapping;
using config_yaml::ReadDuration;
using config_yaml::ReadInt;
using config_yaml::ReadString;
using config_yaml::ReadStringList;
using config_yaml::Where;

constexpr int64_t kSecond = 1000;
constexpr int64_t kHour = 3600 * kSecond;

std::string Indexed(const std::string& key, size_t i) {
  return key + "[" + std::to_string(i) + "]";
}

Status ReadAlertmanager(const YAML::Node& node, const std::string& key, AlertmanagerConfig* am) {
  std::set<std::string> known = {
      "static_configs", "scheme",          "path_prefix",          "timeout",
      "api_version",    "relabel_configs", "alert_relabel_configs"};
  known.insert(HttpClientConfigKeys().begin(), HttpClientConfigKeys().end());
  if (node.IsNull()) return Bad(key, "is empty: give at least static_configs" + Where(node));
  TM_RETURN_IF_ERROR(CheckMapping(node, key + ".", known));
  const std::string prefix = key + ".";
  if (const auto n = node["static_configs"]) {
    TM_RETURN_IF_ERROR(ReadStaticConfigs(n, prefix + "static_configs", true, &am->static_configs));
  }
  if (const auto n = node["scheme"]) {
    TM_RETURN_IF_ERROR(ReadString(n, prefix + "scheme", &am->scheme));
    if (am->scheme != "http" && am->scheme != "https") {
      return Bad(prefix + "scheme", "\"" + am->scheme + "\" is not http or https" + Where(n));
    }
  }
  if (const auto n = node["path_prefix"]) {
    TM_RETURN_IF_ERROR(ReadString(n, prefix + "path_prefix", &am->path_prefix));
  }
  if (const auto n = node["timeout"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, prefix + "timeout", 1, kHour, nullptr, &am->timeout_ms));
  }
  if (const auto n = node["api_version"]) {
    TM_RETURN_IF_ERROR(ReadString(n, prefix + "api_version", &am->api_version));
    if (am->api_version == "v1") {
      return Bad(prefix + "api_version",
                 "alertmanager api v1 is no longer supported (Alertmanager 0.16 and later serve "
                 "v2; remove the key or write v2)" +
                     Where(n));
    }
    if (am->api_version != "v2") {
      return Bad(prefix + "api_version", "\"" + am->api_version + "\" is not v2" + Where(n));
    }
  }
  if (const auto n = node["relabel_configs"]) {
    TM_RETURN_IF_ERROR(ReadRelabelConfigs(n, prefix + "relabel_configs", &am->relabel_configs));
  }
  if (const auto n = node["alert_relabel_configs"]) {
    TM_RETURN_IF_ERROR(
        ReadRelabelConfigs(n, prefix + "alert_relabel_configs", &am->alert_relabel_configs));
  }
  return ReadHttpClientConfig(node, prefix, &am->http);
}

Status ReadWebhook(const YAML::Node& node, const std::string& key, WebhookConfig* hook) {
  TM_RETURN_IF_ERROR(
      CheckMapping(node, key + ".",
                   {"url", "timeout", "max_alerts", "headers", "basic_auth", "authorization",
                    "tls_config", "follow_redirects", "proxy_url"}));
  const std::string prefix = key + ".";
  if (!node["url"]) return Bad(prefix + "url", "is required" + Where(node));
  TM_RETURN_IF_ERROR(ReadString(node["url"], prefix + "url", &hook->url));
  if (!hook->url.starts_with("http://") && !hook->url.starts_with("https://")) {
    return Bad(prefix + "url",
               "\"" + hook->url + "\" must start with http:// or https://" + Where(node["url"]));
  }
  if (const auto n = node["timeout"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, prefix + "timeout", 1, kHour, nullptr, &hook->timeout_ms));
  }
  if (const auto n = node["max_alerts"]) {
    TM_RETURN_IF_ERROR(ReadInt(n, prefix + "max_alerts", 0, 1'000'000, &hook->max_alerts));
  }
  if (const auto n = node["headers"]) {
    TM_RETURN_IF_ERROR(ReadHeaderMap(n, prefix + "headers", &hook->http.headers));
  }
  return ReadHttpClientConfig(node, prefix, &hook->http);
}

}  // namespace

Status ApplyAlerting(const YAML::Node& node, AlertingConfig* out) {
  TM_RETURN_IF_ERROR(
      CheckMapping(node, "alerting.",
                   {"alert_relabel_configs", "alertmanagers", "webhooks", "queue_capacity",
                    "max_batch_size", "retry_min_backoff", "retry_max_backoff", "drain_timeout"}));
  if (node.IsNull()) return Status::OK();
  if (const auto n = node["alert_relabel_configs"]) {
    TM_RETURN_IF_ERROR(
        ReadRelabelConfigs(n, "alerting.alert_relabel_configs", &out->alert_relabel_configs));
  }
  if (const auto n = node["alertmanagers"]; n && !n.IsNull()) {
    if (!n.IsSequence()) return Bad("alerting.alertmanagers", "must be a list" + Where(n));
    out->alertmanagers.clear();
    for (size_t i = 0; i < n.size(); ++i) {
      AlertmanagerConfig am;
      TM_RETURN_IF_ERROR(ReadAlertmanager(n[i], Indexed("alerting.alertmanagers", i), &am));
      out->alertmanagers.push_back(std::move(am));
    }
  }
  if (const auto n = node["webhooks"]; n && !n.IsNull()) {
    if (!n.IsSequence()) return Bad("alerting.webhooks", "must be a list" + Where(n));
    out->webhooks.clear();
    for (size_t i = 0; i < n.size(); ++i) {
      WebhookConfig hook;
      TM_RETURN_IF_ERROR(ReadWebhook(n[i], Indexed("alerting.webhooks", i), &hook));
      out->webhooks.push_back(std::move(hook));
    }
  }
  if (const auto n = node["queue_capacity"]) {
    TM_RETURN_IF_ERROR(ReadInt(n, "alerting.queue_capacity", 1, 10'000'000, &out->queue_capacity));
  }
  if (const auto n = node["max_batch_size"]) {
    TM_RETURN_IF_ERROR(ReadInt(n, "alerting.max_batch_size", 1, 100'000, &out->max_batch_size));
  }
  if (const auto n = node["retry_min_backoff"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "alerting.retry_min_backoff", 10, kHour, nullptr,
                                    &out->retry_min_backoff_ms));
  }
  if (const auto n = node["retry_max_backoff"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "alerting.retry_max_backoff", 10, kHour, nullptr,
                                    &out->retry_max_backoff_ms));
  }
  if (const auto n = node["drain_timeout"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, "alerting.drain_timeout", 1, kHour, "drop at once",
                                    &out->drain_timeout_ms));
  }
  if (out->retry_min_backoff_ms > out->retry_max_backoff_ms) {
    return Bad("alerting.retry_min_backoff", "must not exceed alerting.retry_max_backoff (" +
                                                 util::FormatDuration(out->retry_max_backoff_ms) +
                                                 ")");
  }
  return Status::OK();
}

void RenderAlertingYaml(const AlertingConfig& c, YAML::Emitter* out) {
  *out << YAML::Key << "alerting" << YAML::Value << YAML::BeginMap;
  EmitRelabelConfigs("alert_relabel_configs", c.alert_relabel_configs, out);
  *out << YAML::Key << "alertmanagers" << YAML::Value << YAML::BeginSeq;
  for (const AlertmanagerConfig& am : c.alertmanagers) {
    *out << YAML::BeginMap;
    *out << YAML::Key << "scheme" << YAML::Value << am.scheme;
    *out << YAML::Key << "path_prefix" << YAML::Value
         << (am.path_prefix.empty() ? "/" : am.path_prefix);
    *out << YAML::Key << "timeout" << YAML::Value << util::FormatDuration(am.timeout_ms);
    *out << YAML::Key << "api_version" << YAML::Value << am.api_version;
    EmitHttpClientConfig(am.http, "http_headers", out);
    EmitStaticConfigs(am.static_configs, out);
    EmitRelabelConfigs("relabel_configs", am.relabel_configs, out);
    EmitRelabelConfigs("alert_relabel_configs", am.alert_relabel_configs, out);
    *out << YAML::EndMap;
  }
  *out << YAML::EndSeq;
  *out << YAML::Key << "webhooks" << YAML::Value << YAML::BeginSeq;
  for (const WebhookConfig& hook : c.webhooks) {
    *out << YAML::BeginMap;
    // The URL may carry a token (chat webhooks do): its scheme and host only.
    const size_t host_end = hook.url.find('/', hook.url.find("//") + 2);
    *out << YAML::Key << "url" << YAML::Value
         << (host_end == std::string::npos ? hook.url : hook.url.substr(0, host_end) + "/<secret>");
    *out << YAML::Key << "timeout" << YAML::Value << util::FormatDuration(hook.timeout_ms);
    *out << YAML::Key << "max_alerts" << YAML::Value << hook.max_alerts;
    EmitHttpClientConfig(hook.http, "headers", out);
    *out << YAML::EndMap;
  }
  *out << YAML::EndSeq;
  *out << YAML::Key << "queue_capacity" << YAML::Value << c.queue_capacity;
  *out << YAML::Key << "max_batch_size" << YAML::Value << c.max_batch_size;
  *out << YAML::Key << "retry_min_backoff" << YAML::Value
       << util::FormatDuration(c.retry_min_backoff_ms);
  *out << YAML::Key << "retry_max_backoff" << YAML::Value
       << util::FormatDuration(c.retry_max_backoff_ms);
  *out << YAML::Key << "drain_timeout" << YAML::Value << util::FormatDuration(c.drain_timeout_ms);
  *out << YAML::EndMap;
}

}  // namespace tidemark::server
