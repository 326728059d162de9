// A gtest fixture with a real tidemark::Engine in a fresh temporary directory, for the PromQL
// tests: no retention (the peer cases' timestamps start at 1970), no fsync, no background work.
#ifndef TIDEMARK_TESTS_QUERY_STORAGE_FIXTURE_H_
#define TIDEMARK_TESTS_QUERY_STORAGE_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tidemark/engine.h"

namespace tidemark::promql::testing {

class StorageFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tidemark_query_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Options options;
    options.retention_ms = 0;  // keep 1970 timestamps
    options.sync_policy = SyncPolicy::kNone;
    options.maintenance_interval_ms = 0;
    auto engine = Engine::Open(options, dir_.string());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    storage_ = std::move(*engine);
  }
  void TearDown() override {
    storage_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Engine> storage_;
};

}  // namespace tidemark::promql::testing

#endif  // TIDEMARK_TESTS_QUERY_STORAGE_FIXTURE_H_
