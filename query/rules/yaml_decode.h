// Internal to query/rules: YAML decoded into plain values the way Go's yaml packages decode into
// Prometheus' structs, so that rule files (yaml.v3, rule_file.cc) and rule unit test files
// (yaml.v2's UnmarshalStrict, unit_test_file.cc) fail with the errors promtool prints:
//
//   yaml: unmarshal errors:
//     line 4: field foo not found in type rulefmt.RuleGroup
//     line 12: cannot unmarshal !!seq into string
//
// Type errors are collected and decoding goes on; a duration that does not parse (Go calls the
// type's own UnmarshalYAML, whose error is not a type error) ends decoding with that message
// alone, as in Go. yaml-cpp throws: callers parse with ParseYaml, and no accessor used here
// throws on a parsed tree.
//
// Thread safety: a YamlDecoder is used by one thread.
#ifndef TIDEMARK_QUERY_RULES_YAML_DECODE_H_
#define TIDEMARK_QUERY_RULES_YAML_DECODE_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::rules::internal {

// The first document of `text`. A syntax error is InvalidArgument "yaml: line N: MESSAGE"
// (yaml-cpp's message and line, where Go's would name libyaml's).
Result<YAML::Node> ParseYaml(std::string_view text);

// The whole file, or Go's os.ReadFile error: IOError "open x: no such file or directory",
// "read x: is a directory" (the C library's words, lower-cased as Go's are).
Result<std::string> ReadFileAsGoDoes(const std::string& path);

// 1-based line and column of a node as yaml.v3 reports them; 0:0 for a node that is absent.
struct YamlPos {
  int line = 0;
  int column = 0;
};
YamlPos PosOf(const YAML::Node& node);

class YamlDecoder {
 public:
  // The two Go packages word a key given twice differently (yaml.v3: `mapping key "x" already
  // defined at line 3`; yaml.v2 strict: `key "x" already set in map`).
  enum class Flavor { kYamlV2, kYamlV3 };
  explicit YamlDecoder(Flavor flavor) : flavor_(flavor) {}

  // A mapping decoded into a struct named `type_name`: `field` is called for every key in
  // `fields`, in document order; other keys are "field K not found in type T". A null node
  // decodes to nothing (true). False, with a type error, for a node that is not a mapping, and
  // (false, nothing decoded) when a key is given twice.
  bool Struct(const YAML::Node& node, std::string_view type_name,
              std::initializer_list<std::string_view> fields,
              const std::function<void(std::string_view key, const YAML::Node& value)>& field);
  // A sequence decoded into `type_name` (the Go slice type, for the error): `item` is called for
  // each element that is not null. A null node is an empty sequence.
  bool Sequence(const YAML::Node& node, std::string_view type_name,
                const std::function<void(const YAML::Node& item)>& item);

  // A scalar's text (null: ""); other nodes are a type error into string.
  std::string String(const YAML::Node& node);
  // Go's int (truncating a float as yaml.v3 does; null: 0).
  int64_t Int(const YAML::Node& node);
  // Go's float64 (null: 0).
  double Float(const YAML::Node& node);
  // Go's map[string]string, in document order (null: empty).
  std::vector<Label> StringMap(const YAML::Node& node);
  // Prometheus' model.Duration in milliseconds; nullopt for null. Text that does not parse ends
  // decoding (failed()) with model.ParseDuration's message.
  std::optional<int64_t> Duration(const YAML::Node& node);

  // Adds "cannot unmarshal !!TAG `VALUE` into TYPE" for `node`.
  void TypeError(const YAML::Node& node, std::string_view into);

  // Decoding ended (a duration that did not parse); further calls decode nothing.
  bool failed() const { return fatal_.has_value(); }
  bool ok() const { return !fatal_ && type_errors_.empty(); }
  // The error as Go formats it: the fatal message, or "yaml: unmarshal errors:" and one
  // "  line N: ..." line per type error. Empty when ok().
  std::string Error() const;

 private:
  bool RejectDuplicateKeys(const YAML::Node& mapping);

  Flavor flavor_;
  std::vector<std::string> type_errors_;  // "line N: ..."
  std::optional<std::string> fatal_;
};

// yaml's short tag of a node ("!!str", "!!int", "!!float", "!!bool", "!!null", "!!seq",
// "!!map"), resolving plain scalars as yaml.v3 does.
std::string ShortTag(const YAML::Node& node);

}  // namespace tidemark::rules::internal

#endif  // TIDEMARK_QUERY_RULES_YAML_DECODE_H_
