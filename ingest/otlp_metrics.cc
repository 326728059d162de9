// OTLP metrics to Prometheus series: the decoded views (otlp_metrics_decode.cc) become labels,
// samples (delta temporality made cumulative), exemplars and metadata, committed in one append.
#include "ingest/otlp_metrics.h"

#include <absl/cleanup/cleanup.h>
#include <absl/container/flat_hash_set.h>
#include <absl/container/node_hash_map.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "ingest/otlp_common.h"
#include "ingest/otlp_metrics_internal.h"
#include "ingest/otlp_wire.h"
#include "util/go_text.h"
#include "util/status_macros.h"
#include "util/utf8.h"

namespace tidemark::ingest {
namespace {

using internal::ExemplarFields;
using internal::kAggregationTemporalityDelta;
using internal::kAggregationTemporalityUnspecified;
using internal::kNoRecordedValue;
using internal::MetricKind;
using internal::MetricsRequestView;
using internal::MetricView;
using internal::PointView;
using internal::ReadExemplar;
using internal::ResourceView;

int64_t Millis(uint64_t nanos) { return static_cast<int64_t>(nanos / 1'000'000); }

// Prometheus' OTLP translation: trace_id and span_id in lower-case hex, then the attributes the
// SDK filtered out of the data point.
Exemplar ToExemplar(const ExemplarFields& e, TranslationStrategy strategy) {
  std::vector<Label> labels;
  if (!e.trace_id.empty()) labels.push_back({"trace_id", ToHex(e.trace_id)});
  if (!e.span_id.empty()) labels.push_back({"span_id", ToHex(e.span_id)});
  for (std::string_view kv : e.attributes) {
    std::string_view key;
    OtlpWireDecoder checker("Exemplar");
    if (!checker.KeyValueView(kv, &key)) continue;
    labels.push_back({PrometheusLabelName(key, strategy), OtlpWireDecoder::ValueText(kv)});
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

std::string MetricName(const MetricView& m, TranslationStrategy strategy) {
  const bool counter = m.kind == MetricKind::kSum && m.monotonic &&
                       m.temporality != kAggregationTemporalityUnspecified;
  return internal::MetricName(m.name, m.unit, counter, m.kind == MetricKind::kGauge, strategy);
}

// A series' labels as Prometheus builds them: the data point's attributes (names already
// translated; names that collide join their values with ';'), then the promoted resource
// attributes whose names no attribute has, then job and instance, `extra` (le, quantile) and
// __name__, which replace whatever had their names.
Labels BuildLabels(std::vector<Label> labels, const std::vector<Label>& promoted,
                   const std::vector<Label>& resource_labels, std::initializer_list<Label> extra,
                   const std::string& name) {
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
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
  // A sorted vector rather than a map: a data point has a handful of labels.
  auto find = [&](const std::string& label_name) {
    return std::lower_bound(labels.begin(), labels.end(), label_name,
                            [](const Label& a, const std::string& n) { return a.name < n; });
  };
  for (const Label& l : promoted) {
    auto it = find(l.name);
    if (it == labels.end() || it->name != l.name) labels.insert(it, l);
  }
  auto set = [&](const std::string& label_name, const std::string& value) {
    auto it = find(label_name);
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
}

bool IsIdentifyingResourceAttribute(std::string_view key) {
  return key == "service.name" || key == "service.namespace" || key == "service.instance.id";
}

}  // namespace

MetricsTranslator::MetricsTranslator(MetricsTranslationOptions options)
    : options_(std::move(options)),
      resource_attribute_list_(
          options_.promote_all_resource_attributes
              ? absl::flat_hash_set<std::string>(options_.ignore_resource_attributes.begin(),
                                                 options_.ignore_resource_attributes.end())
              : absl::flat_hash_set<std::string>(options_.promote_resource_attributes.begin(),
                                                 options_.promote_resource_attributes.end())) {}

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
  TM_RETURN_IF_ERROR(internal::DecodeMetricsRequest(request_bytes, &request));
  thread_local absl::node_hash_map<std::string, std::string> name_cache;
  if (name_cache.size() > 10'000) name_cache.clear();  // bounded; entries stay valid below

  MetricsTranslationReport report;
  const TranslationStrategy strategy = options_.translation_strategy;
  const bool promote_all = options_.promote_all_resource_attributes;
  const bool promoting = promote_all || !resource_attribute_list_.empty();
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
    // job and instance from the resource's service.* attributes; the other attributes go on
    // target_info (the service.* ones too with keep_identifying_resource_attributes), and the
    // promoted ones on every series of the resource.
    std::string service_name, service_namespace, instance;
    std::vector<Label> info, promoted;
    bool has_other = false;
    for (uint32_t a = rv.attributes_begin; a < rv.attributes_end; ++a) {
      const std::string_view kv = request.attributes[a];
      const std::string_view key = attribute_key(kv);
      std::string value = OtlpWireDecoder::ValueText(kv);
      if (value.empty()) continue;  // an empty value is an absent label
      if (promoting && resource_attribute_list_.contains(
                           absl::string_view(key.data(), key.size())) != promote_all)
        promoted.push_back({PrometheusLabelName(key, strategy), value});
      const bool identifying = IsIdentifyingResourceAttribute(key);
      has_other |= !identifying;
      if (!identifying || options_.keep_identifying_resource_attributes)
        info.push_back({PrometheusLabelName(key, strategy), value});
      if (key == "service.name") {
        service_name = std::move(value);
      } else if (key == "service.namespace") {
        service_namespace = std::move(value);
      } else if (key == "service.instance.id") {
        instance = std::move(value);
      }
    }
    // Promoted attributes whose names collide: the last one given wins, as in Prometheus.
    std::stable_sort(promoted.begin(), promoted.end(),
                     [](const Label& a, const Label& b) { return a.name < b.name; });
    for (size_t i = 0; i + 1 < promoted.size();) {
      if (promoted[i].name == promoted[i + 1].name) {
        promoted.erase(promoted.begin() + static_cast<ptrdiff_t>(i));
      } else {
        ++i;
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

    // A series' labels: the data point's attributes, promoted resource attributes, job,
    // instance, extra labels, then __name__.
    auto series = [&](const std::string& name, const PointView& p,
                      std::initializer_list<Label> extra) {
      std::vector<Label> labels;
      labels.reserve(p.attributes_end - p.attributes_begin + promoted.size() +
                     resource_labels.size() + extra.size() + 1);
      for (uint32_t a = p.attributes_begin; a < p.attributes_end; ++a) {
        const std::string_view kv = request.attributes[a];
        labels.push_back(
            {PrometheusLabelName(attribute_key(kv), strategy), OtlpWireDecoder::ValueText(kv)});
      }
      return BuildLabels(std::move(labels), promoted, resource_labels, extra, name);
    };
    auto add = [&](const Labels& labels, uint64_t time_nanos, double v) {
      const int64_t ms = Millis(time_nanos);
      latest_ms = std::max(latest_ms, ms);
      appender->Add(labels, ms, v);
    };
    auto add_exemplars = [&](const Labels& labels, const PointView& p) {
      for (uint32_t e = p.exemplars_begin; e < p.exemplars_end; ++e)
        report.exemplars.push_back(
            {labels, ToExemplar(ReadExemplar(request.exemplars[e]), strategy)});
    };

    // The fast path for a series seen before: its ref, found by a key of what determines its
    // labels (resource job, instance and promoted attributes, the name, the attributes' wire
    // bytes in order, extra labels), without building and looking up the label set. Not for delta
    // temporality (the running total is kept by label set) or points with exemplars (they need the
    // label set).
    std::string resource_key;
    for (const Label& l : resource_labels) {
      resource_key += l.name;  // job and instance are each optional: name them
      resource_key.push_back('\xfd');
      resource_key += l.value;
      resource_key.push_back('\xff');
    }
    for (const Label& l : promoted) {
      resource_key.push_back('\xfb');
      resource_key += l.name;
      resource_key.push_back('\xfd');
      resource_key += l.value;
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
        name_key.push_back(static_cast<char>('0' + static_cast<int>(strategy)));
        name_key.push_back(static_cast<char>('0' + static_cast<int>(m.kind)));
        name_key.push_back(m.monotonic ? 'm' : '-');
        name_key.push_back(m.temporality == kAggregationTemporalityUnspecified ? 'u' : 't');
        name_key.append(m.unit);
        name_key.push_back('\xff');
        name_key.append(m.name);
        auto it = name_cache.find(name_key);
        if (it == name_cache.end())
          it = name_cache.emplace(name_key, MetricName(m, strategy)).first;
        cached_name = &it->second;
      }
      const std::string& name = *cached_name;
      if (name.empty()) {
        // Prometheus refuses these too: a series without a usable name.
        const uint32_t n = m.points_end - m.points_begin;
        report.data_points += n;
        reject(std::max<uint32_t>(n, 1), "metric \"" + std::string(m.name) +
                                             "\" has no Prometheus name under " +
                                             std::string(TranslationStrategyName(strategy)));
        continue;
      }
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
              report.exemplars.push_back({buckets[b], ToExemplar(fields, strategy)});
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
    if (options_.target_info && has_other && latest_ms != INT64_MIN) {
      appender->Add(BuildLabels(std::move(info), {}, resource_labels, {}, "target_info"), latest_ms,
                    1);
    }
  }
  auto committed = appender->Commit();
  if (!committed.ok()) return committed.status();
  report.commit = std::move(committed).value();
  return report;
}

}  // namespace tidemark::ingest
