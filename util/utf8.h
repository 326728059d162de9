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
// `s` cut to at most `max_bytes` (at a character boundary when `s` is valid UTF-8) with
// "...(N bytes)" appended when it was cut: for messages that quote what a client sent, so that a
// 1 MB label value does not make a 1 MB error message.
std::string Abbreviate(std::string_view s, size_t max_bytes);
// The longest message one rejection may carry (labels quoted in it are abbreviated to fit).
inline constexpr size_t kMaxRejectionMessageBytes = 512;

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_UTF8_H_
