// The function lookup, the annotation helpers and the helpers every function file shares
// (argument access, label edits, Go-compatible number formatting and parsing).
#include "query/functions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "query/functions_internal.h"
#include "util/go_text.h"

namespace tidemark::promql {
namespace {

constexpr std::string_view kWarningPrefix = "PromQL warning: ";
constexpr std::string_view kInfoPrefix = "PromQL info: ";

void AddOnce(std::vector<std::string>* list, std::string_view prefix, std::string message) {
  // Callers may pass the text with or without its prefix.
  if (!std::string_view(message).starts_with(prefix)) message.insert(0, prefix);
  if (std::find(list->begin(), list->end(), message) == list->end()) {
    list->push_back(std::move(message));
  }
}

}  // namespace

FunctionImpl LookupFunctionImpl(std::string_view name) {
  using LookupFn = FunctionImpl (*)(std::string_view);
  static constexpr LookupFn kLookups[] = {
      internal::LookupRangeFunctionImpl,
      internal::LookupMathFunctionImpl,
      internal::LookupLabelFunctionImpl,
      internal::LookupHistogramFunctionImpl,
  };
  for (LookupFn lookup : kLookups) {
    if (FunctionImpl impl = lookup(name)) return impl;
  }
  return nullptr;
}

void AddWarning(Annotations* annotations, std::string message) {
  if (annotations == nullptr) return;
  AddOnce(&annotations->warnings, kWarningPrefix, std::move(message));
}

void AddInfo(Annotations* annotations, std::string message) {
  if (annotations == nullptr) return;
  AddOnce(&annotations->infos, kInfoPrefix, std::move(message));
}

namespace internal {

FunctionImpl FindFunction(const FunctionEntry* table, size_t count, std::string_view name) {
  for (size_t i = 0; i < count; ++i) {
    if (table[i].name == name) return table[i].impl;
  }
  return nullptr;
}

// --- Arguments -------------------------------------------------------------------------------

size_t ArgCount(const FunctionArgs& args) {
  if (args.call != nullptr) return args.call->args.size();
  size_t n = std::max({args.vectors.size(), args.scalars.size(), args.strings.size()});
  if (args.range != nullptr) n = std::max<size_t>(n, 1);
  return n;
}

double ScalarArg(const FunctionArgs& args, size_t i) {
  return i < args.scalars.size() ? args.scalars[i] : std::numeric_limits<double>::quiet_NaN();
}

const Vector& VectorArg(const FunctionArgs& args, size_t i) {
  static const Vector kEmpty;
  if (i < args.vectors.size() && args.vectors[i] != nullptr) return *args.vectors[i];
  return kEmpty;
}

std::string_view StringArg(const FunctionArgs& args, size_t i) {
  return i < args.strings.size() ? args.strings[i] : std::string_view();
}

const std::vector<FPoint>& RangeArg(const FunctionArgs& args) {
  static const std::vector<FPoint> kEmpty;
  return args.range != nullptr ? *args.range : kEmpty;
}

std::string_view RangeMetricName(const FunctionArgs& args) {
  if (!args.range_metric_name.empty()) return args.range_metric_name;
  if (args.range_metric == nullptr) return {};
  return args.range_metric->Get(kMetricNameLabel);
}

// --- Labels ----------------------------------------------------------------------------------

namespace {

template <typename Pred>
Labels CopyLabelsWithout(const Labels& labels, Pred drop) {
  bool any = false;
  for (const Label& l : labels) any = any || drop(l.name);
  if (!any) return labels;
  std::vector<Label> kept;
  kept.reserve(labels.size());
  for (const Label& l : labels) {
    if (!drop(l.name)) kept.push_back(l);
  }
  return Labels(std::move(kept));
}

}  // namespace

Labels WithLabel(const Labels& labels, std::string_view name, std::string_view value) {
  // `labels` is sorted by name: the new label goes in its place, so the result is built sorted
  // and Labels' constructor only confirms it rather than sorting (alert rules add several
  // labels to every alert of every evaluation).
  std::vector<Label> out;
  out.reserve(labels.size() + 1);
  bool placed = value.empty();
  for (const Label& l : labels) {
    if (!placed && l.name >= name) {
      out.push_back(Label{std::string(name), std::string(value)});
      placed = true;
    }
    if (l.name != name) out.push_back(l);
  }
  if (!placed) out.push_back(Label{std::string(name), std::string(value)});
  return Labels(std::move(out));
}

Labels WithLabel(Labels&& labels, std::string_view name, std::string_view value) {
  std::vector<Label> items = std::move(labels).ReleaseItems();
  auto it = std::lower_bound(items.begin(), items.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != items.end() && it->name == name) {
    if (value.empty()) {
      items.erase(it);
    } else {
      it->value.assign(value);
    }
  } else if (!value.empty()) {
    items.insert(it, Label{std::string(name), std::string(value)});
  }
  return Labels(std::move(items));
}

Labels WithoutLabel(const Labels& labels, std::string_view name) {
  return CopyLabelsWithout(labels, [name](std::string_view n) { return n == name; });
}

bool HasDuplicateLabelsets(const Vector& vector) {
  if (vector.size() < 2) return false;
  std::vector<const Labels*> sorted;
  sorted.reserve(vector.size());
  for (const VectorSample& s : vector) sorted.push_back(&s.metric);
  std::sort(sorted.begin(), sorted.end(), [](const Labels* a, const Labels* b) { return *a < *b; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (*sorted[i - 1] == *sorted[i]) return true;
  }
  return false;
}

Status DuplicateLabelsetError() {
  return Status::InvalidArgument("vector cannot contain metrics with the same labelset");
}

// --- Formatting ------------------------------------------------------------------------------

std::string FormatOpenMetricsFloat(double v) {
  if (v == 1) return "1.0";
  if (v == 0) return "0.0";
  if (v == -1) return "-1.0";
  std::string s = util::GoFormatFloatG(v);
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// --- Numerics --------------------------------------------------------------------------------

void KahanInc(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    // Neumaier's improvement: take the low-order bits from whichever operand is smaller.
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

std::string InvalidQuantileMessage(double q) {
  return "quantile value should be between 0 and 1, got " + util::GoFormatFloatG(q);
}

}  // namespace internal
}  // namespace tidemark::promql
