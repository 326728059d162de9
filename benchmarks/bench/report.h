// tidemark-bench's measurements of the server and its report: a summary table for people and a
// JSON document for scripts (the comparison, docs/benchmarks.md).
#ifndef TIDEMARK_BENCHMARKS_BENCH_REPORT_H_
#define TIDEMARK_BENCHMARKS_BENCH_REPORT_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "benchmarks/bench/load.h"
#include "benchmarks/bench/verify.h"
#include "benchmarks/bench/workload.h"

namespace tidemark::bench {

// The server's CPU seconds and resident memory: from /proc/PID on this machine, or from a
// Prometheus /metrics page (process_cpu_seconds_total, process_resident_memory_bytes) for a
// server elsewhere. Sampled every 250 ms between Start and Stop for the peak.
class ServerSampler {
 public:
  struct Reading {
    double cpu_seconds = 0;
    uint64_t rss_bytes = 0;  // from Stop: the peak
    // From Stop: the last reading, when the load ended. Unlike the peak, it leaves out what the
    // server held only for a moment, and unlike a reading taken later, what a verification's
    // reads put in its caches.
    uint64_t end_rss_bytes = 0;
  };
  // InvalidArgument when neither or both are given is the caller's check; a first reading that
  // fails (no such process, page unreachable) is an error naming the source.
  static Result<std::unique_ptr<ServerSampler>> ForPid(int pid);
  static Result<std::unique_ptr<ServerSampler>> ForMetricsUrl(std::string url);
  ~ServerSampler();

  void Start();
  // Stops sampling; the CPU seconds used since Start, the peak RSS seen and the RSS now.
  Result<Reading> Stop();

 private:
  ServerSampler() = default;
  Result<Reading> Read() const;

  int pid_ = 0;
  std::string url_;
  Reading first_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  uint64_t peak_rss_ = 0;
  Status error_;
};

// Parses a value of `name` (without labels) from Prometheus text exposition, or NotFound.
Result<double> MetricFromExposition(std::string_view text, std::string_view name);

struct Report {
  std::string target;
  std::string protocol;
  std::string signal;
  std::string encoding;
  std::string workload;
  int connections = 0;
  double rate = 0;
  uint64_t requests = 0;  // encoded
  uint64_t items = 0;     // encoded
  uint64_t bytes = 0;     // encoded, all requests
  double encode_seconds = 0;
  LoadResult load;
  bool has_server = false;
  ServerSampler::Reading server;
  bool verified = false;
  VerifyResult verify;
};

// The summary table (plain text).
std::string SummaryText(const Report& r);
// The report as JSON (keys documented in docs/bench.md).
std::string ReportJson(const Report& r);

}  // namespace tidemark::bench

#endif  // TIDEMARK_BENCHMARKS_BENCH_REPORT_H_
