#include "server/prom_api.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <set>
#include <thread>

#include "query/parser.h"
#include "server/prom_json.h"
#include "util/utf8.h"

namespace tidemark::server {
namespace {

using promql::Expr;
using promql::ExprKind;

// Prometheus' time bounds for "no start" and "no end" (what clients send as min/max time).
constexpr int64_t kMinTimeMs = -9223309901257974LL;
constexpr int64_t kMaxTimeMs = 9223309901257974LL;
constexpr char kMinTimeFormatted[] = "-292273086-05-16T16:47:06Z";
constexpr char kMaxTimeFormatted[] = "292277025-08-18T07:12:54.999999999Z";
constexpr char kTidemarkVersion[] = "0.1.0";

// Prometheus' API error types and the HTTP status each is answered with.
enum class ErrorType {
  kBadData,
  kExecution,
  kCanceled,
  kTimeout,
  kInternal,
  kNotFound,
  kUnavailable
};

std::string_view ErrorTypeName(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return "bad_data";
    case ErrorType::kExecution:
      return "execution";
    case ErrorType::kCanceled:
      return "canceled";
    case ErrorType::kTimeout:
      return "timeout";
    case ErrorType::kInternal:
      return "internal";
    case ErrorType::kNotFound:
      return "not_found";
    case ErrorType::kUnavailable:
      return "unavailable";
  }
  return "internal";
}

int ErrorHttpStatus(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData:
      return 400;
    case ErrorType::kExecution:
      return 422;
    case ErrorType::kCanceled:
      return 499;  // Prometheus: the client closed the connection
    case ErrorType::kTimeout:
      return 503;
    case ErrorType::kInternal:
      return 500;
    case ErrorType::kNotFound:
      return 404;
    case ErrorType::kUnavailable:
      return 503;
  }
  return 500;
}

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse ApiError(ErrorType type, const std::string& message) {
  std::string body = "{\"status\":\"error\",\"errorType\":";
  AppendJsonString(&body, ErrorTypeName(type));
  body += ",\"error\":";
  AppendJsonString(&body, message);
  body += "}";
  return Json(ErrorHttpStatus(type), std::move(body));
}

HttpResponse BadParam(const std::string& name, const std::string& message) {
  return ApiError(ErrorType::kBadData, "invalid parameter \"" + name + "\": " + message);
}

// The error type of a failed query evaluation, as Prometheus classifies engine errors.
ErrorType QueryErrorType(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:
      return ErrorType::kExecution;
    case StatusCode::kDeadlineExceeded:
      return ErrorType::kTimeout;
    case StatusCode::kCancelled:
      return ErrorType::kCanceled;
    case StatusCode::kUnavailable:
      return ErrorType::kUnavailable;
    case StatusCode::kNotFound:
      return ErrorType::kNotFound;
    default:
      return ErrorType::kInternal;
  }
}

// Errors of storage calls (label names, series, deletes).
HttpResponse StorageError(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument) return ApiError(ErrorType::kBadData, s.message());
  return ApiError(QueryErrorType(s), s.message());
}

void AppendStringArray(std::string* out, const std::vector<std::string>& items) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, items[i]);
  }
  out->push_back(']');
}

// {"status":"success","data":<data>[,"warnings":[...]][,"infos":[...]]}
HttpResponse Success(const std::string& data, const std::vector<std::string>& warnings = {},
                     const std::vector<std::string>& infos = {}) {
  std::string body = "{\"status\":\"success\",\"data\":";
  body += data;
  if (!warnings.empty()) {
    body += ",\"warnings\":";
    AppendStringArray(&body, warnings);
  }
  if (!infos.empty()) {
    body += ",\"infos\":";
    AppendStringArray(&body, infos);
  }
  body += "}";
  return Json(200, std::move(body));
}

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

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Watches a client's socket while a query runs and raises a flag when the client hangs up, so
// the query is cancelled (Prometheus cancels through the request context).
class ClientWatcher {
 public:
  explicit ClientWatcher(int socket_fd) {
    if (socket_fd < 0) return;
    wake_fd_ = eventfd(0, EFD_CLOEXEC);
    if (wake_fd_ < 0) return;
    thread_ = std::thread([this, socket_fd] {
      pollfd fds[2] = {{socket_fd, POLLRDHUP, 0}, {wake_fd_, POLLIN, 0}};
      while (true) {
        const int n = poll(fds, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || fds[1].revents != 0) return;
        if (fds[0].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) {
          gone_ = true;
          return;
        }
        // Bytes of a pipelined next request: not a hang-up; stop watching rather than spin.
        if (fds[0].revents != 0) return;
      }
    });
  }
  ~ClientWatcher() {
    if (thread_.joinable()) {
      const uint64_t one = 1;
      if (write(wake_fd_, &one, sizeof one) < 0) {
        // The watcher also ends when the socket closes; nothing else to do.
      }
      thread_.join();
    }
    if (wake_fd_ >= 0) close(wake_fd_);
  }
  const std::atomic<bool>* flag() const { return &gone_; }

 private:
  std::atomic<bool> gone_{false};
  int wake_fd_ = -1;
  std::thread thread_;
};

// Parses `name` (if given) as a time; `fallback` otherwise.
Result<int64_t> TimeParam(const FormValues& form, const std::string& name, int64_t fallback) {
  if (!form.Has(name) || form.Get(name).empty()) return fallback;
  return ParseApiTime(form.Get(name));
}

// A `limit` parameter: 0 (no limit) unless a positive integer is given.
Result<size_t> LimitParam(const FormValues& form, const std::string& name = "limit") {
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

void WalkSelectors(const Expr& e, std::vector<const promql::VectorSelector*>* out) {
  switch (e.kind) {
    case ExprKind::kVectorSelector:
      out->push_back(static_cast<const promql::VectorSelector*>(&e));
      break;
    case ExprKind::kMatrixSelector:
      WalkSelectors(*static_cast<const promql::MatrixSelector&>(e).selector, out);
      break;
    case ExprKind::kSubquery:
      WalkSelectors(*static_cast<const promql::SubqueryExpr&>(e).expr, out);
      break;
    case ExprKind::kParen:
      WalkSelectors(*static_cast<const promql::ParenExpr&>(e).expr, out);
      break;
    case ExprKind::kUnary:
      WalkSelectors(*static_cast<const promql::UnaryExpr&>(e).expr, out);
      break;
    case ExprKind::kBinary: {
      const auto& b = static_cast<const promql::BinaryExpr&>(e);
      WalkSelectors(*b.lhs, out);
      WalkSelectors(*b.rhs, out);
      break;
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const promql::AggregateExpr&>(e);
      if (a.param) WalkSelectors(*a.param, out);
      WalkSelectors(*a.expr, out);
      break;
    }
    case ExprKind::kCall:
      for (const auto& arg : static_cast<const promql::Call&>(e).args) WalkSelectors(*arg, out);
      break;
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      break;
  }
}

std::string_view MatchTypeName(MatchType t) {
  switch (t) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexMatch:
      return "=~";
    case MatchType::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

std::string_view CardName(promql::MatchCardinality c) {
  switch (c) {
    case promql::MatchCardinality::kOneToOne:
      return "one-to-one";
    case promql::MatchCardinality::kManyToOne:
      return "many-to-one";
    case promql::MatchCardinality::kOneToMany:
      return "one-to-many";
    case promql::MatchCardinality::kManyToMany:
      return "many-to-many";
  }
  return "one-to-one";
}

// Prometheus' ValueType names as parse_query reports function signatures.
std::string_view SignatureTypeName(promql::ValueType t) {
  return t == promql::ValueType::kNone ? "none" : promql::ValueTypeApiName(t);
}

void AppendMatchers(std::string* out, const std::vector<LabelMatcher>& matchers) {
  out->push_back('[');
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i) out->push_back(',');
    *out += "{\"name\":";
    AppendJsonString(out, matchers[i].name);
    *out += ",\"value\":";
    AppendJsonString(out, matchers[i].value);
    *out += ",\"type\":";
    AppendJsonString(out, MatchTypeName(matchers[i].type));
    out->push_back('}');
  }
  out->push_back(']');
}

void AppendAt(std::string* out, promql::AtModifier at, int64_t at_ms) {
  *out += ",\"timestamp\":";
  if (at == promql::AtModifier::kTimestamp) {
    *out += std::to_string(at_ms);
  } else {
    *out += "null";
  }
  *out += ",\"startOrEnd\":";
  if (at == promql::AtModifier::kStart) {
    *out += "\"start\"";
  } else if (at == promql::AtModifier::kEnd) {
    *out += "\"end\"";
  } else {
    *out += "null";
  }
}

// The AST as Prometheus' parse_query returns it (the shape its UI's tree view reads).
void AppendAstJson(std::string* out, const Expr& e) {
  switch (e.kind) {
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const promql::AggregateExpr&>(e);
      *out += "{\"type\":\"aggregation\",\"op\":";
      AppendJsonString(out, promql::AggregateOpName(a.op));
      *out += ",\"expr\":";
      AppendAstJson(out, *a.expr);
      *out += ",\"param\":";
      if (a.param) {
        AppendAstJson(out, *a.param);
      } else {
        *out += "null";
      }
      *out += ",\"grouping\":";
      AppendStringArray(out, a.grouping);
      *out += a.without ? ",\"without\":true}" : ",\"without\":false}";
      break;
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const promql::BinaryExpr&>(e);
      *out += "{\"type\":\"binaryExpr\",\"op\":";
      AppendJsonString(out, promql::BinaryOpName(b.op));
      *out += ",\"lhs\":";
      AppendAstJson(out, *b.lhs);
      *out += ",\"rhs\":";
      AppendAstJson(out, *b.rhs);
      *out += ",\"matching\":";
      if (b.matching) {
        *out += "{\"card\":";
        AppendJsonString(out, CardName(b.matching->card));
        *out += ",\"labels\":";
        AppendStringArray(out, b.matching->labels);
        *out += b.matching->on ? ",\"on\":true" : ",\"on\":false";
        *out += ",\"include\":";
        AppendStringArray(out, b.matching->include);
        out->push_back('}');
      } else {
        *out += "null";
      }
      *out += b.return_bool ? ",\"bool\":true}" : ",\"bool\":false}";
      break;
    }
    case ExprKind::kCall: {
      const auto& c = static_cast<const promql::Call&>(e);
      *out += "{\"type\":\"call\",\"func\":{\"name\":";
      AppendJsonString(out, c.func->name);
      *out += ",\"argTypes\":[";
      for (size_t i = 0; i < c.func->arg_types.size(); ++i) {
        if (i) out->push_back(',');
        AppendJsonString(out, SignatureTypeName(c.func->arg_types[i]));
      }
      *out += "],\"variadic\":" + std::to_string(c.func->variadic) + ",\"returnType\":";
      AppendJsonString(out, SignatureTypeName(c.func->return_type));
      *out += "},\"args\":[";
      for (size_t i = 0; i < c.args.size(); ++i) {
        if (i) out->push_back(',');
        AppendAstJson(out, *c.args[i]);
      }
      *out += "]}";
      break;
    }
    case ExprKind::kMatrixSelector: {
      const auto& m = static_cast<const promql::MatrixSelector&>(e);
      const auto& vs = m.vector_selector();
      *out += "{\"type\":\"matrixSelector\",\"name\":";
      AppendJsonString(out, vs.name);
      *out += ",\"range\":" + std::to_string(m.range_ms) +
              ",\"offset\":" + std::to_string(vs.offset_ms) + ",\"matchers\":";
      AppendMatchers(out, vs.matchers);
      AppendAt(out, vs.at, vs.at_ms);
      out->push_back('}');
      break;
    }
    case ExprKind::kSubquery: {
      const auto& s = static_cast<const promql::SubqueryExpr&>(e);
      *out += "{\"type\":\"subquery\",\"expr\":";
      AppendAstJson(out, *s.expr);
      *out += ",\"range\":" + std::to_string(s.range_ms) +
              ",\"offset\":" + std::to_string(s.offset_ms) +
              ",\"step\":" + std::to_string(s.step_ms);
      AppendAt(out, s.at, s.at_ms);
      out->push_back('}');
      break;
    }
    case ExprKind::kNumberLiteral:
      *out += "{\"type\":\"numberLiteral\",\"val\":";
      AppendJsonString(out, FormatSampleValue(static_cast<const promql::NumberLiteral&>(e).value));
      out->push_back('}');
      break;
    case ExprKind::kParen:
      *out += "{\"type\":\"parenExpr\",\"expr\":";
      AppendAstJson(out, *static_cast<const promql::ParenExpr&>(e).expr);
      out->push_back('}');
      break;
    case ExprKind::kStringLiteral:
      *out += "{\"type\":\"stringLiteral\",\"val\":";
      AppendJsonString(out, static_cast<const promql::StringLiteral&>(e).value);
      out->push_back('}');
      break;
    case ExprKind::kUnary: {
      const auto& u = static_cast<const promql::UnaryExpr&>(e);
      *out += u.negate ? "{\"type\":\"unaryExpr\",\"op\":\"-\",\"expr\":"
                       : "{\"type\":\"unaryExpr\",\"op\":\"+\",\"expr\":";
      AppendAstJson(out, *u.expr);
      out->push_back('}');
      break;
    }
    case ExprKind::kVectorSelector: {
      const auto& vs = static_cast<const promql::VectorSelector&>(e);
      *out += "{\"type\":\"vectorSelector\",\"name\":";
      AppendJsonString(out, vs.name);
      *out += ",\"offset\":" + std::to_string(vs.offset_ms) + ",\"matchers\":";
      AppendMatchers(out, vs.matchers);
      AppendAt(out, vs.at, vs.at_ms);
      out->push_back('}');
      break;
    }
  }
}

// Prometheus 3 accepts label names in URL paths escaped as "U__" + name with '_' written "__"
// and other characters as "_<hex code point>_".
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

bool MatchesEmpty(const LabelMatcher& m) {
  // The parser has compiled every regular expression already; one that fails here matches
  // nothing, the empty string included.
  auto compiled = CompiledMatcher::Compile(m);
  return compiled.ok() && compiled->MatchesEmpty();
}

// Parses every `match[]` of the request; bad_data names the selector that did not parse.
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

}  // namespace

// --- FormValues ---

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

// --- PrometheusApi ---

PrometheusApi::PrometheusApi(Engine* engine, Settings settings)
    : engine_(engine),
      settings_(std::move(settings)),
      query_engine_([&] {
        promql::EngineOptions o;
        o.lookback_delta_ms = settings_.query.lookback_delta_ms;
        o.max_samples = settings_.query.max_samples;
        o.max_result_points = settings_.query.max_result_points;
        o.default_subquery_step_ms = settings_.query.default_subquery_step_ms;
        // Prometheus' server removes __name__ at once unless a feature flag asks otherwise.
        o.delayed_name_removal = false;
        return o;
      }()),
      slots_(settings_.query.max_concurrency),
      start_time_(std::chrono::system_clock::now()) {}

bool PrometheusApi::QuerySlots::Acquire(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [&] { return free_ > 0; })) return false;
  --free_;
  return true;
}

void PrometheusApi::QuerySlots::Release() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  cv_.notify_one();
}

template <typename Evaluate>
HttpResponse PrometheusApi::InSlot(const QueryParams& params, Evaluate evaluate) {
  if (!slots_.Acquire(params.ctx.deadline))
    return ApiError(ErrorType::kTimeout, "query timed out in query queue");
  HttpResponse response = evaluate();
  slots_.Release();
  return response;
}

promql::ParseOptions PrometheusApi::ParseOptions() const {
  return {.enable_experimental_functions = settings_.query.experimental_functions,
          .enable_duration_expressions = settings_.query.duration_expressions};
}

std::string PrometheusApi::HandlerName(const std::string& path) {
  static constexpr std::string_view kPrefix = "/api/v1/";
  if (!path.starts_with(kPrefix)) return "";
  std::string_view rest = std::string_view(path).substr(kPrefix.size());
  static constexpr std::string_view kLabel = "label/", kValues = "/values";
  if (rest.size() > kLabel.size() + kValues.size() && rest.starts_with(kLabel) &&
      rest.ends_with(kValues)) {
    return "label_values";
  }
  static const std::set<std::string, std::less<>> kKnown = {"query",
                                                            "query_range",
                                                            "series",
                                                            "labels",
                                                            "metadata",
                                                            "query_exemplars",
                                                            "format_query",
                                                            "parse_query",
                                                            "status/buildinfo",
                                                            "status/runtimeinfo",
                                                            "status/flags",
                                                            "status/config",
                                                            "status/tsdb",
                                                            "admin/tsdb/delete_series"};
  auto it = kKnown.find(rest);
  if (it == kKnown.end()) return "";
  std::string name(*it);
  std::replace(name.begin(), name.end(), '/', '_');
  return name;
}

std::optional<HttpResponse> PrometheusApi::Handle(const HttpRequest& request) {
  const std::string endpoint = HandlerName(request.path);
  if (endpoint.empty()) return std::nullopt;
  return Dispatch(request, endpoint);
}

HttpResponse PrometheusApi::Dispatch(const HttpRequest& request, const std::string& endpoint) {
  const bool is_delete = endpoint == "admin_tsdb_delete_series";
  if (is_delete ? (request.method != "POST" && request.method != "PUT")
                : (request.method != "GET" && request.method != "POST")) {
    HttpResponse r = ApiError(ErrorType::kBadData, "method " + request.method + " not allowed");
    r.status = 405;
    r.headers.push_back({"Allow", is_delete ? "POST, PUT" : "GET, POST"});
    return r;
  }
  auto form = FormValues::Parse(request);
  if (!form.ok()) return ApiError(ErrorType::kBadData, form.status().message());
  if (endpoint == "query") return Query(request, *form);
  if (endpoint == "query_range") return QueryRange(request, *form);
  if (endpoint == "series") return Series(*form);
  if (endpoint == "labels") return Labels(*form);
  if (endpoint == "label_values") {
    const std::string_view path = request.path;
    const std::string_view name =
        path.substr(std::string_view("/api/v1/label/").size(),
                    path.size() - std::string_view("/api/v1/label/").size() -
                        std::string_view("/values").size());
    return LabelValues(std::string(name), *form);
  }
  if (endpoint == "metadata") return Metadata(*form);
  if (endpoint == "query_exemplars") return QueryExemplars(*form);
  if (endpoint == "format_query") return FormatQuery(*form);
  if (endpoint == "parse_query") return ParseQuery(*form);
  if (endpoint == "status_buildinfo") return BuildInfo();
  if (endpoint == "status_runtimeinfo") return RuntimeInfo();
  if (endpoint == "status_flags") return Flags();
  if (endpoint == "status_config") return Config();
  if (endpoint == "status_tsdb") return TsdbStatus(*form);
  if (is_delete) return DeleteSeries(request, *form);
  return ApiError(ErrorType::kNotFound, "unknown endpoint " + request.path);
}

namespace {

// Deadline from the configured timeout, shortened by a `timeout` parameter.
Result<std::chrono::milliseconds> QueryTimeout(const FormValues& form, int64_t configured_ms) {
  int64_t ms = configured_ms;
  if (form.Has("timeout") && !form.Get("timeout").empty()) {
    auto t = ParseApiDuration(form.Get("timeout"));
    if (!t.ok()) return t.status();
    if (*t <= 0) return Status::InvalidArgument("timeout must be positive");
    ms = std::min(ms, *t);
  }
  return std::chrono::milliseconds(ms);
}

// Applies a `limit` to a result (Prometheus 3's query limit) and says so in a warning.
void LimitResult(promql::QueryResult* result, size_t limit, std::vector<std::string>* warnings) {
  if (limit == 0) return;
  bool truncated = false;
  if (result->type == promql::ValueType::kVector && result->vector.size() > limit) {
    result->vector.resize(limit);
    truncated = true;
  } else if (result->type == promql::ValueType::kMatrix && result->matrix.size() > limit) {
    result->matrix.resize(limit);
    truncated = true;
  }
  if (truncated) warnings->push_back("results truncated due to limit");
}

}  // namespace

// What query and query_range share: `limit`, `timeout`, `lookback_delta` and the expression.
// Returns the error response, or nullopt with `*out` filled.
std::optional<HttpResponse> PrometheusApi::ParseQueryParams(const FormValues& form,
                                                            QueryParams* out) const {
  auto limit = LimitParam(form);
  if (!limit.ok()) return ApiError(ErrorType::kBadData, limit.status().message());
  out->limit = *limit;
  auto timeout = QueryTimeout(form, settings_.query.timeout_ms);
  if (!timeout.ok()) return BadParam("timeout", timeout.status().message());
  out->ctx = promql::QueryContext::WithTimeout(*timeout);
  if (form.Has("lookback_delta") && !form.Get("lookback_delta").empty()) {
    auto d = ParseApiDuration(form.Get("lookback_delta"));
    if (!d.ok()) return BadParam("lookback_delta", d.status().message());
    if (*d < 0) return BadParam("lookback_delta", "lookback delta must not be negative");
    out->ctx.lookback_delta_ms = *d;
  }
  auto expr = promql::ParseExpr(form.Get("query"), ParseOptions());
  if (!expr.ok()) return BadParam("query", expr.status().message());
  out->expr = std::move(expr).value();
  return std::nullopt;
}

namespace {

// The success response of an evaluated query, cut to `limit` series.
HttpResponse QueryResponse(Result<promql::QueryResult> result, size_t limit) {
  if (!result.ok()) return ApiError(QueryErrorType(result.status()), result.status().message());
  std::vector<std::string> warnings = result->annotations.warnings;
  LimitResult(&*result, limit, &warnings);
  std::string data;
  AppendJsonQueryData(&data, *result);
  return Success(data, warnings, result->annotations.infos);
}

// start, end (default: all time), limit and the match[] selectors of series, labels and label
// values. Returns the error response, or nullopt with `*out` filled.
struct Selection {
  int64_t start = 0;
  int64_t end = 0;
  size_t limit = 0;
  std::vector<std::vector<LabelMatcher>> sets;
};
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

// A sorted list of names or values, cut to `limit` with Prometheus' warning.
HttpResponse StringListResponse(const std::set<std::string>& items, size_t limit) {
  std::vector<std::string> out(items.begin(), items.end());
  std::vector<std::string> warnings;
  if (limit != 0 && out.size() > limit) {
    out.resize(limit);
    warnings.push_back("results truncated due to limit");
  }
  std::string data;
  AppendStringArray(&data, out);
  return Success(data, warnings);
}

}  // namespace

HttpResponse PrometheusApi::Query(const HttpRequest& request, const FormValues& form) {
  auto t = TimeParam(form, "time", NowMs());
  if (!t.ok()) return BadParam("time", t.status().message());
  QueryParams params;
  if (auto error = ParseQueryParams(form, &params)) return *error;
  return InSlot(params, [&] {
    ClientWatcher watcher(request.socket_fd);
    params.ctx.cancelled = watcher.flag();
    return QueryResponse(query_engine_.Instant(*engine_, *params.expr, *t, params.ctx),
                         params.limit);
  });
}

HttpResponse PrometheusApi::QueryRange(const HttpRequest& request, const FormValues& form) {
  auto start = ParseApiTime(form.Get("start"));
  if (!start.ok()) return BadParam("start", start.status().message());
  auto end = ParseApiTime(form.Get("end"));
  if (!end.ok()) return BadParam("end", end.status().message());
  if (*end < *start) return BadParam("end", "end timestamp must not be before start time");
  auto step = ParseApiDuration(form.Get("step"));
  if (!step.ok()) return BadParam("step", step.status().message());
  if (*step <= 0) {
    return BadParam("step",
                    "zero or negative query resolution step widths are not accepted. Try a "
                    "positive integer");
  }
  // Prometheus' guard against a result no graph can show.
  if ((*end - *start) / *step > settings_.query.max_points_per_series) {
    return ApiError(ErrorType::kBadData,
                    "exceeded maximum resolution of " +
                        std::to_string(settings_.query.max_points_per_series) +
                        " points per timeseries. Try decreasing the query resolution (?step=XX)");
  }
  QueryParams params;
  if (auto error = ParseQueryParams(form, &params)) return *error;
  const promql::ValueType type = params.expr->type();
  if (type != promql::ValueType::kScalar && type != promql::ValueType::kVector) {
    return ApiError(ErrorType::kBadData,
                    "invalid expression type \"" + std::string(promql::ValueTypeName(type)) +
                        "\" for range query, must be Scalar or instant Vector");
  }
  return InSlot(params, [&] {
    ClientWatcher watcher(request.socket_fd);
    params.ctx.cancelled = watcher.flag();
    return QueryResponse(
        query_engine_.Range(*engine_, *params.expr, *start, *end, *step, params.ctx), params.limit);
  });
}

HttpResponse PrometheusApi::Series(const FormValues& form) {
  if (form.All("match[]").empty())
    return ApiError(ErrorType::kBadData, "no match[] parameter provided");
  Selection sel;
  if (auto error = ParseSelection(form, &sel)) return *error;
  std::set<tidemark::Labels> all;
  for (const auto& matchers : sel.sets) {
    // One more than the limit tells whether the result was cut.
    auto series =
        engine_->SeriesLabels(matchers, sel.start, sel.end, sel.limit == 0 ? 0 : sel.limit + 1);
    if (!series.ok()) return StorageError(series.status());
    all.insert(series->begin(), series->end());
  }
  std::vector<std::string> warnings;
  std::string data = "[";
  size_t n = 0;
  for (const auto& labels : all) {
    if (sel.limit != 0 && n == sel.limit) {
      warnings.push_back("results truncated due to limit");
      break;
    }
    if (n++) data.push_back(',');
    AppendJsonLabels(&data, labels);
  }
  data.push_back(']');
  return Success(data, warnings);
}

HttpResponse PrometheusApi::Labels(const FormValues& form) {
  Selection sel;
  if (auto error = ParseSelection(form, &sel)) return *error;
  if (sel.sets.empty()) sel.sets.push_back({});
  std::set<std::string> names;
  for (const auto& matchers : sel.sets) {
    auto got = engine_->LabelNames(matchers, sel.start, sel.end);
    if (!got.ok()) return StorageError(got.status());
    names.insert(got->begin(), got->end());
  }
  return StringListResponse(names, sel.limit);
}

HttpResponse PrometheusApi::LabelValues(const std::string& raw_name, const FormValues& form) {
  auto name = UnescapeLabelName(raw_name);
  if (!name.ok()) return ApiError(ErrorType::kBadData, name.status().message());
  if (name->empty() || !util::IsValidUtf8(*name)) {
    std::string quoted;
    AppendJsonString(&quoted, *name);
    return ApiError(ErrorType::kBadData, "invalid label name: " + quoted);
  }
  Selection sel;
  if (auto error = ParseSelection(form, &sel)) return *error;
  if (sel.sets.empty()) sel.sets.push_back({});
  std::set<std::string> values;
  for (const auto& matchers : sel.sets) {
    auto got = engine_->LabelValues(*name, matchers, sel.start, sel.end);
    if (!got.ok()) return StorageError(got.status());
    values.insert(got->begin(), got->end());
  }
  return StringListResponse(values, sel.limit);
}

HttpResponse PrometheusApi::Metadata(const FormValues& form) {
  // Prometheus: limit and limit_per_metric are integers, negative meaning "no limit".
  auto int_param = [&](const std::string& name, int64_t* out) -> bool {
    const std::string v = form.Get(name);
    *out = -1;
    if (v.empty()) return true;
    char* end = nullptr;
    errno = 0;
    *out = std::strtoll(v.c_str(), &end, 10);
    return errno == 0 && end == v.c_str() + v.size();
  };
  int64_t limit, per_metric;
  if (!int_param("limit", &limit)) return ApiError(ErrorType::kBadData, "limit must be a number");
  if (!int_param("limit_per_metric", &per_metric))
    return ApiError(ErrorType::kBadData, "limit_per_metric must be a number");
  if (limit == 0) return Success("{}");
  // Negative: no limit, which the engine spells 0.
  auto md = engine_->GetMetricMetadata(form.Get("metric"), limit < 0 ? 0 : size_t(limit));
  if (!md.ok()) return StorageError(md.status());
  std::string data = "{";
  bool first = true;
  for (const auto& [name, m] : *md) {
    if (!first) data.push_back(',');
    first = false;
    AppendJsonString(&data, name);
    data += ":[";
    if (per_metric != 0) {
      data += "{\"type\":";
      AppendJsonString(&data, m.type);
      data += ",\"help\":";
      AppendJsonString(&data, m.help);
      data += ",\"unit\":";
      AppendJsonString(&data, m.unit);
      data += "}";
    }
    data += "]";
  }
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::QueryExemplars(const FormValues& form) {
  auto start = TimeParam(form, "start", kMinTimeMs);
  if (!start.ok()) return BadParam("start", start.status().message());
  auto end = TimeParam(form, "end", kMaxTimeMs);
  if (!end.ok()) return BadParam("end", end.status().message());
  if (*end < *start) return BadParam("end", "end timestamp must not be before start timestamp");
  auto expr = promql::ParseExpr(form.Get("query"), ParseOptions());
  if (!expr.ok()) return BadParam("query", expr.status().message());
  std::vector<const promql::VectorSelector*> selectors;
  WalkSelectors(**expr, &selectors);
  std::map<tidemark::Labels, std::vector<Exemplar>> by_series;
  for (const auto* vs : selectors) {
    auto got = engine_->SelectExemplars(vs->matchers, *start, *end);
    if (!got.ok()) return StorageError(got.status());
    for (auto& se : *got) {
      auto& dst = by_series[se.series];
      if (dst.empty()) dst = std::move(se.exemplars);  // two selectors of one series: once
    }
  }
  std::string data = "[";
  bool first = true;
  for (const auto& [series, exemplars] : by_series) {
    if (!first) data.push_back(',');
    first = false;
    data += "{\"seriesLabels\":";
    AppendJsonLabels(&data, series);
    data += ",\"exemplars\":[";
    for (size_t i = 0; i < exemplars.size(); ++i) {
      if (i) data.push_back(',');
      data += "{\"labels\":";
      AppendJsonLabels(&data, exemplars[i].labels);
      data += ",\"value\":";
      AppendJsonSampleValue(&data, exemplars[i].value);
      data += ",\"timestamp\":";
      AppendJsonTimestamp(&data, exemplars[i].timestamp_ms);
      data += "}";
    }
    data += "]}";
  }
  data += "]";
  return Success(data);
}

HttpResponse PrometheusApi::FormatQuery(const FormValues& form) {
  auto expr = promql::ParseExpr(form.Get("query"), ParseOptions());
  if (!expr.ok()) return BadParam("query", expr.status().message());
  std::string data;
  AppendJsonString(&data, promql::PrettyExpr(**expr));
  return Success(data);
}

HttpResponse PrometheusApi::ParseQuery(const FormValues& form) {
  auto expr = promql::ParseExpr(form.Get("query"), ParseOptions());
  if (!expr.ok()) return BadParam("query", expr.status().message());
  std::string data;
  AppendAstJson(&data, **expr);
  return Success(data);
}

HttpResponse PrometheusApi::BuildInfo() {
  // Clients (Grafana) read `version` to decide which Prometheus features to use; tidemark
  // implements Prometheus 3's API, so it reports that, and its own version as the revision.
  std::string data = "{\"version\":\"3.0.0\",\"revision\":\"tidemark-";
  data += kTidemarkVersion;
  data +=
      "\",\"branch\":\"main\",\"buildUser\":\"tidemark\",\"buildDate\":\"\",\"goVersion\":\"\","
      "\"application\":\"tidemark\"}";
  return Success(data);
}

HttpResponse PrometheusApi::RuntimeInfo() {
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  std::string data = "{\"startTime\":";
  AppendJsonString(&data, FormatRfc3339(start_time_));
  data += ",\"CWD\":";
  AppendJsonString(&data, cwd);
  data += ",\"reloadConfigSuccess\":true,\"lastConfigTime\":";
  AppendJsonString(&data, FormatRfc3339(start_time_));
  data += ",\"corruptionCount\":0,\"goroutineCount\":0,\"GOMAXPROCS\":" +
          std::to_string(std::max(1u, std::thread::hardware_concurrency())) +
          ",\"GOMEMLIMIT\":0,\"GOGC\":\"\",\"GODEBUG\":\"\",\"storageRetention\":";
  AppendJsonString(&data, settings_.storage_retention);
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::Flags() {
  std::string data = "{";
  bool first = true;
  for (const auto& [k, v] : settings_.flags) {
    if (!first) data.push_back(',');
    first = false;
    AppendJsonString(&data, k);
    data.push_back(':');
    AppendJsonString(&data, v);
  }
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::Config() {
  std::string data = "{\"yaml\":";
  AppendJsonString(&data, settings_.config_yaml);
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::TsdbStatus(const FormValues& form) {
  size_t limit = 10;
  if (form.Has("limit")) {
    auto l = LimitParam(form);
    if (!l.ok() || *l == 0) return ApiError(ErrorType::kBadData, "limit must be a positive number");
    limit = *l;
  }
  auto hs = engine_->HeadStats(limit);
  if (!hs.ok()) return StorageError(hs.status());
  auto list = [](std::string* out, const std::vector<std::pair<std::string, uint64_t>>& items) {
    out->push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out->push_back(',');
      *out += "{\"name\":";
      AppendJsonString(out, items[i].first);
      *out += ",\"value\":" + std::to_string(items[i].second) + "}";
    }
    out->push_back(']');
  };
  std::string data = "{\"headStats\":{\"numSeries\":" + std::to_string(hs->num_series) +
                     ",\"numLabelPairs\":" + std::to_string(hs->num_label_pairs) +
                     ",\"chunkCount\":" + std::to_string(hs->chunk_count) +
                     ",\"minTime\":" + std::to_string(hs->min_time_ms) +
                     ",\"maxTime\":" + std::to_string(hs->max_time_ms) +
                     "},\"seriesCountByMetricName\":";
  list(&data, hs->series_count_by_metric_name);
  data += ",\"labelValueCountByLabelName\":";
  list(&data, hs->label_value_count_by_label_name);
  data += ",\"memoryInBytesByLabelName\":";
  list(&data, hs->memory_in_bytes_by_label_name);
  data += ",\"seriesCountByLabelValuePair\":";
  list(&data, hs->series_count_by_label_value_pair);
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::DeleteSeries(const HttpRequest&, const FormValues& form) {
  if (form.All("match[]").empty())
    return ApiError(ErrorType::kBadData, "no match[] parameter provided");
  Selection sel;
  if (auto error = ParseSelection(form, &sel)) return *error;
  for (const auto& matchers : sel.sets) {
    auto deleted = engine_->DeleteSeries(matchers, sel.start, sel.end);
    if (!deleted.ok()) return StorageError(deleted.status());
  }
  HttpResponse r;
  r.status = 204;
  r.content_type = "application/json";
  return r;
}

}  // namespace tidemark::server
