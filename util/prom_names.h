// Prometheus' rules for metric and label names (common/model's LabelName and IsValidMetricName),
// for PromQL's parser, printer and evaluator and for printing a label set. A name that is not
// "legacy" is quoted wherever Prometheus prints one: {"http.server.duration", job="api"}.
#ifndef TIDEMARK_UTIL_PROM_NAMES_H_
#define TIDEMARK_UTIL_PROM_NAMES_H_

#include <string_view>

namespace tidemark::util {

// [a-zA-Z_][a-zA-Z0-9_]*: model.LabelName.IsValidLegacy.
bool IsLegacyLabelName(std::string_view name);

// [a-zA-Z_:][a-zA-Z0-9_:]*: model.IsValidLegacyMetricName (label names have no colons).
bool IsLegacyMetricName(std::string_view name);

// A label name under Prometheus 3's UTF-8 validation (model.LabelName.IsValid): any non-empty
// valid UTF-8 string. count_values, label_replace and label_join refuse the others.
bool IsValidLabelName(std::string_view name);

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_PROM_NAMES_H_
