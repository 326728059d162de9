// PromQL text to AST and back.
//
//   auto expr = tidemark::promql::ParseExpr("sum by (job) (rate(http_requests_total[5m]))");
//   if (!expr.ok()) { ... expr.status().message() is "1:5: parse error: ..." as Prometheus says ...
//   }
//
// Thread safety: free functions; the function table is immutable.
#ifndef TIDEMARK_QUERY_PARSER_H_
#define TIDEMARK_QUERY_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include "query/ast.h"
#include "tidemark/matcher.h"
#include "tidemark/status.h"

namespace tidemark::promql {

// Default and largest ParseOptions::max_depth. 256 levels is far beyond any query a person or a
// dashboard writes, and small enough that evaluating it stays well inside a thread's stack.
inline constexpr int kDefaultMaxExprDepth = 256;
inline constexpr int kMaxExprDepth = 1024;

struct ParseOptions {
  // Functions Prometheus 3 marks experimental (e.g. sort_by_label, double_exponential_smoothing)
  // and the limitk/limit_ratio aggregations are accepted only when this is set, as with
  // Prometheus' --enable-feature=promql-experimental-functions.
  bool enable_experimental_functions = false;
  // Arithmetic on durations in ranges, subquery steps and offsets (`foo[5m+1m]`, `offset -step()`,
  // `[min_of(step(), 1h)]`), as with Prometheus' --enable-feature=promql-duration-expr. Plain
  // and signed literals are always accepted.
  bool enable_duration_expressions = false;
  // How deeply expressions may nest (parentheses, calls, operator chains: the height of the
  // tree). Deeper input is refused with a parse error rather than exhausting the stack of
  // whatever walks the tree (parser, type checker, printer, evaluator). Range 1..kMaxExprDepth.
  int max_depth = kDefaultMaxExprDepth;
};

// Parses a whole expression. Errors are InvalidArgument with Prometheus' message form:
// "1:14: parse error: unexpected <op:+>" (line:column of the offending token, 1-based).
Result<ExprPtr> ParseExpr(std::string_view input, const ParseOptions& options = {});

// Parses a series selector as used by `match[]` (`up`, `{job="x"}`); no offset, @ or range.
Result<std::vector<LabelMatcher>> ParseSeriesSelector(std::string_view input);

// Parses a duration as Prometheus writes it ("5m", "1h30m", "1.5" seconds is not a duration):
// util::ParseDurationParts with Prometheus' error messages and its limit (about 292 years).
Result<int64_t> ParseDurationMs(std::string_view input);
// Formats milliseconds as Prometheus does ("5m", "1h30m", "1d", "0s", "-5m"): util::FormatDuration.
std::string FormatDuration(int64_t ms);

// The expression on one line, as Prometheus' String() prints it (canonical spacing, quoting and
// durations); parsing the output gives the same tree.
std::string FormatExpr(const Expr& expr);
// The expression as /api/v1/format_query returns it (Prometheus' Pretty(0): split over indented
// lines when longer than 100 columns).
std::string PrettyExpr(const Expr& expr);

// Deep copy of a tree.
}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_PARSER_H_
