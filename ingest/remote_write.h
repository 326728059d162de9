// Prometheus remote_write 1.0: snappy block-compressed protobuf WriteRequest bodies.
#ifndef TIDEMARK_INGEST_REMOTE_WRITE_H_
#define TIDEMARK_INGEST_REMOTE_WRITE_H_

#include <absl/container/flat_hash_map.h>

#include <array>
#include <mutex>
#include <string>
#include <string_view>

#include "prometheus/remote.pb.h"
#include "tidemark/engine.h"

namespace tidemark::ingest {

// Decompresses and parses a request body. InvalidArgument names the problem; ResourceExhausted
// when the decoded size would pass `max_decoded_bytes`.
Status DecodeRemoteWrite(std::string_view body, size_t max_decoded_bytes,
                         prometheus::WriteRequest* request);

// Series refs by the bytes of their label pairs, shared by requests, so that a series seen
// before costs a hash lookup instead of building and looking up its label set. Thread-safe;
// bounded: a shard past its share of `max_entries` is cleared.
class SeriesRefCache {
 public:
  explicit SeriesRefCache(size_t max_entries = 4'000'000)
      : max_per_shard_(max_entries / kShards + 1) {}
  SeriesRef Get(const std::string& key);
  void Put(const std::string& key, SeriesRef ref);
  void Erase(const std::string& key);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    absl::flat_hash_map<std::string, SeriesRef> refs;  // guarded by mu
  };
  Shard& ShardOf(const std::string& key);
  const size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

struct RemoteWriteReport {
  uint64_t samples = 0;
  uint64_t metadata = 0;  // metric families whose metadata was recorded
  CommitReport commit;
  ExemplarAppendReport exemplars;
};

// Checks every series (labels present, no duplicate names, a metric name) before anything is
// stored, so that an invalid request is refused whole with InvalidArgument (HTTP 400, which
// senders do not retry), then appends all samples in one commit. Samples the engine refuses one
// by one (out of order, duplicates) are in the report and do not fail the request.
// With a cache, series seen before are added by ref. Exemplars are stored after the samples
// (their series must exist), and metadata by metric family.
Result<RemoteWriteReport> AppendRemoteWrite(const prometheus::WriteRequest& request, Engine& engine,
                                            SeriesRefCache* cache = nullptr);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_REMOTE_WRITE_H_
