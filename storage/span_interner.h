// Span resources and scopes by content: fingerprints, and an interner that gives equal values
// one shared object.
//
// The OTLP decoder makes one SpanResource per ResourceSpans, so the same service's resource
// arrives as a new object in every request. The span buffer interns them, so that buffered spans
// of one resource share one object: the buffer holds it once, and the row group encoder finds it
// by address instead of hashing and comparing its attributes for every request's copy.
//
// Thread safety: SpanInterner is not thread-safe; its owner locks.
#ifndef TIDEMARK_STORAGE_SPAN_INTERNER_H_
#define TIDEMARK_STORAGE_SPAN_INTERNER_H_

#include <absl/container/flat_hash_map.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "tidemark/trace.h"

namespace tidemark::storage {

// A hash of everything operator== compares: strings and scalars of the attributes, nested values
// by type and size only (== decides between those).
size_t FingerprintOf(const SpanResource& resource);
size_t FingerprintOf(const SpanScope& scope);

// T is SpanResource or SpanScope. Holds at most `max_values` values; when one more is added the
// interner forgets every value and starts again (the values stay alive while spans point at
// them), so churning resources (a new service.instance.id at every restart) cannot grow it.
template <typename T>
class SpanInterner {
 public:
  explicit SpanInterner(size_t max_values) : max_values_(max_values) {}

  // The interned object equal to *value, or value itself, now interned. Null stays null.
  std::shared_ptr<const T> Intern(std::shared_ptr<const T> value) {
    if (value == nullptr) return value;
    const size_t fingerprint = FingerprintOf(*value);
    if (auto it = by_fingerprint_.find(fingerprint); it != by_fingerprint_.end()) {
      for (const std::shared_ptr<const T>& known : it->second) {
        if (known == value || *known == *value) return known;
      }
    }
    if (size_ >= max_values_) {
      by_fingerprint_.clear();
      size_ = 0;
    }
    by_fingerprint_[fingerprint].push_back(value);
    ++size_;
    return value;
  }
  size_t size() const { return size_; }

 private:
  const size_t max_values_;
  absl::flat_hash_map<size_t, std::vector<std::shared_ptr<const T>>> by_fingerprint_;
  size_t size_ = 0;
};

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SPAN_INTERNER_H_
