#include "tidemark/labels.h"

#include <algorithm>

#include "util/go_text.h"
#include "util/prom_names.h"

namespace tidemark {

Labels::Labels(std::initializer_list<Label> labels) : labels_(labels) { Canonicalize(); }
Labels::Labels(std::vector<Label> labels) : labels_(std::move(labels)) { Canonicalize(); }

void Labels::Canonicalize() {
  std::erase_if(labels_, [](const Label& l) { return l.value.empty(); });
  // Names nearly always differ in their first byte; deciding there saves a call to memcmp per
  // pair, for every label set a query builds. Bytes compare unsigned, as std::string does.
  auto by_name = [](const Label& a, const Label& b) {
    if (!a.name.empty() && !b.name.empty() && a.name[0] != b.name[0]) {
      return static_cast<unsigned char>(a.name[0]) < static_cast<unsigned char>(b.name[0]);
    }
    return a.name < b.name;
  };
  // Most label sets arrive sorted (every series the index hands to a query does): checking costs
  // less than stable_sort, which allocates a buffer each time.
  if (!std::is_sorted(labels_.begin(), labels_.end(), by_name)) {
    std::stable_sort(labels_.begin(), labels_.end(), by_name);
  }
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

std::string Labels::ToString() const {
  std::string out;
  const std::string_view metric = Get(kMetricNameLabel);
  const bool legacy_metric = util::IsLegacyMetricName(metric);
  if (!metric.empty() && legacy_metric) out.append(metric);
  out.push_back('{');
  bool first = true;
  if (!metric.empty() && !legacy_metric) {
    util::AppendGoQuote(&out, metric);
    first = false;
  }
  for (const Label& l : labels_) {
    if (l.name == kMetricNameLabel) continue;
    if (!first) out += ", ";
    first = false;
    if (util::IsLegacyLabelName(l.name)) {
      out += l.name;
    } else {
      util::AppendGoQuote(&out, l.name);
    }
    out.push_back('=');
    util::AppendGoQuote(&out, l.value);
  }
  out.push_back('}');
  return out;
}

}  // namespace tidemark
