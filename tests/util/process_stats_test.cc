#include "util/process_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

namespace tidemark::util {
namespace {

TEST(ProcessStats, ThisProcess) {
  std::ofstream keep_open("/dev/null");
  auto s = ReadProcessStats();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  // The test binary's resident set is at least a megabyte; it started within the last day.
  EXPECT_GT(s->resident_bytes, 1u << 20);
  EXPECT_GE(s->virtual_bytes, s->resident_bytes);
  EXPECT_GE(s->cpu_seconds, 0);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(s->start_time_seconds, now + 1);
  EXPECT_GT(s->start_time_seconds, now - 86'400);
  EXPECT_GE(s->open_fds, 4u);  // stdin, stdout, stderr, the file above
  // The same process by its pid.
  auto by_pid = ReadProcessStats(static_cast<int>(::getpid()));
  ASSERT_TRUE(by_pid.ok());
  EXPECT_EQ(by_pid->start_time_seconds, s->start_time_seconds);
  EXPECT_EQ(by_pid->max_fds, s->max_fds);
}

TEST(ProcessStats, NoSuchProcessIsNotFound) {
  auto s = ReadProcessStats(999'999'999);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tidemark::util
