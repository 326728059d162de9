#include "util/go_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "util/utf8.h"

namespace tidemark::util {
namespace {

constexpr char kLowerHex[] = "0123456789abcdef";

// ---- Float formatting: Go's decimalSlice and its fmtF/fmtE layouts ----------------------------

// Decimal digits of a finite |v| and where the decimal point goes: |v| = 0.d[0]d[1]... * 10^point
// (Go's decimalSlice nd and dp). Zero has no digits. Short digit strings stay in the string's
// inline buffer, so the shortest forms do not allocate.
struct DecimalDigits {
  std::string digits;
  int point = 0;
};

// Reads std::to_chars' scientific form "d[.ddd]e±XX".
DecimalDigits FromScientific(const char* begin, const char* end) {
  DecimalDigits d;
  const char* p = begin;
  for (; p < end && *p != 'e'; ++p) {
    if (*p != '.') d.digits.push_back(*p);
  }
  int exponent = 0;
  if (p + 1 < end) {
    const bool negative = p[1] == '-';
    std::from_chars(p + 2, end, exponent);
    if (negative) exponent = -exponent;
  }
  d.point = exponent + 1;
  return d;
}

// The shortest digits that read back as a finite, non-zero |v|. Both Go and std::to_chars pick,
// among the shortest digit strings, the one nearest the exact value.
DecimalDigits Shortest(double v) {
  char buf[64];
  const auto res =
      std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  return FromScientific(buf, res.ptr);
}

// |v| (finite, non-zero) correctly rounded to `significant` (>= 1) digits, trailing zeros
// dropped, as Go's fixed-precision conversions leave them.
DecimalDigits Rounded(double v, int significant) {
  std::string buf(static_cast<size_t>(significant) + 32, '\0');
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), std::fabs(v),
                                 std::chars_format::scientific, significant - 1);
  DecimalDigits d = FromScientific(buf.data(), res.ptr);
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

// Go's fmtF: the integer digits (zero-padded up to the point, or "0"), then `decimals` digits
// after the point (zeros where the digits run out).
void AppendFixed(std::string* out, const DecimalDigits& d, int decimals) {
  const int count = static_cast<int>(d.digits.size());
  if (d.point > 0) {
    const int m = std::min(count, d.point);
    out->append(d.digits, 0, static_cast<size_t>(m));
    out->append(static_cast<size_t>(d.point - m), '0');
  } else {
    out->push_back('0');
  }
  if (decimals <= 0) return;
  out->push_back('.');
  for (int i = 1; i <= decimals; ++i) {
    const int j = d.point + i - 1;
    out->push_back(j >= 0 && j < count ? d.digits[static_cast<size_t>(j)] : '0');
  }
}

// Go's fmtE: d.ddd with `decimals` digits after the point (zeros where the digits run out), then
// the exponent, at least two digits long.
void AppendExponent(std::string* out, const DecimalDigits& d, int decimals, char e) {
  const int count = static_cast<int>(d.digits.size());
  out->push_back(count > 0 ? d.digits[0] : '0');
  if (decimals > 0) {
    out->push_back('.');
    for (int i = 1; i <= decimals; ++i)
      out->push_back(i < count ? d.digits[static_cast<size_t>(i)] : '0');
  }
  int exponent = count == 0 ? 0 : d.point - 1;
  out->push_back(e);
  out->push_back(exponent < 0 ? '-' : '+');
  if (exponent < 0) exponent = -exponent;
  if (exponent < 10) out->push_back('0');
  out->append(std::to_string(exponent));
}

// Go's %e/%g choice and layout for digits already rounded (formatDigits in strconv/ftoa.go).
void AppendG(std::string* out, const DecimalDigits& d, int precision, bool shortest, char e) {
  const int count = static_cast<int>(d.digits.size());
  int eprec = precision;
  if (eprec > count && count >= d.point) eprec = count;
  if (shortest) eprec = 6;
  const int exponent = d.point - 1;
  if (exponent < -4 || exponent >= eprec) {
    AppendExponent(out, d, std::min(precision, count) - 1, e);
    return;
  }
  AppendFixed(out, d, std::max((precision > d.point ? count : precision) - d.point, 0));
}

// ---- Number parsing: Go's readFloat and ParseUint syntax ---------------------------------------

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDecimalDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDecimalDigit(c) || (Lower(c) >= 'a' && Lower(c) <= 'f'); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return Lower(x) == y; });
}

// Go's underscoreOK: '_' only between digits, where a base prefix counts as a digit.
bool UnderscoresOk(std::string_view s) {
  char saw = '^';  // '^' start, '0' digit or prefix, '_' underscore, '!' anything else
  size_t i = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if (IsDecimalDigit(s[i]) || (hex && IsHexDigit(s[i]))) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

Status NumberError(std::string_view function, std::string_view s, std::string_view why) {
  return Status::InvalidArgument("strconv." + std::string(function) + ": parsing " + GoQuote(s) +
                                 ": " + std::string(why));
}

// True if `s` is a float as Go's readFloat reads it, to its end: sign, "0x" prefix, digits with
// at most one point, an exponent ('e', or 'p' which hexadecimal needs), underscores placed well.
bool IsGoFloatSyntax(std::string_view s, bool* hex) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  *hex = i + 2 < s.size() && s[i] == '0' && Lower(s[i + 1]) == 'x';
  if (*hex) i += 2;
  bool saw_point = false;
  bool saw_digits = false;
  bool underscores = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      underscores = true;
    } else if (c == '.') {
      if (saw_point) break;
      saw_point = true;
    } else if (IsDecimalDigit(c) || (*hex && IsHexDigit(c))) {
      saw_digits = true;
    } else {
      break;
    }
  }
  if (!saw_digits) return false;
  if (i < s.size() && Lower(s[i]) == (*hex ? 'p' : 'e')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !IsDecimalDigit(s[i])) return false;
    for (; i < s.size() && (IsDecimalDigit(s[i]) || s[i] == '_'); ++i) {
      if (s[i] == '_') underscores = true;
    }
  } else if (*hex) {
    return false;  // a hexadecimal float needs its binary exponent
  }
  return i == s.size() && (!underscores || UnderscoresOk(s));
}

// For a float that from_chars found out of a float64's range (mantissa digits, '.', then an
// 'e' or 'p' exponent): whether it is too large rather than too small, from the exponent of its
// first significant digit (decimal, or binary for hexadecimal). The limits, about 10^308 and
// 10^-324, are far from where the sign of that exponent changes.
bool Overflows(std::string_view digits, bool hex) {
  const size_t e = digits.find_first_of(hex ? "pP" : "eE");
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view text = digits.substr(e + 1);
    const bool negative = !text.empty() && text[0] == '-';
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
    for (char c : text) exponent = std::min<int64_t>(exponent * 10 + (c - '0'), 1'000'000);
    if (negative) exponent = -exponent;
  }
  int64_t integer_digits = 0;  // from the first significant digit to the point
  int64_t fraction_zeros = 0;  // zeros after the point before the first significant digit
  bool significant = false;
  bool after_point = false;
  for (char c : digits.substr(0, e)) {
    if (c == '.') {
      after_point = true;
    } else if (!significant && c == '0') {
      if (after_point) ++fraction_zeros;
    } else {
      significant = true;
      if (!after_point) ++integer_digits;
    }
  }
  const int64_t digit_bits = hex ? 4 : 1;
  return (integer_digits > 0 ? integer_digits : -fraction_zeros) * digit_bits + exponent > 0;
}

// ---- Quoting -----------------------------------------------------------------------------------

void AppendHex(std::string* out, uint32_t value, int digits) {
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
    out->push_back(kLowerHex[(value >> shift) & 0xF]);
  }
}

// Go's appendEscapedRune for a valid rune.
void AppendEscapedRune(std::string* out, char32_t r, char quote) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (GoIsPrint(r)) {
    AppendUtf8(out, r);
    return;
  }
  switch (r) {
    case '\a':
      out->append("\\a");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\v':
      out->append("\\v");
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    out->append("\\x");
    AppendHex(out, r, 2);
  } else if (r < 0x10000) {
    out->append("\\u");
    AppendHex(out, r, 4);
  } else {
    out->append("\\U");
    AppendHex(out, r, 8);
  }
}

// Assigned code points above U+00FF that strconv.IsPrint refuses (Unicode categories Cc, Cf, Cs,
// Co, Zs, Zl, Zp; U+2065 and U+FFFE/U+FFFF are unassigned but fall inside or next to them).
// Inclusive ranges, sorted.
constexpr std::pair<char32_t, char32_t> kNotPrintable[] = {
    {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},   {0x070F, 0x070F},
    {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x1680, 0x1680},   {0x180E, 0x180E},
    {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x206F},   {0x3000, 0x3000},
    {0xD800, 0xF8FF},   {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0xFFFE, 0xFFFF},
    {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF},
};

}  // namespace

// ---- Floats ------------------------------------------------------------------------------------

std::string GoFormatFloat(double v, char format, int precision) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::string out = std::signbit(v) ? "-" : "";
  const bool shortest = precision < 0;
  DecimalDigits d;
  if (v != 0) {
    if (shortest) {
      d = Shortest(v);
    } else if (format == 'f') {
      // Digits up to `precision` places after the point: exact and rounded ties to even, in the
      // C locale whatever the process's. 1e308 takes 309 digits before the point.
      std::string buf(static_cast<size_t>(precision) + 330, '\0');
      const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), std::fabs(v),
                                     std::chars_format::fixed, precision);
      out.append(buf.data(), res.ptr);
      return out;
    } else if (format == 'e' || format == 'E') {
      d = Rounded(v, precision + 1);
    } else {
      d = Rounded(v, std::max(precision, 1));
    }
  }
  const int count = static_cast<int>(d.digits.size());
  switch (format) {
    case 'f':
      AppendFixed(&out, d, shortest ? std::max(count - d.point, 0) : precision);
      break;
    case 'e':
    case 'E':
      AppendExponent(&out, d, shortest ? count - 1 : precision, format);
      break;
    default: {
      const char e = format == 'G' ? 'E' : 'e';
      AppendG(&out, d, shortest ? count : std::max(precision, 1), shortest, e);
      break;
    }
  }
  return out;
}

std::string GoFormatFloatF(double v) { return GoFormatFloat(v, 'f', -1); }

std::string GoFormatFloatG(double v) { return GoFormatFloat(v, 'g', -1); }

std::string GoSprintfF(double v) { return GoFormatFloat(v, 'f', 6); }

Result<double> GoParseFloat(std::string_view s) {
  std::string_view body = s;
  bool negative = false;
  bool signed_text = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    signed_text = true;
    body.remove_prefix(1);
  }
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (!signed_text && EqualsIgnoreCase(body, "nan")) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  bool hex = false;
  if (!IsGoFloatSyntax(s, &hex)) return NumberError("ParseFloat", s, "invalid syntax");
  // The digits without sign, base prefix and separators, as from_chars reads them.
  std::string cleaned;
  cleaned.reserve(body.size());
  for (char c : hex ? body.substr(2) : body) {
    if (c != '_') cleaned.push_back(c);
  }
  const char* begin = cleaned.data();
  const char* end = begin + cleaned.size();
  double value = 0;
  const auto res =
      std::from_chars(begin, end, value, hex ? std::chars_format::hex : std::chars_format::general);
  if (res.ec == std::errc::result_out_of_range) {
    // Go's ErrRange is for an overflow; an underflow reads as zero without an error.
    if (Overflows(cleaned, hex)) return NumberError("ParseFloat", s, "value out of range");
    value = 0;
  } else if (res.ec != std::errc() || res.ptr != end) {
    return NumberError("ParseFloat", s, "invalid syntax");
  }
  return negative ? -value : value;
}

Result<int64_t> GoParseInt(std::string_view s) {
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return NumberError("ParseInt", s, "invalid syntax");
  uint64_t base = 10;
  if (digits[0] == '0') {
    const char prefix = digits.size() >= 3 ? Lower(digits[1]) : '\0';
    if (prefix == 'b' || prefix == 'o' || prefix == 'x') {
      base = prefix == 'b' ? 2 : prefix == 'o' ? 8 : 16;
      digits.remove_prefix(2);
    } else {
      base = 8;
      digits.remove_prefix(1);
    }
  }
  // Go's ParseUint: a digit past the base is a syntax error, going past 2^64 a range error,
  // whichever comes first.
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  bool underscores = false;
  bool overflow = false;
  uint64_t magnitude = 0;
  for (char c : digits) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    uint64_t d;
    if (IsDecimalDigit(c)) {
      d = static_cast<uint64_t>(c - '0');
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      d = static_cast<uint64_t>(Lower(c) - 'a' + 10);
    } else {
      return NumberError("ParseInt", s, "invalid syntax");
    }
    if (d >= base) return NumberError("ParseInt", s, "invalid syntax");
    if (magnitude > (kMax - d) / base) {
      overflow = true;
      break;
    }
    magnitude = magnitude * base + d;
  }
  if (!overflow && underscores && !UnderscoresOk(s)) {
    return NumberError("ParseInt", s, "invalid syntax");
  }
  constexpr uint64_t kCutoff = uint64_t{1} << 63;
  if (overflow || (!negative && magnitude >= kCutoff) || (negative && magnitude > kCutoff)) {
    return NumberError("ParseInt", s, "value out of range");
  }
  if (negative)
    return magnitude == kCutoff ? std::numeric_limits<int64_t>::min()
                                : -static_cast<int64_t>(magnitude);
  return static_cast<int64_t>(magnitude);
}

// ---- Strings -----------------------------------------------------------------------------------

bool GoIsPrint(char32_t r) {
  if (r < 0x100) {
    // Latin-1: the C0 and C1 controls, DEL, no-break space and soft hyphen are not printable.
    return (r >= 0x20 && r < 0x7F) || (r >= 0xA1 && r != 0xAD);
  }
  if (r > 0x10FFFF) return false;
  const auto* it = std::upper_bound(std::begin(kNotPrintable), std::end(kNotPrintable), r,
                                    [](char32_t value, const std::pair<char32_t, char32_t>& range) {
                                      return value < range.first;
                                    });
  return it == std::begin(kNotPrintable) || r > std::prev(it)->second;
}

std::string GoFormatRuneU(char32_t r) {
  std::string out = "U+";
  const int digits = r > 0xFFFF ? (r > 0xFFFFF ? 6 : 5) : 4;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
    out.push_back("0123456789ABCDEF"[(r >> shift) & 0xF]);
  }
  if (GoIsPrint(r)) {
    out += " '";
    AppendUtf8(&out, r);
    out += "'";
  }
  return out;
}

void AppendGoQuote(std::string* out, std::string_view s) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    size_t width = 0;
    const char32_t r = DecodeUtf8Rune(s, i, &width);
    if (r == kRuneError && width == 1) {
      out->append("\\x");
      AppendHex(out, static_cast<unsigned char>(s[i]), 2);
    } else {
      AppendEscapedRune(out, r, '"');
    }
    i += width;
  }
  out->push_back('"');
}

std::string GoQuote(std::string_view s) {
  std::string out;
  AppendGoQuote(&out, s);
  return out;
}

std::string GoQuoteRune(char32_t r) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  std::string out = "'";
  AppendEscapedRune(&out, r, '\'');
  out.push_back('\'');
  return out;
}

Result<std::string> GoUnquote(std::string_view quoted) {
  const Status syntax_error = Status::InvalidArgument("invalid syntax");
  if (quoted.size() < 2 || quoted.front() != quoted.back()) return syntax_error;
  const char quote = quoted.front();
  const std::string_view s = quoted.substr(1, quoted.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return syntax_error;
    return std::string(s);
  }
  if (quote != '"' && quote != '\'') return syntax_error;
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == quote || c == '\n') return syntax_error;
    if (c != '\\') {
      // Other bytes are kept as they are: PromQL's lexer has refused invalid UTF-8 already.
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return syntax_error;
    const char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out.push_back('\a');
        continue;
      case 'b':
        out.push_back('\b');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 't':
        out.push_back('\t');
        continue;
      case 'v':
        out.push_back('\v');
        continue;
      case '\\':
        out.push_back('\\');
        continue;
      case '\'':
      case '"':
        if (e != quote) return syntax_error;
        out.push_back(e);
        continue;
      default:
        break;
    }
    size_t digits = 0;
    int base = 16;
    if (e >= '0' && e <= '7') {
      digits = 3, base = 8;
      --i;  // the first digit is part of the value
    } else if (e == 'x') {
      digits = 2;
    } else if (e == 'u') {
      digits = 4;
    } else if (e == 'U') {
      digits = 8;
    } else {
      return syntax_error;
    }
    if (i + digits > s.size()) return syntax_error;
    uint32_t value = 0;
    const auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + i + digits, value, base);
    if (ec != std::errc() || ptr != s.data() + i + digits) return syntax_error;
    i += digits;
    if (e == 'x' || base == 8) {
      if (value > 255) return syntax_error;
      out.push_back(static_cast<char>(value));
      continue;
    }
    if (value > 0x10FFFF || (value >= 0xD800 && value < 0xE000)) return syntax_error;
    AppendUtf8(&out, static_cast<char32_t>(value));
  }
  return out;
}

std::string_view GoTrimSpace(std::string_view s) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string GoHtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\0':
        out += "\uFFFD";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace tidemark::util
