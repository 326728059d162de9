// /api/v1/rules and /api/v1/alerts in Prometheus' JSON shapes (what Grafana's alert list and
// rule browser read), from the rules manager's snapshot.
#ifndef TIDEMARK_SERVER_RULES_API_H_
#define TIDEMARK_SERVER_RULES_API_H_

#include <string>
#include <vector>

#include "query/rules/group.h"
#include "server/api_params.h"
#include "server/http_server.h"

namespace tidemark::server {

class RulesManager;

// GET /api/v1/rules: `type` (alert|record), `rule_name[]`, `rule_group[]`, `file[]`,
// `exclude_alerts`.
HttpResponse RulesResponse(const std::vector<rules::GroupSnapshot>& groups, const FormValues& form);
// GET /api/v1/alerts: every pending and firing alert.
HttpResponse AlertsResponse(const std::vector<rules::GroupSnapshot>& groups);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_RULES_API_H_
