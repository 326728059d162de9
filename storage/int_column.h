// A column of unsigned integers (zigzag-coded deltas, in practice), stored either bit-packed at
// the width of its largest value or as varints, whichever is smaller.
#ifndef TIDEMARK_STORAGE_INT_COLUMN_H_
#define TIDEMARK_STORAGE_INT_COLUMN_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark::storage {

// Appends the column; the count is not stored (the block header has it).
void EncodeIntColumn(const std::vector<uint64_t>& values, std::string* out);
// Size EncodeIntColumn would produce.
size_t EncodedIntColumnSize(const std::vector<uint64_t>& values);
// Reads `count` values, advancing `input`; false on malformed or truncated input.
bool DecodeIntColumn(std::string_view* input, size_t count, std::vector<uint64_t>* out);

// A bit-packed column read in place, value after value: the block decoder folds each value into
// a timestamp or mantissa as it goes instead of first copying the column out (DecodeIntColumn
// does that, and the copy was a good part of decoding). Views the input; valid while it is.
class PackedIntColumn {
 public:
  // Takes the column of `count` values at the front of `input`, advancing past it, if it is
  // bit-packed at a width of at most 56 bits and complete. False, with `input` unchanged,
  // otherwise: DecodeIntColumn then reads the column or reports it malformed.
  bool Open(std::string_view* input, size_t count);
  // The next value; at most `count` calls.
  uint64_t Next() {
    if (width_ == 0) return 0;
    const size_t byte = bit_ >> 3;
    uint64_t word = 0;
    if (byte + 8 <= bytes_) {
      std::memcpy(&word, data_ + byte, 8);
      word = __builtin_bswap64(word);
    } else {
      // The column's last bytes: no 8-byte load past its end.
      for (size_t k = byte; k < byte + 8; ++k) {
        word = (word << 8) | (k < bytes_ ? static_cast<uint8_t>(data_[k]) : 0u);
      }
    }
    // A value starts at bit (bit_ & 7) of the word, MSB first, and fits: width_ + 7 <= 63.
    const uint64_t v = (word >> (64 - width_ - (bit_ & 7))) & mask_;
    bit_ += static_cast<size_t>(width_);
    return v;
  }

 private:
  const char* data_ = nullptr;
  size_t bytes_ = 0;
  size_t bit_ = 0;
  int width_ = 0;
  uint64_t mask_ = 0;
};

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_INT_COLUMN_H_
