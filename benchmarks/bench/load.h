// tidemark-bench's load phase: sends a workload's encoded requests over N connections to any
// remote_write or OTLP endpoint, closed loop (each connection sends its next request when the
// last is answered) or open loop at a target rate, where a request's latency runs from the time
// the schedule meant to send it, so a slow server cannot hide its queueing (no coordinated
// omission).
#ifndef TIDEMARK_BENCHMARKS_BENCH_LOAD_H_
#define TIDEMARK_BENCHMARKS_BENCH_LOAD_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "benchmarks/bench/workload.h"

namespace tidemark::bench {

struct TargetOptions {
  Protocol protocol = Protocol::kRemoteWrite;
  Signal signal = Signal::kMetrics;
  Encoding encoding = Encoding::kProtobuf;
  bool gzip = false;  // OTLP/HTTP bodies are gzip (see EncodeOptions); gRPC compresses itself
  int remote_write_version = 1;  // the Content-Type and version headers of remote_write
  std::string address;           // host:port
  std::string path;  // HTTP path; empty: the protocol's (/api/v1/write, /v1/metrics, ...)
  std::vector<std::pair<std::string, std::string>> headers;  // also gRPC metadata
  bool tls = false;
  std::string tls_ca_file;      // PEM roots; empty: the system's
  std::string tls_server_name;  // SNI and the name verified; empty: the address' host
};

struct Progress {
  double elapsed_seconds = 0;
  uint64_t items_accepted = 0;  // so far, warm-up included
  uint64_t requests_failed = 0;
  double items_per_second = 0;  // over the last interval
  double last_p99_ms = 0;       // of the requests answered in the last interval
};

struct LoadOptions {
  int connections = 4;
  double rate = 0;              // items/s over all connections; 0: closed loop
  double warmup_seconds = 0;    // requests answered before this are not counted
  double duration_seconds = 0;  // stop sending after this; 0: send every request once
  int max_attempts = 10;        // sends of a request refused for backpressure (429/503/...)
  double timeout_seconds = 30;  // per request
  // Called about once a second from a thread of its own while the run lasts.
  std::function<void(const Progress&)> on_progress;
};

struct LoadResult {
  // Counted after the warm-up.
  uint64_t requests_ok = 0;
  uint64_t items_accepted = 0;
  uint64_t requests_failed = 0;
  uint64_t items_failed = 0;    // in failed requests
  uint64_t items_rejected = 0;  // refused within answered requests (OTLP partial success)
  uint64_t retries = 0;         // sends repeated after backpressure
  std::map<std::string, uint64_t> errors;  // "HTTP 400", "gRPC UNAVAILABLE", "connect: ..."
  std::string first_error;                 // the first failure's full message, for the report
  std::vector<double> latencies_ms;        // sorted
  double measured_seconds = 0;             // from the warm-up's end to the last answer
  double measured_start_seconds = 0;       // since the run's start
  // Everything, warm-up included: what a verification reads back.
  uint64_t items_accepted_total = 0;
  uint64_t requests_unsent = 0;  // left when the duration ran out
};

// Sends `requests` (each connection the requests of its order keys, in order). Fails only when
// no connection could be made at all; per-request failures are counted in the result.
Result<LoadResult> RunLoad(const std::vector<RequestBody>& requests, const TargetOptions& target,
                           const LoadOptions& options);

// The p-th percentile (0..100) of sorted values, by the nearest-rank method; 0 if empty.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace tidemark::bench

#endif  // TIDEMARK_BENCHMARKS_BENCH_LOAD_H_
