#include "storage/int_column.h"

#include <bit>
#include <cstring>

#include "util/bit_stream.h"
#include "util/coding.h"

namespace tidemark::storage {
namespace {

// Integer column kinds. Persisted: never renumber.
constexpr uint8_t kBitPacked = 0;
constexpr uint8_t kVarint = 1;

int WidthOf(const std::vector<uint64_t>& values) {
  uint64_t all = 0;
  for (uint64_t v : values) all |= v;
  return 64 - std::countl_zero(all);
}

size_t VarintBytes(const std::vector<uint64_t>& values) {
  size_t n = 0;
  for (uint64_t v : values) n += util::VarintLength(v);
  return n;
}

}  // namespace

size_t EncodedIntColumnSize(const std::vector<uint64_t>& values) {
  const size_t packed = 2 + (values.size() * WidthOf(values) + 7) / 8;
  return 1 + std::min(packed - 1, VarintBytes(values));
}

void EncodeIntColumn(const std::vector<uint64_t>& values, std::string* out) {
  const int width = WidthOf(values);
  const size_t packed = 1 + (values.size() * width + 7) / 8;
  if (packed <= VarintBytes(values)) {
    out->push_back(static_cast<char>(kBitPacked));
    out->push_back(static_cast<char>(width));
    util::BitWriter w(out);
    for (uint64_t v : values) w.WriteBits(v, width);
    return;
  }
  out->push_back(static_cast<char>(kVarint));
  for (uint64_t v : values) util::PutVarint64(out, v);
}

bool DecodeIntColumn(std::string_view* input, size_t count, std::vector<uint64_t>* out) {
  if (input->empty()) return false;
  const uint8_t kind = static_cast<uint8_t>((*input)[0]);
  input->remove_prefix(1);
  out->clear();
  out->reserve(count);
  if (kind == kVarint) {
    for (size_t i = 0; i < count; ++i) {
      uint64_t v;
      if (!util::GetVarint64(input, &v)) return false;
      out->push_back(v);
    }
    return true;
  }
  if (kind != kBitPacked || input->empty()) return false;
  const int width = static_cast<uint8_t>((*input)[0]);
  input->remove_prefix(1);
  if (width > 64) return false;
  const size_t bytes = (count * width + 7) / 8;
  if (bytes > input->size()) return false;
  out->resize(count);
  uint64_t* dst = out->data();
  const char* src = input->data();
  size_t i = 0;
  if (width > 0 && width <= 56) {
    // Each value lies within the 8 bytes starting at its first byte; load them big-endian and
    // shift, while 8 bytes remain.
    const uint64_t mask = (uint64_t{1} << width) - 1;
    for (size_t bit = 0; i < count && (bit >> 3) + 8 <= bytes; ++i, bit += width) {
      uint64_t word;
      std::memcpy(&word, src + (bit >> 3), 8);
      word = __builtin_bswap64(word);
      dst[i] = (word >> (64 - width - (bit & 7))) & mask;
    }
  } else if (width == 0) {
    for (; i < count; ++i) dst[i] = 0;
  }
  if (i < count) {
    util::BitReader r(input->substr(0, bytes));
    r.ReadBits(0);
    // Skip what the fast loop read, then finish bit by bit.
    for (size_t k = 0; k < i; ++k) r.ReadBits(width);
    for (; i < count; ++i) dst[i] = r.ReadBits(width);
    if (r.overflow()) return false;
  }
  input->remove_prefix(bytes);
  return true;
}

bool PackedIntColumn::Open(std::string_view* input, size_t count) {
  if (input->size() < 2 || static_cast<uint8_t>((*input)[0]) != kBitPacked) return false;
  const int width = static_cast<uint8_t>((*input)[1]);
  if (width > 56) return false;
  const size_t bytes = (count * static_cast<size_t>(width) + 7) / 8;
  if (bytes > input->size() - 2) return false;
  data_ = input->data() + 2;
  bytes_ = bytes;
  bit_ = 0;
  width_ = width;
  mask_ = width == 0 ? 0 : (uint64_t{1} << width) - 1;
  input->remove_prefix(2 + bytes);
  return true;
}

}  // namespace tidemark::storage
