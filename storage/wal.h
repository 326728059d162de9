// The write-ahead log: every commit is one checksummed record appended to the current log file
// before the commit is acknowledged. Replay on open rebuilds the head; files wholly covered by a
// checkpoint are deleted. Record layout: docs/format/wal.md.
//
// Thread safety: Append and WaitDurable may be called from any thread. Rotate must not race with
// Append (the engine holds its commit lock around it).
#ifndef TIDEMARK_STORAGE_WAL_H_
#define TIDEMARK_STORAGE_WAL_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tidemark/options.h"
#include "tidemark/status.h"

namespace tidemark::storage {

// Log record types. Persisted: never renumber.
enum class WalRecordType : uint8_t {
  kCommit = 1,  // new series definitions and the samples of one Appender::Commit
  kDelete = 2,  // a DeleteSeries: series ids and a time range
  kSpans =
      3,  // one AppendSpans batch, every span whole (span log only; replayed, no longer written)
  kSpanBatch = 4,  // one AppendSpans batch, each resource and scope once (span log only)
};

inline constexpr size_t kWalRecordHeaderBytes = 9;  // crc32c u32, length u32, type u8

class WalWriter {
 public:
  // Starts a new log file numbered `file_number` in `dir` (created if missing).
  // `lazy_delay_ms`: how long a record appended without `sync_now` may wait for its sync.
  static Result<std::unique_ptr<WalWriter>> Open(const std::string& dir, uint64_t file_number,
                                                 SyncPolicy policy, uint32_t group_interval_ms,
                                                 uint32_t lazy_delay_ms = 0);
  ~WalWriter();

  // Queues a record and returns its log sequence number (end offset in the log stream). Refused
  // with the write error while the log is failed (see Recover). Without `sync_now` nobody waits
  // for the record: it is synced within the lazy delay, or with the next record someone waits
  // for (WaitDurable), whichever comes first.
  Result<uint64_t> Append(WalRecordType type, std::string_view payload, bool sync_now = true);
  // Returns once the record ending at `lsn` is durable under the sync policy, or the error that
  // kept it from being written: then it is not in the log, nor is any record appended before the
  // failure was seen.
  Status WaitDurable(uint64_t lsn);
  // Whether a write or sync failed and the log refuses appends until Recover.
  bool failed() const;
  // After a failure: cuts the current file back to its last durable byte (or opens the next file
  // when a rotation failed) so that appends can go on, e.g. once a full disk has room again.
  // The caller must make sure nothing it holds relies on a failed record (the engine re-logs
  // series definitions). An error means the log stays failed.
  Status Recover();
  // Syncs and closes the current file and starts the next one. Returns the closed file's number.
  Result<uint64_t> Rotate();
  // Deletes every log file numbered <= `file_number` except the current one.
  Status RemoveFilesUpTo(uint64_t file_number);

  uint64_t current_file_number() const;
  // The sequence number of the last record appended.
  uint64_t last_lsn() const;
  // Bytes in log files still on disk.
  uint64_t live_bytes() const;
  // Syncs made by the sync thread so far.
  uint64_t syncs() const;

 private:
  WalWriter(std::string dir, SyncPolicy policy, uint32_t group_interval_ms, uint32_t lazy_delay_ms);
  Status OpenFile(uint64_t file_number);
  // Writes pending bytes to the file, and syncs if asked. Caller holds mu_.
  Status WriteOutLocked(bool sync);
  // Fails every record appended so far with `s`. Caller holds mu_.
  void FailPendingLocked(const Status& s);
  void SyncLoop();

  const std::string dir_;
  const SyncPolicy policy_;
  const uint32_t group_interval_ms_;
  const uint32_t lazy_delay_ms_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;     // wakes the sync thread
  std::condition_variable durable_cv_;  // wakes committers
  int fd_ = -1;                         // guarded by mu_
  uint64_t file_number_ = 0;            // guarded by mu_
  std::string pending_;                 // guarded by mu_: appended, not yet written
  std::string sync_batch_;              // the sync thread's: the batch it writes, then reuses
  uint64_t appended_lsn_ = 0;           // guarded by mu_
  uint64_t durable_lsn_ = 0;            // guarded by mu_
  uint64_t done_lsn_ = 0;               // guarded by mu_: durable or failed up to here
  uint64_t wanted_lsn_ = 0;             // guarded by mu_: someone waits for the log up to here
  // guarded by mu_: a record not wanted yet waits in pending_, to be synced by lazy_deadline_.
  bool lazy_pending_ = false;
  std::chrono::steady_clock::time_point lazy_deadline_;  // guarded by mu_
  uint64_t syncs_ = 0;                                   // guarded by mu_
  // Records in (after_lsn, through_lsn] failed with `status`.
  struct Failure {
    uint64_t after_lsn;
    uint64_t through_lsn;
    Status status;
  };
  std::vector<Failure> failures_;    // guarded by mu_: the most recent, oldest first
  uint64_t closed_files_bytes_ = 0;  // guarded by mu_
  uint64_t current_file_bytes_ = 0;  // guarded by mu_
  std::vector<std::pair<uint64_t, uint64_t>> closed_files_;  // guarded by mu_: (number, bytes)
  Status error_;           // guarded by mu_: the write error, until Recover
  bool stopping_ = false;  // guarded by mu_
  std::thread sync_thread_;
};

// The status a write returns when its log record could not be written: Unavailable, retryable
// for the sender (a full disk or a failing write usually passes, and the log recovers by itself
// once writes succeed again), naming `log` and the cause. A closing log's Unavailable passes as is.
Status LogWriteFailed(std::string_view log, const Status& cause);

// What replaying one log file found.
struct WalReplayResult {
  uint64_t records = 0;
  uint64_t bytes_dropped = 0;  // a torn or damaged tail
  std::string tail_problem;    // why reading stopped early, if it did
};

// Calls `fn` for every whole, checksummed record of the file in order. Stops at the first record
// that is truncated or fails its checksum and reports the bytes after it as dropped. An error
// returned by `fn` stops replay and is returned.
Result<WalReplayResult> ReplayWalFile(
    const std::string& path, const std::function<Status(WalRecordType, std::string_view)>& fn);

// Log file numbers present in `dir`, ascending.
Result<std::vector<uint64_t>> ListWalFiles(const std::string& dir);
std::string WalFilePath(const std::string& dir, uint64_t file_number);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_WAL_H_
