// `tidemark serve` scraping real exporters nobody here wrote — Debian's node_exporter, a Python
// app on Debian's python3-prometheus-client as the user's documents write one, the OpenTelemetry
// JS SDK's Prometheus exporter — and pages that go wrong in every way a target can, then reloads
// and restarts. The differential against a real Prometheus is in scrape_differential_test.cc.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <sys/socket.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "server/http_server.h"
#include "tests/server/child_process.h"
#include "tests/server/scrape_test_util.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark::testing {
namespace {

using server::HttpRequest;
using server::HttpResponse;
using server::HttpServer;

TEST(ScrapeServer, RealExportersAreStoredSampleBySample) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  Exporters exporters(dir.path());
  ASSERT_TRUE(exporters.ready) << exporters.Logs();
  ServerProcess server(dir.path() + "/data",
                       "storage:\n  retention: 0\n"
                       "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                       "scrape_configs:\n" +
                           exporters.ScrapeConfigs());
  ASSERT_TRUE(server.ready) << server.Log();
  ASSERT_TRUE(WaitForTargetsUp(server.http_port, 3, 30'000))
      << TargetsJson(server.http_port) << server.Log();
  // Two more scrapes, so that every series has a sample at the last scrape's time.
  std::this_thread::sleep_for(std::chrono::milliseconds(2'500));

  // The Python app: values recorded by the script, read back as the user's documents query them.
  auto python = InstantQuery(server.http_port, "{job=\"python\",team=\"llm\"}");
  auto series = [&](std::string name, std::vector<Label> labels) {
    for (const Label& l : exporters.PythonTarget()) labels.push_back(l);
    labels.push_back({"__name__", std::move(name)});
    return Labels(std::move(labels)).ToString();
  };
  EXPECT_EQ(python[series("llm_requests_total",
                          {{"endpoint", "/chat"}, {"model", "gpt-4o"}, {"status", "success"}})],
            2);
  EXPECT_EQ(python[series("llm_latency_seconds_bucket",
                          {{"le", "30.0"}, {"model", "claude-3-5-sonnet"}})],
            1);
  EXPECT_EQ(python[series("llm_tokens_total", {{"model", "gpt-4o"}, {"type", "input"}})], 2400);
  EXPECT_EQ(python[series("active_sessions", {})], 3);
  // Escapes survive: the label value with a quote, a backslash and a newline.
  auto odd = InstantQuery(server.http_port, "odd_label_values");
  ASSERT_EQ(odd.size(), 1u);
  EXPECT_EQ(odd.begin()->first, series("odd_label_values", {{"v", "a \"quoted\" \\ back\nslash"}}));
  auto quantile = InstantQuery(server.http_port,
                               "histogram_quantile(0.5, sum by (le) (llm_latency_seconds_bucket))");
  ASSERT_EQ(quantile.size(), 1u);
  EXPECT_NEAR(quantile.begin()->second, 1.5, 1e-9);  // the 2nd of 3 observations, in (1, 2]

  // Every series of each static page is stored with the page's value at the last scrape; the
  // pages are fetched here the way tidemark fetches them.
  for (const auto& [port, target] : {std::pair{exporters.python_port, exporters.PythonTarget()},
                                     std::pair{exporters.otel_port, exporters.OtelTarget()}}) {
    const std::string job(target.Get("job"));
    const Page page = FetchPage(port);
    // The Python client answers tidemark's Accept header with OpenMetrics, the JS exporter with
    // the text format: both parsers are on this path.
    EXPECT_NE(
        page.content_type.find(job == "python" ? "application/openmetrics-text" : "text/plain"),
        std::string::npos)
        << page.content_type;
    auto stored = InstantQuery(server.http_port, "{job=\"" + job + "\"}");
    auto on_page = PageSamples(page, target);
    ASSERT_GT(on_page.size(), 10u) << page.body;
    size_t compared = 0;
    for (const auto& [text, value] : on_page) {
      ASSERT_TRUE(stored.contains(text)) << job << ": " << text << " is on the page only";
      // The client's own process and runtime metrics move between scrapes.
      if (text.starts_with("process_") || text.starts_with("python_")) continue;
      if (std::isnan(value)) continue;
      EXPECT_EQ(stored[text], value) << text;
      ++compared;
    }
    EXPECT_GT(compared, 10u);
    // And nothing else but the five report series per target.
    EXPECT_EQ(stored.size(), on_page.size() + 5) << job;
    auto scraped = InstantQuery(server.http_port, "scrape_samples_scraped{job=\"" + job + "\"}");
    ASSERT_EQ(scraped.size(), 1u);
    EXPECT_EQ(scraped.begin()->second, static_cast<double>(on_page.size()));
  }

  // node_exporter: every series of its page is stored (values move), minus what
  // metric_relabel_configs drops.
  {
    auto on_page = PageSamples(FetchPage(exporters.node_port), exporters.NodeTarget());
    auto stored = InstantQuery(server.http_port, "{job=\"node\"}");
    size_t missing = 0;
    for (const auto& [text, value] : on_page) {
      if (text.starts_with("node_cpu_guest_seconds_total")) {
        EXPECT_FALSE(stored.contains(text)) << "dropped by metric_relabel_configs: " << text;
        continue;
      }
      if (!stored.contains(text)) {
        ++missing;
        ADD_FAILURE() << "not stored: " << text;
      }
    }
    EXPECT_EQ(missing, 0u);
    EXPECT_GT(on_page.size(), 50u);
  }

  // The scrape meta-series, per target.
  auto up = InstantQuery(server.http_port, "up");
  EXPECT_EQ(up.size(), 3u);
  for (const auto& [text, value] : up) EXPECT_EQ(value, 1) << text;

  // The target APIs.
  rapidjson::Document pools = ApiJson(server.http_port, "/api/v1/scrape_pools");
  ASSERT_TRUE(pools["data"]["scrapePools"].IsArray());
  EXPECT_EQ(pools["data"]["scrapePools"].Size(), 3u);
  rapidjson::Document metadata = ApiJson(
      server.http_port,
      "/api/v1/targets/metadata?match_target=%7Bjob%3D%22python%22%7D&metric=llm_latency_seconds");
  ASSERT_TRUE(metadata["data"].IsArray());
  ASSERT_EQ(metadata["data"].Size(), 1u);
  EXPECT_STREQ(metadata["data"][0]["type"].GetString(), "histogram");
  EXPECT_EQ(std::string(metadata["data"][0]["help"].GetString()), "LLM响应延迟（秒）");
  // Stored as metric metadata under the family's name (OpenMetrics names a counter's family
  // without _total), as Prometheus' /api/v1/metadata gives it.
  rapidjson::Document meta_api = ApiJson(server.http_port, "/api/v1/metadata?metric=llm_tokens");
  ASSERT_TRUE(meta_api["data"].HasMember("llm_tokens"));
  EXPECT_STREQ(meta_api["data"]["llm_tokens"][0]["type"].GetString(), "counter");
}

// A target that accepts a connection, sends half a page and then nothing, until told to stop.
class StallingTarget {
 public:
  StallingTarget() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] {
      std::vector<int> clients;
      while (!stop_) {
        timeval tv{0, 100'000};
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fd_, &set);
        if (::select(fd_ + 1, &set, nullptr, nullptr, &tv) <= 0) continue;
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) continue;
        // A client that sends nothing must not hold this thread (and the test's end) forever.
        timeval read_timeout{1, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &read_timeout, sizeof read_timeout);
        char buf[4096];
        (void)::recv(c, buf, sizeof buf, 0);
        const std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
            "Content-Length: 100000\r\n\r\nhalf_a_page 1\n";
        (void)::send(c, head.data(), head.size(), MSG_NOSIGNAL);
        clients.push_back(c);
      }
      for (int c : clients) ::close(c);
    });
  }
  ~StallingTarget() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port = 0;

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(ScrapeServer, EveryBrokenTargetSaysWhyAndNoneDelaysTheOthers) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  const std::string huge_line = "huge_series{pad=\"" + std::string(1000, 'x') + "\"} 1\n";
  auto pages = HttpServer::Start(
      HttpServer::Settings{"127.0.0.1", 0, 1 << 20, 64, "", ""},
      [&](const HttpRequest& r) -> HttpResponse {
        const std::string text = "text/plain; version=0.0.4; charset=utf-8";
        if (r.path == "/ok") return {200, text, "# TYPE fine gauge\nfine 1\n", {}};
        // A backslash ending a line inside a label value.
        if (r.path == "/bad_escape") return {200, text, "ok_line 1\nbad{a=\"x\\\n\"} 1\n", {}};
        if (r.path == "/duplicate") return {200, text, "twice 1\nother 2\ntwice 3\n", {}};
        if (r.path == "/nan_spellings") {
          // Go's spellings are accepted; the last line is not a number.
          return {200, text, "a NaN\nb +Inf\nc -inf\nd nan\ne Infinity\nf 1e\n", {}};
        }
        if (r.path == "/wrong_type") return {200, "application/json", "{\"up\": 1}", {}};
        if (r.path == "/error") return {503, "text/plain", "overloaded\n", {}};
        if (r.path == "/huge") {
          std::string body;
          body.reserve(100 << 20);
          for (int i = 0; body.size() < (100u << 20); ++i) body += huge_line;
          return {200, text, std::move(body), {}};
        }
        return {404, "text/plain", "not found\n", {}};
      });
  ASSERT_TRUE(pages.ok()) << pages.status().ToString();
  const std::string addr = "127.0.0.1:" + std::to_string((*pages)->port());
  StallingTarget stalling;
  const uint16_t refused = FreePort();  // nothing listens there

  std::string config =
      "storage:\n  retention: 0\n"
      "global:\n  scrape_interval: 1s\n  scrape_timeout: 800ms\n"
      "scrape_configs:\n";
  for (const std::string job :
       {"ok", "bad_escape", "duplicate", "nan_spellings", "wrong_type", "error", "huge"}) {
    config += "  - job_name: " + job + "\n    metrics_path: /" + job +
              "\n    body_size_limit: 10MB\n    static_configs:\n      - targets: ['" + addr +
              "']\n";
  }
  config += "  - job_name: stalling\n    static_configs:\n      - targets: ['127.0.0.1:" +
            std::to_string(stalling.port) + "']\n";
  config += "  - job_name: refused\n    static_configs:\n      - targets: ['127.0.0.1:" +
            std::to_string(refused) + "']\n";
  ServerProcess server(dir.path() + "/data", config);
  ASSERT_TRUE(server.ready) << server.Log();
  // Every target has been scraped for over ten seconds.
  ASSERT_TRUE(Eventually(
      [&] {
        auto counts = InstantQuery(server.http_port, "count_over_time(up[1m])");
        if (counts.size() != 9) return false;
        for (const auto& [series, n] : counts) {
          if (n < 12) return false;
        }
        return true;
      },
      40'000))
      << TargetsJson(server.http_port);

  std::map<std::string, TargetState> targets = Targets(server.http_port);
  ASSERT_EQ(targets.size(), 9u) << TargetsJson(server.http_port);
  const std::map<std::string, std::string> expected_errors = {
      {"bad_escape", "line 2"},
      {"duplicate", "line 3: duplicate series twice"},
      {"nan_spellings", "line 6"},
      {"wrong_type", "received unsupported Content-Type \"application/json\""},
      {"error", "server returned HTTP status 503 Service Unavailable"},
      {"huge", "body size limit exceeded"},
      {"stalling", "timed out"},  // libcurl's words for the scrape_timeout
      {"refused", "connect"},     // libcurl's "Couldn't connect to server"
  };
  for (const auto& [job, error] : expected_errors) {
    const TargetState& t = targets[job];
    EXPECT_EQ(t.health, "down") << job;
    EXPECT_FALSE(t.last_error.empty()) << job;
    EXPECT_NE(t.last_error.find(error), std::string::npos) << job << ": " << t.last_error;
  }
  EXPECT_EQ(targets["ok"].health, "up");
  EXPECT_EQ(targets["ok"].last_error, "");

  auto up = InstantQuery(server.http_port, "up");
  for (const auto& [series, value] : up) {
    EXPECT_EQ(value, series.find("job=\"ok\"") != std::string::npos ? 1 : 0) << series;
  }
  // Nothing of a page that failed is kept.
  EXPECT_TRUE(InstantQuery(server.http_port, "ok_line").empty());
  EXPECT_TRUE(InstantQuery(server.http_port, "{__name__=~\"twice|other|a|b\"}").empty());
  EXPECT_TRUE(InstantQuery(server.http_port, "huge_series").empty());

  // The good target was scraped on time while the others failed and stalled: one sample a
  // second over the last ten seconds, give or take the window's edges and a scrape the machine
  // was too busy to start on time (the suite runs two tests at once). Waiting behind the
  // stalling target's timeout, it would get five at most.
  auto fine = InstantQuery(server.http_port, "count_over_time(fine[10s])");
  ASSERT_EQ(fine.size(), 1u);
  EXPECT_GE(fine.begin()->second, 8);
  auto duration =
      InstantQuery(server.http_port, "max_over_time(scrape_duration_seconds{job=\"ok\"}[1m])");
  ASSERT_EQ(duration.size(), 1u);
  EXPECT_LT(duration.begin()->second, 0.5);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ScrapeServer, ReloadKeepsUnchangedTargetsAndStopEndsEverySeries) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  auto pages = HttpServer::Start(
      HttpServer::Settings{"127.0.0.1", 0, 1 << 20, 16, "", ""},
      [&](const HttpRequest& r) -> HttpResponse {
        return {200, "text/plain; version=0.0.4", "page{path=\"" + r.path + "\"} 1\n", {}};
      });
  ASSERT_TRUE(pages.ok());
  const std::string addr = "127.0.0.1:" + std::to_string((*pages)->port());
  auto job = [&](const std::string& name, const std::string& extra = "") {
    return "  - job_name: " + name + "\n    metrics_path: /" + name + "\n" + extra +
           "    static_configs:\n      - targets: ['" + addr + "']\n";
  };
  const std::string head =
      "storage:\n  retention: 0\nglobal:\n  scrape_interval: 1s\nscrape_configs:\n";
  const std::string data = dir.path() + "/data";
  ServerProcess server(data, head + job("kept") + job("removed") + job("changed"), {},
                       {"--web.enable-lifecycle"});
  ASSERT_TRUE(server.ready) << server.Log();
  ASSERT_TRUE(WaitForTargetsUp(server.http_port, 3, 20'000)) << TargetsJson(server.http_port);
  const std::string kept_scrape = Targets(server.http_port)["kept"].last_scrape;

  // The new configuration: "removed" is gone, "changed" gets a label.
  std::ofstream(data + ".yaml") << head + job("kept") +
                                       job("changed",
                                           "    relabel_configs:\n      - target_label: env\n"
                                           "        replacement: prod\n");
  HttpResult reload = HttpCall(server.http_port, "POST", "/-/reload");
  ASSERT_EQ(reload.status, 200) << reload.body;
  auto after = Targets(server.http_port);
  EXPECT_EQ(after.size(), 2u) << TargetsJson(server.http_port);
  // The unchanged job's target kept its state through the reload.
  EXPECT_EQ(after["kept"].health, "up");
  EXPECT_FALSE(after["kept"].last_scrape.starts_with("0001")) << after["kept"].last_scrape;
  EXPECT_GE(after["kept"].last_scrape, kept_scrape);
  // The removed target's series end at once.
  EXPECT_TRUE(InstantQuery(server.http_port, "page{path=\"/removed\"}").empty());
  ASSERT_TRUE(Eventually([&] {
    return InstantQuery(server.http_port, "page{path=\"/changed\",env=\"prod\"}").size() == 1;
  })) << TargetsJson(server.http_port);

  // A bad configuration is refused, naming the key, and the running one stays.
  std::ofstream(data + ".yaml") << head + "  - job_name: x\n    scrape_intervall: 1s\n";
  reload = HttpCall(server.http_port, "POST", "/-/reload");
  EXPECT_EQ(reload.status, 500);
  EXPECT_NE(reload.body.find("scrape_intervall"), std::string::npos) << reload.body;
  EXPECT_EQ(Targets(server.http_port).size(), 2u);

  // At shutdown every series ends with a stale marker: right after, nothing is current.
  std::this_thread::sleep_for(std::chrono::milliseconds(1'500));
  const auto stop_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  EXPECT_EQ(server.Stop(), 0) << server.Log();
  std::ofstream(data + ".yaml") << "storage:\n  retention: 0\nself_scrape_interval: 0\n";
  ServerProcess restarted(data, "storage:\n  retention: 0\nself_scrape_interval: 0\n");
  ASSERT_TRUE(restarted.ready) << restarted.Log();
  // The restarted server scrapes nothing, so without the markers the last samples would be
  // current for five more minutes.
  EXPECT_TRUE(InstantQuery(restarted.http_port, "page").empty());
  EXPECT_TRUE(InstantQuery(restarted.http_port, "up").empty());
  const std::string before = std::to_string((stop_ms - 1'200) / 1000.0);
  EXPECT_EQ(InstantQuery(restarted.http_port, "page", before).size(), 2u);
}

TEST(ScrapeServer, WithoutScrapeConfigsTheServerScrapesItself) {
  TempDir dir;
  ServerProcess server(dir.path(), "storage:\n  retention: 0\nself_scrape_interval: 1s\n");
  ASSERT_TRUE(server.ready) << server.Log();
  ASSERT_TRUE(WaitForTargetsUp(server.http_port, 1, 20'000)) << TargetsJson(server.http_port);
  EXPECT_EQ(Targets(server.http_port)["tidemark"].url,
            "http://127.0.0.1:" + std::to_string(server.http_port) + "/metrics");
  ASSERT_TRUE(Eventually(
      [&] { return InstantQuery(server.http_port, "up{job=\"tidemark\"}").size() == 1; }));
  // The server's own series, with the target's labels.
  auto own = InstantQuery(server.http_port, "tidemark_head_series");
  ASSERT_EQ(own.size(), 1u);
  EXPECT_NE(own.begin()->first.find("job=\"tidemark\""), std::string::npos) << own.begin()->first;
  // state= filters the lists.
  rapidjson::Document dropped = ApiJson(server.http_port, "/api/v1/targets?state=dropped");
  EXPECT_EQ(dropped["data"]["activeTargets"].Size(), 0u);
  rapidjson::Document pools = ApiJson(server.http_port, "/api/v1/scrape_pools");
  ASSERT_EQ(pools["data"]["scrapePools"].Size(), 1u);
  EXPECT_STREQ(pools["data"]["scrapePools"][0].GetString(), "tidemark");
}

TEST(ScrapeServer, ABadScrapeConfigurationExitsTwoNamingTheKey) {
  TempDir dir;
  ServerProcess server(dir.path(),
                       "scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n"
                       "    scrape_timeout: 10s\n    static_configs:\n"
                       "      - targets: ['127.0.0.1:1']\n");
  EXPECT_FALSE(server.ready);
  EXPECT_EQ(server.Stop(), 2);
  EXPECT_NE(server.Log().find("scrape_configs[0]"), std::string::npos) << server.Log();
}

}  // namespace
}  // namespace tidemark::testing
