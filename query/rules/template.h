// Go's text/template with Prometheus' template functions: what alerting rules' annotations and
// labels are written in ("{{ $labels.instance }} is down, {{ $value | humanize }}").
//
// The language is Go's (https://pkg.go.dev/text/template): {{ }} actions with {{- -}} trimming
// and {{/* */}} comments; pipelines, parentheses, variables ($x := ..., $x = ...), fields and map
// keys (.Labels.job, $labels.job); if / else if / else, range (lists, maps in key order, ints)
// with break / continue and else, with / else with, define / template / block. Built-in
// functions: and, or, not, eq, ne, lt, le, gt, ge, len, index, slice, print, printf, println,
// html, js, urlquery (not call). Prometheus' functions (its template/template.go): query, first,
// label, value, strvalue, sortByLabel, args, reReplaceAll, match, safeHtml, title, toUpper,
// toLower, stripPort, stripDomain, graphLink, tableLink, humanize, humanize1024,
// humanizeDuration, humanizePercentage, humanizeTimestamp, pathPrefix, externalURL,
// parseDuration. Output and error messages are Go's byte for byte for the same values
// ("template: name:1:17: executing \"name\" at <humanize $value>: error calling humanize: ...").
// Not supported, unlike Go and Prometheus: complex numbers, methods (so toTime and its .Format
// are missing), the `call` and `tmpl` functions, html/template's escaping; a pointer nested in a
// list prints as &{...} where Go prints its address; sortByLabel returns a sorted copy where
// Prometheus sorts the query result in place.
//
// Nothing here throws. Every limit of TemplateOptions ends a parse or an execution with a
// ResourceExhausted status; other failures are InvalidArgument with Go's message.
//
// Thread safety: a parsed Template is immutable and may be executed from several threads at
// once; TemplateEnv's query callback is then called from those threads.
#ifndef TIDEMARK_QUERY_RULES_TEMPLATE_H_
#define TIDEMARK_QUERY_RULES_TEMPLATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/rules/template_value.h"
#include "tidemark/status.h"

namespace tidemark::rules {

// How a missing map key reads: Go's Option("missingkey=...").
enum class MissingKey {
  kZero,     // the zero of the map's element type: "" for labels (Prometheus' setting)
  kDefault,  // no value: prints "<no value>"
  kError,    // an execution error: map has no entry for key "x"
};

struct TemplateOptions {
  MissingKey missing_key = MissingKey::kZero;
  // Longest template text accepted, in bytes.
  size_t max_text_bytes = 1 << 20;
  // Deepest nesting of control structures (if, range, with, define, block) and parenthesised
  // pipelines. Parsing and execution recurse once per level.
  size_t max_parse_depth = 100;
  // Most {{template}} calls in progress at once (recursive templates). Whatever the depths, an
  // execution also stops once it has used 256 KiB of stack.
  size_t max_call_depth = 100;
  // Most evaluation steps (each node walked, each command evaluated, each range iteration).
  uint64_t max_steps = 1'000'000;
  // Longest output, in bytes; also the longest string any function may return.
  size_t max_output_bytes = 1 << 20;
  // Most calls of the query function in one execution.
  size_t max_queries = 1000;
};

// One element of a query result, as Prometheus hands it to templates (its `sample`: fields
// .Labels and .Value).
struct TemplateSample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Runs an instant PromQL query at the evaluation time the caller chose. Its error message
// becomes the template's ("error calling query: <message>").
using TemplateQueryFunc =
    std::function<Result<std::vector<TemplateSample>>(std::string_view query)>;

// What Prometheus' functions see of the outside world.
struct TemplateEnv {
  TemplateQueryFunc query;  // empty: `query` fails
  // Prometheus' --web.external-url: externalURL returns it, pathPrefix its path
  // ("http://prom:9090/p" gives "/p").
  std::string external_url;
};

namespace internal {
struct ParsedTemplate;
}

// A parsed template and the templates it defines ({{define}}, {{block}}).
class Template {
 public:
  explicit Template(std::unique_ptr<const internal::ParsedTemplate> parsed);
  ~Template();
  Template(const Template&) = delete;
  Template& operator=(const Template&) = delete;

  const std::string& name() const;
  const internal::ParsedTemplate& parsed() const { return *parsed_; }

 private:
  std::unique_ptr<const internal::ParsedTemplate> parsed_;
};

// Parses `text` as the template `name` (the name appears in every error message). Errors read
// as Go's: `template: name:3: function "humanise" not defined`. Functions are resolved here, so
// an unknown function is a parse error, as in Go.
Result<std::unique_ptr<const Template>> ParseTemplate(std::string_view name, std::string_view text,
                                                      const TemplateOptions& options = {});

// Executes `tmpl` with `dot` as its data ("." and "$"). Errors read as Go's:
// `template: name:1:17: executing "name" at <humanize "x">: error calling humanize: ...`.
Result<std::string> ExecuteTemplate(const Template& tmpl, const TemplateValue& dot,
                                    const TemplateEnv& env);

// ---- Alerting rules ----------------------------------------------------------------------------

// The data Prometheus gives an alert's annotation and label templates.
struct AlertTemplateData {
  std::map<std::string, std::string> labels;           // the alert's labels
  std::map<std::string, std::string> external_labels;  // the global external_labels
  std::string external_url;                            // --web.external-url
  double value = 0;                                    // the sample value that fired
};

// The value Prometheus executes alert templates on: a struct with fields Labels,
// ExternalLabels, ExternalURL and Value.
TemplateValue AlertTemplateValue(const AlertTemplateData& data);
// The same from its parts (`labels` and `external_labels` as TemplateValue::LabelMap makes
// them), for a rule that expands several texts for each of many alerts: the value is built once
// per alert, the external labels' map once per evaluation, and their contents are shared.
TemplateValue AlertTemplateValue(TemplateValue labels, TemplateValue external_labels,
                                 std::string external_url, double value);

// Expands one annotation or label template as Prometheus' alerting rule does: the text is
// prefixed with {{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}
// {{$externalURL := .ExternalURL}}{{$value := .Value}} (so columns in messages count the
// prefix, as Prometheus' do), parsed as `name` (Prometheus uses "__alert_" + the alert's name)
// and executed on AlertTemplateValue(data). Errors are worded as Prometheus' Expander words
// them: "error parsing template NAME: template: ..." or "error executing template NAME: ...";
// Prometheus then shows "<error expanding template: MESSAGE>" in place of the annotation.
Result<std::string> ExpandAlertTemplate(std::string_view name, std::string_view text,
                                        const AlertTemplateData& data, const TemplateEnv& env,
                                        const TemplateOptions& options = {});

// ExpandAlertTemplate in its two phases, for a rule that expands the same text for every alert
// at every evaluation: parse once (the failure worded as ExpandAlertTemplate words it), then
// execute as often as needed.
Result<std::shared_ptr<const Template>> ParseAlertTemplate(std::string_view name,
                                                           std::string_view text,
                                                           const TemplateOptions& options = {});
Result<std::string> ExecuteAlertTemplate(const Template& tmpl, const AlertTemplateData& data,
                                         const TemplateEnv& env);
// The same on a value AlertTemplateValue made.
Result<std::string> ExecuteAlertTemplate(const Template& tmpl, const TemplateValue& dot,
                                         const TemplateEnv& env);

// What `promtool check rules` checks of an annotation or label template: that it parses with
// the alert prefix above, under `name`. Like promtool, it does not execute the template (a
// template may legitimately fail on the empty data a check would have). The error is Go's
// parse error ("template: __alert_X:1: function \"humanise\" not defined").
Status CheckTemplate(std::string_view name, std::string_view text,
                     const TemplateOptions& options = {});

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_TEMPLATE_H_
