#include "server/api_params.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "query/parser.h"
#include "server/api_response.h"
#include "util/utf8.h"

namespace tidemark::server {
namespace {

constexpr char kMinTimeFormatted[] = "-292273086-05-16T16:47:06Z";
constexpr char kMaxTimeFormatted[] = "292277025-08-18T07:12:54.999999999Z";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status ParseUrlEncoded(std::string_view text,
                       std::vector<std::pair<std::string, std::string>>* out) {
  auto decode = [](std::string_view in, std::string* dst) -> bool {
    dst->clear();
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '+') {
        dst->push_back(' ');
      } else if (in[i] == '%') {
        if (i + 2 >= in.size()) return false;
        const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
        if (hi < 0 || lo < 0) return false;
        dst->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        dst->push_back(in[i]);
      }
    }
    return true;
  };
  while (!text.empty()) {
    const size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key, value;
    if (!decode(pair.substr(0, eq), &key) ||
        (eq != std::string_view::npos && !decode(pair.substr(eq + 1), &value))) {
      return Status::InvalidArgument("invalid URL escape in \"" + std::string(pair) + "\"");
    }
    out->emplace_back(std::move(key), std::move(value));
  }
  return Status::OK();
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// RFC 3339 with optional fraction: 2015-07-01T20:10:51.781Z, 2015-07-01T20:10:51+02:00.
bool ParseRfc3339(std::string_view s, int64_t* ms) {
  auto num = [&](size_t pos, size_t len, int64_t* v) {
    if (pos + len > s.size()) return false;
    int64_t r = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return true;
  };
  int64_t y, mo, d, h, mi, sec;
  if (s.size() < 20 || !num(0, 4, &y) || s[4] != '-' || !num(5, 2, &mo) || s[7] != '-' ||
      !num(8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !num(11, 2, &h) || s[13] != ':' ||
      !num(14, 2, &mi) || s[16] != ':' || !num(17, 2, &sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  size_t pos = 19;
  int64_t frac_ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    int64_t scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) {
        frac_ms += (s[pos] - '0') * scale;
        scale /= 10;
      }
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int64_t oh, om;
    if (!num(pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !num(pos + 4, 2, &om))
      return false;
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != s.size()) return false;
  const int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  *ms = secs * 1000 + frac_ms;
  return true;
}

}  // namespace

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatRfc3339Millis(int64_t ms) {
  // Floor division, so that times before 1970 keep a non-negative millisecond part.
  int64_t secs = ms / 1000;
  int64_t millis = ms % 1000;
  if (millis < 0) {
    millis += 1000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

std::string FormatRfc3339Nano(int64_t ms) {
  const int64_t seconds = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  const int64_t millis = ms - seconds * 1000;
  const std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[48];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (millis != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(millis));
    out += frac;
    while (out.back() == '0') out.pop_back();
  }
  return out + "Z";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> TimeParam(const FormValues& form, const std::string& name, int64_t fallback) {
  if (!form.Has(name) || form.Get(name).empty()) return fallback;
  return ParseApiTime(form.Get(name));
}

Result<size_t> LimitParam(const FormValues& form, const std::string& name) {
  const std::string v = form.Get(name);
  if (v.empty()) return size_t{0};
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (errno != 0 || end != v.c_str() + v.size()) {
    return Status::InvalidArgument("cannot parse \"" + v + "\" to a valid " + name);
  }
  if (n < 0) return Status::InvalidArgument(name + " must be non-negative");
  return static_cast<size_t>(n);
}

Result<std::vector<std::pair<std::string, std::string>>> ParseJsonStringMap(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return Status::InvalidArgument(std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                                   " at offset " + std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return Status::InvalidArgument("not a JSON object");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    if (!it->value.IsString()) {
      return Status::InvalidArgument("the value of \"" + std::string(it->name.GetString()) +
                                     "\" is not a string");
    }
    out.emplace_back(std::string(it->name.GetString(), it->name.GetStringLength()),
                     std::string(it->value.GetString(), it->value.GetStringLength()));
  }
  return out;
}

Result<std::string> DecodePathSegment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      out.push_back(segment[i]);
      continue;
    }
    const int hi = i + 2 < segment.size() ? HexValue(segment[i + 1]) : -1;
    const int lo = i + 2 < segment.size() ? HexValue(segment[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("malformed %-escape in path segment \"" +
                                     std::string(segment) + "\"");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<std::string> UnescapeLabelName(std::string_view name) {
  if (!name.starts_with("U__")) return std::string(name);
  std::string out;
  std::string_view s = name.substr(3);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '_') {
      out.push_back('_');
      ++i;
      continue;
    }
    const size_t end = s.find('_', i + 1);
    if (end == std::string_view::npos || end == i + 1)
      return Status::InvalidArgument("invalid escaped label name \"" + std::string(name) + "\"");
    uint32_t cp = 0;
    for (size_t k = i + 1; k < end; ++k) {
      const int h = HexValue(s[k]);
      if (h < 0 || cp > 0x10FFFF)
        return Status::InvalidArgument("invalid escaped label name \"" + std::string(name) + "\"");
      cp = cp * 16 + static_cast<uint32_t>(h);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return Status::InvalidArgument("invalid escaped label name \"" + std::string(name) + "\"");
    util::AppendUtf8(&out, static_cast<char32_t>(cp));
    i = end;
  }
  return out;
}

namespace {

bool MatchesEmpty(const LabelMatcher& m) {
  // The parser has compiled every regular expression already; one that fails here matches
  // nothing, the empty string included.
  auto compiled = CompiledMatcher::Compile(m);
  return compiled.ok() && compiled->MatchesEmpty();
}

}  // namespace

Result<std::vector<std::vector<LabelMatcher>>> MatchParams(const FormValues& form) {
  std::vector<std::vector<LabelMatcher>> sets;
  for (const std::string& m : form.All("match[]")) {
    auto matchers = promql::ParseSeriesSelector(m);
    if (!matchers.ok()) return matchers.status();
    // As Prometheus: a selector that matches every series is refused.
    if (std::all_of(matchers->begin(), matchers->end(), MatchesEmpty))
      return Status::InvalidArgument("match[] must contain at least one non-empty matcher");
    sets.push_back(std::move(matchers).value());
  }
  return sets;
}

std::optional<HttpResponse> ParseSelection(const FormValues& form, Selection* out) {
  auto start = TimeParam(form, "start", kMinTimeMs);
  if (!start.ok()) return BadParam("start", start.status().message());
  auto end = TimeParam(form, "end", kMaxTimeMs);
  if (!end.ok()) return BadParam("end", end.status().message());
  auto limit = LimitParam(form);
  if (!limit.ok()) return ApiError(ErrorType::kBadData, limit.status().message());
  auto sets = MatchParams(form);
  if (!sets.ok()) return ApiError(ErrorType::kBadData, sets.status().message());
  out->start = *start;
  out->end = *end;
  out->limit = *limit;
  out->sets = std::move(sets).value();
  return std::nullopt;
}

Result<FormValues> FormValues::Parse(const HttpRequest& request) {
  FormValues form;
  const std::string content_type = request.Header("content-type");
  if ((request.method == "POST" || request.method == "PUT") &&
      content_type.starts_with("application/x-www-form-urlencoded")) {
    Status s = ParseUrlEncoded(request.body, &form.values_);
    if (!s.ok()) return s;
  }
  Status s = ParseUrlEncoded(request.query, &form.values_);
  if (!s.ok()) return s;
  return form;
}

std::string FormValues::Get(const std::string& name) const {
  for (const auto& [k, v] : values_) {
    if (k == name) return v;
  }
  return "";
}

bool FormValues::Has(const std::string& name) const {
  for (const auto& kv : values_) {
    if (kv.first == name) return true;
  }
  return false;
}

std::vector<std::string> FormValues::All(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_) {
    if (k == name) out.push_back(v);
  }
  return out;
}

// --- time and duration parameters ---

Result<int64_t> ParseApiTime(const std::string& text) {
  if (!text.empty()) {
    char* end = nullptr;
    errno = 0;
    const double seconds = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size() && errno == 0 && std::isfinite(seconds) &&
        text.find_first_of("xXpP") == std::string::npos) {
      double whole;
      const double frac = std::modf(seconds, &whole);
      // Within Prometheus' own time bounds, so that differences of two times never overflow.
      if (std::fabs(whole) <= static_cast<double>(kMaxTimeMs / 1000)) {
        return static_cast<int64_t>(whole) * 1000 + static_cast<int64_t>(std::round(frac * 1000));
      }
    }
  }
  if (text == kMinTimeFormatted) return kMinTimeMs;
  if (text == kMaxTimeFormatted) return kMaxTimeMs;
  int64_t ms;
  if (ParseRfc3339(text, &ms)) return ms;
  return Status::InvalidArgument("cannot parse \"" + text + "\" to a valid timestamp");
}

Result<int64_t> ParseApiDuration(const std::string& text) {
  if (!text.empty()) {
    char* end = nullptr;
    errno = 0;
    const double seconds = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size() && errno == 0 &&
        text.find_first_of("xXpP") == std::string::npos) {
      const double ms = seconds * 1000;
      if (!std::isfinite(ms) || std::fabs(ms) > 9.2e15) {
        return Status::InvalidArgument("cannot parse \"" + text +
                                       "\" to a valid duration. It overflows int64");
      }
      return static_cast<int64_t>(std::round(ms));
    }
  }
  auto d = promql::ParseDurationMs(text);
  if (d.ok()) return *d;
  return Status::InvalidArgument("cannot parse \"" + text + "\" to a valid duration");
}

}  // namespace tidemark::server
