#include "storage/matcher_eval.h"

#include <re2/re2.h>

namespace tidemark::storage {

CompiledMatcher::CompiledMatcher(CompiledMatcher&&) noexcept = default;
CompiledMatcher& CompiledMatcher::operator=(CompiledMatcher&&) noexcept = default;
CompiledMatcher::~CompiledMatcher() = default;

Result<CompiledMatcher> CompiledMatcher::Compile(const LabelMatcher& m) {
  CompiledMatcher c;
  c.matcher_ = m;
  if (m.type == MatchType::kRegexMatch || m.type == MatchType::kRegexNoMatch) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);  // Prometheus compiles with (?s)
    c.re_ = std::make_unique<re2::RE2>("^(?:" + m.value + ")$", opts);
    if (!c.re_->ok()) {
      return Status::InvalidArgument("invalid regular expression \"" + m.value + "\" for label \"" +
                                     m.name + "\": " + c.re_->error());
    }
  }
  c.matches_empty_ = c.Matches("");
  return c;
}

bool CompiledMatcher::Matches(std::string_view value) const {
  switch (matcher_.type) {
    case MatchType::kEqual:
      return value == matcher_.value;
    case MatchType::kNotEqual:
      return value != matcher_.value;
    case MatchType::kRegexMatch:
      return RE2::FullMatch(value, *re_);
    case MatchType::kRegexNoMatch:
      return !RE2::FullMatch(value, *re_);
  }
  return false;
}

Result<std::vector<CompiledMatcher>> CompileMatchers(const std::vector<LabelMatcher>& matchers) {
  std::vector<CompiledMatcher> out;
  out.reserve(matchers.size());
  for (const LabelMatcher& m : matchers) {
    auto c = CompiledMatcher::Compile(m);
    if (!c.ok()) return c.status();
    out.push_back(std::move(c).value());
  }
  return out;
}

}  // namespace tidemark::storage
