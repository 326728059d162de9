#include "ingest/otlp_metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "ingest/otlp_common.h"

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

std::string FormatFloat(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

double PointValue(const mpb::NumberDataPoint& p) {
  if (p.flags() & kNoRecordedValue) return StaleMarker();
  return p.value_case() == mpb::NumberDataPoint::kAsInt ? static_cast<double>(p.as_int())
                                                        : p.as_double();
}

int64_t Millis(uint64_t nanos) { return static_cast<int64_t>(nanos / 1'000'000); }

using Attributes = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// An attribute value as part of a ref-cache key: its kind, then its text.
void AppendValueKey(const opentelemetry::proto::common::v1::AnyValue& v, std::string* key) {
  key->push_back(static_cast<char>('0' + static_cast<int>(v.value_case())));
  if (v.value_case() == opentelemetry::proto::common::v1::AnyValue::kStringValue) {
    *key += v.string_value();
  } else {
    *key += FromOtlp(v).ToString();
  }
}

double ExemplarValue(const mpb::Exemplar& e) {
  return e.value_case() == mpb::Exemplar::kAsInt ? static_cast<double>(e.as_int()) : e.as_double();
}

// Prometheus' OTLP translation: trace_id and span_id in lower-case hex, then the attributes the
// SDK filtered out of the data point.
Exemplar ToExemplar(const mpb::Exemplar& e, MetricNaming naming) {
  std::vector<Label> labels;
  if (!e.trace_id().empty()) labels.push_back({"trace_id", ToHex(e.trace_id())});
  if (!e.span_id().empty()) labels.push_back({"span_id", ToHex(e.span_id())});
  for (const auto& kv : e.filtered_attributes()) {
    labels.push_back({PrometheusLabelName(kv.key(), naming), FromOtlp(kv.value()).ToString()});
  }
  Exemplar out;
  out.labels = Labels(std::move(labels));
  out.value = ExemplarValue(e);
  out.timestamp_ms = Millis(e.time_unix_nano());
  return out;
}

std::string MetadataType(const mpb::Metric& m) {
  switch (m.data_case()) {
    case mpb::Metric::kGauge:
      return "gauge";
    case mpb::Metric::kSum:
      return m.sum().is_monotonic() ? "counter" : "gauge";
    case mpb::Metric::kHistogram:
    case mpb::Metric::kExponentialHistogram:
      return "histogram";
    case mpb::Metric::kSummary:
      return "summary";
    case mpb::Metric::DATA_NOT_SET:
      break;
  }
  return "unknown";
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
  if (naming == MetricNaming::kUtf8) return metric.name();

  std::vector<std::string> tokens = Tokens(metric.name());
  const std::string unit = StripBraces(metric.unit());
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

double MetricsTranslator::Accumulate(const Labels& labels, double delta) {
  const std::string key = labels.ToString();
  std::lock_guard lock(mu_);
  double& total = delta_totals_[key];
  if (!std::isnan(delta)) total += delta;
  return total;
}

Result<MetricsTranslationReport> MetricsTranslator::Translate(
    const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
    Appender* appender) {
  MetricsTranslationReport report;
  const MetricNaming naming = options_.naming;
  auto reject = [&](uint64_t n, const std::string& why) {
    report.rejected_data_points += n;
    if (report.first_rejection.empty()) report.first_rejection = why;
  };

  for (const auto& rm : request.resource_metrics()) {
    // job and instance from the resource; everything else goes on target_info.
    std::string service_name, service_namespace, instance;
    std::vector<Label> other;
    for (const auto& kv : rm.resource().attributes()) {
      const std::string value = FromOtlp(kv.value()).ToString();
      if (kv.key() == "service.name") {
        service_name = value;
      } else if (kv.key() == "service.namespace") {
        service_namespace = value;
      } else if (kv.key() == "service.instance.id") {
        instance = value;
      } else if (!value.empty()) {
        other.push_back({PrometheusLabelName(kv.key(), naming), value});
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
    auto series = [&](const std::string& name,
                      const google::protobuf::RepeatedPtrField<
                          opentelemetry::proto::common::v1::KeyValue>& attrs,
                      std::initializer_list<Label> extra) {
      // A sorted vector rather than a map: a data point has a handful of labels.
      std::vector<Label> labels;
      labels.reserve(attrs.size() + resource_labels.size() + extra.size() + 1);
      for (const auto& kv : attrs) {
        Label l{PrometheusLabelName(kv.key(), naming), std::string()};
        if (kv.value().value_case() == opentelemetry::proto::common::v1::AnyValue::kStringValue) {
          l.value = kv.value().string_value();
        } else {
          l.value = FromOtlp(kv.value()).ToString();
        }
        labels.push_back(std::move(l));
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

    auto add_exemplars = [&](const Labels& labels,
                             const google::protobuf::RepeatedPtrField<mpb::Exemplar>& exemplars) {
      for (const auto& e : exemplars) report.exemplars.push_back({labels, ToExemplar(e, naming)});
    };

    // The fast path for a series seen before: its ref, found by a key of what determines its
    // labels (resource job and instance, the name, the raw attributes in order, extra labels),
    // without building and looking up the label set. Not for delta temporality (the running
    // total is kept by label set) or points with exemplars (they need the label set anyway).
    std::string resource_key;
    for (const Label& l : resource_labels) {
      resource_key += l.name;  // job and instance are each optional: name them
      resource_key.push_back('\xfd');
      resource_key += l.value;
      resource_key.push_back('\xff');
    }
    std::string key;
    auto add_cached = [&](const std::string& name, const Attributes& attrs,
                          std::initializer_list<Label> extra, uint64_t time_nanos, double v) {
      key.assign(resource_key);
      key += name;
      for (const auto& kv : attrs) {
        key.push_back('\xfe');
        key += kv.key();
        key.push_back('\xfd');
        AppendValueKey(kv.value(), &key);
      }
      for (const Label& l : extra) {
        key.push_back('\xfc');
        key += l.name;
        key.push_back('\xfd');
        key += l.value;
      }
      const int64_t ms = Millis(time_nanos);
      latest_ms = std::max(latest_ms, ms);
      SeriesRef ref = refs_.Get(key);
      if (ref != 0 && appender->TryAdd(ref, ms, v) != 0) return;
      if (ref != 0) refs_.Erase(key);  // the series went away
      ref = appender->Add(series(name, attrs, extra), ms, v);
      if (ref != 0) refs_.Put(key, ref);
    };

    for (const auto& sm : rm.scope_metrics()) {
      for (const auto& m : sm.metrics()) {
        const std::string name = PrometheusMetricName(m, naming);
        if (m.data_case() != mpb::Metric::DATA_NOT_SET)
          report.metadata.emplace_back(name,
                                       MetricMetadata{MetadataType(m), m.description(), m.unit()});
        switch (m.data_case()) {
          case mpb::Metric::kGauge:
            for (const auto& p : m.gauge().data_points()) {
              ++report.data_points;
              if (p.exemplars_size() == 0) {
                add_cached(name, p.attributes(), {}, p.time_unix_nano(), PointValue(p));
                continue;
              }
              const Labels labels = series(name, p.attributes(), {});
              add(labels, p.time_unix_nano(), PointValue(p));
              add_exemplars(labels, p.exemplars());
            }
            break;
          case mpb::Metric::kSum: {
            const bool delta =
                m.sum().aggregation_temporality() == mpb::AGGREGATION_TEMPORALITY_DELTA;
            for (const auto& p : m.sum().data_points()) {
              ++report.data_points;
              if (!delta && p.exemplars_size() == 0) {
                add_cached(name, p.attributes(), {}, p.time_unix_nano(), PointValue(p));
                continue;
              }
              const Labels labels = series(name, p.attributes(), {});
              double v = PointValue(p);
              if (delta && !IsStaleMarker(v)) v = Accumulate(labels, v);
              add(labels, p.time_unix_nano(), v);
              add_exemplars(labels, p.exemplars());
            }
            break;
          }
          case mpb::Metric::kHistogram: {
            const bool delta =
                m.histogram().aggregation_temporality() == mpb::AGGREGATION_TEMPORALITY_DELTA;
            for (const auto& p : m.histogram().data_points()) {
              ++report.data_points;
              if (p.bucket_counts_size() != 0 &&
                  p.bucket_counts_size() != p.explicit_bounds_size() + 1) {
                reject(1, "histogram " + m.name() + " has " +
                              std::to_string(p.bucket_counts_size()) + " bucket counts for " +
                              std::to_string(p.explicit_bounds_size()) + " bounds");
                continue;
              }
              const bool stale = p.flags() & kNoRecordedValue;
              if (!delta && p.exemplars_size() == 0) {
                const uint64_t t = p.time_unix_nano();
                uint64_t total = 0;
                for (int b = 0; b < p.bucket_counts_size(); ++b) {
                  total += p.bucket_counts(b);
                  const std::string le =
                      b < p.explicit_bounds_size() ? FormatFloat(p.explicit_bounds(b)) : "+Inf";
                  add_cached(name + "_bucket", p.attributes(), {{"le", le}}, t,
                             stale ? StaleMarker() : static_cast<double>(total));
                }
                if (p.bucket_counts_size() == 0) {
                  add_cached(name + "_bucket", p.attributes(), {{"le", "+Inf"}}, t,
                             stale ? StaleMarker() : static_cast<double>(p.count()));
                }
                if (p.has_sum())
                  add_cached(name + "_sum", p.attributes(), {}, t, stale ? StaleMarker() : p.sum());
                add_cached(name + "_count", p.attributes(), {}, t,
                           stale ? StaleMarker() : static_cast<double>(p.count()));
                continue;
              }
              auto value = [&](const Labels& labels, double v) {
                if (stale) return StaleMarker();
                return delta ? Accumulate(labels, v) : v;
              };
              uint64_t cumulative = 0;
              std::vector<Labels> buckets;
              for (int b = 0; b < p.bucket_counts_size(); ++b) {
                cumulative += p.bucket_counts(b);
                const std::string le =
                    b < p.explicit_bounds_size() ? FormatFloat(p.explicit_bounds(b)) : "+Inf";
                const Labels labels = series(name + "_bucket", p.attributes(), {{"le", le}});
                add(labels, p.time_unix_nano(), value(labels, static_cast<double>(cumulative)));
                buckets.push_back(labels);
              }
              if (p.bucket_counts_size() == 0) {
                const Labels labels = series(name + "_bucket", p.attributes(), {{"le", "+Inf"}});
                add(labels, p.time_unix_nano(), value(labels, static_cast<double>(p.count())));
                buckets.push_back(labels);
              }
              // Each exemplar goes on the bucket its value falls in (upper bound inclusive).
              for (const auto& e : p.exemplars()) {
                const double v = ExemplarValue(e);
                size_t b = 0;
                while (b < static_cast<size_t>(p.explicit_bounds_size()) &&
                       b + 1 < buckets.size() && v > p.explicit_bounds(static_cast<int>(b)))
                  ++b;
                report.exemplars.push_back({buckets[b], ToExemplar(e, naming)});
              }
              if (p.has_sum()) {
                const Labels labels = series(name + "_sum", p.attributes(), {});
                add(labels, p.time_unix_nano(), value(labels, p.sum()));
              }
              const Labels count = series(name + "_count", p.attributes(), {});
              add(count, p.time_unix_nano(), value(count, static_cast<double>(p.count())));
            }
            break;
          }
          case mpb::Metric::kSummary:
            for (const auto& p : m.summary().data_points()) {
              ++report.data_points;
              const bool stale = p.flags() & kNoRecordedValue;
              for (const auto& q : p.quantile_values()) {
                add_cached(name, p.attributes(), {{"quantile", FormatFloat(q.quantile())}},
                           p.time_unix_nano(), stale ? StaleMarker() : q.value());
              }
              add_cached(name + "_sum", p.attributes(), {}, p.time_unix_nano(),
                         stale ? StaleMarker() : p.sum());
              add_cached(name + "_count", p.attributes(), {}, p.time_unix_nano(),
                         stale ? StaleMarker() : static_cast<double>(p.count()));
            }
            break;
          case mpb::Metric::kExponentialHistogram:
            report.data_points += m.exponential_histogram().data_points_size();
            reject(m.exponential_histogram().data_points_size(),
                   "exponential histogram " + m.name() +
                       " not stored: native histograms are not supported yet; configure the SDK's "
                       "explicit-bucket "
                       "histogram aggregation");
            break;
          case mpb::Metric::DATA_NOT_SET:
            reject(1, "metric " + m.name() + " has no data");
            break;
        }
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
