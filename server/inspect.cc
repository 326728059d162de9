#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>

#include "server/commands.h"
#include "tidemark/engine.h"

namespace tidemark::server {
namespace {

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

std::string FormatTime(int64_t ms) {
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int RunInspect(const std::string& dir, int top) {
  Options options;
  options.create_if_missing = false;
  options.maintenance_interval_ms = 0;
  options.retention_ms = 0;  // show everything stored, whatever its age
  auto opened = Engine::Open(options, dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "tidemark inspect: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  Engine& engine = **opened;
  for (const std::string& m : engine.recovery().messages) std::printf("recovery: %s\n", m.c_str());

  auto partitions = engine.Partitions();
  if (!partitions.ok()) {
    std::fprintf(stderr, "tidemark inspect: %s\n", partitions.status().ToString().c_str());
    return 1;
  }
  const EngineStats stats = engine.Stats();
  uint64_t samples = 0, blocks = 0, stored = 0;
  std::printf("Partitions:\n  %-22s %-22s %10s %10s %12s %12s %10s\n", "start", "end", "series",
              "blocks", "samples", "block bytes", "B/sample");
  for (const PartitionInfo& p : *partitions) {
    std::printf("  %-22s %-22s %10llu %10llu %12llu %12llu %10.3f\n",
                FormatTime(p.start_ms).c_str(), FormatTime(p.end_ms).c_str(),
                (unsigned long long)p.series, (unsigned long long)p.blocks,
                (unsigned long long)p.samples, (unsigned long long)p.stored_bytes,
                p.samples ? double(p.stored_bytes) / double(p.samples) : 0.0);
    samples += p.samples;
    blocks += p.blocks;
    stored += p.stored_bytes;
  }
  const uint64_t dir_bytes = DirectoryBytes(dir);
  std::printf("\nSeries: %llu (head samples not yet in segments: %llu)\n",
              (unsigned long long)stats.head_series, (unsigned long long)stats.head_samples);
  std::printf("Stored samples: %llu in %llu blocks over %zu partitions\n",
              (unsigned long long)samples, (unsigned long long)blocks, partitions->size());
  std::printf("Encoded block bytes: %llu (%.3f bytes/sample before RocksDB compression)\n",
              (unsigned long long)stored, samples ? double(stored) / double(samples) : 0.0);
  std::printf("Segment files (zstd): %llu bytes (%.3f bytes/sample)\n",
              (unsigned long long)stats.segment_bytes,
              samples ? double(stats.segment_bytes) / double(samples) : 0.0);
  std::printf("Whole directory: %llu bytes (%.3f bytes/sample, with index, logs and metadata)\n",
              (unsigned long long)dir_bytes, samples ? double(dir_bytes) / double(samples) : 0.0);

  // Cardinality, as `promtool tsdb analyze` lists it.
  auto names = engine.LabelValues("__name__", {}, INT64_MIN, INT64_MAX);
  if (names.ok()) {
    std::vector<std::pair<uint64_t, std::string>> by_count;
    for (const std::string& name : *names) {
      auto set = engine.Select({LabelMatcher::Equal("__name__", name)}, INT64_MIN, INT64_MAX);
      if (!set.ok()) continue;
      uint64_t n = 0;
      while ((*set)->Next()) ++n;
      by_count.emplace_back(n, name);
    }
    std::sort(by_count.rbegin(), by_count.rend());
    std::printf("\nHighest cardinality metric names:\n");
    for (size_t i = 0; i < by_count.size() && i < size_t(top); ++i) {
      std::printf("  %8llu %s\n", (unsigned long long)by_count[i].first,
                  by_count[i].second.c_str());
    }
  }
  auto label_names = engine.LabelNames({}, INT64_MIN, INT64_MAX);
  if (label_names.ok()) {
    std::vector<std::pair<uint64_t, std::string>> by_values;
    for (const std::string& name : *label_names) {
      auto values = engine.LabelValues(name, {}, INT64_MIN, INT64_MAX);
      if (values.ok()) by_values.emplace_back(values->size(), name);
    }
    std::sort(by_values.rbegin(), by_values.rend());
    std::printf("\nHighest cardinality labels:\n");
    for (size_t i = 0; i < by_values.size() && i < size_t(top); ++i) {
      std::printf("  %8llu %s\n", (unsigned long long)by_values[i].first,
                  by_values[i].second.c_str());
    }
  }
  return 0;
}

}  // namespace tidemark::server
