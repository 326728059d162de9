// Scan planning: from a query, conditions the storage can evaluate while scanning
// (SpanReader::ScanSpans) that every matching trace satisfies, to find candidate traces.
//
// The plan is a list of alternatives, each a conjunction of SpanCondition: a trace can match only
// if one of its spans in the searched range satisfies one alternative. One empty alternative
// means "every span". Only necessary conditions are produced: anything that does not map exactly
// onto a SpanCondition is left out of its conjunction (correctness first).
//
//   - In a filter, comparisons of span, resource and unscoped attributes and of name, status,
//     statusMessage, kind and duration with a literal map exactly, as do `!= nil` and `= nil`;
//     `resource.service.name = "x"` also becomes the service intrinsic the storage skips
//     segments by. `&&` concatenates conjunctions (up to 16 alternatives, else the more selective
//     side), `||` lists both sides' alternatives; `!`, arithmetic, events, links and trace-level
//     intrinsics give no condition.
//   - Between spansets, `&&` and the structural operators need both sides non-empty: the plan
//     takes the side whose alternatives have more conditions (on a tie, fewer alternatives, then
//     the left). `||` lists both sides. A pipeline takes its most selective stage.
//
// Thread safety: free functions.
#ifndef TIDEMARK_QUERY_TRACEQL_PLANNER_H_
#define TIDEMARK_QUERY_TRACEQL_PLANNER_H_

#include <optional>
#include <vector>

#include "query/traceql/ast.h"
#include "tidemark/trace.h"

namespace tidemark::traceql {

using Conjunction = std::vector<SpanCondition>;

// At least one alternative.
std::vector<Conjunction> PlanScan(const Query& query);

// Every requirement of the query, for candidate traces found by intersection: a trace can match
// only if, for each group, one of its spans in the range satisfies one alternative of the group.
// Spanset `&&` and the structural operators (and their negations and union forms, which need both
// sides non-empty too) contribute both sides' groups, a pipeline the groups of each of its stages;
// groups that any span satisfies are left out, so the result may be empty.
std::vector<std::vector<Conjunction>> PlanRequirements(const Query& query);

// A structural query whose match the search can decide from a few columns of each candidate
// trace (span and parent ids, kind, start, and which side's conditions a span meets) before
// reading it whole: a top-level `{A} op {B}` (or the first stage of a pipeline) with filters on
// both sides, and op one of the structural operators that need a span of each side in relation
// (`>`, `>>`, `<`, `<<`, `~` and their union forms, not the negations). The sides' alternatives
// are necessary conditions ({{}}: any span); since these operators only gain matches when a side
// gains spans, a trace whose necessary sides are in no relation cannot match.
struct StructuralPlan {
  SpansetOp op = SpansetOp::kDescendant;
  std::vector<Conjunction> lhs;
  std::vector<Conjunction> rhs;
};
std::optional<StructuralPlan> PlanStructural(const Query& query);

// A query whose first stages are `{A} | count() op N` with op `>`, `>=` or `=`: a trace matches
// only if at least `min_count` of its spans in the range satisfy the filter, and the spans that
// satisfy A's necessary conditions (`filter`, alternatives) are at least as many, so counting
// them in one scan rules out every trace with fewer without reading it.
struct CountPlan {
  std::vector<Conjunction> filter;
  double min_count = 0;  // the count a matching trace reaches at least
};
std::optional<CountPlan> PlanCount(const Query& query);

// Whether two lists of alternatives are the same conditions in the same order.
bool SameAlternatives(const std::vector<Conjunction>& a, const std::vector<Conjunction>& b);

// A rough relative cost of scanning for a requirement group: conditions on intrinsics read small
// columns, attribute conditions decode every attribute of a row group. Requirements are scanned
// cheapest first, each only on the traces the earlier ones left.
int ScanCost(const std::vector<Conjunction>& group);

// The conditions every span matching the query's first spanset filter satisfies (those common to
// all its alternatives); empty: any span.
std::vector<SpanCondition> FirstFilterConditions(const Query& query);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_PLANNER_H_
