// Tag discovery for trace search autocompletion (Tempo's search/tags and tag values, narrowed by
// a query): which attribute names and typed values the spans in a time range carry, read from the
// spans themselves so that values keep their types (an integer status code is offered as an
// integer, so the query built from it matches).
#ifndef TIDEMARK_QUERY_TRACE_TAGS_H_
#define TIDEMARK_QUERY_TRACE_TAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tidemark/span_reader.h"
#include "tidemark/trace.h"

namespace tidemark::query {

struct TagDiscovery {
  uint64_t start_unix_nano = 0;
  uint64_t end_unix_nano = UINT64_MAX;
  std::vector<SpanCondition> conditions;  // only spans satisfying all of them
  uint32_t limit = 1000;                  // distinct names or values
  // Stop once this many spans in a row brought nothing new (Tempo's maxStaleValues); 0: never.
  uint64_t max_stale_spans = 0;
  uint64_t max_spans_inspected = 0;
};

struct TagNames {
  std::vector<std::string> span;      // sorted
  std::vector<std::string> resource;  // sorted
  bool complete = true;               // false when a bound stopped the scan
};

struct TypedValue {
  AnyValue::Type type = AnyValue::Type::kString;
  std::string value;  // as TraceQL prints it
  bool operator<(const TypedValue& o) const {
    return type != o.type ? type < o.type : value < o.value;
  }
};

struct TagValues {
  std::vector<TypedValue> values;  // sorted by type, then value
  bool complete = true;
};

Result<TagNames> DiscoverTagNames(SpanReader& reader, const TagDiscovery& request,
                                  const ReadOptions& options);
// Values of attribute `key` in `scope` (kSpan, kResource or kAny: either).
Result<TagValues> DiscoverTagValues(SpanReader& reader, ConditionScope scope,
                                    const std::string& key, const TagDiscovery& request,
                                    const ReadOptions& options);
// Distinct span names (the `name` intrinsic).
Result<TagValues> DiscoverSpanNames(SpanReader& reader, const TagDiscovery& request,
                                    const ReadOptions& options);

}  // namespace tidemark::query

#endif  // TIDEMARK_QUERY_TRACE_TAGS_H_
