#include "ingest/remote_write.h"

#include <absl/hash/hash.h>
#include <snappy.h>

#include <algorithm>

#include "util/status_macros.h"

namespace tidemark::ingest {

Status DecodeRemoteWrite(std::string_view body, size_t max_decoded_bytes,
                         prometheus::WriteRequest* request) {
  size_t decoded_len = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &decoded_len)) {
    return Status::InvalidArgument("body is not snappy block-compressed");
  }
  if (decoded_len > max_decoded_bytes) {
    return Status::ResourceExhausted("decoded body of " + std::to_string(decoded_len) +
                                     " bytes over the limit of " +
                                     std::to_string(max_decoded_bytes));
  }
  std::string decoded;
  if (!snappy::Uncompress(body.data(), body.size(), &decoded)) {
    return Status::InvalidArgument("snappy data is corrupt");
  }
  if (!request->ParseFromString(decoded))
    return Status::InvalidArgument("body is not a protobuf WriteRequest");
  return Status::OK();
}

SeriesRefCache::Shard& SeriesRefCache::ShardOf(const std::string& key) {
  return shards_[absl::Hash<std::string>{}(key) % kShards];
}

SeriesRef SeriesRefCache::Get(const std::string& key) {
  Shard& s = ShardOf(key);
  std::lock_guard lock(s.mu);
  auto it = s.refs.find(key);
  return it == s.refs.end() ? 0 : it->second;
}

void SeriesRefCache::Put(const std::string& key, SeriesRef ref) {
  Shard& s = ShardOf(key);
  std::lock_guard lock(s.mu);
  if (s.refs.size() >= max_per_shard_) s.refs.clear();
  s.refs[key] = ref;
}

void SeriesRefCache::Erase(const std::string& key) {
  Shard& s = ShardOf(key);
  std::lock_guard lock(s.mu);
  s.refs.erase(key);
}

namespace {

// Checks a series' labels without building a label set: names present and unique, a metric
// name. Returns the problem, or "".
std::string CheckSeries(const prometheus::TimeSeries& ts,
                        std::vector<std::pair<std::string_view, std::string_view>>* scratch) {
  scratch->clear();
  bool has_name = false;
  for (const auto& l : ts.labels()) {
    if (l.name().empty()) return "empty label name";
    if (l.name() == "__name__" && !l.value().empty()) has_name = true;
    scratch->emplace_back(l.name(), l.value());
  }
  if (!std::is_sorted(scratch->begin(), scratch->end()))
    std::sort(scratch->begin(), scratch->end());
  for (size_t k = 1; k < scratch->size(); ++k) {
    if ((*scratch)[k].first == (*scratch)[k - 1].first) {
      return "duplicate label name \"" + std::string((*scratch)[k].first) + "\"";
    }
  }
  if (!has_name) return "no metric name (__name__)";
  return "";
}

std::string MetricTypeName(prometheus::MetricMetadata::MetricType type) {
  switch (type) {
    case prometheus::MetricMetadata::COUNTER:
      return "counter";
    case prometheus::MetricMetadata::GAUGE:
      return "gauge";
    case prometheus::MetricMetadata::HISTOGRAM:
      return "histogram";
    case prometheus::MetricMetadata::GAUGEHISTOGRAM:
      return "gaugehistogram";
    case prometheus::MetricMetadata::SUMMARY:
      return "summary";
    case prometheus::MetricMetadata::INFO:
      return "info";
    case prometheus::MetricMetadata::STATESET:
      return "stateset";
    default:
      return "unknown";
  }
}

Labels ToLabels(const prometheus::TimeSeries& ts) {
  std::vector<Label> labels;
  labels.reserve(ts.labels_size());
  for (const auto& l : ts.labels()) labels.push_back({l.name(), l.value()});
  return Labels(std::move(labels));
}

}  // namespace

Result<RemoteWriteReport> AppendRemoteWrite(const prometheus::WriteRequest& request, Engine& engine,
                                            SeriesRefCache* cache) {
  // Refuse the whole request before storing anything if a series is invalid.
  std::vector<std::pair<std::string_view, std::string_view>> scratch;
  for (int i = 0; i < request.timeseries_size(); ++i) {
    const std::string problem = CheckSeries(request.timeseries(i), &scratch);
    if (!problem.empty()) {
      return Status::InvalidArgument("series " + ToLabels(request.timeseries(i)).ToString() + ": " +
                                     problem);
    }
  }
  RemoteWriteReport report;
  auto appender = engine.NewAppender();
  std::string key;
  for (const auto& ts : request.timeseries()) {
    if (ts.samples_size() == 0) continue;
    SeriesRef ref = 0;
    if (cache != nullptr) {
      key.clear();
      for (const auto& l : ts.labels()) {
        key += l.name();
        key.push_back('\xff');
        key += l.value();
        key.push_back('\xff');
      }
      ref = cache->Get(key);
    }
    int first = 0;
    if (ref != 0 && appender->TryAdd(ref, ts.samples(0).timestamp(), ts.samples(0).value()) != 0) {
      first = 1;
    } else {
      if (ref != 0) cache->Erase(key);  // the series went away
      ref = appender->Add(ToLabels(ts), ts.samples(0).timestamp(), ts.samples(0).value());
      first = 1;
      if (ref != 0 && cache != nullptr) cache->Put(key, ref);
    }
    report.samples += ts.samples_size();
    for (int k = first; k < ts.samples_size(); ++k) {
      const auto& s = ts.samples(k);
      if (ref != 0) {
        appender->Add(ref, s.timestamp(), s.value());
      } else {
        appender->Add(ToLabels(ts), s.timestamp(), s.value());  // rejected again, and counted
      }
    }
  }
  auto committed = appender->Commit();
  if (!committed.ok()) return committed.status();
  report.commit = std::move(committed).value();

  std::vector<ExemplarWrite> exemplars;
  for (const auto& ts : request.timeseries()) {
    if (ts.exemplars_size() == 0) continue;
    Labels series = ToLabels(ts);
    for (const auto& e : ts.exemplars()) {
      ExemplarWrite w;
      w.series = series;
      std::vector<Label> labels;
      for (const auto& l : e.labels()) labels.push_back({l.name(), l.value()});
      w.exemplar.labels = Labels(std::move(labels));
      w.exemplar.value = e.value();
      w.exemplar.timestamp_ms = e.timestamp();
      exemplars.push_back(std::move(w));
    }
  }
  if (!exemplars.empty()) {
    TM_ASSIGN_OR_RETURN(report.exemplars, engine.AppendExemplars(exemplars));
  }
  for (const auto& m : request.metadata()) {
    if (m.metric_family_name().empty()) continue;
    MetricMetadata md;
    md.type = MetricTypeName(m.type());
    md.help = m.help();
    md.unit = m.unit();
    TM_RETURN_IF_ERROR(engine.SetMetricMetadata(m.metric_family_name(), md));
    ++report.metadata;
  }
  return report;
}

}  // namespace tidemark::ingest
