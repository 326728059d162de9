// XorChunk: the head's in-memory chunk, appended one sample at a time. Timestamps are
// delta-of-delta coded in variable-width buckets, values XOR-coded against the previous value
// (Gorilla, Pelkonen et al. 2015). Every bit pattern of a double, stale markers and -0 included,
// round-trips exactly. Layout: docs/format/chunk-encoding.md.
//
// Thread safety: none; the owning series' lock guards it.
#ifndef TIDEMARK_STORAGE_XOR_CHUNK_H_
#define TIDEMARK_STORAGE_XOR_CHUNK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tidemark/status.h"
#include "util/bit_stream.h"

namespace tidemark::storage {

class XorChunk {
 public:
  // Appends a sample. The caller guarantees timestamps strictly increase.
  void Append(int64_t t, double v);

  uint32_t num_samples() const { return num_samples_; }
  int64_t min_time() const { return min_time_; }
  int64_t max_time() const { return max_time_; }
  double last_value() const;
  const std::string& bytes() const { return bytes_; }
  size_t MemoryBytes() const { return sizeof(*this) + bytes_.capacity(); }

 private:
  std::string bytes_;
  int free_bits_ = 0;
  uint32_t num_samples_ = 0;
  int64_t min_time_ = 0;
  int64_t max_time_ = 0;
  int64_t last_delta_ = 0;
  uint64_t last_value_bits_ = 0;
  uint8_t leading_ = 0xff;  // 0xff: no previous XOR window
  uint8_t trailing_ = 0;
};

// Decodes `num_samples` samples from bytes written by XorChunk (or by the XOR value/timestamp
// streams of a stored block). Damaged input ends iteration with a Corruption status.
class XorIterator {
 public:
  XorIterator() = default;
  XorIterator(std::string_view bytes, uint32_t num_samples) { Reset(bytes, num_samples); }
  void Reset(std::string_view bytes, uint32_t num_samples);

  bool Next();
  int64_t t() const { return t_; }
  double v() const;
  const Status& status() const { return status_; }

 private:
  util::BitReader reader_;
  uint32_t remaining_ = 0;
  uint32_t read_ = 0;
  int64_t t_ = 0;
  int64_t delta_ = 0;
  uint64_t value_bits_ = 0;
  uint8_t leading_ = 0;
  uint8_t trailing_ = 0;
  Status status_;
};

// The XOR value stream alone (no timestamps), used by stored blocks whose values are not decimal.
void AppendXorValue(util::BitWriter* w, uint64_t bits, uint64_t* prev_bits, uint8_t* leading,
                    uint8_t* trailing, bool first);
bool ReadXorValue(util::BitReader* r, uint64_t* prev_bits, uint8_t* leading, uint8_t* trailing,
                  bool first);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_XOR_CHUNK_H_
