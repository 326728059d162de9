// DbEngine: the Engine implementation. The head (SeriesIndex of MemSeries) takes writes, the
// write-ahead log makes them durable, checkpoints move closed head chunks into stored blocks in
// RocksDB, and the maintenance thread enforces retention. docs/architecture.md walks through it.
#ifndef TIDEMARK_STORAGE_DB_ENGINE_H_
#define TIDEMARK_STORAGE_DB_ENGINE_H_

#include <absl/functional/function_ref.h>
#include <rocksdb/db.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/background_error.h"
#include "storage/dir_lock.h"
#include "storage/series_index.h"
#include "storage/span_store.h"
#include "storage/wal.h"
#include "tidemark/engine.h"
#include "util/thread_pool.h"

namespace tidemark::storage {

// The result of offering one sample to the head.
enum class AppendOutcome { kAccepted, kIgnoredDuplicate, kRejected };

class DbEngine final : public Engine {
 public:
  static Result<std::unique_ptr<Engine>> OpenDb(const Options& options, const std::string& path);
  ~DbEngine() override;

  std::unique_ptr<Appender> NewAppender() override;
  Result<std::unique_ptr<SeriesSet>> Select(const std::vector<LabelMatcher>& matchers,
                                            int64_t mint_ms, int64_t maxt_ms) override;
  Result<std::vector<Labels>> SeriesLabels(const std::vector<LabelMatcher>& matchers,
                                           int64_t mint_ms, int64_t maxt_ms, size_t limit) override;
  Result<std::vector<std::string>> LabelNames(const std::vector<LabelMatcher>& matchers,
                                              int64_t mint_ms, int64_t maxt_ms) override;
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<LabelMatcher>& matchers,
                                               int64_t mint_ms, int64_t maxt_ms) override;
  Result<uint64_t> DeleteSeries(const std::vector<LabelMatcher>& matchers, int64_t mint_ms,
                                int64_t maxt_ms) override;
  // SampleQuerier: the same reads with per-call options.
  Result<std::unique_ptr<SeriesSet>> Select(const ReadOptions& options,
                                            const std::vector<LabelMatcher>& matchers,
                                            int64_t mint_ms, int64_t maxt_ms,
                                            const SelectHints& hints) override;
  Result<std::vector<Labels>> Series(const ReadOptions& options,
                                     const std::vector<LabelMatcher>& matchers, int64_t mint_ms,
                                     int64_t maxt_ms) override;
  Result<std::vector<std::string>> LabelNames(const ReadOptions& options,
                                              const std::vector<LabelMatcher>& matchers,
                                              int64_t mint_ms, int64_t maxt_ms) override;
  Result<std::vector<std::string>> LabelValues(const ReadOptions& options, std::string_view name,
                                               const std::vector<LabelMatcher>& matchers,
                                               int64_t mint_ms, int64_t maxt_ms) override;
  using Engine::AppendSpans;
  Result<SpanAppendReport> AppendSpans(std::vector<Span>&& spans) override;
  bool AwaitSpanCapacity(int64_t max_wait_ms) override;
  Result<std::vector<Span>> GetTrace(std::string_view trace_id, uint64_t start_unix_nano,
                                     uint64_t end_unix_nano) override;
  Result<SpanScanStats> ScanSpans(const ReadOptions& options, const SpanScan& scan,
                                  const std::function<bool(const ScannedSpan&)>& visit) override;
  Result<std::vector<std::vector<Span>>> GetTraces(const std::vector<std::string>& trace_ids,
                                                   uint64_t start_unix_nano,
                                                   uint64_t end_unix_nano) override;
  Result<TraceFacts> GetTraceFacts(const ReadOptions& options, std::string_view trace_id,
                                   std::vector<std::string>* warnings) override;
  Result<std::vector<uint32_t>> CountTraceSegments(const ReadOptions& options,
                                                   const std::vector<std::string>& trace_ids,
                                                   uint64_t start_unix_nano,
                                                   uint64_t end_unix_nano) override;
  Result<std::vector<std::string>> SpanTagKeys(TagScope scope, uint64_t start_unix_nano,
                                               uint64_t end_unix_nano, uint32_t limit) override;
  Result<std::vector<std::string>> SpanTagValues(TagScope scope, std::string_view key,
                                                 uint64_t start_unix_nano, uint64_t end_unix_nano,
                                                 uint32_t limit) override;
  Result<ExemplarAppendReport> AppendExemplars(const std::vector<ExemplarWrite>& batch) override;
  Result<std::vector<SeriesExemplars>> SelectExemplars(const std::vector<LabelMatcher>& matchers,
                                                       int64_t mint_ms, int64_t maxt_ms) override;
  Status SetMetricMetadata(std::string_view metric, const MetricMetadata& metadata) override;
  Result<std::vector<std::pair<std::string, MetricMetadata>>> GetMetricMetadata(
      std::string_view metric, size_t limit) override;
  Result<HeadCardinality> HeadStats(size_t limit) override;
  Status Flush() override;
  Status Compact(int64_t before_ms) override;
  Status RunMaintenance() override;
  Status BackgroundError() override { return bg_errors_.Any(); }
  EngineStats Stats() override;
  void SetMaxActiveSeries(uint64_t max_active_series) override {
    max_active_series_.store(max_active_series);
  }
  Result<std::vector<PartitionInfo>> Partitions() override;
  const RecoveryReport& recovery() const override { return recovery_; }

  // --- internal interface for the appender, readers and maintenance ---
  struct PendingSample {
    std::shared_ptr<MemSeries> series;
    int64_t t;
    double v;
  };
  // Validates, applies to the head and logs a batch; waits for durability unless told not to.
  // `wait_durable` false: returns once the samples are visible (Appender::CommitUnsynced).
  Status CommitBatch(std::vector<PendingSample>& batch, CommitReport* report,
                     bool wait_durable = true);
  // Looks up or creates the series for `labels`; on failure returns null and sets `reason`.
  std::shared_ptr<MemSeries> GetOrCreateSeries(const Labels& labels, RejectReason* reason,
                                               std::string* why);
  std::shared_ptr<MemSeries> SeriesById(uint64_t id) { return index_.FindById(id); }
  // Counts a rejection; `why` is called only for the first few, which the report keeps: a batch
  // of rejected samples costs no formatting (commits validate under the commit lock).
  void RecordRejection(CommitReport* report, RejectReason reason,
                       absl::FunctionRef<std::string()> why);

  // Reads the samples of many series in [mint, maxt] (stored blocks, then head), sorted and
  // without duplicate timestamps. Stored blocks are read in key order, so a batch of series costs
  // few seeks. Each read's samples and status are filled in; `it` is a chunks-column-family
  // iterator reused across calls (created, or refreshed, here when blocks are read).
  // `summarize` (SelectHints::window_summary): a series whose samples in range all lie in its open
  // head chunk may be answered with `summary` instead of `samples`.
  struct SeriesRead {
    const MemSeries* series = nullptr;
    std::vector<Sample> samples;
    Status status;
    bool summarized = false;
    SampleSummary summary;
  };
  void ReadSeriesBatch(std::vector<SeriesRead*>& batch, int64_t mint, int64_t maxt,
                       std::unique_ptr<rocksdb::Iterator>* it, bool summarize = false);
  rocksdb::Iterator* NewChunkIterator();
  // Earliest timestamp a read may return: retention applied at once, before the data is dropped.
  int64_t VisibleMinTime() const;
  const Options& options() const { return options_; }

 private:
  DbEngine(const Options& options, std::string path);
  // Select, in label order or (sorted = false) in id order; read_ahead: helpers of read_pool_
  // may read the series ahead of the caller; projection non-null: only the labels it names;
  // summarize: series may be answered in brief (SelectHints::window_summary).
  // The matchers' expansion stops at `options`' deadline or cancellation.
  Result<std::unique_ptr<SeriesSet>> SelectSeries(
      const ReadOptions& options, const std::vector<LabelMatcher>& matchers, int64_t mint_ms,
      int64_t maxt_ms, bool sorted, bool read_ahead,
      const std::vector<std::string>* projection = nullptr, bool summarize = false);
  // The series a read's matchers select, in id order; its deadline or cancellation stops it.
  Result<std::vector<std::shared_ptr<MemSeries>>> SelectFromIndex(
      const ReadOptions& options, const std::vector<LabelMatcher>& matchers) const;
  Result<std::vector<Labels>> SeriesLabelsWith(const ReadOptions& options,
                                               const std::vector<LabelMatcher>& matchers,
                                               int64_t mint_ms, int64_t maxt_ms, size_t limit);
  Result<std::vector<std::string>> LabelNamesWith(const ReadOptions& options,
                                                  const std::vector<LabelMatcher>& matchers,
                                                  int64_t mint_ms, int64_t maxt_ms);
  Result<std::vector<std::string>> LabelValuesWith(const ReadOptions& options,
                                                   std::string_view name,
                                                   const std::vector<LabelMatcher>& matchers,
                                                   int64_t mint_ms, int64_t maxt_ms);
  Status OpenRocksDb();
  Status LoadMeta();
  Status LoadSeries();
  // Rewrites a format version 1 directory's chunk keys in version 2's layout (format_upgrade.cc).
  Status UpgradeChunkKeys();
  Status ReplayWal();
  Status ReplayCommitRecord(std::string_view payload);
  Status ReplayDeleteRecord(std::string_view payload);

  // Validates a sample against the newest accepted one and accepts it. Caller holds commit_mu_
  // (or is the single replaying thread).
  // Samples outside [min_valid_time, max_valid_time] are rejected (too old, or out of bounds).
  AppendOutcome AcceptSample(MemSeries* s, int64_t t, double v, int64_t min_valid_time,
                             int64_t max_valid_time, RejectReason* reason);
  // Appends an accepted sample to the series' chunks, under the series lock.
  void AppendToChunks(MemSeries* s, int64_t t, double v);
  // After a log write failed: recovers the log and rolls back what acceptance moved for
  // samples that were not stored. Takes the apply and commit locks.
  Status RecoverLog();
  // One maintenance pass; RunMaintenance records its outcome as a background error.
  Status RunMaintenancePass();
  // Unavailable naming the failed background job that writes of samples depend on, or OK.
  Status BackgroundErrorForWrites() const;
  int64_t Now() const;
  int64_t RetentionCutoff() const;  // INT64_MIN when retention is off
  // The newest timestamp a write may carry now: now + Options::max_future_ms, and never past
  // what a partition number can hold.
  int64_t MaxValidTime() const;

  // Maintenance (maintenance.cc).
  Status Checkpoint();
  Status EnforceRetention();
  Status DropPartitionsBelow(int32_t partition);
  Status CollectExpiredSeries(int64_t cutoff);
  Status CompactPartition(int32_t partition);
  Status CompactPartitionsBelow(int32_t partition);
  Status DeleteRange(const std::vector<uint64_t>& ids, int64_t mint, int64_t maxt);
  Status DeleteStoredRange(uint32_t group, uint64_t id, int64_t mint, int64_t maxt,
                           rocksdb::WriteBatch* batch);
  void MaintenanceLoop();
  // Under commit_mu_, after a commit's log record ending at `lsn`: wakes the maintenance thread
  // once the log holds checkpoint_wal_bytes, rather than at its next tick.
  void WakeMaintenanceIfLogFull(uint64_t lsn);
  // Exemplars and metadata (exemplars_metadata.cc).
  Status DropExemplarsBelow(int32_t partition);
  Status LoadMetadataLocked();

  const Options options_;
  const std::string path_;
  int64_t partition_duration_ms_;
  // Held from before RocksDB opens until after it closes.
  std::unique_ptr<DirLock> dir_lock_;

  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* series_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* chunks_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* span_segments_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* span_data_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* trace_index_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* exemplars_cf_ = nullptr;
  storage::BackgroundError bg_errors_;  // before spans_, which reports into it
  std::unique_ptr<SpanStore> spans_;

  std::unique_ptr<WalWriter> wal_;
  // Helpers reading large selections ahead of the queries evaluating them (Options::read_threads);
  // null when there are none.
  std::unique_ptr<util::ThreadPool> read_pool_;
  SeriesIndex index_;
  std::atomic<uint64_t> next_series_id_{1};
  bool upgrade_chunk_keys_ = false;  // the directory is of format version 1 (set by LoadMeta)
  // Limits::max_active_series, changeable while open (SetMaxActiveSeries).
  std::atomic<uint64_t> max_active_series_;
  std::atomic<int32_t> dropped_below_{INT32_MIN};
  int32_t compacted_below_ = INT32_MIN;  // guarded by maintenance_mu_

  // Serialises validating a batch with appending its log record, so the log holds each series'
  // samples in the order they were accepted. Held briefly: chunk appends and durability waits
  // happen outside it.
  std::mutex commit_mu_;
  // Held shared by a commit from validation until its samples are in chunks, and exclusively by
  // whoever needs the head to equal the log (checkpoints) or no commit in flight (series removal).
  std::shared_mutex apply_mu_;
  // A commit failed after acceptance moved: the next commit runs RecoverLog first.
  std::atomic<bool> log_needs_recovery_{false};
  // One checkpoint, retention pass or delete at a time.
  std::mutex maintenance_mu_;
  int64_t last_checkpoint_ms_ = 0;  // guarded by maintenance_mu_

  std::atomic<bool> closing_{false};
  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool maintenance_wanted_ = false;  // guarded by loop_mu_: run a pass now
  // Guarded by commit_mu_: the log position at which a commit next looks at the log's size.
  uint64_t next_log_size_check_lsn_ = 0;
  std::thread maintenance_thread_;

  RecoveryReport recovery_;
  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> samples_rejected_[kRejectReasonCount] = {};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> partitions_dropped_{0};
  std::atomic<uint64_t> partitions_compacted_{0};
  std::atomic<uint64_t> exemplars_appended_{0};
  std::atomic<uint64_t> exemplars_rejected_{0};

  std::mutex metadata_mu_;
  bool metadata_loaded_ = false;                                 // guarded by metadata_mu_
  std::map<std::string, MetricMetadata, std::less<>> metadata_;  // guarded by metadata_mu_
};

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_DB_ENGINE_H_
