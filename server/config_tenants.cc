#include "server/config_tenants.h"

#include "server/config_yaml.h"
#include "server/tenants.h"
#include "util/status_macros.h"

namespace tidemark::server {
namespace {

using config_yaml::Bad;
using config_yaml::CheckMapping;
using config_yaml::ReadBool;
using config_yaml::ReadInt;
using config_yaml::ReadString;
using config_yaml::ReadStringList;

Status ApplyLimits(const YAML::Node& node, const std::string& prefix, TenantLimits* out) {
  TM_RETURN_IF_ERROR(CheckMapping(
      node, prefix,
      {"max_active_series", "samples_per_second", "spans_per_second", "max_concurrent_queries"}));
  if (node["max_active_series"]) {
    TM_RETURN_IF_ERROR(ReadInt(node["max_active_series"], prefix + "max_active_series", 0,
                               INT64_MAX, &out->max_active_series));
  }
  if (node["samples_per_second"]) {
    int64_t per_second = 0;
    TM_RETURN_IF_ERROR(ReadInt(node["samples_per_second"], prefix + "samples_per_second", 0,
                               INT64_MAX, &per_second));
    out->samples_per_second = static_cast<double>(per_second);
  }
  if (node["spans_per_second"]) {
    int64_t per_second = 0;
    TM_RETURN_IF_ERROR(
        ReadInt(node["spans_per_second"], prefix + "spans_per_second", 0, INT64_MAX, &per_second));
    out->spans_per_second = static_cast<double>(per_second);
  }
  if (node["max_concurrent_queries"]) {
    TM_RETURN_IF_ERROR(ReadInt(node["max_concurrent_queries"], prefix + "max_concurrent_queries", 0,
                               10'000, &out->max_concurrent_queries));
  }
  return Status::OK();
}

void RenderLimits(const TenantLimits& l, YAML::Emitter* out) {
  *out << YAML::BeginMap;
  *out << YAML::Key << "max_active_series" << YAML::Value << l.max_active_series;
  *out << YAML::Key << "samples_per_second" << YAML::Value << l.samples_per_second;
  *out << YAML::Key << "spans_per_second" << YAML::Value << l.spans_per_second;
  *out << YAML::Key << "max_concurrent_queries" << YAML::Value << l.max_concurrent_queries;
  *out << YAML::EndMap;
}

}  // namespace

Status ApplyTenants(const YAML::Node& node, TenantsConfig* out) {
  TM_RETURN_IF_ERROR(CheckMapping(
      node, "tenants.",
      {"enabled", "default_tenant", "max_tenants", "limits", "overrides", "rule_files"}));
  if (node["enabled"])
    TM_RETURN_IF_ERROR(ReadBool(node["enabled"], "tenants.enabled", &out->enabled));
  if (node["default_tenant"]) {
    TM_RETURN_IF_ERROR(
        ReadString(node["default_tenant"], "tenants.default_tenant", &out->default_tenant));
    if (Status s = ValidateTenantId(out->default_tenant); !s.ok())
      return Bad("tenants.default_tenant", s.message());
  }
  if (node["max_tenants"]) {
    TM_RETURN_IF_ERROR(
        ReadInt(node["max_tenants"], "tenants.max_tenants", 1, 100'000, &out->max_tenants));
  }
  if (node["limits"])
    TM_RETURN_IF_ERROR(ApplyLimits(node["limits"], "tenants.limits.", &out->limits));
  if (const YAML::Node overrides = node["overrides"]) {
    if (!overrides.IsMap()) return Bad("tenants.overrides", "must map tenant ids to limits");
    for (const auto& entry : overrides) {
      const std::string id = entry.first.as<std::string>();
      if (Status s = ValidateTenantId(id); !s.ok())
        return Bad("tenants.overrides." + id, s.message());
      TenantLimits limits = out->limits;  // what an override leaves out, the defaults give
      TM_RETURN_IF_ERROR(ApplyLimits(entry.second, "tenants.overrides." + id + ".", &limits));
      out->overrides[id] = limits;
    }
  }
  if (const YAML::Node rule_files = node["rule_files"]) {
    if (!rule_files.IsMap()) {
      return Bad("tenants.rule_files", "must map tenant ids to lists of rule files");
    }
    out->rule_files.clear();
    for (const auto& entry : rule_files) {
      const std::string id = entry.first.as<std::string>();
      const std::string key = "tenants.rule_files." + id;
      if (Status s = ValidateTenantId(id); !s.ok()) return Bad(key, s.message());
      if (id == out->default_tenant) {
        return Bad(key, "names the default tenant, whose rules are the top-level rule_files");
      }
      std::vector<std::string> files;
      TM_RETURN_IF_ERROR(ReadStringList(entry.second, key, &files));
      for (const std::string& f : files) {
        if (f.empty()) return Bad(key, "has an empty path");
      }
      out->rule_files[id] = std::move(files);
    }
  }
  if (!out->rule_files.empty() && !out->enabled) {
    return Bad("tenants.rule_files", "needs tenants.enabled: true");
  }
  return Status::OK();
}

void RenderTenants(const TenantsConfig& t, YAML::Emitter* out) {
  *out << YAML::BeginMap;
  *out << YAML::Key << "enabled" << YAML::Value << t.enabled;
  *out << YAML::Key << "default_tenant" << YAML::Value << t.default_tenant;
  *out << YAML::Key << "max_tenants" << YAML::Value << t.max_tenants;
  *out << YAML::Key << "limits" << YAML::Value;
  RenderLimits(t.limits, out);
  *out << YAML::Key << "overrides" << YAML::Value << YAML::BeginMap;
  for (const auto& [id, limits] : t.overrides) {
    *out << YAML::Key << id << YAML::Value;
    RenderLimits(limits, out);
  }
  *out << YAML::EndMap;
  *out << YAML::Key << "rule_files" << YAML::Value << YAML::BeginMap;
  for (const auto& [id, files] : t.rule_files) {
    *out << YAML::Key << id << YAML::Value << YAML::BeginSeq;
    for (const std::string& f : files) *out << f;
    *out << YAML::EndSeq;
  }
  *out << YAML::EndMap << YAML::EndMap;
}

}  // namespace tidemark::server
