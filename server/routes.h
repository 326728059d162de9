// The one table of the HTTP API port's routes (9090): operational endpoints, remote_write,
// Prometheus' OTLP path, and the Prometheus query API. New APIs (Jaeger, Tempo, rules, targets,
// the UI) join this table.
#ifndef TIDEMARK_SERVER_ROUTES_H_
#define TIDEMARK_SERVER_ROUTES_H_

#include <string>
#include <vector>

#include "server/router.h"

namespace tidemark::server {

class Receivers;
class PrometheusApi;
class TraceApi;
class RulesManager;
class Notifier;
class ScrapeManager;
struct Tenant;

// Every route of the API port, over one tenant's data (server/tenants.h). The handlers call into
// `receivers`, the tenant's query and trace APIs, `rules` and `notifier` (null: the tenant's own,
// Tenant::rules and Tenant::notifier, or none: the APIs answer empty) and `scrape` (null: the
// target APIs answer empty), which
// must outlive the routes. `web_ui_prefix` set: the web UI's pages and files too (web_ui.h), their
// <base> under that prefix ("" at the root).
std::vector<Route> ApiRoutes(Receivers* receivers, Tenant* tenant, RulesManager* rules = nullptr,
                             const Notifier* notifier = nullptr,
                             const ScrapeManager* scrape = nullptr,
                             const std::string* web_ui_prefix = nullptr);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_ROUTES_H_
