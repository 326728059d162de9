// Rules of tenants other than the default one (tenants.rule_files, docs/tenants.md). Each such
// tenant gets a RulesManager over its own engine, so its rules read only its data and write
// their recordings and ALERTS there, and a Notifier of its own that sends to the configured
// Alertmanagers and webhooks with the tenant in X-Scope-OrgID, as Mimir's ruler does. The
// tenant's /api/v1/rules, /api/v1/alerts and /api/v1/alertmanagers answer from them
// (Tenant::rules, Tenant::notifier).
//
// Thread safety: every method may be called from any thread.
#ifndef TIDEMARK_SERVER_TENANT_RULES_H_
#define TIDEMARK_SERVER_TENANT_RULES_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "query/rules/group.h"
#include "server/config_alerting.h"
#include "server/notifier.h"
#include "server/rules_manager.h"
#include "server/tenants.h"

namespace tidemark::server {

// A rules manager's notification callback that hands its alerts to `notifier`.
NotifyFunc NotifyThrough(Notifier* notifier);

class TenantRules {
 public:
  // The tenant of an id, opened (and created) if it is not yet.
  using OpenTenant = std::function<Result<Tenant*>(const std::string& id)>;
  TenantRules(RulesManagerOptions rules_options, NotifierOptions notifier_options, OpenTenant open);
  ~TenantRules();  // Stop()
  TenantRules(const TenantRules&) = delete;
  TenantRules& operator=(const TenantRules&) = delete;

  // Gives each tenant of `groups` its groups, opening it if need be, and delivers alerts as
  // `alerting` says. A tenant no longer listed keeps an empty manager: its rules' series end
  // with stale markers and its APIs list no rules. The first error is returned; tenants before
  // it have their new rules, the others keep their old ones.
  Status Apply(std::map<std::string, std::vector<rules::GroupSpec>> groups,
               const AlertingConfig& alerting, const Labels& external_labels);
  // Starts evaluating (the groups given so far and later ones).
  void Start();
  // Stops every tenant's groups, then sends what their notifiers hold (alerting.drain_timeout).
  void Stop();
  // Every tenant's rule group metrics (RulesManager::CollectMetrics), with a `tenant` label.
  void CollectMetrics(std::vector<std::pair<Labels, double>>* out) const;

 private:
  struct Entry {
    Tenant* tenant = nullptr;
    std::unique_ptr<Notifier> notifier;
    std::unique_ptr<RulesManager> rules;
  };

  const RulesManagerOptions rules_options_;
  const NotifierOptions notifier_options_;
  const OpenTenant open_;
  std::mutex apply_mu_;    // one Apply, Start or Stop at a time
  mutable std::mutex mu_;  // guards entries_ (the map; entries are never removed) and started_
  std::map<std::string, Entry> entries_;
  bool started_ = false;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_TENANT_RULES_H_
