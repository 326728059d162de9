#include "query/jaeger_search.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "util/base64.h"
#include "util/json_string.h"
#include "util/status_macros.h"

namespace tidemark::query {
namespace {

void AppendValueJson(const AnyValue& v, std::string* out) {
  switch (v.type) {
    case AnyValue::Type::kString:
      util::AppendJsonString(out, v.string_value);
      return;
    case AnyValue::Type::kBytes:
      util::AppendJsonString(out, util::Base64(v.string_value));
      return;
    case AnyValue::Type::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendValueJson(v.array_value[i], out);
      }
      out->push_back(']');
      return;
    case AnyValue::Type::kKvList:
      out->push_back('{');
      for (size_t i = 0; i < v.kvlist_value.size(); ++i) {
        if (i > 0) out->push_back(',');
        util::AppendJsonString(out, v.kvlist_value[i].key);
        out->push_back(':');
        AppendValueJson(v.kvlist_value[i].value, out);
      }
      out->push_back('}');
      return;
    case AnyValue::Type::kEmpty:
      *out += "null";
      return;
    default:
      *out += JaegerValueString(v);
  }
}

bool AnyAttributeMatches(const std::vector<KeyValue>& kvs, std::string_view key,
                         std::string_view value) {
  for (const KeyValue& kv : kvs) {
    if (kv.key == key && JaegerValueString(kv.value) == value) return true;
  }
  return false;
}

std::string_view JaegerStatusName(SpanStatusCode code) {
  switch (code) {
    case SpanStatusCode::kOk:
      return "OK";
    case SpanStatusCode::kError:
      return "ERROR";
    case SpanStatusCode::kUnset:
      return "";
  }
  return "";
}

// The tags Jaeger's OTLP translator derives from span fields.
bool DerivedTagMatches(const Span& span, std::string_view key, std::string_view value) {
  if (key == "error") {
    return span.status_code == SpanStatusCode::kError && value == "true";
  }
  if (key == "span.kind") {
    return span.kind != SpanKind::kUnspecified && JaegerKindName(span.kind) == value;
  }
  if (key == "otel.status_code") {
    return span.status_code != SpanStatusCode::kUnset &&
           JaegerStatusName(span.status_code) == value;
  }
  if (key == "otel.status_description") {
    return !span.status_message.empty() && span.status_message == value;
  }
  if (key == "otel.scope.name") return !span.Scope().name.empty() && span.Scope().name == value;
  if (key == "otel.scope.version") {
    return !span.Scope().version.empty() && span.Scope().version == value;
  }
  if (key == "w3c.tracestate") return !span.trace_state.empty() && span.trace_state == value;
  return false;
}

// What a whole-range scan skipped or where it stopped, for the caller's answer.
void ReportScan(SpanScanStats& stats, uint64_t max_spans_inspected,
                std::vector<std::string>* warnings) {
  if (warnings == nullptr) return;
  for (std::string& w : stats.warnings) warnings->push_back(std::move(w));
  if (stats.stopped_at_limit) {
    warnings->push_back("stopped after inspecting " + std::to_string(max_spans_inspected) +
                        " spans: the answer covers the newest of them only");
  }
}

// Spans starting in [start, end] with their kind and parent.
SpanScan StructureScan(uint64_t start, uint64_t end, uint64_t max_spans_inspected) {
  SpanScan scan;
  scan.start_unix_nano = start;
  scan.end_unix_nano = end;
  scan.max_spans_inspected = max_spans_inspected;
  scan.with_structure = true;
  return scan;
}

uint64_t TraceStart(const std::vector<Span>& trace) {
  uint64_t start = UINT64_MAX;
  for (const Span& s : trace) start = std::min(start, s.start_time_unix_nano);
  return start;
}

}  // namespace

std::string_view JaegerKindName(SpanKind kind) {
  return kind == SpanKind::kUnspecified ? std::string_view() : SpanKindName(kind);
}

std::string JaegerValueString(const AnyValue& value) {
  switch (value.type) {
    case AnyValue::Type::kEmpty:
      return "";
    case AnyValue::Type::kString:
      return value.string_value;
    case AnyValue::Type::kBool:
      return value.bool_value ? "true" : "false";
    case AnyValue::Type::kInt:
      return std::to_string(value.int_value);
    case AnyValue::Type::kDouble: {
      // Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, no exponent.
      if (value.double_value != value.double_value) return "NaN";
      if (value.double_value > 1.7976931348623157e308) return "+Inf";
      if (value.double_value < -1.7976931348623157e308) return "-Inf";
      char buf[400];
      auto r = std::to_chars(buf, buf + sizeof buf, value.double_value, std::chars_format::fixed);
      return std::string(buf, r.ptr);
    }
    case AnyValue::Type::kBytes:
      return util::Base64(value.string_value);
    case AnyValue::Type::kArray:
    case AnyValue::Type::kKvList: {
      std::string out;
      AppendValueJson(value, &out);
      return out;
    }
  }
  return "";
}

bool JaegerTagMatches(const Span& span, std::string_view key, std::string_view value) {
  if (AnyAttributeMatches(span.attributes, key, value) ||
      AnyAttributeMatches(span.Resource().attributes, key, value) ||
      AnyAttributeMatches(span.Scope().attributes, key, value)) {
    return true;
  }
  for (const SpanEvent& e : span.events) {
    if (AnyAttributeMatches(e.attributes, key, value)) return true;
  }
  for (const SpanLink& l : span.links) {
    if (AnyAttributeMatches(l.attributes, key, value)) return true;
  }
  return DerivedTagMatches(span, key, value);
}

Result<JaegerTraces> FindJaegerTraces(SpanReader& reader, const JaegerTraceQuery& query,
                                      const ReadOptions& options) {
  SpanScan scan;
  scan.start_unix_nano = query.start_unix_nano;
  scan.end_unix_nano = query.end_unix_nano;
  scan.max_spans_inspected = query.max_spans_inspected;
  if (!query.service.empty()) {
    scan.conditions.push_back({ConditionScope::kIntrinsic, "service.name", ConditionOp::kEq,
                               AnyValue::String(query.service)});
  }
  if (!query.operation.empty()) {
    scan.conditions.push_back(
        {ConditionScope::kIntrinsic, "name", ConditionOp::kEq, AnyValue::String(query.operation)});
  }
  if (query.min_duration_nano > 0) {
    scan.conditions.push_back({ConditionScope::kIntrinsic, "duration", ConditionOp::kGe,
                               AnyValue::Int(static_cast<int64_t>(query.min_duration_nano))});
  }
  if (query.max_duration_nano > 0) {
    scan.conditions.push_back({ConditionScope::kIntrinsic, "duration", ConditionOp::kLe,
                               AnyValue::Int(static_cast<int64_t>(query.max_duration_nano))});
  }
  const uint32_t limit = std::max<uint32_t>(1, query.limit);
  std::vector<std::string> order;
  std::set<std::string, std::less<>> found;
  Status read_status;
  Span full;
  TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                      reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
                        if (found.contains(span.trace_id)) return true;
                        if (!query.tags.empty()) {
                          // Tags may be anywhere on the span: read it whole.
                          read_status = span.ReadSpan(&full);
                          if (!read_status.ok()) return false;
                          for (const auto& [key, value] : query.tags) {
                            if (!JaegerTagMatches(full, key, value)) return true;
                          }
                        }
                        found.emplace(span.trace_id);
                        order.emplace_back(span.trace_id);
                        return found.size() < limit;
                      }));
  TM_RETURN_IF_ERROR(read_status);
  JaegerTraces result;
  result.stopped_at_limit = stats.stopped_at_limit;
  result.warnings = std::move(stats.warnings);
  TM_RETURN_IF_ERROR(options.Check());
  TM_ASSIGN_OR_RETURN(std::vector<std::vector<Span>> traces, reader.GetTraces(order));
  for (std::vector<Span>& trace : traces) {
    if (!trace.empty()) result.traces.push_back(std::move(trace));  // empty: dropped since
  }
  std::stable_sort(result.traces.begin(), result.traces.end(),
                   [](const std::vector<Span>& a, const std::vector<Span>& b) {
                     return TraceStart(a) > TraceStart(b);
                   });
  return result;
}

Result<std::vector<ServiceCall>> JaegerDependencies(SpanReader& reader, uint64_t start_unix_nano,
                                                    uint64_t end_unix_nano,
                                                    uint64_t max_spans_inspected,
                                                    const ReadOptions& options,
                                                    std::vector<std::string>* warnings) {
  SpanScan scan = StructureScan(start_unix_nano, end_unix_nano, max_spans_inspected);
  // Services are few: spans refer to them by index.
  std::vector<std::string> services;
  absl::flat_hash_map<std::string, uint32_t> service_index;
  absl::flat_hash_map<std::string, uint32_t> span_service;  // trace id + span id
  std::vector<std::pair<std::string, uint32_t>> children;   // (trace id + parent id, service)
  TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                      reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
                        auto [it, inserted] = service_index.try_emplace(
                            std::string(span.service_name), static_cast<uint32_t>(services.size()));
                        if (inserted) services.emplace_back(span.service_name);
                        std::string key(span.trace_id);
                        key += span.span_id;
                        span_service.emplace(std::move(key), it->second);
                        if (!span.parent_span_id.empty()) {
                          std::string parent(span.trace_id);
                          parent += span.parent_span_id;
                          children.emplace_back(std::move(parent), it->second);
                        }
                        return true;
                      }));
  ReportScan(stats, max_spans_inspected, warnings);
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> calls;
  for (const auto& [parent_key, child_service] : children) {
    auto parent = span_service.find(parent_key);
    if (parent == span_service.end() || parent->second == child_service) continue;
    ++calls[{parent->second, child_service}];
  }
  std::vector<ServiceCall> out;
  for (const auto& [edge, count] : calls) {
    out.push_back({services[edge.first], services[edge.second], count});
  }
  std::sort(out.begin(), out.end(), [](const ServiceCall& a, const ServiceCall& b) {
    return std::tie(a.parent, a.child) < std::tie(b.parent, b.child);
  });
  return out;
}

Result<std::vector<JaegerOperation>> JaegerOperations(
    SpanReader& reader, std::string_view service, uint64_t start_unix_nano, uint64_t end_unix_nano,
    uint64_t max_spans_inspected, const ReadOptions& options, std::vector<std::string>* warnings) {
  SpanScan scan = StructureScan(start_unix_nano, end_unix_nano, max_spans_inspected);
  scan.conditions.push_back({ConditionScope::kIntrinsic, "service.name", ConditionOp::kEq,
                             AnyValue::String(std::string(service))});
  std::set<JaegerOperation> ops;
  TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                      reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
                        ops.insert({std::string(span.name), span.kind});
                        return true;
                      }));
  ReportScan(stats, max_spans_inspected, warnings);
  return std::vector<JaegerOperation>(ops.begin(), ops.end());
}

}  // namespace tidemark::query
