// What the TraceQL search tests share: a fixed clock and ids built from numbers.
#ifndef TIDEMARK_TESTS_QUERY_TRACEQL_TRACE_FIXTURE_H_
#define TIDEMARK_TESTS_QUERY_TRACEQL_TRACE_FIXTURE_H_

#include <cstdint>
#include <string>

namespace tidemark::testing {

inline constexpr uint64_t kSecond = 1'000'000'000ULL;
inline constexpr int64_t kNowMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
inline constexpr uint64_t kNow = static_cast<uint64_t>(kNowMs) * 1'000'000;

// A trace (len 16) or span (len 8) id: `n` big-endian, with a first byte of 1 so that no id is
// all zeros.
inline std::string Id(uint64_t n, size_t len) {
  std::string id(len, '\0');
  for (size_t i = 0; i < len && n; ++i, n >>= 8) id[len - 1 - i] = static_cast<char>(n & 0xff);
  id[0] = '\x01';
  return id;
}

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_QUERY_TRACEQL_TRACE_FIXTURE_H_
