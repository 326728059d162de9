// Durations as Prometheus writes them ("15d", "1h30m", "500ms", "0"): the one checked parser and
// formatter shared by the server's configuration, its flags and PromQL's duration literals.
//
// Grammar (prometheus/common model.ParseDuration): one or more `[0-9]+ unit` terms with units
// y (365 days), w, d, h, m, s, ms, each at most once and from the largest to the smallest; or "0"
// alone. No sign, no fraction, no spaces. Nothing here throws.
#ifndef TIDEMARK_UTIL_DURATION_H_
#define TIDEMARK_UTIL_DURATION_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "tidemark/status.h"

namespace tidemark::util {

enum class DurationError {
  kNone,
  kEmpty,           // ""
  kInvalid,         // not the grammar above (missing unit, units out of order, a sign, ...)
  kUnknownUnit,     // a unit other than y w d h m s ms; DurationParse::unit holds it
  kNumberTooLarge,  // the digits of one term do not fit 64 bits
  kOutOfRange,      // the total exceeds the caller's maximum
};

struct DurationParse {
  int64_t ms = 0;  // the duration, when error == kNone
  DurationError error = DurationError::kNone;
  std::string_view unit;  // the unknown unit, when error == kUnknownUnit (points into the input)
};

// Parses `input` in milliseconds; totals above `max_ms` (>= 0) are kOutOfRange. The low-level
// form, for callers that word their own errors (PromQL reproduces Prometheus' messages).
DurationParse ParseDurationParts(std::string_view input,
                                 int64_t max_ms = std::numeric_limits<int64_t>::max());

// Parses `input` in milliseconds (at most INT64_MAX). InvalidArgument quotes the input and says
// what is wrong: the syntax, an unknown unit, or overflow.
Result<int64_t> ParseDuration(std::string_view input);

// Parses a Go duration (time.ParseDuration, as Jaeger's and Tempo's APIs take them) in
// nanoseconds: an optional sign, then terms of a decimal number with an optional fraction and a
// unit (ns, us, µs, ms, s, m, h): "1.5s", "4.5us", "1h30m", "-2ms", "0". InvalidArgument quotes
// the input and says what is wrong; totals past INT64_MAX ns (about 292 years) are refused.
Result<int64_t> ParseGoDurationNanos(std::string_view input);

// `ns` as Go's time.Duration.String() prints it: "0s", "1.5s", "1m0s", "1h0m0s", "-2m30s", and
// under a second "500ms", "1.5µs", "3ns" (the fraction without trailing zeros).
std::string FormatGoDuration(int64_t ns);

// `ms` as Prometheus prints a duration (model.Duration.String): "0s" for zero; years and weeks
// only when they divide it exactly, then d h m s ms ("1y", "2w", "1d12h", "1m30s500ms"); a
// negative duration gets a leading "-". ParseDuration(FormatDuration(ms)) == ms for ms >= 0.
std::string FormatDuration(int64_t ms);

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_DURATION_H_
