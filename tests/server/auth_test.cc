// Authentication (server/auth.h, docs/auth.md): the decisions one by one, then a real
// `tidemark serve` with basic auth and bearer tokens driven by clients nobody here wrote: the
// OpenTelemetry JS SDK's exporters (gRPC, HTTP/protobuf, HTTP/JSON), Prometheus' remote_write
// and promtool, each with the right credentials, none, and credentials without the role.
#include "server/auth.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "tests/server/prometheus_process.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark::server {
namespace {

using testing::HttpCall;
using testing::ServerProcess;

// bcrypt of "s3cret" at cost 6 (python3: crypt.crypt("s3cret", crypt.mksalt(METHOD_BLOWFISH)));
// $2y$ is the same hash under the prefix htpasswd writes.
constexpr char kHash[] = "$2b$06$UqIn3tJrMPOGHlscIVmfYOhh38r98kej9A1rwU4uPBByV6cRYC8uO";
constexpr char kHash2y[] = "$2y$06$UqIn3tJrMPOGHlscIVmfYOhh38r98kej9A1rwU4uPBByV6cRYC8uO";
constexpr char kToken[] = "writer-token-0123456789abcdef";

std::string Basic(const std::string& user, const std::string& password) {
  return "Basic " + absl::Base64Escape(user + ":" + password);
}

std::string WriteTokenFile(const std::string& dir, const std::string& token) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/writer.token";
  std::ofstream(path) << token << "\n";
  return path;
}

AuthConfig Config(const std::string& token_file) {
  AuthConfig c;
  c.basic_auth_users = {{"grafana", kHash}, {"ops", kHash2y}};
  c.bearer_token_files = {{"collector", token_file}};
  c.readers = {"grafana"};
  c.writers = {"collector"};
  c.admins = {"ops"};
  return c;
}

TEST(Authenticator, DecidesByCredentialAndRole) {
  testing::TempDir dir;
  auto auth = Authenticator::Create(Config(WriteTokenFile(dir.path(), kToken)));
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  const Authenticator& a = **auth;
  EXPECT_TRUE(a.enabled());
  EXPECT_TRUE(a.Check(Basic("grafana", "s3cret"), Permission::kRead).allowed());
  // Twice: the second answer comes from the cache of verified passwords, and is the same.
  EXPECT_TRUE(a.Check(Basic("grafana", "s3cret"), Permission::kRead).allowed());
  AuthDecision d = a.Check(Basic("grafana", "s3cret"), Permission::kWrite);
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(d.name, "grafana");
  EXPECT_NE(d.message.find("\"grafana\" may not write"), std::string::npos) << d.message;
  EXPECT_EQ(a.Check(Basic("grafana", "wrong"), Permission::kRead).status, 401);
  EXPECT_EQ(a.Check(Basic("nobody", "s3cret"), Permission::kRead).status, 401);
  EXPECT_TRUE(a.Check(std::string("Bearer ") + kToken, Permission::kWrite).allowed());
  EXPECT_TRUE(a.Check(std::string("bearer  ") + kToken, Permission::kWrite).allowed());
  EXPECT_EQ(a.Check(std::string("Bearer ") + kToken, Permission::kRead).status, 403);
  EXPECT_EQ(a.Check("Bearer not-the-token-at-all-xx", Permission::kWrite).status, 401);
  // The admin ($2y$ hash) may do everything.
  for (Permission p : {Permission::kRead, Permission::kWrite, Permission::kAdmin})
    EXPECT_TRUE(a.Check(Basic("ops", "s3cret"), p).allowed()) << PermissionName(p);
  d = a.Check("", Permission::kRead);
  EXPECT_EQ(d.status, 401);
  EXPECT_NE(d.message.find("no credentials"), std::string::npos) << d.message;
  d = a.Check("Digest abc", Permission::kRead);
  EXPECT_NE(d.message.find("unsupported authorization scheme \"Digest\""), std::string::npos);
  d = a.Check("Basic !!!", Permission::kRead);
  EXPECT_NE(d.message.find("not base64"), std::string::npos) << d.message;
  d = a.Check(Basic("grafana", "s3cret").substr(0, 6) + absl::Base64Escape("nocolon"),
              Permission::kRead);
  EXPECT_NE(d.message.find("no ':'"), std::string::npos) << d.message;
  // A password is checked by bcrypt once, right or wrong: repeating a wrong one (a client
  // guessing, or misconfigured and retrying) costs a hash lookup, not tens of milliseconds.
  const uint64_t checks = a.bcrypt_checks();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(a.Check(Basic("grafana", "guess"), Permission::kRead).status, 401);
    EXPECT_TRUE(a.Check(Basic("grafana", "s3cret"), Permission::kRead).allowed());
  }
  EXPECT_EQ(a.bcrypt_checks(), checks + 1);  // "guess"; "s3cret" was verified above
  // Off: everything allowed.
  auto off = Authenticator::Create(AuthConfig());
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE((*off)->enabled());
  EXPECT_TRUE((*off)->Check("", Permission::kAdmin).allowed());
}

TEST(Authenticator, BadConfigurationIsRefusedNamingTheKey) {
  testing::TempDir dir;
  const std::string token_file = WriteTokenFile(dir.path(), kToken);
  auto refused = [](const AuthConfig& c, const std::string& expect) {
    auto a = Authenticator::Create(c);
    ASSERT_FALSE(a.ok()) << expect;
    EXPECT_NE(a.status().message().find(expect), std::string::npos) << a.status().message();
  };
  AuthConfig c = Config(token_file);
  c.basic_auth_users["grafana"] = "s3cret";  // a password where the hash goes
  refused(c, "web.auth.basic_auth_users.grafana\": not a bcrypt hash");
  c = Config(token_file);
  c.bearer_token_files["collector"] = dir.path() + "/missing.token";
  refused(c, "cannot read token file");
  c = Config(WriteTokenFile(dir.path() + "/short", "short"));
  refused(c, "shorter than 16 characters");
  c = Config(token_file);
  c.writers.push_back("stranger");
  refused(c, "web.auth.roles.write\": \"stranger\" is neither");
  c = Config(token_file);
  c.tenants["stranger"] = {"team-a"};
  refused(c, "web.auth.tenants.stranger\": \"stranger\" is neither");
  c = Config(token_file);
  c.readers.clear();
  c.writers.clear();
  c.admins.clear();
  refused(c, "no name has a role");
}

// The server's configuration with auth: users and a token file, and the admin API on so that
// its refusal is the role's, not the flag's.
std::string ServerConfig(const std::string& token_file) {
  return std::string("self_scrape_interval: 1s\nweb:\n  enable_admin_api: true\n  auth:\n") +
         "    basic_auth_users:\n      grafana: \"" + kHash + "\"\n      ops: \"" + kHash2y +
         "\"\n      prom: \"" + kHash + "\"\n    bearer_tokens:\n      collector: " + token_file +
         "\n    roles:\n      read: [grafana]\n      write: [collector, prom]\n"
         "      admin: [ops]\n";
}

TEST(AuthServer, ApiRefusesWithoutCredentialsAndProbesStayOpen) {
  testing::TempDir dir;
  ServerProcess server(dir.path(), ServerConfig(WriteTokenFile(dir.path() + "-tokens", kToken)));
  ASSERT_TRUE(server.ready) << server.Log();
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/-/ready").status, 200);
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/-/healthy").status, 200);
  auto r = HttpCall(server.http_port, "GET", "/api/v1/query?query=up");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.headers["WWW-Authenticate"], "Basic realm=\"tidemark\"");
  EXPECT_NE(r.body.find("\"errorType\":\"unauthorized\""), std::string::npos) << r.body;
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/metrics").status, 401);
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/jaeger/api/services").status, 401);
  const std::map<std::string, std::string> reader = {{"Authorization", Basic("grafana", "s3cret")}};
  r = HttpCall(server.http_port, "POST", "/api/v1/admin/tsdb/delete_series?match[]=up", "", reader);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("may not use admin APIs"), std::string::npos) << r.body;
  EXPECT_EQ(HttpCall(server.http_port, "POST", "/api/v1/write", "x", reader).status, 403);
  // The self-scrape reads /metrics with a token of its own: `up` is 1 within a few seconds.
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    r = HttpCall(server.http_port, "GET", "/api/v1/query?query=up%3D%3D1", "", reader);
    up = r.status == 200 && r.body.find("\"job\":\"tidemark\"") != std::string::npos;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(up) << r.body;
  // The configuration shown never holds the hashes.
  r = HttpCall(server.http_port, "GET", "/api/v1/status/config", "", reader);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("$2b$"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<secret>"), std::string::npos) << r.body;
  EXPECT_EQ(HttpCall(server.http_port, "POST", "/api/v1/admin/tsdb/delete_series?match[]=nope", "",
                     {{"Authorization", Basic("ops", "s3cret")}})
                .status,
            204);
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

TEST(AuthServer, BadAuthConfigurationStopsTheStart) {
  testing::TempDir dir;
  ServerProcess server(dir.path(),
                       "web:\n  auth:\n    basic_auth_users:\n      grafana: plain\n"
                       "    roles:\n      read: [grafana]\n");
  EXPECT_FALSE(server.ready);
  EXPECT_EQ(server.Stop(), 2);
  EXPECT_NE(server.Log().find("not a bcrypt hash"), std::string::npos) << server.Log();
}

// The JS SDK's exporters take credentials from OTEL_EXPORTER_OTLP_HEADERS, as users give them.
TEST(AuthServer, OtelJsExportersWithAndWithoutCredentials) {
  testing::TempDir dir;
  ServerProcess server(dir.path(), ServerConfig(WriteTokenFile(dir.path() + "-tokens", kToken)));
  ASSERT_TRUE(server.ready) << server.Log();
  const std::string out = dir.path() + "-export.json";
  struct Case {
    std::string authorization;
    int code;                // the exporters' ExportResultCode: 0 success, 1 failed
    const char* grpc_error;  // what the gRPC exporter reports
    const char* http_error;  // what the HTTP exporters report
  };
  const Case cases[] = {
      {std::string("Bearer ") + kToken, 0, "", ""},
      {"-", 1, "UNAUTHENTICATED: unauthenticated: no credentials", "Unauthorized"},
      {Basic("grafana", "s3cret"), 1, "PERMISSION_DENIED: permission denied: \"grafana\"",
       "Forbidden"},
      {Basic("prom", "s3cret"), 0, "", ""},
  };
  int stored_exports = 0;
  for (const char* protocol : {"grpc", "proto", "http"}) {
    for (const Case& c : cases) {
      std::filesystem::remove(out);
      ASSERT_EQ(testing::RunNode(CLIENTS_DIR,
                                 {"otel_auth_export.js", protocol, std::to_string(server.grpc_port),
                                  std::to_string(server.otlp_http_port), c.authorization, out}),
                0);
      rapidjson::Document d;
      d.Parse(testing::ReadFileOrDie(out).c_str());
      ASSERT_FALSE(d.HasParseError());
      for (const char* signal : {"trace", "metrics"}) {
        const std::string where = std::string(protocol) + " " + signal + " " + c.authorization;
        EXPECT_EQ(d[signal]["code"].GetInt(), c.code) << where;
        const std::string error = d[signal]["error"].GetString();
        const char* want = std::string(protocol) == "grpc" ? c.grpc_error : c.http_error;
        EXPECT_NE(error.find(want), std::string::npos) << where << ": " << error;
      }
      stored_exports += c.code == 0;
    }
  }
  // Exactly the allowed exports' spans were stored: one per export.
  const std::map<std::string, std::string> reader = {{"Authorization", Basic("grafana", "s3cret")}};
  int spans = 0;
  for (const char* service : {"auth-grpc", "auth-proto", "auth-http"}) {
    auto r =
        HttpCall(server.http_port, "GET",
                 std::string("/jaeger/api/traces?service=") + service + "&limit=100", "", reader);
    ASSERT_EQ(r.status, 200) << r.body;
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    for (const auto& t : d["data"].GetArray()) spans += static_cast<int>(t["spans"].Size());
  }
  EXPECT_EQ(spans, stored_exports);
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

// Prometheus remote-writes with basic_auth: the writer's samples are stored, the reader's
// refused (Prometheus counts them failed); promtool queries with an http config file.
TEST(AuthServer, PrometheusRemoteWriteAndPromtoolWithCredentials) {
  testing::TempDir dir;
  ServerProcess server(dir.path(), ServerConfig(WriteTokenFile(dir.path() + "-tokens", kToken)));
  ASSERT_TRUE(server.ready) << server.Log();
  const uint16_t prom_port = testing::FreePort();
  const std::string config = dir.path() + "-prometheus.yml", log = dir.path() + "-prometheus.log";
  const std::string url = "http://127.0.0.1:" + std::to_string(server.http_port) + "/api/v1/write";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n"
                        << "scrape_configs:\n  - job_name: self\n    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << prom_port << "']\n"
                        << "remote_write:\n"
                        << "  - url: " << url << "\n    name: writer\n"
                        << "    basic_auth: {username: prom, password: s3cret}\n"
                        << "    queue_config: {batch_send_deadline: 1s}\n"
                        << "  - url: " << url << "\n    name: reader\n"
                        << "    basic_auth: {username: grafana, password: s3cret}\n"
                        << "    queue_config: {batch_send_deadline: 1s}\n";
  const pid_t prom =
      testing::StartPrometheus(config, dir.path() + "-prometheus-data", prom_port, log);
  const std::map<std::string, std::string> reader = {{"Authorization", Basic("grafana", "s3cret")}};
  // Bounded: until tidemark holds Prometheus' own `up` and Prometheus has counted the reader
  // queue's refusals, at most 60 s.
  bool stored = false, refused = false;
  for (int i = 0; i < 600 && !(stored && refused); ++i) {
    auto r = HttpCall(server.http_port, "GET", "/api/v1/query?query=up%7Bjob%3D%22self%22%7D", "",
                      reader);
    stored = r.status == 200 && r.body.find("\"job\":\"self\"") != std::string::npos;
    const std::string metrics = HttpCall(prom_port, "GET", "/metrics").body;
    const std::string key = "prometheus_remote_storage_samples_failed_total{remote_name=\"reader\"";
    const size_t at = metrics.find(key);
    refused = at != std::string::npos &&
              std::strtod(metrics.c_str() + metrics.find("} ", at) + 2, nullptr) > 0;
    if (!(stored && refused)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(stored) << "the writer's samples did not reach tidemark";
  EXPECT_TRUE(refused) << "Prometheus did not count the reader queue's samples as failed";
  EXPECT_NE(testing::ReadFileOrDie(log).find("403"), std::string::npos);
  EXPECT_TRUE(testing::StopProcess(prom));

  // promtool (2.42 has no --http.config.file; its client sends a URL's user and password as
  // basic auth): with the reader's credentials it answers, without them or with a wrong
  // password it fails saying 401 and why.
  const std::string address = "127.0.0.1:" + std::to_string(server.http_port);
  const std::string with = testing::RunCommand("promtool query instant http://grafana:s3cret@" +
                                               address + " 'count(up)'");
  EXPECT_NE(with.find("=>"), std::string::npos) << with;
  const std::string without =
      testing::RunCommand("promtool query instant http://" + address + " up");
  EXPECT_NE(without.find("401"), std::string::npos) << without;
  EXPECT_NE(without.find("no credentials"), std::string::npos) << without;
  const std::string wrong =
      testing::RunCommand("promtool query instant http://grafana:nope@" + address + " up");
  EXPECT_NE(wrong.find("invalid user or password"), std::string::npos) << wrong;
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

}  // namespace
}  // namespace tidemark::server
