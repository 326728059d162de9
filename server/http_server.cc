#include "server/http_server.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>

#include "server/handler_pool.h"
#include "util/memory_budget.h"

namespace tidemark::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace {

// A handler thread waits this long for another request before it ends (see HandlerPool).
constexpr int kHandlerThreadIdleMs = 30'000;
constexpr size_t kHeaderLimit = 64 * 1024;
// Connections over a limit are answered 503 by short-lived sessions; past this many at once the
// rest are closed unanswered, so that a flood of refusals costs little.
constexpr size_t kMaxRefusals = 256;
// How long a refusal waits for the client's request before answering it, and how long it then
// waits for the client to close: answering a request the client has not finished sending, or
// closing with its bytes unread, would show the client a reset instead of the answer.
constexpr int kRefusalReadMs = 100;
// A request refused before its body was read (413, 503) has the rest of its body read and
// discarded, up to this many bytes and while the client keeps sending within kDrainIdleMs.
constexpr uint64_t kMaxDrainBytes = 256ULL << 20;
constexpr int kDrainIdleMs = 2'000;
constexpr int kTlsShutdownMs = 1'000;

// A streamed body between the handler thread that produces it and the connection's I/O thread
// that sends it: chunks wait here, at most kStreamWindowBytes of them, and the producer waits for
// room. Either side can end it: the producer by finishing, the connection by failing (a write
// error, the write timeout, the server stopping), which makes the producer's writes return false.
class StreamedBody final : public BodyWriter {
 public:
  enum class Next { kChunk, kEnd, kWait, kFailed };

  // `wake` is called (with the lock held, so it must only post) when a chunk or the end arrives
  // while the connection waits for one.
  explicit StreamedBody(std::function<void()> wake) : wake_(std::move(wake)) {}

  bool Write(std::string_view data) override {
    std::unique_lock lock(mu_);
    room_.wait(lock, [&] { return failed_ || queued_ < kStreamWindowBytes; });
    if (failed_) return false;
    if (data.empty()) return true;
    chunks_.emplace_back(data);
    queued_ += data.size();
    WakeLocked();
    return true;
  }

  void Finish() {
    std::lock_guard lock(mu_);
    finished_ = true;
    WakeLocked();
  }

  // The connection's side: the next chunk to send, the end, or nothing yet (it is woken).
  Next Take(std::string* chunk) {
    std::lock_guard lock(mu_);
    if (failed_) return Next::kFailed;
    if (!chunks_.empty()) {
      *chunk = std::move(chunks_.front());
      chunks_.pop_front();
      return Next::kChunk;
    }
    if (finished_) return Next::kEnd;
    waiting_ = true;
    return Next::kWait;
  }

  void Sent(size_t bytes) {
    std::lock_guard lock(mu_);
    queued_ -= std::min(queued_, bytes);
    room_.notify_all();
  }

  // Either side may fail the body; a connection waiting for a chunk is woken to close.
  void Fail() {
    std::lock_guard lock(mu_);
    failed_ = true;
    room_.notify_all();
    WakeLocked();
  }

 private:
  void WakeLocked() {
    if (!waiting_) return;
    waiting_ = false;
    wake_();
  }

  const std::function<void()> wake_;
  std::mutex mu_;
  std::condition_variable room_;
  std::deque<std::string> chunks_;  // guarded by mu_, as the rest
  size_t queued_ = 0;               // bytes in chunks_ and the one being written
  bool finished_ = false;
  bool failed_ = false;
  bool waiting_ = false;  // the connection waits for a chunk or the end
};

}  // namespace

// One accepted connection, as the server's bookkeeping sees it.
class HttpServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void Start() = 0;
  // Safe from any thread: ends the connection's waits by shutting its socket down; with
  // `idle_only`, only while it waits for a request (a request in progress gets its answer).
  virtual void Shutdown(bool idle_only) = 0;
};

struct HttpServer::Impl {
  Settings settings;
  HttpHandler handler;
  asio::io_context io;
  // Keeps the I/O threads running while no operation is pending (after the acceptor closed,
  // connections still post their shutdowns and answers) until Stop has seen every one gone.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{io.get_executor()};
  std::unique_ptr<tcp::acceptor> acceptor;  // on its own strand
  std::unique_ptr<asio::steady_timer> accept_retry;
  std::vector<std::thread> io_threads;
  std::unique_ptr<asio::ssl::context> tls;  // set when serving HTTPS
  std::unique_ptr<HandlerPool> pool;
  std::atomic<bool> stopping{false};
  // Request bodies being received or handled plus responses being sent, in bytes.
  std::unique_ptr<util::MemoryBudget> bytes_in_flight;

  std::mutex mu;
  std::condition_variable done_cv;
  size_t connections = 0;                    // guarded by mu: served, not yet closed
  size_t refusals = 0;                       // guarded by mu: being answered 503
  std::map<std::string, size_t> per_client;  // guarded by mu: served connections by address
  std::set<Connection*> open;                // guarded by mu: every live connection

  void Accept();
  void OnAccept(const ErrorCode& ec, tcp::socket socket);
  // Whether `bytes` more fit in the in-flight budget; counts them when they do.
  bool Reserve(uint64_t bytes) { return bytes_in_flight->TryReserve(bytes); }
  void Unreserve(uint64_t bytes) { bytes_in_flight->Release(bytes); }
};

namespace {

// The request/response loop of one connection over a plain socket or a TLS stream. Every wait is
// bounded by the session's one timer: the idle timeout before a request's first byte, the request
// deadline from there to its last byte, the write timeout for the answer. On expiry the socket's
// operations are cancelled, which lets the session still answer 408 before closing.
template <typename Stream>
class Session final : public HttpServer::Connection {
 public:
  // `refuse`: the connection is over a limit; it is answered 503 and closed.
  Session(HttpServer::Impl& server, tcp::socket socket, std::string client, bool refuse)
      : server_(server),
        stream_(MakeStream(std::move(socket), server.tls.get())),
        client_(std::move(client)),
        refuse_(refuse),
        timer_(stream_.get_executor()) {}

  ~Session() override {
    server_.Unreserve(reserved_);
    std::lock_guard lock(server_.mu);
    server_.open.erase(this);
    if (refuse_) {
      --server_.refusals;
    } else {
      --server_.connections;
      auto it = server_.per_client.find(client_);
      if (it != server_.per_client.end() && --it->second == 0) server_.per_client.erase(it);
    }
    server_.done_cv.notify_all();
  }

  void Start() override {
    asio::dispatch(stream_.get_executor(), [self = Self()] {
      if constexpr (std::is_same_v<Stream, tcp::socket>) {
        self->Begin();
      } else {
        const int ms =
            self->refuse_ ? 1'000 : static_cast<int>(self->server_.settings.request_timeout_ms);
        self->Arm(ms);
        self->stream_.async_handshake(asio::ssl::stream_base::server, [self](const ErrorCode& ec) {
          self->Disarm();
          if (ec) return self->Close(false);
          self->Begin();
        });
      }
    });
  }

  void Shutdown(bool idle_only) override {
    asio::post(stream_.get_executor(), [self = Self(), idle_only] {
      if (idle_only && !self->idle_) return;
      ErrorCode ec;
      self->socket().shutdown(tcp::socket::shutdown_both, ec);
      self->socket().cancel(ec);
    });
  }

 private:
  static Stream MakeStream(tcp::socket socket, asio::ssl::context* tls) {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      return socket;
    } else {
      return Stream(std::move(socket), *tls);
    }
  }
  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  tcp::socket& socket() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      return stream_;
    } else {
      return stream_.next_layer();
    }
  }
  const HttpServer::Settings& settings() const { return server_.settings; }

  // Starts the timer; when it fires before Disarm, the socket's operations are cancelled and
  // timed_out_ says why they ended.
  void Arm(int64_t ms) {
    const uint64_t generation = ++timer_generation_;
    timed_out_ = false;
    timer_.expires_after(std::chrono::milliseconds(ms));
    timer_.async_wait([self = Self(), generation](const ErrorCode& ec) {
      if (ec || generation != self->timer_generation_) return;
      self->timed_out_ = true;
      ErrorCode ignored;
      self->socket().cancel(ignored);
    });
  }
  void Disarm() {
    ++timer_generation_;
    timer_.cancel();
  }

  void Begin() {
    if (refuse_) return ReadForRefusal();
    ReadRequest();
  }

  // Waits for the next request. Over plain HTTP an idle connection holds no buffer and waits
  // for readability under the idle timeout; the request deadline starts at its first byte. A TLS
  // stream may already hold the next request's bytes (read along with the handshake or the last
  // request), so readability of the socket says nothing: the request deadline runs from here.
  void ReadRequest() {
    if (server_.stopping) return Close(true);
    parser_.emplace();
    parser_->body_limit(settings().max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    started_ = buffer_.size() > 0;
    if (std::is_same_v<Stream, tcp::socket> && !started_) {
      idle_ = true;
      Arm(settings().idle_timeout_ms);
      socket().async_wait(tcp::socket::wait_read, [self = Self()](const ErrorCode& ec) {
        self->idle_ = false;
        if (ec) return self->Close(false);  // idle timeout, or the server stopping
        self->started_ = true;
        self->Arm(self->settings().request_timeout_ms);
        self->ReadHeader();
      });
      return;
    }
    idle_ = !started_;
    Arm(settings().request_timeout_ms);
    ReadHeader();
  }

  void ReadHeader() {
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = Self()](const ErrorCode& ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(const ErrorCode& ec) {
    idle_ = false;
    if (ec) return OnReadError(ec, "request");
    const std::optional<uint64_t> length = DeclaredLength();
    const uint64_t body = length ? *length : parser_->chunked() ? settings().max_body_bytes : 0;
    if (body > 0 && !server_.Reserve(body)) {
      return Refuse(503,
                    "request bodies in flight are over the server's limit of " +
                        std::to_string(settings().max_bytes_in_flight) + " bytes; retry\n",
                    length.value_or(0));
    }
    reserved_ += body;
    const auto& header = parser_->get();
    if (auto it = header.find(http::field::expect);
        it != header.end() && beast::iequals(it->value(), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = Self()](const ErrorCode& ec, size_t) {
                          if (ec) return self->Close(false);
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  // The body length the request declares, read from the field itself: after a body_limit
  // failure the parser does not count its header as done.
  std::optional<uint64_t> DeclaredLength() const {
    const auto& header = parser_->get();
    auto it = header.find(http::field::content_length);
    if (it == header.end()) return std::nullopt;
    const std::string_view v(it->value().data(), it->value().size());
    uint64_t n = 0;
    if (std::from_chars(v.data(), v.data() + v.size(), n).ec != std::errc()) return std::nullopt;
    return n;
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](const ErrorCode& ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(const ErrorCode& ec) {
    if (ec) return OnReadError(ec, "request body");
    Disarm();
    Dispatch();
  }

  // A request that cannot be read: its status if the request is at fault (or was too slow),
  // then close; a connection closed or reset by the client just closes.
  void OnReadError(const ErrorCode& ec, const std::string& what) {
    if (timed_out_) {
      if (!started_ && buffer_.size() == 0 && !parser_->got_some()) return Close(true);
      return Refuse(408,
                    what + " not received within " +
                        std::to_string(settings().request_timeout_ms / 1000) + " s\n",
                    0);
    }
    if (ec == http::error::body_limit) {
      const std::optional<uint64_t> length = DeclaredLength();
      return Refuse(413,
                    "request body over the limit of " + std::to_string(settings().max_body_bytes) +
                        " bytes\n",
                    length.value_or(0));
    }
    if (ec == http::error::header_limit) {
      return Refuse(431,
                    "request header fields too large: the request line and headers are limited "
                    "to 64 KiB\n",
                    0);
    }
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message &&
        ec != http::error::need_more && ec != http::error::need_buffer) {
      return Refuse(400, "malformed " + what + ": " + ec.message() + "\n", 0);
    }
    Close(false);
  }

  void Dispatch() {
    auto& req = parser_->get();
    auto request = std::make_shared<HttpRequest>();
    request->method = std::string(req.method_string());
    request->target = std::string(req.target());
    const size_t q = request->target.find('?');
    request->path = request->target.substr(0, q);
    request->query = q == std::string::npos ? "" : request->target.substr(q + 1);
    // Behind a path prefix every route is under it, and handlers see paths without it; the
    // prefix itself and "/" lead to the prefix's root, as Prometheus redirects.
    std::shared_ptr<HttpResponse> outside;
    if (const std::string& prefix = settings().path_prefix; !prefix.empty()) {
      if (request->path.starts_with(prefix + "/")) {
        request->path.erase(0, prefix.size());
        request->target.erase(0, prefix.size());
      } else if (request->path == prefix || request->path == "/") {
        outside = std::make_shared<HttpResponse>();
        outside->status = 302;
        outside->headers.push_back({"Location", prefix + "/"});
      } else {
        outside = std::make_shared<HttpResponse>();
        outside->status = 404;
        outside->body = "not found: " + request->path + " is outside the route prefix " + prefix +
                        " (web.route_prefix)\n";
      }
    }
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
      request->headers[name] = std::string(f.value());
    }
    request->body = std::move(req.body());
    request->socket_fd = socket().native_handle();
    keep_alive_ = req.keep_alive();
    parser_.reset();
    server_.pool->Submit(client_, [self = Self(), request, outside] {
      HttpResponse response;
      try {
        response = outside ? *outside : self->server_.handler(*request);
      } catch (const std::exception& e) {
        response.status = 500;
        response.body = std::string("internal error: ") + e.what() + "\n";
      }
      request->body.clear();
      request->body.shrink_to_fit();
      if (response.stream) {
        // The body is produced here, on this handler thread, while the connection sends it.
        auto produce = std::move(response.stream);
        std::weak_ptr<Session> weak = self;
        auto body = std::make_shared<StreamedBody>([weak] {
          if (auto session = weak.lock()) {
            asio::post(session->stream_.get_executor(), [session] { session->WriteNextChunk(); });
          }
        });
        auto shared = std::make_shared<HttpResponse>(std::move(response));
        asio::post(self->stream_.get_executor(),
                   [self, shared, body] { self->RespondStreamed(*shared, body); });
        try {
          produce(*body);
        } catch (const std::exception&) {
          body->Fail();  // the status is sent already: the client sees a truncated body
        }
        body->Finish();
        return;
      }
      auto shared = std::make_shared<HttpResponse>(std::move(response));
      asio::post(self->stream_.get_executor(), [self, shared] { self->Respond(*shared); });
    });
  }

  void Respond(HttpResponse& response) {
    // The request body is gone; the response takes its place in the in-flight count (counted
    // even past the budget: it is built already, and the write timeout bounds how long it stays).
    server_.Unreserve(reserved_);
    reserved_ = response.body.size();
    server_.bytes_in_flight->ForceReserve(reserved_);
    response_ = http::response<http::string_body>(static_cast<http::status>(response.status), 11);
    response_.set(http::field::server, "tidemark");
    response_.set(http::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) response_.set(k, v);
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive_ && !server_.stopping);
    response_.prepare_payload();
    Arm(settings().write_timeout_ms);
    http::async_write(stream_, response_, [self = Self()](const ErrorCode& ec, size_t) {
      self->Disarm();
      self->server_.Unreserve(self->reserved_);
      self->reserved_ = 0;
      const bool keep_alive = self->response_.keep_alive();
      self->response_ = {};
      if (ec) return self->Close(false);
      if (!keep_alive) return self->Close(true);
      if (self->buffer_.size() == 0) self->buffer_.shrink_to_fit();
      self->ReadRequest();
    });
  }

  // Sends a streamed response: the header now, then each chunk its producer writes, then the
  // last chunk. The write timeout runs from the header to the end, as for a whole response.
  void RespondStreamed(HttpResponse& response, std::shared_ptr<StreamedBody> body) {
    server_.Unreserve(reserved_);
    reserved_ = kStreamWindowBytes;
    server_.bytes_in_flight->ForceReserve(reserved_);
    streamed_ = std::move(body);
    stream_header_ = {};
    stream_header_.result(static_cast<http::status>(response.status));
    stream_header_.version(11);
    stream_header_.set(http::field::server, "tidemark");
    stream_header_.set(http::field::content_type, response.content_type);
    for (const auto& [k, v] : response.headers) stream_header_.set(k, v);
    stream_header_.keep_alive(keep_alive_ && !server_.stopping);
    stream_header_.chunked(true);
    stream_serializer_.emplace(stream_header_);
    Arm(settings().write_timeout_ms);
    http::async_write_header(stream_, *stream_serializer_,
                             [self = Self()](const ErrorCode& ec, size_t) {
                               if (ec) return self->StreamFailed();
                               self->stream_started_ = true;
                               self->WriteNextChunk();
                             });
  }

  void WriteNextChunk() {
    if (!streamed_ || !stream_started_ || writing_chunk_) return;
    if (timed_out_) return StreamFailed();  // the deadline passed while the producer worked
    switch (streamed_->Take(&chunk_)) {
      case StreamedBody::Next::kWait:
        return;
      case StreamedBody::Next::kFailed:
        return StreamFailed();
      case StreamedBody::Next::kChunk:
        writing_chunk_ = true;
        asio::async_write(stream_, http::make_chunk(asio::buffer(chunk_)),
                          [self = Self()](const ErrorCode& ec, size_t) {
                            self->writing_chunk_ = false;
                            if (ec || self->timed_out_) return self->StreamFailed();
                            self->streamed_->Sent(self->chunk_.size());
                            self->chunk_.clear();
                            self->WriteNextChunk();
                          });
        return;
      case StreamedBody::Next::kEnd:
        writing_chunk_ = true;
        asio::async_write(stream_, http::make_chunk_last(),
                          [self = Self()](const ErrorCode& ec, size_t) {
                            self->writing_chunk_ = false;
                            self->Disarm();
                            if (ec) return self->StreamFailed();
                            const bool keep_alive = self->stream_header_.keep_alive();
                            self->EndStream();
                            if (!keep_alive) return self->Close(true);
                            if (self->buffer_.size() == 0) self->buffer_.shrink_to_fit();
                            self->ReadRequest();
                          });
        return;
    }
  }

  // The connection failed or timed out mid-body: the producer stops, the connection closes.
  void StreamFailed() {
    if (streamed_) streamed_->Fail();
    EndStream();
    Close(false);
  }

  void EndStream() {
    stream_started_ = false;
    streamed_.reset();
    stream_serializer_.reset();
    stream_header_ = {};
    chunk_ = std::string();
    server_.Unreserve(reserved_);
    reserved_ = 0;
  }

  // Answers `status` and closes; the rest of a body the client is still sending (`declared`
  // bytes in all, some perhaps read already) is read and discarded first, bounded in bytes and
  // time, so that the client sees the answer rather than a reset.
  void Refuse(int status, std::string why, uint64_t declared) {
    drain_left_ = std::min(declared, kMaxDrainBytes);
    if (parser_) drain_left_ -= std::min(drain_left_, buffer_.size());
    buffer_.consume(buffer_.size());
    response_ = http::response<http::string_body>(static_cast<http::status>(status), 11);
    answered_refusal_ = true;
    response_.set(http::field::server, "tidemark");
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
    if (status == 503) response_.set(http::field::retry_after, "1");
    response_.body() = std::move(why);
    response_.keep_alive(false);
    response_.prepare_payload();
    Arm(settings().write_timeout_ms);
    http::async_write(stream_, response_, [self = Self()](const ErrorCode& ec, size_t) {
      self->Disarm();
      if (ec) return self->Close(false);
      self->Drain();
    });
  }

  void Drain() {
    if (drain_left_ == 0) return Close(true);
    if (sink_ == nullptr) sink_ = std::make_unique<char[]>(kSinkBytes);
    Arm(kDrainIdleMs);
    stream_.async_read_some(asio::buffer(sink_.get(), std::min<uint64_t>(kSinkBytes, drain_left_)),
                            [self = Self()](const ErrorCode& ec, size_t n) {
                              self->Disarm();
                              if (ec) return self->Close(false);
                              self->drain_left_ -= std::min<uint64_t>(n, self->drain_left_);
                              self->Drain();
                            });
  }

  // A connection over a limit: reads what the client sends first (briefly), answers 503.
  void ReadForRefusal() {
    Arm(kRefusalReadMs);
    buffer_.reserve(4096);
    stream_.async_read_some(buffer_.prepare(4096), [self = Self()](const ErrorCode&, size_t) {
      self->Disarm();
      self->Refuse(503, "too many connections (from this client or in all); retry\n", 0);
    });
  }

  // Closes the connection. `graceful`: nothing went wrong, so a TLS stream says close_notify
  // (waiting at most kTlsShutdownMs for the client's), and a refusal waits briefly for the client
  // to close first.
  void Close(bool graceful) {
    ErrorCode ec;
    if constexpr (!std::is_same_v<Stream, tcp::socket>) {
      if (graceful && !closing_) {
        closing_ = true;
        Arm(kTlsShutdownMs);
        stream_.async_shutdown([self = Self()](const ErrorCode&) {
          self->Disarm();
          self->Close(false);
        });
        return;
      }
    } else if (graceful && (refuse_ || answered_refusal_) && !closing_) {
      closing_ = true;
      socket().shutdown(tcp::socket::shutdown_send, ec);
      Arm(kRefusalReadMs);
      buffer_.reserve(4096);
      stream_.async_read_some(buffer_.prepare(4096), [self = Self()](const ErrorCode&, size_t) {
        self->Disarm();
        self->Close(false);
      });
      return;
    }
    Disarm();
    socket().shutdown(tcp::socket::shutdown_both, ec);
    socket().close(ec);
  }

  static constexpr size_t kSinkBytes = 16 * 1024;

  HttpServer::Impl& server_;
  Stream stream_;
  const std::string client_;
  const bool refuse_;
  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  bool timed_out_ = false;
  bool idle_ = false;     // waiting for a request's first byte
  bool started_ = false;  // the current request's first byte arrived
  bool keep_alive_ = false;
  bool closing_ = false;
  bool answered_refusal_ = false;  // the answer refused a request the client may still be sending
  uint64_t reserved_ = 0;          // this connection's bytes in the server's in-flight count
  uint64_t drain_left_ = 0;
  std::unique_ptr<char[]> sink_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  // A streamed response (HttpResponse::stream) being sent: its header, the body's chunks, and
  // the chunk being written.
  std::shared_ptr<StreamedBody> streamed_;
  http::response<http::empty_body> stream_header_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  std::string chunk_;
  bool stream_started_ = false;  // the header is sent: chunks may follow
  bool writing_chunk_ = false;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor->async_accept(asio::make_strand(io), [this](const ErrorCode& ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccept(const ErrorCode& ec, tcp::socket socket) {
  if (stopping || !acceptor->is_open()) return;
  if (ec) {
    // Out of file descriptors, usually: try again shortly rather than spin.
    accept_retry->expires_after(std::chrono::milliseconds(5));
    accept_retry->async_wait([this](const ErrorCode& wait_ec) {
      if (!wait_ec) Accept();
    });
    return;
  }
  std::string client = "?";
  {
    ErrorCode remote_ec;
    const auto remote = socket.remote_endpoint(remote_ec);
    if (!remote_ec) client = remote.address().to_string();
  }
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mu);
    const bool refuse = connections >= settings.max_connections ||
                        per_client[client] >= settings.max_connections_per_client;
    if (refuse && refusals >= kMaxRefusals) {
      if (per_client[client] == 0) per_client.erase(client);
      ErrorCode close_ec;
      socket.close(close_ec);
      return Accept();
    }
    if (refuse) {
      if (per_client[client] == 0) per_client.erase(client);
      ++refusals;
    } else {
      ++connections;
      ++per_client[client];
    }
    if (tls) {
      connection = std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(
          *this, std::move(socket), client, refuse);
    } else {
      connection = std::make_shared<Session<tcp::socket>>(*this, std::move(socket), client, refuse);
    }
    open.insert(connection.get());
  }
  connection->Start();
  Accept();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const Settings& settings,
                                                      HttpHandler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->impl_ = std::make_unique<Impl>();
  Impl& impl = *server->impl_;
  impl.settings = settings;
  impl.handler = std::move(handler);
  impl.bytes_in_flight = std::make_unique<util::MemoryBudget>(settings.max_bytes_in_flight);
  if (!settings.tls_cert_file.empty() || !settings.tls_key_file.empty()) {
    impl.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ErrorCode ec;
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
    if (!settings.tls_client_ca_file.empty()) {
      impl.tls->load_verify_file(settings.tls_client_ca_file, ec);
      if (ec) {
        return Status::InvalidArgument("TLS client CA " + settings.tls_client_ca_file + ": " +
                                       ec.message());
      }
      impl.tls->set_verify_mode(
          asio::ssl::verify_peer |
              (settings.require_client_cert ? asio::ssl::verify_fail_if_no_peer_cert
                                            : asio::ssl::verify_none),
          ec);
    }
  }
  try {
    const auto address =
        asio::ip::make_address(settings.host == "localhost" ? "127.0.0.1" : settings.host);
    auto strand = asio::make_strand(impl.io);
    impl.acceptor = std::make_unique<tcp::acceptor>(strand);
    impl.accept_retry = std::make_unique<asio::steady_timer>(strand);
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
  impl.pool = std::make_unique<HandlerPool>(settings.max_concurrent_requests, kHandlerThreadIdleMs);
  asio::dispatch(impl.acceptor->get_executor(), [&impl] { impl.Accept(); });
  size_t io_threads = settings.io_threads;
  if (io_threads == 0) io_threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  for (size_t i = 0; i < io_threads; ++i) {
    impl.io_threads.emplace_back([&impl] { impl.io.run(); });
  }
  return server;
}

HttpServer::~HttpServer() { Stop(0); }

uint64_t HttpServer::bytes_in_flight() const {
  return impl_ && impl_->bytes_in_flight ? impl_->bytes_in_flight->used() : 0;
}

size_t HttpServer::queued_requests() const {
  return impl_ && impl_->pool ? impl_->pool->queued() : 0;
}

size_t HttpServer::open_connections() const {
  if (!impl_) return 0;
  std::lock_guard lock(impl_->mu);
  return impl_->connections;
}

void HttpServer::Stop(int grace_ms) {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  Impl& impl = *impl_;
  if (impl.io_threads.empty()) return;  // Start failed before serving
  // Stop accepting, on the acceptor's strand, and wait until it is done.
  {
    std::promise<void> closed;
    asio::post(impl.acceptor->get_executor(), [&] {
      ErrorCode ec;
      impl.acceptor->close(ec);
      impl.accept_retry->cancel();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  // Called with mu held, which a connection's destructor takes: the references taken here are
  // dropped with the lock released, or the last of them would deadlock in that destructor.
  auto shutdown_all = [&](std::unique_lock<std::mutex>& lock, bool idle_only) {
    std::vector<std::shared_ptr<Connection>> live;
    for (Connection* c : impl.open) {
      if (auto connection = c->weak_from_this().lock()) live.push_back(std::move(connection));
    }
    lock.unlock();
    for (auto& connection : live) connection->Shutdown(idle_only);
    live.clear();
    lock.lock();
  };
  std::unique_lock lock(impl.mu);
  // Idle keep-alive connections close now; requests in progress get their answers (with
  // `Connection: close`) within the grace period.
  shutdown_all(lock, true);
  impl.done_cv.wait_for(lock, std::chrono::milliseconds(grace_ms),
                        [&] { return impl.connections == 0 && impl.refusals == 0; });
  // Then every connection is cut. A handler still running keeps its connection's object until
  // it returns; all must be gone before the server is destroyed.
  shutdown_all(lock, false);
  impl.done_cv.wait(lock, [&] { return impl.connections == 0 && impl.refusals == 0; });
  lock.unlock();
  impl.pool.reset();
  impl.keep_running.reset();
  impl.io.stop();
  for (std::thread& t : impl.io_threads) t.join();
}

}  // namespace tidemark::server
