// The OTLP metrics translation's internals, shared by its phases: otlp_metrics_decode.cc reads
// an ExportMetricsServiceRequest's wire bytes into the views below, checking all of it before
// anything is stored; otlp_metrics_names.cc names metrics and labels as Prometheus does;
// otlp_metrics.cc turns the views into series, samples, exemplars and metadata.
// Internal to ingest/; otlp_metrics.h is the API.
#ifndef TIDEMARK_INGEST_OTLP_METRICS_INTERNAL_H_
#define TIDEMARK_INGEST_OTLP_METRICS_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/otlp_metrics.h"
#include "tidemark/querier.h"
#include "tidemark/status.h"

namespace tidemark::ingest::internal {

constexpr uint32_t kNoRecordedValue = 1;  // DataPointFlags.NO_RECORDED_VALUE_MASK
constexpr int kAggregationTemporalityDelta = 1;
constexpr int kAggregationTemporalityUnspecified = 0;

// ---- The request read from the wire format into views (otlp_metrics_decode.cc) ---------------

enum class MetricKind : uint8_t {
  kNone,
  kGauge,
  kSum,
  kHistogram,
  kExponentialHistogram,
  kSummary
};

// A data point of any kind; the fields its kind lacks stay zero. Ranges index the request's
// shared arrays.
struct PointView {
  uint32_t attributes_begin = 0, attributes_end = 0;  // KeyValue bytes
  uint32_t exemplars_begin = 0, exemplars_end = 0;    // Exemplar bytes
  uint64_t time_unix_nano = 0;
  uint32_t flags = 0;
  // Number points: as_double or as_int, whichever came last.
  bool is_int = false;
  int64_t as_int = 0;
  double as_double = 0;
  // Histogram and summary points.
  uint64_t count = 0;
  bool has_sum = false;
  double sum = 0;
  uint32_t buckets_begin = 0, buckets_end = 0;      // bucket_counts
  uint32_t bounds_begin = 0, bounds_end = 0;        // explicit_bounds
  uint32_t quantiles_begin = 0, quantiles_end = 0;  // (quantile, value)

  double NumberValue() const {
    if (flags & kNoRecordedValue) return StaleMarker();
    return is_int ? static_cast<double>(as_int) : as_double;
  }
};

struct MetricView {
  std::string_view name, description, unit;
  MetricKind kind = MetricKind::kNone;
  int temporality = 0;  // AggregationTemporality
  bool monotonic = false;
  uint32_t points_begin = 0, points_end = 0;
};

struct ResourceView {
  uint32_t attributes_begin = 0, attributes_end = 0;
  uint32_t metrics_begin = 0, metrics_end = 0;
};

struct MetricsRequestView {
  std::vector<ResourceView> resources;
  std::vector<MetricView> metrics;
  std::vector<PointView> points;
  std::vector<std::string_view> attributes;
  std::vector<std::string_view> exemplars;
  std::vector<uint64_t> bucket_counts;
  std::vector<double> bounds;
  std::vector<std::pair<double, double>> quantiles;

  void Clear() {
    resources.clear();
    metrics.clear();
    points.clear();
    attributes.clear();
    exemplars.clear();
    bucket_counts.clear();
    bounds.clear();
    quantiles.clear();
  }
};

// Reads an ExportMetricsServiceRequest into `out` (views into `body`, which must outlive them),
// checking all of it as protobuf's parser would: InvalidArgument naming the problem otherwise.
Status DecodeMetricsRequest(std::string_view body, MetricsRequestView* out);

// An exemplar's fields (already checked by the decoder).
struct ExemplarFields {
  std::string_view trace_id, span_id;
  std::vector<std::string_view> attributes;
  uint64_t time_unix_nano = 0;
  double value = 0;
};

// The fields of an Exemplar message the decoder has checked.
ExemplarFields ReadExemplar(std::string_view data);

// ---- Names (otlp_metrics_names.cc) -------------------------------------------------------------

// The Prometheus name of a metric under `strategy` (without the _bucket/_sum/_count/quantile
// suffixes); empty when it translates to nothing usable. `counter`: a monotonic sum (gets
// _total); `gauge`: a Gauge (gets _ratio with unit 1; non-monotonic sums do not, as in
// Prometheus).
std::string MetricName(std::string_view otel_name, std::string_view otel_unit, bool counter,
                       bool gauge, TranslationStrategy strategy);

}  // namespace tidemark::ingest::internal

#endif  // TIDEMARK_INGEST_OTLP_METRICS_INTERNAL_H_
