#include "storage/block_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "tests/storage/test_util.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace tidemark::storage {
namespace {

using tidemark::testing::Bits;

void ExpectRoundTrip(const std::vector<Sample>& in, ValueEncoding* used = nullptr) {
  const std::string block = EncodeBlock(77, in);
  BlockHeader h;
  std::vector<Sample> out;
  Status s = DecodeBlock(block, &h, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(h.series_id, 77u);
  EXPECT_EQ(h.count, in.size());
  EXPECT_EQ(h.min_time, in.front().timestamp_ms);
  EXPECT_EQ(h.max_time, in.back().timestamp_ms);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(out[i].timestamp_ms, in[i].timestamp_ms) << i;
    ASSERT_EQ(Bits(out[i].value), Bits(in[i].value)) << i << " " << in[i].value;
  }
  if (used) *used = h.value_encoding;
}

TEST(BlockCodec, WritersCutSamplesIntoBlocksReadersAccept) {
  using Ranges = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(BlockRanges(0, 3), Ranges{});
  EXPECT_EQ(BlockRanges(3, 3), (Ranges{{0, 3}}));
  EXPECT_EQ(BlockRanges(7, 3), (Ranges{{0, 3}, {3, 6}, {6, 7}}));
  EXPECT_EQ(BlockRanges(5), (Ranges{{0, 5}}));
  EXPECT_EQ(BlockRanges(size_t{kMaxBlockSamples} + 1).size(), 2u);
}

TEST(BlockCodec, RoundTripsOneSample) {
  ExpectRoundTrip({{42, 1.0}});
  ExpectRoundTrip({{-42, std::numeric_limits<double>::quiet_NaN()}});
}

TEST(BlockCodec, RoundTripsSpecialValuesInDecimalBlock) {
  // Mostly decimal values with NaN, infinities, -0 and a stale marker as exceptions.
  std::vector<Sample> in;
  for (int i = 0; i < 100; ++i) in.push_back({1'000 + i * 15'000LL, i * 0.25});
  in[3].value = std::numeric_limits<double>::quiet_NaN();
  in[10].value = StaleMarker();
  in[20].value = std::numeric_limits<double>::infinity();
  in[21].value = -std::numeric_limits<double>::infinity();
  in[50].value = -0.0;
  ValueEncoding used;
  ExpectRoundTrip(in, &used);
  EXPECT_EQ(used, ValueEncoding::kDecimal);
}

TEST(BlockCodec, RoundTripsNonDecimalValuesWithXor) {
  std::mt19937_64 rng(3);
  std::vector<Sample> in;
  for (int i = 0; i < 500; ++i) in.push_back({i * 1000LL, std::bit_cast<double>(rng())});
  ValueEncoding used;
  ExpectRoundTrip(in, &used);
  EXPECT_EQ(used, ValueEncoding::kXor);
}

TEST(BlockCodec, RoundTripsNegativeAndLargeTimestamps) {
  ExpectRoundTrip({{std::numeric_limits<int64_t>::min() / 2, 1},
                   {-1, 2},
                   {0, 3},
                   {std::numeric_limits<int64_t>::max() / 2, 4}});
}

TEST(BlockCodec, RoundTripsMillionSamples) {
  std::vector<Sample> in;
  in.reserve(1'000'000);
  std::mt19937_64 rng(1);
  int64_t t = 1'700'000'000'000;
  int64_t cents = 5000;
  for (int i = 0; i < 1'000'000; ++i) {
    t += 15'000 + static_cast<int64_t>(rng() % 11) - 5;
    cents += static_cast<int64_t>(rng() % 201) - 100;
    in.push_back({t, cents / 100.0});
  }
  const std::string block = EncodeBlock(1, in);
  EXPECT_LT(block.size(), in.size() * 3)
      << "two-decimal gauges with jitter should take under 3 bytes a sample";
  ExpectRoundTrip(in);
}

TEST(BlockCodec, CountersCompressBelowTwoBytesPerSample) {
  std::vector<Sample> in;
  std::mt19937_64 rng(5);
  double v = 1e6;
  for (int i = 0; i < 240; ++i) {
    v += static_cast<double>(rng() % 100);
    in.push_back({1'700'000'000'000 + i * 15'000LL + static_cast<int64_t>(rng() % 11) - 5, v});
  }
  EXPECT_LT(EncodeBlock(1, in).size(), in.size() * 2);
}

TEST(BlockCodec, TruncatedBlockIsCorruption) {
  std::vector<Sample> in;
  for (int i = 0; i < 50; ++i) in.push_back({i * 15'000LL, i * 1.5});
  const std::string block = EncodeBlock(9, in);
  for (size_t n = 0; n < block.size(); ++n) {
    BlockHeader h;
    std::vector<Sample> out;
    EXPECT_EQ(DecodeBlock(std::string_view(block).substr(0, n), &h, &out).code(),
              StatusCode::kCorruption)
        << n;
  }
}

TEST(BlockCodec, EveryFlippedBitIsCorruption) {
  std::vector<Sample> in;
  for (int i = 0; i < 30; ++i) in.push_back({1'700'000'000'000 + i * 15'000LL, i * 2.5});
  const std::string block = EncodeBlock(12345, in);
  for (size_t bit = 0; bit < block.size() * 8; ++bit) {
    std::string damaged = block;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    BlockHeader h;
    std::vector<Sample> out;
    Status s = DecodeBlock(damaged, &h, &out);
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << "bit " << bit;
  }
}

TEST(BlockCodec, CorruptionMessageNamesSeriesAndRange) {
  std::vector<Sample> in = {{1000, 1}, {2000, 2}};
  std::string block = EncodeBlock(4242, in);
  block[block.size() - 6] ^= 0x10;  // a value byte
  BlockHeader h;
  std::vector<Sample> out;
  Status s = DecodeBlock(block, &h, &out);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("series 4242"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.message();
}

// A two-sample XOR block written field by field (layout: docs/format/chunk-encoding.md) with a
// valid checksum, so that the timestamp fields can hold what EncodeBlock never writes.
std::string TwoSampleBlock(int64_t min_time, uint64_t span, uint64_t first_delta) {
  // The XOR value column of a real two-sample block.
  const std::string real = EncodeBlock(1, {{0, 0.5}, {1, 1.0 / 3}});
  std::string_view in = std::string_view(real).substr(2, real.size() - 6);
  uint64_t v, ts_len;
  int64_t sv;
  EXPECT_TRUE(util::GetVarint64(&in, &v) && util::GetVarintSigned64(&in, &sv) &&
              util::GetVarint64(&in, &v) && util::GetVarint64(&in, &v) &&
              util::GetVarint64(&in, &ts_len));
  EXPECT_EQ(static_cast<uint8_t>(real[1]) >> 4, static_cast<int>(ValueEncoding::kXor));
  // Its timestamp column is the first delta, then the (empty) column of deltas of deltas.
  std::string_view real_ts = in.substr(0, ts_len);
  in.remove_prefix(ts_len);
  EXPECT_TRUE(util::GetVarint64(&real_ts, &v));
  std::string ts_col;
  util::PutVarint64(&ts_col, first_delta);
  ts_col += real_ts;
  std::string block = real.substr(0, 2);
  util::PutVarint64(&block, 1);
  util::PutVarintSigned64(&block, min_time);
  util::PutVarint64(&block, span);
  util::PutVarint64(&block, 2);
  util::PutVarint64(&block, ts_col.size());
  block += ts_col;
  block += in;
  util::PutFixed32(&block, util::Crc32c(block));
  return block;
}

// Found by tests/fuzz/block_fuzzer.cc: the delta sum overflowed int64 (undefined behaviour), and
// a block whose timestamps wrapped around or repeated decoded as valid.
TEST(BlockCodec, TimestampDeltaPastInt64MaxIsCorruption) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  // max - 1 + 3 wraps to INT64_MIN + 1, which the header's max time (min + span, wrapped) matches.
  const std::string block = TwoSampleBlock(max - 1, 3, 3);
  BlockHeader h;
  std::vector<Sample> out;
  Status s = DecodeBlock(block, &h, &out);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("does not make timestamps increase"), std::string::npos)
      << s.message();
}

TEST(BlockCodec, RepeatedOrDecreasingTimestampIsCorruption) {
  for (uint64_t delta : {uint64_t{0}, static_cast<uint64_t>(-5)}) {
    const std::string block = TwoSampleBlock(1000, delta, delta);
    BlockHeader h;
    std::vector<Sample> out;
    Status s = DecodeBlock(block, &h, &out);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << delta;
    EXPECT_NE(s.message().find("does not make timestamps increase"), std::string::npos)
        << s.message();
  }
  // The same layout with a positive delta decodes: the test builds blocks correctly.
  BlockHeader h;
  std::vector<Sample> out;
  Status s = DecodeBlock(TwoSampleBlock(1000, 5, 5), &h, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].timestamp_ms, 1005);
}

}  // namespace
}  // namespace tidemark::storage
