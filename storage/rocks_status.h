// RocksDB statuses as tidemark Status, with what was being done.
#ifndef TIDEMARK_STORAGE_ROCKS_STATUS_H_
#define TIDEMARK_STORAGE_ROCKS_STATUS_H_

#include <rocksdb/db.h>
#include <rocksdb/status.h>

#include <optional>
#include <string>

#include "tidemark/status.h"

namespace tidemark::storage {

inline Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

// Reads a metadata value that may be absent (a new directory) and has a fixed size. Absent:
// nullopt. Any other failure is an error, never "absent": a value that cannot be read, or has the
// wrong size, must not be taken for a fresh start (restarting segment ids at 1 would overwrite
// segments).
inline Result<std::optional<std::string>> ReadFixedMeta(rocksdb::DB* db,
                                                        rocksdb::ColumnFamilyHandle* cf,
                                                        const std::string& key, size_t size) {
  std::string value;
  const rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "read metadata " + key);
  if (value.size() != size) {
    return Status::Corruption("metadata " + key + " has " + std::to_string(value.size()) +
                              " bytes, want " + std::to_string(size));
  }
  return std::optional<std::string>(std::move(value));
}

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_ROCKS_STATUS_H_
