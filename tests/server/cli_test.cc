// The `tidemark` binary's flags and start-up failures: every bad value exits with status 2 and a
// message naming the flag and the config key, never an abort, a crash or a silent wrap.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"
#include "tidemark/version.h"

namespace tidemark {
namespace {

using testing::ServerProcess;
using testing::TempDir;

struct Outcome {
  int exit_code = -1;  // -1: killed by a signal
  std::string output;  // stdout and stderr
};

// Runs the binary with `args` (shell words) and loopback addresses, for at most 20 s.
Outcome RunTidemark(const std::string& args) {
  const std::string marker = "--exit-status:";
  const std::string out = testing::RunCommand("timeout -s KILL 20 " + std::string(TIDEMARK_BINARY) +
                                              " " + args + " 2>&1; echo \"" + marker + "$?\"");
  Outcome run;
  const size_t at = out.rfind(marker);
  if (at == std::string::npos) return run;
  run.output = out.substr(0, at);
  const int status = std::atoi(out.c_str() + at + marker.size());
  run.exit_code = status >= 128 ? -1 : status;
  return run;
}

std::string Serve(const TempDir& dir, const std::string& flags) {
  return "serve --data-dir " + dir.path() +
         " --http-addr 127.0.0.1:0 --otlp-http-addr 127.0.0.1:0 --otlp-grpc-addr 127.0.0.1:0 " +
         flags;
}

void ExpectExit2Naming(const std::string& args, const std::vector<std::string>& wants) {
  const Outcome run = RunTidemark(args);
  EXPECT_EQ(run.exit_code, 2) << args << "\n" << run.output;
  for (const std::string& want : wants)
    EXPECT_NE(run.output.find(want), std::string::npos) << args << "\n" << run.output;
  EXPECT_EQ(run.output.find("terminate called"), std::string::npos) << run.output;
}

TEST(Cli, OutOfRangeDurationFlagsExit2NamingFlagAndKey) {
  TempDir dir;
  // std::stoll threw std::out_of_range: exit 134.
  ExpectExit2Naming(Serve(dir, "--retention 99999999999999999999d"),
                    {"flag --retention", "config key \"storage.retention\"", "out of range"});
  // Wrapped to about 9 hours and started.
  ExpectExit2Naming(Serve(dir, "--retention 213503982335d"),
                    {"flag --retention", "storage.retention", "out of range"});
  ExpectExit2Naming(Serve(dir, "--span-retention 1h1h"), {"storage.span_retention"});
  ExpectExit2Naming(Serve(dir, "--sync sometimes"), {"flag --sync", "storage.sync"});
}

TEST(Cli, NegativeMaxActiveSeriesExits2) {
  TempDir dir;
  // CLI11 parsed -1 into uint64 as 18446744073709551615.
  ExpectExit2Naming(Serve(dir, "--max-active-series -1"),
                    {"flag --max-active-series", "limits.max_active_series"});
  ExpectExit2Naming(Serve(dir, "--max-active-series many"), {"limits.max_active_series"});
}

TEST(Cli, InvalidListenHostExits2InsteadOfCrashing) {
  TempDir dir;
  // SIGSEGV in HttpServer::Stop on a null acceptor.
  ExpectExit2Naming("serve --data-dir " + dir.path() +
                        " --http-addr 999.1.1.1:9090 --otlp-http-addr 127.0.0.1:0"
                        " --otlp-grpc-addr 127.0.0.1:0",
                    {"flag --http-addr", "config key \"http_addr\"", "invalid host"});
  ExpectExit2Naming("serve --data-dir " + dir.path() +
                        " --http-addr 127.0.0.1:0 --otlp-http-addr 127.0.0.1:0"
                        " --otlp-grpc-addr example.invalid:4317",
                    {"flag --otlp-grpc-addr", "otlp_grpc_addr", "invalid host"});
}

TEST(Cli, ConfigThatIsADirectoryOrBrokenExits2) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/conf.d");
  // std::ios_failure: exit 134.
  ExpectExit2Naming(Serve(dir, "--config " + dir.path() + "/conf.d"), {"is a directory"});
  ExpectExit2Naming(Serve(dir, "--config " + dir.path() + "/missing.yaml"), {"missing.yaml"});
  for (const auto& [yaml, key] : std::vector<std::pair<std::string, std::string>>{
           {"? [a, b]\n: 1\n", "(top level)"},  // yaml-cpp exception: exit 134
           {"storage:\n  retention: 1d\n  retention: 2d\n", "storage.retention"},  // accepted
           {"max_request_bytes: 0\n", "max_request_bytes"},                        // accepted
           {"limits:\n  max_samples_per_commit: 0\n", "limits.max_samples_per_commit"},
           {"storage:\n  group_commit_interval: 4294967297ms\n", "storage.group_commit_interval"},
           {"storage:\n  max_future: 30s\n", "storage.max_future"},
           {"web:\n  enable_admin_api: sometimes\n", "web.enable_admin_api"},
           {"otlp:\n  translation_strategy: Prometheus\n", "otlp.translation_strategy"},
           {"otlp:\n  promote_all_resource_attributes: true\n  promote_resource_attributes: [a]\n",
            "otlp.promote_resource_attributes"},
           {"otlp:\n  ignore_resource_attributes: [a]\n", "otlp.ignore_resource_attributes"},
           {"alerting:\n  alertmanagers:\n    - api_version: v1\n",
            "alerting.alertmanagers[0].api_version"},
           {"alerting:\n  webhooks:\n    - url: https://x/y\n      tls_config: {ca_file: "
            "/nonexistent}\n",
            "alerting.webhooks[0]"},
       }) {
    const std::string path = dir.path() + ".yaml";
    std::ofstream(path) << yaml;
    ExpectExit2Naming(Serve(dir, "--config " + path), {"config key \"" + key + "\""});
    std::remove(path.c_str());
  }
}

TEST(Cli, VersionNamesTheVersionAndBuild) {
  // CMake's project version is read from the header.
  EXPECT_STREQ(TIDEMARK_VERSION_STRING, TIDEMARK_VERSION_STRING_FOR_TEST);
  const Outcome run = RunTidemark("--version");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.rfind(std::string("tidemark ") + TIDEMARK_VERSION_STRING_FOR_TEST + "\n", 0),
            0u)
      << run.output;
  EXPECT_NE(run.output.find("build: "), std::string::npos) << run.output;
  // With jemalloc, freed memory is purged in the background (an idle server gives it back).
  if (run.output.find("jemalloc") != std::string::npos) {
    EXPECT_NE(run.output.find("jemalloc (background purging on, freed pages kept 2000 ms)"),
              std::string::npos)
        << run.output;
  }
}

// The decay time tidemark sets gives way to the operator's MALLOC_CONF.
TEST(Cli, MallocConfDecayTimeWins) {
  setenv("MALLOC_CONF", "dirty_decay_ms:5000", 1);
  const Outcome run = RunTidemark("--version");
  unsetenv("MALLOC_CONF");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  if (run.output.find("jemalloc") != std::string::npos) {
    EXPECT_NE(run.output.find("freed pages kept 5000 ms"), std::string::npos) << run.output;
  }
}

TEST(Cli, AdminApiFlagIsTakenAndShownInTheConfig) {
  TempDir dir;
  ServerProcess server(dir.path(), "self_scrape_interval: 0\n", {}, {"--web.enable-admin-api"});
  ASSERT_TRUE(server.ready) << server.Log();
  const auto config = testing::HttpCall(server.http_port, "GET", "/api/v1/status/config");
  EXPECT_NE(config.body.find("enable_admin_api: true"), std::string::npos) << config.body;
  EXPECT_EQ(server.Stop(), 0) << server.Log();
}

TEST(Cli, SecondServerOnADataDirectoryInUseNamesTheFirstsPid) {
  TempDir dir;
  ServerProcess first(dir.path(), "self_scrape_interval: 0\n");
  ASSERT_TRUE(first.ready) << first.Log();
  const Outcome second = RunTidemark(Serve(dir, ""));
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("data directory " + dir.path() + " in use by pid "),
            std::string::npos)
      << second.output;
  EXPECT_EQ(second.output.find("Resource temporarily unavailable"), std::string::npos)
      << second.output;
  EXPECT_EQ(first.Stop(), 0) << first.Log();
}

}  // namespace
}  // namespace tidemark
