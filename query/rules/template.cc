// The public entry points: parsing, and Prometheus' alert-template conventions on top of
// ExecuteTemplate (template_exec.cc).
#include "query/rules/template.h"

#include "query/rules/template_ast.h"
#include "query/rules/template_parser.h"
#include "util/status_macros.h"

namespace tidemark::rules {
namespace {

// What Prometheus' alerting rule puts before every annotation and label template.
constexpr std::string_view kAlertPrefix =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

std::string WithAlertPrefix(std::string_view text) {
  std::string out(kAlertPrefix);
  out += text;
  return out;
}

}  // namespace

Template::Template(std::unique_ptr<const internal::ParsedTemplate> parsed)
    : parsed_(std::move(parsed)) {}

Template::~Template() = default;

const std::string& Template::name() const { return parsed_->name; }

Result<std::unique_ptr<const Template>> ParseTemplate(std::string_view name, std::string_view text,
                                                      const TemplateOptions& options) {
  auto parsed = internal::Parse(name, text, options);
  if (!parsed.ok()) return parsed.status();
  return std::make_unique<const Template>(std::move(parsed).value());
}

TemplateValue AlertTemplateValue(const AlertTemplateData& data) {
  return AlertTemplateValue(TemplateValue::StringMap(data.labels),
                            TemplateValue::StringMap(data.external_labels), data.external_url,
                            data.value);
}

TemplateValue AlertTemplateValue(TemplateValue labels, TemplateValue external_labels,
                                 std::string external_url, double value) {
  return TemplateValue::Struct(
      {{"Labels", std::move(labels)},
       {"ExternalLabels", std::move(external_labels)},
       {"ExternalURL", TemplateValue::String(std::move(external_url))},
       {"Value", TemplateValue::Float(value)}},
      "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; "
      "Value interface {} }",
      false);
}

Result<std::shared_ptr<const Template>> ParseAlertTemplate(std::string_view name,
                                                           std::string_view text,
                                                           const TemplateOptions& options) {
  auto tmpl = ParseTemplate(name, WithAlertPrefix(text), options);
  if (!tmpl.ok()) {
    return Status(tmpl.status().code(),
                  "error parsing template " + std::string(name) + ": " + tmpl.status().message());
  }
  return std::shared_ptr<const Template>(std::move(tmpl).value());
}

Result<std::string> ExecuteAlertTemplate(const Template& tmpl, const AlertTemplateData& data,
                                         const TemplateEnv& env) {
  return ExecuteAlertTemplate(tmpl, AlertTemplateValue(data), env);
}

Result<std::string> ExecuteAlertTemplate(const Template& tmpl, const TemplateValue& dot,
                                         const TemplateEnv& env) {
  auto result = ExecuteTemplate(tmpl, dot, env);
  if (!result.ok()) {
    return Status(result.status().code(),
                  "error executing template " + tmpl.name() + ": " + result.status().message());
  }
  return result;
}

Result<std::string> ExpandAlertTemplate(std::string_view name, std::string_view text,
                                        const AlertTemplateData& data, const TemplateEnv& env,
                                        const TemplateOptions& options) {
  TM_ASSIGN_OR_RETURN(std::shared_ptr<const Template> tmpl,
                      ParseAlertTemplate(name, text, options));
  return ExecuteAlertTemplate(*tmpl, data, env);
}

Status CheckTemplate(std::string_view name, std::string_view text, const TemplateOptions& options) {
  auto parsed = internal::Parse(name, WithAlertPrefix(text), options);
  return parsed.ok() ? Status::OK() : parsed.status();
}

}  // namespace tidemark::rules
