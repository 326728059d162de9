// The spans the crash writer appends with commit N, shared by the writer and the test.
#ifndef TIDEMARK_TESTS_STORAGE_CRASH_SPANS_H_
#define TIDEMARK_TESTS_STORAGE_CRASH_SPANS_H_

#include <string>
#include <vector>

#include "tidemark/trace.h"

namespace tidemark::crash {

inline constexpr int kSpansPerCommit = 3;

inline std::string TraceIdOf(int commit) {
  std::string id(16, '\x07');
  for (int i = 0; i < 4; ++i) id[15 - i] = static_cast<char>((commit >> (8 * i)) & 0xff);
  return id;
}

inline std::vector<Span> SpansOf(int commit) {
  std::vector<Span> out;
  for (int k = 0; k < kSpansPerCommit; ++k) {
    Span s;
    s.trace_id = TraceIdOf(commit);
    s.span_id = std::string(7, '\x05') + static_cast<char>(k + 1);
    if (k > 0) s.parent_span_id = std::string(7, '\x05') + '\x01';
    s.name = "op-" + std::to_string(k);
    s.start_time_unix_nano =
        1'700'000'000'000'000'000ULL + static_cast<uint64_t>(commit) * 1'000'000 + k;
    s.end_time_unix_nano = s.start_time_unix_nano + 500;
    s.attributes = {{"commit", AnyValue::Int(commit)}};
    s.resource = MakeSpanResource({{"service.name", AnyValue::String("crash")}});
    out.push_back(s);
  }
  return out;
}

}  // namespace tidemark::crash

#endif  // TIDEMARK_TESTS_STORAGE_CRASH_SPANS_H_
