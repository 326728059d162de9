// TraceQL search (tidemark/traceql.h) on the SpanReader interface.
//
// The storage scans spans with the planned conditions (planner.h) to find candidate traces;
// each candidate's spans in the range are read whole (GetTrace) and evaluated (evaluator.h).
// ScanSpans cannot resume, and a candidate may not match, so the scan runs in passes: each pass
// collects up to a cap of traces not seen before (the first cap is a little over the limit,
// then eight times more each pass) and evaluates them newest first; a pass that covers the
// range without reaching its cap is the last. Rescanning costs the spans of the earlier passes
// again, which the spans-inspected bound counts.
// A query with two or more requirements (both sides of a structural operator, say) scans each
// requirement over the whole range instead; the traces in every set are all the candidates, and
// no pass is needed. A structural query with a lower side (`>`, `>>`, `<`, `<<`) finds its
// candidates in one scan of skeletons instead; the others are narrowed by their candidates'
// skeletons (structure_scan.h). A query of the form `{A} | count() > N` whose first pass finds too
// few counts each trace's spans in one scan instead of further passes (count_scan.h).
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "query/traceql/count_scan.h"
#include "query/traceql/evaluator.h"
#include "query/traceql/planner.h"
#include "query/traceql/structure_scan.h"
#include "tidemark/traceql.h"
#include "util/status_macros.h"

namespace tidemark {
namespace {

using traceql::CompiledQuery;
using traceql::EvaluatedSpanset;
using traceql::TraceEvaluator;
using traceql::TraceSummary;

struct Candidate {
  std::string trace_id;
  uint64_t newest_start = 0;  // of its spans the scan matched
};

bool ReferencesTraceIntrinsics(const traceql::Node& root) {
  std::vector<const traceql::Node*> pending = {&root};
  while (!pending.empty()) {
    const traceql::Node* node = pending.back();
    pending.pop_back();
    if (node->kind == traceql::NodeKind::kAttribute && traceql::IsTraceIntrinsic(node->intrinsic))
      return true;
    for (const traceql::NodePtr& child : node->children) pending.push_back(child.get());
  }
  return false;
}

TraceSummary SummaryOf(const TraceFacts& facts) {
  TraceSummary summary;
  summary.has_root = !facts.root_service_name.empty() || !facts.root_span_name.empty();
  summary.root_span_name = facts.root_span_name;
  summary.root_service_name = facts.root_service_name;
  summary.duration_nano =
      facts.end_unix_nano > facts.start_unix_nano ? facts.end_unix_nano - facts.start_unix_nano : 0;
  return summary;
}

TraceQLTrace Describe(const std::vector<Span>& spans, const TraceEvaluator& eval,
                      const std::vector<EvaluatedSpanset>& sets, const TraceFacts& facts,
                      uint32_t spans_per_spanset) {
  TraceQLTrace trace;
  trace.trace_id = traceql::HexId(spans.front().trace_id);
  if (facts.found) {
    trace.root_service_name = facts.root_service_name;
    trace.root_trace_name = facts.root_span_name;
    trace.start_time_unix_nano = facts.start_unix_nano;
    trace.duration_nano = facts.end_unix_nano > facts.start_unix_nano
                              ? facts.end_unix_nano - facts.start_unix_nano
                              : 0;
  } else {
    const traceql::PreparedTrace& prepared = eval.trace();
    trace.root_service_name = std::string(prepared.root_service_name());
    trace.root_trace_name = std::string(prepared.root_span_name());
    uint64_t start = UINT64_MAX;
    for (const Span& s : spans) start = std::min(start, s.start_time_unix_nano);
    trace.start_time_unix_nano = start;
    trace.duration_nano = prepared.duration_nano();
  }
  for (const EvaluatedSpanset& set : sets) {
    TraceQLSpanset out;
    out.matched = static_cast<uint32_t>(set.spans.size());
    out.attributes = set.attributes;
    // Earliest first: GetTrace returns spans by start time, and the indices are ascending.
    for (size_t k = 0; k < set.spans.size() && k < spans_per_spanset; ++k) {
      const uint32_t i = set.spans[k];
      const Span& s = spans[i];
      TraceQLSpan span;
      span.span_id = std::string(eval.trace().span_id_hex(i));
      span.name = s.name;
      span.start_time_unix_nano = s.start_time_unix_nano;
      span.duration_nano = s.end_time_unix_nano > s.start_time_unix_nano
                               ? s.end_time_unix_nano - s.start_time_unix_nano
                               : 0;
      span.attributes = eval.SpanAttributes(i);
      out.spans.push_back(std::move(span));
    }
    trace.spansets.push_back(std::move(out));
  }
  return trace;
}

}  // namespace

Status CheckTraceQL(std::string_view query) {
  auto parsed = traceql::ParseAndValidate(query);
  return parsed.ok() ? Status::OK() : parsed.status();
}

Result<std::vector<SpanCondition>> TraceQLSpanConditions(std::string_view query) {
  TM_ASSIGN_OR_RETURN(traceql::Query parsed, traceql::ParseAndValidate(query));
  return traceql::FirstFilterConditions(parsed);
}

Result<TraceQLSearchResponse> SearchTraceQL(SpanReader& reader, const TraceQLSearchRequest& request,
                                            const ReadOptions& options) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<CompiledQuery> query, CompiledQuery::Compile(request.query));
  if (request.start_unix_nano > request.end_unix_nano) {
    return Status::InvalidArgument("search range starts after it ends");
  }
  TM_RETURN_IF_ERROR(options.Check());
  const std::vector<traceql::Conjunction> plan = traceql::PlanScan(query->query());
  const bool needs_facts = ReferencesTraceIntrinsics(*query->query().root);
  const size_t limit = std::max<uint32_t>(1, request.limit);

  TraceQLSearchResponse response;
  std::unordered_set<std::string> seen;
  size_t cap = 2 * limit + 8;
  uint64_t spans_left = request.max_spans_inspected;  // when bounded
  bool done = false;

  // With two or more requirements (`{A} >> {B}`, `{A} && {B}`, filters in a pipeline), each is
  // scanned into the set of traces that satisfy it, cheapest first and each only on the traces
  // the earlier ones left, and only traces in every set are read and evaluated: reading a trace
  // whole costs far more than scanning its spans, and a structural query's sides are often each
  // common while traces with both are few. A structural query that the spans' skeletons decide
  // (structure_scan.h) is narrowed further before any trace is read.
  std::vector<std::vector<traceql::Conjunction>> requirements =
      traceql::PlanRequirements(query->query());
  std::stable_sort(requirements.begin(), requirements.end(), [](const auto& a, const auto& b) {
    return traceql::ScanCost(a) < traceql::ScanCost(b);
  });
  const std::optional<traceql::StructuralPlan> structural = traceql::PlanStructural(query->query());
  std::optional<traceql::CountPlan> count_plan = traceql::PlanCount(query->query());
  if (count_plan && count_plan->min_count < 2) count_plan.reset();  // the plain scan says as much
  const bool intersect = requirements.size() >= 2 || (structural && !requirements.empty());
  // The traces that meet every requirement scanned so far, each with the start of its newest
  // span that met the last.
  traceql::TraceCandidates required;
  bool have_required = false;
  std::string key;  // the visited span's trace id, reused across visits
  // Adds a scan's spans and warnings to the response; true when the spans-inspected bound ended it.
  auto account = [&](const SpanScanStats& stats) {
    response.inspected_spans += stats.spans_inspected;
    response.warnings.insert(response.warnings.end(), stats.warnings.begin(), stats.warnings.end());
    if (request.max_spans_inspected == 0) return false;
    spans_left -= std::min(spans_left, stats.spans_inspected);
    return stats.stopped_at_limit || spans_left == 0;
  };
  auto range_scan = [&]() {
    SpanScan scan;
    scan.start_unix_nano = request.start_unix_nano;
    scan.end_unix_nano = request.end_unix_nano;
    scan.max_spans_inspected = request.max_spans_inspected == 0 ? 0 : spans_left;
    scan.ids_only = true;  // the candidate sets need trace ids and start times only
    return scan;
  };
  if (intersect) {
    // A structural query's skeletons are looked at once the first set is known, when they are
    // likely few: a trace they keep has spans of both sides, so the sides' own sets need no scan.
    bool skeleton_tried = false, skeleton_decided = false;
    size_t scanned_since_skeleton = 0;
    auto narrow_by_skeletons = [&]() -> Status {
      skeleton_tried = true;
      scanned_since_skeleton = 0;
      TM_ASSIGN_OR_RETURN(SpanScanStats stats, traceql::DropStructuralMismatches(
                                                   reader, options, range_scan(), *structural,
                                                   &required, &skeleton_decided));
      if (account(stats)) done = true;
      return Status::OK();
    };
    // `{A} >> {B}` and the other operators with a lower side need no candidate set first: one
    // scan finds the traces whose skeletons can match (structure_scan.h).
    if (structural && traceql::HasLowerSide(structural->op)) {
      traceql::TraceCandidates found;
      bool decided = false;
      TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                          traceql::FindStructuralCandidates(reader, options, range_scan(),
                                                            *structural, &found, &decided));
      if (account(stats)) done = true;
      if (decided && !done) {
        required = std::move(found);
        have_required = true;
        skeleton_tried = skeleton_decided = true;
      }
    }
    for (const std::vector<traceql::Conjunction>& group : requirements) {
      if (done || (have_required && required.empty())) break;
      if (skeleton_decided && (traceql::SameAlternatives(group, structural->lhs) ||
                               traceql::SameAlternatives(group, structural->rhs))) {
        continue;
      }
      traceql::TraceCandidates traces;
      // The group's alternatives in passes of at most kMaxScanAlternatives (the planner makes
      // far fewer).
      for (size_t first = 0; first < group.size() && !done; first += kMaxScanAlternatives) {
        SpanScan scan = range_scan();
        const size_t last = std::min(group.size(), first + kMaxScanAlternatives);
        scan.any_of.assign(group.begin() + first, group.begin() + last);
        // Traces outside an earlier set cannot match: only the others are looked at.
        if (have_required) {
          scan.trace_filter = [&required](std::string_view id) {
            return required.contains(traceql::LookupKey(id));
          };
        }
        TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                            reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
                              auto it = traces.find(traceql::LookupKey(span.trace_id));
                              if (it == traces.end()) {
                                it = traces.try_emplace(std::string(span.trace_id), 0).first;
                              }
                              it->second = std::max(it->second, span.start_unix_nano);
                              return true;
                            }));
        // A set cut short is incomplete: a trace left out of it might match.
        if (account(stats)) done = true;
      }
      required = std::move(traces);
      have_required = true;
      ++scanned_since_skeleton;
      if (done || required.empty()) break;
      if (structural && !skeleton_tried) {
        TM_RETURN_IF_ERROR(narrow_by_skeletons());
        if (done || required.empty()) break;
      }
    }
    // Too many skeletons the first time: the sets scanned since may have made them few enough.
    if (!done && structural && !skeleton_decided && scanned_since_skeleton > 0 &&
        !required.empty()) {
      TM_RETURN_IF_ERROR(narrow_by_skeletons());
    }
    if (done) {
      response.stopped_at_limit = true;
      required.clear();
    } else if (required.empty()) {
      done = true;  // no trace has them all
    }
  }
  // Reads and evaluates candidate traces newest first, until the limit is met (done).
  auto evaluate = [&](std::vector<Candidate>& fresh) -> Status {
    std::sort(fresh.begin(), fresh.end(), [](const Candidate& a, const Candidate& b) {
      if (a.newest_start != b.newest_start) return a.newest_start > b.newest_start;
      return a.trace_id < b.trace_id;
    });

    // Candidates are read in chunks through GetTraces, which decodes each row group once for
    // all the traces of a chunk it holds: the first chunk is what the limit still needs (most
    // searches stop there), then each is twice the last.
    size_t chunk = std::max<size_t>(limit - std::min(limit, response.traces.size()), 8);
    for (size_t begin = 0; begin < fresh.size() && !done; begin += chunk, chunk *= 2) {
      chunk = std::min<size_t>(chunk, 4096);
      TM_RETURN_IF_ERROR(options.Check());
      std::vector<std::string> ids;
      for (size_t k = begin; k < fresh.size() && k < begin + chunk; ++k) {
        ids.push_back(fresh[k].trace_id);
        seen.insert(fresh[k].trace_id);
      }
      TM_ASSIGN_OR_RETURN(std::vector<std::vector<Span>> traces,
                          reader.GetTraces(ids, request.start_unix_nano, request.end_unix_nano));
      for (size_t k = 0; k < ids.size(); ++k) {
        TM_RETURN_IF_ERROR(options.Check());
        if (request.max_traces_inspected != 0 &&
            response.inspected_traces >= request.max_traces_inspected) {
          response.stopped_at_limit = true;
          done = true;
          break;
        }
        const std::vector<Span>& spans = traces[k];
        if (spans.empty()) continue;  // gone since the scan
        ++response.inspected_traces;
        TraceFacts facts;
        TraceSummary summary;
        if (needs_facts) {
          TM_ASSIGN_OR_RETURN(facts, reader.GetTraceFacts(options, ids[k], &response.warnings));
          summary = SummaryOf(facts);
        }
        TraceEvaluator eval(*query, spans, needs_facts && facts.found ? &summary : nullptr);
        TM_ASSIGN_OR_RETURN(std::vector<EvaluatedSpanset> sets, eval.Evaluate());
        if (sets.empty()) continue;
        if (!needs_facts) {
          TM_ASSIGN_OR_RETURN(facts, reader.GetTraceFacts(options, ids[k], &response.warnings));
        }
        response.traces.push_back(Describe(spans, eval, sets, facts, request.spans_per_spanset));
        if (response.traces.size() >= limit) {
          done = true;
          break;
        }
      }
    }
    return Status::OK();
  };

  // With requirements, the last set is every trace that can match (each set came from a scan of
  // the whole range): evaluate it, with no scan for candidates.
  if (!done && intersect) {
    std::vector<Candidate> all;
    all.reserve(required.size());
    for (const auto& [id, newest] : required) all.push_back({id, newest});
    TM_RETURN_IF_ERROR(evaluate(all));
    done = true;
  }

  while (!done) {
    std::vector<Candidate> fresh;
    std::unordered_map<std::string, size_t> fresh_index;
    bool reached_cap = false;
    bool bound_hit = false;
    for (const traceql::Conjunction& conditions : plan) {
      if (reached_cap || bound_hit) break;
      SpanScan scan = range_scan();
      scan.conditions = conditions;
      TM_ASSIGN_OR_RETURN(SpanScanStats stats,
                          reader.ScanSpans(options, scan, [&](const ScannedSpan& span) {
                            key.assign(span.trace_id);  // no allocation per span
                            if (seen.count(key) > 0) return true;
                            auto it = fresh_index.find(key);
                            if (it == fresh_index.end()) {
                              if (fresh.size() >= cap) {
                                reached_cap = true;
                                return false;
                              }
                              it = fresh_index.emplace(key, fresh.size()).first;
                              fresh.push_back({key, 0});
                            }
                            Candidate& c = fresh[it->second];
                            c.newest_start = std::max(c.newest_start, span.start_unix_nano);
                            return true;
                          }));
      if (account(stats)) bound_hit = true;
    }
    TM_RETURN_IF_ERROR(evaluate(fresh));
    if (done) break;
    if (bound_hit) {
      response.stopped_at_limit = true;
      break;
    }
    if (!reached_cap) break;  // the range is covered
    if (count_plan) {
      // The first pass found too few: count what every trace in the range has instead of
      // reading trace after trace, and read only those with enough spans (count_scan.h).
      traceql::TraceCandidates enough;
      bool complete = false;
      TM_ASSIGN_OR_RETURN(SpanScanStats stats, traceql::TracesWithEnoughSpans(
                                                   reader, options, range_scan(), *count_plan,
                                                   [&](std::string_view id) {
                                                     key.assign(id);  // the visitor's thread
                                                     return seen.count(key) > 0;
                                                   },
                                                   &enough, &complete));
      if (account(stats)) {
        response.stopped_at_limit = true;
        break;
      }
      if (complete) {
        std::vector<Candidate> counted;
        counted.reserve(enough.size());
        for (const auto& [id, newest] : enough) counted.push_back({id, newest});
        TM_RETURN_IF_ERROR(evaluate(counted));
        break;
      }
      count_plan.reset();  // too many traces to count: the passes go on, without trying again
    }
    cap *= 8;
  }
  std::stable_sort(response.traces.begin(), response.traces.end(),
                   [](const TraceQLTrace& a, const TraceQLTrace& b) {
                     return a.start_time_unix_nano > b.start_time_unix_nano;
                   });
  return response;
}

}  // namespace tidemark
