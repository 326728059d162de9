// A real Prometheus (Debian's) scrapes a page this test serves and remote-writes to a real
// `tidemark serve`; every sample Prometheus holds must be stored in tidemark, exactly.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <climits>
#include <fstream>

#include "server/http_server.h"
#include "tests/server/prometheus_process.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"
#include "tidemark/engine.h"

namespace tidemark {
namespace {

using testing::StartPrometheus;
using testing::StopProcess;

TEST(PrometheusRemoteWrite, EverySampleScrapedByPrometheusIsStored) {
  testing::TempDir dir;
  // The page Prometheus scrapes: a counter that grows and a gauge with decimals.
  std::atomic<int> scrapes{0};
  auto page = server::HttpServer::Start(
      {"127.0.0.1", 0, 1 << 20, 16, "", ""}, [&](const server::HttpRequest&) {
        const int n = ++scrapes;
        server::HttpResponse r;
        r.content_type = "text/plain; version=0.0.4";
        r.body = "# TYPE test_requests_total counter\ntest_requests_total{code=\"200\"} " +
                 std::to_string(n * 7) + "\ntest_requests_total{code=\"500\"} " +
                 std::to_string(n) + "\n# TYPE test_temperature gauge\n" + "test_temperature " +
                 std::to_string(20 + n % 5) + ".25\n";
        return r;
      });
  ASSERT_TRUE(page.ok()) << page.status().ToString();

  testing::ServerProcess tidemark_server(dir.path(),
                                         "storage:\n  retention: 0\nself_scrape_interval: 0\n");
  ASSERT_TRUE(tidemark_server.ready) << tidemark_server.Log();

  const uint16_t prom_port = testing::FreePort();
  const std::string config = dir.path() + "-prometheus.yml", log = dir.path() + "-prometheus.log";
  std::ofstream(config)
      << "global:\n  scrape_interval: 1s\n"
      << "scrape_configs:\n  - job_name: page\n    static_configs:\n      - targets: ['127.0.0.1:"
      << (*page)->port() << "']\n"
      << "remote_write:\n  - url: http://127.0.0.1:" << tidemark_server.http_port
      << "/api/v1/write\n"
      << "    queue_config:\n      batch_send_deadline: 1s\n      max_samples_per_send: 100\n";
  const pid_t prom = StartPrometheus(config, dir.path() + "-prometheus-data", prom_port, log);
  // Poll Prometheus until it holds at least six samples of each of the page's series and of its
  // own per-target series (up, scrape_*): the page counting a scrape does not mean Prometheus
  // has appended it yet. At most 60 s.
  constexpr size_t kMinSamplesPerSeries = 6, kMinSeries = 8;
  testing::HttpResult r;
  for (int i = 0; i < 600; ++i) {
    r = testing::HttpCall(prom_port, "GET", "/api/v1/query?query=%7Bjob%3D%22page%22%7D%5B1h%5D");
    if (r.status == 200) {
      rapidjson::Document held;
      held.Parse(r.body.c_str());
      size_t full_series = 0;
      if (held.IsObject() && held.HasMember("data") && held["data"].IsObject()) {
        for (const auto& series : held["data"]["result"].GetArray())
          full_series += series["values"].GetArray().Size() >= kMinSamplesPerSeries;
      }
      if (full_series >= kMinSeries) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(r.status, 200) << r.body;
  // Wait until Prometheus reports it has sent everything up to the newest sample we read (it
  // reads its WAL in the background, so the last scrape may not be queued yet), at most 60 s.
  double newest = 0;
  {
    rapidjson::Document held;
    held.Parse(r.body.c_str());
    if (held.IsObject() && held["data"].IsObject()) {
      for (const auto& series : held["data"]["result"].GetArray()) {
        for (const auto& v : series["values"].GetArray())
          newest = std::max(newest, v[0].GetDouble());
      }
    }
  }
  double sent = 0;
  for (int i = 0; i < 600 && sent < newest; ++i) {
    const std::string page_text = testing::HttpCall(prom_port, "GET", "/metrics").body;
    const std::string metric = "prometheus_remote_storage_queue_highest_sent_timestamp_seconds{";
    const size_t at = page_text.find(metric);
    if (at != std::string::npos) {
      const size_t value = page_text.find("} ", at);
      if (value != std::string::npos) sent = std::strtod(page_text.c_str() + value + 2, nullptr);
    }
    if (sent < newest) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(sent, newest) << "Prometheus did not send its newest samples within 60 s";
  EXPECT_TRUE(StopProcess(prom));
  (*page)->Stop();
  ASSERT_EQ(tidemark_server.Stop(), 0) << tidemark_server.Log();

  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  ASSERT_TRUE(doc.IsObject() && doc["status"] == "success") << r.body;
  auto engine = Engine::Open(testing::TestOptions(), dir.path());
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  size_t compared = 0;
  for (const auto& series : doc["data"]["result"].GetArray()) {
    std::vector<LabelMatcher> matchers;
    std::vector<Label> labels;
    for (const auto& m : series["metric"].GetObject()) {
      matchers.push_back(LabelMatcher::Equal(m.name.GetString(), m.value.GetString()));
      labels.push_back({m.name.GetString(), m.value.GetString()});
    }
    auto stored = testing::ReadAll(**engine, matchers);
    const std::string name = Labels(labels).ToString();
    ASSERT_EQ(stored.size(), 1u) << name;
    const auto& samples = stored.begin()->second;
    for (const auto& v : series["values"].GetArray()) {
      const int64_t ts = static_cast<int64_t>(std::llround(v[0].GetDouble() * 1000));
      const double value = std::stod(v[1].GetString());
      auto it = std::find_if(samples.begin(), samples.end(),
                             [&](const Sample& s) { return s.timestamp_ms == ts; });
      ASSERT_NE(it, samples.end()) << name << " @" << ts << " missing in tidemark";
      EXPECT_EQ(it->value, value) << name << " @" << ts;
      ++compared;
    }
  }
  // up, scrape_* series and the page's three: all compared.
  EXPECT_GE(compared, kMinSamplesPerSeries * kMinSeries) << r.body;
  std::remove(config.c_str());
  std::remove(log.c_str());
  std::filesystem::remove_all(dir.path() + "-prometheus-data");
}

}  // namespace
}  // namespace tidemark
