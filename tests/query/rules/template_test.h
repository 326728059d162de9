// Helpers for the template tests: expansion as Prometheus' Expander.Expand does it (the name
// "test", its error prefixes), the environment of Prometheus' template_test.go, and Go slices.
#ifndef TIDEMARK_TESTS_QUERY_RULES_TEMPLATE_TEST_H_
#define TIDEMARK_TESTS_QUERY_RULES_TEMPLATE_TEST_H_

#include <string>
#include <string_view>
#include <vector>

#include "query/rules/template.h"

namespace tidemark::rules::testing {

// The output, or "ERROR: " and Prometheus' error text ("error parsing template test: ...").
inline std::string Expand(std::string_view text, const TemplateValue& dot = TemplateValue(),
                          std::vector<TemplateSample> query_result = {},
                          TemplateOptions options = {}) {
  TemplateEnv env;
  env.external_url = "http://testhost:9090/path/prefix";
  env.query = [query_result](std::string_view) -> Result<std::vector<TemplateSample>> {
    return query_result;
  };
  auto tmpl = ParseTemplate("test", text, options);
  if (!tmpl.ok()) return "ERROR: error parsing template test: " + tmpl.status().message();
  auto out = ExecuteTemplate(**tmpl, dot, env);
  if (!out.ok()) return "ERROR: error executing template test: " + out.status().message();
  return *out;
}

inline TemplateValue Floats(std::vector<double> values) {
  std::vector<TemplateValue> items;
  for (double v : values) items.push_back(TemplateValue::Float(v));
  return TemplateValue::List(std::move(items), "[]float64");
}

inline TemplateValue Strings(std::vector<std::string> values) {
  std::vector<TemplateValue> items;
  for (auto& v : values) items.push_back(TemplateValue::String(v));
  return TemplateValue::List(std::move(items), "[]string");
}

inline TemplateValue Ints(std::vector<int64_t> values, std::string_view type = "int64") {
  std::vector<TemplateValue> items;
  for (int64_t v : values) items.push_back(TemplateValue::Int(v, type));
  return TemplateValue::List(std::move(items), "[]" + std::string(type));
}

inline TemplateValue Uints(std::vector<uint64_t> values) {
  std::vector<TemplateValue> items;
  for (uint64_t v : values) items.push_back(TemplateValue::Uint(v, "uint64"));
  return TemplateValue::List(std::move(items), "[]uint64");
}

}  // namespace tidemark::rules::testing

#endif  // TIDEMARK_TESTS_QUERY_RULES_TEMPLATE_TEST_H_
