#include "server/config_scrape.h"

#include <glob.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "server/config_blocks.h"
#include "server/config_rules.h"
#include "server/config_yaml.h"
#include "util/duration.h"
#include "util/go_text.h"
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
using config_yaml::Where;

constexpr int64_t kDay = 24 * 3600 * 1000LL;
constexpr int64_t kMaxInterval = 365 * kDay;

struct ProtocolInfo {
  ScrapeProtocol protocol;
  std::string_view name;
  std::string_view media_type;  // Prometheus' config.ScrapeProtocolsHeaders
  bool escaping;                // formats that take the escaping= parameter (1.0.0 versions)
};

constexpr ProtocolInfo kProtocols[] = {
    {ScrapeProtocol::kOpenMetricsText1_0_0, "OpenMetricsText1.0.0",
     "application/openmetrics-text;version=1.0.0", true},
    {ScrapeProtocol::kOpenMetricsText0_0_1, "OpenMetricsText0.0.1",
     "application/openmetrics-text;version=0.0.1", false},
    {ScrapeProtocol::kPrometheusText1_0_0, "PrometheusText1.0.0", "text/plain;version=1.0.0", true},
    {ScrapeProtocol::kPrometheusText0_0_4, "PrometheusText0.0.4", "text/plain;version=0.0.4",
     false},
};

// Prometheus knows one more protocol (PrometheusProto, protobuf), and its Accept weights count it.
constexpr int kPrometheusProtocolCount = 5;

const ProtocolInfo& Info(ScrapeProtocol p) {
  for (const ProtocolInfo& info : kProtocols) {
    if (info.protocol == p) return info;
  }
  return kProtocols[0];
}

Status ParseProtocol(const std::string& name, const std::string& key, const YAML::Node& node,
                     ScrapeProtocol* out) {
  for (const ProtocolInfo& info : kProtocols) {
    if (info.name == name) {
      *out = info.protocol;
      return Status::OK();
    }
  }
  if (name == "PrometheusProto") {
    return Bad(key, "scrape protocol PrometheusProto (protobuf) is not supported by tidemark" +
                        Where(node));
  }
  return Bad(key, "unknown scrape protocol " + name +
                      ", supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 "
                      "PrometheusText0.0.4 PrometheusText1.0.0]" +
                      Where(node));
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Prometheus' config.JoinDir: relative paths are relative to the configuration file's folder.
std::string JoinDir(const std::string& dir, const std::string& path) {
  if (path.empty() || dir.empty() || path.front() == '/') return path;
  return dir + "/" + path;
}

void JoinHttpClientDir(const std::string& dir, HttpClientConfig* c) {
  if (c->basic_auth) c->basic_auth->password_file = JoinDir(dir, c->basic_auth->password_file);
  if (c->authorization) {
    c->authorization->credentials_file = JoinDir(dir, c->authorization->credentials_file);
  }
  c->tls.ca_file = JoinDir(dir, c->tls.ca_file);
  c->tls.cert_file = JoinDir(dir, c->tls.cert_file);
  c->tls.key_file = JoinDir(dir, c->tls.key_file);
}

// discovery/file's patFileSDName: ^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$, a glob only
// in the last path element and one of the extensions the reader knows.
bool IsValidFileSdPattern(const std::string& p) {
  const size_t star = p.find('*');
  if (star != std::string::npos && p.find('/', star) != std::string::npos) return false;
  const size_t dot = p.rfind('.');
  if (dot == std::string::npos || (star != std::string::npos && dot < star)) return false;
  static const std::set<std::string> exts = {"json", "yml", "yaml", "JSON", "YML", "YAML"};
  return exts.count(p.substr(dot + 1)) > 0;
}

// Prometheus' patRulePath: a glob only in the last path element.
bool IsValidFilePattern(const std::string& p) {
  const size_t star = p.find('*');
  return star == std::string::npos || p.find('/', star) == std::string::npos;
}

Status ReadFileSd(const YAML::Node& node, const std::string& key, const std::string& config_dir,
                  FileSdConfig* out) {
  TM_RETURN_IF_ERROR(CheckMapping(node, key + ".", {"files", "refresh_interval"}));
  if (node["files"]) TM_RETURN_IF_ERROR(ReadStringList(node["files"], key + ".files", &out->files));
  if (out->files.empty()) {
    return Bad(key + ".files",
               "file service discovery config must contain at least one path name" + Where(node));
  }
  for (std::string& f : out->files) {
    if (!IsValidFileSdPattern(f)) {
      return Bad(key + ".files", "path name " + util::GoQuote(f) +
                                     " is not valid for file discovery (a glob only in the last "
                                     "element, extension .json, .yml or .yaml)" +
                                     Where(node["files"]));
    }
    f = JoinDir(config_dir, f);
  }
  if (const auto n = node["refresh_interval"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, key + ".refresh_interval", 1000, kMaxInterval, nullptr,
                                    &out->refresh_interval_ms));
  }
  return Status::OK();
}

Status ReadHttpSd(const YAML::Node& node, const std::string& key, const std::string& config_dir,
                  HttpSdConfig* out) {
  std::set<std::string> known = {"url", "refresh_interval"};
  known.insert(HttpClientConfigKeys().begin(), HttpClientConfigKeys().end());
  TM_RETURN_IF_ERROR(CheckMapping(node, key + ".", known));
  if (node["url"]) TM_RETURN_IF_ERROR(ReadString(node["url"], key + ".url", &out->url));
  if (out->url.empty()) return Bad(key + ".url", "URL is missing" + Where(node));
  const size_t colon = out->url.find("://");
  const std::string scheme = colon == std::string::npos ? "" : out->url.substr(0, colon);
  if (scheme != "http" && scheme != "https") {
    return Bad(key + ".url", "URL scheme must be 'http' or 'https'" + Where(node["url"]));
  }
  const std::string rest = out->url.substr(colon + 3);
  const size_t host_end = rest.find_first_of("/?#");
  if (rest.substr(0, host_end).empty()) {
    return Bad(key + ".url", "host is missing in URL" + Where(node["url"]));
  }
  if (const auto n = node["refresh_interval"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, key + ".refresh_interval", 1000, kMaxInterval, nullptr,
                                    &out->refresh_interval_ms));
  }
  TM_RETURN_IF_ERROR(ReadHttpClientConfig(node, key + ".", &out->http));
  JoinHttpClientDir(config_dir, &out->http);
  return Status::OK();
}

Status ReadParams(const YAML::Node& node, const std::string& key,
                  std::vector<std::pair<std::string, std::vector<std::string>>>* out) {
  out->clear();
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return Bad(key, "must be a mapping of names to lists of values" + Where(node));
  std::set<std::string> seen;
  for (const auto& kv : node) {
    std::string name;
    TM_RETURN_IF_ERROR(ReadString(kv.first, key, &name));
    if (!seen.insert(name).second) return Bad(key + "." + name, "given twice" + Where(kv.first));
    std::vector<std::string> values;
    TM_RETURN_IF_ERROR(ReadStringList(kv.second, key + "." + name, &values));
    out->emplace_back(name, std::move(values));
  }
  return Status::OK();
}

Status ReadLimit(const YAML::Node& job, const std::string& prefix, const char* name,
                 uint64_t* out) {
  if (!job[name]) return Status::OK();
  int64_t v = 0;
  TM_RETURN_IF_ERROR(ReadInt(job[name], prefix + name, 0, INT64_MAX, &v));
  *out = static_cast<uint64_t>(v);
  return Status::OK();
}

const std::set<std::string>& ScrapeConfigKeys() {
  static const std::set<std::string> keys = [] {
    std::set<std::string> k = {"job_name",
                               "scrape_interval",
                               "scrape_timeout",
                               "scrape_protocols",
                               "fallback_scrape_protocol",
                               "metrics_path",
                               "scheme",
                               "params",
                               "honor_labels",
                               "honor_timestamps",
                               "track_timestamps_staleness",
                               "body_size_limit",
                               "sample_limit",
                               "label_limit",
                               "label_name_length_limit",
                               "label_value_length_limit",
                               "target_limit",
                               "static_configs",
                               "file_sd_configs",
                               "http_sd_configs",
                               "relabel_configs",
                               "metric_relabel_configs"};
    k.insert(HttpClientConfigKeys().begin(), HttpClientConfigKeys().end());
    return k;
  }();
  return keys;
}

Status ReadScrapeConfig(const YAML::Node& node, const std::string& key,
                        const std::string& config_dir, ScrapeConfig* c) {
  if (node.IsNull()) return Bad(key, "empty or null scrape config section" + Where(node));
  TM_RETURN_IF_ERROR(CheckMapping(node, key + ".", ScrapeConfigKeys()));
  const std::string prefix = key + ".";
  if (node["job_name"])
    TM_RETURN_IF_ERROR(ReadString(node["job_name"], prefix + "job_name", &c->job_name));
  if (c->job_name.empty()) return Bad(prefix + "job_name", "job_name is empty" + Where(node));
  if (const auto n = node["scrape_interval"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, prefix + "scrape_interval", 1, kMaxInterval, nullptr,
                                    &c->scrape_interval_ms));
  }
  if (const auto n = node["scrape_timeout"]) {
    TM_RETURN_IF_ERROR(ReadDuration(n, prefix + "scrape_timeout", 1, kMaxInterval, nullptr,
                                    &c->scrape_timeout_ms));
  }
  if (const auto n = node["scrape_protocols"]) {
    TM_RETURN_IF_ERROR(ReadScrapeProtocols(n, prefix + "scrape_protocols", &c->scrape_protocols));
  }
  if (const auto n = node["fallback_scrape_protocol"]) {
    std::string name;
    TM_RETURN_IF_ERROR(ReadString(n, prefix + "fallback_scrape_protocol", &name));
    if (!name.empty()) {
      TM_RETURN_IF_ERROR(
          ParseProtocol(name, prefix + "fallback_scrape_protocol", n, &c->fallback_protocol));
      c->has_fallback_protocol = true;
    }
  }
  if (const auto n = node["metrics_path"]) {
    TM_RETURN_IF_ERROR(ReadString(n, prefix + "metrics_path", &c->metrics_path));
  }
  if (const auto n = node["scheme"]) {
    TM_RETURN_IF_ERROR(ReadString(n, prefix + "scheme", &c->scheme));
    if (c->scheme != "http" && c->scheme != "https") {
      return Bad(prefix + "scheme", util::GoQuote(c->scheme) + " is not http or https" + Where(n));
    }
  }
  if (const auto n = node["params"])
    TM_RETURN_IF_ERROR(ReadParams(n, prefix + "params", &c->params));
  const std::pair<const char*, bool*> bools[] = {
      {"honor_labels", &c->honor_labels},
      {"honor_timestamps", &c->honor_timestamps},
      {"track_timestamps_staleness", &c->track_timestamps_staleness}};
  for (const auto& [name, field] : bools) {
    if (node[name]) TM_RETURN_IF_ERROR(ReadBool(node[name], prefix + name, field));
  }
  if (const auto n = node["body_size_limit"]) {
    std::string text;
    TM_RETURN_IF_ERROR(ReadString(n, prefix + "body_size_limit", &text));
    Result<uint64_t> bytes = ParseByteSize(text);
    if (!bytes.ok()) return Bad(prefix + "body_size_limit", bytes.status().message() + Where(n));
    c->body_size_limit = *bytes;
  }
  TM_RETURN_IF_ERROR(ReadLimit(node, prefix, "sample_limit", &c->sample_limit));
  TM_RETURN_IF_ERROR(ReadLimit(node, prefix, "label_limit", &c->label_limit));
  TM_RETURN_IF_ERROR(
      ReadLimit(node, prefix, "label_name_length_limit", &c->label_name_length_limit));
  TM_RETURN_IF_ERROR(
      ReadLimit(node, prefix, "label_value_length_limit", &c->label_value_length_limit));
  TM_RETURN_IF_ERROR(ReadLimit(node, prefix, "target_limit", &c->target_limit));
  if (const auto n = node["relabel_configs"]) {
    TM_RETURN_IF_ERROR(ReadRelabelConfigs(n, prefix + "relabel_configs", &c->relabel_configs));
  }
  if (const auto n = node["metric_relabel_configs"]) {
    TM_RETURN_IF_ERROR(
        ReadRelabelConfigs(n, prefix + "metric_relabel_configs", &c->metric_relabel_configs));
  }
  // As Prometheus' checkStaticTargets: with no relabeling to rewrite `__address__`, a URL given
  // as a target is a mistake worth refusing now.
  if (const auto n = node["static_configs"]) {
    TM_RETURN_IF_ERROR(ReadStaticConfigs(n, prefix + "static_configs", c->relabel_configs.empty(),
                                         &c->static_configs));
  }
  if (const auto n = node["file_sd_configs"]; n && !n.IsNull()) {
    if (!n.IsSequence()) return Bad(prefix + "file_sd_configs", "must be a list" + Where(n));
    for (size_t i = 0; i < n.size(); ++i) {
      FileSdConfig f;
      TM_RETURN_IF_ERROR(
          ReadFileSd(n[i], prefix + "file_sd_configs[" + std::to_string(i) + "]", config_dir, &f));
      c->file_sd_configs.push_back(std::move(f));
    }
  }
  if (const auto n = node["http_sd_configs"]; n && !n.IsNull()) {
    if (!n.IsSequence()) return Bad(prefix + "http_sd_configs", "must be a list" + Where(n));
    for (size_t i = 0; i < n.size(); ++i) {
      HttpSdConfig h;
      TM_RETURN_IF_ERROR(
          ReadHttpSd(n[i], prefix + "http_sd_configs[" + std::to_string(i) + "]", config_dir, &h));
      c->http_sd_configs.push_back(std::move(h));
    }
  }
  TM_RETURN_IF_ERROR(ReadHttpClientConfig(node, prefix, &c->http));
  JoinHttpClientDir(config_dir, &c->http);
  return Status::OK();
}

// Prometheus' ScrapeConfig.Validate: the job's defaults from `global`, then the checks that need
// them. `key` names the job's entry.
Status ResolveJob(const GlobalConfig& global, const std::string& key, ScrapeConfig* c) {
  if (c->scrape_interval_ms == 0) c->scrape_interval_ms = global.scrape_interval_ms;
  if (c->scrape_timeout_ms > c->scrape_interval_ms) {
    return Bad(key + ".scrape_timeout",
               "scrape timeout greater than scrape interval for scrape config with job name " +
                   util::GoQuote(c->job_name) + " (" + util::FormatDuration(c->scrape_timeout_ms) +
                   " > " + util::FormatDuration(c->scrape_interval_ms) + ")");
  }
  if (c->scrape_timeout_ms == 0) {
    c->scrape_timeout_ms = std::min(global.scrape_timeout_ms, c->scrape_interval_ms);
  }
  if (c->scrape_protocols.empty()) {
    c->scrape_protocols =
        global.scrape_protocols.empty() ? DefaultScrapeProtocols() : global.scrape_protocols;
  }
  return Status::OK();
}

Status CheckJobNames(const std::vector<ScrapeConfig>& configs, size_t first_new,
                     const std::string& key_prefix) {
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < configs.size(); ++i) {
    auto [it, inserted] = seen.emplace(configs[i].job_name, i);
    if (!inserted && i >= first_new) {
      return Bad(
          key_prefix + "[" + std::to_string(i - first_new) + "].job_name",
          "found multiple scrape configs with job name " + util::GoQuote(configs[i].job_name));
    }
  }
  return Status::OK();
}

Status LoadScrapeConfigFile(const std::string& path, const GlobalConfig& global,
                            ScrapeSettings* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("scrape config file " + path + ": cannot be opened");
  std::stringstream text;
  text << in.rdbuf();
  ScrapeSettings file;
  Status s = [&]() -> Status {
    try {
      const YAML::Node root = YAML::Load(text.str());
      TM_RETURN_IF_ERROR(CheckMapping(root, "", {"scrape_configs"}));
      if (root.IsNull() || !root["scrape_configs"]) return Status::OK();
      const std::string dir = std::filesystem::path(path).parent_path().string();
      TM_RETURN_IF_ERROR(ApplyScrapeConfigs(root["scrape_configs"], dir, &file));
      for (size_t i = 0; i < file.scrape_configs.size(); ++i) {
        TM_RETURN_IF_ERROR(ResolveJob(global, "scrape_configs[" + std::to_string(i) + "]",
                                      &file.scrape_configs[i]));
      }
      return Status::OK();
    } catch (const std::exception& e) {
      return Status::InvalidArgument(e.what());
    }
  }();
  if (!s.ok()) return Status::InvalidArgument("scrape config file " + path + ": " + s.message());
  const size_t first_new = out->scrape_configs.size();
  for (ScrapeConfig& c : file.scrape_configs) out->scrape_configs.push_back(std::move(c));
  s = CheckJobNames(out->scrape_configs, first_new, "scrape_configs");
  if (!s.ok()) return Status::InvalidArgument("scrape config file " + path + ": " + s.message());
  return Status::OK();
}

void EmitProtocols(const char* key, const std::vector<ScrapeProtocol>& protocols,
                   YAML::Emitter* out) {
  *out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (ScrapeProtocol p : protocols) *out << std::string(ScrapeProtocolName(p));
  *out << YAML::EndSeq;
}

}  // namespace

const std::vector<ScrapeProtocol>& DefaultScrapeProtocols() {
  static const std::vector<ScrapeProtocol> protocols = {
      ScrapeProtocol::kOpenMetricsText1_0_0, ScrapeProtocol::kOpenMetricsText0_0_1,
      ScrapeProtocol::kPrometheusText1_0_0, ScrapeProtocol::kPrometheusText0_0_4};
  return protocols;
}

std::string_view ScrapeProtocolName(ScrapeProtocol protocol) { return Info(protocol).name; }

std::string AcceptHeaderFor(const std::vector<ScrapeProtocol>& protocols) {
  // Prometheus 3's acceptHeader: q falls by 0.1 from 0.(N+1), N the protocols it knows; the
  // 1.0.0 formats carry the escaping scheme (allow-utf-8: names are sent as they are); */* last.
  std::string header;
  int weight = kPrometheusProtocolCount + 1;
  for (ScrapeProtocol p : protocols) {
    const ProtocolInfo& info = Info(p);
    header += info.media_type;
    if (info.escaping) header += ";escaping=allow-utf-8";
    header += ";q=0." + std::to_string(weight) + ",";
    --weight;
  }
  return header + "*/*;q=0." + std::to_string(weight);
}

Status ReadScrapeProtocols(const YAML::Node& node, const std::string& key,
                           std::vector<ScrapeProtocol>* out) {
  std::vector<std::string> names;
  TM_RETURN_IF_ERROR(ReadStringList(node, key, &names));
  if (names.empty()) return Bad(key, "scrape_protocols cannot be empty" + Where(node));
  std::set<std::string> seen;
  out->clear();
  for (size_t i = 0; i < names.size(); ++i) {
    if (!seen.insert(Lower(names[i])).second) {
      std::string all;
      for (const std::string& n : names) all += (all.empty() ? "" : " ") + n;
      return Bad(key, "duplicated protocol in scrape_protocols, got [" + all + "]" + Where(node));
    }
    ScrapeProtocol p;
    TM_RETURN_IF_ERROR(ParseProtocol(names[i], key + "[" + std::to_string(i) + "]", node[i], &p));
    out->push_back(p);
  }
  return Status::OK();
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  const std::string quoted = util::GoQuote(text);
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument("invalid size " + quoted + ": " + why +
                                   " (want a number and a unit such as 512KB, 10MB or 1GiB)");
  };
  if (text == "0") return uint64_t{0};
  if (text.empty()) return invalid("empty");
  // alecthomas/units accepts both spellings, every unit a power of 1024.
  static const std::map<std::string, double, std::less<>> kUnits = {{"B", 1.0},
                                                                    {"KB", 1024.0},
                                                                    {"KiB", 1024.0},
                                                                    {"MB", 1024.0 * 1024},
                                                                    {"MiB", 1024.0 * 1024},
                                                                    {"GB", 1024.0 * 1024 * 1024},
                                                                    {"GiB", 1024.0 * 1024 * 1024},
                                                                    {"TB", 1099511627776.0},
                                                                    {"TiB", 1099511627776.0},
                                                                    {"PB", 1125899906842624.0},
                                                                    {"PiB", 1125899906842624.0},
                                                                    {"EB", 1152921504606846976.0},
                                                                    {"EiB", 1152921504606846976.0}};
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    double value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    bool digits = i > start;
    if (i < text.size() && text[i] == '.') {
      ++i;
      double scale = 0.1;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        value += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return invalid("expected a number at byte " + std::to_string(start));
    const size_t unit_start = i;
    while (i < text.size() && text[i] != '.' && !std::isdigit(static_cast<unsigned char>(text[i])))
      ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    auto it = kUnits.find(unit);
    if (it == kUnits.end()) {
      return invalid(unit.empty() ? "missing unit" : "unknown unit " + util::GoQuote(unit));
    }
    total += value * it->second;
  }
  if (total >= 18446744073709551615.0) return invalid("too large");
  return static_cast<uint64_t>(total);
}

std::string FormatByteSize(uint64_t bytes) {
  // units.ToString(n, 1024, "iB", "B"): the non-zero remainders from the largest unit down.
  static const char* const kNames[] = {"", "K", "M", "G", "T", "P", "E"};
  if (bytes == 0) return "0B";
  std::string parts[7];
  uint64_t n = bytes;
  for (int i = 0; i < 7 && n != 0; ++i) {
    if (n % 1024 != 0) {
      parts[i] = std::to_string(n % 1024) + kNames[i] + (i == 0 ? "B" : "iB");
    }
    n /= 1024;
  }
  std::string out;
  for (int i = 6; i >= 0; --i) out += parts[i];
  return out;
}

Status ApplyScrapeConfigs(const YAML::Node& node, const std::string& config_dir,
                          ScrapeSettings* out) {
  if (node.IsNull()) return Status::OK();
  if (!node.IsSequence()) return Bad("scrape_configs", "must be a list" + Where(node));
  for (size_t i = 0; i < node.size(); ++i) {
    ScrapeConfig c;
    TM_RETURN_IF_ERROR(
        ReadScrapeConfig(node[i], "scrape_configs[" + std::to_string(i) + "]", config_dir, &c));
    out->scrape_configs.push_back(std::move(c));
  }
  return Status::OK();
}

Status ApplyScrapeConfigFiles(const YAML::Node& node, ScrapeSettings* out) {
  TM_RETURN_IF_ERROR(ReadStringList(node, "scrape_config_files", &out->scrape_config_files));
  for (const std::string& f : out->scrape_config_files) {
    if (f.empty() || !IsValidFilePattern(f)) {
      return Bad("scrape_config_files",
                 "invalid scrape config file path " + util::GoQuote(f) + Where(node));
    }
  }
  return Status::OK();
}

Status FinishScrapeConfigs(const GlobalConfig& global, const std::string& config_dir,
                           ScrapeSettings* out) {
  for (size_t i = 0; i < out->scrape_configs.size(); ++i) {
    TM_RETURN_IF_ERROR(
        ResolveJob(global, "scrape_configs[" + std::to_string(i) + "]", &out->scrape_configs[i]));
  }
  TM_RETURN_IF_ERROR(CheckJobNames(out->scrape_configs, 0, "scrape_configs"));
  for (const std::string& pattern : out->scrape_config_files) {
    const std::string joined = JoinDir(config_dir, pattern);
    glob_t g{};
    const int rc = ::glob(joined.c_str(), 0, nullptr, &g);
    std::vector<std::string> files;
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
    if (rc != 0 && rc != GLOB_NOMATCH) {
      return Bad("scrape_config_files", "cannot expand " + util::GoQuote(joined));
    }
    std::sort(files.begin(), files.end());  // as Go's filepath.Glob
    for (const std::string& f : files) TM_RETURN_IF_ERROR(LoadScrapeConfigFile(f, global, out));
  }
  return Status::OK();
}

void RenderScrapeConfigsYaml(const ScrapeSettings& settings, YAML::Emitter* out) {
  *out << YAML::Key << "scrape_config_files" << YAML::Value << YAML::BeginSeq;
  for (const std::string& f : settings.scrape_config_files) *out << f;
  *out << YAML::EndSeq;
  *out << YAML::Key << "scrape_configs" << YAML::Value << YAML::BeginSeq;
  for (const ScrapeConfig& c : settings.scrape_configs) {
    *out << YAML::BeginMap;
    *out << YAML::Key << "job_name" << YAML::Value << c.job_name;
    *out << YAML::Key << "honor_labels" << YAML::Value << c.honor_labels;
    *out << YAML::Key << "honor_timestamps" << YAML::Value << c.honor_timestamps;
    *out << YAML::Key << "track_timestamps_staleness" << YAML::Value
         << c.track_timestamps_staleness;
    if (!c.params.empty()) {
      *out << YAML::Key << "params" << YAML::Value << YAML::BeginMap;
      for (const auto& [name, values] : c.params) {
        *out << YAML::Key << name << YAML::Value << YAML::Flow << values;
      }
      *out << YAML::EndMap;
    }
    *out << YAML::Key << "scrape_interval" << YAML::Value
         << util::FormatDuration(c.scrape_interval_ms);
    *out << YAML::Key << "scrape_timeout" << YAML::Value
         << util::FormatDuration(c.scrape_timeout_ms);
    EmitProtocols("scrape_protocols", c.scrape_protocols, out);
    if (c.has_fallback_protocol) {
      *out << YAML::Key << "fallback_scrape_protocol" << YAML::Value
           << std::string(ScrapeProtocolName(c.fallback_protocol));
    }
    *out << YAML::Key << "metrics_path" << YAML::Value << c.metrics_path;
    *out << YAML::Key << "scheme" << YAML::Value << c.scheme;
    if (c.body_size_limit != 0) {
      *out << YAML::Key << "body_size_limit" << YAML::Value << FormatByteSize(c.body_size_limit);
    }
    const std::pair<const char*, uint64_t> limits[] = {
        {"sample_limit", c.sample_limit},
        {"label_limit", c.label_limit},
        {"label_name_length_limit", c.label_name_length_limit},
        {"label_value_length_limit", c.label_value_length_limit},
        {"target_limit", c.target_limit}};
    for (const auto& [name, value] : limits) {
      if (value != 0) *out << YAML::Key << name << YAML::Value << value;
    }
    EmitHttpClientConfig(c.http, "http_headers", out);
    *out << YAML::Key << "enable_http2" << YAML::Value << c.http.enable_http2;
    if (!c.file_sd_configs.empty()) {
      *out << YAML::Key << "file_sd_configs" << YAML::Value << YAML::BeginSeq;
      for (const FileSdConfig& f : c.file_sd_configs) {
        *out << YAML::BeginMap << YAML::Key << "files" << YAML::Value << YAML::Flow << f.files;
        *out << YAML::Key << "refresh_interval" << YAML::Value
             << util::FormatDuration(f.refresh_interval_ms) << YAML::EndMap;
      }
      *out << YAML::EndSeq;
    }
    if (!c.http_sd_configs.empty()) {
      *out << YAML::Key << "http_sd_configs" << YAML::Value << YAML::BeginSeq;
      for (const HttpSdConfig& h : c.http_sd_configs) {
        *out << YAML::BeginMap;
        EmitHttpClientConfig(h.http, "http_headers", out);
        *out << YAML::Key << "refresh_interval" << YAML::Value
             << util::FormatDuration(h.refresh_interval_ms);
        *out << YAML::Key << "url" << YAML::Value << h.url << YAML::EndMap;
      }
      *out << YAML::EndSeq;
    }
    if (!c.static_configs.empty()) EmitStaticConfigs(c.static_configs, out);
    EmitRelabelConfigs("relabel_configs", c.relabel_configs, out);
    EmitRelabelConfigs("metric_relabel_configs", c.metric_relabel_configs, out);
    *out << YAML::EndMap;
  }
  *out << YAML::EndSeq;
}

}  // namespace tidemark::server
