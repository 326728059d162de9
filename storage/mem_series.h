// MemSeries: one series as the head holds it: its interned labels, the open chunk being
// appended to, chunks closed since the last checkpoint, and its time bounds.
#ifndef TIDEMARK_STORAGE_MEM_SERIES_H_
#define TIDEMARK_STORAGE_MEM_SERIES_H_

#include <atomic>
#include <climits>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/head_chunk.h"
#include "tidemark/labels.h"

namespace tidemark::storage {

// A one-byte spin lock: there is one per series, head memory is counted per series, and every
// critical section under it is a few hundred nanoseconds (a chunk append or a chunk copy).
// std::mutex takes 40 bytes. Usable with std::lock_guard.
class SeriesMutex {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

// A (name, value) pair interned once per index: series share pairs (`job`, `instance`, `le`,
// metric names), so a series' labels are one pointer each. Stable for the life of the engine.
struct InternedLabel {
  std::string name;
  std::string value;
  bool operator==(const InternedLabel&) const = default;
};

struct MemSeries {
  MemSeries(uint64_t id, uint64_t hash, uint32_t metric_group,
            std::vector<const InternedLabel*> labels)
      : id(id), hash(hash), metric_group(metric_group), labels(std::move(labels)) {}

  Labels ToLabels() const;
  // Only the labels named in `names` (sorted by name, as the series' labels are).
  Labels ToLabels(const std::vector<std::string>& names) const;
  bool LabelsEqual(const Labels& other) const;

  const uint64_t id;
  const uint64_t hash;
  const uint32_t metric_group;  // MetricGroup of its name: where its blocks are stored
  // The one-byte members sit in metric_group's padding: at 320 bytes the record and its
  // shared_ptr control block took jemalloc's 384-byte size class, at 304 they take 320.
  mutable SeriesMutex mu;
  // Deleted or expired: appends must look the series up again.
  std::atomic<bool> removed{false};
  // Guarded by the commit lock. Whether a definition of this series is in the log or the
  // `series` column family (the log record of its first samples must carry it otherwise).
  bool logged = false;
  const std::vector<const InternedLabel*> labels;
  MemSeries* hash_next = nullptr;  // guarded by the index lock: same-hash chain

  HeadChunk head;                                        // guarded by mu
  std::vector<std::shared_ptr<const HeadChunk>> closed;  // guarded by mu: oldest first
  int64_t min_time = INT64_MAX;                          // guarded by mu: stored or in head
  int64_t max_time = INT64_MIN;                          // guarded by mu
  uint64_t last_value_bits = 0;                          // guarded by mu: value at max_time
  // Guarded by mu: the newest sample a checkpoint stored. The open chunk a checkpoint keeps
  // (Options::head_keep_recent_ms) holds samples up to it that are in stored blocks too: reads
  // take those from the head, and the next checkpoint stores only what is newer.
  int64_t stored_through = INT64_MIN;

  // Guarded by the engine's commit lock. The newest accepted sample, which may not be in a chunk
  // yet: commits validate against these under the lock and append to chunks after it.
  int64_t accepted_max_time = INT64_MIN;
  uint64_t accepted_last_bits = 0;
};
// Allocated with make_shared, after libstdc++'s 16-byte control block: 320 bytes in all, one of
// jemalloc's size classes. A field more moves every series to the 384-byte class.
static_assert(sizeof(MemSeries) <= 304, "MemSeries outgrew its allocation size class");

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_MEM_SERIES_H_
