// The server's configuration: a YAML file (docs/tidemark.example.yaml documents every key) with
// command-line flags overriding the common settings.
#ifndef TIDEMARK_SERVER_CONFIG_H_
#define TIDEMARK_SERVER_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/otlp_metrics.h"
#include "server/auth.h"
#include "server/config_alerting.h"
#include "server/config_rules.h"
#include "server/config_scrape.h"
#include "server/config_tenants.h"
#include "tidemark/options.h"
#include "tidemark/status.h"

namespace tidemark::server {

// PromQL and the query API (Prometheus' --query.* flags).
struct QueryConfig {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  int64_t timeout_ms = 2 * 60 * 1000;      // per query; a request's `timeout` can only shorten it
  int64_t max_samples = 50'000'000;        // samples one query may hold at once
  int64_t max_points_per_series = 11'000;  // (end - start) / step of a range query
  int64_t max_result_points = 10'000'000;  // points of a range query's whole result
  // Memory one query may hold, and all queries of the API together (estimated: samples and
  // series labels); 0 for the latter: a quarter of the machine's memory.
  int64_t max_bytes_per_query = 2LL << 30;
  int64_t max_bytes_all_queries = 0;
  int64_t default_subquery_step_ms = 60'000;
  // Queries evaluated at once (Prometheus' --query.max-concurrency); more wait for a slot within
  // their timeout. With max_samples this bounds the memory queries can take together.
  int64_t max_concurrency = 20;
  bool experimental_functions = false;  // Prometheus' promql-experimental-functions
  bool duration_expressions = false;    // Prometheus' promql-duration-expr: foo[5m+1m]
};

// Trace reads: the Jaeger and Tempo APIs and TraceQL (docs/trace-api.md).
struct TraceQueryConfig {
  // Searches without a time range look this far back from now (Jaeger's and Tempo's default).
  int64_t default_range_ms = 2 * 24 * 3600 * 1000LL;
  int64_t max_range_ms = 31 * 24 * 3600 * 1000LL;  // a longer range is refused with 400
  int64_t timeout_ms = 60 * 1000;                  // per search, trace or tag request
  uint64_t max_spans_inspected = 50'000'000;       // a search stops here and says so
  int64_t max_traces = 5'000;                      // the most `limit` may ask for
  int64_t max_concurrency = 8;                     // searches at once; others wait in the timeout
};

struct ServerConfig {
  std::string config_file;  // the file it was read from, if any
  std::string data_dir = "./data";
  std::string http_addr = ":9090";  // Prometheus API, remote_write, /metrics, /-/ready
  std::string otlp_grpc_addr = ":4317";
  std::string otlp_http_addr = ":4318";
  std::string tls_cert_file;  // both set: every listener serves TLS
  std::string tls_key_file;
  // Client certificates (tls.client_auth_type, Prometheus' web.yml names): NoClientCert,
  // VerifyClientCertIfGiven or RequireAndVerifyClientCert, verified against tls.client_ca_file.
  std::string tls_client_auth_type = "NoClientCert";
  std::string tls_client_ca_file;
  std::string log_level = "info";  // debug, info, warn, error
  // Admin endpoints (/api/v1/admin/...) answer only when enabled, as Prometheus'
  // --web.enable-admin-api: they delete data.
  bool enable_admin_api = false;
  // POST /-/reload answers only when enabled, as Prometheus' --web.enable-lifecycle; SIGHUP
  // always reloads.
  bool enable_lifecycle = false;
  TenantsConfig tenants;
  AuthConfig auth;  // web.auth: who may read, write and administer (docs/auth.md); off if empty
  // The HTTP listeners' bounds (web.*): connections in all and per client address (past them,
  // 503), how long a request may take to arrive (408) and a response to be taken, how long an
  // idle connection stays open, requests handled at once, and the bytes of request bodies and
  // responses held at once (past it, 503).
  int64_t max_connections = 16'384;
  int64_t max_connections_per_client = 256;
  int64_t request_timeout_ms = 60'000;
  int64_t write_timeout_ms = 60'000;
  int64_t idle_timeout_ms = 60'000;
  int64_t max_concurrent_requests = 256;
  uint64_t max_request_bytes_in_flight = 1ULL << 30;
  uint64_t max_request_bytes = 16ULL << 20;  // decoded body / gRPC message limit
  int64_t self_scrape_interval_ms = 15'000;  // the server's own metrics into the engine; 0 = off
  ingest::MetricsTranslationOptions translation;
  // OTLP/gRPC exports run on this many threads (each waits for its group commit, so more
  // threads, more commits in flight); past `grpc_max_queued` waiting requests, UNAVAILABLE.
  int64_t otlp_grpc_workers = 16;
  int64_t otlp_grpc_max_queued = 256;
  // How long a span export waits for room while segments are behind before it is refused with
  // 503 / UNAVAILABLE (which exporters retry).
  int64_t span_backpressure_wait_ms = 2'000;
  QueryConfig query;
  TraceQueryConfig trace_query;
  GlobalConfig global;
  RulesConfig rules;
  // Prometheus' --web.external-url: the address alerts link back to. Empty: http://<host>:<port>/
  // of http_addr.
  std::string external_url;
  // Prometheus' --web.route-prefix: the path every HTTP API route and the web UI are served
  // under, for a reverse proxy that forwards a path. Empty: the path of external_url ("" at "/").
  std::string route_prefix;
  AlertingConfig alerting;  // Alertmanagers and webhooks that receive alerts (docs/alerting.md)
  ScrapeSettings scrape;    // scrape_configs and scrape_config_files (docs/scraping.md)
  Options engine;           // retention, limits, sync policy, ...
};

// Reads a YAML file into `config` (keys not given keep their defaults). Every key is checked for
// its type and documented range (docs/tidemark.example.yaml); unknown and repeated keys are
// refused. InvalidArgument `config key "storage.retention": ...` names the key and the problem.
Status LoadConfigFile(const std::string& path, ServerConfig* config);

// The path prefix routes are served under: route_prefix, or the path of external_url; "" for
// the root, otherwise "/path" without a trailing slash.
std::string EffectiveRoutePrefix(const ServerConfig& config);
// Reads Prometheus configuration text as an embedding program's Scraper takes it: the top-level
// keys `global`, `scrape_configs` and `scrape_config_files` only (others are refused as unknown),
// checked and finished (defaults from `global`, scrape_config_files read) as LoadConfigFile does,
// with the same `config key "..."` errors. Relative paths are resolved against `config_dir`.
Status LoadScrapeConfigText(std::string_view text, const std::string& config_dir,
                            GlobalConfig* global, ScrapeSettings* scrape);
// Applies settings given as flags, each as (config key, value) with the key dotted as in the file
// ("storage.retention", "limits.max_active_series", "http_addr"), through the same checks as the
// file, so errors name the key the same way. Stops at the first bad one.
Status ApplyFlags(const std::vector<std::pair<std::string, std::string>>& values,
                  ServerConfig* config);
// The effective configuration as YAML in the file's own keys (for /api/v1/status/config).
std::string RenderConfigYaml(const ServerConfig& config);
// A retention in milliseconds as Prometheus prints it ("15d", "0s" for none).
std::string FormatRetention(int64_t ms);
// Host and port of "HOST:PORT" or ":PORT" (any address). HOST is an IPv4 address, a bracketed
// IPv6 address or localhost: the listeners bind addresses, not names.
Status ParseListenAddress(const std::string& addr, std::string* host, uint16_t* port);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_CONFIG_H_
