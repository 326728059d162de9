// OTLP traces to tidemark spans: every field kept, resource and scope copied into each span.
#ifndef TIDEMARK_INGEST_OTLP_TRACES_H_
#define TIDEMARK_INGEST_OTLP_TRACES_H_

#include <string_view>
#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tidemark/status.h"
#include "tidemark/trace.h"

namespace tidemark::ingest {

// Decodes an ExportTraceServiceRequest from the protobuf wire format straight into spans,
// appended to `spans`: no message objects, each string copied once. Accepts what protobuf's own
// parser accepts (unknown fields and fields of an unexpected wire type are skipped, the last of a
// repeated scalar wins); refuses with InvalidArgument, naming the problem, a truncated or
// malformed body, strings that are not UTF-8, and values nested deeper than protobuf allows.
Status DecodeOtlpTraces(std::string_view body, std::vector<Span>* spans);

// The same for a parsed message (OTLP/JSON arrives this way).
Result<std::vector<Span>> SpansFromOtlp(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_OTLP_TRACES_H_
