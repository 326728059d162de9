// PromQL latency for dashboard-style queries, through the same engine the HTTP API uses.
//
// Data: `series` counters http_requests_total{job, instance} and as many histogram buckets
// request_duration_seconds_bucket{instance, le}, one sample every 30 s, written in time order and
// flushed into stored segments (the slower read path). Queries are range queries with about 240
// steps, as a Grafana panel asks, over windows of 1 hour, 1 day and 7 days ending at the newest
// sample. Each benchmark reports p50 and p99 latency over its iterations and the peak bytes the
// query allocated (counted by replacing operator new in this binary; RocksDB block cache fills
// triggered by the query count too).
//
//   build/benchmarks/tidemark_query_bench --benchmark_min_time=2s
//   TIDEMARK_BENCH_QUERY_SERIES=1000 ... to run one series count only
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "query/engine.h"
#include "query/parser.h"
#include "tidemark/engine.h"

namespace {

std::atomic<int64_t> g_allocated{0};
std::atomic<int64_t> g_peak{0};

void TrackAlloc(void* p) {
  const auto n = static_cast<int64_t>(malloc_usable_size(p));
  const int64_t now = g_allocated.fetch_add(n, std::memory_order_relaxed) + n;
  int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

void TrackFree(void* p) {
  if (p != nullptr)
    g_allocated.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
}

}  // namespace

// GCC sees malloc in the replaced operator new inlined next to free in the replaced delete and
// warns of a mismatch that is not there: both sides are replaced together.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  TrackAlloc(p);
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept {
  TrackFree(p);
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t) noexcept { operator delete(p); }
void operator delete[](void* p, size_t) noexcept { operator delete(p); }

namespace {

using tidemark::Engine;
using tidemark::Labels;

constexpr int64_t kInterval = 30'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1'700'000'000'000;

struct Dataset {
  ~Dataset() {
    engine.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<Engine> engine;
  int64_t end = 0;  // newest sample
};

// Days of data per series count: 7 for up to 1,000 series, 1 for 10,000 (so that generating it
// stays under a minute on the reference machine).
int DaysFor(int series) { return series >= 10'000 ? 1 : 7; }

// Datasets by series count, built on first use and removed before exit (explicitly: RocksDB must
// close before static destructors run).
std::map<int, std::unique_ptr<Dataset>>& Datasets() {
  static auto* datasets = new std::map<int, std::unique_ptr<Dataset>>();
  return *datasets;
}

Dataset* GetDataset(int series) {
  auto& slot = Datasets()[series];
  if (slot) return slot.get();
  slot = std::make_unique<Dataset>();
  slot->dir = (std::filesystem::temp_directory_path() /
               ("tidemark-query-bench-" + std::to_string(getpid()) + "-" + std::to_string(series)))
                  .string();
  std::filesystem::remove_all(slot->dir);
  tidemark::Options o;
  o.retention_ms = 0;
  o.sync_policy = tidemark::SyncPolicy::kNone;
  o.maintenance_interval_ms = 0;
  slot->engine = std::move(Engine::Open(o, slot->dir)).value();
  const int days = DaysFor(series);
  const int64_t points = days * kDay / kInterval;
  const char* les[] = {"0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30", "+Inf"};
  std::vector<Labels> counters, buckets;
  for (int i = 0; i < series; ++i) {
    counters.push_back(Labels{{"__name__", "http_requests_total"},
                              {"job", "job-" + std::to_string(i % 10)},
                              {"instance", "i-" + std::to_string(i)}});
    buckets.push_back(Labels{{"__name__", "request_duration_seconds_bucket"},
                             {"instance", "i-" + std::to_string(i / 10)},
                             {"le", les[i % 10]}});
  }
  auto app = slot->engine->NewAppender();
  for (int64_t k = 0; k < points; ++k) {
    const int64_t t = kT0 + k * kInterval;
    for (int i = 0; i < series; ++i) {
      app->Add(counters[i], t, static_cast<double>(k * (10 + i % 7)));
      app->Add(buckets[i], t, static_cast<double>(k * (1 + i % 10)));
    }
    if ((k + 1) % 64 == 0 || k + 1 == points) {
      auto r = app->Commit();
      if (!r.ok()) std::abort();
    }
  }
  if (!slot->engine->Flush().ok()) std::abort();
  slot->end = kT0 + (points - 1) * kInterval;
  return slot.get();
}

const char* kQueries[] = {
    "sum by (job) (rate(http_requests_total[5m]))",
    "histogram_quantile(0.95, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
    "topk(5, rate(http_requests_total[5m]))",
    "sum(rate(http_requests_total{instance=~\"i-1.*\"}[5m]))",
};
const char* kQueryNames[] = {"sum_by_rate", "histogram_quantile", "topk", "regex"};

void BM_DashboardQuery(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const int64_t window = state.range(1);
  const int query = static_cast<int>(state.range(2));
  Dataset* ds = GetDataset(series);
  auto expr = tidemark::promql::ParseExpr(kQueries[query]);
  if (!expr.ok()) {
    state.SkipWithError(expr.status().ToString().c_str());
    return;
  }
  tidemark::promql::QueryEngine engine(tidemark::promql::EngineOptions{});
  const int64_t step = std::max<int64_t>(15'000, window / 240);
  const int64_t start = ds->end - window;
  std::vector<double> latencies;
  int64_t peak_bytes = 0, points = 0;
  for (auto _ : state) {
    const int64_t baseline = g_allocated.load();
    g_peak.store(baseline);
    const auto t0 = std::chrono::steady_clock::now();
    auto result =
        engine.Range(*ds->engine, **expr, start, ds->end, step,
                     tidemark::promql::QueryContext::WithTimeout(std::chrono::minutes(5)));
    const auto t1 = std::chrono::steady_clock::now();
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      return;
    }
    points = 0;
    for (const auto& s : result->matrix) points += static_cast<int64_t>(s.floats.size());
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(seconds);
    latencies.push_back(seconds * 1000);
    peak_bytes = std::max(peak_bytes, g_peak.load() - baseline);
    benchmark::DoNotOptimize(result);
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1,
                                                  static_cast<size_t>(p * latencies.size()))];
  };
  state.counters["p50_ms"] = pct(0.50);
  state.counters["p99_ms"] = pct(0.99);
  state.counters["peak_MiB"] = static_cast<double>(peak_bytes) / (1 << 20);
  state.counters["result_points"] = static_cast<double>(points);
  state.SetLabel(std::string(kQueryNames[query]) + " " + std::to_string(series) + " series " +
                 std::to_string(window / kHour) + "h");
}

// A query over its sample limit: it must fail with ResourceExhausted, and what it allocated
// before failing is bounded by the limit (about 16 bytes per sample plus series labels).
void BM_QueryOverSampleLimit(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  Dataset* ds = GetDataset(series);
  // A day of raw samples of every series, returned as they are: all held at once.
  auto expr = tidemark::promql::ParseExpr("http_requests_total[1d]");
  tidemark::promql::EngineOptions options;
  options.max_samples = state.range(1);
  tidemark::promql::QueryEngine engine(options);
  int64_t peak_bytes = 0;
  for (auto _ : state) {
    const int64_t baseline = g_allocated.load();
    g_peak.store(baseline);
    const auto t0 = std::chrono::steady_clock::now();
    auto result =
        engine.Instant(*ds->engine, **expr, ds->end,
                       tidemark::promql::QueryContext::WithTimeout(std::chrono::minutes(5)));
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (result.ok() || result.status().code() != tidemark::StatusCode::kResourceExhausted) {
      state.SkipWithError("the query was expected to fail with ResourceExhausted");
      return;
    }
    peak_bytes = std::max(peak_bytes, g_peak.load() - baseline);
  }
  state.counters["limit_samples"] = static_cast<double>(state.range(1));
  state.counters["peak_MiB"] = static_cast<double>(peak_bytes) / (1 << 20);
}

void Args(benchmark::internal::Benchmark* b) {
  const char* only = std::getenv("TIDEMARK_BENCH_QUERY_SERIES");
  for (int series : {1, 100, 1000, 10'000}) {
    if (only != nullptr && std::atoi(only) != series) continue;
    for (int64_t window : {kHour, kDay, 7 * kDay}) {
      if (window > DaysFor(series) * kDay) continue;
      for (int q = 0; q < 4; ++q) b->Args({series, window, q});
    }
  }
}

BENCHMARK(BM_DashboardQuery)->Apply(Args)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QueryOverSampleLimit)
    ->Args({1000, 100'000})
    ->Args({1000, 1'000'000})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Datasets().clear();
  return 0;
}
