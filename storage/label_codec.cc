#include "storage/label_codec.h"

#include "util/coding.h"
#include "util/utf8.h"

namespace tidemark::storage {

Status ValidateLabels(const Labels& labels, const Limits& limits) {
  if (labels.empty()) return Status::InvalidArgument("empty label set");
  if (labels.size() > limits.max_labels_per_series) {
    return Status::ResourceExhausted(
        "series has " + std::to_string(labels.size()) +
        " labels, over max_labels_per_series=" + std::to_string(limits.max_labels_per_series));
  }
  std::string_view prev;
  bool first = true;
  for (const Label& l : labels) {
    if (l.name.empty()) return Status::InvalidArgument("empty label name");
    if (!first && l.name == prev)
      return Status::InvalidArgument("duplicate label name \"" + l.name + "\"");
    first = false;
    prev = l.name;
    if (l.name.size() > limits.max_label_name_bytes) {
      return Status::InvalidArgument(
          "label name of " + std::to_string(l.name.size()) +
          " bytes over max_label_name_bytes=" + std::to_string(limits.max_label_name_bytes));
    }
    if (l.value.size() > limits.max_label_value_bytes) {
      return Status::InvalidArgument(
          "value of label \"" + l.name + "\" has " + std::to_string(l.value.size()) +
          " bytes, over max_label_value_bytes=" + std::to_string(limits.max_label_value_bytes));
    }
    if (!util::IsValidUtf8(l.name)) return Status::InvalidArgument("label name is not valid UTF-8");
    if (!util::IsValidUtf8(l.value)) {
      return Status::InvalidArgument("value of label \"" + l.name + "\" is not valid UTF-8");
    }
  }
  return Status::OK();
}

void EncodeLabels(const Labels& labels, std::string* out) {
  const std::vector<Label>& items = labels.items();
  EncodeLabelsFrom(
      items.size(),
      [&](size_t i) {
        return std::pair<std::string_view, std::string_view>(items[i].name, items[i].value);
      },
      out);
}

bool DecodeLabels(std::string_view* input, Labels* labels) {
  uint64_t n;
  if (!util::GetVarint64(input, &n) || n > 65536) return false;
  std::vector<Label> items;
  items.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, value;
    if (!util::GetLengthPrefixed(input, &name) || !util::GetLengthPrefixed(input, &value))
      return false;
    items.push_back({std::string(name), std::string(value)});
  }
  *labels = Labels(std::move(items));
  return true;
}

}  // namespace tidemark::storage
