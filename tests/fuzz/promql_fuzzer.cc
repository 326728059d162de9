// PromQL (query/parser.h): whatever parses prints (FormatExpr, PrettyExpr) to text that parses
// again and prints identically. A mismatch aborts: it is a finding.
#include <string>

#include "query/parser.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

namespace {

void CheckRoundTrip(std::string_view input, const promql::ParseOptions& options) {
  auto expr = promql::ParseExpr(input, options);
  if (!expr.ok()) return;
  const std::string printed = promql::FormatExpr(**expr);
  auto reparsed = promql::ParseExpr(printed, options);
  if (!reparsed.ok()) {
    fuzz::Fail("printed query does not parse: input <" + std::string(input) + "> printed <" +
               printed + ">: " + reparsed.status().ToString());
  }
  const std::string reprinted = promql::FormatExpr(**reparsed);
  if (reprinted != printed) {
    fuzz::Fail("print is not stable: input <" + std::string(input) + "> printed <" + printed +
               "> then <" + reprinted + ">");
  }
  const std::string pretty = promql::PrettyExpr(**expr);
  auto from_pretty = promql::ParseExpr(pretty, options);
  if (!from_pretty.ok() || promql::FormatExpr(**from_pretty) != printed) {
    fuzz::Fail("pretty-printed query differs: input <" + std::string(input) + "> pretty <" +
               pretty + ">");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // longer inputs add nothing the depth limits do not already cover
  const std::string_view input = fuzz::AsView(data, size);
  CheckRoundTrip(input, {});
  promql::ParseOptions all;
  all.enable_experimental_functions = true;
  all.enable_duration_expressions = true;
  CheckRoundTrip(input, all);
  return 0;
}
