#include "ingest/relabel.h"

#include <locale.h>
#include <openssl/evp.h>
#include <wctype.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "re2/re2.h"
#include "util/prom_names.h"
#include "util/regex_template.h"
#include "util/utf8.h"

namespace tidemark::ingest {
namespace {

struct ActionName {
  RelabelAction action;
  std::string_view name;
};
constexpr ActionName kActionNames[] = {
    {RelabelAction::kReplace, "replace"},     {RelabelAction::kKeep, "keep"},
    {RelabelAction::kDrop, "drop"},           {RelabelAction::kKeepEqual, "keepequal"},
    {RelabelAction::kDropEqual, "dropequal"}, {RelabelAction::kHashMod, "hashmod"},
    {RelabelAction::kLabelMap, "labelmap"},   {RelabelAction::kLabelDrop, "labeldrop"},
    {RelabelAction::kLabelKeep, "labelkeep"}, {RelabelAction::kLowercase, "lowercase"},
    {RelabelAction::kUppercase, "uppercase"},
};

// Prometheus' relabelTargetLegacy: a target label (or labelmap replacement) that holds $-references
// must still be made of name characters and references under the legacy scheme.
const RE2& LegacyTemplatedName() {
  static const RE2 re(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return re;
}

bool IsValidName(std::string_view name, LabelNameValidation validation) {
  return validation == LabelNameValidation::kLegacy ? util::IsLegacyLabelName(name)
                                                    : util::IsValidLabelName(name);
}

// A target label or labelmap replacement that may contain $-references.
bool IsValidTemplatedName(std::string_view name, LabelNameValidation validation) {
  if (validation == LabelNameValidation::kUtf8) return util::IsValidLabelName(name);
  return RE2::FullMatch(re2::StringPiece(name.data(), name.size()), LegacyTemplatedName());
}

bool HasTemplateVariable(std::string_view s) { return s.find('$') != std::string_view::npos; }

Status Invalid(const std::string& message) { return Status::InvalidArgument(message); }

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The label set being rewritten: a sorted map, so that each rule sees the result of the rules
// before it (Prometheus' labels.Builder).
using LabelMap = std::map<std::string, std::string, std::less<>>;

std::string_view Get(const LabelMap& labels, std::string_view name) {
  auto it = labels.find(name);
  return it == labels.end() ? std::string_view() : std::string_view(it->second);
}

// Setting a label to "" removes it, as labels.Builder.Set does.
void Set(LabelMap* labels, std::string_view name, std::string value) {
  if (value.empty()) {
    auto it = labels->find(name);
    if (it != labels->end()) labels->erase(it);
    return;
  }
  (*labels)[std::string(name)] = std::move(value);
}

// Go's strings.ToLower / ToUpper: Unicode simple case mapping, rune by rune; a byte that is not
// valid UTF-8 becomes U+FFFD, as strings.Map makes it.
std::string MapCase(std::string_view s, bool upper) {
  static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(upper ? (c >= 'a' && c <= 'z' ? c - 32 : c)
                                            : (c >= 'A' && c <= 'Z' ? c + 32 : c)));
      ++i;
      continue;
    }
    size_t width = 0;
    char32_t r = util::DecodeUtf8Rune(s, i, &width);
    if (utf8 != static_cast<locale_t>(0) && r != util::kRuneError) {
      r = static_cast<char32_t>(upper ? towupper_l(static_cast<wint_t>(r), utf8)
                                      : towlower_l(static_cast<wint_t>(r), utf8));
    }
    util::AppendUtf8(&out, r);
    i += width;
  }
  return out;
}

// md5(s)'s last 8 bytes as a big-endian integer, as Prometheus' hashmod takes it.
uint64_t Md5Tail64(std::string_view s) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(s.data(), s.size(), digest, &len, EVP_md5(), nullptr) != 1 || len != 16) {
    return 0;  // OpenSSL without MD5 (FIPS mode): every value hashes alike, never a crash
  }
  uint64_t v = 0;
  for (int i = 8; i < 16; ++i) v = (v << 8) | digest[i];
  return v;
}

// The submatches of a full match of `re` on `value`, or an empty vector if it does not match.
std::vector<std::string_view> FullMatch(const RE2& re, std::string_view value) {
  std::vector<re2::StringPiece> pieces(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
  if (!re.Match(re2::StringPiece(value.data(), value.size()), 0, value.size(), RE2::ANCHOR_BOTH,
                pieces.data(), static_cast<int>(pieces.size()))) {
    return {};
  }
  std::vector<std::string_view> groups(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].data() != nullptr)
      groups[i] = std::string_view(pieces[i].data(), pieces[i].size());
  }
  return groups;
}

bool Matches(const RE2& re, std::string_view value) {
  return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), re);
}

// One rule on `labels`; false when it drops the set.
bool Apply(const RelabelConfig& config, LabelMap* labels) {
  const RelabelRule& rule = config.rule;
  const RE2& re = *config.regex;
  std::string value;
  for (size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (i > 0) value += rule.separator;
    value += Get(*labels, rule.source_labels[i]);
  }
  switch (rule.action) {
    case RelabelAction::kDrop:
      return !Matches(re, value);
    case RelabelAction::kKeep:
      return Matches(re, value);
    case RelabelAction::kDropEqual:
      return Get(*labels, rule.target_label) != value;
    case RelabelAction::kKeepEqual:
      return Get(*labels, rule.target_label) == value;
    case RelabelAction::kReplace: {
      const std::vector<std::string_view> groups = FullMatch(re, value);
      if (groups.empty()) return true;  // no match, no change
      const auto& named = re.NamedCapturingGroups();
      const std::string target = util::ExpandRegexTemplate(rule.target_label, groups, named);
      if (!IsValidName(target, config.validation)) return true;
      Set(labels, target, util::ExpandRegexTemplate(rule.replacement, groups, named));
      return true;
    }
    case RelabelAction::kLowercase:
    case RelabelAction::kUppercase:
      Set(labels, rule.target_label, MapCase(value, rule.action == RelabelAction::kUppercase));
      return true;
    case RelabelAction::kHashMod:
      Set(labels, rule.target_label, std::to_string(Md5Tail64(value) % rule.modulus));
      return true;
    case RelabelAction::kLabelMap: {
      // Every label of the set as it was before this rule: copies do not feed each other.
      const LabelMap before = *labels;
      for (const auto& [name, label_value] : before) {
        const std::vector<std::string_view> groups = FullMatch(re, name);
        if (groups.empty()) continue;
        Set(labels, util::ExpandRegexTemplate(rule.replacement, groups, re.NamedCapturingGroups()),
            label_value);
      }
      return true;
    }
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep: {
      const bool drop_matching = rule.action == RelabelAction::kLabelDrop;
      for (auto it = labels->begin(); it != labels->end();) {
        if (Matches(re, it->first) == drop_matching) {
          it = labels->erase(it);
        } else {
          ++it;
        }
      }
      return true;
    }
  }
  return true;
}

}  // namespace

std::string_view RelabelActionName(RelabelAction action) {
  for (const ActionName& a : kActionNames) {
    if (a.action == action) return a.name;
  }
  return "replace";
}

bool ParseRelabelAction(std::string_view name, RelabelAction* action) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const ActionName& a : kActionNames) {
    if (a.name == lower) {
      *action = a.action;
      return true;
    }
  }
  return false;
}

Result<RelabelConfig> MakeRelabelConfig(const RelabelRule& rule, LabelNameValidation validation) {
  const RelabelRule defaults;
  const RelabelAction a = rule.action;
  const std::string name(RelabelActionName(a));
  const bool needs_target = a == RelabelAction::kReplace || a == RelabelAction::kHashMod ||
                            a == RelabelAction::kLowercase || a == RelabelAction::kUppercase ||
                            a == RelabelAction::kKeepEqual || a == RelabelAction::kDropEqual;
  const bool case_or_equal = a == RelabelAction::kLowercase || a == RelabelAction::kUppercase ||
                             a == RelabelAction::kKeepEqual || a == RelabelAction::kDropEqual;
  if (a == RelabelAction::kHashMod && rule.modulus == 0) {
    return Invalid("relabel configuration for hashmod requires non-zero modulus");
  }
  if (needs_target && rule.target_label.empty()) {
    return Invalid("relabel configuration for " + name + " action requires 'target_label' value");
  }
  const std::string bad_target =
      Quoted(rule.target_label) + " is invalid 'target_label' for " + name + " action";
  if (a == RelabelAction::kReplace) {
    const bool ok = HasTemplateVariable(rule.target_label)
                        ? IsValidTemplatedName(rule.target_label, validation)
                        : IsValidName(rule.target_label, validation);
    if (!ok) return Invalid(bad_target);
  }
  if (case_or_equal && !IsValidName(rule.target_label, validation)) return Invalid(bad_target);
  if (case_or_equal && rule.replacement != defaults.replacement) {
    return Invalid("'replacement' can not be set for " + name + " action");
  }
  if (a == RelabelAction::kLabelMap && !IsValidTemplatedName(rule.replacement, validation)) {
    return Invalid(Quoted(rule.replacement) + " is invalid 'replacement' for " + name + " action");
  }
  if (a == RelabelAction::kHashMod && !IsValidName(rule.target_label, validation)) {
    return Invalid(bad_target);
  }
  if ((a == RelabelAction::kKeepEqual || a == RelabelAction::kDropEqual) &&
      (rule.regex_set || rule.modulus != 0 || rule.separator != defaults.separator ||
       rule.replacement != defaults.replacement)) {
    return Invalid(name +
                   " action requires only 'source_labels' and `target_label`, and no other fields");
  }
  if ((a == RelabelAction::kLabelDrop || a == RelabelAction::kLabelKeep) &&
      (rule.source_labels_set || !rule.target_label.empty() || rule.modulus != 0 ||
       rule.separator != defaults.separator || rule.replacement != defaults.replacement)) {
    return Invalid(name + " action requires only 'regex', and no other fields");
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>("^(?:" + rule.regex + ")$", options);
  if (!re->ok()) {
    return Invalid("error parsing regexp: " + re->error() + " in " + Quoted(rule.regex));
  }
  RelabelConfig config;
  config.rule = rule;
  config.validation = validation;
  config.regex = std::move(re);
  return config;
}

bool Relabel(const Labels& labels, const std::vector<RelabelConfig>& configs, Labels* out) {
  LabelMap map;
  for (const Label& l : labels) map[l.name] = l.value;
  for (const RelabelConfig& config : configs) {
    if (!Apply(config, &map)) return false;
  }
  std::vector<Label> result;
  result.reserve(map.size());
  for (auto& [name, value] : map) result.push_back({name, std::move(value)});
  *out = Labels(std::move(result));
  return true;
}

}  // namespace tidemark::ingest
