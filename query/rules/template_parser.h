// The template parser: Go's text/template/parse/parse.go, building template_ast.h's tree with
// Go's error messages ("template: name:3: unexpected {{end}}"). Limits from TemplateOptions:
// the text's size and the nesting depth (ResourceExhausted).
#ifndef TIDEMARK_QUERY_RULES_TEMPLATE_PARSER_H_
#define TIDEMARK_QUERY_RULES_TEMPLATE_PARSER_H_

#include <memory>
#include <string_view>

#include "query/rules/template.h"
#include "query/rules/template_ast.h"

namespace tidemark::rules::internal {

Result<std::unique_ptr<ParsedTemplate>> Parse(std::string_view name, std::string_view text,
                                              const TemplateOptions& options);

}  // namespace tidemark::rules::internal

#endif  // TIDEMARK_QUERY_RULES_TEMPLATE_PARSER_H_
