// Shared by the scraping tests: the real exporters as scrape targets, the same scrape_configs for
// tidemark and Prometheus, and readers of the query and target APIs.
#ifndef TIDEMARK_TESTS_SERVER_SCRAPE_TEST_UTIL_H_
#define TIDEMARK_TESTS_SERVER_SCRAPE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <strings.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "ingest/exposition.h"
#include "server/config_scrape.h"
#include "tests/server/child_process.h"
#include "tests/server/server_process.h"
#include "tidemark/labels.h"

namespace tidemark::testing {

inline std::string UrlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

inline rapidjson::Document ApiJson(uint16_t port, const std::string& target) {
  rapidjson::Document doc;
  HttpResult r = HttpCall(port, "GET", target);
  doc.Parse(r.body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << target << ": " << r.body;
  if (doc.HasParseError() || !doc.IsObject()) doc.SetObject();
  return doc;
}

inline Labels LabelsOf(const rapidjson::Value& metric) {
  std::vector<Label> labels;
  for (auto it = metric.MemberBegin(); it != metric.MemberEnd(); ++it) {
    labels.push_back({it->name.GetString(), it->value.GetString()});
  }
  return Labels(std::move(labels));
}

// An instant query's vector as series text (Labels::ToString) to value; empty on any error.
inline std::map<std::string, double> InstantQuery(uint16_t port, const std::string& query,
                                                  const std::string& time = "") {
  std::string target = "/api/v1/query?query=" + UrlEncode(query);
  if (!time.empty()) target += "&time=" + time;
  rapidjson::Document doc = ApiJson(port, target);
  std::map<std::string, double> out;
  if (!doc.HasMember("data") || !doc["data"].HasMember("result")) return out;
  const rapidjson::Value& result = doc["data"]["result"];
  if (!result.IsArray()) return out;
  for (const auto& s : result.GetArray()) {
    out[LabelsOf(s["metric"]).ToString()] = std::stod(s["value"][1].GetString());
  }
  return out;
}

inline std::string TargetsJson(uint16_t port) {
  return HttpCall(port, "GET", "/api/v1/targets").body;
}

struct TargetState {
  std::string health, last_error, last_scrape, url;
};

// Active targets by scrape pool (the tests run one target per pool).
inline std::map<std::string, TargetState> Targets(uint16_t port) {
  rapidjson::Document doc = ApiJson(port, "/api/v1/targets?state=active");
  std::map<std::string, TargetState> out;
  if (!doc.HasMember("data")) return out;
  for (const auto& t : doc["data"]["activeTargets"].GetArray()) {
    out[t["scrapePool"].GetString()] = {t["health"].GetString(), t["lastError"].GetString(),
                                        t["lastScrape"].GetString(), t["scrapeUrl"].GetString()};
  }
  return out;
}

inline bool WaitForTargetsUp(uint16_t port, size_t n, int timeout_ms) {
  return Eventually(
      [&] {
        auto targets = Targets(port);
        if (targets.size() != n) return false;
        for (const auto& [pool, t] : targets) {
          if (t.health != "up") return false;
        }
        return true;
      },
      timeout_ms);
}

struct Page {
  std::string body;
  std::string content_type;
};

inline Page FetchPage(uint16_t port) {
  // The Accept header tidemark sends by default.
  HttpResult r = HttpCall(port, "GET", "/metrics", "",
                          {{"Accept", server::AcceptHeaderFor(server::DefaultScrapeProtocols())}});
  EXPECT_EQ(r.status, 200) << r.body;
  for (const auto& [name, value] : r.headers) {
    if (strcasecmp(name.c_str(), "content-type") == 0) return {r.body, value};
  }
  return {r.body, ""};
}

// The samples of a page with the target's labels added, as series text to value.
inline std::map<std::string, double> PageSamples(const Page& page, const Labels& target) {
  std::map<std::string, double> out;
  auto format = ingest::ExpositionFormatForContentType(page.content_type);
  EXPECT_TRUE(format.ok()) << page.content_type;
  if (!format.ok()) return out;
  ingest::ExpositionParser parser(*format, page.body);
  while (true) {
    auto entry = parser.Next();
    EXPECT_TRUE(entry.ok()) << entry.status().ToString();
    if (!entry.ok() || *entry == ingest::ExpositionEntry::kEnd) break;
    if (*entry != ingest::ExpositionEntry::kSeries) continue;
    Labels scraped;
    parser.labels(&scraped);
    std::vector<Label> all = scraped.items();
    for (const Label& l : target) all.push_back(l);
    out[Labels(std::move(all)).ToString()] = parser.value();
  }
  return out;
}

// node_exporter (Debian), a Python app on python3-prometheus-client (tests/clients/
// python_llm_app.py) and the OpenTelemetry JS SDK's Prometheus exporter (tests/clients/
// otel_prometheus_exporter.js), each on a free loopback port.
class Exporters {
 public:
  explicit Exporters(const std::string& dir)
      : python_port(FreePort()),
        node_port(FreePort()),
        otel_port(FreePort()),
        python_({"/usr/bin/python3", std::string(CLIENTS_DIR) + "/python_llm_app.py",
                 std::to_string(python_port)},
                dir + "/python.log"),
        node_(
            {"prometheus-node-exporter",
             "--web.listen-address=127.0.0.1:" + std::to_string(node_port),
             "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
             "--collector.loadavg", "--collector.uname", "--collector.stat", "--collector.netdev"},
            dir + "/node.log"),
        otel_({"node", std::string(CLIENTS_DIR) + "/otel_prometheus_exporter.js",
               std::to_string(otel_port)},
              dir + "/otel.log") {
    ready = Eventually(
        [&] {
          for (uint16_t port : {python_port, node_port, otel_port}) {
            if (HttpCall(port, "GET", "/metrics").status != 200) return false;
          }
          return true;
        },
        20'000);
  }

  std::string Addr(uint16_t port) const { return "127.0.0.1:" + std::to_string(port); }

  // The target labels each job's series carry.
  Labels PythonTarget() const {
    return {{"job", "python"}, {"instance", Addr(python_port)}, {"team", "llm"}};
  }
  Labels OtelTarget() const { return {{"job", "otel"}, {"instance", Addr(otel_port)}}; }
  Labels NodeTarget() const {
    return {{"job", "node"}, {"instance", Addr(node_port)}, {"host", "127.0.0.1"}};
  }

  // The scrape_configs list (indented under a top-level `scrape_configs:`), the same for
  // tidemark and Prometheus: a static label, target relabeling and metric relabeling.
  std::string ScrapeConfigs() const {
    return "  - job_name: python\n"
           "    static_configs:\n"
           "      - targets: ['" +
           Addr(python_port) +
           "']\n"
           "        labels: {team: llm}\n"
           "  - job_name: otel\n"
           "    static_configs:\n"
           "      - targets: ['" +
           Addr(otel_port) +
           "']\n"
           "  - job_name: node\n"
           "    static_configs:\n"
           "      - targets: ['" +
           Addr(node_port) +
           "']\n"
           "    relabel_configs:\n"
           "      - source_labels: [__address__]\n"
           "        regex: '([^:]+):.*'\n"
           "        target_label: host\n"
           "        replacement: '$1'\n"
           "    metric_relabel_configs:\n"
           "      - source_labels: [__name__]\n"
           "        regex: node_cpu_guest_seconds_total\n"
           "        action: drop\n";
  }

  std::string Logs() const { return python_.Log() + node_.Log() + otel_.Log(); }

  const uint16_t python_port, node_port, otel_port;
  bool ready = false;

 private:
  ChildProcess python_, node_, otel_;
};

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_SERVER_SCRAPE_TEST_UTIL_H_
