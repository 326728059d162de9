// Base64 as protobuf's JSON mapping, OpenTelemetry and Jaeger write bytes.
#ifndef TIDEMARK_UTIL_BASE64_H_
#define TIDEMARK_UTIL_BASE64_H_

#include <string>
#include <string_view>

namespace tidemark::util {

// Standard alphabet (RFC 4648 section 4), with padding.
std::string Base64(std::string_view bytes);

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_BASE64_H_
