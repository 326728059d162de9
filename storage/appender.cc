// The write path: HeadAppender collects samples; DbEngine::CommitBatch applies them to the head
// and logs them under the commit lock, then waits for the log to be durable.
#include <algorithm>
#include <climits>

#include "storage/db_engine.h"
#include "storage/kv_layout.h"
#include "storage/label_codec.h"
#include "util/coding.h"
#include "util/status_macros.h"
#include "util/utf8.h"

namespace tidemark::storage {
namespace {

constexpr size_t kMaxReportedRejections = 8;
constexpr size_t kPrefetchDistance = 6;

class HeadAppender final : public Appender {
 public:
  explicit HeadAppender(DbEngine* engine) : engine_(engine) {}

  SeriesRef Add(const Labels& labels, int64_t timestamp_ms, double value) override {
    RejectReason reason;
    std::string why;
    auto series = engine_->GetOrCreateSeries(labels, &reason, &why);
    if (!series) {
      engine_->RecordRejection(&report_, reason, [&] { return labels.ToString() + ": " + why; });
      return 0;
    }
    const SeriesRef ref = series->id;
    batch_.push_back({std::move(series), timestamp_ms, value});
    return ref;
  }

  SeriesRef Add(SeriesRef ref, int64_t timestamp_ms, double value) override {
    auto series = engine_->SeriesById(ref);
    if (!series) {
      engine_->RecordRejection(&report_, RejectReason::kUnknownSeriesRef, [&] {
        return "series ref " + std::to_string(ref) + " is not known (deleted or expired)";
      });
      return 0;
    }
    batch_.push_back({std::move(series), timestamp_ms, value});
    return ref;
  }

  SeriesRef TryAdd(SeriesRef ref, int64_t timestamp_ms, double value) override {
    auto series = engine_->SeriesById(ref);
    if (!series) return 0;
    batch_.push_back({std::move(series), timestamp_ms, value});
    return ref;
  }

  Result<CommitReport> Commit() override { return CommitWith(true); }
  Result<CommitReport> CommitUnsynced() override { return CommitWith(false); }

  void Rollback() override {
    batch_.clear();
    report_ = CommitReport();
  }

 private:
  Result<CommitReport> CommitWith(bool wait_durable) {
    CommitReport report = std::move(report_);
    report_ = CommitReport();
    Status s = engine_->CommitBatch(batch_, &report, wait_durable);
    batch_.clear();
    if (!s.ok()) return s;
    return report;
  }

  DbEngine* engine_;
  std::vector<DbEngine::PendingSample> batch_;
  CommitReport report_;
};

}  // namespace

std::unique_ptr<Appender> DbEngine::NewAppender() { return std::make_unique<HeadAppender>(this); }

void DbEngine::RecordRejection(CommitReport* report, RejectReason reason,
                               absl::FunctionRef<std::string()> why) {
  ++report->rejected;
  ++report->rejected_by_reason[static_cast<int>(reason)];
  ++samples_rejected_[static_cast<int>(reason)];
  if (report->first_rejections.size() < kMaxReportedRejections) {
    report->first_rejections.push_back(util::Abbreviate(
        std::string(RejectReasonName(reason)) + ": " + why(), util::kMaxRejectionMessageBytes));
  }
}

std::shared_ptr<MemSeries> DbEngine::GetOrCreateSeries(const Labels& labels, RejectReason* reason,
                                                       std::string* why) {
  const uint64_t hash = HashLabels(labels);
  if (auto s = index_.Find(labels, hash)) return s;
  Status valid = ValidateLabels(labels, options_.limits);
  if (!valid.ok()) {
    *reason = valid.code() == StatusCode::kResourceExhausted ? RejectReason::kLimitExceeded
                                                             : RejectReason::kInvalidLabels;
    *why = valid.message();
    return nullptr;
  }
  bool created = false;
  const uint64_t max_active_series = max_active_series_.load(std::memory_order_relaxed);
  auto s = index_.GetOrCreate(
      labels, hash, max_active_series, [this] { return next_series_id_.fetch_add(1); }, &created);
  if (!s) {
    *reason = RejectReason::kLimitExceeded;
    *why = "max_active_series=" + std::to_string(max_active_series) + " reached";
  }
  return s;
}

AppendOutcome DbEngine::AcceptSample(MemSeries* s, int64_t t, double v, int64_t min_valid_time,
                                     int64_t max_valid_time, RejectReason* reason) {
  if (t < min_valid_time) {
    *reason = RejectReason::kTooOld;
    return AppendOutcome::kRejected;
  }
  if (t > max_valid_time || t < MinStorableTime(partition_duration_ms_)) {
    *reason = RejectReason::kOutOfBounds;
    return AppendOutcome::kRejected;
  }
  if (s->removed.load(std::memory_order_relaxed)) {
    *reason = RejectReason::kUnknownSeriesRef;
    return AppendOutcome::kRejected;
  }
  const uint64_t bits = util::DoubleBits(v);
  if (t <= s->accepted_max_time) {
    if (t == s->accepted_max_time) {
      if (bits == s->accepted_last_bits) return AppendOutcome::kIgnoredDuplicate;
      *reason = RejectReason::kDuplicateTimestamp;
    } else {
      *reason = RejectReason::kOutOfOrder;
    }
    return AppendOutcome::kRejected;
  }
  s->accepted_max_time = t;
  s->accepted_last_bits = bits;
  return AppendOutcome::kAccepted;
}

namespace {

void CutIfNeeded(MemSeries* s, int64_t t, uint32_t samples_per_chunk, int64_t partition_duration) {
  HeadChunk& head = s->head;
  if (head.num_samples() > 0 &&
      (head.num_samples() >= samples_per_chunk ||
       PartitionOf(t, partition_duration) != PartitionOf(head.min_time(), partition_duration))) {
    head.ShrinkToFit();  // it waits in memory until the next checkpoint
    s->closed.push_back(std::make_shared<const HeadChunk>(std::move(head)));
    head = HeadChunk();
  }
}

}  // namespace

void DbEngine::AppendToChunks(MemSeries* s, int64_t t, double v) {
  std::lock_guard lock(s->mu);
  if (t > s->max_time) {
    CutIfNeeded(s, t, options_.samples_per_chunk, partition_duration_ms_);
    s->head.Append(t, v);
    if (t < s->min_time) s->min_time = t;
    s->max_time = t;
    s->last_value_bits = util::DoubleBits(v);
    return;
  }
  // Two commits of the same series raced between acceptance and this append, and the later one
  // got here first. Rare: rebuild the head chunks with the sample in its place.
  std::vector<Sample> samples;
  std::vector<std::shared_ptr<const HeadChunk>> chunks = s->closed;
  if (s->head.num_samples() > 0) chunks.push_back(std::make_shared<const HeadChunk>(s->head));
  for (const auto& c : chunks) {
    HeadChunkIterator it(c->bytes(), c->num_samples());
    while (it.Next()) samples.push_back({it.t(), it.v()});
  }
  auto pos = std::lower_bound(samples.begin(), samples.end(), t,
                              [](const Sample& a, int64_t b) { return a.timestamp_ms < b; });
  if (pos != samples.end() && pos->timestamp_ms == t) return;  // accepted twice: cannot happen
  samples.insert(pos, {t, v});
  s->closed.clear();
  s->head = HeadChunk();
  for (const Sample& smp : samples) {
    CutIfNeeded(s, smp.timestamp_ms, options_.samples_per_chunk, partition_duration_ms_);
    s->head.Append(smp.timestamp_ms, smp.value);
  }
  if (t < s->min_time) s->min_time = t;
}

Status DbEngine::CommitBatch(std::vector<PendingSample>& batch, CommitReport* report,
                             bool wait_durable) {
  if (batch.size() > options_.limits.max_samples_per_commit) {
    return Status::ResourceExhausted("commit of " + std::to_string(batch.size()) +
                                     " samples over max_samples_per_commit=" +
                                     std::to_string(options_.limits.max_samples_per_commit));
  }
  if (closing_) return Status::Unavailable("engine is closing");
  if (batch.empty()) return Status::OK();
  TM_RETURN_IF_ERROR(BackgroundErrorForWrites());
  if (log_needs_recovery_.load() || wal_->failed()) TM_RETURN_IF_ERROR(RecoverLog());

  std::string series_section;
  std::string sample_section;
  sample_section.reserve(batch.size() * 12);
  uint64_t n_series = 0, n_logged_samples = 0;
  std::vector<MemSeries*> newly_logged;
  uint64_t lsn = 0;
  // Samples accepted under the commit lock, appended to chunks once they are durable.
  std::vector<PendingSample*> accepted;
  accepted.reserve(batch.size());
  bool saw_duplicate = false;
  // Held until the samples are in chunks: a checkpoint must not rotate the log between this
  // batch's record and its samples reaching the head.
  std::shared_lock apply_lock(apply_mu_);
  {
    std::lock_guard lock(commit_mu_);
    const int64_t min_valid = RetentionCutoff();
    const int64_t max_valid = MaxValidTime();
    int64_t prev_t = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      // Series are scattered in memory; fetch a few ahead to overlap the cache misses.
      if (i + kPrefetchDistance < batch.size())
        __builtin_prefetch(batch[i + kPrefetchDistance].series.get());
      PendingSample& p = batch[i];
      MemSeries* s = p.series.get();
      RejectReason reason;
      const AppendOutcome outcome = AcceptSample(s, p.t, p.v, min_valid, max_valid, &reason);
      if (outcome == AppendOutcome::kRejected) {
        RecordRejection(report, reason, [&] {
          std::string why = s->ToLabels().ToString() + " @" + std::to_string(p.t);
          if (reason == RejectReason::kOutOfBounds) {
            why += p.t > max_valid
                       ? " is more than max_future=" + std::to_string(options_.max_future_ms) +
                             "ms after now; timestamps are Unix milliseconds"
                       : " is before the earliest storable time";
          }
          return why;
        });
        continue;
      }
      ++report->accepted;
      if (outcome == AppendOutcome::kIgnoredDuplicate) {
        saw_duplicate = true;
        continue;
      }
      accepted.push_back(&p);
      if (!s->logged) {
        // The definition goes into the same record as the first samples that need it.
        s->logged = true;
        newly_logged.push_back(s);
        util::PutVarint64(&series_section, s->id);
        EncodeLabels(s->ToLabels(), &series_section);
        ++n_series;
      }
      util::PutVarint64(&sample_section, s->id);
      util::PutVarintSigned64(&sample_section, p.t - prev_t);
      util::PutFixed64(&sample_section, util::DoubleBits(p.v));
      prev_t = p.t;
      ++n_logged_samples;
    }
    if (n_logged_samples > 0) {
      std::string record;
      record.reserve(series_section.size() + sample_section.size() + 20);
      util::PutVarint64(&record, n_series);
      record += series_section;
      util::PutVarint64(&record, n_logged_samples);
      record += sample_section;
      auto appended = wal_->Append(WalRecordType::kCommit, record, /*sync_now=*/wait_durable);
      if (!appended.ok()) {
        // Nothing of the batch is in the log; the next commit rolls back what acceptance moved.
        log_needs_recovery_ = true;
        return storage::LogWriteFailed("write-ahead log", appended.status());
      }
      lsn = *appended;
      WakeMaintenanceIfLogFull(lsn);
    }
    // A sample ignored as a duplicate of an accepted one is stored only once that one is:
    // wait for every record appended so far.
    if (saw_duplicate) lsn = std::max(lsn, wal_->last_lsn());
  }
  // Unsynced: visible now, durable with the log's next sync. Should that sync fail, the next
  // commit recovers the log (RecoverLog) and these samples stay in the head only.
  if (lsn != 0 && wait_durable) {
    Status durable = wal_->WaitDurable(lsn);
    if (!durable.ok()) {
      // Not in the log, so nothing of the batch becomes visible ("an error means nothing was
      // stored"). The log refuses appends until the next commit recovers it (RecoverLog).
      log_needs_recovery_ = true;
      return storage::LogWriteFailed("write-ahead log", durable);
    }
  }
  for (size_t i = 0; i < accepted.size(); ++i) {
    if (i + kPrefetchDistance < accepted.size()) {
      const MemSeries* next = accepted[i + kPrefetchDistance]->series.get();
      __builtin_prefetch(&next->head);
      __builtin_prefetch(next->head.bytes().data() + next->head.bytes().size());
    }
    AppendToChunks(accepted[i]->series.get(), accepted[i]->t, accepted[i]->v);
  }
  apply_lock.unlock();
  samples_appended_ += n_logged_samples;
  return Status::OK();
}

Status DbEngine::RecoverLog() {
  std::unique_lock apply_lock(apply_mu_);  // no commit in flight
  std::lock_guard lock(commit_mu_);
  if (!log_needs_recovery_.load() && !wal_->failed()) return Status::OK();  // done by another
  Status s = wal_->Recover();
  if (!s.ok()) return storage::LogWriteFailed("write-ahead log", s);
  // The head holds exactly the acknowledged samples. Acceptance moved ahead for samples whose
  // records failed, and series definitions may have been in those records: reset both.
  for (const auto& series : index_.All()) {
    std::lock_guard series_lock(series->mu);
    series->accepted_max_time = series->max_time;
    series->accepted_last_bits = series->last_value_bits;
    series->logged = false;
  }
  log_needs_recovery_ = false;
  return Status::OK();
}

}  // namespace tidemark::storage
