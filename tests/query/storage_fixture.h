// A gtest fixture with an in-memory store (storage::MemoryStore) for the PromQL tests: PromQL runs
// on the SampleQuerier interface only, so these tests need no persistence. The conformance runner
// (promqltest) runs on a real tidemark::Engine instead, so that storage is covered too.
#ifndef TIDEMARK_TESTS_QUERY_STORAGE_FIXTURE_H_
#define TIDEMARK_TESTS_QUERY_STORAGE_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>

#include "storage/memory_store.h"

namespace tidemark::promql::testing {

class StorageFixture : public ::testing::Test {
 protected:
  void SetUp() override { storage_ = std::make_unique<storage::MemoryStore>(); }

  std::unique_ptr<storage::MemoryStore> storage_;
};

}  // namespace tidemark::promql::testing

#endif  // TIDEMARK_TESTS_QUERY_STORAGE_FIXTURE_H_
