// LabelMatcher: one condition of a series selector, as in PromQL's `{job=~"api|web"}`.
//
// Semantics follow Prometheus: regular expressions are RE2, fully anchored; a matcher that
// matches the empty string also matches series that lack the label (`{env=""}` selects series
// without `env`, `{env!=""}` those that have it).
#ifndef TIDEMARK_MATCHER_H_
#define TIDEMARK_MATCHER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/status.h"

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

// A matcher ready to test label values, its regular expression compiled once (RE2, fully
// anchored, `.` also matching newlines, as Prometheus compiles them). Move-only.
class CompiledMatcher {
 public:
  // InvalidArgument names the label and the regular expression that does not compile.
  static Result<CompiledMatcher> Compile(const LabelMatcher& m);
  CompiledMatcher(CompiledMatcher&&) noexcept;
  CompiledMatcher& operator=(CompiledMatcher&&) noexcept;
  ~CompiledMatcher();

  const LabelMatcher& matcher() const { return matcher_; }
  // Whether a label value matches; an absent label is matched as the empty string.
  bool Matches(std::string_view value) const;
  bool MatchesEmpty() const { return matches_empty_; }

 private:
  struct Regex;
  CompiledMatcher();
  LabelMatcher matcher_;
  std::unique_ptr<Regex> regex_;
  bool matches_empty_ = false;
};

Result<std::vector<CompiledMatcher>> CompileMatchers(const std::vector<LabelMatcher>& matchers);

}  // namespace tidemark

#endif  // TIDEMARK_MATCHER_H_
