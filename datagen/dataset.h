// A realistic metrics dataset shared by every benchmark, the `tidemark generate` command and the
// comparisons with other engines: node-exporter-like targets scraped every 15 s with a few
// milliseconds of jitter, each series carrying 8-10 labels. Counters grow by whole numbers,
// gauges walk randomly with two decimals, classic histograms have `le` buckets, `_sum` and
// `_count`. Deterministic for a given seed.
#ifndef TIDEMARK_DATAGEN_DATASET_H_
#define TIDEMARK_DATAGEN_DATASET_H_

#include <cstdint>
#include <random>
#include <vector>

#include "tidemark/engine.h"
#include "tidemark/labels.h"

namespace tidemark::datagen {

struct DatasetOptions {
  uint64_t series = 10'000;      // rounded to whole targets of about 100 series
  int64_t start_ms = 0;          // timestamp of the first scrape
  int64_t interval_ms = 15'000;  // scrape interval
  int jitter_ms = 5;             // each scrape of a target lands within +-jitter_ms
  uint64_t seed = 42;
};

enum class SeriesKind { kCounter, kGauge, kBucket, kHistogramSum, kHistogramCount };

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
  int64_t ScrapeTime(uint64_t scrape) const {
    return options_.start_ms + int64_t(scrape) * options_.interval_ms;
  }

  // Advances every series by one scrape and writes its sample into out[i] (resized to size()).
  // Scrapes must be requested in order 0, 1, 2, ...
  void NextScrape(std::vector<Sample>* out);

 private:
  struct Target;
  void AddTarget(uint64_t index);

  DatasetOptions options_;
  std::mt19937_64 rng_;
  std::vector<Labels> labels_;
  std::vector<SeriesKind> kinds_;
  std::vector<uint32_t> target_of_;     // series index -> target index
  std::vector<uint32_t> histogram_of_;  // series index -> histogram index (buckets, sum, count)
  std::vector<double> bucket_bound_;    // for kBucket series: its `le`
  std::vector<int64_t> state_;          // counters and gauges: integer (cents for gauges)
  std::vector<std::vector<uint32_t>>
      histogram_series_;  // histogram index -> its series, buckets first
  uint64_t scrape_ = 0;
  uint32_t targets_ = 0;
};

}  // namespace tidemark::datagen

#endif  // TIDEMARK_DATAGEN_DATASET_H_
