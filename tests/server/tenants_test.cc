// Tenants (issue 14): two tenants write the same series names and the same trace id, and each
// sees only its own, through every read API, under retention, across a deletion and a restart;
// requests without a tenant are refused when tenants are on; per-tenant ingestion limits and the
// tenant count are enforced with their own messages. `tidemark serve` on loopback, stopped by PID.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/server/alertmanager_process.h"
#include "tests/server/remote_write_client.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark::testing {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::map<std::string, std::string> As(const std::string& tenant) {
  return {{"X-Scope-OrgID", tenant}};
}

std::string Get(uint16_t port, const std::string& tenant, const std::string& target) {
  HttpResult r = HttpCall(port, "GET", target, "", As(tenant));
  EXPECT_EQ(r.status, 200) << tenant << " " << target << ": " << r.body;
  return r.body;
}

// One span of `service` in trace 0102...10, sent over OTLP/HTTP JSON.
int SendSpan(uint16_t port, const std::string& tenant, const std::string& service) {
  const int64_t now_ns = NowMs() * 1'000'000;
  const std::string body =
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":")" +
      service +
      R"("}}]},"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"op-)" +
      service + R"(","kind":2,"startTimeUnixNano":")" + std::to_string(now_ns - 1'000'000) +
      R"(","endTimeUnixNano":")" + std::to_string(now_ns) + R"("}]}]}]})";
  std::map<std::string, std::string> headers = As(tenant);
  headers["Content-Type"] = "application/json";
  return HttpCall(port, "POST", "/v1/traces", body, headers).status;
}

const char kConfig[] =
    "self_scrape_interval: 0\n"
    "storage:\n  retention: 1h\n"
    "web:\n  enable_admin_api: true\n"
    "tenants:\n"
    "  enabled: true\n"
    "  max_tenants: 4\n"
    "  overrides:\n"
    "    slow:\n      samples_per_second: 100\n";

TEST(Tenants, EachSeesOnlyItsOwnAcrossEveryApiDeletionAndRestart) {
  const std::string dir = ::testing::TempDir() + "tidemark-tenants-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const int64_t now = NowMs();
  {
    ServerProcess server(dir, kConfig);
    ASSERT_TRUE(server.ready) << server.Log();
    const uint16_t port = server.http_port;
    // The same series as two tenants, with different values; a series only "a" has.
    ASSERT_EQ(RemoteWrite(port,
                          {{{{"__name__", "up"}, {"job", "x"}}, {{now, 1}}},
                           {{{"__name__", "only_a"}, {"secret", "a"}}, {{now, 5}}}},
                          As("team-a")),
              204);
    ASSERT_EQ(RemoteWrite(port, {{{{"__name__", "up"}, {"job", "x"}}, {{now, 2}}}}, As("team-b")),
              204);
    ASSERT_EQ(SendSpan(server.otlp_http_port, "team-a", "svc-a"), 200);
    ASSERT_EQ(SendSpan(server.otlp_http_port, "team-b", "svc-b"), 200);

    // Without a tenant: refused, saying why; the probes stay open.
    HttpResult none = HttpCall(port, "GET", "/api/v1/query?query=up");
    EXPECT_EQ(none.status, 401);
    EXPECT_NE(none.body.find("X-Scope-OrgID"), std::string::npos) << none.body;
    EXPECT_EQ(RemoteWrite(port, {{{{"__name__", "up"}}, {{now, 3}}}}), 401);
    EXPECT_EQ(HttpCall(server.otlp_http_port, "POST", "/v1/traces", "{}",
                       {{"Content-Type", "application/json"}})
                  .status,
              401);
    EXPECT_EQ(HttpCall(port, "GET", "/-/ready").status, 200);
    EXPECT_EQ(HttpCall(port, "GET", "/api/v1/labels", "", As("../etc")).status, 400);

    // Queries, including a regex over every name.
    EXPECT_NE(Get(port, "team-a", "/api/v1/query?query=up").find("\"1\""), std::string::npos);
    EXPECT_NE(Get(port, "team-b", "/api/v1/query?query=up").find("\"2\""), std::string::npos);
    const std::string all_b =
        Get(port, "team-b", "/api/v1/query?query=%7B__name__%3D~%22.%2B%22%7D");
    EXPECT_EQ(all_b.find("only_a"), std::string::npos) << all_b;
    EXPECT_NE(
        Get(port, "team-a", "/api/v1/query?query=%7B__name__%3D~%22.%2B%22%7D").find("only_a"),
        std::string::npos);
    // Label listings, series, cardinality statistics, metadata.
    EXPECT_EQ(Get(port, "team-b", "/api/v1/labels").find("secret"), std::string::npos);
    EXPECT_EQ(Get(port, "team-b", "/api/v1/label/__name__/values").find("only_a"),
              std::string::npos);
    EXPECT_EQ(
        Get(port, "team-b", "/api/v1/series?match[]=%7Bsecret%3D~%22.%2B%22%7D").find("only_a"),
        std::string::npos);
    EXPECT_EQ(Get(port, "team-b", "/api/v1/status/tsdb").find("only_a"), std::string::npos);
    EXPECT_NE(Get(port, "team-a", "/api/v1/status/tsdb").find("only_a"), std::string::npos);
    // The same trace id: each tenant gets its own span only; searches and tags too.
    const std::string trace_a = Get(port, "team-a", "/api/traces/0102030405060708090a0b0c0d0e0f10");
    EXPECT_NE(trace_a.find("svc-a"), std::string::npos) << trace_a;
    EXPECT_EQ(trace_a.find("svc-b"), std::string::npos) << trace_a;
    const std::string trace_b =
        Get(port, "team-b", "/jaeger/api/traces/0102030405060708090a0b0c0d0e0f10");
    EXPECT_NE(trace_b.find("svc-b"), std::string::npos) << trace_b;
    EXPECT_EQ(trace_b.find("svc-a"), std::string::npos) << trace_b;
    EXPECT_EQ(Get(port, "team-b", "/jaeger/api/services").find("svc-a"), std::string::npos);
    EXPECT_EQ(Get(port, "team-b", "/api/search/tag/service.name/values").find("svc-a"),
              std::string::npos);
    // A tenant that never wrote reads nothing, and reading does not create it.
    EXPECT_EQ(Get(port, "nobody", "/api/v1/label/__name__/values").find("up"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir + "/tenants/nobody"));

    // Retention holds in every tenant's engine: a sample older than the hour is refused there.
    EXPECT_EQ(
        RemoteWrite(port, {{{{"__name__", "old"}}, {{now - 2 * 3600 * 1000, 1}}}}, As("team-b")),
        400);
    EXPECT_EQ(Get(port, "team-b", "/api/v1/label/__name__/values").find("old"), std::string::npos);

    // Deleting as one tenant leaves the other's series alone.
    EXPECT_EQ(
        HttpCall(port, "POST", "/api/v1/admin/tsdb/delete_series?match[]=up", "", As("team-a"))
            .status,
        204);
    EXPECT_EQ(Get(port, "team-a", "/api/v1/query?query=up").find("\"1\""), std::string::npos);
    EXPECT_NE(Get(port, "team-b", "/api/v1/query?query=up").find("\"2\""), std::string::npos);

    // Limits: "slow" may ingest 100 samples a second; a request past it is refused with 429
    // until the debt is paid.
    std::vector<std::pair<SeriesLabels, SeriesSamples>> many;
    for (int i = 0; i < 300; ++i)
      many.push_back({{{"__name__", "m"}, {"i", std::to_string(i)}}, {{now, 1}}});
    EXPECT_EQ(RemoteWrite(port, many, As("slow")), 204);
    HttpResult limited = HttpCall(port, "POST", "/api/v1/write", "x", As("slow"));
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_NE(limited.body.find("ingestion rate limit of 100 samples per second"),
              std::string::npos)
        << limited.body;
    // The tenant count: anonymous, team-a, team-b and slow make four; a fifth is refused.
    HttpResult fifth = HttpCall(port, "POST", "/api/v1/write", "x", As("team-e"));
    EXPECT_EQ(fifth.status, 429) << fifth.body;
    EXPECT_NE(fifth.body.find("tenants.max_tenants"), std::string::npos) << fifth.body;
    EXPECT_EQ(server.Stop(), 0);
  }
  // After a restart each tenant still has its own data, and only it.
  {
    ServerProcess server(dir, kConfig);
    ASSERT_TRUE(server.ready) << server.Log();
    EXPECT_NE(Get(server.http_port, "team-b", "/api/v1/query?query=up").find("\"2\""),
              std::string::npos);
    EXPECT_EQ(Get(server.http_port, "team-a", "/api/v1/query?query=up").find("\"2\""),
              std::string::npos);
    EXPECT_NE(Get(server.http_port, "team-a", "/api/v1/query?query=only_a").find("\"5\""),
              std::string::npos);
    EXPECT_EQ(Get(server.http_port, "team-b", "/api/v1/query?query=only_a").find("only_a"),
              std::string::npos);
    EXPECT_EQ(server.Stop(), 0);
  }
  std::filesystem::remove_all(dir);
}

// The OpenTelemetry JS SDK's exporters name their tenant the way users configure headers
// (OTEL_EXPORTER_OTLP_HEADERS): as gRPC metadata and as HTTP headers. Without it, every export is
// refused.
TEST(Tenants, OtelSdkExportersNameTheirTenantOverGrpcAndHttp) {
  const std::string dir =
      ::testing::TempDir() + "tidemark-tenants-js-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ServerProcess server(dir, "self_scrape_interval: 0\ntenants:\n  enabled: true\n");
  ASSERT_TRUE(server.ready) << server.Log();
  const std::string out = dir + "-export.json";
  auto run = [&](const char* protocol) {
    std::filesystem::remove(out);
    EXPECT_EQ(
        RunNode(CLIENTS_DIR, {"otel_auth_export.js", protocol, std::to_string(server.grpc_port),
                              std::to_string(server.otlp_http_port), "-", out}),
        0);
    rapidjson::Document d;
    d.Parse(ReadFileOrDie(out).c_str());
    EXPECT_FALSE(d.HasParseError());
    return d.HasParseError() ? -1
                             : d["trace"]["code"].GetInt() + 10 * d["metrics"]["code"].GetInt();
  };
  ::unsetenv("OTEL_EXPORTER_OTLP_HEADERS");
  for (const char* protocol : {"grpc", "proto", "http"}) EXPECT_EQ(run(protocol), 11) << protocol;
  ::setenv("OTEL_EXPORTER_OTLP_HEADERS", "X-Scope-OrgID=js-team", 1);
  for (const char* protocol : {"grpc", "proto", "http"}) EXPECT_EQ(run(protocol), 0) << protocol;
  ::unsetenv("OTEL_EXPORTER_OTLP_HEADERS");
  const std::string services = Get(server.http_port, "js-team", "/jaeger/api/services");
  for (const char* service : {"auth-grpc", "auth-proto", "auth-http"}) {
    EXPECT_NE(services.find(service), std::string::npos) << services;
  }
  EXPECT_NE(Get(server.http_port, "js-team", "/api/v1/label/__name__/values")
                .find("guarded_requests_total"),
            std::string::npos);
  EXPECT_EQ(Get(server.http_port, "other", "/jaeger/api/services").find("auth-"),
            std::string::npos);
  EXPECT_EQ(server.Stop(), 0);
  std::filesystem::remove_all(dir);
  std::filesystem::remove(out);
}

// web.auth.tenants binds credentials to tenants: a token given team-a may not read or write
// team-b, over the API port and OTLP/HTTP alike, and is told which tenant it may not use.
TEST(Tenants, CredentialsAreBoundToTheirTenants) {
  const std::string dir =
      ::testing::TempDir() + "tidemark-tenants-auth-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "-tokens");
  const std::string token = "team-a-token-0123456789";
  std::ofstream(dir + "-tokens/a.token") << token << "\n";
  const std::string config =
      "self_scrape_interval: 0\ntenants:\n  enabled: true\n"
      "web:\n  auth:\n    bearer_tokens:\n      team-a-agent: " +
      dir +
      "-tokens/a.token\n    roles:\n      read: [team-a-agent]\n"
      "      write: [team-a-agent]\n    tenants:\n"
      "      team-a-agent: [team-a]\n";
  ServerProcess server(dir, config);
  ASSERT_TRUE(server.ready) << server.Log();
  std::map<std::string, std::string> a = As("team-a"), b = As("team-b");
  a["Authorization"] = b["Authorization"] = "Bearer " + token;
  const int64_t now = NowMs();
  EXPECT_EQ(RemoteWrite(server.http_port, {{{{"__name__", "up"}}, {{now, 1}}}}, a), 204);
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/api/v1/query?query=up", "", a).status, 200);
  for (const char* target : {"/api/v1/query?query=up", "/api/v1/labels"}) {
    HttpResult refused = HttpCall(server.http_port, "GET", target, "", b);
    EXPECT_EQ(refused.status, 403) << target;
    EXPECT_NE(refused.body.find("may not use tenant \\\"team-b\\\""), std::string::npos)
        << refused.body;
  }
  EXPECT_EQ(RemoteWrite(server.http_port, {{{{"__name__", "up"}}, {{now, 2}}}}, b), 403);
  std::map<std::string, std::string> json = b;
  json["Content-Type"] = "application/json";
  EXPECT_EQ(HttpCall(server.otlp_http_port, "POST", "/v1/traces", "{}", json).status, 403);
  // No credentials at all: 401 before any tenant is looked at, and none is created.
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/api/v1/labels", "", As("team-c")).status, 401);
  EXPECT_FALSE(std::filesystem::exists(dir + "/tenants/team-b"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/tenants/team-c"));
  EXPECT_EQ(server.Stop(), 0);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir + "-tokens");
}

// Each tenant's rules (tenants.rule_files) read only its data and write their recordings and
// ALERTS there; its rules and alerts APIs list only them; its alerts reach the Alertmanager with
// its X-Scope-OrgID, as Mimir's ruler sends them. The default tenant keeps the top-level
// rule_files. A reload that breaks a tenant's file keeps every rule running.
TEST(Tenants, EachRunsItsOwnRulesOnItsOwnData) {
  const std::string dir =
      ::testing::TempDir() + "tidemark-tenant-rules-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "-rules");
  const std::string a_rules = dir + "-rules/team-a.yml";
  const std::string default_rules = dir + "-rules/default.yml";
  std::ofstream(a_rules) << "groups:\n"
                            "  - name: team-a\n"
                            "    rules:\n"
                            "      - record: job:up:sum\n"
                            "        expr: sum by (job) (up)\n"
                            "      - alert: TeamAUp\n"
                            "        expr: up > 0\n"
                            "        labels: {severity: page}\n";
  std::ofstream(default_rules) << "groups:\n"
                                  "  - name: default\n"
                                  "    rules:\n"
                                  "      - alert: DefaultUp\n"
                                  "        expr: up > 0\n";
  WebhookListener alertmanager;
  const std::string am_address = alertmanager.Url("").substr(std::string("http://").size());
  const std::string config =
      "self_scrape_interval: 0\n"
      "global:\n  evaluation_interval: 1s\n"
      "rules:\n  resend_delay: 1s\n"
      "web:\n  enable_lifecycle: true\n"
      "rule_files: [" +
      default_rules +
      "]\n"
      "alerting:\n  alertmanagers:\n    - static_configs:\n"
      "        - targets: ['" +
      am_address +
      "']\n"
      "tenants:\n"
      "  enabled: true\n"
      "  rule_files:\n"
      "    team-a: [" +
      a_rules + "]\n";
  ServerProcess server(dir, config);
  ASSERT_TRUE(server.ready) << server.Log();
  const uint16_t port = server.http_port;
  for (const char* tenant : {"team-a", "team-b", "anonymous"}) {
    ASSERT_EQ(RemoteWrite(port, {{{{"__name__", "up"}, {"job", "x"}}, {{NowMs(), 1}}}}, As(tenant)),
              204);
  }
  // The recording appears in team-a's data only.
  ASSERT_TRUE(Eventually([&] {
    return Get(port, "team-a", "/api/v1/query?query=job:up:sum").find(R"("job":"x")") !=
           std::string::npos;
  })) << server.Log();
  ASSERT_TRUE(Eventually([&] {
    return Get(port, "team-a", "/api/v1/query?query=ALERTS").find("TeamAUp") != std::string::npos;
  })) << server.Log();
  EXPECT_EQ(Get(port, "team-b", "/api/v1/query?query=job:up:sum").find("job"), std::string::npos);
  EXPECT_EQ(Get(port, "anonymous", "/api/v1/query?query=job:up:sum").find("job"),
            std::string::npos);
  EXPECT_EQ(Get(port, "team-b", "/api/v1/query?query=ALERTS").find("alertname"), std::string::npos);
  ASSERT_TRUE(Eventually([&] {
    return Get(port, "anonymous", "/api/v1/query?query=ALERTS").find("DefaultUp") !=
           std::string::npos;
  })) << server.Log();
  EXPECT_EQ(Get(port, "anonymous", "/api/v1/query?query=ALERTS").find("TeamAUp"),
            std::string::npos);
  // The rules and alerts APIs: each tenant its own.
  const std::string rules_a = Get(port, "team-a", "/api/v1/rules");
  EXPECT_NE(rules_a.find("job:up:sum"), std::string::npos) << rules_a;
  EXPECT_EQ(rules_a.find("DefaultUp"), std::string::npos) << rules_a;
  EXPECT_EQ(Get(port, "team-b", "/api/v1/rules").find("\"name\""), std::string::npos);
  EXPECT_EQ(Get(port, "anonymous", "/api/v1/rules").find("job:up:sum"), std::string::npos);
  EXPECT_NE(Get(port, "team-a", "/api/v1/alerts").find("TeamAUp"), std::string::npos);
  EXPECT_EQ(Get(port, "team-b", "/api/v1/alerts").find("alertname"), std::string::npos);
  EXPECT_NE(Get(port, "team-a", "/api/v1/alertmanagers").find(am_address), std::string::npos);
  EXPECT_EQ(Get(port, "team-b", "/api/v1/alertmanagers").find(am_address), std::string::npos);
  // The Alertmanager gets team-a's alert with its tenant, the default tenant's without one.
  auto sent = [&](const std::string& alertname, const std::string& tenant) {
    for (const HttpRequest& r : alertmanager.Requests("/api/v2/alerts")) {
      if (r.body.find(alertname) != std::string::npos && r.Header("x-scope-orgid") == tenant) {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(Eventually([&] { return sent("TeamAUp", "team-a"); })) << server.Log();
  ASSERT_TRUE(Eventually([&] { return sent("DefaultUp", ""); })) << server.Log();
  EXPECT_FALSE(sent("TeamAUp", ""));
  EXPECT_FALSE(sent("DefaultUp", "team-a"));
  // The group's metrics carry the tenant.
  const std::string metrics = HttpCall(port, "GET", "/metrics").body;
  EXPECT_NE(metrics.find(R"(tidemark_rule_group_rules{rule_group=")" + a_rules +
                         R"(;team-a",tenant="team-a"} 2)"),
            std::string::npos)
      << metrics;
  // A broken file for the tenant: the reload fails naming it, and every rule keeps running.
  std::ofstream(a_rules) << "groups:\n  - name: team-a\n    rules:\n      - record: x\n"
                            "        expr: sum(\n";
  HttpResult reload = HttpCall(port, "POST", "/-/reload");
  EXPECT_EQ(reload.status, 500);
  EXPECT_NE(reload.body.find("team-a"), std::string::npos) << reload.body;
  EXPECT_NE(Get(port, "team-a", "/api/v1/rules").find("job:up:sum"), std::string::npos);
  EXPECT_EQ(server.Stop(), 0);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(dir + "-rules");
}

// A reload applies changed tenant limits to the tenants already open, as Mimir's runtime
// overrides do: a rate limit lifted lets the tenant write at once, a raised series limit lets
// it create series. Turning tenants off needs a restart: the reload fails and changes nothing.
TEST(Tenants, AReloadChangesTheLimitsOfOpenTenants) {
  const std::string dir =
      ::testing::TempDir() + "tidemark-tenant-limits-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  auto config = [](const std::string& overrides) {
    return "self_scrape_interval: 0\n"
           "web:\n  enable_lifecycle: true\n"
           "tenants:\n  enabled: true\n  overrides:\n" +
           overrides;
  };
  ServerProcess server(dir, config("    slow:\n      samples_per_second: 100\n"
                                   "    small:\n      max_active_series: 1\n"));
  ASSERT_TRUE(server.ready) << server.Log();
  const uint16_t port = server.http_port;
  const int64_t now = NowMs();
  std::vector<std::pair<SeriesLabels, SeriesSamples>> many;
  for (int i = 0; i < 300; ++i) {
    many.push_back({{{"__name__", "m"}, {"i", std::to_string(i)}}, {{now, 1}}});
  }
  const std::vector<std::pair<SeriesLabels, SeriesSamples>> two = {
      {{{"__name__", "a"}}, {{now, 1}}}, {{{"__name__", "b"}}, {{now, 1}}}};
  EXPECT_EQ(RemoteWrite(port, many, As("slow")), 204);
  EXPECT_EQ(RemoteWrite(port, many, As("slow")), 429);
  const std::string count_ab = "/api/v1/query?query=count(%7B__name__%3D~%22a%7Cb%22%7D)";
  EXPECT_NE(RemoteWrite(port, two, As("small")), 204);  // one series is over the limit
  EXPECT_NE(Get(port, "small", count_ab).find(R"("1"])"), std::string::npos);

  std::ofstream(dir + ".yaml") << config("    small:\n      max_active_series: 10\n");
  HttpResult reload = HttpCall(port, "POST", "/-/reload");
  ASSERT_EQ(reload.status, 200) << reload.body;
  EXPECT_EQ(RemoteWrite(port, many, As("slow")), 204);
  EXPECT_EQ(RemoteWrite(port, many, As("slow")), 204);
  EXPECT_EQ(RemoteWrite(port, two, As("small")), 204);
  EXPECT_NE(Get(port, "small", count_ab).find(R"("2"])"), std::string::npos);

  std::ofstream(dir + ".yaml") << "self_scrape_interval: 0\nweb:\n  enable_lifecycle: true\n";
  reload = HttpCall(port, "POST", "/-/reload");
  EXPECT_EQ(reload.status, 500);
  EXPECT_NE(reload.body.find("restart"), std::string::npos) << reload.body;
  EXPECT_EQ(HttpCall(port, "GET", "/api/v1/query?query=up").status, 401);  // still on
  EXPECT_EQ(server.Stop(), 0);
  std::filesystem::remove_all(dir);
}

// With tenants off (the default) the header is ignored: everything is the one tenant's.
TEST(Tenants, OffByDefaultEveryRequestSharesTheDataDirectory) {
  const std::string dir = ::testing::TempDir() + "tidemark-notenants-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  ServerProcess server(dir, "self_scrape_interval: 0\n");
  ASSERT_TRUE(server.ready) << server.Log();
  const int64_t now = NowMs();
  ASSERT_EQ(RemoteWrite(server.http_port, {{{{"__name__", "up"}}, {{now, 7}}}}, As("team-a")), 204);
  EXPECT_NE(HttpCall(server.http_port, "GET", "/api/v1/query?query=up").body.find("\"7\""),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir + "/tenants"));
  EXPECT_EQ(server.Stop(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tidemark::testing
