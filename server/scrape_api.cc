#include "server/scrape_api.h"

#include <algorithm>
#include <map>

#include "query/parser.h"
#include "server/api_response.h"
#include "server/config.h"
#include "server/prom_json.h"
#include "tidemark/matcher.h"

namespace tidemark::server {
namespace {

// Go's zero time, which Prometheus reports for a target never scraped.
constexpr std::string_view kZeroTime = "0001-01-01T00:00:00Z";

void AppendActive(std::string* out, const ActiveTargetStatus& t) {
  *out += "{\"discoveredLabels\":";
  AppendJsonLabels(out, t.target.discovered_labels);
  *out += ",\"labels\":";
  AppendJsonLabels(out, t.target.labels);
  *out += ",\"scrapePool\":";
  AppendJsonString(out, t.pool);
  *out += ",\"scrapeUrl\":";
  AppendJsonString(out, t.target.url);
  // Prometheus rewrites a localhost URL with its own host name for other machines; tidemark
  // gives the URL it scrapes.
  *out += ",\"globalUrl\":";
  AppendJsonString(out, t.target.url);
  *out += ",\"lastError\":";
  AppendJsonString(out, t.last_error);
  *out += ",\"lastScrape\":";
  AppendJsonString(
      out, t.last_scrape_ms == 0 ? std::string(kZeroTime) : FormatRfc3339Nano(t.last_scrape_ms));
  *out += ",\"lastScrapeDuration\":";
  *out += FormatSampleValue(t.last_scrape_duration_seconds);  // a JSON number, as Prometheus'
  *out += ",\"health\":";
  AppendJsonString(out, TargetHealthName(t.health));
  *out += ",\"scrapeInterval\":";
  AppendJsonString(out, FormatRetention(t.target.interval_ms));
  *out += ",\"scrapeTimeout\":";
  AppendJsonString(out, FormatRetention(t.target.timeout_ms));
  out->push_back('}');
}

}  // namespace

HttpResponse TargetsResponse(const ScrapeManager* manager, const FormValues& form) {
  std::string state = form.Get("state");
  std::transform(state.begin(), state.end(), state.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool show_active = state.empty() || state == "any" || state == "active";
  const bool show_dropped = state.empty() || state == "any" || state == "dropped";
  const std::string pool = form.Get("scrapePool");
  auto wanted = [&pool](const std::string& p) { return pool.empty() || p == pool; };

  std::string data = "{\"activeTargets\":[";
  if (manager != nullptr && show_active) {
    std::vector<ActiveTargetStatus> active = manager->ActiveTargets();
    std::stable_sort(active.begin(), active.end(), [](const auto& a, const auto& b) {
      return std::tie(a.pool, a.target.labels) < std::tie(b.pool, b.target.labels);
    });
    bool first = true;
    for (const ActiveTargetStatus& t : active) {
      if (!wanted(t.pool)) continue;
      if (!first) data.push_back(',');
      first = false;
      AppendActive(&data, t);
    }
  }
  data += "],\"droppedTargets\":[";
  std::map<std::string, uint64_t> dropped_counts;
  if (manager != nullptr && show_dropped) {
    bool first = true;
    for (const DroppedTargetStatus& t : manager->DroppedTargets()) {
      if (!wanted(t.pool)) continue;
      ++dropped_counts[t.pool];
      if (!first) data.push_back(',');
      first = false;
      data += "{\"discoveredLabels\":";
      AppendJsonLabels(&data, t.discovered_labels);
      data += ",\"scrapePool\":";
      AppendJsonString(&data, t.pool);
      data.push_back('}');
    }
    for (const std::string& p : manager->Pools()) {
      if (wanted(p)) dropped_counts.try_emplace(p, 0);
    }
  }
  data += "],\"droppedTargetCounts\":{";
  bool first = true;
  for (const auto& [p, n] : dropped_counts) {
    if (!first) data.push_back(',');
    first = false;
    AppendJsonString(&data, p);
    data += ':' + std::to_string(n);
  }
  data += "}}";
  return Success(data);
}

HttpResponse ScrapePoolsResponse(const ScrapeManager* manager) {
  std::vector<std::string> pools;
  if (manager != nullptr) pools = manager->Pools();
  std::string data = "{\"scrapePools\":";
  AppendStringArray(&data, pools);
  data.push_back('}');
  return Success(data);
}

HttpResponse TargetsMetadataResponse(const ScrapeManager* manager, const FormValues& form) {
  auto limit_text = form.Get("limit");
  int64_t limit = -1;
  if (!limit_text.empty()) {
    char* end = nullptr;
    limit = std::strtoll(limit_text.c_str(), &end, 10);
    if (end == limit_text.c_str() || *end != '\0') {
      return ApiError(ErrorType::kBadData, "limit must be a number");
    }
  }
  std::vector<CompiledMatcher> matchers;
  if (const std::string selector = form.Get("match_target"); !selector.empty()) {
    auto parsed = promql::ParseSeriesSelector(selector);
    if (!parsed.ok()) return ApiError(ErrorType::kBadData, parsed.status().message());
    auto compiled = CompileMatchers(*parsed);
    if (!compiled.ok()) return ApiError(ErrorType::kBadData, compiled.status().message());
    matchers = std::move(compiled).value();
  }
  const std::string metric = form.Get("metric");
  std::string data = "[";
  int64_t n = 0;
  if (manager != nullptr) {
    for (const TargetMetadataEntry& e : manager->TargetMetadata()) {
      if (limit >= 0 && n >= limit) break;
      if (!metric.empty() && e.metric != metric) continue;
      const bool matches = std::all_of(matchers.begin(), matchers.end(), [&e](const auto& m) {
        return m.Matches(e.target.Get(m.matcher().name));
      });
      if (!matches) continue;
      if (n++ > 0) data.push_back(',');
      data += "{\"target\":";
      AppendJsonLabels(&data, e.target);
      if (metric.empty()) {
        data += ",\"metric\":";
        AppendJsonString(&data, e.metric);
      }
      data += ",\"type\":";
      AppendJsonString(&data, e.metadata.type.empty() ? "unknown" : e.metadata.type);
      data += ",\"help\":";
      AppendJsonString(&data, e.metadata.help);
      data += ",\"unit\":";
      AppendJsonString(&data, e.metadata.unit);
      data.push_back('}');
    }
  }
  data.push_back(']');
  return Success(data);
}

}  // namespace tidemark::server
