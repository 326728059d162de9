// A port of Go's fmt/print.go (doPrintf, printArg, printValue) and fmt/format.go (pad,
// fmtInteger, fmtFloat, fmtS, fmtQ, fmtSx) for the kinds of template_value.h.
#include "query/rules/go_format.h"

#include <cstdint>
#include <cstdio>

#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::rules {
namespace {

constexpr std::string_view kLowerDigits = "0123456789abcdefx";
constexpr std::string_view kUpperDigits = "0123456789ABCDEFX";
constexpr int kMaxNumber = 1'000'000;  // Go's tooLarge: widths and precisions past it are bad

bool TooLarge(int64_t x) { return x > kMaxNumber || x < -kMaxNumber; }

// strconv.CanBackquote without its UTF-8 check: no backquote and no control character but tab.
bool NoControlBytes(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < ' ' && c != '\t') || c == 0x7F || c == '`') return false;
  }
  return true;
}

struct Flags {
  bool plus = false;
  bool minus = false;
  bool sharp = false;
  bool space = false;
  bool zero = false;
  bool plus_v = false;
  bool wid_present = false;
  bool prec_present = false;
  int wid = 0;
  int prec = 0;
};

class Printer {
 public:
  std::string buf;
  Flags f;

  // ---- fmt/format.go -----------------------------------------------------------------------

  void WritePadding(int n, bool zero) {
    if (n > 0) buf.append(static_cast<size_t>(n), zero && !f.minus ? '0' : ' ');
  }

  void Pad(std::string_view s, bool zero_allowed = true) {
    if (!f.wid_present || f.wid == 0) {
      buf += s;
      return;
    }
    const int width = f.wid - static_cast<int>(util::Utf8RuneCount(s));
    if (!f.minus) {
      WritePadding(width, f.zero && zero_allowed);
      buf += s;
    } else {
      buf += s;
      WritePadding(width, false);
    }
  }

  // Strings ignore the 0 flag (fmt: "ignored for strings, byte slices and byte arrays").
  void PadString(std::string_view s) { Pad(s, false); }

  std::string_view Truncate(std::string_view s) const {
    if (!f.prec_present) return s;
    size_t end = 0;
    for (int n = 0; n < f.prec && end < s.size(); ++n) {
      size_t width = 0;
      util::DecodeUtf8Rune(s, end, &width);
      end += width;
    }
    return s.substr(0, end);
  }

  void FmtS(std::string_view s) { PadString(Truncate(s)); }

  void FmtQ(std::string_view s) {
    s = Truncate(s);
    if (f.sharp && s.find('`') == std::string_view::npos && util::IsValidUtf8(s) &&
        NoControlBytes(s)) {
      PadString("`" + std::string(s) + "`");
      return;
    }
    PadString(util::GoQuote(s));
  }

  void FmtSx(std::string_view s, std::string_view digits) {
    size_t length = s.size();
    if (f.prec_present && static_cast<size_t>(f.prec) < length)
      length = static_cast<size_t>(f.prec);
    std::string out;
    if (length == 0) {
      if (f.wid_present) WritePadding(f.wid, false);
      return;
    }
    for (size_t i = 0; i < length; ++i) {
      if (f.space && i > 0) out += ' ';
      if (f.sharp && (f.space || i == 0)) {
        out += '0';
        out += digits[16];
      }
      const auto c = static_cast<unsigned char>(s[i]);
      out += digits[c >> 4];
      out += digits[c & 0xF];
    }
    PadString(out);
  }

  void FmtInteger(uint64_t u, int base, bool is_signed, char32_t verb, std::string_view digits) {
    const bool negative = is_signed && static_cast<int64_t>(u) < 0;
    if (negative) u = ~u + 1;
    int prec = 0;
    if (f.prec_present) {
      prec = f.prec;
      if (prec == 0 && u == 0) {  // %.0d of 0 prints nothing but the padding
        WritePadding(f.wid_present ? f.wid : 0, false);
        return;
      }
    } else if (f.zero && !f.minus && f.wid_present) {
      prec = f.wid;
      if (negative || f.plus || f.space) --prec;  // room for the sign
    }
    std::string out;  // built right to left
    do {
      out.push_back(digits[u % static_cast<uint64_t>(base)]);
      u /= static_cast<uint64_t>(base);
    } while (u > 0);
    while (static_cast<int>(out.size()) < prec) out.push_back('0');
    if (f.sharp) {
      if (base == 2) {
        out += "b0";
      } else if (base == 8 && out.back() != '0') {
        out.push_back('0');
      } else if (base == 16) {
        out.push_back(digits[16]);
        out.push_back('0');
      }
    }
    if (verb == 'O') out += "o0";
    if (negative) {
      out.push_back('-');
    } else if (f.plus) {
      out.push_back('+');
    } else if (f.space) {
      out.push_back(' ');
    }
    std::string forward(out.rbegin(), out.rend());
    Pad(forward, false);  // zero padding became precision above
  }

  void FmtFloat(double v, char format, int prec) {
    if (f.prec_present) prec = f.prec;
    std::string num = util::GoFormatFloat(v, format, prec);
    if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
    if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
    if (num[1] == 'I' || num[1] == 'N') {
      // Infinities and NaN are not padded with zeros; NaN has no sign unless asked for.
      if (num[1] == 'N' && !f.space && !f.plus) num.erase(0, 1);
      Pad(num, false);
      return;
    }
    if (f.plus || num[0] != '+') {
      if (f.zero && !f.minus && f.wid_present && f.wid > static_cast<int>(num.size())) {
        buf.push_back(num[0]);
        WritePadding(f.wid - static_cast<int>(num.size()), true);
        buf.append(num, 1, std::string::npos);
        return;
      }
      Pad(num);
      return;
    }
    Pad(std::string_view(num).substr(1));
  }

  void FmtUnicode(uint64_t u) {
    if (f.sharp && u <= 0x10FFFF) {
      Pad(util::GoFormatRuneU(static_cast<char32_t>(u)), false);
      return;
    }
    char hex[32];
    std::snprintf(hex, sizeof hex, "U+%04llX", static_cast<unsigned long long>(u));
    Pad(hex, false);
  }

  static char32_t ValidRune(uint64_t u) {
    if (u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF)) return util::kRuneError;
    return static_cast<char32_t>(u);
  }

  // ---- fmt/print.go ------------------------------------------------------------------------

  void BadVerb(char32_t verb, const TemplateValue& arg) {
    buf += "%!";
    util::AppendUtf8(&buf, verb);
    buf += '(';
    if (arg.IsMissing()) {
      buf += "<nil>";
    } else {
      buf += arg.GoType();
      buf += '=';
      PrintValue(arg, 'v', 0);
    }
    buf += ')';
  }

  void PrintInteger(const TemplateValue& arg, uint64_t u, bool is_signed, char32_t verb) {
    switch (verb) {
      case 'v':
      case 'd':
        FmtInteger(u, 10, is_signed, verb, kLowerDigits);
        return;
      case 'b':
        FmtInteger(u, 2, is_signed, verb, kLowerDigits);
        return;
      case 'o':
      case 'O':
        FmtInteger(u, 8, is_signed, verb, kLowerDigits);
        return;
      case 'x':
        FmtInteger(u, 16, is_signed, verb, kLowerDigits);
        return;
      case 'X':
        FmtInteger(u, 16, is_signed, verb, kUpperDigits);
        return;
      case 'c': {
        std::string s;
        util::AppendUtf8(&s, ValidRune(u));
        Pad(s, false);
        return;
      }
      case 'q':
        Pad(util::GoQuoteRune(ValidRune(u)), false);
        return;
      case 'U':
        FmtUnicode(u);
        return;
      default:
        BadVerb(verb, arg);
        return;
    }
  }

  void PrintValue(const TemplateValue& arg, char32_t verb, int depth) {
    if (verb == 'T') {
      FmtS(arg.GoType());
      return;
    }
    switch (arg.kind()) {
      case TemplateKind::kMissing:
        if (verb == 'v') {
          PadString("<nil>");
        } else {
          BadVerb(verb, arg);
        }
        return;
      case TemplateKind::kBool:
        if (verb == 't' || verb == 'v') {
          PadString(arg.AsBool() ? "true" : "false");
        } else {
          BadVerb(verb, arg);
        }
        return;
      case TemplateKind::kInt:
        PrintInteger(arg, static_cast<uint64_t>(arg.AsInt()), true, verb);
        return;
      case TemplateKind::kUint:
        PrintInteger(arg, arg.AsUint(), false, verb);
        return;
      case TemplateKind::kFloat:
        switch (verb) {
          case 'v':
            FmtFloat(arg.AsFloat(), 'g', -1);
            return;
          case 'g':
          case 'G':
            FmtFloat(arg.AsFloat(), static_cast<char>(verb), -1);
            return;
          case 'e':
          case 'E':
          case 'f':
            FmtFloat(arg.AsFloat(), static_cast<char>(verb), 6);
            return;
          case 'F':
            FmtFloat(arg.AsFloat(), 'f', 6);
            return;
          default:
            BadVerb(verb, arg);
            return;
        }
      case TemplateKind::kString:
        switch (verb) {
          case 'v':
          case 's':
            FmtS(arg.AsString());
            return;
          case 'x':
            FmtSx(arg.AsString(), kLowerDigits);
            return;
          case 'X':
            FmtSx(arg.AsString(), kUpperDigits);
            return;
          case 'q':
            FmtQ(arg.AsString());
            return;
          default:
            BadVerb(verb, arg);
            return;
        }
      case TemplateKind::kList: {
        buf += '[';
        const auto& items = arg.AsList().items;
        for (size_t i = 0; i < items.size(); ++i) {
          if (i > 0) buf += ' ';
          PrintValue(items[i], verb, depth + 1);
        }
        buf += ']';
        return;
      }
      case TemplateKind::kMap: {
        buf += "map[";
        bool first = true;
        for (const auto& [key, value] : arg.AsMap().entries) {
          if (!first) buf += ' ';
          first = false;
          PrintValue(TemplateValue::String(key), verb, depth + 1);
          buf += ':';
          PrintValue(value, verb, depth + 1);
        }
        buf += ']';
        return;
      }
      case TemplateKind::kStruct: {
        const TemplateStruct& s = arg.AsStruct();
        // Go prints a pointer nested in another value as its address; an address means nothing
        // here, so nested pointers print like top-level ones.
        if (s.pointer) buf += '&';
        buf += '{';
        for (size_t i = 0; i < s.fields.size(); ++i) {
          if (i > 0) buf += ' ';
          if (f.plus_v) buf += s.fields[i].first + ":";
          PrintValue(s.fields[i].second, verb, depth + 1);
        }
        buf += '}';
        return;
      }
    }
  }

  void PrintArg(const TemplateValue& arg, char32_t verb) { PrintValue(arg, verb, 0); }
};

// Go's parsenum: a decimal number at s[i..end), or none; past the limit, none and i at end.
bool ParseNumber(std::string_view s, size_t* i, int* out) {
  int num = 0;
  bool isnum = false;
  while (*i < s.size() && s[*i] >= '0' && s[*i] <= '9') {
    if (TooLarge(num)) {
      *i = s.size();
      *out = 0;
      return false;
    }
    num = num * 10 + (s[*i] - '0');
    isnum = true;
    ++*i;
  }
  *out = num;
  return isnum;
}

// Go's intFromArg: the argument for a '*' width or precision.
bool IntFromArg(const std::vector<TemplateValue>& args, size_t* arg_num, int* out) {
  *out = 0;
  if (*arg_num >= args.size()) return false;
  const TemplateValue& a = args[*arg_num];
  ++*arg_num;
  int64_t n = 0;
  if (a.kind() == TemplateKind::kInt) {
    n = a.AsInt();
  } else if (a.kind() == TemplateKind::kUint && a.AsUint() <= INT64_MAX) {
    n = static_cast<int64_t>(a.AsUint());
  } else {
    return false;
  }
  if (TooLarge(n)) return false;
  *out = static_cast<int>(n);
  return true;
}

}  // namespace

std::string GoSprint(const std::vector<TemplateValue>& args) {
  Printer p;
  bool previous_string = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool is_string = args[i].kind() == TemplateKind::kString;
    if (i > 0 && !is_string && !previous_string) p.buf += ' ';
    p.PrintArg(args[i], 'v');
    previous_string = is_string;
  }
  return std::move(p.buf);
}

std::string GoSprintln(const std::vector<TemplateValue>& args) {
  Printer p;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) p.buf += ' ';
    p.PrintArg(args[i], 'v');
  }
  p.buf += '\n';
  return std::move(p.buf);
}

std::string GoFormatValue(const TemplateValue& value) {
  Printer p;
  p.PrintArg(value, 'v');
  return std::move(p.buf);
}

std::string GoSprintf(std::string_view format, const std::vector<TemplateValue>& args) {
  Printer p;
  const size_t end = format.size();
  size_t arg_num = 0;
  bool after_index = false;
  bool reordered = false;
  bool good_arg_num = true;

  // Go's argNumber: an explicit "[n]" argument index at format[*i].
  auto arg_number = [&](size_t* i) -> bool {
    if (*i >= end || format[*i] != '[') return false;
    reordered = true;
    const std::string_view rest = format.substr(*i);
    if (rest.size() < 3) {
      *i += 1;
      good_arg_num = false;
      return false;
    }
    for (size_t j = 1; j < rest.size(); ++j) {
      if (rest[j] != ']') continue;
      size_t k = 1;
      int index = 0;
      const bool ok = ParseNumber(rest.substr(0, j), &k, &index) && k == j;
      *i += j + 1;
      if (!ok) {
        good_arg_num = false;
        return false;
      }
      if (index - 1 >= 0 && static_cast<size_t>(index - 1) < args.size()) {
        arg_num = static_cast<size_t>(index - 1);
        return true;
      }
      good_arg_num = false;
      return true;
    }
    *i += 1;
    good_arg_num = false;
    return false;
  };

  for (size_t i = 0; i < end;) {
    good_arg_num = true;
    const size_t last = i;
    while (i < end && format[i] != '%') ++i;
    if (i > last) p.buf.append(format.substr(last, i - last));
    if (i >= end) break;
    ++i;  // the '%'
    p.f = Flags{};
    for (; i < end; ++i) {
      const char c = format[i];
      if (c == '#') {
        p.f.sharp = true;
      } else if (c == '0') {
        p.f.zero = true;
      } else if (c == '+') {
        p.f.plus = true;
      } else if (c == '-') {
        p.f.minus = true;
      } else if (c == ' ') {
        p.f.space = true;
      } else {
        break;
      }
    }
    after_index = arg_number(&i);
    if (i < end && format[i] == '*') {
      ++i;
      p.f.wid_present = IntFromArg(args, &arg_num, &p.f.wid);
      if (!p.f.wid_present) p.buf += "%!(BADWIDTH)";
      if (p.f.wid < 0) {
        p.f.wid = -p.f.wid;
        p.f.minus = true;
      }
      after_index = false;
    } else {
      p.f.wid_present = ParseNumber(format, &i, &p.f.wid);
      if (after_index && p.f.wid_present) good_arg_num = false;  // "%[3]2d"
    }
    if (i + 1 < end && format[i] == '.') {
      ++i;
      if (after_index) good_arg_num = false;  // "%[3].2d"
      after_index = arg_number(&i);
      if (i < end && format[i] == '*') {
        ++i;
        p.f.prec_present = IntFromArg(args, &arg_num, &p.f.prec);
        if (p.f.prec < 0) {
          p.f.prec = 0;
          p.f.prec_present = false;
        }
        if (!p.f.prec_present) p.buf += "%!(BADPREC)";
        after_index = false;
      } else {
        p.f.prec_present = ParseNumber(format, &i, &p.f.prec);
        if (!p.f.prec_present) {
          p.f.prec = 0;
          p.f.prec_present = true;
        }
      }
    }
    if (!after_index) after_index = arg_number(&i);
    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }
    size_t width = 1;
    char32_t verb = static_cast<unsigned char>(format[i]);
    if (verb >= 0x80) verb = util::DecodeUtf8Rune(format, i, &width);
    i += width;
    if (verb == '%') {
      p.buf += '%';  // takes no operand, ignores width and precision
    } else if (!good_arg_num) {
      p.buf += "%!";
      util::AppendUtf8(&p.buf, verb);
      p.buf += "(BADINDEX)";
    } else if (arg_num >= args.size()) {
      p.buf += "%!";
      util::AppendUtf8(&p.buf, verb);
      p.buf += "(MISSING)";
    } else {
      if (verb == 'v') {
        p.f.plus_v = p.f.plus;
        p.f.plus = false;
        p.f.sharp = false;
      }
      p.PrintArg(args[arg_num], verb);
      ++arg_num;
    }
  }
  if (!reordered && arg_num < args.size()) {
    p.f = Flags{};
    p.buf += "%!(EXTRA ";
    for (size_t i = arg_num; i < args.size(); ++i) {
      if (i > arg_num) p.buf += ", ";
      if (args[i].IsMissing()) {
        p.buf += "<nil>";
      } else {
        p.buf += args[i].GoType();
        p.buf += '=';
        p.PrintArg(args[i], 'v');
      }
    }
    p.buf += ')';
  }
  return std::move(p.buf);
}

}  // namespace tidemark::rules
