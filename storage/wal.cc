#include "storage/wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "util/coding.h"
#include "util/crc32c.h"
#include "util/thread_pool.h"

namespace tidemark::storage {
namespace {

Status ErrnoStatus(const std::string& what, int err) {
  return Status::IOError(what + ": " + std::strerror(err));
}

Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + path, errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return ErrnoStatus("open " + dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus("fsync " + dir, err);
  return Status::OK();
}

// Failed ranges older than this many are forgotten: their committers have long been told.
constexpr size_t kMaxRememberedFailures = 4096;

}  // namespace

Status LogWriteFailed(std::string_view log, const Status& cause) {
  if (cause.code() == StatusCode::kUnavailable) return cause;
  return Status::Unavailable(
      std::string(log) +
      " write failed, nothing of the request was stored; retry later: " + cause.message());
}

std::string WalFilePath(const std::string& dir, uint64_t file_number) {
  char name[32];
  std::snprintf(name, sizeof name, "%016llu.log", static_cast<unsigned long long>(file_number));
  return dir + "/" + name;
}

Result<std::vector<uint64_t>> ListWalFiles(const std::string& dir) {
  std::vector<uint64_t> numbers;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return numbers;
    return ErrnoStatus("opendir " + dir, errno);
  }
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() != 20 || name.substr(16) != ".log") continue;
    if (!std::all_of(name.begin(), name.begin() + 16, ::isdigit)) continue;
    numbers.push_back(std::stoull(name.substr(0, 16)));
  }
  ::closedir(d);
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

WalWriter::WalWriter(std::string dir, SyncPolicy policy, uint32_t group_interval_ms,
                     uint32_t lazy_delay_ms)
    : dir_(std::move(dir)),
      policy_(policy),
      group_interval_ms_(group_interval_ms),
      lazy_delay_ms_(lazy_delay_ms) {}

Result<std::unique_ptr<WalWriter>> WalWriter::Open(const std::string& dir, uint64_t file_number,
                                                   SyncPolicy policy, uint32_t group_interval_ms,
                                                   uint32_t lazy_delay_ms) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus("mkdir " + dir, errno);
  std::unique_ptr<WalWriter> w(new WalWriter(dir, policy, group_interval_ms, lazy_delay_ms));
  {
    std::lock_guard lock(w->mu_);
    Status s = w->OpenFile(file_number);
    if (!s.ok()) return s;
  }
  if (policy != SyncPolicy::kNone) {
    w->sync_thread_ = std::thread([p = w.get()] { p->SyncLoop(); });
    util::NameThread(w->sync_thread_, "tidemark-wal");
  }
  return w;
}

WalWriter::~WalWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  std::lock_guard lock(mu_);
  WriteOutLocked(/*sync=*/policy_ != SyncPolicy::kNone).IgnoreError();
  if (fd_ >= 0) ::close(fd_);
}

Status WalWriter::OpenFile(uint64_t file_number) {
  const std::string path = WalFilePath(dir_, file_number);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  fd_ = fd;
  file_number_ = file_number;
  current_file_bytes_ = 0;
  // The new file must survive a crash before any record in it is acknowledged.
  return SyncDir(dir_);
}

Result<uint64_t> WalWriter::Append(WalRecordType type, std::string_view payload, bool sync_now) {
  if (payload.size() > UINT32_MAX - 16) return Status::InvalidArgument("log record over 4 GiB");
  char header[kWalRecordHeaderBytes];
  uint32_t crc = util::Crc32cExtend(0, reinterpret_cast<const char*>(&type), 1);
  crc = util::Crc32cExtend(crc, payload.data(), payload.size());
  const uint32_t len = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) header[i] = static_cast<char>(crc >> (8 * i));
  for (int i = 0; i < 4; ++i) header[4 + i] = static_cast<char>(len >> (8 * i));
  header[8] = static_cast<char>(type);

  std::unique_lock lock(mu_);
  if (!error_.ok()) return error_;  // until Recover
  if (stopping_) return Status::Unavailable("log is closing");
  pending_.append(header, sizeof header);
  pending_.append(payload.data(), payload.size());
  appended_lsn_ += sizeof header + payload.size();
  const uint64_t lsn = appended_lsn_;
  if (policy_ == SyncPolicy::kNone) {
    Status s = WriteOutLocked(/*sync=*/false);
    if (!s.ok()) return s;
  } else if (sync_now || lazy_delay_ms_ == 0) {
    wanted_lsn_ = lsn;
    work_cv_.notify_one();
  } else if (!lazy_pending_) {
    // The first record nobody waits for since the last sync sets when it must be synced.
    lazy_pending_ = true;
    lazy_deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(lazy_delay_ms_);
    work_cv_.notify_one();
  }
  return lsn;
}

Status WalWriter::WaitDurable(uint64_t lsn) {
  std::unique_lock lock(mu_);
  if (lsn > wanted_lsn_ && lsn > done_lsn_) {
    // A record appended without sync_now (a duplicate's original, say): sync it now.
    wanted_lsn_ = lsn;
    work_cv_.notify_one();
  }
  durable_cv_.wait(lock, [&] { return done_lsn_ >= lsn || stopping_; });
  // Failures first: a record that failed stays failed after later records are durable.
  for (auto it = failures_.rbegin(); it != failures_.rend(); ++it) {
    if (lsn > it->after_lsn && lsn <= it->through_lsn) return it->status;
  }
  if (done_lsn_ >= lsn) return Status::OK();
  return Status::Unavailable("log closed before the record was durable");
}

void WalWriter::FailPendingLocked(const Status& s) {
  // Everything appended so far fails with the batch, also records appended while it was being
  // written: a later record may rely on a series definition in a failed one.
  error_ = s;
  failures_.push_back({done_lsn_, appended_lsn_, s});
  if (failures_.size() > kMaxRememberedFailures) failures_.erase(failures_.begin());
  pending_.clear();
  lazy_pending_ = false;
  done_lsn_ = appended_lsn_;
  durable_cv_.notify_all();
}

bool WalWriter::failed() const {
  std::lock_guard lock(mu_);
  return !error_.ok();
}

Status WalWriter::Recover() {
  std::lock_guard lock(mu_);
  if (error_.ok()) return Status::OK();
  const std::string path = WalFilePath(dir_, file_number_);
  if (fd_ < 0) {
    // A rotation failed to open the next file: open it now.
    Status s = OpenFile(file_number_ + 1);
    if (!s.ok()) return s;
  } else {
    // Cut what a failed write may have left after the last durable byte, so that the next
    // record starts where the log is whole.
    if (::ftruncate(fd_, static_cast<off_t>(current_file_bytes_)) != 0)
      return ErrnoStatus("truncate " + path + " after a failed write", errno);
    if (::lseek(fd_, static_cast<off_t>(current_file_bytes_), SEEK_SET) < 0)
      return ErrnoStatus("seek " + path, errno);
    if (::fdatasync(fd_) != 0) return ErrnoStatus("fdatasync " + path, errno);
  }
  error_ = Status::OK();
  return Status::OK();
}

Status WalWriter::WriteOutLocked(bool sync) {
  if (!error_.ok()) return error_;
  const size_t bytes = pending_.size();
  if (bytes > 0) {
    Status s = WriteAll(fd_, pending_.data(), bytes, WalFilePath(dir_, file_number_));
    if (!s.ok()) {
      FailPendingLocked(s);
      return s;
    }
  }
  if (sync && ::fdatasync(fd_) != 0) {
    FailPendingLocked(ErrnoStatus("fdatasync " + WalFilePath(dir_, file_number_), errno));
    return error_;
  }
  current_file_bytes_ += bytes;
  pending_.clear();
  lazy_pending_ = false;
  if (sync) ++syncs_;
  durable_lsn_ = appended_lsn_;
  done_lsn_ = appended_lsn_;
  durable_cv_.notify_all();
  return Status::OK();
}

// A buffer this large is freed rather than kept for the next batch.
constexpr size_t kMaxRetainedBatchBytes = 64 << 20;

void WalWriter::SyncLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    // A sync starts once someone waits for a record not yet durable, or once the oldest record
    // nobody waits for (Append without sync_now) has waited the lazy delay.
    work_cv_.wait(lock, [&] { return stopping_ || wanted_lsn_ > done_lsn_ || lazy_pending_; });
    if (stopping_) return;
    if (wanted_lsn_ <= done_lsn_) {
      work_cv_.wait_until(lock, lazy_deadline_,
                          [&] { return stopping_ || wanted_lsn_ > done_lsn_; });
      if (stopping_) return;
    }
    if (pending_.empty()) continue;  // a rotation wrote and synced it meanwhile
    if (policy_ == SyncPolicy::kGroupCommit && group_interval_ms_ > 0) {
      // Bounded delay: let more commits join this sync, up to the configured interval.
      work_cv_.wait_for(lock, std::chrono::milliseconds(group_interval_ms_),
                        [&] { return stopping_; });
      if (stopping_) return;
    }
    // Otherwise the first waiting commit's sync starts at once; commits that arrive while it
    // runs gather in pending_ and share the next one (leader-based group commit).
    // Write and sync outside the lock so that committers can keep appending meanwhile.
    // The swap hands the previous batch's emptied buffer to the committers: both keep their
    // capacity, so appends do not grow (and page-fault) fresh memory at every sync.
    std::string& batch = sync_batch_;
    batch.clear();
    batch.swap(pending_);
    lazy_pending_ = false;
    const uint64_t batch_lsn = appended_lsn_;
    const int fd = fd_;
    const std::string path = WalFilePath(dir_, file_number_);
    lock.unlock();
    Status s = WriteAll(fd, batch.data(), batch.size(), path);
    if (s.ok() && ::fdatasync(fd) != 0) s = ErrnoStatus("fdatasync " + path, errno);
    if (batch.capacity() > kMaxRetainedBatchBytes) std::string().swap(batch);  // after a burst
    lock.lock();
    if (!s.ok()) {
      FailPendingLocked(s);
    } else {
      current_file_bytes_ += batch.size();
      ++syncs_;
      durable_lsn_ = std::max(durable_lsn_, batch_lsn);
      done_lsn_ = std::max(done_lsn_, batch_lsn);
    }
    durable_cv_.notify_all();
  }
}

Result<uint64_t> WalWriter::Rotate() {
  std::unique_lock lock(mu_);
  // The sync thread may be writing a batch outside the lock; wait until it is done so the old
  // file is complete before it is closed.
  durable_cv_.wait(lock,
                   [&] { return !error_.ok() || done_lsn_ + pending_.size() == appended_lsn_; });
  Status s = WriteOutLocked(/*sync=*/policy_ != SyncPolicy::kNone);
  if (!s.ok()) return s;
  const uint64_t closed = file_number_;
  closed_files_.emplace_back(closed, current_file_bytes_);
  closed_files_bytes_ += current_file_bytes_;
  ::close(fd_);
  fd_ = -1;
  s = OpenFile(closed + 1);
  if (!s.ok()) {
    error_ = s;  // Recover opens the file
    return s;
  }
  return closed;
}

Status WalWriter::RemoveFilesUpTo(uint64_t file_number) {
  auto files = ListWalFiles(dir_);
  if (!files.ok()) return files.status();
  std::lock_guard lock(mu_);
  for (uint64_t n : *files) {
    if (n > file_number || n == file_number_) continue;
    if (::unlink(WalFilePath(dir_, n).c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus("unlink " + WalFilePath(dir_, n), errno);
    }
  }
  std::erase_if(closed_files_, [&](const auto& f) {
    if (f.first > file_number) return false;
    closed_files_bytes_ -= f.second;
    return true;
  });
  return Status::OK();
}

uint64_t WalWriter::last_lsn() const {
  std::lock_guard lock(mu_);
  return appended_lsn_;
}

uint64_t WalWriter::current_file_number() const {
  std::lock_guard lock(mu_);
  return file_number_;
}

uint64_t WalWriter::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

uint64_t WalWriter::live_bytes() const {
  std::lock_guard lock(mu_);
  return closed_files_bytes_ + current_file_bytes_ + pending_.size();
}

Result<WalReplayResult> ReplayWalFile(
    const std::string& path, const std::function<Status(WalRecordType, std::string_view)>& fn) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return ErrnoStatus("stat " + path, errno);
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t r = ::read(fd, data.data() + got, data.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  data.resize(got);

  WalReplayResult result;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t left = data.size() - pos;
    if (left < kWalRecordHeaderBytes) {
      result.tail_problem = "truncated record header at offset " + std::to_string(pos);
      break;
    }
    const uint32_t crc = util::DecodeFixed32(data.data() + pos);
    const uint32_t len = util::DecodeFixed32(data.data() + pos + 4);
    if (len > left - kWalRecordHeaderBytes) {
      result.tail_problem = "record at offset " + std::to_string(pos) + " claims " +
                            std::to_string(len) + " bytes, " +
                            std::to_string(left - kWalRecordHeaderBytes) + " remain";
      break;
    }
    const char* type_and_payload = data.data() + pos + 8;
    if (util::Crc32cExtend(0, type_and_payload, 1 + len) != crc) {
      result.tail_problem = "checksum mismatch in record at offset " + std::to_string(pos);
      break;
    }
    const auto type = static_cast<WalRecordType>(static_cast<uint8_t>(type_and_payload[0]));
    Status s = fn(type, std::string_view(type_and_payload + 1, len));
    if (!s.ok()) return s;
    ++result.records;
    pos += kWalRecordHeaderBytes + len;
  }
  result.bytes_dropped = data.size() - pos;
  return result;
}

}  // namespace tidemark::storage
