// Text helpers shared by the promqltest readers.
#ifndef TIDEMARK_TESTS_QUERY_PROMQLTEST_TEXT_H_
#define TIDEMARK_TESTS_QUERY_PROMQLTEST_TEXT_H_

#include <cctype>
#include <string>
#include <string_view>

namespace tidemark::promqltest {

// Go's strings.TrimSpace for ASCII input (the test files are ASCII outside string literals).
inline std::string_view TrimSpace(std::string_view s) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

inline std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace tidemark::promqltest

#endif  // TIDEMARK_TESTS_QUERY_PROMQLTEST_TEXT_H_
