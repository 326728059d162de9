// Options: how an Engine is opened. Every field has a default that suits a single server with a
// few hundred thousand active series; each comment gives meaning, unit, default, valid range and
// whether the value is persisted in the data directory (a persisted value is fixed at creation).
#ifndef TIDEMARK_OPTIONS_H_
#define TIDEMARK_OPTIONS_H_

#include <cstdint>
#include <functional>

#include "tidemark/status.h"

namespace tidemark {

// When Commit (and AppendSpans) return, and what an acknowledged write survives. Every mode
// survives kill -9 of the process: a commit is acknowledged only after its log record has been
// handed to the kernel whole. They differ in what survives power loss or a kernel crash.
enum class SyncPolicy {
  // fdatasync the write-ahead log for every commit before it returns. Survives power loss.
  kEveryCommit,
  // Commits share fdatasyncs: the first waiting commit's sync starts at once and commits that
  // arrive while it runs share the next one (leader-based group commit, as LevelDB, RocksDB and
  // PostgreSQL do), so an idle disk adds no delay and a busy one is synced less often. With
  // `group_commit_interval_ms` > 0 a sync instead waits up to that long for more commits (for
  // disks where an fdatasync is slow). Survives power loss.
  kGroupCommit,
  // Commit returns once the log record is handed to the operating system (write(2), no sync).
  // Survives kill -9 of the process, not power loss: the last seconds of writes may be lost.
  kNone,
};

// Limits on what one write may create. Exceeding one rejects the sample (or the commit, for
// `max_samples_per_commit`) with ResourceExhausted or InvalidArgument naming the limit.
struct Limits {
  // Series held in the head at once (series with samples inside the retention window).
  // 0 = unlimited. Default 5,000,000.
  uint64_t max_active_series = 5'000'000;
  // Labels per series, including __name__. Range 1..1024. Default 64.
  uint32_t max_labels_per_series = 64;
  // Bytes in a label name. Default 1024.
  uint32_t max_label_name_bytes = 1024;
  // Bytes in a label value. Default 4096.
  uint32_t max_label_value_bytes = 4096;
  // Samples in one Appender::Commit; a larger batch is refused whole. Default 5,000,000.
  uint64_t max_samples_per_commit = 5'000'000;

  // Spans. Attributes per span (span, event or link) beyond this are dropped and counted in the
  // span's dropped_attributes_count, as OTel SDKs do. Default 128.
  uint32_t max_span_attributes = 128;
  // Longer string and bytes attribute values are cut to this many bytes (at a UTF-8 boundary for
  // strings) and counted as truncated. Default 16 KiB.
  uint32_t max_span_attribute_value_bytes = 16 * 1024;
  // Events and links per span beyond these are dropped and counted. Default 128 each.
  uint32_t max_span_events = 128;
  uint32_t max_span_links = 128;
  // GetTrace returns at most this many spans of one trace (the earliest). Default 100,000.
  uint32_t max_spans_per_trace = 100'000;
  // Spans in one AppendSpans call; a larger batch is refused whole. Default 1,000,000.
  uint64_t max_spans_per_append = 1'000'000;
};

struct Options {
  // Create the directory and an empty database if missing. Default true.
  bool create_if_missing = true;

  // Durability of Commit; see SyncPolicy. Default kGroupCommit.
  SyncPolicy sync_policy = SyncPolicy::kGroupCommit;
  // With kGroupCommit: how long a sync waits for more commits to join it, in milliseconds.
  // 0 (default): none, the sync starts at once. Range 0..1000.
  uint32_t group_commit_interval_ms = 0;
  // Commits that do not wait for durability (Appender::CommitUnsynced: scrapes, rule results)
  // are synced within this many milliseconds, or with the next commit that waits, whichever
  // comes first, rather than each starting a sync of its own: ten thousand rules committing
  // every 15 s on a quiet server made about 650 syncs a second. 0: at once. Range 0..60000;
  // default 1000.
  uint32_t unsynced_commit_delay_ms = 1000;

  // Samples older than now - retention are rejected on write, hidden from reads at once and
  // dropped from disk by whole partitions. Milliseconds; default 15 days; 0 keeps data forever.
  int64_t retention_ms = 15LL * 24 * 3600 * 1000;
  // Samples, exemplars and spans stamped more than this far after now are rejected (a clock far
  // ahead, or nanoseconds sent as milliseconds, must not create partitions in the far future or
  // block every later sample of its series). Milliseconds; range 1 minute..365 days; default
  // 1 hour. Not persisted.
  int64_t max_future_ms = 60LL * 60 * 1000;
  // When the stored sample data exceeds this many bytes, the oldest partitions are dropped until
  // it does not. 0 = no size limit (default).
  uint64_t retention_bytes = 0;
  // Width of a time partition, the unit in which data is dropped, in milliseconds. Persisted:
  // fixed when the directory is created. Range 1 minute..7 days. Default 2 hours.
  int64_t partition_duration_ms = 2LL * 3600 * 1000;

  // A head chunk is closed after this many samples. Range 16..4096. Default 240.
  uint32_t samples_per_chunk = 240;
  // The head is written to segments once the write-ahead log holds this many bytes: commits look
  // at the log's size and wake the background worker, so a burst does not wait for its next
  // pass. The head keeps every sample since the last checkpoint: this bounds the samples it holds
  // under bursts. Default 256 MiB. Range >= 1 MiB.
  uint64_t checkpoint_wal_bytes = 256ULL << 20;
  // ... or once this much wall-clock time passed since the last checkpoint, in milliseconds.
  // Default 30 minutes. 0 disables the timer.
  int64_t checkpoint_interval_ms = 30LL * 60 * 1000;
  // A checkpoint stores every head sample, and keeps in memory the open chunk of each series
  // whose newest sample is at most this old (by the engine's clock), in milliseconds: rules and
  // dashboards read the last minutes of busy series from memory rather than from segments, which
  // on a server ingesting fast would hold them within a minute. At most one open chunk per series
  // (samples_per_chunk samples) stays. Default 1 hour. 0: a checkpoint empties the head.
  int64_t head_keep_recent_ms = 3600LL * 1000;
  // Memory for remembering which series a matcher set selects, in bytes (0: none). Rules evaluate
  // the same selectors every interval, and this saves intersecting their postings each time; a
  // selection of N series takes 8 N bytes. When full it is emptied. Default 32 MiB.
  uint64_t selection_cache_bytes = 32ULL << 20;
  // How often the background worker enforces retention and checkpoints, in milliseconds.
  // Default 10 s. 0 disables the background worker (tests call Engine::RunMaintenance).
  int64_t maintenance_interval_ms = 10'000;

  // zstd level RocksDB uses for segment blocks. Range 1..19. Default 3 (see docs/benchmarks.md).
  int zstd_level = 3;
  // RocksDB block cache for segment reads, bytes. Default 256 MiB. One span scan fills at most
  // half of it (the rest of its row groups are read past the cache).
  uint64_t block_cache_bytes = 256ULL << 20;
  // Whether RocksDB reserves disk ahead of its write-ahead log and tables (fallocate): about
  // 73 MB for each log file, however little it holds, which spares a sync the file's size
  // change. false suits many small engines in one process, such as a server's tenants.
  bool preallocate_files = true;

  // Spans older than now - span_retention_ms are rejected, hidden and dropped by partitions.
  // Milliseconds; default 7 days; 0 keeps spans forever.
  int64_t span_retention_ms = 7LL * 24 * 3600 * 1000;
  // Buffered spans are written as a segment once this many are buffered ... Default 50,000.
  uint32_t span_segment_max_spans = 50'000;
  // ... or the oldest buffered span is this old, in milliseconds. Default 10 s.
  int64_t span_segment_max_age_ms = 10'000;

  // Threads a trace search decodes and filters row groups on (the calling thread among them).
  // 0: one per core, at most 8; 1: the calling thread only.
  uint32_t span_scan_threads = 0;
  // Threads a span flush encodes its row groups on (the flusher thread among them), so one
  // flusher does not bound span ingestion. 0: one per core, at most 8; 1: the flusher only.
  // At most 64. The helper threads start with the first flush of more than one row group.
  uint32_t span_flush_threads = 0;
  // Threads a large selection's series are read and decoded on, ahead of the query evaluating
  // them (the calling thread among them; the others are shared by all queries). 0: one per
  // core, at most 8; 1: the calling thread only. At most 64.
  uint32_t read_threads = 0;

  Limits limits;

  // Wall clock in Unix milliseconds, used for retention. Default: the system clock. Tests set it.
  std::function<int64_t()> now_ms;
  // Called from a background thread each time background work (checkpoints and retention, span
  // segment writing) fails, with the error (also kept: Engine::BackgroundError). Optional; it
  // must not call back into the engine. A server logs it.
  std::function<void(const Status&)> on_background_error;
};

}  // namespace tidemark

#endif  // TIDEMARK_OPTIONS_H_
