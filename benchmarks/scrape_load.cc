// Scraping end to end (issue 12): N local targets of S series each, scraped every interval by
// tidemark's scrape manager into an engine, measuring the CPU the scraping process uses (fetching,
// parsing, relabeling, appending and storing) and whether every scrape ran on time.
//
// The targets are one page server in a child process (so its CPU is not counted) listening on
// every loopback address; target i is 127.0.<i/250>.<i%250+2>:PORT, so each target is its own
// address as real targets are. The page is node-exporter-like (counters, gauges, a classic
// histogram) and its counters move every second.
//   build/benchmarks/tidemark_scrape_bench --targets 1000 --series 1000 --interval 15 --intervals 4
// Figures and the machine: docs/benchmarks.md.
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "server/config_scrape.h"
#include "server/scrape_manager.h"
#include "tidemark/engine.h"

namespace tidemark::bench {
namespace {

// The page of `series` sample lines, in the shapes node_exporter writes.
std::string RenderPage(int series, int64_t tick) {
  std::string out;
  out.reserve(static_cast<size_t>(series) * 90);
  int n = 0;
  auto line = [&](const std::string& text) {
    out += text;
    ++n;
  };
  for (int cpu = 0; n < series; ++cpu) {
    if (cpu == 0)
      out +=
          "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
          "# TYPE node_cpu_seconds_total counter\n";
    for (const char* mode :
         {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"}) {
      if (n >= series / 2) break;
      line("node_cpu_seconds_total{cpu=\"" + std::to_string(cpu) + "\",mode=\"" + mode + "\"} " +
           std::to_string(1000 + cpu * 7 + tick) + ".25\n");
    }
    if (n >= series / 2) break;
  }
  out +=
      "# HELP node_network_receive_bytes_total Network device statistic receive_bytes.\n"
      "# TYPE node_network_receive_bytes_total counter\n";
  for (int dev = 0; n < series * 3 / 4; ++dev) {
    line("node_network_receive_bytes_total{device=\"eth" + std::to_string(dev) + "\"} " +
         std::to_string(123456789 + dev * 1000 + tick * 4096) + "\n");
  }
  out +=
      "# HELP http_request_duration_seconds Request latency.\n"
      "# TYPE http_request_duration_seconds histogram\n";
  static const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                              "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  for (int handler = 0; n < series; ++handler) {
    const std::string h = "/api/v1/h" + std::to_string(handler);
    for (int b = 0; b < 12 && n < series; ++b) {
      line("http_request_duration_seconds_bucket{handler=\"" + h + "\",le=\"" + kLe[b] + "\"} " +
           std::to_string(b * 10 + tick) + "\n");
    }
  }
  return out;
}

// Serves the page to every connection (HTTP/1.1 keep-alive), a thread per connection, until
// killed. Runs in the child process.
[[noreturn]] void ServePages(int listener, int series) {
  std::mutex mu;
  std::string page = RenderPage(series, 0);
  std::thread([&] {
    for (int64_t tick = 1;; ++tick) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      std::string next = RenderPage(series, tick);
      std::lock_guard lock(mu);
      page.swap(next);
    }
  }).detach();
  while (true) {
    const int c = ::accept(listener, nullptr, nullptr);
    if (c < 0) continue;
    std::thread([c, &mu, &page] {
      std::string buffer;
      char chunk[8192];
      while (true) {
        const size_t end = buffer.find("\r\n\r\n");
        if (end == std::string::npos) {
          const ssize_t got = ::recv(c, chunk, sizeof chunk, 0);
          if (got <= 0) break;
          buffer.append(chunk, static_cast<size_t>(got));
          continue;
        }
        buffer.erase(0, end + 4);
        std::string body;
        {
          std::lock_guard lock(mu);
          body = page;
        }
        std::string response =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        size_t sent = 0;
        while (sent < response.size()) {
          const ssize_t n = ::send(c, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
          if (n <= 0) break;
          sent += static_cast<size_t>(n);
        }
        if (sent < response.size()) break;
      }
      ::close(c);
    }).detach();
  }
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double RssMiB() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024;
}

std::map<std::string, double> PoolMetrics(const server::ScrapeManager& manager) {
  std::vector<std::pair<Labels, double>> series;
  manager.CollectMetrics(&series);
  std::map<std::string, double> out;
  for (const auto& [labels, value] : series) out[std::string(labels.Get("__name__"))] += value;
  return out;
}

int Run(int targets, int series, int interval_s, int intervals, const std::string& dir) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener, 4096) != 0) {
    std::perror("page server");
    return 1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  const pid_t server = ::fork();
  if (server == 0) ServePages(listener, series);
  ::close(listener);

  std::filesystem::remove_all(dir);
  Options options;
  options.retention_ms = 0;
  auto opened = Engine::Open(options, dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    ::kill(server, SIGKILL);
    return 1;
  }
  std::unique_ptr<Engine> engine = std::move(opened).value();

  server::ScrapeConfig job;
  job.job_name = "bench";
  job.scrape_interval_ms = interval_s * 1000LL;
  job.scrape_timeout_ms = std::min<int64_t>(10'000, job.scrape_interval_ms);
  job.scrape_protocols = server::DefaultScrapeProtocols();
  server::StaticTargetGroup group;
  for (int i = 0; i < targets; ++i) {
    group.targets.push_back("127.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2) +
                            ":" + std::to_string(port));
  }
  job.static_configs.push_back(group);
  server::ScrapeManager manager(engine.get(), {});
  if (Status s = manager.ApplyConfig({job}); !s.ok()) {
    std::fprintf(stderr, "config: %s\n", s.ToString().c_str());
    ::kill(server, SIGKILL);
    return 1;
  }
  std::printf("%d targets x %d series every %d s, %d measured intervals after one warm-up\n",
              targets, series, interval_s, intervals);
  manager.Start();
  // The first interval creates every series; it is not measured.
  std::this_thread::sleep_for(std::chrono::seconds(interval_s));
  const auto before = PoolMetrics(manager);
  const double cpu_before = CpuSeconds();
  const auto wall_before = std::chrono::steady_clock::now();
  double max_duration = 0;
  for (int i = 0; i < intervals; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(interval_s));
    for (const auto& t : manager.ActiveTargets()) {
      max_duration = std::max(max_duration, t.last_scrape_duration_seconds);
    }
  }
  const double cpu = CpuSeconds() - cpu_before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  const auto after = PoolMetrics(manager);
  size_t up = 0;
  std::string first_error;
  for (const auto& t : manager.ActiveTargets()) {
    if (t.health == server::TargetHealth::kUp) {
      ++up;
    } else if (first_error.empty()) {
      first_error = t.last_error;
    }
  }
  const EngineStats stats = engine->Stats();
  const double rss_running = RssMiB();
  manager.Stop();
  ::kill(server, SIGKILL);
  ::waitpid(server, nullptr, 0);
  const double scrapes = after.at("tidemark_scrapes_total") - before.at("tidemark_scrapes_total");
  const double failures =
      after.at("tidemark_scrape_failures_total") - before.at("tidemark_scrape_failures_total");
  const double missed =
      after.at("tidemark_scrapes_missed_total") - before.at("tidemark_scrapes_missed_total");
  const double samples = scrapes * series;
  std::printf("scrapes             %.0f (expected %d), failed %.0f, missed slots %.0f\n", scrapes,
              targets * intervals, failures, missed);
  std::printf("targets up          %zu of %d%s%s\n", up, targets,
              first_error.empty() ? "" : "; first error: ", first_error.c_str());
  std::printf("CPU                 %.2f s over %.1f s wall = %.3f cores\n", cpu, wall, cpu / wall);
  std::printf("samples/s           %.0f (%.2f µs CPU per sample)\n", samples / wall,
              cpu / samples * 1e6);
  std::printf("slowest scrape seen %.1f ms\n", max_duration * 1000);
  std::printf(
      "peak RSS            %.0f MiB (head: %llu series, %.0f MiB by the engine's estimate)\n",
      rss_running, static_cast<unsigned long long>(stats.head_series),
      static_cast<double>(stats.head_memory_bytes) / (1 << 20));
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace tidemark::bench

int main(int argc, char** argv) {
  CLI::App app("scraping end to end: local targets scraped into an engine");
  int targets = 1000, series = 1000, interval = 15, intervals = 4;
  std::string dir = "/tmp/tidemark-scrape-bench";
  app.add_option("--targets", targets)->check(CLI::Range(1, 60'000));
  app.add_option("--series", series, "sample lines per page")->check(CLI::Range(10, 1'000'000));
  app.add_option("--interval", interval, "scrape interval in seconds")->check(CLI::Range(1, 600));
  app.add_option("--intervals", intervals, "measured intervals")->check(CLI::Range(1, 1000));
  app.add_option("--data-dir", dir);
  CLI11_PARSE(app, argc, argv);
  return tidemark::bench::Run(targets, series, interval, intervals, dir);
}
