// Trace store benchmarks on the shared span generator (datagen/span_dataset.h).
//   build/benchmarks/tidemark_trace_bench                       # 1,000,000 stored spans
//   TIDEMARK_BENCH_SPANS=10000000 build/benchmarks/tidemark_trace_bench --benchmark_filter=Search
// TIDEMARK_BENCH_SCAN_THREADS sets Options::span_scan_threads (default: one per core), and
// TIDEMARK_BENCH_BLOCK_CACHE_MB Options::block_cache_bytes (default 256 MiB).
// TIDEMARK_BENCH_KEEP_DIR=DIR stores into DIR (which must not exist) and keeps it, with DIR.json
// for scripts/bench-trace-http.py, the end-to-end run over HTTP against `tidemark serve`.
// TIDEMARK_BENCH_HOURS spreads the stored spans over that many hours (default 1); searches cover
// the last hour, so TIDEMARK_BENCH_SPANS=50000000 TIDEMARK_BENCH_HOURS=5 searches 10 million of
// 50 million stored spans.
// Figures and the machine they were measured on: docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "datagen/span_dataset.h"
#include "query/jaeger_search.h"
#include "tidemark/engine.h"
#include "tidemark/trace_search.h"
#include "tidemark/traceql.h"

namespace tidemark::bench {
namespace {

using datagen::SpanDataset;
using datagen::SpanDatasetOptions;

constexpr uint64_t kSecond = 1'000'000'000ULL;

uint64_t NowNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string TempDir(const std::string& name) {
  std::string dir = std::filesystem::temp_directory_path() /
                    ("tidemark-trace-bench-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

Options BenchOptions() {
  Options o;
  o.sync_policy = SyncPolicy::kGroupCommit;
  o.maintenance_interval_ms = 0;
  if (const char* mb = std::getenv("TIDEMARK_BENCH_BLOCK_CACHE_MB")) {
    o.block_cache_bytes = std::strtoull(mb, nullptr, 10) << 20;
  }
  return o;
}

// Appends a batch, waiting and retrying while the engine pushes back (ResourceExhausted), as an
// OTLP client retries a 429. Returns the spans accepted.
uint64_t AppendWithRetry(Engine& engine, std::vector<Span> batch) {
  for (int attempt = 0; attempt < 10'000; ++attempt) {
    auto r = engine.AppendSpans(std::move(batch));  // left intact on backpressure
    if (r.ok()) return r->accepted;
    if (r.status().code() != StatusCode::kResourceExhausted) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return 0;
}

// Appends pre-generated batches of 1,000 spans from `threads` threads, durable (group commit).
// A server handles many exports at once; with one thread each batch also waits out the group
// commit interval alone.
void BM_AppendSpans(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  SpanDatasetOptions dopts;
  dopts.start_unix_nano = NowNanos() - 3600 * kSecond;
  SpanDataset dataset(dopts);
  std::vector<std::vector<Span>> batches;
  size_t total = 0;
  while (total < 400'000) {
    std::vector<Span> batch;
    while (batch.size() < 1000) dataset.NextTrace(&batch);
    total += batch.size();
    batches.push_back(std::move(batch));
  }
  uint64_t appended = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = TempDir("append");
    auto engine = Engine::Open(BenchOptions(), dir);
    auto copies = batches;  // AppendSpans takes its batch by value
    state.ResumeTiming();
    std::atomic<size_t> next{0};
    std::atomic<uint64_t> accepted{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < threads; ++w) {
      workers.emplace_back([&] {
        for (size_t i = next++; i < copies.size(); i = next++) {
          accepted += AppendWithRetry(**engine, std::move(copies[i]));
        }
      });
    }
    for (auto& t : workers) t.join();
    appended += accepted;
    state.PauseTiming();
    engine->reset();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.counters["spans_per_s"] =
      benchmark::Counter(static_cast<double>(appended), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AppendSpans)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Arg(8)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

struct Stored {
  std::string dir;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> trace_ids;
  uint64_t spans = 0;
  uint64_t start = 0;
  uint64_t last_hour = 0;  // the start of the hour searches cover
  bool keep = false;       // TIDEMARK_BENCH_KEEP_DIR: left on disk, with a description beside it
  double bytes_per_span = 0;
  double segment_bytes_per_span = 0;
};

Stored* GetStored() {
  static Stored* stored = nullptr;
  if (stored) return stored;
  stored = new Stored;
  const char* env = std::getenv("TIDEMARK_BENCH_SPANS");
  const uint64_t want = env ? std::strtoull(env, nullptr, 10) : 1'000'000;
  if (const char* keep = std::getenv("TIDEMARK_BENCH_KEEP_DIR")) {
    // A store kept for the HTTP end-to-end run (scripts/bench-trace-http.py); never reused.
    if (std::filesystem::exists(keep)) {
      std::fprintf(stderr, "TIDEMARK_BENCH_KEEP_DIR %s exists: name a new directory\n", keep);
      return nullptr;
    }
    stored->dir = keep;
    stored->keep = true;
  } else {
    stored->dir = TempDir("stored");
  }
  Options o = BenchOptions();
  o.sync_policy = SyncPolicy::kNone;  // setup speed; durability is measured by BM_AppendSpans
  o.span_segment_max_age_ms = 3'600'000;
  if (const char* threads = std::getenv("TIDEMARK_BENCH_SCAN_THREADS")) {
    o.span_scan_threads = static_cast<uint32_t>(std::strtoul(threads, nullptr, 10));
  }
  auto engine = Engine::Open(o, stored->dir);
  if (!engine.ok()) return nullptr;
  stored->engine = std::move(engine).value();
  SpanDatasetOptions dopts;
  const char* hours_env = std::getenv("TIDEMARK_BENCH_HOURS");
  const uint64_t hours =
      std::max<uint64_t>(1, hours_env ? std::strtoull(hours_env, nullptr, 10) : 1);
  stored->start = NowNanos() - hours * 3600 * kSecond;
  stored->last_hour = stored->start + (hours - 1) * 3600 * kSecond;
  std::mt19937_64 rng(1);
  // Hour by hour, as spans arrive: each hour's segments hold that hour's spans.
  for (uint64_t h = 0; h < hours; ++h) {
    dopts.start_unix_nano = stored->start + h * 3600 * kSecond;
    dopts.seed = 7 + h;
    SpanDataset dataset(dopts);
    while (stored->spans < want * (h + 1) / hours) {
      std::vector<Span> batch;
      while (batch.size() < 5000) {
        const size_t before = batch.size();
        dataset.NextTrace(&batch);
        if (rng() % 1000 == 0)
          stored->trace_ids.push_back(batch[before].trace_id);  // a sample to look up
      }
      const size_t n = batch.size();
      if (AppendWithRetry(*stored->engine, std::move(batch)) != n) return nullptr;
      stored->spans += n;
    }
  }
  if (!stored->engine->Flush().ok()) return nullptr;
  const EngineStats st = stored->engine->Stats();
  stored->segment_bytes_per_span = double(st.span_bytes) / double(stored->spans);
  stored->bytes_per_span = double(DirectoryBytes(stored->dir)) / double(stored->spans);
  return stored;
}

void BM_GetTrace(benchmark::State& state) {
  Stored* s = GetStored();
  if (!s) {
    state.SkipWithError("setup failed");
    return;
  }
  std::vector<double> micros;
  size_t i = 0, spans = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto trace = s->engine->GetTrace(s->trace_ids[i++ % s->trace_ids.size()]);
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!trace.ok()) {
      state.SkipWithError(trace.status().ToString().c_str());
      return;
    }
    spans += trace->size();
  }
  std::sort(micros.begin(), micros.end());
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[micros.size() * 99 / 100];
  state.counters["spans_per_trace"] = double(spans) / double(micros.size());
  state.counters["stored_spans"] = double(s->spans);
  state.counters["disk_bytes_per_span"] = s->bytes_per_span;
  state.counters["segment_bytes_per_span"] = s->segment_bytes_per_span;
}
BENCHMARK(BM_GetTrace)->Unit(benchmark::kMicrosecond)->Iterations(2000);

// service.name = "checkout" && http.status_code >= 500 && duration > 1s over the stored hour.
void BM_SearchTraces(benchmark::State& state) {
  Stored* s = GetStored();
  if (!s) {
    state.SkipWithError("setup failed");
    return;
  }
  TraceSearchRequest req;
  req.start_unix_nano = s->last_hour;
  req.end_unix_nano = s->last_hour + 3600 * kSecond;
  req.conditions = {
      {ConditionScope::kIntrinsic, "service.name", ConditionOp::kEq, AnyValue::String("checkout")},
      {ConditionScope::kSpan, "http.status_code", ConditionOp::kGe, AnyValue::Int(500)},
      {ConditionScope::kIntrinsic, "duration", ConditionOp::kGt, AnyValue::Int(1'000'000'000)}};
  if (state.range(0) == 1) {
    // A common dashboard search: errors of one service, the 20 most recent.
    req.conditions = {
        {ConditionScope::kIntrinsic, "service.name", ConditionOp::kEq, AnyValue::String("rag-api")},
        {ConditionScope::kIntrinsic, "status", ConditionOp::kEq, AnyValue::String("error")}};
  }
  size_t found = 0;
  for (auto _ : state) {
    auto r = tidemark::SearchTraces(*s->engine, req);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    found = r->traces.size();
  }
  state.counters["traces_found"] = double(found);
  state.counters["stored_spans"] = double(s->spans);
}
BENCHMARK(BM_SearchTraces)->ArgName("query")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Latency percentiles of a set of timings (ms), into the benchmark's counters.
void ReportPercentiles(benchmark::State& state, std::vector<double> millis) {
  std::sort(millis.begin(), millis.end());
  state.counters["p50_ms"] = millis[millis.size() / 2];
  state.counters["p99_ms"] = millis[std::min(millis.size() - 1, millis.size() * 99 / 100)];
}

// TraceQL over the stored hour: 0 a search many traces match (every LLM call), 1 one only a few
// match (a service's slow server errors), 2 the structural query of issue 10 (errors below an
// LLM span), 3 a pipeline (traces with more than 8 spans of one service).
const char* const kTraceQLQueries[] = {
    R"({ span.gen_ai.request.model != nil })",
    R"({ resource.service.name = "checkout" && span.http.status_code >= 500 && duration > 1s })",
    R"({ span.gen_ai.system != nil } >> { status = error })",
    R"({ resource.service.name = "rag-api" } | count() > 8)",
};

void BM_TraceQL(benchmark::State& state) {
  Stored* s = GetStored();
  if (!s) {
    state.SkipWithError("setup failed");
    return;
  }
  TraceQLSearchRequest req;
  req.query = kTraceQLQueries[state.range(0)];
  req.start_unix_nano = s->last_hour;
  req.end_unix_nano = s->last_hour + 3600 * kSecond;
  req.limit = 20;
  std::vector<double> millis;
  size_t found = 0;
  uint64_t inspected = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = SearchTraceQL(*s->engine, req);
    millis.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    found = r->traces.size();
    inspected = r->inspected_spans;
  }
  ReportPercentiles(state, millis);
  state.counters["traces_found"] = double(found);
  state.counters["spans_inspected"] = double(inspected);
  state.counters["stored_spans"] = double(s->spans);
}
BENCHMARK(BM_TraceQL)
    ->ArgName("query")
    ->DenseRange(0, 3)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(20);

// Jaeger's search: one service's error traces (a tag), and an operation with a duration bound.
void BM_JaegerSearch(benchmark::State& state) {
  Stored* s = GetStored();
  if (!s) {
    state.SkipWithError("setup failed");
    return;
  }
  query::JaegerTraceQuery q;
  q.start_unix_nano = s->last_hour;
  q.end_unix_nano = s->last_hour + 3600 * kSecond;
  q.limit = 20;
  q.service = "rag-api";
  if (state.range(0) == 0) {
    q.tags = {{"error", "true"}};
  } else {
    q.operation = "rag.pipeline";
    q.min_duration_nano = 2'000'000'000;
  }
  std::vector<double> millis;
  size_t found = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = query::FindJaegerTraces(*s->engine, q, ReadOptions{});
    millis.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    found = r->traces.size();
  }
  ReportPercentiles(state, millis);
  state.counters["traces_found"] = double(found);
  state.counters["stored_spans"] = double(s->spans);
}
BENCHMARK(BM_JaegerSearch)
    ->ArgName("query")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(20);

}  // namespace
}  // namespace tidemark::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Close the stored engine and remove its directory before static destruction; a kept one gets
  // DIR.json beside it: the sampled trace ids (hex) and the searched hour, for the HTTP client.
  if (auto* s = tidemark::bench::GetStored(); s && s->engine) {
    s->engine.reset();
    if (!s->keep) {
      std::filesystem::remove_all(s->dir);
      return 0;
    }
    std::ofstream out(s->dir + ".json");
    out << "{\"search_start_unix_nano\": " << s->last_hour
        << ", \"search_end_unix_nano\": " << s->last_hour + 3600 * tidemark::bench::kSecond
        << ", \"stored_spans\": " << s->spans << ", \"trace_ids\": [";
    for (size_t i = 0; i < s->trace_ids.size(); ++i) {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex;
      for (char c : s->trace_ids[i]) {
        hex.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
        hex.push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
      }
      out << (i ? ", " : "") << '"' << hex << '"';
    }
    out << "]}\n";
  }
  return 0;
}
