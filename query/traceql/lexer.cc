// Token boundaries follow Tempo's lexer on Go's text/scanner: the cases that matter are attribute
// names (everything up to a terminating character, see lexer.h), numbers running into a duration
// unit, and operators made of several characters, matched longest first (`!>>` before `!>`).
#include "query/traceql/lexer.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

namespace tidemark::traceql {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentPart(char c) { return IsIdentStart(c) || IsDigit(c); }

// Characters that end an unquoted attribute name (Tempo's isAttributeRune, negated).
bool EndsAttribute(char c) {
  if (IsSpace(c)) return true;
  switch (c) {
    case '{':
    case '}':
    case '(':
    case ')':
    case '=':
    case '~':
    case '!':
    case '<':
    case '>':
    case '&':
    case '|':
    case '^':
    case ',':
      return true;
    default:
      return false;
  }
}

struct Operator {
  std::string_view text;
  TokenKind kind;
};
// Longest first, so that the first match is the longest.
constexpr Operator kOperators[] = {
    {"!>>", TokenKind::kNotDescendant},
    {"!<<", TokenKind::kNotAncestor},
    {"&>>", TokenKind::kUnionDescendant},
    {"&<<", TokenKind::kUnionAncestor},
    {"!=", TokenKind::kNe},
    {"=~", TokenKind::kRegex},
    {"!~", TokenKind::kNotRegex},
    {">=", TokenKind::kGe},
    {"<=", TokenKind::kLe},
    {"&&", TokenKind::kAnd},
    {"||", TokenKind::kOr},
    {">>", TokenKind::kDescendant},
    {"<<", TokenKind::kAncestor},
    {"!>", TokenKind::kNotChild},
    {"!<", TokenKind::kNotParent},
    {"&>", TokenKind::kUnionChild},
    {"&<", TokenKind::kUnionParent},
    {"&~", TokenKind::kUnionSibling},
    {"{", TokenKind::kLeftBrace},
    {"}", TokenKind::kRightBrace},
    {"(", TokenKind::kLeftParen},
    {")", TokenKind::kRightParen},
    {",", TokenKind::kComma},
    {"=", TokenKind::kEq},
    {">", TokenKind::kGt},
    {"<", TokenKind::kLt},
    {"+", TokenKind::kAdd},
    {"-", TokenKind::kSub},
    {"*", TokenKind::kMul},
    {"/", TokenKind::kDiv},
    {"%", TokenKind::kMod},
    {"^", TokenKind::kPow},
    {"!", TokenKind::kNot},
    {"|", TokenKind::kPipe},
    {"~", TokenKind::kTilde},
};

struct DotScope {
  std::string_view word;
  AttributeScope scope;
  bool parent;
};
constexpr DotScope kDotScopes[] = {
    {"span", AttributeScope::kSpan, false},
    {"resource", AttributeScope::kResource, false},
    {"event", AttributeScope::kEvent, false},
    {"link", AttributeScope::kLink, false},
    {"instrumentation", AttributeScope::kInstrumentation, false},
    {"parent", AttributeScope::kNone, true},
};

bool IsColonScope(std::string_view word) {
  return word == "trace" || word == "span" || word == "event" || word == "link" ||
         word == "instrumentation";
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Scanner {
 public:
  explicit Scanner(std::string_view input) : in_(input) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      Status s = SkipSpaceAndComments();
      if (!s.ok()) return s;
      if (i_ >= in_.size()) {
        Token eof;
        eof.kind = TokenKind::kEof;
        eof.pos = static_cast<int>(in_.size());
        tokens.push_back(std::move(eof));
        return tokens;
      }
      Token token;
      token.pos = static_cast<int>(i_);
      s = Next(&token);
      if (!s.ok()) return s;
      tokens.push_back(std::move(token));
    }
  }

 private:
  Status Error(size_t pos, const std::string& message) const {
    return Status::InvalidArgument("parse error at " +
                                   DescribePosition(in_, static_cast<int>(pos)) + ": " + message);
  }

  char Peek(size_t offset = 0) const { return i_ + offset < in_.size() ? in_[i_ + offset] : '\0'; }

  Status SkipSpaceAndComments() {
    while (i_ < in_.size()) {
      if (IsSpace(in_[i_])) {
        ++i_;
      } else if (in_[i_] == '/' && Peek(1) == '/') {
        while (i_ < in_.size() && in_[i_] != '\n') ++i_;
      } else if (in_[i_] == '/' && Peek(1) == '*') {
        size_t end = in_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return Error(i_, "comment not terminated");
        i_ = end + 2;
      } else {
        break;
      }
    }
    return Status::OK();
  }

  Status Next(Token* token) {
    const char c = in_[i_];
    if (c == '"') return QuotedString(token);
    if (c == '`') return RawString(token);
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return Number(token);
    if (c == '.') {
      ++i_;
      token->kind = TokenKind::kAttribute;
      return AttributeName(token);
    }
    if (IsIdentStart(c)) return Word(token);
    for (const Operator& op : kOperators) {
      if (in_.substr(i_, op.text.size()) == op.text) {
        token->kind = op.kind;
        i_ += op.text.size();
        return Status::OK();
      }
    }
    if (c == '&') return Error(i_, "unexpected character \"&\" (did you mean \"&&\"?)");
    std::string shown(1, c);
    if (static_cast<unsigned char>(c) < 0x20) shown = "\\x" + std::to_string(c);
    return Error(i_, "unexpected character \"" + shown + "\"");
  }

  Status Word(Token* token) {
    const size_t start = i_;
    while (i_ < in_.size() && IsIdentPart(in_[i_])) ++i_;
    const std::string_view word = in_.substr(start, i_ - start);
    if (Peek() == '.') {
      for (const DotScope& scope : kDotScopes) {
        if (word != scope.word) continue;
        ++i_;
        token->kind = TokenKind::kAttribute;
        token->scope = scope.scope;
        token->parent = scope.parent;
        if (scope.parent) {
          // `parent.span.x` and `parent.resource.x`: the scope must touch the prefix.
          if (in_.substr(i_, 5) == "span.") {
            token->scope = AttributeScope::kSpan;
            i_ += 5;
          } else if (in_.substr(i_, 9) == "resource.") {
            token->scope = AttributeScope::kResource;
            i_ += 9;
          }
        }
        return AttributeName(token);
      }
    }
    if (Peek() == ':' && IsColonScope(word)) {
      ++i_;
      token->kind = TokenKind::kScopeColon;
      token->text = std::string(word);
      return Status::OK();
    }
    token->kind = TokenKind::kIdentifier;
    token->text = std::string(word);
    return Status::OK();
  }

  // The name after a scope prefix: unquoted characters up to a terminator, and quoted parts.
  Status AttributeName(Token* token) {
    std::string name;
    while (i_ < in_.size()) {
      const char c = in_[i_];
      if (c == '"') {
        const size_t quote = i_++;
        bool closed = false;
        while (i_ < in_.size()) {
          const char q = in_[i_];
          if (q == '"') {
            ++i_;
            closed = true;
            break;
          }
          if (q == '\\') {
            const char escaped = Peek(1);
            if (escaped != '"' && escaped != '\\') {
              return Error(i_, "invalid escape sequence in quoted attribute name");
            }
            name.push_back(escaped);
            i_ += 2;
            continue;
          }
          name.push_back(q);
          ++i_;
        }
        if (!closed) return Error(quote, "quoted attribute name not terminated: expecting \"");
      } else if (!EndsAttribute(c)) {
        name.push_back(c);
        ++i_;
      } else {
        break;
      }
    }
    token->text = std::move(name);
    return Status::OK();
  }

  Status QuotedString(Token* token) {
    const size_t start = i_++;
    std::string value;
    while (true) {
      if (i_ >= in_.size() || in_[i_] == '\n') return Error(start, "string literal not terminated");
      const char c = in_[i_];
      if (c == '"') {
        ++i_;
        break;
      }
      if (c != '\\') {
        value.push_back(c);
        ++i_;
        continue;
      }
      const size_t escape = i_;
      const char e = Peek(1);
      i_ += 2;
      switch (e) {
        case 'a':
          value.push_back('\a');
          break;
        case 'b':
          value.push_back('\b');
          break;
        case 'f':
          value.push_back('\f');
          break;
        case 'n':
          value.push_back('\n');
          break;
        case 'r':
          value.push_back('\r');
          break;
        case 't':
          value.push_back('\t');
          break;
        case 'v':
          value.push_back('\v');
          break;
        case '\\':
          value.push_back('\\');
          break;
        case '"':
          value.push_back('"');
          break;
        case 'x':
        case 'u':
        case 'U': {
          const int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int d = 0; d < digits; ++d) {
            const int h = HexDigit(Peek());
            if (h < 0) return Error(escape, "invalid escape sequence in string");
            cp = cp * 16 + static_cast<uint32_t>(h);
            ++i_;
          }
          if (e == 'x') {
            value.push_back(static_cast<char>(cp));
          } else {
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
              return Error(escape, "escape sequence is an invalid Unicode code point");
            }
            AppendUtf8(cp, &value);
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            // Three octal digits, as Go.
            uint32_t v = static_cast<uint32_t>(e - '0');
            for (int d = 0; d < 2; ++d) {
              const char o = Peek();
              if (o < '0' || o > '7') return Error(escape, "invalid escape sequence in string");
              v = v * 8 + static_cast<uint32_t>(o - '0');
              ++i_;
            }
            if (v > 255) return Error(escape, "octal escape value > 255");
            value.push_back(static_cast<char>(v));
            break;
          }
          return Error(escape, "invalid escape sequence in string");
      }
    }
    token->kind = TokenKind::kString;
    token->text = std::move(value);
    return Status::OK();
  }

  Status RawString(Token* token) {
    const size_t start = i_++;
    std::string value;
    while (true) {
      if (i_ >= in_.size()) return Error(start, "raw string literal not terminated");
      const char c = in_[i_++];
      if (c == '`') break;
      if (c != '\r') value.push_back(c);  // Go drops carriage returns from raw strings
    }
    token->kind = TokenKind::kString;
    token->text = std::move(value);
    return Status::OK();
  }

  Status Number(Token* token) {
    const size_t start = i_;
    bool is_float = false;
    while (IsDigit(Peek())) ++i_;
    if (Peek() == '.') {
      is_float = true;
      ++i_;
      while (IsDigit(Peek())) ++i_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      // An exponent only if digits follow; otherwise `1e` is the number 1 and the word `e`
      // (which the duration check below may still take as part of a unit).
      size_t j = 1;
      if (Peek(j) == '+' || Peek(j) == '-') ++j;
      if (IsDigit(Peek(j))) {
        is_float = true;
        i_ += j;
        while (IsDigit(Peek())) ++i_;
      }
    }
    const size_t number_end = i_;
    // A unit right after the number makes a duration (Tempo's tryScanDuration).
    size_t j = number_end;
    while (j < in_.size()) {
      const char d = in_[j];
      if (IsDigit(d) || d == '.' || d == 'n' || d == 's' || d == 'u' || d == 'm' || d == 'h' ||
          d == 'd' || d == 'w' || d == 'y') {
        ++j;
      } else if (static_cast<unsigned char>(d) == 0xC2 && j + 1 < in_.size() &&
                 static_cast<unsigned char>(in_[j + 1]) == 0xB5) {
        j += 2;  // µ
      } else {
        break;
      }
    }
    if (j > number_end) {
      if (auto ns = ParseTraceQLDuration(in_.substr(start, j - start))) {
        token->kind = TokenKind::kDuration;
        token->int_value = *ns;
        i_ = j;
        return Status::OK();
      }
    }
    const std::string text(in_.substr(start, number_end - start));
    if (is_float) {
      errno = 0;
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (errno == ERANGE && (v > 1 || v < -1)) {
        return Error(start, "number " + text + " out of range");
      }
      token->kind = TokenKind::kFloat;
      token->float_value = v;
      return Status::OK();
    }
    uint64_t v = 0;
    for (char d : text) {
      const uint64_t digit = static_cast<uint64_t>(d - '0');
      if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10) {
        return Error(start, "integer " + text + " out of range");
      }
      v = v * 10 + digit;
    }
    token->kind = TokenKind::kInteger;
    token->int_value = static_cast<int64_t>(v);
    return Status::OK();
  }

  std::string_view in_;
  size_t i_ = 0;
};

struct DurationPart {
  std::string_view whole;     // digits before the point
  std::string_view fraction;  // digits after it
  bool has_point = false;
  std::string_view unit;
};

bool SplitDuration(std::string_view text, std::vector<DurationPart>* parts) {
  size_t i = 0;
  while (i < text.size()) {
    DurationPart part;
    const size_t whole = i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    part.whole = text.substr(whole, i - whole);
    if (i < text.size() && text[i] == '.') {
      part.has_point = true;
      const size_t frac = ++i;
      while (i < text.size() && IsDigit(text[i])) ++i;
      part.fraction = text.substr(frac, i - frac);
    }
    if (part.whole.empty() && part.fraction.empty()) return false;
    const size_t unit = i;
    while (i < text.size() && !IsDigit(text[i]) && text[i] != '.') ++i;
    part.unit = text.substr(unit, i - unit);
    if (part.unit.empty()) return false;
    parts->push_back(part);
  }
  return !parts->empty();
}

constexpr uint64_t kMaxNs = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

// Adds `count` * `unit` to `total`; false on overflow past int64.
bool AddScaled(uint64_t* total, std::string_view digits, uint64_t unit) {
  uint64_t count = 0;
  for (char d : digits) {
    if (count > (kMaxNs - static_cast<uint64_t>(d - '0')) / 10) return false;
    count = count * 10 + static_cast<uint64_t>(d - '0');
  }
  if (count != 0 && unit > kMaxNs / count) return false;
  if (*total > kMaxNs - count * unit) return false;
  *total += count * unit;
  return true;
}

// Prometheus' syntax: integer amounts of y, w, d, h, m, s, ms, in that order, each at most once.
std::optional<int64_t> PrometheusDuration(const std::vector<DurationPart>& parts) {
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"y", 365ULL * 24 * 3600 * 1'000'000'000ULL},
      {"w", 7ULL * 24 * 3600 * 1'000'000'000ULL},
      {"d", 24ULL * 3600 * 1'000'000'000ULL},
      {"h", 3600ULL * 1'000'000'000ULL},
      {"m", 60ULL * 1'000'000'000ULL},
      {"s", 1'000'000'000ULL},
      {"ms", 1'000'000ULL},
  };
  size_t next_unit = 0;
  uint64_t total = 0;
  for (const DurationPart& part : parts) {
    if (part.has_point || part.whole.empty()) return std::nullopt;
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].first != part.unit) ++u;
    if (u == std::size(kUnits)) return std::nullopt;
    if (!AddScaled(&total, part.whole, kUnits[u].second)) return std::nullopt;
    next_unit = u + 1;
  }
  return static_cast<int64_t>(total);
}

// Go's time.ParseDuration (without a sign): decimal amounts of ns, us, µs, ms, s, m, h.
std::optional<int64_t> GoDuration(const std::vector<DurationPart>& parts) {
  uint64_t total = 0;
  for (const DurationPart& part : parts) {
    uint64_t unit;
    if (part.unit == "ns") {
      unit = 1;
    } else if (part.unit == "us" || part.unit == "\xC2\xB5s") {
      unit = 1'000;
    } else if (part.unit == "ms") {
      unit = 1'000'000;
    } else if (part.unit == "s") {
      unit = 1'000'000'000ULL;
    } else if (part.unit == "m") {
      unit = 60'000'000'000ULL;
    } else if (part.unit == "h") {
      unit = 3'600'000'000'000ULL;
    } else {
      return std::nullopt;
    }
    if (!AddScaled(&total, part.whole, unit)) return std::nullopt;
    if (!part.fraction.empty()) {
      // As Go: the fraction scaled by the unit, truncated.
      double fraction = 0;
      double scale = 1;
      for (char d : part.fraction) {
        if (scale > 1e18) break;
        fraction = fraction * 10 + (d - '0');
        scale *= 10;
      }
      const double extra = fraction * (static_cast<double>(unit) / scale);
      if (extra >= static_cast<double>(kMaxNs - total)) return std::nullopt;
      total += static_cast<uint64_t>(extra);
    }
  }
  return static_cast<int64_t>(total);
}

}  // namespace

std::optional<int64_t> ParseTraceQLDuration(std::string_view text) {
  std::vector<DurationPart> parts;
  if (!SplitDuration(text, &parts)) return std::nullopt;
  if (auto ns = PrometheusDuration(parts)) return ns;
  return GoDuration(parts);
}

std::string DescribePosition(std::string_view input, int pos) {
  int line = 1;
  int col = 1;
  for (int i = 0; i < pos && i < static_cast<int>(input.size()); ++i) {
    if (input[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", col " + std::to_string(col);
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kIdentifier:
      return "\"" + token.text + "\"";
    case TokenKind::kString:
      return "string";
    case TokenKind::kInteger:
      return "integer " + std::to_string(token.int_value);
    case TokenKind::kFloat:
      return "number";
    case TokenKind::kDuration:
      return "duration";
    case TokenKind::kAttribute:
      return token.text.empty() ? "attribute scope without a name" : "attribute";
    case TokenKind::kScopeColon:
      return "\"" + token.text + ":\"";
    default:
      break;
  }
  for (const Operator& op : kOperators) {
    if (op.kind == token.kind) return "\"" + std::string(op.text) + "\"";
  }
  return "token";
}

Result<std::vector<Token>> Tokenize(std::string_view input) { return Scanner(input).Run(); }

bool AttributeNeedsQuotes(std::string_view name, AttributeScope scope, bool parent) {
  if (name.empty()) return true;
  for (char c : name) {
    if (EndsAttribute(c) || c == '"') return true;
  }
  // After a bare `.`, a digit would lex as a number (`.5`).
  if (scope == AttributeScope::kNone && !parent && IsDigit(name[0])) return true;
  // After `parent.`, a leading `span.` or `resource.` would be taken as a scope.
  if (scope == AttributeScope::kNone && parent &&
      (name.substr(0, 5) == "span." || name.substr(0, 9) == "resource.")) {
    return true;
  }
  return false;
}

}  // namespace tidemark::traceql
