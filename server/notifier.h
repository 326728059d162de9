// Alert delivery: the rule evaluator hands alerts to a Notifier, which sends them to every
// configured Alertmanager (API v2, POST <scheme>://<target><path_prefix>/api/v2/alerts) and
// webhook, as Prometheus' notifier does, with one difference: a failed delivery is retried with
// backoff rather than dropped (docs/alerting.md, "Delivery").
//
// Per alert, in order: the external labels are added (an alert's own label of the same name
// wins), alerting.alert_relabel_configs run (an alert they drop goes nowhere), then for each
// Alertmanager set its own alert_relabel_configs. Each destination (one Alertmanager URL or one
// webhook) has its own bounded queue and sender thread, so a slow or absent one never holds back
// the others; a full queue drops its oldest alerts and counts them.
//
// Thread safety: every method may be called from any thread. Send never blocks on the network.
#ifndef TIDEMARK_SERVER_NOTIFIER_H_
#define TIDEMARK_SERVER_NOTIFIER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "server/alert_json.h"
#include "server/config_alerting.h"
#include "server/http_server.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::server {

struct NotifierOptions {
  std::string external_url;  // the webhook message's externalURL (this server's address)
  std::string user_agent = "tidemark";
  // Sent with every request besides the configured ones: a tenant's notifier names it in
  // X-Scope-OrgID, as Mimir's ruler does towards a multi-tenant Alertmanager.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Counters of one destination since it was created (they survive a reload that keeps it).
struct NotifierDestinationStats {
  std::string kind;  // "alertmanager" or "webhook"
  std::string url;
  uint64_t sent = 0;     // alerts delivered (2xx)
  uint64_t errors = 0;   // alerts in requests that failed (each retry counts again)
  uint64_t dropped = 0;  // alerts given up: queue full, refused with a 4xx, or left at shutdown
  uint64_t queue_length = 0;
  uint64_t queue_capacity = 0;
};

struct NotifierStats {
  std::vector<NotifierDestinationStats> destinations;
  uint64_t relabel_dropped = 0;  // alerts dropped by alerting.alert_relabel_configs
};

class Notifier {
 public:
  // Builds the destinations of `config` and starts their senders. InvalidArgument naming the
  // key (`config key "alerting.alertmanagers[0].relabel_configs": "a/b" is not a valid
  // hostname`) when relabeling leaves an invalid address or a client cannot be built (an
  // unreadable CA, certificate or key file).
  static Result<std::unique_ptr<Notifier>> Create(const AlertingConfig& config,
                                                  const Labels& external_labels,
                                                  NotifierOptions options = {});
  ~Notifier();  // Stop()
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Queues `alerts` for every destination and returns at once.
  void Send(std::vector<NotifierAlert> alerts);

  // Replaces the configuration (on reload). Destinations whose URL and settings are unchanged
  // keep their queues and counters; removed ones stop, their queued alerts counted as dropped.
  // On error nothing changes.
  Status ApplyConfig(const AlertingConfig& config, const Labels& external_labels);

  // The Alertmanager URLs alerts go to, and those relabel_configs dropped (/api/v1/alertmanagers).
  std::vector<std::string> Alertmanagers() const;
  std::vector<std::string> DroppedAlertmanagers() const;
  NotifierStats Stats() const;

  // Sends what is queued for at most alerting.drain_timeout, then stops every sender. Send after
  // Stop does nothing. Idempotent.
  void Stop();

  class Destination;  // one URL's queue and sender (notifier.cc)

 private:
  struct AlertmanagerSet {
    AlertmanagerConfig config;
    std::vector<std::shared_ptr<Destination>> alertmanagers;
    std::vector<std::string> dropped_urls;
  };
  struct State {
    AlertingConfig config;
    Labels external_labels;
    std::vector<AlertmanagerSet> sets;
    std::vector<std::shared_ptr<Destination>> webhooks;
  };
  explicit Notifier(NotifierOptions options);
  // The destinations of `config`, reusing those of `old` whose settings are unchanged.
  Result<std::shared_ptr<State>> Build(const AlertingConfig& config, const Labels& external_labels,
                                       const State* old) const;

  const NotifierOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<State> state_;  // guarded by mu_; replaced whole by ApplyConfig
  std::atomic<uint64_t> relabel_dropped_{0};
  bool stopped_ = false;  // guarded by mu_
};

// GET /api/v1/alertmanagers in Prometheus' shape:
// {"status":"success","data":{"activeAlertmanagers":[{"url":...}],"droppedAlertmanagers":[...]}}.
// `notifier` may be null (no alerting configured): both lists empty.
HttpResponse AlertmanagersResponse(const Notifier* notifier);

// The notifier's counters as self-metrics series, named as Prometheus names its own with a
// tidemark_ prefix: tidemark_notifications_{sent,errors,dropped}_total{alertmanager=URL},
// tidemark_notifications_queue_length / _queue_capacity{alertmanager=URL},
// tidemark_notifications_alertmanagers_discovered, and the relabel drops.
std::vector<std::pair<Labels, double>> NotifierMetrics(const NotifierStats& stats);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_NOTIFIER_H_
