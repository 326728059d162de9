// Prometheus names for OTel metrics and attributes under Prometheus 3's four translation
// strategies, as Prometheus' otlptranslator builds them (the OpenTelemetry-to-Prometheus
// compatibility specification): name tokens, unit words, the _total and _ratio suffixes, label
// names. docs/otlp-translation.md shows what each strategy makes of typical names.
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ingest/otlp_metrics_internal.h"

namespace tidemark::ingest {
namespace {

namespace mpb = opentelemetry::proto::metrics::v1;

constexpr std::array<std::pair<TranslationStrategy, std::string_view>, 4> kStrategyNames = {{
    {TranslationStrategy::kUnderscoreEscapingWithSuffixes, "UnderscoreEscapingWithSuffixes"},
    {TranslationStrategy::kUnderscoreEscapingWithoutSuffixes, "UnderscoreEscapingWithoutSuffixes"},
    {TranslationStrategy::kNoUTF8EscapingWithSuffixes, "NoUTF8EscapingWithSuffixes"},
    {TranslationStrategy::kNoTranslation, "NoTranslation"},
}};

// UCUM units and the words appended for them ("1" appends nothing); any other unit is appended
// as written.
const std::map<std::string_view, std::string_view>& UnitWords() {
  static const std::map<std::string_view, std::string_view> kUnits = {
      {"d", "days"},          {"h", "hours"},
      {"min", "minutes"},     {"s", "seconds"},
      {"ms", "milliseconds"}, {"us", "microseconds"},
      {"ns", "nanoseconds"},  {"By", "bytes"},
      {"KiBy", "kibibytes"},  {"MiBy", "mebibytes"},
      {"GiBy", "gibibytes"},  {"TiBy", "tibibytes"},
      {"KBy", "kilobytes"},   {"MBy", "megabytes"},
      {"GBy", "gigabytes"},   {"TBy", "terabytes"},
      {"m", "meters"},        {"V", "volts"},
      {"A", "amperes"},       {"J", "joules"},
      {"W", "watts"},         {"g", "grams"},
      {"Cel", "celsius"},     {"Hz", "hertz"},
      {"%", "percent"},       {"1", ""}};
  return kUnits;
}

// The unit after '/' ("By/s"), singular.
const std::map<std::string_view, std::string_view>& PerUnitWords() {
  static const std::map<std::string_view, std::string_view> kPer = {
      {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"},
      {"w", "week"},   {"mo", "month"}, {"y", "year"}};
  return kPer;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c); }
// A metric name character other than '_'. Bytes of multi-byte UTF-8 characters are not, so a
// non-ASCII character escapes to one '_' as Prometheus' rune-wise escaping does.
bool IsMetricChar(char c) { return IsAlnum(c) || c == ':'; }
bool IsMetricCharOrUnderscore(char c) { return IsMetricChar(c) || c == '_'; }

// The runs of characters `keep` accepts, in order (Go's strings.FieldsFunc).
template <typename Keep>
std::vector<std::string> Fields(std::string_view s, Keep keep) {
  std::vector<std::string> out;
  size_t begin = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && keep(s[i])) continue;
    if (i > begin) out.emplace_back(s.substr(begin, i - begin));
    begin = i + 1;
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

std::string_view TrimSpace(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t\n\v\f\r");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\n\v\f\r") - begin + 1);
}

// A metric name cannot start with a digit.
void PrefixLeadingDigit(std::string* name) {
  if (!name->empty() && IsDigit((*name)[0])) name->insert(0, "_");
}

// The unit's main and per-unit suffixes, not yet escaped: "By/s" -> ("bytes", "per_second"),
// "ms" -> ("milliseconds", ""), "1" -> ("", ""). A part holding an {annotation} adds nothing, so
// "{token}" and "By{compressed}" -> ("", "").
std::pair<std::string, std::string> UnitSuffixes(std::string_view unit) {
  auto annotated = [](std::string_view u) {
    return u.find_first_of("{}") != std::string_view::npos;
  };
  const size_t slash = unit.find('/');
  std::string main, per;
  const std::string_view main_unit = TrimSpace(unit.substr(0, slash));
  if (!main_unit.empty() && !annotated(main_unit)) {
    auto it = UnitWords().find(main_unit);
    main = it != UnitWords().end() ? it->second : main_unit;
  }
  if (slash != std::string_view::npos) {
    const std::string_view per_unit = TrimSpace(unit.substr(slash + 1));
    if (!per_unit.empty() && !annotated(per_unit)) {
      auto it = PerUnitWords().find(per_unit);
      per = "per_" + std::string(it != PerUnitWords().end() ? it->second : per_unit);
    }
  }
  return {std::move(main), std::move(per)};
}

// A unit suffix escaped: other characters to '_', runs of '_' as one, no leading '_'.
std::string EscapeUnit(std::string_view unit) {
  std::string out;
  for (char c : unit) {
    const char e = IsMetricChar(c) ? c : '_';
    if (e == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(e);
  }
  if (!out.empty() && out[0] == '_') out.erase(0, 1);
  return out;
}

// UnderscoreEscapingWithSuffixes: "http.server.request.duration" in "s" ->
// http_server_request_duration_seconds. A unit word already among the name's tokens is not
// repeated; _total and _ratio move to the end.
std::string EscapedNameWithSuffixes(std::string_view name, std::string_view unit, bool counter,
                                    bool gauge) {
  std::vector<std::string> tokens = Fields(name, IsMetricChar);
  auto has = [&](const std::string& t) {
    return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
  };
  auto [main_suffix, per_suffix] = UnitSuffixes(unit);
  std::string main = EscapeUnit(main_suffix), per = EscapeUnit(per_suffix);
  if (has(main)) main.clear();
  if (per == "per_") {
    per.clear();
  } else {
    if (!per.empty() && per.back() == '_') per.pop_back();
    if (has(per)) per.clear();
  }
  if (!per.empty() && !main.empty() && main.back() == '_') main.pop_back();
  if (!main.empty()) tokens.push_back(std::move(main));
  if (!per.empty()) tokens.push_back(std::move(per));
  if (counter) {
    std::erase(tokens, "total");
    tokens.push_back("total");
  }
  if (gauge && unit == "1") {
    std::erase(tokens, "ratio");
    tokens.push_back("ratio");
  }
  std::string out = Join(tokens);
  PrefixLeadingDigit(&out);
  return out;
}

// UnderscoreEscapingWithoutSuffixes: "llm.request.latency" -> llm_request_latency; underscores
// are kept as they are.
std::string EscapedName(std::string_view name) {
  std::string out = Join(Fields(name, IsMetricCharOrUnderscore));
  PrefixLeadingDigit(&out);
  return out;
}

// `name` without `suffix` and the one delimiter before it, if it ends so and more remains.
std::string_view TrimSuffixAndDelimiter(std::string_view name, std::string_view suffix) {
  if (name.ends_with(suffix) && name.size() > suffix.size() + 1)
    return name.substr(0, name.size() - suffix.size() - 1);
  return name;
}

// NoUTF8EscapingWithSuffixes: the name as sent with "_unit", "_per_x", "_total", "_ratio"
// appended; a suffix the name already ends with (after any one delimiter, as in "foo.total") is
// moved rather than repeated. "llm.cost.usd" in "USD" -> llm.cost.usd_USD_total.
std::string Utf8NameWithSuffixes(std::string_view name, std::string_view unit, bool counter,
                                 bool gauge) {
  const bool ratio = gauge && unit == "1";
  if (ratio) name = TrimSuffixAndDelimiter(name, "ratio");
  if (counter) name = TrimSuffixAndDelimiter(name, "total");
  const auto [main, per] = UnitSuffixes(unit);
  if (!per.empty()) name = TrimSuffixAndDelimiter(name, per);
  std::string out(name);
  if (!main.empty() && !out.ends_with(main)) out += "_" + main;
  if (!per.empty()) out += "_" + per;
  if (counter) out += "_total";
  if (ratio) out += "_ratio";
  return out;
}

}  // namespace

std::string_view TranslationStrategyName(TranslationStrategy strategy) {
  for (const auto& [s, name] : kStrategyNames) {
    if (s == strategy) return name;
  }
  return "";
}

bool ParseTranslationStrategy(std::string_view name, TranslationStrategy* strategy) {
  for (const auto& [s, n] : kStrategyNames) {
    if (n == name) {
      *strategy = s;
      return true;
    }
  }
  return false;
}

namespace internal {

std::string MetricName(std::string_view otel_name, std::string_view otel_unit, bool counter,
                       bool gauge, TranslationStrategy strategy) {
  if (otel_name.empty()) return "";  // a nameless series (or one named "_total") helps nobody
  std::string name;
  switch (strategy) {
    case TranslationStrategy::kUnderscoreEscapingWithSuffixes:
      name = EscapedNameWithSuffixes(otel_name, otel_unit, counter, gauge);
      break;
    case TranslationStrategy::kUnderscoreEscapingWithoutSuffixes:
      name = EscapedName(otel_name);
      break;
    case TranslationStrategy::kNoUTF8EscapingWithSuffixes:
      name = Utf8NameWithSuffixes(otel_name, otel_unit, counter, gauge);
      break;
    case TranslationStrategy::kNoTranslation:
      name = otel_name;
      break;
  }
  // Prometheus refuses a name that escapes to nothing or only underscores (unless sent so).
  if (EscapesNames(strategy) && name != otel_name &&
      name.find_first_not_of('_') == std::string::npos) {
    return "";
  }
  return name;
}

}  // namespace internal

std::string PrometheusLabelName(std::string_view name, TranslationStrategy strategy) {
  if (!EscapesNames(strategy)) return std::string(name);
  // One '_' per character, as Prometheus maps runes: a UTF-8 lead byte gives it, continuation
  // bytes (10xxxxxx) nothing. The decoder has checked that names are valid UTF-8.
  std::string out;
  for (char c : name) {
    if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;
    out.push_back(IsAlnum(c) || c == '_' ? c : '_');
  }
  if (!out.empty() && IsDigit(out[0])) return "key_" + out;
  if (!out.empty() && out[0] == '_' && (out.size() == 1 || out[1] != '_')) return "key" + out;
  return out;
}

std::string PrometheusMetricName(const mpb::Metric& metric, TranslationStrategy strategy) {
  const bool counter =
      metric.data_case() == mpb::Metric::kSum && metric.sum().is_monotonic() &&
      metric.sum().aggregation_temporality() != mpb::AGGREGATION_TEMPORALITY_UNSPECIFIED;
  const bool gauge = metric.data_case() == mpb::Metric::kGauge;
  return internal::MetricName(metric.name(), metric.unit(), counter, gauge, strategy);
}

}  // namespace tidemark::ingest
