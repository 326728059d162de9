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
#include "tidemark/status.h"
#include "util/bit_stream.h"
#include "util/coding.h"

namespace tidemark::storage {

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

 private:
  void AppendValue(util::BasicBitWriter<std::vector<char>>* w, double v);

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
};

// Decodes `num_samples` samples from bytes written by HeadChunk. Damaged input ends iteration
// with a Corruption status.
class HeadChunkIterator {
 public:
  HeadChunkIterator() = default;
  HeadChunkIterator(std::string_view bytes, uint32_t num_samples) { Reset(bytes, num_samples); }
  void Reset(std::string_view bytes, uint32_t num_samples);

  bool Next();
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
