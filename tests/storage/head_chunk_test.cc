#include "storage/head_chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
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

// A summary, when the chunk gives one, is exactly that of the samples at or after `from`, and
// they hold no stale marker and no value below its predecessor.
void ExpectSummaryHolds(const HeadChunk& c, const std::vector<Sample>& in, int64_t from) {
  SampleSummary summary;
  if (!c.SummarizeFrom(from, &summary)) return;
  const auto first = std::lower_bound(
      in.begin(), in.end(), from, [](const Sample& a, int64_t t) { return a.timestamp_ms < t; });
  ASSERT_NE(first, in.end()) << "a summary of no samples, from " << from;
  EXPECT_EQ(summary.count, static_cast<uint64_t>(in.end() - first)) << "from " << from;
  EXPECT_EQ(summary.first.timestamp_ms, first->timestamp_ms);
  EXPECT_EQ(Bits(summary.first.value), Bits(first->value)) << "from " << from;
  EXPECT_EQ(summary.last.timestamp_ms, in.back().timestamp_ms);
  EXPECT_EQ(Bits(summary.last.value), Bits(in.back().value)) << "from " << from;
  for (auto it = first; it != in.end(); ++it) {
    EXPECT_FALSE(IsStaleMarker(it->value)) << "summarized over a stale marker, from " << from;
    if (it != first) {
      EXPECT_FALSE(it->value < (it - 1)->value) << "over a decrease, from " << from;
    }
  }
}

void ExpectRoundTrip(const std::vector<Sample>& in) {
  HeadChunk c;
  for (const Sample& s : in) c.Append(s.timestamp_ms, s.value);
  ASSERT_EQ(c.num_samples(), in.size());
  HeadChunkIterator it(c.bytes(), c.num_samples());
  for (const Sample& s : in) {
    ASSERT_TRUE(it.Next()) << it.status().ToString();
    EXPECT_EQ(it.t(), s.timestamp_ms);
    EXPECT_EQ(Bits(it.v()), Bits(s.value)) << "at t=" << s.timestamp_ms;
  }
  EXPECT_FALSE(it.Next());
  EXPECT_TRUE(it.status().ok());
  // From a checkpoint: every sample at or after `from`, exactly, whatever `from` is.
  const size_t step = in.size() <= 400 ? 1 : 37;
  for (size_t i = 0; i < in.size(); i += step) {
    for (const int64_t from :
         {in[i].timestamp_ms - 1, in[i].timestamp_ms, in[i].timestamp_ms + 1}) {
      HeadChunkIterator from_it;
      from_it.ResetFrom(c, from);
      size_t want = static_cast<size_t>(
          std::lower_bound(in.begin(), in.end(), from,
                           [](const Sample& a, int64_t t) { return a.timestamp_ms < t; }) -
          in.begin());
      while (from_it.Next()) {
        if (from_it.t() < from) continue;
        ASSERT_LT(want, in.size());
        ASSERT_EQ(from_it.t(), in[want].timestamp_ms) << "from " << from;
        ASSERT_EQ(Bits(from_it.v()), Bits(in[want].value)) << "from " << from;
        ++want;
      }
      EXPECT_EQ(want, in.size()) << "from " << from;
      EXPECT_TRUE(from_it.status().ok()) << from_it.status().ToString();
      ExpectSummaryHolds(c, in, from);
    }
  }
}

TEST(HeadChunk, RoundTripsSpecialValuesBitExactly) { ExpectRoundTrip(SpecialValues()); }

TEST(HeadChunk, StaleMarkerDiffersFromOrdinaryNaN) {
  HeadChunk c;
  c.Append(1, std::numeric_limits<double>::quiet_NaN());
  c.Append(2, StaleMarker());
  HeadChunkIterator it(c.bytes(), 2);
  ASSERT_TRUE(it.Next());
  EXPECT_FALSE(IsStaleMarker(it.v()));
  ASSERT_TRUE(it.Next());
  EXPECT_TRUE(IsStaleMarker(it.v()));
}

TEST(HeadChunk, RoundTripsOneSample) { ExpectRoundTrip({{123, 4.5}}); }

TEST(HeadChunk, RoundTripsRandomValuesAndIrregularTimestamps) {
  std::mt19937_64 rng(7);
  std::vector<Sample> in;
  int64_t t = -100'000;
  for (int i = 0; i < 5000; ++i) {
    t += 1 + static_cast<int64_t>(rng() % (i % 3 == 0 ? 5'000'000'000ULL : 30'000));
    in.push_back({t, std::bit_cast<double>(rng())});
  }
  ExpectRoundTrip(in);
}

TEST(HeadChunk, RoundTripsDecimalSeriesWithExponentChangesAndRawValues) {
  std::vector<Sample> in;
  int64_t t = 1'700'000'000'000;
  double counter = 1e6;
  for (int i = 0; i < 300; ++i) {
    t += 15'000 + (i % 7) - 3;
    counter += i % 13;
    double v = counter;
    if (i == 50) v = 12.5;                                     // one decimal: exponent 0 -> 1
    if (i == 60) v = 0.125;                                    // exponent 1 -> 3
    if (i == 70) v = StaleMarker();                            // raw escape
    if (i == 71) v = -0.0;                                     // raw escape
    if (i == 72) v = std::numeric_limits<double>::infinity();  // raw escape
    if (i == 80) v = 1.0 / 3.0;                                // not decimal: raw escape
    if (i == 90) v = -9e18;                                    // mantissa too large: raw escape
    if (i == 91) v = 9.2e18;
    in.push_back({t, v});
  }
  ExpectRoundTrip(in);
}

TEST(HeadChunk, DecimalValuesTakeFewBits) {
  HeadChunk c;
  int64_t cents = 5000;
  std::mt19937_64 rng(9);
  for (int i = 0; i < 240; ++i) {
    cents += static_cast<int64_t>(rng() % 201) - 100;
    c.Append(1'700'000'000'000 + i * 15'000LL + static_cast<int64_t>(rng() % 11) - 5,
             cents / 100.0);
  }
  // Two-decimal gauges: about 7 bits of timestamp and 10 of value a sample, not the ~50 of XOR.
  EXPECT_LT(c.bytes().size(), 240u * 3);
}

// The buffer grows in steps: a chunk of 240 counter samples reallocates (and copies itself) a
// few times, not once for nearly every sample as when each growth left room for just one more.
TEST(HeadChunk, BufferGrowsInStepsNotPerSample) {
  for (const int64_t step : {1, 40, 5'000}) {  // samples of ~1, ~1.5 and ~3 bytes
    HeadChunk c;
    double value = 1e6;
    size_t memory = c.MemoryBytes();
    int growths = 0;
    for (int i = 0; i < 240; ++i) {
      value += static_cast<double>(step * (i % 7));
      c.Append(1'700'000'000'000 + i * 15'000LL, value);
      if (c.MemoryBytes() != memory) {
        ++growths;
        memory = c.MemoryBytes();
      }
    }
    EXPECT_LE(growths, 16) << "step " << step << ", " << c.bytes().size() << " bytes";
    // ...and holds no more beyond its bytes than the growth allows: a sample's worst case (24),
    // an eighth of the size (over 16 bytes here), and rounding to a size class (at most 64 bytes
    // between 256 and 512).
    EXPECT_LE(c.MemoryBytes() - sizeof(HeadChunk), c.bytes().size() * 9 / 8 + 24 + 64)
        << "step " << step;
  }
}

// Windows of a counter are summarized unless they hold a reset, a stale marker or a value the
// decimal coding escapes raw; gauges (XOR-coded here) unless they hold a decrease.
TEST(HeadChunk, SummarizesWindowsWithoutResetsOrStaleMarkers) {
  for (const bool decimal : {true, false}) {
    HeadChunk c;
    std::vector<Sample> in;
    double v = decimal ? 1000 : 1.0 / 3.0;
    for (int i = 0; i < 200; ++i) {
      v += decimal ? i % 5 : 1.0 / 7.0;
      if (i == 100) v = decimal ? 3 : 1.0 / 9.0;  // a reset
      double value = v;
      if (i == 150) value = StaleMarker();
      if (decimal && i == 170) value = 1e300;  // escaped raw
      const int64_t t = 1'700'000'000'000 + i * 15'000LL;
      c.Append(t, value);
      in.push_back({t, value});
    }
    for (int i = 0; i < 200; ++i) {
      SampleSummary summary;
      const bool irregular_after = i <= (decimal ? 170 : 150);
      EXPECT_EQ(c.SummarizeFrom(in[i].timestamp_ms, &summary), !irregular_after)
          << "decimal " << decimal << " from sample " << i;
      ExpectSummaryHolds(c, in, in[i].timestamp_ms);
    }
  }
}

// Reads of a chunk's last minutes start at its newest checkpoint before them, not at its first
// sample, in every value mode and at every chunk length.
TEST(HeadChunkIterator, ResetFromStartsAtTheLatestCheckpointBefore) {
  for (const bool decimal : {true, false}) {
    HeadChunk c;
    std::vector<Sample> in;
    std::mt19937_64 rng(11);
    for (int i = 0; i < 240; ++i) {
      const int64_t t = 1'700'000'000'000 + i * 15'000LL + static_cast<int64_t>(rng() % 7);
      const double v = decimal ? i * 2.5 : std::bit_cast<double>(rng() >> 2);
      c.Append(t, v);
      in.push_back({t, v});
      // A read of the last sample only.
      HeadChunkIterator it;
      it.ResetFrom(c, t);
      ASSERT_TRUE(it.Next());
      const size_t newest =
          c.num_samples() < HeadChunkCheckpoint::kEvery + 1
              ? 0
              : (c.num_samples() - 1) / HeadChunkCheckpoint::kEvery * HeadChunkCheckpoint::kEvery;
      EXPECT_EQ(it.t(), in[newest].timestamp_ms) << "decimal " << decimal << " at " << i;
      EXPECT_EQ(Bits(it.v()), Bits(in[newest].value));
    }
    // Before the oldest kept checkpoint: from the start. (The newest is at sample 240, the end.)
    constexpr uint32_t kEvery = HeadChunkCheckpoint::kEvery;
    const size_t oldest = (240 / kEvery - (HeadChunkCheckpoint::kKept - 1)) * kEvery;
    HeadChunkIterator it;
    it.ResetFrom(c, in[oldest - 5].timestamp_ms);
    ASSERT_TRUE(it.Next());
    EXPECT_EQ(it.t(), in[0].timestamp_ms);
    it.ResetFrom(c, in[oldest + 2].timestamp_ms);
    ASSERT_TRUE(it.Next());
    EXPECT_EQ(it.t(), in[oldest].timestamp_ms);
    it.ResetFrom(c, in[oldest + kEvery + 1].timestamp_ms);
    ASSERT_TRUE(it.Next());
    EXPECT_EQ(it.t(), in[oldest + kEvery].timestamp_ms);
  }
}

// A mark at the chunk's end (what a checkpoint of the store stored of it): later reads from just
// after it start there, and yield every later sample exactly, in every value mode, wherever the
// mark falls between the periodic checkpoints and whatever follows it.
TEST(HeadChunkIterator, ResetFromStartsAtTheEndMark) {
  for (const bool decimal : {true, false}) {
    for (int marked = 1; marked < 60; marked += 7) {
      HeadChunk c;
      std::vector<Sample> in;
      std::mt19937_64 rng(marked);
      auto append = [&](int i) {
        const int64_t t = 1'700'000'000'000 + i * 15'000LL + static_cast<int64_t>(rng() % 7);
        double v = decimal ? i * 2.5 : std::bit_cast<double>(rng() >> 2);
        if (decimal && i == marked + 3) v = 1e300;  // a raw escape after the mark
        c.Append(t, v);
        in.push_back({t, v});
      };
      int i = 0;
      for (; i < marked; ++i) append(i);
      c.MarkEnd();
      for (; i < marked + 80; ++i) append(i);  // periodic checkpoints pass over the mark
      const int64_t from = in[marked - 1].timestamp_ms + 1;
      const HeadChunkCheckpoint* mark = c.CheckpointBefore(from);
      ASSERT_NE(mark, nullptr);
      EXPECT_EQ(mark->samples, static_cast<uint16_t>(marked));
      HeadChunkIterator it;
      it.ResetFrom(c, from);
      for (size_t k = marked; k < in.size(); ++k) {
        ASSERT_TRUE(it.Next()) << "decimal " << decimal << " mark " << marked << " at " << k;
        EXPECT_EQ(it.t(), in[k].timestamp_ms);
        EXPECT_EQ(Bits(it.v()), Bits(in[k].value)) << k;
      }
      EXPECT_FALSE(it.Next());
      EXPECT_TRUE(it.status().ok()) << it.status().ToString();
    }
  }
}

TEST(HeadChunkIterator, TruncatedChunkIsCorruptionNotCrash) {
  HeadChunk c;
  for (int i = 0; i < 100; ++i) c.Append(i * 15'000 + (i % 3), i * 1.25);
  for (size_t n = 0; n < c.bytes().size(); ++n) {
    HeadChunkIterator it(c.bytes().substr(0, n), c.num_samples());
    int read = 0;
    while (it.Next()) ++read;
    EXPECT_LT(read, 100);
    EXPECT_EQ(it.status().code(), StatusCode::kCorruption) << n;
  }
}

}  // namespace
}  // namespace tidemark::storage
