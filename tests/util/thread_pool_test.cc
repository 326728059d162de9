#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(ThreadPool, ThreadsFromOptionTakesWhatIsAskedOrOnePerCore) {
  EXPECT_EQ(ThreadsFromOption(1), 1u);
  EXPECT_EQ(ThreadsFromOption(3), 3u);
  EXPECT_EQ(ThreadsFromOption(1000), 64u);
  const size_t per_core = ThreadsFromOption(0);
  EXPECT_GE(per_core, 1u);
  EXPECT_LE(per_core, 8u);
  EXPECT_EQ(per_core, std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8));
}

}  // namespace
}  // namespace tidemark::util
