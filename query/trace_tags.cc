#include "query/trace_tags.h"

#include <algorithm>
#include <functional>
#include <set>

#include "util/status_macros.h"

namespace tidemark::query {
namespace {

// Scans the spans of `request`, handing each to `take` (which returns whether it brought
// something new), until the limits say stop. `needs_full` reads whole spans.
template <typename Take>
Result<bool> Discover(SpanReader& reader, const TagDiscovery& request, const ReadOptions& options,
                      bool needs_full, Take take, const std::function<size_t()>& found) {
  SpanScan scan;
  scan.start_unix_nano = request.start_unix_nano;
  scan.end_unix_nano = request.end_unix_nano;
  scan.conditions = request.conditions;
  scan.max_spans_inspected = request.max_spans_inspected;
  uint64_t stale = 0;
  bool stopped = false;
  Status read_status;
  Span full;
  TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                      reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
                        if (needs_full) {
                          read_status = span.ReadSpan(&full);
                          if (!read_status.ok()) return false;
                        }
                        stale = take(span, full) ? 0 : stale + 1;
                        if (found() >= request.limit ||
                            (request.max_stale_spans != 0 && stale >= request.max_stale_spans)) {
                          stopped = true;
                          return false;
                        }
                        return true;
                      }));
  TM_RETURN_IF_ERROR(read_status);
  if (!stats.warnings.empty()) {
    return Status::Corruption("tag discovery: " + stats.warnings.front());
  }
  return !stopped && !stats.stopped_at_limit;
}

bool IsPlainValue(AnyValue::Type t) {
  return t == AnyValue::Type::kString || t == AnyValue::Type::kInt ||
         t == AnyValue::Type::kDouble || t == AnyValue::Type::kBool;
}

}  // namespace

Result<TagNames> DiscoverTagNames(SpanReader& reader, const TagDiscovery& request,
                                  const ReadOptions& options) {
  std::set<std::string> span_keys, resource_keys;
  auto take = [&](const ScannedSpan&, const Span& s) {
    bool added = false;
    for (const KeyValue& kv : s.attributes) added |= span_keys.insert(kv.key).second;
    for (const KeyValue& kv : s.Resource().attributes) added |= resource_keys.insert(kv.key).second;
    return added;
  };
  TM_ASSIGN_OR_RETURN(bool complete, Discover(reader, request, options, true, take, [&] {
                        return std::max(span_keys.size(), resource_keys.size());
                      }));
  TagNames out;
  out.span.assign(span_keys.begin(), span_keys.end());
  out.resource.assign(resource_keys.begin(), resource_keys.end());
  out.complete = complete;
  return out;
}

Result<TagValues> DiscoverTagValues(SpanReader& reader, ConditionScope scope,
                                    const std::string& key, const TagDiscovery& request,
                                    const ReadOptions& options) {
  TagDiscovery narrowed = request;
  // Only spans that carry the attribute are read whole.
  narrowed.conditions.push_back({scope, key, ConditionOp::kExists, AnyValue()});
  std::set<TypedValue> values;
  auto add = [&](const std::vector<KeyValue>& kvs) {
    bool added = false;
    for (const KeyValue& kv : kvs) {
      if (kv.key == key && IsPlainValue(kv.value.type)) {
        added |= values.insert({kv.value.type, kv.value.ToString()}).second;
      }
    }
    return added;
  };
  auto take = [&](const ScannedSpan&, const Span& s) {
    bool added = false;
    if (scope != ConditionScope::kResource) added |= add(s.attributes);
    if (scope != ConditionScope::kSpan) added |= add(s.Resource().attributes);
    return added;
  };
  TM_ASSIGN_OR_RETURN(bool complete, Discover(reader, narrowed, options, true, take,
                                              [&] { return values.size(); }));
  return TagValues{{values.begin(), values.end()}, complete};
}

Result<TagValues> DiscoverSpanNames(SpanReader& reader, const TagDiscovery& request,
                                    const ReadOptions& options) {
  std::set<TypedValue> values;
  auto take = [&](const ScannedSpan& scanned, const Span&) {
    return values.insert({AnyValue::Type::kString, std::string(scanned.name)}).second;
  };
  TM_ASSIGN_OR_RETURN(bool complete, Discover(reader, request, options, false, take,
                                              [&] { return values.size(); }));
  return TagValues{{values.begin(), values.end()}, complete};
}

}  // namespace tidemark::query
