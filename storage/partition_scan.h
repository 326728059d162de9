// Which time partitions hold data: found by seeking through a column family whose keys start
// with the ordered partition number, one seek per partition that exists. Loops over partitions
// use it so that their cost follows the partitions that exist, never the width of a time range
// (a query over "all time" spans four billion partition numbers).
#ifndef TIDEMARK_STORAGE_PARTITION_SCAN_H_
#define TIDEMARK_STORAGE_PARTITION_SCAN_H_

#include <rocksdb/db.h>

#include <cstdint>
#include <vector>

#include "tidemark/status.h"

namespace tidemark::storage {

// The partitions in [first, last], ascending, that have at least one key in `cf`.
Result<std::vector<int32_t>> PartitionsWithKeys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                                int32_t first, int32_t last);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_PARTITION_SCAN_H_
