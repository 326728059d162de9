// The write side of the span store: appends (limits, the span log), the flusher that turns
// buffered spans into segments, recovery at open, and retention. Reads are in
// span_store_read.cc.
#include "storage/span_store.h"

#include <absl/container/flat_hash_set.h>
#include <rocksdb/convenience.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <tuple>

#include "storage/kv_layout.h"
#include "storage/label_codec.h"
#include "storage/partition_scan.h"
#include "storage/rocks_status.h"
#include "storage/span_codec.h"
#include "storage/span_row_group.h"
#include "storage/span_segment_format.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/status_macros.h"
#include "util/thread_pool.h"
#include "util/utf8.h"

namespace tidemark::storage {

namespace {

constexpr char kMetaSpanNextSegment[] = "meta/span_next_segment_id";
constexpr char kMetaSpanWalFlushed[] = "meta/span_wal_flushed";
constexpr char kMetaSpanDroppedBelow[] = "meta/span_dropped_below_partition";
constexpr size_t kMaxReportedRejections = 8;
// Appends wait for room once this many buffers' worth of spans are unflushed.
constexpr size_t kBufferHardLimitFactor = 4;

// Keeps the first `limit` items, adding the rest to the span's dropped count and the report's.
template <typename T>
void DropOverLimit(std::vector<T>* items, uint32_t limit, uint32_t* dropped_count,
                   uint64_t* reported) {
  if (items->size() <= limit) return;
  const size_t extra = items->size() - limit;
  items->resize(limit);
  *dropped_count += static_cast<uint32_t>(extra);
  *reported += extra;
}

int Depth(const AnyValue& v) {
  int d = 0;
  for (const AnyValue& e : v.array_value) d = std::max(d, Depth(e));
  for (const KeyValue& kv : v.kvlist_value) d = std::max(d, Depth(kv.value));
  return v.array_value.empty() && v.kvlist_value.empty() ? 0 : d + 1;
}

bool AllZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

}  // namespace

SpanStore::SpanStore(const Options& options, std::string path, const SpanStoreHandles& handles,
                     int64_t partition_duration_ms, BackgroundError* bg_errors)
    : options_(options),
      path_(std::move(path)),
      h_(handles),
      partition_duration_ms_(partition_duration_ms),
      bg_errors_(bg_errors) {}

Result<std::unique_ptr<SpanStore>> SpanStore::Open(const Options& options, const std::string& path,
                                                   const SpanStoreHandles& handles,
                                                   int64_t partition_duration_ms,
                                                   BackgroundError* bg_errors,
                                                   RecoveryReport* recovery) {
  std::unique_ptr<SpanStore> store(
      new SpanStore(options, path, handles, partition_duration_ms, bg_errors));
  TM_RETURN_IF_ERROR(store->LoadMeta());
  TM_RETURN_IF_ERROR(store->Replay(recovery));
  store->flusher_ = std::thread([s = store.get()] { s->FlusherLoop(); });
  util::NameThread(store->flusher_, "tidemark-spans");
  return store;
}

SpanStore::~SpanStore() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  flush_cv_.notify_all();
  space_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

Status SpanStore::LoadMeta() {
  TM_ASSIGN_OR_RETURN(auto next_segment, ReadFixedMeta(h_.db, h_.meta_cf, kMetaSpanNextSegment, 8));
  if (next_segment) next_segment_id_ = util::DecodeFixed64(next_segment->data());
  TM_ASSIGN_OR_RETURN(auto dropped, ReadFixedMeta(h_.db, h_.meta_cf, kMetaSpanDroppedBelow, 4));
  if (dropped) dropped_below_ = DecodeOrderedInt32(dropped->data());
  // The partitions that hold segments: the first and last header keys.
  std::unique_ptr<rocksdb::Iterator> it(h_.db->NewIterator(rocksdb::ReadOptions(), h_.segment_cf));
  it->SeekToFirst();
  if (it->Valid() && it->key().size() >= 4) min_partition_ = DecodeOrderedInt32(it->key().data());
  it->SeekToLast();
  if (it->Valid() && it->key().size() >= 4) max_partition_ = DecodeOrderedInt32(it->key().data());
  return FromRocks(it->status(), "scan span segments");
}

Status SpanStore::Replay(RecoveryReport* recovery) {
  const std::string dir = path_ + "/span_wal";
  uint64_t flushed = 0;
  TM_ASSIGN_OR_RETURN(auto flushed_meta, ReadFixedMeta(h_.db, h_.meta_cf, kMetaSpanWalFlushed, 8));
  if (flushed_meta) flushed = util::DecodeFixed64(flushed_meta->data());
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> files, ListWalFiles(dir));
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i] <= flushed) continue;  // its spans are in segments; deleted by the next flush
    const std::string file = WalFilePath(dir, files[i]);
    auto result = ReplayWalFile(file, [&](WalRecordType type, std::string_view payload) -> Status {
      std::vector<Span> batch;
      if (type == WalRecordType::kSpanBatch) {
        if (!DecodeSpanBatch(payload, &batch))
          return Status::Corruption(file + ": span batch record malformed");
      } else if (type == WalRecordType::kSpans) {
        uint64_t n;
        if (!util::GetVarint64(&payload, &n))
          return Status::Corruption(file + ": span record count");
        for (uint64_t k = 0; k < n; ++k) {
          Span s;
          if (!DecodeSpan(&payload, &s))
            return Status::Corruption(file + ": span " + std::to_string(k) + " malformed");
          batch.push_back(std::move(s));
        }
      } else {
        return Status::OK();
      }
      buffered_spans_ += batch.size();
      if (!batch.empty()) buffer_.push_back(std::move(batch));
      ++recovery->wal_records_replayed;
      return Status::OK();
    });
    if (!result.ok()) return result.status();
    ++recovery->wal_files_replayed;
    if (result->bytes_dropped > 0) {
      recovery->wal_bytes_dropped += result->bytes_dropped;
      recovery->messages.push_back(file + ": dropped " + std::to_string(result->bytes_dropped) +
                                   " bytes (" + result->tail_problem + ")");
    }
  }
  if (!buffer_.empty()) {
    recovery->messages.push_back("replayed " + std::to_string(buffered_spans_) +
                                 " unflushed spans");
    oldest_buffered_ = std::chrono::steady_clock::now();
  }
  const uint64_t next_file = files.empty() ? flushed + 1 : std::max(files.back(), flushed) + 1;
  TM_ASSIGN_OR_RETURN(wal_, WalWriter::Open(dir, next_file, options_.sync_policy,
                                            options_.group_commit_interval_ms));
  return Status::OK();
}

uint64_t SpanStore::NowNanos() const {
  if (options_.now_ms) return static_cast<uint64_t>(options_.now_ms()) * 1'000'000;
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

uint64_t SpanStore::RetentionCutoffNanos() const {
  uint64_t cutoff = 0;
  if (options_.span_retention_ms > 0) {
    const uint64_t keep = static_cast<uint64_t>(options_.span_retention_ms) * 1'000'000;
    const uint64_t now = NowNanos();
    cutoff = now > keep ? now - keep : 0;
  }
  const int32_t dropped = dropped_below_.load();
  if (dropped != INT32_MIN) {
    const int64_t ms = PartitionStart(dropped, partition_duration_ms_);
    if (ms > 0) cutoff = std::max(cutoff, static_cast<uint64_t>(ms) * 1'000'000);
  }
  return cutoff;
}

int32_t SpanStore::PartitionOfNanos(uint64_t ns) const {
  return PartitionOf(static_cast<int64_t>(ns / 1'000'000), partition_duration_ms_);
}

Result<std::vector<int32_t>> SpanStore::PartitionsFor(uint64_t start, uint64_t end) const {
  const int32_t lo =
      std::max({PartitionOfNanos(start), min_partition_.load(), dropped_below_.load()});
  const int32_t hi = std::min(PartitionOfNanos(end), max_partition_.load());
  // Only the partitions that hold segments: a time range can span billions of partition numbers.
  return PartitionsWithKeys(h_.db, h_.segment_cf, lo, hi);
}

void SpanStore::LimitSpan(Span* s, SpanAppendReport* report) const {
  const Limits& l = options_.limits;
  auto limit_attrs = [&](std::vector<KeyValue>* attrs, uint32_t* dropped) {
    // Values nested deeper than the stored format allows are dropped like attributes over the
    // limit.
    const size_t before = attrs->size();
    std::erase_if(*attrs, [](const KeyValue& kv) { return Depth(kv.value) > kMaxAnyValueDepth; });
    *dropped += static_cast<uint32_t>(before - attrs->size());
    report->dropped_attributes += before - attrs->size();
    DropOverLimit(attrs, l.max_span_attributes, dropped, &report->dropped_attributes);
    for (KeyValue& kv : *attrs) {
      if ((kv.value.type == AnyValue::Type::kString || kv.value.type == AnyValue::Type::kBytes) &&
          kv.value.string_value.size() > l.max_span_attribute_value_bytes) {
        if (kv.value.type == AnyValue::Type::kString) {
          util::TruncateUtf8(&kv.value.string_value, l.max_span_attribute_value_bytes);
        } else {
          kv.value.string_value.resize(l.max_span_attribute_value_bytes);
        }
        ++report->truncated_attribute_values;
      }
    }
  };
  limit_attrs(&s->attributes, &s->dropped_attributes_count);
  DropOverLimit(&s->events, l.max_span_events, &s->dropped_events_count, &report->dropped_events);
  for (SpanEvent& e : s->events) limit_attrs(&e.attributes, &e.dropped_attributes_count);
  DropOverLimit(&s->links, l.max_span_links, &s->dropped_links_count, &report->dropped_links);
  for (SpanLink& k : s->links) limit_attrs(&k.attributes, &k.dropped_attributes_count);
}

void SpanStore::ShareResources(std::vector<Span>* spans) {
  // A batch's spans come in runs sharing a resource and a scope: intern once per run.
  const SpanResource* resource_in = nullptr;
  const SpanScope* scope_in = nullptr;
  std::shared_ptr<const SpanResource> resource_out;
  std::shared_ptr<const SpanScope> scope_out;
  std::lock_guard lock(intern_mu_);
  for (Span& s : *spans) {
    if (s.resource != nullptr) {
      if (s.resource.get() != resource_in) {
        resource_in = s.resource.get();
        resource_out = resources_.Intern(s.resource);
      }
      s.resource = resource_out;
    }
    if (s.scope != nullptr) {
      if (s.scope.get() != scope_in) {
        scope_in = s.scope.get();
        scope_out = scopes_.Intern(s.scope);
      }
      s.scope = scope_out;
    }
  }
}

bool SpanStore::AwaitCapacity(std::chrono::milliseconds max_wait) {
  const size_t hard_limit = kBufferHardLimitFactor * options_.span_segment_max_spans;
  std::unique_lock lock(mu_);
  auto accepting = [&] { return buffer_.empty() || buffered_spans_ < hard_limit; };
  if (accepting()) return true;
  flush_cv_.notify_all();
  return space_cv_.wait_for(lock, max_wait, [&] { return stopping_ || accepting(); }) && !stopping_;
}

Result<SpanAppendReport> SpanStore::Append(std::vector<Span>& spans) {
  if (Status bg = bg_errors_->Of(kSpanSegmentJob); !bg.ok()) {
    return Status::Unavailable("span writes are refused until segment writing succeeds again: " +
                               bg.message());
  }
  if (spans.size() > options_.limits.max_spans_per_append) {
    return Status::ResourceExhausted(
        "batch of " + std::to_string(spans.size()) +
        " spans over max_spans_per_append=" + std::to_string(options_.limits.max_spans_per_append));
  }
  {
    // Backpressure before anything is consumed, so the caller keeps its batch to retry.
    std::lock_guard lock(mu_);
    const size_t hard_limit = kBufferHardLimitFactor * options_.span_segment_max_spans;
    if (buffered_spans_ + spans.size() > hard_limit && !buffer_.empty()) {
      flush_cv_.notify_all();
      return Status::ResourceExhausted("span buffer holds " + std::to_string(buffered_spans_) +
                                       " unflushed spans (limit " + std::to_string(hard_limit) +
                                       "): writing segments is behind, retry later");
    }
  }
  SpanAppendReport report;
  const uint64_t cutoff = RetentionCutoffNanos();
  const uint64_t latest_start =
      NowNanos() + static_cast<uint64_t>(options_.max_future_ms) * 1'000'000;
  auto reject = [&](SpanRejectReason reason, const Span& s, const std::string& why) {
    ++report.rejected;
    ++report.rejected_by_reason[static_cast<int>(reason)];
    ++rejected_[static_cast<int>(reason)];
    if (report.first_rejections.size() < kMaxReportedRejections) {
      report.first_rejections.push_back(
          util::Abbreviate("span \"" + s.name + "\": " + why, util::kMaxRejectionMessageBytes));
    }
  };
  // From here the batch is consumed: accepted spans are moved to its front, in order, and the
  // vector itself becomes the buffered batch.
  size_t kept = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    Span& s = spans[i];
    if (s.trace_id.size() != 16 || AllZero(s.trace_id)) {
      reject(SpanRejectReason::kInvalidTraceId, s,
             "trace id of " + std::to_string(s.trace_id.size()) + " bytes (want 16, not all zero)");
      continue;
    }
    if (s.span_id.size() != 8 || AllZero(s.span_id)) {
      reject(SpanRejectReason::kInvalidSpanId, s,
             "span id of " + std::to_string(s.span_id.size()) + " bytes (want 8, not all zero)");
      continue;
    }
    if (!s.parent_span_id.empty() && (s.parent_span_id.size() != 8 || AllZero(s.parent_span_id))) {
      // OTLP senders use an all-zero or empty parent for roots; normalise to empty.
      if (AllZero(s.parent_span_id)) {
        s.parent_span_id.clear();
      } else {
        reject(SpanRejectReason::kInvalidSpanId, s,
               "parent span id of " + std::to_string(s.parent_span_id.size()) +
                   " bytes (want 8 or none)");
        continue;
      }
    }
    if (s.end_time_unix_nano < s.start_time_unix_nano) {
      reject(SpanRejectReason::kEndBeforeStart, s, "ends before it starts");
      continue;
    }
    if (s.start_time_unix_nano < cutoff) {
      reject(SpanRejectReason::kTooOld, s, "starts before the span retention window");
      continue;
    }
    if (s.start_time_unix_nano > latest_start) {
      reject(SpanRejectReason::kOutOfBounds, s,
             "starts at " + std::to_string(s.start_time_unix_nano) +
                 ", more than max_future=" + std::to_string(options_.max_future_ms) +
                 "ms after now; timestamps are Unix nanoseconds");
      continue;
    }
    LimitSpan(&s, &report);
    if (kept != i) spans[kept] = std::move(s);
    ++kept;
  }
  spans.erase(spans.begin() + static_cast<std::ptrdiff_t>(kept), spans.end());
  report.accepted = kept;
  if (kept == 0) return report;
  ShareResources(&spans);

  std::string record;
  record.reserve(kept * 256);
  EncodeSpanBatch(spans, &record);
  if (wal_->failed()) {
    // A write failed earlier: cut the log back to its last durable record and go on (a full
    // disk may have room again); span records do not depend on each other.
    Status recovered = wal_->Recover();
    if (!recovered.ok()) return LogWriteFailed("span log", recovered);
  }
  std::shared_lock append_lock(append_mu_);
  uint64_t lsn;
  {
    std::unique_lock lock(mu_);
    auto appended = wal_->Append(WalRecordType::kSpanBatch, record);
    if (!appended.ok()) return LogWriteFailed("span log", appended.status());
    lsn = *appended;
  }
  // Visible to readers only once durable: an error means nothing of the batch was stored.
  Status durable = wal_->WaitDurable(lsn);
  if (!durable.ok()) return LogWriteFailed("span log", durable);
  {
    std::unique_lock lock(mu_);
    if (buffer_.empty()) oldest_buffered_ = std::chrono::steady_clock::now();
    buffered_spans_ += kept;
    buffer_.push_back(std::move(spans));
    if (buffered_spans_ >= options_.span_segment_max_spans) flush_cv_.notify_all();
  }
  appended_ += report.accepted;
  return report;
}

void SpanStore::FlusherLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto max_age =
        std::chrono::milliseconds(std::max<int64_t>(1, options_.span_segment_max_age_ms));
    flush_cv_.wait_for(lock, buffer_.empty() ? max_age : max_age / 4, [&] {
      return stopping_ || buffered_spans_ >= options_.span_segment_max_spans;
    });
    if (stopping_) break;
    const bool due =
        !buffer_.empty() && (buffered_spans_ >= options_.span_segment_max_spans ||
                             std::chrono::steady_clock::now() - oldest_buffered_ >= max_age);
    if (!due) continue;
    lock.unlock();
    // A failed flush leaves the spans in the log; the next attempt retries them. Until one
    // succeeds the failure is the span job's background error.
    bg_errors_->Record(kSpanSegmentJob, Flush());
    lock.lock();
  }
}

Status SpanStore::Flush() {
  std::lock_guard flush_lock(flush_mu_);
  uint64_t closed_file;
  std::shared_ptr<SpanBatches> taken;
  size_t taken_spans;
  {
    std::unique_lock append_lock(append_mu_);  // no append between its record and the buffer
    std::lock_guard lock(mu_);
    if (buffer_.empty()) return Status::OK();
    TM_ASSIGN_OR_RETURN(closed_file, wal_->Rotate());
    taken = std::make_shared<SpanBatches>(std::move(buffer_));
    taken_spans = buffered_spans_;
    buffer_.clear();
    buffered_spans_ = 0;
    flushing_ = taken;
    flushing_spans_ = taken_spans;
  }
  space_cv_.notify_all();
  Status s = WriteSegments(*taken, closed_file);
  bool sole_owner;
  {
    std::lock_guard lock(mu_);
    if (!s.ok()) {
      // Put the spans back in front: they are still in the closed log files.
      SpanBatches restored(std::make_move_iterator(taken->begin()),
                           std::make_move_iterator(taken->end()));
      for (std::vector<Span>& batch : buffer_) restored.push_back(std::move(batch));
      buffer_ = std::move(restored);
      buffered_spans_ += taken_spans;
    }
    flushing_.reset();
    flushing_spans_ = 0;
    // Readers copy flushing_ under mu_, so once it is reset no new owner can appear.
    sole_owner = taken.use_count() == 1;
  }
  if (!s.ok()) return s;
  if (sole_owner) taken->clear();  // frees the spans outside the lock
  return wal_->RemoveFilesUpTo(closed_file);
}

// One row group to encode: its spans in storage order, then the encoder's output.
struct SpanStore::RowGroupJob {
  std::vector<const Span*> spans;
  std::string value;
  RowGroupStats stats;
};

void SpanStore::EncodeRowGroups(std::vector<RowGroupJob>* jobs) {
  // Each thread claims the next job until none is left; the flusher encodes too, so the jobs
  // finish even if no helper is free, and then waits for the helpers' last jobs.
  if (jobs->empty()) return;
  // The helpers start with the first flush that has more than one row group: an engine that
  // stores few spans (most tenants) never starts them.
  const size_t flush_threads = util::ThreadsFromOption(options_.span_flush_threads);
  if (!flush_pool_ && flush_threads > 1 && jobs->size() > 1) {
    flush_pool_ = std::make_unique<util::ThreadPool>(flush_threads - 1, "tidemark-flush");
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t j; (j = next.fetch_add(1)) < jobs->size();) {
      RowGroupJob& job = (*jobs)[j];
      job.value = EncodeRowGroup(job.spans, options_.zstd_level, &job.stats);
    }
  };
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t running = 0;
  if (flush_pool_) {
    const size_t helpers = std::min(flush_pool_->size(), jobs->size() - 1);
    for (size_t h = 0; h < helpers; ++h) {
      {
        std::lock_guard lock(done_mu);
        ++running;
      }
      const bool submitted = flush_pool_->TrySubmit([&] {
        work();
        std::lock_guard lock(done_mu);
        if (--running == 0) done_cv.notify_all();
      });
      if (!submitted) {
        std::lock_guard lock(done_mu);
        --running;
        break;
      }
    }
  }
  work();
  std::unique_lock lock(done_mu);
  done_cv.wait(lock, [&] { return running == 0; });
}

Status SpanStore::WriteSegments(const SpanBatches& batches, uint64_t flushed_wal_file) {
  // One segment per partition the spans start in.
  std::map<int32_t, std::vector<const Span*>> by_partition;
  for (const std::vector<Span>& batch : batches) {
    for (const Span& s : batch) {
      by_partition[PartitionOfNanos(s.start_time_unix_nano)].push_back(&s);
    }
  }
  // Sort each partition's spans by (trace id, start) on fixed-size keys: trace ids are 16 bytes,
  // compared as two big-endian integers, which is the same order as comparing the bytes. Then
  // cut them into row groups and encode those on the flush threads.
  struct SortKey {
    uint64_t hi, lo, start;
    const Span* span;
  };
  std::vector<RowGroupJob> jobs;
  std::vector<size_t> first_job;  // per partition, in by_partition's order
  // Per partition, its spans' keys in order: the trace summaries below find each trace's run by
  // them, without reading the spans' trace id strings again.
  std::vector<std::vector<SortKey>> sorted_keys;
  for (auto& [partition, list] : by_partition) {
    std::vector<SortKey>& keys = sorted_keys.emplace_back();
    keys.reserve(list.size());
    for (const Span* s : list) {
      keys.push_back({util::DecodeBigEndian64(s->trace_id.data()),
                      util::DecodeBigEndian64(s->trace_id.data() + 8), s->start_time_unix_nano, s});
    }
    std::sort(keys.begin(), keys.end(), [](const SortKey& a, const SortKey& b) {
      return std::tie(a.hi, a.lo, a.start) < std::tie(b.hi, b.lo, b.start);
    });
    for (size_t i = 0; i < keys.size(); ++i) list[i] = keys[i].span;
    first_job.push_back(jobs.size());
    for (size_t begin = 0; begin < list.size(); begin += kRowGroupMaxSpans) {
      const size_t end = std::min(list.size(), begin + kRowGroupMaxSpans);
      jobs.push_back({std::vector<const Span*>(list.begin() + begin, list.begin() + end), "", {}});
    }
  }
  first_job.push_back(jobs.size());
  EncodeRowGroups(&jobs);

  rocksdb::WriteBatch batch;
  size_t p = 0;
  for (auto& [partition, list] : by_partition) {
    const uint64_t segment = next_segment_id_.fetch_add(1);
    SegmentHeader header;
    header.spans = list.size();
    header.min_start = UINT64_MAX;
    for (size_t j = first_job[p]; j < first_job[p + 1]; ++j) {
      RowGroupJob& job = jobs[j];
      batch.Put(h_.data_cf,
                RowGroupKey(partition, segment, static_cast<uint32_t>(header.row_groups.size())),
                job.value);
      header.min_start = std::min(header.min_start, job.stats.min_start);
      header.max_start = std::max(header.max_start, job.stats.max_start);
      header.row_groups.push_back(std::move(job.stats));
    }
    const std::vector<SortKey>& keys = sorted_keys[p];
    ++p;
    // Per trace: its summary in this segment, under the trace-id index. Names and services are
    // gathered in hash sets of views first: a segment has few distinct ones and many spans. The
    // spans of one resource mostly share its object (SpanInterner), so a service is looked up
    // once per object.
    absl::flat_hash_set<std::string_view> services, names;
    absl::flat_hash_set<const SpanResource*> resources;
    for (size_t i = 0; i < list.size();) {
      TraceSummary summary;
      size_t j = i;
      for (; j < list.size() && keys[j].hi == keys[i].hi && keys[j].lo == keys[i].lo; ++j) {
        const Span& s = *list[j];
        summary.Add(s);
        if (resources.insert(&s.Resource()).second) services.insert(s.ServiceName());
        names.insert(s.name);
      }
      batch.Put(h_.index_cf, TraceIndexKey(partition, list[i]->trace_id, segment),
                EncodeSummary(summary));
      i = j;
    }
    for (std::string_view service : services) header.services.emplace(service);
    for (std::string_view name : names) header.names.emplace(name);
    batch.Put(h_.segment_cf, SegmentKey(partition, segment), EncodeSegmentHeader(header));
    int32_t lo = min_partition_.load();
    while (partition < lo && !min_partition_.compare_exchange_weak(lo, partition)) {
    }
    int32_t hi = max_partition_.load();
    while (partition > hi && !max_partition_.compare_exchange_weak(hi, partition)) {
    }
  }
  std::string v;
  util::PutFixed64(&v, next_segment_id_.load());
  batch.Put(h_.meta_cf, kMetaSpanNextSegment, v);
  v.clear();
  util::PutFixed64(&v, flushed_wal_file);
  batch.Put(h_.meta_cf, kMetaSpanWalFlushed, v);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  TM_RETURN_IF_ERROR(FromRocks(h_.db->Write(wo, &batch), "write span segments"));
  segments_written_ += by_partition.size();
  return Status::OK();
}

Status SpanStore::EnforceRetention() {
  if (options_.span_retention_ms <= 0) return Status::OK();
  const uint64_t keep = static_cast<uint64_t>(options_.span_retention_ms) * 1'000'000;
  const uint64_t now = NowNanos();
  if (now <= keep) return Status::OK();
  const int32_t below = PartitionOfNanos(now - keep);
  if (below <= dropped_below_.load()) return Status::OK();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  TM_RETURN_IF_ERROR(
      FromRocks(h_.db->Put(sync, h_.meta_cf, kMetaSpanDroppedBelow, EncodeOrderedInt32(below)),
                "record dropped span partitions"));
  const int32_t previous = dropped_below_.exchange(below);
  const std::string b = EncodeOrderedInt32(previous), e = EncodeOrderedInt32(below);
  const rocksdb::Slice bs(b), es(e);
  for (rocksdb::ColumnFamilyHandle* cf : {h_.segment_cf, h_.data_cf, h_.index_cf}) {
    TM_RETURN_IF_ERROR(
        FromRocks(rocksdb::DeleteFilesInRange(h_.db, cf, &bs, &es), "drop span partition files"));
    TM_RETURN_IF_ERROR(
        FromRocks(h_.db->DeleteRange(rocksdb::WriteOptions(), cf, bs, es), "drop span partitions"));
  }
  {
    std::lock_guard lock(header_cache_mu_);
    header_cache_.clear();
  }
  return Status::OK();
}

void SpanStore::FillStats(EngineStats* st) const {
  st->spans_appended = appended_;
  for (int i = 0; i < kSpanRejectReasonCount; ++i) st->spans_rejected[i] = rejected_[i];
  {
    std::lock_guard lock(mu_);
    st->spans_buffered = buffered_spans_ + flushing_spans_;
  }
  st->span_segments_written = segments_written_;
  uint64_t total = 0;
  for (rocksdb::ColumnFamilyHandle* cf : {h_.segment_cf, h_.data_cf, h_.index_cf}) {
    uint64_t v = 0;
    if (h_.db->GetIntProperty(cf, rocksdb::DB::Properties::kLiveSstFilesSize, &v)) total += v;
  }
  st->span_bytes = total;
}

}  // namespace tidemark::storage
