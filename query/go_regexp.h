// What Go's regexp package does around matching that RE2 leaves to its caller: the error text
// of a pattern that does not compile, and Regexp.Expand's $-templates. Shared by PromQL
// (label_replace, regex matchers) and the rule templates (reReplaceAll, match); header-only so
// that neither library depends on the other.
#ifndef TIDEMARK_QUERY_GO_REGEXP_H_
#define TIDEMARK_QUERY_GO_REGEXP_H_

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "re2/re2.h"

namespace tidemark {

// Go's regexp/syntax error text ("error parsing regexp: missing closing ): `(`") for an RE2
// compile failure.
inline std::string GoRegexpError(const RE2& re) {
  std::string code;
  switch (re.error_code()) {
    case RE2::ErrorMissingParen:
      code = "missing closing )";
      break;
    case RE2::ErrorUnexpectedParen:
      code = "unexpected )";
      break;
    case RE2::ErrorMissingBracket:
      code = "missing closing ]";
      break;
    case RE2::ErrorBadEscape:
      code = "invalid escape sequence";
      break;
    case RE2::ErrorRepeatArgument:
      code = "missing argument to repetition operator";
      break;
    case RE2::ErrorRepeatSize:
      code = "invalid repeat count";
      break;
    case RE2::ErrorRepeatOp:
      code = "invalid nested repetition operator";
      break;
    case RE2::ErrorBadCharRange:
      code = "invalid character class range";
      break;
    case RE2::ErrorBadCharClass:
      code = "invalid character class";
      break;
    case RE2::ErrorBadPerlOp:
      code = "invalid or unsupported Perl syntax";
      break;
    case RE2::ErrorBadUTF8:
      code = "invalid UTF-8";
      break;
    case RE2::ErrorBadNamedCapture:
      code = "invalid named capture";
      break;
    default:
      code = re.error();
      break;
  }
  return "error parsing regexp: " + code + ": `" + re.error_arg() + "`";
}

inline bool IsGoRegexpNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Go's regexp.Expand: `$1`, `${1}`, `$name`, `${name}` insert a capture group (empty if it
// did not participate), `$$` is a literal `$`. A `$name` takes the longest run of letters,
// digits and underscores, so `$1x` names group "1x". A malformed reference is kept as text.
inline std::string GoRegexpExpand(const RE2& re, std::string_view tmpl,
                                  const std::vector<re2::StringPiece>& groups) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t dollar = tmpl.find('$', i);
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(i, dollar - i));
    i = dollar + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    const bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t start = brace ? i + 1 : i;
    size_t end = start;
    while (end < tmpl.size() && IsGoRegexpNameChar(tmpl[end])) ++end;
    if (end == start || (brace && (end >= tmpl.size() || tmpl[end] != '}'))) {
      out.push_back('$');  // malformed: the `$` stays literal, scanning resumes after it
      continue;
    }
    const std::string_view name = tmpl.substr(start, end - start);
    i = brace ? end + 1 : end;
    // A number without a leading zero (or "0") refers to a group by index.
    int64_t index = -1;
    if (name.find_first_not_of("0123456789") == std::string_view::npos &&
        !(name.size() > 1 && name[0] == '0') && name.size() <= 8) {
      std::from_chars(name.data(), name.data() + name.size(), index);
    }
    if (index < 0) {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      if (it != named.end()) index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
        groups[static_cast<size_t>(index)].data() != nullptr) {
      const re2::StringPiece& group = groups[static_cast<size_t>(index)];
      out.append(group.data(), group.size());
    }
  }
  out.append(tmpl.substr(std::min(i, tmpl.size())));
  return out;
}

}  // namespace tidemark

#endif  // TIDEMARK_QUERY_GO_REGEXP_H_
