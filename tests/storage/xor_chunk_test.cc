#include "storage/xor_chunk.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "tests/storage/test_util.h"
#include "tidemark/engine.h"

namespace tidemark::storage {
namespace {

using tidemark::testing::Bits;

std::vector<Sample> SpecialValues() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  return {{-5'000'000'000'000, 0.0},
          {-1, -0.0},
          {0, nan},
          {1, StaleMarker()},
          {2, std::numeric_limits<double>::infinity()},
          {15'002, -std::numeric_limits<double>::infinity()},
          {30'001, std::numeric_limits<double>::denorm_min()},
          {45'000, std::numeric_limits<double>::max()},
          {9'000'000'000'000'000, 1.5},
          {9'000'000'000'000'001, -2.25}};
}

void ExpectRoundTrip(const std::vector<Sample>& in) {
  XorChunk c;
  for (const Sample& s : in) c.Append(s.timestamp_ms, s.value);
  ASSERT_EQ(c.num_samples(), in.size());
  XorIterator it(c.bytes(), c.num_samples());
  for (const Sample& s : in) {
    ASSERT_TRUE(it.Next()) << it.status().ToString();
    EXPECT_EQ(it.t(), s.timestamp_ms);
    EXPECT_EQ(Bits(it.v()), Bits(s.value)) << "at t=" << s.timestamp_ms;
  }
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.status().ok());
}

TEST(XorChunk, RoundTripsSpecialValuesBitExactly) { ExpectRoundTrip(SpecialValues()); }

TEST(XorChunk, StaleMarkerDiffersFromOrdinaryNaN) {
  XorChunk c;
  c.Append(1, std::numeric_limits<double>::quiet_NaN());
  c.Append(2, StaleMarker());
  XorIterator it(c.bytes(), 2);
  ASSERT_TRUE(it.Next());
  EXPECT_FALSE(IsStaleMarker(it.v()));
  ASSERT_TRUE(it.Next());
  EXPECT_TRUE(IsStaleMarker(it.v()));
}

TEST(XorChunk, RoundTripsOneSample) { ExpectRoundTrip({{123, 4.5}}); }

TEST(XorChunk, RoundTripsRandomValuesAndIrregularTimestamps) {
  std::mt19937_64 rng(7);
  std::vector<Sample> in;
  int64_t t = -100'000;
  for (int i = 0; i < 5000; ++i) {
    t += 1 + static_cast<int64_t>(rng() % (i % 3 == 0 ? 5'000'000'000ULL : 30'000));
    in.push_back({t, std::bit_cast<double>(rng())});
  }
  ExpectRoundTrip(in);
}

TEST(XorIterator, TruncatedChunkIsCorruptionNotCrash) {
  XorChunk c;
  for (int i = 0; i < 100; ++i) c.Append(i * 15'000 + (i % 3), i * 1.25);
  for (size_t n = 0; n < c.bytes().size(); ++n) {
    XorIterator it(std::string_view(c.bytes()).substr(0, n), c.num_samples());
    int read = 0;
    while (it.Next()) ++read;
    EXPECT_LT(read, 100);
    EXPECT_EQ(it.status().code(), StatusCode::kCorruption) << n;
  }
}

}  // namespace
}  // namespace tidemark::storage
