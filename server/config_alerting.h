// The `alerting:` section of the server's configuration: where alerts go (Alertmanagers, in
// Prometheus' shape, and tidemark's own webhooks) and how the delivery queue behaves.
// docs/alerting.md describes every key; docs/tidemark.example.yaml shows them.
#ifndef TIDEMARK_SERVER_CONFIG_ALERTING_H_
#define TIDEMARK_SERVER_CONFIG_ALERTING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/relabel.h"
#include "server/http_client.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace YAML {
class Node;
class Emitter;
}  // namespace YAML

namespace tidemark::server {

// One entry of `static_configs`: Alertmanager addresses ("host:port") and labels they carry
// into `relabel_configs`.
struct StaticTargetGroup {
  std::vector<std::string> targets;
  Labels labels;
  bool operator==(const StaticTargetGroup&) const = default;
};

// One entry of `alerting.alertmanagers` (Prometheus' alertmanager_config).
struct AlertmanagerConfig {
  std::vector<StaticTargetGroup> static_configs;
  std::string scheme = "http";  // http or https
  std::string path_prefix;      // put before /api/v2/alerts
  int64_t timeout_ms = 10'000;  // per request
  std::string api_version = "v2";
  HttpClientConfig http;
  // On each target's labels (__address__, __scheme__, __alerts_path__ and the group's labels):
  // a target they drop is listed as dropped and receives nothing.
  std::vector<ingest::RelabelConfig> relabel_configs;
  // On the alerts sent to this set only, after alerting.alert_relabel_configs.
  std::vector<ingest::RelabelConfig> alert_relabel_configs;
  bool operator==(const AlertmanagerConfig&) const = default;
};

// One entry of `alerting.webhooks`: a URL that receives Alertmanager's webhook JSON (version 4)
// for users without an Alertmanager.
struct WebhookConfig {
  std::string url;
  int64_t timeout_ms = 10'000;
  // The most alerts one message carries (Alertmanager's max_alerts); the rest go in the next
  // message. 0: the batch size.
  int64_t max_alerts = 0;
  HttpClientConfig http;  // headers, basic_auth, authorization, tls_config
  bool operator==(const WebhookConfig&) const = default;
};

struct AlertingConfig {
  // On every alert, after the external labels are added (an alert they drop is sent nowhere).
  std::vector<ingest::RelabelConfig> alert_relabel_configs;
  std::vector<AlertmanagerConfig> alertmanagers;
  std::vector<WebhookConfig> webhooks;
  // Alerts waiting per destination (Prometheus' --alertmanager.notification-queue-capacity);
  // when full the oldest are dropped and counted.
  int64_t queue_capacity = 10'000;
  int64_t max_batch_size = 64;  // alerts per request
  // After a failed delivery the batch is retried after a wait that starts here and doubles
  // up to retry_max_backoff; alerts keep queueing meanwhile.
  int64_t retry_min_backoff_ms = 1'000;
  int64_t retry_max_backoff_ms = 60'000;
  // At shutdown, queued alerts are still sent for at most this long, then dropped.
  int64_t drain_timeout_ms = 5'000;
  bool operator==(const AlertingConfig&) const = default;
};

// Reads the `alerting` mapping into `out` (keys not given keep their defaults). Errors name the
// key: `config key "alerting.alertmanagers[0].api_version": ...`.
Status ApplyAlerting(const YAML::Node& node, AlertingConfig* out);

// The section as YAML for /api/v1/status/config, secrets shown as <secret> as Prometheus does.
void RenderAlertingYaml(const AlertingConfig& config, YAML::Emitter* out);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_CONFIG_ALERTING_H_
