#include "ingest/otlp_traces.h"

#include <string>

#include "ingest/wire_reader.h"
#include "util/utf8.h"

namespace tidemark::ingest {
namespace {

// protobuf's default recursion limit: AnyValue arrays and key-value lists nest.
constexpr int kMaxDepth = 100;

// Decodes one message type at a time; the first problem ends decoding and is kept in `error_`.
class TraceDecoder {
 public:
  Status Request(std::string_view body, std::vector<Span>* spans) {
    WireReader r(body);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Fail("truncated field");
      std::string_view bytes;
      if (field == 1 && type == kLengthDelimited) {  // resource_spans
        if (!r.Bytes(&bytes)) return Fail("truncated resource_spans");
        if (!ResourceSpans(bytes, spans)) return error_;
      } else if (!r.Skip(type)) {
        return Fail("malformed unknown field");
      }
    }
    return Status::OK();
  }

 private:
  Status Fail(const std::string& what) {
    error_ = Status::InvalidArgument("body is not a protobuf ExportTraceServiceRequest: " + what);
    return error_;
  }
  bool Failed(const std::string& what) {
    error_ = Fail(what);
    return false;
  }

  // A string field: protobuf refuses proto3 strings that are not UTF-8, and so do we.
  bool String(WireReader& r, const char* name, std::string* out) {
    std::string_view v;
    if (!r.Bytes(&v)) return Failed(std::string("truncated ") + name);
    if (!util::IsValidUtf8(v)) return Failed(std::string(name) + " is not valid UTF-8");
    out->assign(v.data(), v.size());
    return true;
  }
  bool BytesField(WireReader& r, const char* name, std::string* out) {
    std::string_view v;
    if (!r.Bytes(&v)) return Failed(std::string("truncated ") + name);
    out->assign(v.data(), v.size());
    return true;
  }
  bool Uint32(WireReader& r, const char* name, uint32_t* out) {
    uint64_t v;
    if (!r.Varint(&v)) return Failed(std::string("truncated ") + name);
    *out = static_cast<uint32_t>(v);
    return true;
  }
  bool Fixed64(WireReader& r, const char* name, uint64_t* out) {
    return r.Fixed64(out) || Failed(std::string("truncated ") + name);
  }
  bool Nested(WireReader& r, const char* name, std::string_view* out) {
    return r.Bytes(out) || Failed(std::string("truncated ") + name);
  }
  bool Skip(WireReader& r, int type) { return r.Skip(type) || Failed("malformed unknown field"); }

  bool ResourceSpans(std::string_view data, std::vector<Span>* spans) {
    // Resource and schema URL may follow the scopes on the wire: collect the scope bodies and
    // build spans once the whole message is read.
    Span base;
    std::vector<std::string_view> scopes;
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in resource_spans");
      std::string_view bytes;
      if (field == 1 && type == kLengthDelimited) {
        if (!Nested(r, "resource", &bytes) || !Resource(bytes, &base)) return false;
      } else if (field == 2 && type == kLengthDelimited) {
        if (!Nested(r, "scope_spans", &bytes)) return false;
        scopes.push_back(bytes);
      } else if (field == 3 && type == kLengthDelimited) {
        if (!String(r, "schema_url", &base.resource_schema_url)) return false;
      } else if (!Skip(r, type)) {
        return false;
      }
    }
    for (std::string_view scope : scopes) {
      if (!ScopeSpans(scope, base, spans)) return false;
    }
    return true;
  }

  bool Resource(std::string_view data, Span* base) {
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in resource");
      std::string_view bytes;
      if (field == 1 && type == kLengthDelimited) {
        if (!Nested(r, "resource attribute", &bytes)) return false;
        if (!KeyValueMessage(bytes, 0, &base->resource_attributes)) return false;
      } else if (field == 2 && type == kVarint) {
        if (!Uint32(r, "dropped_attributes_count", &base->resource_dropped_attributes_count))
          return false;
      } else if (!Skip(r, type)) {
        return false;
      }
    }
    return true;
  }

  bool ScopeSpans(std::string_view data, const Span& resource, std::vector<Span>* spans) {
    Span base;
    base.resource_attributes = resource.resource_attributes;
    base.resource_dropped_attributes_count = resource.resource_dropped_attributes_count;
    base.resource_schema_url = resource.resource_schema_url;
    std::vector<std::string_view> span_bodies;
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in scope_spans");
      std::string_view bytes;
      if (field == 1 && type == kLengthDelimited) {
        if (!Nested(r, "scope", &bytes) || !Scope(bytes, &base)) return false;
      } else if (field == 2 && type == kLengthDelimited) {
        if (!Nested(r, "span", &bytes)) return false;
        span_bodies.push_back(bytes);
      } else if (field == 3 && type == kLengthDelimited) {
        if (!String(r, "schema_url", &base.scope_schema_url)) return false;
      } else if (!Skip(r, type)) {
        return false;
      }
    }
    spans->reserve(spans->size() + span_bodies.size());
    for (std::string_view body : span_bodies) {
      spans->push_back(base);
      if (!SpanMessage(body, &spans->back())) return false;
    }
    return true;
  }

  bool Scope(std::string_view data, Span* base) {
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in scope");
      std::string_view bytes;
      if (field == 1 && type == kLengthDelimited) {
        if (!String(r, "scope name", &base->scope_name)) return false;
      } else if (field == 2 && type == kLengthDelimited) {
        if (!String(r, "scope version", &base->scope_version)) return false;
      } else if (field == 3 && type == kLengthDelimited) {
        if (!Nested(r, "scope attribute", &bytes)) return false;
        if (!KeyValueMessage(bytes, 0, &base->scope_attributes)) return false;
      } else if (field == 4 && type == kVarint) {
        if (!Uint32(r, "dropped_attributes_count", &base->scope_dropped_attributes_count))
          return false;
      } else if (!Skip(r, type)) {
        return false;
      }
    }
    return true;
  }

  bool SpanMessage(std::string_view data, Span* s) {
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in span");
      std::string_view bytes;
      uint64_t v;
      bool ok = true;
      if (type == kLengthDelimited) {
        switch (field) {
          case 1:
            ok = BytesField(r, "trace_id", &s->trace_id);
            break;
          case 2:
            ok = BytesField(r, "span_id", &s->span_id);
            break;
          case 3:
            ok = String(r, "trace_state", &s->trace_state);
            break;
          case 4:
            ok = BytesField(r, "parent_span_id", &s->parent_span_id);
            break;
          case 5:
            ok = String(r, "span name", &s->name);
            break;
          case 9:
            ok = Nested(r, "span attribute", &bytes) && KeyValueMessage(bytes, 0, &s->attributes);
            break;
          case 11:
            ok = Nested(r, "event", &bytes) && Event(bytes, s);
            break;
          case 13:
            ok = Nested(r, "link", &bytes) && Link(bytes, s);
            break;
          case 15:
            ok = Nested(r, "status", &bytes) && StatusMessage(bytes, s);
            break;
          default:
            ok = Skip(r, type);
        }
      } else if (type == kVarint && field == 6) {
        if (!r.Varint(&v)) return Failed("truncated kind");
        // An enum: protobuf keeps unknown values; tidemark stores them as unspecified.
        const auto kind = static_cast<int32_t>(v);
        s->kind = kind >= 0 && kind <= 5 ? static_cast<SpanKind>(kind) : SpanKind::kUnspecified;
      } else if (type == kFixed64 && field == 7) {
        ok = Fixed64(r, "start_time_unix_nano", &s->start_time_unix_nano);
      } else if (type == kFixed64 && field == 8) {
        ok = Fixed64(r, "end_time_unix_nano", &s->end_time_unix_nano);
      } else if (type == kVarint && field == 10) {
        ok = Uint32(r, "dropped_attributes_count", &s->dropped_attributes_count);
      } else if (type == kVarint && field == 12) {
        ok = Uint32(r, "dropped_events_count", &s->dropped_events_count);
      } else if (type == kVarint && field == 14) {
        ok = Uint32(r, "dropped_links_count", &s->dropped_links_count);
      } else if (type == kFixed32 && field == 16) {
        ok = r.Fixed32(&s->flags) || Failed("truncated flags");
      } else {
        ok = Skip(r, type);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool Event(std::string_view data, Span* s) {
    SpanEvent e;
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in event");
      std::string_view bytes;
      bool ok;
      if (field == 1 && type == kFixed64) {
        ok = Fixed64(r, "event time_unix_nano", &e.time_unix_nano);
      } else if (field == 2 && type == kLengthDelimited) {
        ok = String(r, "event name", &e.name);
      } else if (field == 3 && type == kLengthDelimited) {
        ok = Nested(r, "event attribute", &bytes) && KeyValueMessage(bytes, 0, &e.attributes);
      } else if (field == 4 && type == kVarint) {
        ok = Uint32(r, "dropped_attributes_count", &e.dropped_attributes_count);
      } else {
        ok = Skip(r, type);
      }
      if (!ok) return false;
    }
    s->events.push_back(std::move(e));
    return true;
  }

  bool Link(std::string_view data, Span* s) {
    SpanLink l;
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in link");
      std::string_view bytes;
      bool ok;
      if (field == 1 && type == kLengthDelimited) {
        ok = BytesField(r, "link trace_id", &l.trace_id);
      } else if (field == 2 && type == kLengthDelimited) {
        ok = BytesField(r, "link span_id", &l.span_id);
      } else if (field == 3 && type == kLengthDelimited) {
        ok = String(r, "link trace_state", &l.trace_state);
      } else if (field == 4 && type == kLengthDelimited) {
        ok = Nested(r, "link attribute", &bytes) && KeyValueMessage(bytes, 0, &l.attributes);
      } else if (field == 5 && type == kVarint) {
        ok = Uint32(r, "dropped_attributes_count", &l.dropped_attributes_count);
      } else if (field == 6 && type == kFixed32) {
        ok = r.Fixed32(&l.flags) || Failed("truncated link flags");
      } else {
        ok = Skip(r, type);
      }
      if (!ok) return false;
    }
    s->links.push_back(std::move(l));
    return true;
  }

  bool StatusMessage(std::string_view data, Span* s) {
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in status");
      uint64_t v = 0;
      bool ok;
      if (field == 2 && type == kLengthDelimited) {
        ok = String(r, "status message", &s->status_message);
      } else if (field == 3 && type == kVarint) {
        ok = r.Varint(&v) || Failed("truncated status code");
        const auto code = static_cast<int32_t>(v);
        if (ok) {
          s->status_code =
              code >= 0 && code <= 2 ? static_cast<SpanStatusCode>(code) : SpanStatusCode::kUnset;
        }
      } else {
        ok = Skip(r, type);
      }
      if (!ok) return false;
    }
    return true;
  }

  // common.v1.KeyValue {string key = 1; AnyValue value = 2}, appended to `out`.
  bool KeyValueMessage(std::string_view data, int depth, std::vector<KeyValue>* out) {
    KeyValue kv;
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in attribute");
      std::string_view bytes;
      bool ok;
      if (field == 1 && type == kLengthDelimited) {
        ok = String(r, "attribute key", &kv.key);
      } else if (field == 2 && type == kLengthDelimited) {
        // A repeated occurrence of a message field merges into the first, as protobuf does;
        // for a oneof of scalars that means the last value wins.
        ok = Nested(r, "attribute value", &bytes) && AnyValueMessage(bytes, depth + 1, &kv.value);
      } else {
        ok = Skip(r, type);
      }
      if (!ok) return false;
    }
    out->push_back(std::move(kv));
    return true;
  }

  // common.v1.AnyValue: a oneof of string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7.
  bool AnyValueMessage(std::string_view data, int depth, AnyValue* value) {
    if (depth > kMaxDepth) return Failed("attribute values nested too deeply");
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in attribute value");
      std::string_view bytes;
      uint64_t v = 0;
      bool ok = true;
      if (field == 1 && type == kLengthDelimited) {
        *value = AnyValue();
        value->type = AnyValue::Type::kString;
        ok = String(r, "string value", &value->string_value);
      } else if (field == 2 && type == kVarint) {
        ok = r.Varint(&v) || Failed("truncated bool value");
        *value = AnyValue::Bool(v != 0);
      } else if (field == 3 && type == kVarint) {
        ok = r.Varint(&v) || Failed("truncated int value");
        *value = AnyValue::Int(static_cast<int64_t>(v));
      } else if (field == 4 && type == kFixed64) {
        double d = 0;
        ok = r.Double(&d) || Failed("truncated double value");
        *value = AnyValue::Double(d);
      } else if (field == 5 && type == kLengthDelimited) {
        // ArrayValue {repeated AnyValue values = 1}; a second occurrence merges (appends).
        if (value->type != AnyValue::Type::kArray) *value = AnyValue::Array({});
        ok = Nested(r, "array value", &bytes) && ArrayValue(bytes, depth + 1, value);
      } else if (field == 6 && type == kLengthDelimited) {
        // KeyValueList {repeated KeyValue values = 1}
        if (value->type != AnyValue::Type::kKvList) *value = AnyValue::KvList({});
        ok = Nested(r, "kvlist value", &bytes) && KeyValueList(bytes, depth + 1, value);
      } else if (field == 7 && type == kLengthDelimited) {
        *value = AnyValue();
        value->type = AnyValue::Type::kBytes;
        ok = BytesField(r, "bytes value", &value->string_value);
      } else {
        ok = Skip(r, type);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool ArrayValue(std::string_view data, int depth, AnyValue* array) {
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in array value");
      std::string_view bytes;
      bool ok;
      if (field == 1 && type == kLengthDelimited) {
        array->array_value.emplace_back();
        ok = Nested(r, "array element", &bytes) &&
             AnyValueMessage(bytes, depth + 1, &array->array_value.back());
      } else {
        ok = Skip(r, type);
      }
      if (!ok) return false;
    }
    return true;
  }

  bool KeyValueList(std::string_view data, int depth, AnyValue* list) {
    if (depth > kMaxDepth) return Failed("attribute values nested too deeply");
    WireReader r(data);
    while (!r.done()) {
      uint32_t field;
      int type;
      if (!r.Tag(&field, &type)) return Failed("truncated field in kvlist value");
      std::string_view bytes;
      bool ok;
      if (field == 1 && type == kLengthDelimited) {
        ok = Nested(r, "kvlist element", &bytes) &&
             KeyValueMessage(bytes, depth + 1, &list->kvlist_value);
      } else {
        ok = Skip(r, type);
      }
      if (!ok) return false;
    }
    return true;
  }

  Status error_;
};

}  // namespace

Status DecodeOtlpTraces(std::string_view body, std::vector<Span>* spans) {
  TraceDecoder decoder;
  return decoder.Request(body, spans);
}

Result<std::vector<Span>> SpansFromOtlp(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request) {
  // One decoder for every path: the message's own encoding.
  std::vector<Span> spans;
  const Status s = DecodeOtlpTraces(request.SerializeAsString(), &spans);
  if (!s.ok()) return s;
  return spans;
}

}  // namespace tidemark::ingest
