// The leaves of the PromQL grammar: number and string literals (parser.number and
// strutil.Unquote in parse.go) and vector selectors with their label matchers.
#include <cstddef>
#include <string>
#include <utility>

#include "query/go_regexp.h"
#include "query/parser_internal.h"
#include "re2/re2.h"
#include "util/go_text.h"

namespace tidemark::promql::internal {

bool Parser::ParseVectorSelector(ExprPtr* out) {
  auto vs = std::make_unique<VectorSelector>();
  vs->pos.start = cur_.pos;
  bool name_outside = false;
  if (cur_.kind != TokenKind::kLeftBrace) {
    if (!IsWordToken(cur_.kind)) return Unexpected("", "");
    vs->name = std::string(cur_.text);
    name_outside = true;
    vs->pos.end = cur_.end();
    Consume();
  }
  if (cur_.kind == TokenKind::kLeftBrace) {
    if (!ParseLabelMatchers(vs.get())) return false;
    vs->pos.end = LastClosing();
  }
  if (name_outside) {
    vs->matchers.insert(vs->matchers.begin(), LabelMatcher::Equal("__name__", vs->name));
    name_outside_.insert(vs.get());
  } else {
    // A quoted metric name inside the braces ({"http.requests"}) names the selector when it is
    // the only __name__ matcher.
    int name_matchers = 0;
    size_t index = 0;
    for (size_t i = 0; i < vs->matchers.size(); ++i) {
      if (vs->matchers[i].name == "__name__") {
        ++name_matchers;
        index = i;
      }
    }
    if (name_matchers == 1 && quoted_name_index_ == static_cast<int>(index) &&
        !vs->matchers[index].value.empty()) {
      LabelMatcher name_matcher = vs->matchers[index];
      vs->matchers.erase(vs->matchers.begin() + static_cast<std::ptrdiff_t>(index));
      vs->matchers.insert(vs->matchers.begin(), name_matcher);
      vs->name = name_matcher.value;
    }
  }
  *out = std::move(vs);
  return true;
}

bool Parser::ParseLabelMatchers(VectorSelector* vs) {
  Consume();  // {
  quoted_name_index_ = -1;
  if (cur_.kind == TokenKind::kRightBrace) {
    Consume();
    return true;
  }
  while (true) {
    if (cur_.kind != TokenKind::kIdentifier && cur_.kind != TokenKind::kString) {
      return Unexpected("label matching", "identifier or \"}\"");
    }
    const Token label = cur_;
    std::string name;
    if (label.kind == TokenKind::kString) {
      if (!Unquote(label, &name)) return false;
    } else {
      name = std::string(label.text);
    }
    Consume();
    if (label.kind == TokenKind::kString &&
        (cur_.kind == TokenKind::kComma || cur_.kind == TokenKind::kRightBrace)) {
      quoted_name_index_ = static_cast<int>(vs->matchers.size());
      vs->matchers.push_back(LabelMatcher::Equal("__name__", std::move(name)));
    } else {
      MatchType type;
      switch (cur_.kind) {
        case TokenKind::kAssign:
          type = MatchType::kEqual;
          break;
        case TokenKind::kNeq:
          type = MatchType::kNotEqual;
          break;
        case TokenKind::kEqlRegex:
          type = MatchType::kRegexMatch;
          break;
        case TokenKind::kNeqRegex:
          type = MatchType::kRegexNoMatch;
          break;
        default:
          if (label.kind == TokenKind::kString) return Unexpected("label matching", "string");
          return Unexpected("label matching", "label matching operator");
      }
      Consume();
      if (cur_.kind != TokenKind::kString) return Unexpected("label matching", "string");
      std::string value;
      if (!Unquote(cur_, &value)) return false;
      if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
        RE2::Options re_options;
        re_options.set_log_errors(false);
        RE2 re("^(?s:" + value + ")$", re_options);
        if (!re.ok()) AddError(label.pos, GoRegexpError(re));
      }
      Consume();
      vs->matchers.push_back({type, std::move(name), std::move(value)});
    }
    if (cur_.kind == TokenKind::kComma) {
      Consume();
      if (cur_.kind == TokenKind::kRightBrace) break;
      continue;
    }
    if (cur_.kind == TokenKind::kRightBrace) break;
    return Unexpected("label matching", "\",\" or \"}\"");
  }
  Consume();
  return true;
}

double Parser::ParseNumber(const Token& token) {
  if (Result<int64_t> integer = util::GoParseInt(token.text); integer.ok()) {
    return static_cast<double>(*integer);
  }
  Result<double> value = util::GoParseFloat(token.text);
  if (!value.ok()) {
    AddError(token.pos, "error parsing number: " + value.status().message());
    return 0;
  }
  return *value;
}

bool Parser::Unquote(const Token& token, std::string* out) {
  Result<std::string> unquoted = util::GoUnquote(token.text);
  if (!unquoted.ok()) {
    AddError(token.pos, "error unquoting string " + util::GoQuote(token.text) + ": " +
                            unquoted.status().message());
    return false;
  }
  *out = std::move(unquoted).value();
  return true;
}

}  // namespace tidemark::promql::internal
