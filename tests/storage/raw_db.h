// Direct access to an engine's RocksDB, for tests that put golden values or damage stored data.
#ifndef TIDEMARK_TESTS_STORAGE_RAW_DB_H_
#define TIDEMARK_TESTS_STORAGE_RAW_DB_H_

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <string>
#include <vector>

namespace tidemark::testing {

// Opens the engine's RocksDB directly, every column family; handles follow the names' order.
inline rocksdb::DB* OpenRaw(const std::string& dir, std::vector<std::string>* names,
                            std::vector<rocksdb::ColumnFamilyHandle*>* handles) {
  rocksdb::DB* db = nullptr;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir + "/db", names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const std::string& n : *names) cfs.push_back({n, {}});
  EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir + "/db", cfs, handles, &db).ok());
  return db;
}

inline rocksdb::ColumnFamilyHandle* Handle(const std::vector<std::string>& names,
                                           const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                                           const std::string& name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return handles[i];
  }
  ADD_FAILURE() << "no column family " << name;
  return nullptr;
}

inline void CloseRaw(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

// The engine's RocksDB opened directly for the length of a scope: golden values put into its
// column families by name, read back raw. Closed when it goes.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) : db_(OpenRaw(dir, &names_, &handles_)) {}
  ~RawDb() {
    if (db_ != nullptr) CloseRaw(db_, handles_);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  bool ok() const { return db_ != nullptr; }
  rocksdb::DB* db() const { return db_; }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) const {
    return Handle(names_, handles_, name);
  }
  void Put(const std::string& cf_name, const std::string& key, const std::string& value) {
    EXPECT_TRUE(db_->Put({}, cf(cf_name), key, value).ok()) << "put into " << cf_name;
  }

 private:
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::DB* db_ = nullptr;
};

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_STORAGE_RAW_DB_H_
