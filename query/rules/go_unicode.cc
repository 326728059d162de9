#include "query/rules/go_unicode.h"

#include <locale.h>
#include <wctype.h>

#include "util/utf8.h"

namespace tidemark::rules {
namespace {

// The C library's Unicode tables, or (locale_t)0 where the C.UTF-8 locale is missing. Created
// once and never freed: it is read by every thread for the life of the process.
locale_t Utf8Locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  return locale;
}

bool IsAsciiLetterOrDigit(char32_t r) {
  return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
}

char32_t MapCase(char32_t r, bool upper) {
  if (r < 0x80) {
    if (upper && r >= 'a' && r <= 'z') return r - 'a' + 'A';
    if (!upper && r >= 'A' && r <= 'Z') return r - 'A' + 'a';
    return r;
  }
  const locale_t locale = Utf8Locale();
  if (locale == static_cast<locale_t>(0)) return r;
  const wint_t mapped = upper ? towupper_l(static_cast<wint_t>(r), locale)
                              : towlower_l(static_cast<wint_t>(r), locale);
  return static_cast<char32_t>(mapped);
}

// strings.Map with a rune mapping: invalid bytes come out as U+FFFD.
template <typename Mapping>
std::string MapRunes(std::string_view s, Mapping mapping) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t width = 0;
    const char32_t r = util::DecodeUtf8Rune(s, i, &width);
    util::AppendUtf8(&out, mapping(r));
    i += width;
  }
  return out;
}

// strings.isSeparator: where strings.Title starts a new word.
bool IsTitleSeparator(char32_t r) {
  if (r < 0x80) return !(IsAsciiLetterOrDigit(r) || r == '_');
  if (IsGoLetterOrDigit(r)) return false;
  return IsGoSpace(r);
}

}  // namespace

bool IsGoLetterOrDigit(char32_t r) {
  if (r < 0x80) return IsAsciiLetterOrDigit(r);
  if (r < 0x100) {
    // Latin-1 letters: ª µ º and À..ÿ without × and ÷.
    return r == 0xAA || r == 0xB5 || r == 0xBA || (r >= 0xC0 && r != 0xD7 && r != 0xF7);
  }
  const locale_t locale = Utf8Locale();
  if (locale == static_cast<locale_t>(0)) return false;
  return iswalnum_l(static_cast<wint_t>(r), locale) != 0;
}

bool IsGoSpace(char32_t r) {
  if (r < 0x100) {
    return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xA0;
  }
  const locale_t locale = Utf8Locale();
  if (locale == static_cast<locale_t>(0)) return false;
  // glibc leaves the no-break spaces out of "space"; Unicode's White_Space has them.
  return r == 0x2007 || r == 0x202F || iswspace_l(static_cast<wint_t>(r), locale) != 0;
}

std::string GoToUpper(std::string_view s) {
  return MapRunes(s, [](char32_t r) { return MapCase(r, true); });
}

std::string GoToLower(std::string_view s) {
  return MapRunes(s, [](char32_t r) { return MapCase(r, false); });
}

std::string GoTitle(std::string_view s) {
  char32_t previous = ' ';
  return MapRunes(s, [&previous](char32_t r) {
    const char32_t mapped = IsTitleSeparator(previous) ? MapCase(r, true) : r;
    previous = r;
    return mapped;
  });
}

}  // namespace tidemark::rules
