// Tenants (issue 14): `X-Scope-OrgID`, as Mimir, Tempo and Loki take it, names whose data a
// request writes or reads. Each tenant has an engine of its own (its own RocksDB under
// <data_dir>/tenants/<id>, as Mimir's ingesters keep a TSDB per tenant), and with it its own
// series, spans, exemplars, metadata, retention and deletion: no query, label listing, search or
// admin action can reach another tenant's data, because nothing of it is in the engine the
// request is given. Per tenant too: the query API's concurrency, the active-series limit, and
// the ingestion rates of samples and spans.
//
// With tenants off (the default) every request is the default tenant's, whose data is the data
// directory itself; turned on, a request must name its tenant, and the default tenant
// ("anonymous", as Mimir's no_auth_tenant) keeps that data and receives what the server writes
// itself: scrapes, rule results, its own metrics.
#ifndef TIDEMARK_SERVER_TENANTS_H_
#define TIDEMARK_SERVER_TENANTS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/remote_write.h"
#include "server/config.h"
#include "tidemark/engine.h"
#include "tidemark/status.h"

namespace tidemark::server {

class Notifier;
class PrometheusApi;
class Router;
class RulesManager;
class TraceApi;

// The header (and gRPC metadata key, lower-cased) naming the tenant.
inline constexpr std::string_view kTenantHeader = "x-scope-orgid";

// InvalidArgument unless `id` can name a tenant: 1 to 150 of the characters Mimir allows
// (letters, digits and !-_.*'()), and not "." or "..". The id is a directory name.
Status ValidateTenantId(std::string_view id);

// A token bucket: `per_second` refills, one second's worth at most; 0: unlimited. Spending may
// overdraw it; a refused request waits until the debt is paid, so a limit holds without counting
// items before they are decoded.
class RateLimit {
 public:
  explicit RateLimit(double per_second) : per_second_(per_second), tokens_(per_second) {}
  // Whether a request may start now (unlimited, or the bucket is not in debt).
  bool Allow();
  void Spend(double n);
  double per_second() const;
  // A new rate (a reload changed the limit): a full bucket at it, no debt.
  void SetRate(double per_second);

 private:
  void Refill();  // under mu_
  mutable std::mutex mu_;
  double per_second_;  // guarded by mu_
  double tokens_;      // guarded by mu_
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// What one tenant is served with.
struct Tenant {
  Tenant();
  ~Tenant();
  std::string id;
  Engine* engine = nullptr;
  std::unique_ptr<Engine> owned_engine;  // null for the default tenant (the server's engine)
  ingest::SeriesRefCache series_cache;
  std::unique_ptr<PrometheusApi> api;
  std::unique_ptr<TraceApi> traces;
  std::unique_ptr<Router> router;      // the API port's routes over this tenant's data
  std::unique_ptr<RateLimit> samples;  // never null; rate 0: unlimited
  std::unique_ptr<RateLimit> spans;    // never null; rate 0: unlimited
  // A tenant's own rules and their alert delivery (tenants.rule_files, server/tenant_rules.h,
  // which owns them), null while it has none; its rules and alerts APIs answer from them. The
  // default tenant's are the server's (rule_files), given to its routes directly.
  std::atomic<RulesManager*> rules{nullptr};
  std::atomic<const Notifier*> notifier{nullptr};
};

// The tenants, opened on first use (and at start for those with data), at most max_tenants.
class TenantRegistry {
 public:
  // Makes a tenant's services: over `engine` for the default tenant (the server's), else over
  // an engine it opens from `dir` with `limits`.
  using Maker = std::function<Result<std::unique_ptr<Tenant>>(
      const std::string& id, const TenantLimits& limits, Engine* engine, const std::string& dir)>;
  TenantRegistry(TenantsConfig config, std::string data_dir, Maker maker);

  bool enabled() const { return config_.enabled; }
  // Makes the default tenant over `engine` (the server's); once, before serving.
  Status SetDefault(Engine* engine);
  Tenant* Default() const { return default_; }
  // The tenant a request names in `header` (empty: none). Tenants off: the default tenant
  // whatever it says. On: InvalidArgument without a header (the caller answers 401) or for a
  // bad id,
  // ResourceExhausted past max_tenants, or the engine's error if it cannot be opened.
  // Without `create`, a tenant with no data yet is not made: null is returned (reads answer as
  // from an empty tenant, and do not create directories).
  Result<Tenant*> Resolve(std::string_view header, bool create = true);
  // Opens every tenant that has a directory under <data_dir>/tenants (retention and recovery
  // run for tenants no request has named yet).
  Status OpenExisting();
  // Every tenant open now, the default one first.
  std::vector<Tenant*> All() const;
  // Takes the limits and overrides of `config` (a reload), for tenants opened from now on and,
  // through `apply`, for those open now. InvalidArgument, changing nothing, when `config`
  // differs in what needs a restart (enabled, default_tenant).
  using ApplyLimits = std::function<void(Tenant* tenant, const TenantLimits& limits)>;
  Status Reconfigure(const TenantsConfig& config, const ApplyLimits& apply);
  std::string DirOf(const std::string& id) const;

 private:
  TenantLimits LimitsOf(const std::string& id) const;
  TenantLimits LimitsOfLocked(const std::string& id) const;  // under mu_
  Result<Tenant*> Open(const std::string& id);

  TenantsConfig config_;  // its limits, overrides and max_tenants guarded by mu_ (Reconfigure)
  const std::string data_dir_;
  const Maker maker_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Tenant>> tenants_;  // guarded by mu_
  Tenant* default_ = nullptr;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_TENANTS_H_
