#include "storage/span_interner.h"

#include <absl/hash/hash.h>

#include <string_view>

#include "util/coding.h"

namespace tidemark::storage {
namespace {

size_t CombineAttributes(size_t h, const std::vector<KeyValue>& attributes) {
  for (const KeyValue& kv : attributes) {
    const AnyValue& v = kv.value;
    h = absl::HashOf(h, absl::string_view(kv.key), static_cast<int>(v.type),
                     absl::string_view(v.string_value), v.int_value, v.bool_value,
                     util::DoubleBits(v.double_value), v.array_value.size(), v.kvlist_value.size());
  }
  return h;
}

}  // namespace

size_t FingerprintOf(const SpanResource& resource) {
  return CombineAttributes(
      absl::HashOf(absl::string_view(resource.schema_url), resource.dropped_attributes_count),
      resource.attributes);
}

size_t FingerprintOf(const SpanScope& scope) {
  return CombineAttributes(
      absl::HashOf(absl::string_view(scope.name), absl::string_view(scope.version),
                   absl::string_view(scope.schema_url), scope.dropped_attributes_count),
      scope.attributes);
}

}  // namespace tidemark::storage
