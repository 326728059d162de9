// Stored spans back into OTLP's shape, for the trace APIs that answer in it: Tempo's trace by id
// (JSON and protobuf) and Jaeger's v3 API. Spans are grouped under their resource and scope as an
// SDK sends them: each distinct resource once, each distinct scope once within it, in the order
// the spans come.
#ifndef TIDEMARK_INGEST_OTLP_TRACES_OUT_H_
#define TIDEMARK_INGEST_OTLP_TRACES_OUT_H_

#include <string>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tidemark/trace.h"

namespace tidemark::ingest {

// A TracesData message; its wire bytes are also Tempo's `Trace` (field 1 holds the batches).
opentelemetry::proto::trace::v1::TracesData SpansToOtlp(const std::vector<Span>& spans);

// How ids are spelled in JSON: OTLP/JSON's hex (the OTLP spec, Jaeger's v3 API), or base64 as
// protobuf's generic JSON mapping writes bytes (Tempo's API, which Grafana decodes that way).
enum class JsonIds { kHex, kBase64 };

// OTLP/JSON of the spans: {"<list_key>":[{"resource":...,"scopeSpans":[...]}]}, 64-bit integers
// as strings and enums by name. `list_key` is "resourceSpans" (OTLP, Jaeger, Tempo's v2) or
// "batches" (Tempo's v1 trace by id).
std::string SpansToOtlpJson(const std::vector<Span>& spans,
                            std::string_view list_key = "resourceSpans",
                            JsonIds ids = JsonIds::kHex);

// One attribute value as OTLP/JSON ({"stringValue":"x"}, {"intValue":"3"}, ...), appended.
void AppendOtlpJsonValue(const AnyValue& value, std::string* out);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_OTLP_TRACES_OUT_H_
