// tidemark::Engine: the embedded storage engine. Open one per data directory.
//
//   auto engine = tidemark::Engine::Open(options, "/var/lib/tidemark");
//   if (!engine.ok()) { ... engine.status() ... }
//   auto appender = (*engine)->NewAppender();
//   appender->Add(tidemark::Labels{{"__name__", "up"}, {"job", "api"}}, 1700000000000, 1);
//   auto report = appender->Commit();   // durable under Options::sync_policy on return
//
// Thread safety: Engine is thread-safe. An Appender, SeriesSet or SampleIterator is used by one
// thread at a time; any number of them may be in use at once from different threads.
// Ownership: the Engine must outlive every Appender and SeriesSet it handed out.
#ifndef TIDEMARK_ENGINE_H_
#define TIDEMARK_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/labels.h"
#include "tidemark/matcher.h"
#include "tidemark/options.h"
#include "tidemark/querier.h"
#include "tidemark/span_reader.h"
#include "tidemark/status.h"
#include "tidemark/trace.h"

namespace tidemark {

// Why a single sample was not stored. Numbered for metrics; the order may change.
enum class RejectReason {
  kOutOfOrder = 0,      // older than the newest sample of its series
  kDuplicateTimestamp,  // same timestamp as the newest sample, different value
  kTooOld,              // outside the retention window
  kInvalidLabels,       // empty label set, bad UTF-8, duplicate or too long names/values
  kLimitExceeded,       // a Limits value (active series, labels per series) was reached
  kUnknownSeriesRef,    // Add(ref, ...) with a ref this engine did not hand out
  kOutOfBounds,         // more than Options::max_future_ms after now, or before year -4000
};
inline constexpr int kRejectReasonCount = 7;
std::string_view RejectReasonName(RejectReason reason);

// What happened to the samples of one commit.
struct CommitReport {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t rejected_by_reason[kRejectReasonCount] = {};
  // The first few rejections, each naming the series, timestamp and the reason.
  std::vector<std::string> first_rejections;
};

// Collects samples and stores them together. Samples become visible to readers during Commit and
// are durable when Commit returns. Not thread-safe; reusable after Commit or Rollback.
class Appender {
 public:
  virtual ~Appender() = default;

  // Adds a sample of the series `labels`. Returns a ref that can be passed to the other overload
  // for later samples of the same series (skipping the label lookup), or 0 if the sample was
  // rejected at once (invalid labels, series limit); the rejection then shows in the report.
  virtual SeriesRef Add(const Labels& labels, int64_t timestamp_ms, double value) = 0;
  // Adds a sample of a series by a ref returned earlier by this engine.
  virtual SeriesRef Add(SeriesRef ref, int64_t timestamp_ms, double value) = 0;
  // The same, for callers that cache refs: an unknown ref (the series was deleted or expired)
  // returns 0 without recording a rejection, so the caller can add the sample by labels instead.
  virtual SeriesRef TryAdd(SeriesRef ref, int64_t timestamp_ms, double value) = 0;

  // Stores the batch. Per-sample rejections are in the report and do not fail the commit; an
  // error Status means nothing of the batch was stored (engine closed, log write failed, batch
  // over Limits::max_samples_per_commit).
  virtual Result<CommitReport> Commit() = 0;
  // Stores the batch like Commit, but returns once it is visible, without waiting for the log to
  // make it durable: it becomes durable with the log's next sync (the next Commit of any
  // appender, or Options::unsynced_commit_delay_ms after it at the latest) and is lost if the
  // process dies before. For data that can be made again, such as
  // what recording and alerting rules write, so that a rule does not wait a disk sync for the
  // next rule to read its output. Appenders without a log store durably (the default).
  virtual Result<CommitReport> CommitUnsynced() { return Commit(); }
  // Discards the batch.
  virtual void Rollback() = 0;
};

// What Open had to do to make the directory consistent after a crash.
struct RecoveryReport {
  uint64_t wal_files_replayed = 0;
  uint64_t wal_records_replayed = 0;
  uint64_t samples_replayed = 0;
  // Bytes at the end of a log that were not a whole, checksummed record (a torn write). Nothing
  // acknowledged is ever there: a commit is acknowledged only after its whole record is written.
  uint64_t wal_bytes_dropped = 0;
  std::vector<std::string> messages;
};

struct EngineStats {
  uint64_t head_series = 0;
  uint64_t head_chunks = 0;
  uint64_t head_samples = 0;
  uint64_t head_memory_bytes = 0;  // estimate of chunk and index memory
  // Selections answered from the selection cache (Options::selection_cache_bytes), or not, and
  // the bytes it holds.
  uint64_t selection_cache_hits = 0;
  uint64_t selection_cache_misses = 0;
  uint64_t selection_cache_bytes = 0;
  uint64_t wal_bytes = 0;
  uint64_t wal_syncs = 0;  // syncs of the samples' log since the engine opened
  uint64_t samples_appended = 0;
  uint64_t samples_rejected[kRejectReasonCount] = {};
  uint64_t checkpoints = 0;
  uint64_t partitions_dropped = 0;
  uint64_t partitions_compacted = 0;
  uint64_t segment_bytes = 0;  // RocksDB's live SST bytes for sample data
  uint64_t exemplars_appended = 0;
  uint64_t exemplars_rejected = 0;
  uint64_t spans_appended = 0;
  uint64_t spans_rejected[kSpanRejectReasonCount] = {};
  uint64_t spans_buffered = 0;
  uint64_t span_segments_written = 0;
  uint64_t span_bytes = 0;        // RocksDB's live SST bytes for span segments and the trace index
  bool background_error = false;  // see Engine::BackgroundError
};

struct PartitionInfo {
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // exclusive
  uint64_t blocks = 0;
  uint64_t samples = 0;
  uint64_t series = 0;
  uint64_t stored_bytes = 0;  // encoded block bytes before RocksDB's compression
};

// An exemplar: one traced observation attached to a sample of a series (OpenMetrics, OTLP), e.g.
// labels {trace_id="...", span_id="..."}.
struct Exemplar {
  Labels labels;
  double value = 0;
  int64_t timestamp_ms = 0;
};
struct ExemplarWrite {
  Labels series;  // the series the exemplar belongs to; it must already exist
  Exemplar exemplar;
};
struct SeriesExemplars {
  Labels series;
  std::vector<Exemplar> exemplars;  // by time
};
struct ExemplarAppendReport {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  std::vector<std::string> first_rejections;  // the first few, each naming series and reason
};

// What a metric family is, as exposition formats and remote_write metadata describe it.
struct MetricMetadata {
  std::string type;  // counter, gauge, histogram, gaugehistogram, summary, info, stateset, unknown
  std::string help;
  std::string unit;
  bool operator==(const MetricMetadata&) const = default;
};

// Cardinality of the head (the series with samples inside retention), as Prometheus' status/tsdb.
struct HeadCardinality {
  uint64_t num_series = 0;
  uint64_t num_label_pairs = 0;
  uint64_t chunk_count = 0;
  int64_t min_time_ms = 0;  // of the samples in the head; 0 when empty
  int64_t max_time_ms = 0;
  // Each list holds the `limit` largest entries, largest first.
  std::vector<std::pair<std::string, uint64_t>> series_count_by_metric_name;
  std::vector<std::pair<std::string, uint64_t>> label_value_count_by_label_name;
  std::vector<std::pair<std::string, uint64_t>> memory_in_bytes_by_label_name;
  std::vector<std::pair<std::string, uint64_t>> series_count_by_label_value_pair;  // "name=value"
};

// The storage engine. Its reads are the SampleQuerier interface (querier.h), which the PromQL
// engine runs on, and the SpanReader interface (span_reader.h), which trace search runs on;
// Select/SeriesLabels/LabelNames/LabelValues below are the sample reads without per-call options.
class Engine : public SampleQuerier, public SpanReader {
 public:
  static Result<std::unique_ptr<Engine>> Open(const Options& options, const std::string& path);

  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  // Flushes nothing beyond what is already durable; the log makes that unnecessary.
  virtual ~Engine() = default;

  virtual std::unique_ptr<Appender> NewAppender() = 0;

  // Series matching every matcher with at least one sample in [mint_ms, maxt_ms] (inclusive),
  // and their samples in that range. At least one matcher must not match the empty string.
  virtual Result<std::unique_ptr<SeriesSet>> Select(const std::vector<LabelMatcher>& matchers,
                                                    int64_t mint_ms, int64_t maxt_ms) = 0;
  using SampleQuerier::LabelNames;
  using SampleQuerier::LabelValues;
  using SampleQuerier::Select;

  // Label sets of the series matching `matchers` (all series if empty) with data in range, in
  // label order, without reading samples; at most `limit` (0: no limit).
  virtual Result<std::vector<Labels>> SeriesLabels(const std::vector<LabelMatcher>& matchers,
                                                   int64_t mint_ms, int64_t maxt_ms,
                                                   size_t limit) = 0;
  // Sorted label names of series matching `matchers` (all series if empty) with data in range.
  virtual Result<std::vector<std::string>> LabelNames(const std::vector<LabelMatcher>& matchers,
                                                      int64_t mint_ms, int64_t maxt_ms) = 0;
  // Sorted values of label `name` over the same selection.
  virtual Result<std::vector<std::string>> LabelValues(std::string_view name,
                                                       const std::vector<LabelMatcher>& matchers,
                                                       int64_t mint_ms, int64_t maxt_ms) = 0;

  // Deletes the samples in [mint_ms, maxt_ms] of every matching series; durable on return.
  // Returns the number of series touched.
  virtual Result<uint64_t> DeleteSeries(const std::vector<LabelMatcher>& matchers, int64_t mint_ms,
                                        int64_t maxt_ms) = 0;

  // --- Exemplars and metadata ---

  // Stores exemplars of existing series; durable like samples. Rejected one by one (unknown
  // series, labels longer than 128 characters in total as OpenMetrics limits them, outside
  // retention); an exemplar with the same series and timestamp as a stored one replaces it.
  virtual Result<ExemplarAppendReport> AppendExemplars(const std::vector<ExemplarWrite>& batch) = 0;
  // Exemplars in [mint_ms, maxt_ms] of the series matching `matchers`, series in label order.
  virtual Result<std::vector<SeriesExemplars>> SelectExemplars(
      const std::vector<LabelMatcher>& matchers, int64_t mint_ms, int64_t maxt_ms) = 0;
  // Records the metadata of metric family `metric` (the latest wins), durable on return.
  virtual Status SetMetricMetadata(std::string_view metric, const MetricMetadata& metadata) = 0;
  // Metadata by metric family name, sorted by name; only `metric` if not empty; at most `limit`
  // families (0: no limit).
  virtual Result<std::vector<std::pair<std::string, MetricMetadata>>> GetMetricMetadata(
      std::string_view metric, size_t limit) = 0;
  // Cardinality statistics of the head, each top list cut to `limit` entries.
  virtual Result<HeadCardinality> HeadStats(size_t limit) = 0;

  // --- Spans ---

  // Stores a batch of spans, durable on return under Options::sync_policy. Invalid spans (ids of
  // the wrong length or all zero, end before start, older than span retention) are rejected one
  // by one and reported; limits cut attributes, events and links as documented in Limits. An
  // error Status means nothing was stored (engine closing, log failure, batch over
  // max_spans_per_append, ResourceExhausted when the unflushed span buffer is full).
  // When it returns ResourceExhausted because the span buffer is full (backpressure), `spans` is
  // left as it was, so the caller can retry it later.
  virtual Result<SpanAppendReport> AppendSpans(std::vector<Span>&& spans) = 0;
  // Waits up to `max_wait_ms` while AppendSpans would refuse batches for backpressure (writing
  // segments is behind the appends); false if it still would. A server calls it before decoding
  // a request: waiting slows senders down without their retrying, and a refusal costs no
  // decoding. Advisory: AppendSpans still decides.
  virtual bool AwaitSpanCapacity(int64_t max_wait_ms) = 0;
  // The same for a batch the caller keeps (copied).
  Result<SpanAppendReport> AppendSpans(const std::vector<Span>& spans) {
    return AppendSpans(std::vector<Span>(spans));
  }
  // Span reads (GetTrace, ScanSpans, GetTraceFacts) are the SpanReader interface; trace search
  // on it is tidemark::SearchTraces (trace_search.h).
  // Attribute keys seen on spans starting in [start, end], sorted, at most `limit`.
  virtual Result<std::vector<std::string>> SpanTagKeys(TagScope scope, uint64_t start_unix_nano,
                                                       uint64_t end_unix_nano, uint32_t limit) = 0;
  // Values (as strings) of attribute `key`, sorted, at most `limit`.
  virtual Result<std::vector<std::string>> SpanTagValues(TagScope scope, std::string_view key,
                                                         uint64_t start_unix_nano,
                                                         uint64_t end_unix_nano,
                                                         uint32_t limit) = 0;

  // Writes everything in the head into segments (and buffered spans into span segments) and
  // returns when it is durable there.
  virtual Status Flush() = 0;
  // Merges the blocks each series has in one partition (one per checkpoint) into a single block,
  // for every partition that ends at or before `before_ms`, and returns when that is durable.
  // The maintenance thread does this for partitions that ended a partition width ago; this call
  // does it now (like VictoriaMetrics' force_merge), e.g. before measuring bytes on disk.
  virtual Status Compact(int64_t before_ms) = 0;
  // Enforces retention, checkpoints and compacts if due, now, in the calling thread.
  virtual Status RunMaintenance() = 0;

  // Why background work (checkpoints and retention, or span segment writing) last failed, or OK.
  // While a job has an error the writes that depend on it are refused with Unavailable naming
  // it; it clears when the job, retried on each maintenance pass, succeeds again (a Corruption
  // stays until the engine is reopened).
  virtual Status BackgroundError() = 0;

  virtual EngineStats Stats() = 0;
  // Changes Limits::max_active_series (0: none) for the series created from now on; series
  // already past a lowered limit stay. A server applies its tenants' changed limits so.
  virtual void SetMaxActiveSeries(uint64_t max_active_series) = 0;
  virtual Result<std::vector<PartitionInfo>> Partitions() = 0;
  virtual const RecoveryReport& recovery() const = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_ENGINE_H_
