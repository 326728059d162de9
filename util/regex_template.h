// Go's regexp.Regexp.Expand, for every layer that rewrites text with a regex match: PromQL's
// label_replace and Prometheus' relabeling. The regex engine (RE2) stays with the caller; this
// takes the match as plain views.
#ifndef TIDEMARK_UTIL_REGEX_TEMPLATE_H_
#define TIDEMARK_UTIL_REGEX_TEMPLATE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark::util {

// `tmpl` with each reference replaced by a submatch: `$1`, `${1}`, `$name`, `${name}` insert
// group 1 or the group named `name` (nothing if there is no such group or it did not take part),
// `$$` is a literal `$`. A `$name` takes the longest run of ASCII letters, digits and
// underscores, so `$1x` names group "1x" (Go also takes non-ASCII letters and digits). A
// malformed reference (`$`, `${`, `${1`) is kept as text. `groups[0]` is the whole match; a group
// that did not take part is a view with a null data() pointer. `named` maps group names to their
// index (RE2::NamedCapturingGroups()).
std::string ExpandRegexTemplate(std::string_view tmpl, const std::vector<std::string_view>& groups,
                                const std::map<std::string, int>& named);

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_REGEX_TEMPLATE_H_
