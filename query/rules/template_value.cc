#include "query/rules/template_value.h"

namespace tidemark::rules {

TemplateValue TemplateValue::Bool(bool b) { return {TemplateKind::kBool, b, "bool"}; }

TemplateValue TemplateValue::Int(int64_t v, std::string_view go_type) {
  return {TemplateKind::kInt, v, go_type};
}

TemplateValue TemplateValue::Uint(uint64_t v, std::string_view go_type) {
  return {TemplateKind::kUint, v, go_type};
}

TemplateValue TemplateValue::Float(double v) { return {TemplateKind::kFloat, v, "float64"}; }

TemplateValue TemplateValue::String(std::string s, std::string_view go_type) {
  return {TemplateKind::kString, std::move(s), go_type};
}

TemplateValue TemplateValue::List(std::vector<TemplateValue> items, std::string go_type) {
  auto list = std::make_shared<TemplateList>();
  list->items = std::move(items);
  list->go_type = std::move(go_type);
  return {TemplateKind::kList, std::shared_ptr<const TemplateList>(std::move(list)), {}};
}

TemplateValue TemplateValue::Map(std::map<std::string, TemplateValue, std::less<>> entries,
                                 std::string go_type) {
  auto map = std::make_shared<TemplateMap>();
  map->entries = std::move(entries);
  map->go_type = std::move(go_type);
  return {TemplateKind::kMap, std::shared_ptr<const TemplateMap>(std::move(map)), {}};
}

TemplateValue TemplateValue::StringMap(const std::map<std::string, std::string>& entries) {
  auto map = std::make_shared<TemplateMap>();
  for (const auto& [key, value] : entries) map->entries.emplace(key, String(value));
  map->go_type = "map[string]string";
  map->zero = String("");
  return {TemplateKind::kMap, std::shared_ptr<const TemplateMap>(std::move(map)), {}};
}

TemplateValue TemplateValue::LabelMap(const Labels& labels) {
  auto map = std::make_shared<TemplateMap>();
  for (const Label& l : labels) map->entries.insert_or_assign(l.name, String(l.value));
  map->go_type = "map[string]string";
  map->zero = String("");
  return {TemplateKind::kMap, std::shared_ptr<const TemplateMap>(std::move(map)), {}};
}

TemplateValue TemplateValue::Struct(std::vector<std::pair<std::string, TemplateValue>> fields,
                                    std::string go_type, bool pointer) {
  auto s = std::make_shared<TemplateStruct>();
  s->fields = std::move(fields);
  s->go_type = std::move(go_type);
  s->pointer = pointer;
  return {TemplateKind::kStruct, std::shared_ptr<const TemplateStruct>(std::move(s)), {}};
}

std::string_view TemplateValue::GoType() const {
  switch (kind_) {
    case TemplateKind::kMissing:
      return "<nil>";
    case TemplateKind::kList:
      return AsList().go_type;
    case TemplateKind::kMap:
      return AsMap().go_type;
    case TemplateKind::kStruct:
      return AsStruct().go_type;
    default:
      return scalar_type_;
  }
}

const TemplateValue* TemplateValue::Field(std::string_view name) const {
  if (kind_ != TemplateKind::kStruct) return nullptr;
  for (const auto& [field, value] : AsStruct().fields) {
    if (field == name) return &value;
  }
  return nullptr;
}

size_t TemplateValue::Length() const {
  switch (kind_) {
    case TemplateKind::kString:
      return AsString().size();
    case TemplateKind::kList:
      return AsList().items.size();
    case TemplateKind::kMap:
      return AsMap().entries.size();
    default:
      return 0;
  }
}

bool TemplateValue::Truth() const {
  switch (kind_) {
    case TemplateKind::kMissing:
      return false;
    case TemplateKind::kBool:
      return AsBool();
    case TemplateKind::kInt:
      return AsInt() != 0;
    case TemplateKind::kUint:
      return AsUint() != 0;
    case TemplateKind::kFloat:
      return AsFloat() != 0;
    case TemplateKind::kString:
    case TemplateKind::kList:
    case TemplateKind::kMap:
      return Length() > 0;
    case TemplateKind::kStruct:
      return true;
  }
  return false;
}

}  // namespace tidemark::rules
