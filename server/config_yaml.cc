#include "server/config_yaml.h"

#include <charconv>
#include <map>

#include "util/duration.h"

namespace tidemark::server::config_yaml {
namespace {

std::string Kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
  }
  return "something else";
}

// The scalar text of `node`, or an error when it is a list, a mapping or empty.
Status ScalarText(const YAML::Node& node, const std::string& key, const char* want,
                  std::string* out) {
  if (!node.IsScalar())
    return Bad(key, std::string("must be ") + want + ", got " + Kind(node) + Where(node));
  *out = node.Scalar();
  return Status::OK();
}

std::string WithThousands(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -(v + 1) + 1ULL : static_cast<uint64_t>(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

}  // namespace

Status Bad(const std::string& key, const std::string& why) {
  return Status::InvalidArgument("config key \"" + key + "\": " + why);
}

std::string Where(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return "";
  return " (line " + std::to_string(mark.line + 1) + ")";
}

Status CheckMapping(const YAML::Node& node, const std::string& prefix,
                    const std::set<std::string>& known) {
  const std::string section = prefix.empty() ? "(top level)" : prefix.substr(0, prefix.size() - 1);
  if (node.IsNull()) return Status::OK();
  if (!node.IsMap()) return Bad(section, "must be a mapping, got " + Kind(node) + Where(node));
  std::map<std::string, YAML::Mark> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      return Bad(section, "has a key that is " + Kind(kv.first) + ", not a name" + Where(kv.first));
    }
    const std::string key = kv.first.Scalar();
    if (!known.count(key)) return Bad(prefix + key, "unknown key" + Where(kv.first));
    auto [it, inserted] = seen.emplace(key, kv.first.Mark());
    if (!inserted) {
      std::string lines;
      if (!it->second.is_null() && !kv.first.Mark().is_null()) {
        lines = " (lines " + std::to_string(it->second.line + 1) + " and " +
                std::to_string(kv.first.Mark().line + 1) + ")";
      }
      return Bad(prefix + key, "given twice" + lines);
    }
  }
  return Status::OK();
}

Status ReadString(const YAML::Node& node, const std::string& key, std::string* out) {
  return ScalarText(node, key, "a string", out);
}

Status ReadStringList(const YAML::Node& node, const std::string& key,
                      std::vector<std::string>* out) {
  out->clear();
  if (node.IsNull()) return Status::OK();
  if (!node.IsSequence())
    return Bad(key, "must be a list of strings, got " + Kind(node) + Where(node));
  for (const auto& item : node) {
    if (!item.IsScalar())
      return Bad(key, "must be a list of strings, has " + Kind(item) + Where(item));
    out->push_back(item.Scalar());
  }
  return Status::OK();
}

Status ReadBool(const YAML::Node& node, const std::string& key, bool* out) {
  std::string text;
  Status s = ScalarText(node, key, "true or false", &text);
  if (!s.ok()) return s;
  try {
    *out = node.as<bool>();
  } catch (const std::exception&) {
    return Bad(key, "\"" + text + "\" is not true or false" + Where(node));
  }
  return Status::OK();
}

Status ReadInt64(const YAML::Node& node, const std::string& key, int64_t min, int64_t max,
                 int64_t* out) {
  std::string text;
  Status s = ScalarText(node, key, "an integer", &text);
  if (!s.ok()) return s;
  const std::string range = "must be between " + WithThousands(min) + " and " + WithThousands(max);
  int64_t v = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ptr != end || text.empty()) {
    return Bad(key, "\"" + text + "\" is not an integer" + Where(node));
  }
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    return Bad(key, range + ", got " + text + Where(node));
  }
  if (ec != std::errc()) return Bad(key, "\"" + text + "\" is not an integer" + Where(node));
  *out = v;
  return Status::OK();
}

Status ReadDuration(const YAML::Node& node, const std::string& key, int64_t min_ms, int64_t max_ms,
                    const char* zero_means, int64_t* out) {
  std::string text;
  Status s = ScalarText(node, key, "a duration such as 15d, 6h or 500ms", &text);
  if (!s.ok()) return s;
  Result<int64_t> ms = util::ParseDuration(text);
  if (!ms.ok()) return Bad(key, ms.status().message() + Where(node));
  if (*ms == 0 && zero_means != nullptr) {
    *out = 0;
    return Status::OK();
  }
  if (*ms < min_ms || *ms > max_ms) {
    std::string range =
        "must be between " + util::FormatDuration(min_ms) + " and " + util::FormatDuration(max_ms);
    if (zero_means != nullptr) range += " (or 0: " + std::string(zero_means) + ")";
    return Bad(key, range + ", got " + text + Where(node));
  }
  *out = *ms;
  return Status::OK();
}

}  // namespace tidemark::server::config_yaml
