// The function lookup, the annotation helpers and the helpers every function file shares
// (argument access, label edits, Go-compatible number formatting and parsing).
#include "query/functions.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <system_error>
#include <utility>

#include "query/functions_internal.h"

namespace tidemark::promql {
namespace {

constexpr std::string_view kWarningPrefix = "PromQL warning: ";
constexpr std::string_view kInfoPrefix = "PromQL info: ";

void AddOnce(std::vector<std::string>* list, std::string_view prefix, std::string message) {
  // Callers may pass the text with or without its prefix.
  if (!std::string_view(message).starts_with(prefix)) message.insert(0, prefix);
  if (std::find(list->begin(), list->end(), message) == list->end()) {
    list->push_back(std::move(message));
  }
}

}  // namespace

FunctionImpl LookupFunctionImpl(std::string_view name) {
  using LookupFn = FunctionImpl (*)(std::string_view);
  static constexpr LookupFn kLookups[] = {
      internal::LookupRangeFunctionImpl,
      internal::LookupMathFunctionImpl,
      internal::LookupLabelFunctionImpl,
      internal::LookupHistogramFunctionImpl,
  };
  for (LookupFn lookup : kLookups) {
    if (FunctionImpl impl = lookup(name)) return impl;
  }
  return nullptr;
}

void AddWarning(Annotations* annotations, std::string message) {
  if (annotations == nullptr) return;
  AddOnce(&annotations->warnings, kWarningPrefix, std::move(message));
}

void AddInfo(Annotations* annotations, std::string message) {
  if (annotations == nullptr) return;
  AddOnce(&annotations->infos, kInfoPrefix, std::move(message));
}

namespace internal {

FunctionImpl FindFunction(const FunctionEntry* table, size_t count, std::string_view name) {
  for (size_t i = 0; i < count; ++i) {
    if (table[i].name == name) return table[i].impl;
  }
  return nullptr;
}

// --- Arguments -------------------------------------------------------------------------------

size_t ArgCount(const FunctionArgs& args) {
  if (args.call != nullptr) return args.call->args.size();
  size_t n = std::max({args.vectors.size(), args.scalars.size(), args.strings.size()});
  if (args.range != nullptr) n = std::max<size_t>(n, 1);
  return n;
}

double ScalarArg(const FunctionArgs& args, size_t i) {
  return i < args.scalars.size() ? args.scalars[i] : std::numeric_limits<double>::quiet_NaN();
}

const Vector& VectorArg(const FunctionArgs& args, size_t i) {
  static const Vector kEmpty;
  if (i < args.vectors.size() && args.vectors[i] != nullptr) return *args.vectors[i];
  return kEmpty;
}

std::string_view StringArg(const FunctionArgs& args, size_t i) {
  return i < args.strings.size() ? args.strings[i] : std::string_view();
}

const std::vector<FPoint>& RangeArg(const FunctionArgs& args) {
  static const std::vector<FPoint> kEmpty;
  return args.range != nullptr ? *args.range : kEmpty;
}

std::string_view RangeMetricName(const FunctionArgs& args) {
  if (args.range_metric == nullptr) return {};
  return args.range_metric->Get(kMetricNameLabel);
}

// --- Labels ----------------------------------------------------------------------------------

namespace {

template <typename Pred>
Labels CopyLabelsWithout(const Labels& labels, Pred drop) {
  bool any = false;
  for (const Label& l : labels) any = any || drop(l.name);
  if (!any) return labels;
  std::vector<Label> kept;
  kept.reserve(labels.size());
  for (const Label& l : labels) {
    if (!drop(l.name)) kept.push_back(l);
  }
  return Labels(std::move(kept));
}

}  // namespace

Labels WithLabel(const Labels& labels, std::string_view name, std::string_view value) {
  std::vector<Label> out;
  out.reserve(labels.size() + 1);
  for (const Label& l : labels) {
    if (l.name != name) out.push_back(l);
  }
  if (!value.empty()) out.push_back(Label{std::string(name), std::string(value)});
  return Labels(std::move(out));
}

Labels WithoutLabel(const Labels& labels, std::string_view name) {
  return CopyLabelsWithout(labels, [name](std::string_view n) { return n == name; });
}

bool HasDuplicateLabelsets(const Vector& vector) {
  if (vector.size() < 2) return false;
  std::vector<const Labels*> sorted;
  sorted.reserve(vector.size());
  for (const VectorSample& s : vector) sorted.push_back(&s.metric);
  std::sort(sorted.begin(), sorted.end(), [](const Labels* a, const Labels* b) { return *a < *b; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (*sorted[i - 1] == *sorted[i]) return true;
  }
  return false;
}

Status DuplicateLabelsetError() {
  return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
}

// --- Formatting ------------------------------------------------------------------------------

size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* rune) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *rune = c;
    return 1;
  }
  size_t len = 0;
  uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong encodings, surrogates and values beyond Unicode are not valid UTF-8.
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *rune = cp;
  return len;
}

bool IsValidUtf8(std::string_view s) {
  uint32_t rune = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t len = DecodeUtf8(s, i, &rune);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string GoQuote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto append_hex = [](std::string* out, uint32_t v, int digits) {
    for (int d = digits - 1; d >= 0; --d) out->push_back(kHex[(v >> (4 * d)) & 0xf]);
  };
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    uint32_t r = 0;
    const size_t len = DecodeUtf8(s, i, &r);
    if (len == 0) {  // a byte that is not valid UTF-8
      out += "\\x";
      append_hex(&out, static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    switch (r) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (r < 0x20 || r == 0x7f) {
          out += "\\x";
          append_hex(&out, r, 2);
        } else if ((r >= 0x80 && r <= 0x9f) || r == 0xad) {
          // C1 controls and the soft hyphen are not printable for Go.
          out += "\\u";
          append_hex(&out, r, 4);
        } else {
          out.append(s.substr(i, len));
        }
    }
    i += len;
  }
  out.push_back('"');
  return out;
}

namespace {

// Shortest round-trip digits of a finite, non-zero |v|: the digit string and the decimal
// exponent of the first digit (v = 0.d1d2d3... * 10^(exp+1)).
void ShortestDigits(double v, std::string* digits, int* exp) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  const size_t e = text.find('e');
  digits->clear();
  for (char c : text.substr(0, e)) {
    if (c != '.') digits->push_back(c);
  }
  int parsed = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), parsed);
  *exp = parsed;
}

}  // namespace

std::string FormatGoG(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  std::string digits;
  int exp = 0;
  ShortestDigits(v, &digits, &exp);
  std::string out = std::signbit(v) ? "-" : "";
  // Go: %e when the exponent is < -4 or >= the precision, which is 6 for shortest output.
  if (exp < -4 || exp >= 6) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    const int abs_exp = exp < 0 ? -exp : exp;
    if (abs_exp < 10) out.push_back('0');
    out += std::to_string(abs_exp);
    return out;
  }
  if (exp < 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exp - 1), '0');
    out += digits;
    return out;
  }
  const size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) {
    out += digits;
    out.append(int_digits - digits.size(), '0');
  } else {
    out.append(digits, 0, int_digits);
    out.push_back('.');
    out.append(digits, int_digits, std::string::npos);
  }
  return out;
}

std::string FormatGoF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  std::snprintf(buf, sizeof(buf), "%f", v);
  return buf;
}

std::string FormatOpenMetricsFloat(double v) {
  if (v == 1) return "1.0";
  if (v == 0) return "0.0";
  if (v == -1) return "-1.0";
  std::string s = FormatGoG(v);
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsDigitIn(char c, bool hex) {
  if (c >= '0' && c <= '9') return true;
  return hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

}  // namespace

bool ParseGoFloat(std::string_view s, double* out) {
  bool negative = false;
  bool signed_text = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    signed_text = true;
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  if (EqualsIgnoreCase(s, "inf") || EqualsIgnoreCase(s, "infinity")) {
    *out = negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
    return true;
  }
  if (!signed_text && EqualsIgnoreCase(s, "nan")) {  // Go takes no sign on NaN
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (hex) s.remove_prefix(2);
  // Go allows '_' only between digits (or right after the base prefix).
  std::string cleaned;
  cleaned.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      const bool after_ok = i + 1 < s.size() && IsDigitIn(s[i + 1], hex);
      const bool before_ok = (i == 0 && hex) || (i > 0 && IsDigitIn(s[i - 1], hex));
      if (!after_ok || !before_ok) return false;
      continue;
    }
    // from_chars would accept these spellings; Go does not.
    if (c == '+' || c == '-') {
      const char prev = i > 0 ? s[i - 1] : '\0';
      const bool exponent_sign = hex ? (prev == 'p' || prev == 'P') : (prev == 'e' || prev == 'E');
      if (!exponent_sign) return false;
    }
    if (!hex && !IsDigitIn(c, false) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      return false;
    }
    cleaned.push_back(c);
  }
  if (cleaned.empty()) return false;
  // A hexadecimal float needs its binary exponent in Go.
  if (hex && cleaned.find_first_of("pP") == std::string::npos) return false;
  double value = 0;
  const char* begin = cleaned.data();
  const char* end = begin + cleaned.size();
  auto res =
      std::from_chars(begin, end, value, hex ? std::chars_format::hex : std::chars_format::general);
  if (res.ec != std::errc() || res.ptr != end) return false;
  *out = negative ? -value : value;
  return true;
}

// --- Numerics --------------------------------------------------------------------------------

void KahanInc(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    // Neumaier's improvement: take the low-order bits from whichever operand is smaller.
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

std::string InvalidQuantileMessage(double q) {
  return "quantile value should be between 0 and 1, got " + FormatGoG(q);
}

}  // namespace internal
}  // namespace tidemark::promql
