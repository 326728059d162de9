// tidemark and a real Prometheus (Debian's, on loopback) scrape the same real exporters with the
// same scrape_configs, relabeling included: the series each stores — names and labels, `up` and
// the scrape meta-series included — must be the same, and values equal where the page is static.
#include <gtest/gtest.h>

#include <charconv>
#include <filesystem>
#include <set>

#include "tests/server/prometheus_process.h"
#include "tests/server/scrape_test_util.h"
#include "tests/storage/test_util.h"

namespace tidemark::testing {
namespace {

// Prometheus 3 (and tidemark) write a classic histogram's `le` and a summary's `quantile` as
// floats ("10" becomes "10.0"); Debian's Prometheus 2.42 keeps them as the page has them.
std::string NormalizedLabel(const Label& l) {
  if (l.name != "le" && l.name != "quantile") return l.value;
  double v = 0;
  auto [end, ec] = std::from_chars(l.value.data(), l.value.data() + l.value.size(), v);
  if (ec != std::errc() || end != l.value.data() + l.value.size()) return l.value;
  char buf[64];
  auto [out, ec2] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, out);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

// Every series either server holds for the last `seconds`, as text, but for tidemark's scrapes of
// Prometheus itself.
std::set<std::string> SeriesSet(uint16_t port, int seconds) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  rapidjson::Document doc =
      ApiJson(port, "/api/v1/series?match[]=" + UrlEncode("{job=~\".+\",job!=\"prometheus\"}") +
                        "&start=" + std::to_string(now - seconds) + "&end=" + std::to_string(now));
  std::set<std::string> out;
  if (!doc.HasMember("data") || !doc["data"].IsArray()) return out;
  for (const auto& s : doc["data"].GetArray()) {
    std::vector<Label> labels = LabelsOf(s).items();
    for (Label& l : labels) l.value = NormalizedLabel(l);
    out.insert(Labels(std::move(labels)).ToString());
  }
  return out;
}

TEST(ScrapeDifferential, TheSameSeriesAsPrometheus) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  Exporters exporters(dir.path());
  ASSERT_TRUE(exporters.ready) << exporters.Logs();
  const std::string scrape =
      "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n" +
      exporters.ScrapeConfigs();

  const uint16_t prometheus_port = FreePort();
  const std::string prometheus_config = dir.path() + "/prometheus.yml";
  std::ofstream(prometheus_config) << scrape;
  const pid_t prometheus = StartPrometheus(prometheus_config, dir.path() + "/prometheus-data",
                                           prometheus_port, dir.path() + "/prometheus.log");
  struct Stopper {
    pid_t pid;
    ~Stopper() { StopProcess(pid); }
  } stop_prometheus{prometheus};
  // tidemark also scrapes Prometheus' own /metrics.
  const std::string prometheus_target = "127.0.0.1:" + std::to_string(prometheus_port);
  ServerProcess server(dir.path() + "/data",
                       "storage:\n  retention: 0\n" + scrape +
                           "  - job_name: prometheus\n    static_configs:\n      - targets: ['" +
                           prometheus_target + "']\n");
  ASSERT_TRUE(server.ready) << server.Log();
  ASSERT_TRUE(WaitForTargetsUp(server.http_port, 4, 30'000)) << TargetsJson(server.http_port);
  ASSERT_TRUE(WaitForTargetsUp(prometheus_port, 3, 30'000)) << TargetsJson(prometheus_port);
  // A few scrapes each.
  std::this_thread::sleep_for(std::chrono::seconds(4));

  const std::set<std::string> ours = SeriesSet(server.http_port, 3);
  const std::set<std::string> theirs = SeriesSet(prometheus_port, 3);
  EXPECT_GT(theirs.size(), 100u);
  for (const std::string& s : ours) EXPECT_TRUE(theirs.contains(s)) << "only tidemark has " << s;
  for (const std::string& s : theirs) EXPECT_TRUE(ours.contains(s)) << "only Prometheus has " << s;

  // Values of the static pages (the applications' own metrics, not the clients' process and
  // runtime metrics, nor the scrape's own timings).
  const std::string query =
      "{job=~\"python|otel\",__name__!~\"process_.*|python_gc_.*|scrape_.*\"}";
  auto our_values = InstantQuery(server.http_port, query);
  auto their_values = InstantQuery(prometheus_port, query);
  EXPECT_GT(their_values.size(), 30u);
  EXPECT_EQ(our_values.size(), their_values.size());
  for (const auto& [text, value] : their_values) {
    // The series as Prometheus 3 names it.
    std::string series = text;
    for (const char* name : {"le=\"", "quantile=\""}) {
      const size_t at = series.find(name);
      if (at == std::string::npos) continue;
      const size_t start = at + std::strlen(name), end = series.find('"', start);
      series.replace(
          start, end - start,
          NormalizedLabel({name[0] == 'l' ? "le" : "quantile", series.substr(start, end - start)}));
    }
    auto it = our_values.find(series);
    ASSERT_NE(it, our_values.end()) << series;
    EXPECT_EQ(it->second, value) << series;
  }

  // Prometheus' own page: every series on it is stored. (Debian's Prometheus 2.42 serves its page
  // in the text format whatever the Accept header asks; the Python client's page is the
  // OpenMetrics one.) Its HTTP, engine and Go runtime families gain series as the APIs above are
  // used, after tidemark's last scrape.
  const Page page = FetchPage(prometheus_port);
  auto stored = InstantQuery(server.http_port, "{job=\"prometheus\"}");
  size_t checked = 0;
  for (const auto& [text, value] :
       PageSamples(page, {{"job", "prometheus"}, {"instance", prometheus_target}})) {
    if (text.starts_with("prometheus_http_") || text.starts_with("prometheus_engine_") ||
        text.starts_with("go_") || text.starts_with("net_conntrack_")) {
      continue;
    }
    ++checked;
    EXPECT_TRUE(stored.contains(text)) << "on Prometheus' page, not stored: " << text;
  }
  EXPECT_GT(checked, 100u);
}

}  // namespace
}  // namespace tidemark::testing
