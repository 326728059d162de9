// Text helpers shared by the promqltest readers.
#ifndef TIDEMARK_TESTS_QUERY_PROMQLTEST_TEXT_H_
#define TIDEMARK_TESTS_QUERY_PROMQLTEST_TEXT_H_

#include <cctype>
#include <string>
#include <string_view>

namespace tidemark::promqltest {

inline std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace tidemark::promqltest

#endif  // TIDEMARK_TESTS_QUERY_PROMQLTEST_TEXT_H_
