#include "server/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>

namespace tidemark::server {
namespace {

// curl_global_init is not safe to race with other libcurl calls; it runs once, before any
// handle exists.
void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<std::string> ReadSecretFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(std::string("cannot read ") + what + " " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  // Go's strings.TrimSpace, as Prometheus applies to secret files.
  const size_t begin = s.find_first_not_of(" \t\r\n\v\f");
  if (begin == std::string::npos) return std::string();
  return s.substr(begin, s.find_last_not_of(" \t\r\n\v\f") - begin + 1);
}

Status CheckReadable(const std::string& path, const char* what) {
  if (path.empty()) return Status::OK();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(std::string("cannot read ") + what + " " + path);
  return Status::OK();
}

struct Exchange {
  HttpClientResponse* response;
  uint64_t max_bytes;
  bool too_large = false;
  const std::atomic<bool>* cancel;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (x->max_bytes > 0 && x->response->body.size() + n > x->max_bytes) {
    x->too_large = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  x->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  // A new status line (after a redirect or a 100 Continue): the headers so far were another
  // response's.
  if (line.starts_with("HTTP/")) {
    x->response->headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  x->response->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* x = static_cast<Exchange*>(user);
  return x->cancel != nullptr && x->cancel->load() ? 1 : 0;  // 1 aborts the transfer
}

// Frees a header list on every path out of Do.
struct HeaderList {
  curl_slist* list = nullptr;
  void Add(const std::string& line) {
    if (curl_slist* next = curl_slist_append(list, line.c_str())) list = next;
  }
  ~HeaderList() { curl_slist_free_all(list); }
};

// The URL with its host replaced by `server_name`, and the CONNECT_TO and Host header that keep
// the connection going to the original host: the way to make libcurl send `server_name` as SNI
// and verify the certificate against it (Go's tls.Config.ServerName).
Status ApplyServerName(const std::string& url, const std::string& server_name, std::string* new_url,
                       std::string* connect_to, std::string* host_header) {
  CURLU* u = curl_url();
  if (u == nullptr) return Status::Internal("curl_url failed");
  Status s;
  char* host = nullptr;
  char* port = nullptr;
  char* rewritten = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
    s = Status::InvalidArgument("malformed URL " + url);
  } else {
    char* explicit_port = nullptr;
    const bool has_port = curl_url_get(u, CURLUPART_PORT, &explicit_port, 0) == CURLUE_OK;
    *host_header = "Host: " + std::string(host) + (has_port ? ":" + std::string(port) : "");
    curl_free(explicit_port);
    *connect_to = server_name + ":" + port + ":" + host + ":" + port;
    if (curl_url_set(u, CURLUPART_HOST, server_name.c_str(), 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &rewritten, 0) != CURLUE_OK) {
      s = Status::InvalidArgument("tls_config.server_name \"" + server_name +
                                  "\" is not a valid host name");
    } else {
      *new_url = rewritten;
    }
  }
  curl_free(host);
  curl_free(port);
  curl_free(rewritten);
  curl_url_cleanup(u);
  return s;
}

}  // namespace

HttpClient::HttpClient(HttpClientConfig config, std::string user_agent)
    : config_(std::move(config)), user_agent_(std::move(user_agent)) {}

HttpClient::~HttpClient() {
  for (void* h : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(h));
}

Result<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientConfig config,
                                                       std::string user_agent) {
  GlobalInit();
  Status s = CheckReadable(config.tls.ca_file, "tls_config.ca_file");
  if (s.ok()) s = CheckReadable(config.tls.cert_file, "tls_config.cert_file");
  if (s.ok()) s = CheckReadable(config.tls.key_file, "tls_config.key_file");
  if (!s.ok()) return s;
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(config), std::move(user_agent)));
}

void* HttpClient::TakeHandle() {
  {
    std::lock_guard lock(mu_);
    if (!idle_handles_.empty()) {
      void* h = idle_handles_.back();
      idle_handles_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void HttpClient::ReturnHandle(void* handle) {
  std::lock_guard lock(mu_);
  idle_handles_.push_back(handle);
}

Result<HttpClientResponse> HttpClient::Do(const HttpClientRequest& request) {
  const std::string what = request.method + " " + request.url;
  if (request.method != "GET" && request.method != "POST") {
    return Status::InvalidArgument(what + ": only GET and POST are supported");
  }
  // Secrets from files first: a missing file fails the request before anything is sent.
  HeaderList headers;
  std::string password;
  if (config_.basic_auth) {
    password = config_.basic_auth->password;
    if (!config_.basic_auth->password_file.empty()) {
      Result<std::string> p =
          ReadSecretFile(config_.basic_auth->password_file, "basic_auth.password_file");
      if (!p.ok()) return Status::InvalidArgument(what + ": " + p.status().message());
      password = *p;
    }
  }
  if (config_.authorization) {
    std::string credentials = config_.authorization->credentials;
    if (!config_.authorization->credentials_file.empty()) {
      Result<std::string> c =
          ReadSecretFile(config_.authorization->credentials_file, "authorization.credentials_file");
      if (!c.ok()) return Status::InvalidArgument(what + ": " + c.status().message());
      credentials = *c;
    }
    headers.Add("Authorization: " + config_.authorization->type + " " + credentials);
  }
  std::string url = request.url;
  std::string connect_to;
  HeaderList connect_to_list;
  if (!config_.tls.server_name.empty()) {
    std::string host_header;
    Status s =
        ApplyServerName(request.url, config_.tls.server_name, &url, &connect_to, &host_header);
    if (!s.ok()) return Status::InvalidArgument(what + ": " + s.message());
    headers.Add(host_header);
    connect_to_list.Add(connect_to);
  }
  for (const auto& [name, value] : config_.headers) headers.Add(name + ": " + value);
  for (const auto& [name, value] : request.headers) headers.Add(name + ": " + value);
  // libcurl would otherwise send "Expect: 100-continue" for larger bodies and wait for it.
  if (request.method == "POST") headers.Add("Expect:");

  CURL* curl = static_cast<CURL*>(TakeHandle());
  if (curl == nullptr) return Status::Internal(what + ": curl_easy_init failed");
  // Reset options, keep the connection cache: the next request to the same host reuses it.
  curl_easy_reset(curl);
  HttpClientResponse response;
  Exchange exchange{&response, request.max_response_bytes, false, request.cancel};
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent_.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  if (connect_to_list.list != nullptr)
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to_list.list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &exchange);
  if (request.accept_gzip) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  if (config_.follow_redirects) {
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION,
                   config_.enable_http2 ? static_cast<long>(CURL_HTTP_VERSION_2TLS)
                                        : static_cast<long>(CURL_HTTP_VERSION_1_1));
  // An explicit empty proxy keeps libcurl from reading http_proxy and friends.
  curl_easy_setopt(curl, CURLOPT_PROXY, config_.proxy_url.c_str());
  if (config_.basic_auth) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, config_.basic_auth->username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
  }
  const TlsClientConfig& tls = config_.tls;
  if (!tls.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(curl, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  char* content_type = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type != nullptr) response.content_type = content_type;
  // Nothing of this request may reach the next one through the pooled handle.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_CONNECT_TO, nullptr);
  ReturnHandle(curl);

  if (code == CURLE_OK) {
    response.status = static_cast<int>(status);
    return response;
  }
  const std::string reason = what + ": " + (error[0] != 0 ? error : curl_easy_strerror(code));
  if (exchange.too_large) {
    return Status::ResourceExhausted(what + ": response body exceeds " +
                                     std::to_string(request.max_response_bytes) + " bytes");
  }
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::DeadlineExceeded(reason);
    case CURLE_ABORTED_BY_CALLBACK:
      return Status::Cancelled(what + ": cancelled");
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument(reason);
    default:
      return Status::Unavailable(reason);
  }
}

std::string HttpStatusLine(int code) {
  // Go's http.StatusText for those codes.
  static const std::map<int, const char*> kText = {
      {301, "Moved Permanently"}, {302, "Found"},
      {304, "Not Modified"},      {400, "Bad Request"},
      {401, "Unauthorized"},      {403, "Forbidden"},
      {404, "Not Found"},         {405, "Method Not Allowed"},
      {406, "Not Acceptable"},    {408, "Request Timeout"},
      {429, "Too Many Requests"}, {500, "Internal Server Error"},
      {502, "Bad Gateway"},       {503, "Service Unavailable"},
      {504, "Gateway Timeout"}};
  auto it = kText.find(code);
  return std::to_string(code) + (it == kText.end() ? "" : std::string(" ") + it->second);
}

}  // namespace tidemark::server
