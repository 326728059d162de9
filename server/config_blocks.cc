#include "server/config_blocks.h"

#include <algorithm>
#include <cctype>

#include "server/config_yaml.h"
#include "util/prom_names.h"
#include "util/status_macros.h"

namespace tidemark::server {
namespace {

using config_yaml::Bad;
using config_yaml::CheckMapping;
using config_yaml::ReadBool;
using config_yaml::ReadString;
using config_yaml::ReadStringList;
using config_yaml::Where;

// Headers the client sets itself (Prometheus' reservedHeaders, in lower case).
const std::set<std::string>& ReservedHeaders() {
  static const std::set<std::string> names = {"authorization",
                                              "host",
                                              "content-encoding",
                                              "content-length",
                                              "content-type",
                                              "user-agent",
                                              "connection",
                                              "keep-alive",
                                              "proxy-authenticate",
                                              "proxy-authorization",
                                              "www-authenticate",
                                              "accept-encoding",
                                              "transfer-encoding",
                                              "upgrade",
                                              "expect",
                                              "x-prometheus-remote-write-version",
                                              "x-prometheus-scrape-timeout-seconds"};
  return names;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Status ReadRelabelRule(const YAML::Node& node, const std::string& key,
                       ingest::LabelNameValidation validation, ingest::RelabelConfig* out) {
  if (node.IsNull()) return Bad(key, "is an empty relabeling rule" + Where(node));
  TM_RETURN_IF_ERROR(CheckMapping(
      node, key + ".",
      {"source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"}));
  ingest::RelabelRule rule;
  if (const auto n = node["source_labels"]) {
    TM_RETURN_IF_ERROR(ReadStringList(n, key + ".source_labels", &rule.source_labels));
    rule.source_labels_set = true;
  }
  if (const auto n = node["separator"]) {
    TM_RETURN_IF_ERROR(ReadString(n, key + ".separator", &rule.separator));
  }
  if (const auto n = node["regex"]) {
    // `regex:` with nothing after it is the empty regex (matches only ""), as in Prometheus.
    rule.regex.clear();
    if (!n.IsNull()) TM_RETURN_IF_ERROR(ReadString(n, key + ".regex", &rule.regex));
    rule.regex_set = true;
  }
  if (const auto n = node["modulus"]) {
    int64_t modulus = 0;
    TM_RETURN_IF_ERROR(config_yaml::ReadInt64(n, key + ".modulus", 0, INT64_MAX, &modulus));
    rule.modulus = static_cast<uint64_t>(modulus);
  }
  if (const auto n = node["target_label"]) {
    TM_RETURN_IF_ERROR(ReadString(n, key + ".target_label", &rule.target_label));
  }
  if (const auto n = node["replacement"]) {
    TM_RETURN_IF_ERROR(ReadString(n, key + ".replacement", &rule.replacement));
  }
  if (const auto n = node["action"]) {
    std::string action;
    TM_RETURN_IF_ERROR(ReadString(n, key + ".action", &action));
    if (!ingest::ParseRelabelAction(action, &rule.action)) {
      return Bad(key + ".action", "unknown relabel action \"" + action + "\"" + Where(n));
    }
  }
  Result<ingest::RelabelConfig> config = ingest::MakeRelabelConfig(rule, validation);
  if (!config.ok()) return Bad(key, config.status().message() + Where(node));
  *out = std::move(config).value();
  return Status::OK();
}

Status ReadBasicAuth(const YAML::Node& node, const std::string& key, BasicAuthConfig* out) {
  TM_RETURN_IF_ERROR(CheckMapping(node, key + ".", {"username", "password", "password_file"}));
  if (node["username"])
    TM_RETURN_IF_ERROR(ReadString(node["username"], key + ".username", &out->username));
  if (node["password"])
    TM_RETURN_IF_ERROR(ReadString(node["password"], key + ".password", &out->password));
  if (node["password_file"]) {
    TM_RETURN_IF_ERROR(
        ReadString(node["password_file"], key + ".password_file", &out->password_file));
  }
  return Status::OK();
}

Status ReadAuthorization(const YAML::Node& node, const std::string& key, AuthorizationConfig* out) {
  TM_RETURN_IF_ERROR(CheckMapping(node, key + ".", {"type", "credentials", "credentials_file"}));
  if (node["type"]) {
    TM_RETURN_IF_ERROR(ReadString(node["type"], key + ".type", &out->type));
    // Prometheus trims the type and takes an empty one as the default.
    const size_t begin = out->type.find_first_not_of(" \t");
    out->type = begin == std::string::npos
                    ? "Bearer"
                    : out->type.substr(begin, out->type.find_last_not_of(" \t") - begin + 1);
  }
  if (node["credentials"]) {
    TM_RETURN_IF_ERROR(ReadString(node["credentials"], key + ".credentials", &out->credentials));
  }
  if (node["credentials_file"]) {
    TM_RETURN_IF_ERROR(
        ReadString(node["credentials_file"], key + ".credentials_file", &out->credentials_file));
  }
  return Status::OK();
}

Status ReadTls(const YAML::Node& node, const std::string& key, TlsClientConfig* out) {
  TM_RETURN_IF_ERROR(
      CheckMapping(node, key + ".",
                   {"ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"}));
  const std::pair<const char*, std::string*> strings[] = {{"ca_file", &out->ca_file},
                                                          {"cert_file", &out->cert_file},
                                                          {"key_file", &out->key_file},
                                                          {"server_name", &out->server_name}};
  for (const auto& [name, field] : strings) {
    if (node[name]) TM_RETURN_IF_ERROR(ReadString(node[name], key + "." + name, field));
  }
  if (node["insecure_skip_verify"]) {
    TM_RETURN_IF_ERROR(ReadBool(node["insecure_skip_verify"], key + ".insecure_skip_verify",
                                &out->insecure_skip_verify));
  }
  return Status::OK();
}

Status CheckHeaderName(const std::string& name, const std::string& key, const YAML::Node& node) {
  if (name.empty() || name.find_first_of(" \t\r\n:") != std::string::npos) {
    return Bad(key, "\"" + name + "\" is not a valid header name" + Where(node));
  }
  if (ReservedHeaders().count(Lower(name))) {
    return Bad(key, "setting header \"" + name + "\" is not allowed" + Where(node));
  }
  return Status::OK();
}

// Prometheus' http_headers: {Name: {values: [...], secrets: [...]}}.
Status ReadHttpHeaders(const YAML::Node& node, const std::string& key,
                       std::vector<std::pair<std::string, std::string>>* out) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return Bad(key, "must be a mapping of header names" + Where(node));
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    const std::string header_key = key + "." + name;
    TM_RETURN_IF_ERROR(CheckHeaderName(name, header_key, kv.first));
    TM_RETURN_IF_ERROR(CheckMapping(kv.second, header_key + ".", {"values", "secrets"}));
    for (const char* field : {"values", "secrets"}) {
      if (!kv.second[field]) continue;
      std::vector<std::string> values;
      TM_RETURN_IF_ERROR(ReadStringList(kv.second[field], header_key + "." + field, &values));
      for (std::string& v : values) out->emplace_back(name, std::move(v));
    }
  }
  return Status::OK();
}

}  // namespace

Status ReadRelabelConfigs(const YAML::Node& node, const std::string& key,
                          std::vector<ingest::RelabelConfig>* out,
                          ingest::LabelNameValidation validation) {
  out->clear();
  if (node.IsNull()) return Status::OK();
  if (!node.IsSequence()) return Bad(key, "must be a list of relabeling rules" + Where(node));
  for (size_t i = 0; i < node.size(); ++i) {
    ingest::RelabelConfig config;
    TM_RETURN_IF_ERROR(
        ReadRelabelRule(node[i], key + "[" + std::to_string(i) + "]", validation, &config));
    out->push_back(std::move(config));
  }
  return Status::OK();
}

const std::set<std::string>& HttpClientConfigKeys() {
  static const std::set<std::string> keys = {"basic_auth",       "authorization", "tls_config",
                                             "follow_redirects", "enable_http2",  "proxy_url",
                                             "http_headers"};
  return keys;
}

Status ReadHttpClientConfig(const YAML::Node& m, const std::string& prefix, HttpClientConfig* out) {
  if (const auto n = m["basic_auth"]) {
    out->basic_auth.emplace();
    TM_RETURN_IF_ERROR(ReadBasicAuth(n, prefix + "basic_auth", &*out->basic_auth));
  }
  if (const auto n = m["authorization"]) {
    out->authorization.emplace();
    TM_RETURN_IF_ERROR(ReadAuthorization(n, prefix + "authorization", &*out->authorization));
  }
  if (const auto n = m["tls_config"])
    TM_RETURN_IF_ERROR(ReadTls(n, prefix + "tls_config", &out->tls));
  if (const auto n = m["follow_redirects"]) {
    TM_RETURN_IF_ERROR(ReadBool(n, prefix + "follow_redirects", &out->follow_redirects));
  }
  if (const auto n = m["enable_http2"]) {
    TM_RETURN_IF_ERROR(ReadBool(n, prefix + "enable_http2", &out->enable_http2));
  }
  if (const auto n = m["proxy_url"]) {
    TM_RETURN_IF_ERROR(ReadString(n, prefix + "proxy_url", &out->proxy_url));
    if (!out->proxy_url.empty() && !out->proxy_url.starts_with("http://") &&
        !out->proxy_url.starts_with("https://") && !out->proxy_url.starts_with("socks5://")) {
      return Bad(
          prefix + "proxy_url",
          "\"" + out->proxy_url + "\" must start with http://, https:// or socks5://" + Where(n));
    }
  }
  if (const auto n = m["http_headers"]) {
    TM_RETURN_IF_ERROR(ReadHttpHeaders(n, prefix + "http_headers", &out->headers));
  }
  return CheckHttpClientConfig(*out, prefix);
}

Status CheckHttpClientConfig(const HttpClientConfig& c, const std::string& prefix) {
  if (c.basic_auth && c.authorization) {
    return Bad(prefix + "authorization",
               "at most one of basic_auth and authorization may be configured");
  }
  if (c.basic_auth && !c.basic_auth->password.empty() && !c.basic_auth->password_file.empty()) {
    return Bad(prefix + "basic_auth",
               "at most one of basic_auth password and password_file may be configured");
  }
  if (c.authorization) {
    if (Lower(c.authorization->type) == "basic") {
      return Bad(prefix + "authorization.type",
                 "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
    }
    if (!c.authorization->credentials.empty() && !c.authorization->credentials_file.empty()) {
      return Bad(prefix + "authorization",
                 "at most one of authorization credentials and credentials_file may be "
                 "configured");
    }
  }
  if (!c.tls.cert_file.empty() && c.tls.key_file.empty()) {
    return Bad(prefix + "tls_config.cert_file",
               "client cert file \"" + c.tls.cert_file + "\" specified without client key file");
  }
  if (c.tls.cert_file.empty() && !c.tls.key_file.empty()) {
    return Bad(prefix + "tls_config.key_file",
               "client key file \"" + c.tls.key_file + "\" specified without client cert file");
  }
  for (const auto& [name, value] : c.headers) {
    if (ReservedHeaders().count(Lower(name))) {
      return Bad(prefix + "headers", "setting header \"" + name + "\" is not allowed");
    }
  }
  return Status::OK();
}

Status ReadHeaderMap(const YAML::Node& node, const std::string& key,
                     std::vector<std::pair<std::string, std::string>>* out) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return Bad(key, "must be a mapping of header names to values" + Where(node));
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    TM_RETURN_IF_ERROR(CheckHeaderName(name, key + "." + name, kv.first));
    std::string value;
    TM_RETURN_IF_ERROR(ReadString(kv.second, key + "." + name, &value));
    out->emplace_back(name, std::move(value));
  }
  return Status::OK();
}

Status CheckTargetAddress(const std::string& target, const std::string& key,
                          const YAML::Node& node) {
  if (target.empty() || target.find_first_of("/ \t?#@") != std::string::npos) {
    return Bad(key, "\"" + target + "\" is not a valid hostname" + Where(node));
  }
  return Status::OK();
}

Status ReadStaticConfigs(const YAML::Node& node, const std::string& key, bool check_addresses,
                         std::vector<StaticTargetGroup>* out) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsSequence()) return Bad(key, "must be a list" + Where(node));
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string group_key = key + "[" + std::to_string(i) + "]";
    const YAML::Node g = node[i];
    TM_RETURN_IF_ERROR(CheckMapping(g, group_key + ".", {"targets", "labels"}));
    StaticTargetGroup group;
    if (g["targets"]) {
      TM_RETURN_IF_ERROR(ReadStringList(g["targets"], group_key + ".targets", &group.targets));
      for (size_t t = 0; check_addresses && t < group.targets.size(); ++t) {
        TM_RETURN_IF_ERROR(CheckTargetAddress(
            group.targets[t], group_key + ".targets[" + std::to_string(t) + "]", g["targets"][t]));
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

void EmitRelabelConfigs(const char* key, const std::vector<ingest::RelabelConfig>& configs,
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

void EmitHttpClientConfig(const HttpClientConfig& c, const std::string& headers_key,
                          YAML::Emitter* out) {
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

void EmitStaticConfigs(const std::vector<StaticTargetGroup>& groups, YAML::Emitter* out) {
  *out << YAML::Key << "static_configs" << YAML::Value << YAML::BeginSeq;
  for (const StaticTargetGroup& g : groups) {
    *out << YAML::BeginMap << YAML::Key << "targets" << YAML::Value << YAML::Flow << g.targets;
    if (!g.labels.empty()) {
      *out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
      for (const Label& l : g.labels) *out << YAML::Key << l.name << YAML::Value << l.value;
      *out << YAML::EndMap;
    }
    *out << YAML::EndMap;
  }
  *out << YAML::EndSeq;
}

}  // namespace tidemark::server
