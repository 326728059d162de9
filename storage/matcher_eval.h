// Compiled label matchers: RE2 patterns are compiled once per query, fully anchored.
#ifndef TIDEMARK_STORAGE_MATCHER_EVAL_H_
#define TIDEMARK_STORAGE_MATCHER_EVAL_H_

#include <memory>
#include <string_view>
#include <vector>

#include "tidemark/matcher.h"
#include "tidemark/status.h"

namespace re2 {
class RE2;
}

namespace tidemark::storage {

class CompiledMatcher {
 public:
  static Result<CompiledMatcher> Compile(const LabelMatcher& m);
  CompiledMatcher(CompiledMatcher&&) noexcept;
  CompiledMatcher& operator=(CompiledMatcher&&) noexcept;
  ~CompiledMatcher();

  const LabelMatcher& matcher() const { return matcher_; }
  // Whether a label value matches; an absent label is matched as the empty string.
  bool Matches(std::string_view value) const;
  bool MatchesEmpty() const { return matches_empty_; }

 private:
  CompiledMatcher() = default;
  LabelMatcher matcher_;
  std::unique_ptr<re2::RE2> re_;
  bool matches_empty_ = false;
};

Result<std::vector<CompiledMatcher>> CompileMatchers(const std::vector<LabelMatcher>& matchers);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_MATCHER_EVAL_H_
