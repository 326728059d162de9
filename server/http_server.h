// An HTTP/1.1 server on Boost.Beast, asynchronous: a few I/O threads read and write every
// connection, so an open connection costs a few kilobytes and no thread, and handlers (plain
// functions from request to response, which may block) run on a pool of their own (HandlerPool),
// taken round robin by client address. Every bad request gets its status before the connection
// closes: 400 for malformed requests, 413 past the body limit, 431 past the header limit, 408
// when a request does not arrive whole within its deadline, 503 past the budget of request bytes
// in flight; connections past the server's or one client's limit are answered 503. A client that
// does not take its response within the write timeout is disconnected.
#ifndef TIDEMARK_SERVER_HTTP_SERVER_H_
#define TIDEMARK_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/status.h"

namespace tidemark::server {

struct HttpRequest {
  std::string method;
  std::string target;  // path and query
  std::string path;
  std::string query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  // The connection's socket, for handlers that watch whether the client is still there (a
  // long query is cancelled when it leaves); -1 when not served from a socket.
  int socket_fd = -1;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Where a streamed response's body goes (HttpResponse::stream).
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Sends `data` as the body's next bytes. Blocks while the connection already holds a window
  // (kStreamWindowBytes) of bytes not yet sent; false once the connection is gone or past its
  // write timeout, after which the producer should stop.
  virtual bool Write(std::string_view data) = 0;
};

// Bytes of a streamed body one connection holds at most, waiting to be sent.
inline constexpr size_t kStreamWindowBytes = 256 * 1024;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set: `body` is ignored, and the body is produced while it is sent (chunked transfer
  // encoding) by this function, on the handler's thread, so a large answer is never whole in
  // memory. The write timeout covers the whole response.
  std::function<void(BodyWriter&)> stream{};
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  struct Settings {
    std::string host;
    uint16_t port = 0;  // 0: any free port (see port())
    uint64_t max_body_bytes = 16ULL << 20;
    size_t max_connections = 16'384;
    // Both set: HTTPS (TLS 1.2 or later) with this PEM certificate chain and private key.
    std::string tls_cert_file;
    std::string tls_key_file;
    // A request's header and body must arrive within this long of its first byte; a client
    // that trickles it (slowloris) is answered 408 and disconnected.
    int64_t request_timeout_ms = 60'000;
    // A response the client does not take within this long is abandoned with its connection,
    // so a client that never reads holds neither a thread nor the response for longer.
    int64_t write_timeout_ms = 60'000;
    // Connections one client address may hold at once; with max_connections, past it new
    // connections are answered 503 (plain HTTP; over TLS they are closed).
    size_t max_connections_per_client = 256;
    // An open connection waiting for its next request is closed after this long.
    int64_t idle_timeout_ms = 60'000;
    // Requests handled at once (threads of the handler pool); more wait their turn.
    size_t max_concurrent_requests = 256;
    // Request bodies being received or handled and responses being sent, in bytes: a request
    // whose declared body does not fit is answered 503 (Retry-After) instead of being read.
    uint64_t max_bytes_in_flight = 1ULL << 30;
    size_t io_threads = 0;  // 0: one per core, at most 4
    // Set (with TLS): clients' certificates are verified against these PEM roots; with
    // require_client_cert, a client without one is refused in the handshake.
    std::string tls_client_ca_file{};
    bool require_client_cert = false;
    // "" or "/path" (no trailing slash): every route is served under it (--web.route-prefix),
    // and handlers see the path without it; other paths get 404.
    std::string path_prefix{};
  };
  static Result<std::unique_ptr<HttpServer>> Start(const Settings& settings, HttpHandler handler);
  ~HttpServer();

  uint16_t port() const { return port_; }
  // Stops accepting, lets requests in progress finish (up to `grace_ms`), closes idle connections.
  void Stop(int grace_ms = 10'000);

  size_t open_connections() const;
  uint64_t bytes_in_flight() const;
  // Requests read and waiting for a handler thread (Settings::max_concurrent_requests).
  size_t queued_requests() const;

  // The server's state and one connection's, opaque outside http_server.cc.
  struct Impl;
  class Connection;

 private:
  HttpServer() = default;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_HTTP_SERVER_H_
