// One trace prepared for evaluation: the nested set model of its span tree (what structural
// operators and the nestedSet* intrinsics read), its root and duration, and ids as hex.
//
// The nested set is assigned as Tempo's vparquet4 assignNestedSetModelBounds does: spans without a
// parent id are roots; a depth-first walk from each root numbers every span it reaches, left on the
// way down and right on the way up, and gives each child its parent's left as nestedSetParent
// (-1 for a root). Spans the walk does not reach (their parent never arrived) keep 0, 0, 0, which
// no structural relation matches. A trace without a root, or with more than two spans sharing a
// span id, gets no numbers at all; two spans sharing an id (Zipkin's client and server halves)
// are told apart by kind. Roots and children are walked in start-time order (then span id), so
// the numbers do not depend on the order spans arrive in.
//
// Thread safety: immutable after construction; the spans must outlive it.
#ifndef TIDEMARK_QUERY_TRACEQL_TRACE_VIEW_H_
#define TIDEMARK_QUERY_TRACEQL_TRACE_VIEW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/trace.h"

namespace tidemark::traceql {

// What the storage knows of the whole trace, when only part of it is evaluated (a time range).
struct TraceSummary {
  bool has_root = false;
  std::string root_span_name;
  std::string root_service_name;
  uint64_t duration_nano = 0;
};

struct NestedSet {
  int32_t left = 0;
  int32_t right = 0;
  int32_t parent = 0;  // the parent's left; -1 for a root; 0 when unknown
};

// The nested set numbers of `spans` (by position), as described above. Reads only each span's
// span id, parent span id, kind and start time.
std::vector<NestedSet> AssignNestedSets(const std::vector<Span>& spans);

class PreparedTrace {
 public:
  // `summary`, if given, supplies the trace-level intrinsics instead of these spans.
  explicit PreparedTrace(const std::vector<Span>& spans, const TraceSummary* summary = nullptr);

  size_t size() const { return spans_.size(); }
  const Span& span(uint32_t i) const { return spans_[i]; }
  const NestedSet& nested_set(uint32_t i) const { return nested_[i]; }
  const std::vector<NestedSet>& nested_sets() const { return nested_; }

  std::string_view trace_id_hex() const { return trace_id_hex_; }
  std::string_view span_id_hex(uint32_t i) const { return span_ids_hex_[i]; }
  std::string_view parent_id_hex(uint32_t i) const { return parent_ids_hex_[i]; }
  std::string_view link_trace_id_hex(uint32_t i, size_t link) const {
    return link_ids_hex_[i][2 * link];
  }
  std::string_view link_span_id_hex(uint32_t i, size_t link) const {
    return link_ids_hex_[i][2 * link + 1];
  }

  bool has_root() const { return has_root_; }
  std::string_view root_span_name() const { return root_span_name_; }
  std::string_view root_service_name() const { return root_service_name_; }
  uint64_t duration_nano() const { return duration_nano_; }

 private:
  const std::vector<Span>& spans_;
  std::vector<NestedSet> nested_;
  std::string trace_id_hex_;
  std::vector<std::string> span_ids_hex_;
  std::vector<std::string> parent_ids_hex_;
  std::vector<std::vector<std::string>> link_ids_hex_;
  bool has_root_ = false;
  std::string root_span_name_;
  std::string root_service_name_;
  uint64_t duration_nano_ = 0;
};

std::string HexId(std::string_view bytes);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_TRACE_VIEW_H_
