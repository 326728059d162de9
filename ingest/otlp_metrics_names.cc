// Prometheus names for OTel metrics and attributes (the OpenTelemetry-to-Prometheus compatibility
// specification): tokens, unit words, the _total and _ratio suffixes, sanitised label names.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "ingest/otlp_metrics_internal.h"

namespace tidemark::ingest {
namespace {

namespace mpb = opentelemetry::proto::metrics::v1;

const std::map<std::string_view, std::string_view>& UnitWords() {
  static const std::map<std::string_view, std::string_view> kUnits = {
      {"d", "days"},          {"h", "hours"},         {"min", "minutes"},    {"s", "seconds"},
      {"ms", "milliseconds"}, {"us", "microseconds"}, {"ns", "nanoseconds"}, {"By", "bytes"},
      {"KiBy", "kibibytes"},  {"MiBy", "mebibytes"},  {"GiBy", "gibibytes"}, {"TiBy", "tibibytes"},
      {"KBy", "kilobytes"},   {"MBy", "megabytes"},   {"GBy", "gigabytes"},  {"TBy", "terabytes"},
      {"m", "meters"},        {"V", "volts"},         {"A", "amperes"},      {"J", "joules"},
      {"W", "watts"},         {"g", "grams"},         {"Cel", "celsius"},    {"Hz", "hertz"},
      {"%", "percent"}};
  return kUnits;
}

const std::map<std::string_view, std::string_view>& PerUnitWords() {
  static const std::map<std::string_view, std::string_view> kPer = {
      {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"},
      {"w", "week"},   {"mo", "month"}, {"y", "year"}};
  return kPer;
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Splits on every character that is not a letter or digit (so "http.server.duration" and
// "http__server__duration" give the same tokens); colons are kept inside tokens.
std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (IsAlnum(c) || c == ':') {
      cur.push_back(c);
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// Removes `{...}` annotations from a unit: "{requests}" -> "", "By{compressed}" -> "By".
std::string StripBraces(std::string_view unit) {
  std::string out;
  int depth = 0;
  for (char c : unit) {
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      depth = std::max(0, depth - 1);
    } else if (depth == 0) {
      out.push_back(c);
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    if (!out.empty()) out.push_back('_');
    out += t;
  }
  return out;
}

}  // namespace

namespace internal {

std::string MetricName(std::string_view otel_name, std::string_view otel_unit, bool counter,
                       bool gauge, MetricNaming naming) {
  if (naming == MetricNaming::kUtf8) return std::string(otel_name);
  std::vector<std::string> tokens = Tokens(otel_name);
  const std::string unit = StripBraces(otel_unit);
  const size_t slash = unit.find('/');
  const std::string main_unit = unit.substr(0, slash);
  const std::string per_unit = slash == std::string::npos ? "" : unit.substr(slash + 1);
  auto has = [&](std::string_view t) {
    return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
  };
  if (!main_unit.empty() && main_unit != "1") {
    auto it = UnitWords().find(main_unit);
    const std::string word =
        it != UnitWords().end() ? std::string(it->second) : Join(Tokens(main_unit));
    if (!word.empty() && !has(word)) tokens.push_back(word);
  }
  if (!per_unit.empty()) {
    auto it = PerUnitWords().find(per_unit);
    const std::string word =
        it != PerUnitWords().end() ? std::string(it->second) : Join(Tokens(per_unit));
    if (!word.empty() &&
        !(tokens.size() >= 2 && tokens[tokens.size() - 2] == "per" && tokens.back() == word)) {
      tokens.push_back("per");
      tokens.push_back(word);
    }
  }
  if (counter) {
    std::erase(tokens, "total");
    tokens.push_back("total");
  }
  if (gauge && main_unit == "1" && !has("ratio")) tokens.push_back("ratio");
  std::string name = Join(tokens);
  if (name.empty()) name = "_";
  if (name[0] >= '0' && name[0] <= '9') name = "_" + name;
  return name;
}

}  // namespace internal

std::string PrometheusLabelName(std::string_view name, MetricNaming naming) {
  if (naming == MetricNaming::kUtf8) return std::string(name);
  std::string out;
  for (char c : name) out.push_back(IsAlnum(c) || c == '_' ? c : '_');
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') return "key_" + out;
  if (out.size() >= 2 && out[0] == '_' && out[1] != '_') return "key" + out;
  return out;
}

std::string PrometheusMetricName(const mpb::Metric& metric, MetricNaming naming) {
  const bool counter =
      metric.data_case() == mpb::Metric::kSum && metric.sum().is_monotonic() &&
      metric.sum().aggregation_temporality() != mpb::AGGREGATION_TEMPORALITY_UNSPECIFIED;
  const bool gauge = metric.data_case() == mpb::Metric::kGauge ||
                     (metric.data_case() == mpb::Metric::kSum && !metric.sum().is_monotonic());
  return internal::MetricName(metric.name(), metric.unit(), counter, gauge, naming);
}

}  // namespace tidemark::ingest
