// Configuration blocks that several sections share, read from YAML in Prometheus' own shapes:
// relabeling rules (relabel_configs, alert_relabel_configs, metric_relabel_configs) and the HTTP
// client settings Prometheus inlines into its scrape and Alertmanager configurations
// (basic_auth, authorization, tls_config, follow_redirects, enable_http2, proxy_url,
// http_headers). Errors are config_yaml's: InvalidArgument `config key "<key>": <why> (line N)`,
// the key dotted with list indexes ("alerting.alertmanagers[0].relabel_configs[2].regex").
#ifndef TIDEMARK_SERVER_CONFIG_BLOCKS_H_
#define TIDEMARK_SERVER_CONFIG_BLOCKS_H_

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "ingest/relabel.h"
#include "server/config_alerting.h"  // StaticTargetGroup
#include "server/http_client.h"
#include "tidemark/status.h"

namespace tidemark::server {

// A list of relabeling rules (null: none). Each rule's keys: source_labels, separator, regex,
// modulus, target_label, replacement, action; checked as Prometheus checks them
// (ingest::MakeRelabelConfig).
Status ReadRelabelConfigs(
    const YAML::Node& node, const std::string& key, std::vector<ingest::RelabelConfig>* out,
    ingest::LabelNameValidation validation = ingest::LabelNameValidation::kUtf8);

// The keys ReadHttpClientConfig reads, for the caller's CheckMapping of the enclosing mapping.
const std::set<std::string>& HttpClientConfigKeys();

// The HTTP client keys of `mapping` (others are the caller's), then CheckHttpClientConfig.
// `prefix` is the mapping's key with a trailing dot.
Status ReadHttpClientConfig(const YAML::Node& mapping, const std::string& prefix,
                            HttpClientConfig* out);

// The combinations Prometheus refuses: both basic_auth and authorization, a secret and its file
// both given, authorization type "Basic", a certificate without its key (or the reverse), a header
// the client sets itself. `prefix` names the section in the error.
Status CheckHttpClientConfig(const HttpClientConfig& config, const std::string& prefix);

// A mapping of header names to values (`headers: {X-Team: sre}`), appended to `out`.
Status ReadHeaderMap(const YAML::Node& node, const std::string& key,
                     std::vector<std::pair<std::string, std::string>>* out);

// Prometheus' CheckTargetAddress, plus what a URL's authority cannot hold: refuses an empty
// address and one with '/', whitespace, '?', '#' or '@'. `node` gives the line.
Status CheckTargetAddress(const std::string& target, const std::string& key,
                          const YAML::Node& node);

// A `static_configs` list (null: none): {targets: [...], labels: {...}} each, label names valid.
// With `check_addresses`, every target must pass CheckTargetAddress (Prometheus checks them only
// when no relabeling could still rewrite `__address__`).
Status ReadStaticConfigs(const YAML::Node& node, const std::string& key, bool check_addresses,
                         std::vector<StaticTargetGroup>* out);

// Emitters for /api/v1/status/config: the blocks above as Prometheus prints them, secrets as
// <secret>. Each appends `key: ...` to a map being emitted; EmitRelabelConfigs writes nothing for
// an empty list.
void EmitRelabelConfigs(const char* key, const std::vector<ingest::RelabelConfig>& configs,
                        YAML::Emitter* out);
// `headers_key`: "http_headers" in Prometheus' shape or "headers", a plain mapping (webhooks).
void EmitHttpClientConfig(const HttpClientConfig& config, const std::string& headers_key,
                          YAML::Emitter* out);
void EmitStaticConfigs(const std::vector<StaticTargetGroup>& groups, YAML::Emitter* out);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_CONFIG_BLOCKS_H_
