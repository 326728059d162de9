// Storage engine benchmarks on the shared realistic dataset (datagen/dataset.h).
//   build/benchmarks/tidemark_storage_bench --benchmark_repetitions=3
// Figures and the machine they were measured on: docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "datagen/dataset.h"
#include "storage/block_codec.h"
#include "storage/head_chunk.h"
#include "tidemark/engine.h"

namespace tidemark::bench {
namespace {

using datagen::DatasetOptions;
using datagen::MetricsDataset;

constexpr int64_t kStart = 1'700'000'000'000;

std::string TempDir(const std::string& name) {
  std::string dir = std::filesystem::temp_directory_path() /
                    ("tidemark-bench-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir;
}

Options BenchOptions() {
  Options o;
  o.sync_policy = SyncPolicy::kGroupCommit;
  o.maintenance_interval_ms = 0;
  o.retention_ms = 0;
  return o;
}

// Appends scrapes of `series` series through the API, one commit per scrape per thread (each
// thread owns a disjoint slice of the series, as separate scrapers would). Third argument: 0 group
// commit (the default policy, durable on return), 1 no sync (CPU cost alone).
void BM_Append(benchmark::State& state) {
  const uint64_t series = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  Options options = BenchOptions();
  if (state.range(2) == 1) options.sync_policy = SyncPolicy::kNone;
  DatasetOptions dopts;
  dopts.series = series;
  dopts.start_ms = kStart;
  MetricsDataset dataset(dopts);
  const std::string dir = TempDir("append");
  auto engine = Engine::Open(options, dir);
  if (!engine.ok()) {
    state.SkipWithError(engine.status().ToString().c_str());
    return;
  }
  std::vector<SeriesRef> refs(dataset.size(), 0);
  std::vector<Sample> samples;
  {
    // Create the series first: the goal is about appending to 100,000 active series.
    auto app = (*engine)->NewAppender();
    dataset.NextScrape(&samples);
    for (size_t i = 0; i < samples.size(); ++i)
      refs[i] = app->Add(dataset.series()[i], samples[i].timestamp_ms, samples[i].value);
    if (!app->Commit().ok()) {
      state.SkipWithError("setup commit failed");
      return;
    }
  }
  uint64_t appended = 0;
  for (auto _ : state) {
    state.PauseTiming();
    dataset.NextScrape(&samples);
    state.ResumeTiming();
    std::vector<std::thread> workers;
    std::atomic<uint64_t> accepted{0};
    for (int w = 0; w < threads; ++w) {
      workers.emplace_back([&, w] {
        auto app = (*engine)->NewAppender();
        const size_t begin = samples.size() * w / threads, end = samples.size() * (w + 1) / threads;
        for (size_t i = begin; i < end; ++i) {
          refs[i] = refs[i]
                        ? app->Add(refs[i], samples[i].timestamp_ms, samples[i].value)
                        : app->Add(dataset.series()[i], samples[i].timestamp_ms, samples[i].value);
        }
        auto r = app->Commit();
        if (r.ok()) accepted += r->accepted;
      });
    }
    for (auto& t : workers) t.join();
    appended += accepted;
  }
  state.counters["samples_per_s"] =
      benchmark::Counter(static_cast<double>(appended), benchmark::Counter::kIsRate);
  const EngineStats st = (*engine)->Stats();
  state.counters["head_bytes_per_series"] = double(st.head_memory_bytes) / double(st.head_series);
  engine->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Append)
    ->ArgNames({"series", "threads", "nosync"})
    ->Args({100'000, 1, 0})
    ->Args({100'000, 2, 0})
    ->Args({100'000, 1, 1})
    ->Args({100'000, 2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(60);

// Bytes the allocator has handed out and not had back (heap and mmap'ed blocks).
uint64_t HeapBytesInUse() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

uint64_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  if (std::fscanf(f, "%llu %llu", &size, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Resident memory of the head per active series: 100,000 series with `scrapes` 15 s samples each
// and nothing checkpointed yet. 120 scrapes is the most the head holds with the default
// checkpoint_interval_ms of 30 minutes; 240 is one full chunk. Measured as the growth of the
// process' resident set (valid for the first run in a process only: freed memory is reused) and
// as the allocator's bytes in use.
void BM_HeadMemory(benchmark::State& state) {
  const int scrapes = static_cast<int>(state.range(0));
  for (auto _ : state) {
    DatasetOptions dopts;
    dopts.series = 100'000;
    dopts.start_ms = kStart;
    MetricsDataset dataset(dopts);
    std::vector<Sample> samples(dataset.size());
    std::vector<SeriesRef> refs(dataset.size(), 0);
    const std::string dir = TempDir("memory");
    Options options = BenchOptions();
    options.sync_policy = SyncPolicy::kNone;
    const uint64_t before = ResidentBytes();
    const uint64_t heap_before = HeapBytesInUse();
    auto engine = Engine::Open(options, dir);
    if (!engine.ok()) {
      state.SkipWithError(engine.status().ToString().c_str());
      return;
    }
    auto app = (*engine)->NewAppender();
    for (int k = 0; k < scrapes; ++k) {
      dataset.NextScrape(&samples);
      for (size_t i = 0; i < samples.size(); ++i) {
        refs[i] = refs[i]
                      ? app->Add(refs[i], samples[i].timestamp_ms, samples[i].value)
                      : app->Add(dataset.series()[i], samples[i].timestamp_ms, samples[i].value);
      }
      if (!app->Commit().ok()) {
        state.SkipWithError("commit failed");
        return;
      }
    }
    app.reset();
    const uint64_t after = ResidentBytes();
    const uint64_t heap_after = HeapBytesInUse();
    const EngineStats st = (*engine)->Stats();
    state.counters["rss_bytes_per_series"] = double(after - before) / double(dataset.size());
    state.counters["heap_bytes_per_series"] =
        double(heap_after - heap_before) / double(dataset.size());
    state.counters["estimated_head_bytes_per_series"] =
        double(st.head_memory_bytes) / double(st.head_series);
    engine->reset();
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_HeadMemory)
    ->ArgName("scrapes")
    ->Arg(120)
    ->Arg(240)
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

// A directory holding `series` series x `hours` hours of the dataset, stored in segments.
struct StoredData {
  std::string dir;
  std::unique_ptr<Engine> engine;
  std::vector<Labels> labels;
};

std::map<std::pair<uint64_t, int>, std::unique_ptr<StoredData>>& StoredCache() {
  static auto* cache = new std::map<std::pair<uint64_t, int>, std::unique_ptr<StoredData>>;
  return *cache;
}

StoredData* GetStored(uint64_t series, int hours) {
  auto& slot = StoredCache()[{series, hours}];
  if (slot) return slot.get();
  slot = std::make_unique<StoredData>();
  DatasetOptions dopts;
  dopts.series = series;
  dopts.start_ms = kStart;
  MetricsDataset dataset(dopts);
  slot->dir = TempDir("read-" + std::to_string(series) + "-" + std::to_string(hours));
  auto engine = Engine::Open(BenchOptions(), slot->dir);
  if (!engine.ok()) return nullptr;
  slot->engine = std::move(engine).value();
  auto app = slot->engine->NewAppender();
  std::vector<SeriesRef> refs(dataset.size(), 0);
  std::vector<Sample> samples;
  for (int k = 0; k < hours * 240; ++k) {
    dataset.NextScrape(&samples);
    for (size_t i = 0; i < samples.size(); ++i) {
      refs[i] = refs[i] ? app->Add(refs[i], samples[i].timestamp_ms, samples[i].value)
                        : app->Add(dataset.series()[i], samples[i].timestamp_ms, samples[i].value);
    }
    if (!app->Commit().ok()) return nullptr;
    // A checkpoint every 30 minutes of data, as the default checkpoint_interval_ms gives when
    // samples arrive in real time.
    if ((k + 1) % 120 == 0 && !slot->engine->Flush().ok()) return nullptr;
  }
  // Old partitions get compacted by the maintenance thread; do it now.
  if (!slot->engine->Flush().ok() || !slot->engine->Compact(INT64_MAX).ok()) return nullptr;
  slot->labels = dataset.series();
  return slot.get();
}

// Reads one series over the last `hours` hours from segments.
void BM_ReadOneSeries(benchmark::State& state) {
  const int hours = static_cast<int>(state.range(0));
  StoredData* data = GetStored(1'000, hours);
  if (!data) {
    state.SkipWithError("setup failed");
    return;
  }
  size_t i = 0;
  uint64_t samples = 0;
  for (auto _ : state) {
    const Labels& l = data->labels[(i++ * 7919) % data->labels.size()];
    std::vector<LabelMatcher> ms;
    for (const Label& x : l) ms.push_back(LabelMatcher::Equal(x.name, x.value));
    auto set = data->engine->Select(ms, kStart, kStart + hours * 3'600'000LL);
    while ((*set)->Next()) {
      auto* it = (*set)->Samples();
      while (it->Next()) ++samples;
    }
  }
  state.counters["samples"] = double(samples) / double(state.iterations());
}
BENCHMARK(BM_ReadOneSeries)->Arg(24)->Unit(benchmark::kMicrosecond);

// Reads every series of one metric-name regex over one hour: 10,000 series.
void BM_Read10kSeriesOneHour(benchmark::State& state) {
  StoredData* data = GetStored(10'000, 2);
  if (!data) {
    state.SkipWithError("setup failed");
    return;
  }
  uint64_t series = 0;
  for (auto _ : state) {
    auto set = data->engine->Select({LabelMatcher::Equal("job", "node")}, kStart + 3'600'000,
                                    kStart + 7'200'000);
    uint64_t n = 0;
    while ((*set)->Next()) {
      auto* it = (*set)->Samples();
      while (it->Next()) benchmark::DoNotOptimize(it->At());
      ++n;
    }
    series = n;
  }
  state.counters["series"] = double(series);
}
BENCHMARK(BM_Read10kSeriesOneHour)->Unit(benchmark::kMillisecond);

// `n` samples at 15 s with a few ms of jitter: a counter (kind 0), a gauge with two decimals (1)
// or a value that is not decimal (2).
std::vector<Sample> DecodeBenchSamples(int64_t kind, int n) {
  std::mt19937_64 rng(5);
  std::vector<Sample> samples;
  int64_t t = kStart;
  double counter = 1e6;
  for (int i = 0; i < n; ++i) {
    t += 15'000 + static_cast<int64_t>(rng() % 7) - 3;
    double v;
    switch (kind) {
      case 0:
        counter += static_cast<double>(rng() % 5000);
        v = counter;
        break;
      case 1:
        v = static_cast<double>(rng() % 10'000) / 100;
        break;
      default:
        v = std::sqrt(static_cast<double>(rng() % 1'000'000));
        break;
    }
    samples.push_back({t, v});
  }
  return samples;
}

// Decoding one full head chunk (240 samples at 15 s with a few ms of jitter): a counter (decimal
// mode), a gauge with two decimals, and a value that is not decimal (XOR mode). Every read of
// recent data decodes chunks from their start, so this is most of a rule evaluation's read cost.
void BM_HeadChunkDecode(benchmark::State& state) {
  storage::HeadChunk chunk;
  for (const Sample& x : DecodeBenchSamples(state.range(0), 240)) {
    chunk.Append(x.timestamp_ms, x.value);
  }
  uint64_t decoded = 0;
  for (auto _ : state) {
    storage::HeadChunkIterator it(chunk.bytes(), chunk.num_samples());
    while (it.Next()) benchmark::DoNotOptimize(it.v());
    decoded += chunk.num_samples();
  }
  state.counters["samples_per_s"] =
      benchmark::Counter(static_cast<double>(decoded), benchmark::Counter::kIsRate);
  state.counters["bytes_per_sample"] = static_cast<double>(chunk.bytes().size()) / 240;
}
BENCHMARK(BM_HeadChunkDecode)->ArgName("counter_gauge_xor")->DenseRange(0, 2);

// Decoding one stored block of 360 samples (90 minutes at 15 s, a few ms of jitter) with the
// values of BM_HeadChunkDecode: what every read of data older than the head costs per series.
void BM_StoredBlockDecode(benchmark::State& state) {
  const std::vector<Sample> samples = DecodeBenchSamples(state.range(0), 360);
  const std::string block = storage::EncodeBlock(7, samples);
  std::vector<Sample> out;
  uint64_t decoded = 0;
  for (auto _ : state) {
    out.clear();
    storage::BlockHeader header;
    if (!storage::DecodeBlock(block, &header, &out).ok()) {
      state.SkipWithError("block does not decode");
      break;
    }
    benchmark::DoNotOptimize(out.data());
    decoded += out.size();
  }
  state.counters["samples_per_s"] =
      benchmark::Counter(static_cast<double>(decoded), benchmark::Counter::kIsRate);
  state.counters["bytes_per_sample"] = static_cast<double>(block.size()) / 360;
}
BENCHMARK(BM_StoredBlockDecode)->ArgName("counter_gauge_xor")->DenseRange(0, 2);

}  // namespace

// Closes the engines and removes their directories before static destruction begins.
void CleanUp() {
  for (auto& [key, data] : StoredCache()) {
    if (!data) continue;
    data->engine.reset();
    std::filesystem::remove_all(data->dir);
  }
  StoredCache().clear();
}

}  // namespace tidemark::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  tidemark::bench::CleanUp();
  return 0;
}
