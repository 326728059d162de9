// Parameters of the JSON HTTP APIs as Prometheus reads them: form values from the URL and a
// form-encoded body, times (Unix seconds or RFC 3339), durations, limits, match[] selectors.
#ifndef TIDEMARK_SERVER_API_PARAMS_H_
#define TIDEMARK_SERVER_API_PARAMS_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http_server.h"
#include "tidemark/matcher.h"
#include "tidemark/status.h"

namespace tidemark::server {

// Prometheus' time bounds for "no start" and "no end" (what clients send as min/max time).
inline constexpr int64_t kMinTimeMs = -9223309901257974LL;
inline constexpr int64_t kMaxTimeMs = 9223309901257974LL;

// The decoded parameters of a request: URL query string and, for POST, a form-encoded body.
class FormValues {
 public:
  // InvalidArgument if percent-encoding is malformed.
  static Result<FormValues> Parse(const HttpRequest& request);
  // The first value of `name` (body first, then URL, as Go's Request.FormValue), or "".
  std::string Get(const std::string& name) const;
  bool Has(const std::string& name) const;
  // Every value of `name` (body, then URL), e.g. for `match[]`.
  std::vector<std::string> All(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// Prometheus' parseTime: Unix seconds with fractions or RFC 3339; milliseconds.
Result<int64_t> ParseApiTime(const std::string& text);
// Prometheus' parseDuration: seconds with fractions or a duration ("5m"); milliseconds.
Result<int64_t> ParseApiDuration(const std::string& text);
std::string FormatRfc3339(std::chrono::system_clock::time_point t);
// Unix milliseconds in UTC as RFC 3339 with exactly three fraction digits, as Go's
// strfmt.DateTime writes them: "2024-05-01T12:00:00.250Z".
std::string FormatRfc3339Millis(int64_t ms);
// Unix milliseconds as Go's RFC3339Nano prints them, as Prometheus' API writes times:
// "2026-12-02T05:00:00.12Z" (no trailing zeros in the fraction, none for a whole second).
std::string FormatRfc3339Nano(int64_t ms);
int64_t NowMs();

// Parses `name` (if given) as a time; `fallback` otherwise.
Result<int64_t> TimeParam(const FormValues& form, const std::string& name, int64_t fallback);
// A `limit` parameter: 0 (no limit) unless a positive integer is given.
Result<size_t> LimitParam(const FormValues& form, const std::string& name = "limit");
// Prometheus 3 accepts label names in URL paths escaped as "U__" + name with '_' written "__"
// and other characters as "_<hex code point>_".
Result<std::string> UnescapeLabelName(std::string_view name);
// A JSON object whose values are all strings ({"k":"v",...}), in order: Jaeger's `tags` and
// `query.attributes`. InvalidArgument naming the problem otherwise.
Result<std::vector<std::pair<std::string, std::string>>> ParseJsonStringMap(std::string_view json);
// A URL path segment with its %XX escapes decoded ('+' stays '+', as in paths); InvalidArgument
// if an escape is malformed.
Result<std::string> DecodePathSegment(std::string_view segment);
// Parses every `match[]` of the request; InvalidArgument names the selector that did not parse.
Result<std::vector<std::vector<LabelMatcher>>> MatchParams(const FormValues& form);

// start, end (default: all time), limit and the match[] selectors of series, labels, label
// values and deletion.
struct Selection {
  int64_t start = 0;
  int64_t end = 0;
  size_t limit = 0;
  std::vector<std::vector<LabelMatcher>> sets;
};
// The error response, or nullopt with `*out` filled.
std::optional<HttpResponse> ParseSelection(const FormValues& form, Selection* out);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_API_PARAMS_H_
