// Helpers shared by the libFuzzer targets: checksum repair, so that mutations reach the decoders
// behind a crc32c instead of stopping at the checksum, and a scratch directory.
#ifndef TIDEMARK_TESTS_FUZZ_FUZZ_UTIL_H_
#define TIDEMARK_TESTS_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/coding.h"
#include "util/crc32c.h"

namespace tidemark::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Rewrites the last four bytes as the crc32c of everything before them (block, segment header).
inline void RepairTrailingCrc(std::string* bytes) {
  if (bytes->size() < 4) return;
  const uint32_t crc = util::Crc32c(std::string_view(*bytes).substr(0, bytes->size() - 4));
  std::string fixed;
  util::PutFixed32(&fixed, crc);
  bytes->replace(bytes->size() - 4, 4, fixed);
}

// Stops the target with a message: a finding, not a crash of the decoder under test.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// A directory of this process, removed at exit: in /dev/shm when there is one, where fsync costs
// nothing (RocksDB syncs several files per open). Never freed: the exit handler reads it after
// static destructors may have run.
inline const std::string& ScratchDir() {
  static const std::string* dir = [] {
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    auto* d = new std::string((base / ("tidemark-fuzz-" + std::to_string(::getpid()))).string());
    std::filesystem::remove_all(*d);
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(ScratchDir(), ec);
    });
    return d;
  }();
  return *dir;
}

}  // namespace tidemark::fuzz

#endif  // TIDEMARK_TESTS_FUZZ_FUZZ_UTIL_H_
