#include "util/duration.h"

#include <charconv>

#include "util/go_text.h"

namespace tidemark::util {
namespace {

struct DurationUnit {
  std::string_view name;
  int order;   // units must appear in decreasing size
  int64_t ms;  // length in milliseconds
};

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr DurationUnit kDurationUnits[] = {
    {"y", 1, 365 * kDayMs}, {"w", 2, 7 * kDayMs}, {"d", 3, kDayMs}, {"h", 4, 3600 * 1000},
    {"m", 5, 60 * 1000},    {"s", 6, 1000},       {"ms", 7, 1},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

DurationParse Fail(DurationError error, std::string_view unit = {}) {
  DurationParse out;
  out.error = error;
  out.unit = unit;
  return out;
}

}  // namespace

DurationParse ParseDurationParts(std::string_view input, int64_t max_ms) {
  if (input == "0") return DurationParse{};
  if (input.empty()) return Fail(DurationError::kEmpty);
  std::string_view s = input;
  // total stays at most max <= INT64_MAX: no step below overflows.
  uint64_t total = 0;
  const uint64_t max = static_cast<uint64_t>(max_ms < 0 ? 0 : max_ms);
  int last_order = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == 0) return Fail(DurationError::kInvalid);
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + i, value);
    if (ec != std::errc() || ptr != s.data() + i) return Fail(DurationError::kNumberTooLarge);
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !IsDigit(s[j])) ++j;
    if (j == 0) return Fail(DurationError::kInvalid);
    const std::string_view unit_name = s.substr(0, j);
    s.remove_prefix(j);
    const DurationUnit* unit = nullptr;
    for (const DurationUnit& u : kDurationUnits) {
      if (u.name == unit_name) unit = &u;
    }
    if (unit == nullptr) return Fail(DurationError::kUnknownUnit, unit_name);
    if (unit->order <= last_order) return Fail(DurationError::kInvalid);
    last_order = unit->order;
    const uint64_t mult = static_cast<uint64_t>(unit->ms);
    if (value > (max - total) / mult) return Fail(DurationError::kOutOfRange);
    total += value * mult;
  }
  DurationParse out;
  out.ms = static_cast<int64_t>(total);
  return out;
}

Result<int64_t> ParseDuration(std::string_view input) {
  const DurationParse p = ParseDurationParts(input);
  switch (p.error) {
    case DurationError::kNone:
      return p.ms;
    case DurationError::kEmpty:
      return Status::InvalidArgument("empty duration");
    case DurationError::kInvalid:
      return Status::InvalidArgument(
          GoQuote(input) +
          " is not a duration such as 15d, 1h30m or 500ms (units y w d h m s ms, each at most "
          "once, largest first)");
    case DurationError::kUnknownUnit:
      return Status::InvalidArgument("unknown unit " + GoQuote(p.unit) + " in duration " +
                                     GoQuote(input) + " (units are y w d h m s ms)");
    case DurationError::kNumberTooLarge:
    case DurationError::kOutOfRange:
      return Status::InvalidArgument("duration " + GoQuote(input) +
                                     " is out of range (it overflows 64-bit milliseconds)");
  }
  return Status::Internal("unknown duration parse error");
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t rest;
  if (ms < 0) {
    out = "-";
    rest = static_cast<uint64_t>(-(ms + 1)) + 1;
  } else {
    rest = static_cast<uint64_t>(ms);
  }
  auto unit = [&](const char* name, uint64_t mult, bool exact) {
    if (exact && rest % mult != 0) return;
    const uint64_t v = rest / mult;
    if (v > 0) {
      out += std::to_string(v) + name;
      rest -= v * mult;
    }
  };
  constexpr uint64_t kDay = 24ULL * 3600 * 1000;
  unit("y", 365 * kDay, true);
  unit("w", 7 * kDay, true);
  unit("d", kDay, false);
  unit("h", 3600 * 1000, false);
  unit("m", 60 * 1000, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return out;
}

Result<int64_t> ParseGoDurationNanos(std::string_view input) {
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument("time: invalid duration \"" + std::string(input.substr(0, 64)) +
                                   "\": " + std::string(why));
  };
  std::string_view s = input;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return invalid("empty");
  constexpr uint64_t kMax = uint64_t{1} << 63;  // |INT64_MIN|
  uint64_t total = 0;
  while (!s.empty()) {
    uint64_t whole = 0;
    bool digits = false, overflow = false;
    size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      digits = true;
      if (whole > (kMax - 9) / 10) overflow = true;
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    uint64_t frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        digits = true;
        if (scale > (kMax - 9) / 10) continue;  // digits past 19 cannot change the result
        frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
        scale *= 10;
      }
    }
    if (!digits) return invalid("expected a number");
    if (overflow) return invalid("out of range");
    size_t u = i;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.') ++u;
    const std::string_view unit_name = s.substr(i, u - i);
    uint64_t unit;
    if (unit_name == "ns") {
      unit = 1;
    } else if (unit_name == "us" || unit_name == "\u00b5s" || unit_name == "\u03bcs") {
      unit = 1000;
    } else if (unit_name == "ms") {
      unit = 1000 * 1000;
    } else if (unit_name == "s") {
      unit = 1000 * 1000 * 1000;
    } else if (unit_name == "m") {
      unit = 60ULL * 1000 * 1000 * 1000;
    } else if (unit_name == "h") {
      unit = 3600ULL * 1000 * 1000 * 1000;
    } else if (unit_name.empty()) {
      return invalid("missing unit");
    } else {
      return invalid("unknown unit \"" + std::string(unit_name) + "\"");
    }
    if (whole > kMax / unit) return invalid("out of range");
    uint64_t v = whole * unit;
    if (frac > 0) {
      // frac / scale of a unit, in ns: exact for every unit (at most 3.6e12 ns) and fraction.
      v += static_cast<uint64_t>(static_cast<long double>(frac) * unit / scale);
      if (v > kMax) return invalid("out of range");
    }
    total += v;
    if (total > kMax) return invalid("out of range");
    s.remove_prefix(u);
  }
  if (!negative && total == kMax) return invalid("out of range");
  return negative ? static_cast<int64_t>(0 - total) : static_cast<int64_t>(total);
}

std::string FormatGoDuration(int64_t ns) {
  if (ns == 0) return "0s";
  const bool negative = ns < 0;
  // The magnitude as unsigned, so that INT64_MIN negates.
  uint64_t u = negative ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  // `whole` units and `frac` of `digits` decimals, the fraction without trailing zeros.
  auto decimal = [](uint64_t whole, uint64_t frac, int digits) {
    std::string out = std::to_string(whole);
    std::string f = std::to_string(frac);
    f.insert(0, static_cast<size_t>(digits) - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    if (!f.empty()) out += "." + f;
    return out;
  };
  std::string out;
  if (u < 1'000'000'000ULL) {
    if (u < 1'000ULL) {
      out = std::to_string(u) + "ns";
    } else if (u < 1'000'000ULL) {
      out = decimal(u / 1'000, u % 1'000, 3) + "\u00b5s";
    } else {
      out = decimal(u / 1'000'000, u % 1'000'000, 6) + "ms";
    }
  } else {
    const uint64_t secs = u / 1'000'000'000ULL;
    out = decimal(secs % 60, u % 1'000'000'000ULL, 9) + "s";
    if (secs >= 60) {
      out = std::to_string(secs / 60 % 60) + "m" + out;
      if (secs >= 3600) out = std::to_string(secs / 3600) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

}  // namespace tidemark::util
