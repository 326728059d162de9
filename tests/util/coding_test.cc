#include "util/coding.h"

#include <gtest/gtest.h>

#include <climits>
#include <vector>

#include "util/bit_stream.h"

namespace tidemark::util {
namespace {

TEST(Varint, RoundTripsEdgeValues) {
  for (uint64_t v : std::vector<uint64_t>{0, 1, 127, 128, 300, (1ULL << 35) + 7, UINT64_MAX}) {
    std::string buf;
    PutVarint64(&buf, v);
    EXPECT_EQ(static_cast<int>(buf.size()), VarintLength(v));
    std::string_view in = buf;
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
    EXPECT_TRUE(in.empty());
  }
  for (int64_t v : std::vector<int64_t>{0, -1, 1, INT64_MIN, INT64_MAX, -123456789}) {
    std::string buf;
    PutVarintSigned64(&buf, v);
    std::string_view in = buf;
    int64_t got;
    ASSERT_TRUE(GetVarintSigned64(&in, &got));
    EXPECT_EQ(got, v);
  }
}

TEST(Varint, RejectsTruncatedInput) {
  std::string buf;
  PutVarint64(&buf, UINT64_MAX);
  for (size_t n = 0; n < buf.size(); ++n) {
    std::string_view in(buf.data(), n);
    uint64_t got;
    EXPECT_FALSE(GetVarint64(&in, &got)) << n;
    EXPECT_EQ(in.size(), n) << "input must not advance on failure";
  }
}

TEST(Varint, RejectsOverlongInput) {
  // Eleven continuation bytes, and a tenth byte carrying more than one bit.
  std::string overlong(11, '\xff');
  std::string_view in = overlong;
  uint64_t got;
  EXPECT_FALSE(GetVarint64(&in, &got));
  std::string too_big(9, '\xff');
  too_big.push_back('\x02');
  in = too_big;
  EXPECT_FALSE(GetVarint64(&in, &got));
}

TEST(Varint, Rejects32BitOverflow) {
  std::string buf;
  PutVarint64(&buf, uint64_t{UINT32_MAX} + 1);
  std::string_view in = buf;
  uint32_t got;
  EXPECT_FALSE(GetVarint32(&in, &got));
}

TEST(LengthPrefixed, RejectsLengthBeyondInput) {
  std::string buf;
  PutVarint64(&buf, 10);
  buf += "abc";
  std::string_view in = buf, out;
  EXPECT_FALSE(GetLengthPrefixed(&in, &out));
}

TEST(OrderedInt64, PreservesOrderAsBytes) {
  std::vector<int64_t> values = {INT64_MIN, -5, -1, 0, 1, 5, INT64_MAX};
  for (size_t i = 1; i < values.size(); ++i) {
    std::string a, b;
    PutOrderedInt64(&a, values[i - 1]);
    PutOrderedInt64(&b, values[i]);
    EXPECT_LT(a, b);
    EXPECT_EQ(DecodeOrderedInt64(b.data()), values[i]);
  }
}

TEST(BitStream, RoundTripsMixedWidths) {
  std::string buf;
  BitWriter w(&buf);
  w.WriteBit(true);
  w.WriteBits(0x5, 3);
  w.WriteBits(UINT64_MAX, 64);
  w.WriteBits(0, 0);
  w.WriteBits(0x1234, 13);
  BitReader r(buf);
  EXPECT_TRUE(r.ReadBit());
  EXPECT_EQ(r.ReadBits(3), 0x5u);
  EXPECT_EQ(r.ReadBits(64), UINT64_MAX);
  EXPECT_EQ(r.ReadBits(13), 0x1234u & 0x1fff);
  EXPECT_FALSE(r.overflow());
  r.ReadBits(16);
  EXPECT_TRUE(r.overflow());
}

}  // namespace
}  // namespace tidemark::util
