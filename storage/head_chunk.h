// HeadChunk: the head's in-memory chunk, appended one sample at a time. Timestamps are
// delta-of-delta coded in variable-width buckets. Values are decimal mantissa deltas while they
// are decimal numbers (counters, gauges with a few decimals: most metrics), with escapes for a
// larger exponent and for raw values (NaN, stale markers, ±Inf, -0); a chunk whose first value is
// not decimal XOR-codes its values (Gorilla). Every bit pattern of a double round-trips exactly.
// Layout: docs/format/chunk-encoding.md.
//
// Thread safety: none; the owning series' lock guards it.
#ifndef TIDEMARK_STORAGE_HEAD_CHUNK_H_
#define TIDEMARK_STORAGE_HEAD_CHUNK_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/xor_values.h"
#include "tidemark/querier.h"
#include "tidemark/status.h"
#include "util/bit_stream.h"
#include "util/coding.h"

namespace tidemark::storage {

// The decoder's state after a sample, so that a read can start near its range instead of at the
// chunk's first sample: rules and dashboards read the last few minutes of chunks that hold up to
// an hour. Kept in memory beside the bytes, never stored.
struct HeadChunkCheckpoint {
  uint64_t value_state = 0;  // the decimal mantissa, or the previous value's bits (XOR mode)
  uint32_t bit_offset = 0;   // where the next sample starts
  uint32_t time_offset = 0;  // the sample's time - the chunk's min time
  int32_t delta = 0;         // its time minus the previous sample's
  uint16_t samples = 0;      // samples before bit_offset; 0: no checkpoint
  // XOR mode: XorState's leading and trailing. Decimal mode: leading is kDecimal and trailing
  // the exponent (the two modes' state shares these bytes, which keeps the struct at 24).
  uint8_t leading = 0xff;
  uint8_t trailing = 0;

  static constexpr uint8_t kDecimal = 0xfe;  // never an XOR leading count (0-31 or 0xff)
  // Every 12 samples, the last 3 kept (72 bytes a chunk): a rule's or dashboard's 5-minute window
  // of 15 s samples (20) is always covered by a kept checkpoint and decodes 25 samples on average
  // (every 32, 2 kept: 35).
  static constexpr uint32_t kEvery = 12;
  static constexpr int kKept = 3;
};

class HeadChunk {
 public:
  // Appends a sample. The caller guarantees timestamps strictly increase.
  void Append(int64_t t, double v);

  uint32_t num_samples() const { return num_samples_; }
  int64_t min_time() const { return min_time_; }
  int64_t max_time() const { return max_time_; }
  std::string_view bytes() const { return {bytes_.data(), bytes_.size()}; }
  size_t MemoryBytes() const { return sizeof(*this) + bytes_.capacity(); }
  // Gives back unused buffer space; called when the chunk is closed.
  void ShrinkToFit() { bytes_.shrink_to_fit(); }
  // Keeps the decoder's state after the newest sample (beside the periodic checkpoints, and
  // replacing an earlier mark): a checkpoint of the store marks what it stored of a chunk it
  // keeps open, so that reads taking those samples from stored blocks decode only the newer ones.
  void MarkEnd() { TakeCheckpoint(&end_mark_); }
  // The latest checkpoint whose sample is before `t`, or null: decoding from it yields every
  // sample at or after `t`. Checkpoints are taken every HeadChunkCheckpoint::kEvery samples and
  // the last kKept are kept, so a window reaching up to (kKept - 1) * kEvery samples back from
  // the chunk's end decodes fewer than kEvery samples it does not need. The MarkEnd mark counts
  // as one.
  const HeadChunkCheckpoint* CheckpointBefore(int64_t t) const;
  // The byte where a read from `t` starts decoding (ResetFrom), for prefetching; null if empty.
  const char* DecodeStartFor(int64_t t) const;
  // The chunk's samples at or after `mint` in brief (SelectHints::window_summary), decoding only
  // from the checkpoint before `mint` to the first of them: the last sample and the count are
  // known without decoding. False when there is none, or when one of them is a stale marker, a
  // value the decimal coding escapes raw, or below the sample before it (then the caller decodes).
  bool SummarizeFrom(int64_t mint, SampleSummary* out) const;

 private:
  // Appends the value; returns whether the sample is irregular for SummarizeFrom.
  bool AppendValue(util::BasicBitWriter<std::vector<char>>* w, double v);
  // The decoder's state after the newest sample, into *out (left as it is past the bounds a
  // checkpoint can describe).
  void TakeCheckpoint(HeadChunkCheckpoint* out) const;

  // A vector rather than a string: its capacity grows by the small steps Append asks for, where a
  // string's would double, and head memory is mostly these buffers.
  std::vector<char> bytes_;
  int64_t min_time_ = 0;
  int64_t max_time_ = 0;
  int64_t last_delta_ = 0;
  int64_t mantissa_ = 0;  // decimal mode: the last decimal value's mantissa
  XorState xor_;          // XOR mode (exponent_ < 0)
  uint32_t num_samples_ = 0;
  int8_t free_bits_ = 0;
  int8_t exponent_ = -1;  // decimal exponent, or -1 in XOR mode
  // One past the newest sample that is a stale marker, a raw escape or below its predecessor
  // (0: none): windows starting at or after it may be summarized. In the padding before
  // checkpoints_, so it costs no memory; chunks of 65,535 samples or more are never summarized.
  uint16_t irregular_end_ = 0;
  HeadChunkCheckpoint checkpoints_[HeadChunkCheckpoint::kKept];  // oldest first
  HeadChunkCheckpoint end_mark_;                                 // MarkEnd's
};

// Decodes `num_samples` samples from bytes written by HeadChunk. Damaged input ends iteration
// with a Corruption status.
class HeadChunkIterator {
 public:
  HeadChunkIterator() = default;
  HeadChunkIterator(std::string_view bytes, uint32_t num_samples) { Reset(bytes, num_samples); }
  void Reset(std::string_view bytes, uint32_t num_samples);
  // Iterates `chunk` from its latest checkpoint before `t` (or its start): every sample at or
  // after `t` comes, and usually few before it. `chunk` must outlive the iteration.
  void ResetFrom(const HeadChunk& chunk, int64_t t);

  bool Next();
  // The current sample's position in the chunk (after Next returned true).
  uint32_t index() const { return read_ - 1; }
  int64_t t() const { return t_; }
  double v() const { return util::BitsToDouble(value_bits_); }
  const Status& status() const { return status_; }

 private:
  bool ReadValue();

  util::BitReader reader_;
  uint32_t remaining_ = 0;
  uint32_t read_ = 0;
  int64_t t_ = 0;
  int64_t delta_ = 0;
  int64_t mantissa_ = 0;
  uint64_t value_bits_ = 0;
  XorState xor_;
  int exponent_ = -1;
  Status status_;
};

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_HEAD_CHUNK_H_
