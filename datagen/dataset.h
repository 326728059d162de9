// A realistic metrics dataset shared by every benchmark, the `tidemark generate` command and the
// comparisons with other engines. Two profiles:
// - node: node-exporter-like targets scraped every 15 s with a few milliseconds of jitter, each
//   series carrying 8-10 labels;
// - app: instances of LLM-application services as OpenTelemetry SDKs instrument them (semantic
//   convention HTTP and gen_ai.* histograms with the SDKs' default bounds, token, request and
//   cost counters, gauges), named as Prometheus' OTLP translation names them, each series
//   carrying what an OTel metric's data point does.
// Counters grow by whole numbers (cost in cents), gauges walk randomly with two decimals,
// classic histograms have `le` buckets, `_sum` and `_count`. Deterministic for a given seed.
#ifndef TIDEMARK_DATAGEN_DATASET_H_
#define TIDEMARK_DATAGEN_DATASET_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/engine.h"
#include "tidemark/labels.h"

namespace tidemark::datagen {

enum class DatasetProfile { kNode, kApp };

struct DatasetOptions {
  DatasetProfile profile = DatasetProfile::kNode;
  uint64_t series = 10'000;      // rounded to whole targets (node: 106 series, app: 182)
  int64_t start_ms = 0;          // timestamp of the first scrape
  int64_t interval_ms = 15'000;  // scrape interval
  int jitter_ms = 5;             // each scrape of a target lands within +-jitter_ms
  uint64_t seed = 42;
};

enum class SeriesKind { kCounter, kGauge, kBucket, kHistogramSum, kHistogramCount };

// A series' metric as an OpenTelemetry SDK names it: OTel name, UCUM unit and description. The
// Prometheus name (the series' __name__) is what Prometheus' OTLP translation makes of it.
struct MetricFamily {
  std::string otel_name;
  std::string unit;
  std::string description;
};

// The OTel attribute a series label comes from: its key and whether the SDK sends it as an
// integer (http.response.status_code).
struct OtelAttribute {
  std::string_view key;
  bool integer = false;
};

class MetricsDataset {
 public:
  explicit MetricsDataset(const DatasetOptions& options);

  const std::vector<Labels>& series() const { return labels_; }
  size_t size() const { return labels_.size(); }
  SeriesKind kind(size_t i) const { return kinds_[i]; }
  // The series of the classic histogram series `i` belongs to (its buckets by ascending `le`,
  // then _sum and _count), or null for counters and gauges.
  const std::vector<uint32_t>* histogram_series(size_t i) const {
    return histogram_of_[i] == UINT32_MAX ? nullptr : &histogram_series_[histogram_of_[i]];
  }
  double bucket_bound(size_t i) const { return bucket_bound_[i]; }
  const MetricFamily& family(size_t i) const { return families_[family_of_[i]]; }
  // The attribute a label other than __name__, job, instance and le stands for.
  OtelAttribute otel_attribute(std::string_view label) const;
  // The label every series of the dataset has, as a PromQL matcher (job="node").
  const std::string& common_matcher() const { return common_matcher_; }
  int64_t ScrapeTime(uint64_t scrape) const {
    return options_.start_ms + int64_t(scrape) * options_.interval_ms;
  }

  // Advances every series by one scrape and writes its sample into out[i] (resized to size()).
  // Scrapes must be requested in order 0, 1, 2, ...
  void NextScrape(std::vector<Sample>* out);

 private:
  void AddNodeTarget(uint64_t index);
  void AddAppTarget(uint64_t index);
  // Appends a series; `family` indexes families_, `value_scale` multiplies a counter's state.
  void AddSeries(std::vector<Label> labels, SeriesKind kind, uint32_t family, int64_t initial,
                 double le = 0, double value_scale = 1);
  uint32_t Family(std::string otel_name, std::string unit, std::string description);
  // Adds a classic histogram: a bucket per bound (and +Inf), _sum and _count; `base` is its
  // Prometheus name without suffixes; `mean` is its observations' mean.
  void AddHistogram(const std::vector<Label>& labels, const std::string& base, uint32_t family,
                    const std::vector<double>& bounds, double mean);

  DatasetOptions options_;
  std::mt19937_64 rng_;
  std::vector<Labels> labels_;
  std::vector<SeriesKind> kinds_;
  std::vector<uint32_t> target_of_;     // series index -> target index
  std::vector<uint32_t> histogram_of_;  // series index -> histogram index (buckets, sum, count)
  std::vector<double> bucket_bound_;    // for kBucket series: its `le`
  std::vector<double> value_scale_;     // counters: value = state * scale
  std::vector<uint32_t> family_of_;     // series index -> families_
  std::vector<MetricFamily> families_;
  std::vector<double> histogram_mean_;  // histogram index -> mean observation
  std::string common_matcher_;
  std::vector<int64_t> state_;  // counters and gauges: integer (cents for gauges)
  std::vector<std::vector<uint32_t>>
      histogram_series_;  // histogram index -> its series, buckets first
  uint64_t scrape_ = 0;
  uint32_t targets_ = 0;
};

}  // namespace tidemark::datagen

#endif  // TIDEMARK_DATAGEN_DATASET_H_
