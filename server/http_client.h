// An HTTP client on libcurl for the server's outgoing requests: alert delivery to Alertmanager
// and webhooks now, scraping later. Configured as Prometheus configures its clients
// (prometheus/common config.HTTPClientConfig): basic auth, an Authorization header, TLS options,
// redirects, proxy, extra headers. docs/architecture.md says why libcurl.
//
// Secrets given as files (password_file, credentials_file) are read at every request, so that a
// rotated secret is picked up without a reload, as Prometheus does.
//
// Thread safety: Do may be called from any number of threads at once; each call takes a pooled
// connection handle (keep-alive is per handle) and returns it when done.
#ifndef TIDEMARK_SERVER_HTTP_CLIENT_H_
#define TIDEMARK_SERVER_HTTP_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tidemark/status.h"

namespace tidemark::server {

struct BasicAuthConfig {
  std::string username;
  std::string password;       // at most one of password and password_file
  std::string password_file;  // read at each request; trailing newline and spaces trimmed
  bool operator==(const BasicAuthConfig&) const = default;
};

// `Authorization: <type> <credentials>`.
struct AuthorizationConfig {
  std::string type = "Bearer";  // "Basic" is refused: use basic_auth
  std::string credentials;      // at most one of credentials and credentials_file
  std::string credentials_file;
  bool operator==(const AuthorizationConfig&) const = default;
};

struct TlsClientConfig {
  std::string ca_file;      // PEM CA bundle to verify the server with; empty: the system's
  std::string cert_file;    // client certificate (PEM), with key_file
  std::string key_file;     // its private key (PEM)
  std::string server_name;  // the name the server's certificate is checked against (and SNI)
  bool insecure_skip_verify = false;
  bool operator==(const TlsClientConfig&) const = default;
};

struct HttpClientConfig {
  std::optional<BasicAuthConfig> basic_auth;  // at most one of basic_auth and authorization
  std::optional<AuthorizationConfig> authorization;
  TlsClientConfig tls;
  bool follow_redirects = true;  // up to 10, as Go's client
  bool enable_http2 = true;      // HTTP/2 where the server offers it over TLS (ALPN)
  std::string proxy_url;         // empty: none (curl's *_proxy variables are not read)
  // Sent with every request. Names must not be ones the client sets itself (Authorization,
  // Content-Type, Content-Length, Host, User-Agent, ...): the configuration refuses those
  // (config_blocks.h, CheckHttpClientConfig).
  std::vector<std::pair<std::string, std::string>> headers;
  bool operator==(const HttpClientConfig&) const = default;
};

struct HttpClientRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::string body;                                          // for POST
  std::vector<std::pair<std::string, std::string>> headers;  // besides the configured ones
  int64_t timeout_ms = 10'000;                               // the whole exchange
  // A response body past this many bytes (after gzip decoding) fails the request with
  // ResourceExhausted; 0: no limit.
  uint64_t max_response_bytes = 16ULL << 20;
  // Ask for gzip (Accept-Encoding) and decode it. Off: the body as sent.
  bool accept_gzip = true;
  // When set and true, the request is abandoned (Cancelled) within about a second.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpClientResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
};

// "<code> <reason>" as Go's http.Response.Status reads ("404 Not Found"), which Prometheus puts in
// its errors ("server returned HTTP status 404 Not Found"); just the code when the reason is not
// one a server plausibly answers.
std::string HttpStatusLine(int code);

class HttpClient {
 public:
  // Checks `config` (CheckHttpClientConfig) and that its CA, certificate and key files can be
  // read now, as Prometheus does when it builds a client.
  static Result<std::unique_ptr<HttpClient>> Create(HttpClientConfig config,
                                                    std::string user_agent);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // One exchange. Any HTTP status is a response (the caller judges it); failures to exchange are
  // Unavailable (connection refused, reset, TLS), DeadlineExceeded (timeout), ResourceExhausted
  // (body over the limit), Cancelled, or InvalidArgument (a malformed URL, an unreadable secret
  // file), each with the URL and libcurl's reason.
  Result<HttpClientResponse> Do(const HttpClientRequest& request);

  const HttpClientConfig& config() const { return config_; }

 private:
  HttpClient(HttpClientConfig config, std::string user_agent);
  void* TakeHandle();
  void ReturnHandle(void* handle);

  const HttpClientConfig config_;
  const std::string user_agent_;
  std::mutex mu_;
  std::vector<void*> idle_handles_;  // CURL*; guarded by mu_
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_HTTP_CLIENT_H_
