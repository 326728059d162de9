// The `tidemark` binary. The server (`tidemark serve`) arrives with the ingestion issue; until
// then it inspects data directories and fills them with the benchmark dataset.

#include <CLI/CLI.hpp>
#include <cstdio>

#include "server/commands.h"
#include "server/config.h"

int main(int argc, char** argv) {
  CLI::App app{"tidemark: an embedded time-series and trace storage engine"};
  app.require_subcommand(1);

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
  generate->add_option("--series", gen.series, "number of series (about 100 per target)")
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

  tidemark::server::ServerConfig serve_config;
  std::string config_file, retention, span_retention, sync;
  uint64_t max_active_series = 0;
  auto* serve =
      app.add_subcommand("serve", "Run the server: OTLP gRPC and HTTP, remote_write, HTTP API");
  serve->add_option("--config", config_file,
                    "YAML configuration file (docs/tidemark.example.yaml)");
  serve->add_option("--data-dir", serve_config.data_dir, "data directory (default ./data)");
  serve->add_option("--http-addr", serve_config.http_addr, "HTTP API HOST:PORT (default :9090)");
  serve->add_option("--otlp-grpc-addr", serve_config.otlp_grpc_addr,
                    "OTLP/gRPC HOST:PORT (default :4317)");
  serve->add_option("--otlp-http-addr", serve_config.otlp_http_addr,
                    "OTLP/HTTP HOST:PORT (default :4318)");
  serve->add_option("--retention", retention, "sample retention, e.g. 15d");
  serve->add_option("--span-retention", span_retention, "span retention, e.g. 7d");
  serve->add_option("--sync", sync, "every_commit, group_commit or none");
  serve->add_option("--max-active-series", max_active_series, "limit of active series");
  serve->add_option("--tls-cert-file", serve_config.tls_cert_file, "TLS certificate (PEM)");
  serve->add_option("--tls-key-file", serve_config.tls_key_file, "TLS private key (PEM)");
  serve->add_option("--log-level", serve_config.log_level, "debug, info, warn or error");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*inspect) return tidemark::server::RunInspect(inspect_dir, top);
  if (*generate) return tidemark::server::RunGenerate(gen);
  if (*serve) {
    // The file first, then flags given on the command line override it.
    tidemark::server::ServerConfig from_file;
    if (!config_file.empty()) {
      from_file.config_file = config_file;
      tidemark::Status s = tidemark::server::LoadConfigFile(config_file, &from_file);
      if (!s.ok()) {
        std::fprintf(stderr, "tidemark: %s\n", s.message().c_str());
        return 2;
      }
    }
    auto given = [&](const char* flag) { return serve->count(flag) > 0; };
    if (given("--data-dir")) from_file.data_dir = serve_config.data_dir;
    if (given("--http-addr")) from_file.http_addr = serve_config.http_addr;
    if (given("--otlp-grpc-addr")) from_file.otlp_grpc_addr = serve_config.otlp_grpc_addr;
    if (given("--otlp-http-addr")) from_file.otlp_http_addr = serve_config.otlp_http_addr;
    if (given("--tls-cert-file")) from_file.tls_cert_file = serve_config.tls_cert_file;
    if (given("--tls-key-file")) from_file.tls_key_file = serve_config.tls_key_file;
    if (given("--log-level")) from_file.log_level = serve_config.log_level;
    if (given("--max-active-series")) from_file.engine.limits.max_active_series = max_active_series;
    std::map<std::string, std::string> storage_flags;
    if (!retention.empty()) storage_flags["retention"] = retention;
    if (!span_retention.empty()) storage_flags["span_retention"] = span_retention;
    if (!sync.empty()) storage_flags["sync"] = sync;
    if (tidemark::Status s = tidemark::server::ApplyStorageFlags(storage_flags, &from_file);
        !s.ok()) {
      std::fprintf(stderr, "tidemark: %s\n", s.message().c_str());
      return 2;
    }
    return tidemark::server::RunServe(from_file);
  }
  return 2;
}
