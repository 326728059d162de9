// Trace search for embedding programs and the server's trace APIs: traces with a span that
// satisfies every condition, on any SpanReader (a tidemark::Engine). Implemented in query/.
#ifndef TIDEMARK_TRACE_SEARCH_H_
#define TIDEMARK_TRACE_SEARCH_H_

#include "tidemark/span_reader.h"
#include "tidemark/trace.h"

namespace tidemark {

// At most request.limit traces, most recently found first, each with up to
// request.spans_per_trace of its matching spans and the trace's root, start and duration.
Result<TraceSearchResponse> SearchTraces(SpanReader& reader, const TraceSearchRequest& request,
                                         const ReadOptions& options = {});

}  // namespace tidemark

#endif  // TIDEMARK_TRACE_SEARCH_H_
