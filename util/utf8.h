// UTF-8 helpers, as Go's unicode/utf8 treats UTF-8, shared by every layer: the PromQL lexer and
// quoting, label validation in storage and ingest, the HTTP API and JSON encoding.
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

// The replacement character Go decodes each invalid byte as.
inline constexpr char32_t kRuneError = 0xFFFD;
// Go's utf8.DecodeRuneInString(s[i:]): the code point at s[i], its length in *width; kRuneError
// with width 1 where the bytes there are not valid UTF-8; width 0 at the end of `s`.
char32_t DecodeUtf8Rune(std::string_view s, size_t i, size_t* width);
// Go's utf8.RuneCountInString: the code points in `s`, each invalid byte counting as one.
size_t Utf8RuneCount(std::string_view s);
// Cuts `s` to at most `max_bytes`, backing up to the start of the UTF-8 sequence the cut would
// split (so valid UTF-8 stays valid).
void TruncateUtf8(std::string* s, size_t max_bytes);
// `s` cut to at most `max_bytes` (at a character boundary when `s` is valid UTF-8) with
// "...(N bytes)" appended when it was cut: for messages that quote what a client sent, so that a
// 1 MB label value does not make a 1 MB error message.
std::string Abbreviate(std::string_view s, size_t max_bytes);
// The longest message one rejection may carry (labels quoted in it are abbreviated to fit).
inline constexpr size_t kMaxRejectionMessageBytes = 512;

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_UTF8_H_
