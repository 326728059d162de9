#include <chrono>
#include <cstdio>

#include "benchmarks/dataset.h"
#include "server/commands.h"
#include "tidemark/engine.h"

namespace tidemark::server {

int RunGenerate(const GenerateOptions& o) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const uint64_t scrapes = static_cast<uint64_t>(o.hours * 3600 / 15);
  bench::DatasetOptions dopts;
  dopts.series = o.series;
  dopts.jitter_ms = o.jitter_ms;
  dopts.seed = o.seed;
  dopts.start_ms = now - static_cast<int64_t>(scrapes) * dopts.interval_ms;
  bench::MetricsDataset dataset(dopts);

  Options options;
  options.maintenance_interval_ms = 0;
  auto engine = Engine::Open(options, o.dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "tidemark generate: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  auto appender = (*engine)->NewAppender();
  std::vector<SeriesRef> refs(dataset.size(), 0);
  std::vector<Sample> samples;
  uint64_t total = 0;
  for (uint64_t k = 0; k < scrapes; ++k) {
    dataset.NextScrape(&samples);
    for (size_t i = 0; i < samples.size(); ++i) {
      refs[i] = refs[i] != 0 ? appender->Add(refs[i], samples[i].timestamp_ms, samples[i].value)
                             : appender->Add(dataset.series()[i], samples[i].timestamp_ms, samples[i].value);
    }
    auto report = appender->Commit();
    if (!report.ok()) {
      std::fprintf(stderr, "tidemark generate: commit: %s\n", report.status().ToString().c_str());
      return 1;
    }
    total += report->accepted;
  }
  Status s = (*engine)->Flush();
  if (!s.ok()) {
    std::fprintf(stderr, "tidemark generate: flush: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("generated %llu samples of %zu series over %.2f hours into %s\n",
              static_cast<unsigned long long>(total), dataset.size(), o.hours, o.dir.c_str());
  return 0;
}

}  // namespace tidemark::server
