// Helpers shared by the storage tests.
#ifndef TIDEMARK_TESTS_STORAGE_TEST_UTIL_H_
#define TIDEMARK_TESTS_STORAGE_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tidemark/engine.h"

namespace tidemark::testing {

// Unix milliseconds now, as the engine stamps samples.
inline int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Calls `done` every `poll_ms` until it is true or `timeout_ms` passes; its last answer.
template <typename Done>
bool Eventually(Done done, int timeout_ms = 15'000, int poll_ms = 100) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  return done();
}

// A directory removed when the test ends.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("tidemark-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
             (info ? std::string(info->name()) : "x"));
    for (char& c : path_) {
      if (c == '/' && &c > path_.data() + std::filesystem::temp_directory_path().string().size())
        c = '_';
    }
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline uint64_t Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Options for tests: no background thread, no retention unless a test sets it, fast commits.
inline Options TestOptions() {
  Options o;
  o.maintenance_interval_ms = 0;
  o.retention_ms = 0;
  o.sync_policy = SyncPolicy::kNone;
  return o;
}

// Every series matching `matchers` in [mint, maxt], keyed by its printed labels.
inline std::map<std::string, std::vector<Sample>> ReadAll(Engine& engine,
                                                          const std::vector<LabelMatcher>& matchers,
                                                          int64_t mint = INT64_MIN,
                                                          int64_t maxt = INT64_MAX,
                                                          Status* status = nullptr) {
  std::map<std::string, std::vector<Sample>> out;
  auto set = engine.Select(matchers, mint, maxt);
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  if (!set.ok()) return out;
  while ((*set)->Next()) {
    auto& samples = out[(*set)->labels().ToString()];
    SampleIterator* it = (*set)->Samples();
    while (it->Next()) samples.push_back(it->At());
    if (status && !it->status().ok()) *status = it->status();
  }
  if (status && !(*set)->status().ok()) *status = (*set)->status();
  return out;
}

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_STORAGE_TEST_UTIL_H_
