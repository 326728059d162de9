// The values a template works on: Go's dynamic values as text/template sees them through
// reflection, reduced to what Prometheus' alert and console templates meet. Every value has a
// Go type name, which error messages and %T print ("float64", "map[string]string",
// "*template.sample").
//
// Thread safety: values are immutable; lists, maps and structs share their contents between
// copies, so copying is cheap and copies may be read from several threads.
#ifndef TIDEMARK_QUERY_RULES_TEMPLATE_VALUE_H_
#define TIDEMARK_QUERY_RULES_TEMPLATE_VALUE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "tidemark/labels.h"

namespace tidemark::rules {

enum class TemplateKind {
  kMissing,  // Go's invalid reflect.Value, or a nil interface: prints "<no value>" (or "<nil>")
  kBool,
  kInt,    // a signed integer (Go int, int64, ...)
  kUint,   // an unsigned integer (uint8 from indexing a string, uint64)
  kFloat,  // float64
  kString,
  kList,    // a slice
  kMap,     // a map with string keys, iterated in key order as Go's fmt and range do
  kStruct,  // a struct, or a pointer to one: named fields in declaration order
};

struct TemplateList;
struct TemplateMap;
struct TemplateStruct;

class TemplateValue {
 public:
  TemplateValue() = default;  // kMissing

  static TemplateValue Bool(bool b);
  // `go_type` names the Go type for messages and %T; it must be a string literal (or outlive
  // every copy of the value).
  static TemplateValue Int(int64_t v, std::string_view go_type = "int");
  static TemplateValue Uint(uint64_t v, std::string_view go_type = "uint64");
  static TemplateValue Float(double v);
  static TemplateValue String(std::string s, std::string_view go_type = "string");
  static TemplateValue List(std::vector<TemplateValue> items,
                            std::string go_type = "[]interface {}");
  // map[string]interface {}: a missing key reads as a nil interface.
  static TemplateValue Map(std::map<std::string, TemplateValue, std::less<>> entries,
                           std::string go_type = "map[string]interface {}");
  // map[string]string, such as a label set: a missing key reads as "" with missingkey=zero.
  static TemplateValue StringMap(const std::map<std::string, std::string>& entries);
  // StringMap of a label set (a later duplicate name wins, as in a map built from it).
  static TemplateValue LabelMap(const Labels& labels);
  static TemplateValue Struct(std::vector<std::pair<std::string, TemplateValue>> fields,
                              std::string go_type, bool pointer);

  TemplateKind kind() const { return kind_; }
  bool IsMissing() const { return kind_ == TemplateKind::kMissing; }
  // The Go type name: "<nil>" for a missing value.
  std::string_view GoType() const;

  // Accessors for the matching kind only.
  bool AsBool() const { return std::get<bool>(data_); }
  int64_t AsInt() const { return std::get<int64_t>(data_); }
  uint64_t AsUint() const { return std::get<uint64_t>(data_); }
  double AsFloat() const { return std::get<double>(data_); }
  const std::string& AsString() const { return std::get<std::string>(data_); }
  const TemplateList& AsList() const {
    return *std::get<std::shared_ptr<const TemplateList>>(data_);
  }
  const TemplateMap& AsMap() const { return *std::get<std::shared_ptr<const TemplateMap>>(data_); }
  const TemplateStruct& AsStruct() const {
    return *std::get<std::shared_ptr<const TemplateStruct>>(data_);
  }

  // The field of a struct, or nullptr.
  const TemplateValue* Field(std::string_view name) const;
  // Number of elements of a list or map, or bytes of a string; 0 for other kinds.
  size_t Length() const;

  // Go's truth (text/template's IsTrue): false for a missing value, false, 0, "", an empty list
  // or map; structs are always true.
  bool Truth() const;

 private:
  using Data = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string,
                            std::shared_ptr<const TemplateList>, std::shared_ptr<const TemplateMap>,
                            std::shared_ptr<const TemplateStruct>>;
  TemplateValue(TemplateKind kind, Data data, std::string_view scalar_type)
      : kind_(kind), data_(std::move(data)), scalar_type_(scalar_type) {}

  TemplateKind kind_ = TemplateKind::kMissing;
  Data data_;
  std::string_view scalar_type_;  // the Go type of a scalar; composites keep theirs inside
};

struct TemplateList {
  std::vector<TemplateValue> items;
  std::string go_type;  // "[]interface {}", "template.queryResult"
};

struct TemplateMap {
  std::map<std::string, TemplateValue, std::less<>> entries;
  std::string go_type;  // "map[string]string", "map[string]interface {}"
  // What a missing key reads as with missingkey=zero: the zero of the element type.
  TemplateValue zero;
};

struct TemplateStruct {
  std::vector<std::pair<std::string, TemplateValue>> fields;
  std::string go_type;   // "*template.sample"
  bool pointer = false;  // fmt prints a pointer to a struct as &{...}
};

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_TEMPLATE_VALUE_H_
