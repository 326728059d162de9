#include "benchmarks/bench/workload.h"

#include <absl/container/flat_hash_map.h>
#include <snappy.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "datagen/dataset.h"
#include "datagen/span_dataset.h"
#include "ingest/otlp_common.h"
#include "ingest/otlp_json.h"
#include "ingest/otlp_traces_out.h"
#include "io/prometheus/write/v2/types.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "prometheus/remote.pb.h"
#include "util/status_macros.h"

namespace tidemark::bench {
namespace {

namespace mpb = opentelemetry::proto::metrics::v1;
namespace cpb = opentelemetry::proto::common::v1;

constexpr std::string_view kMetricName = "__name__";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> Gzip(std::string_view in) {
  z_stream zs{};
  // 15 + 16: a gzip wrapper rather than zlib's.
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::Internal("gzip: deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("gzip: deflate did not finish");
  out.resize(zs.total_out);
  out.shrink_to_fit();  // sized by deflateBound for the worst case
  return out;
}

// The body as the protocol carries it: serialised, then snappy for remote_write or gzip if asked.
Result<std::string> Finish(const google::protobuf::Message& message, const EncodeOptions& encode) {
  std::string body;
  if (encode.encoding == Encoding::kJson) {
    TM_ASSIGN_OR_RETURN(body, ingest::ToOtlpJson(message));
  } else if (!message.SerializeToString(&body)) {
    return Status::Internal("serialising a request failed");
  }
  if (encode.protocol == Protocol::kRemoteWrite) {
    std::string compressed;
    snappy::Compress(body.data(), body.size(), &compressed);
    // snappy sized the string for the worst case: a run holds every request at once, so each
    // keeps only its bytes (at 1,000,000 series the slack was most of the client's memory).
    compressed.shrink_to_fit();
    return compressed;
  }
  if (encode.gzip && encode.protocol == Protocol::kOtlpHttp) return Gzip(body);
  return body;
}

void SetString(cpb::KeyValue* kv, std::string_view key, std::string_view value) {
  kv->set_key(std::string(key));
  kv->mutable_value()->set_string_value(std::string(value));
}

// A data point attribute from the label it becomes, typed as the SDK sends it.
void SetAttribute(cpb::KeyValue* kv, const datagen::OtelAttribute& attribute,
                  std::string_view value) {
  kv->set_key(std::string(attribute.key));
  int64_t number = 0;
  if (attribute.integer &&
      std::from_chars(value.data(), value.data() + value.size(), number).ec == std::errc()) {
    kv->mutable_value()->set_int_value(number);
  } else {
    kv->mutable_value()->set_string_value(std::string(value));
  }
}

// Churn: which generation each target is in at a scrape. A replaced target's series carry a new
// `pod` label value from then on, as a restarted pod's do.
class Churn {
 public:
  Churn(double per_hour, int64_t interval_ms, size_t targets, uint64_t seed)
      : per_scrape_(per_hour * static_cast<double>(interval_ms) / 3'600'000.0),
        generation_(targets, 0),
        rng_(seed ^ 0x9e3779b97f4a7c15ULL) {}
  bool enabled() const { return per_scrape_ > 0; }
  // Advances to the next scrape; returns the number of targets replaced.
  uint64_t Step() {
    if (!enabled() || generation_.empty()) return 0;
    carry_ += per_scrape_ * static_cast<double>(generation_.size());
    uint64_t replaced = 0;
    while (carry_ >= 1) {
      carry_ -= 1;
      ++generation_[rng_() % generation_.size()];
      ++replaced;
    }
    return replaced;
  }
  uint32_t generation(size_t target) const { return generation_[target]; }

 private:
  double per_scrape_;
  double carry_ = 0;
  std::vector<uint32_t> generation_;
  std::mt19937_64 rng_;
};

// The node workload's series with their target (by `instance`), so churn and OTLP resources can
// group them.
struct NodeSeries {
  std::vector<Labels> labels;
  std::vector<uint32_t> target;
  std::vector<std::string> instances;  // per target
};

NodeSeries IndexTargets(const datagen::MetricsDataset& dataset) {
  NodeSeries out;
  out.labels = dataset.series();
  std::map<std::string, uint32_t, std::less<>> by_instance;
  for (const Labels& l : out.labels) {
    const std::string instance(l.Get("instance"));
    auto [it, inserted] = by_instance.emplace(instance, static_cast<uint32_t>(by_instance.size()));
    if (inserted) out.instances.push_back(instance);
    out.target.push_back(it->second);
  }
  return out;
}

Labels WithPod(const Labels& labels, const std::string& instance, uint32_t generation) {
  std::vector<Label> items = labels.items();
  items.push_back({"pod", instance + "-" + std::to_string(generation)});
  return Labels(std::move(items));
}

// One request of the node workload: series [begin, end) at `k` consecutive scrapes.
struct Block {
  size_t begin, end;
  const std::vector<std::vector<Sample>>* scrapes;        // k scrapes, each a sample per series
  const std::vector<std::vector<uint32_t>>* generations;  // per scrape, per target
};

// A sample into a remote_write time series of either version (the same fields in both).
template <typename TimeSeries>
void AddSample(TimeSeries* ts, const Sample& s) {
  auto* ps = ts->add_samples();
  ps->set_timestamp(s.timestamp_ms);
  ps->set_value(s.value);
}

// The series of a block as remote_write carries them: `new_series(i, labels)` starts a time
// series (a series changes identity with its target's generation: one time series per
// generation), `add_sample(sample)` adds a sample to the last one started.
template <typename NewSeries, typename AddSample>
void ForEachTimeSeries(const NodeSeries& ns, const Block& b, bool churn, NewSeries new_series,
                       AddSample add_sample) {
  for (size_t i = b.begin; i < b.end; ++i) {
    uint32_t current = UINT32_MAX;
    for (size_t k = 0; k < b.scrapes->size(); ++k) {
      const uint32_t gen = churn ? (*b.generations)[k][ns.target[i]] : 0;
      if (k == 0 || gen != current) {
        current = gen;
        new_series(i,
                   churn ? WithPod(ns.labels[i], ns.instances[ns.target[i]], gen) : ns.labels[i]);
      }
      add_sample((*b.scrapes)[k][i]);
    }
  }
}

Result<RequestBody> RemoteWriteRequest(const NodeSeries& ns, const Block& b, bool churn,
                                       const EncodeOptions& encode) {
  prometheus::WriteRequest req;
  RequestBody out;
  prometheus::TimeSeries* ts = nullptr;
  ForEachTimeSeries(
      ns, b, churn,
      [&](size_t, const Labels& labels) {
        ts = req.add_timeseries();
        for (const Label& l : labels) {
          auto* pl = ts->add_labels();
          pl->set_name(l.name);
          pl->set_value(l.value);
        }
      },
      [&](const Sample& s) {
        AddSample(ts, s);
        ++out.items;
      });
  TM_ASSIGN_OR_RETURN(out.bytes, Finish(req, encode));
  return out;
}

// Remote-Write 2.0 as Prometheus 3 sends it: strings interned in the request's symbol table
// (the first ""), each series with its metadata (type, help, unit).
Result<RequestBody> RemoteWriteV2Request(const datagen::MetricsDataset& dataset,
                                         const NodeSeries& ns, const Block& b, bool churn,
                                         const EncodeOptions& encode) {
  namespace w2 = io::prometheus::write::v2;
  w2::Request req;
  absl::flat_hash_map<std::string, uint32_t> symbol_ids;
  auto symbol = [&](const std::string& s) {
    auto [it, added] = symbol_ids.try_emplace(s, static_cast<uint32_t>(symbol_ids.size()));
    if (added) req.add_symbols(s);
    return it->second;
  };
  symbol("");
  RequestBody out;
  w2::TimeSeries* ts = nullptr;
  ForEachTimeSeries(
      ns, b, churn,
      [&](size_t i, const Labels& labels) {
        ts = req.add_timeseries();
        for (const Label& l : labels) {
          ts->add_labels_refs(symbol(l.name));
          ts->add_labels_refs(symbol(l.value));
        }
        const datagen::SeriesKind kind = dataset.kind(i);
        auto* md = ts->mutable_metadata();
        md->set_type(kind == datagen::SeriesKind::kCounter ? w2::Metadata::METRIC_TYPE_COUNTER
                     : kind == datagen::SeriesKind::kGauge ? w2::Metadata::METRIC_TYPE_GAUGE
                                                           : w2::Metadata::METRIC_TYPE_HISTOGRAM);
        md->set_help_ref(symbol(dataset.family(i).description));
        md->set_unit_ref(symbol(dataset.family(i).unit));
      },
      [&](const Sample& s) {
        AddSample(ts, s);
        ++out.items;
      });
  TM_ASSIGN_OR_RETURN(out.bytes, Finish(req, encode));
  return out;
}

// OTLP as an OpenTelemetry SDK or the Collector's Prometheus receiver sends these series: one
// resource per target (service.name = job, service.instance.id = instance), metrics under their
// OTel names, units and descriptions (counters as cumulative monotonic sums, gauges as gauges,
// each classic histogram as histogram data points: its buckets, sum and count together, sent
// with the request holding its first series), data point attributes typed as the SDK types them.
Result<RequestBody> OtlpMetricsRequest(const datagen::MetricsDataset& dataset, const NodeSeries& ns,
                                       const Block& b, bool churn, const EncodeOptions& encode) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  RequestBody out;
  std::map<std::pair<uint32_t, uint32_t>, mpb::ScopeMetrics*> scope_of;  // (target, generation)
  auto scope_for = [&](size_t i, size_t k) {
    const uint32_t target = ns.target[i];
    const uint32_t gen = churn ? (*b.generations)[k][target] : 0;
    auto [it, inserted] = scope_of.emplace(std::pair{target, gen}, nullptr);
    if (inserted) {
      auto* rm = req.add_resource_metrics();
      auto* attrs = rm->mutable_resource()->mutable_attributes();
      SetString(attrs->Add(), "service.name", ns.labels[i].Get("job"));
      SetString(attrs->Add(), "service.instance.id", ns.instances[target]);
      if (churn) {
        SetString(attrs->Add(), "k8s.pod.name", ns.instances[target] + "-" + std::to_string(gen));
      }
      it->second = rm->add_scope_metrics();
      it->second->mutable_scope()->set_name("tidemark-bench");
    }
    return it->second;
  };
  auto add_attributes = [&dataset](const Labels& labels, auto* attrs, bool skip_le) {
    for (const Label& l : labels) {
      if (l.name == kMetricName || l.name == "job" || l.name == "instance") continue;
      if (skip_le && l.name == "le") continue;
      SetAttribute(attrs->Add(), dataset.otel_attribute(l.name), l.value);
    }
  };
  auto new_metric = [&](size_t i, size_t k) {
    mpb::Metric* m = scope_for(i, k)->add_metrics();
    const datagen::MetricFamily& family = dataset.family(i);
    m->set_name(family.otel_name);
    if (!family.unit.empty()) m->set_unit(family.unit);
    if (!family.description.empty()) m->set_description(family.description);
    return m;
  };
  for (size_t i = b.begin; i < b.end; ++i) {
    const datagen::SeriesKind kind = dataset.kind(i);
    if (kind == datagen::SeriesKind::kCounter || kind == datagen::SeriesKind::kGauge) {
      for (size_t k = 0; k < b.scrapes->size(); ++k) {
        mpb::Metric* m = new_metric(i, k);
        mpb::NumberDataPoint* p;
        if (kind == datagen::SeriesKind::kCounter) {
          auto* sum = m->mutable_sum();
          sum->set_is_monotonic(true);
          sum->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
          p = sum->add_data_points();
        } else {
          p = m->mutable_gauge()->add_data_points();
        }
        const Sample& s = (*b.scrapes)[k][i];
        p->set_time_unix_nano(static_cast<uint64_t>(s.timestamp_ms) * 1'000'000);
        p->set_as_double(s.value);
        add_attributes(ns.labels[i], p->mutable_attributes(), false);
        ++out.items;
      }
      continue;
    }
    const std::vector<uint32_t>& h = *dataset.histogram_series(i);
    if (h.front() != i) continue;  // sent with its first series
    // Buckets (ascending `le`, cumulative in the dataset), then _sum, then _count.
    const size_t buckets = h.size() - 2;
    for (size_t k = 0; k < b.scrapes->size(); ++k) {
      mpb::Metric* m = new_metric(i, k);
      auto* hist = m->mutable_histogram();
      hist->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
      auto* p = hist->add_data_points();
      const std::vector<Sample>& scrape = (*b.scrapes)[k];
      p->set_time_unix_nano(static_cast<uint64_t>(scrape[i].timestamp_ms) * 1'000'000);
      double previous = 0;
      for (size_t j = 0; j < buckets; ++j) {
        const double cumulative = scrape[h[j]].value;
        p->add_bucket_counts(static_cast<uint64_t>(std::max(0.0, cumulative - previous)));
        previous = cumulative;
        // The last bucket is +Inf, implicit in OTLP.
        if (j + 1 < buckets) p->add_explicit_bounds(dataset.bucket_bound(h[j]));
      }
      p->set_sum(scrape[h[buckets]].value);
      p->set_count(static_cast<uint64_t>(scrape[h[buckets + 1]].value));
      add_attributes(ns.labels[i], p->mutable_attributes(), true);
      out.items += h.size();
    }
  }
  TM_ASSIGN_OR_RETURN(out.bytes, Finish(req, encode));
  return out;
}

// The node and app workloads: a metrics dataset's series, scraped and sent in blocks.
Result<Workload> MetricsWorkload(const WorkloadOptions& o, const EncodeOptions& encode) {
  if (o.series == 0 || o.scrapes == 0 || o.series_per_request == 0 || o.samples_per_series == 0 ||
      o.interval_ms <= 0) {
    return Status::InvalidArgument("the " + o.name +
                                   " workload needs --series, --scrapes, --series-per-request, "
                                   "--samples-per-series and --interval above 0");
  }
  Workload w;
  w.signal = Signal::kMetrics;
  const int64_t end = o.end_ms != 0 ? o.end_ms : NowMs();
  datagen::DatasetOptions dopts;
  dopts.profile = o.name == "app" ? datagen::DatasetProfile::kApp : datagen::DatasetProfile::kNode;
  dopts.series = o.series;
  dopts.seed = o.seed;
  dopts.interval_ms = o.interval_ms;
  dopts.start_ms = end - static_cast<int64_t>(o.scrapes - 1) * o.interval_ms;
  datagen::MetricsDataset dataset(dopts);
  const NodeSeries ns = IndexTargets(dataset);
  Churn churn(o.churn_per_hour, o.interval_ms, ns.instances.size(), o.seed);
  w.first_ms = dopts.start_ms;
  w.last_ms = end;
  w.interval_ms = o.interval_ms;
  w.common_matcher = dataset.common_matcher();
  const size_t n = dataset.size();
  // The expectation: each series has a sample at every scrape; each generation of a target (a
  // churned target's new `pod`) is a new series for each of the target's series.
  std::vector<std::map<std::string, uint64_t>> names_of_target(ns.instances.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string name(ns.labels[i].Get(kMetricName));
    ++names_of_target[ns.target[i]][name];
    w.metrics[name].samples += o.scrapes;
  }
  std::set<std::pair<uint32_t, uint32_t>> generations_seen;  // (target, generation)

  std::vector<std::vector<Sample>> scrapes;
  std::vector<std::vector<uint32_t>> generations;
  const size_t encoder_threads = std::max(1u, std::thread::hardware_concurrency());
  for (uint64_t done = 0; done < o.scrapes;) {
    const uint64_t k = std::min(o.samples_per_series, o.scrapes - done);
    scrapes.assign(k, {});
    generations.assign(k, {});
    for (uint64_t j = 0; j < k; ++j) {
      dataset.NextScrape(&scrapes[j]);
      if (churn.enabled() && done + j > 0) churn.Step();
      generations[j].resize(ns.instances.size());
      for (size_t t = 0; t < ns.instances.size(); ++t) {
        generations[j][t] = churn.generation(t);
        generations_seen.emplace(static_cast<uint32_t>(t), generations[j][t]);
      }
    }
    // The blocks of these scrapes are encoded on every core (the encoders only read the dataset
    // and the scrapes), then kept in block order, so that a run's requests do not depend on the
    // machine: encoding 100,000 series x 360 scrapes took 67 s on one thread.
    const size_t blocks = (n + o.series_per_request - 1) / o.series_per_request;
    std::vector<Result<RequestBody>> bodies(blocks, Status::Internal("not encoded"));
    auto encode_blocks = [&](size_t first, size_t stride) {
      for (size_t b = first; b < blocks; b += stride) {
        const size_t begin = b * o.series_per_request;
        const Block block{begin, std::min<size_t>(n, begin + o.series_per_request), &scrapes,
                          &generations};
        bodies[b] = encode.protocol != Protocol::kRemoteWrite
                        ? OtlpMetricsRequest(dataset, ns, block, churn.enabled(), encode)
                    : encode.remote_write_version == 2
                        ? RemoteWriteV2Request(dataset, ns, block, churn.enabled(), encode)
                        : RemoteWriteRequest(ns, block, churn.enabled(), encode);
      }
    };
    const size_t threads = std::min<size_t>(blocks, encoder_threads);
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < threads; ++t) helpers.emplace_back(encode_blocks, t, threads);
    encode_blocks(0, std::max<size_t>(threads, 1));
    for (std::thread& h : helpers) h.join();
    for (size_t b = 0; b < blocks; ++b) {
      Result<RequestBody>& body = bodies[b];
      if (!body.ok()) return body.status();
      if (body->items == 0) continue;
      body->order_key = b;
      w.items += body->items;
      w.requests.push_back(std::move(body).value());
    }
    done += k;
  }
  for (const auto& [target, generation] : generations_seen) {
    for (const auto& [name, series] : names_of_target[target]) {
      w.metrics[name].series += series;
      w.distinct_series += series;
    }
  }
  return w;
}

Result<Workload> TracesWorkload(const WorkloadOptions& o, const EncodeOptions& encode) {
  if (o.traces == 0 || o.spans_per_request == 0 || o.attribute_cardinality == 0) {
    return Status::InvalidArgument(
        "the traces workload needs --traces, --spans-per-request and --attribute-cardinality "
        "above 0");
  }
  Workload w;
  w.signal = Signal::kTraces;
  const int64_t end = o.end_ms != 0 ? o.end_ms : NowMs();
  datagen::SpanDatasetOptions dopts;
  dopts.seed = o.seed;
  dopts.window_nano = 3'600'000'000'000ULL;
  dopts.spans_per_trace = o.spans_per_trace;
  dopts.extra_attributes = o.span_attributes;
  dopts.attribute_cardinality = o.attribute_cardinality;
  dopts.start_unix_nano = static_cast<uint64_t>(end) * 1'000'000 - dopts.window_nano;
  datagen::SpanDataset dataset(dopts);
  w.first_ms = end - 3'600'000;
  w.last_ms = end;
  uint64_t traces = 0;
  while (traces < o.traces) {
    std::vector<Span> batch;
    while (batch.size() < o.spans_per_request && traces < o.traces) {
      dataset.NextTrace(&batch);
      ++traces;
    }
    for (const Span& span : batch) {
      const std::string id = ingest::ToHex(span.trace_id);
      if (w.traces.empty() || w.traces.back().trace_id != id) w.traces.push_back({id, 0});
      ++w.traces.back().spans;
    }
    const auto data = ingest::SpansToOtlp(batch);
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
    *req.mutable_resource_spans() = data.resource_spans();
    RequestBody body;
    TM_ASSIGN_OR_RETURN(body.bytes, Finish(req, encode));
    body.items = batch.size();
    body.order_key = w.requests.size();
    w.items += body.items;
    w.requests.push_back(std::move(body));
  }
  return w;
}

}  // namespace

std::string_view SignalName(Signal s) { return s == Signal::kMetrics ? "metrics" : "traces"; }

std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kRemoteWrite:
      return "remote_write";
    case Protocol::kOtlpGrpc:
      return "otlp_grpc";
    case Protocol::kOtlpHttp:
      return "otlp_http";
  }
  return "?";
}

Result<Signal> WorkloadSignal(std::string_view name) {
  if (name == "node" || name == "app") return Signal::kMetrics;
  if (name == "traces") return Signal::kTraces;
  return Status::InvalidArgument("unknown workload \"" + std::string(name) +
                                 "\" (known: node, app, traces)");
}

Result<Workload> BuildWorkload(const WorkloadOptions& options, const EncodeOptions& encode) {
  TM_ASSIGN_OR_RETURN(const Signal signal, WorkloadSignal(options.name));
  if (signal == Signal::kTraces && encode.protocol == Protocol::kRemoteWrite) {
    return Status::InvalidArgument(
        "remote_write carries metrics only; the traces workload needs "
        "--protocol otlp_grpc or otlp_http");
  }
  if (encode.encoding == Encoding::kJson && encode.protocol != Protocol::kOtlpHttp) {
    return Status::InvalidArgument("JSON bodies are for --protocol otlp_http only");
  }
  if (encode.remote_write_version != 1 && encode.remote_write_version != 2) {
    return Status::InvalidArgument("remote_write versions are 1 and 2, not " +
                                   std::to_string(encode.remote_write_version));
  }
  if (encode.gzip && encode.protocol == Protocol::kRemoteWrite) {
    return Status::InvalidArgument("remote_write bodies are snappy-compressed; --gzip is for OTLP");
  }
  return signal == Signal::kMetrics ? MetricsWorkload(options, encode)
                                    : TracesWorkload(options, encode);
}

}  // namespace tidemark::bench
