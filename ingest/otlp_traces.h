// OTLP traces to tidemark spans: every field kept, resource and scope copied into each span.
#ifndef TIDEMARK_INGEST_OTLP_TRACES_H_
#define TIDEMARK_INGEST_OTLP_TRACES_H_

#include <vector>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tidemark/trace.h"

namespace tidemark::ingest {

std::vector<Span> SpansFromOtlp(
    const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_OTLP_TRACES_H_
