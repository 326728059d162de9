// The template lexer: Go's text/template/parse/lex.go, token for token, so that positions,
// line numbers and error messages match Go's. The parser pulls one item at a time.
#ifndef TIDEMARK_QUERY_RULES_TEMPLATE_LEXER_H_
#define TIDEMARK_QUERY_RULES_TEMPLATE_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace tidemark::rules::internal {

enum class ItemType {
  kError,         // the lexer failed; `error` says why
  kBool,          // true, false
  kChar,          // a printable ASCII character without a meaning of its own (',')
  kCharConstant,  // 'x'
  kComplex,       // 1+2i
  kAssign,        // =
  kDeclare,       // :=
  kEOF,
  kField,       // .Alphanumeric
  kIdentifier,  // a function name
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,  // `...` with its quotes
  kRightDelim,
  kRightParen,
  kSpace,     // a run of spaces between arguments
  kString,    // "..." with its quotes
  kText,      // text outside actions
  kVariable,  // $, $x
  // Keywords: after kKeyword.
  kKeyword,
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  ItemType type = ItemType::kEOF;
  size_t pos = 0;        // byte offset of the item in the input
  std::string_view val;  // the item's text
  int line = 1;          // line of the item's start
  std::string error;     // for kError
};

// Go's item.String(), which parse errors quote: EOF, <keyword>, "text" (or "first 10 ..."...).
std::string DescribeItem(const Item& item);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  // The next item; after kEOF or kError, kEOF forever.
  Item NextItem();

 private:
  enum class State {
    kText,
    kLeftDelim,
    kComment,
    kRightDelim,
    kInsideAction,
    kSpace,
    kIdentifier,
    kField,
    kVariable,
    kChar,
    kNumber,
    kQuote,
    kRawQuote,
    kDone,
  };

  static constexpr char32_t kEof = 0xFFFFFFFF;

  char32_t Next();
  char32_t Peek();
  void Backup();
  Item Emit(ItemType type);
  Item Errorf(std::string message);
  void Ignore();
  bool Accept(std::string_view valid);
  void AcceptRun(std::string_view valid);
  bool AtTerminator();
  bool AtRightDelim(bool* trim_spaces) const;
  bool ScanNumber();

  // One step of the state machine: sets *emitted when it produced an item.
  Item Step(bool* emitted);
  Item LexText(bool* emitted);
  Item LexLeftDelim(bool* emitted);
  Item LexComment(bool* emitted);
  Item LexRightDelim(bool* emitted);
  Item LexInsideAction(bool* emitted);
  Item LexSpace(bool* emitted);
  Item LexIdentifier(bool* emitted);
  Item LexFieldOrVariable(ItemType type, bool* emitted);
  Item LexQuoted(char32_t quote, ItemType type, const char* unterminated, bool* emitted);
  Item LexRawQuote(bool* emitted);
  Item LexNumber(bool* emitted);

  std::string_view input_;
  State state_ = State::kText;
  size_t pos_ = 0;
  size_t start_ = 0;
  size_t width_ = 0;
  int paren_depth_ = 0;
  int line_ = 1;
  int start_line_ = 1;
};

}  // namespace tidemark::rules::internal

#endif  // TIDEMARK_QUERY_RULES_TEMPLATE_LEXER_H_
