#include "server/http_server.h"

#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <deque>
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
  std::set<tcp::socket*> idle;      // guarded by mu: connections waiting for a request
  std::set<tcp::socket*> open;      // guarded by mu: every connection
  size_t connections = 0;           // guarded by mu: accepted and not yet closed (pending included)
  std::deque<tcp::socket> pending;  // guarded by mu: accepted, waiting for a thread
  size_t workers = 0;               // guarded by mu: threads serving or waiting for connections
  size_t idle_workers = 0;          // guarded by mu: of those, waiting in WorkerLoop
  std::condition_variable work_cv;  // a connection is pending, or the server stops
  std::atomic<bool> stopping{false};
  std::unique_ptr<asio::ssl::context> tls;  // set when serving HTTPS

  void AcceptLoop();
  // A connection thread: serves pending connections one after another, ends after kWorkerIdleMs
  // without one or when the server stops.
  void WorkerLoop();
  void Serve(tcp::socket socket);
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
    {
      std::lock_guard lock(mu);
      if (connections >= settings.max_connections) {
        socket.close(ec);
        continue;
      }
      ++connections;
      pending.push_back(std::move(socket));
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

void HttpServer::Impl::WorkerLoop() {
  std::unique_lock lock(mu);
  while (true) {
    ++idle_workers;
    const bool woken = work_cv.wait_for(lock, std::chrono::milliseconds(kWorkerIdleMs),
                                        [&] { return stopping || !pending.empty(); });
    --idle_workers;
    if (!woken || stopping) break;
    tcp::socket socket = std::move(pending.front());
    pending.pop_front();
    lock.unlock();
    Serve(std::move(socket));
    lock.lock();
  }
  --workers;
  done_cv.notify_all();
}

void HttpServer::Impl::Serve(tcp::socket socket) {
  {
    std::lock_guard lock(mu);
    open.insert(&socket);
  }
  boost::system::error_code ec;
  // A client that stops sending (in a TLS handshake, a header or a body) gives up its thread
  // after the idle timeout instead of holding it forever.
  timeval timeout{kIdleTimeoutMs / 1000, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
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
  --connections;
  done_cv.notify_all();
}

template <typename Stream>
void HttpServer::Impl::ServeStream(Stream& stream, tcp::socket& socket) {
  beast::flat_buffer buffer;
  boost::system::error_code ec;
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
    // bytes, read during the handshake): the receive timeout set in Serve ends idle reads there.
    if (buffer.size() == 0 && std::is_same_v<Stream, tcp::socket>) {
      pollfd pfd{socket.native_handle(), POLLIN, 0};
      if (::poll(&pfd, 1, kIdleTimeoutMs) <= 0) {
        std::lock_guard lock(mu);
        idle.erase(&socket);
        break;
      }
    }
    http::read_header(stream, buffer, parser, ec);
    {
      std::lock_guard lock(mu);
      idle.erase(&socket);
    }
    // A declared Content-Length over the limit fails here already, with body_limit.
    if (ec && ec != http::error::body_limit) break;
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
    if (!ec) http::read(stream, buffer, parser, ec);
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
    http::write(stream, res, ec);
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
  for (tcp::socket& s : impl.pending) {
    s.close(ec);
    --impl.connections;
  }
  impl.pending.clear();
  impl.work_cv.notify_all();
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
}

}  // namespace tidemark::server
