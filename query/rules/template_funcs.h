// The functions a template can call: Go's built-ins (template_builtins.cc) and Prometheus'
// (template_funcs.cc), each with the Go parameter types that decide, as Go's reflection does,
// which arguments it accepts and how a missing value or a literal converts.
#ifndef TIDEMARK_QUERY_RULES_TEMPLATE_FUNCS_H_
#define TIDEMARK_QUERY_RULES_TEMPLATE_FUNCS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "query/rules/template.h"
#include "query/rules/template_value.h"

namespace tidemark::rules::internal {

// Go parameter types, as far as they differ in what they accept.
enum class ParamType {
  kValue,        // reflect.Value (the built-ins): anything, a missing value stays missing
  kAny,          // interface {}: anything, a missing value is nil
  kString,       // string: only strings; a literal must be a string literal
  kFloat64,      // float64: only floats; a literal must be a number
  kSample,       // *template.sample: a query result element, or nil
  kQueryResult,  // template.queryResult: a query result, or nil
};

// The Go name of a parameter type, for "wrong type for value; expected string; got int".
std::string_view ParamTypeName(ParamType type);

// The Go type names of Prometheus' query results, which ParamType::kSample/kQueryResult accept.
inline constexpr std::string_view kSampleType = "*template.sample";
inline constexpr std::string_view kQueryResultType = "template.queryResult";

// What a function may use besides its arguments.
struct CallContext {
  const TemplateEnv& env;
  const TemplateOptions& options;
  size_t queries = 0;  // query calls so far in this execution
};

// A function's body: arguments already converted to its parameter types. An error's message is
// Go's error text; the executor prefixes "error calling NAME: ".
using FunctionBody = Result<TemplateValue> (*)(CallContext& ctx,
                                               const std::vector<TemplateValue>& args);

struct FunctionSpec {
  std::string_view name;
  std::vector<ParamType> params;  // the fixed parameters
  bool variadic = false;          // then `variadic_type` repeats after them
  ParamType variadic_type = ParamType::kAny;
  FunctionBody body = nullptr;
  bool builtin = false;  // Go's built-in: `and` and `or` evaluate their arguments lazily
};

// The function called `name`, or nullptr.
const FunctionSpec* FindFunction(std::string_view name);

// The tables, in template_builtins.cc and template_funcs.cc.
const std::vector<FunctionSpec>& BuiltinFunctions();
const std::vector<FunctionSpec>& PrometheusFunctions();

// url.QueryEscape: letters, digits and -_.~ kept, ' ' as '+', other bytes as %XX.
std::string GoQueryEscape(std::string_view s);

// Go's text/template truth of a value (IsTrue), shared by if/with and and/or/not.
inline bool Truth(const TemplateValue& v) { return v.Truth(); }

}  // namespace tidemark::rules::internal

#endif  // TIDEMARK_QUERY_RULES_TEMPLATE_FUNCS_H_
