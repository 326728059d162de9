#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tidemark::util {
namespace {

TEST(ThreadPool, RefusesPastItsQueueAndRunsEverythingQueuedBeforeStopping) {
  std::atomic<bool> started{false}, release{false};
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1, "test", 1);
    ASSERT_TRUE(pool.TrySubmit([&] {
      started = true;
      for (int i = 0; i < 10'000 && !release; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ++ran;
    }));
    for (int i = 0; i < 10'000 && !started; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(started);
    // The only worker is busy: one task may wait, the next is refused.
    EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
    EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));
    release = true;
  }  // destruction runs the queued task, then joins
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace tidemark::util
