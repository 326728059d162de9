#include "util/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace tidemark::util {
namespace {

// Test vectors from RFC 3720, section B.4.
TEST(Crc32c, MatchesRfc3720Vectors) {
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aaU);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43U);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(Crc32c(ascending), 0x46dd794eU);
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283U);
}

TEST(Crc32c, ExtendEqualsWhole) {
  const std::string data = "hello, tidemark; a longer string that spans several words";
  for (size_t split = 0; split <= data.size(); ++split) {
    const uint32_t part =
        Crc32cExtend(Crc32cExtend(0, data.data(), split), data.data() + split, data.size() - split);
    EXPECT_EQ(part, Crc32c(data));
  }
}

}  // namespace
}  // namespace tidemark::util
