#include "query/traceql/structure_scan.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "query/traceql/structural.h"
#include "query/traceql/trace_view.h"
#include "util/status_macros.h"

namespace tidemark::traceql {
namespace {

// What the structural join needs of a span (AssignNestedSets reads its ids and kind, and its
// start only to order siblings), and the scan's alternatives it met.
struct SkeletonSpan {
  std::array<char, 8> span_id{};
  std::array<char, 8> parent_id{};
  bool has_parent = false;
  SpanKind kind = SpanKind::kUnspecified;
  uint64_t alternatives = 0;
};

std::array<char, 8> IdBytes(std::string_view id) {
  std::array<char, 8> out{};
  std::memcpy(out.data(), id.data(), std::min<size_t>(id.size(), out.size()));
  return out;
}

// Whether the skeleton can satisfy the plan: false only when it cannot.
bool MayMatch(const std::vector<SkeletonSpan>& skeleton, SpansetOp op, uint64_t lhs_bits,
              uint64_t rhs_bits) {
  std::vector<uint32_t> lhs, rhs;
  for (uint32_t i = 0; i < skeleton.size(); ++i) {
    if (skeleton[i].alternatives & lhs_bits) lhs.push_back(i);
    if (skeleton[i].alternatives & rhs_bits) rhs.push_back(i);
  }
  if (lhs.empty() || rhs.empty()) return false;  // the evaluator needs both sides non-empty
  std::vector<std::array<char, 8>> ids;
  ids.reserve(skeleton.size());
  for (const SkeletonSpan& s : skeleton) ids.push_back(s.span_id);
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return true;  // undecided
  std::vector<Span> spans(skeleton.size());
  for (size_t i = 0; i < skeleton.size(); ++i) {
    const SkeletonSpan& s = skeleton[i];
    spans[i].span_id.assign(s.span_id.data(), s.span_id.size());
    if (s.has_parent) spans[i].parent_span_id.assign(s.parent_id.data(), s.parent_id.size());
    spans[i].kind = s.kind;
  }
  return !StructuralJoin(AssignNestedSets(spans), op, lhs, rhs).empty();
}

}  // namespace

Result<SpanScanStats> DropStructuralMismatches(SpanReader& reader, const ReadOptions& options,
                                               const SpanScan& range, const StructuralPlan& plan,
                                               TraceCandidates* candidates, bool* decided) {
  *decided = false;
  SpanScan scan;
  scan.start_unix_nano = range.start_unix_nano;
  scan.end_unix_nano = range.end_unix_nano;
  scan.max_spans_inspected = range.max_spans_inspected;
  scan.with_structure = true;
  scan.ids_only = true;
  // Which spans are related does not depend on the order children are numbered in (the only
  // use of start times in AssignNestedSets): the start column is not needed.
  scan.without_start = true;
  // Bits: the left side's alternatives, then the right side's, then one every span meets.
  for (const Conjunction& c : plan.lhs) scan.any_of.push_back(c);
  for (const Conjunction& c : plan.rhs) scan.any_of.push_back(c);
  scan.any_of.emplace_back();
  if (scan.any_of.size() > kMaxScanAlternatives) return SpanScanStats{};  // keep them all
  const uint64_t lhs_bits = (uint64_t{1} << plan.lhs.size()) - 1;
  const uint64_t rhs_bits = ((uint64_t{1} << plan.rhs.size()) - 1) << plan.lhs.size();
  const TraceCandidates& wanted = *candidates;
  scan.trace_filter = [&wanted](std::string_view trace_id) {
    return wanted.contains(LookupKey(trace_id));
  };

  absl::flat_hash_map<std::string, std::vector<SkeletonSpan>> skeletons;
  size_t held = 0;
  bool too_many = false;
  TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                      reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
                        if (++held > kMaxSkeletonSpans) {
                          too_many = true;
                          return false;
                        }
                        auto it = skeletons.find(LookupKey(span.trace_id));
                        if (it == skeletons.end()) {
                          it = skeletons.try_emplace(std::string(span.trace_id)).first;
                        }
                        SkeletonSpan& s = it->second.emplace_back();
                        s.span_id = IdBytes(span.span_id);
                        s.has_parent = !span.parent_span_id.empty();
                        if (s.has_parent) s.parent_id = IdBytes(span.parent_span_id);
                        s.kind = span.kind;
                        s.alternatives = span.alternatives;
                        return true;
                      }));
  if (too_many || stats.stopped_at_limit) return stats;  // undecided: every candidate stays
  *decided = true;
  for (auto it = candidates->begin(); it != candidates->end();) {
    TM_RETURN_IF_ERROR(options.Check());
    auto skeleton = skeletons.find(it->first);
    const bool keep =
        skeleton != skeletons.end() && MayMatch(skeleton->second, plan.op, lhs_bits, rhs_bits);
    if (keep) {
      ++it;
    } else {
      candidates->erase(it++);
    }
  }
  return stats;
}

}  // namespace tidemark::traceql
