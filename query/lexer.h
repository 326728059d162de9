// The PromQL lexer: query text to tokens, with Prometheus' token boundaries and lexer errors.
//
//   Lexer lexer(R"(sum(rate(foo{job="x"}[5m])))");
//   for (Token t = lexer.Next(); t.kind != TokenKind::kEof && t.kind != TokenKind::kError;
//        t = lexer.Next()) { ... }
//
// Like Prometheus' lexer it is modal: inside `{...}` every word is an identifier (keywords are
// label names there), inside `[...]` only durations, numbers and `:` are expected. An error token
// carries the message in `text` and ends the stream.
//
// Thread safety: a Lexer is used by one thread; the input must outlive it.
#ifndef TIDEMARK_QUERY_LEXER_H_
#define TIDEMARK_QUERY_LEXER_H_

#include <string>
#include <string_view>

namespace tidemark::promql {

enum class TokenKind {
  kEof,
  kError,  // `text` holds the message
  kComment,
  kIdentifier,
  kMetricIdentifier,  // an identifier containing ':'
  kNumber,
  kDuration,
  kString,  // `text` includes the quotes
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kAssign,  // `=` (label matching)
  kColon,
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,   // !=
  kLss,
  kLte,
  kGtr,
  kGte,
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kAt,
  kAtan2,
  kAnd,
  kOr,
  kUnless,
  // Aggregators (the word is in `text`).
  kAggregator,
  // Keywords.
  kBool,
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kOffset,
  // Preprocessors: `@ start()`, `@ end()`, and the functions step() and range().
  kStart,
  kEnd,
  kStep,
  kRange,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  int pos = 0;  // byte offset of the token's first character
  // The token's text (for kError: the message). Views into the input except for errors.
  std::string_view text;
  std::string error;  // owns the message of a kError token

  int end() const { return pos + static_cast<int>(text.size()); }
};

// True for word tokens: identifiers, keywords, aggregators, and/or/unless/atan2, start/end/...
bool IsWordToken(TokenKind kind);

// Keywords that may also be metric names (`sum{job="x"}`, `offset`, `start`, ...).
bool IsMetricKeyword(TokenKind kind);

// True for the words that cannot stand as a metric name in front of the braces although they are
// valid names: those that lex as numbers ("nan", "inf", any case) and the keywords the grammar
// does not take as metric names (`on`, `ignoring`, `group_left`, `group_right`, `bool`, `atan2`).
bool LexesAsNonMetricKeyword(std::string_view word);

// How Prometheus names a token in "unexpected ..." messages: `<op:+>`, `<aggr:sum>`, `<by>`,
// `"("`, `identifier "foo"`, `number "1"`, `end of input`.
std::string DescribeToken(const Token& token);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  // The next token; after kEof or kError, returns kEof.
  Token Next();

 private:
  Token LexStatement();
  Token LexInsideBraces();
  Token LexInsideBrackets();
  Token LexString(char quote);
  Token LexNumberOrDuration();
  Token LexWord(bool keywords);

  Token Make(TokenKind kind, int start) const;
  Token Error(int start, std::string message);
  // Returns the rune at pos_ and its byte width (0 at end of input; width 1 for invalid UTF-8,
  // reported as U+FFFD).
  char32_t PeekRune(int* width) const;
  char Peek(int ahead = 0) const;
  bool ScanNumber();
  bool AcceptRemainingDuration();
  void SkipSpaces();

  std::string_view input_;
  int pos_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool done_ = false;
};

}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_LEXER_H_
