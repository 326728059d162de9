// A realistic span generator shared by the trace benchmarks and later load generators:
// microservice traces (HTTP server and client spans with http.* attributes, database spans) and
// LLM application traces as in the user's documents (a rag.pipeline root with embedding, vector
// search, rerank and gen_ai.client.chat children carrying gen_ai.* attributes and token counts;
// agents calling tools), with 1-5 % errors recorded as exception events. Deterministic per seed.
#ifndef TIDEMARK_DATAGEN_SPAN_DATASET_H_
#define TIDEMARK_DATAGEN_SPAN_DATASET_H_

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tidemark/trace.h"

namespace tidemark::datagen {

struct SpanDatasetOptions {
  uint64_t start_unix_nano = 0;  // traces start uniformly in [start, start + window)
  uint64_t window_nano = 3'600'000'000'000ULL;
  double error_ratio = 0.03;  // share of traces with a failed span
  uint64_t seed = 7;
  // The trace shape for load tests; the defaults keep the natural mix (4-10 spans a trace).
  // spans_per_trace > 0: each trace is cut to its first N spans (parents come before their
  // children) or filled up with internal `step` spans under its root.
  uint32_t spans_per_trace = 0;
  // Attributes added to every span, bench.attr.0 ... bench.attr.N-1, each with values drawn from
  // `attribute_cardinality` distinct strings.
  uint32_t extra_attributes = 0;
  uint32_t attribute_cardinality = 100;
};

class SpanDataset {
 public:
  explicit SpanDataset(const SpanDatasetOptions& options);
  // Appends the spans of one new trace to `out`.
  void NextTrace(std::vector<Span>* out);

 private:
  struct Service {
    std::string name;
    // One resource per instance and one scope, shared by the service's spans as an SDK's are.
    std::vector<std::shared_ptr<const SpanResource>> instances;
    std::shared_ptr<const SpanScope> scope;
  };
  Span NewSpan(const Service& service, const std::string& trace_id, const std::string& parent,
               std::string name, SpanKind kind, uint64_t start, uint64_t duration);
  std::string RandomId(size_t bytes);
  void MicroserviceTrace(std::vector<Span>* out, const std::string& trace_id, uint64_t start,
                         bool error);
  void LlmTrace(std::vector<Span>* out, const std::string& trace_id, uint64_t start, bool error);
  void AgentTrace(std::vector<Span>* out, const std::string& trace_id, uint64_t start, bool error);
  void MarkError(Span* s, const std::string& type, const std::string& message);
  // Applies spans_per_trace and extra_attributes to the trace in out[first, end).
  void Shape(std::vector<Span>* out, size_t first);

  SpanDatasetOptions options_;
  std::mt19937_64 rng_;
  std::vector<Service> services_;
};

}  // namespace tidemark::datagen

#endif  // TIDEMARK_DATAGEN_SPAN_DATASET_H_
