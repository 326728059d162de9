// The few Unicode properties Go's text/template and strings packages consult, for code points
// past ASCII: letters and digits (identifiers, strings.Title's word breaks), spaces, and simple
// case mapping (strings.ToUpper, ToLower, Title). Past ASCII they come from the C library's
// C.UTF-8 locale (glibc has full Unicode tables there); without it, only ASCII maps.
#ifndef TIDEMARK_QUERY_RULES_GO_UNICODE_H_
#define TIDEMARK_QUERY_RULES_GO_UNICODE_H_

#include <string>
#include <string_view>

namespace tidemark::rules {

// unicode.IsLetter(r) || unicode.IsDigit(r): what identifiers and words are made of.
bool IsGoLetterOrDigit(char32_t r);
bool IsGoSpace(char32_t r);  // unicode.IsSpace

// strings.ToUpper / ToLower: each rune mapped alone; invalid UTF-8 bytes become U+FFFD, as Go's
// strings.Map writes them.
std::string GoToUpper(std::string_view s);
std::string GoToLower(std::string_view s);
// strings.Title (deprecated, kept by Prometheus): the first letter of each word upper-cased,
// words separated by anything but letters, digits, '_' and (past ASCII) non-space marks.
std::string GoTitle(std::string_view s);

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_GO_UNICODE_H_
