// Jaeger's query API: v1 (Jaeger's JSON model in its {data,total,limit,offset,errors} envelope)
// and v3 (OTLP-shaped JSON, {"result":...}). Spans become Jaeger spans as Jaeger's own OTLP
// translator makes them: span kind, status, scope and trace state as tags, events as logs,
// parent and links as references, the resource as the process.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "ingest/otlp_common.h"
#include "ingest/otlp_traces_out.h"
#include "query/jaeger_search.h"
#include "server/api_response.h"
#include "server/trace_api.h"
#include "util/base64.h"
#include "util/duration.h"
#include "util/json_string.h"

namespace tidemark::server {
namespace {

using util::AppendJsonString;

constexpr uint64_t kMicro = 1000;
constexpr uint64_t kMilli = 1000 * 1000;

// {"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"..."}]}
HttpResponse JaegerError(int status, const std::string& message) {
  std::string body = "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":";
  body += std::to_string(status);
  body += ",\"msg\":";
  AppendJsonString(&body, message);
  body += "}]}";
  return Json(status, std::move(body));
}

HttpResponse JaegerEnvelope(const std::string& data, size_t total,
                            const std::vector<std::string>& warnings = {}) {
  std::string body = "{\"data\":";
  body += data;
  body += ",\"total\":";
  body += std::to_string(total);
  body += ",\"limit\":0,\"offset\":0,\"errors\":";
  if (warnings.empty()) {
    body += "null";
  } else {
    // Jaeger has no warnings field: partial answers say so as errors next to the data.
    body += '[';
    for (size_t i = 0; i < warnings.size(); ++i) {
      if (i > 0) body += ',';
      body += "{\"code\":206,\"msg\":";
      AppendJsonString(&body, warnings[i]);
      body += '}';
    }
    body += ']';
  }
  body += '}';
  return Json(200, std::move(body));
}

std::string StringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(&out, items[i]);
  }
  out += ']';
  return out;
}

// Jaeger prints a 128-bit id as 32 hex digits, or 16 when the high half is zero.
std::string JaegerTraceId(std::string_view id) {
  const std::string hex = ingest::ToHex(id);
  if (hex.size() == 32 && hex.compare(0, 16, "0000000000000000") == 0) return hex.substr(16);
  return hex;
}

void AppendTag(std::string* out, std::string_view key, const AnyValue& v) {
  *out += "{\"key\":";
  AppendJsonString(out, key);
  *out += ",\"type\":\"";
  switch (v.type) {
    case AnyValue::Type::kBool:
      *out += "bool\",\"value\":";
      *out += v.bool_value ? "true" : "false";
      break;
    case AnyValue::Type::kInt:
      *out += "int64\",\"value\":";
      *out += std::to_string(v.int_value);
      break;
    case AnyValue::Type::kDouble:
      if (v.double_value != v.double_value || v.double_value > 1.7976931348623157e308 ||
          v.double_value < -1.7976931348623157e308) {
        *out += "string\",\"value\":";  // JSON has no NaN or infinities
        AppendJsonString(out, query::JaegerValueString(v));
      } else {
        *out += "float64\",\"value\":";
        *out += query::JaegerValueString(v);
      }
      break;
    case AnyValue::Type::kBytes:
      *out += "binary\",\"value\":";
      AppendJsonString(out, util::Base64(v.string_value));
      break;
    default:
      *out += "string\",\"value\":";
      AppendJsonString(out, query::JaegerValueString(v));
  }
  *out += '}';
}

void AppendStringTag(std::string* out, std::string_view key, std::string_view value) {
  AppendTag(out, key, AnyValue::String(std::string(value)));
}

// The span's tags: its attributes, then what the translator derives from its fields.
void AppendSpanTags(std::string* out, const Span& s) {
  *out += '[';
  bool first = true;
  auto sep = [&] {
    if (!first) *out += ',';
    first = false;
  };
  for (const KeyValue& kv : s.attributes) {
    sep();
    AppendTag(out, kv.key, kv.value);
  }
  if (!s.Scope().name.empty()) {
    sep();
    AppendStringTag(out, "otel.scope.name", s.Scope().name);
  }
  if (!s.Scope().version.empty()) {
    sep();
    AppendStringTag(out, "otel.scope.version", s.Scope().version);
  }
  if (s.kind != SpanKind::kUnspecified) {
    sep();
    AppendStringTag(out, "span.kind", query::JaegerKindName(s.kind));
  }
  if (s.status_code != SpanStatusCode::kUnset) {
    sep();
    AppendStringTag(out, "otel.status_code", s.status_code == SpanStatusCode::kOk ? "OK" : "ERROR");
  }
  if (s.status_code == SpanStatusCode::kError) {
    sep();
    AppendTag(out, "error", AnyValue::Bool(true));
  }
  if (!s.status_message.empty()) {
    sep();
    AppendStringTag(out, "otel.status_description", s.status_message);
  }
  if (!s.trace_state.empty()) {
    sep();
    AppendStringTag(out, "w3c.tracestate", s.trace_state);
  }
  *out += ']';
}

void AppendReference(std::string* out, std::string_view type, std::string_view trace_id,
                     std::string_view span_id) {
  *out += "{\"refType\":\"";
  *out += type;
  *out += "\",\"traceID\":\"";
  *out += JaegerTraceId(trace_id);
  *out += "\",\"spanID\":\"";
  *out += ingest::ToHex(span_id);
  *out += "\"}";
}

// Processes of a trace: one per distinct resource, p1, p2, ... in order of appearance.
struct Processes {
  std::vector<const Span*> resources;
  std::string IdOf(const Span& s) {
    for (size_t i = 0; i < resources.size(); ++i) {
      if (resources[i]->Resource().attributes == s.Resource().attributes) {
        return "p" + std::to_string(i + 1);
      }
    }
    resources.push_back(&s);
    return "p" + std::to_string(resources.size());
  }
};

void AppendJaegerSpan(std::string* out, const Span& s, Processes* processes) {
  *out += "{\"traceID\":\"";
  *out += JaegerTraceId(s.trace_id);
  *out += "\",\"spanID\":\"";
  *out += ingest::ToHex(s.span_id);
  *out += "\",\"operationName\":";
  AppendJsonString(out, s.name);
  *out += ",\"references\":[";
  bool first = true;
  if (!s.parent_span_id.empty()) {
    AppendReference(out, "CHILD_OF", s.trace_id, s.parent_span_id);
    first = false;
  }
  for (const SpanLink& link : s.links) {
    std::string_view type = "FOLLOWS_FROM";
    for (const KeyValue& kv : link.attributes) {
      if (kv.key == "opentracing.ref_type" && kv.value.type == AnyValue::Type::kString &&
          kv.value.string_value == "child_of") {
        type = "CHILD_OF";
      }
    }
    if (!first) *out += ',';
    first = false;
    AppendReference(out, type, link.trace_id, link.span_id);
  }
  *out += "],\"flags\":";
  *out += std::to_string(s.flags & 0xff);
  *out += ",\"startTime\":";
  *out += std::to_string(s.start_time_unix_nano / kMicro);
  *out += ",\"duration\":";
  *out += std::to_string((s.end_time_unix_nano - s.start_time_unix_nano) / kMicro);
  *out += ",\"tags\":";
  AppendSpanTags(out, s);
  *out += ",\"logs\":[";
  for (size_t i = 0; i < s.events.size(); ++i) {
    const SpanEvent& e = s.events[i];
    if (i > 0) *out += ',';
    *out += "{\"timestamp\":";
    *out += std::to_string(e.time_unix_nano / kMicro);
    *out += ",\"fields\":[";
    bool first_field = true;
    if (!e.name.empty()) {
      AppendStringTag(out, "event", e.name);
      first_field = false;
    }
    for (const KeyValue& kv : e.attributes) {
      if (!first_field) *out += ',';
      first_field = false;
      AppendTag(out, kv.key, kv.value);
    }
    *out += "]}";
  }
  *out += "],\"processID\":\"";
  *out += processes->IdOf(s);
  *out += "\",\"warnings\":null}";
}

void AppendJaegerTrace(std::string* out, const std::vector<Span>& spans) {
  Processes processes;
  *out += "{\"traceID\":\"";
  *out += spans.empty() ? std::string() : JaegerTraceId(spans.front().trace_id);
  *out += "\",\"spans\":[";
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i > 0) *out += ',';
    AppendJaegerSpan(out, spans[i], &processes);
  }
  *out += "],\"processes\":{";
  for (size_t i = 0; i < processes.resources.size(); ++i) {
    const Span& r = *processes.resources[i];
    if (i > 0) *out += ',';
    *out += "\"p" + std::to_string(i + 1) + "\":{\"serviceName\":";
    const std::string_view service = r.ServiceName();
    AppendJsonString(out, service.empty() ? "OTLPResourceNoServiceName" : service);
    *out += ",\"tags\":[";
    bool first = true;
    for (const KeyValue& kv : r.Resource().attributes) {
      if (kv.key == "service.name") continue;
      if (!first) *out += ',';
      first = false;
      AppendTag(out, kv.key, kv.value);
    }
    *out += "]}";
  }
  *out += "},\"warnings\":null}";
}

// Unix time in `unit` nanoseconds; absent: `fallback`.
Result<uint64_t> ParseGoDurationNanos(const FormValues& form, const std::string& name) {
  const std::string v = form.Get(name);
  if (v.empty()) return uint64_t{0};
  auto d = util::ParseGoDurationNanos(v);
  if (!d.ok()) {
    return Status::InvalidArgument("unable to parse param '" + name + "': " + d.status().message());
  }
  if (*d < 0) return Status::InvalidArgument("param '" + name + "' must not be negative");
  return static_cast<uint64_t>(*d);
}

// Jaeger's `tag=k:v` (repeated) and `tags={"k":"v"}` parameters.
Status ParseTags(const FormValues& form, std::vector<std::pair<std::string, std::string>>* out) {
  for (const std::string& tag : form.All("tag")) {
    const size_t colon = tag.find(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument("malformed 'tag' parameter, expecting key:value, received: " +
                                     tag);
    }
    out->emplace_back(tag.substr(0, colon), tag.substr(colon + 1));
  }
  for (const std::string& json : form.All("tags")) {
    auto tags = ParseJsonStringMap(json);
    if (!tags.ok()) {
      return Status::InvalidArgument("malformed 'tags' parameter, cannot unmarshal JSON: " +
                                     tags.status().message());
    }
    for (auto& kv : *tags) out->push_back(std::move(kv));
  }
  return Status::OK();
}

}  // namespace

HttpResponse TraceApi::JaegerServices(const FormValues&) {
  auto services = engine_->SpanTagValues(TagScope::kResource, "service.name", 0, UINT64_MAX,
                                         static_cast<uint32_t>(config_.max_traces * 20));
  if (!services.ok())
    return JaegerError(ReadErrorHttpStatus(services.status()), services.status().message());
  std::sort(services->begin(), services->end());
  return JaegerEnvelope(StringArray(*services), services->size());
}

HttpResponse TraceApi::JaegerServiceOperations(const std::string& raw_service, const FormValues&) {
  auto service = DecodePathSegment(raw_service);
  if (!service.ok()) return JaegerError(400, service.status().message());
  Slot slot(this, Deadline().deadline);
  if (!slot.acquired()) return JaegerError(503, "too many trace queries at once; retry later");
  std::vector<std::string> warnings;
  auto ops = query::JaegerOperations(*engine_, *service, 0, UINT64_MAX, config_.max_spans_inspected,
                                     Deadline(), &warnings);
  if (!ops.ok()) return JaegerError(ReadErrorHttpStatus(ops.status()), ops.status().message());
  std::vector<std::string> names;
  for (const auto& op : *ops) {
    if (names.empty() || names.back() != op.name) names.push_back(op.name);
  }
  return JaegerEnvelope(StringArray(names), names.size(), warnings);
}

HttpResponse TraceApi::JaegerOperations(const FormValues& form) {
  const std::string service = form.Get("service");
  if (service.empty()) return JaegerError(400, "parameter 'service' is required");
  const std::string kind = form.Get("spanKind");
  Slot slot(this, Deadline().deadline);
  if (!slot.acquired()) return JaegerError(503, "too many trace queries at once; retry later");
  std::vector<std::string> warnings;
  auto ops = query::JaegerOperations(*engine_, service, 0, UINT64_MAX, config_.max_spans_inspected,
                                     Deadline(), &warnings);
  if (!ops.ok()) return JaegerError(ReadErrorHttpStatus(ops.status()), ops.status().message());
  std::string data = "[";
  size_t n = 0;
  for (const auto& op : *ops) {
    const std::string_view op_kind = query::JaegerKindName(op.kind);
    if (!kind.empty() && op_kind != kind) continue;
    if (n++ > 0) data += ',';
    data += "{\"name\":";
    AppendJsonString(&data, op.name);
    data += ",\"spanKind\":";
    AppendJsonString(&data, op_kind);
    data += '}';
  }
  data += ']';
  return JaegerEnvelope(data, n, warnings);
}

HttpResponse TraceApi::JaegerTrace(const std::string& raw_id) {
  auto id = ParseTraceId(raw_id);
  if (!id.ok()) return JaegerError(400, id.status().message());
  auto trace = engine_->GetTrace(*id);
  if (trace.status().code() == StatusCode::kNotFound) return JaegerError(404, "trace not found");
  if (!trace.ok())
    return JaegerError(ReadErrorHttpStatus(trace.status()), trace.status().message());
  std::string data = "[";
  AppendJaegerTrace(&data, *trace);
  data += ']';
  return JaegerEnvelope(data, 1);
}

HttpResponse TraceApi::JaegerTraces(const FormValues& form) {
  // Trace ids given: those traces, as Jaeger does (the search parameters are ignored).
  const std::vector<std::string> ids = form.All("traceID");
  if (!ids.empty()) {
    std::string data = "[";
    size_t n = 0;
    for (const std::string& raw : ids) {
      auto id = ParseTraceId(raw);
      if (!id.ok()) return JaegerError(400, "cannot parse traceID param: " + id.status().message());
      auto trace = engine_->GetTrace(*id);
      if (trace.status().code() == StatusCode::kNotFound) continue;
      if (!trace.ok())
        return JaegerError(ReadErrorHttpStatus(trace.status()), trace.status().message());
      if (n++ > 0) data += ',';
      AppendJaegerTrace(&data, *trace);
    }
    data += ']';
    return JaegerEnvelope(data, n);
  }
  query::JaegerTraceQuery q;
  q.service = form.Get("service");
  if (q.service.empty()) return JaegerError(400, "parameter 'service' is required");
  q.operation = form.Get("operation");
  const uint64_t now = NowNanos();
  auto end = ParseUnixTimeParam(form, "end", kMicro, now);
  if (!end.ok()) return JaegerError(400, end.status().message());
  const uint64_t default_range = static_cast<uint64_t>(config_.default_range_ms) * kMilli;
  auto start =
      ParseUnixTimeParam(form, "start", kMicro, *end > default_range ? *end - default_range : 0);
  if (!start.ok()) return JaegerError(400, start.status().message());
  if (*start > *end) return JaegerError(400, "'start' must not be after 'end'");
  if (*end - *start > static_cast<uint64_t>(config_.max_range_ms) * kMilli) {
    return JaegerError(400, "the time range [start, end] is longer than trace_query.max_range (" +
                                util::FormatDuration(config_.max_range_ms) + ")");
  }
  q.start_unix_nano = *start;
  q.end_unix_nano = *end;
  auto min = ParseGoDurationNanos(form, "minDuration");
  if (!min.ok()) return JaegerError(400, min.status().message());
  auto max = ParseGoDurationNanos(form, "maxDuration");
  if (!max.ok()) return JaegerError(400, max.status().message());
  if (*min != 0 && *max != 0 && *max < *min) {
    return JaegerError(400, "'maxDuration' should be greater than 'minDuration'");
  }
  q.min_duration_nano = *min;
  q.max_duration_nano = *max;
  if (Status s = ParseTags(form, &q.tags); !s.ok()) return JaegerError(400, s.message());
  auto limit = CountParam(form, "limit", 100, config_.max_traces, "trace_query.max_traces");
  if (!limit.ok()) return JaegerError(400, limit.status().message());
  q.limit = *limit;  // 100 by default, as Jaeger's
  q.max_spans_inspected = config_.max_spans_inspected;
  const ReadOptions options = Deadline();
  Slot slot(this, options.deadline);
  if (!slot.acquired()) return JaegerError(503, "too many trace queries at once; retry later");
  auto found = query::FindJaegerTraces(*engine_, q, options);
  if (!found.ok())
    return JaegerError(ReadErrorHttpStatus(found.status()), found.status().message());
  std::vector<std::string> warnings = found->warnings;
  if (found->stopped_at_limit) {
    warnings.push_back("search stopped after inspecting trace_query.max_spans_inspected (" +
                       std::to_string(config_.max_spans_inspected) +
                       ") spans: older traces may match too");
  }
  std::string data = "[";
  for (size_t i = 0; i < found->traces.size(); ++i) {
    if (i > 0) data += ',';
    AppendJaegerTrace(&data, found->traces[i]);
  }
  data += ']';
  return JaegerEnvelope(data, found->traces.size(), warnings);
}

HttpResponse TraceApi::JaegerDependencies(const FormValues& form) {
  const uint64_t now = NowNanos();
  auto end = ParseUnixTimeParam(form, "endTs", kMilli, now);
  if (!end.ok()) return JaegerError(400, end.status().message());
  uint64_t lookback = 24 * 3600 * 1000 * kMilli;  // Jaeger's default
  if (const std::string v = form.Get("lookback"); !v.empty()) {
    auto ms = ParseUnixTimeParam(form, "lookback", kMilli, 0);
    if (!ms.ok()) return JaegerError(400, ms.status().message());
    lookback = *ms;
  }
  if (lookback > static_cast<uint64_t>(config_.max_range_ms) * kMilli) {
    return JaegerError(400, "'lookback' is longer than trace_query.max_range (" +
                                util::FormatDuration(config_.max_range_ms) + ")");
  }
  const ReadOptions options = Deadline();
  Slot slot(this, options.deadline);
  if (!slot.acquired()) return JaegerError(503, "too many trace queries at once; retry later");
  std::vector<std::string> warnings;
  auto calls = query::JaegerDependencies(*engine_, *end > lookback ? *end - lookback : 0, *end,
                                         config_.max_spans_inspected, options, &warnings);
  if (!calls.ok())
    return JaegerError(ReadErrorHttpStatus(calls.status()), calls.status().message());
  std::string data = "[";
  for (size_t i = 0; i < calls->size(); ++i) {
    const auto& c = (*calls)[i];
    if (i > 0) data += ',';
    data += "{\"parent\":";
    AppendJsonString(&data, c.parent);
    data += ",\"child\":";
    AppendJsonString(&data, c.child);
    data += ",\"callCount\":" + std::to_string(c.call_count) + "}";
  }
  data += ']';
  return JaegerEnvelope(data, calls->size(), warnings);
}

// --- v3 ---

namespace {

// {"error":{"httpCode":400,"message":"..."}}, as Jaeger's grpc-gateway writes errors.
HttpResponse V3Error(int status, const std::string& message) {
  std::string body = "{\"error\":{\"httpCode\":" + std::to_string(status) + ",\"message\":";
  AppendJsonString(&body, message);
  body += "}}";
  return Json(status, std::move(body));
}

// RFC 3339 with optional fractional seconds and a zone (Z or ±hh:mm), as Go's time.RFC3339Nano.
Result<uint64_t> ParseRfc3339(const std::string& name, const std::string& v) {
  int y, mo, d, h, mi, s, n = 0;
  if (std::sscanf(v.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
      n != 19) {
    return Status::InvalidArgument("malformed parameter " + name + ": \"" + v +
                                   "\" is not an RFC 3339 time");
  }
  size_t i = 19;
  uint64_t frac = 0;
  if (i < v.size() && v[i] == '.') {
    uint64_t scale = 100'000'000;
    for (++i; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) {
      frac += static_cast<uint64_t>(v[i] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset = 0;
  if (i < v.size() && v[i] == 'Z') {
    ++i;
  } else if (i + 6 == v.size() && (v[i] == '+' || v[i] == '-') && v[i + 3] == ':') {
    const int oh = std::atoi(v.substr(i + 1, 2).c_str()),
              om = std::atoi(v.substr(i + 4, 2).c_str());
    offset = (v[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    i += 6;
  }
  if (i != v.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return Status::InvalidArgument("malformed parameter " + name + ": \"" + v +
                                   "\" is not an RFC 3339 time");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset;
  if (secs < 0) return uint64_t{0};
  return static_cast<uint64_t>(secs) * 1'000'000'000ULL + frac;
}

// {"result":{"resourceSpans":[...]}}
HttpResponse V3Traces(const std::vector<Span>& spans) {
  std::string body = "{\"result\":";
  body += ingest::SpansToOtlpJson(spans);
  body += '}';
  return Json(200, std::move(body));
}

}  // namespace

HttpResponse TraceApi::JaegerV3Services() {
  auto services = engine_->SpanTagValues(TagScope::kResource, "service.name", 0, UINT64_MAX,
                                         static_cast<uint32_t>(config_.max_traces * 20));
  if (!services.ok())
    return V3Error(ReadErrorHttpStatus(services.status()), services.status().message());
  std::sort(services->begin(), services->end());
  return Json(200, "{\"services\":" + StringArray(*services) + "}");
}

HttpResponse TraceApi::JaegerV3Operations(const FormValues& form) {
  const std::string service = form.Get("service");
  if (service.empty()) return V3Error(400, "parameter service is required");
  const std::string kind = form.Get("span_kind");
  const ReadOptions options = Deadline();
  Slot slot(this, options.deadline);
  if (!slot.acquired()) return V3Error(503, "too many trace queries at once; retry later");
  std::vector<std::string> warnings;
  auto ops = query::JaegerOperations(*engine_, service, 0, UINT64_MAX, config_.max_spans_inspected,
                                     options, &warnings);
  if (!ops.ok()) return V3Error(ReadErrorHttpStatus(ops.status()), ops.status().message());
  std::string body = "{\"operations\":[";
  size_t n = 0;
  for (const auto& op : *ops) {
    const std::string_view op_kind = query::JaegerKindName(op.kind);
    if (!kind.empty() && op_kind != kind) continue;
    if (n++ > 0) body += ',';
    body += "{\"name\":";
    AppendJsonString(&body, op.name);
    body += ",\"spanKind\":";
    AppendJsonString(&body, op_kind);
    body += '}';
  }
  body += ']';
  // Jaeger's v3 answer has no place for them: partial answers say so in an extra field.
  if (!warnings.empty()) body += ",\"warnings\":" + StringArray(warnings);
  body += '}';
  return Json(200, std::move(body));
}

HttpResponse TraceApi::JaegerV3Trace(const std::string& raw_id, const FormValues& form) {
  auto id = ParseTraceId(raw_id);
  if (!id.ok()) return V3Error(400, "malformed parameter trace_id: " + id.status().message());
  uint64_t start = 0, end = UINT64_MAX;
  if (const std::string v = form.Get("start_time"); !v.empty()) {
    auto t = ParseRfc3339("start_time", v);
    if (!t.ok()) return V3Error(400, t.status().message());
    start = *t;
  }
  if (const std::string v = form.Get("end_time"); !v.empty()) {
    auto t = ParseRfc3339("end_time", v);
    if (!t.ok()) return V3Error(400, t.status().message());
    end = *t;
  }
  auto trace = engine_->GetTrace(*id, start, end);
  if (trace.status().code() == StatusCode::kNotFound) return V3Error(404, "trace not found");
  if (!trace.ok()) return V3Error(ReadErrorHttpStatus(trace.status()), trace.status().message());
  return V3Traces(*trace);
}

HttpResponse TraceApi::JaegerV3Traces(const FormValues& form) {
  query::JaegerTraceQuery q;
  q.service = form.Get("query.service_name");
  q.operation = form.Get("query.operation_name");
  const std::string min_time = form.Get("query.start_time_min");
  const std::string max_time = form.Get("query.start_time_max");
  if (min_time.empty() || max_time.empty()) {
    return V3Error(400, "query.start_time_min and query.start_time_max are required");
  }
  auto start = ParseRfc3339("query.start_time_min", min_time);
  if (!start.ok()) return V3Error(400, start.status().message());
  auto end = ParseRfc3339("query.start_time_max", max_time);
  if (!end.ok()) return V3Error(400, end.status().message());
  if (*start > *end) return V3Error(400, "query.start_time_min is after query.start_time_max");
  if (*end - *start > static_cast<uint64_t>(config_.max_range_ms) * kMilli) {
    return V3Error(400, "the time range is longer than trace_query.max_range (" +
                            util::FormatDuration(config_.max_range_ms) + ")");
  }
  q.start_unix_nano = *start;
  q.end_unix_nano = *end;
  for (const char* name : {"query.duration_min", "query.duration_max"}) {
    auto d = ParseGoDurationNanos(form, name);
    if (!d.ok())
      return V3Error(400, "malformed parameter " + std::string(name) + ": " + d.status().message());
    (std::string_view(name) == "query.duration_min" ? q.min_duration_nano : q.max_duration_nano) =
        *d;
  }
  if (q.min_duration_nano != 0 && q.max_duration_nano != 0 &&
      q.max_duration_nano < q.min_duration_nano) {
    return V3Error(400, "query.duration_max is less than query.duration_min");
  }
  // query.attributes: a JSON object of string values (as the v3 UI sends tags).
  if (const std::string attrs = form.Get("query.attributes"); !attrs.empty()) {
    auto tags = ParseJsonStringMap(attrs);
    if (!tags.ok()) {
      return V3Error(400, "malformed parameter query.attributes: " + tags.status().message());
    }
    q.tags = std::move(tags).value();
  }
  q.limit = 20;
  for (const char* name : {"query.num_traces", "query.search_depth"}) {
    auto n = CountParam(form, name, q.limit, config_.max_traces, "trace_query.max_traces");
    if (!n.ok())
      return V3Error(400, "malformed parameter " + std::string(name) + ": " + n.status().message());
    q.limit = *n;
  }
  q.max_spans_inspected = config_.max_spans_inspected;
  const ReadOptions options = Deadline();
  Slot slot(this, options.deadline);
  if (!slot.acquired()) return V3Error(503, "too many trace queries at once; retry later");
  auto found = query::FindJaegerTraces(*engine_, q, options);
  if (!found.ok()) return V3Error(ReadErrorHttpStatus(found.status()), found.status().message());
  std::vector<Span> spans;
  for (auto& trace : found->traces) {
    for (Span& s : trace) spans.push_back(std::move(s));
  }
  return V3Traces(spans);
}

}  // namespace tidemark::server
