// Opening a directory of an earlier format: its stored blocks' keys rewritten in this build's
// layout, once, before anything reads them (docs/format/column-families.md, "Format version 1").
#include <rocksdb/db.h>

#include <memory>

#include "storage/db_engine.h"
#include "storage/kv_layout.h"
#include "storage/rocks_status.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace tidemark::storage {
namespace {

// A batch of rewritten keys is written when it reaches this size, so a large directory's upgrade
// holds little in memory.
constexpr size_t kUpgradeBatchBytes = 8u << 20;

}  // namespace

// Version 1 keyed blocks by (partition, series id); version 2 by (partition, metric group, series
// id). Each version 1 key (20 bytes) is replaced by its version 2 key (24 bytes) with the same
// block. The two lengths tell the layouts apart, so an upgrade a crash cut short resumes where it
// stopped: what it rewrote is not read as version 1 again. The format version is raised once
// every key is rewritten.
Status DbEngine::UpgradeChunkKeys() {
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, chunks_cf_));
  rocksdb::WriteBatch batch;
  uint64_t rewritten = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() == kChunkKeyBytes) continue;
    ChunkKeyParts parts;
    if (!ParseChunkKeyV1(key, &parts)) {
      return Status::Corruption("upgrading format version 1: chunk key " +
                                it->key().ToString(true) + " is malformed");
    }
    // A block whose series has no record can never be read; it keeps the empty name's group.
    const auto series = index_.FindById(parts.series_id);
    const uint32_t group = series ? series->metric_group : MetricGroup("");
    batch.Put(chunks_cf_, ChunkKey(parts.partition, group, parts.series_id, parts.min_time),
              it->value());
    batch.Delete(chunks_cf_, it->key());
    ++rewritten;
    if (batch.GetDataSize() >= kUpgradeBatchBytes) {
      TM_RETURN_IF_ERROR(FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "upgrade write"));
      batch.Clear();
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "upgrade: scan chunks");
  it.reset();
  std::string version;
  util::PutFixed32(&version, kFormatVersion);
  batch.Put(meta_cf_, kMetaFormatVersion, version);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  TM_RETURN_IF_ERROR(FromRocks(db_->Write(sync, &batch), "upgrade write"));
  // The old keys' tombstones and the rewritten blocks are compacted now rather than left to
  // slow every read until RocksDB gets to them.
  if (rewritten > 0) {
    rocksdb::CompactRangeOptions cro;
    TM_RETURN_IF_ERROR(
        FromRocks(db_->CompactRange(cro, chunks_cf_, nullptr, nullptr), "upgrade compaction"));
  }
  recovery_.messages.push_back("upgraded the data directory from format version 1 to " +
                               std::to_string(kFormatVersion) + ": " + std::to_string(rewritten) +
                               " stored blocks rekeyed");
  upgrade_chunk_keys_ = false;
  return Status::OK();
}

}  // namespace tidemark::storage
