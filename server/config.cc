#include "server/config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "query/parser.h"

namespace tidemark::server {
namespace {

Status Bad(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("config key \"" + key + "\": " + why);
}

// Durations as Prometheus writes them: 15d, 6h, 30m, 10s, 500ms, or plain milliseconds.
bool ParseDurationMs(const std::string& s, int64_t* ms) {
  if (s.empty()) return false;
  size_t i = 0;
  int64_t total = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i) return false;
    const int64_t n = std::stoll(s.substr(i, j - i));
    size_t k = j;
    while (k < s.size() && isalpha(static_cast<unsigned char>(s[k]))) ++k;
    const std::string unit = s.substr(j, k - j);
    int64_t mult;
    if (unit == "ms" || unit.empty())
      mult = 1;
    else if (unit == "s")
      mult = 1000;
    else if (unit == "m")
      mult = 60'000;
    else if (unit == "h")
      mult = 3'600'000;
    else if (unit == "d")
      mult = 86'400'000;
    else if (unit == "w")
      mult = 7 * 86'400'000LL;
    else if (unit == "y")
      mult = 365 * 86'400'000LL;
    else
      return false;
    total += n * mult;
    i = k;
  }
  *ms = total;
  return true;
}

template <typename T>
Status Scalar(const YAML::Node& node, const std::string& key, T* out) {
  try {
    *out = node.as<T>();
  } catch (const YAML::Exception& e) {
    return Bad(key, "wrong type: " + std::string(e.what()));
  }
  return Status::OK();
}

Status Duration(const YAML::Node& node, const std::string& key, int64_t* ms) {
  std::string s;
  Status st = Scalar(node, key, &s);
  if (!st.ok()) return st;
  if (!ParseDurationMs(s, ms))
    return Bad(key, "\"" + s + "\" is not a duration such as 15d, 6h or 500ms");
  return Status::OK();
}

Status CheckKeys(const YAML::Node& node, const std::string& prefix,
                 const std::set<std::string>& known) {
  if (!node.IsMap()) return Bad(prefix.empty() ? "(top level)" : prefix, "must be a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!known.count(key)) return Bad(prefix + key, "unknown key");
  }
  return Status::OK();
}

}  // namespace

Status ParseListenAddress(const std::string& addr, std::string* host, uint16_t* port) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos)
    return Status::InvalidArgument("address \"" + addr + "\" lacks :PORT");
  *host = addr.substr(0, colon);
  if (host->empty()) *host = "0.0.0.0";
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  const std::string p = addr.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(p) > 65535) {
    return Status::InvalidArgument("address \"" + addr + "\" has an invalid port");
  }
  *port = static_cast<uint16_t>(std::stoi(p));
  return Status::OK();
}

namespace {

Status Apply(const YAML::Node& root, ServerConfig* c);

}  // namespace

Status LoadConfigFile(const std::string& path, ServerConfig* c) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("config file " + path + ": " + e.what());
  }
  return Apply(root, c);
}

Status ApplyStorageFlags(const std::map<std::string, std::string>& values, ServerConfig* c) {
  if (values.empty()) return Status::OK();
  YAML::Node root;
  for (const auto& [key, value] : values) root["storage"][key] = value;
  return Apply(root, c);
}

namespace {

Status Apply(const YAML::Node& root, ServerConfig* c) {
  if (root.IsNull()) return Status::OK();
  Status s = CheckKeys(
      root, "",
      {"data_dir", "http_addr", "otlp_grpc_addr", "otlp_http_addr", "tls", "log_level",
       "max_request_bytes", "self_scrape_interval", "storage", "limits", "otlp", "query"});
  if (!s.ok()) return s;
#define TM_TRY(expr)             \
  do {                           \
    Status tm_s = (expr);        \
    if (!tm_s.ok()) return tm_s; \
  } while (0)
  if (root["data_dir"]) TM_TRY(Scalar(root["data_dir"], "data_dir", &c->data_dir));
  if (root["http_addr"]) TM_TRY(Scalar(root["http_addr"], "http_addr", &c->http_addr));
  if (root["otlp_grpc_addr"])
    TM_TRY(Scalar(root["otlp_grpc_addr"], "otlp_grpc_addr", &c->otlp_grpc_addr));
  if (root["otlp_http_addr"])
    TM_TRY(Scalar(root["otlp_http_addr"], "otlp_http_addr", &c->otlp_http_addr));
  if (root["log_level"]) TM_TRY(Scalar(root["log_level"], "log_level", &c->log_level));
  if (root["max_request_bytes"])
    TM_TRY(Scalar(root["max_request_bytes"], "max_request_bytes", &c->max_request_bytes));
  if (root["self_scrape_interval"]) {
    TM_TRY(Duration(root["self_scrape_interval"], "self_scrape_interval",
                    &c->self_scrape_interval_ms));
  }
  if (const auto tls = root["tls"]) {
    TM_TRY(CheckKeys(tls, "tls.", {"cert_file", "key_file"}));
    if (tls["cert_file"]) TM_TRY(Scalar(tls["cert_file"], "tls.cert_file", &c->tls_cert_file));
    if (tls["key_file"]) TM_TRY(Scalar(tls["key_file"], "tls.key_file", &c->tls_key_file));
  }
  if (const auto st = root["storage"]) {
    TM_TRY(CheckKeys(st, "storage.",
                     {"retention", "retention_bytes", "span_retention", "sync",
                      "group_commit_interval", "partition_duration", "checkpoint_interval"}));
    if (st["retention"])
      TM_TRY(Duration(st["retention"], "storage.retention", &c->engine.retention_ms));
    if (st["retention_bytes"])
      TM_TRY(Scalar(st["retention_bytes"], "storage.retention_bytes", &c->engine.retention_bytes));
    if (st["span_retention"])
      TM_TRY(
          Duration(st["span_retention"], "storage.span_retention", &c->engine.span_retention_ms));
    if (st["partition_duration"]) {
      TM_TRY(Duration(st["partition_duration"], "storage.partition_duration",
                      &c->engine.partition_duration_ms));
    }
    if (st["checkpoint_interval"]) {
      TM_TRY(Duration(st["checkpoint_interval"], "storage.checkpoint_interval",
                      &c->engine.checkpoint_interval_ms));
    }
    if (st["group_commit_interval"]) {
      int64_t ms;
      TM_TRY(Duration(st["group_commit_interval"], "storage.group_commit_interval", &ms));
      c->engine.group_commit_interval_ms = static_cast<uint32_t>(ms);
    }
    if (st["sync"]) {
      std::string v;
      TM_TRY(Scalar(st["sync"], "storage.sync", &v));
      if (v == "every_commit")
        c->engine.sync_policy = SyncPolicy::kEveryCommit;
      else if (v == "group_commit")
        c->engine.sync_policy = SyncPolicy::kGroupCommit;
      else if (v == "none")
        c->engine.sync_policy = SyncPolicy::kNone;
      else
        return Bad("storage.sync", "\"" + v + "\" is not every_commit, group_commit or none");
    }
  }
  if (const auto l = root["limits"]) {
    TM_TRY(CheckKeys(l, "limits.",
                     {"max_active_series", "max_labels_per_series", "max_label_name_bytes",
                      "max_label_value_bytes", "max_samples_per_commit", "max_span_attributes",
                      "max_span_attribute_value_bytes", "max_span_events", "max_span_links",
                      "max_spans_per_trace"}));
    Limits& lim = c->engine.limits;
    if (l["max_active_series"])
      TM_TRY(Scalar(l["max_active_series"], "limits.max_active_series", &lim.max_active_series));
    if (l["max_labels_per_series"])
      TM_TRY(Scalar(l["max_labels_per_series"], "limits.max_labels_per_series",
                    &lim.max_labels_per_series));
    if (l["max_label_name_bytes"])
      TM_TRY(Scalar(l["max_label_name_bytes"], "limits.max_label_name_bytes",
                    &lim.max_label_name_bytes));
    if (l["max_label_value_bytes"])
      TM_TRY(Scalar(l["max_label_value_bytes"], "limits.max_label_value_bytes",
                    &lim.max_label_value_bytes));
    if (l["max_samples_per_commit"])
      TM_TRY(Scalar(l["max_samples_per_commit"], "limits.max_samples_per_commit",
                    &lim.max_samples_per_commit));
    if (l["max_span_attributes"])
      TM_TRY(
          Scalar(l["max_span_attributes"], "limits.max_span_attributes", &lim.max_span_attributes));
    if (l["max_span_attribute_value_bytes"])
      TM_TRY(Scalar(l["max_span_attribute_value_bytes"], "limits.max_span_attribute_value_bytes",
                    &lim.max_span_attribute_value_bytes));
    if (l["max_span_events"])
      TM_TRY(Scalar(l["max_span_events"], "limits.max_span_events", &lim.max_span_events));
    if (l["max_span_links"])
      TM_TRY(Scalar(l["max_span_links"], "limits.max_span_links", &lim.max_span_links));
    if (l["max_spans_per_trace"])
      TM_TRY(
          Scalar(l["max_spans_per_trace"], "limits.max_spans_per_trace", &lim.max_spans_per_trace));
  }
  if (const auto o = root["otlp"]) {
    TM_TRY(CheckKeys(o, "otlp.",
                     {"metric_naming", "target_info", "delta_max_series", "grpc_workers",
                      "grpc_max_queued", "span_backpressure_wait"}));
    if (o["metric_naming"]) {
      std::string v;
      TM_TRY(Scalar(o["metric_naming"], "otlp.metric_naming", &v));
      if (v == "prometheus")
        c->translation.naming = ingest::MetricNaming::kPrometheus;
      else if (v == "utf8")
        c->translation.naming = ingest::MetricNaming::kUtf8;
      else
        return Bad("otlp.metric_naming", "\"" + v + "\" is not prometheus or utf8");
    }
    if (o["target_info"])
      TM_TRY(Scalar(o["target_info"], "otlp.target_info", &c->translation.target_info));
    if (o["delta_max_series"]) {
      int64_t n = 0;
      TM_TRY(Scalar(o["delta_max_series"], "otlp.delta_max_series", &n));
      if (n < 2) return Bad("otlp.delta_max_series", "must be at least 2");
      c->translation.max_delta_series = static_cast<size_t>(n);
    }
    if (o["span_backpressure_wait"]) {
      TM_TRY(Duration(o["span_backpressure_wait"], "otlp.span_backpressure_wait",
                      &c->span_backpressure_wait_ms));
    }
    if (o["grpc_workers"]) {
      TM_TRY(Scalar(o["grpc_workers"], "otlp.grpc_workers", &c->otlp_grpc_workers));
      if (c->otlp_grpc_workers < 1 || c->otlp_grpc_workers > 1024)
        return Bad("otlp.grpc_workers", "must be between 1 and 1024");
    }
    if (o["grpc_max_queued"]) {
      TM_TRY(Scalar(o["grpc_max_queued"], "otlp.grpc_max_queued", &c->otlp_grpc_max_queued));
      if (c->otlp_grpc_max_queued < 1) return Bad("otlp.grpc_max_queued", "must be at least 1");
    }
  }
  if (const auto q = root["query"]) {
    TM_TRY(CheckKeys(q, "query.",
                     {"lookback_delta", "timeout", "max_samples", "max_points_per_series",
                      "max_result_points", "default_subquery_step", "max_concurrency",
                      "experimental_functions", "duration_expressions"}));
    QueryConfig& qc = c->query;
    if (q["lookback_delta"])
      TM_TRY(Duration(q["lookback_delta"], "query.lookback_delta", &qc.lookback_delta_ms));
    if (q["timeout"]) TM_TRY(Duration(q["timeout"], "query.timeout", &qc.timeout_ms));
    if (q["default_subquery_step"]) {
      TM_TRY(Duration(q["default_subquery_step"], "query.default_subquery_step",
                      &qc.default_subquery_step_ms));
    }
    if (q["max_samples"]) TM_TRY(Scalar(q["max_samples"], "query.max_samples", &qc.max_samples));
    if (q["max_points_per_series"]) {
      TM_TRY(Scalar(q["max_points_per_series"], "query.max_points_per_series",
                    &qc.max_points_per_series));
    }
    if (q["max_result_points"])
      TM_TRY(Scalar(q["max_result_points"], "query.max_result_points", &qc.max_result_points));
    if (q["duration_expressions"]) {
      TM_TRY(Scalar(q["duration_expressions"], "query.duration_expressions",
                    &qc.duration_expressions));
    }
    if (q["max_concurrency"])
      TM_TRY(Scalar(q["max_concurrency"], "query.max_concurrency", &qc.max_concurrency));
    if (q["experimental_functions"]) {
      TM_TRY(Scalar(q["experimental_functions"], "query.experimental_functions",
                    &qc.experimental_functions));
    }
    for (auto [value, key] :
         {std::pair{qc.lookback_delta_ms, "query.lookback_delta"},
          std::pair{qc.timeout_ms, "query.timeout"}, std::pair{qc.max_samples, "query.max_samples"},
          std::pair{qc.max_points_per_series, "query.max_points_per_series"},
          std::pair{qc.max_result_points, "query.max_result_points"},
          std::pair{qc.default_subquery_step_ms, "query.default_subquery_step"},
          std::pair{qc.max_concurrency, "query.max_concurrency"}}) {
      if (value <= 0) return Bad(key, "must be positive");
    }
  }
#undef TM_TRY
  return Status::OK();
}

}  // namespace

}  // namespace tidemark::server

namespace tidemark::server {

std::string FormatRetention(int64_t ms) {
  if (ms <= 0) return "0s";
  return promql::FormatDuration(ms);
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
      << promql::FormatDuration(c.self_scrape_interval_ms);
  if (!c.tls_cert_file.empty()) {
    out << YAML::Key << "tls" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "cert_file" << YAML::Value << c.tls_cert_file;
    out << YAML::Key << "key_file" << YAML::Value << c.tls_key_file;
    out << YAML::EndMap;
  }
  out << YAML::Key << "storage" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "retention" << YAML::Value << FormatRetention(c.engine.retention_ms);
  out << YAML::Key << "retention_bytes" << YAML::Value << c.engine.retention_bytes;
  out << YAML::Key << "span_retention" << YAML::Value
      << FormatRetention(c.engine.span_retention_ms);
  out << YAML::Key << "sync" << YAML::Value << sync_name(c.engine.sync_policy);
  out << YAML::EndMap;
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_active_series" << YAML::Value << c.engine.limits.max_active_series;
  out << YAML::Key << "max_labels_per_series" << YAML::Value
      << c.engine.limits.max_labels_per_series;
  out << YAML::Key << "max_samples_per_commit" << YAML::Value
      << c.engine.limits.max_samples_per_commit;
  out << YAML::EndMap;
  out << YAML::Key << "otlp" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "metric_naming" << YAML::Value
      << (c.translation.naming == ingest::MetricNaming::kUtf8 ? "utf8" : "prometheus");
  out << YAML::Key << "target_info" << YAML::Value << c.translation.target_info;
  out << YAML::Key << "delta_max_series" << YAML::Value << c.translation.max_delta_series;
  out << YAML::Key << "span_backpressure_wait" << YAML::Value
      << promql::FormatDuration(c.span_backpressure_wait_ms);
  out << YAML::Key << "grpc_workers" << YAML::Value << c.otlp_grpc_workers;
  out << YAML::Key << "grpc_max_queued" << YAML::Value << c.otlp_grpc_max_queued;
  out << YAML::EndMap;
  out << YAML::Key << "query" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "lookback_delta" << YAML::Value
      << promql::FormatDuration(c.query.lookback_delta_ms);
  out << YAML::Key << "timeout" << YAML::Value << promql::FormatDuration(c.query.timeout_ms);
  out << YAML::Key << "max_samples" << YAML::Value << c.query.max_samples;
  out << YAML::Key << "max_points_per_series" << YAML::Value << c.query.max_points_per_series;
  out << YAML::Key << "max_result_points" << YAML::Value << c.query.max_result_points;
  out << YAML::Key << "default_subquery_step" << YAML::Value
      << promql::FormatDuration(c.query.default_subquery_step_ms);
  out << YAML::Key << "max_concurrency" << YAML::Value << c.query.max_concurrency;
  out << YAML::Key << "experimental_functions" << YAML::Value << c.query.experimental_functions;
  out << YAML::Key << "duration_expressions" << YAML::Value << c.query.duration_expressions;
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace tidemark::server
