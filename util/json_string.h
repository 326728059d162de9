// JSON string literals, shared by every JSON the server writes (Prometheus, Jaeger, Tempo, OTLP).
#ifndef TIDEMARK_UTIL_JSON_STRING_H_
#define TIDEMARK_UTIL_JSON_STRING_H_

#include <string>
#include <string_view>

namespace tidemark::util {

// Appends `s` as a JSON string literal (quoted, escaped; invalid UTF-8 replaced by U+FFFD, so
// that attribute values a client sent can never make a response unparseable).
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_JSON_STRING_H_
