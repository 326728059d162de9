// Go's fmt over template values: Sprint, Sprintln and Sprintf, which the print, println and
// printf functions are, and the %v form every value prints in. Verbs: %v %+v %T %t %d %b %o %O
// %x %X %c %q %U %e %E %f %F %g %G %s %%, with flags (+ - # 0 space), width and precision
// (numbers, * or [n] argument indexes). Mistakes print as Go prints them: %!d(string=x),
// %!d(MISSING), %!(EXTRA int=1), %!(NOVERB). Not supported: %#v (prints as %v), %x/%b of
// floats, %p (print as bad verbs). Floats go through util::GoFormatFloat.
#ifndef TIDEMARK_QUERY_RULES_GO_FORMAT_H_
#define TIDEMARK_QUERY_RULES_GO_FORMAT_H_

#include <string>
#include <string_view>
#include <vector>

#include "query/rules/template_value.h"

namespace tidemark::rules {

// fmt.Sprint: operands in %v, a space between two operands when neither is a string.
std::string GoSprint(const std::vector<TemplateValue>& args);
// fmt.Sprintln: operands in %v separated by spaces, then a newline.
std::string GoSprintln(const std::vector<TemplateValue>& args);
// fmt.Sprintf.
std::string GoSprintf(std::string_view format, const std::vector<TemplateValue>& args);
// fmt's %v of one value: "<nil>" for a missing value, [a b] for lists, map[k:v] for maps in key
// order, {a b} for structs (&{a b} for pointers to structs).
std::string GoFormatValue(const TemplateValue& value);

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_GO_FORMAT_H_
