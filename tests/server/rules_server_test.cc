// Rules end to end in `tidemark serve`: a rule file from the user's documents (seed 003's LLM
// alerts) loaded from the configuration, data sent over remote_write, the alert going pending and
// firing in /api/v1/alerts and /api/v1/rules with its annotations rendered, a real Alertmanager
// receiving it (read back from its own API) and seeing it resolve, ALERTS written, and reloads
// (a broken file keeps the old rules, a good one replaces them).
//
// The seed's `for` durations (2m-5m) are shortened here to 2s and the evaluation interval to 1s
// so the test takes seconds; the expressions, labels and annotations are the seed's.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "tests/server/alertmanager_process.h"
#include "tests/server/remote_write_client.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::AlertmanagerBinary;
using testing::AlertmanagerProcess;
using testing::Eventually;
using testing::FreePort;
using testing::HttpCall;
using testing::RemoteWrite;
using testing::ServerProcess;
using testing::TempDir;
using testing::WebhookListener;

// Seed 003's alert group, with `for` shortened.
constexpr char kSeedRules[] = R"(groups:
  - name: llm_alerts
    rules:
      - alert: LLMTokenBudgetApproaching
        expr: llm_cost_usd_total > 180
        for: 2s
        labels:
          severity: warning
        annotations:
          summary: "LLM日消费接近预算上限"
          description: "当前消费 ${{ $value }},预算上限 $200"
      - alert: LLMErrorRateHigh
        expr: rate(llm_errors_total[5m]) / rate(llm_calls_total[5m]) > 0.01
        for: 2s
        labels:
          severity: critical
        annotations:
          summary: "LLM错误率超过1%"
          description: "模型 {{ $labels.gen_ai_request_model }} 错误率为 {{ $value | humanizePercentage }}"
  - name: llm_recording
    rules:
      - record: model:llm_cost_usd:sum
        expr: sum by (gen_ai_request_model) (llm_cost_usd_total)
)";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

rapidjson::Document Json(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  return doc;
}

// The alert of /api/v1/alerts named `name`, or null.
const rapidjson::Value* FindApiAlert(const rapidjson::Document& doc, const std::string& name) {
  if (!doc.IsObject() || !doc.HasMember("data")) return nullptr;
  for (const auto& a : doc["data"]["alerts"].GetArray()) {
    if (a["labels"].HasMember("alertname") && a["labels"]["alertname"].GetString() == name) {
      return &a;
    }
  }
  return nullptr;
}

std::string ApiAlertState(uint16_t port, const std::string& name) {
  auto doc = Json(HttpCall(port, "GET", "/api/v1/alerts").body);
  const rapidjson::Value* a = FindApiAlert(doc, name);
  return a ? a->operator[]("state").GetString() : "";
}

TEST(RulesServer, SeedAlertsFireReachAlertmanagerResolveAndReload) {
  if (AlertmanagerBinary().empty()) GTEST_SKIP() << "prometheus-alertmanager is not installed";
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "-am");
  WebhookListener hook;
  AlertmanagerProcess am(dir.path() + "-am", FreePort(), hook.Url("/hook"));
  ASSERT_TRUE(am.Start()) << am.Log();

  const std::string rules_path = dir.path() + "-rules.yml";
  std::ofstream(rules_path) << kSeedRules;
  const std::string config =
      "global:\n  evaluation_interval: 1s\n  external_labels:\n"
      "    cluster: test\n"
      "rule_files: [" +
      rules_path +
      "]\n"
      "rules:\n  resend_delay: 1s\n"
      "web:\n  enable_lifecycle: true\n"
      "alerting:\n  alertmanagers:\n    - static_configs:\n"
      "        - targets: ['127.0.0.1:" +
      std::to_string(am.port()) + "']\n";
  ServerProcess server(dir.path(), config);
  ASSERT_TRUE(server.ready) << server.Log();
  const uint16_t port = server.http_port;

  // Spend over budget for one model.
  const std::vector<std::pair<std::string, std::string>> cost = {
      {"__name__", "llm_cost_usd_total"}, {"gen_ai_request_model", "gpt-4o"}, {"job", "llm"}};
  ASSERT_EQ(RemoteWrite(port, {{cost, {{NowMs(), 200}}}}), 204);

  ASSERT_TRUE(Eventually([&] { return ApiAlertState(port, "LLMTokenBudgetApproaching") != ""; }))
      << server.Log();
  ASSERT_TRUE(Eventually([&] {
    return ApiAlertState(port, "LLMTokenBudgetApproaching") == "firing";
  })) << server.Log();
  {
    auto doc = Json(HttpCall(port, "GET", "/api/v1/alerts").body);
    const rapidjson::Value* a = FindApiAlert(doc, "LLMTokenBudgetApproaching");
    ASSERT_NE(a, nullptr);
    EXPECT_STREQ((*a)["annotations"]["description"].GetString(), "当前消费 $200,预算上限 $200");
    EXPECT_STREQ((*a)["labels"]["severity"].GetString(), "warning");
    EXPECT_STREQ((*a)["labels"]["gen_ai_request_model"].GetString(), "gpt-4o");
    EXPECT_STREQ((*a)["value"].GetString(), "2e+02");
  }

  // Alertmanager has it, with the external label.
  ASSERT_TRUE(Eventually([&] {
    rapidjson::Document alerts = am.Alerts();
    for (const auto& a : alerts.GetArray()) {
      if (std::string(a["labels"]["alertname"].GetString()) == "LLMTokenBudgetApproaching" &&
          a["labels"].HasMember("cluster") &&
          std::string(a["labels"]["cluster"].GetString()) == "test") {
        return true;
      }
    }
    return false;
  })) << server.Log()
      << am.Log();

  // /api/v1/rules: both groups, healthy, the recording rule's output queryable.
  {
    auto doc = Json(HttpCall(port, "GET", "/api/v1/rules").body);
    ASSERT_TRUE(doc.IsObject());
    const auto& groups = doc["data"]["groups"];
    ASSERT_EQ(groups.Size(), 2u);
    EXPECT_STREQ(groups[0]["name"].GetString(), "llm_alerts");
    EXPECT_STREQ(groups[0]["file"].GetString(), rules_path.c_str());
    EXPECT_EQ(groups[0]["interval"].GetDouble(), 1);
    const auto& rule = groups[0]["rules"][0];
    EXPECT_STREQ(rule["type"].GetString(), "alerting");
    EXPECT_STREQ(rule["health"].GetString(), "ok");
    EXPECT_EQ(rule["duration"].GetDouble(), 2);
    EXPECT_STREQ(rule["state"].GetString(), "firing");
    EXPECT_STREQ(rule["query"].GetString(), "llm_cost_usd_total > 180");
    auto only_records = Json(HttpCall(port, "GET", "/api/v1/rules?type=record").body);
    ASSERT_EQ(only_records["data"]["groups"].Size(), 1u);
    EXPECT_EQ(HttpCall(port, "GET", "/api/v1/rules?type=bogus").status, 400);
  }
  ASSERT_TRUE(Eventually([&] {
    auto doc = Json(HttpCall(port, "GET", "/api/v1/query?query=model%3Allm_cost_usd%3Asum").body);
    return doc.IsObject() && doc["data"]["result"].Size() == 1;
  }));
  // ALERTS is written once the for-state was restored (after the second evaluation).
  ASSERT_TRUE(Eventually([&] {
    auto doc = Json(
        HttpCall(port, "GET", "/api/v1/query?query=ALERTS%7Balertstate%3D%22firing%22%7D").body);
    return doc.IsObject() && doc["data"]["result"].Size() == 1;
  }));

  // A broken rule file: the reload fails, the old rules keep running.
  std::ofstream(rules_path) << "groups:\n  - name: broken\n    rules:\n      - alert: X\n"
                               "        expr: sum(\n";
  auto reload = HttpCall(port, "POST", "/-/reload");
  EXPECT_EQ(reload.status, 500);
  EXPECT_NE(reload.body.find("failed to reload config"), std::string::npos) << reload.body;
  EXPECT_EQ(ApiAlertState(port, "LLMTokenBudgetApproaching"), "firing");
  EXPECT_NE(HttpCall(port, "GET", "/metrics").body.find("tidemark_config_last_reload_successful 0"),
            std::string::npos);

  // The spend drops: the alert resolves, in tidemark and in Alertmanager.
  ASSERT_EQ(RemoteWrite(port, {{cost, {{NowMs(), 100}}}}), 204);
  ASSERT_TRUE(Eventually([&] { return ApiAlertState(port, "LLMTokenBudgetApproaching") == ""; }));
  ASSERT_TRUE(Eventually([&] {
    rapidjson::Document alerts = am.Alerts();
    for (const auto& a : alerts.GetArray()) {
      if (std::string(a["labels"]["alertname"].GetString()) == "LLMTokenBudgetApproaching") {
        return false;
      }
    }
    return true;
  })) << am.Log();

  // A good file on SIGHUP replaces the groups.
  std::ofstream(rules_path) << "groups:\n  - name: replaced\n    rules:\n"
                               "      - record: one\n        expr: vector(1)\n";
  ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
  ASSERT_TRUE(Eventually([&] {
    auto doc = Json(HttpCall(port, "GET", "/api/v1/rules").body);
    return doc.IsObject() && doc["data"]["groups"].Size() == 1 &&
           std::string(doc["data"]["groups"][0]["name"].GetString()) == "replaced";
  })) << server.Log();
  EXPECT_NE(HttpCall(port, "GET", "/metrics").body.find("tidemark_config_last_reload_successful 1"),
            std::string::npos);
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

TEST(RulesServer, ReloadNeedsTheLifecycleApiAndABrokenFileStopsTheStart) {
  TempDir dir;
  const std::string rules_path = dir.path() + "-rules.yml";
  std::ofstream(rules_path) << "groups:\n  - name: g\n    rules:\n      - record: r\n"
                               "        expr: vector(1)\n";
  {
    ServerProcess server(dir.path(), "rule_files: [" + rules_path + "]\n");
    ASSERT_TRUE(server.ready) << server.Log();
    auto r = HttpCall(server.http_port, "POST", "/-/reload");
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("--web.enable-lifecycle"), std::string::npos) << r.body;
  }
  std::ofstream(rules_path) << "groups:\n  - name: g\n    rules:\n      - record: r\n"
                               "        expr: sum(\n";
  ServerProcess broken(dir.path() + "-2", "rule_files: [" + rules_path + "]\n");
  EXPECT_FALSE(broken.ready);
  EXPECT_EQ(broken.Stop(), 2);
  EXPECT_NE(broken.Log().find(rules_path), std::string::npos) << broken.Log();
}

}  // namespace
}  // namespace tidemark
