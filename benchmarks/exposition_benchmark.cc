// Exposition parsing (ingest/exposition.h), issue 12's goal: >= 300 MB/s per core on
// node-exporter pages for the scan a scrape of an unchanged page does (series(), value(),
// timestamp_ms() per sample; labels() never, as every series is already cached).
//
// The page is generated in node_exporter's shape: HELP and TYPE per family, cpu x mode counters,
// per-device disk, network and filesystem families with node_exporter's label sets, go_*
// runtime gauges, and a histogram; written in the text format, and in OpenMetrics (counters as
// `_total`, `# EOF`).
//
//   build/benchmarks/tidemark_exposition_bench --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "ingest/exposition.h"

namespace {

using tidemark::ingest::ExpositionEntry;
using tidemark::ingest::ExpositionFormat;
using tidemark::ingest::ExpositionParser;

struct Page {
  std::string text;
  size_t samples = 0;
};

// About `target_series` series; values vary in spelling as node_exporter's do.
Page NodeExporterPage(int target_series, bool openmetrics) {
  Page page;
  std::string& out = page.text;
  char buf[512];
  auto family = [&](const char* name, const char* type, const char* help) {
    std::snprintf(buf, sizeof buf, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    out += buf;
  };
  auto sample = [&](const std::string& series, double v) {
    std::snprintf(buf, sizeof buf, "%s %.17g\n", series.c_str(), v);
    out += buf;
    ++page.samples;
  };
  const char* modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
  int cpus = target_series / 40;
  if (cpus < 1) cpus = 1;
  family("node_cpu_seconds", "counter", "Seconds the CPUs spent in each mode.");
  for (int cpu = 0; cpu < cpus; ++cpu) {
    for (const char* mode : modes) {
      sample("node_cpu_seconds" + std::string("_total") + "{cpu=\"" + std::to_string(cpu) +
                 "\",mode=\"" + mode + "\"}",
             12345.67 + cpu * 3.1);
    }
  }
  const int devices = target_series / 40;
  const char* disk_families[] = {"node_disk_read_bytes", "node_disk_written_bytes",
                                 "node_disk_io_time_seconds", "node_disk_reads_completed",
                                 "node_disk_writes_completed"};
  for (const char* f : disk_families) {
    family(f, "counter", "The total number of bytes read successfully.");
    for (int d = 0; d < devices; ++d) {
      sample(std::string(f) + "_total{device=\"nvme0n" + std::to_string(d) + "\"}",
             1.234567e10 + d);
    }
  }
  const char* net_families[] = {"node_network_receive_bytes",   "node_network_transmit_bytes",
                                "node_network_receive_packets", "node_network_transmit_packets",
                                "node_network_receive_errs",    "node_network_transmit_drop"};
  for (const char* f : net_families) {
    family(f, "counter", "Network device statistic receive_bytes.");
    for (int d = 0; d < devices; ++d) {
      sample(std::string(f) + "_total{device=\"veth" + std::to_string(d * 7919) + "\"}",
             987654321.0 + d);
    }
  }
  const char* fs_families[] = {"node_filesystem_avail_bytes", "node_filesystem_size_bytes",
                               "node_filesystem_files_free", "node_filesystem_readonly"};
  for (const char* f : fs_families) {
    family(f, "gauge", "Filesystem space available to non-root users in bytes.");
    for (int d = 0; d < devices; ++d) {
      sample(std::string(f) + "{device=\"/dev/mapper/vg-lv" + std::to_string(d) +
                 "\",fstype=\"ext4\",mountpoint=\"/var/lib/containers/storage/overlay/" +
                 std::to_string(d) + "\"}",
             3.1422734336e+10 - d);
    }
  }
  family("go_gc_duration_seconds", "summary",
         "A summary of the pause duration of garbage collection cycles.");
  for (const char* q : {"0", "0.25", "0.5", "0.75", "1"}) {
    sample(std::string("go_gc_duration_seconds{quantile=\"") + q + "\"}", 2.3571e-05);
  }
  sample("go_gc_duration_seconds_sum", 0.012297357);
  sample("go_gc_duration_seconds_count", 311);
  family("node_scrape_collector_duration_seconds", "histogram", "Collector duration.");
  for (const char* le : {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "+Inf"}) {
    sample(std::string("node_scrape_collector_duration_seconds_bucket{collector=\"cpu\",le=\"") +
               le + "\"}",
           42);
  }
  family("node_load1", "gauge", "1m load average.");
  sample("node_load1", 0.52);
  if (openmetrics) out += "# EOF\n";
  return page;
}

void Scan(benchmark::State& state, ExpositionFormat format) {
  const Page page =
      NodeExporterPage(static_cast<int>(state.range(0)), format == ExpositionFormat::kOpenMetrics);
  size_t checksum = 0;
  for (auto _ : state) {
    ExpositionParser p(format, page.text);
    for (;;) {
      auto e = p.Next();
      if (!e.ok()) {
        state.SkipWithError(e.status().message().c_str());
        return;
      }
      if (*e == ExpositionEntry::kEnd) break;
      if (*e == ExpositionEntry::kSeries) {
        checksum += p.series().size() + static_cast<size_t>(p.value() > 0) +
                    static_cast<size_t>(p.timestamp_ms().has_value());
      }
    }
  }
  benchmark::DoNotOptimize(checksum);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * page.text.size()));
  state.counters["samples/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * page.samples), benchmark::Counter::kIsRate);
  state.counters["page_bytes"] = static_cast<double>(page.text.size());
  state.counters["samples"] = static_cast<double>(page.samples);
}

void BM_ScanText(benchmark::State& state) { Scan(state, ExpositionFormat::kPrometheusText); }
void BM_ScanOpenMetrics(benchmark::State& state) { Scan(state, ExpositionFormat::kOpenMetrics); }

BENCHMARK(BM_ScanText)->Arg(1000)->Arg(10000);
BENCHMARK(BM_ScanOpenMetrics)->Arg(1000)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
