#include "datagen/dataset.h"

#include <cmath>
#include <string>

namespace tidemark::datagen {
namespace {

const char* const kModes[] = {"idle", "user",    "system", "iowait",
                              "irq",  "softirq", "steal",  "nice"};
const char* const kRegions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
const char* const kHandlers[] = {"/api/v1/query", "/api/v1/write", "/metrics"};
const double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, INFINITY};
const char* const kGauges[] = {"node_load1",
                               "node_load5",
                               "node_load15",
                               "node_memory_MemAvailable_ratio",
                               "node_hwmon_temp_celsius",
                               "node_cpu_scaling_frequency_ghz",
                               "process_open_fds_avg",
                               "node_entropy_available_kbits"};

std::string FormatLe(double le) {
  if (std::isinf(le)) return "+Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", le);
  return buf;
}

}  // namespace

MetricsDataset::MetricsDataset(const DatasetOptions& options)
    : options_(options), rng_(options.seed) {
  const uint64_t want = std::max<uint64_t>(options.series, 1);
  for (uint64_t t = 0; labels_.size() < want; ++t) AddTarget(t);
}

void MetricsDataset::AddTarget(uint64_t index) {
  const uint32_t target = targets_++;
  const std::string instance =
      "10.0." + std::to_string(index / 250) + "." + std::to_string(index % 250) + ":9100";
  const std::string region = kRegions[index % 3];
  auto base = [&](const std::string& name) {
    return std::vector<Label>{{"__name__", name},
                              {"job", "node"},
                              {"instance", instance},
                              {"region", region},
                              {"cluster", "prod-" + std::to_string(index % 7)},
                              {"env", index % 5 == 0 ? "staging" : "production"},
                              {"team", "team-" + std::to_string(index % 11)}};
  };
  auto add = [&](std::vector<Label> labels, SeriesKind kind, int64_t initial, double le = 0) {
    labels_.emplace_back(std::move(labels));
    kinds_.push_back(kind);
    target_of_.push_back(target);
    bucket_bound_.push_back(le);
    state_.push_back(initial);
    histogram_of_.push_back(UINT32_MAX);
  };
  // 32 CPU counters.
  for (int cpu = 0; cpu < 4; ++cpu) {
    for (const char* mode : kModes) {
      auto l = base("node_cpu_seconds_total");
      l.push_back({"cpu", std::to_string(cpu)});
      l.push_back({"mode", mode});
      add(std::move(l), SeriesKind::kCounter, static_cast<int64_t>(rng_() % 1'000'000));
    }
  }
  // 16 network and disk counters.
  for (const char* name : {"node_network_receive_bytes_total", "node_network_transmit_bytes_total",
                           "node_disk_read_bytes_total", "node_disk_written_bytes_total"}) {
    for (const char* device : {"eth0", "eth1", "sda", "nvme0n1"}) {
      auto l = base(name);
      l.push_back({"device", device});
      l.push_back({"collector", "netdev"});
      add(std::move(l), SeriesKind::kCounter, static_cast<int64_t>(rng_() % 1'000'000'000));
    }
  }
  // 8 gauges x 2 sensors.
  for (const char* name : kGauges) {
    for (const char* chip : {"0", "1"}) {
      auto l = base(name);
      l.push_back({"chip", chip});
      add(std::move(l), SeriesKind::kGauge, static_cast<int64_t>(rng_() % 10'000));
    }
  }
  // 3 classic histograms of 12 buckets, _sum and _count.
  for (const char* handler : kHandlers) {
    const uint32_t h = static_cast<uint32_t>(histogram_series_.size());
    histogram_series_.emplace_back();
    for (double le : kBuckets) {
      auto l = base("http_request_duration_seconds_bucket");
      l.push_back({"handler", handler});
      l.push_back({"le", FormatLe(le)});
      add(std::move(l), SeriesKind::kBucket, 0, le);
      histogram_of_.back() = h;
      histogram_series_[h].push_back(static_cast<uint32_t>(labels_.size() - 1));
    }
    for (auto [suffix, kind] : {std::pair{"_sum", SeriesKind::kHistogramSum},
                                std::pair{"_count", SeriesKind::kHistogramCount}}) {
      auto l = base(std::string("http_request_duration_seconds") + suffix);
      l.push_back({"handler", handler});
      add(std::move(l), kind, 0);
      histogram_of_.back() = h;
      histogram_series_[h].push_back(static_cast<uint32_t>(labels_.size() - 1));
    }
  }
}

void MetricsDataset::NextScrape(std::vector<Sample>* out) {
  out->resize(labels_.size());
  std::vector<int64_t> jitter(targets_);
  std::uniform_int_distribution<int> jitter_dist(-options_.jitter_ms, options_.jitter_ms);
  for (auto& j : jitter) j = options_.jitter_ms > 0 ? jitter_dist(rng_) : 0;
  const int64_t base = ScrapeTime(scrape_);
  std::uniform_int_distribution<int> counter_step(0, 100);
  std::normal_distribution<double> gauge_step(0, 40);  // in cents
  std::uniform_int_distribution<int> observations(0, 20);
  std::exponential_distribution<double> latency(8.0);

  // Histograms: draw this scrape's observations once per histogram.
  std::vector<std::vector<int64_t>> bucket_incr(histogram_series_.size(),
                                                std::vector<int64_t>(std::size(kBuckets)));
  std::vector<int64_t> sum_incr_millis(histogram_series_.size());
  for (size_t h = 0; h < histogram_series_.size(); ++h) {
    const int n = observations(rng_);
    for (int i = 0; i < n; ++i) {
      const double d = latency(rng_);
      sum_incr_millis[h] += static_cast<int64_t>(std::llround(d * 1000));
      for (size_t b = 0; b < std::size(kBuckets); ++b) {
        if (d <= kBuckets[b]) ++bucket_incr[h][b];
      }
    }
  }
  for (size_t i = 0; i < labels_.size(); ++i) {
    Sample& s = (*out)[i];
    s.timestamp_ms = base + jitter[target_of_[i]];
    switch (kinds_[i]) {
      case SeriesKind::kCounter:
        state_[i] += counter_step(rng_);
        s.value = static_cast<double>(state_[i]);
        break;
      case SeriesKind::kGauge:
        state_[i] =
            std::max<int64_t>(0, state_[i] + static_cast<int64_t>(std::llround(gauge_step(rng_))));
        s.value = static_cast<double>(state_[i]) / 100.0;
        break;
      case SeriesKind::kBucket: {
        const auto& members = histogram_series_[histogram_of_[i]];
        size_t b = 0;
        while (members[b] != i) ++b;
        state_[i] += bucket_incr[histogram_of_[i]][b];
        s.value = static_cast<double>(state_[i]);
        break;
      }
      case SeriesKind::kHistogramSum:
        state_[i] += sum_incr_millis[histogram_of_[i]];
        s.value = static_cast<double>(state_[i]) / 1000.0;
        break;
      case SeriesKind::kHistogramCount:
        state_[i] += bucket_incr[histogram_of_[i]].back();
        s.value = static_cast<double>(state_[i]);
        break;
    }
  }
  ++scrape_;
}

}  // namespace tidemark::datagen
