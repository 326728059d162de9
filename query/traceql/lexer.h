// The TraceQL lexer: query text to tokens, with Tempo's token boundaries (pkg/traceql/lexer.go on
// Go's text/scanner).
//
//   Result<std::vector<Token>> tokens = Tokenize(R"({ span.http.status_code >= 500 })");
//
// Attribute names are lexed in one piece: a scope prefix written against the name (`.`, `span.`,
// `resource.`, `event.`, `link.`, `instrumentation.`, `parent.`, `parent.span.`,
// `parent.resource.`) is followed by every character up to whitespace or one of
// `{ } ( ) = ~ ! < > & | ^ ,`, with `"..."` parts quoted (escapes `\"` and `\\`), so
// `span.http.response.status_code` and `span."gen_ai.usage.input_tokens"` are single tokens.
// Numbers directly followed by a unit are durations (`1.5s`, `300ms`, `2us`, `1h30m`, `1d`), as
// Prometheus' or Go's duration syntax accepts them. Strings are Go's: double quotes with escapes,
// or backticks without. `//` and `/* */` comments are skipped, as Go's scanner does.
//
// Thread safety: free functions.
#ifndef TIDEMARK_QUERY_TRACEQL_LEXER_H_
#define TIDEMARK_QUERY_TRACEQL_LEXER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/traceql/ast.h"
#include "tidemark/status.h"

namespace tidemark::traceql {

enum class TokenKind : uint8_t {
  kEof,
  kIdentifier,  // keywords too: the parser reads them by their text
  kString,      // text: the decoded value
  kInteger,
  kFloat,
  kDuration,    // int_value: nanoseconds
  kAttribute,   // a scoped or `.` attribute: scope, parent, text (the name, maybe empty)
  kScopeColon,  // `trace:`, `span:`, `event:`, `link:`, `instrumentation:`; text: the scope word
  kLeftBrace,
  kRightBrace,
  kLeftParen,
  kRightParen,
  kComma,
  kEq,        // =
  kNe,        // !=
  kRegex,     // =~
  kNotRegex,  // !~ (also "not sibling")
  kGt,
  kGe,
  kLt,
  kLe,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAnd,  // &&
  kOr,   // ||
  kNot,  // !
  kPipe,
  kDescendant,       // >>
  kAncestor,         // <<
  kTilde,            // ~
  kNotChild,         // !>
  kNotParent,        // !<
  kNotDescendant,    // !>>
  kNotAncestor,      // !<<
  kUnionChild,       // &>
  kUnionParent,      // &<
  kUnionDescendant,  // &>>
  kUnionAncestor,    // &<<
  kUnionSibling,     // &~
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  int pos = 0;  // byte offset of the first character
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  AttributeScope scope = AttributeScope::kNone;  // kAttribute
  bool parent = false;                           // kAttribute: `parent.` prefix
};

// The token as a message shows it: `"{"`, `identifier "foo"`, `end of input`.
std::string DescribeToken(const Token& token);

// "line L, col C" of a byte offset (both 1-based; columns count bytes).
std::string DescribePosition(std::string_view input, int pos);

// All tokens of `input`, ending with kEof. InvalidArgument on a malformed string, number or
// comment: "parse error at line 1, col 9: ...".
Result<std::vector<Token>> Tokenize(std::string_view input);

// A duration as TraceQL's lexer reads it ("1.5s", "300ms", "1h30m", "2d"); nullopt if it is not
// one (or overflows int64 nanoseconds).
std::optional<int64_t> ParseTraceQLDuration(std::string_view text);

// True if `name` lexes back as one attribute name when written unquoted after `scope`'s prefix.
bool AttributeNeedsQuotes(std::string_view name, AttributeScope scope, bool parent);

}  // namespace tidemark::traceql

#endif  // TIDEMARK_QUERY_TRACEQL_LEXER_H_
