// Reading an ExportMetricsServiceRequest from its protobuf wire bytes into views, checking all of
// it before the translator stores anything.
#include <cstring>

#include "ingest/otlp_metrics_internal.h"
#include "ingest/otlp_wire.h"
#include "util/status_macros.h"

namespace tidemark::ingest::internal {
namespace {

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

}  // namespace

Status DecodeMetricsRequest(std::string_view body, MetricsRequestView* out) {
  MetricsDecoder decoder(out);
  return decoder.Request(body);
}

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

}  // namespace tidemark::ingest::internal
