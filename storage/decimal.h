// Decimal numbers as scaled integers: v == m / 10^e exactly. Counters with whole increments and
// gauges with a few decimals are such numbers, and their mantissas' differences are small
// integers, which both the head chunk and stored blocks exploit.
#ifndef TIDEMARK_STORAGE_DECIMAL_H_
#define TIDEMARK_STORAGE_DECIMAL_H_

#include <cmath>
#include <cstdint>

#include "util/coding.h"

namespace tidemark::storage {

inline constexpr int kMaxDecimalExponent = 15;
inline constexpr double kPow10[kMaxDecimalExponent + 1] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
// Keeps llround and mantissa differences inside int64.
inline constexpr double kMaxMantissa = 4.0e18;

// The value a mantissa and exponent stand for; decoders and the encoder's check use this same
// expression, so a round trip is exact by construction.
inline double DecimalValue(int64_t mantissa, int exponent) {
  return static_cast<double>(mantissa) / kPow10[exponent];
}

// Finite and not -0 (which a mantissa of 0 cannot give back).
inline bool IsDecimalCandidate(double v) {
  return std::isfinite(v) && util::DoubleBits(v) != 0x8000000000000000ULL;
}

// Sets *mantissa if v == DecimalValue(m, exponent) bit for bit.
inline bool ToMantissa(double v, int exponent, int64_t* mantissa) {
  const double scaled = v * kPow10[exponent];
  if (!(std::fabs(scaled) < kMaxMantissa)) return false;
  const int64_t m = std::llround(scaled);
  if (util::DoubleBits(DecimalValue(m, exponent)) != util::DoubleBits(v)) return false;
  *mantissa = m;
  return true;
}

// The smallest exponent >= `from` at which v is decimal, or -1.
inline int SmallestExponent(double v, int from, int64_t* mantissa) {
  if (!IsDecimalCandidate(v)) return -1;
  for (int e = from; e <= kMaxDecimalExponent; ++e) {
    if (ToMantissa(v, e, mantissa)) return e;
  }
  return -1;
}

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_DECIMAL_H_
