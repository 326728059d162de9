#include "ingest/otlp_traces.h"

#include <memory>
#include <string>
#include <utility>

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
                           ? Nested(r, "resource_spans", &bytes) && ResourceSpans(bytes)
                           : Skip(r, type));
      if (!ok) return error();
    }
    // The spans are built once the whole request is read, into a vector sized once: a request
    // from a Collector carries many ResourceSpans, and growing the vector at each moved every
    // span decoded so far; the vector becomes the span buffer's batch, so no slack either.
    spans->reserve(spans->size() + pending_.size());
    for (PendingSpan& p : pending_) {
      Span& s = spans->emplace_back();
      s.resource = std::move(p.resource);
      s.scope = std::move(p.scope);
      if (!SpanMessage(p.body, &s)) return error();
    }
    return Status::OK();
  }

 private:
  // A span's encoded body and what it shares with its neighbours, until the request is read.
  struct PendingSpan {
    std::string_view body;
    std::shared_ptr<const SpanResource> resource;
    std::shared_ptr<const SpanScope> scope;
  };

  bool ResourceSpans(std::string_view data) {
    // Resource and schema URL may follow the scopes on the wire: collect the scope bodies and
    // build spans once the whole message is read. Its spans share one resource object.
    auto resource = std::make_shared<SpanResource>();
    std::vector<std::string_view> scopes;
    const bool ok = Fields(data, "resource_spans", [&](WireReader& r, uint32_t field, int type) {
      if (field == 1 && type == kLengthDelimited)
        return Message(r, "resource",
                       [&](std::string_view b) { return Resource(b, resource.get()); });
      if (field == 2 && type == kLengthDelimited) {
        return Message(r, "scope_spans", [&](std::string_view b) {
          scopes.push_back(b);
          return true;
        });
      }
      if (field == 3 && type == kLengthDelimited)
        return String(r, "schema_url", &resource->schema_url);
      return Skip(r, type);
    });
    if (!ok) return false;
    std::shared_ptr<const SpanResource> shared = std::move(resource);
    for (std::string_view scope : scopes) {
      if (!ScopeSpans(scope, shared)) return false;
    }
    return true;
  }

  bool Resource(std::string_view data, SpanResource* resource) {
    return Fields(data, "resource", [&](WireReader& r, uint32_t field, int type) {
      if (field == 1 && type == kLengthDelimited) {
        return Message(r, "resource attribute", [&](std::string_view b) {
          return KeyValueMessage(b, 0, &resource->attributes);
        });
      }
      if (field == 2 && type == kVarint)
        return Uint32(r, "dropped_attributes_count", &resource->dropped_attributes_count);
      return Skip(r, type);
    });
  }

  bool ScopeSpans(std::string_view data, const std::shared_ptr<const SpanResource>& resource) {
    auto scope = std::make_shared<SpanScope>();
    std::vector<std::string_view> span_bodies;
    const bool ok = Fields(data, "scope_spans", [&](WireReader& r, uint32_t field, int type) {
      if (field == 1 && type == kLengthDelimited)
        return Message(r, "scope", [&](std::string_view b) { return Scope(b, scope.get()); });
      if (field == 2 && type == kLengthDelimited) {
        return Message(r, "span", [&](std::string_view b) {
          span_bodies.push_back(b);
          return true;
        });
      }
      if (field == 3 && type == kLengthDelimited)
        return String(r, "schema_url", &scope->schema_url);
      return Skip(r, type);
    });
    if (!ok) return false;
    std::shared_ptr<const SpanScope> shared = std::move(scope);
    for (std::string_view body : span_bodies) pending_.push_back({body, resource, shared});
    return true;
  }

  bool Scope(std::string_view data, SpanScope* scope) {
    return Fields(data, "scope", [&](WireReader& r, uint32_t field, int type) {
      if (field == 1 && type == kLengthDelimited) return String(r, "scope name", &scope->name);
      if (field == 2 && type == kLengthDelimited)
        return String(r, "scope version", &scope->version);
      if (field == 3 && type == kLengthDelimited) {
        return Message(r, "scope attribute", [&](std::string_view b) {
          return KeyValueMessage(b, 0, &scope->attributes);
        });
      }
      if (field == 4 && type == kVarint)
        return Uint32(r, "dropped_attributes_count", &scope->dropped_attributes_count);
      return Skip(r, type);
    });
  }

  bool SpanMessage(std::string_view data, Span* s) {
    // A span has a dozen attributes or so: growing their vector by doubling moved each of them
    // (144 bytes) about twice and cost four allocations.
    s->attributes.reserve(CountLengthDelimited(data, 9));
    return Fields(data, "span", [&](WireReader& r, uint32_t field, int type) {
      if (type == kLengthDelimited) {
        switch (field) {
          case 1:
            return BytesField(r, "trace_id", &s->trace_id);
          case 2:
            return BytesField(r, "span_id", &s->span_id);
          case 3:
            return String(r, "trace_state", &s->trace_state);
          case 4:
            return BytesField(r, "parent_span_id", &s->parent_span_id);
          case 5:
            return String(r, "span name", &s->name);
          case 9:
            return Message(r, "span attribute", [&](std::string_view b) {
              return KeyValueMessage(b, 0, &s->attributes);
            });
          case 11:
            return Message(r, "event", [&](std::string_view b) { return Event(b, s); });
          case 13:
            return Message(r, "link", [&](std::string_view b) { return Link(b, s); });
          case 15:
            return Message(r, "status", [&](std::string_view b) { return StatusMessage(b, s); });
          default:
            return Skip(r, type);
        }
      }
      uint64_t v = 0;
      if (type == kVarint && field == 6) {
        if (!r.Varint(&v)) return Failed("truncated kind");
        // An enum: protobuf keeps unknown values; tidemark stores them as unspecified.
        const auto kind = static_cast<int32_t>(v);
        s->kind = kind >= 0 && kind <= 5 ? static_cast<SpanKind>(kind) : SpanKind::kUnspecified;
        return true;
      }
      if (type == kFixed64 && field == 7)
        return Fixed64(r, "start_time_unix_nano", &s->start_time_unix_nano);
      if (type == kFixed64 && field == 8)
        return Fixed64(r, "end_time_unix_nano", &s->end_time_unix_nano);
      if (type == kVarint && field == 10)
        return Uint32(r, "dropped_attributes_count", &s->dropped_attributes_count);
      if (type == kVarint && field == 12)
        return Uint32(r, "dropped_events_count", &s->dropped_events_count);
      if (type == kVarint && field == 14)
        return Uint32(r, "dropped_links_count", &s->dropped_links_count);
      if (type == kFixed32 && field == 16) return r.Fixed32(&s->flags) || Failed("truncated flags");
      return Skip(r, type);
    });
  }

  bool Event(std::string_view data, Span* s) {
    SpanEvent e;
    const bool ok = Fields(data, "event", [&](WireReader& r, uint32_t field, int type) {
      if (field == 1 && type == kFixed64)
        return Fixed64(r, "event time_unix_nano", &e.time_unix_nano);
      if (field == 2 && type == kLengthDelimited) return String(r, "event name", &e.name);
      if (field == 3 && type == kLengthDelimited) {
        return Message(r, "event attribute",
                       [&](std::string_view b) { return KeyValueMessage(b, 0, &e.attributes); });
      }
      if (field == 4 && type == kVarint)
        return Uint32(r, "dropped_attributes_count", &e.dropped_attributes_count);
      return Skip(r, type);
    });
    if (ok) s->events.push_back(std::move(e));
    return ok;
  }

  bool Link(std::string_view data, Span* s) {
    SpanLink l;
    const bool ok = Fields(data, "link", [&](WireReader& r, uint32_t field, int type) {
      if (field == 1 && type == kLengthDelimited)
        return BytesField(r, "link trace_id", &l.trace_id);
      if (field == 2 && type == kLengthDelimited) return BytesField(r, "link span_id", &l.span_id);
      if (field == 3 && type == kLengthDelimited)
        return String(r, "link trace_state", &l.trace_state);
      if (field == 4 && type == kLengthDelimited) {
        return Message(r, "link attribute",
                       [&](std::string_view b) { return KeyValueMessage(b, 0, &l.attributes); });
      }
      if (field == 5 && type == kVarint)
        return Uint32(r, "dropped_attributes_count", &l.dropped_attributes_count);
      if (field == 6 && type == kFixed32) return r.Fixed32(&l.flags) || Failed("truncated flags");
      return Skip(r, type);
    });
    if (ok) s->links.push_back(std::move(l));
    return ok;
  }

  bool StatusMessage(std::string_view data, Span* s) {
    return Fields(data, "status", [&](WireReader& r, uint32_t field, int type) {
      if (field == 2 && type == kLengthDelimited)
        return String(r, "status message", &s->status_message);
      if (field == 3 && type == kVarint) {
        uint64_t v = 0;
        if (!r.Varint(&v)) return Failed("truncated status code");
        const auto code = static_cast<int32_t>(v);
        s->status_code =
            code >= 0 && code <= 2 ? static_cast<SpanStatusCode>(code) : SpanStatusCode::kUnset;
        return true;
      }
      return Skip(r, type);
    });
  }

  std::vector<PendingSpan> pending_;
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
