// Prometheus' template functions (prometheus/template/template.go and the helpers it takes from
// prometheus/common), with their output formats: humanize's SI prefixes with %.4g, durations
// as "1d 2h 3m 4s", timestamps as Go's time.Time prints them in UTC.
#include "query/rules/template_funcs.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "query/go_regexp.h"
#include "query/rules/go_format.h"
#include "query/rules/go_unicode.h"
#include "re2/re2.h"
#include "util/duration.h"
#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::rules::internal {
namespace {

using Args = std::vector<TemplateValue>;

Status Error(std::string message) { return Status::InvalidArgument(std::move(message)); }

std::string Sprintf4g(double v, std::string_view suffix) {
  return util::GoFormatFloat(v, 'g', 4) + std::string(suffix);
}

// Go's float64 to int64 conversion on amd64: out of range (and NaN) gives the minimum.
int64_t GoInt64(double v) {
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// prometheus/common's ConvertToFloat: floats, integers, and strings through strconv.ParseFloat.
Result<double> ConvertToFloat(const TemplateValue& v) {
  switch (v.kind()) {
    case TemplateKind::kFloat:
      return v.AsFloat();
    case TemplateKind::kInt:
      return static_cast<double>(v.AsInt());
    case TemplateKind::kUint:
      return static_cast<double>(v.AsUint());
    case TemplateKind::kString:
      return util::GoParseFloat(v.AsString());
    default:
      return Error("can't convert " + std::string(v.GoType()) + " to float");
  }
}

TemplateValue SampleValue(const TemplateSample& s) {
  return TemplateValue::Struct(
      {{"Labels", TemplateValue::StringMap(s.labels)}, {"Value", TemplateValue::Float(s.value)}},
      std::string(kSampleType), true);
}

Status NilSample() {
  return Error("runtime error: invalid memory address or nil pointer dereference");
}

// The label of a sample (a kSample argument), "" when it has none.
std::string SampleLabel(const TemplateValue& sample, std::string_view name) {
  const TemplateMap& labels = sample.Field("Labels")->AsMap();
  auto it = labels.entries.find(name);
  return it == labels.entries.end() ? "" : it->second.AsString();
}

// ---- Query results -----------------------------------------------------------------------------

Result<TemplateValue> Query(CallContext& ctx, const Args& args) {
  if (!ctx.env.query) return Error("query is not available: no query function was configured");
  if (++ctx.queries > ctx.options.max_queries) {
    return Status::ResourceExhausted("more than " + std::to_string(ctx.options.max_queries) +
                                     " queries in one template execution");
  }
  auto result = ctx.env.query(args[0].AsString());
  if (!result.ok()) return Error(result.status().message());
  std::vector<TemplateValue> samples;
  samples.reserve(result->size());
  for (const TemplateSample& s : *result) samples.push_back(SampleValue(s));
  return TemplateValue::List(std::move(samples), std::string(kQueryResultType));
}

Result<TemplateValue> First(CallContext&, const Args& args) {
  if (args[0].IsMissing() || args[0].AsList().items.empty()) {
    return Error("first() called on vector with no elements");
  }
  return args[0].AsList().items[0];
}

Result<TemplateValue> Label(CallContext&, const Args& args) {
  if (args[1].IsMissing()) return NilSample();
  return TemplateValue::String(SampleLabel(args[1], args[0].AsString()));
}

Result<TemplateValue> Value(CallContext&, const Args& args) {
  if (args[0].IsMissing()) return NilSample();
  return *args[0].Field("Value");
}

Result<TemplateValue> StrValue(CallContext&, const Args& args) {
  if (args[0].IsMissing()) return NilSample();
  return TemplateValue::String(SampleLabel(args[0], "__value__"));
}

Result<TemplateValue> SortByLabel(CallContext&, const Args& args) {
  if (args[1].IsMissing()) return args[1];
  std::vector<TemplateValue> items = args[1].AsList().items;
  const std::string& label = args[0].AsString();
  std::stable_sort(items.begin(), items.end(),
                   [&label](const TemplateValue& a, const TemplateValue& b) {
                     return SampleLabel(a, label) < SampleLabel(b, label);
                   });
  return TemplateValue::List(std::move(items), std::string(kQueryResultType));
}

Result<TemplateValue> ArgsMap(CallContext&, const Args& args) {
  std::map<std::string, TemplateValue, std::less<>> map;
  for (size_t i = 0; i < args.size(); ++i) map.emplace("arg" + std::to_string(i), args[i]);
  return TemplateValue::Map(std::move(map));
}

// ---- Strings and regular expressions -----------------------------------------------------------

RE2::Options GoRegexpOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

Result<TemplateValue> ReReplaceAll(CallContext&, const Args& args) {
  const std::string& pattern = args[0].AsString();
  const std::string& replacement = args[1].AsString();
  const std::string& text = args[2].AsString();
  RE2 re(pattern, GoRegexpOptions());
  if (!re.ok()) {
    // regexp.MustCompile panics with this text, which the template reports.
    std::string quoted =
        pattern.find('`') == std::string::npos ? "`" + pattern + "`" : util::GoQuote(pattern);
    return Error("regexp: Compile(" + quoted + "): " + GoRegexpError(re));
  }
  const size_t groups = static_cast<size_t>(re.NumberOfCapturingGroups()) + 1;
  std::vector<re2::StringPiece> match(groups);
  std::string out;
  size_t last_match_end = 0;
  size_t search_pos = 0;
  const re2::StringPiece input(text);
  // Go's Regexp.replaceAll: an empty match right after a previous match is not replaced, and
  // the search always advances by at least one character.
  while (search_pos <= text.size()) {
    if (!re.Match(input, search_pos, text.size(), RE2::UNANCHORED, match.data(),
                  static_cast<int>(groups))) {
      break;
    }
    const size_t start = static_cast<size_t>(match[0].data() - text.data());
    const size_t end = start + match[0].size();
    out.append(text, last_match_end, start - last_match_end);
    if (end > last_match_end || start == 0) out += GoRegexpExpand(re, replacement, match);
    last_match_end = end;
    size_t width = 1;
    if (search_pos < text.size()) util::DecodeUtf8Rune(text, search_pos, &width);
    if (search_pos + width > end) {
      search_pos += width;
    } else if (search_pos + 1 > end) {
      ++search_pos;
    } else {
      search_pos = end;
    }
  }
  out.append(text, last_match_end, std::string::npos);
  return TemplateValue::String(std::move(out));
}

Result<TemplateValue> Match(CallContext&, const Args& args) {
  RE2 re(args[0].AsString(), GoRegexpOptions());
  if (!re.ok()) return Error(GoRegexpError(re));
  return TemplateValue::Bool(RE2::PartialMatch(args[1].AsString(), re));
}

Result<TemplateValue> SafeHtml(CallContext&, const Args& args) {
  return TemplateValue::String(args[0].AsString(), "template.HTML");
}

Result<TemplateValue> Title(CallContext&, const Args& args) {
  return TemplateValue::String(GoTitle(args[0].AsString()));
}

Result<TemplateValue> ToUpper(CallContext&, const Args& args) {
  return TemplateValue::String(GoToUpper(args[0].AsString()));
}

Result<TemplateValue> ToLower(CallContext&, const Args& args) {
  return TemplateValue::String(GoToLower(args[0].AsString()));
}

Result<TemplateValue> GraphLink(CallContext&, const Args& args) {
  return TemplateValue::String("/graph?g0.expr=" + GoQueryEscape(args[0].AsString()) + "&g0.tab=0");
}

Result<TemplateValue> TableLink(CallContext&, const Args& args) {
  return TemplateValue::String("/graph?g0.expr=" + GoQueryEscape(args[0].AsString()) + "&g0.tab=1");
}

// ---- Hosts -------------------------------------------------------------------------------------

// net.SplitHostPort: false where Go returns an error.
bool SplitHostPort(std::string_view hostport, std::string_view* host, std::string_view* port) {
  const size_t i = hostport.rfind(':');
  if (i == std::string_view::npos) return false;
  size_t j = 0;
  size_t k = 0;
  if (hostport[0] == '[') {
    const size_t end = hostport.find(']');
    if (end == std::string_view::npos || end + 1 != i) return false;
    *host = hostport.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    *host = hostport.substr(0, i);
    if (host->find(':') != std::string_view::npos) return false;
  }
  if (hostport.substr(j).find('[') != std::string_view::npos) return false;
  if (hostport.substr(k).find(']') != std::string_view::npos) return false;
  *port = hostport.substr(i + 1);
  return true;
}

// net.ParseIP succeeds: dotted IPv4 (no leading zeros) or IPv6.
bool IsIp(std::string_view s) {
  const std::string text(s);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

Result<TemplateValue> StripPort(CallContext&, const Args& args) {
  const std::string& hostport = args[0].AsString();
  std::string_view host, port;
  if (!SplitHostPort(hostport, &host, &port)) return args[0];
  return TemplateValue::String(std::string(host));
}

Result<TemplateValue> StripDomain(CallContext&, const Args& args) {
  const std::string& hostport = args[0].AsString();
  std::string_view host = hostport, port;
  if (!SplitHostPort(hostport, &host, &port)) host = hostport;
  if (IsIp(host)) return args[0];
  host = host.substr(0, host.find('.'));
  if (port.empty()) return TemplateValue::String(std::string(host));
  // net.JoinHostPort
  if (host.find(':') != std::string_view::npos) {
    return TemplateValue::String("[" + std::string(host) + "]:" + std::string(port));
  }
  return TemplateValue::String(std::string(host) + ":" + std::string(port));
}

// ---- Humanizing numbers ------------------------------------------------------------------------

// The SI prefix loop shared by humanize and humanizeDuration for |v| < 1.
std::string SmallWithPrefix(double v, std::string_view unit) {
  static constexpr const char* kPrefixes[] = {"m", "u", "n", "p", "f", "a", "z", "y"};
  std::string_view prefix;
  for (const char* p : kPrefixes) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Sprintf4g(v, std::string(prefix) + std::string(unit));
}

Result<TemplateValue> Humanize(CallContext&, const Args& args) {
  auto f = ConvertToFloat(args[0]);
  if (!f.ok()) return f.status();
  double v = *f;
  if (v == 0 || std::isnan(v) || std::isinf(v)) return TemplateValue::String(Sprintf4g(v, ""));
  if (std::fabs(v) >= 1) {
    static constexpr const char* kPrefixes[] = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
    std::string_view prefix;
    for (const char* p : kPrefixes) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return TemplateValue::String(Sprintf4g(v, prefix));
  }
  return TemplateValue::String(SmallWithPrefix(v, ""));
}

Result<TemplateValue> Humanize1024(CallContext&, const Args& args) {
  auto f = ConvertToFloat(args[0]);
  if (!f.ok()) return f.status();
  double v = *f;
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) {
    return TemplateValue::String(Sprintf4g(v, ""));
  }
  static constexpr const char* kPrefixes[] = {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};
  std::string_view prefix;
  for (const char* p : kPrefixes) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return TemplateValue::String(Sprintf4g(v, prefix));
}

Result<TemplateValue> HumanizeDuration(CallContext&, const Args& args) {
  auto f = ConvertToFloat(args[0]);
  if (!f.ok()) return f.status();
  double v = *f;
  if (std::isnan(v) || std::isinf(v)) return TemplateValue::String(Sprintf4g(v, ""));
  if (v == 0) return TemplateValue::String(Sprintf4g(v, "s"));
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    const int64_t duration = GoInt64(v);
    const int64_t seconds = duration % 60;
    const int64_t minutes = (duration / 60) % 60;
    const int64_t hours = (duration / 60 / 60) % 24;
    const int64_t days = duration / 60 / 60 / 24;
    const auto n = [](int64_t x) { return std::to_string(x); };
    if (days != 0) {
      return TemplateValue::String(sign + n(days) + "d " + n(hours) + "h " + n(minutes) + "m " +
                                   n(seconds) + "s");
    }
    if (hours != 0) {
      return TemplateValue::String(sign + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s");
    }
    if (minutes != 0) return TemplateValue::String(sign + n(minutes) + "m " + n(seconds) + "s");
    return TemplateValue::String(sign + Sprintf4g(v, "s"));
  }
  return TemplateValue::String(SmallWithPrefix(v, "s"));
}

Result<TemplateValue> HumanizePercentage(CallContext&, const Args& args) {
  auto f = ConvertToFloat(args[0]);
  if (!f.ok()) return f.status();
  return TemplateValue::String(Sprintf4g(*f * 100, "%"));
}

// Days since 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2 ? 1 : 0);
}

// time.Time.String() of a UTC instant in milliseconds: "2015-06-23 13:19:44.128 +0000 UTC".
std::string FormatUtcMillis(int64_t ms) {
  int64_t seconds = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t of_day = seconds % 86400;
  if (of_day < 0) {
    of_day += 86400;
    --days;
  }
  int64_t year = 0;
  int month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  char buf[96];
  // Go writes the year with at least four digits, a '-' before negative years.
  std::snprintf(buf, sizeof buf, "%s%04lld-%02d-%02d %02d:%02d:%02d", year < 0 ? "-" : "",
                static_cast<long long>(year < 0 ? -year : year), month, day,
                static_cast<int>(of_day / 3600), static_cast<int>(of_day / 60 % 60),
                static_cast<int>(of_day % 60));
  std::string out = buf;
  if (millis != 0) {
    std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(millis));
    std::string fraction = buf;
    while (fraction.back() == '0') fraction.pop_back();
    out += fraction;
  }
  return out + " +0000 UTC";
}

Result<TemplateValue> HumanizeTimestamp(CallContext&, const Args& args) {
  auto f = ConvertToFloat(args[0]);
  if (!f.ok()) return f.status();
  const double v = *f;
  if (std::isnan(v) || std::isinf(v)) return TemplateValue::String(Sprintf4g(v, ""));
  const double nanos = v * 1e9;
  if (nanos > 9223372036854775807.0 || nanos < -9223372036854775808.0) {
    return Error(util::GoFormatFloatG(v) +
                 " cannot be represented as a nanoseconds timestamp since it overflows int64");
  }
  // model.TimeFromUnixNano keeps milliseconds, truncating toward zero.
  return TemplateValue::String(FormatUtcMillis(GoInt64(nanos) / 1'000'000));
}

// ---- The outside world -------------------------------------------------------------------------

// url.URL.Path of the external URL: what follows the scheme and host, up to a query or
// fragment.
std::string UrlPath(std::string_view url) {
  const size_t scheme = url.find("://");
  size_t start = 0;
  if (scheme != std::string_view::npos) {
    start = url.find('/', scheme + 3);
    if (start == std::string_view::npos) return "";
  }
  const size_t end = url.find_first_of("?#", start);
  return std::string(url.substr(start, end == std::string_view::npos ? url.npos : end - start));
}

Result<TemplateValue> PathPrefix(CallContext& ctx, const Args&) {
  return TemplateValue::String(UrlPath(ctx.env.external_url));
}

Result<TemplateValue> ExternalUrl(CallContext& ctx, const Args&) {
  return TemplateValue::String(ctx.env.external_url);
}

// model.ParseDuration, in seconds.
Result<TemplateValue> ParseDuration(CallContext&, const Args& args) {
  const std::string& text = args[0].AsString();
  const util::DurationParse d = util::ParseDurationParts(text, INT64_MAX / 1'000'000);
  switch (d.error) {
    case util::DurationError::kNone:
      return TemplateValue::Float(static_cast<double>(d.ms * 1'000'000) / 1e9);
    case util::DurationError::kEmpty:
      return Error("empty duration string");
    case util::DurationError::kUnknownUnit:
      return Error("unknown unit " + util::GoQuote(d.unit) + " in duration " + util::GoQuote(text));
    case util::DurationError::kNumberTooLarge:
    case util::DurationError::kOutOfRange:
      return Error("duration out of range");
    case util::DurationError::kInvalid:
      break;
  }
  return Error("not a valid duration string: " + util::GoQuote(text));
}

}  // namespace

const std::vector<FunctionSpec>& PrometheusFunctions() {
  using P = ParamType;
  static const std::vector<FunctionSpec> functions = {
      {"query", {P::kString}, false, P::kAny, Query, false},
      {"first", {P::kQueryResult}, false, P::kAny, First, false},
      {"label", {P::kString, P::kSample}, false, P::kAny, Label, false},
      {"value", {P::kSample}, false, P::kAny, Value, false},
      {"strvalue", {P::kSample}, false, P::kAny, StrValue, false},
      {"args", {}, true, P::kAny, ArgsMap, false},
      {"reReplaceAll", {P::kString, P::kString, P::kString}, false, P::kAny, ReReplaceAll, false},
      {"safeHtml", {P::kString}, false, P::kAny, SafeHtml, false},
      {"match", {P::kString, P::kString}, false, P::kAny, Match, false},
      {"title", {P::kString}, false, P::kAny, Title, false},
      {"toUpper", {P::kString}, false, P::kAny, ToUpper, false},
      {"toLower", {P::kString}, false, P::kAny, ToLower, false},
      {"graphLink", {P::kString}, false, P::kAny, GraphLink, false},
      {"tableLink", {P::kString}, false, P::kAny, TableLink, false},
      {"sortByLabel", {P::kString, P::kQueryResult}, false, P::kAny, SortByLabel, false},
      {"stripPort", {P::kString}, false, P::kAny, StripPort, false},
      {"stripDomain", {P::kString}, false, P::kAny, StripDomain, false},
      {"humanize", {P::kAny}, false, P::kAny, Humanize, false},
      {"humanize1024", {P::kAny}, false, P::kAny, Humanize1024, false},
      {"humanizeDuration", {P::kAny}, false, P::kAny, HumanizeDuration, false},
      {"humanizePercentage", {P::kAny}, false, P::kAny, HumanizePercentage, false},
      {"humanizeTimestamp", {P::kAny}, false, P::kAny, HumanizeTimestamp, false},
      {"pathPrefix", {}, false, P::kAny, PathPrefix, false},
      {"externalURL", {}, false, P::kAny, ExternalUrl, false},
      {"parseDuration", {P::kString}, false, P::kAny, ParseDuration, false},
  };
  return functions;
}

}  // namespace tidemark::rules::internal
