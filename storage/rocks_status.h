// RocksDB statuses as tidemark Status, with what was being done.
#ifndef TIDEMARK_STORAGE_ROCKS_STATUS_H_
#define TIDEMARK_STORAGE_ROCKS_STATUS_H_

#include <rocksdb/status.h>

#include <string>

#include "tidemark/status.h"

namespace tidemark::storage {

inline Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_ROCKS_STATUS_H_
