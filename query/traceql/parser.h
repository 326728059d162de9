// TraceQL text to AST, type checking, and AST back to text.
//
//   Result<Query> query = ParseQuery("{ span.http.status_code >= 500 } | count() > 2");
//   if (query.ok()) { Status valid = ValidateQuery(*query); std::string text = FormatQuery(*query);
//   }
//
// The language accepted is Tempo's search language (pkg/traceql/expr.y); docs/traceql.md lists
// what is supported and the choices made. Errors are InvalidArgument:
//   "parse error at line 1, col 12: unexpected \"}\", expecting a field expression"
//   "span filter field expressions must resolve to a boolean: { 1 + 1 }"
//   "parent is not supported yet: { parent.a != 3 }"
//   "TraceQL metrics queries are not supported yet: rate()"
//
// Thread safety: free functions.
#ifndef TIDEMARK_QUERY_TRACEQL_PARSER_H_
#define TIDEMARK_QUERY_TRACEQL_PARSER_H_

#include <string>
#include <string_view>

#include "query/traceql/ast.h"
#include "tidemark/status.h"

namespace tidemark::traceql {

// Default and largest ParseOptions::max_depth. 256 levels is far beyond any query a person or
// Grafana writes, and keeps every walk of the tree (printer, type checker, evaluator, planner)
// well inside a thread's stack.
inline constexpr int kDefaultMaxDepth = 256;
inline constexpr int kMaxDepth = 1024;

struct ParseOptions {
  // How deeply the query may nest: parentheses, unary operators and operator chains (the height of
  // the tree). Deeper input is refused with InvalidArgument. Range 1..kMaxDepth.
  int max_depth = kDefaultMaxDepth;
};

// Parses a whole query (syntax only: see ValidateQuery). Metrics queries (`| rate()`, ...) are
// refused here, naming the function.
Result<Query> ParseQuery(std::string_view input, const ParseOptions& options = {});

// Tempo's validation: types of operands, aggregates over numbers, group and aggregate expressions
// that read the span, regular expressions that compile; then what is valid but not supported.
Status ValidateQuery(const Query& query);

// ParseQuery then ValidateQuery.
Result<Query> ParseAndValidate(std::string_view input, const ParseOptions& options = {});

// The canonical text: one line, single spaces, minimal parentheses. Parsing it gives a tree that
// prints identically.
std::string FormatQuery(const Query& query);
// One node in the same form: "count()", "avg(duration)", "by(resource.service.name)", ".a + 1".
// These are also the names of spanset attributes, as Tempo names them.
std::string FormatNode(const Node& node);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_PARSER_H_
