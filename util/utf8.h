// UTF-8 helpers shared by the PromQL lexer, the HTTP API and JSON encoding.
#ifndef TIDEMARK_UTIL_UTF8_H_
#define TIDEMARK_UTIL_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace tidemark::util {

// Appends code point `r` (at most 0x10FFFF; surrogates are the caller's to refuse) as UTF-8.
void AppendUtf8(std::string* out, char32_t r);
// Length of the valid UTF-8 sequence starting at s[i] (overlong forms, surrogates and code points
// past 0x10FFFF are invalid), or 0 if there is none.
size_t Utf8SequenceLength(std::string_view s, size_t i);
bool IsValidUtf8(std::string_view s);

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_UTF8_H_
