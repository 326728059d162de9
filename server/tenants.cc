#include "server/tenants.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "server/prom_api.h"
#include "server/router.h"
#include "server/trace_api.h"

namespace tidemark::server {

Status ValidateTenantId(std::string_view id) {
  constexpr size_t kMaxLength = 150;
  if (id.empty()) return Status::InvalidArgument("empty tenant id");
  if (id.size() > kMaxLength) {
    return Status::InvalidArgument("tenant id is " + std::to_string(id.size()) +
                                   " characters long, more than 150");
  }
  if (id == "." || id == "..") {
    return Status::InvalidArgument("tenant id \"" + std::string(id) + "\" is not allowed");
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!-_.*'()").find(c) != std::string_view::npos;
    if (!ok) {
      return Status::InvalidArgument("tenant id \"" + std::string(id) +
                                     "\" has a character other than letters, digits and !-_.*'()");
    }
  }
  return Status::OK();
}

void RateLimit::Refill() {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(per_second_, tokens_ + seconds * per_second_);
}

bool RateLimit::Allow() {
  std::lock_guard lock(mu_);
  if (per_second_ <= 0) return true;
  Refill();
  return tokens_ > 0;
}

void RateLimit::Spend(double n) {
  std::lock_guard lock(mu_);
  if (per_second_ <= 0) return;
  Refill();
  tokens_ -= n;
}

double RateLimit::per_second() const {
  std::lock_guard lock(mu_);
  return per_second_;
}

void RateLimit::SetRate(double per_second) {
  std::lock_guard lock(mu_);
  if (per_second == per_second_) return;
  per_second_ = per_second;
  tokens_ = per_second;
  last_ = std::chrono::steady_clock::now();
}

Tenant::Tenant() = default;
Tenant::~Tenant() = default;

TenantRegistry::TenantRegistry(TenantsConfig config, std::string data_dir, Maker maker)
    : config_(std::move(config)), data_dir_(std::move(data_dir)), maker_(std::move(maker)) {}

TenantLimits TenantRegistry::LimitsOf(const std::string& id) const {
  std::lock_guard lock(mu_);
  return LimitsOfLocked(id);
}

TenantLimits TenantRegistry::LimitsOfLocked(const std::string& id) const {
  auto it = config_.overrides.find(id);
  return it == config_.overrides.end() ? config_.limits : it->second;
}

std::string TenantRegistry::DirOf(const std::string& id) const {
  return (std::filesystem::path(data_dir_) / "tenants" / id).string();
}

Status TenantRegistry::SetDefault(Engine* engine) {
  auto made = maker_(config_.default_tenant, LimitsOf(config_.default_tenant), engine, data_dir_);
  if (!made.ok()) return made.status();
  std::lock_guard lock(mu_);
  default_ = made->get();
  tenants_[config_.default_tenant] = std::move(made).value();
  return Status::OK();
}

Result<Tenant*> TenantRegistry::Resolve(std::string_view header, bool create) {
  if (!config_.enabled) return default_;
  if (header.empty()) {
    return Status::InvalidArgument(
        "no tenant: this server keeps tenants apart, and a request names its tenant in the "
        "X-Scope-OrgID header");
  }
  if (Status s = ValidateTenantId(header); !s.ok()) return s;
  const std::string id(header);
  if (!create) {
    std::lock_guard lock(mu_);
    if (auto it = tenants_.find(id); it != tenants_.end()) return it->second.get();
    std::error_code ec;
    if (!std::filesystem::exists(DirOf(id), ec)) return nullptr;
  }
  return Open(id);
}

Result<Tenant*> TenantRegistry::Open(const std::string& id) {
  std::lock_guard lock(mu_);
  if (auto it = tenants_.find(id); it != tenants_.end()) return it->second.get();
  if (static_cast<int64_t>(tenants_.size()) >= config_.max_tenants) {
    return Status::ResourceExhausted("tenant \"" + id + "\" would be one more than the " +
                                     std::to_string(config_.max_tenants) +
                                     " this server serves (tenants.max_tenants)");
  }
  // Opening an engine takes a moment (RocksDB, recovery); requests for other tenants wait for
  // it, which happens once per tenant and process.
  auto made = maker_(id, LimitsOfLocked(id), nullptr, DirOf(id));
  if (!made.ok()) return made.status();
  Tenant* tenant = made->get();
  tenants_[id] = std::move(made).value();
  return tenant;
}

Status TenantRegistry::OpenExisting() {
  if (!config_.enabled) return Status::OK();
  const std::filesystem::path root = std::filesystem::path(data_dir_) / "tenants";
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return Status::OK();
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string id = entry.path().filename().string();
    if (!entry.is_directory() || !ValidateTenantId(id).ok() || id == config_.default_tenant)
      continue;
    auto opened = Open(id);
    if (!opened.ok()) return opened.status();
  }
  if (ec) return Status::IOError("list " + root.string() + ": " + ec.message());
  return Status::OK();
}

Status TenantRegistry::Reconfigure(const TenantsConfig& config, const ApplyLimits& apply) {
  if (config.enabled != config_.enabled || config.default_tenant != config_.default_tenant) {
    return Status::InvalidArgument(
        "tenants.enabled and tenants.default_tenant change only with a restart");
  }
  std::lock_guard lock(mu_);
  config_.max_tenants = config.max_tenants;
  config_.limits = config.limits;
  config_.overrides = config.overrides;
  for (const auto& [id, tenant] : tenants_) apply(tenant.get(), LimitsOfLocked(id));
  return Status::OK();
}

std::vector<Tenant*> TenantRegistry::All() const {
  std::lock_guard lock(mu_);
  std::vector<Tenant*> out;
  if (default_ != nullptr) out.push_back(default_);
  for (const auto& [id, tenant] : tenants_) {
    if (tenant.get() != default_) out.push_back(tenant.get());
  }
  return out;
}

}  // namespace tidemark::server
