#include "server/scrape_target.h"

#include <algorithm>
#include <map>

#include "ingest/relabel.h"
#include "query/rules/template_funcs.h"  // GoQueryEscape (url.QueryEscape)
#include "util/duration.h"
#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::server {
namespace {

constexpr std::string_view kAddressLabel = "__address__";
constexpr std::string_view kSchemeLabel = "__scheme__";
constexpr std::string_view kMetricsPathLabel = "__metrics_path__";
constexpr std::string_view kIntervalLabel = "__scrape_interval__";
constexpr std::string_view kTimeoutLabel = "__scrape_timeout__";
constexpr std::string_view kParamPrefix = "__param_";
constexpr std::string_view kMetaPrefix = "__meta_";

// A label set being built, as Prometheus' labels.Builder: setting "" deletes.
using LabelMap = std::map<std::string, std::string, std::less<>>;

std::string_view Get(const LabelMap& m, std::string_view name) {
  auto it = m.find(name);
  return it == m.end() ? std::string_view() : std::string_view(it->second);
}

Labels ToLabels(const LabelMap& m) {
  std::vector<Label> items;
  items.reserve(m.size());
  for (const auto& [name, value] : m) items.push_back({name, value});
  return Labels(std::move(items));
}

// url.URL.EscapedPath for a path without a RawPath: bytes outside Go's unreserved set and
// "$&+,/:;=@" become %XX.
std::string EscapePath(std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    const bool keep =
        std::isalnum(c) ||
        std::string_view("-_.~$&+,/:;=@").find(static_cast<char>(c)) != std::string_view::npos;
    if (keep && c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Prometheus' Target.URL(): the job's params, each first value replaced (or added) by a
// __param_<name> label, encoded as url.Values.Encode (sorted by name, QueryEscape'd).
std::string BuildUrl(const ScrapeConfig& config, const LabelMap& labels) {
  std::map<std::string, std::vector<std::string>> params(config.params.begin(),
                                                         config.params.end());
  for (const auto& [name, value] : labels) {
    if (!name.starts_with(kParamPrefix)) continue;
    std::vector<std::string>& values = params[name.substr(kParamPrefix.size())];
    if (values.empty()) {
      values.push_back(value);
    } else {
      values[0] = value;
    }
  }
  std::string query;
  for (const auto& [name, values] : params) {
    for (const std::string& v : values) {
      if (!query.empty()) query += '&';
      query += rules::internal::GoQueryEscape(name) + "=" + rules::internal::GoQueryEscape(v);
    }
  }
  std::string path(Get(labels, kMetricsPathLabel));
  // url.URL.String puts a "/" between a host and a path that lacks one.
  if (!path.empty() && path.front() != '/') path = "/" + path;
  std::string url = std::string(Get(labels, kSchemeLabel)) + "://" +
                    std::string(Get(labels, kAddressLabel)) + EscapePath(path);
  if (!query.empty()) url += "?" + query;
  return url;
}

// model.ParseDuration, with its messages.
Status ParseLabelDuration(std::string_view value, const char* what, int64_t* ms) {
  const util::DurationParse p = util::ParseDurationParts(value);
  std::string why;
  switch (p.error) {
    case util::DurationError::kNone:
      break;
    case util::DurationError::kEmpty:
      why = "empty duration string";
      break;
    case util::DurationError::kUnknownUnit:
      why = "unknown unit " + util::GoQuote(p.unit) + " in duration " + util::GoQuote(value);
      break;
    case util::DurationError::kNumberTooLarge:
    case util::DurationError::kOutOfRange:
      why = "duration out of range";
      break;
    case util::DurationError::kInvalid:
      why = "not a valid duration string: " + util::GoQuote(value);
      break;
  }
  if (!why.empty()) {
    return Status::InvalidArgument(std::string("error parsing scrape ") + what + ": " + why);
  }
  if (p.ms == 0) return Status::InvalidArgument(std::string("scrape ") + what + " cannot be 0");
  *ms = p.ms;
  return Status::OK();
}

}  // namespace

Result<ScrapeTarget> PopulateTarget(const ScrapeConfig& config, const Labels& target,
                                    const Labels& group_labels) {
  // PopulateDiscoveredLabels: the target's labels over the group's, then the job's defaults
  // where nothing set them.
  LabelMap m;
  for (const Label& l : group_labels) m[l.name] = l.value;
  for (const Label& l : target) m[l.name] = l.value;
  const std::pair<std::string_view, std::string> defaults[] = {
      {"job", config.job_name},
      {kIntervalLabel, util::FormatDuration(config.scrape_interval_ms)},
      {kTimeoutLabel, util::FormatDuration(config.scrape_timeout_ms)},
      {kMetricsPathLabel, config.metrics_path},
      {kSchemeLabel, config.scheme}};
  for (const auto& [name, value] : defaults) {
    if (Get(m, name).empty() && !value.empty()) m[std::string(name)] = value;
  }
  for (const auto& [name, values] : config.params) {
    const std::string label = std::string(kParamPrefix) + name;
    if (!values.empty() && !values[0].empty() && Get(m, label).empty()) m[label] = values[0];
  }

  ScrapeTarget out;
  out.discovered_labels = ToLabels(m);
  Labels relabeled;
  if (!ingest::Relabel(out.discovered_labels, config.relabel_configs, &relabeled)) {
    out.dropped = true;
    return out;
  }
  LabelMap r;
  for (const Label& l : relabeled) r[l.name] = l.value;

  const std::string addr(Get(r, kAddressLabel));
  if (addr.empty()) return Status::InvalidArgument("no address");
  // config.CheckTargetAddress: a URL given as an address.
  if (addr.find('/') != std::string::npos) {
    return Status::InvalidArgument(util::GoQuote(addr) + " is not a valid hostname");
  }
  const std::string interval(Get(r, kIntervalLabel));
  const std::string timeout(Get(r, kTimeoutLabel));
  Status s = ParseLabelDuration(interval, "interval", &out.interval_ms);
  if (!s.ok()) return s;
  s = ParseLabelDuration(timeout, "timeout", &out.timeout_ms);
  if (!s.ok()) return s;
  if (out.timeout_ms > out.interval_ms) {
    return Status::InvalidArgument("scrape timeout cannot be greater than scrape interval (" +
                                   util::GoQuote(timeout) + " > " + util::GoQuote(interval) + ")");
  }
  // Meta labels go after relabeling; other `__` labels stay for the URL and are hidden below.
  for (auto it = r.begin(); it != r.end();) {
    it = it->first.starts_with(kMetaPrefix) ? r.erase(it) : std::next(it);
  }
  if (Get(r, "instance").empty()) r["instance"] = addr;
  for (const auto& [name, value] : r) {
    if (!util::IsValidUtf8(value)) {
      return Status::InvalidArgument("invalid label value for " + util::GoQuote(name) + ": " +
                                     util::GoQuote(value));
    }
  }
  out.url = BuildUrl(config, r);
  std::vector<Label> visible;
  for (const auto& [name, value] : r) {
    if (!name.starts_with("__")) visible.push_back({name, value});
  }
  out.labels = Labels(std::move(visible));
  return out;
}

std::vector<ScrapeTarget> PopulateTargets(const ScrapeConfig& config,
                                          const std::vector<TargetGroup>& groups,
                                          std::vector<std::string>* errors) {
  std::vector<ScrapeTarget> targets;
  for (const TargetGroup& g : groups) {
    for (size_t i = 0; i < g.targets.size(); ++i) {
      Result<ScrapeTarget> t = PopulateTarget(config, g.targets[i], g.labels);
      if (t.ok()) {
        targets.push_back(std::move(t).value());
      } else if (errors != nullptr) {
        // As TargetsFromGroup words it: the target's index in its group, and the group.
        errors->push_back("instance " + std::to_string(i) + " in group " + g.source + ": " +
                          t.status().message());
      }
    }
  }
  return targets;
}

}  // namespace tidemark::server
