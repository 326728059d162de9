// Alerts as the receivers read them: Alertmanager's API v2 postable alerts (the body of
// POST /api/v2/alerts) and Alertmanager's webhook message (version 4), which tidemark's webhooks
// send directly.
#ifndef TIDEMARK_SERVER_ALERT_JSON_H_
#define TIDEMARK_SERVER_ALERT_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tidemark/labels.h"

namespace tidemark::server {

// One alert as the rule evaluator hands it to the Notifier.
struct NotifierAlert {
  Labels labels;  // identity; must include alertname
  Labels annotations;
  int64_t starts_at_ms = 0;  // Unix ms; 0 = not set (Alertmanager takes the time it arrives)
  // Unix ms; 0 = not set. A firing alert carries a time in the future (Prometheus sends now +
  // 4 × the resend delay); a resolved one the time it resolved.
  int64_t ends_at_ms = 0;
  std::string generator_url;  // "" = not sent
};

// [{"labels":{..},"annotations":{..},"startsAt":"..","endsAt":"..","generatorURL":".."}, ...]:
// times as RFC 3339 in UTC with milliseconds; unset times and an empty URL are left out.
std::string EncodePostableAlerts(const std::vector<NotifierAlert>& alerts);

struct WebhookMessageContext {
  std::string receiver;      // "receiver"
  std::string external_url;  // "externalURL": where the alerts come from
  int64_t now_ms = 0;        // an alert whose endsAt is not after this is "resolved"
  uint64_t truncated_alerts = 0;
};

// Alertmanager's webhook JSON for `alerts` as one group with no group labels: "version":"4",
// "groupKey":"{}:{}", "status" (firing when any alert fires), "receiver", "groupLabels",
// "commonLabels"/"commonAnnotations" (the pairs every alert has), "externalURL",
// "truncatedAlerts", and "alerts" with status, labels, annotations, startsAt, endsAt (Go's zero
// time "0001-01-01T00:00:00Z" when unset, as Alertmanager writes it), generatorURL, fingerprint.
std::string EncodeWebhookMessage(const std::vector<NotifierAlert>& alerts,
                                 const WebhookMessageContext& context);

// Alertmanager's fingerprint of a label set (prometheus/common model.LabelSet.Fingerprint: FNV-1a
// 64 over name, 0xff, value, 0xff in name order) as 16 hex digits.
std::string AlertFingerprint(const Labels& labels);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_ALERT_JSON_H_
