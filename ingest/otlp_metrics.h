// OTLP metrics to Prometheus series, following the OpenTelemetry-to-Prometheus compatibility
// specification (docs/otlp-translation.md lists every rule and what is not supported yet).
#ifndef TIDEMARK_INGEST_OTLP_METRICS_H_
#define TIDEMARK_INGEST_OTLP_METRICS_H_

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/remote_write.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "tidemark/engine.h"

namespace tidemark::ingest {

// How OTel metric and attribute names become Prometheus names: Prometheus 3's
// `otlp.translation_strategy`, spelled as Prometheus spells it (docs/otlp-translation.md shows
// the names each produces).
enum class TranslationStrategy {
  // Characters other than letters, digits and ':' become '_' (runs of them one '_'); the unit's
  // word, `_total` for monotonic counters and `_ratio` for gauges of unit 1 are appended. Label
  // names: characters other than letters, digits and '_' become '_'. Prometheus' default.
  kUnderscoreEscapingWithSuffixes,
  // Characters other than letters, digits, ':' and '_' become '_'; no suffix is appended.
  kUnderscoreEscapingWithoutSuffixes,
  // Metric and label names kept as sent (UTF-8, e.g. {"gen_ai.client.token.usage_total"});
  // suffixes appended as with kUnderscoreEscapingWithSuffixes.
  kNoUTF8EscapingWithSuffixes,
  // Names kept as sent, no suffix.
  kNoTranslation,
};

// Prometheus' spelling ("UnderscoreEscapingWithSuffixes", ...); ParseTranslationStrategy reads it
// back, false for anything else.
std::string_view TranslationStrategyName(TranslationStrategy strategy);
bool ParseTranslationStrategy(std::string_view name, TranslationStrategy* strategy);

// Resolved once per translator; Prometheus' ShouldEscape and ShouldAddSuffixes.
constexpr bool EscapesNames(TranslationStrategy s) {
  return s == TranslationStrategy::kUnderscoreEscapingWithSuffixes ||
         s == TranslationStrategy::kUnderscoreEscapingWithoutSuffixes;
}
constexpr bool AddsSuffixes(TranslationStrategy s) {
  return s == TranslationStrategy::kUnderscoreEscapingWithSuffixes ||
         s == TranslationStrategy::kNoUTF8EscapingWithSuffixes;
}

// The server's `otlp:` section fills this and checks the lists (no empty or repeated names, the
// promote list and promote-all not both); the translator takes them as given.
struct MetricsTranslationOptions {
  TranslationStrategy translation_strategy = TranslationStrategy::kUnderscoreEscapingWithSuffixes;
  // Resource attributes added as labels to every series of their resource, named like data point
  // attributes; a data point attribute of the same label name wins, job and instance win over
  // both. Exclusive with promote_all_resource_attributes.
  std::vector<std::string> promote_resource_attributes;
  // Every resource attribute promoted, except those in ignore_resource_attributes.
  bool promote_all_resource_attributes = false;
  std::vector<std::string> ignore_resource_attributes;
  // A target_info series carrying the resource attributes other than service.name,
  // service.namespace and service.instance.id (which become job and instance).
  bool target_info = true;
  // Those three also on target_info (as service_name, ... under the escaping strategies).
  bool keep_identifying_resource_attributes = false;
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

// The metric's Prometheus name (without the _bucket/_sum/_count/quantile suffixes); empty when
// the name translates to nothing usable (Prometheus refuses such metrics, and so does Translate).
std::string PrometheusMetricName(const opentelemetry::proto::metrics::v1::Metric& metric,
                                 TranslationStrategy strategy);
std::string PrometheusLabelName(std::string_view name, TranslationStrategy strategy);

// Thread-safe. Keeps running totals so that delta sums and histograms become cumulative series.
class MetricsTranslator {
 public:
  explicit MetricsTranslator(MetricsTranslationOptions options);

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
  // The promoted attributes, or with promote_all the ignored ones: looked up per resource
  // attribute.
  const absl::flat_hash_set<std::string> resource_attribute_list_;
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
