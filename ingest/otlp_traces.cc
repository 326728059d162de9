#include "ingest/otlp_traces.h"

#include <string>

#include "ingest/otlp_wire.h"

namespace tidemark::ingest {
namespace {

// Decodes one message type at a time; the first problem ends decoding and is kept in `error_`.
class TraceDecoder : public OtlpWireDecoder {
 public:
  TraceDecoder() : OtlpWireDecoder("ExportTraceServiceRequest") {}

  Status Request(std::string_view body, std::vector<Span>* spans) {
    WireReader r(body);
    while (!r.done()) {
      uint32_t field = 0;
      int type = 0;
      std::string_view bytes;
      const bool ok = NextTag(r, "request", &field, &type) &&
                      (field == 1 && type == kLengthDelimited  // resource_spans
                           ? Nested(r, "resource_spans", &bytes) && ResourceSpans(bytes, spans)
                           : Skip(r, type));
      if (!ok) return error();
    }
    return Status::OK();
  }

 private:
  bool ResourceSpans(std::string_view data, std::vector<Span>* spans) {
    // Resource and schema URL may follow the scopes on the wire: collect the scope bodies and
    // build spans once the whole message is read.
    Span base;
    std::vector<std::string_view> scopes;
    WireReader r(data);
    while (!r.done()) {
      uint32_t field = 0;
      int type = 0;
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
      uint32_t field = 0;
      int type = 0;
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
      uint32_t field = 0;
      int type = 0;
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
      uint32_t field = 0;
      int type = 0;
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
      uint32_t field = 0;
      int type = 0;
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
      uint32_t field = 0;
      int type = 0;
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
      uint32_t field = 0;
      int type = 0;
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
      uint32_t field = 0;
      int type = 0;
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
