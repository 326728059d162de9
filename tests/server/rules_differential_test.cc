// The same data and rule file in tidemark and in a real Prometheus (Debian's, on loopback, rules
// evaluated there): the recording rules' series and the ALERTS / ALERTS_FOR_STATE series of both
// must be the same.
//
// The counters grow linearly and the data runs past the evaluations, so `rate` gives the slope
// whatever instant each server evaluates at (their group offsets differ). Sample timestamps end in
// 7 ms so that no evaluation window starts exactly on a sample (Debian's Prometheus 2.42 closes
// its windows on the left); the series start 30 minutes back, away from rate's first-sample
// extrapolation, which 2.42 does differently.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/server/alertmanager_process.h"
#include "tests/server/prometheus_process.h"
#include "tests/server/remote_write_client.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::Eventually;
using testing::FreePort;
using testing::HttpCall;
using testing::RemoteWrite;
using testing::SeriesLabels;
using testing::SeriesSamples;
using testing::ServerProcess;
using testing::TempDir;

constexpr char kRules[] = R"(groups:
  - name: http
    rules:
      - record: job_code:http_requests:rate5m
        expr: sum by (job, code) (rate(http_requests_total[5m]))
      - record: job:http_errors:ratio5m
        expr: |
          sum by (job) (rate(http_requests_total{code="500"}[5m]))
            / sum by (job) (rate(http_requests_total[5m]))
      - alert: HighErrorRatio
        expr: job:http_errors:ratio5m > 0.05
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.job }} errors at {{ $value | humanizePercentage }}"
  - name: llm
    rules:
      - record: le:llm_request_latency_ms:p99
        expr: histogram_quantile(0.99, sum by (le) (rate(llm_request_latency_bucket[5m])))
      - alert: LLMLatencyP99Breach
        expr: le:llm_request_latency_ms:p99 > 1000
        for: 1h
        labels:
          severity: critical
      - alert: LLMTokenBudgetApproaching
        expr: llm_cost_usd_total > 180
        labels:
          severity: warning
)";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Series and value of an instant query's vector result, keyed by the series' labels.
std::map<std::string, double> Instant(uint16_t port, const std::string& query_escaped) {
  std::map<std::string, double> out;
  rapidjson::Document doc;
  doc.Parse(HttpCall(port, "GET", "/api/v1/query?query=" + query_escaped).body.c_str());
  if (!doc.IsObject() || !doc.HasMember("data")) return out;
  for (const auto& r : doc["data"]["result"].GetArray()) {
    std::map<std::string, std::string> labels;
    for (auto it = r["metric"].MemberBegin(); it != r["metric"].MemberEnd(); ++it) {
      labels[it->name.GetString()] = it->value.GetString();
    }
    std::string key;
    for (const auto& [k, v] : labels) key += k + "=" + v + ",";
    out[key] = std::strtod(r["value"][1].GetString(), nullptr);
  }
  return out;
}

TEST(RulesDifferential, RecordingRulesAndAlertsMatchPrometheus) {
  if (std::system("command -v prometheus > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "prometheus is not installed (scripts/install-test-clients.sh)";
  }
  TempDir dir;
  const std::string rules_path = dir.path() + "-rules.yml";
  std::ofstream(rules_path) << kRules;

  ServerProcess tidemark(dir.path(),
                         "global:\n  evaluation_interval: 1s\nrule_files: [" + rules_path + "]\n");
  ASSERT_TRUE(tidemark.ready) << tidemark.Log();
  uint16_t prometheus_port = 0;
  const std::string prometheus_config = dir.path() + "-prometheus.yml";
  std::ofstream(prometheus_config)
      << "global:\n  evaluation_interval: 1s\nrule_files: ['" << rules_path << "']\n";
  const std::string prometheus_log = dir.path() + "-prometheus.log";
  const pid_t prometheus = testing::StartPrometheusOnFreePort(
      prometheus_config, dir.path() + "-prometheus-data", prometheus_log,
      {"--web.enable-remote-write-receiver"}, &prometheus_port);
  ASSERT_GT(prometheus, 0) << testing::ReadFileOrDie(prometheus_log);
  struct Stopper {
    pid_t pid;
    ~Stopper() { testing::StopProcess(pid); }
  } stop_prometheus{prometheus};

  // 30 minutes of linear counters up to 2 minutes ahead, every 15 s, on both servers.
  const int64_t now = NowMs();
  const int64_t first = (now - 30 * 60'000) / 15'000 * 15'000 + 7;
  std::vector<std::pair<SeriesLabels, SeriesSamples>> series;
  auto counter = [&](SeriesLabels labels, double per_second) {
    SeriesSamples samples;
    for (int64_t t = first; t <= now + 2 * 60'000; t += 15'000) {
      samples.emplace_back(t, per_second * static_cast<double>(t - first) / 1000);
    }
    series.emplace_back(std::move(labels), std::move(samples));
  };
  for (const char* job : {"api", "rag"}) {
    counter({{"__name__", "http_requests_total"}, {"job", job}, {"code", "200"}}, 10);
    counter({{"__name__", "http_requests_total"}, {"job", job}, {"code", "500"}},
            std::string(job) == "api" ? 2 : 0.1);
  }
  const double le_rates[][2] = {{100, 1}, {500, 4}, {1000, 7}, {5000, 9.5}, {INFINITY, 10}};
  for (const auto& [le, rate] : le_rates) {
    counter({{"__name__", "llm_request_latency_bucket"},
             {"le", std::isinf(le) ? "+Inf" : std::to_string(static_cast<int>(le))}},
            rate);
  }
  SeriesSamples cost;
  for (int64_t t = first; t <= now + 2 * 60'000; t += 15'000) cost.emplace_back(t, 200);
  series.emplace_back(SeriesLabels{{"__name__", "llm_cost_usd_total"}, {"model", "gpt-4o"}}, cost);
  ASSERT_EQ(RemoteWrite(tidemark.http_port, series), 204);
  ASSERT_EQ(RemoteWrite(prometheus_port, series), 204) << testing::ReadFileOrDie(prometheus_log);

  // Both have evaluated their groups at least twice and restored their for-state.
  const std::string alerts = "%7B__name__%3D~%22ALERTS.*%22%7D";
  ASSERT_TRUE(Eventually(
      [&] {
        return Instant(tidemark.http_port, alerts).size() == 6 &&
               Instant(prometheus_port, alerts).size() == 6;
      },
      30'000))
      << "tidemark " << Instant(tidemark.http_port, alerts).size() << ", prometheus "
      << Instant(prometheus_port, alerts).size();

  for (const std::string& q :
       {std::string("%7B__name__%3D~%22.%2B%3A.%2B%22%7D"),  // every recorded series
        alerts}) {
    const std::map<std::string, double> want = Instant(prometheus_port, q);
    const std::map<std::string, double> got = Instant(tidemark.http_port, q);
    ASSERT_FALSE(want.empty()) << q;
    ASSERT_EQ(got.size(), want.size()) << q;
    for (const auto& [labels, value] : want) {
      auto it = got.find(labels);
      ASSERT_NE(it, got.end()) << "missing in tidemark: " << labels;
      if (labels.find("ALERTS_FOR_STATE") != std::string::npos) {
        // When each server first saw the alert: within the few seconds between their starts.
        EXPECT_NEAR(it->second, value, 30) << labels;
      } else {
        EXPECT_NEAR(it->second, value, 1e-9 * std::max(1.0, std::abs(value))) << labels;
      }
    }
  }
  EXPECT_EQ(tidemark.Stop(), 0) << tidemark.Log();
}

}  // namespace
}  // namespace tidemark
