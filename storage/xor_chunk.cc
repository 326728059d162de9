#include "storage/xor_chunk.h"

#include <bit>

#include "util/coding.h"

namespace tidemark::storage {
namespace {

// Delta-of-delta buckets: a prefix of 1-4 bits, then the value in a fixed width. The widths fit
// millisecond jitter around regular scrape intervals in the first bucket.
struct DodBucket {
  uint64_t prefix;
  int prefix_bits;
  int value_bits;
};
constexpr DodBucket kDodBuckets[] = {{0b10, 2, 7}, {0b110, 3, 12}, {0b1110, 4, 20}};

bool FitsSigned(int64_t v, int bits) {
  const int64_t lo = -(int64_t{1} << (bits - 1));
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1;
  return v >= lo && v <= hi;
}

int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

void WriteDod(util::BitWriter* w, int64_t dod) {
  if (dod == 0) {
    w->WriteBit(false);
    return;
  }
  for (const auto& b : kDodBuckets) {
    if (FitsSigned(dod, b.value_bits)) {
      w->WriteBits(b.prefix, b.prefix_bits);
      w->WriteBits(static_cast<uint64_t>(dod), b.value_bits);
      return;
    }
  }
  w->WriteBits(0b1111, 4);
  w->WriteBits(static_cast<uint64_t>(dod), 64);
}

int64_t ReadDod(util::BitReader* r) {
  int ones = 0;
  while (ones < 4 && r->ReadBit()) ++ones;
  if (ones == 0) return 0;
  if (ones == 4) return static_cast<int64_t>(r->ReadBits(64));
  const int bits = kDodBuckets[ones - 1].value_bits;
  return SignExtend(r->ReadBits(bits), bits);
}

}  // namespace

void AppendXorValue(util::BitWriter* w, uint64_t bits, uint64_t* prev_bits, uint8_t* leading,
                    uint8_t* trailing, bool first) {
  if (first) {
    w->WriteBits(bits, 64);
    *prev_bits = bits;
    return;
  }
  const uint64_t x = bits ^ *prev_bits;
  *prev_bits = bits;
  if (x == 0) {
    w->WriteBit(false);
    return;
  }
  w->WriteBit(true);
  uint8_t lead = static_cast<uint8_t>(std::countl_zero(x));
  const uint8_t trail = static_cast<uint8_t>(std::countr_zero(x));
  if (lead >= 32) lead = 31;  // the leading-zero count is stored in 5 bits
  if (*leading != 0xff && lead >= *leading && trail >= *trailing) {
    // Fits in the previous window.
    w->WriteBit(false);
    w->WriteBits(x >> *trailing, 64 - *leading - *trailing);
    return;
  }
  *leading = lead;
  *trailing = trail;
  const int sig = 64 - lead - trail;  // 1..64; 64 is stored as 0 in 6 bits
  w->WriteBit(true);
  w->WriteBits(lead, 5);
  w->WriteBits(static_cast<uint64_t>(sig & 63), 6);
  w->WriteBits(x >> trail, sig);
}

bool ReadXorValue(util::BitReader* r, uint64_t* prev_bits, uint8_t* leading, uint8_t* trailing,
                  bool first) {
  if (first) {
    *prev_bits = r->ReadBits(64);
    *leading = 0xff;
    return !r->overflow();
  }
  if (!r->ReadBit()) return !r->overflow();
  if (r->ReadBit()) {
    const int lead = static_cast<int>(r->ReadBits(5));
    int sig = static_cast<int>(r->ReadBits(6));
    if (sig == 0) sig = 64;
    if (lead + sig > 64) return false;
    *leading = static_cast<uint8_t>(lead);
    *trailing = static_cast<uint8_t>(64 - lead - sig);
  } else if (*leading == 0xff) {
    return false;  // a "reuse window" bit with no window before it
  }
  const int sig = 64 - *leading - *trailing;
  const uint64_t x = r->ReadBits(sig) << *trailing;
  *prev_bits ^= x;
  return !r->overflow();
}

void XorChunk::Append(int64_t t, double v) {
  util::BitWriter w(&bytes_, free_bits_);
  const uint64_t bits = util::DoubleBits(v);
  if (num_samples_ == 0) {
    w.WriteBits(static_cast<uint64_t>(t), 64);
    min_time_ = t;
    AppendXorValue(&w, bits, &last_value_bits_, &leading_, &trailing_, /*first=*/true);
  } else {
    const int64_t delta = t - max_time_;
    const int64_t dod = num_samples_ == 1 ? delta : delta - last_delta_;
    WriteDod(&w, dod);
    last_delta_ = delta;
    AppendXorValue(&w, bits, &last_value_bits_, &leading_, &trailing_, /*first=*/false);
  }
  max_time_ = t;
  ++num_samples_;
  free_bits_ = w.free_bits();
}

double XorChunk::last_value() const { return util::BitsToDouble(last_value_bits_); }

void XorIterator::Reset(std::string_view bytes, uint32_t num_samples) {
  reader_ = util::BitReader(bytes);
  remaining_ = num_samples;
  read_ = 0;
  t_ = 0;
  delta_ = 0;
  value_bits_ = 0;
  leading_ = 0xff;
  trailing_ = 0;
  status_ = Status::OK();
}

bool XorIterator::Next() {
  if (remaining_ == 0 || !status_.ok()) return false;
  if (read_ == 0) {
    t_ = static_cast<int64_t>(reader_.ReadBits(64));
  } else {
    const int64_t dod = ReadDod(&reader_);
    delta_ = read_ == 1 ? dod : delta_ + dod;
    t_ += delta_;
  }
  if (!ReadXorValue(&reader_, &value_bits_, &leading_, &trailing_, read_ == 0) ||
      reader_.overflow()) {
    status_ = Status::Corruption("XOR chunk ends early or has an invalid value window at sample " +
                                 std::to_string(read_));
    remaining_ = 0;
    return false;
  }
  ++read_;
  --remaining_;
  return true;
}

double XorIterator::v() const { return util::BitsToDouble(value_bits_); }

}  // namespace tidemark::storage
