#include "ingest/remote_write.h"

#include <snappy.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <unordered_set>

#include "ingest/wire_reader.h"
#include "util/status_macros.h"

namespace tidemark::ingest {
namespace {

Status Malformed(const std::string& what) {
  return Status::InvalidArgument("body is not a protobuf WriteRequest: " + what);
}

// prometheus.Label {name = 1; value = 2}
bool ParseLabel(std::string_view data, LabelView* label) {
  return ForEachField(data, [&](WireReader& r, uint32_t field, int type) {
    if (field == 1 && type == kLengthDelimited) return r.Bytes(&label->name);
    if (field == 2 && type == kLengthDelimited) return r.Bytes(&label->value);
    return r.Skip(type);
  });
}

// prometheus.Sample {double value = 1; int64 timestamp = 2}
bool ParseSample(std::string_view data, Sample* sample) {
  return ForEachField(data, [&](WireReader& r, uint32_t field, int type) {
    uint64_t v = 0;
    if (field == 1 && type == kFixed64) return r.Double(&sample->value);
    if (field == 2 && type == kVarint) {
      if (!r.Varint(&v)) return false;
      sample->timestamp_ms = static_cast<int64_t>(v);
      return true;
    }
    return r.Skip(type);
  });
}

// prometheus.Exemplar {repeated Label labels = 1; double value = 2; int64 timestamp = 3}
bool ParseExemplar(std::string_view data, RemoteWriteRequest* req) {
  RemoteWriteExemplar e;
  e.labels_begin = static_cast<uint32_t>(req->exemplar_labels.size());
  const bool ok = ForEachField(data, [&](WireReader& r, uint32_t field, int type) {
    std::string_view bytes;
    uint64_t v = 0;
    if (field == 1 && type == kLengthDelimited) {
      LabelView label;
      if (!r.Bytes(&bytes) || !ParseLabel(bytes, &label)) return false;
      req->exemplar_labels.push_back(label);
      return true;
    }
    if (field == 2 && type == kFixed64) return r.Double(&e.value);
    if (field == 3 && type == kVarint) {
      if (!r.Varint(&v)) return false;
      e.timestamp_ms = static_cast<int64_t>(v);
      return true;
    }
    return r.Skip(type);
  });
  if (!ok) return false;
  e.labels_end = static_cast<uint32_t>(req->exemplar_labels.size());
  req->exemplars.push_back(e);
  return true;
}

// prometheus.TimeSeries {repeated Label labels = 1; repeated Sample samples = 2;
//                        repeated Exemplar exemplars = 3; repeated Histogram histograms = 4}
bool ParseSeries(std::string_view data, RemoteWriteRequest* req) {
  RemoteWriteSeries s;
  s.labels_begin = static_cast<uint32_t>(req->labels.size());
  s.samples_begin = static_cast<uint32_t>(req->samples.size());
  s.exemplars_begin = static_cast<uint32_t>(req->exemplars.size());
  const char* labels_start = nullptr;
  const char* labels_end = nullptr;
  uint64_t histograms = 0;
  WireReader r(data);
  while (!r.done()) {
    const char* field_start = r.position();
    uint32_t field = 0;
    int type = 0;
    if (!r.Tag(&field, &type)) return false;
    std::string_view bytes;
    if (field == 1 && type == kLengthDelimited) {
      LabelView label;
      if (!r.Bytes(&bytes) || !ParseLabel(bytes, &label)) return false;
      req->labels.push_back(label);
      if (labels_start == nullptr) labels_start = field_start;
      labels_end = r.position();
    } else if (field == 2 && type == kLengthDelimited) {
      Sample sample;
      if (!r.Bytes(&bytes) || !ParseSample(bytes, &sample)) return false;
      req->samples.push_back(sample);
    } else if (field == 3 && type == kLengthDelimited) {
      if (!r.Bytes(&bytes) || !ParseExemplar(bytes, req)) return false;
    } else if (field == 4 && type == kLengthDelimited) {
      if (!r.Bytes(&bytes)) return false;
      histograms += 1;
    } else if (!r.Skip(type)) {
      return false;
    }
  }
  if (histograms > 0) {
    req->histograms += histograms;
    ++req->histogram_series;
  }
  if (labels_start != nullptr)
    s.label_bytes = std::string_view(labels_start, static_cast<size_t>(labels_end - labels_start));
  s.labels_end = static_cast<uint32_t>(req->labels.size());
  s.samples_end = static_cast<uint32_t>(req->samples.size());
  s.exemplars_end = static_cast<uint32_t>(req->exemplars.size());
  req->series.push_back(s);
  return true;
}

// prometheus.MetricMetadata {type = 1; metric_family_name = 2; help = 4; unit = 5}
bool ParseMetadata(std::string_view data, RemoteWriteRequest* req) {
  RemoteWriteMetadata m;
  const bool ok = ForEachField(data, [&](WireReader& r, uint32_t field, int type) {
    uint64_t v = 0;
    if (field == 1 && type == kVarint) {
      if (!r.Varint(&v)) return false;
      m.type = static_cast<int>(v);
      return true;
    }
    if (field == 2 && type == kLengthDelimited) return r.Bytes(&m.metric_family_name);
    if (field == 4 && type == kLengthDelimited) return r.Bytes(&m.help);
    if (field == 5 && type == kLengthDelimited) return r.Bytes(&m.unit);
    return r.Skip(type);
  });
  if (ok) req->metadata.push_back(m);
  return ok;
}

std::string_view MetricTypeName(int type) {
  static constexpr std::string_view kNames[] = {"unknown",        "counter", "gauge", "histogram",
                                                "gaugehistogram", "summary", "info",  "stateset"};
  return type >= 0 && type < 8 ? kNames[type] : "unknown";
}

Labels ToLabels(const std::vector<LabelView>& views, uint32_t begin, uint32_t end) {
  std::vector<Label> labels;
  labels.reserve(end - begin);
  for (uint32_t i = begin; i < end; ++i)
    labels.push_back({std::string(views[i].name), std::string(views[i].value)});
  return Labels(std::move(labels));
}

// Checks a series' labels without building a label set: names present and unique, a metric
// name. Returns the problem, or "".
std::string CheckSeries(const RemoteWriteRequest& req, const RemoteWriteSeries& s,
                        std::vector<std::string_view>* scratch) {
  scratch->clear();
  bool has_name = false;
  for (uint32_t i = s.labels_begin; i < s.labels_end; ++i) {
    const LabelView& l = req.labels[i];
    if (l.name.empty()) return "empty label name";
    if (l.name == kMetricNameLabel && !l.value.empty()) has_name = true;
    scratch->push_back(l.name);
  }
  if (!std::is_sorted(scratch->begin(), scratch->end()))
    std::sort(scratch->begin(), scratch->end());
  for (size_t k = 1; k < scratch->size(); ++k) {
    if ((*scratch)[k] == (*scratch)[k - 1])
      return "duplicate label name \"" + std::string((*scratch)[k]) + "\"";
  }
  if (!has_name) return "no metric name (__name__)";
  return "";
}

void Clear(RemoteWriteRequest* request) {
  request->series.clear();
  request->labels.clear();
  request->samples.clear();
  request->exemplars.clear();
  request->exemplar_labels.clear();
  request->metadata.clear();
  request->histograms = 0;
  request->histogram_series = 0;
  request->symbols.clear();
  request->label_keys.clear();
}

Status MalformedV2(const std::string& what) {
  return Status::InvalidArgument("body is not a protobuf io.prometheus.write.v2.Request: " + what);
}

// Appends the references of a `repeated uint32` field, packed (as senders write it) or not.
bool ReadRefs(WireReader& r, int type, std::vector<uint32_t>* refs) {
  uint64_t v = 0;
  if (type == kVarint) {
    if (!r.Varint(&v) || v > UINT32_MAX) return false;
    refs->push_back(static_cast<uint32_t>(v));
    return true;
  }
  std::string_view packed;
  if (type != kLengthDelimited || !r.Bytes(&packed)) return false;
  WireReader p(packed);
  while (!p.done()) {
    if (!p.Varint(&v) || v > UINT32_MAX) return false;
    refs->push_back(static_cast<uint32_t>(v));
  }
  return true;
}

// Resolves name/value reference pairs into `out`; "" or the problem.
std::string ResolvePairs(const std::vector<uint32_t>& refs,
                         const std::vector<std::string_view>& symbols,
                         std::vector<LabelView>* out) {
  if (refs.size() % 2 != 0) return "an odd number of label references";
  for (size_t i = 0; i < refs.size(); i += 2) {
    for (uint32_t ref : {refs[i], refs[i + 1]}) {
      if (ref >= symbols.size()) {
        return "label reference " + std::to_string(ref) + " past the " +
               std::to_string(symbols.size()) + " symbols";
      }
    }
    out->push_back({symbols[refs[i]], symbols[refs[i + 1]]});
  }
  return "";
}

// The 1.0 wire encoding of a label list (field 1, Label {name = 1; value = 2} each, empty
// strings left out as proto3 leaves them), the key the series ref cache uses for both versions.
void AppendV1LabelBytes(const LabelView* labels, size_t n, std::string* out) {
  auto put_varint = [out](uint64_t v) {
    while (v >= 0x80) {
      out->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  };
  auto field_size = [](size_t len) {
    size_t size = 1 + len;
    for (size_t v = len; v >= 0x80; v >>= 7) ++size;
    return size + 1;
  };
  for (size_t i = 0; i < n; ++i) {
    const LabelView& l = labels[i];
    const size_t inner = (l.name.empty() ? 0 : field_size(l.name.size())) +
                         (l.value.empty() ? 0 : field_size(l.value.size()));
    out->push_back(0x0a);
    put_varint(inner);
    if (!l.name.empty()) {
      out->push_back(0x0a);
      put_varint(l.name.size());
      out->append(l.name);
    }
    if (!l.value.empty()) {
      out->push_back(0x12);
      put_varint(l.value.size());
      out->append(l.value);
    }
  }
}

// io.prometheus.write.v2.TimeSeries {repeated uint32 labels_refs = 1; repeated Sample
// samples = 2; repeated Histogram histograms = 3; repeated Exemplar exemplars = 4;
// Metadata metadata = 5; int64 created_timestamp = 6 (not used)}
// Exemplar {repeated uint32 labels_refs = 1; double value = 2; int64 timestamp = 3}
// Metadata {type = 1; uint32 help_ref = 3; uint32 unit_ref = 4}
std::string ParseSeriesV2(std::string_view data, RemoteWriteRequest* req,
                          std::vector<uint32_t>* refs, size_t* key_begin, size_t* key_end,
                          bool* has_metadata, RemoteWriteMetadata* metadata) {
  RemoteWriteSeries s;
  s.labels_begin = static_cast<uint32_t>(req->labels.size());
  s.samples_begin = static_cast<uint32_t>(req->samples.size());
  s.exemplars_begin = static_cast<uint32_t>(req->exemplars.size());
  refs->clear();
  uint64_t histograms = 0;
  std::vector<std::string_view> exemplar_bodies;
  std::string_view metadata_body;
  *has_metadata = false;
  const bool ok = ForEachField(data, [&](WireReader& r, uint32_t field, int type) {
    std::string_view bytes;
    if (field == 1) return ReadRefs(r, type, refs);
    if (field == 2 && type == kLengthDelimited) {
      Sample sample;
      if (!r.Bytes(&bytes) || !ParseSample(bytes, &sample)) return false;
      req->samples.push_back(sample);
      return true;
    }
    if (field == 3 && type == kLengthDelimited) {
      ++histograms;
      return r.Bytes(&bytes);
    }
    if (field == 4 && type == kLengthDelimited) {
      if (!r.Bytes(&bytes)) return false;
      exemplar_bodies.push_back(bytes);
      return true;
    }
    if (field == 5 && type == kLengthDelimited) {
      *has_metadata = true;
      return r.Bytes(&metadata_body);
    }
    return r.Skip(type);
  });
  if (!ok) return "is malformed";
  std::string problem = ResolvePairs(*refs, req->symbols, &req->labels);
  if (!problem.empty()) return problem;
  s.labels_end = static_cast<uint32_t>(req->labels.size());
  *key_begin = req->label_keys.size();
  AppendV1LabelBytes(req->labels.data() + s.labels_begin, s.labels_end - s.labels_begin,
                     &req->label_keys);
  *key_end = req->label_keys.size();
  for (std::string_view body : exemplar_bodies) {
    RemoteWriteExemplar e;
    e.labels_begin = static_cast<uint32_t>(req->exemplar_labels.size());
    refs->clear();
    const bool exemplar_ok = ForEachField(body, [&](WireReader& r, uint32_t field, int type) {
      uint64_t v = 0;
      if (field == 1) return ReadRefs(r, type, refs);
      if (field == 2 && type == kFixed64) return r.Double(&e.value);
      if (field == 3 && type == kVarint) {
        if (!r.Varint(&v)) return false;
        e.timestamp_ms = static_cast<int64_t>(v);
        return true;
      }
      return r.Skip(type);
    });
    if (!exemplar_ok) return "has a malformed exemplar";
    problem = ResolvePairs(*refs, req->symbols, &req->exemplar_labels);
    if (!problem.empty()) return "exemplar: " + problem;
    e.labels_end = static_cast<uint32_t>(req->exemplar_labels.size());
    req->exemplars.push_back(e);
  }
  if (*has_metadata) {
    uint64_t help_ref = 0, unit_ref = 0;
    const bool metadata_ok =
        ForEachField(metadata_body, [&](WireReader& r, uint32_t field, int type) {
          uint64_t v = 0;
          if (field == 1 && type == kVarint) {
            if (!r.Varint(&v)) return false;
            metadata->type = static_cast<int>(v);
            return true;
          }
          if (field == 3 && type == kVarint) return r.Varint(&help_ref);
          if (field == 4 && type == kVarint) return r.Varint(&unit_ref);
          return r.Skip(type);
        });
    if (!metadata_ok) return "has malformed metadata";
    if (help_ref >= req->symbols.size() || unit_ref >= req->symbols.size())
      return "metadata references a symbol past the " + std::to_string(req->symbols.size());
    metadata->help = req->symbols[help_ref];
    metadata->unit = req->symbols[unit_ref];
  }
  if (histograms > 0) {
    req->histograms += histograms;
    ++req->histogram_series;
  }
  s.samples_end = static_cast<uint32_t>(req->samples.size());
  s.exemplars_end = static_cast<uint32_t>(req->exemplars.size());
  req->series.push_back(s);
  return "";
}

}  // namespace

Status ParseRemoteWriteV2Request(std::string_view protobuf, RemoteWriteRequest* request) {
  Clear(request);
  // Symbols may follow the series on the wire: collect both, then resolve.
  std::vector<std::string_view> series_bodies;
  WireReader r(protobuf);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!r.Tag(&field, &type)) return MalformedV2("bad field tag");
    std::string_view bytes;
    if (field == 4 && type == kLengthDelimited) {
      if (!r.Bytes(&bytes)) return MalformedV2("truncated symbol");
      request->symbols.push_back(bytes);
    } else if (field == 5 && type == kLengthDelimited) {
      if (!r.Bytes(&bytes)) return MalformedV2("truncated time series");
      series_bodies.push_back(bytes);
    } else if (!r.Skip(type)) {
      return MalformedV2("bad field " + std::to_string(field));
    }
  }
  std::vector<uint32_t> refs;
  std::vector<std::pair<size_t, size_t>> keys;  // into label_keys, which grows while parsing
  keys.reserve(series_bodies.size());
  std::unordered_set<std::string_view> metadata_names;  // names whose metadata is taken
  for (size_t i = 0; i < series_bodies.size(); ++i) {
    size_t key_begin = 0, key_end = 0;
    bool has_metadata = false;
    RemoteWriteMetadata metadata;
    const std::string problem = ParseSeriesV2(series_bodies[i], request, &refs, &key_begin,
                                              &key_end, &has_metadata, &metadata);
    if (!problem.empty()) return MalformedV2("time series " + std::to_string(i) + " " + problem);
    keys.emplace_back(key_begin, key_end);
    if (!has_metadata || (metadata.type == 0 && metadata.help.empty() && metadata.unit.empty()))
      continue;
    // Metadata is per series in 2.0 and per metric name in tidemark: once per name a request.
    const RemoteWriteSeries& s = request->series.back();
    for (uint32_t k = s.labels_begin; k < s.labels_end; ++k) {
      if (request->labels[k].name == kMetricNameLabel)
        metadata.metric_family_name = request->labels[k].value;
    }
    if (metadata.metric_family_name.empty() ||
        !metadata_names.insert(metadata.metric_family_name).second) {
      continue;
    }
    request->metadata.push_back(metadata);
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    request->series[i].label_bytes =
        std::string_view(request->label_keys).substr(keys[i].first, keys[i].second - keys[i].first);
  }
  return Status::OK();
}

Status ParseRemoteWriteRequest(std::string_view protobuf, RemoteWriteRequest* request) {
  Clear(request);
  WireReader r(protobuf);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!r.Tag(&field, &type)) return Malformed("bad field tag");
    std::string_view bytes;
    if (field == 1 && type == kLengthDelimited) {
      if (!r.Bytes(&bytes)) return Malformed("truncated time series");
      if (!ParseSeries(bytes, request))
        return Malformed("time series " + std::to_string(request->series.size()) + " is malformed");
    } else if (field == 3 && type == kLengthDelimited) {
      if (!r.Bytes(&bytes) || !ParseMetadata(bytes, request)) return Malformed("bad metadata");
    } else if (!r.Skip(type)) {
      return Malformed("bad field " + std::to_string(field));
    }
  }
  return Status::OK();
}

Status DecodeRemoteWrite(std::string_view body, size_t max_decoded_bytes, std::string* decoded,
                         RemoteWriteRequest* request, RemoteWriteVersion version) {
  size_t decoded_len = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &decoded_len)) {
    return Status::InvalidArgument("body is not snappy block-compressed");
  }
  if (decoded_len > max_decoded_bytes) {
    return Status::ResourceExhausted("decoded body of " + std::to_string(decoded_len) +
                                     " bytes over the limit of " +
                                     std::to_string(max_decoded_bytes));
  }
  if (!snappy::Uncompress(body.data(), body.size(), decoded)) {
    return Status::InvalidArgument("snappy data is corrupt");
  }
  return version == RemoteWriteVersion::kV2 ? ParseRemoteWriteV2Request(*decoded, request)
                                            : ParseRemoteWriteRequest(*decoded, request);
}

SeriesRefCache::SeriesRefCache(size_t max_entries)
    : seed_((uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()),
      max_per_shard_(max_entries / kShards + 1) {}

SeriesRefCache::Fingerprint SeriesRefCache::FingerprintOf(std::string_view key) const {
  const XXH128_hash_t h = XXH3_128bits_withSeed(key.data(), key.size(), seed_);
  return Fingerprint{h.low64, h.high64};
}

SeriesRef SeriesRefCache::Get(std::string_view key) {
  const Fingerprint f = FingerprintOf(key);
  Shard& s = shards_[ShardIndex(f)];
  std::lock_guard lock(s.mu);
  auto it = s.refs.find(f);
  return it == s.refs.end() ? 0 : it->second;
}

void SeriesRefCache::GetMany(std::span<const std::string_view> keys, std::span<SeriesRef> refs) {
  // Keys grouped by shard (a counting sort), so each shard is locked once per request.
  std::vector<Fingerprint> prints(keys.size());
  std::array<uint32_t, kShards + 1> starts{};
  for (size_t i = 0; i < keys.size(); ++i) {
    prints[i] = FingerprintOf(keys[i]);
    ++starts[ShardIndex(prints[i]) + 1];
  }
  for (size_t k = 0; k < kShards; ++k) starts[k + 1] += starts[k];
  std::vector<uint32_t> order(keys.size());
  std::array<uint32_t, kShards> next{};
  for (size_t k = 0; k < kShards; ++k) next[k] = starts[k];
  for (size_t i = 0; i < keys.size(); ++i)
    order[next[ShardIndex(prints[i])]++] = static_cast<uint32_t>(i);
  for (size_t k = 0; k < kShards; ++k) {
    if (starts[k] == starts[k + 1]) continue;
    Shard& s = shards_[k];
    std::lock_guard lock(s.mu);
    for (uint32_t o = starts[k]; o < starts[k + 1]; ++o) {
      const uint32_t i = order[o];
      if (keys[i].empty()) continue;
      auto it = s.refs.find(prints[i]);
      refs[i] = it == s.refs.end() ? 0 : it->second;
    }
  }
}

void SeriesRefCache::Put(std::string_view key, SeriesRef ref) {
  const Fingerprint f = FingerprintOf(key);
  Shard& s = shards_[ShardIndex(f)];
  std::lock_guard lock(s.mu);
  if (s.refs.size() >= max_per_shard_) s.refs.clear();
  s.refs.insert_or_assign(f, ref);
}

void SeriesRefCache::Erase(std::string_view key) {
  const Fingerprint f = FingerprintOf(key);
  Shard& s = shards_[ShardIndex(f)];
  std::lock_guard lock(s.mu);
  s.refs.erase(f);
}

Result<RemoteWriteReport> AppendRemoteWrite(const RemoteWriteRequest& request, Engine& engine,
                                            SeriesRefCache* cache) {
  // Refuse the whole request before storing anything if a series is invalid. A series found in
  // the cache was checked when it was first stored.
  std::vector<SeriesRef> refs(request.series.size(), 0);
  if (cache != nullptr) {
    std::vector<std::string_view> keys(request.series.size());
    for (size_t i = 0; i < keys.size(); ++i) keys[i] = request.series[i].label_bytes;
    cache->GetMany(keys, refs);
  }
  std::vector<std::string_view> scratch;
  for (size_t i = 0; i < request.series.size(); ++i) {
    const RemoteWriteSeries& s = request.series[i];
    if (refs[i] != 0) continue;
    const std::string problem = CheckSeries(request, s, &scratch);
    if (!problem.empty()) {
      return Status::InvalidArgument(
          "series " + ToLabels(request.labels, s.labels_begin, s.labels_end).ToString() + ": " +
          problem);
    }
  }
  RemoteWriteReport report;
  auto appender = engine.NewAppender();
  for (size_t i = 0; i < request.series.size(); ++i) {
    const RemoteWriteSeries& s = request.series[i];
    if (s.samples_begin == s.samples_end) continue;
    const Sample& first = request.samples[s.samples_begin];
    SeriesRef ref = refs[i];
    if (ref != 0 && appender->TryAdd(ref, first.timestamp_ms, first.value) == 0) {
      cache->Erase(s.label_bytes);  // the series went away (deleted or expired)
      ref = 0;
    }
    if (ref == 0) {
      ref = appender->Add(ToLabels(request.labels, s.labels_begin, s.labels_end),
                          first.timestamp_ms, first.value);
      if (ref != 0 && cache != nullptr && !s.label_bytes.empty()) cache->Put(s.label_bytes, ref);
    }
    report.samples += s.samples_end - s.samples_begin;
    for (uint32_t k = s.samples_begin + 1; k < s.samples_end; ++k) {
      const Sample& sample = request.samples[k];
      if (ref != 0) {
        appender->Add(ref, sample.timestamp_ms, sample.value);
      } else {
        // Rejected again, and counted.
        appender->Add(ToLabels(request.labels, s.labels_begin, s.labels_end), sample.timestamp_ms,
                      sample.value);
      }
    }
  }
  TM_ASSIGN_OR_RETURN(report.commit, appender->Commit());

  std::vector<ExemplarWrite> exemplars;
  for (const RemoteWriteSeries& s : request.series) {
    if (s.exemplars_begin == s.exemplars_end) continue;
    const Labels series = ToLabels(request.labels, s.labels_begin, s.labels_end);
    for (uint32_t k = s.exemplars_begin; k < s.exemplars_end; ++k) {
      const RemoteWriteExemplar& e = request.exemplars[k];
      exemplars.push_back(
          {series, Exemplar{ToLabels(request.exemplar_labels, e.labels_begin, e.labels_end),
                            e.value, e.timestamp_ms}});
    }
  }
  if (!exemplars.empty()) {
    TM_ASSIGN_OR_RETURN(report.exemplars, engine.AppendExemplars(exemplars));
  }
  for (const RemoteWriteMetadata& m : request.metadata) {
    if (m.metric_family_name.empty()) continue;
    MetricMetadata md{std::string(MetricTypeName(m.type)), std::string(m.help),
                      std::string(m.unit)};
    TM_RETURN_IF_ERROR(engine.SetMetricMetadata(m.metric_family_name, md));
    ++report.metadata;
  }
  return report;
}

}  // namespace tidemark::ingest
