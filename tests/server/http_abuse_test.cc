// The HTTP listeners against clients that misbehave (issue 14): malformed requests get the
// status that says what was wrong, slow senders a 408 within the request deadline, connections
// past the limits a 503, and a client that never reads its response loses its connection after
// the write timeout. Raw sockets on loopback; every wait is bounded.
#include <gtest/gtest.h>
#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
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
  explicit Raw(uint16_t port) : socket_(io_) {
    boost::system::error_code ec;
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

}  // namespace
}  // namespace tidemark::server
