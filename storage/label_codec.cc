#include "storage/label_codec.h"

#include "util/coding.h"

namespace tidemark::storage {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= n) return false;  // truncated sequence
    for (int k = 1; k <= extra; ++k) {
      const uint8_t cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

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
    if (!IsValidUtf8(l.name)) return Status::InvalidArgument("label name is not valid UTF-8");
    if (!IsValidUtf8(l.value)) {
      return Status::InvalidArgument("value of label \"" + l.name + "\" is not valid UTF-8");
    }
  }
  return Status::OK();
}

void EncodeLabels(const Labels& labels, std::string* out) {
  util::PutVarint64(out, labels.size());
  for (const Label& l : labels) {
    util::PutLengthPrefixed(out, l.name);
    util::PutLengthPrefixed(out, l.value);
  }
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
