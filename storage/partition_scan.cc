#include "storage/partition_scan.h"

#include <memory>

#include "storage/kv_layout.h"
#include "storage/rocks_status.h"
#include "util/status_macros.h"

namespace tidemark::storage {

Result<std::vector<int32_t>> PartitionsWithKeys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                                int32_t first, int32_t last) {
  std::vector<int32_t> out;
  if (first > last) return out;
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;  // the column families have prefix extractors
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  int64_t next = first;
  while (next <= last) {
    it->Seek(PartitionKeyPrefix(static_cast<int32_t>(next)));
    if (!it->Valid()) break;
    if (it->key().size() < 4) {
      return Status::Corruption("key of " + std::to_string(it->key().size()) +
                                " bytes where a partition-prefixed key belongs");
    }
    const int32_t p = DecodeOrderedInt32(it->key().data());
    if (p > last) break;
    out.push_back(p);
    next = int64_t{p} + 1;
  }
  TM_RETURN_IF_ERROR(FromRocks(it->status(), "find partitions"));
  return out;
}

}  // namespace tidemark::storage
