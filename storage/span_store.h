// SpanStore: the trace half of the engine. Spans are logged to their own write-ahead log and
// buffered; a flusher thread writes the buffer as columnar segments (row groups sorted by trace
// id) with a trace-id index, then truncates the log. docs/architecture.md ("Spans") and
// docs/format/span-segments.md describe it.
//
// Thread safety: all public methods are thread-safe.
#ifndef TIDEMARK_STORAGE_SPAN_STORE_H_
#define TIDEMARK_STORAGE_SPAN_STORE_H_

#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/background_error.h"
#include "storage/span_interner.h"
#include "storage/wal.h"
#include "tidemark/engine.h"
#include "tidemark/trace.h"
#include "util/thread_pool.h"

namespace tidemark::storage {

struct SpanStoreHandles {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* meta_cf = nullptr;     // shared metadata (default CF)
  rocksdb::ColumnFamilyHandle* segment_cf = nullptr;  // segment headers
  rocksdb::ColumnFamilyHandle* data_cf = nullptr;     // row groups
  rocksdb::ColumnFamilyHandle* index_cf = nullptr;    // trace id -> segments
};

struct SegmentHeader;

// Buffered spans, in the batches appended.
using SpanBatches = std::vector<std::vector<Span>>;

class SpanStore {
 public:
  // Replays the span log into the buffer (reporting into `recovery`) and starts the flusher.
  // Failures of segment writing are recorded in `bg_errors` (which must outlive the store).
  static Result<std::unique_ptr<SpanStore>> Open(const Options& options, const std::string& path,
                                                 const SpanStoreHandles& handles,
                                                 int64_t partition_duration_ms,
                                                 BackgroundError* bg_errors,
                                                 RecoveryReport* recovery);
  ~SpanStore();

  // Consumes `spans` unless it returns backpressure (ResourceExhausted) or a batch-size error.
  Result<SpanAppendReport> Append(std::vector<Span>& spans);
  // Waits up to `max_wait` while Append refuses every batch for backpressure; false if it still
  // would.
  bool AwaitCapacity(std::chrono::milliseconds max_wait);
  Result<std::vector<Span>> GetTrace(std::string_view trace_id, uint64_t start, uint64_t end);
  // SpanReader::GetTraces: each row group that holds any of the traces is decoded once.
  Result<std::vector<std::vector<Span>>> GetTraces(const std::vector<std::string>& trace_ids,
                                                   uint64_t start, uint64_t end);
  // SpanReader::ScanSpans and GetTraceFacts.
  Result<SpanScanStats> Scan(const ReadOptions& options, const SpanScan& scan,
                             const std::function<bool(const ScannedSpan&)>& visit);
  Result<TraceFacts> Facts(const ReadOptions& options, std::string_view trace_id,
                           std::vector<std::string>* warnings);
  // SpanReader::CountTraceSegments: one seek per trace and partition in the trace index.
  Result<std::vector<uint32_t>> CountSegments(const ReadOptions& options,
                                              const std::vector<std::string>& trace_ids,
                                              uint64_t start, uint64_t end);
  Result<std::vector<std::string>> TagKeys(TagScope scope, uint64_t start, uint64_t end,
                                           uint32_t limit);
  Result<std::vector<std::string>> TagValues(TagScope scope, std::string_view key, uint64_t start,
                                             uint64_t end, uint32_t limit);

  // Writes the buffer as segments now.
  Status Flush();
  Status EnforceRetention();
  void FillStats(EngineStats* stats) const;

 private:
  SpanStore(const Options& options, std::string path, const SpanStoreHandles& handles,
            int64_t partition_duration_ms, BackgroundError* bg_errors);
  Status LoadMeta();
  Status Replay(RecoveryReport* recovery);
  void FlusherLoop();
  Status WriteSegments(const SpanBatches& batches, uint64_t flushed_wal_file);
  struct RowGroupJob;
  // Encodes every job, on the flusher thread and flush_pool_'s.
  void EncodeRowGroups(std::vector<RowGroupJob>* jobs);
  uint64_t NowNanos() const;
  // Threads a scan decodes row groups on: Options::span_scan_threads, or the cores there are.
  size_t ScanThreads() const;
  uint64_t RetentionCutoffNanos() const;  // 0 when retention is off
  int32_t PartitionOfNanos(uint64_t ns) const;
  // Partitions that may hold spans starting in [start, end], newest last.
  // The partitions in [start, end] that hold segments.
  Result<std::vector<int32_t>> PartitionsFor(uint64_t start, uint64_t end) const;
  Result<std::shared_ptr<const SegmentHeader>> LoadHeader(int32_t partition, uint64_t segment_id);
  // Buffered and being-flushed spans, under mu_, passed to fn(const Span&).
  template <typename Fn>
  void ForEachBuffered(Fn fn);
  void LimitSpan(Span* span, SpanAppendReport* report) const;
  // Points the spans at the interned resources and scopes equal to theirs.
  void ShareResources(std::vector<Span>* spans);
  // Orders a trace's spans by start, drops duplicates (retried exports), applies
  // max_spans_per_trace.
  void FinishTrace(std::vector<Span>* spans) const;

  const Options options_;
  const std::string path_;
  const SpanStoreHandles h_;
  const int64_t partition_duration_ms_;
  BackgroundError* const bg_errors_;
  std::unique_ptr<WalWriter> wal_;
  // Held shared by an append from its log record until its spans are in the buffer, and
  // exclusively by a flush while it rotates the log and takes the buffer: spans reach the buffer
  // (and so readers) only once they are durable, and a rotated log file holds exactly the spans
  // of the buffers taken up to its rotation.
  std::shared_mutex append_mu_;

  // Guards the buffer and the log's rotation, so a log file holds exactly the spans of the
  // buffers taken up to its rotation.
  mutable std::mutex mu_;
  std::condition_variable flush_cv_;
  std::condition_variable space_cv_;  // notified when a flush takes the buffer
  // Spans kept in the batches they were appended in: an append moves its vector, not each of
  // its spans, and no buffer-sized array is grown (and page-faulted) at each flush.
  SpanBatches buffer_;                                     // guarded by mu_
  size_t buffered_spans_ = 0;                              // guarded by mu_: spans in buffer_
  std::shared_ptr<const SpanBatches> flushing_;            // guarded by mu_: being written
  size_t flushing_spans_ = 0;                              // guarded by mu_: spans in flushing_
  std::chrono::steady_clock::time_point oldest_buffered_;  // guarded by mu_
  // Appended spans' resources and scopes, so that the buffer's spans of one resource share one
  // object (span_interner.h). 4,096 distinct ones each before they are forgotten: many more
  // services than one engine's senders have, and a few MiB at most.
  std::mutex intern_mu_;
  SpanInterner<SpanResource> resources_{4096};  // guarded by intern_mu_
  SpanInterner<SpanScope> scopes_{4096};        // guarded by intern_mu_
  bool stopping_ = false;                       // guarded by mu_
  std::mutex flush_mu_;                         // one flush at a time
  std::thread flusher_;
  // Options::span_flush_threads - 1 helpers of the flusher, started by the first flush that
  // needs them; null until then, and when it works alone. Used under flush_mu_.
  std::unique_ptr<util::ThreadPool> flush_pool_;

  std::atomic<uint64_t> next_segment_id_{1};
  std::atomic<int32_t> dropped_below_{INT32_MIN};
  std::atomic<int32_t> min_partition_{INT32_MAX};
  std::atomic<int32_t> max_partition_{INT32_MIN};

  std::mutex header_cache_mu_;
  std::map<std::pair<int32_t, uint64_t>, std::shared_ptr<const SegmentHeader>> header_cache_;

  std::atomic<uint64_t> appended_{0};
  std::atomic<uint64_t> rejected_[kSpanRejectReasonCount] = {};
  std::atomic<uint64_t> segments_written_{0};
};

template <typename Fn>
void SpanStore::ForEachBuffered(Fn fn) {
  std::lock_guard lock(mu_);
  if (flushing_) {
    for (const std::vector<Span>& batch : *flushing_) {
      for (const Span& s : batch) fn(s);
    }
  }
  for (const std::vector<Span>& batch : buffer_) {
    for (const Span& s : batch) fn(s);
  }
}

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SPAN_STORE_H_
