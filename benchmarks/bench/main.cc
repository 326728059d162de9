// tidemark-bench: the ingestion load generator for tidemark and any other remote_write or OTLP
// back end. Usage: docs/bench.md.
//   tidemark-bench run --protocol remote_write --target 127.0.0.1:9090 --server-pid 1234
//   tidemark-bench run --workload traces --protocol otlp_grpc --target 127.0.0.1:4317
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "benchmarks/bench/load.h"
#include "benchmarks/bench/report.h"
#include "benchmarks/bench/verify.h"
#include "benchmarks/bench/workload.h"

namespace tidemark::bench {
namespace {

struct RunFlags {
  WorkloadOptions workload;
  std::string protocol = "remote_write";
  std::string encoding = "protobuf";
  bool gzip = false;
  int remote_write_version = 1;
  TargetOptions target;
  std::vector<std::string> headers;
  LoadOptions load;
  int server_pid = 0;
  std::string server_metrics_url;
  std::string report_path;
  bool quiet = false;
  bool verify = false;
  double verify_delay_seconds = 0;
  VerifyOptions verify_options;
};

int Fail(const std::string& what) {
  std::fprintf(stderr, "tidemark-bench: %s\n", what.c_str());
  return 2;
}

int Run(RunFlags& f) {
  EncodeOptions encode;
  if (f.protocol == "remote_write") {
    encode.protocol = Protocol::kRemoteWrite;
  } else if (f.protocol == "otlp_grpc") {
    encode.protocol = Protocol::kOtlpGrpc;
  } else {
    encode.protocol = Protocol::kOtlpHttp;
  }
  encode.encoding = f.encoding == "json" ? Encoding::kJson : Encoding::kProtobuf;
  encode.remote_write_version = f.remote_write_version;
  if (f.remote_write_version == 2 && encode.protocol != Protocol::kRemoteWrite) {
    return Fail("--remote-write-version is for --protocol remote_write");
  }
  // gRPC compresses messages itself (grpc-encoding: gzip); the bodies stay uncompressed.
  encode.gzip = f.gzip && encode.protocol == Protocol::kOtlpHttp;
  if (f.gzip && encode.protocol == Protocol::kRemoteWrite) {
    return Fail("remote_write bodies are snappy-compressed; --gzip is for OTLP");
  }
  for (const std::string& h : f.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      return Fail("--header \"" + h + "\" is not NAME:VALUE");
    }
    std::string value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    f.target.headers.emplace_back(h.substr(0, colon), value);
  }
  if (f.server_pid > 0 && !f.server_metrics_url.empty()) {
    return Fail("give --server-pid or --server-metrics, not both");
  }
  std::unique_ptr<ServerSampler> sampler;
  if (f.server_pid > 0) {
    auto s = ServerSampler::ForPid(f.server_pid);
    if (!s.ok()) return Fail(s.status().ToString());
    sampler = std::move(s).value();
  } else if (!f.server_metrics_url.empty()) {
    auto s = ServerSampler::ForMetricsUrl(f.server_metrics_url);
    if (!s.ok()) return Fail("--server-metrics: " + s.status().ToString());
    sampler = std::move(s).value();
  }

  const auto encode_start = std::chrono::steady_clock::now();
  auto workload = BuildWorkload(f.workload, encode);
  if (!workload.ok()) return Fail(workload.status().ToString());
  Report report;
  report.encode_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - encode_start).count();
  report.target = f.target.address;
  report.protocol = f.protocol;
  report.signal = std::string(SignalName(workload->signal));
  report.encoding = f.encoding + (f.gzip ? "+gzip" : "");
  report.workload = f.workload.name;
  report.connections = f.load.connections;
  report.rate = f.load.rate;
  report.requests = workload->requests.size();
  report.items = workload->items;
  for (const RequestBody& r : workload->requests) report.bytes += r.bytes.size();
  f.target.protocol = encode.protocol;
  f.target.signal = workload->signal;
  f.target.encoding = encode.encoding;
  f.target.gzip = f.gzip;
  f.target.remote_write_version = encode.remote_write_version;

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (!f.quiet) {
    int ticks = 0;
    f.load.on_progress = [tty, ticks](const Progress& p) mutable {
      // A terminal gets one line rewritten every second; a log a line every 10 s.
      if (!tty && ++ticks % 10 != 0) return;
      std::fprintf(stderr, "%s%7.1f s  %12llu accepted  %10.0f/s  %6llu failed  p99 %8.2f ms%s",
                   tty ? "\r" : "", p.elapsed_seconds,
                   static_cast<unsigned long long>(p.items_accepted), p.items_per_second,
                   static_cast<unsigned long long>(p.requests_failed), p.last_p99_ms,
                   tty ? "  " : "\n");
      std::fflush(stderr);
    };
  }
  if (sampler) sampler->Start();
  auto result = RunLoad(workload->requests, f.target, f.load);
  if (!f.quiet && tty) std::fprintf(stderr, "\n");
  if (sampler) {
    auto reading = sampler->Stop();
    if (!reading.ok()) return Fail("measuring the server: " + reading.status().ToString());
    report.has_server = true;
    report.server = *reading;
  }
  if (!result.ok()) return Fail(result.status().ToString());
  report.load = std::move(result).value();
  if (f.verify) {
    VerifyOptions& v = f.verify_options;
    v.headers = f.target.headers;
    // remote_write's receiver usually serves the query API on the same address.
    if (v.query_url.empty() && encode.protocol == Protocol::kRemoteWrite) {
      v.query_url = std::string(f.target.tls ? "https://" : "http://") + f.target.address;
    }
    if (workload->signal == Signal::kMetrics && v.query_url.empty()) {
      return Fail("--verify needs --query-url (the Prometheus API of the target)");
    }
    if (workload->signal == Signal::kTraces && v.traces_url.empty()) {
      return Fail("--verify needs --traces-url (the Tempo or Jaeger API of the target)");
    }
    if (f.verify_delay_seconds > 0) {
      std::this_thread::sleep_for(std::chrono::duration<double>(f.verify_delay_seconds));
    }
    auto verified = Verify(*workload, v);
    if (!verified.ok()) return Fail("verification: " + verified.status().ToString());
    report.verified = true;
    report.verify = std::move(verified).value();
  }
  std::fputs(SummaryText(report).c_str(), stdout);
  if (!f.report_path.empty()) {
    std::ofstream out(f.report_path);
    out << ReportJson(report);
    if (!out) return Fail("writing " + f.report_path + " failed");
  }
  // Any request that failed fails the run: a fast but lossy run must not look good.
  const LoadResult& l = report.load;
  const bool lost = report.verified && !report.verify.complete();
  return l.requests_failed == 0 && l.items_rejected == 0 && l.items_accepted_total > 0 && !lost ? 0
                                                                                                : 1;
}

}  // namespace
}  // namespace tidemark::bench

int main(int argc, char** argv) {
  using tidemark::bench::RunFlags;
  CLI::App app{"tidemark-bench: ingestion load for remote_write and OTLP back ends"};
  app.require_subcommand(1);
  RunFlags f;
  CLI::App* run = app.add_subcommand("run", "send a workload to one back end and measure it");
  run->add_option("--workload", f.workload.name, "node | app | traces")->capture_default_str();
  run->add_option("--seed", f.workload.seed)->capture_default_str();
  run->add_option("--series", f.workload.series, "node, app: series (whole targets)")
      ->capture_default_str();
  run->add_option("--scrapes", f.workload.scrapes, "node, app: samples per series")
      ->capture_default_str();
  run->add_option("--interval-ms", f.workload.interval_ms, "node, app: between a series' samples")
      ->capture_default_str();
  run->add_option("--series-per-request", f.workload.series_per_request)->capture_default_str();
  run->add_option("--samples-per-series", f.workload.samples_per_series,
                  "node, app: consecutive samples of a series per request")
      ->capture_default_str();
  run->add_option("--churn", f.workload.churn_per_hour,
                  "node, app: share of targets replaced per hour of data")
      ->capture_default_str();
  run->add_option("--end-ms", f.workload.end_ms,
                  "the data's last timestamp, ms since the epoch (default: now); identical runs "
                  "against several back ends need the same");
  run->add_option("--traces", f.workload.traces, "traces: traces to send")->capture_default_str();
  run->add_option("--spans-per-request", f.workload.spans_per_request)->capture_default_str();
  run->add_option("--spans-per-trace", f.workload.spans_per_trace,
                  "traces: spans in every trace (0: the natural mix of 4-10)")
      ->capture_default_str();
  run->add_option("--span-attributes", f.workload.span_attributes,
                  "traces: attributes added to every span (bench.attr.N)")
      ->capture_default_str();
  run->add_option("--attribute-cardinality", f.workload.attribute_cardinality,
                  "traces: distinct values of each added attribute")
      ->check(CLI::Range(1u, 1'000'000'000u))
      ->capture_default_str();
  run->add_option("--protocol", f.protocol)
      ->check(CLI::IsMember({"remote_write", "otlp_grpc", "otlp_http"}))
      ->capture_default_str();
  run->add_option("--encoding", f.encoding, "otlp_http: protobuf | json")
      ->check(CLI::IsMember({"protobuf", "json"}))
      ->capture_default_str();
  run->add_option("--remote-write-version", f.remote_write_version,
                  "remote_write: 1 (prometheus.WriteRequest) or 2 (io.prometheus.write.v2.Request)")
      ->check(CLI::IsMember({1, 2}))
      ->capture_default_str();
  run->add_flag("--gzip", f.gzip, "OTLP: gzip-compressed bodies (gRPC: grpc-encoding gzip)");
  run->add_option("--target", f.target.address, "HOST:PORT")->required();
  run->add_option("--path", f.target.path, "HTTP path (default: the protocol's)");
  run->add_option("--header", f.headers, "NAME:VALUE, repeatable (gRPC: metadata)");
  run->add_flag("--tls", f.target.tls, "connect with TLS");
  run->add_option("--tls-ca", f.target.tls_ca_file, "PEM roots to verify the server with")
      ->check(CLI::ExistingFile);
  run->add_option("--tls-server-name", f.target.tls_server_name);
  run->add_option("--connections", f.load.connections)
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  run->add_option("--rate", f.load.rate, "items/s, open loop (0: closed loop)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  run->add_option("--warmup", f.load.warmup_seconds, "seconds not counted")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  run->add_option("--duration", f.load.duration_seconds,
                  "seconds to send after the warm-up (0: every request once)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  run->add_option("--max-attempts", f.load.max_attempts,
                  "sends of a request refused for backpressure")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  run->add_option("--timeout", f.load.timeout_seconds, "seconds per request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  run->add_option("--server-pid", f.server_pid, "measure this local process' CPU and RSS");
  run->add_option("--server-metrics", f.server_metrics_url,
                  "measure the server from its /metrics page (process_* metrics)");
  run->add_option("--report", f.report_path, "write the JSON report here");
  run->add_flag("--quiet", f.quiet, "no progress line");
  run->add_flag("--verify", f.verify, "read back what the target should hold and report losses");
  run->add_option("--query-url", f.verify_options.query_url,
                  "Prometheus API base for --verify (default for remote_write: the target)");
  run->add_option("--traces-url", f.verify_options.traces_url,
                  "Tempo or Jaeger API base for --verify of traces");
  run->add_option("--verify-traces", f.verify_options.max_traces, "traces checked by --verify")
      ->capture_default_str();
  run->add_option("--verify-delay", f.verify_delay_seconds,
                  "seconds to wait before verifying (for back ends that show data late)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  return tidemark::bench::Run(f);
}
