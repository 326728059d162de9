// tidemark-bench's workloads: the request bodies of a run, generated from the shared datasets
// (datagen/) with a seed and encoded for one protocol before anything is timed, so the client
// measures the server and two runs send identical bytes.
#ifndef TIDEMARK_BENCHMARKS_BENCH_WORKLOAD_H_
#define TIDEMARK_BENCHMARKS_BENCH_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tidemark/status.h"

namespace tidemark::bench {

enum class Signal { kMetrics, kTraces };
enum class Protocol { kRemoteWrite, kOtlpGrpc, kOtlpHttp };
enum class Encoding { kProtobuf, kJson };

std::string_view SignalName(Signal s);
std::string_view ProtocolName(Protocol p);

struct WorkloadOptions {
  // "node": node-exporter-like targets (counters, gauges, classic histograms), 8-10 labels a
  // series. "app": LLM-application services' metrics as OTel SDKs send them (HTTP and gen_ai.*
  // histograms, token, request and cost counters). "traces": HTTP-service and LLM-application
  // traces with gen_ai.* attributes.
  std::string name = "node";
  uint64_t seed = 42;
  // node and app
  uint64_t series = 10'000;      // rounded up to whole targets (node: 106 series each, app: 182)
  uint64_t scrapes = 40;         // samples per series in the run
  int64_t interval_ms = 15'000;  // between a series' samples
  uint64_t series_per_request = 1'000;  // series in a request
  uint64_t samples_per_series = 1;      // consecutive samples of each series in a request
  // Targets replaced per hour of data, as a share of all (0.1: a tenth of the targets restart
  // under new `pod` label values each hour). Each replacement starts new series.
  double churn_per_hour = 0;
  // traces
  uint64_t traces = 10'000;
  uint64_t spans_per_request = 1'000;  // whole traces are packed until a request holds this many
  uint32_t spans_per_trace = 0;        // 0: the dataset's natural mix (datagen/span_dataset.h)
  uint32_t span_attributes = 0;        // added to every span
  uint32_t attribute_cardinality = 100;
  // The last sample's timestamp (or traces' window end); 0 means now.
  int64_t end_ms = 0;
};

struct EncodeOptions {
  Protocol protocol = Protocol::kRemoteWrite;
  Encoding encoding = Encoding::kProtobuf;
  bool gzip = false;  // HTTP bodies gzip-compressed (gRPC compresses itself; see load.h)
  // remote_write: 1 (prometheus.WriteRequest) or 2 (io.prometheus.write.v2.Request, with a
  // symbol table and metadata on every series).
  int remote_write_version = 1;
};

struct RequestBody {
  std::string bytes;
  uint64_t items = 0;  // samples (as a Prometheus-compatible back end stores them) or spans
  // Requests with the same key carry the same series and must arrive in order: a connection
  // sends every request of its keys, as a remote_write shard owns its series.
  uint64_t order_key = 0;
};

// What a back end that accepted every request holds, for the verification (verify.h).
struct MetricExpectation {
  uint64_t series = 0;
  uint64_t samples = 0;
};
struct TraceExpectation {
  std::string trace_id;  // hex
  uint64_t spans = 0;
};

struct Workload {
  Signal signal = Signal::kMetrics;
  std::vector<RequestBody> requests;
  uint64_t items = 0;
  uint64_t distinct_series = 0;       // metrics: series the data creates (churn adds some)
  int64_t first_ms = 0, last_ms = 0;  // the data's time range (samples lie within +-5 ms of it)
  int64_t interval_ms = 0;
  // Metrics: by Prometheus metric name (as remote_write sends them and as a back end translating
  // OTLP with suffixes stores them), and a matcher every series of the workload meets
  // (job="node").
  std::map<std::string, MetricExpectation> metrics;
  std::string common_matcher;
  // Traces: every trace sent.
  std::vector<TraceExpectation> traces;
};

// InvalidArgument naming the problem for an unknown workload or an encoding the protocol does
// not have (remote_write of traces, JSON over gRPC).
Result<Workload> BuildWorkload(const WorkloadOptions& options, const EncodeOptions& encode);

// The signal a workload sends, or InvalidArgument.
Result<Signal> WorkloadSignal(std::string_view name);

}  // namespace tidemark::bench

#endif  // TIDEMARK_BENCHMARKS_BENCH_WORKLOAD_H_
