// Who may call the server (docs/auth.md). Off unless credentials are configured, as in
// Prometheus: a local single-user set-up needs nothing. When on, every request to the API port,
// the OTLP/HTTP port and OTLP/gRPC carries basic auth (bcrypt-hashed passwords, as Prometheus'
// web.yml `basic_auth_users`) or a bearer token, and the name it proves must hold a role that
// allows the call: `read` (queries, trace reads, metadata, /metrics), `write` (remote_write and
// OTLP) or `admin` (the admin and lifecycle APIs, and everything else). /-/healthy and /-/ready
// stay open: probes carry no credentials and learn nothing.
//
// Thread safety: an Authenticator is immutable after Create except for its cache of verified
// passwords, which is internally locked; Check may be called concurrently.
#ifndef TIDEMARK_SERVER_AUTH_H_
#define TIDEMARK_SERVER_AUTH_H_

#include <absl/container/flat_hash_set.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <semaphore>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tidemark/status.h"

namespace tidemark::server {

enum class Permission { kRead, kWrite, kAdmin };
std::string_view PermissionName(Permission p);

struct AuthConfig {
  // name -> bcrypt hash ($2a$, $2b$ or $2y$), as Prometheus' web.yml basic_auth_users.
  std::map<std::string, std::string> basic_auth_users;
  // name -> a file holding the token (whitespace around it ignored).
  std::map<std::string, std::string> bearer_token_files;
  // name -> token, set by the program rather than the file (the server's self-scrape).
  std::map<std::string, std::string> bearer_token_values;
  // The names allowed each permission; an admin may also read and write.
  std::vector<std::string> readers, writers, admins;
  // name -> the tenants (X-Scope-OrgID) it may use, "*" for any (docs/tenants.md). Empty: every
  // name may use every tenant; else a name not listed may use none.
  std::map<std::string, std::vector<std::string>> tenants;
  bool enabled() const { return !basic_auth_users.empty() || !bearer_token_files.empty(); }
};

// The verdict on one request: 0 when allowed, else 401 (no or wrong credentials) or 403 (a
// known name without the permission), with a message that says which.
struct AuthDecision {
  // 0: allowed; 401 unauthenticated, 403 not permitted, 429 too many password checks at once.
  int status = 0;
  std::string message;
  std::string name;  // who the credentials proved, when they did
  bool allowed() const { return status == 0; }
};

class Authenticator {
 public:
  // Reads the token files and checks every hash and role name; InvalidArgument names the key.
  static Result<std::unique_ptr<Authenticator>> Create(const AuthConfig& config);

  bool enabled() const { return enabled_; }
  // `authorization`: the request's Authorization header (or gRPC `authorization` metadata).
  AuthDecision Check(std::string_view authorization, Permission need) const;
  // Whether the credentials may act for `tenant` (web.auth.tenants): 0, or 401 (429) for
  // credentials that prove nobody (cannot be checked now), 403 naming the tenant. Any proven name
  // may when no name is bound to tenants; anyone may when authentication is off.
  AuthDecision CheckTenant(std::string_view authorization, std::string_view tenant) const;
  // bcrypt computations made so far (the rest were answered from the cache).
  uint64_t bcrypt_checks() const { return bcrypt_checks_.load(); }

 private:
  Authenticator() = default;
  // Who the credentials prove (AuthDecision::name), or 401/429 saying why not.
  AuthDecision Identify(std::string_view authorization) const;
  // The name a credential proves, or "" (with `*why`; `*busy` when it could not be checked now).
  std::string Authenticate(std::string_view authorization, std::string* why, bool* busy) const;
  enum class PasswordCheck { kMatches, kWrong, kBusy };
  PasswordCheck CheckPassword(const std::string& user, std::string_view password,
                              const std::string& hash) const;

  bool enabled_ = false;
  std::map<std::string, std::string> bcrypt_by_user_;
  std::vector<std::pair<std::string, std::string>> tokens_;  // (token, name)
  std::map<std::string, std::vector<Permission>> permissions_;
  std::map<std::string, std::vector<std::string>> tenants_;
  // bcrypt is slow by design (tens of milliseconds a check): a checked (user, password) is
  // remembered by its SHA-256, right or wrong, so that neither a sender's every request nor a
  // client repeating a wrong password pays it again. Bounded.
  mutable std::mutex cache_mu_;
  mutable absl::flat_hash_set<std::string> verified_;  // guarded by cache_mu_
  mutable absl::flat_hash_set<std::string> refused_;   // guarded by cache_mu_
  mutable std::atomic<uint64_t> bcrypt_checks_{0};
  // Password checks at once: half the cores, so that clients guessing passwords cannot take the
  // machine. Past it a check waits a second, then the request gets 429.
  mutable std::counting_semaphore<> bcrypt_slots_{
      static_cast<std::ptrdiff_t>(std::max(1U, std::thread::hardware_concurrency() / 2))};
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_AUTH_H_
