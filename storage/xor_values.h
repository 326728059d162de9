// The Gorilla XOR value stream (Pelkonen et al. 2015): each value XORed with the previous one,
// written as the window of its meaningful bits. Any double, NaN payloads and -0 included,
// round-trips bit-exactly. Used by head chunks of non-decimal series and by stored blocks'
// XOR value columns. Layout: docs/format/chunk-encoding.md.
#ifndef TIDEMARK_STORAGE_XOR_VALUES_H_
#define TIDEMARK_STORAGE_XOR_VALUES_H_

#include <cstdint>

#include "util/bit_stream.h"

namespace tidemark::storage {

// State carried from one value to the next; `leading` 0xff means no window yet.
struct XorState {
  uint64_t prev_bits = 0;
  uint8_t leading = 0xff;
  uint8_t trailing = 0;
};

template <typename Buffer>
void AppendXorValue(util::BasicBitWriter<Buffer>* w, uint64_t bits, XorState* state, bool first);
// Reads the next value into state->prev_bits; false on a malformed or truncated stream.
bool ReadXorValue(util::BitReader* r, XorState* state, bool first);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_XOR_VALUES_H_
