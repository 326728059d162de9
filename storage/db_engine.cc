#include "storage/db_engine.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

#include "storage/block_codec.h"
#include "storage/kv_layout.h"
#include "storage/label_codec.h"
#include "storage/rocks_status.h"
#include "util/coding.h"
#include "util/status_macros.h"
#include "util/thread_pool.h"

namespace tidemark {

bool IsStaleMarker(double value) { return util::DoubleBits(value) == kStaleMarkerBits; }
double StaleMarker() { return util::BitsToDouble(kStaleMarkerBits); }

std::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kOutOfOrder:
      return "out_of_order";
    case RejectReason::kDuplicateTimestamp:
      return "duplicate_timestamp";
    case RejectReason::kTooOld:
      return "too_old";
    case RejectReason::kInvalidLabels:
      return "invalid_labels";
    case RejectReason::kLimitExceeded:
      return "limit_exceeded";
    case RejectReason::kUnknownSeriesRef:
      return "unknown_series_ref";
    case RejectReason::kOutOfBounds:
      return "out_of_bounds";
  }
  return "unknown";
}

std::string_view SpanRejectReasonName(SpanRejectReason reason) {
  switch (reason) {
    case SpanRejectReason::kInvalidTraceId:
      return "invalid_trace_id";
    case SpanRejectReason::kInvalidSpanId:
      return "invalid_span_id";
    case SpanRejectReason::kEndBeforeStart:
      return "end_before_start";
    case SpanRejectReason::kTooOld:
      return "too_old";
    case SpanRejectReason::kOutOfBounds:
      return "out_of_bounds";
  }
  return "unknown";
}

Result<std::unique_ptr<Engine>> Engine::Open(const Options& options, const std::string& path) {
  return storage::DbEngine::OpenDb(options, path);
}

namespace storage {
namespace {

Status ValidateOptions(const Options& o) {
  auto bad = [](const std::string& field, const std::string& why) {
    return Status::InvalidArgument("option " + field + ": " + why);
  };
  if (o.partition_duration_ms < 60'000 || o.partition_duration_ms > 7LL * 24 * 3600 * 1000) {
    return bad("partition_duration_ms", "must be between 1 minute and 7 days, got " +
                                            std::to_string(o.partition_duration_ms));
  }
  if (o.retention_ms < 0) return bad("retention_ms", "must not be negative");
  if (o.max_future_ms < 60'000 || o.max_future_ms > 365LL * 24 * 3600 * 1000) {
    return bad("max_future_ms",
               "must be between 1 minute and 365 days, got " + std::to_string(o.max_future_ms));
  }
  if (o.head_keep_recent_ms < 0) {
    return bad("head_keep_recent_ms",
               "must be 0 (off) or positive, got " + std::to_string(o.head_keep_recent_ms));
  }
  if (o.samples_per_chunk < 16 || o.samples_per_chunk > 4096) {
    return bad("samples_per_chunk",
               "must be between 16 and 4096, got " + std::to_string(o.samples_per_chunk));
  }
  if (o.group_commit_interval_ms > 1000) {
    return bad("group_commit_interval_ms", "must be between 0 and 1000");
  }
  if (o.unsynced_commit_delay_ms > 60'000) {
    return bad("unsynced_commit_delay_ms", "must be between 0 and 60000");
  }
  if (o.zstd_level < 1 || o.zstd_level > 19) return bad("zstd_level", "must be between 1 and 19");
  if (o.read_threads > 64) return bad("read_threads", "must be at most 64");
  if (o.span_flush_threads > 64) return bad("span_flush_threads", "must be at most 64");
  if (o.checkpoint_wal_bytes < (1u << 20))
    return bad("checkpoint_wal_bytes", "must be at least 1 MiB");
  if (o.limits.max_labels_per_series < 1 || o.limits.max_labels_per_series > 1024) {
    return bad("limits.max_labels_per_series", "must be between 1 and 1024");
  }
  return Status::OK();
}

class DiscardingLogger final : public rocksdb::Logger {
 public:
  DiscardingLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::FATAL_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

}  // namespace

DbEngine::DbEngine(const Options& options, std::string path)
    : options_(options),
      path_(std::move(path)),
      partition_duration_ms_(options.partition_duration_ms),
      bg_errors_(options.on_background_error),
      index_(options.selection_cache_bytes),
      max_active_series_(options.limits.max_active_series) {}

Result<std::unique_ptr<Engine>> DbEngine::OpenDb(const Options& options, const std::string& path) {
  TM_RETURN_IF_ERROR(ValidateOptions(options));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (!options.create_if_missing)
      return Status::NotFound("data directory " + path + " does not exist");
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::IOError("mkdir " + path + ": " + std::strerror(errno));
    }
  }
  std::unique_ptr<DbEngine> engine(new DbEngine(options, path));
  TM_ASSIGN_OR_RETURN(engine->dir_lock_, DirLock::Acquire(path));
  TM_RETURN_IF_ERROR(engine->OpenRocksDb());
  TM_RETURN_IF_ERROR(engine->LoadMeta());
  TM_RETURN_IF_ERROR(engine->LoadSeries());
  if (engine->upgrade_chunk_keys_) TM_RETURN_IF_ERROR(engine->UpgradeChunkKeys());
  TM_RETURN_IF_ERROR(engine->ReplayWal());
  SpanStoreHandles span_handles{engine->db_, engine->meta_cf_, engine->span_segments_cf_,
                                engine->span_data_cf_, engine->trace_index_cf_};
  TM_ASSIGN_OR_RETURN(engine->spans_,
                      SpanStore::Open(options, path, span_handles, engine->partition_duration_ms_,
                                      &engine->bg_errors_, &engine->recovery_));
  const size_t read_threads = util::ThreadsFromOption(options.read_threads);
  if (read_threads > 1) {
    engine->read_pool_ = std::make_unique<util::ThreadPool>(read_threads - 1, "tidemark-read");
  }
  engine->last_checkpoint_ms_ = engine->Now();
  if (options.maintenance_interval_ms > 0) {
    engine->maintenance_thread_ = std::thread([e = engine.get()] { e->MaintenanceLoop(); });
    util::NameThread(engine->maintenance_thread_, "tidemark-maint");
  }
  return std::unique_ptr<Engine>(std::move(engine));
}

Status DbEngine::OpenRocksDb() {
  rocksdb::Options db_options;
  db_options.create_if_missing = options_.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  // No LOG file of RocksDB's own: every error it has reaches us as a Status, and a LOG write
  // failing on a full disk leaves its file writer in a state that aborts the process on the next
  // append (an assertion Debian's build keeps).
  db_options.info_log = std::make_shared<DiscardingLogger>();
  // RocksDB reserves 1.1 write buffers (about 73 MB) ahead of each write-ahead log file unless
  // told not to: a hundred nearly empty tenants held 7.3 GB of disk (docs/benchmarks.md).
  db_options.allow_fallocate = options_.preallocate_files;
  // Checkpoints write past RocksDB's log and flush (maintenance.cc): flushing the column families
  // they wrote together keeps what a crash leaves a prefix of their writes.
  db_options.atomic_flush = true;

  rocksdb::ColumnFamilyOptions chunk_options;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 4 * 1024;
  table.block_cache = rocksdb::NewLRUCache(options_.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = false;
  chunk_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  chunk_options.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(kChunkKeyPrefixBytes));
  chunk_options.compression = rocksdb::kZSTD;
  chunk_options.bottommost_compression = rocksdb::kZSTD;
  chunk_options.compression_opts.level = options_.zstd_level;
  chunk_options.bottommost_compression_opts.level = options_.zstd_level;
  chunk_options.bottommost_compression_opts.enabled = true;

  rocksdb::ColumnFamilyOptions series_options;
  series_options.compression = rocksdb::kZSTD;

  // Span row groups are zstd-compressed column by column already.
  rocksdb::ColumnFamilyOptions span_data_options;
  rocksdb::BlockBasedTableOptions span_table;
  span_table.block_size = 64 * 1024;
  // A search reads whole row groups of tens of kilobytes, each checksummed again on every read
  // that misses the block cache; XXH3 checks them several times faster than CRC32C. Files record
  // their checksum type, so files written before still read.
  span_table.checksum = rocksdb::kXXH3;
  span_table.block_cache = table.block_cache;
  span_data_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(span_table));
  span_data_options.compression = rocksdb::kNoCompression;
  // Trace-id lookups seek on (partition, trace id): a prefix bloom filter skips files.
  rocksdb::ColumnFamilyOptions trace_index_options;
  rocksdb::BlockBasedTableOptions index_table;
  index_table.block_cache = table.block_cache;
  index_table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  index_table.whole_key_filtering = false;
  trace_index_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(index_table));
  trace_index_options.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(20));
  trace_index_options.compression = rocksdb::kZSTD;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {kSeriesColumnFamily, series_options},
      {kChunksColumnFamily, chunk_options},
      {kSpanSegmentsColumnFamily, series_options},
      {kSpanDataColumnFamily, span_data_options},
      {kTraceIndexColumnFamily, trace_index_options},
      {kExemplarsColumnFamily, series_options},
  };
  rocksdb::Status s = rocksdb::DB::Open(db_options, path_ + "/db", cfs, &handles_, &db_);
  if (!s.ok()) return FromRocks(s, "open RocksDB in " + path_ + "/db");
  meta_cf_ = handles_[0];
  series_cf_ = handles_[1];
  chunks_cf_ = handles_[2];
  span_segments_cf_ = handles_[3];
  span_data_cf_ = handles_[4];
  trace_index_cf_ = handles_[5];
  exemplars_cf_ = handles_[6];
  return Status::OK();
}

Status DbEngine::LoadMeta() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta_cf_, kMetaFormatVersion, &value);
  if (s.IsNotFound()) {
    // A new directory: record the fixed parameters.
    rocksdb::WriteBatch batch;
    std::string v;
    util::PutFixed32(&v, kFormatVersion);
    batch.Put(meta_cf_, kMetaFormatVersion, v);
    v.clear();
    util::PutFixed64(&v, static_cast<uint64_t>(partition_duration_ms_));
    batch.Put(meta_cf_, kMetaPartitionDuration, v);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Write(wo, &batch), "write metadata");
  }
  if (!s.ok()) return FromRocks(s, "read metadata");
  if (value.size() == 4 && util::DecodeFixed32(value.data()) == kFormatVersionSeriesKeyed) {
    upgrade_chunk_keys_ = true;  // after the series are loaded: UpgradeChunkKeys
  } else if (value.size() != 4 || util::DecodeFixed32(value.data()) != kFormatVersion) {
    return Status::Corruption(
        "data directory " + path_ + " has format version " +
        (value.size() == 4 ? std::to_string(util::DecodeFixed32(value.data())) : "?") +
        ", this build reads " + std::to_string(kFormatVersion));
  }
  s = db_->Get(rocksdb::ReadOptions(), meta_cf_, kMetaPartitionDuration, &value);
  if (!s.ok() || value.size() != 8) return Status::Corruption("metadata lacks partition duration");
  // The stored width wins: blocks were cut at its boundaries.
  partition_duration_ms_ = static_cast<int64_t>(util::DecodeFixed64(value.data()));
  if (partition_duration_ms_ <= 0)
    return Status::Corruption("stored partition duration is not positive");
  TM_ASSIGN_OR_RETURN(auto next_id, ReadFixedMeta(db_, meta_cf_, kMetaNextSeriesId, 8));
  if (next_id) next_series_id_ = util::DecodeFixed64(next_id->data());
  TM_ASSIGN_OR_RETURN(auto dropped, ReadFixedMeta(db_, meta_cf_, kMetaDroppedBelow, 4));
  if (dropped) dropped_below_ = DecodeOrderedInt32(dropped->data());
  TM_ASSIGN_OR_RETURN(auto compacted, ReadFixedMeta(db_, meta_cf_, kMetaCompactedBelow, 4));
  if (compacted) compacted_below_ = DecodeOrderedInt32(compacted->data());
  return Status::OK();
}

Status DbEngine::LoadSeries() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), series_cf_));
  uint64_t max_id = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t id;
    SeriesRecord record;
    if (!ParseSeriesKey(std::string_view(it->key().data(), it->key().size()), &id) ||
        !DecodeSeriesRecord(std::string_view(it->value().data(), it->value().size()), &record)) {
      return Status::Corruption("series record " + it->key().ToString(true) + " is malformed");
    }
    auto series = index_.Insert(id, record.labels);
    series->min_time = record.min_time;
    series->max_time = record.max_time;
    series->last_value_bits = record.last_value_bits;
    series->accepted_max_time = record.max_time;
    series->accepted_last_bits = record.last_value_bits;
    series->logged = true;
    max_id = std::max(max_id, id);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan series");
  next_series_id_ = std::max(next_series_id_.load(), max_id + 1);
  return Status::OK();
}

Status DbEngine::ReplayWal() {
  const std::string dir = path_ + "/wal";
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> files, ListWalFiles(dir));
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string file = WalFilePath(dir, files[i]);
    auto result = ReplayWalFile(file, [&](WalRecordType type, std::string_view payload) -> Status {
      ++recovery_.wal_records_replayed;
      switch (type) {
        case WalRecordType::kCommit:
          return ReplayCommitRecord(payload);
        case WalRecordType::kDelete:
          return ReplayDeleteRecord(payload);
        case WalRecordType::kSpans:
        case WalRecordType::kSpanBatch:
          break;  // spans have their own log
      }
      recovery_.messages.push_back(file + ": skipped record of unknown type " +
                                   std::to_string(static_cast<int>(type)));
      return Status::OK();
    });
    if (!result.ok()) return result.status();
    ++recovery_.wal_files_replayed;
    if (result->bytes_dropped > 0) {
      recovery_.wal_bytes_dropped += result->bytes_dropped;
      const bool last = i + 1 == files.size();
      recovery_.messages.push_back(
          file + ": dropped " + std::to_string(result->bytes_dropped) + " bytes (" +
          result->tail_problem + ")" +
          (last ? ", a write torn by a crash" : ", in a log that is not the last: damaged"));
    }
  }
  const uint64_t next_file = files.empty() ? 1 : files.back() + 1;
  TM_ASSIGN_OR_RETURN(
      wal_, WalWriter::Open(dir, next_file, options_.sync_policy, options_.group_commit_interval_ms,
                            options_.unsynced_commit_delay_ms));
  return Status::OK();
}

Status DbEngine::ReplayCommitRecord(std::string_view in) {
  uint64_t n_series;
  if (!util::GetVarint64(&in, &n_series))
    return Status::Corruption("log commit record: series count");
  for (uint64_t i = 0; i < n_series; ++i) {
    uint64_t id;
    Labels labels;
    if (!util::GetVarint64(&in, &id) || !DecodeLabels(&in, &labels)) {
      return Status::Corruption("log commit record: series definition " + std::to_string(i));
    }
    auto series = index_.Insert(id, labels);
    series->logged = true;
    if (id >= next_series_id_) next_series_id_ = id + 1;
  }
  uint64_t n_samples;
  if (!util::GetVarint64(&in, &n_samples))
    return Status::Corruption("log commit record: sample count");
  int64_t t = 0;
  const int64_t min_valid = RetentionCutoff();
  std::shared_ptr<MemSeries> series;
  for (uint64_t i = 0; i < n_samples; ++i) {
    uint64_t id, bits;
    int64_t dt;
    if (!util::GetVarint64(&in, &id) || !util::GetVarintSigned64(&in, &dt) ||
        !util::GetFixed64(&in, &bits)) {
      return Status::Corruption("log commit record: sample " + std::to_string(i));
    }
    if (__builtin_add_overflow(t, dt, &t)) {
      return Status::Corruption("log commit record: sample " + std::to_string(i) +
                                " timestamp delta " + std::to_string(dt) + " overflows");
    }
    if (!series || series->id != id) series = index_.FindById(id);
    if (!series) {
      // A series that expired is gone with its definition; all its samples are out of retention.
      if (t < min_valid) continue;
      return Status::Corruption("log commit record: sample " + std::to_string(i) +
                                " of series id " + std::to_string(id) + " at " + std::to_string(t) +
                                ", which no earlier record or series entry defines");
    }
    RejectReason reason;
    // Samples already in stored blocks (t <= stored max time) are skipped here as duplicates.
    const double v = util::BitsToDouble(bits);
    // Replay keeps what was acknowledged whatever the clock says now; only what no partition can
    // hold (written before timestamps were bounded) is left out.
    if (AcceptSample(series.get(), t, v, min_valid, MaxStorableTime(partition_duration_ms_),
                     &reason) == AppendOutcome::kAccepted) {
      AppendToChunks(series.get(), t, v);
      ++recovery_.samples_replayed;
    }
  }
  return Status::OK();
}

Status DbEngine::ReplayDeleteRecord(std::string_view in) {
  uint64_t n;
  int64_t mint, maxt;
  if (!util::GetVarintSigned64(&in, &mint) || !util::GetVarintSigned64(&in, &maxt) ||
      !util::GetVarint64(&in, &n)) {
    return Status::Corruption("log delete record header");
  }
  // Each id takes at least one byte: a count the record cannot hold is damage, not an allocation.
  if (n > in.size()) {
    return Status::Corruption("log delete record: " + std::to_string(n) + " ids in " +
                              std::to_string(in.size()) + " bytes");
  }
  std::vector<uint64_t> ids(n);
  for (auto& id : ids) {
    if (!util::GetVarint64(&in, &id)) return Status::Corruption("log delete record ids");
  }
  return DeleteRange(ids, mint, maxt);
}

DbEngine::~DbEngine() {
  closing_ = true;
  { std::lock_guard lock(loop_mu_); }
  loop_cv_.notify_all();
  if (maintenance_thread_.joinable()) maintenance_thread_.join();
  read_pool_.reset();  // every selection is gone; what is queued finds nothing to read
  spans_.reset();
  wal_.reset();
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  delete db_;
  dir_lock_.reset();  // only once RocksDB has closed
}

int64_t DbEngine::Now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t DbEngine::RetentionCutoff() const {
  if (options_.retention_ms <= 0) return INT64_MIN;
  return Now() - options_.retention_ms;
}

int64_t DbEngine::MaxValidTime() const {
  const int64_t now = Now();
  const int64_t limit = MaxStorableTime(partition_duration_ms_);
  return now > limit - options_.max_future_ms ? limit : now + options_.max_future_ms;
}

int64_t DbEngine::VisibleMinTime() const {
  int64_t t = RetentionCutoff();
  const int32_t dropped = dropped_below_.load();
  if (dropped != INT32_MIN) t = std::max(t, PartitionStart(dropped, partition_duration_ms_));
  return t;
}

EngineStats DbEngine::Stats() {
  EngineStats st;
  st.background_error = !bg_errors_.Any().ok();
  for (const auto& s : index_.All()) {
    std::lock_guard lock(s->mu);
    ++st.head_series;
    st.head_chunks += s->closed.size() + (s->head.num_samples() > 0 ? 1 : 0);
    st.head_samples += s->head.num_samples();
    st.head_memory_bytes += s->head.MemoryBytes();
    for (const auto& c : s->closed) {
      st.head_samples += c->num_samples();
      st.head_memory_bytes += c->MemoryBytes() + 32;
    }
  }
  st.head_memory_bytes += index_.MemoryBytes();
  const SeriesIndex::SelectionCacheStats cache = index_.selection_cache_stats();
  st.selection_cache_hits = cache.hits;
  st.selection_cache_misses = cache.misses;
  st.selection_cache_bytes = cache.bytes;
  st.wal_bytes = wal_->live_bytes();
  st.wal_syncs = wal_->syncs();
  st.samples_appended = samples_appended_;
  for (int i = 0; i < kRejectReasonCount; ++i) st.samples_rejected[i] = samples_rejected_[i];
  st.checkpoints = checkpoints_;
  st.partitions_dropped = partitions_dropped_;
  st.partitions_compacted = partitions_compacted_;
  st.exemplars_appended = exemplars_appended_;
  st.exemplars_rejected = exemplars_rejected_;
  uint64_t sst = 0;
  if (db_->GetIntProperty(chunks_cf_, rocksdb::DB::Properties::kLiveSstFilesSize, &sst))
    st.segment_bytes = sst;
  spans_->FillStats(&st);
  return st;
}

Result<SpanAppendReport> DbEngine::AppendSpans(std::vector<Span>&& spans) {
  if (closing_) return Status::Unavailable("engine is closing");
  return spans_->Append(spans);
}

bool DbEngine::AwaitSpanCapacity(int64_t max_wait_ms) {
  return !closing_ &&
         spans_->AwaitCapacity(std::chrono::milliseconds(std::max<int64_t>(0, max_wait_ms)));
}

Result<std::vector<Span>> DbEngine::GetTrace(std::string_view trace_id, uint64_t start,
                                             uint64_t end) {
  return spans_->GetTrace(trace_id, start, end);
}

Result<SpanScanStats> DbEngine::ScanSpans(const ReadOptions& options, const SpanScan& scan,
                                          const std::function<bool(const ScannedSpan&)>& visit) {
  return spans_->Scan(options, scan, visit);
}

Result<std::vector<std::vector<Span>>> DbEngine::GetTraces(
    const std::vector<std::string>& trace_ids, uint64_t start, uint64_t end) {
  return spans_->GetTraces(trace_ids, start, end);
}

Result<TraceFacts> DbEngine::GetTraceFacts(const ReadOptions& options, std::string_view trace_id,
                                           std::vector<std::string>* warnings) {
  return spans_->Facts(options, trace_id, warnings);
}

Result<std::vector<uint32_t>> DbEngine::CountTraceSegments(
    const ReadOptions& options, const std::vector<std::string>& trace_ids, uint64_t start,
    uint64_t end) {
  return spans_->CountSegments(options, trace_ids, start, end);
}

Result<std::vector<std::string>> DbEngine::SpanTagKeys(TagScope scope, uint64_t start, uint64_t end,
                                                       uint32_t limit) {
  return spans_->TagKeys(scope, start, end, limit);
}

Result<std::vector<std::string>> DbEngine::SpanTagValues(TagScope scope, std::string_view key,
                                                         uint64_t start, uint64_t end,
                                                         uint32_t limit) {
  if (key.empty()) return Status::InvalidArgument("empty tag name");
  return spans_->TagValues(scope, key, start, end, limit);
}

Result<std::vector<PartitionInfo>> DbEngine::Partitions() {
  std::vector<PartitionInfo> out;
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, chunks_cf_));
  uint64_t last_series = UINT64_MAX;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ChunkKeyParts parts;
    if (!ParseChunkKey(std::string_view(it->key().data(), it->key().size()), &parts)) {
      return Status::Corruption("chunk key " + it->key().ToString(true) + " is malformed");
    }
    if (out.empty() ||
        out.back().start_ms != PartitionStart(parts.partition, partition_duration_ms_)) {
      PartitionInfo p;
      p.start_ms = PartitionStart(parts.partition, partition_duration_ms_);
      p.end_ms = p.start_ms + partition_duration_ms_;
      out.push_back(p);
      last_series = UINT64_MAX;
    }
    PartitionInfo& p = out.back();
    auto header = DecodeBlockHeader(std::string_view(it->value().data(), it->value().size()));
    if (!header.ok()) return header.status();
    ++p.blocks;
    p.samples += header->count;
    p.stored_bytes += it->value().size() + it->key().size();
    if (parts.series_id != last_series) ++p.series;
    last_series = parts.series_id;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan chunks");
  return out;
}

}  // namespace storage
}  // namespace tidemark
