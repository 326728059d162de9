#include "ingest/otlp_traces_out.h"

#include <charconv>
#include <cmath>

#include "ingest/otlp_common.h"
#include "util/base64.h"
#include "util/json_string.h"

namespace tidemark::ingest {
namespace {

namespace otlp = opentelemetry::proto;

// Spans of one resource, by scope, in the order they came.
struct ScopeGroup {
  const Span* scope = nullptr;  // the first span of the scope: its scope fields
  std::vector<const Span*> spans;
};
struct ResourceGroup {
  const Span* resource = nullptr;  // the first span of the resource: its resource fields
  std::vector<ScopeGroup> scopes;
};

bool SameResource(const Span& a, const Span& b) {
  return a.resource == b.resource || a.Resource() == b.Resource();
}

bool SameScope(const Span& a, const Span& b) {
  return a.scope == b.scope || a.Scope() == b.Scope();
}

// A trace has a handful of resources and scopes, so linear searches are cheapest.
std::vector<ResourceGroup> Group(const std::vector<Span>& spans) {
  std::vector<ResourceGroup> groups;
  for (const Span& span : spans) {
    ResourceGroup* resource = nullptr;
    for (ResourceGroup& g : groups) {
      if (SameResource(*g.resource, span)) {
        resource = &g;
        break;
      }
    }
    if (resource == nullptr) resource = &groups.emplace_back(ResourceGroup{&span, {}});
    ScopeGroup* scope = nullptr;
    for (ScopeGroup& g : resource->scopes) {
      if (SameScope(*g.scope, span)) {
        scope = &g;
        break;
      }
    }
    if (scope == nullptr) scope = &resource->scopes.emplace_back(ScopeGroup{&span, {}});
    scope->spans.push_back(&span);
  }
  return groups;
}

void ToOtlp(const AnyValue& v, otlp::common::v1::AnyValue* out);

void ToOtlp(const std::vector<KeyValue>& kvs,
            google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>* out) {
  for (const KeyValue& kv : kvs) {
    otlp::common::v1::KeyValue* o = out->Add();
    o->set_key(kv.key);
    ToOtlp(kv.value, o->mutable_value());
  }
}

void ToOtlp(const AnyValue& v, otlp::common::v1::AnyValue* out) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      break;
    case AnyValue::Type::kString:
      out->set_string_value(v.string_value);
      break;
    case AnyValue::Type::kBool:
      out->set_bool_value(v.bool_value);
      break;
    case AnyValue::Type::kInt:
      out->set_int_value(v.int_value);
      break;
    case AnyValue::Type::kDouble:
      out->set_double_value(v.double_value);
      break;
    case AnyValue::Type::kBytes:
      out->set_bytes_value(v.string_value);
      break;
    case AnyValue::Type::kArray:
      for (const AnyValue& e : v.array_value) ToOtlp(e, out->mutable_array_value()->add_values());
      break;
    case AnyValue::Type::kKvList:
      ToOtlp(v.kvlist_value, out->mutable_kvlist_value()->mutable_values());
      break;
  }
}

void ToOtlp(const Span& s, otlp::trace::v1::Span* out) {
  out->set_trace_id(s.trace_id);
  out->set_span_id(s.span_id);
  out->set_trace_state(s.trace_state);
  out->set_parent_span_id(s.parent_span_id);
  out->set_flags(s.flags);
  out->set_name(s.name);
  out->set_kind(static_cast<otlp::trace::v1::Span::SpanKind>(s.kind));
  out->set_start_time_unix_nano(s.start_time_unix_nano);
  out->set_end_time_unix_nano(s.end_time_unix_nano);
  ToOtlp(s.attributes, out->mutable_attributes());
  out->set_dropped_attributes_count(s.dropped_attributes_count);
  for (const SpanEvent& e : s.events) {
    otlp::trace::v1::Span::Event* o = out->add_events();
    o->set_time_unix_nano(e.time_unix_nano);
    o->set_name(e.name);
    ToOtlp(e.attributes, o->mutable_attributes());
    o->set_dropped_attributes_count(e.dropped_attributes_count);
  }
  out->set_dropped_events_count(s.dropped_events_count);
  for (const SpanLink& l : s.links) {
    otlp::trace::v1::Span::Link* o = out->add_links();
    o->set_trace_id(l.trace_id);
    o->set_span_id(l.span_id);
    o->set_trace_state(l.trace_state);
    ToOtlp(l.attributes, o->mutable_attributes());
    o->set_dropped_attributes_count(l.dropped_attributes_count);
    o->set_flags(l.flags);
  }
  out->set_dropped_links_count(s.dropped_links_count);
  out->mutable_status()->set_message(s.status_message);
  out->mutable_status()->set_code(static_cast<otlp::trace::v1::Status::StatusCode>(s.status_code));
}

// --- JSON ---

void AppendUint(uint64_t v, std::string* out) { *out += std::to_string(v); }

// 64-bit integers are strings in protobuf's JSON mapping.
void AppendQuotedUint(uint64_t v, std::string* out) {
  out->push_back('"');
  AppendUint(v, out);
  out->push_back('"');
}

void AppendId(std::string_view bytes, JsonIds ids, std::string* out) {
  out->push_back('"');
  *out += ids == JsonIds::kHex ? ToHex(bytes) : util::Base64(bytes);
  out->push_back('"');
}

void AppendKey(std::string_view key, std::string* out) {
  out->push_back('"');
  *out += key;
  *out += "\":";
}

void AppendAttributes(const std::vector<KeyValue>& kvs, std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < kvs.size(); ++i) {
    if (i > 0) out->push_back(',');
    *out += "{\"key\":";
    util::AppendJsonString(out, kvs[i].key);
    *out += ",\"value\":";
    AppendOtlpJsonValue(kvs[i].value, out);
    out->push_back('}');
  }
  out->push_back(']');
}

// Protobuf's JSON mapping spells non-finite doubles as strings.
void AppendDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    *out += "\"NaN\"";
  } else if (std::isinf(v)) {
    *out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, r.ptr);
  }
}

std::string_view KindEnumName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kUnspecified:
      return "SPAN_KIND_UNSPECIFIED";
    case SpanKind::kInternal:
      return "SPAN_KIND_INTERNAL";
    case SpanKind::kServer:
      return "SPAN_KIND_SERVER";
    case SpanKind::kClient:
      return "SPAN_KIND_CLIENT";
    case SpanKind::kProducer:
      return "SPAN_KIND_PRODUCER";
    case SpanKind::kConsumer:
      return "SPAN_KIND_CONSUMER";
  }
  return "SPAN_KIND_UNSPECIFIED";
}

std::string_view StatusEnumName(SpanStatusCode code) {
  switch (code) {
    case SpanStatusCode::kUnset:
      return "STATUS_CODE_UNSET";
    case SpanStatusCode::kOk:
      return "STATUS_CODE_OK";
    case SpanStatusCode::kError:
      return "STATUS_CODE_ERROR";
  }
  return "STATUS_CODE_UNSET";
}

void AppendSpanJson(const Span& s, JsonIds ids, std::string* out) {
  *out += "{\"traceId\":";
  AppendId(s.trace_id, ids, out);
  *out += ",\"spanId\":";
  AppendId(s.span_id, ids, out);
  if (!s.trace_state.empty()) {
    *out += ",\"traceState\":";
    util::AppendJsonString(out, s.trace_state);
  }
  if (!s.parent_span_id.empty()) {
    *out += ",\"parentSpanId\":";
    AppendId(s.parent_span_id, ids, out);
  }
  if (s.flags != 0) {
    *out += ",\"flags\":";
    AppendUint(s.flags, out);
  }
  *out += ",\"name\":";
  util::AppendJsonString(out, s.name);
  *out += ",\"kind\":\"";
  *out += KindEnumName(s.kind);
  *out += "\",\"startTimeUnixNano\":";
  AppendQuotedUint(s.start_time_unix_nano, out);
  *out += ",\"endTimeUnixNano\":";
  AppendQuotedUint(s.end_time_unix_nano, out);
  if (!s.attributes.empty()) {
    *out += ",\"attributes\":";
    AppendAttributes(s.attributes, out);
  }
  if (s.dropped_attributes_count != 0) {
    *out += ",\"droppedAttributesCount\":";
    AppendUint(s.dropped_attributes_count, out);
  }
  if (!s.events.empty()) {
    *out += ",\"events\":[";
    for (size_t i = 0; i < s.events.size(); ++i) {
      const SpanEvent& e = s.events[i];
      if (i > 0) out->push_back(',');
      *out += "{\"timeUnixNano\":";
      AppendQuotedUint(e.time_unix_nano, out);
      *out += ",\"name\":";
      util::AppendJsonString(out, e.name);
      if (!e.attributes.empty()) {
        *out += ",\"attributes\":";
        AppendAttributes(e.attributes, out);
      }
      if (e.dropped_attributes_count != 0) {
        *out += ",\"droppedAttributesCount\":";
        AppendUint(e.dropped_attributes_count, out);
      }
      out->push_back('}');
    }
    out->push_back(']');
  }
  if (s.dropped_events_count != 0) {
    *out += ",\"droppedEventsCount\":";
    AppendUint(s.dropped_events_count, out);
  }
  if (!s.links.empty()) {
    *out += ",\"links\":[";
    for (size_t i = 0; i < s.links.size(); ++i) {
      const SpanLink& l = s.links[i];
      if (i > 0) out->push_back(',');
      *out += "{\"traceId\":";
      AppendId(l.trace_id, ids, out);
      *out += ",\"spanId\":";
      AppendId(l.span_id, ids, out);
      if (!l.trace_state.empty()) {
        *out += ",\"traceState\":";
        util::AppendJsonString(out, l.trace_state);
      }
      if (!l.attributes.empty()) {
        *out += ",\"attributes\":";
        AppendAttributes(l.attributes, out);
      }
      if (l.dropped_attributes_count != 0) {
        *out += ",\"droppedAttributesCount\":";
        AppendUint(l.dropped_attributes_count, out);
      }
      if (l.flags != 0) {
        *out += ",\"flags\":";
        AppendUint(l.flags, out);
      }
      out->push_back('}');
    }
    out->push_back(']');
  }
  if (s.dropped_links_count != 0) {
    *out += ",\"droppedLinksCount\":";
    AppendUint(s.dropped_links_count, out);
  }
  *out += ",\"status\":{";
  if (!s.status_message.empty()) {
    *out += "\"message\":";
    util::AppendJsonString(out, s.status_message);
    out->push_back(',');
  }
  *out += "\"code\":\"";
  *out += StatusEnumName(s.status_code);
  *out += "\"}}";
}

}  // namespace

otlp::trace::v1::TracesData SpansToOtlp(const std::vector<Span>& spans) {
  otlp::trace::v1::TracesData data;
  for (const ResourceGroup& group : Group(spans)) {
    otlp::trace::v1::ResourceSpans* rs = data.add_resource_spans();
    const Span& r = *group.resource;
    ToOtlp(r.Resource().attributes, rs->mutable_resource()->mutable_attributes());
    rs->mutable_resource()->set_dropped_attributes_count(r.Resource().dropped_attributes_count);
    rs->set_schema_url(r.Resource().schema_url);
    for (const ScopeGroup& scope_group : group.scopes) {
      otlp::trace::v1::ScopeSpans* ss = rs->add_scope_spans();
      const Span& sc = *scope_group.scope;
      ss->mutable_scope()->set_name(sc.Scope().name);
      ss->mutable_scope()->set_version(sc.Scope().version);
      ToOtlp(sc.Scope().attributes, ss->mutable_scope()->mutable_attributes());
      ss->mutable_scope()->set_dropped_attributes_count(sc.Scope().dropped_attributes_count);
      ss->set_schema_url(sc.Scope().schema_url);
      for (const Span* span : scope_group.spans) ToOtlp(*span, ss->add_spans());
    }
  }
  return data;
}

void AppendOtlpJsonValue(const AnyValue& v, std::string* out) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      *out += "{}";
      return;
    case AnyValue::Type::kString:
      *out += "{\"stringValue\":";
      util::AppendJsonString(out, v.string_value);
      break;
    case AnyValue::Type::kBool:
      *out += v.bool_value ? "{\"boolValue\":true" : "{\"boolValue\":false";
      break;
    case AnyValue::Type::kInt:
      *out += "{\"intValue\":\"";
      *out += std::to_string(v.int_value);
      out->push_back('"');
      break;
    case AnyValue::Type::kDouble:
      *out += "{\"doubleValue\":";
      AppendDouble(v.double_value, out);
      break;
    case AnyValue::Type::kBytes:
      *out += "{\"bytesValue\":\"";
      *out += util::Base64(v.string_value);
      out->push_back('"');
      break;
    case AnyValue::Type::kArray:
      *out += "{\"arrayValue\":{\"values\":[";
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendOtlpJsonValue(v.array_value[i], out);
      }
      *out += "]}";
      break;
    case AnyValue::Type::kKvList:
      *out += "{\"kvlistValue\":{\"values\":";
      AppendAttributes(v.kvlist_value, out);
      out->push_back('}');
      break;
  }
  out->push_back('}');
}

std::string SpansToOtlpJson(const std::vector<Span>& spans, std::string_view list_key,
                            JsonIds ids) {
  std::string out = "{";
  AppendKey(list_key, &out);
  out.push_back('[');
  bool first_resource = true;
  for (const ResourceGroup& group : Group(spans)) {
    if (!first_resource) out.push_back(',');
    first_resource = false;
    const Span& r = *group.resource;
    out += "{\"resource\":{\"attributes\":";
    AppendAttributes(r.Resource().attributes, &out);
    if (r.Resource().dropped_attributes_count != 0) {
      out += ",\"droppedAttributesCount\":";
      AppendUint(r.Resource().dropped_attributes_count, &out);
    }
    out += "},\"scopeSpans\":[";
    bool first_scope = true;
    for (const ScopeGroup& scope_group : group.scopes) {
      if (!first_scope) out.push_back(',');
      first_scope = false;
      const Span& sc = *scope_group.scope;
      out += "{\"scope\":{\"name\":";
      util::AppendJsonString(&out, sc.Scope().name);
      if (!sc.Scope().version.empty()) {
        out += ",\"version\":";
        util::AppendJsonString(&out, sc.Scope().version);
      }
      if (!sc.Scope().attributes.empty()) {
        out += ",\"attributes\":";
        AppendAttributes(sc.Scope().attributes, &out);
      }
      if (sc.Scope().dropped_attributes_count != 0) {
        out += ",\"droppedAttributesCount\":";
        AppendUint(sc.Scope().dropped_attributes_count, &out);
      }
      out += "},\"spans\":[";
      for (size_t i = 0; i < scope_group.spans.size(); ++i) {
        if (i > 0) out.push_back(',');
        AppendSpanJson(*scope_group.spans[i], ids, &out);
      }
      out.push_back(']');
      if (!sc.Scope().schema_url.empty()) {
        out += ",\"schemaUrl\":";
        util::AppendJsonString(&out, sc.Scope().schema_url);
      }
      out.push_back('}');
    }
    out.push_back(']');
    if (!r.Resource().schema_url.empty()) {
      out += ",\"schemaUrl\":";
      util::AppendJsonString(&out, r.Resource().schema_url);
    }
    out.push_back('}');
  }
  out += "]}";
  return out;
}

}  // namespace tidemark::ingest
