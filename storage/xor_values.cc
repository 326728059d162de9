#include "storage/xor_values.h"

#include <bit>
#include <string>
#include <vector>

namespace tidemark::storage {

template <typename Buffer>
void AppendXorValue(util::BasicBitWriter<Buffer>* w, uint64_t bits, XorState* st, bool first) {
  if (first) {
    w->WriteBits(bits, 64);
    st->prev_bits = bits;
    return;
  }
  const uint64_t x = bits ^ st->prev_bits;
  st->prev_bits = bits;
  if (x == 0) {
    w->WriteBit(false);
    return;
  }
  w->WriteBit(true);
  uint8_t lead = static_cast<uint8_t>(std::countl_zero(x));
  const uint8_t trail = static_cast<uint8_t>(std::countr_zero(x));
  if (lead >= 32) lead = 31;  // the leading-zero count is stored in 5 bits
  if (st->leading != 0xff && lead >= st->leading && trail >= st->trailing) {
    // Fits in the previous window.
    w->WriteBit(false);
    w->WriteBits(x >> st->trailing, 64 - st->leading - st->trailing);
    return;
  }
  st->leading = lead;
  st->trailing = trail;
  const int sig = 64 - lead - trail;  // 1..64; 64 is stored as 0 in 6 bits
  w->WriteBit(true);
  w->WriteBits(lead, 5);
  w->WriteBits(static_cast<uint64_t>(sig & 63), 6);
  w->WriteBits(x >> trail, sig);
}

template void AppendXorValue(util::BasicBitWriter<std::string>*, uint64_t, XorState*, bool);
template void AppendXorValue(util::BasicBitWriter<std::vector<char>>*, uint64_t, XorState*, bool);

bool ReadXorValue(util::BitReader* r, XorState* st, bool first) {
  if (first) {
    st->prev_bits = r->ReadBits(64);
    st->leading = 0xff;
    return !r->overflow();
  }
  if (!r->ReadBit()) return !r->overflow();
  if (r->ReadBit()) {
    const int lead = static_cast<int>(r->ReadBits(5));
    int sig = static_cast<int>(r->ReadBits(6));
    if (sig == 0) sig = 64;
    if (lead + sig > 64) return false;
    st->leading = static_cast<uint8_t>(lead);
    st->trailing = static_cast<uint8_t>(64 - lead - sig);
  } else if (st->leading == 0xff) {
    return false;  // a "reuse window" bit with no window before it
  }
  const int sig = 64 - st->leading - st->trailing;
  const uint64_t x = r->ReadBits(sig) << st->trailing;
  st->prev_bits ^= x;
  return !r->overflow();
}

}  // namespace tidemark::storage
