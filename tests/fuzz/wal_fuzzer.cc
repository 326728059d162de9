// Log replay (storage/wal.h and the record decoders of storage/db_engine.cc and span_store.cc):
// the input becomes a log file of a fresh data directory, which is then opened. The first byte
// chooses the sample log (even) or the span log (odd); the rest is the file, whose record
// checksums are repaired so that mutations reach the record decoders. Opening may fail with
// Corruption; it must never crash.
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/wal.h"
#include "tests/fuzz/fuzz_util.h"
#include "tidemark/engine.h"

using namespace tidemark;

namespace {

// Walks the framing as ReplayWalFile does (crc32c <u32>, length <u32>, type <u8>, payload) and
// rewrites each whole record's checksum.
void RepairRecordChecksums(std::string* file) {
  size_t pos = 0;
  while (file->size() - pos >= storage::kWalRecordHeaderBytes) {
    const uint32_t len = util::DecodeFixed32(file->data() + pos + 4);
    if (len > file->size() - pos - storage::kWalRecordHeaderBytes) return;
    std::string crc;
    util::PutFixed32(&crc, util::Crc32cExtend(0, file->data() + pos + 8, 1 + len));
    file->replace(pos, 4, crc);
    pos += storage::kWalRecordHeaderBytes + len;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool span_log = data[0] & 1;
  std::string file(fuzz::AsView(data + 1, size - 1));
  RepairRecordChecksums(&file);

  const std::string dir = fuzz::ScratchDir() + "/data";
  std::filesystem::remove_all(dir);
  const std::string log_dir = dir + (span_log ? "/span_wal" : "/wal");
  std::filesystem::create_directories(log_dir);
  std::ofstream(storage::WalFilePath(log_dir, 1), std::ios::binary) << file;

  Options options;
  options.sync_policy = SyncPolicy::kNone;
  options.maintenance_interval_ms = 0;  // no background maintenance: each input is one open
  options.now_ms = [] { return int64_t{1'700'000'000'000}; };
  auto engine = Engine::Open(options, dir);
  return 0;
}
