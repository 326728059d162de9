// Spans as OpenTelemetry defines them, and the queries over them. A span read back is equal,
// field by field, to the span written (see Engine::AppendSpans, GetTrace, SearchTraces).
//
// Thread safety: values; copy them freely.
#ifndef TIDEMARK_TRACE_H_
#define TIDEMARK_TRACE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark {

struct KeyValue;

// An OTLP AnyValue: a typed attribute value. Arrays and key-value lists nest.
struct AnyValue {
  // Persisted (span log records, row groups): never renumber.
  enum class Type : uint8_t {
    kEmpty = 0,
    kString = 1,
    kBool = 2,
    kInt = 3,
    kDouble = 4,
    kBytes = 5,
    kArray = 6,
    kKvList = 7
  };

  Type type = Type::kEmpty;
  std::string string_value;  // kString and kBytes
  bool bool_value = false;
  int64_t int_value = 0;
  double double_value = 0;
  std::vector<AnyValue> array_value;
  std::vector<KeyValue> kvlist_value;

  static AnyValue String(std::string v);
  static AnyValue Bytes(std::string v);
  static AnyValue Bool(bool v);
  static AnyValue Int(int64_t v);
  static AnyValue Double(double v);
  static AnyValue Array(std::vector<AnyValue> v);
  static AnyValue KvList(std::vector<KeyValue> v);

  bool operator==(const AnyValue& other) const;
  // The value as TraceQL and Tempo print it: strings as they are, numbers in shortest form.
  std::string ToString() const;
};

struct KeyValue {
  std::string key;
  AnyValue value;
  bool operator==(const KeyValue& other) const = default;
};

// Persisted (span log records, row groups): never renumber. Values are OTLP's.
enum class SpanKind : uint8_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5
};
// Persisted (span log records, row groups): never renumber. Values are OTLP's.
enum class SpanStatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// The names TraceQL, Tempo and SpanCondition use: "server", "client", "producer", "consumer",
// "internal", "unspecified"; "error", "ok", "unset".
std::string_view SpanKindName(SpanKind kind);
std::string_view SpanStatusName(SpanStatusCode code);

struct SpanEvent {
  uint64_t time_unix_nano = 0;
  std::string name;
  std::vector<KeyValue> attributes;
  uint32_t dropped_attributes_count = 0;
  bool operator==(const SpanEvent&) const = default;
};

struct SpanLink {
  std::string trace_id;  // 16 bytes
  std::string span_id;   // 8 bytes
  std::string trace_state;
  std::vector<KeyValue> attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
  bool operator==(const SpanLink&) const = default;
};

// The resource spans come from: OTLP's Resource and its ResourceSpans' schema URL.
struct SpanResource {
  std::vector<KeyValue> attributes;
  uint32_t dropped_attributes_count = 0;
  std::string schema_url;
  bool operator==(const SpanResource&) const = default;
  // `service.name`, or "" if absent or not a string; a view into this resource.
  std::string_view ServiceName() const;
};

// The instrumentation scope: OTLP's InstrumentationScope and its ScopeSpans' schema URL.
struct SpanScope {
  std::string name;
  std::string version;
  std::vector<KeyValue> attributes;
  uint32_t dropped_attributes_count = 0;
  std::string schema_url;
  bool operator==(const SpanScope&) const = default;
};

// One span with its resource and instrumentation scope. The spans of one OTLP ResourceSpans
// point at one shared SpanResource (and of one ScopeSpans at one SpanScope): a batch, the log
// and the span buffer hold each once rather than a copy per span. Shared values are never
// changed; to give a span another resource, point it at a new one.
struct Span {
  std::string trace_id;        // 16 bytes, not all zero
  std::string span_id;         // 8 bytes, not all zero
  std::string parent_span_id;  // empty for a root span, else 8 bytes
  std::string trace_state;
  uint32_t flags = 0;
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;  // >= start
  std::vector<KeyValue> attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  uint32_t dropped_links_count = 0;
  SpanStatusCode status_code = SpanStatusCode::kUnset;
  std::string status_message;

  std::shared_ptr<const SpanResource> resource;  // null: an empty resource
  std::shared_ptr<const SpanScope> scope;        // null: an empty scope

  // *resource and *scope, or empty ones when null.
  const SpanResource& Resource() const;
  const SpanScope& Scope() const;
  // Every field; resource and scope by value, a null one equal to an empty one.
  bool operator==(const Span& other) const;
  // `service.name` of the resource, or "" if absent; a view into the shared resource.
  std::string_view ServiceName() const { return Resource().ServiceName(); }
};

// Shared values for spans built by hand: `span.resource = MakeSpanResource({{"service.name",
// AnyValue::String("api")}})`. Make one per resource and point every span of it there.
std::shared_ptr<const SpanResource> MakeSpanResource(std::vector<KeyValue> attributes);
std::shared_ptr<const SpanScope> MakeSpanScope(std::string name, std::string version = "");

// Why a span was not stored. Numbered for metrics; the order may change.
enum class SpanRejectReason {
  kInvalidTraceId = 0,
  kInvalidSpanId,
  kEndBeforeStart,
  kTooOld,
  kOutOfBounds,  // starts more than Options::max_future_ms after now
};
inline constexpr int kSpanRejectReasonCount = 5;
std::string_view SpanRejectReasonName(SpanRejectReason reason);

struct SpanAppendReport {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t rejected_by_reason[kSpanRejectReasonCount] = {};
  // Attribute values cut to Limits::max_span_attribute_value_bytes, and attributes, events and
  // links dropped over their per-span limits (added to the span's dropped counts).
  uint64_t truncated_attribute_values = 0;
  uint64_t dropped_attributes = 0;
  uint64_t dropped_events = 0;
  uint64_t dropped_links = 0;
  std::vector<std::string> first_rejections;
};

// Where a search condition looks.
enum class ConditionScope {
  kSpan,       // span attributes (TraceQL `span.key`)
  kResource,   // resource attributes (`resource.key`)
  kAny,        // span attribute, else resource attribute (`.key`)
  kIntrinsic,  // name, kind, status, status_message, duration (ns), service.name, trace_state
};
enum class ConditionOp { kEq, kNe, kLt, kLe, kGt, kGe, kRegex, kNotRegex, kExists, kNotExists };

// One condition on one span. Comparisons need the attribute present and of a comparable type
// (numbers with numbers, strings with strings, bools with bools): a missing attribute satisfies
// only kNotExists, as in TraceQL. Regexes are RE2, fully anchored. Intrinsics: `name`,
// `status_message`, `trace_state`, `service.name` are strings; `kind` and `status` compare as
// strings of their TraceQL names (`server`, `error`, ...) or as integers; `duration` in ns.
struct SpanCondition {
  ConditionScope scope = ConditionScope::kAny;
  std::string key;
  ConditionOp op = ConditionOp::kEq;
  AnyValue value;
};

struct TraceSearchRequest {
  std::vector<SpanCondition> conditions;  // all must hold on one span
  uint64_t start_unix_nano = 0;           // spans starting in [start, end]
  uint64_t end_unix_nano = UINT64_MAX;
  uint32_t limit = 20;           // traces
  uint32_t spans_per_trace = 3;  // matched spans returned per trace
};

struct MatchedSpan {
  std::string span_id;
  std::string name;
  std::string service_name;
  uint64_t start_time_unix_nano = 0;
  uint64_t duration_nano = 0;
};

struct TraceSearchResult {
  std::string trace_id;
  std::string root_service_name;  // "" when the root span has not arrived
  std::string root_span_name;
  uint64_t start_time_unix_nano = 0;  // of the earliest span
  uint64_t duration_nano = 0;         // latest end - earliest start
  uint32_t matched_span_count = 0;
  std::vector<MatchedSpan> spans;  // up to spans_per_trace
};

struct TraceSearchResponse {
  std::vector<TraceSearchResult> traces;  // most recent first
  // Damaged segments that were skipped (each names the segment); the rest was searched.
  std::vector<std::string> warnings;
};

// Scope of tag discovery.
enum class TagScope { kSpan, kResource, kAll };

}  // namespace tidemark

#endif  // TIDEMARK_TRACE_H_
