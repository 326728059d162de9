#include "tidemark/labels.h"

#include <algorithm>

namespace tidemark {

Labels::Labels(std::initializer_list<Label> labels) : labels_(labels) { Canonicalize(); }
Labels::Labels(std::vector<Label> labels) : labels_(std::move(labels)) { Canonicalize(); }

void Labels::Canonicalize() {
  std::erase_if(labels_, [](const Label& l) { return l.value.empty(); });
  std::stable_sort(labels_.begin(), labels_.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
}

std::string_view Labels::Get(std::string_view name) const {
  for (const Label& l : labels_) {
    if (l.name == name) return l.value;
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  return std::any_of(labels_.begin(), labels_.end(),
                     [&](const Label& l) { return l.name == name; });
}

namespace {

bool IsLegacyName(std::string_view s, bool metric) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (metric && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      default:
        out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

std::string Labels::ToString() const {
  std::string out;
  const std::string_view metric = Get(kMetricNameLabel);
  const bool legacy_metric = IsLegacyName(metric, true);
  if (!metric.empty() && legacy_metric) out.append(metric);
  out.push_back('{');
  bool first = true;
  if (!metric.empty() && !legacy_metric) {
    AppendQuoted(&out, metric);
    first = false;
  }
  for (const Label& l : labels_) {
    if (l.name == kMetricNameLabel) continue;
    if (!first) out += ", ";
    first = false;
    if (IsLegacyName(l.name, false)) {
      out += l.name;
    } else {
      AppendQuoted(&out, l.name);
    }
    out.push_back('=');
    AppendQuoted(&out, l.value);
  }
  out.push_back('}');
  return out;
}

}  // namespace tidemark
