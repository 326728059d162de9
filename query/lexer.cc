#include "query/lexer.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::promql {
namespace {

bool IsSpace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(int c) { return c >= '0' && c <= '9'; }
bool IsAlpha(int c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlphaNumeric(int c) { return IsAlpha(c) || IsDigit(c); }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Keyword {
  std::string_view word;
  TokenKind kind;
};

// Prometheus' `key` table (lex.go). "inf" and "nan" lex as numbers.
constexpr std::array<Keyword, 31> kKeywords = {{
    {"and", TokenKind::kAnd},
    {"or", TokenKind::kOr},
    {"unless", TokenKind::kUnless},
    {"atan2", TokenKind::kAtan2},
    {"sum", TokenKind::kAggregator},
    {"avg", TokenKind::kAggregator},
    {"count", TokenKind::kAggregator},
    {"min", TokenKind::kAggregator},
    {"max", TokenKind::kAggregator},
    {"group", TokenKind::kAggregator},
    {"stddev", TokenKind::kAggregator},
    {"stdvar", TokenKind::kAggregator},
    {"topk", TokenKind::kAggregator},
    {"bottomk", TokenKind::kAggregator},
    {"count_values", TokenKind::kAggregator},
    {"quantile", TokenKind::kAggregator},
    {"limitk", TokenKind::kAggregator},
    {"limit_ratio", TokenKind::kAggregator},
    {"offset", TokenKind::kOffset},
    {"by", TokenKind::kBy},
    {"without", TokenKind::kWithout},
    {"on", TokenKind::kOn},
    {"ignoring", TokenKind::kIgnoring},
    {"group_left", TokenKind::kGroupLeft},
    {"group_right", TokenKind::kGroupRight},
    {"bool", TokenKind::kBool},
    {"start", TokenKind::kStart},
    {"end", TokenKind::kEnd},
    {"step", TokenKind::kStep},
    {"range", TokenKind::kRange},
    {"inf", TokenKind::kNumber},
}};

bool LookupKeyword(std::string_view word, TokenKind* kind) {
  std::string lower = ToLower(word);
  if (lower == "nan") {
    *kind = TokenKind::kNumber;
    return true;
  }
  for (const Keyword& k : kKeywords) {
    if (k.word == lower) {
      *kind = k.kind;
      return true;
    }
  }
  return false;
}

}  // namespace

bool IsMetricKeyword(TokenKind kind) {
  switch (kind) {
    case TokenKind::kAggregator:
    case TokenKind::kBy:
    case TokenKind::kWithout:
    case TokenKind::kOffset:
    case TokenKind::kAnd:
    case TokenKind::kOr:
    case TokenKind::kUnless:
    case TokenKind::kStart:
    case TokenKind::kEnd:
    case TokenKind::kStep:
    case TokenKind::kRange:
      return true;
    default:
      return false;
  }
}

bool LexesAsNonMetricKeyword(std::string_view word) {
  TokenKind kind;
  return LookupKeyword(word, &kind) && !IsMetricKeyword(kind);
}

namespace {

// One UTF-8 sequence at s[i] as Go's lexer reads it: U+FFFD and width 1 where it is invalid,
// width 0 at the end.
char32_t DecodeRune(std::string_view s, size_t i, int* width) {
  size_t n = 0;
  const char32_t r = util::DecodeUtf8Rune(s, i, &n);
  *width = static_cast<int>(n);
  return r;
}

int DigitValue(char32_t c) {
  if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
  return 16;
}

}  // namespace

bool IsWordToken(TokenKind kind) {
  switch (kind) {
    case TokenKind::kIdentifier:
    case TokenKind::kMetricIdentifier:
    case TokenKind::kAtan2:
    case TokenKind::kAnd:
    case TokenKind::kOr:
    case TokenKind::kUnless:
    case TokenKind::kAggregator:
    case TokenKind::kBool:
    case TokenKind::kBy:
    case TokenKind::kWithout:
    case TokenKind::kOn:
    case TokenKind::kIgnoring:
    case TokenKind::kGroupLeft:
    case TokenKind::kGroupRight:
    case TokenKind::kOffset:
    case TokenKind::kStart:
    case TokenKind::kEnd:
    case TokenKind::kStep:
    case TokenKind::kRange:
      return true;
    default:
      return false;
  }
}

namespace {

// Go's %.10q: the first ten runes, quoted.
std::string QuoteTruncated(std::string_view s) {
  size_t i = 0;
  for (int runes = 0; runes < 10 && i < s.size(); ++runes) {
    int width = 0;
    DecodeRune(s, i, &width);
    i += width;
  }
  return util::GoQuote(s.substr(0, i));
}

// Item.String() in lex.go for tokens that are not identifiers, keywords, operators, aggregators.
std::string PlainItemString(std::string_view text) {
  if (text.size() > 10) return QuoteTruncated(text) + "...";
  return util::GoQuote(text);
}

}  // namespace

std::string DescribeToken(const Token& token) {
  std::string text(token.text);
  switch (token.kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kError:
      return token.error;
    case TokenKind::kIdentifier:
      return "identifier " + util::GoQuote(text);
    case TokenKind::kMetricIdentifier:
      return "metric identifier " + util::GoQuote(text);
    case TokenKind::kComment:
      return "comment " + PlainItemString(text);
    case TokenKind::kNumber:
      return "number " + PlainItemString(text);
    case TokenKind::kDuration:
      return "duration " + PlainItemString(text);
    case TokenKind::kString:
      return "string " + PlainItemString(text);
    case TokenKind::kAdd:
    case TokenKind::kSub:
    case TokenKind::kMul:
    case TokenKind::kDiv:
    case TokenKind::kMod:
    case TokenKind::kPow:
    case TokenKind::kEqlc:
    case TokenKind::kNeq:
    case TokenKind::kLss:
    case TokenKind::kLte:
    case TokenKind::kGtr:
    case TokenKind::kGte:
    case TokenKind::kEqlRegex:
    case TokenKind::kNeqRegex:
    case TokenKind::kAt:
    case TokenKind::kAtan2:
    case TokenKind::kAnd:
    case TokenKind::kOr:
    case TokenKind::kUnless:
      return "<op:" + text + ">";
    case TokenKind::kAggregator:
      return "<aggr:" + text + ">";
    case TokenKind::kBool:
    case TokenKind::kBy:
    case TokenKind::kWithout:
    case TokenKind::kOn:
    case TokenKind::kIgnoring:
    case TokenKind::kGroupLeft:
    case TokenKind::kGroupRight:
    case TokenKind::kOffset:
      return "<" + text + ">";
    default:
      return PlainItemString(text);
  }
}

char Lexer::Peek(int ahead) const {
  size_t i = static_cast<size_t>(pos_ + ahead);
  return i < input_.size() ? input_[i] : '\0';
}

char32_t Lexer::PeekRune(int* width) const { return DecodeRune(input_, pos_, width); }

Token Lexer::Make(TokenKind kind, int start) const {
  Token t;
  t.kind = kind;
  t.pos = start;
  t.text = input_.substr(start, pos_ - start);
  return t;
}

Token Lexer::Error(int start, std::string message) {
  done_ = true;
  Token t;
  t.kind = TokenKind::kError;
  t.pos = start;
  t.error = std::move(message);
  return t;
}

void Lexer::SkipSpaces() {
  while (pos_ < static_cast<int>(input_.size()) && IsSpace(input_[pos_])) ++pos_;
}

Token Lexer::Next() {
  if (done_) {
    Token t;
    t.kind = TokenKind::kEof;
    t.pos = static_cast<int>(input_.size());
    return t;
  }
  if (brace_open_) return LexInsideBraces();
  if (bracket_open_) return LexInsideBrackets();
  return LexStatement();
}

Token Lexer::LexStatement() {
  SkipSpaces();
  const int start = pos_;
  const int size = static_cast<int>(input_.size());
  if (pos_ >= size) {
    if (paren_depth_ != 0) return Error(start, "unclosed left parenthesis");
    done_ = true;
    return Make(TokenKind::kEof, start);
  }
  const char c = input_[pos_];
  if (c == '#') {
    while (pos_ < size && input_[pos_] != '\n' && input_[pos_] != '\r') ++pos_;
    return Make(TokenKind::kComment, start);
  }
  auto single = [&](TokenKind kind) {
    ++pos_;
    return Make(kind, start);
  };
  switch (c) {
    case ',':
      return single(TokenKind::kComma);
    case '*':
      return single(TokenKind::kMul);
    case '/':
      return single(TokenKind::kDiv);
    case '%':
      return single(TokenKind::kMod);
    case '+':
      return single(TokenKind::kAdd);
    case '-':
      return single(TokenKind::kSub);
    case '^':
      return single(TokenKind::kPow);
    case '@':
      return single(TokenKind::kAt);
    case '=':
      ++pos_;
      if (Peek() == '=') {
        ++pos_;
        return Make(TokenKind::kEqlc, start);
      }
      if (Peek() == '~') return Error(start, "unexpected character after '=': '~'");
      return Make(TokenKind::kAssign, start);
    case '!': {
      ++pos_;
      int width = 0;
      char32_t next = PeekRune(&width);
      if (width == 0 || next != '=') {
        return Error(start, "unexpected character after '!': " +
                                util::GoQuoteRune(width == 0 ? util::kRuneError : next));
      }
      ++pos_;
      return Make(TokenKind::kNeq, start);
    }
    case '<':
      ++pos_;
      if (Peek() == '=') {
        ++pos_;
        return Make(TokenKind::kLte, start);
      }
      return Make(TokenKind::kLss, start);
    case '>':
      ++pos_;
      if (Peek() == '=') {
        ++pos_;
        return Make(TokenKind::kGte, start);
      }
      return Make(TokenKind::kGtr, start);
    case '"':
    case '\'':
    case '`':
      return LexString(c);
    case '(':
      ++paren_depth_;
      return single(TokenKind::kLeftParen);
    case ')':
      ++pos_;
      if (--paren_depth_ < 0) return Error(pos_, "unexpected right parenthesis ')'");
      return Make(TokenKind::kRightParen, start);
    case '{':
      brace_open_ = true;
      return single(TokenKind::kLeftBrace);
    case '[': {
      ++pos_;
      Token t = Make(TokenKind::kLeftBracket, start);
      got_colon_ = false;
      bracket_open_ = true;
      return t;
    }
    case ']':
      return Error(start, "unexpected right bracket ']'");
    default:
      break;
  }
  if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return LexNumberOrDuration();
  if (IsAlpha(c) || c == ':') return LexWord(/*keywords=*/true);
  int width = 0;
  char32_t r = PeekRune(&width);
  return Error(start, "unexpected character: " + util::GoQuoteRune(r));
}

Token Lexer::LexInsideBraces() {
  SkipSpaces();
  const int start = pos_;
  const int size = static_cast<int>(input_.size());
  if (pos_ >= size) return Error(start, "unexpected end of input inside braces");
  const char c = input_[pos_];
  if (c == '#') {
    while (pos_ < size && input_[pos_] != '\n' && input_[pos_] != '\r') ++pos_;
    return Make(TokenKind::kComment, start);
  }
  if (IsAlpha(c)) return LexWord(/*keywords=*/false);
  switch (c) {
    case ',':
      ++pos_;
      return Make(TokenKind::kComma, start);
    case '"':
    case '\'':
    case '`':
      return LexString(c);
    case '=':
      ++pos_;
      if (Peek() == '~') {
        ++pos_;
        return Make(TokenKind::kEqlRegex, start);
      }
      return Make(TokenKind::kAssign, start);
    case '!': {
      ++pos_;
      int width = 0;
      char32_t next = PeekRune(&width);
      if (width != 0 && next == '~') {
        ++pos_;
        return Make(TokenKind::kNeqRegex, start);
      }
      if (width != 0 && next == '=') {
        ++pos_;
        return Make(TokenKind::kNeq, start);
      }
      return Error(start, "unexpected character after '!' inside braces: " +
                              util::GoQuoteRune(width == 0 ? util::kRuneError : next));
    }
    case '{':
      return Error(start, "unexpected left brace '{'");
    case '}':
      ++pos_;
      brace_open_ = false;
      return Make(TokenKind::kRightBrace, start);
    default:
      break;
  }
  int width = 0;
  char32_t r = PeekRune(&width);
  return Error(start, "unexpected character inside braces: " + util::GoQuoteRune(r));
}

// Inside `[...]`: durations, numbers, `:` and, for Prometheus' duration expressions, arithmetic
// tokens and step()/range()/min_of()/max_of().
Token Lexer::LexInsideBrackets() {
  SkipSpaces();
  const int start = pos_;
  const int size = static_cast<int>(input_.size());
  if (pos_ >= size) return Error(start, "unexpected end of input in duration expression");
  const char c = input_[pos_];
  auto single = [&](TokenKind kind) {
    ++pos_;
    return Make(kind, start);
  };
  switch (c) {
    case ']':
      bracket_open_ = false;
      got_colon_ = false;
      return single(TokenKind::kRightBracket);
    case ':':
      ++pos_;
      if (got_colon_) return Error(pos_, "unexpected repeated colon in duration expression");
      got_colon_ = true;
      return Make(TokenKind::kColon, start);
    case '(':
      ++paren_depth_;
      return single(TokenKind::kLeftParen);
    case ')':
      ++pos_;
      if (--paren_depth_ < 0) return Error(pos_, "unexpected right parenthesis ')'");
      return Make(TokenKind::kRightParen, start);
    case '+':
      return single(TokenKind::kAdd);
    case '-':
      return single(TokenKind::kSub);
    case '*':
      return single(TokenKind::kMul);
    case '/':
      return single(TokenKind::kDiv);
    case '%':
      return single(TokenKind::kMod);
    case '^':
      return single(TokenKind::kPow);
    case ',':
      return single(TokenKind::kComma);
    default:
      break;
  }
  if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return LexNumberOrDuration();
  if (IsAlpha(c)) {
    int end = pos_;
    while (end < size && IsAlpha(input_[end])) ++end;
    std::string word = ToLower(input_.substr(pos_, end - pos_));
    TokenKind kind = TokenKind::kEof;
    if (word == "step") kind = TokenKind::kStep;
    if (word == "range") kind = TokenKind::kRange;
    if (word == "min" || word == "max") kind = TokenKind::kAggregator;
    // min_of()/max_of() of durations; the parser tells them apart by their text.
    if (word == "min_of" || word == "max_of") kind = TokenKind::kIdentifier;
    if (kind != TokenKind::kEof) {
      pos_ = end;
      return Make(kind, start);
    }
  }
  int width = 0;
  char32_t r = PeekRune(&width);
  return Error(start, "unexpected character in duration expression: " + util::GoQuoteRune(r));
}

Token Lexer::LexString(char quote) {
  const int start = pos_;
  ++pos_;
  while (true) {
    int width = 0;
    char32_t r = PeekRune(&width);
    if (width == 0) {
      return Error(start, quote == '`' ? "unterminated raw string" : "unterminated quoted string");
    }
    pos_ += width;
    if (r == util::kRuneError) return Error(start, "invalid UTF-8 rune");
    if (r == static_cast<char32_t>(quote)) break;
    if (quote == '`') continue;
    if (r == '\n') return Error(start, "unterminated quoted string");
    if (r != '\\') continue;
    // An escape sequence; validated as Go's scanner does (lexEscape in lex.go).
    char32_t ch = PeekRune(&width);
    if (width == 0) return Error(start, "escape sequence not terminated");
    pos_ += width;
    int digits = 0;
    unsigned base = 0;
    char32_t max = 0;
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        continue;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        digits = 3, base = 8, max = 255;
        break;
      case 'x':
        digits = 2, base = 16, max = 255;
        ch = PeekRune(&width);
        pos_ += width;
        break;
      case 'u':
        digits = 4, base = 16, max = 0x10FFFF;
        ch = PeekRune(&width);
        pos_ += width;
        break;
      case 'U':
        digits = 8, base = 16, max = 0x10FFFF;
        ch = PeekRune(&width);
        pos_ += width;
        break;
      default:
        if (ch == static_cast<char32_t>(quote)) continue;
        return Error(start, "unknown escape sequence " + util::GoFormatRuneU(ch));
    }
    char32_t value = 0;
    while (digits > 0) {
      unsigned d = static_cast<unsigned>(DigitValue(ch));
      if (width == 0) return Error(start, "escape sequence not terminated");
      if (d >= base)
        return Error(start, "illegal character " + util::GoFormatRuneU(ch) + " in escape sequence");
      value = value * base + d;
      if (--digits > 0) {
        ch = PeekRune(&width);
        pos_ += width;
      }
    }
    if (value > max || (value >= 0xD800 && value < 0xE000)) {
      return Error(start, "escape sequence is an invalid Unicode code point");
    }
  }
  return Make(TokenKind::kString, start);
}

// scanNumber in lex.go: decimal, hex and float forms; true if a number ends here.
bool Lexer::ScanNumber() {
  const int initial = pos_;
  std::string_view digits = "0123456789";
  auto is_in = [&](std::string_view set) {
    char c = Peek();
    return c != '\0' && set.find(c) != std::string_view::npos;
  };
  auto accept = [&](std::string_view set) {
    if (is_in(set)) {
      ++pos_;
      return true;
    }
    return false;
  };
  if (accept("0") && accept("xX")) {
    accept("_");
    digits = "0123456789abcdefABCDEF";
  }
  const bool hex = digits.size() > 10;
  accept(".");
  accept(digits);
  bool dot_consumed = false;
  bool exponent_consumed = false;
  // As in lex.go, `e` counts as an exponent even in hex literals ("0x1e5" is 0x1e5, "0xee" fails).
  std::string loop_set = std::string(digits) + "._eE";
  while (is_in(loop_set)) {
    if (is_in(".") && dot_consumed) {
      accept(".");
      return false;
    }
    if (is_in("eE") && exponent_consumed) {
      accept("eE");
      return false;
    }
    if (accept(".")) {
      dot_consumed = true;
      if (accept("_.")) return false;
      if (hex) return false;
      continue;
    }
    if (accept("eE")) {
      exponent_consumed = true;
      accept("+-");
      if (accept("._eE") || Peek() == '\0') return false;
      continue;
    }
    if (accept("_")) {
      if (accept("._eE") || Peek() == '\0') return false;
      continue;
    }
    while (accept(digits)) {
    }
  }
  if (pos_ == initial) return false;
  return !IsAlphaNumeric(static_cast<unsigned char>(Peek()));
}

// acceptRemainingDuration in lex.go: the unit letters of a duration such as 1h30m.
bool Lexer::AcceptRemainingDuration() {
  auto accept = [&](std::string_view set) {
    char c = Peek();
    if (c != '\0' && set.find(c) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  };
  if (!accept("smhdwy")) return false;
  accept("s");
  while (accept("0123456789")) {
    while (accept("0123456789")) {
    }
    if (!accept("smhdw")) return false;
    accept("s");
  }
  // Like lex.go, consume the next character and give it back only on success, so that an error
  // message quotes the offending character too.
  int width = 0;
  char32_t next = PeekRune(&width);
  pos_ += width;
  if (width != 0 && next < 0x80 && IsAlphaNumeric(static_cast<int>(next))) return false;
  pos_ -= width;
  return true;
}

Token Lexer::LexNumberOrDuration() {
  const int start = pos_;
  if (ScanNumber()) return Make(TokenKind::kNumber, start);
  if (AcceptRemainingDuration()) return Make(TokenKind::kDuration, start);
  return Error(
      start, "bad number or duration syntax: " + util::GoQuote(input_.substr(start, pos_ - start)));
}

Token Lexer::LexWord(bool keywords) {
  const int start = pos_;
  const int size = static_cast<int>(input_.size());
  while (pos_ < size && (IsAlphaNumeric(input_[pos_]) || (keywords && input_[pos_] == ':'))) {
    ++pos_;
  }
  Token t = Make(TokenKind::kIdentifier, start);
  if (!keywords) return t;
  TokenKind kind;
  if (LookupKeyword(t.text, &kind)) {
    t.kind = kind;
  } else if (t.text.find(':') != std::string_view::npos) {
    t.kind = TokenKind::kMetricIdentifier;
  }
  return t;
}

}  // namespace tidemark::promql
