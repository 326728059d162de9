// Jaeger's trace queries on the SpanReader interface, with the semantics Jaeger's storage
// backends give them (its memory and Badger stores, and its storage integration tests): a trace
// matches when one span satisfies every condition; tags are compared as strings wherever the
// span carries them. The server's Jaeger API (server/jaeger_api.cc) is the protocol around this.
#ifndef TIDEMARK_QUERY_JAEGER_SEARCH_H_
#define TIDEMARK_QUERY_JAEGER_SEARCH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tidemark/span_reader.h"
#include "tidemark/trace.h"

namespace tidemark::query {

struct JaegerTraceQuery {
  std::string service;    // required by the API; "" matches every service here
  std::string operation;  // "" for any
  // Every tag must be found on the matching span (see JaegerTagMatches).
  std::vector<std::pair<std::string, std::string>> tags;
  uint64_t start_unix_nano = 0;  // the matching span starts in [start, end]
  uint64_t end_unix_nano = UINT64_MAX;
  uint64_t min_duration_nano = 0;  // inclusive; 0: no bound
  uint64_t max_duration_nano = 0;  // inclusive; 0: no bound
  uint32_t limit = 100;            // traces
  uint64_t max_spans_inspected = 0;
};

struct JaegerTraces {
  // Whole traces (spans outside the window too), newest first (by their earliest span).
  std::vector<std::vector<Span>> traces;
  bool stopped_at_limit = false;  // max_spans_inspected stopped the scan
  std::vector<std::string> warnings;
};

Result<JaegerTraces> FindJaegerTraces(SpanReader& reader, const JaegerTraceQuery& query,
                                      const ReadOptions& options);

// Whether `span` carries tag `key` with the value `value`, compared as strings: the span's
// attributes, its resource, its scope, any event and any link, and the tags Jaeger's OTLP
// translator adds (`span.kind`, `error`, `otel.status_code`, `otel.status_description`,
// `otel.scope.name`, `otel.scope.version`, `w3c.tracestate`).
bool JaegerTagMatches(const Span& span, std::string_view key, std::string_view value);
// A value as Jaeger compares and prints it (OpenTelemetry's AsString: doubles without exponent,
// bytes in base64, arrays and maps as JSON).
std::string JaegerValueString(const AnyValue& value);

struct ServiceCall {
  std::string parent;
  std::string child;
  uint64_t call_count = 0;
};
// Calls between services: for each span whose parent is in the same trace and belongs to another
// service, one call parent -> child. Spans starting in [start, end]. Damaged data skipped and a
// scan stopped at `max_spans_inspected` are reported in `warnings`.
Result<std::vector<ServiceCall>> JaegerDependencies(SpanReader& reader, uint64_t start_unix_nano,
                                                    uint64_t end_unix_nano,
                                                    uint64_t max_spans_inspected,
                                                    const ReadOptions& options,
                                                    std::vector<std::string>* warnings);

struct JaegerOperation {
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  bool operator<(const JaegerOperation& o) const {
    return name != o.name ? name < o.name : kind < o.kind;
  }
};
// Distinct (span name, kind) of a service's spans starting in [start, end], sorted; warnings as
// JaegerDependencies'.
Result<std::vector<JaegerOperation>> JaegerOperations(
    SpanReader& reader, std::string_view service, uint64_t start_unix_nano, uint64_t end_unix_nano,
    uint64_t max_spans_inspected, const ReadOptions& options, std::vector<std::string>* warnings);

// Jaeger's name of a span kind: "server", "client", "producer", "consumer", "internal", "" for
// unspecified.
std::string_view JaegerKindName(SpanKind kind);

}  // namespace tidemark::query

#endif  // TIDEMARK_QUERY_JAEGER_SEARCH_H_
