// The `tenants` section of the server configuration (server/tenants.h, docs/tenants.md).
#ifndef TIDEMARK_SERVER_CONFIG_TENANTS_H_
#define TIDEMARK_SERVER_CONFIG_TENANTS_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tidemark/status.h"

namespace tidemark::server {

// What one tenant may use.
struct TenantLimits {
  uint64_t max_active_series = 0;      // 0: limits.max_active_series
  double samples_per_second = 0;       // ingested samples; 0: unlimited
  double spans_per_second = 0;         // ingested spans; 0: unlimited
  int64_t max_concurrent_queries = 0;  // PromQL queries at once; 0: query.max_concurrency
};

struct TenantsConfig {
  bool enabled = false;
  std::string default_tenant = "anonymous";
  int64_t max_tenants = 100;  // engines open at once; a request for one more is refused (429)
  TenantLimits limits;        // every tenant's, unless overridden
  std::map<std::string, TenantLimits> overrides;
  // Each tenant's own rule files (globs, relative to the config file's directory as the
  // top-level rule_files are, which stay the default tenant's): evaluated on the tenant's data,
  // results and ALERTS written there, alerts sent with its X-Scope-OrgID.
  std::map<std::string, std::vector<std::string>> rule_files;
};

Status ApplyTenants(const YAML::Node& node, TenantsConfig* out);
// The section as YAML text, for status/config.
void RenderTenants(const TenantsConfig& tenants, YAML::Emitter* out);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_CONFIG_TENANTS_H_
