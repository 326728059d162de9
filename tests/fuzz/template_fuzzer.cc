// Rule templates (query/rules/): any text parses or fails with a status; what parses executes
// on small fixed data (labels, a list, numbers, a query result) under tight limits, and fails
// or succeeds the same way twice. The same text is also tried as a printf format. A crash,
// hang or sanitizer report is a finding.
#include <string>
#include <vector>

#include "query/rules/go_format.h"
#include "query/rules/template.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;
using namespace tidemark::rules;

namespace {

TemplateValue FixedData() {
  std::map<std::string, TemplateValue, std::less<>> fields;
  fields.emplace("Labels", TemplateValue::StringMap({{"instance", "web-1:9100"}, {"job", "api"}}));
  fields.emplace("Value", TemplateValue::Float(1234.5));
  fields.emplace("N", TemplateValue::Int(3));
  fields.emplace("S", TemplateValue::String("a.b"));
  fields.emplace("L", TemplateValue::List({TemplateValue::String("x"), TemplateValue::Int(-1),
                                           TemplateValue::Float(0.5), TemplateValue()}));
  return TemplateValue::Map(std::move(fields));
}

TemplateEnv FixedEnv() {
  TemplateEnv env;
  env.external_url = "http://prom:9090/p";
  env.query = [](std::string_view q) -> Result<std::vector<TemplateSample>> {
    if (q.empty()) return Status::InvalidArgument("empty query");
    return std::vector<TemplateSample>{{{{"__name__", "up"}, {"instance", "b"}}, 1},
                                       {{{"__name__", "up"}, {"instance", "a"}}, 0}};
  };
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // longer texts add nothing the depth limits do not cover
  const std::string_view text = fuzz::AsView(data, size);
  TemplateOptions options;
  options.max_steps = 20'000;
  options.max_output_bytes = 64 * 1024;
  options.max_call_depth = 20;
  options.max_queries = 10;
  static const TemplateValue dot = FixedData();
  static const TemplateEnv env = FixedEnv();
  auto tmpl = ParseTemplate("fuzz", text, options);
  if (tmpl.ok()) {
    auto first = ExecuteTemplate(**tmpl, dot, env);
    auto second = ExecuteTemplate(**tmpl, dot, env);
    if (first.ok() != second.ok() || (first.ok() && *first != *second) ||
        (!first.ok() && first.status().message() != second.status().message())) {
      fuzz::Fail("execution is not deterministic: <" + std::string(text) + ">");
    }
    if (first.ok() && first->size() > options.max_output_bytes) {
      fuzz::Fail("output over the limit: <" + std::string(text) + ">");
    }
  }
  AlertTemplateData alert;
  alert.labels = {{"instance", "web-1"}};
  alert.value = 0.25;
  (void)ExpandAlertTemplate("__alert_fuzz", text, alert, env, options);
  (void)CheckTemplate("__alert_fuzz", text, options);
  const std::string formatted = GoSprintf(text, {TemplateValue::Int(-7), TemplateValue::Float(2.5),
                                                 TemplateValue::String("s"), TemplateValue(), dot});
  (void)formatted;
  return 0;
}
