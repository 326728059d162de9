#include "server/http_server.h"

#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <type_traits>

namespace tidemark::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr int kIdleTimeoutMs = 60'000;
// A connection's thread waits this long for the next accepted connection before it ends. Reusing
// threads matters beyond the cost of creating them: the allocator binds each new thread to an
// arena, and a query on a fresh thread touched about 17 MB of new pages (4,400 page faults for a
// 46 ms dashboard query; docs/benchmarks.md).
constexpr int kWorkerIdleMs = 30'000;

struct HttpServer::Impl {
  Settings settings;
  HttpHandler handler;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread accept_thread;
  std::mutex mu;
  std::condition_variable done_cv;
  std::set<tcp::socket*> idle;  // guarded by mu: connections waiting for a request
  std::set<tcp::socket*> open;  // guarded by mu: every connection
  size_t connections = 0;       // guarded by mu: accepted and not yet closed (pending included)
  // guarded by mu: accepted, waiting for a thread, with the client's address
  std::deque<std::pair<tcp::socket, std::string>> pending;
  size_t workers = 0;               // guarded by mu: threads serving or waiting for connections
  size_t idle_workers = 0;          // guarded by mu: of those, waiting in WorkerLoop
  std::condition_variable work_cv;  // a connection is pending, or the server stops
  std::atomic<bool> stopping{false};
  std::unique_ptr<asio::ssl::context> tls;   // set when serving HTTPS
  std::map<std::string, size_t> per_client;  // guarded by mu: open connections by address
  // Connections over a limit, answered 503 one after another by the refuser thread: a refusal
  // reads what the client sends first (briefly), so that the client reads the answer rather
  // than a reset. Bounded; past it they are closed unanswered.
  std::deque<tcp::socket> refused;  // guarded by mu
  std::condition_variable refuse_cv;
  std::thread refuse_thread;
  static constexpr size_t kMaxRefusalsQueued = 64;

  void AcceptLoop();
  void RefuseLoop();
  // Frees a connection's place (in `connections` and its address' count). Under mu.
  void Release(const std::string& client);
  // A connection thread: serves pending connections one after another, ends after kWorkerIdleMs
  // without one or when the server stops.
  void WorkerLoop();
  void Serve(tcp::socket socket, std::string client);
  // The request loop over a plain socket or a TLS stream on it.
  template <typename Stream>
  void ServeStream(Stream& stream, tcp::socket& socket);
};

namespace {

HttpResponse Simple(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool WouldBlock(const boost::system::error_code& ec) {
  return ec == asio::error::would_block || ec == asio::error::try_again;
}

// Whether a read failed for want of data in time, as opposed to a closed or broken connection.
bool TimedOut(const boost::system::error_code& ec) {
  return WouldBlock(ec) || ec == asio::error::timed_out;
}

// Waits until `fd` is ready for `events` or `deadline` passes; false when it passed.
bool WaitReady(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd, events, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// Writes a response. Over plain HTTP the socket is non-blocking and every wait for room is
// bounded by `deadline`: a client that stops reading loses the connection then, rather than
// holding the thread and the response. (Over TLS the write blocks: the asynchronous server of
// issue 14 bounds it.)
template <typename Stream>
void WriteResponse(Stream& stream, int fd, http::response<http::string_body>& res,
                   std::chrono::steady_clock::time_point deadline, boost::system::error_code& ec) {
  if constexpr (!std::is_same_v<Stream, tcp::socket>) {
    http::write(stream, res, ec);
  } else {
    http::response_serializer<http::string_body> sr{res};
    while (!sr.is_done()) {
      http::write_some(stream, sr, ec);
      if (WouldBlock(ec)) {
        ec = {};
        if (!WaitReady(fd, POLLOUT, deadline)) {
          ec = asio::error::timed_out;
          return;
        }
        continue;
      }
      if (ec) return;
    }
  }
}

// The status a request the parser refused gets: 431 past the header limit, 400 otherwise; 0
// when the error is the connection's (closed, reset, timed out) rather than the request's.
int StatusForParseError(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec.category() != http::make_error_code(http::error::bad_method).category()) return 0;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == http::error::need_more || ec == http::error::need_buffer ||
      ec == http::error::body_limit) {
    return 0;
  }
  return 400;
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const Settings& settings,
                                                      HttpHandler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->impl_ = std::make_unique<Impl>();
  Impl& impl = *server->impl_;
  impl.settings = settings;
  impl.handler = std::move(handler);
  if (!settings.tls_cert_file.empty() || !settings.tls_key_file.empty()) {
    impl.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    impl.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                              asio::ssl::context::no_tlsv1_1,
                          ec);
    impl.tls->use_certificate_chain_file(settings.tls_cert_file, ec);
    if (ec) {
      return Status::InvalidArgument("TLS certificate " + settings.tls_cert_file + ": " +
                                     ec.message());
    }
    impl.tls->use_private_key_file(settings.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument("TLS key " + settings.tls_key_file + ": " + ec.message());
    }
  }
  try {
    const auto address =
        asio::ip::make_address(settings.host == "localhost" ? "127.0.0.1" : settings.host);
    impl.acceptor = std::make_unique<tcp::acceptor>(impl.io);
    const tcp::endpoint endpoint(address, settings.port);
    impl.acceptor->open(endpoint.protocol());
    impl.acceptor->set_option(asio::socket_base::reuse_address(true));
    impl.acceptor->bind(endpoint);
    impl.acceptor->listen(asio::socket_base::max_listen_connections);
    server->port_ = impl.acceptor->local_endpoint().port();
  } catch (const std::exception& e) {
    return Status::Unavailable("listen on " + settings.host + ":" + std::to_string(settings.port) +
                               ": " + e.what());
  }
  impl.accept_thread = std::thread([&impl] { impl.AcceptLoop(); });
  impl.refuse_thread = std::thread([&impl] { impl.RefuseLoop(); });
  return server;
}

HttpServer::~HttpServer() { Stop(0); }

void HttpServer::Impl::AcceptLoop() {
  while (!stopping) {
    boost::system::error_code ec;
    tcp::socket socket(io);
    acceptor->accept(socket, ec);
    if (ec) {
      if (stopping) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // e.g. out of file descriptors
      continue;
    }
    bool spawn = false;
    std::string client = "?";
    {
      const auto remote = socket.remote_endpoint(ec);
      if (!ec) client = remote.address().to_string();
    }
    {
      std::lock_guard lock(mu);
      if (connections >= settings.max_connections ||
          per_client[client] >= settings.max_connections_per_client) {
        if (tls == nullptr && refused.size() < kMaxRefusalsQueued) {
          refused.push_back(std::move(socket));
          refuse_cv.notify_one();
        } else {
          socket.close(ec);
        }
        continue;
      }
      ++connections;
      ++per_client[client];
      pending.emplace_back(std::move(socket), std::move(client));
      // A waiting thread for every pending connection, or one more thread.
      if (idle_workers >= pending.size()) {
        work_cv.notify_one();
      } else {
        ++workers;
        spawn = true;
      }
    }
    if (spawn) std::thread([this] { WorkerLoop(); }).detach();
  }
}

void HttpServer::Impl::RefuseLoop() {
  std::unique_lock lock(mu);
  while (true) {
    refuse_cv.wait(lock, [&] { return stopping || !refused.empty(); });
    if (stopping) break;
    tcp::socket socket = std::move(refused.front());
    refused.pop_front();
    lock.unlock();
    // Take what the client sent (its request, usually all there already), answer, close.
    boost::system::error_code ec;
    pollfd pfd{socket.native_handle(), POLLIN, 0};
    char sink[16 * 1024];
    if (::poll(&pfd, 1, 100) > 0) socket.read_some(asio::buffer(sink), ec);
    static constexpr std::string_view kAnswer =
        "HTTP/1.1 503 Service Unavailable\r\nServer: tidemark\r\nRetry-After: 1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 59\r\n\r\n"
        "too many connections (from this client or in all); retry\n";
    // A few hundred bytes: the socket's send buffer takes them at once.
    asio::write(socket, asio::buffer(kAnswer), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    if (::poll(&pfd, 1, 100) > 0) socket.read_some(asio::buffer(sink), ec);
    socket.close(ec);
    lock.lock();
  }
  boost::system::error_code ec;
  for (tcp::socket& s : refused) s.close(ec);
  refused.clear();
}

void HttpServer::Impl::Release(const std::string& client) {
  --connections;
  auto it = per_client.find(client);
  if (it != per_client.end() && --it->second == 0) per_client.erase(it);
}

void HttpServer::Impl::WorkerLoop() {
  std::unique_lock lock(mu);
  while (true) {
    ++idle_workers;
    const bool woken = work_cv.wait_for(lock, std::chrono::milliseconds(kWorkerIdleMs),
                                        [&] { return stopping || !pending.empty(); });
    --idle_workers;
    if (!woken || stopping) break;
    auto [socket, client] = std::move(pending.front());
    pending.pop_front();
    lock.unlock();
    Serve(std::move(socket), std::move(client));
    lock.lock();
  }
  --workers;
  done_cv.notify_all();
}

void HttpServer::Impl::Serve(tcp::socket socket, std::string client) {
  {
    std::lock_guard lock(mu);
    open.insert(&socket);
  }
  boost::system::error_code ec;
  // Plain HTTP bounds every wait with poll (ServeStream). A TLS connection's reads and writes
  // block: socket timeouts do not help, since Asio's synchronous operations wait out
  // EAGAIN with an unbounded poll of their own. The asynchronous server of issue 14 bounds them.
  if (tls) {
    asio::ssl::stream<tcp::socket&> stream(socket, *tls);
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (!ec) {
      ServeStream(stream, socket);
      stream.shutdown(ec);
    }
  } else {
    ServeStream(socket, socket);
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  std::lock_guard lock(mu);
  open.erase(&socket);
  Release(client);
  done_cv.notify_all();
}

template <typename Stream>
void HttpServer::Impl::ServeStream(Stream& stream, tcp::socket& socket) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
  // Plain HTTP reads and writes without blocking, each wait bounded by a deadline (poll). A TLS
  // stream blocks: its records must not be cut by a would-block in the middle (see Serve).
  if constexpr (std::is_same_v<Stream, tcp::socket>) socket.non_blocking(true, ec);
  auto WriteDeadline = [&] {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(settings.write_timeout_ms);
  };
  while (!stopping) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(settings.max_body_bytes);
    parser.header_limit(64 * 1024);
    {
      std::lock_guard lock(mu);
      idle.insert(&socket);
    }
    // An idle keep-alive connection is closed after a minute instead of holding its thread.
    // Over TLS the socket's readiness says nothing (the stream may already hold the next request's
    // bytes, read during the handshake), so this applies to plain HTTP only (see Serve).
    if (buffer.size() == 0 && std::is_same_v<Stream, tcp::socket>) {
      pollfd pfd{socket.native_handle(), POLLIN, 0};
      if (::poll(&pfd, 1, kIdleTimeoutMs) <= 0) {
        std::lock_guard lock(mu);
        idle.erase(&socket);
        break;
      }
    }
    // The header, then the body, piece by piece, each read bounded by what is left of the
    // request's deadline (from its first byte), so that trickling bytes cannot hold the thread.
    std::chrono::steady_clock::time_point deadline;
    bool started = false;
    auto start = [&] {
      if (started) return;
      started = true;
      deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(settings.request_timeout_ms);
    };
    if (buffer.size() > 0 || std::is_same_v<Stream, tcp::socket>) start();  // bytes are there
    auto read_until = [&](auto done) {
      while (!done()) {
        const size_t n = http::read_some(stream, buffer, parser, ec);
        if (n > 0) start();
        if (WouldBlock(ec)) {
          // Plain HTTP: nothing to read yet; wait for it, at most until the deadline.
          ec = {};
          const auto until = started ? deadline
                                     : std::chrono::steady_clock::now() +
                                           std::chrono::milliseconds(kIdleTimeoutMs);
          if (!WaitReady(socket.native_handle(), POLLIN, until)) {
            ec = asio::error::timed_out;
            return;
          }
          continue;
        }
        if (ec) return;
        if (started && std::chrono::steady_clock::now() >= deadline && !done()) {
          ec = asio::error::timed_out;
          return;
        }
      }
    };
    read_until([&] { return parser.is_header_done(); });
    {
      std::lock_guard lock(mu);
      idle.erase(&socket);
    }
    // A request that cannot be read: its status, if it is the request's fault, then close.
    if (ec && ec != http::error::body_limit) {
      int status = StatusForParseError(ec);
      if (status == 0 && TimedOut(ec) && started) status = 408;
      if (status == 0) break;
      const std::string why =
          status == 431   ? "request header fields too large: the request line and headers are "
                            "limited to 64 KiB\n"
          : status == 408 ? "request not received within " +
                                std::to_string(settings.request_timeout_ms / 1000) + " s\n"
                          : "malformed request: " + ec.message() + "\n";
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.set(http::field::server, "tidemark");
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = why;
      res.keep_alive(false);
      res.prepare_payload();
      WriteResponse(stream, socket.native_handle(), res, WriteDeadline(), ec);
      break;
    }
    HttpResponse response;
    bool close = false;
    // The declared length, read from the field itself: after a body_limit failure the parser does
    // not count its header as done.
    std::optional<uint64_t> declared;
    if (auto it = parser.get().find(http::field::content_length); it != parser.get().end()) {
      const std::string_view v(it->value().data(), it->value().size());
      uint64_t n = 0;
      if (std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc()) declared = n;
    }
    if (!ec) read_until([&] { return parser.is_done(); });
    if (ec && ec != http::error::body_limit) {
      int status = StatusForParseError(ec);
      if (status == 0 && TimedOut(ec)) status = 408;
      if (status == 0) break;
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.set(http::field::server, "tidemark");
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = status == 408 ? "request body not received within " +
                                       std::to_string(settings.request_timeout_ms / 1000) + " s\n"
                                 : "malformed request body: " + ec.message() + "\n";
      res.keep_alive(false);
      res.prepare_payload();
      WriteResponse(stream, socket.native_handle(), res, WriteDeadline(), ec);
      break;
    }
    if (ec == http::error::body_limit) {
      response = Simple(413, "request body over the limit of " +
                                 std::to_string(settings.max_body_bytes) + " bytes\n");
      close = true;
      // Read and discard what the client is still sending (bounded in bytes and time), so that it
      // gets to read the 413 instead of a reset connection.
      uint64_t left = declared ? *declared : 0;
      left = std::min<uint64_t>(left, 256ULL << 20);
      left -= std::min<uint64_t>(left, buffer.size());  // already read along with the header
      char sink[64 * 1024];
      while (left > 0) {
        pollfd pfd{socket.native_handle(), POLLIN, 0};
        if (::poll(&pfd, 1, 2000) <= 0) break;  // the client stopped sending
        boost::system::error_code rec;
        const size_t n =
            stream.read_some(asio::buffer(sink, std::min<uint64_t>(sizeof sink, left)), rec);
        if (rec || n == 0) break;
        left -= n;
      }
    } else if (ec) {
      break;
    } else {
      const auto& req = parser.get();
      HttpRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      const size_t q = r.target.find('?');
      r.path = r.target.substr(0, q);
      r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
      }
      r.body = req.body();
      r.socket_fd = socket.native_handle();
      close = !req.keep_alive();
      try {
        response = handler(r);
      } catch (const std::exception& e) {
        response = Simple(500, std::string("internal error: ") + e.what() + "\n");
      }
    }
    http::response<http::string_body> res{static_cast<http::status>(response.status), 11};
    res.set(http::field::server, "tidemark");
    res.set(http::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) res.set(k, v);
    res.body() = std::move(response.body);
    res.keep_alive(!close && !stopping);
    res.prepare_payload();
    WriteResponse(stream, socket.native_handle(), res, WriteDeadline(), ec);
    if (ec || close) break;
  }
}

void HttpServer::Stop(int grace_ms) {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  Impl& impl = *impl_;
  boost::system::error_code ec;
  // Unblock accept(): shut the listening socket down, then join. Start may have failed before
  // the acceptor existed or was open (a bad address, a bad certificate); the destructor still
  // comes here.
  if (impl.acceptor != nullptr && impl.acceptor->is_open()) {
    ::shutdown(impl.acceptor->native_handle(), SHUT_RDWR);
    impl.acceptor->close(ec);
  }
  if (impl.accept_thread.joinable()) impl.accept_thread.join();
  std::unique_lock lock(impl.mu);
  // Connections no thread has taken yet are closed unanswered, as a full listen queue would be.
  for (auto& [s, client] : impl.pending) {
    s.close(ec);
    impl.Release(client);
  }
  impl.pending.clear();
  impl.work_cv.notify_all();
  impl.refuse_cv.notify_all();
  // Idle keep-alive connections are closed now; busy ones finish their request first.
  for (tcp::socket* s : impl.idle) s->shutdown(tcp::socket::shutdown_both, ec);
  impl.done_cv.wait_for(lock, std::chrono::milliseconds(grace_ms), [&] {
    for (tcp::socket* s : impl.idle) s->shutdown(tcp::socket::shutdown_both, ec);
    return impl.connections == 0;
  });
  // Past the grace period every connection is cut; their threads end at once and must be gone
  // before the server is destroyed.
  for (tcp::socket* s : impl.open) s->shutdown(tcp::socket::shutdown_both, ec);
  // Threads outlive their connections (they wait for the next one): all must be gone before the
  // server is destroyed.
  impl.done_cv.wait(lock, [&] { return impl.connections == 0 && impl.workers == 0; });
  lock.unlock();
  if (impl.refuse_thread.joinable()) impl.refuse_thread.join();
}

}  // namespace tidemark::server
