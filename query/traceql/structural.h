// The structural spanset operators on the nested set model (trace_view.h), with Tempo's
// semantics (vparquet's span.ChildOf/DescendantOf/SiblingOf):
//
//   A > B, A >> B, A ~ B      the spans of B that are children / descendants / siblings of a
//   A < B, A << B             span of A; the spans of B that are parents / ancestors of one
//   A !> B, ... A !~ B        the spans of B for which no span of A is in that relation
//                              (including spans whose place in the tree is unknown)
//   A &> B, ... A &~ B        both: the spans of B in the relation with a span of A, and the
//                              spans of A in the converse relation with a span of B
//
// Spans whose nested set numbers are unknown (0) are in no relation. A span is not its own
// sibling. Root spans (nestedSetParent -1) are siblings of each other, as in Tempo.
//
// Thread safety: free functions.
#ifndef TIDEMARK_QUERY_TRACEQL_STRUCTURAL_H_
#define TIDEMARK_QUERY_TRACEQL_STRUCTURAL_H_

#include <cstdint>
#include <vector>

#include "query/traceql/ast.h"
#include "query/traceql/trace_view.h"

namespace tidemark::traceql {

bool IsStructuralOp(SpansetOp op);

// The spans `op` returns, as ascending span indices into `nested` (AssignNestedSets of the
// trace's spans); `lhs` and `rhs` are ascending too.
std::vector<uint32_t> StructuralJoin(const std::vector<NestedSet>& nested, SpansetOp op,
                                     const std::vector<uint32_t>& lhs,
                                     const std::vector<uint32_t>& rhs);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_STRUCTURAL_H_
