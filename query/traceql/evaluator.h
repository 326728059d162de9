// Evaluates a TraceQL search query on one trace at a time, as Tempo's engine does
// (pkg/traceql/ast_execute.go): the pipeline starts from one spanset holding every span of the
// trace, and returns the spansets that survive it.
//
//   auto query = CompiledQuery::Compile("{ span.http.status_code >= 500 } | count() > 1");
//   TraceEvaluator eval(**query, spans);
//   auto spansets = eval.Evaluate();   // each: matched span indices, by()/aggregate attributes
//   eval.SpanAttributes(i);             // the attributes of span i the query names or selects
//
// Semantics chosen where Tempo's are undefined or accidental (docs/traceql.md):
//   - `event.x` and `event:` intrinsics in a spanset filter hold if one event of the span makes
//     the whole filter true (likewise links); elsewhere they read the first event having them.
//   - `&&` and `||` inside a filter treat a non-boolean operand as false; `!x` of a non-boolean
//     is nil.
//   - A structural operator between several spansets (after by()) fails, as in Tempo.
//
// Thread safety: a CompiledQuery is immutable and may be shared; a TraceEvaluator is used by one
// thread, and the spans must outlive it.
#ifndef TIDEMARK_QUERY_TRACEQL_EVALUATOR_H_
#define TIDEMARK_QUERY_TRACEQL_EVALUATOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "query/traceql/ast.h"
#include "query/traceql/parser.h"
#include "query/traceql/trace_view.h"
#include "query/traceql/value.h"
#include "tidemark/status.h"
#include "tidemark/trace.h"

namespace re2 {
class RE2;
}

namespace tidemark::traceql {

class CompiledQuery {
 public:
  // Parses and validates; InvalidArgument as ParseAndValidate.
  static Result<std::unique_ptr<CompiledQuery>> Compile(std::string_view text,
                                                        const ParseOptions& options = {});
  ~CompiledQuery();

  const Query& query() const { return query_; }
  // The compiled right-hand side of a =~ or !~ node, if it is a literal.
  const re2::RE2* RegexFor(const Node* binary) const;
  // What a field expression reads of events and links (for the per-event evaluation).
  struct Scopes {
    bool events = false;
    bool links = false;
  };
  Scopes ScopesOf(const Node* expr) const;
  // The attributes reported on every returned span: those the query names, and select()'s.
  const std::vector<const Node*>& reported_attributes() const { return reported_; }

 private:
  CompiledQuery() = default;
  void Prepare(const Node& node);

  Query query_;
  std::unordered_map<const Node*, std::unique_ptr<re2::RE2>> regexes_;
  std::unordered_map<const Node*, Scopes> scopes_;
  std::vector<const Node*> reported_;
};

struct EvaluatedSpanset {
  std::vector<uint32_t> spans;       // indices into the trace's spans, ascending
  std::vector<KeyValue> attributes;  // by() values and aggregates: {"count()", 4}, ...
};

class TraceEvaluator {
 public:
  // `spans`: the spans of one trace, in any order. `summary`: trace-level facts when `spans` is
  // only part of the trace (see trace_view.h); computed from the spans otherwise.
  TraceEvaluator(const CompiledQuery& query, const std::vector<Span>& spans,
                 const TraceSummary* summary = nullptr);

  // The spansets the query returns; empty when the trace does not match. InvalidArgument when the
  // query cannot run on this trace (a structural operator on several spansets).
  Result<std::vector<EvaluatedSpanset>> Evaluate();

  // The attributes of span `i` the query references or selects, as Tempo returns them in search
  // results: keyed by attribute name (no scope), intrinsics by their name ("status", "kind"); the
  // span's name and duration, its id and trace-level intrinsics are left out (they are fields).
  std::vector<KeyValue> SpanAttributes(uint32_t i) const;

  const PreparedTrace& trace() const { return trace_; }

  // One field expression on span `i`; `event`/`link` bind those scopes (-1: the first having it).
  Value EvalField(const Node& expr, uint32_t i, int event, int link) const;

 private:
  struct Spanset {
    std::vector<uint32_t> spans;
    std::vector<std::pair<std::string, Value>> attributes;
    Value scalar;
  };

  Result<std::vector<Spanset>> Run(const Node& node, std::vector<Spanset> input) const;
  Result<std::vector<Spanset>> RunSpansetOperation(const Node& node,
                                                   std::vector<Spanset> input) const;
  bool FilterMatches(const Node& expr, uint32_t i) const;
  Value Aggregate(const Node& aggregate, const Spanset& set) const;
  Value Lookup(const Node& attribute, uint32_t i, int event, int link) const;

  const CompiledQuery& query_;
  PreparedTrace trace_;
};

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_EVALUATOR_H_
