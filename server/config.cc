#include "server/config.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "server/config_yaml.h"
#include "util/duration.h"
#include "util/status_macros.h"

namespace tidemark::server {
namespace {

using config_yaml::Bad;
using config_yaml::CheckMapping;
using config_yaml::ReadBool;
using config_yaml::ReadDuration;
using config_yaml::ReadInt;
using config_yaml::ReadString;
using config_yaml::ReadStringList;

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kYear = 365 * kDay;

// The path of an http(s) URL: "http://host:9090/tidemark/" -> "/tidemark/"; "" when it has none.
std::string UrlPath(std::string_view url) {
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  if (slash == std::string_view::npos) return "";
  std::string_view path = url.substr(slash);
  return std::string(path.substr(0, path.find_first_of("?#")));
}

// A route prefix goes into every route and into the web UI's <base>: only a URL path's
// unreserved characters.
Status CheckRoutePrefix(std::string_view prefix, const std::string& key) {
  if (!prefix.empty() && prefix.front() != '/') {
    return Bad(key, "path \"" + std::string(prefix) + "\" must start with /");
  }
  for (char c : prefix) {
    if (!isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '-' && c != '_' && c != '.' &&
        c != '~') {
      return Bad(key, "path \"" + std::string(prefix) + "\" has a character other than letters, " +
                          "digits, / - _ . ~");
    }
  }
  if (prefix.find("//") != std::string_view::npos) {
    return Bad(key, "path \"" + std::string(prefix) + "\" has an empty segment");
  }
  return Status::OK();
}

Status Address(const YAML::Node& node, const std::string& key, std::string* out) {
  TM_RETURN_IF_ERROR(ReadString(node, key, out));
  std::string host;
  uint16_t port;
  Status s = ParseListenAddress(*out, &host, &port);
  if (!s.ok()) return Bad(key, s.message() + config_yaml::Where(node));
  return Status::OK();
}

// web.auth: users, tokens and the names each role allows (docs/auth.md).
Status ApplyAuth(const YAML::Node& auth, AuthConfig* out) {
  TM_RETURN_IF_ERROR(
      CheckMapping(auth, "web.auth.", {"basic_auth_users", "bearer_tokens", "roles", "tenants"}));
  // name: value mappings, keys as written.
  auto read_names = [](const YAML::Node& node, const std::string& key,
                       std::map<std::string, std::string>* into) -> Status {
    if (!node || node.IsNull()) return Status::OK();
    if (!node.IsMap()) return Bad(key, "not a mapping of names to values");
    for (const auto& entry : node) {
      const std::string name = entry.first.as<std::string>();
      std::string value;
      TM_RETURN_IF_ERROR(ReadString(entry.second, key + "." + name, &value));
      if (!into->emplace(name, value).second) return Bad(key + "." + name, "given twice");
    }
    return Status::OK();
  };
  TM_RETURN_IF_ERROR(
      read_names(auth["basic_auth_users"], "web.auth.basic_auth_users", &out->basic_auth_users));
  TM_RETURN_IF_ERROR(
      read_names(auth["bearer_tokens"], "web.auth.bearer_tokens", &out->bearer_token_files));
  if (const auto roles = auth["roles"]) {
    TM_RETURN_IF_ERROR(CheckMapping(roles, "web.auth.roles.", {"read", "write", "admin"}));
    if (roles["read"])
      TM_RETURN_IF_ERROR(ReadStringList(roles["read"], "web.auth.roles.read", &out->readers));
    if (roles["write"])
      TM_RETURN_IF_ERROR(ReadStringList(roles["write"], "web.auth.roles.write", &out->writers));
    if (roles["admin"])
      TM_RETURN_IF_ERROR(ReadStringList(roles["admin"], "web.auth.roles.admin", &out->admins));
  }
  if (const auto tenants = auth["tenants"]) {
    if (!tenants.IsMap()) return Bad("web.auth.tenants", "not a mapping of names to tenant lists");
    for (const auto& entry : tenants) {
      const std::string name = entry.first.as<std::string>();
      TM_RETURN_IF_ERROR(
          ReadStringList(entry.second, "web.auth.tenants." + name, &out->tenants[name]));
    }
  }
  return Status::OK();
}

Status ApplyTopLevel(const YAML::Node& root, ServerConfig* c) {
  if (const auto n = root["data_dir"]) {
    TM_RETURN_IF_ERROR(ReadString(n, "data_dir", &c->data_dir));
    if (c->data_dir.empty()) return Bad("data_dir", "must not be empty");
  }
  if (const auto n = root["http_addr"]) TM_RETURN_IF_ERROR(Address(n, "http_addr", &c->http_addr));
  if (const auto n = root["otlp_grpc_addr"])
    TM_RETURN_IF_ERROR(Address(n, "otlp_grpc_addr", &c->otlp_grpc_addr));
  if (const auto n = root["otlp_http_addr"])
    TM_RETURN_IF_ERROR(Address(n, "otlp_http_addr", &c->otlp_http_addr));
  if (const auto n = root["log_level"]) {
    TM_RETURN_IF_ERROR(ReadString(n, "log_level", &c->log_level));
    if (c->log_level != "debug" && c->log_level != "info" && c->log_level != "warn" &&
        c->log_level != "error") {
      return Bad("log_level", "\"" + c->log_level + "\" is not debug, info, warn or error");
    }
  }
  if (const auto n = root["max_request_bytes"]) {
    TM_RETURN_IF_ERROR(ReadInt(n, "max_request_bytes", 1024, INT32_MAX, &c->max_request_bytes));
  }
  if (const auto n = root["self_scrape_interval"]) {
    TM_RETURN_IF_ERROR(
        ReadDuration(n, "self_scrape_interval", kSecond, kDay, "off", &c->self_scrape_interval_ms));
  }
  if (const auto tls = root["tls"]) {
    TM_RETURN_IF_ERROR(
        CheckMapping(tls, "tls.", {"cert_file", "key_file", "client_auth_type", "client_ca_file"}));
    if (tls["client_ca_file"]) {
      TM_RETURN_IF_ERROR(
          ReadString(tls["client_ca_file"], "tls.client_ca_file", &c->tls_client_ca_file));
    }
    if (tls["client_auth_type"]) {
      TM_RETURN_IF_ERROR(
          ReadString(tls["client_auth_type"], "tls.client_auth_type", &c->tls_client_auth_type));
      const std::string& t = c->tls_client_auth_type;
      if (t != "NoClientCert" && t != "VerifyClientCertIfGiven" &&
          t != "RequireAndVerifyClientCert") {
        return Bad("tls.client_auth_type", "\"" + t +
                                               "\" is not NoClientCert, VerifyClientCertIfGiven or "
                                               "RequireAndVerifyClientCert");
      }
    }
    if (c->tls_client_auth_type != "NoClientCert" && c->tls_client_ca_file.empty()) {
      return Bad("tls.client_ca_file",
                 "is needed to verify client certificates (client_auth_type " +
                     c->tls_client_auth_type + ")");
    }
    if (tls["cert_file"])
      TM_RETURN_IF_ERROR(ReadString(tls["cert_file"], "tls.cert_file", &c->tls_cert_file));
    if (tls["key_file"])
      TM_RETURN_IF_ERROR(ReadString(tls["key_file"], "tls.key_file", &c->tls_key_file));
  }
  if (const auto web = root["web"]) {
    TM_RETURN_IF_ERROR(CheckMapping(
        web, "web.",
        {"enable_admin_api", "enable_lifecycle", "external_url", "route_prefix", "auth",
         "max_connections", "max_connections_per_client", "request_timeout", "write_timeout",
         "idle_timeout", "max_concurrent_requests", "max_request_bytes_in_flight"}));
    if (web["idle_timeout"]) {
      TM_RETURN_IF_ERROR(ReadDuration(web["idle_timeout"], "web.idle_timeout", 100, kDay, nullptr,
                                      &c->idle_timeout_ms));
    }
    if (web["max_concurrent_requests"]) {
      TM_RETURN_IF_ERROR(ReadInt(web["max_concurrent_requests"], "web.max_concurrent_requests", 1,
                                 100'000, &c->max_concurrent_requests));
    }
    if (web["max_request_bytes_in_flight"]) {
      TM_RETURN_IF_ERROR(ReadInt(web["max_request_bytes_in_flight"],
                                 "web.max_request_bytes_in_flight", 1 << 20, INT64_MAX,
                                 &c->max_request_bytes_in_flight));
    }
    if (web["max_connections"]) {
      TM_RETURN_IF_ERROR(ReadInt(web["max_connections"], "web.max_connections", 1, 1'000'000,
                                 &c->max_connections));
    }
    if (web["max_connections_per_client"]) {
      TM_RETURN_IF_ERROR(ReadInt(web["max_connections_per_client"],
                                 "web.max_connections_per_client", 1, 1'000'000,
                                 &c->max_connections_per_client));
    }
    if (web["request_timeout"]) {
      TM_RETURN_IF_ERROR(ReadDuration(web["request_timeout"], "web.request_timeout", 100, kDay,
                                      nullptr, &c->request_timeout_ms));
    }
    if (web["write_timeout"]) {
      TM_RETURN_IF_ERROR(ReadDuration(web["write_timeout"], "web.write_timeout", 100, kDay, nullptr,
                                      &c->write_timeout_ms));
    }
    if (web["auth"]) TM_RETURN_IF_ERROR(ApplyAuth(web["auth"], &c->auth));
    if (web["enable_lifecycle"]) {
      TM_RETURN_IF_ERROR(
          ReadBool(web["enable_lifecycle"], "web.enable_lifecycle", &c->enable_lifecycle));
    }
    if (web["external_url"]) {
      TM_RETURN_IF_ERROR(ReadString(web["external_url"], "web.external_url", &c->external_url));
      if (!c->external_url.empty() && !c->external_url.starts_with("http://") &&
          !c->external_url.starts_with("https://")) {
        return Bad("web.external_url", "\"" + c->external_url + "\" is not an http(s) URL");
      }
      TM_RETURN_IF_ERROR(CheckRoutePrefix(UrlPath(c->external_url), "web.external_url"));
    }
    if (web["route_prefix"]) {
      TM_RETURN_IF_ERROR(ReadString(web["route_prefix"], "web.route_prefix", &c->route_prefix));
      TM_RETURN_IF_ERROR(CheckRoutePrefix(c->route_prefix, "web.route_prefix"));
    }
    if (web["enable_admin_api"]) {
      TM_RETURN_IF_ERROR(
          ReadBool(web["enable_admin_api"], "web.enable_admin_api", &c->enable_admin_api));
    }
  }
  return Status::OK();
}

Status ApplyStorage(const YAML::Node& st, Options* o) {
  TM_RETURN_IF_ERROR(CheckMapping(
      st, "storage.",
      {"retention", "retention_bytes", "span_retention", "sync", "group_commit_interval",
       "unsynced_commit_delay", "partition_duration", "checkpoint_interval", "checkpoint_wal_bytes",
       "head_keep_recent", "selection_cache_bytes", "max_future", "read_threads",
       "span_scan_threads", "span_flush_threads"}));
  if (st["read_threads"]) {
    TM_RETURN_IF_ERROR(
        ReadInt(st["read_threads"], "storage.read_threads", 0, 64, &o->read_threads));
  }
  if (st["span_scan_threads"]) {
    TM_RETURN_IF_ERROR(ReadInt(st["span_scan_threads"], "storage.span_scan_threads", 0, 64,
                               &o->span_scan_threads));
  }
  if (st["span_flush_threads"]) {
    TM_RETURN_IF_ERROR(ReadInt(st["span_flush_threads"], "storage.span_flush_threads", 0, 64,
                               &o->span_flush_threads));
  }
  if (st["retention"]) {
    TM_RETURN_IF_ERROR(ReadDuration(st["retention"], "storage.retention", kMinute, 100 * kYear,
                                    "keep forever", &o->retention_ms));
  }
  if (st["span_retention"]) {
    TM_RETURN_IF_ERROR(ReadDuration(st["span_retention"], "storage.span_retention", kMinute,
                                    100 * kYear, "keep forever", &o->span_retention_ms));
  }
  if (st["retention_bytes"]) {
    int64_t bytes = 0;
    TM_RETURN_IF_ERROR(
        ReadInt(st["retention_bytes"], "storage.retention_bytes", 0, INT64_MAX, &bytes));
    if (bytes != 0 && bytes < (1 << 20))
      return Bad("storage.retention_bytes", "must be 0 (off) or at least 1048576 (1 MiB)");
    o->retention_bytes = static_cast<uint64_t>(bytes);
  }
  if (st["partition_duration"]) {
    TM_RETURN_IF_ERROR(ReadDuration(st["partition_duration"], "storage.partition_duration", kMinute,
                                    7 * kDay, nullptr, &o->partition_duration_ms));
  }
  if (st["checkpoint_interval"]) {
    TM_RETURN_IF_ERROR(ReadDuration(st["checkpoint_interval"], "storage.checkpoint_interval",
                                    kSecond, 7 * kDay, "off", &o->checkpoint_interval_ms));
  }
  if (st["checkpoint_wal_bytes"]) {
    TM_RETURN_IF_ERROR(ReadInt(st["checkpoint_wal_bytes"], "storage.checkpoint_wal_bytes",
                               int64_t{1} << 20, int64_t{1} << 40, &o->checkpoint_wal_bytes));
  }
  if (st["selection_cache_bytes"]) {
    TM_RETURN_IF_ERROR(ReadInt(st["selection_cache_bytes"], "storage.selection_cache_bytes", 0,
                               int64_t{1} << 40, &o->selection_cache_bytes));
  }
  if (st["head_keep_recent"]) {
    TM_RETURN_IF_ERROR(ReadDuration(st["head_keep_recent"], "storage.head_keep_recent", kSecond,
                                    7 * kDay, "off", &o->head_keep_recent_ms));
  }
  if (st["group_commit_interval"]) {
    int64_t ms = 0;
    TM_RETURN_IF_ERROR(ReadDuration(st["group_commit_interval"], "storage.group_commit_interval", 0,
                                    kSecond, nullptr, &ms));
    o->group_commit_interval_ms = static_cast<uint32_t>(ms);
  }
  if (st["unsynced_commit_delay"]) {
    int64_t ms = 0;
    TM_RETURN_IF_ERROR(ReadDuration(st["unsynced_commit_delay"], "storage.unsynced_commit_delay", 0,
                                    60 * kSecond, nullptr, &ms));
    o->unsynced_commit_delay_ms = static_cast<uint32_t>(ms);
  }
  if (st["max_future"]) {
    TM_RETURN_IF_ERROR(ReadDuration(st["max_future"], "storage.max_future", kMinute, kYear, nullptr,
                                    &o->max_future_ms));
  }
  if (st["sync"]) {
    std::string v;
    TM_RETURN_IF_ERROR(ReadString(st["sync"], "storage.sync", &v));
    if (v == "every_commit")
      o->sync_policy = SyncPolicy::kEveryCommit;
    else if (v == "group_commit")
      o->sync_policy = SyncPolicy::kGroupCommit;
    else if (v == "none")
      o->sync_policy = SyncPolicy::kNone;
    else
      return Bad("storage.sync", "\"" + v + "\" is not every_commit, group_commit or none");
  }
  return Status::OK();
}

Status ApplyLimits(const YAML::Node& l, Limits* lim) {
  TM_RETURN_IF_ERROR(
      CheckMapping(l, "limits.",
                   {"max_active_series", "max_labels_per_series", "max_label_name_bytes",
                    "max_label_value_bytes", "max_samples_per_commit", "max_span_attributes",
                    "max_span_attribute_value_bytes", "max_span_events", "max_span_links",
                    "max_spans_per_trace"}));
  // key, valid range, field
  auto read = [&](const char* name, int64_t min, int64_t max, auto* field) -> Status {
    if (!l[name]) return Status::OK();
    return ReadInt(l[name], std::string("limits.") + name, min, max, field);
  };
  TM_RETURN_IF_ERROR(read("max_active_series", 0, 1'000'000'000, &lim->max_active_series));
  TM_RETURN_IF_ERROR(read("max_labels_per_series", 1, 1024, &lim->max_labels_per_series));
  TM_RETURN_IF_ERROR(read("max_label_name_bytes", 1, 65536, &lim->max_label_name_bytes));
  TM_RETURN_IF_ERROR(read("max_label_value_bytes", 1, 1 << 20, &lim->max_label_value_bytes));
  TM_RETURN_IF_ERROR(
      read("max_samples_per_commit", 1, 1'000'000'000, &lim->max_samples_per_commit));
  TM_RETURN_IF_ERROR(read("max_span_attributes", 0, 65536, &lim->max_span_attributes));
  TM_RETURN_IF_ERROR(
      read("max_span_attribute_value_bytes", 1, 16 << 20, &lim->max_span_attribute_value_bytes));
  TM_RETURN_IF_ERROR(read("max_span_events", 0, 65536, &lim->max_span_events));
  TM_RETURN_IF_ERROR(read("max_span_links", 0, 65536, &lim->max_span_links));
  TM_RETURN_IF_ERROR(read("max_spans_per_trace", 1, 10'000'000, &lim->max_spans_per_trace));
  return Status::OK();
}

// A list of resource attribute names, checked as Prometheus checks it: each trimmed of spaces,
// none empty, none twice.
Status ReadResourceAttributes(const YAML::Node& node, const std::string& key,
                              std::vector<std::string>* out) {
  TM_RETURN_IF_ERROR(ReadStringList(node, key, out));
  std::set<std::string> seen;
  size_t i = 0;
  for (std::string& name : *out) {
    const std::string where = node.IsSequence() ? config_yaml::Where(node[i++]) : "";
    const size_t begin = name.find_first_not_of(" \t");
    name = begin == std::string::npos
               ? ""
               : name.substr(begin, name.find_last_not_of(" \t") - begin + 1);
    if (name.empty()) return Bad(key, "has an empty attribute name" + where);
    if (!seen.insert(name).second) return Bad(key, "has \"" + name + "\" twice" + where);
  }
  return Status::OK();
}

Status ApplyOtlp(const YAML::Node& o, ServerConfig* c) {
  TM_RETURN_IF_ERROR(CheckMapping(
      o, "otlp.",
      {"translation_strategy", "promote_resource_attributes", "promote_all_resource_attributes",
       "ignore_resource_attributes", "keep_identifying_resource_attributes", "metric_naming",
       "target_info", "delta_max_series", "grpc_workers", "grpc_max_queued",
       "span_backpressure_wait"}));
  ingest::MetricsTranslationOptions& t = c->translation;
  // The older name of translation_strategy, still read so that existing files keep working.
  if (const auto n = o["metric_naming"]) {
    if (o["translation_strategy"]) {
      return Bad("otlp.metric_naming",
                 "cannot be set together with otlp.translation_strategy, which replaces it" +
                     config_yaml::Where(n));
    }
    std::string v;
    TM_RETURN_IF_ERROR(ReadString(n, "otlp.metric_naming", &v));
    if (v == "prometheus") {
      t.translation_strategy = ingest::TranslationStrategy::kUnderscoreEscapingWithSuffixes;
    } else if (v == "utf8") {
      t.translation_strategy = ingest::TranslationStrategy::kNoTranslation;
    } else {
      return Bad("otlp.metric_naming", "\"" + v +
                                           "\" is not prometheus or utf8 (the key is replaced by "
                                           "otlp.translation_strategy)" +
                                           config_yaml::Where(n));
    }
  }
  if (const auto n = o["translation_strategy"]) {
    std::string v;
    TM_RETURN_IF_ERROR(ReadString(n, "otlp.translation_strategy", &v));
    if (!ingest::ParseTranslationStrategy(v, &t.translation_strategy)) {
      return Bad("otlp.translation_strategy",
                 "\"" + v +
                     "\" is not UnderscoreEscapingWithSuffixes, UnderscoreEscapingWithoutSuffixes, "
                     "NoUTF8EscapingWithSuffixes or NoTranslation" +
                     config_yaml::Where(n));
    }
  }
  if (const auto n = o["promote_resource_attributes"]) {
    TM_RETURN_IF_ERROR(ReadResourceAttributes(n, "otlp.promote_resource_attributes",
                                              &t.promote_resource_attributes));
  }
  if (const auto n = o["promote_all_resource_attributes"]) {
    TM_RETURN_IF_ERROR(
        ReadBool(n, "otlp.promote_all_resource_attributes", &t.promote_all_resource_attributes));
  }
  if (const auto n = o["ignore_resource_attributes"]) {
    TM_RETURN_IF_ERROR(ReadResourceAttributes(n, "otlp.ignore_resource_attributes",
                                              &t.ignore_resource_attributes));
  }
  if (const auto n = o["keep_identifying_resource_attributes"]) {
    TM_RETURN_IF_ERROR(ReadBool(n, "otlp.keep_identifying_resource_attributes",
                                &t.keep_identifying_resource_attributes));
  }
  // Checked on the result, so that flags applied after the file are held to the same rules.
  if (t.promote_all_resource_attributes && !t.promote_resource_attributes.empty()) {
    return Bad("otlp.promote_resource_attributes",
               "cannot be set together with otlp.promote_all_resource_attributes: true (use "
               "otlp.ignore_resource_attributes to leave some out)");
  }
  if (!t.promote_all_resource_attributes && !t.ignore_resource_attributes.empty()) {
    return Bad("otlp.ignore_resource_attributes",
               "can only be set with otlp.promote_all_resource_attributes: true");
  }
  if (o["target_info"])
    TM_RETURN_IF_ERROR(ReadBool(o["target_info"], "otlp.target_info", &t.target_info));
  if (o["delta_max_series"]) {
    TM_RETURN_IF_ERROR(ReadInt(o["delta_max_series"], "otlp.delta_max_series", 2, 1'000'000'000,
                               &t.max_delta_series));
  }
  if (o["span_backpressure_wait"]) {
    TM_RETURN_IF_ERROR(ReadDuration(o["span_backpressure_wait"], "otlp.span_backpressure_wait", 1,
                                    5 * kMinute, "refuse at once", &c->span_backpressure_wait_ms));
  }
  if (o["grpc_workers"])
    TM_RETURN_IF_ERROR(
        ReadInt(o["grpc_workers"], "otlp.grpc_workers", 1, 1024, &c->otlp_grpc_workers));
  if (o["grpc_max_queued"]) {
    TM_RETURN_IF_ERROR(ReadInt(o["grpc_max_queued"], "otlp.grpc_max_queued", 1, 1'000'000,
                               &c->otlp_grpc_max_queued));
  }
  return Status::OK();
}

Status ApplyQuery(const YAML::Node& q, QueryConfig* qc) {
  TM_RETURN_IF_ERROR(CheckMapping(
      q, "query.",
      {"lookback_delta", "timeout", "max_samples", "max_points_per_series", "max_result_points",
       "default_subquery_step", "max_concurrency", "experimental_functions", "duration_expressions",
       "max_bytes_per_query", "max_bytes_all_queries"}));
  if (q["max_bytes_per_query"]) {
    TM_RETURN_IF_ERROR(ReadInt(q["max_bytes_per_query"], "query.max_bytes_per_query", 1 << 20,
                               INT64_MAX, &qc->max_bytes_per_query));
  }
  if (q["max_bytes_all_queries"]) {
    TM_RETURN_IF_ERROR(ReadInt(q["max_bytes_all_queries"], "query.max_bytes_all_queries", 0,
                               INT64_MAX, &qc->max_bytes_all_queries));
  }
  if (q["lookback_delta"]) {
    TM_RETURN_IF_ERROR(ReadDuration(q["lookback_delta"], "query.lookback_delta", 1, 7 * kDay,
                                    nullptr, &qc->lookback_delta_ms));
  }
  if (q["timeout"]) {
    TM_RETURN_IF_ERROR(
        ReadDuration(q["timeout"], "query.timeout", 1, kDay, nullptr, &qc->timeout_ms));
  }
  if (q["default_subquery_step"]) {
    TM_RETURN_IF_ERROR(ReadDuration(q["default_subquery_step"], "query.default_subquery_step", 1,
                                    kDay, nullptr, &qc->default_subquery_step_ms));
  }
  if (q["max_samples"]) {
    TM_RETURN_IF_ERROR(
        ReadInt(q["max_samples"], "query.max_samples", 1, 1'000'000'000'000, &qc->max_samples));
  }
  if (q["max_points_per_series"]) {
    TM_RETURN_IF_ERROR(ReadInt(q["max_points_per_series"], "query.max_points_per_series", 1,
                               100'000'000, &qc->max_points_per_series));
  }
  if (q["max_result_points"]) {
    TM_RETURN_IF_ERROR(ReadInt(q["max_result_points"], "query.max_result_points", 1,
                               1'000'000'000'000, &qc->max_result_points));
  }
  if (q["max_concurrency"]) {
    TM_RETURN_IF_ERROR(
        ReadInt(q["max_concurrency"], "query.max_concurrency", 1, 10'000, &qc->max_concurrency));
  }
  if (q["experimental_functions"]) {
    TM_RETURN_IF_ERROR(ReadBool(q["experimental_functions"], "query.experimental_functions",
                                &qc->experimental_functions));
  }
  if (q["duration_expressions"]) {
    TM_RETURN_IF_ERROR(ReadBool(q["duration_expressions"], "query.duration_expressions",
                                &qc->duration_expressions));
  }
  return Status::OK();
}

Status ApplyTraceQuery(const YAML::Node& q, TraceQueryConfig* tc) {
  TM_RETURN_IF_ERROR(CheckMapping(q, "trace_query.",
                                  {"default_range", "max_range", "timeout", "max_spans_inspected",
                                   "max_traces", "max_concurrency"}));
  if (q["default_range"]) {
    TM_RETURN_IF_ERROR(ReadDuration(q["default_range"], "trace_query.default_range", 1000,
                                    3650 * kDay, nullptr, &tc->default_range_ms));
  }
  if (q["max_range"]) {
    TM_RETURN_IF_ERROR(ReadDuration(q["max_range"], "trace_query.max_range", 1000, 3650 * kDay,
                                    nullptr, &tc->max_range_ms));
  }
  if (q["timeout"]) {
    TM_RETURN_IF_ERROR(
        ReadDuration(q["timeout"], "trace_query.timeout", 1, kDay, nullptr, &tc->timeout_ms));
  }
  if (q["max_spans_inspected"]) {
    int64_t v = 0;
    TM_RETURN_IF_ERROR(ReadInt(q["max_spans_inspected"], "trace_query.max_spans_inspected", 1000,
                               1'000'000'000'000, &v));
    tc->max_spans_inspected = static_cast<uint64_t>(v);
  }
  if (q["max_traces"]) {
    TM_RETURN_IF_ERROR(
        ReadInt(q["max_traces"], "trace_query.max_traces", 1, 1'000'000, &tc->max_traces));
  }
  if (q["max_concurrency"]) {
    TM_RETURN_IF_ERROR(ReadInt(q["max_concurrency"], "trace_query.max_concurrency", 1, 10'000,
                               &tc->max_concurrency));
  }
  if (tc->default_range_ms > tc->max_range_ms) {
    return Status::InvalidArgument(
        "trace_query.default_range must not exceed trace_query.max_range");
  }
  return Status::OK();
}

// What scraping reads of a configuration: `global`, `scrape_configs`, `scrape_config_files`. The
// server's file and an embedding program's text (LoadScrapeConfigText) both come through here.
Status ApplyScrapeSections(const YAML::Node& root, const std::string& config_dir,
                           GlobalConfig* global, ScrapeSettings* scrape) {
  if (const auto g = root["global"]) TM_RETURN_IF_ERROR(ApplyGlobal(g, global));
  if (const auto s = root["scrape_configs"]) {
    TM_RETURN_IF_ERROR(ApplyScrapeConfigs(s, config_dir, scrape));
  }
  if (const auto f = root["scrape_config_files"]) {
    TM_RETURN_IF_ERROR(ApplyScrapeConfigFiles(f, scrape));
  }
  return Status::OK();
}

// Every key of the file (or of flags turned into a tree); values not given keep `c`'s. Relative
// paths in scrape configurations are resolved against `config_dir`.
Status Apply(const YAML::Node& root, const std::string& config_dir, ServerConfig* c) {
  TM_RETURN_IF_ERROR(CheckMapping(root, "",
                                  {"data_dir",
                                   "http_addr",
                                   "otlp_grpc_addr",
                                   "otlp_http_addr",
                                   "tls",
                                   "web",
                                   "log_level",
                                   "max_request_bytes",
                                   "self_scrape_interval",
                                   "storage",
                                   "limits",
                                   "otlp",
                                   "query",
                                   "trace_query",
                                   "alerting",
                                   "global",
                                   "rule_files",
                                   "rules",
                                   "scrape_configs",
                                   "scrape_config_files",
                                   "tenants"}));
  if (root.IsNull()) return Status::OK();
  TM_RETURN_IF_ERROR(ApplyTopLevel(root, c));
  // Token files relative to the configuration file, as Prometheus reads its file paths.
  for (auto& [name, file] : c->auth.bearer_token_files) {
    if (!file.empty() && file.front() != '/' && !config_dir.empty()) file = config_dir + "/" + file;
  }
  if (const auto st = root["storage"]) TM_RETURN_IF_ERROR(ApplyStorage(st, &c->engine));
  if (const auto l = root["limits"]) TM_RETURN_IF_ERROR(ApplyLimits(l, &c->engine.limits));
  if (const auto o = root["otlp"]) TM_RETURN_IF_ERROR(ApplyOtlp(o, c));
  if (const auto q = root["query"]) TM_RETURN_IF_ERROR(ApplyQuery(q, &c->query));
  if (const auto t = root["trace_query"]) TM_RETURN_IF_ERROR(ApplyTraceQuery(t, &c->trace_query));
  if (const auto a = root["alerting"]) TM_RETURN_IF_ERROR(ApplyAlerting(a, &c->alerting));
  if (const auto f = root["rule_files"]) TM_RETURN_IF_ERROR(ApplyRuleFiles(f, &c->rules));
  if (const auto r = root["rules"]) TM_RETURN_IF_ERROR(ApplyRulesSection(r, &c->rules));
  if (const auto t = root["tenants"]) TM_RETURN_IF_ERROR(ApplyTenants(t, &c->tenants));
  return ApplyScrapeSections(root, config_dir, &c->global, &c->scrape);
}

// Apply with a last line of defence: yaml-cpp throws, and nothing may escape.
Status ApplyCaught(const YAML::Node& root, const std::string& source, const std::string& config_dir,
                   ServerConfig* c) {
  try {
    return Apply(root, config_dir, c);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source + ": " + e.what());
  }
}

}  // namespace

Status ParseListenAddress(const std::string& addr, std::string* host, uint16_t* port) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("address \"" + addr + "\" lacks :PORT");
  *host = addr.substr(0, colon);
  if (host->empty()) *host = "0.0.0.0";
  bool bracketed = false;
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
    bracketed = true;
  }
  const std::string p = addr.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(p) > 65535) {
    return Status::InvalidArgument("address \"" + addr + "\" has an invalid port");
  }
  // The listeners bind IP addresses: a literal IPv4 or (bracketed) IPv6 address, or localhost.
  unsigned char buf[sizeof(struct in6_addr)];
  const bool ok = *host == "localhost" ||
                  (!bracketed && ::inet_pton(AF_INET, host->c_str(), buf) == 1) ||
                  (bracketed && ::inet_pton(AF_INET6, host->c_str(), buf) == 1);
  if (!ok) {
    return Status::InvalidArgument(
        "address \"" + addr +
        "\" has an invalid host (want an IPv4 address, [IPv6 address], localhost or none)");
  }
  *port = static_cast<uint16_t>(std::stoi(p));
  return Status::OK();
}

Status LoadConfigFile(const std::string& path, ServerConfig* c) {
  const std::string source = "config file " + path;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::InvalidArgument(source + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(source + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(source + ": cannot be opened");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::InvalidArgument(source + ": read error");
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source + ": " + e.what());
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  TM_RETURN_IF_ERROR(ApplyCaught(root, source, dir, c));
  // Scrape jobs take their defaults from `global`, wherever it stands in the file.
  return FinishScrapeConfigs(c->global, dir, &c->scrape);
}

Status LoadScrapeConfigText(std::string_view text, const std::string& config_dir,
                            GlobalConfig* global, ScrapeSettings* scrape) {
  const std::string source = "scrape configuration";
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    TM_RETURN_IF_ERROR(CheckMapping(root, "", {"global", "scrape_configs", "scrape_config_files"}));
    if (!root.IsNull()) TM_RETURN_IF_ERROR(ApplyScrapeSections(root, config_dir, global, scrape));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source + ": " + e.what());
  }
  return FinishScrapeConfigs(*global, config_dir, scrape);
}

Status ApplyFlags(const std::vector<std::pair<std::string, std::string>>& values, ServerConfig* c) {
  // Not a structured binding: clang 14 cannot capture one in a lambda.
  for (const auto& entry : values) {
    const std::string& key = entry.first;
    const std::string& value = entry.second;
    Status s = [&]() -> Status {
      try {
        YAML::Node root;
        const size_t dot = key.find('.');
        if (dot == std::string::npos)
          root[key] = value;
        else
          root[key.substr(0, dot)][key.substr(dot + 1)] = value;
        return ApplyCaught(root, "flag for " + key,
                           std::filesystem::path(c->config_file).parent_path().string(), c);
      } catch (const std::exception& e) {
        return Status::InvalidArgument("flag for " + key + ": " + e.what());
      }
    }();
    if (!s.ok()) return s;
  }
  return Status::OK();
}

std::string FormatRetention(int64_t ms) {
  if (ms <= 0) return "0s";
  return util::FormatDuration(ms);
}

std::string RenderConfigYaml(const ServerConfig& c) {
  auto sync_name = [](SyncPolicy p) {
    switch (p) {
      case SyncPolicy::kEveryCommit:
        return "every_commit";
      case SyncPolicy::kGroupCommit:
        return "group_commit";
      case SyncPolicy::kNone:
        return "none";
    }
    return "group_commit";
  };
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "data_dir" << YAML::Value << c.data_dir;
  out << YAML::Key << "http_addr" << YAML::Value << c.http_addr;
  out << YAML::Key << "otlp_grpc_addr" << YAML::Value << c.otlp_grpc_addr;
  out << YAML::Key << "otlp_http_addr" << YAML::Value << c.otlp_http_addr;
  out << YAML::Key << "log_level" << YAML::Value << c.log_level;
  out << YAML::Key << "max_request_bytes" << YAML::Value << c.max_request_bytes;
  out << YAML::Key << "self_scrape_interval" << YAML::Value
      << util::FormatDuration(c.self_scrape_interval_ms);
  if (!c.tls_cert_file.empty()) {
    out << YAML::Key << "tls" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "cert_file" << YAML::Value << c.tls_cert_file;
    out << YAML::Key << "key_file" << YAML::Value << c.tls_key_file;
    out << YAML::Key << "client_auth_type" << YAML::Value << c.tls_client_auth_type;
    out << YAML::Key << "client_ca_file" << YAML::Value << c.tls_client_ca_file;
    out << YAML::EndMap;
  }
  out << YAML::Key << "web" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enable_admin_api" << YAML::Value << c.enable_admin_api;
  out << YAML::Key << "enable_lifecycle" << YAML::Value << c.enable_lifecycle;
  out << YAML::Key << "external_url" << YAML::Value << c.external_url;
  out << YAML::Key << "route_prefix" << YAML::Value << EffectiveRoutePrefix(c);
  out << YAML::Key << "max_connections" << YAML::Value << c.max_connections;
  out << YAML::Key << "max_connections_per_client" << YAML::Value << c.max_connections_per_client;
  out << YAML::Key << "request_timeout" << YAML::Value
      << util::FormatDuration(c.request_timeout_ms);
  out << YAML::Key << "write_timeout" << YAML::Value << util::FormatDuration(c.write_timeout_ms);
  out << YAML::Key << "idle_timeout" << YAML::Value << util::FormatDuration(c.idle_timeout_ms);
  out << YAML::Key << "max_concurrent_requests" << YAML::Value << c.max_concurrent_requests;
  out << YAML::Key << "max_request_bytes_in_flight" << YAML::Value << c.max_request_bytes_in_flight;
  if (c.auth.enabled()) {
    // Names and files only: the hashes and tokens are secrets, as Prometheus hides them.
    out << YAML::Key << "auth" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "basic_auth_users" << YAML::Value << YAML::BeginMap;
    for (const auto& [user, hash] : c.auth.basic_auth_users)
      out << YAML::Key << user << YAML::Value << "<secret>";
    out << YAML::EndMap;
    out << YAML::Key << "bearer_tokens" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, file] : c.auth.bearer_token_files)
      out << YAML::Key << name << YAML::Value << file;
    out << YAML::EndMap;
    out << YAML::Key << "roles" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "read" << YAML::Value << YAML::Flow << c.auth.readers;
    out << YAML::Key << "write" << YAML::Value << YAML::Flow << c.auth.writers;
    out << YAML::Key << "admin" << YAML::Value << YAML::Flow << c.auth.admins;
    out << YAML::EndMap << YAML::EndMap;
  }
  out << YAML::EndMap;
  out << YAML::Key << "storage" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "retention" << YAML::Value << FormatRetention(c.engine.retention_ms);
  out << YAML::Key << "retention_bytes" << YAML::Value << c.engine.retention_bytes;
  out << YAML::Key << "span_retention" << YAML::Value
      << FormatRetention(c.engine.span_retention_ms);
  out << YAML::Key << "sync" << YAML::Value << sync_name(c.engine.sync_policy);
  out << YAML::Key << "group_commit_interval" << YAML::Value
      << util::FormatDuration(c.engine.group_commit_interval_ms);
  out << YAML::Key << "unsynced_commit_delay" << YAML::Value
      << util::FormatDuration(c.engine.unsynced_commit_delay_ms);
  out << YAML::Key << "partition_duration" << YAML::Value
      << util::FormatDuration(c.engine.partition_duration_ms);
  out << YAML::Key << "checkpoint_interval" << YAML::Value
      << util::FormatDuration(c.engine.checkpoint_interval_ms);
  out << YAML::Key << "checkpoint_wal_bytes" << YAML::Value << c.engine.checkpoint_wal_bytes;
  out << YAML::Key << "head_keep_recent" << YAML::Value
      << util::FormatDuration(c.engine.head_keep_recent_ms);
  out << YAML::Key << "selection_cache_bytes" << YAML::Value << c.engine.selection_cache_bytes;
  out << YAML::Key << "max_future" << YAML::Value << util::FormatDuration(c.engine.max_future_ms);
  out << YAML::Key << "read_threads" << YAML::Value << c.engine.read_threads;
  out << YAML::Key << "span_scan_threads" << YAML::Value << c.engine.span_scan_threads;
  out << YAML::Key << "span_flush_threads" << YAML::Value << c.engine.span_flush_threads;
  out << YAML::EndMap;
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_active_series" << YAML::Value << c.engine.limits.max_active_series;
  out << YAML::Key << "max_labels_per_series" << YAML::Value
      << c.engine.limits.max_labels_per_series;
  out << YAML::Key << "max_samples_per_commit" << YAML::Value
      << c.engine.limits.max_samples_per_commit;
  out << YAML::EndMap;
  out << YAML::Key << "otlp" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "translation_strategy" << YAML::Value
      << std::string(ingest::TranslationStrategyName(c.translation.translation_strategy));
  out << YAML::Key << "promote_resource_attributes" << YAML::Value << YAML::Flow
      << c.translation.promote_resource_attributes;
  out << YAML::Key << "promote_all_resource_attributes" << YAML::Value
      << c.translation.promote_all_resource_attributes;
  out << YAML::Key << "ignore_resource_attributes" << YAML::Value << YAML::Flow
      << c.translation.ignore_resource_attributes;
  out << YAML::Key << "keep_identifying_resource_attributes" << YAML::Value
      << c.translation.keep_identifying_resource_attributes;
  out << YAML::Key << "target_info" << YAML::Value << c.translation.target_info;
  out << YAML::Key << "delta_max_series" << YAML::Value << c.translation.max_delta_series;
  out << YAML::Key << "span_backpressure_wait" << YAML::Value
      << util::FormatDuration(c.span_backpressure_wait_ms);
  out << YAML::Key << "grpc_workers" << YAML::Value << c.otlp_grpc_workers;
  out << YAML::Key << "grpc_max_queued" << YAML::Value << c.otlp_grpc_max_queued;
  out << YAML::EndMap;
  out << YAML::Key << "tenants" << YAML::Value;
  RenderTenants(c.tenants, &out);
  out << YAML::Key << "query" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "lookback_delta" << YAML::Value
      << util::FormatDuration(c.query.lookback_delta_ms);
  out << YAML::Key << "timeout" << YAML::Value << util::FormatDuration(c.query.timeout_ms);
  out << YAML::Key << "max_samples" << YAML::Value << c.query.max_samples;
  out << YAML::Key << "max_points_per_series" << YAML::Value << c.query.max_points_per_series;
  out << YAML::Key << "max_result_points" << YAML::Value << c.query.max_result_points;
  out << YAML::Key << "max_bytes_per_query" << YAML::Value << c.query.max_bytes_per_query;
  out << YAML::Key << "max_bytes_all_queries" << YAML::Value << c.query.max_bytes_all_queries;
  out << YAML::Key << "default_subquery_step" << YAML::Value
      << util::FormatDuration(c.query.default_subquery_step_ms);
  out << YAML::Key << "max_concurrency" << YAML::Value << c.query.max_concurrency;
  out << YAML::Key << "experimental_functions" << YAML::Value << c.query.experimental_functions;
  out << YAML::Key << "duration_expressions" << YAML::Value << c.query.duration_expressions;
  out << YAML::EndMap;
  out << YAML::Key << "trace_query" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "default_range" << YAML::Value
      << util::FormatDuration(c.trace_query.default_range_ms);
  out << YAML::Key << "max_range" << YAML::Value
      << util::FormatDuration(c.trace_query.max_range_ms);
  out << YAML::Key << "timeout" << YAML::Value << util::FormatDuration(c.trace_query.timeout_ms);
  out << YAML::Key << "max_spans_inspected" << YAML::Value << c.trace_query.max_spans_inspected;
  out << YAML::Key << "max_traces" << YAML::Value << c.trace_query.max_traces;
  out << YAML::Key << "max_concurrency" << YAML::Value << c.trace_query.max_concurrency;
  out << YAML::EndMap;
  RenderAlertingYaml(c.alerting, &out);
  EmitRulesConfig(c.global, c.rules, &out);
  RenderScrapeConfigsYaml(c.scrape, &out);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string EffectiveRoutePrefix(const ServerConfig& config) {
  std::string prefix =
      config.route_prefix.empty() ? UrlPath(config.external_url) : config.route_prefix;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix;
}

}  // namespace tidemark::server
