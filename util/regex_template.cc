#include "util/regex_template.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace tidemark::util {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string ExpandRegexTemplate(std::string_view tmpl, const std::vector<std::string_view>& groups,
                                const std::map<std::string, int>& named) {
  std::string out;
  size_t i = 0;
  while (i < tmpl.size()) {
    const size_t dollar = tmpl.find('$', i);
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(i, dollar - i));
    i = dollar + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    const bool brace = i < tmpl.size() && tmpl[i] == '{';
    const size_t start = brace ? i + 1 : i;
    size_t end = start;
    while (end < tmpl.size() && IsNameChar(tmpl[end])) ++end;
    if (end == start || (brace && (end >= tmpl.size() || tmpl[end] != '}'))) {
      out.push_back('$');  // malformed: the `$` stays literal, scanning resumes after it
      continue;
    }
    const std::string_view name = tmpl.substr(start, end - start);
    i = brace ? end + 1 : end;
    // A number without a leading zero (or "0") refers to a group by index.
    int64_t index = -1;
    if (name.find_first_not_of("0123456789") == std::string_view::npos &&
        !(name.size() > 1 && name[0] == '0') && name.size() <= 8) {
      std::from_chars(name.data(), name.data() + name.size(), index);
    }
    if (index < 0) {
      auto it = named.find(std::string(name));
      if (it != named.end()) index = it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
        groups[static_cast<size_t>(index)].data() != nullptr) {
      out.append(groups[static_cast<size_t>(index)]);
    }
  }
  out.append(tmpl.substr(std::min(i, tmpl.size())));
  return out;
}

}  // namespace tidemark::util
