#include "server/tenant_rules.h"

#include "util/status_macros.h"

namespace tidemark::server {

NotifyFunc NotifyThrough(Notifier* notifier) {
  return [notifier](std::vector<rules::AlertNotification> alerts) {
    std::vector<NotifierAlert> out;
    out.reserve(alerts.size());
    for (rules::AlertNotification& a : alerts) {
      out.push_back({std::move(a.labels), Labels(std::move(a.annotations)), a.starts_at_ms,
                     a.ends_at_ms, std::move(a.generator_url)});
    }
    notifier->Send(std::move(out));
  };
}

TenantRules::TenantRules(RulesManagerOptions rules_options, NotifierOptions notifier_options,
                         OpenTenant open)
    : rules_options_(std::move(rules_options)),
      notifier_options_(std::move(notifier_options)),
      open_(std::move(open)) {}

TenantRules::~TenantRules() {
  Stop();
  std::lock_guard lock(mu_);
  for (auto& [id, entry] : entries_) {
    entry.tenant->rules.store(nullptr);
    entry.tenant->notifier.store(nullptr);
  }
}

Status TenantRules::Apply(std::map<std::string, std::vector<rules::GroupSpec>> groups,
                          const AlertingConfig& alerting, const Labels& external_labels) {
  std::lock_guard apply(apply_mu_);
  {
    // Tenants that had rules and are no longer listed: their groups go.
    std::lock_guard lock(mu_);
    for (const auto& [id, entry] : entries_) groups.try_emplace(id);
  }
  for (auto& [id, specs] : groups) {
    Entry* entry = nullptr;
    bool started = false;
    {
      std::lock_guard lock(mu_);
      if (auto it = entries_.find(id); it != entries_.end()) entry = &it->second;
      started = started_;
    }
    if (entry != nullptr) {
      TM_RETURN_IF_ERROR(entry->notifier->ApplyConfig(alerting, external_labels));
      TM_RETURN_IF_ERROR(entry->rules->Update(std::move(specs)));
      continue;
    }
    if (specs.empty()) continue;
    TM_ASSIGN_OR_RETURN(Tenant * tenant, open_(id));
    NotifierOptions options = notifier_options_;
    options.headers.emplace_back("X-Scope-OrgID", id);
    TM_ASSIGN_OR_RETURN(std::unique_ptr<Notifier> notifier,
                        Notifier::Create(alerting, external_labels, options));
    auto manager = std::make_unique<RulesManager>(tenant->engine, rules_options_,
                                                  NotifyThrough(notifier.get()));
    TM_RETURN_IF_ERROR(manager->Update(std::move(specs)));
    {
      std::lock_guard lock(mu_);
      entry = &entries_[id];
      entry->tenant = tenant;
      entry->notifier = std::move(notifier);
      entry->rules = std::move(manager);
    }
    tenant->notifier.store(entry->notifier.get());
    tenant->rules.store(entry->rules.get());
    if (started) entry->rules->Start();
  }
  return Status::OK();
}

void TenantRules::Start() {
  std::lock_guard apply(apply_mu_);
  std::lock_guard lock(mu_);
  started_ = true;
  for (auto& [id, entry] : entries_) entry.rules->Start();
}

void TenantRules::Stop() {
  std::lock_guard apply(apply_mu_);
  std::lock_guard lock(mu_);
  started_ = false;
  for (auto& [id, entry] : entries_) entry.rules->Stop();
  for (auto& [id, entry] : entries_) entry.notifier->Stop();
}

void TenantRules::CollectMetrics(std::vector<std::pair<Labels, double>>* out) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, entry] : entries_) {
    std::vector<std::pair<Labels, double>> mine;
    entry.rules->CollectMetrics(&mine);
    for (auto& [labels, value] : mine) {
      std::vector<Label> items = std::move(labels).ReleaseItems();
      items.push_back({"tenant", id});
      out->emplace_back(Labels(std::move(items)), value);
    }
  }
}

}  // namespace tidemark::server
