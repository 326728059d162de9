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
#include "util/regex_template.h"

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

// Go's regexp.Expand of `tmpl` for a match whose submatches are `groups` (util/regex_template.h
// has the rules; this adapts RE2's match to it).
inline std::string GoRegexpExpand(const RE2& re, std::string_view tmpl,
                                  const std::vector<re2::StringPiece>& groups) {
  std::vector<std::string_view> views(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) {
    // A group that did not take part keeps a null view: it expands to nothing.
    if (groups[i].data() != nullptr)
      views[i] = std::string_view(groups[i].data(), groups[i].size());
  }
  return util::ExpandRegexTemplate(tmpl, views, re.NamedCapturingGroups());
}

}  // namespace tidemark

#endif  // TIDEMARK_QUERY_GO_REGEXP_H_
