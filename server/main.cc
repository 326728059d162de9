// The `tidemark` binary: `serve` runs the server, `inspect` describes a data directory, `generate`
// fills one with the benchmark dataset, `check rules` and `test rules` are promtool's commands for
// rule files; `--version` prints the version and build.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#ifdef TIDEMARK_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#include <sys/types.h>  // ssize_t, the type of jemalloc's decay times

#include <cstdlib>
#include <string_view>
#endif

#include "server/commands.h"
#include "server/config.h"
#include "tidemark/version.h"
#include "util/status_macros.h"

namespace {

// jemalloc gives freed memory back to the system only while it allocates, unless a background
// thread purges it on its decay schedule. Without it an idle server kept what its last queries
// freed: 477 MB against 268 MB fifteen seconds after verifying 100,000 series. The schedule is
// shortened from 10 s to 2 s: at the end of a load of 100,000 series the pages freed in the last
// seconds (chunks growing, requests decoded) held about 65 MiB of RSS; the server's CPU was 2.4 %
// higher on average, within the spread of single runs (docs/benchmarks.md, issue 13). A
// dirty_decay_ms in MALLOC_CONF wins. Returns how the allocator stands, for --version.
std::string StartAllocatorPurging() {
#ifdef TIDEMARK_WITH_JEMALLOC
  const char* conf = std::getenv("MALLOC_CONF");
  if (conf == nullptr || std::string_view(conf).find("dirty_decay_ms") == std::string_view::npos) {
    ssize_t decay_ms = 2000;
    // For the arenas created from now on, then for those that exist already (arenas not created
    // yet refuse it, and take the new default when they are).
    if (mallctl("arenas.dirty_decay_ms", nullptr, nullptr, &decay_ms, sizeof decay_ms) != 0) {
      std::fprintf(stderr, "warning: jemalloc's decay time could not be set\n");
    }
    unsigned arenas = 0;
    size_t size = sizeof arenas;
    mallctl("arenas.narenas", &arenas, &size, nullptr, 0);
    for (unsigned i = 0; i < arenas; ++i) {
      const std::string name = "arena." + std::to_string(i) + ".dirty_decay_ms";
      mallctl(name.c_str(), nullptr, nullptr, &decay_ms, sizeof decay_ms);
    }
  }
  ssize_t decay_ms = -1;
  size_t len = sizeof decay_ms;
  mallctl("arenas.dirty_decay_ms", &decay_ms, &len, nullptr, 0);
  const std::string decay = ", freed pages kept " + std::to_string(decay_ms) + " ms";
  bool on = true;
  if (mallctl("background_thread", nullptr, nullptr, &on, sizeof on) != 0) {
    std::fprintf(stderr,
                 "warning: jemalloc's background purging could not be started; freed "
                 "memory returns to the system only as the server allocates\n");
    return "background purging off" + decay;
  }
  return "background purging on" + decay;
#else
  return "";
#endif
}

// `tidemark --version`: the version, then how this binary was built (set by server/CMakeLists.txt).
std::string VersionText(const std::string& allocator_state) {
  return std::string("tidemark ") + TIDEMARK_VERSION_STRING + "\n  build: " + TIDEMARK_BUILD_TYPE +
         ", " + TIDEMARK_BUILD_COMPILER + ", C++" + std::to_string(__cplusplus / 100 % 100) + ", " +
         TIDEMARK_BUILD_ALLOCATOR + (allocator_state.empty() ? "" : " (" + allocator_state + ")");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string allocator_state = StartAllocatorPurging();
  CLI::App app{"tidemark: an embedded time-series and trace storage engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText(allocator_state),
                       "print the version and build, then exit");

  std::string inspect_dir;
  int top = 10;
  auto* inspect = app.add_subcommand(
      "inspect", "Print series, partitions and bytes per sample of a data directory");
  inspect->add_option("dir", inspect_dir, "data directory")->required();
  inspect->add_option("--top", top, "how many metric names and label names to list")
      ->check(CLI::Range(1, 1000));

  tidemark::server::GenerateOptions gen;
  auto* generate =
      app.add_subcommand("generate", "Fill a data directory with the realistic benchmark dataset");
  generate->add_option("dir", gen.dir, "data directory")->required();
  generate
      ->add_option("--profile", gen.profile,
                   "node: node-exporter-like targets; app: LLM services' OTel metrics")
      ->check(CLI::IsMember({"node", "app"}))
      ->capture_default_str();
  generate->add_option("--series", gen.series, "number of series (node: 106 per target, app: 182)")
      ->check(CLI::Range(1, 10'000'000));
  generate->add_option("--hours", gen.hours, "hours of 15 s scrapes, ending now")
      ->check(CLI::Range(0.01, 24.0 * 365));
  generate->add_option("--jitter-ms", gen.jitter_ms, "scrape timestamp jitter, +- milliseconds")
      ->check(CLI::Range(0, 1000));
  generate->add_option("--seed", gen.seed, "random seed");
  generate->add_option("--zstd-level", gen.zstd_level, "zstd level of segment blocks")
      ->check(CLI::Range(1, 19));
  generate->add_option("--text-out", gen.text_out,
                       "also write the samples as Prometheus text with timestamps");

  // Rule files, as promtool checks and tests them (server/rules_cli.cc).
  const std::string names_help =
      "utf8 (Prometheus 3, default) or legacy (Prometheus 2) metric and label names";
  tidemark::server::CheckRulesOptions check_rules;
  std::string check_names = "utf8";
  auto* check = app.add_subcommand("check", "Check resources for validity (as promtool check)");
  check->require_subcommand(1);
  auto* check_rules_cmd = check->add_subcommand("rules", "Check if the rule files are valid");
  check_rules_cmd->add_option("rule-files", check_rules.files, "the rule files to check");
  check_rules_cmd->add_option("--lint", check_rules.lint,
                              "lint checks: all, duplicate-rules, none (default duplicate-rules)");
  check_rules_cmd->add_flag("--lint-fatal", check_rules.lint_fatal,
                            "make lint problems exit with code 3");
  check_rules_cmd->add_option("--name-validation", check_names, names_help)
      ->check(CLI::IsMember({"utf8", "legacy"}));
  std::vector<std::string> test_rule_files;
  std::string test_names = "utf8";
  auto* test = app.add_subcommand("test", "Unit testing (as promtool test)");
  test->require_subcommand(1);
  auto* test_rules_cmd = test->add_subcommand("rules", "Unit tests for rules");
  test_rules_cmd->add_option("test-rule-file", test_rule_files, "the unit test files");
  test_rules_cmd->add_option("--name-validation", test_names, names_help)
      ->check(CLI::IsMember({"utf8", "legacy"}));

  // Every serve flag is a config key's value, checked by the same code as the file (after it).
  struct ServeFlag {
    const char* flag;
    const char* key;
    const char* help;
    std::string value;
  };
  ServeFlag serve_flags[] = {
      {"--data-dir", "data_dir", "data directory (default ./data)", ""},
      {"--http-addr", "http_addr", "HTTP API HOST:PORT (default :9090)", ""},
      {"--otlp-grpc-addr", "otlp_grpc_addr", "OTLP/gRPC HOST:PORT (default :4317)", ""},
      {"--otlp-http-addr", "otlp_http_addr", "OTLP/HTTP HOST:PORT (default :4318)", ""},
      {"--retention", "storage.retention", "sample retention, e.g. 15d", ""},
      {"--span-retention", "storage.span_retention", "span retention, e.g. 7d", ""},
      {"--sync", "storage.sync", "every_commit, group_commit or none", ""},
      {"--max-active-series", "limits.max_active_series", "limit of active series", ""},
      {"--tls-cert-file", "tls.cert_file", "TLS certificate (PEM)", ""},
      {"--tls-key-file", "tls.key_file", "TLS private key (PEM)", ""},
      {"--log-level", "log_level", "debug, info, warn or error", ""},
      {"--web.external-url", "web.external_url",
       "the URL tidemark is reached at (alerts link to it; its path is the route prefix)", ""},
      {"--web.route-prefix", "web.route_prefix",
       "the path every route and the web UI are served under (default: external URL's path)", ""},
  };
  std::string config_file;
  bool enable_admin_api = false;
  bool enable_lifecycle = false;
  auto* serve =
      app.add_subcommand("serve", "Run the server: OTLP gRPC and HTTP, remote_write, HTTP API");
  serve->add_option("--config", config_file,
                    "YAML configuration file (docs/tidemark.example.yaml)");
  for (ServeFlag& f : serve_flags) serve->add_option(f.flag, f.value, f.help);
  serve->add_flag("--web.enable-admin-api", enable_admin_api,
                  "answer /api/v1/admin/... (they delete data)");
  serve->add_flag("--web.enable-lifecycle", enable_lifecycle,
                  "answer POST /-/reload (SIGHUP always reloads)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*inspect) return tidemark::server::RunInspect(inspect_dir, top);
  if (*check_rules_cmd) {
    check_rules.utf8_names = check_names == "utf8";
    return tidemark::server::RunCheckRules(check_rules);
  }
  if (*test_rules_cmd) return tidemark::server::RunTestRules(test_rule_files, test_names == "utf8");
  if (*generate) return tidemark::server::RunGenerate(gen);
  if (*serve) {
    // The file first, then flags given on the command line override it. A reload (SIGHUP,
    // /-/reload) reads both again.
    auto load = [&]() -> tidemark::Result<tidemark::server::ServerConfig> {
      tidemark::server::ServerConfig config;
      if (!config_file.empty()) {
        config.config_file = config_file;
        TM_RETURN_IF_ERROR(tidemark::server::LoadConfigFile(config_file, &config));
      }
      for (const ServeFlag& f : serve_flags) {
        if (serve->count(f.flag) == 0) continue;
        if (tidemark::Status s = tidemark::server::ApplyFlags({{f.key, f.value}}, &config);
            !s.ok()) {
          return tidemark::Status::InvalidArgument("flag " + std::string(f.flag) + ": " +
                                                   std::string(s.message()));
        }
      }
      if (enable_admin_api) config.enable_admin_api = true;
      if (enable_lifecycle) config.enable_lifecycle = true;
      return config;
    };
    auto config = load();
    if (!config.ok()) {
      std::fprintf(stderr, "tidemark: %s\n", config.status().message().c_str());
      return 2;
    }
    return tidemark::server::RunServe(*config, load);
  }
  return 2;
}
