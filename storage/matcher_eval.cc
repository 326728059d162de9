#include "storage/matcher_eval.h"

#include <re2/re2.h>

namespace tidemark {

struct CompiledMatcher::Regex {
  explicit Regex(const std::string& pattern, const RE2::Options& options) : re(pattern, options) {}
  RE2 re;
};

CompiledMatcher::CompiledMatcher() = default;
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
    c.regex_ = std::make_unique<Regex>("^(?:" + m.value + ")$", opts);
    if (!c.regex_->re.ok()) {
      return Status::InvalidArgument("invalid regular expression \"" + m.value + "\" for label \"" +
                                     m.name + "\": " + c.regex_->re.error());
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
      return RE2::FullMatch(value, regex_->re);
    case MatchType::kRegexNoMatch:
      return !RE2::FullMatch(value, regex_->re);
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

}  // namespace tidemark
