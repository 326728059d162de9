// LabelMatcher: one condition of a series selector, as in PromQL's `{job=~"api|web"}`.
//
// Semantics follow Prometheus: regular expressions are RE2, fully anchored; a matcher that
// matches the empty string also matches series that lack the label (`{env=""}` selects series
// without `env`, `{env!=""}` those that have it).
#ifndef TIDEMARK_MATCHER_H_
#define TIDEMARK_MATCHER_H_

#include <string>

namespace tidemark {

enum class MatchType {
  kEqual,        // =
  kNotEqual,     // !=
  kRegexMatch,   // =~
  kRegexNoMatch  // !~
};

struct LabelMatcher {
  MatchType type = MatchType::kEqual;
  std::string name;
  std::string value;

  static LabelMatcher Equal(std::string name, std::string value) {
    return {MatchType::kEqual, std::move(name), std::move(value)};
  }
  static LabelMatcher NotEqual(std::string name, std::string value) {
    return {MatchType::kNotEqual, std::move(name), std::move(value)};
  }
  static LabelMatcher Regex(std::string name, std::string value) {
    return {MatchType::kRegexMatch, std::move(name), std::move(value)};
  }
  static LabelMatcher NotRegex(std::string name, std::string value) {
    return {MatchType::kRegexNoMatch, std::move(name), std::move(value)};
  }
};

}  // namespace tidemark

#endif  // TIDEMARK_MATCHER_H_
