#include "ingest/otlp_traces.h"

#include "ingest/otlp_common.h"

namespace tidemark::ingest {

std::vector<Span> SpansFromOtlp(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request) {
  std::vector<Span> out;
  for (const auto& rs : request.resource_spans()) {
    Span base;  // resource and scope fields, shared by the spans below
    base.resource_attributes = FromOtlp(rs.resource().attributes());
    base.resource_dropped_attributes_count = rs.resource().dropped_attributes_count();
    base.resource_schema_url = rs.schema_url();
    for (const auto& ss : rs.scope_spans()) {
      base.scope_name = ss.scope().name();
      base.scope_version = ss.scope().version();
      base.scope_attributes = FromOtlp(ss.scope().attributes());
      base.scope_dropped_attributes_count = ss.scope().dropped_attributes_count();
      base.scope_schema_url = ss.schema_url();
      for (const auto& p : ss.spans()) {
        Span s = base;
        s.trace_id = p.trace_id();
        s.span_id = p.span_id();
        s.parent_span_id = p.parent_span_id();
        s.trace_state = p.trace_state();
        s.flags = p.flags();
        s.name = p.name();
        s.kind = p.kind() >= 0 && p.kind() <= 5 ? static_cast<SpanKind>(p.kind())
                                                : SpanKind::kUnspecified;
        s.start_time_unix_nano = p.start_time_unix_nano();
        s.end_time_unix_nano = p.end_time_unix_nano();
        s.attributes = FromOtlp(p.attributes());
        s.dropped_attributes_count = p.dropped_attributes_count();
        for (const auto& e : p.events()) {
          s.events.push_back({e.time_unix_nano(), e.name(), FromOtlp(e.attributes()),
                              e.dropped_attributes_count()});
        }
        s.dropped_events_count = p.dropped_events_count();
        for (const auto& l : p.links()) {
          s.links.push_back({l.trace_id(), l.span_id(), l.trace_state(), FromOtlp(l.attributes()),
                             l.dropped_attributes_count(), l.flags()});
        }
        s.dropped_links_count = p.dropped_links_count();
        const int code = p.status().code();
        s.status_code =
            code >= 0 && code <= 2 ? static_cast<SpanStatusCode>(code) : SpanStatusCode::kUnset;
        s.status_message = p.status().message();
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

}  // namespace tidemark::ingest
