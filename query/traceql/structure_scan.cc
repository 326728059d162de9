#include "query/traceql/structure_scan.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
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

using Skeleton = std::vector<SkeletonSpan>;
// By trace: its skeleton, and the order the scan met the trace in (from 1).
using Skeletons = absl::flat_hash_map<std::string, std::pair<Skeleton, uint64_t>>;
using SortedIds = std::vector<std::pair<std::array<char, 8>, uint32_t>>;

// The skeleton's span ids with their positions, sorted; false when an id repeats (duplicates are
// merged, and Zipkin's shared ids told apart, only when spans are read whole).
bool SortIds(const Skeleton& skeleton, SortedIds* ids) {
  ids->clear();
  ids->reserve(skeleton.size());
  for (uint32_t i = 0; i < skeleton.size(); ++i) ids->emplace_back(skeleton[i].span_id, i);
  std::sort(ids->begin(), ids->end());
  return std::adjacent_find(ids->begin(), ids->end(), [](const auto& a, const auto& b) {
           return a.first == b.first;
         }) == ids->end();
}

// Whether the structural join of the skeleton (unique span ids) finds anything.
bool JoinFinds(const Skeleton& skeleton, SpansetOp op, uint64_t lhs_bits, uint64_t rhs_bits) {
  std::vector<uint32_t> lhs, rhs;
  for (uint32_t i = 0; i < skeleton.size(); ++i) {
    if (skeleton[i].alternatives & lhs_bits) lhs.push_back(i);
    if (skeleton[i].alternatives & rhs_bits) rhs.push_back(i);
  }
  if (lhs.empty() || rhs.empty()) return false;  // the evaluator needs both sides non-empty
  std::vector<Span> spans(skeleton.size());
  for (size_t i = 0; i < skeleton.size(); ++i) {
    const SkeletonSpan& s = skeleton[i];
    spans[i].span_id.assign(s.span_id.data(), s.span_id.size());
    if (s.has_parent) spans[i].parent_span_id.assign(s.parent_id.data(), s.parent_id.size());
    spans[i].kind = s.kind;
  }
  return !StructuralJoin(AssignNestedSets(spans), op, lhs, rhs).empty();
}

// What walking up from each span of the lower side (the child or descendant in the relation) to
// its root tells, on a skeleton with unique span ids: whether one has the relation with an upper
// side span (its parent is one, or for a descendant any ancestor), as the nested set model would
// number it (a span whose chain does not reach a root gets no numbers: trace_view.h); and whether
// that answer is certain for the whole trace: every chain reaches a root, and each parent on it is
// the one evaluation would choose even if another span shared its id where the scan did not look
// (Zipkin's two halves, told apart by kind). One case stays open: a span stored elsewhere with
// the same id and the same kind as a parent on the chain, but a different parent of its own (not
// a retried export, which is identical and merged) could be the one evaluation picks; such data
// is malformed, and the trace would then be ruled out here while whole evaluation might match.
struct Walk {
  bool found = false;
  bool certain = true;
};

Walk WalkAncestors(const Skeleton& skeleton, const SortedIds& ids, uint64_t lower_bits,
                   uint64_t upper_bits, bool parent_only) {
  Walk walk;
  for (const SkeletonSpan& span : skeleton) {
    if ((span.alternatives & lower_bits) == 0) continue;
    bool related = false, reaches_root = true;
    const SkeletonSpan* at = &span;
    for (size_t steps = 0; at->has_parent; ++steps) {
      auto parent = std::lower_bound(
          ids.begin(), ids.end(), at->parent_id,
          [](const auto& entry, const std::array<char, 8>& id) { return entry.first < id; });
      if (parent == ids.end() || parent->first != at->parent_id || steps >= skeleton.size()) {
        reaches_root = false;  // a parent not seen, or a loop
        break;
      }
      const SkeletonSpan& next = skeleton[parent->second];
      // Of two spans sharing an id, a server span's parent is the client half, any other span's
      // the server half.
      if (next.kind != (at->kind == SpanKind::kServer ? SpanKind::kClient : SpanKind::kServer)) {
        walk.certain = false;
      }
      if ((next.alternatives & upper_bits) != 0 && (!parent_only || steps == 0)) related = true;
      at = &next;
    }
    if (!reaches_root) {
      walk.certain = false;
    } else if (related) {
      walk.found = true;
      return walk;
    }
  }
  return walk;
}

// A scan of the range marking both sides' alternatives and every span (the bits below).
struct SkeletonScan {
  SpanScan scan;
  uint64_t lhs_bits = 0, rhs_bits = 0;
};

std::optional<SkeletonScan> SkeletonScanOf(const SpanScan& range, const StructuralPlan& plan) {
  SkeletonScan out;
  SpanScan& scan = out.scan;
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
  if (scan.any_of.size() > kMaxScanAlternatives) return std::nullopt;
  out.lhs_bits = (uint64_t{1} << plan.lhs.size()) - 1;
  out.rhs_bits = ((uint64_t{1} << plan.rhs.size()) - 1) << plan.lhs.size();
  return out;
}

// Runs `scan`, grouping the spans it visits into skeletons by trace; sets *too_many (and stops)
// beyond kMaxSkeletonSpans.
Result<SpanScanStats> CollectSkeletons(SpanReader& reader, const ReadOptions& options,
                                       const SpanScan& scan, Skeletons* skeletons, bool* too_many) {
  size_t held = 0;
  *too_many = false;
  // Spans come in runs of a trace's: the last trace's skeleton is looked up once per run. (Only
  // an insertion moves the map's values, and it makes the inserted one the last.)
  std::string last_id;
  Skeleton* last = nullptr;
  return reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
    if (++held > kMaxSkeletonSpans) {
      *too_many = true;
      return false;
    }
    if (last == nullptr || span.trace_id != last_id) {
      auto it = skeletons->find(LookupKey(span.trace_id));
      if (it == skeletons->end()) {
        it = skeletons->try_emplace(std::string(span.trace_id)).first;
        it->second.second = skeletons->size();
      }
      last_id.assign(span.trace_id);
      last = &it->second.first;
    }
    SkeletonSpan& s = last->emplace_back();
    s.span_id = IdBytes(span.span_id);
    s.has_parent = !span.parent_span_id.empty();
    if (s.has_parent) s.parent_id = IdBytes(span.parent_span_id);
    s.kind = span.kind;
    s.alternatives = span.alternatives;
    return true;
  });
}

}  // namespace

bool HasLowerSide(SpansetOp op) {
  switch (op) {
    case SpansetOp::kChild:
    case SpansetOp::kDescendant:
    case SpansetOp::kUnionChild:
    case SpansetOp::kUnionDescendant:
    case SpansetOp::kParent:
    case SpansetOp::kAncestor:
    case SpansetOp::kUnionParent:
    case SpansetOp::kUnionAncestor:
      return true;
    default:
      return false;
  }
}

Result<SpanScanStats> DropStructuralMismatches(SpanReader& reader, const ReadOptions& options,
                                               const SpanScan& range, const StructuralPlan& plan,
                                               TraceCandidates* candidates, bool* decided) {
  *decided = false;
  std::optional<SkeletonScan> skeleton_scan = SkeletonScanOf(range, plan);
  if (!skeleton_scan) return SpanScanStats{};  // keep them all
  const TraceCandidates& wanted = *candidates;
  skeleton_scan->scan.trace_filter = [&wanted](std::string_view trace_id) {
    return wanted.contains(LookupKey(trace_id));
  };
  Skeletons skeletons;
  bool too_many = false;
  TM_ASSIGN_OR_RETURN(SpanScanStats stats, CollectSkeletons(reader, options, skeleton_scan->scan,
                                                            &skeletons, &too_many));
  if (too_many || stats.stopped_at_limit) return stats;  // undecided: every candidate stays
  *decided = true;
  SortedIds ids;
  for (auto it = candidates->begin(); it != candidates->end();) {
    TM_RETURN_IF_ERROR(options.Check());
    auto skeleton = skeletons.find(it->first);
    const bool keep = skeleton != skeletons.end() &&
                      (!SortIds(skeleton->second.first, &ids) ||
                       JoinFinds(skeleton->second.first, plan.op, skeleton_scan->lhs_bits,
                                 skeleton_scan->rhs_bits));
    if (keep) {
      ++it;
    } else {
      candidates->erase(it++);
    }
  }
  return stats;
}

Result<SpanScanStats> FindStructuralCandidates(SpanReader& reader, const ReadOptions& options,
                                               const SpanScan& range, const StructuralPlan& plan,
                                               TraceCandidates* out, bool* decided) {
  *decided = false;
  out->clear();
  std::optional<SkeletonScan> skeleton_scan = SkeletonScanOf(range, plan);
  if (!skeleton_scan || !HasLowerSide(plan.op)) return SpanScanStats{};
  // `A > B`, `A >> B`: the spans of B are the children or descendants; `A < B`, `A << B`: A's.
  const bool rhs_lower = plan.op == SpansetOp::kChild || plan.op == SpansetOp::kDescendant ||
                         plan.op == SpansetOp::kUnionChild ||
                         plan.op == SpansetOp::kUnionDescendant;
  const uint64_t lower_bits = rhs_lower ? skeleton_scan->rhs_bits : skeleton_scan->lhs_bits;
  const uint64_t upper_bits = rhs_lower ? skeleton_scan->lhs_bits : skeleton_scan->rhs_bits;
  const bool parent_only = plan.op == SpansetOp::kChild || plan.op == SpansetOp::kUnionChild ||
                           plan.op == SpansetOp::kParent || plan.op == SpansetOp::kUnionParent;
  skeleton_scan->scan.runs_holding = lower_bits;
  Skeletons skeletons;
  bool too_many = false;
  TM_ASSIGN_OR_RETURN(SpanScanStats stats, CollectSkeletons(reader, options, skeleton_scan->scan,
                                                            &skeletons, &too_many));
  if (too_many || stats.stopped_at_limit) return stats;
  // Newest data is scanned first: the later a trace was met, the older it is.
  auto recency = [&](uint64_t met) { return skeletons.size() + 1 - met; };
  // Traces ruled out if the scan saw all their spans.
  std::vector<std::string> if_whole;
  SortedIds ids;
  for (const auto& [trace_id, entry] : skeletons) {
    const Skeleton& skeleton = entry.first;
    TM_RETURN_IF_ERROR(options.Check());
    auto has = [&](uint64_t bits) {
      return std::any_of(skeleton.begin(), skeleton.end(),
                         [&](const SkeletonSpan& s) { return (s.alternatives & bits) != 0; });
    };
    if (!has(lower_bits)) continue;  // every lower-side span in the range was visited
    const bool unique = SortIds(skeleton, &ids);
    const Walk walk = unique ? WalkAncestors(skeleton, ids, lower_bits, upper_bits, parent_only)
                             : Walk{false, false};
    if (walk.found) {
      out->try_emplace(trace_id, recency(entry.second));
    } else if (walk.certain) {
      // ruled out
    } else if (!unique && has(upper_bits)) {
      out->try_emplace(trace_id, recency(entry.second));  // the evaluator tells duplicates apart
    } else {
      // Seen whole, a trace without an upper-side span cannot match, and the join of one whose
      // span ids are unique decides it.
      if_whole.push_back(trace_id);
    }
  }
  // A trace's spans in one stored segment are visited all or none (SpanScan::runs_holding), and
  // spans not yet in segments all: a trace with a lower-side span stored in at most one segment
  // was seen whole, and its join decides it (as DropStructuralMismatches decides its candidates).
  std::sort(if_whole.begin(), if_whole.end());  // the index is read in key order
  TM_ASSIGN_OR_RETURN(
      std::vector<uint32_t> segments,
      reader.CountTraceSegments(options, if_whole, range.start_unix_nano, range.end_unix_nano));
  if (segments.size() != if_whole.size()) {
    return Status::Internal("CountTraceSegments answered " + std::to_string(segments.size()) +
                            " counts for " + std::to_string(if_whole.size()) + " traces");
  }
  TraceCandidates undecided;
  for (size_t i = 0; i < if_whole.size(); ++i) {
    if (segments[i] > 1) {
      undecided.try_emplace(if_whole[i], recency(skeletons.find(if_whole[i])->second.second));
    }
  }
  // The rest are seen whole by a scan restricted to them when reading each whole would cost
  // more: a trace read whole costs about what skeletons of 10,000 spans do.
  if (undecided.size() * 10'000 > stats.spans_inspected) {
    SpanScan rest = range;
    if (rest.max_spans_inspected != 0) {
      rest.max_spans_inspected -= std::min(rest.max_spans_inspected, stats.spans_inspected);
      if (rest.max_spans_inspected == 0) {  // the bound is spent: undecided
        out->clear();
        return stats;
      }
    }
    bool narrowed = false;
    TM_ASSIGN_OR_RETURN(SpanScanStats more, DropStructuralMismatches(reader, options, rest, plan,
                                                                     &undecided, &narrowed));
    stats.spans_inspected += more.spans_inspected;
    stats.row_groups_read += more.row_groups_read;
    stats.row_groups_read_uncached += more.row_groups_read_uncached;
    stats.row_groups_skipped += more.row_groups_skipped;
    stats.segments_skipped += more.segments_skipped;
    stats.warnings.insert(stats.warnings.end(), more.warnings.begin(), more.warnings.end());
    stats.stopped_at_limit = more.stopped_at_limit;
  }
  out->insert(undecided.begin(), undecided.end());
  *decided = true;
  return stats;
}

}  // namespace tidemark::traceql
