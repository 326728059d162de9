// A port of Go's text/template/parse/lex.go. Each Lex* function is the Go state function of the
// same name; Step() runs the current one. Trim markers ("{{- ", " -}}") are handled here, as in
// Go, so the parser never sees the trimmed spaces.
#include "query/rules/template_lexer.h"

#include <cstdio>

#include "query/rules/go_unicode.h"
#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::rules::internal {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr std::string_view kSpaceChars = " \t\r\n";
constexpr size_t kTrimMarkerLen = 2;  // '-' and the space beside it

bool IsSpace(char32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

bool IsAlphaNumeric(char32_t r) { return r == '_' || IsGoLetterOrDigit(r); }

bool HasLeftTrimMarker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && IsSpace(static_cast<unsigned char>(s[1]));
}

bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(static_cast<unsigned char>(s[0])) && s[1] == '-';
}

size_t RightTrimLength(std::string_view s) {
  const size_t keep = s.find_last_not_of(kSpaceChars);
  return keep == std::string_view::npos ? s.size() : s.size() - keep - 1;
}

size_t LeftTrimLength(std::string_view s) {
  const size_t first = s.find_first_not_of(kSpaceChars);
  return first == std::string_view::npos ? s.size() : first;
}

int CountNewlines(std::string_view s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

ItemType Keyword(std::string_view word) {
  if (word == ".") return ItemType::kDot;
  if (word == "block") return ItemType::kBlock;
  if (word == "break") return ItemType::kBreak;
  if (word == "continue") return ItemType::kContinue;
  if (word == "define") return ItemType::kDefine;
  if (word == "else") return ItemType::kElse;
  if (word == "end") return ItemType::kEnd;
  if (word == "if") return ItemType::kIf;
  if (word == "range") return ItemType::kRange;
  if (word == "nil") return ItemType::kNil;
  if (word == "template") return ItemType::kTemplate;
  if (word == "with") return ItemType::kWith;
  return ItemType::kError;  // not a keyword
}

}  // namespace

std::string DescribeItem(const Item& item) {
  if (item.type == ItemType::kEOF) return "EOF";
  if (item.type == ItemType::kError) return item.error;
  if (item.type > ItemType::kKeyword) return "<" + std::string(item.val) + ">";
  if (util::Utf8RuneCount(item.val) > 10) {
    // %.10q: the first ten runes, quoted.
    size_t end = 0;
    for (int runes = 0; runes < 10; ++runes) {
      size_t width = 0;
      util::DecodeUtf8Rune(item.val, end, &width);
      end += width;
    }
    return util::GoQuote(item.val.substr(0, end)) + "...";
  }
  return util::GoQuote(item.val);
}

char32_t Lexer::Next() {
  if (pos_ >= input_.size()) {
    width_ = 0;
    return kEof;
  }
  size_t width = 0;
  const char32_t r = util::DecodeUtf8Rune(input_, pos_, &width);
  width_ = width;
  pos_ += width;
  if (r == '\n') ++line_;
  return r;
}

char32_t Lexer::Peek() {
  const char32_t r = Next();
  Backup();
  return r;
}

void Lexer::Backup() {
  pos_ -= width_;
  if (width_ == 1 && input_[pos_] == '\n') --line_;
}

Item Lexer::Emit(ItemType type) {
  Item item{type, start_, input_.substr(start_, pos_ - start_), start_line_, {}};
  start_ = pos_;
  start_line_ = line_;
  return item;
}

Item Lexer::Errorf(std::string message) {
  state_ = State::kDone;
  return Item{ItemType::kError, start_, {}, start_line_, std::move(message)};
}

void Lexer::Ignore() {
  line_ += CountNewlines(input_.substr(start_, pos_ - start_));
  start_ = pos_;
  start_line_ = line_;
}

bool Lexer::Accept(std::string_view valid) {
  const char32_t r = Next();
  if (r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
  Backup();
  return false;
}

void Lexer::AcceptRun(std::string_view valid) {
  while (Accept(valid)) {
  }
}

bool Lexer::AtTerminator() {
  const char32_t r = Peek();
  if (IsSpace(r)) return true;
  switch (r) {
    case kEof:
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
      return true;
    default:
      break;
  }
  return r == static_cast<char32_t>(kRightDelim[0]);
}

bool Lexer::AtRightDelim(bool* trim_spaces) const {
  const std::string_view rest = input_.substr(pos_);
  if (HasRightTrimMarker(rest) && rest.substr(kTrimMarkerLen).substr(0, 2) == kRightDelim) {
    *trim_spaces = true;
    return true;
  }
  *trim_spaces = false;
  return rest.substr(0, 2) == kRightDelim;
}

Item Lexer::NextItem() {
  while (state_ != State::kDone) {
    bool emitted = false;
    Item item = Step(&emitted);
    if (emitted || state_ == State::kDone) return item;
  }
  start_ = pos_;
  return Item{ItemType::kEOF, pos_, {}, line_, {}};
}

Item Lexer::Step(bool* emitted) {
  switch (state_) {
    case State::kText:
      return LexText(emitted);
    case State::kLeftDelim:
      return LexLeftDelim(emitted);
    case State::kComment:
      return LexComment(emitted);
    case State::kRightDelim:
      return LexRightDelim(emitted);
    case State::kInsideAction:
      return LexInsideAction(emitted);
    case State::kSpace:
      return LexSpace(emitted);
    case State::kIdentifier:
      return LexIdentifier(emitted);
    case State::kField:
      return LexFieldOrVariable(ItemType::kField, emitted);
    case State::kVariable:
      if (AtTerminator()) {  // "$" alone
        *emitted = true;
        state_ = State::kInsideAction;
        return Emit(ItemType::kVariable);
      }
      return LexFieldOrVariable(ItemType::kVariable, emitted);
    case State::kChar:
      return LexQuoted('\'', ItemType::kCharConstant, "unterminated character constant", emitted);
    case State::kNumber:
      return LexNumber(emitted);
    case State::kQuote:
      return LexQuoted('"', ItemType::kString, "unterminated quoted string", emitted);
    case State::kRawQuote:
      return LexRawQuote(emitted);
    case State::kDone:
      break;
  }
  return Item{};
}

Item Lexer::LexText(bool* emitted) {
  width_ = 0;
  const size_t x = input_.find(kLeftDelim, pos_);
  if (x != std::string_view::npos) {
    pos_ = x;
    size_t trim = 0;
    if (HasLeftTrimMarker(input_.substr(pos_ + kLeftDelim.size()))) {
      trim = RightTrimLength(input_.substr(start_, pos_ - start_));
    }
    pos_ -= trim;
    Item item;
    if (pos_ > start_) {
      line_ += CountNewlines(input_.substr(start_, pos_ - start_));
      item = Emit(ItemType::kText);
      *emitted = true;
    }
    pos_ += trim;
    Ignore();
    state_ = State::kLeftDelim;
    return item;
  }
  pos_ = input_.size();
  *emitted = true;
  if (pos_ > start_) {
    line_ += CountNewlines(input_.substr(start_, pos_ - start_));
    return Emit(ItemType::kText);
  }
  state_ = State::kDone;
  return Emit(ItemType::kEOF);
}

Item Lexer::LexLeftDelim(bool* emitted) {
  pos_ += kLeftDelim.size();
  const bool trim = HasLeftTrimMarker(input_.substr(pos_));
  const size_t after_marker = trim ? kTrimMarkerLen : 0;
  if (input_.substr(pos_ + after_marker).substr(0, 2) == kLeftComment) {
    pos_ += after_marker;
    Ignore();
    state_ = State::kComment;
    return Item{};
  }
  Item item = Emit(ItemType::kLeftDelim);
  *emitted = true;
  state_ = State::kInsideAction;
  pos_ += after_marker;
  Ignore();
  paren_depth_ = 0;
  return item;
}

Item Lexer::LexComment(bool* emitted) {
  pos_ += kLeftComment.size();
  const size_t end = input_.find(kRightComment, pos_);
  if (end == std::string_view::npos) {
    *emitted = true;
    return Errorf("unclosed comment");
  }
  pos_ = end + kRightComment.size();
  bool trim = false;
  if (!AtRightDelim(&trim)) {
    *emitted = true;
    return Errorf("comment ends before closing delimiter");
  }
  if (trim) pos_ += kTrimMarkerLen;
  pos_ += kRightDelim.size();
  if (trim) pos_ += LeftTrimLength(input_.substr(pos_));
  Ignore();
  state_ = State::kText;
  return Item{};
}

Item Lexer::LexRightDelim(bool* emitted) {
  const bool trim = HasRightTrimMarker(input_.substr(pos_));
  if (trim) {
    pos_ += kTrimMarkerLen;
    Ignore();
  }
  pos_ += kRightDelim.size();
  Item item = Emit(ItemType::kRightDelim);
  *emitted = true;
  if (trim) {
    pos_ += LeftTrimLength(input_.substr(pos_));
    Ignore();
  }
  state_ = State::kText;
  return item;
}

Item Lexer::LexInsideAction(bool* emitted) {
  bool trim = false;
  if (AtRightDelim(&trim)) {
    if (paren_depth_ == 0) {
      state_ = State::kRightDelim;
      return Item{};
    }
    *emitted = true;
    return Errorf("unclosed left paren");
  }
  const char32_t r = Next();
  *emitted = true;
  if (r == kEof) return Errorf("unclosed action");
  if (IsSpace(r)) {
    Backup();  // the space may start " -}}"
    *emitted = false;
    state_ = State::kSpace;
    return Item{};
  }
  switch (r) {
    case '=':
      return Emit(ItemType::kAssign);
    case ':':
      if (Next() != '=') return Errorf("expected :=");
      return Emit(ItemType::kDeclare);
    case '|':
      return Emit(ItemType::kPipe);
    case '"':
      *emitted = false;
      state_ = State::kQuote;
      return Item{};
    case '`':
      *emitted = false;
      state_ = State::kRawQuote;
      return Item{};
    case '$':
      *emitted = false;
      state_ = State::kVariable;
      return Item{};
    case '\'':
      *emitted = false;
      state_ = State::kChar;
      return Item{};
    case '(':
      ++paren_depth_;
      return Emit(ItemType::kLeftParen);
    case ')': {
      Item item = Emit(ItemType::kRightParen);
      if (--paren_depth_ < 0) return Errorf("unexpected right paren " + util::GoFormatRuneU(r));
      return item;
    }
    default:
      break;
  }
  if (r == '.') {
    // ".field", or a number such as ".5".
    if (pos_ < input_.size() && (input_[pos_] < '0' || input_[pos_] > '9')) {
      *emitted = false;
      state_ = State::kField;
      return Item{};
    }
  }
  if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
    Backup();
    *emitted = false;
    state_ = State::kNumber;
    return Item{};
  }
  if (IsAlphaNumeric(r)) {
    Backup();
    *emitted = false;
    state_ = State::kIdentifier;
    return Item{};
  }
  if (r < 0x80 && util::GoIsPrint(r)) return Emit(ItemType::kChar);
  return Errorf("unrecognized character in action: " + util::GoFormatRuneU(r));
}

Item Lexer::LexSpace(bool* emitted) {
  int spaces = 0;
  while (IsSpace(Peek())) {
    Next();
    ++spaces;
  }
  // A trim-marked right delimiter starts with a space: leave that space to it.
  const std::string_view from_last = input_.substr(pos_ - 1);
  if (HasRightTrimMarker(from_last) &&
      from_last.substr(kTrimMarkerLen).substr(0, 2) == kRightDelim) {
    Backup();
    if (spaces == 1) {
      state_ = State::kRightDelim;
      return Item{};
    }
  }
  *emitted = true;
  state_ = State::kInsideAction;
  return Emit(ItemType::kSpace);
}

Item Lexer::LexIdentifier(bool* emitted) {
  *emitted = true;
  char32_t r;
  while (IsAlphaNumeric(r = Next())) {
  }
  Backup();
  const std::string_view word = input_.substr(start_, pos_ - start_);
  if (!AtTerminator()) return Errorf("bad character " + util::GoFormatRuneU(r));
  state_ = State::kInsideAction;
  const ItemType keyword = Keyword(word);
  if (keyword != ItemType::kError) return Emit(keyword);
  if (word == "true" || word == "false") return Emit(ItemType::kBool);
  return Emit(ItemType::kIdentifier);
}

Item Lexer::LexFieldOrVariable(ItemType type, bool* emitted) {
  *emitted = true;
  if (AtTerminator()) {  // "." or "$" alone
    state_ = State::kInsideAction;
    return Emit(type == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot);
  }
  char32_t r;
  while (IsAlphaNumeric(r = Next())) {
  }
  Backup();
  if (!AtTerminator()) return Errorf("bad character " + util::GoFormatRuneU(r));
  state_ = State::kInsideAction;
  return Emit(type);
}

Item Lexer::LexQuoted(char32_t quote, ItemType type, const char* unterminated, bool* emitted) {
  *emitted = true;
  while (true) {
    char32_t r = Next();
    if (r == '\\') {
      r = Next();
      if (r != kEof && r != '\n') continue;
      return Errorf(unterminated);
    }
    if (r == kEof || r == '\n') return Errorf(unterminated);
    if (r == quote) break;
  }
  state_ = State::kInsideAction;
  return Emit(type);
}

Item Lexer::LexRawQuote(bool* emitted) {
  *emitted = true;
  while (true) {
    const char32_t r = Next();
    if (r == kEof) return Errorf("unterminated raw quoted string");
    if (r == '`') break;
  }
  state_ = State::kInsideAction;
  return Emit(ItemType::kRawString);
}

bool Lexer::ScanNumber() {
  Accept("+-");
  std::string_view digits = "0123456789_";
  if (Accept("0")) {
    if (Accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    } else if (Accept("oO")) {
      digits = "01234567_";
    } else if (Accept("bB")) {
      digits = "01_";
    }
  }
  AcceptRun(digits);
  if (Accept(".")) AcceptRun(digits);
  if (digits.size() == 10 + 1 && Accept("eE")) {
    Accept("+-");
    AcceptRun("0123456789_");
  }
  if (digits.size() == 16 + 6 + 1 && Accept("pP")) {
    Accept("+-");
    AcceptRun("0123456789_");
  }
  Accept("i");  // imaginary
  if (IsAlphaNumeric(Peek())) {
    Next();
    return false;
  }
  return true;
}

Item Lexer::LexNumber(bool* emitted) {
  *emitted = true;
  if (!ScanNumber()) {
    return Errorf("bad number syntax: " + util::GoQuote(input_.substr(start_, pos_ - start_)));
  }
  const char32_t sign = Peek();
  if (sign == '+' || sign == '-') {
    // Complex: 1+2i, no spaces, ending in 'i'.
    if (!ScanNumber() || input_[pos_ - 1] != 'i') {
      return Errorf("bad number syntax: " + util::GoQuote(input_.substr(start_, pos_ - start_)));
    }
    state_ = State::kInsideAction;
    return Emit(ItemType::kComplex);
  }
  state_ = State::kInsideAction;
  return Emit(ItemType::kNumber);
}

}  // namespace tidemark::rules::internal
