#include "ingest/otlp_metrics.h"

#include <absl/cleanup/cleanup.h>
#include <absl/container/flat_hash_set.h>
#include <absl/container/node_hash_map.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <span>

#include "ingest/otlp_common.h"
#include "ingest/otlp_wire.h"
#include "util/go_text.h"
#include "util/status_macros.h"
#include "util/utf8.h"

namespace tidemark::ingest {

namespace mpb = opentelemetry::proto::metrics::v1;

namespace {

constexpr uint32_t kNoRecordedValue = 1;  // DataPointFlags.NO_RECORDED_VALUE_MASK

const std::map<std::string_view, std::string_view>& UnitWords() {
  static const std::map<std::string_view, std::string_view> kUnits = {
      {"d", "days"},          {"h", "hours"},         {"min", "minutes"},    {"s", "seconds"},
      {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"}, {"By", "bytes"},
      {"KiBy", "kibibytes"},  {"MiBy", "mebibytes"},  {"GiBy", "gibibytes"}, {"TiBy", "tibibytes"},
      {"KBy", "kilobytes"},   {"MBy", "megabytes"},   {"GBy", "gigabytes"},  {"TBy", "terabytes"},
      {"m", "meters"},        {"V", "volts"},         {"A", "amperes"},      {"J", "joules"},
      {"W", "watts"},         {"g", "grams"},         {"Cel", "celsius"},    {"Hz", "hertz"},
      {"%", "percent"}};
  return kUnits;
}

const std::map<std::string_view, std::string_view>& PerUnitWords() {
  static const std::map<std::string_view, std::string_view> kPer = {
      {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"},
      {"w", "week"},   {"mo", "month"}, {"y", "year"}};
  return kPer;
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Splits on every character that is not a letter or digit (so "http.server.duration" and
// "http__server__duration" give the same tokens); colons are kept inside tokens.
std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (IsAlnum(c) || c == ':') {
      cur.push_back(c);
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// Removes `{...}` annotations from a unit: "{requests}" -> "", "By{compressed}" -> "By".
std::string StripBraces(std::string_view unit) {
  std::string out;
  int depth = 0;
  for (char c : unit) {
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      depth = std::max(0, depth - 1);
    } else if (depth == 0) {
      out.push_back(c);
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    if (!out.empty()) out.push_back('_');
    out += t;
  }
  return out;
}

int64_t Millis(uint64_t nanos) { return static_cast<int64_t>(nanos / 1'000'000); }

// ---- The request read from the wire format into views ----------------------------------------

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

constexpr int kAggregationTemporalityDelta = 1;
constexpr int kAggregationTemporalityUnspecified = 0;

uint32_t Index(size_t n) { return static_cast<uint32_t>(n); }

// Reads an ExportMetricsServiceRequest, checking all of it (as protobuf's parser would) before
// the translator stores anything.
class MetricsDecoder : public OtlpWireDecoder {
 public:
  explicit MetricsDecoder(MetricsRequestView* out)
      : OtlpWireDecoder("ExportMetricsServiceRequest"), out_(out) {}

  Status Request(std::string_view body) {
    const bool ok = Fields(body, "request", [&](WireReader& r, uint32_t field, int type) {
      if (field != 1 || type != kLengthDelimited) return Skip(r, type);
      return Message(r, "resource_metrics", [&](std::string_view b) { return ResourceMetrics(b); });
    });
    return ok ? Status::OK() : error();
  }

 private:
  // Appends a nested message field's bytes to `list`.
  bool Collect(WireReader& r, const char* name, std::vector<std::string_view>* list) {
    return Message(r, name, [&](std::string_view b) {
      list->push_back(b);
      return true;
    });
  }

  bool ResourceMetrics(std::string_view data) {
    // The resource may follow the scopes on the wire: read it first so that its attributes
    // are one range. Several resource fields merge: their attributes concatenate.
    std::vector<std::string_view> resources, scopes;
    std::string_view schema_url;
    const bool ok = Fields(data, "resource_metrics", [&](WireReader& r, uint32_t field, int type) {
      if (field == 1 && type == kLengthDelimited) return Collect(r, "resource", &resources);
      if (field == 2 && type == kLengthDelimited) return Collect(r, "scope_metrics", &scopes);
      if (field == 3 && type == kLengthDelimited) return StringView(r, "schema_url", &schema_url);
      return Skip(r, type);
    });
    if (!ok) return false;
    ResourceView resource;
    resource.attributes_begin = Index(out_->attributes.size());
    for (std::string_view res : resources) {
      if (!ResourceAttributes(res, &out_->attributes)) return false;
    }
    resource.attributes_end = Index(out_->attributes.size());
    resource.metrics_begin = Index(out_->metrics.size());
    for (std::string_view scope : scopes) {
      if (!ScopeMetrics(scope)) return false;
    }
    resource.metrics_end = Index(out_->metrics.size());
    out_->resources.push_back(resource);
    return true;
  }

  bool ScopeMetrics(std::string_view data) {
    return Fields(data, "scope_metrics", [&](WireReader& r, uint32_t field, int type) {
      std::string_view schema_url;
      if (field == 1 && type == kLengthDelimited)
        return Message(r, "scope", [&](std::string_view b) { return CheckScope(b); });
      if (field == 2 && type == kLengthDelimited)
        return Message(r, "metric", [&](std::string_view b) { return Metric(b); });
      if (field == 3 && type == kLengthDelimited) return StringView(r, "schema_url", &schema_url);
      return Skip(r, type);
    });
  }

  bool Metric(std::string_view data) {
    MetricView m;
    // The data oneof: a different kind replaces what came before (protobuf clears the oneof),
    // the same kind again merges into it.
    const size_t points = out_->points.size(), attributes = out_->attributes.size(),
                 exemplars = out_->exemplars.size(), buckets = out_->bucket_counts.size(),
                 bounds = out_->bounds.size(), quantiles = out_->quantiles.size();
    m.points_begin = Index(points);
    const bool ok = Fields(data, "metric", [&](WireReader& r, uint32_t field, int type) {
      std::string_view key;
      const MetricKind kind = field == 5    ? MetricKind::kGauge
                              : field == 7  ? MetricKind::kSum
                              : field == 9  ? MetricKind::kHistogram
                              : field == 10 ? MetricKind::kExponentialHistogram
                              : field == 11 ? MetricKind::kSummary
                                            : MetricKind::kNone;
      if (field == 1 && type == kLengthDelimited) return StringView(r, "metric name", &m.name);
      if (field == 2 && type == kLengthDelimited)
        return StringView(r, "metric description", &m.description);
      if (field == 3 && type == kLengthDelimited) return StringView(r, "metric unit", &m.unit);
      if (kind != MetricKind::kNone && type == kLengthDelimited) {
        if (kind != m.kind) {
          out_->points.resize(points);
          out_->attributes.resize(attributes);
          out_->exemplars.resize(exemplars);
          out_->bucket_counts.resize(buckets);
          out_->bounds.resize(bounds);
          out_->quantiles.resize(quantiles);
          m.kind = kind;
          m.temporality = 0;
          m.monotonic = false;
        }
        return Message(r, "metric data", [&](std::string_view b) { return MetricData(b, &m); });
      }
      if (field == 12 && type == kLengthDelimited) {
        return Message(r, "metric metadata",
                       [&](std::string_view b) { return KeyValueView(b, &key); });
      }
      return Skip(r, type);
    });
    if (!ok) return false;
    m.points_end = Index(out_->points.size());
    out_->metrics.push_back(m);
    return true;
  }

  // Gauge, Sum, Histogram, ExponentialHistogram or Summary: data_points 1, and for the ones
  // that have them, aggregation_temporality 2 and is_monotonic 3.
  bool MetricData(std::string_view data, MetricView* m) {
    const bool has_temporality = m->kind == MetricKind::kSum || m->kind == MetricKind::kHistogram ||
                                 m->kind == MetricKind::kExponentialHistogram;
    return Fields(data, "metric data", [&](WireReader& r, uint32_t field, int type) {
      uint64_t v = 0;
      if (field == 1 && type == kLengthDelimited) {
        return Message(r, "data point", [&](std::string_view b) {
          switch (m->kind) {
            case MetricKind::kGauge:
            case MetricKind::kSum:
              return NumberPoint(b);
            case MetricKind::kHistogram:
              return HistogramPoint(b);
            case MetricKind::kExponentialHistogram:
              return ExponentialHistogramPoint(b);
            case MetricKind::kSummary:
              return SummaryPoint(b);
            case MetricKind::kNone:
              break;
          }
          return Failed("data point without a metric kind");
        });
      }
      if (field == 2 && type == kVarint && has_temporality) {
        if (!r.Varint(&v)) return Failed("truncated aggregation_temporality");
        m->temporality = static_cast<int32_t>(v);
        return true;
      }
      if (field == 3 && type == kVarint && m->kind == MetricKind::kSum) {
        if (!r.Varint(&v)) return Failed("truncated is_monotonic");
        m->monotonic = v != 0;
        return true;
      }
      return Skip(r, type);
    });
  }

  bool Attribute(WireReader& r) {
    return Message(r, "attribute", [&](std::string_view b) {
      std::string_view key;
      if (!KeyValueView(b, &key)) return false;
      out_->attributes.push_back(b);
      return true;
    });
  }
  bool ExemplarField(WireReader& r) {
    return Message(r, "exemplar", [&](std::string_view b) {
      if (!CheckExemplar(b)) return false;
      out_->exemplars.push_back(b);
      return true;
    });
  }
  // A packed or unpacked repeated fixed64/double field.
  bool Repeated64(WireReader& r, int type, const char* name, std::vector<uint64_t>* out) {
    uint64_t v = 0;
    if (type == kFixed64) {
      if (!Fixed64(r, name, &v)) return false;
      out->push_back(v);
      return true;
    }
    std::string_view packed;
    if (!Nested(r, name, &packed)) return false;
    if (packed.size() % 8 != 0) return Failed(std::string("malformed packed ") + name);
    WireReader p(packed);
    while (!p.done()) {
      p.Fixed64(&v);
      out->push_back(v);
    }
    return true;
  }
  // The fields every point kind shares: start (ignored) and time.
  static bool IsTime(uint32_t field, int type) {
    return (field == 2 || field == 3) && type == kFixed64;
  }

  bool NumberPoint(std::string_view data) {
    PointView p;
    p.attributes_begin = Index(out_->attributes.size());
    p.exemplars_begin = Index(out_->exemplars.size());
    const bool ok = Fields(data, "data point", [&](WireReader& r, uint32_t field, int type) {
      uint64_t v = 0;
      if (field == 7 && type == kLengthDelimited) return Attribute(r);
      if (IsTime(field, type)) {
        if (!Fixed64(r, "data point time", &v)) return false;
        if (field == 3) p.time_unix_nano = v;
        return true;
      }
      if (field == 4 && type == kFixed64) {
        p.is_int = false;
        return Double(r, "as_double", &p.as_double);
      }
      if (field == 6 && type == kFixed64) {
        if (!Fixed64(r, "as_int", &v)) return false;
        p.as_int = static_cast<int64_t>(v);
        p.is_int = true;
        return true;
      }
      if (field == 5 && type == kLengthDelimited) return ExemplarField(r);
      if (field == 8 && type == kVarint) return Uint32(r, "flags", &p.flags);
      return Skip(r, type);
    });
    if (!ok) return false;
    p.attributes_end = Index(out_->attributes.size());
    p.exemplars_end = Index(out_->exemplars.size());
    out_->points.push_back(p);
    return true;
  }

  bool HistogramPoint(std::string_view data) {
    PointView p;
    p.attributes_begin = Index(out_->attributes.size());
    p.exemplars_begin = Index(out_->exemplars.size());
    p.buckets_begin = Index(out_->bucket_counts.size());
    std::vector<uint64_t>& bounds_bits = bounds_scratch_;
    bounds_bits.clear();
    const bool ok =
        Fields(data, "histogram data point", [&](WireReader& r, uint32_t field, int type) {
          uint64_t v = 0;
          double d = 0;
          if (field == 9 && type == kLengthDelimited) return Attribute(r);
          if ((IsTime(field, type) || field == 4) && type == kFixed64) {
            if (!Fixed64(r, "histogram field", &v)) return false;
            if (field == 3) p.time_unix_nano = v;
            if (field == 4) p.count = v;
            return true;
          }
          if (field == 5 && type == kFixed64) {
            p.has_sum = true;
            return Double(r, "sum", &p.sum);
          }
          if ((field == 11 || field == 12) && type == kFixed64) return Double(r, "min/max", &d);
          if (field == 6 && (type == kFixed64 || type == kLengthDelimited))
            return Repeated64(r, type, "bucket_counts", &out_->bucket_counts);
          if (field == 7 && (type == kFixed64 || type == kLengthDelimited))
            return Repeated64(r, type, "explicit_bounds", &bounds_bits);
          if (field == 8 && type == kLengthDelimited) return ExemplarField(r);
          if (field == 10 && type == kVarint) return Uint32(r, "flags", &p.flags);
          return Skip(r, type);
        });
    if (!ok) return false;
    p.buckets_end = Index(out_->bucket_counts.size());
    p.bounds_begin = Index(out_->bounds.size());
    for (uint64_t bits : bounds_bits) {
      double d;
      std::memcpy(&d, &bits, 8);
      out_->bounds.push_back(d);
    }
    p.bounds_end = Index(out_->bounds.size());
    p.attributes_end = Index(out_->attributes.size());
    p.exemplars_end = Index(out_->exemplars.size());
    out_->points.push_back(p);
    return true;
  }

  // Checked and counted (the translator refuses them), not kept.
  bool ExponentialHistogramPoint(std::string_view data) {
    PointView p;
    p.attributes_begin = Index(out_->attributes.size());
    const bool ok = Fields(
        data, "exponential histogram data point", [&](WireReader& r, uint32_t field, int type) {
          uint64_t v = 0;
          if (field == 1 && type == kLengthDelimited) return Attribute(r);
          if (((field >= 2 && field <= 5) || field == 7 || (field >= 12 && field <= 14)) &&
              type == kFixed64)
            return Fixed64(r, "exponential histogram field", &v);
          if ((field == 6 || field == 10) && type == kVarint)
            return r.Varint(&v) || Failed("truncated exponential histogram field");
          if ((field == 8 || field == 9) && type == kLengthDelimited)
            return Message(r, "buckets", [&](std::string_view b) { return CheckBuckets(b); });
          if (field == 11 && type == kLengthDelimited)
            return Message(r, "exemplar", [&](std::string_view b) { return CheckExemplar(b); });
          return Skip(r, type);
        });
    if (!ok) return false;
    p.attributes_end = Index(out_->attributes.size());
    out_->points.push_back(p);
    return true;
  }

  // ExponentialHistogramDataPoint.Buckets {sint32 offset = 1; repeated uint64 bucket_counts = 2}
  bool CheckBuckets(std::string_view data) {
    return Fields(data, "buckets", [&](WireReader& r, uint32_t field, int type) {
      uint64_t v = 0;
      if ((field == 1 || field == 2) && type == kVarint)
        return r.Varint(&v) || Failed("truncated buckets field");
      if (field == 2 && type == kLengthDelimited) {
        return Message(r, "bucket_counts", [&](std::string_view packed) {
          WireReader p(packed);
          while (!p.done()) {
            if (!p.Varint(&v)) return Failed("malformed packed bucket_counts");
          }
          return true;
        });
      }
      return Skip(r, type);
    });
  }

  bool SummaryPoint(std::string_view data) {
    PointView p;
    p.attributes_begin = Index(out_->attributes.size());
    p.quantiles_begin = Index(out_->quantiles.size());
    const bool ok =
        Fields(data, "summary data point", [&](WireReader& r, uint32_t field, int type) {
          uint64_t v = 0;
          if (field == 7 && type == kLengthDelimited) return Attribute(r);
          if ((IsTime(field, type) || field == 4) && type == kFixed64) {
            if (!Fixed64(r, "summary field", &v)) return false;
            if (field == 3) p.time_unix_nano = v;
            if (field == 4) p.count = v;
            return true;
          }
          if (field == 5 && type == kFixed64) {
            p.has_sum = true;
            return Double(r, "sum", &p.sum);
          }
          if (field == 6 && type == kLengthDelimited)
            return Message(r, "quantile value", [&](std::string_view b) { return Quantile(b); });
          if (field == 8 && type == kVarint) return Uint32(r, "flags", &p.flags);
          return Skip(r, type);
        });
    if (!ok) return false;
    p.attributes_end = Index(out_->attributes.size());
    p.quantiles_end = Index(out_->quantiles.size());
    out_->points.push_back(p);
    return true;
  }

  // SummaryDataPoint.ValueAtQuantile {double quantile = 1; double value = 2}
  bool Quantile(std::string_view data) {
    std::pair<double, double> q{0, 0};
    const bool ok = Fields(data, "quantile value", [&](WireReader& r, uint32_t field, int type) {
      if (field == 1 && type == kFixed64) return Double(r, "quantile", &q.first);
      if (field == 2 && type == kFixed64) return Double(r, "quantile value", &q.second);
      return Skip(r, type);
    });
    if (ok) out_->quantiles.push_back(q);
    return ok;
  }

  // Exemplar {filtered_attributes 7; time_unix_nano 2; as_double 3 | as_int 6; span_id 4;
  // trace_id 5}
  bool CheckExemplar(std::string_view data) {
    return Fields(data, "exemplar", [&](WireReader& r, uint32_t field, int type) {
      uint64_t v = 0;
      std::string_view bytes, key;
      if (field == 7 && type == kLengthDelimited) {
        return Message(r, "exemplar attribute",
                       [&](std::string_view b) { return KeyValueView(b, &key); });
      }
      if ((field == 2 || field == 3 || field == 6) && type == kFixed64)
        return Fixed64(r, "exemplar field", &v);
      if ((field == 4 || field == 5) && type == kLengthDelimited)
        return Nested(r, "exemplar id", &bytes);
      return Skip(r, type);
    });
  }

  MetricsRequestView* out_;
  std::vector<uint64_t> bounds_scratch_;
};

// An exemplar's fields (already checked by the decoder).
struct ExemplarFields {
  std::string_view trace_id, span_id;
  std::vector<std::string_view> attributes;
  uint64_t time_unix_nano = 0;
  double value = 0;
};

ExemplarFields ReadExemplar(std::string_view data) {
  ExemplarFields e;
  WireReader r(data);
  uint32_t field = 0;
  int type = 0;
  while (!r.done() && r.Tag(&field, &type)) {
    uint64_t v = 0;
    std::string_view bytes;
    if (field == 7 && type == kLengthDelimited && r.Bytes(&bytes)) {
      e.attributes.push_back(bytes);
    } else if (field == 2 && type == kFixed64 && r.Fixed64(&v)) {
      e.time_unix_nano = v;
    } else if (field == 3 && type == kFixed64 && r.Double(&e.value)) {
    } else if (field == 6 && type == kFixed64 && r.Fixed64(&v)) {
      e.value = static_cast<double>(static_cast<int64_t>(v));
    } else if (field == 4 && type == kLengthDelimited && r.Bytes(&bytes)) {
      e.span_id = bytes;
    } else if (field == 5 && type == kLengthDelimited && r.Bytes(&bytes)) {
      e.trace_id = bytes;
    } else if (!r.Skip(type)) {
      break;
    }
  }
  return e;
}

// Prometheus' OTLP translation: trace_id and span_id in lower-case hex, then the attributes the
// SDK filtered out of the data point.
Exemplar ToExemplar(const ExemplarFields& e, MetricNaming naming) {
  std::vector<Label> labels;
  if (!e.trace_id.empty()) labels.push_back({"trace_id", ToHex(e.trace_id)});
  if (!e.span_id.empty()) labels.push_back({"span_id", ToHex(e.span_id)});
  for (std::string_view kv : e.attributes) {
    std::string_view key;
    OtlpWireDecoder checker("Exemplar");
    if (!checker.KeyValueView(kv, &key)) continue;
    labels.push_back({PrometheusLabelName(key, naming), OtlpWireDecoder::ValueText(kv)});
  }
  Exemplar out;
  out.labels = Labels(std::move(labels));
  out.value = e.value;
  out.timestamp_ms = Millis(e.time_unix_nano);
  return out;
}

std::string MetadataType(const MetricView& m) {
  switch (m.kind) {
    case MetricKind::kGauge:
      return "gauge";
    case MetricKind::kSum:
      return m.monotonic ? "counter" : "gauge";
    case MetricKind::kHistogram:
    case MetricKind::kExponentialHistogram:
      return "histogram";
    case MetricKind::kSummary:
      return "summary";
    case MetricKind::kNone:
      break;
  }
  return "unknown";
}

// The Prometheus name of a metric (without the _bucket/_sum/_count/quantile suffixes).
std::string MetricName(std::string_view otel_name, std::string_view otel_unit, bool counter,
                       bool gauge, MetricNaming naming) {
  if (naming == MetricNaming::kUtf8) return std::string(otel_name);
  std::vector<std::string> tokens = Tokens(otel_name);
  const std::string unit = StripBraces(otel_unit);
  const size_t slash = unit.find('/');
  const std::string main_unit = unit.substr(0, slash);
  const std::string per_unit = slash == std::string::npos ? "" : unit.substr(slash + 1);
  auto has = [&](std::string_view t) {
    return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
  };
  if (!main_unit.empty() && main_unit != "1") {
    auto it = UnitWords().find(main_unit);
    const std::string word =
        it != UnitWords().end() ? std::string(it->second) : Join(Tokens(main_unit));
    if (!word.empty() && !has(word)) tokens.push_back(word);
  }
  if (!per_unit.empty()) {
    auto it = PerUnitWords().find(per_unit);
    const std::string word =
        it != PerUnitWords().end() ? std::string(it->second) : Join(Tokens(per_unit));
    if (!word.empty() &&
        !(tokens.size() >= 2 && tokens[tokens.size() - 2] == "per" && tokens.back() == word)) {
      tokens.push_back("per");
      tokens.push_back(word);
    }
  }
  if (counter) {
    std::erase(tokens, "total");
    tokens.push_back("total");
  }
  if (gauge && main_unit == "1" && !has("ratio")) tokens.push_back("ratio");
  std::string name = Join(tokens);
  if (name.empty()) name = "_";
  if (name[0] >= '0' && name[0] <= '9') name = "_" + name;
  return name;
}

std::string MetricName(const MetricView& m, MetricNaming naming) {
  const bool counter = m.kind == MetricKind::kSum && m.monotonic &&
                       m.temporality != kAggregationTemporalityUnspecified;
  const bool gauge = m.kind == MetricKind::kGauge || (m.kind == MetricKind::kSum && !m.monotonic);
  return MetricName(m.name, m.unit, counter, gauge, naming);
}

}  // namespace

std::string PrometheusLabelName(std::string_view name, MetricNaming naming) {
  if (naming == MetricNaming::kUtf8) return std::string(name);
  std::string out;
  for (char c : name) out.push_back(IsAlnum(c) || c == '_' ? c : '_');
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') return "key_" + out;
  if (out.size() >= 2 && out[0] == '_' && out[1] != '_') return "key" + out;
  return out;
}

std::string PrometheusMetricName(const mpb::Metric& metric, MetricNaming naming) {
  const bool counter =
      metric.data_case() == mpb::Metric::kSum && metric.sum().is_monotonic() &&
      metric.sum().aggregation_temporality() != mpb::AGGREGATION_TEMPORALITY_UNSPECIFIED;
  const bool gauge = metric.data_case() == mpb::Metric::kGauge ||
                     (metric.data_case() == mpb::Metric::kSum && !metric.sum().is_monotonic());
  return MetricName(metric.name(), metric.unit(), counter, gauge, naming);
}

double MetricsTranslator::Accumulate(const Labels& labels, double delta) {
  const std::string key = labels.ToString();
  std::lock_guard lock(mu_);
  auto it = delta_totals_.find(key);
  if (it == delta_totals_.end()) {
    if (delta_totals_.size() >= std::max<size_t>(2, options_.max_delta_series)) {
      // Forget the half updated least recently, all at once so that the cost is amortised over
      // as many new series. A forgotten series that comes back starts a new total, which
      // PromQL's rate() and increase() read as a counter reset.
      std::vector<uint64_t> updates;
      updates.reserve(delta_totals_.size());
      for (const auto& [k, total] : delta_totals_) updates.push_back(total.last_update);
      auto middle = updates.begin() + static_cast<ptrdiff_t>(updates.size() / 2);
      std::nth_element(updates.begin(), middle, updates.end());
      const uint64_t cutoff = *middle;
      absl::erase_if(delta_totals_, [&](const auto& e) { return e.second.last_update <= cutoff; });
      delta_series_forgotten_ += updates.size() - delta_totals_.size();
    }
    it = delta_totals_.emplace(key, DeltaTotal{}).first;
  }
  if (!std::isnan(delta)) it->second.total += delta;
  it->second.last_update = ++delta_updates_;
  return it->second.total;
}

Result<MetricsTranslationReport> MetricsTranslator::Translate(
    const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
    Appender* appender) {
  // One translation for every path: the message's own encoding.
  return Translate(request.SerializeAsString(), appender);
}

Result<MetricsTranslationReport> MetricsTranslator::Translate(std::string_view request_bytes,
                                                              Appender* appender) {
  // The thread's views and scratch space keep their capacity from one export to the next.
  thread_local MetricsRequestView request;
  request.Clear();
  // Connection threads are many: after an unusually large request, free its views.
  absl::Cleanup release = [] {
    if (request.attributes.capacity() > (1 << 16) || request.points.capacity() > (1 << 14))
      request = MetricsRequestView();
  };
  {
    MetricsDecoder decoder(&request);
    TM_RETURN_IF_ERROR(decoder.Request(request_bytes));
  }
  thread_local absl::node_hash_map<std::string, std::string> name_cache;
  if (name_cache.size() > 10'000) name_cache.clear();  // bounded; entries stay valid below

  MetricsTranslationReport report;
  const MetricNaming naming = options_.naming;
  auto reject = [&](uint64_t n, const std::string& why) {
    report.rejected_data_points += n;
    if (report.first_rejection.empty())
      report.first_rejection = util::Abbreviate(why, util::kMaxRejectionMessageBytes);
  };
  auto attribute_key = [](std::string_view kv) {
    std::string_view key;
    OtlpWireDecoder reader("KeyValue");
    return reader.KeyValueView(kv, &key) ? key : std::string_view();  // checked: cannot fail
  };
  std::string name_key;
  absl::flat_hash_set<const std::string*> families;  // metadata once per family and request

  for (const ResourceView& rv : request.resources) {
    // job and instance from the resource; everything else goes on target_info.
    std::string service_name, service_namespace, instance;
    std::vector<Label> other;
    for (uint32_t a = rv.attributes_begin; a < rv.attributes_end; ++a) {
      const std::string_view kv = request.attributes[a];
      const std::string_view key = attribute_key(kv);
      std::string value = OtlpWireDecoder::ValueText(kv);
      if (key == "service.name") {
        service_name = std::move(value);
      } else if (key == "service.namespace") {
        service_namespace = std::move(value);
      } else if (key == "service.instance.id") {
        instance = std::move(value);
      } else if (!value.empty()) {
        other.push_back({PrometheusLabelName(key, naming), std::move(value)});
      }
    }
    std::vector<Label> resource_labels;
    if (!service_name.empty()) {
      resource_labels.push_back({"job", service_namespace.empty()
                                            ? service_name
                                            : service_namespace + "/" + service_name});
    }
    if (!instance.empty()) resource_labels.push_back({"instance", instance});
    int64_t latest_ms = INT64_MIN;

    // A series' labels: the data point's attributes (sanitised; colliding names join their
    // values with ';'), job, instance, extra labels, then __name__.
    auto series = [&](const std::string& name, const PointView& p,
                      std::initializer_list<Label> extra) {
      // A sorted vector rather than a map: a data point has a handful of labels.
      std::vector<Label> labels;
      labels.reserve(p.attributes_end - p.attributes_begin + resource_labels.size() + extra.size() +
                     1);
      for (uint32_t a = p.attributes_begin; a < p.attributes_end; ++a) {
        const std::string_view kv = request.attributes[a];
        labels.push_back(
            {PrometheusLabelName(attribute_key(kv), naming), OtlpWireDecoder::ValueText(kv)});
      }
      std::stable_sort(labels.begin(), labels.end(),
                       [](const Label& a, const Label& b) { return a.name < b.name; });
      // Attributes whose names collide after sanitising join their values with ';'.
      size_t out = 0;
      for (size_t i = 0; i < labels.size(); ++i) {
        if (out > 0 && labels[out - 1].name == labels[i].name) {
          labels[out - 1].value += ";" + labels[i].value;
        } else {
          if (out != i) labels[out] = std::move(labels[i]);
          ++out;
        }
      }
      labels.resize(out);
      // job, instance, extra labels and __name__ replace attributes of the same name.
      auto set = [&](const std::string& label_name, const std::string& value) {
        auto it = std::lower_bound(labels.begin(), labels.end(), label_name,
                                   [](const Label& a, const std::string& n) { return a.name < n; });
        if (it != labels.end() && it->name == label_name) {
          it->value = value;
        } else {
          labels.insert(it, Label{label_name, value});
        }
      };
      for (const Label& l : resource_labels) set(l.name, l.value);
      for (const Label& l : extra) set(l.name, l.value);
      set("__name__", name);
      return Labels(std::move(labels));
    };
    auto add = [&](const Labels& labels, uint64_t time_nanos, double v) {
      const int64_t ms = Millis(time_nanos);
      latest_ms = std::max(latest_ms, ms);
      appender->Add(labels, ms, v);
    };
    auto add_exemplars = [&](const Labels& labels, const PointView& p) {
      for (uint32_t e = p.exemplars_begin; e < p.exemplars_end; ++e)
        report.exemplars.push_back(
            {labels, ToExemplar(ReadExemplar(request.exemplars[e]), naming)});
    };

    // The fast path for a series seen before: its ref, found by a key of what determines its
    // labels (resource job and instance, the name, the attributes' wire bytes in order, extra
    // labels), without building and looking up the label set. Not for delta temporality (the
    // running total is kept by label set) or points with exemplars (they need the label set).
    std::string resource_key;
    for (const Label& l : resource_labels) {
      resource_key += l.name;  // job and instance are each optional: name them
      resource_key.push_back('\xfd');
      resource_key += l.value;
      resource_key.push_back('\xff');
    }
    std::string key;
    auto add_cached = [&](const std::string& name, const PointView& p,
                          std::initializer_list<Label> extra, double v) {
      key.assign(resource_key);
      key += name;
      for (uint32_t a = p.attributes_begin; a < p.attributes_end; ++a) {
        const std::string_view kv = request.attributes[a];
        const auto n = static_cast<uint32_t>(kv.size());
        key.push_back('\xfe');
        key.append(reinterpret_cast<const char*>(&n), sizeof n);  // lengths keep keys apart
        key.append(kv);
      }
      for (const Label& l : extra) {
        key.push_back('\xfc');
        key += l.name;
        key.push_back('\xfd');
        key += l.value;
      }
      const int64_t ms = Millis(p.time_unix_nano);
      latest_ms = std::max(latest_ms, ms);
      SeriesRef ref = refs_.Get(key);
      if (ref != 0 && appender->TryAdd(ref, ms, v) != 0) return;
      if (ref != 0) refs_.Erase(key);  // the series went away
      ref = appender->Add(series(name, p, extra), ms, v);
      if (ref != 0) refs_.Put(key, ref);
    };

    for (uint32_t mi = rv.metrics_begin; mi < rv.metrics_end; ++mi) {
      const MetricView& m = request.metrics[mi];
      const std::string* cached_name;
      {
        name_key.clear();
        name_key.push_back(static_cast<char>('0' + static_cast<int>(naming)));
        name_key.push_back(static_cast<char>('0' + static_cast<int>(m.kind)));
        name_key.push_back(m.monotonic ? 'm' : '-');
        name_key.push_back(m.temporality == kAggregationTemporalityUnspecified ? 'u' : 't');
        name_key.append(m.unit);
        name_key.push_back('\xff');
        name_key.append(m.name);
        auto it = name_cache.find(name_key);
        if (it == name_cache.end()) it = name_cache.emplace(name_key, MetricName(m, naming)).first;
        cached_name = &it->second;
      }
      const std::string& name = *cached_name;
      if (m.kind != MetricKind::kNone && families.insert(cached_name).second) {
        report.metadata.emplace_back(
            name, MetricMetadata{MetadataType(m), std::string(m.description), std::string(m.unit)});
      }
      const std::span<const PointView> points(request.points.data() + m.points_begin,
                                              m.points_end - m.points_begin);
      switch (m.kind) {
        case MetricKind::kGauge:
          for (const PointView& p : points) {
            ++report.data_points;
            if (p.exemplars_begin == p.exemplars_end) {
              add_cached(name, p, {}, p.NumberValue());
              continue;
            }
            const Labels labels = series(name, p, {});
            add(labels, p.time_unix_nano, p.NumberValue());
            add_exemplars(labels, p);
          }
          break;
        case MetricKind::kSum: {
          const bool delta = m.temporality == kAggregationTemporalityDelta;
          for (const PointView& p : points) {
            ++report.data_points;
            if (!delta && p.exemplars_begin == p.exemplars_end) {
              add_cached(name, p, {}, p.NumberValue());
              continue;
            }
            const Labels labels = series(name, p, {});
            double v = p.NumberValue();
            if (delta && !IsStaleMarker(v)) v = Accumulate(labels, v);
            add(labels, p.time_unix_nano, v);
            add_exemplars(labels, p);
          }
          break;
        }
        case MetricKind::kHistogram: {
          const bool delta = m.temporality == kAggregationTemporalityDelta;
          for (const PointView& p : points) {
            ++report.data_points;
            const uint32_t nbuckets = p.buckets_end - p.buckets_begin;
            const uint32_t nbounds = p.bounds_end - p.bounds_begin;
            if (nbuckets != 0 && nbuckets != nbounds + 1) {
              reject(1, "histogram " + std::string(m.name) + " has " + std::to_string(nbuckets) +
                            " bucket counts for " + std::to_string(nbounds) + " bounds");
              continue;
            }
            const bool stale = p.flags & kNoRecordedValue;
            auto bound = [&](uint32_t b) { return request.bounds[p.bounds_begin + b]; };
            auto le_of = [&](uint32_t b) {
              return b < nbounds ? util::GoFormatFloatF(bound(b)) : "+Inf";
            };
            const bool no_exemplars = p.exemplars_begin == p.exemplars_end;
            if (!delta && no_exemplars) {
              uint64_t total = 0;
              for (uint32_t b = 0; b < nbuckets; ++b) {
                total += request.bucket_counts[p.buckets_begin + b];
                add_cached(name + "_bucket", p, {{"le", le_of(b)}},
                           stale ? StaleMarker() : static_cast<double>(total));
              }
              if (nbuckets == 0) {
                add_cached(name + "_bucket", p, {{"le", "+Inf"}},
                           stale ? StaleMarker() : static_cast<double>(p.count));
              }
              if (p.has_sum) add_cached(name + "_sum", p, {}, stale ? StaleMarker() : p.sum);
              add_cached(name + "_count", p, {},
                         stale ? StaleMarker() : static_cast<double>(p.count));
              continue;
            }
            auto value = [&](const Labels& labels, double v) {
              if (stale) return StaleMarker();
              return delta ? Accumulate(labels, v) : v;
            };
            uint64_t cumulative = 0;
            std::vector<Labels> buckets;
            for (uint32_t b = 0; b < nbuckets; ++b) {
              cumulative += request.bucket_counts[p.buckets_begin + b];
              const Labels labels = series(name + "_bucket", p, {{"le", le_of(b)}});
              add(labels, p.time_unix_nano, value(labels, static_cast<double>(cumulative)));
              buckets.push_back(labels);
            }
            if (nbuckets == 0) {
              const Labels labels = series(name + "_bucket", p, {{"le", "+Inf"}});
              add(labels, p.time_unix_nano, value(labels, static_cast<double>(p.count)));
              buckets.push_back(labels);
            }
            // Each exemplar goes on the bucket its value falls in (upper bound inclusive).
            for (uint32_t e = p.exemplars_begin; e < p.exemplars_end; ++e) {
              const ExemplarFields fields = ReadExemplar(request.exemplars[e]);
              size_t b = 0;
              while (b < nbounds && b + 1 < buckets.size() &&
                     fields.value > bound(static_cast<uint32_t>(b)))
                ++b;
              report.exemplars.push_back({buckets[b], ToExemplar(fields, naming)});
            }
            if (p.has_sum) {
              const Labels labels = series(name + "_sum", p, {});
              add(labels, p.time_unix_nano, value(labels, p.sum));
            }
            const Labels count = series(name + "_count", p, {});
            add(count, p.time_unix_nano, value(count, static_cast<double>(p.count)));
          }
          break;
        }
        case MetricKind::kSummary:
          for (const PointView& p : points) {
            ++report.data_points;
            const bool stale = p.flags & kNoRecordedValue;
            for (uint32_t q = p.quantiles_begin; q < p.quantiles_end; ++q) {
              add_cached(name, p, {{"quantile", util::GoFormatFloatF(request.quantiles[q].first)}},
                         stale ? StaleMarker() : request.quantiles[q].second);
            }
            add_cached(name + "_sum", p, {}, stale ? StaleMarker() : p.sum);
            add_cached(name + "_count", p, {},
                       stale ? StaleMarker() : static_cast<double>(p.count));
          }
          break;
        case MetricKind::kExponentialHistogram:
          report.data_points += points.size();
          reject(points.size(), "exponential histogram " + std::string(m.name) +
                                    " not stored: native histograms are not supported yet; "
                                    "configure the SDK's explicit-bucket histogram aggregation");
          break;
        case MetricKind::kNone:
          reject(1, "metric " + std::string(m.name) + " has no data");
          break;
      }
    }
    if (options_.target_info && !other.empty() && latest_ms != INT64_MIN) {
      std::vector<Label> labels = other;
      for (const Label& l : resource_labels) labels.push_back(l);
      labels.push_back({"__name__", "target_info"});
      appender->Add(Labels(std::move(labels)), latest_ms, 1);
    }
  }
  auto committed = appender->Commit();
  if (!committed.ok()) return committed.status();
  report.commit = std::move(committed).value();
  return report;
}

}  // namespace tidemark::ingest
