// Bit-granular writer and reader, most significant bit first, for the Gorilla-style encodings.
#ifndef TIDEMARK_UTIL_BIT_STREAM_H_
#define TIDEMARK_UTIL_BIT_STREAM_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tidemark::util {

// Writes to any byte container with push_back() and back(): std::string, std::vector<char>.
template <typename Buffer>
class BasicBitWriter {
 public:
  explicit BasicBitWriter(Buffer* out) : out_(out) {}
  // Continues a stream whose last byte has `free_bits` unused low bits.
  BasicBitWriter(Buffer* out, int free_bits) : out_(out), free_bits_(free_bits) {}

  void WriteBit(bool bit) {
    if (free_bits_ == 0) {
      out_->push_back(0);
      free_bits_ = 8;
    }
    --free_bits_;
    if (bit)
      out_->back() = static_cast<char>(static_cast<uint8_t>(out_->back()) | (1u << free_bits_));
  }

  // Writes the low `n` bits of `value` (n in 0..64).
  void WriteBits(uint64_t value, int n) {
    while (n > 0) {
      if (free_bits_ == 0) {
        out_->push_back(0);
        free_bits_ = 8;
      }
      const int take = n < free_bits_ ? n : free_bits_;
      const uint64_t chunk = (value >> (n - take)) & ((1ULL << take) - 1);
      const int shift = free_bits_ - take;
      out_->back() = static_cast<char>(static_cast<uint8_t>(out_->back()) | (chunk << shift));
      free_bits_ -= take;
      n -= take;
    }
  }

  int free_bits() const { return free_bits_; }

 private:
  Buffer* out_;
  int free_bits_ = 0;  // unused low bits in out_->back()
};

using BitWriter = BasicBitWriter<std::string>;

// Reads a stream written by BitWriter. Reading past the end sets overflow() and yields zeros, so
// decoders check overflow() instead of trusting lengths from disk.
class BitReader {
 public:
  BitReader() = default;
  explicit BitReader(std::string_view data) : data_(data) {}

  bool ReadBit() {
    if (pos_ >= data_.size() * 8) {
      overflow_ = true;
      return false;
    }
    const bool bit = (static_cast<uint8_t>(data_[pos_ >> 3]) >> (7 - (pos_ & 7))) & 1;
    ++pos_;
    return bit;
  }

  uint64_t ReadBits(int n) {
    if (n == 0) return 0;
    // Fast path: one unaligned 8-byte load holds the wanted bits whenever they fit in 57 bits
    // past the current byte and 8 bytes remain.
    const size_t byte_index = pos_ >> 3;
    if (n <= 57 && byte_index + 8 <= data_.size()) {
      uint64_t word;
      std::memcpy(&word, data_.data() + byte_index, 8);
      word = __builtin_bswap64(word);
      const int offset = static_cast<int>(pos_ & 7);
      pos_ += n;
      return (word << offset) >> (64 - n);
    }
    return ReadBitsSlow(n);
  }

  bool overflow() const { return overflow_; }
  size_t bit_position() const { return pos_; }
  // Continues reading at bit `pos` (a position an earlier read of the same data reached).
  void SeekToBit(size_t pos) {
    if (pos > data_.size() * 8) {
      overflow_ = true;
      pos = data_.size() * 8;
    }
    pos_ = pos;
  }

 private:
  uint64_t ReadBitsSlow(int n) {
    if (pos_ + n > data_.size() * 8) {
      overflow_ = true;
      pos_ = data_.size() * 8;
      return 0;
    }
    uint64_t value = 0;
    while (n > 0) {
      const size_t byte_index = pos_ >> 3;
      const int bit_offset = static_cast<int>(pos_ & 7);
      const int avail = 8 - bit_offset;
      const int take = n < avail ? n : avail;
      const uint8_t byte = static_cast<uint8_t>(data_[byte_index]);
      const uint64_t chunk = (byte >> (avail - take)) & ((1u << take) - 1);
      value = (value << take) | chunk;
      pos_ += take;
      n -= take;
    }
    return value;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool overflow_ = false;
};

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_BIT_STREAM_H_
