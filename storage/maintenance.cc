// Background work: checkpoints (head chunks -> stored blocks, then log truncation), retention
// (dropping whole partitions, expiring series) and deletes.
#include <rocksdb/convenience.h>

#include <algorithm>
#include <chrono>
#include <climits>

#include "storage/block_codec.h"
#include "storage/db_engine.h"
#include "storage/kv_layout.h"
#include "storage/label_codec.h"
#include "storage/partition_scan.h"
#include "storage/rocks_status.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace tidemark::storage {
namespace {

constexpr size_t kCheckpointBatchBytes = 8u << 20;
// Series a checkpoint snapshots and encodes at a time (Checkpoint).
constexpr size_t kCheckpointSliceSeries = 16384;

// Decodes the samples after `stored_through` of head chunks, appending to `out` (and possibly a
// few before it, which the caller drops). A chunk an earlier checkpoint kept open decodes from
// that checkpoint's mark (HeadChunk::MarkEnd): frequent checkpoints would otherwise decode every
// kept chunk from its start each time.
Status DecodeChunks(const std::vector<std::shared_ptr<const HeadChunk>>& chunks,
                    int64_t stored_through, std::vector<Sample>* out) {
  HeadChunkIterator it;
  for (const auto& c : chunks) {
    if (c->max_time() <= stored_through) continue;  // stored already
    if (stored_through != INT64_MIN) {
      it.ResetFrom(*c, stored_through + 1);
    } else {
      it.Reset(c->bytes(), c->num_samples());
    }
    while (it.Next()) out->push_back({it.t(), it.v()});
    if (!it.status().ok()) return it.status();
  }
  return Status::OK();
}

}  // namespace

Status DbEngine::Checkpoint() {
  // One series' snapshot, alive while its slice is encoded.
  struct Job {
    std::shared_ptr<MemSeries> series;
    // The closed chunks, then a copy of the open one if it stays in the head.
    std::vector<std::shared_ptr<const HeadChunk>> chunks;
    size_t closed = 0;                   // how many of `chunks` are closed chunks
    int64_t stored_through = INT64_MIN;  // samples up to here are stored already
    // The series record's bounds, as of the snapshot.
    int64_t min_time = 0, max_time = 0;
    uint64_t last_value_bits = 0;
  };
  // What releasing a stored series from the head needs, kept to the end of the checkpoint.
  struct Stored {
    std::shared_ptr<MemSeries> series;
    // The last of the closed chunks stored (null: none), held so that no other chunk can take its
    // address: finding it at index closed - 1 means the chunks before it are the ones stored.
    std::shared_ptr<const HeadChunk> last_closed;
    size_t closed = 0;
    int64_t newest = INT64_MIN;  // the newest sample stored
  };
  uint64_t closed_file;
  std::vector<std::shared_ptr<MemSeries>> all;
  {
    // With no commit in flight the head holds every sample the logs up to `closed_file` hold.
    // Chunks only gain samples until this checkpoint releases them (deletes and expiry wait for
    // maintenance_mu_, which the caller holds), so a series snapshotted after this holds at
    // least those. What it holds from the new log is stored too: after a crash the log's replay
    // puts it in the head again, and reads and partition compaction merge duplicate samples.
    std::unique_lock apply_lock(apply_mu_);
    std::lock_guard lock(commit_mu_);
    TM_ASSIGN_OR_RETURN(closed_file, wal_->Rotate());
    all = index_.All();
  }
  // Open chunks with a sample since then stay in the head (stored all the same): reads of the
  // last minutes of live series then find them in memory.
  const int64_t keep_after =
      options_.head_keep_recent_ms > 0 ? Now() - options_.head_keep_recent_ms : INT64_MAX;
  const int32_t dropped = dropped_below_.load();
  rocksdb::WriteBatch batch;
  // The checkpoint's writes skip RocksDB's own log: every sample they store is in ours until the
  // flush below has made them tables, and logging them twice cost a second copy of the data on
  // disk. The flush also empties the memtables they filled, which otherwise held up to 64 MiB
  // of already stored blocks (docs/benchmarks.md, issue 13).
  rocksdb::WriteOptions unlogged;
  unlogged.disableWAL = true;
  std::vector<Sample> samples, group;
  std::string record;
  std::vector<Stored> stored;
  // Room for every series at once: regrowing a million entries touched fresh memory each time.
  stored.reserve(all.size());
  // Series are snapshotted and encoded a slice at a time: a snapshot of every series at once
  // (a job and a copy of each kept open chunk) took 425 MB at 1,000,000 series.
  std::vector<Job> jobs;
  jobs.reserve(std::min(all.size(), kCheckpointSliceSeries));
  for (size_t slice = 0; slice < all.size(); slice += kCheckpointSliceSeries) {
    jobs.clear();
    const size_t slice_end = std::min(all.size(), slice + kCheckpointSliceSeries);
    for (size_t i = slice; i < slice_end; ++i) {
      std::shared_ptr<MemSeries>& s = all[i];
      std::lock_guard series_lock(s->mu);
      const bool keep_open = s->head.num_samples() > 0 && s->head.max_time() >= keep_after;
      if (s->head.num_samples() > 0 && !keep_open) {
        s->closed.push_back(std::make_shared<const HeadChunk>(std::move(s->head)));
        s->head = HeadChunk();
      }
      const bool store_open = keep_open && s->head.max_time() > s->stored_through;
      if (s->closed.empty() && !store_open) continue;
      Job& job = jobs.emplace_back();
      job.chunks = s->closed;
      job.closed = s->closed.size();
      if (store_open) {
        // The copy keeps the previous checkpoint's mark, where its decoding starts; reads of
        // what this stores take it from the blocks and decode the live chunk from the new mark.
        job.chunks.push_back(std::make_shared<const HeadChunk>(s->head));
        s->head.MarkEnd();
      }
      job.stored_through = s->stored_through;
      job.min_time = s->min_time;
      job.max_time = s->max_time;
      job.last_value_bits = s->last_value_bits;
      job.series = std::move(s);
    }
    for (Job& job : jobs) {
      samples.clear();
      TM_RETURN_IF_ERROR(DecodeChunks(job.chunks, job.stored_through, &samples));
      // What an earlier checkpoint stored of a chunk it kept open is not stored again.
      samples.erase(
          samples.begin(),
          std::upper_bound(samples.begin(), samples.end(), job.stored_through,
                           [](int64_t t, const Sample& a) { return t < a.timestamp_ms; }));
      Stored& done = stored.emplace_back();
      if (!samples.empty()) done.newest = samples.back().timestamp_ms;
      if (job.closed > 0) done.last_closed = job.chunks[job.closed - 1];
      done.closed = job.closed;
      // One block per partition the checkpointed samples fall in.
      size_t begin = 0;
      while (begin < samples.size()) {
        const int32_t p = PartitionOf(samples[begin].timestamp_ms, partition_duration_ms_);
        size_t end = begin + 1;
        while (end < samples.size() &&
               PartitionOf(samples[end].timestamp_ms, partition_duration_ms_) == p)
          ++end;
        if (p >= dropped) {
          for (const auto& [from, to] : BlockRanges(end - begin)) {
            group.assign(samples.begin() + begin + from, samples.begin() + begin + to);
            batch.Put(
                chunks_cf_,
                ChunkKey(p, job.series->metric_group, job.series->id, group.front().timestamp_ms),
                EncodeBlock(job.series->id, group));
          }
        }
        begin = end;
      }
      record.clear();
      const auto& labels = job.series->labels;
      EncodeLabelsFrom(
          labels.size(),
          [&](size_t i) {
            return std::pair<std::string_view, std::string_view>(labels[i]->name, labels[i]->value);
          },
          &record);
      EncodeSeriesRecordBounds(job.min_time, job.max_time, job.last_value_bits, &record);
      batch.Put(series_cf_, SeriesKey(job.series->id), record);
      done.series = std::move(job.series);
      if (batch.GetDataSize() >= kCheckpointBatchBytes) {
        TM_RETURN_IF_ERROR(FromRocks(db_->Write(unlogged, &batch), "checkpoint write"));
        batch.Clear();
      }
    }
  }
  jobs.clear();
  all.clear();
  std::string next_id;
  util::PutFixed64(&next_id, next_series_id_.load());
  batch.Put(meta_cf_, kMetaNextSeriesId, next_id);
  TM_RETURN_IF_ERROR(FromRocks(db_->Write(unlogged, &batch), "checkpoint write"));
  // Durable once flushed. The flush is atomic (DBOptions::atomic_flush), so a crash leaves the
  // tables holding a prefix of the checkpoint's writes, as a synced log did; our log, not yet
  // truncated, holds the rest.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  TM_RETURN_IF_ERROR(
      FromRocks(db_->Flush(flush, {chunks_cf_, series_cf_, meta_cf_}), "checkpoint flush"));

  // Stored now: release the chunks from the head and the logs that held them. Closed chunks are
  // only appended, or replaced all at once when a late sample rebuilds a series' chunks: if the
  // last one stored is still where it was, those before it are the ones stored.
  for (Stored& done : stored) {
    std::lock_guard lock(done.series->mu);
    done.series->stored_through = std::max(done.series->stored_through, done.newest);
    auto& closed = done.series->closed;
    if (done.closed > 0 && closed.size() >= done.closed &&
        closed[done.closed - 1] == done.last_closed) {
      closed.erase(closed.begin(), closed.begin() + static_cast<std::ptrdiff_t>(done.closed));
    }
  }
  TM_RETURN_IF_ERROR(wal_->RemoveFilesUpTo(closed_file));
  ++checkpoints_;
  last_checkpoint_ms_ = Now();
  return Status::OK();
}

Status DbEngine::DropPartitionsBelow(int32_t partition) {
  if (partition <= dropped_below_.load()) return Status::OK();
  // Persist the boundary first: from here on no read returns data below it, even after a restart
  // that happens before the space is reclaimed.
  rocksdb::WriteOptions sync;
  sync.sync = true;
  TM_RETURN_IF_ERROR(
      FromRocks(db_->Put(sync, meta_cf_, kMetaDroppedBelow, EncodeOrderedInt32(partition)),
                "record dropped partitions"));
  const int32_t previous = dropped_below_.exchange(partition);

  const std::string begin = PartitionKeyPrefix(previous);
  const std::string end = PartitionKeyPrefix(partition);
  uint64_t dropped = 0;
  {
    rocksdb::ReadOptions ro;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, chunks_cf_));
    for (it->Seek(begin); it->Valid() && it->key().compare(end) < 0;) {
      ++dropped;
      const int32_t p = DecodeOrderedInt32(it->key().data());
      if (p == INT32_MAX) break;
      it->Seek(PartitionKeyPrefix(p + 1));
    }
  }
  const rocksdb::Slice b(begin), e(end);
  TM_RETURN_IF_ERROR(
      FromRocks(rocksdb::DeleteFilesInRange(db_, chunks_cf_, &b, &e), "drop partition files"));
  TM_RETURN_IF_ERROR(
      FromRocks(db_->DeleteRange(rocksdb::WriteOptions(), chunks_cf_, b, e), "drop partitions"));
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  TM_RETURN_IF_ERROR(
      FromRocks(db_->CompactRange(cro, chunks_cf_, &b, &e), "compact dropped range"));
  partitions_dropped_ += dropped;
  return Status::OK();
}

Status DbEngine::CollectExpiredSeries(int64_t cutoff) {
  std::vector<uint64_t> expired;
  {
    std::unique_lock apply_lock(apply_mu_);
    std::lock_guard lock(commit_mu_);
    for (const auto& s : index_.All()) {
      std::lock_guard series_lock(s->mu);
      // Series with no sample at all were created by an appender that never committed them.
      if (s->max_time < cutoff || s->max_time == INT64_MIN) {
        s->removed = true;
        expired.push_back(s->id);
      }
    }
    for (uint64_t id : expired) index_.Remove(id);
  }
  if (expired.empty()) return Status::OK();
  rocksdb::WriteBatch batch;
  for (uint64_t id : expired) batch.Delete(series_cf_, SeriesKey(id));
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "delete expired series");
}

Status DbEngine::EnforceRetention() {
  const int64_t cutoff = RetentionCutoff();
  if (cutoff != INT64_MIN) {
    TM_RETURN_IF_ERROR(DropPartitionsBelow(PartitionOf(cutoff, partition_duration_ms_)));
    TM_RETURN_IF_ERROR(DropExemplarsBelow(PartitionOf(cutoff, partition_duration_ms_)));
  }
  if (options_.retention_bytes > 0) {
    // Drop the oldest partition while the stored data is over the size limit, always keeping
    // the newest stored partition.
    for (int round = 0; round < 1000; ++round) {
      uint64_t live = 0, mem = 0;
      db_->GetIntProperty(chunks_cf_, rocksdb::DB::Properties::kLiveSstFilesSize, &live);
      db_->GetIntProperty(chunks_cf_, rocksdb::DB::Properties::kCurSizeAllMemTables, &mem);
      if (live + mem <= options_.retention_bytes) break;
      rocksdb::ReadOptions ro;
      ro.total_order_seek = true;
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, chunks_cf_));
      it->SeekToLast();
      if (!it->Valid()) break;
      const int32_t newest = DecodeOrderedInt32(it->key().data());
      it->Seek(PartitionKeyPrefix(dropped_below_.load()));
      if (!it->Valid()) break;
      const int32_t oldest = DecodeOrderedInt32(it->key().data());
      if (oldest >= newest) break;
      it.reset();
      TM_RETURN_IF_ERROR(DropPartitionsBelow(oldest + 1));
    }
  }
  int64_t visible = VisibleMinTime();
  if (visible != INT64_MIN) TM_RETURN_IF_ERROR(CollectExpiredSeries(visible));
  return Status::OK();
}

Result<uint64_t> DbEngine::DeleteSeries(const std::vector<LabelMatcher>& matchers, int64_t mint,
                                        int64_t maxt) {
  auto compiled = CompileMatchers(matchers);
  if (!compiled.ok()) return compiled.status();
  if (std::all_of(compiled->begin(), compiled->end(),
                  [](const CompiledMatcher& m) { return m.MatchesEmpty(); })) {
    return Status::InvalidArgument(
        "delete needs at least one matcher that does not match the empty string");
  }
  if (mint > maxt) return Status::InvalidArgument("delete range start is after its end");
  std::lock_guard maintenance(maintenance_mu_);
  std::vector<uint64_t> ids;
  for (const auto& s : index_.Select(*compiled)) ids.push_back(s->id);
  if (ids.empty()) return uint64_t{0};
  std::string record;
  util::PutVarintSigned64(&record, mint);
  util::PutVarintSigned64(&record, maxt);
  util::PutVarint64(&record, ids.size());
  for (uint64_t id : ids) util::PutVarint64(&record, id);
  uint64_t lsn;
  {
    std::lock_guard lock(commit_mu_);
    TM_ASSIGN_OR_RETURN(lsn, wal_->Append(WalRecordType::kDelete, record));
  }
  TM_RETURN_IF_ERROR(wal_->WaitDurable(lsn));
  TM_RETURN_IF_ERROR(DeleteRange(ids, mint, maxt));
  return static_cast<uint64_t>(ids.size());
}

Status DbEngine::DeleteRange(const std::vector<uint64_t>& ids, int64_t mint, int64_t maxt) {
  rocksdb::WriteBatch batch;
  std::vector<Sample> samples;
  for (uint64_t id : ids) {
    auto s = index_.FindById(id);
    if (!s) continue;
    int64_t series_min, series_max;
    bool whole_series;
    {
      std::lock_guard lock(s->mu);
      series_min = s->min_time;
      series_max = s->max_time;
      whole_series = mint <= series_min && maxt >= series_max;
      // Rewrite the head without the deleted samples.
      std::vector<std::shared_ptr<const HeadChunk>> chunks = s->closed;
      if (s->head.num_samples() > 0) chunks.push_back(std::make_shared<const HeadChunk>(s->head));
      samples.clear();
      TM_RETURN_IF_ERROR(DecodeChunks(chunks, INT64_MIN, &samples));  // all of them
      s->closed.clear();
      s->head = HeadChunk();
      for (const Sample& smp : samples) {
        if (smp.timestamp_ms >= mint && smp.timestamp_ms <= maxt) continue;
        HeadChunk& head = s->head;
        if (head.num_samples() > 0 && (head.num_samples() >= options_.samples_per_chunk ||
                                       PartitionOf(smp.timestamp_ms, partition_duration_ms_) !=
                                           PartitionOf(head.min_time(), partition_duration_ms_))) {
          s->closed.push_back(std::make_shared<const HeadChunk>(std::move(head)));
          head = HeadChunk();
        }
        head.Append(smp.timestamp_ms, smp.value);
      }
      if (whole_series) s->removed = true;
    }
    if (series_max != INT64_MIN) {
      TM_RETURN_IF_ERROR(DeleteStoredRange(s->metric_group, id, std::max(mint, series_min),
                                           std::min(maxt, series_max), &batch));
    }
    if (whole_series) {
      index_.Remove(id);
      batch.Delete(series_cf_, SeriesKey(id));
    }
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return FromRocks(db_->Write(sync, &batch), "delete series data");
}

Status DbEngine::DeleteStoredRange(uint32_t group, uint64_t id, int64_t mint, int64_t maxt,
                                   rocksdb::WriteBatch* batch) {
  if (mint > maxt) return Status::OK();
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, chunks_cf_));
  std::vector<Sample> samples, kept;
  TM_ASSIGN_OR_RETURN(
      const std::vector<int32_t> partitions,
      PartitionsWithKeys(db_, chunks_cf_,
                         std::max(PartitionOf(mint, partition_duration_ms_), dropped_below_.load()),
                         PartitionOf(maxt, partition_duration_ms_)));
  for (const int32_t p : partitions) {
    const std::string prefix = ChunkKeyPrefix(p, group, id);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      BlockHeader h;
      samples.clear();
      Status s =
          DecodeBlock(std::string_view(it->value().data(), it->value().size()), &h, &samples);
      if (!s.ok()) return s;
      if (h.max_time < mint || h.min_time > maxt) continue;
      batch->Delete(chunks_cf_, it->key());
      kept.clear();
      for (const Sample& smp : samples) {
        if (smp.timestamp_ms < mint || smp.timestamp_ms > maxt) kept.push_back(smp);
      }
      if (!kept.empty())
        batch->Put(chunks_cf_, ChunkKey(p, group, id, kept.front().timestamp_ms),
                   EncodeBlock(id, kept));
    }
    if (!it->status().ok()) return FromRocks(it->status(), "read chunks for delete");
  }
  return Status::OK();
}

Status DbEngine::CompactPartition(int32_t partition) {
  const std::string begin = PartitionKeyPrefix(partition);
  const std::string end =
      partition == INT32_MAX ? std::string(5, '\xff') : PartitionKeyPrefix(partition + 1);
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  const rocksdb::Slice upper(end);
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, chunks_cf_));
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions no_sync;
  std::vector<std::pair<std::string, std::string>> group;
  std::vector<Sample> merged, block;
  uint32_t group_metric = 0;
  uint64_t group_series = 0;
  bool rewrote = false;

  // Replaces a series' blocks in this partition by one; damaged blocks leave the group as it is,
  // for reads to report.
  auto flush_group = [&]() -> Status {
    if (group.size() < 2) return Status::OK();
    merged.clear();
    for (const auto& [key, value] : group) {
      BlockHeader h;
      if (!DecodeBlock(value, &h, &merged).ok()) return Status::OK();
    }
    std::stable_sort(merged.begin(), merged.end(), [](const Sample& a, const Sample& b) {
      return a.timestamp_ms < b.timestamp_ms;
    });
    merged.erase(std::unique(merged.begin(), merged.end(),
                             [](const Sample& a, const Sample& b) {
                               return a.timestamp_ms == b.timestamp_ms;
                             }),
                 merged.end());
    for (const auto& [key, value] : group) batch.Delete(chunks_cf_, key);
    // One block, unless the partition holds more samples than a block may.
    for (const auto& [from, to] : BlockRanges(merged.size())) {
      block.assign(merged.begin() + from, merged.begin() + to);
      batch.Put(chunks_cf_,
                ChunkKey(partition, group_metric, group_series, block.front().timestamp_ms),
                EncodeBlock(group_series, block));
    }
    rewrote = true;
    if (batch.GetDataSize() >= kCheckpointBatchBytes) {
      TM_RETURN_IF_ERROR(FromRocks(db_->Write(no_sync, &batch), "compaction write"));
      batch.Clear();
    }
    return Status::OK();
  };

  for (it->Seek(begin); it->Valid(); it->Next()) {
    ChunkKeyParts parts;
    if (!ParseChunkKey(std::string_view(it->key().data(), it->key().size()), &parts)) continue;
    if (parts.series_id != group_series || parts.group != group_metric || group.empty()) {
      TM_RETURN_IF_ERROR(flush_group());
      group.clear();
      group_metric = parts.group;
      group_series = parts.series_id;
    }
    group.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read partition for compaction");
  TM_RETURN_IF_ERROR(flush_group());
  if (!rewrote) return Status::OK();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  TM_RETURN_IF_ERROR(FromRocks(db_->Write(sync, &batch), "compaction write"));
  // Rewrite the partition's files so the replaced blocks stop taking space.
  const rocksdb::Slice b(begin), e(end);
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  TM_RETURN_IF_ERROR(
      FromRocks(db_->CompactRange(cro, chunks_cf_, &b, &e), "compact partition files"));
  ++partitions_compacted_;
  return Status::OK();
}

Status DbEngine::CompactPartitionsBelow(int32_t partition) {
  // Only partitions holding data: walk them by seeking from one partition prefix to the next.
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::vector<int32_t> partitions;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, chunks_cf_));
    for (it->Seek(PartitionKeyPrefix(std::max(compacted_below_, dropped_below_.load())));
         it->Valid();) {
      const int32_t p = DecodeOrderedInt32(it->key().data());
      if (p >= partition) break;
      partitions.push_back(p);
      if (p == INT32_MAX) break;
      it->Seek(PartitionKeyPrefix(p + 1));
    }
  }
  for (int32_t p : partitions) TM_RETURN_IF_ERROR(CompactPartition(p));
  return Status::OK();
}

Status DbEngine::Compact(int64_t before_ms) {
  std::lock_guard lock(maintenance_mu_);
  // Partitions that end at or before `before_ms`.
  const int32_t below =
      before_ms == INT64_MAX ? INT32_MAX : PartitionOf(before_ms, partition_duration_ms_);
  const int32_t saved = compacted_below_;
  compacted_below_ = INT32_MIN;  // an explicit call looks at every partition again
  Status s = CompactPartitionsBelow(below);
  if (s.ok()) {
    // Checkpoints rewrite series records; drop their old versions too.
    rocksdb::CompactRangeOptions cro;
    cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    s = FromRocks(db_->CompactRange(cro, series_cf_, nullptr, nullptr), "compact series records");
  }
  // The background pass goes on from where it was: it still has to see partitions that are
  // not closed yet, even if this call compacted them early.
  compacted_below_ = saved;
  return s;
}

Status DbEngine::Flush() {
  TM_RETURN_IF_ERROR(spans_->Flush());
  std::lock_guard lock(maintenance_mu_);
  TM_RETURN_IF_ERROR(Checkpoint());
  // Also move RocksDB's memtables into segment files, so that what is on disk is what is stored
  // (operators take backups of the files; benchmarks measure their size).
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return FromRocks(db_->Flush(fo, handles_), "flush segments");
}

Status DbEngine::RunMaintenance() {
  Status s = RunMaintenancePass();
  bg_errors_.Record(kMaintenanceJob, s);
  return s;
}

Status DbEngine::BackgroundErrorForWrites() const {
  Status s = bg_errors_.Of(kMaintenanceJob);
  if (s.ok()) return s;
  return Status::Unavailable("writes are refused until background work succeeds again: " +
                             s.message());
}

Status DbEngine::RunMaintenancePass() {
  // A log that failed a write is recovered here too, so that it does not wait for a commit.
  if (log_needs_recovery_.load() || wal_->failed()) TM_RETURN_IF_ERROR(RecoverLog());
  TM_RETURN_IF_ERROR(spans_->EnforceRetention());
  std::lock_guard lock(maintenance_mu_);
  TM_RETURN_IF_ERROR(EnforceRetention());
  const bool wal_full = wal_->live_bytes() >= options_.checkpoint_wal_bytes;
  const bool timer = options_.checkpoint_interval_ms > 0 &&
                     Now() - last_checkpoint_ms_ >= options_.checkpoint_interval_ms;
  if (wal_full || timer) TM_RETURN_IF_ERROR(Checkpoint());
  // Compact partitions that ended at least a partition width ago: by then their head data has
  // been checkpointed (late samples still may add a block, which a later call merges in).
  const int32_t below = PartitionOf(Now(), partition_duration_ms_) - 1;
  if (below > compacted_below_) {
    TM_RETURN_IF_ERROR(CompactPartitionsBelow(below));
    compacted_below_ = below;
    rocksdb::WriteOptions wo;
    TM_RETURN_IF_ERROR(
        FromRocks(db_->Put(wo, meta_cf_, kMetaCompactedBelow, EncodeOrderedInt32(below)),
                  "record compacted partitions"));
  }
  return Status::OK();
}

void DbEngine::WakeMaintenanceIfLogFull(uint64_t lsn) {
  // Between two ticks a burst can take the log past twice the default threshold (at 2.4 M
  // samples/s the log grows about 30 MB a second), and the head holds every sample since the
  // last checkpoint. Looking at the size takes the log's lock, so only every eighth of it.
  if (lsn < next_log_size_check_lsn_) return;
  next_log_size_check_lsn_ = lsn + std::max<uint64_t>(options_.checkpoint_wal_bytes / 8, 1);
  if (wal_->live_bytes() < options_.checkpoint_wal_bytes) return;
  {
    std::lock_guard lock(loop_mu_);
    maintenance_wanted_ = true;
  }
  loop_cv_.notify_one();
}

void DbEngine::MaintenanceLoop() {
  std::unique_lock lock(loop_mu_);
  while (!closing_) {
    loop_cv_.wait_for(lock, std::chrono::milliseconds(options_.maintenance_interval_ms),
                      [&] { return closing_.load() || maintenance_wanted_; });
    if (closing_) break;
    maintenance_wanted_ = false;
    lock.unlock();
    // A failed pass is kept as the background error (refusing writes, shown in stats and
    // readiness) and retried on the next tick.
    RunMaintenance().IgnoreError();  // recorded in bg_errors_ by RunMaintenance
    lock.lock();
  }
}

}  // namespace tidemark::storage
