// OTLP metrics to Prometheus series, following the OpenTelemetry-to-Prometheus compatibility
// specification (docs/otlp-translation.md lists every rule and what is not supported yet).
#ifndef TIDEMARK_INGEST_OTLP_METRICS_H_
#define TIDEMARK_INGEST_OTLP_METRICS_H_

#include <absl/container/flat_hash_map.h>

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/remote_write.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "tidemark/engine.h"

namespace tidemark::ingest {

enum class MetricNaming {
  // Prometheus-compatible names: invalid characters to `_`, unit suffixes, `_total` for monotonic
  // counters, `_ratio` for gauges of unit 1; attribute names sanitised the same way.
  kPrometheus,
  // Names and attribute names kept as OTel sends them (Prometheus 3 accepts UTF-8 names such as
  // {"gen_ai.client.token.usage"}); histogram and summary series still get their suffixes.
  kUtf8,
};

struct MetricsTranslationOptions {
  MetricNaming naming = MetricNaming::kPrometheus;
  // A target_info series carrying the resource attributes that are not job or instance.
  bool target_info = true;
  // Delta sums and histograms become cumulative through a running total per series, kept in
  // memory. Past this many series, the half updated least recently are forgotten (a forgotten
  // series that returns starts a new total, read by PromQL as a counter reset).
  size_t max_delta_series = 1'000'000;
};

struct MetricsTranslationReport {
  uint64_t data_points = 0;
  // Data points the translation refused (e.g. exponential histograms), with the first reason.
  uint64_t rejected_data_points = 0;
  std::string first_rejection;
  CommitReport commit;  // what the engine did with the resulting samples
  // Exemplars of the data points (labels trace_id, span_id and the filtered attributes), attached
  // to the series they belong to (for histograms, the bucket their value falls in); the caller
  // stores them after the commit, once their series exist.
  std::vector<ExemplarWrite> exemplars;
  // Type, description and unit of each metric, by Prometheus metric family name.
  std::vector<std::pair<std::string, MetricMetadata>> metadata;
};

// The metric's Prometheus name (without the _bucket/_sum/_count/quantile suffixes).
std::string PrometheusMetricName(const opentelemetry::proto::metrics::v1::Metric& metric,
                                 MetricNaming naming);
std::string PrometheusLabelName(std::string_view name, MetricNaming naming);

// Thread-safe. Keeps running totals so that delta sums and histograms become cumulative series.
class MetricsTranslator {
 public:
  explicit MetricsTranslator(MetricsTranslationOptions options) : options_(options) {}

  // Translates an ExportMetricsServiceRequest given in the protobuf wire format and commits the
  // samples through `appender` (one commit). The body is read into views, not messages, and
  // checked whole before anything is stored: InvalidArgument, naming the problem, for what
  // protobuf's parser would refuse.
  Result<MetricsTranslationReport> Translate(std::string_view request_bytes, Appender* appender);
  // The same for a parsed request (OTLP/JSON arrives this way).
  Result<MetricsTranslationReport> Translate(
      const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
      Appender* appender);

  // Delta series whose running totals were forgotten to stay within max_delta_series.
  uint64_t delta_series_forgotten() {
    std::lock_guard lock(mu_);
    return delta_series_forgotten_;
  }

 private:
  double Accumulate(const Labels& labels, double delta);

  const MetricsTranslationOptions options_;
  // Series refs by resource, name and raw attributes: repeated series skip building labels.
  SeriesRefCache refs_;
  struct DeltaTotal {
    double total = 0;
    uint64_t last_update = 0;  // delta_updates_ when it last changed
  };
  std::mutex mu_;
  absl::flat_hash_map<std::string, DeltaTotal> delta_totals_;  // guarded by mu_
  uint64_t delta_updates_ = 0;                                 // guarded by mu_
  uint64_t delta_series_forgotten_ = 0;                        // guarded by mu_
};

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_OTLP_METRICS_H_
