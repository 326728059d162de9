#include "server/auth.h"

#include <absl/strings/escaping.h>
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tidemark::server {
namespace {

constexpr size_t kMaxVerifiedEntries = 10'000;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool IsBcrypt(std::string_view hash) {
  return hash.size() == 60 &&
         (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
}

// crypt(3) with the hash as its setting: the hash again when the password is right. libxcrypt
// reads bcrypt's $2a$, $2b$ and $2y$; a setting it cannot use gives a string starting with '*'.
std::string Crypt(std::string_view password, const std::string& hash) {
  crypt_data data{};
  const char* out = crypt_r(std::string(password).c_str(), hash.c_str(), &data);
  return out == nullptr ? std::string() : std::string(out);
}

std::string Sha256(std::string_view a, std::string_view b) {
  std::string input(a);
  input.push_back('\0');
  input.append(b);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), len);
}

}  // namespace

std::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kRead:
      return "read";
    case Permission::kWrite:
      return "write";
    case Permission::kAdmin:
      return "admin";
  }
  return "?";
}

Result<std::unique_ptr<Authenticator>> Authenticator::Create(const AuthConfig& config) {
  std::unique_ptr<Authenticator> a(new Authenticator());
  a->enabled_ = config.enabled();
  for (const auto& [user, hash] : config.basic_auth_users) {
    const std::string key = "config key \"web.auth.basic_auth_users." + user + "\": ";
    if (user.empty() || user.find(':') != std::string::npos)
      return Status::InvalidArgument(key + "a user name is not empty and has no ':'");
    const std::string checked = IsBcrypt(hash) ? Crypt("", hash) : std::string();
    if (checked.empty() || checked.front() == '*') {
      return Status::InvalidArgument(
          key +
          "not a bcrypt hash ($2a$, $2b$ or $2y$ and 60 characters, as `htpasswd -nB` "
          "or Python's bcrypt write)");
    }
    a->bcrypt_by_user_[user] = hash;
  }
  for (const auto& [name, file] : config.bearer_token_files) {
    const std::string key = "config key \"web.auth.bearer_tokens." + name + "\": ";
    if (config.basic_auth_users.count(name) > 0)
      return Status::InvalidArgument(key + "the name is also a basic_auth user");
    std::ifstream in(file);
    if (!in) return Status::InvalidArgument(key + "cannot read token file " + file);
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string token(Trim(buf.str()));
    if (token.size() < 16) {
      return Status::InvalidArgument(key + "the token in " + file +
                                     " is shorter than 16 characters");
    }
    for (const auto& [other, other_name] : a->tokens_) {
      if (other == token)
        return Status::InvalidArgument(key + "the same token as \"" + other_name + "\"");
    }
    a->tokens_.emplace_back(token, name);
  }
  for (const auto& [name, token] : config.bearer_token_values) a->tokens_.emplace_back(token, name);
  const std::pair<const std::vector<std::string>*, Permission> roles[] = {
      {&config.readers, Permission::kRead},
      {&config.writers, Permission::kWrite},
      {&config.admins, Permission::kAdmin}};
  for (const auto& [names, permission] : roles) {
    for (const std::string& name : *names) {
      const bool known = config.basic_auth_users.count(name) > 0 ||
                         config.bearer_token_files.count(name) > 0 ||
                         config.bearer_token_values.count(name) > 0;
      if (!known) {
        return Status::InvalidArgument("config key \"web.auth.roles." +
                                       std::string(PermissionName(permission)) + "\": \"" + name +
                                       "\" is neither a basic_auth user nor a bearer token");
      }
      a->permissions_[name].push_back(permission);
    }
  }
  for (const auto& [name, tenants] : config.tenants) {
    const bool known = config.basic_auth_users.count(name) > 0 ||
                       config.bearer_token_files.count(name) > 0 ||
                       config.bearer_token_values.count(name) > 0;
    if (!known) {
      return Status::InvalidArgument("config key \"web.auth.tenants." + name + "\": \"" + name +
                                     "\" is neither a basic_auth user nor a bearer token");
    }
  }
  a->tenants_ = config.tenants;
  if (a->enabled_ && a->permissions_.empty()) {
    return Status::InvalidArgument(
        "config key \"web.auth.roles\": credentials are configured but no name has a role, so "
        "every request would be refused");
  }
  return a;
}

Authenticator::PasswordCheck Authenticator::CheckPassword(const std::string& user,
                                                          std::string_view password,
                                                          const std::string& hash) const {
  const std::string key = Sha256(user, password);
  {
    std::lock_guard lock(cache_mu_);
    if (verified_.contains(key)) return PasswordCheck::kMatches;
    if (refused_.contains(key)) return PasswordCheck::kWrong;
  }
  if (!bcrypt_slots_.try_acquire_for(std::chrono::seconds(1))) return PasswordCheck::kBusy;
  const bool matches = ConstantTimeEqual(Crypt(password, hash), hash);
  bcrypt_slots_.release();
  ++bcrypt_checks_;
  std::lock_guard lock(cache_mu_);
  auto& cache = matches ? verified_ : refused_;
  if (cache.size() >= kMaxVerifiedEntries) cache.clear();
  cache.insert(key);
  return matches ? PasswordCheck::kMatches : PasswordCheck::kWrong;
}

std::string Authenticator::Authenticate(std::string_view authorization, std::string* why,
                                        bool* busy) const {
  authorization = Trim(authorization);
  if (authorization.empty()) {
    *why = "no credentials: send basic auth or a bearer token (Authorization header)";
    return "";
  }
  const size_t space = authorization.find(' ');
  const std::string scheme(authorization.substr(0, space));
  const std::string_view value =
      space == std::string_view::npos ? std::string_view() : Trim(authorization.substr(space));
  std::string lower = scheme;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower == "bearer") {
    for (const auto& [token, name] : tokens_) {
      if (ConstantTimeEqual(token, value)) return name;
    }
    *why = "invalid bearer token";
    return "";
  }
  if (lower == "basic") {
    std::string decoded;
    if (!absl::Base64Unescape(absl::string_view(value.data(), value.size()), &decoded)) {
      *why = "malformed basic auth: not base64";
      return "";
    }
    const size_t colon = decoded.find(':');
    if (colon == std::string::npos) {
      *why = "malformed basic auth: no ':' between user and password";
      return "";
    }
    const std::string user = decoded.substr(0, colon);
    auto it = bcrypt_by_user_.find(user);
    const PasswordCheck check =
        it == bcrypt_by_user_.end()
            ? PasswordCheck::kWrong
            : CheckPassword(user, std::string_view(decoded).substr(colon + 1), it->second);
    if (check == PasswordCheck::kBusy) {
      *busy = true;
      *why = "too many password checks at once; retry";
      return "";
    }
    if (check == PasswordCheck::kWrong) {
      // Not saying which of the two was wrong.
      *why = "invalid user or password for basic auth";
      return "";
    }
    return user;
  }
  *why = "unsupported authorization scheme \"" + scheme + "\": use Basic or Bearer";
  return "";
}

AuthDecision Authenticator::Identify(std::string_view authorization) const {
  AuthDecision d;
  std::string why;
  bool busy = false;
  d.name = Authenticate(authorization, &why, &busy);
  if (d.name.empty()) {
    d.status = busy ? 429 : 401;
    d.message = (busy ? "" : "unauthenticated: ") + why;
  }
  return d;
}

AuthDecision Authenticator::CheckTenant(std::string_view authorization,
                                        std::string_view tenant) const {
  if (!enabled_) return AuthDecision();
  AuthDecision d = Identify(authorization);
  if (!d.allowed() || tenants_.empty()) return d;
  if (auto it = tenants_.find(d.name); it != tenants_.end()) {
    for (const std::string& allowed : it->second) {
      if (allowed == "*" || allowed == tenant) return d;
    }
  }
  d.status = 403;
  d.message = "permission denied: \"" + d.name + "\" may not use tenant \"" + std::string(tenant) +
              "\" (web.auth.tenants)";
  return d;
}

AuthDecision Authenticator::Check(std::string_view authorization, Permission need) const {
  if (!enabled_) return AuthDecision();
  AuthDecision d = Identify(authorization);
  if (!d.allowed()) return d;
  auto it = permissions_.find(d.name);
  if (it != permissions_.end()) {
    for (Permission p : it->second) {
      if (p == need || p == Permission::kAdmin) return d;
    }
  }
  d.status = 403;
  d.message = "permission denied: \"" + d.name + "\" may not " +
              (need == Permission::kRead    ? "read"
               : need == Permission::kWrite ? "write"
                                            : "use admin APIs") +
              (need == Permission::kAdmin
                   ? std::string(" (it needs the admin role)")
                   : " (it needs the " + std::string(PermissionName(need)) + " or admin role)");
  return d;
}

}  // namespace tidemark::server
