#include "server/prom_json.h"

#include <cmath>
#include <cstdio>

#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::server {

std::string FormatSampleValue(double v) { return util::GoFormatFloatF(v); }

void AppendJsonSampleValue(std::string* out, double v) {
  out->push_back('"');
  *out += FormatSampleValue(v);
  out->push_back('"');
}

void AppendJsonTimestamp(std::string* out, int64_t ms) {
  // As Prometheus' marshalTimestamp: integer seconds, then up to three fraction digits without
  // trailing zeros; negative times keep the sign on the whole.
  if (ms < 0) {
    out->push_back('-');
    // INT64_MIN cannot be negated; no API timestamp gets near it.
    ms = ms == INT64_MIN ? INT64_MAX : -ms;
  }
  *out += std::to_string(ms / 1000);
  int64_t frac = ms % 1000;
  if (frac != 0) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%03d", static_cast<int>(frac));
    std::string_view digits(buf, 3);
    while (!digits.empty() && digits.back() == '0') digits.remove_suffix(1);
    out->push_back('.');
    out->append(digits);
  }
}

void AppendJsonLabels(std::string* out, const Labels& labels) {
  out->push_back('{');
  bool first = true;
  for (const Label& l : labels) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, l.name);
    out->push_back(':');
    AppendJsonString(out, l.value);
  }
  out->push_back('}');
}

void AppendJsonQueryData(std::string* out, const promql::QueryResult& result,
                         const std::function<bool(std::string*)>& flush) {
  *out += "{\"resultType\":";
  AppendJsonString(out, promql::ValueTypeApiName(result.type));
  *out += ",\"result\":";
  switch (result.type) {
    case promql::ValueType::kScalar:
      out->push_back('[');
      AppendJsonTimestamp(out, result.scalar_t);
      out->push_back(',');
      AppendJsonSampleValue(out, result.scalar);
      out->push_back(']');
      break;
    case promql::ValueType::kString:
      out->push_back('[');
      AppendJsonTimestamp(out, result.scalar_t);
      out->push_back(',');
      AppendJsonString(out, result.string_value);
      out->push_back(']');
      break;
    case promql::ValueType::kVector: {
      out->push_back('[');
      bool first = true;
      for (const auto& s : result.vector) {
        if (!first) out->push_back(',');
        first = false;
        *out += "{\"metric\":";
        AppendJsonLabels(out, s.metric);
        *out += ",\"value\":[";
        AppendJsonTimestamp(out, s.t);
        out->push_back(',');
        AppendJsonSampleValue(out, s.f);
        *out += "]}";
        if (flush && !flush(out)) return;
      }
      out->push_back(']');
      break;
    }
    case promql::ValueType::kMatrix: {
      out->push_back('[');
      bool first = true;
      for (const auto& s : result.matrix) {
        if (!first) out->push_back(',');
        first = false;
        *out += "{\"metric\":";
        AppendJsonLabels(out, s.metric);
        *out += ",\"values\":[";
        bool first_point = true;
        for (const auto& p : s.floats) {
          if (!first_point) out->push_back(',');
          first_point = false;
          out->push_back('[');
          AppendJsonTimestamp(out, p.t);
          out->push_back(',');
          AppendJsonSampleValue(out, p.f);
          out->push_back(']');
        }
        *out += "]}";
        if (flush && !flush(out)) return;
      }
      out->push_back(']');
      break;
    }
    case promql::ValueType::kNone:
      *out += "null";
      break;
  }
  out->push_back('}');
}

void AppendStringArray(std::string* out, const std::vector<std::string>& items) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, items[i]);
  }
  out->push_back(']');
}

}  // namespace tidemark::server
