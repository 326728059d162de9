// The HTTP listeners against clients that misbehave (issue 14): malformed requests get the
// status that says what was wrong, slow senders a 408 within the request deadline, connections
// past the limits a 503, and a client that never reads its response loses its connection after
// the write timeout. Raw sockets on loopback; every wait is bounded.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"

namespace tidemark::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A raw client connection.
class Raw {
 public:
  // Connects from `source` (any 127.x.y.z address is this machine's, so tests can be several
  // clients).
  explicit Raw(uint16_t port, const std::string& source = "") : socket_(io_) {
    boost::system::error_code ec;
    if (!source.empty()) {
      socket_.open(tcp::v4(), ec);
      socket_.bind(tcp::endpoint(asio::ip::make_address(source), 0), ec);
      if (ec) return;
    }
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    connected_ = !ec;
  }
  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
  }
  // What the server sends until it closes the connection or `wait` passes.
  std::string ReadAll(std::chrono::milliseconds wait) {
    std::string out;
    const auto deadline = Clock::now() + wait;
    char buf[16 * 1024];
    while (Clock::now() < deadline) {
      pollfd pfd{socket_.native_handle(), POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (::poll(&pfd, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) break;
      boost::system::error_code ec;
      const size_t n = socket_.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec) break;
    }
    return out;
  }
  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  bool connected_ = false;
};

std::unique_ptr<HttpServer> StartServer(HttpServer::Settings settings, HttpHandler handler = {}) {
  settings.host = "127.0.0.1";
  if (!handler) {
    handler = [](const HttpRequest&) {
      HttpResponse r;
      r.body = "ok\n";
      return r;
    };
  }
  auto server = HttpServer::Start(settings, handler);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

// A well-behaved request on a new connection, answered within 5 s.
std::string Get(uint16_t port) {
  Raw c(port);
  c.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  return c.ReadAll(std::chrono::seconds(5));
}

TEST(HttpAbuse, MalformedRequestsGetTheStatusThatSaysWhy) {
  HttpServer::Settings settings;
  settings.max_body_bytes = 1 << 20;
  auto server = StartServer(settings);
  ASSERT_NE(server, nullptr);
  const std::string big(70 * 1024, 'a');
  const std::pair<std::string, std::string> cases[] = {
      {"GARBAGE\r\n\r\n", "HTTP/1.1 400"},
      {"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n", "HTTP/1.1 431"},
      {"GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 431"},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
       "HTTP/1.1 400"},
      {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n", "HTTP/1.1 413"},
      {"GET / HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 400"},
  };
  for (const auto& [request, status] : cases) {
    Raw c(server->port());
    ASSERT_TRUE(c.connected());
    c.Send(request);
    const std::string response = c.ReadAll(std::chrono::seconds(5));
    EXPECT_TRUE(response.starts_with(status)) << request.substr(0, 80) << " -> " << response;
  }
  // The server still answers well-formed requests.
  EXPECT_TRUE(Get(server->port()).starts_with("HTTP/1.1 200")) << "after the malformed ones";
  server->Stop(1'000);
}

TEST(HttpAbuse, SlowSendersGet408WithinTheRequestDeadline) {
  HttpServer::Settings settings;
  settings.request_timeout_ms = 1'000;
  auto server = StartServer(settings);
  ASSERT_NE(server, nullptr);
  // Slowloris: the header one byte every 100 ms, for ever (here: until answered, at most 5 s).
  {
    Raw c(server->port());
    const std::string header = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'z');
    const auto started = Clock::now();
    std::string response;
    for (size_t i = 0; i < header.size() && Clock::now() - started < std::chrono::seconds(5); ++i) {
      if (!c.Send(header.substr(i, 1))) break;
      response += c.ReadAll(std::chrono::milliseconds(100));
      if (!response.empty()) break;
    }
    response += c.ReadAll(std::chrono::seconds(1));
    EXPECT_TRUE(response.starts_with("HTTP/1.1 408")) << response;
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(4));
  }
  // A whole header, then a body that never comes.
  {
    Raw c(server->port());
    c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this");
    const std::string response = c.ReadAll(std::chrono::seconds(5));
    EXPECT_TRUE(response.starts_with("HTTP/1.1 408")) << response;
    EXPECT_NE(response.find("body not received within 1 s"), std::string::npos) << response;
  }
  // An idle connection that sent nothing is not a slow request: no 408 after a second.
  {
    Raw idle(server->port());
    EXPECT_EQ(idle.ReadAll(std::chrono::milliseconds(1'500)), "");
  }
  EXPECT_TRUE(Get(server->port()).starts_with("HTTP/1.1 200"));
  server->Stop(1'000);
}

TEST(HttpAbuse, ConnectionsPastTheLimitsAreAnswered503) {
  HttpServer::Settings settings;
  settings.max_connections = 4;
  auto server = StartServer(settings);
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<Raw>> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(std::make_unique<Raw>(server->port()));
  // The server counts a connection once it accepted it: until then a fifth may still get in.
  std::string refused;
  for (int i = 0; i < 50 && !refused.starts_with("HTTP/1.1 503"); ++i) {
    refused = Get(server->port());
    if (!refused.starts_with("HTTP/1.1 503"))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503")) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  // Closed, their places are free again.
  for (auto& c : idle) c->Close();
  std::string answered;
  for (int i = 0; i < 100 && !answered.starts_with("HTTP/1.1 200"); ++i) {
    answered = Get(server->port());
    if (!answered.starts_with("HTTP/1.1 200"))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(answered.starts_with("HTTP/1.1 200")) << answered;
  server->Stop(1'000);

  // One client address may hold only its share.
  settings.max_connections = 100;
  settings.max_connections_per_client = 2;
  server = StartServer(settings);
  ASSERT_NE(server, nullptr);
  Raw a(server->port()), b(server->port());
  refused.clear();
  for (int i = 0; i < 50 && !refused.starts_with("HTTP/1.1 503"); ++i) {
    refused = Get(server->port());
    if (!refused.starts_with("HTTP/1.1 503"))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503")) << refused;
  server->Stop(1'000);
}

TEST(HttpAbuse, AClientThatNeverReadsLosesItsConnectionAfterTheWriteTimeout) {
  HttpServer::Settings settings;
  settings.max_connections = 1;
  settings.write_timeout_ms = 500;
  // 64 MB: far more than the socket buffers hold, so the write blocks on the client.
  auto server = StartServer(settings, [](const HttpRequest&) {
    HttpResponse r;
    r.body.assign(64 << 20, 'x');
    return r;
  });
  ASSERT_NE(server, nullptr);
  Raw reader_that_never_reads(server->port());
  reader_that_never_reads.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  // While it holds the only connection, others are refused; after the write timeout its place is
  // free and another client is served (reading the whole body).
  std::string answered;
  const auto started = Clock::now();
  while (Clock::now() - started < std::chrono::seconds(10) &&
         !answered.starts_with("HTTP/1.1 200")) {
    Raw c(server->port());
    c.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    answered = c.ReadAll(std::chrono::seconds(5));
    if (!answered.starts_with("HTTP/1.1 200"))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(answered.starts_with("HTTP/1.1 200")) << answered.substr(0, 200);
  EXPECT_GE(answered.size(), size_t{64 << 20});
  server->Stop(1'000);
}

// The body of a chunked response (header and chunk sizes removed); "" when it is not one.
std::string Dechunk(const std::string& response) {
  size_t at = response.find("\r\n\r\n");
  if (at == std::string::npos || response.find("Transfer-Encoding: chunked") > at) return "";
  at += 4;
  std::string body;
  while (at < response.size()) {
    const size_t line_end = response.find("\r\n", at);
    if (line_end == std::string::npos) return "";
    const size_t size = std::stoul(response.substr(at, line_end - at), nullptr, 16);
    if (size == 0) return body;
    body += response.substr(line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  return "";
}

TEST(HttpStream, StreamedBodiesArriveWholeAndTheConnectionServesTheNextRequest) {
  // 20 MB in 4,000 writes of 5,000 bytes.
  auto server = StartServer({}, [](const HttpRequest& request) {
    HttpResponse r;
    r.content_type = "application/octet-stream";
    if (request.path == "/small") {
      r.body = "small\n";
      return r;
    }
    r.stream = [](BodyWriter& writer) {
      std::string piece(5'000, ' ');
      for (int i = 0; i < 4'000; ++i) {
        for (size_t k = 0; k < piece.size(); ++k) piece[k] = static_cast<char>('a' + (i + k) % 26);
        if (!writer.Write(piece)) return;
      }
    };
    return r;
  });
  ASSERT_NE(server, nullptr);
  Raw c(server->port());
  // Two requests on one connection: the streamed answer, then the next request's.
  c.Send(
      "GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\nConnection: "
      "close\r\n\r\n");
  const std::string both = c.ReadAll(std::chrono::seconds(20));
  const size_t second = both.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos) << both.substr(0, 300);
  const std::string body = Dechunk(both.substr(0, second));
  ASSERT_EQ(body.size(), 20'000'000u) << both.substr(0, 300);
  for (int i = 0; i < 4'000; i += 997) {
    for (size_t k = 0; k < 5'000; k += 611) {
      ASSERT_EQ(body[i * 5'000 + k], static_cast<char>('a' + (i + k) % 26)) << i << " " << k;
    }
  }
  EXPECT_TRUE(both.substr(second).ends_with("small\n")) << both.substr(second);
  server->Stop(1'000);
}

TEST(HttpStream, AProducerWaitsForAClientThatDoesNotReadAndStopsWhenItIsCut) {
  HttpServer::Settings settings;
  settings.write_timeout_ms = 1'000;
  std::atomic<uint64_t> produced{0};
  std::atomic<int> ended{0};  // 1: a write was refused; 2: everything was written
  auto server = StartServer(settings, [&](const HttpRequest&) {
    HttpResponse r;
    r.stream = [&](BodyWriter& writer) {
      const std::string piece(64 * 1024, 'x');
      for (int i = 0; i < 16 * 1024; ++i) {  // 1 GiB if nothing held it back
        if (!writer.Write(piece)) {
          ended = 1;
          return;
        }
        produced += piece.size();
      }
      ended = 2;
    };
    return r;
  });
  ASSERT_NE(server, nullptr);
  Raw never_reads(server->port());
  never_reads.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  // Held back by the window and the sockets' buffers (a few MB on loopback), not 1 GiB.
  EXPECT_LT(produced.load(), uint64_t{64} << 20);
  EXPECT_EQ(ended.load(), 0);
  // Past the write timeout the connection is cut, and the producer's next write says so.
  const auto started = Clock::now();
  while (ended.load() == 0 && Clock::now() - started < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(ended.load(), 1);
  EXPECT_LT(produced.load(), uint64_t{64} << 20);
  server->Stop(1'000);
  EXPECT_EQ(server->bytes_in_flight(), 0u);
}

// A gate the test opens: handlers wait at it, bounded in time.
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(20), [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(HttpAbuse, AFloodFromOneAddressWaitsBehindItselfNotBeforeOthers) {
  HttpServer::Settings settings;
  // One handler thread: handlers then start in the order the pool hands requests out. With two,
  // one thread could start two flood requests while the other had taken /other but not yet
  // recorded it.
  settings.max_concurrent_requests = 1;
  Gate gate;
  std::mutex order_mu;
  std::vector<std::string> order;  // the paths handled, in the order handlers started
  auto server = StartServer(settings, [&](const HttpRequest& r) {
    {
      std::lock_guard lock(order_mu);
      order.push_back(r.path);
    }
    if (r.path == "/flood") gate.Wait();
    HttpResponse response;
    response.body = "ok\n";
    return response;
  });
  ASSERT_NE(server, nullptr);
  auto handled = [&] {
    std::lock_guard lock(order_mu);
    return order.size();
  };
  // Twenty slow requests from one address take the handler thread and queue the rest.
  std::vector<std::unique_ptr<Raw>> flood;
  for (int i = 0; i < 20; ++i) {
    flood.push_back(std::make_unique<Raw>(server->port(), "127.0.0.2"));
    ASSERT_TRUE(flood.back()->connected());
    flood.back()->Send("GET /flood HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  }
  for (int i = 0; i < 200 && handled() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(handled(), 1u);
  // The rest are read and queued (waited for, not slept for: a busy machine reads slowly).
  auto wait_queued = [&](size_t n) {
    for (int i = 0; i < 1'000 && server->queued_requests() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server->queued_requests();
  };
  ASSERT_EQ(wait_queued(19), 19u);
  // Another address' request is next in turn but one, ahead of the flood's other eighteen.
  Raw other(server->port(), "127.0.0.3");
  ASSERT_TRUE(other.connected());
  other.Send("GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(wait_queued(20), 20u);
  gate.Open();
  EXPECT_TRUE(other.ReadAll(std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
  for (auto& c : flood) {
    EXPECT_TRUE(c->ReadAll(std::chrono::seconds(5)).starts_with("HTTP/1.1 200"));
  }
  std::lock_guard lock(order_mu);
  ASSERT_EQ(order.size(), 21u);
  const size_t position = std::find(order.begin(), order.end(), "/other") - order.begin();
  // The flood's first request was running; its second was queued before /other arrived.
  EXPECT_EQ(position, 2u) << "the other client's request waited behind the flood";
  server->Stop(1'000);
}

TEST(HttpAbuse, RequestBodiesPastTheBytesInFlightBudgetAre503) {
  HttpServer::Settings settings;
  settings.max_bytes_in_flight = 1 << 20;
  settings.max_body_bytes = 1 << 20;
  Gate gate;
  std::atomic<int> holding{0};
  auto server = StartServer(settings, [&](const HttpRequest& r) {
    if (r.path == "/hold") {
      ++holding;
      gate.Wait();
    }
    HttpResponse response;
    response.body = "got " + std::to_string(r.body.size()) + "\n";
    return response;
  });
  ASSERT_NE(server, nullptr);
  const std::string body(600 * 1024, 'b');
  auto post = [&](const std::string& path) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  Raw held(server->port());
  held.Send(post("/hold"));
  for (int i = 0; i < 200 && holding == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(holding, 1);
  EXPECT_GE(server->bytes_in_flight(), body.size());
  // A second body does not fit beside the first: 503 with Retry-After, read to its end.
  Raw refused(server->port());
  refused.Send(post("/"));
  const std::string answer = refused.ReadAll(std::chrono::seconds(5));
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503")) << answer.substr(0, 200);
  EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos) << answer.substr(0, 200);
  EXPECT_NE(answer.find("over the server's limit of 1048576 bytes"), std::string::npos) << answer;
  // A request without a body still gets through, and the second body once the first is done.
  EXPECT_TRUE(Get(server->port()).starts_with("HTTP/1.1 200"));
  gate.Open();
  EXPECT_NE(held.ReadAll(std::chrono::seconds(5)).find("got 614400"), std::string::npos);
  Raw again(server->port());
  again.Send(post("/"));
  EXPECT_NE(again.ReadAll(std::chrono::seconds(5)).find("got 614400"), std::string::npos);
  EXPECT_EQ(server->bytes_in_flight(), 0u);
  server->Stop(1'000);
}

TEST(HttpAbuse, ExpectContinueIsAnsweredBeforeTheBody) {
  auto server = StartServer(HttpServer::Settings{}, [](const HttpRequest& r) {
    HttpResponse response;
    response.body = "got " + r.body + "\n";
    return response;
  });
  ASSERT_NE(server, nullptr);
  Raw c(server->port());
  c.Send("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(c.ReadAll(std::chrono::milliseconds(500)), "HTTP/1.1 100 Continue\r\n\r\n");
  c.Send("hello");
  const std::string answer = c.ReadAll(std::chrono::milliseconds(500));
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_NE(answer.find("got hello"), std::string::npos) << answer;
  server->Stop(1'000);
}

// Idle connections cost no thread: thousands stay open while other clients are served, and all
// close at the idle timeout. (The figure at 10,000 against the server binary, with its memory, is
// in docs/benchmarks.md, from scripts/bench-abuse.py.)
TEST(HttpAbuse, ThousandsOfIdleConnectionsHoldNoThreadsAndLeaveAtTheIdleTimeout) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  // Both ends of every connection are in this process.
  const size_t count = std::min<size_t>(3'000, (limit.rlim_cur - 200) / 2);
  HttpServer::Settings settings;
  settings.idle_timeout_ms = 3'000;
  settings.max_connections_per_client = 100;
  settings.max_connections = count + 100;
  auto server = StartServer(settings);
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<Raw>> idle;
  for (size_t i = 0; i < count; ++i) {
    // Up to 100 connections from each of 127.0.1.1, 127.0.1.2, ...
    const std::string source = "127.0.1." + std::to_string(1 + i / 100);
    idle.push_back(std::make_unique<Raw>(server->port(), source));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  for (int i = 0; i < 200 && server->open_connections() < count; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server->open_connections(), count);
  // Threads: the I/O threads and a handler, not one per connection.
  auto threads = [] {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry :
         std::filesystem::directory_iterator("/proc/self/task"))
      ++n;
    return n;
  };
  EXPECT_LT(threads(), 64u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(Get(server->port()).starts_with("HTTP/1.1 200")) << i;
  }
  // The idle ones are closed at the idle timeout.
  const auto started = Clock::now();
  while (server->open_connections() > 0 && Clock::now() - started < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(server->open_connections(), 0u);
  EXPECT_EQ(idle.front()->ReadAll(std::chrono::milliseconds(100)), "");
  server->Stop(1'000);
}

// A TLS connection to the server, handshake done (the test's certificate is not verified).
struct TlsClient {
  explicit TlsClient(uint16_t port) {
    ctx.set_verify_mode(asio::ssl::verify_none);
    stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream.handshake(asio::ssl::stream_base::client);
  }
  asio::io_context io;
  asio::ssl::context ctx{asio::ssl::context::tls_client};
  asio::ssl::stream<tcp::socket> stream{io, ctx};
};

TEST(HttpAbuse, TlsSlowSendersAndSilentHandshakesAreCutAtTheDeadline) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("tidemark-abuse-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string make_cert =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
      " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0) << "openssl could not make a certificate";
  HttpServer::Settings settings;
  settings.tls_cert_file = cert;
  settings.tls_key_file = key;
  settings.request_timeout_ms = 1'000;
  auto server = StartServer(settings);
  ASSERT_NE(server, nullptr);
  // A connection that never starts its handshake is closed at the deadline.
  {
    Raw silent(server->port());
    const auto started = Clock::now();
    silent.ReadAll(std::chrono::seconds(5));
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(3));
  }
  // A TLS client that trickles its header gets 408 at the deadline.
  {
    TlsClient client(server->port());
    auto& stream = client.stream;
    const auto started = Clock::now();
    boost::system::error_code ec;
    const std::string header = "GET / HTTP/1.1\r\nHost: x\r\n";
    pollfd pfd{stream.next_layer().native_handle(), POLLIN, 0};
    for (char c : header) {
      asio::write(stream, asio::buffer(&c, 1), ec);
      if (ec || ::poll(&pfd, 1, 100) > 0) break;  // the server answered
    }
    std::string response;
    char buf[4096];
    ec = {};
    while (!ec && ::poll(&pfd, 1, 3'000) > 0) {
      const size_t n = stream.read_some(asio::buffer(buf), ec);
      response.append(buf, n);
    }
    EXPECT_TRUE(response.starts_with("HTTP/1.1 408")) << response;
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(4));
  }
  // Well-behaved TLS requests are served.
  {
    TlsClient client(server->port());
    auto& stream = client.stream;
    asio::write(stream, asio::buffer(std::string_view("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    char buf[4096];
    pollfd pfd{stream.next_layer().native_handle(), POLLIN, 0};
    ASSERT_GT(::poll(&pfd, 1, 5'000), 0);
    const size_t n = stream.read_some(asio::buffer(buf));
    EXPECT_TRUE(std::string_view(buf, n).starts_with("HTTP/1.1 200"));
  }
  server->Stop(1'000);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tidemark::server
