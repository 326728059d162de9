// An exclusive lock on a data directory, held by the Engine that opened it: a second Engine (in
// this process or another) is refused with a message naming the holder's process id, instead of
// RocksDB's "Resource temporarily unavailable" on its own lock.
//
// The lock is flock(2) on <dir>/tidemark.lock, which holds the holder's pid in decimal. flock locks
// belong to an open file description, so two opens in one process exclude each other too, and the
// kernel drops the lock when the holder exits, however it exits: a stale file with a dead pid is
// harmless. Not thread-safe; owned by one Engine.
#ifndef TIDEMARK_STORAGE_DIR_LOCK_H_
#define TIDEMARK_STORAGE_DIR_LOCK_H_

#include <memory>
#include <string>

#include "tidemark/status.h"

namespace tidemark::storage {

class DirLock {
 public:
  // The lock file's name inside the data directory.
  static constexpr const char* kFileName = "tidemark.lock";

  // Locks `dir` (which must exist). Unavailable "data directory DIR in use by pid N" when another
  // open holds it; IOError when the file cannot be created or locked.
  static Result<std::unique_ptr<DirLock>> Acquire(const std::string& dir);
  ~DirLock();  // releases the lock

  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_DIR_LOCK_H_
