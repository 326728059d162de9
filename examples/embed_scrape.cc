// Scraping from an embedding program: open an engine, give a Scraper one target, wait for its
// first scrape, read what was stored with PromQL, then stop (which ends every scraped series).
//   embed_scrape /tmp/tidemark-scrape-example                  # scrapes a page it serves itself
//   embed_scrape /tmp/tidemark-scrape-example 127.0.0.1:9100   # scrapes a running exporter
// The program serves no API of its own: the page it serves without a target argument is a
// stand-in for an application's /metrics, so that the example needs nothing else running.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "tidemark/engine.h"
#include "tidemark/promql.h"
#include "tidemark/scrape.h"

namespace {

constexpr char kPage[] =
    "# HELP example_requests_total Requests handled.\n"
    "# TYPE example_requests_total counter\n"
    "example_requests_total{path=\"/\"} 42\n"
    "example_requests_total{path=\"/login\"} 7\n"
    "# TYPE example_temperature_celsius gauge\n"
    "example_temperature_celsius 21.5\n";

// A minimal HTTP/1.0 server on 127.0.0.1 (a free port) answering every request with kPage.
class StaticPage {
 public:
  bool Start() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return false;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
    return true;
  }
  ~StaticPage() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    while (!stop_) {
      // Polls so that the destructor is seen within 100 ms.
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      // Reads the request head (a scraper's is small), then answers and closes.
      std::string request;
      char buf[4096];
      pollfd c{conn, POLLIN, 0};
      while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536 &&
             ::poll(&c, 1, 2000) > 0) {
        const ssize_t n = ::read(conn, buf, sizeof(buf));
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      const std::string response =
          "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
          "Content-Length: " +
          std::to_string(sizeof(kPage) - 1) + "\r\nConnection: close\r\n\r\n" + kPage;
      size_t sent = 0;
      while (sent < response.size()) {
        const ssize_t n =
            ::send(conn, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      ::close(conn);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Prints every series of `query` evaluated now.
bool PrintQuery(tidemark::Engine& engine, const char* query) {
  auto result = tidemark::EvaluateInstant(engine, query, NowMs());
  if (!result.ok()) {
    std::fprintf(stderr, "query %s: %s\n", query, result.status().ToString().c_str());
    return false;
  }
  std::printf("%s: %zu series\n", query, result->series.size());
  for (const auto& s : result->series) {
    std::printf("  %s %g\n", s.labels.ToString().c_str(), s.points[0].value);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR [HOST:PORT or URL]\n", argv[0]);
    return 2;
  }
  auto engine = tidemark::Engine::Open(tidemark::Options(), argv[1]);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 1;
  }

  StaticPage page;
  std::string target;
  if (argc == 3) {
    target = argv[2];
  } else {
    if (!page.Start()) {
      std::fprintf(stderr, "serving the example page: %s\n", std::strerror(errno));
      return 1;
    }
    target = "127.0.0.1:" + std::to_string(page.port());
  }

  auto scraper = tidemark::Scraper::Create(engine->get(), tidemark::ScraperOptions());
  if (!scraper.ok()) {
    std::fprintf(stderr, "scraper: %s\n", scraper.status().ToString().c_str());
    return 1;
  }
  tidemark::ScrapeJob job;
  job.name = "example";
  job.interval_ms = 1'000;
  job.timeout_ms = 1'000;
  job.targets.push_back({target, {{"env", "example"}}});
  if (tidemark::Status s = (*scraper)->SetJob(job); !s.ok()) {
    std::fprintf(stderr, "SetJob: %s\n", s.ToString().c_str());
    return 1;
  }

  // The first scrape comes within one interval (at an offset fixed by a hash of the target).
  bool scraped = false;
  for (int i = 0; i < 300 && !scraped; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (const tidemark::ScrapeTargetStatus& t : (*scraper)->Targets()) {
      scraped = scraped || t.last_scrape_ms != 0;
    }
  }
  for (const tidemark::ScrapeTargetStatus& t : (*scraper)->Targets()) {
    std::printf("target %s job=%s health=%s samples=%llu error=\"%s\"\n", t.url.c_str(),
                t.job.c_str(), std::string(tidemark::ScrapeHealthName(t.health)).c_str(),
                static_cast<unsigned long long>(t.last_samples), t.last_error.c_str());
  }
  if (!scraped) {
    std::fprintf(stderr, "no scrape within 30 s\n");
    return 1;
  }
  if (!PrintQuery(**engine, "up") || !PrintQuery(**engine, "{__name__=~\"example_.*\"}")) {
    return 1;
  }

  // Stop writes stale markers: the series end now instead of lingering for the lookback period.
  (*scraper)->Stop();
  if (!PrintQuery(**engine, "up")) return 1;
  return 0;
}
