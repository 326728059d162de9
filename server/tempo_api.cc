// Tempo's HTTP API: trace by id (v1 and v2, JSON or protobuf), search (TraceQL, or tags in logfmt
// turned into TraceQL), tag names and typed tag values, echo and build information. Response
// shapes are Tempo's, which Grafana's Tempo data source reads; ids in JSON bodies of traces are
// base64, as Tempo's protobuf JSON mapping writes them.
#include <algorithm>
#include <set>

#include "ingest/otlp_common.h"
#include "ingest/otlp_traces_out.h"
#include "query/trace_tags.h"
#include "server/api_response.h"
#include "server/trace_api.h"
#include "tidemark/traceql.h"
#include "tidemark/version.h"
#include "util/duration.h"
#include "util/json_string.h"
#include "util/status_macros.h"

namespace tidemark::server {
namespace {

using util::AppendJsonString;

constexpr uint64_t kSecond = 1'000'000'000ULL;

HttpResponse Text(int status, std::string message) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(message);
  r.body += '\n';
  return r;
}

HttpResponse JsonResponse(std::string body) {
  HttpResponse r;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse Error(const Status& s) { return Text(ReadErrorHttpStatus(s), s.message()); }

// A TraceQL string literal.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// RE2 syntax escaping, so a tag value is matched literally.
std::string RegexLiteral(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// Tempo's tag search (`tags=` logfmt, minDuration, maxDuration) as the TraceQL query it means: each
// tag's value a case-insensitive substring of the attribute (span or resource), durations bounding
// the trace's. `error=true` means error status, `name` the span name, `status.code` the status.
Result<std::string> TagSearchQuery(const FormValues& form) {
  std::vector<std::string> terms;
  const std::string logfmt = form.Get("tags");
  size_t i = 0;
  while (i < logfmt.size()) {
    while (i < logfmt.size() && logfmt[i] == ' ') ++i;
    if (i >= logfmt.size()) break;
    const size_t eq = logfmt.find('=', i);
    const size_t space = logfmt.find(' ', i);
    if (eq == std::string::npos || (space != std::string::npos && space < eq)) {
      return Status::InvalidArgument("invalid tags: \"" + logfmt +
                                     "\": expected key=value pairs separated by spaces");
    }
    const std::string key = logfmt.substr(i, eq - i);
    std::string value;
    i = eq + 1;
    if (i < logfmt.size() && logfmt[i] == '"') {
      ++i;
      for (; i < logfmt.size() && logfmt[i] != '"'; ++i) {
        if (logfmt[i] == '\\' && i + 1 < logfmt.size()) ++i;
        value += logfmt[i];
      }
      if (i >= logfmt.size()) return Status::InvalidArgument("invalid tags: unterminated quote");
      ++i;
    } else {
      const size_t stop = logfmt.find(' ', i);
      value = logfmt.substr(i, stop == std::string::npos ? std::string::npos : stop - i);
      i = stop == std::string::npos ? logfmt.size() : stop;
    }
    if (key.empty()) return Status::InvalidArgument("invalid tags: a key is empty");
    if (key == "error" && value == "true") {
      terms.push_back("status = error");
    } else if (key == "status.code") {
      terms.push_back("status = " + value);
    } else {
      const std::string attribute = key == "name" ? "name" : "." + Quote(key);
      terms.push_back(attribute + " =~ " + Quote("(?i).*" + RegexLiteral(value) + ".*"));
    }
  }
  for (const char* name : {"minDuration", "maxDuration"}) {
    const std::string v = form.Get(name);
    if (v.empty()) continue;
    auto ns = util::ParseGoDurationNanos(v);
    if (!ns.ok())
      return Status::InvalidArgument("invalid " + std::string(name) + ": " + ns.status().message());
    terms.push_back(std::string("traceDuration ") +
                    (std::string_view(name) == "minDuration" ? ">= " : "<= ") +
                    std::to_string(*ns) + "ns");
  }
  std::string q = "{ ";
  for (size_t t = 0; t < terms.size(); ++t) {
    if (t > 0) q += " && ";
    q += terms[t];
  }
  q += terms.empty() ? "}" : " }";
  return q;
}

std::string TypeName(AnyValue::Type t) {
  switch (t) {
    case AnyValue::Type::kInt:
      return "int";
    case AnyValue::Type::kDouble:
      return "float";
    case AnyValue::Type::kBool:
      return "bool";
    default:
      return "string";
  }
}

void AppendAttributes(std::string* out, const std::vector<KeyValue>& kvs) {
  *out += '[';
  for (size_t i = 0; i < kvs.size(); ++i) {
    if (i > 0) *out += ',';
    *out += "{\"key\":";
    AppendJsonString(out, kvs[i].key);
    *out += ",\"value\":";
    ingest::AppendOtlpJsonValue(kvs[i].value, out);
    *out += '}';
  }
  *out += ']';
}

void AppendSpanset(std::string* out, const TraceQLSpanset& set) {
  *out += "{\"spans\":[";
  for (size_t i = 0; i < set.spans.size(); ++i) {
    const TraceQLSpan& s = set.spans[i];
    if (i > 0) *out += ',';
    *out += "{\"spanID\":\"" + s.span_id + "\",\"name\":";
    AppendJsonString(out, s.name);
    *out += ",\"startTimeUnixNano\":\"" + std::to_string(s.start_time_unix_nano) +
            "\",\"durationNanos\":\"" + std::to_string(s.duration_nano) + "\"";
    if (!s.attributes.empty()) {
      *out += ",\"attributes\":";
      AppendAttributes(out, s.attributes);
    }
    *out += '}';
  }
  *out += "],\"matched\":" + std::to_string(set.matched);
  if (!set.attributes.empty()) {
    *out += ",\"attributes\":";
    AppendAttributes(out, set.attributes);
  }
  *out += '}';
}

// Tempo's v2 tag names: the intrinsics TraceQL knows.
const std::vector<std::string>& IntrinsicNames() {
  static const std::vector<std::string> names = {"duration",
                                                 "event:name",
                                                 "event:timeSinceStart",
                                                 "instrumentation:name",
                                                 "instrumentation:version",
                                                 "kind",
                                                 "link:spanID",
                                                 "link:traceID",
                                                 "name",
                                                 "rootName",
                                                 "rootServiceName",
                                                 "span:duration",
                                                 "span:id",
                                                 "span:kind",
                                                 "span:name",
                                                 "span:parentID",
                                                 "span:status",
                                                 "span:statusMessage",
                                                 "status",
                                                 "statusMessage",
                                                 "trace:duration",
                                                 "trace:id",
                                                 "trace:rootName",
                                                 "trace:rootService",
                                                 "traceDuration"};
  return names;
}

}  // namespace

HttpResponse TraceApi::TempoTrace(const HttpRequest& request, const std::string& raw_id,
                                  const FormValues& form, bool v2) {
  auto id = ParseTraceId(raw_id);
  if (!id.ok()) return Text(400, "invalid trace id: " + id.status().message());
  auto start = ParseUnixTimeParam(form, "start", kSecond, 0);
  if (!start.ok()) return Error(start.status());
  auto end = ParseUnixTimeParam(form, "end", kSecond, 0);
  if (!end.ok()) return Error(end.status());
  const uint64_t end_ns = *end == 0 ? UINT64_MAX : *end + kSecond - 1;  // the whole last second
  if (*start > end_ns) return Text(400, "invalid start: after end");
  if (const std::string q = form.Get("q"); v2 && !q.empty() && q != "{}" && q != "{ }") {
    return Text(400, "q on trace by id is not supported yet: the whole trace is returned without");
  }
  auto trace = engine_->GetTrace(*id, *start, end_ns);
  if (trace.status().code() == StatusCode::kNotFound) return Text(404, "trace not found");
  if (!trace.ok()) return Error(trace.status());
  const std::string accept = request.Header("accept");
  if (accept.find("application/protobuf") != std::string::npos) {
    HttpResponse r;
    r.content_type = "application/protobuf";
    const std::string trace_bytes = ingest::SpansToOtlp(*trace).SerializeAsString();
    if (!v2) {
      r.body = trace_bytes;  // tempopb.Trace: field 1 holds the batches, as TracesData's
    } else {
      // tempopb.TraceByIDResponse: field 1 (trace) holds the Trace message.
      r.body.push_back('\x0a');
      for (uint64_t n = trace_bytes.size();; n >>= 7) {
        r.body.push_back(static_cast<char>(n < 0x80 ? n : (n & 0x7f) | 0x80));
        if (n < 0x80) break;
      }
      r.body += trace_bytes;
    }
    return r;
  }
  if (!v2)
    return JsonResponse(ingest::SpansToOtlpJson(*trace, "batches", ingest::JsonIds::kBase64));
  std::string body = "{\"trace\":";
  body += ingest::SpansToOtlpJson(*trace, "resourceSpans", ingest::JsonIds::kBase64);
  body += ",\"metrics\":{}}";
  return JsonResponse(std::move(body));
}

HttpResponse TraceApi::TempoSearch(const FormValues& form) {
  TraceQLSearchRequest request;
  request.query = form.Get("q");
  if (request.query.empty()) {
    auto q = TagSearchQuery(form);
    if (!q.ok()) return Error(q.status());
    request.query = *q;
  } else if (form.Has("tags") || form.Has("minDuration") || form.Has("maxDuration")) {
    return Text(400, "invalid request: q cannot be combined with tags, minDuration or maxDuration");
  }
  const uint64_t now = NowNanos();
  auto end = ParseUnixTimeParam(form, "end", kSecond, now);
  if (!end.ok()) return Error(end.status());
  const uint64_t default_range = static_cast<uint64_t>(config_.default_range_ms) * 1'000'000ULL;
  auto start =
      ParseUnixTimeParam(form, "start", kSecond, *end > default_range ? *end - default_range : 0);
  if (!start.ok()) return Error(start.status());
  if (*start > *end) return Text(400, "invalid start: after end");
  if (*end - *start > static_cast<uint64_t>(config_.max_range_ms) * 1'000'000ULL) {
    return Text(400, "invalid range: longer than trace_query.max_range (" +
                         util::FormatDuration(config_.max_range_ms) + ")");
  }
  request.start_unix_nano = *start;
  request.end_unix_nano = form.Has("end") ? *end + kSecond - 1 : *end;
  auto limit = CountParam(form, "limit", 20, config_.max_traces, "trace_query.max_traces");
  if (!limit.ok()) return Error(limit.status());
  request.limit = *limit;
  auto spss = CountParam(form, "spss", 3, 10'000, "the largest spss");
  if (!spss.ok()) return Error(spss.status());
  request.spans_per_spanset = *spss;
  request.max_spans_inspected = config_.max_spans_inspected;
  const ReadOptions options = Deadline();
  Slot slot(this, options.deadline);
  if (!slot.acquired()) return Text(503, "too many trace searches at once; retry later");
  auto result = SearchTraceQL(*engine_, request, options);
  if (!result.ok()) return Error(result.status());
  std::string body = "{\"traces\":[";
  for (size_t i = 0; i < result->traces.size(); ++i) {
    const TraceQLTrace& t = result->traces[i];
    if (i > 0) body += ',';
    body += "{\"traceID\":\"" + t.trace_id + "\",\"rootServiceName\":";
    AppendJsonString(
        &body, t.root_service_name.empty() ? "<root span not yet received>" : t.root_service_name);
    body += ",\"rootTraceName\":";
    AppendJsonString(&body, t.root_trace_name);
    body += ",\"startTimeUnixNano\":\"" + std::to_string(t.start_time_unix_nano) +
            "\",\"durationMs\":" + std::to_string(t.duration_nano / 1'000'000);
    if (!t.spansets.empty()) {
      body += ",\"spanSet\":";  // the first, for clients older than spanSets
      AppendSpanset(&body, t.spansets.front());
      body += ",\"spanSets\":[";
      for (size_t k = 0; k < t.spansets.size(); ++k) {
        if (k > 0) body += ',';
        AppendSpanset(&body, t.spansets[k]);
      }
      body += ']';
    }
    body += '}';
  }
  body += "],\"metrics\":{\"inspectedTraces\":" + std::to_string(result->inspected_traces) +
          ",\"inspectedSpans\":\"" + std::to_string(result->inspected_spans) +
          "\",\"completedJobs\":1,\"totalJobs\":1}";
  std::vector<std::string> warnings = result->warnings;
  if (result->stopped_at_limit) {
    warnings.push_back("search stopped at trace_query.max_spans_inspected (" +
                       std::to_string(config_.max_spans_inspected) +
                       " spans): older traces may match too");
  }
  if (!warnings.empty()) {
    body += ",\"warnings\":[";
    for (size_t i = 0; i < warnings.size(); ++i) {
      if (i > 0) body += ',';
      AppendJsonString(&body, warnings[i]);
    }
    body += ']';
  }
  body += '}';
  return JsonResponse(std::move(body));
}

Status TraceApi::ParseDiscovery(const FormValues& form, uint32_t default_limit,
                                query::TagDiscovery* request) const {
  const uint64_t now = NowNanos();
  TM_ASSIGN_OR_RETURN(uint64_t end, ParseUnixTimeParam(form, "end", kSecond, now));
  const uint64_t default_range = static_cast<uint64_t>(config_.default_range_ms) * 1'000'000ULL;
  TM_ASSIGN_OR_RETURN(
      uint64_t start,
      ParseUnixTimeParam(form, "start", kSecond, end > default_range ? end - default_range : 0));
  if (start > end) return Status::InvalidArgument("invalid start: after end");
  request->start_unix_nano = start;
  request->end_unix_nano = end;
  TM_ASSIGN_OR_RETURN(request->limit,
                      CountParam(form, "limit", default_limit, 1'000'000, "1000000"));
  if (!form.Get("maxStaleValues").empty()) {
    TM_ASSIGN_OR_RETURN(uint32_t stale,
                        CountParam(form, "maxStaleValues", 0, 1'000'000'000, "1000000000"));
    request->max_stale_spans = stale;
  }
  if (const std::string q = form.Get("q"); !q.empty()) {
    TM_ASSIGN_OR_RETURN(request->conditions, TraceQLSpanConditions(q));
  }
  request->max_spans_inspected = config_.max_spans_inspected;
  return Status::OK();
}

HttpResponse TraceApi::TempoTags(const FormValues& form, bool v2) {
  const std::string scope = form.Get("scope");
  if (!scope.empty() && scope != "all" && scope != "span" && scope != "resource" &&
      scope != "intrinsic") {
    if (scope == "event" || scope == "link" || scope == "instrumentation") {
      return Text(400, "invalid scope: tag discovery in scope " + scope + " is not supported yet");
    }
    return Text(400, "invalid scope: \"" + scope +
                         "\" (expected resource, span, intrinsic, event, link, instrumentation)");
  }
  query::TagDiscovery request;
  if (Status st = ParseDiscovery(form, 5000, &request); !st.ok()) return Error(st);
  std::vector<std::string> span_names, resource_names;
  if (scope != "intrinsic") {
    const ReadOptions options = Deadline();
    Slot slot(this, options.deadline);
    if (!slot.acquired()) return Text(503, "too many trace searches at once; retry later");
    auto names = query::DiscoverTagNames(*engine_, request, options);
    if (!names.ok()) return Error(names.status());
    span_names = std::move(names->span);
    resource_names = std::move(names->resource);
  }
  auto array = [](const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += ',';
      AppendJsonString(&out, items[i]);
    }
    return out + "]";
  };
  if (!v2) {
    std::set<std::string> all;
    if (scope != "resource") all.insert(span_names.begin(), span_names.end());
    if (scope != "span") all.insert(resource_names.begin(), resource_names.end());
    if (scope == "intrinsic") all.insert(IntrinsicNames().begin(), IntrinsicNames().end());
    return JsonResponse("{\"tagNames\":" + array({all.begin(), all.end()}) + ",\"metrics\":{}}");
  }
  std::string body = "{\"scopes\":[";
  bool first = true;
  auto add_scope = [&](const char* name, const std::vector<std::string>& tags) {
    if (!first) body += ',';
    first = false;
    body += "{\"name\":\"";
    body += name;
    body += "\",\"tags\":" + array(tags) + "}";
  };
  if (scope.empty() || scope == "all" || scope == "resource") add_scope("resource", resource_names);
  if (scope.empty() || scope == "all" || scope == "span") add_scope("span", span_names);
  if (scope.empty() || scope == "all" || scope == "intrinsic") {
    add_scope("intrinsic", IntrinsicNames());
  }
  body += "],\"metrics\":{}}";
  return JsonResponse(std::move(body));
}

HttpResponse TraceApi::TempoTagValues(const std::string& raw_tag, const FormValues& form, bool v2) {
  auto tag = DecodePathSegment(raw_tag);
  if (!tag.ok()) return Error(tag.status());
  query::TagDiscovery request;
  if (Status st = ParseDiscovery(form, 1000, &request); !st.ok()) return Error(st);

  // The tag: v1 takes a bare attribute name (span or resource); v2 a TraceQL name
  // (span.x, resource.x, .x) or an intrinsic.
  std::string name = *tag;
  ConditionScope scope = ConditionScope::kAny;
  std::vector<query::TypedValue> fixed;  // intrinsics with a known set of values
  bool span_names = false;
  if (v2) {
    if (name.starts_with("span.")) {
      scope = ConditionScope::kSpan;
      name = name.substr(5);
    } else if (name.starts_with("resource.")) {
      scope = ConditionScope::kResource;
      name = name.substr(9);
    } else if (name.starts_with(".")) {
      name = name.substr(1);
    } else if (name == "status" || name == "span:status") {
      for (const char* v : {"error", "ok", "unset"}) fixed.push_back({AnyValue::Type::kEmpty, v});
    } else if (name == "kind" || name == "span:kind") {
      for (const char* v : {"client", "consumer", "internal", "producer", "server", "unspecified"})
        fixed.push_back({AnyValue::Type::kEmpty, v});
    } else if (name == "name" || name == "span:name") {
      span_names = true;
    } else if (name.starts_with("event.") || name.starts_with("link.") ||
               name.starts_with("instrumentation.") || name.find(':') != std::string::npos ||
               name == "statusMessage" || name == "rootName" || name == "rootServiceName") {
      return Text(400, "tag values of " + name + " are not supported yet");
    } else {
      return Text(400, "invalid tag \"" + name +
                           "\": expected span.<name>, resource.<name>, .<name> or an intrinsic");
    }
  }
  std::vector<query::TypedValue> values = fixed;
  if (fixed.empty()) {
    const ReadOptions options = Deadline();
    Slot slot(this, options.deadline);
    if (!slot.acquired()) return Text(503, "too many trace searches at once; retry later");
    auto found = span_names ? query::DiscoverSpanNames(*engine_, request, options)
                            : query::DiscoverTagValues(*engine_, scope, name, request, options);
    if (!found.ok()) return Error(found.status());
    values = std::move(found->values);
  }
  std::string body = "{\"tagValues\":[";
  if (!v2) {
    std::set<std::string> plain;
    for (const auto& v : values) plain.insert(v.value);
    size_t i = 0;
    for (const std::string& v : plain) {
      if (i++ > 0) body += ',';
      AppendJsonString(&body, v);
    }
  } else {
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) body += ',';
      body += "{\"type\":\"";
      body += values[i].type == AnyValue::Type::kEmpty ? "keyword" : TypeName(values[i].type);
      body += "\",\"value\":";
      AppendJsonString(&body, values[i].value);
      body += '}';
    }
  }
  body += "],\"metrics\":{}}";
  return JsonResponse(std::move(body));
}

HttpResponse TraceApi::TempoEcho() {
  HttpResponse r;
  r.body = "echo";  // exactly, as Grafana's data source test checks it
  return r;
}

HttpResponse TraceApi::TempoBuildInfo() {
  // Grafana reads `version` to decide which Tempo features to offer: tidemark answers Tempo 2's
  // search, tags and TraceQL APIs.
  std::string body = "{\"version\":\"2.6.0\",\"revision\":\"tidemark-";
  body += TIDEMARK_VERSION_STRING;
  body +=
      "\",\"branch\":\"main\",\"buildUser\":\"tidemark\",\"buildDate\":\"\",\"goVersion\":\"\"}";
  return JsonResponse(std::move(body));
}

}  // namespace tidemark::server
