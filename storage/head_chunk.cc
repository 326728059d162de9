#include "storage/head_chunk.h"

#include <algorithm>
#include <bit>
#include <climits>

#include "storage/decimal.h"
#include "util/coding.h"

namespace tidemark::storage {
namespace {

using Writer = util::BasicBitWriter<std::vector<char>>;

// A prefix of ones ended by a zero selects a bucket; the value follows in the bucket's width as
// two's complement. Timestamps: delta-of-delta in ms, jitter of a few ms fits the first bucket.
struct Bucket {
  int ones;   // number of leading 1 bits before the terminating 0
  int width;  // value bits
};
constexpr Bucket kDodBuckets[] = {{1, 6}, {2, 13}, {3, 20}};  // '0' is zero, '1111' + 64 bits
// Values: mantissa deltas. '0' is zero, '111110' + 64 bits, '111111' an escape.
constexpr Bucket kDeltaBuckets[] = {{1, 8}, {2, 13}, {3, 20}, {4, 32}};
constexpr int kDeltaWideOnes = 5;
constexpr int kEscapeOnes = 6;
// Escape kinds (2 bits).
constexpr uint64_t kEscapeExponent = 0;  // 4 bits new exponent, 64 bits mantissa
constexpr uint64_t kEscapeRaw = 1;       // 64 bits raw value; the mantissa is unchanged

bool FitsSigned(int64_t v, int bits) {
  const int64_t lo = -(int64_t{1} << (bits - 1));
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1;
  return v >= lo && v <= hi;
}

int64_t SignExtend(uint64_t v, int bits) {
  const uint64_t sign = uint64_t{1} << (bits - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

void WriteOnes(Writer* w, int ones, bool terminate) {
  w->WriteBits((uint64_t{1} << ones) - 1, ones);
  if (terminate) w->WriteBit(false);
}

void WriteDod(Writer* w, int64_t dod) {
  if (dod == 0) {
    w->WriteBit(false);
    return;
  }
  for (const Bucket& b : kDodBuckets) {
    if (FitsSigned(dod, b.width)) {
      WriteOnes(w, b.ones, true);
      w->WriteBits(static_cast<uint64_t>(dod), b.width);
      return;
    }
  }
  WriteOnes(w, 4, false);
  w->WriteBits(static_cast<uint64_t>(dod), 64);
}

int64_t ReadDod(util::BitReader* r) {
  int ones = 0;
  while (ones < 4 && r->ReadBit()) ++ones;
  if (ones == 0) return 0;
  if (ones == 4) return static_cast<int64_t>(r->ReadBits(64));
  const int width = kDodBuckets[ones - 1].width;
  return SignExtend(r->ReadBits(width), width);
}

void WriteDelta(Writer* w, int64_t d) {
  if (d == 0) {
    w->WriteBit(false);
    return;
  }
  for (const Bucket& b : kDeltaBuckets) {
    if (FitsSigned(d, b.width)) {
      WriteOnes(w, b.ones, true);
      w->WriteBits(static_cast<uint64_t>(d), b.width);
      return;
    }
  }
  WriteOnes(w, kDeltaWideOnes, true);
  w->WriteBits(static_cast<uint64_t>(d), 64);
}

// The size of the allocation a request of `n` bytes gets from jemalloc (its size classes: steps
// of 16 up to 128, then four classes per doubling), so that a buffer's capacity uses all of it.
// Under another allocator the request is a little larger than asked, never smaller.
size_t AllocationSize(size_t n) {
  if (n <= 128) return (n + 15) / 16 * 16;
  const size_t spacing = size_t{1} << (std::bit_width(n - 1) - 3);
  return (n + spacing - 1) / spacing * spacing;
}

}  // namespace

bool HeadChunk::AppendValue(Writer* w, double v) {
  const uint64_t bits = util::DoubleBits(v);
  if (num_samples_ == 0) {
    int64_t m = 0;
    exponent_ = static_cast<int8_t>(SmallestExponent(v, 0, &m));
    if (exponent_ >= 0) {
      w->WriteBit(false);
      w->WriteBits(static_cast<uint64_t>(exponent_), 4);
      w->WriteBits(static_cast<uint64_t>(m), 64);
      mantissa_ = m;
      return false;
    }
    w->WriteBit(true);
    AppendXorValue(w, bits, &xor_, /*first=*/true);
    return bits == kStaleMarkerBits;
  }
  if (exponent_ < 0) {
    // The comparison a rate's reset check makes (NaN is below nothing).
    const bool irregular = bits == kStaleMarkerBits || v < util::BitsToDouble(xor_.prev_bits);
    AppendXorValue(w, bits, &xor_, /*first=*/false);
    return irregular;
  }
  // Decimal mode. After a raw escape mantissa_ still holds the decimal before it, so the
  // comparisons below may be wrong for the sample after one; any window holding both holds the
  // raw one too, which is irregular.
  int64_t m;
  if (IsDecimalCandidate(v) && ToMantissa(v, exponent_, &m)) {
    // Wrapping difference; the reader wraps the same way.
    WriteDelta(w,
               static_cast<int64_t>(static_cast<uint64_t>(m) - static_cast<uint64_t>(mantissa_)));
    const bool decreased = m < mantissa_;  // same exponent: the values compare as the mantissas
    mantissa_ = m;
    return decreased;
  }
  const int e = SmallestExponent(v, exponent_ + 1, &m);
  if (e > exponent_) {
    WriteOnes(w, kEscapeOnes, false);
    w->WriteBits(kEscapeExponent, 2);
    w->WriteBits(static_cast<uint64_t>(e), 4);
    w->WriteBits(static_cast<uint64_t>(m), 64);
    const bool decreased = v < DecimalValue(mantissa_, exponent_);
    exponent_ = static_cast<int8_t>(e);
    mantissa_ = m;
    return decreased;
  }
  WriteOnes(w, kEscapeOnes, false);
  w->WriteBits(kEscapeRaw, 2);
  w->WriteBits(bits, 64);
  return true;
}

void HeadChunk::Append(int64_t t, double v) {
  // A sample takes at most 24 bytes (64-bit timestamp escape, exponent escape). When fewer are
  // left, grow by a step beyond them (16 bytes, or an eighth of the size): reserving only the
  // 24 or the eighth made a young chunk's next append find fewer than 24 again, so nearly every
  // sample of its first hundred reallocated and copied the chunk. The step is small because head
  // memory is mostly these buffers, and rounding to the allocation's size costs no memory.
  constexpr size_t kMaxSampleBytes = 24;
  if (bytes_.capacity() - bytes_.size() < kMaxSampleBytes) {
    bytes_.reserve(
        AllocationSize(bytes_.size() + kMaxSampleBytes + std::max<size_t>(16, bytes_.size() / 8)));
  }
  Writer w(&bytes_, free_bits_);
  if (num_samples_ == 0) {
    w.WriteBits(static_cast<uint64_t>(t), 64);
    min_time_ = t;
  } else {
    const int64_t delta = t - max_time_;
    WriteDod(&w, num_samples_ == 1 ? delta : delta - last_delta_);
    last_delta_ = delta;
  }
  if (AppendValue(&w, v)) {
    irregular_end_ = static_cast<uint16_t>(std::min<uint32_t>(num_samples_ + 1, UINT16_MAX));
  }
  max_time_ = t;
  ++num_samples_;
  free_bits_ = static_cast<int8_t>(w.free_bits());
  if (num_samples_ % HeadChunkCheckpoint::kEvery == 0) {
    HeadChunkCheckpoint c;
    TakeCheckpoint(&c);
    if (c.samples != 0) {
      for (int i = 0; i + 1 < HeadChunkCheckpoint::kKept; ++i) {
        checkpoints_[i] = checkpoints_[i + 1];
      }
      checkpoints_[HeadChunkCheckpoint::kKept - 1] = c;
    }
  }
}

void HeadChunk::TakeCheckpoint(HeadChunkCheckpoint* out) const {
  const uint64_t bit_offset = bytes_.size() * 8 - static_cast<uint64_t>(free_bits_);
  const uint64_t time_offset = static_cast<uint64_t>(max_time_) - static_cast<uint64_t>(min_time_);
  // A chunk past these bounds (over 49 days, a jump of 24 days, 65,535 samples: far beyond the
  // chunk and partition sizes in use) keeps its earlier checkpoints; reads start further back.
  if (num_samples_ == 0 || bit_offset > UINT32_MAX || time_offset > UINT32_MAX ||
      last_delta_ > INT32_MAX || last_delta_ < INT32_MIN || num_samples_ > UINT16_MAX) {
    return;
  }
  HeadChunkCheckpoint c;
  c.bit_offset = static_cast<uint32_t>(bit_offset);
  c.time_offset = static_cast<uint32_t>(time_offset);
  c.delta = static_cast<int32_t>(last_delta_);
  c.samples = static_cast<uint16_t>(num_samples_);
  if (exponent_ >= 0) {
    c.value_state = static_cast<uint64_t>(mantissa_);
    c.leading = HeadChunkCheckpoint::kDecimal;
    c.trailing = static_cast<uint8_t>(exponent_);
  } else {
    c.value_state = xor_.prev_bits;
    c.leading = xor_.leading;
    c.trailing = xor_.trailing;
  }
  *out = c;
}

const HeadChunkCheckpoint* HeadChunk::CheckpointBefore(int64_t t) const {
  const HeadChunkCheckpoint* best = nullptr;
  for (int i = HeadChunkCheckpoint::kKept - 1; i >= 0; --i) {
    const HeadChunkCheckpoint& c = checkpoints_[i];
    if (c.samples != 0 && min_time_ + static_cast<int64_t>(c.time_offset) < t) {
      best = &c;
      break;
    }
  }
  if (end_mark_.samples != 0 && end_mark_.samples <= num_samples_ &&
      min_time_ + static_cast<int64_t>(end_mark_.time_offset) < t &&
      (best == nullptr || end_mark_.samples > best->samples)) {
    best = &end_mark_;
  }
  return best;
}

const char* HeadChunk::DecodeStartFor(int64_t t) const {
  if (bytes_.empty()) return nullptr;
  const HeadChunkCheckpoint* c = CheckpointBefore(t);
  return bytes_.data() +
         (c == nullptr ? 0 : std::min<size_t>(c->bit_offset / 8, bytes_.size() - 1));
}

bool HeadChunk::SummarizeFrom(int64_t mint, SampleSummary* out) const {
  if (num_samples_ == 0 || num_samples_ >= UINT16_MAX || max_time_ < mint) return false;
  HeadChunkIterator it;
  it.ResetFrom(*this, mint);
  while (it.Next()) {
    if (it.t() < mint) continue;
    if (it.index() < irregular_end_) return false;
    out->first = Sample{it.t(), it.v()};
    // The newest sample is regular, so not a raw escape: the coder's state holds its value.
    out->last = Sample{max_time_, exponent_ >= 0 ? DecimalValue(mantissa_, exponent_)
                                                 : util::BitsToDouble(xor_.prev_bits)};
    out->count = num_samples_ - it.index();
    return true;
  }
  return false;  // damaged: the caller's decode reports it
}

void HeadChunkIterator::Reset(std::string_view bytes, uint32_t num_samples) {
  reader_ = util::BitReader(bytes);
  remaining_ = num_samples;
  read_ = 0;
  t_ = 0;
  delta_ = 0;
  mantissa_ = 0;
  value_bits_ = 0;
  xor_ = XorState();
  exponent_ = -1;
  status_ = Status::OK();
}

void HeadChunkIterator::ResetFrom(const HeadChunk& chunk, int64_t t) {
  Reset(chunk.bytes(), chunk.num_samples());
  const HeadChunkCheckpoint* c = chunk.CheckpointBefore(t);
  if (c == nullptr || c->samples >= chunk.num_samples()) return;
  reader_.SeekToBit(c->bit_offset);
  read_ = c->samples;
  remaining_ = chunk.num_samples() - read_;
  t_ = chunk.min_time() + static_cast<int64_t>(c->time_offset);
  delta_ = c->delta;
  if (c->leading == HeadChunkCheckpoint::kDecimal) {
    exponent_ = c->trailing;
    mantissa_ = static_cast<int64_t>(c->value_state);
  } else {
    exponent_ = -1;
    xor_.prev_bits = c->value_state;
    xor_.leading = c->leading;
    xor_.trailing = c->trailing;
  }
}

bool HeadChunkIterator::ReadValue() {
  if (read_ == 0) {
    if (!reader_.ReadBit()) {
      exponent_ = static_cast<int>(reader_.ReadBits(4));
      mantissa_ = static_cast<int64_t>(reader_.ReadBits(64));
      if (exponent_ > kMaxDecimalExponent) return false;
      value_bits_ = util::DoubleBits(DecimalValue(mantissa_, exponent_));
      return true;
    }
    exponent_ = -1;
    if (!ReadXorValue(&reader_, &xor_, /*first=*/true)) return false;
    value_bits_ = xor_.prev_bits;
    return true;
  }
  if (exponent_ < 0) {
    if (!ReadXorValue(&reader_, &xor_, /*first=*/false)) return false;
    value_bits_ = xor_.prev_bits;
    return true;
  }
  int ones = 0;
  while (ones < kEscapeOnes && reader_.ReadBit()) ++ones;
  int64_t d;
  if (ones == 0) {
    d = 0;
  } else if (ones <= 4) {
    const int width = kDeltaBuckets[ones - 1].width;
    d = SignExtend(reader_.ReadBits(width), width);
  } else if (ones == kDeltaWideOnes) {
    d = static_cast<int64_t>(reader_.ReadBits(64));
  } else {
    const uint64_t kind = reader_.ReadBits(2);
    if (kind == kEscapeExponent) {
      const int e = static_cast<int>(reader_.ReadBits(4));
      if (e <= exponent_ || e > kMaxDecimalExponent) return false;
      exponent_ = e;
      mantissa_ = static_cast<int64_t>(reader_.ReadBits(64));
      value_bits_ = util::DoubleBits(DecimalValue(mantissa_, exponent_));
      return true;
    }
    if (kind == kEscapeRaw) {
      value_bits_ = reader_.ReadBits(64);
      return true;
    }
    return false;
  }
  mantissa_ = static_cast<int64_t>(static_cast<uint64_t>(mantissa_) + static_cast<uint64_t>(d));
  value_bits_ = util::DoubleBits(DecimalValue(mantissa_, exponent_));
  return true;
}

bool HeadChunkIterator::Next() {
  if (remaining_ == 0 || !status_.ok()) return false;
  if (read_ == 0) {
    t_ = static_cast<int64_t>(reader_.ReadBits(64));
  } else {
    const int64_t dod = ReadDod(&reader_);
    delta_ = read_ == 1 ? dod : delta_ + dod;
    t_ += delta_;
  }
  if (!ReadValue() || reader_.overflow()) {
    status_ = Status::Corruption("head chunk ends early or is malformed at sample " +
                                 std::to_string(read_));
    remaining_ = 0;
    return false;
  }
  ++read_;
  --remaining_;
  return true;
}

}  // namespace tidemark::storage
