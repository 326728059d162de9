#include "query/rules/yaml_decode.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "util/duration.h"
#include "util/go_text.h"

namespace tidemark::rules::internal {
namespace {

constexpr std::string_view kCoreTagPrefix = "tag:yaml.org,2002:";

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  for (std::string_view o : options) {
    if (s == o) return true;
  }
  return false;
}

// yaml.v3's yamlStyleFloat: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsYamlStyleFloat(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// yaml.v3's resolve() for a plain scalar: its tag and, for numbers, its value.
struct Resolved {
  std::string tag;  // "!!null", "!!bool", "!!int", "!!float", "!!str", "!!seq", "!!map", ...
  double number = 0;
};

Resolved ResolvePlain(std::string_view s) {
  if (s.empty() || IsOneOf(s, {"~", "null", "Null", "NULL"})) return {"!!null"};
  if (IsOneOf(s, {"true", "True", "TRUE", "false", "False", "FALSE"})) return {"!!bool"};
  if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return {"!!float", std::numeric_limits<double>::infinity()};
  }
  if (IsOneOf(s, {"-.inf", "-.Inf", "-.INF"})) {
    return {"!!float", -std::numeric_limits<double>::infinity()};
  }
  if (IsOneOf(s, {".nan", ".NaN", ".NAN"})) return {"!!float", std::nan("")};
  std::string plain(s);
  std::erase(plain, '_');
  if (Result<int64_t> i = util::GoParseInt(plain); i.ok()) {
    return {"!!int", static_cast<double>(*i)};
  }
  if (IsYamlStyleFloat(plain)) {
    if (Result<double> f = util::GoParseFloat(plain); f.ok()) return {"!!float", *f};
  }
  return {"!!str"};
}

Resolved Resolve(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return {"!!seq"};
    case YAML::NodeType::Map:
      return {"!!map"};
    case YAML::NodeType::Scalar:
      break;
    default:
      return {"!!null"};
  }
  const std::string& tag = node.Tag();
  if (tag == "?") return ResolvePlain(node.Scalar());
  // An explicit tag (!!int 5) names the type; the number is read as a plain one would be.
  if (tag.starts_with(kCoreTagPrefix)) {
    return {"!!" + tag.substr(kCoreTagPrefix.size()), ResolvePlain(node.Scalar()).number};
  }
  return {"!!str"};  // quoted ("!") or a local tag
}

std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

}  // namespace

Result<std::string> ReadFileAsGoDoes(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("open " + path + ": " + ErrnoText(errno));
  std::string content;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return Status::IOError("read " + path + ": " + ErrnoText(err));
    }
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

Result<YAML::Node> ParseYaml(std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument("yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("yaml: ") + e.what());
  }
}

YamlPos PosOf(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string ShortTag(const YAML::Node& node) { return Resolve(node).tag; }

void YamlDecoder::TypeError(const YAML::Node& node, std::string_view into) {
  const std::string tag = ShortTag(node);
  std::string value;
  if (node.IsScalar()) {
    // yaml.v3 abbreviates long values to their first 7 bytes.
    const std::string& text = node.Scalar();
    value = text.size() > 10 ? " `" + text.substr(0, 7) + "...`" : " `" + text + "`";
  }
  type_errors_.push_back("line " + std::to_string(PosOf(node).line) + ": cannot unmarshal " + tag +
                         value + " into " + std::string(into));
}

bool YamlDecoder::RejectDuplicateKeys(const YAML::Node& mapping) {
  // yaml.v3 reports every later occurrence of every key, then decodes none of the mapping.
  std::vector<std::pair<std::string, YAML::Node>> keys;
  for (auto it = mapping.begin(); it != mapping.end(); ++it) {
    keys.emplace_back(it->first.IsScalar() ? it->first.Scalar() : std::string(), it->first);
  }
  bool duplicate = false;
  for (size_t i = 0; i < keys.size(); ++i) {
    for (size_t j = i + 1; j < keys.size(); ++j) {
      if (keys[i].first != keys[j].first || keys[i].second.Type() != keys[j].second.Type()) {
        continue;
      }
      duplicate = true;
      const std::string line = "line " + std::to_string(PosOf(keys[j].second).line) + ": ";
      if (flavor_ == Flavor::kYamlV3) {
        type_errors_.push_back(line + "mapping key " + util::GoQuote(keys[j].first) +
                               " already defined at line " +
                               std::to_string(PosOf(keys[i].second).line));
      } else {
        type_errors_.push_back(line + "key " + util::GoQuote(keys[j].first) +
                               " already set in map");
      }
    }
    // yaml.v2 stops at the first key given twice.
    if (duplicate && flavor_ == Flavor::kYamlV2) break;
  }
  return duplicate;
}

bool YamlDecoder::Struct(
    const YAML::Node& node, std::string_view type_name,
    std::initializer_list<std::string_view> fields,
    const std::function<void(std::string_view key, const YAML::Node& value)>& field) {
  if (failed()) return false;
  if (node.IsNull() || !node.IsDefined()) return true;
  if (!node.IsMap()) {
    TypeError(node, type_name);
    return false;
  }
  if (RejectDuplicateKeys(node)) return false;
  for (auto it = node.begin(); it != node.end() && !failed(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string();
    if (!IsOneOf(key, fields)) {
      type_errors_.push_back("line " + std::to_string(PosOf(it->first).line) + ": field " + key +
                             " not found in type " + std::string(type_name));
      continue;
    }
    field(key, it->second);
  }
  return !failed();
}

bool YamlDecoder::Sequence(const YAML::Node& node, std::string_view type_name,
                           const std::function<void(const YAML::Node& item)>& item) {
  if (failed()) return false;
  if (node.IsNull() || !node.IsDefined()) return true;
  if (!node.IsSequence()) {
    TypeError(node, type_name);
    return false;
  }
  for (size_t i = 0; i < node.size() && !failed(); ++i) {
    // Go leaves out a null element of a slice of structs.
    if (!node[i].IsNull()) item(node[i]);
  }
  return !failed();
}

std::string YamlDecoder::String(const YAML::Node& node) {
  if (failed() || node.IsNull() || !node.IsDefined()) return "";
  if (!node.IsScalar()) {
    TypeError(node, "string");
    return "";
  }
  return node.Scalar();
}

int64_t YamlDecoder::Int(const YAML::Node& node) {
  if (failed() || node.IsNull() || !node.IsDefined()) return 0;
  Resolved r = Resolve(node);
  if (node.IsScalar() && (r.tag == "!!int" || r.tag == "!!float") && std::isfinite(r.number) &&
      r.number >= -9.2e18 && r.number <= 9.2e18) {
    if (r.tag == "!!int") {
      std::string plain = node.Scalar();
      std::erase(plain, '_');
      if (Result<int64_t> i = util::GoParseInt(plain); i.ok()) return *i;
    }
    return static_cast<int64_t>(r.number);
  }
  TypeError(node, "int");
  return 0;
}

double YamlDecoder::Float(const YAML::Node& node) {
  if (failed() || node.IsNull() || !node.IsDefined()) return 0;
  Resolved r = Resolve(node);
  if (node.IsScalar() && (r.tag == "!!int" || r.tag == "!!float")) return r.number;
  TypeError(node, "float64");
  return 0;
}

std::vector<Label> YamlDecoder::StringMap(const YAML::Node& node) {
  std::vector<Label> out;
  if (failed() || node.IsNull() || !node.IsDefined()) return out;
  if (!node.IsMap()) {
    TypeError(node, "map[string]string");
    return out;
  }
  if (RejectDuplicateKeys(node)) return out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    std::string key = String(it->first);
    std::string value = String(it->second);
    out.push_back({std::move(key), std::move(value)});
  }
  return out;
}

std::optional<int64_t> YamlDecoder::Duration(const YAML::Node& node) {
  if (failed() || node.IsNull() || !node.IsDefined()) return std::nullopt;
  if (!node.IsScalar()) {
    TypeError(node, "string");
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  util::DurationParse d = util::ParseDurationParts(text);
  switch (d.error) {
    case util::DurationError::kNone:
      return d.ms;
    case util::DurationError::kEmpty:
      fatal_ = "empty duration string";
      break;
    case util::DurationError::kNumberTooLarge:
    case util::DurationError::kOutOfRange:
      fatal_ = "duration out of range";
      break;
    default:
      fatal_ = "not a valid duration string: " + util::GoQuote(text);
      break;
  }
  return std::nullopt;
}

std::string YamlDecoder::Error() const {
  if (fatal_) return *fatal_;
  if (type_errors_.empty()) return "";
  std::string out = "yaml: unmarshal errors:";
  for (const std::string& e : type_errors_) out += "\n  " + e;
  return out;
}

}  // namespace tidemark::rules::internal
