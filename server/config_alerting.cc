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

// Prometheus' CheckTargetAddress, plus what a URL's authority cannot hold.
Status CheckTarget(const std::string& target, const std::string& key, const YAML::Node& node) {
  if (target.empty() || target.find_first_of("/ \t?#@") != std::string::npos) {
    return Bad(key, "\"" + target + "\" is not a valid hostname" + Where(node));
  }
  return Status::OK();
}

Status ReadStaticConfigs(const YAML::Node& node, const std::string& key,
                         std::vector<StaticTargetGroup>* out) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsSequence()) return Bad(key, "must be a list" + Where(node));
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string group_key = Indexed(key, i);
    const YAML::Node g = node[i];
    TM_RETURN_IF_ERROR(CheckMapping(g, group_key + ".", {"targets", "labels"}));
    StaticTargetGroup group;
    if (g["targets"]) {
      TM_RETURN_IF_ERROR(ReadStringList(g["targets"], group_key + ".targets", &group.targets));
      for (size_t t = 0; t < group.targets.size(); ++t) {
        TM_RETURN_IF_ERROR(
            CheckTarget(group.targets[t], Indexed(group_key + ".targets", t), g["targets"][t]));
      }
    }
    if (const auto labels = g["labels"]; labels && !labels.IsNull()) {
      if (!labels.IsMap()) return Bad(group_key + ".labels", "must be a mapping" + Where(labels));
      std::vector<Label> items;
      for (const auto& kv : labels) {
        const std::string name = kv.first.Scalar();
        if (!util::IsValidLabelName(name)) {
          return Bad(group_key + ".labels",
                     "\"" + name + "\" is not a valid label name" + Where(kv.first));
        }
        std::string value;
        TM_RETURN_IF_ERROR(ReadString(kv.second, group_key + ".labels." + name, &value));
        items.push_back({name, std::move(value)});
      }
      group.labels = Labels(std::move(items));
    }
    out->push_back(std::move(group));
  }
  return Status::OK();
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
    TM_RETURN_IF_ERROR(ReadStaticConfigs(n, prefix + "static_configs", &am->static_configs));
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

void EmitRelabel(const char* key, const std::vector<ingest::RelabelConfig>& configs,
                 YAML::Emitter* out) {
  if (configs.empty()) return;
  *out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const ingest::RelabelConfig& c : configs) {
    const ingest::RelabelRule& r = c.rule;
    *out << YAML::BeginMap;
    if (!r.source_labels.empty()) {
      *out << YAML::Key << "source_labels" << YAML::Value << YAML::Flow << r.source_labels;
    }
    *out << YAML::Key << "separator" << YAML::Value << r.separator;
    *out << YAML::Key << "regex" << YAML::Value << r.regex;
    if (r.modulus != 0) *out << YAML::Key << "modulus" << YAML::Value << r.modulus;
    if (!r.target_label.empty())
      *out << YAML::Key << "target_label" << YAML::Value << r.target_label;
    *out << YAML::Key << "replacement" << YAML::Value << r.replacement;
    *out << YAML::Key << "action" << YAML::Value << std::string(RelabelActionName(r.action));
    *out << YAML::EndMap;
  }
  *out << YAML::EndSeq;
}

// `headers_key`: "http_headers" in Prometheus' shape (Alertmanagers) or "headers", a plain
// mapping (webhooks).
void EmitHttpClient(const HttpClientConfig& c, const std::string& headers_key, YAML::Emitter* out) {
  if (c.basic_auth) {
    *out << YAML::Key << "basic_auth" << YAML::Value << YAML::BeginMap;
    *out << YAML::Key << "username" << YAML::Value << c.basic_auth->username;
    if (!c.basic_auth->password.empty())
      *out << YAML::Key << "password" << YAML::Value << "<secret>";
    if (!c.basic_auth->password_file.empty())
      *out << YAML::Key << "password_file" << YAML::Value << c.basic_auth->password_file;
    *out << YAML::EndMap;
  }
  if (c.authorization) {
    *out << YAML::Key << "authorization" << YAML::Value << YAML::BeginMap;
    *out << YAML::Key << "type" << YAML::Value << c.authorization->type;
    if (!c.authorization->credentials.empty())
      *out << YAML::Key << "credentials" << YAML::Value << "<secret>";
    if (!c.authorization->credentials_file.empty()) {
      *out << YAML::Key << "credentials_file" << YAML::Value << c.authorization->credentials_file;
    }
    *out << YAML::EndMap;
  }
  const TlsClientConfig& t = c.tls;
  *out << YAML::Key << "tls_config" << YAML::Value << YAML::BeginMap;
  if (!t.ca_file.empty()) *out << YAML::Key << "ca_file" << YAML::Value << t.ca_file;
  if (!t.cert_file.empty()) *out << YAML::Key << "cert_file" << YAML::Value << t.cert_file;
  if (!t.key_file.empty()) *out << YAML::Key << "key_file" << YAML::Value << t.key_file;
  if (!t.server_name.empty()) *out << YAML::Key << "server_name" << YAML::Value << t.server_name;
  *out << YAML::Key << "insecure_skip_verify" << YAML::Value << t.insecure_skip_verify;
  *out << YAML::EndMap;
  *out << YAML::Key << "follow_redirects" << YAML::Value << c.follow_redirects;
  if (!c.proxy_url.empty()) *out << YAML::Key << "proxy_url" << YAML::Value << c.proxy_url;
  // Header values can be secrets (Prometheus' http_headers.secrets): names only.
  if (!c.headers.empty()) {
    *out << YAML::Key << headers_key << YAML::Value << YAML::BeginMap;
    for (const auto& [name, value] : c.headers) {
      *out << YAML::Key << name << YAML::Value;
      if (headers_key == "http_headers") {
        *out << YAML::BeginMap << YAML::Key << "secrets" << YAML::Value << YAML::Flow
             << std::vector<std::string>{"<secret>"} << YAML::EndMap;
      } else {
        *out << "<secret>";
      }
    }
    *out << YAML::EndMap;
  }
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
  EmitRelabel("alert_relabel_configs", c.alert_relabel_configs, out);
  *out << YAML::Key << "alertmanagers" << YAML::Value << YAML::BeginSeq;
  for (const AlertmanagerConfig& am : c.alertmanagers) {
    *out << YAML::BeginMap;
    *out << YAML::Key << "scheme" << YAML::Value << am.scheme;
    *out << YAML::Key << "path_prefix" << YAML::Value
         << (am.path_prefix.empty() ? "/" : am.path_prefix);
    *out << YAML::Key << "timeout" << YAML::Value << util::FormatDuration(am.timeout_ms);
    *out << YAML::Key << "api_version" << YAML::Value << am.api_version;
    EmitHttpClient(am.http, "http_headers", out);
    *out << YAML::Key << "static_configs" << YAML::Value << YAML::BeginSeq;
    for (const StaticTargetGroup& g : am.static_configs) {
      *out << YAML::BeginMap << YAML::Key << "targets" << YAML::Value << YAML::Flow << g.targets;
      if (!g.labels.empty()) {
        *out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
        for (const Label& l : g.labels) *out << YAML::Key << l.name << YAML::Value << l.value;
        *out << YAML::EndMap;
      }
      *out << YAML::EndMap;
    }
    *out << YAML::EndSeq;
    EmitRelabel("relabel_configs", am.relabel_configs, out);
    EmitRelabel("alert_relabel_configs", am.alert_relabel_configs, out);
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
    EmitHttpClient(hook.http, "headers", out);
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
