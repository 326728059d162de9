// Prometheus remote_write 1.0 and 2.0: snappy block-compressed protobuf bodies, a
// `prometheus.WriteRequest` (ingest/proto/prometheus/remote.proto documents it) or an
// `io.prometheus.write.v2.Request` (ingest/proto/io/prometheus/write/v2/types.proto), told apart
// by the request's Content-Type.
//
// The receiver's hot path: a request is thousands of series, each a handful of label strings and
// usually one sample. It is decoded here straight from the wire format into views of the
// decompressed bytes (no message objects, no string copies), and a series seen before is found
// by the raw bytes of its labels in a cache of series refs, so that it costs one hash lookup.
#ifndef TIDEMARK_INGEST_REMOTE_WRITE_H_
#define TIDEMARK_INGEST_REMOTE_WRITE_H_

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/engine.h"

namespace tidemark::ingest {

struct LabelView {
  std::string_view name;
  std::string_view value;
};

struct RemoteWriteSeries {
  // The encoded label fields of the series as they appear on the wire (from the first label to
  // the last): equal bytes mean equal label lists, so they key the ref cache.
  std::string_view label_bytes;
  uint32_t labels_begin = 0, labels_end = 0;        // into RemoteWriteRequest::labels
  uint32_t samples_begin = 0, samples_end = 0;      // into RemoteWriteRequest::samples
  uint32_t exemplars_begin = 0, exemplars_end = 0;  // into RemoteWriteRequest::exemplars
};

struct RemoteWriteExemplar {
  uint32_t labels_begin = 0, labels_end = 0;  // into RemoteWriteRequest::exemplar_labels
  double value = 0;
  int64_t timestamp_ms = 0;
};

struct RemoteWriteMetadata {
  int type = 0;  // prometheus.MetricMetadata.MetricType
  std::string_view metric_family_name;
  std::string_view help;
  std::string_view unit;
};

// A decoded request of either version. Views point into the buffer it was parsed from, which
// must outlive it. Reusable: Parse clears it and keeps the vectors' capacity.
struct RemoteWriteRequest {
  std::vector<RemoteWriteSeries> series;
  std::vector<LabelView> labels;
  std::vector<Sample> samples;
  std::vector<RemoteWriteExemplar> exemplars;
  std::vector<LabelView> exemplar_labels;
  std::vector<RemoteWriteMetadata> metadata;
  // Native histogram samples and the series that carried them: tidemark does not store them
  // yet, and the receiver says so rather than dropping them unnoticed.
  uint64_t histograms = 0;
  uint64_t histogram_series = 0;
  // 2.0 only: the symbol table, and each series' labels encoded as 1.0 encodes them (the
  // series' label_bytes point here), so that the series ref cache serves both versions.
  std::vector<std::string_view> symbols;
  std::string label_keys;
};

enum class RemoteWriteVersion { kV1, kV2 };

// Parses the protobuf bytes of a prometheus.WriteRequest. Unknown fields are skipped (created
// timestamps); InvalidArgument names what is malformed.
Status ParseRemoteWriteRequest(std::string_view protobuf, RemoteWriteRequest* request);
// Parses the protobuf bytes of an io.prometheus.write.v2.Request: labels, exemplar labels and
// metadata resolved through its symbols (a reference past the table is InvalidArgument),
// metadata once per metric name.
Status ParseRemoteWriteV2Request(std::string_view protobuf, RemoteWriteRequest* request);

// Decompresses `body` into `*decoded` and parses it into `request` (which then points into
// `*decoded`). InvalidArgument names the problem; ResourceExhausted when the decoded size would
// pass `max_decoded_bytes`.
Status DecodeRemoteWrite(std::string_view body, size_t max_decoded_bytes, std::string* decoded,
                         RemoteWriteRequest* request,
                         RemoteWriteVersion version = RemoteWriteVersion::kV1);

// Series refs by the wire bytes of their labels, shared by requests. Thread-safe; bounded: a
// shard past its share of `max_entries` is cleared.
//
// An entry holds a 128-bit fingerprint of the bytes (XXH3, under a seed drawn for each cache),
// not the bytes: 24 bytes rather than about 250 for a series of ten labels, and a lookup compares
// two words instead of reading the key's cold bytes (a good part of ingestion's CPU at a million
// series). Two label sets of one fingerprint would share a series: by chance that is about
// n^2 / 2^129 for n series (1e-26 at a million), and a sender cannot craft one without the seed.
class SeriesRefCache {
 public:
  explicit SeriesRefCache(size_t max_entries = 4'000'000);
  SeriesRef Get(std::string_view key);
  // refs[i] = Get(keys[i]) for every i (0 for an empty key), taking each shard's lock once.
  void GetMany(std::span<const std::string_view> keys, std::span<SeriesRef> refs);
  void Put(std::string_view key, SeriesRef ref);
  void Erase(std::string_view key);

 private:
  struct Fingerprint {
    uint64_t low = 0;   // places the entry in its shard's map
    uint64_t high = 0;  // chooses the shard
    bool operator==(const Fingerprint&) const = default;
  };
  struct FingerprintHash {
    // Uniformly distributed already; the map takes its bits as they are.
    size_t operator()(const Fingerprint& f) const { return f.low; }
  };
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    absl::flat_hash_map<Fingerprint, SeriesRef, FingerprintHash> refs;  // guarded by mu
  };
  Fingerprint FingerprintOf(std::string_view key) const;
  static size_t ShardIndex(const Fingerprint& f) { return (f.high >> 56) % kShards; }
  const uint64_t seed_;
  const size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

struct RemoteWriteReport {
  uint64_t samples = 0;
  uint64_t metadata = 0;  // metric families whose metadata was recorded
  CommitReport commit;
  ExemplarAppendReport exemplars;
};

// Checks every series not already in the cache (labels present, no empty or duplicate names, a
// metric name) before anything is stored, so that an invalid request is refused whole with
// InvalidArgument (HTTP 400, which senders do not retry), then appends all samples in one commit.
// Samples the engine refuses one by one (out of order, duplicates) are in the report and do not
// fail the request. Exemplars are stored after the samples (their series must exist), and
// metadata by metric family.
Result<RemoteWriteReport> AppendRemoteWrite(const RemoteWriteRequest& request, Engine& engine,
                                            SeriesRefCache* cache = nullptr);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_REMOTE_WRITE_H_
