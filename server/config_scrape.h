// The `scrape_configs` section and the `scrape_config_files` key, in Prometheus' own shapes
// (docs/scraping.md lists every key and where tidemark differs): one ScrapeConfig per job, with
// its service discovery (static_configs, file_sd_configs, http_sd_configs), relabeling, HTTP
// client and limits. Part of ServerConfig (config.h).
#ifndef TIDEMARK_SERVER_CONFIG_SCRAPE_H_
#define TIDEMARK_SERVER_CONFIG_SCRAPE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/relabel.h"
#include "server/config_alerting.h"  // StaticTargetGroup
#include "server/http_client.h"
#include "tidemark/status.h"

namespace YAML {
class Node;
class Emitter;
}  // namespace YAML

namespace tidemark::server {

struct GlobalConfig;

// One of Prometheus' scrape protocols (the Accept header is built from the configured list).
enum class ScrapeProtocol {
  kOpenMetricsText1_0_0,
  kOpenMetricsText0_0_1,
  kPrometheusText1_0_0,
  kPrometheusText0_0_4,
};

// `file_sd_configs` entry: files (globs in the last path element) of target groups in JSON or
// YAML (by extension .json, .yml, .yaml), re-read when they change and every refresh_interval.
struct FileSdConfig {
  std::vector<std::string> files;  // relative paths are resolved against the config file's dir
  int64_t refresh_interval_ms = 5 * 60'000;
  bool operator==(const FileSdConfig&) const = default;
};

// `http_sd_configs` entry: a URL answering a JSON list of target groups, fetched every
// refresh_interval.
struct HttpSdConfig {
  std::string url;
  int64_t refresh_interval_ms = 60'000;
  HttpClientConfig http;
  bool operator==(const HttpSdConfig&) const = default;
};

struct ScrapeConfig {
  std::string job_name;
  // 0 in the file means "not given": LoadConfigFile resolves them from `global` (interval;
  // timeout, capped at the interval as Prometheus does), so after loading both are set.
  int64_t scrape_interval_ms = 0;
  int64_t scrape_timeout_ms = 0;
  std::vector<ScrapeProtocol> scrape_protocols;  // empty in the file: global's, then the default
  // Used when a response's Content-Type is missing or unknown; unset (false): such a scrape fails.
  bool has_fallback_protocol = false;
  ScrapeProtocol fallback_protocol = ScrapeProtocol::kPrometheusText0_0_4;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";  // http or https
  // `params`: URL query parameters, a name to a list of values.
  std::vector<std::pair<std::string, std::vector<std::string>>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  HttpClientConfig http;         // basic_auth, authorization, tls_config, follow_redirects, ...
  uint64_t body_size_limit = 0;  // bytes; 0: no limit (Prometheus' default)
  uint64_t sample_limit = 0;     // 0: no limit
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t target_limit = 0;
  std::vector<StaticTargetGroup> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<HttpSdConfig> http_sd_configs;
  std::vector<ingest::RelabelConfig> relabel_configs;
  std::vector<ingest::RelabelConfig> metric_relabel_configs;
  bool operator==(const ScrapeConfig&) const = default;
};

struct ScrapeSettings {
  std::vector<ScrapeConfig> scrape_configs;  // job names unique
  // Globs of further files holding `scrape_configs:` lists (Prometheus' scrape_config_files).
  std::vector<std::string> scrape_config_files;
};

// Reads `scrape_configs` (a list) and appends to `out`. Errors name the key
// (`config key "scrape_configs[1].relabel_configs[0].action": ...`).
Status ApplyScrapeConfigs(const YAML::Node& node, const std::string& config_dir,
                          ScrapeSettings* out);
// Reads `scrape_config_files` (a list of paths, a glob only in the last element).
Status ApplyScrapeConfigFiles(const YAML::Node& node, ScrapeSettings* out);
// After the whole file is read: fills intervals, timeouts and protocols from `global`, reads
// scrape_config_files, and checks what spans jobs (duplicate job names, timeout > interval).
Status FinishScrapeConfigs(const GlobalConfig& global, const std::string& config_dir,
                           ScrapeSettings* out);

// A `scrape_protocols` list: known names (case-sensitive, as Prometheus), none twice, not empty.
Status ReadScrapeProtocols(const YAML::Node& node, const std::string& key,
                           std::vector<ScrapeProtocol>* out);
// Prometheus 3's default list: OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0,
// PrometheusText0.0.4.
const std::vector<ScrapeProtocol>& DefaultScrapeProtocols();

// A size as Prometheus' body_size_limit reads it (alecthomas/units Base2Bytes): terms of a
// decimal number and a unit, B, KB/KiB, MB/MiB, GB/GiB, TB/TiB, PB/PiB, EB/EiB, all powers of 1024
// ("10MB", "1.5GiB", "1GB512MB"), or "0". InvalidArgument quoting the text.
Result<uint64_t> ParseByteSize(std::string_view text);
// `bytes` as Prometheus prints a Base2Bytes: "0B", "10MiB", "1KiB512B".
std::string FormatByteSize(uint64_t bytes);

// The Accept header Prometheus sends for `protocols` (weights falling by position).
std::string AcceptHeaderFor(const std::vector<ScrapeProtocol>& protocols);
std::string_view ScrapeProtocolName(ScrapeProtocol protocol);  // "OpenMetricsText1.0.0", ...

// The section as YAML for /api/v1/status/config, secrets shown as <secret>.
void RenderScrapeConfigsYaml(const ScrapeSettings& settings, YAML::Emitter* out);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_CONFIG_SCRAPE_H_
