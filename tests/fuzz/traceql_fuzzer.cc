// TraceQL (query/traceql/): whatever parses prints (FormatQuery) to text that parses again and
// prints identically, and validates the same way; what validates evaluates on a small fixed trace
// (with spans whose parent never arrived) and plans without failing. A mismatch aborts: it is a
// finding.
#include <string>
#include <vector>

#include "query/traceql/evaluator.h"
#include "query/traceql/parser.h"
#include "query/traceql/planner.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

namespace {

std::vector<Span> FixedTrace() {
  auto make = [](char id, char parent, const char* name, SpanKind kind, uint64_t start,
                 uint64_t end) {
    Span s;
    s.trace_id = std::string(15, '\x01') + "\x02";
    s.span_id = std::string(7, '\x03') + id;
    if (parent != 0) s.parent_span_id = std::string(7, '\x03') + parent;
    s.name = name;
    s.kind = kind;
    s.start_time_unix_nano = start;
    s.end_time_unix_nano = end;
    s.attributes = {{"a", AnyValue::Int(3)},
                    {"s", AnyValue::String("x")},
                    {"f", AnyValue::Double(0.5)},
                    {"b", AnyValue::Bool(true)},
                    {"arr", AnyValue::Array({AnyValue::Int(1)})}};
    s.resource = MakeSpanResource({{"service.name", AnyValue::String("svc")}});
    s.events = {{start + 1, "exception", {{"e", AnyValue::String("boom")}}, 0}};
    s.links = {
        {std::string(16, '\x05'), std::string(8, '\x06'), "", {{"l", AnyValue::Int(1)}}, 0, 0}};
    s.status_code = id == '2' ? SpanStatusCode::kError : SpanStatusCode::kOk;
    s.scope = MakeSpanScope("lib");
    return s;
  };
  return {make('1', 0, "root", SpanKind::kServer, 100, 900),
          make('2', '1', "child", SpanKind::kClient, 200, 400),
          make('3', '2', "leaf", SpanKind::kInternal, 250, 300),
          make('4', '9', "orphan", SpanKind::kConsumer, 500, 600),
          make('5', '4', "orphan child", SpanKind::kProducer, 510, 520)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // longer inputs add nothing the depth limit does not already cover
  const std::string_view input = fuzz::AsView(data, size);
  auto query = traceql::ParseQuery(input);
  if (!query.ok()) return 0;
  const std::string printed = traceql::FormatQuery(*query);
  auto reparsed = traceql::ParseQuery(printed);
  if (!reparsed.ok()) {
    fuzz::Fail("printed query does not parse: input <" + std::string(input) + "> printed <" +
               printed + ">: " + reparsed.status().ToString());
  }
  const std::string reprinted = traceql::FormatQuery(*reparsed);
  if (reprinted != printed) {
    fuzz::Fail("print is not stable: input <" + std::string(input) + "> printed <" + printed +
               "> then <" + reprinted + ">");
  }
  const Status valid = traceql::ValidateQuery(*query);
  if (valid.ok() != traceql::ValidateQuery(*reparsed).ok()) {
    fuzz::Fail("validation differs after printing: input <" + std::string(input) + ">");
  }
  if (!valid.ok()) return 0;
  (void)traceql::PlanScan(*query);
  (void)traceql::FirstFilterConditions(*query);
  auto compiled = traceql::CompiledQuery::Compile(input);
  if (!compiled.ok()) fuzz::Fail("valid query does not compile: <" + std::string(input) + ">");
  static const std::vector<Span> trace = FixedTrace();
  traceql::TraceEvaluator eval(**compiled, trace);
  auto sets = eval.Evaluate();
  if (sets.ok()) {
    for (const auto& set : *sets) {
      for (uint32_t i : set.spans) {
        if (i >= trace.size()) fuzz::Fail("span index out of range: <" + std::string(input) + ">");
        (void)eval.SpanAttributes(i);
      }
    }
  }
  return 0;
}
