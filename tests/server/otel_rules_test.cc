// The seeds' rules on OpenTelemetry data: the rule groups of seeds 003 and 004
// (tests/rules/seed_003_llm_sla.yml, seed_004_ai_alerts.yml) run in `tidemark serve` on metrics
// the OpenTelemetry JS SDK exports (tests/clients/otel_llm_metrics.js) with the seeds' instrument
// names, declared as docs/otlp-translation.md recommends under the default translation strategy:
// every alert fires for the model whose values breach it, with the seed's labels and annotations.
// And the reason for the recommendation: the same SDK code with the units and attributes 003
// declares gives series the rules do not match.
//
// The rule files are the seeds' with `for: Nm` made `for: 1s` and the evaluation interval 1s, so
// the test takes seconds; the expressions, labels and annotations are the seed's.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/server/alertmanager_process.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::Eventually;
using testing::HttpCall;
using testing::ServerProcess;
using testing::TempDir;

using LabelSet = std::map<std::string, std::string>;

constexpr char kRecommendedOtlp[] =
    "otlp:\n  translation_strategy: UnderscoreEscapingWithSuffixes\n";

int RunNode(const std::vector<std::string>& args) { return testing::RunNode(CLIENTS_DIR, args); }

// Runs the export script against `server`; the failure message names what to check.
void Export(const ServerProcess& server, const std::string& protocol, const std::string& variant) {
  ASSERT_EQ(RunNode({"otel_llm_metrics.js", protocol, std::to_string(server.grpc_port),
                     std::to_string(server.otlp_http_port), variant}),
            0)
      << "the export script failed (are the clients installed? scripts/install-test-clients.sh)\n"
      << server.Log();
}

// Copies the seed rule file RULES_DIR/`name` to `out` with every `for: <N>m` made `for: 1s`.
void CopyWithShortFor(const std::string& name, const std::string& out) {
  const std::string seed = testing::ReadFileOrDie(std::string(RULES_DIR) + "/" + name);
  const std::string shortened =
      std::regex_replace(seed, std::regex(R"(for: [0-9]+m\b)"), "for: 1s");
  ASSERT_NE(shortened, seed) << name << " has no `for: Nm` to shorten";
  std::ofstream(out) << shortened;
}

std::string PercentEncode(const std::string& s) {
  std::ostringstream out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.') {
      out << c;
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out << '%' << kHex[c >> 4] << kHex[c & 15];
    }
  }
  return out.str();
}

// The instant vector /api/v1/query returns for `expr` now: labels (with __name__, if any) and
// value of each sample.
std::vector<std::pair<LabelSet, double>> Query(uint16_t port, const std::string& expr) {
  const auto r = HttpCall(port, "GET", "/api/v1/query?query=" + PercentEncode(expr));
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  std::vector<std::pair<LabelSet, double>> out;
  const bool vector = r.status == 200 && doc.IsObject() && doc.HasMember("data") &&
                      doc["data"]["resultType"] == "vector";
  EXPECT_TRUE(vector) << expr << ": " << r.status << " " << r.body;
  if (!vector) return out;
  for (const auto& s : doc["data"]["result"].GetArray()) {
    LabelSet labels;
    for (const auto& m : s["metric"].GetObject()) labels[m.name.GetString()] = m.value.GetString();
    out.emplace_back(std::move(labels), std::strtod(s["value"][1].GetString(), nullptr));
  }
  return out;
}

// The number in `text` between `prefix` and `suffix`, or NaN when `text` is not so.
double NumberBetween(const std::string& text, const std::string& prefix,
                     const std::string& suffix) {
  if (text.size() < prefix.size() + suffix.size() || !text.starts_with(prefix) ||
      !text.ends_with(suffix)) {
    return NAN;
  }
  const std::string middle =
      text.substr(prefix.size(), text.size() - prefix.size() - suffix.size());
  char* end = nullptr;
  const double v = std::strtod(middle.c_str(), &end);
  return middle.empty() || *end != '\0' ? NAN : v;
}

struct ApiAlert {
  std::string state, value;
  LabelSet labels, annotations;
};

// /api/v1/alerts by alertname.
std::map<std::string, std::vector<ApiAlert>> Alerts(uint16_t port) {
  rapidjson::Document doc;
  doc.Parse(HttpCall(port, "GET", "/api/v1/alerts").body.c_str());
  std::map<std::string, std::vector<ApiAlert>> out;
  if (!doc.IsObject() || !doc.HasMember("data")) return out;
  for (const auto& a : doc["data"]["alerts"].GetArray()) {
    ApiAlert alert{a["state"].GetString(), a["value"].GetString(), {}, {}};
    for (const auto& m : a["labels"].GetObject())
      alert.labels[m.name.GetString()] = m.value.GetString();
    for (const auto& m : a["annotations"].GetObject())
      alert.annotations[m.name.GetString()] = m.value.GetString();
    out[alert.labels["alertname"]].push_back(std::move(alert));
  }
  return out;
}

TEST(OtelRules, SeedRulesFireOnTheRecommendedInstrumentsOfTheJsSdk) {
  TempDir dir;
  const std::string rules_003 = dir.path() + "-003.yml", rules_004 = dir.path() + "-004.yml";
  CopyWithShortFor("seed_003_llm_sla.yml", rules_003);
  CopyWithShortFor("seed_004_ai_alerts.yml", rules_004);
  ServerProcess server(dir.path(), std::string(kRecommendedOtlp) +
                                       "global:\n  evaluation_interval: 1s\n"
                                       "rule_files: [" +
                                       rules_003 + ", " + rules_004 + "]\n");
  ASSERT_TRUE(server.ready) << server.Log();
  const uint16_t port = server.http_port;
  Export(server, "proto", "recommended");

  // The names the rules query exist.
  for (const char* name : {"llm_request_latency_bucket", "llm_time_to_first_token_bucket",
                           "llm_cost_usd_total", "llm_errors_total", "llm_calls_total",
                           "llm_requests_total", "llm_latency_seconds_bucket"}) {
    EXPECT_FALSE(Query(port, name).empty()) << name << " is not stored";
  }

  // Every alert of both groups fires, once, for the model that breaches it: gpt-4o for 003's,
  // gpt-4o-mini for 004's (which stays under 003's thresholds, so fires none of them). The
  // labels are the series' (the attributes, `job` from service.name) and the rule's.
  const std::string job = "llm-chat-service-recommended";
  const LabelSet gpt4o = {{"gen_ai_request_model", "gpt-4o"}, {"job", job}};
  auto with = [](LabelSet labels, const LabelSet& more) {
    labels.insert(more.begin(), more.end());
    return labels;
  };
  const LabelSet critical = {{"severity", "critical"}, {"team", "ai-platform"}};
  const LabelSet warning = {{"severity", "warning"}, {"team", "ai-platform"}};
  const std::map<std::string, LabelSet> expected_labels = {
      {"LLMLatencyP99Breach", with(with(gpt4o, critical), {{"alertname", "LLMLatencyP99Breach"}})},
      {"LLMErrorRateHigh", with(with(gpt4o, critical), {{"alertname", "LLMErrorRateHigh"}})},
      {"LLMTokenBudgetApproaching",
       with(with(gpt4o, warning),
            {{"alertname", "LLMTokenBudgetApproaching"}, {"cost_type", "api_call"}})},
      {"LLMTTFTHigh", with(with(gpt4o, warning), {{"alertname", "LLMTTFTHigh"}})},
      {"HighLatency",
       {{"alertname", "HighLatency"},
        {"job", job},
        {"model", "gpt-4o-mini"},
        {"severity", "warning"}}},
      {"HighErrorRate",
       {{"alertname", "HighErrorRate"},
        {"endpoint", "chat"},
        {"job", job},
        {"model", "gpt-4o-mini"},
        {"severity", "critical"},
        {"status", "error"}}},
  };
  // All firing, and the budget alert's value is the final spend (190 USD after five rounds).
  std::map<std::string, std::vector<ApiAlert>> alerts;
  const bool settled = Eventually([&] {
    alerts = Alerts(port);
    if (alerts.size() != expected_labels.size()) return false;
    for (const auto& [name, list] : alerts) {
      for (const ApiAlert& a : list) {
        if (a.state != "firing") return false;
      }
    }
    const auto budget = alerts.find("LLMTokenBudgetApproaching");
    return budget != alerts.end() && budget->second.size() == 1 &&
           budget->second[0].annotations["description"] == "当前消费 $190,预算上限 $200";
  });
  std::set<std::string> names;
  for (const auto& [name, list] : alerts) names.insert(name);
  std::set<std::string> expected_names;
  for (const auto& [name, labels] : expected_labels) expected_names.insert(name);
  ASSERT_EQ(names, expected_names) << server.Log();
  ASSERT_TRUE(settled) << "not all firing, or the spend not final\n" << server.Log();
  for (const auto& [name, labels] : expected_labels) {
    ASSERT_EQ(alerts[name].size(), 1u) << name;
    EXPECT_EQ(alerts[name][0].labels, labels) << name;
  }

  // The annotations as the seeds' templates render them. The quantiles interpolate within the
  // bucket every value fell in: 25000 ms in (20000, 30000] gives a P99 of 29900, 2000 ms in
  // (1000, 2500] a P95 of 2425 (up to rounding).
  auto annotation = [&](const std::string& alert, const std::string& key) {
    return alerts[alert][0].annotations[key];
  };
  EXPECT_EQ(annotation("LLMLatencyP99Breach", "summary"), "LLM P99延迟超过SLA阈值");
  const std::string p99 = annotation("LLMLatencyP99Breach", "description");
  EXPECT_NEAR(NumberBetween(p99, "模型 gpt-4o 的P99延迟为 ", "ms"), 29900, 1e-6) << p99;
  EXPECT_EQ(annotation("LLMErrorRateHigh", "summary"), "LLM错误率超过1%");
  EXPECT_EQ(annotation("LLMErrorRateHigh", "description"), "模型 gpt-4o 错误率为 10%");
  EXPECT_EQ(annotation("LLMTokenBudgetApproaching", "summary"), "LLM日消费接近预算上限");
  EXPECT_EQ(annotation("LLMTTFTHigh", "summary"), "LLM首Token延迟P95超过1秒");
  const std::string p95 = annotation("LLMTTFTHigh", "description");
  EXPECT_NEAR(NumberBetween(p95, "TTFT P95 = ", "ms"), 2425, 1e-6) << p95;
  // Seed 004's summaries have the U+FFFD its damaged encoding left.
  EXPECT_EQ(annotation("HighLatency", "summary"), "LLM\uFFFD应延迟过高");
  EXPECT_EQ(annotation("HighErrorRate", "summary"), "LLM错误\uFFFD超过5%");
  // 004's ratio matches the error series with itself (one to one on all labels, `status`
  // included), so its value is 1 whatever the share of errors (here 10 %).
  EXPECT_EQ(alerts["HighErrorRate"][0].value, "1e+00");

  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

// Why the recommendation: the same SDK code with 003's declarations (units `ms` and `USD`, the
// SDK's default bucket boundaries, `error.type` on llm.errors) gives series that none of 003's
// rules matches, though the data breaches every threshold.
TEST(OtelRules, TheSeedsOwnDeclarationsGiveSeriesTheRulesDoNotMatch) {
  TempDir dir;
  ServerProcess server(dir.path(), kRecommendedOtlp);
  ASSERT_TRUE(server.ready) << server.Log();
  const uint16_t port = server.http_port;
  Export(server, "grpc", "seed");

  // Seed 003's four expressions, read from its rule file: nothing.
  const std::string seed_003 =
      testing::ReadFileOrDie(std::string(RULES_DIR) + "/seed_003_llm_sla.yml");
  std::vector<std::string> exprs;
  const std::regex expr_line(R"(expr: (.+))");
  for (auto it = std::sregex_iterator(seed_003.begin(), seed_003.end(), expr_line);
       it != std::sregex_iterator(); ++it) {
    exprs.push_back((*it)[1].str());
  }
  ASSERT_EQ(exprs.size(), 4u);
  for (const std::string& expr : exprs) {
    EXPECT_TRUE(Query(port, expr).empty()) << expr;
  }
  // The units are in the names.
  for (const char* missing :
       {"llm_request_latency_bucket", "llm_time_to_first_token_bucket", "llm_cost_usd_total"}) {
    EXPECT_TRUE(Query(port, missing).empty()) << missing;
  }
  for (const char* stored :
       {"llm_request_latency_milliseconds_bucket", "llm_time_to_first_token_milliseconds_bucket",
        "llm_cost_usd_USD_total"}) {
    EXPECT_FALSE(Query(port, stored).empty()) << stored;
  }
  // Under those names, the budget and TTFT rules would fire...
  EXPECT_EQ(Query(port, "llm_cost_usd_USD_total{gen_ai_request_model=\"gpt-4o\"} > 180").size(),
            1u);
  EXPECT_EQ(Query(port,
                  "histogram_quantile(0.95, rate(llm_time_to_first_token_milliseconds_bucket"
                  "{gen_ai_request_model=\"gpt-4o\"}[5m])) > 1000")
                .size(),
            1u);
  // ...but the latency one not: the SDK's default boundaries end at 10000, the highest quantile
  // histogram_quantile can return, though every request took 25000 ms.
  const auto p99 = Query(port,
                         "histogram_quantile(0.99, rate(llm_request_latency_milliseconds_bucket"
                         "{gen_ai_request_model=\"gpt-4o\"}[5m]))");
  ASSERT_EQ(p99.size(), 1u);
  EXPECT_EQ(p99[0].second, 10000);
  // Nor the error rate: llm_errors_total has error_type, llm_calls_total not, so the division
  // (one to one on all labels) matches nothing; summed by model on both sides it is 10 %.
  EXPECT_FALSE(Query(port, "llm_errors_total{error_type=\"rate_limit\"}").empty());
  EXPECT_FALSE(Query(port, "llm_calls_total").empty());
  EXPECT_TRUE(Query(port, "rate(llm_errors_total[5m]) / rate(llm_calls_total[5m])").empty());
  const auto ratio = Query(port,
                           "sum by (gen_ai_request_model) (rate(llm_errors_total[5m])) / sum by "
                           "(gen_ai_request_model) (rate(llm_calls_total[5m])) > 0.01");
  ASSERT_EQ(ratio.size(), 1u);
  EXPECT_EQ(ratio[0].first.at("gen_ai_request_model"), "gpt-4o");
  EXPECT_NEAR(ratio[0].second, 0.1, 1e-9);
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

}  // namespace
}  // namespace tidemark
