#include "query/series_description.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "tidemark/engine.h"
#include "util/go_text.h"
#include "util/status_macros.h"

namespace tidemark::promql {
namespace {

// A series item may expand to at most this many values; the test files use a few thousand.
// Bounds memory on a malformed repetition count.
constexpr uint64_t kMaxRepetition = 10'000'000;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsAlphaNumeric(char c) { return IsAlpha(c) || IsDigit(c); }

// Parses a whole string of decimal digits.
std::optional<uint64_t> ParseUint(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), IsDigit)) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// The end (one past the closing quote) of the quoted string starting at `pos`, or npos.
size_t FindStringEnd(std::string_view s, size_t pos) {
  const char quote = s[pos];
  for (size_t i = pos + 1; i < s.size(); ++i) {
    if (s[i] == '\\' && quote != '`') {
      ++i;
      continue;
    }
    if (s[i] == quote) return i + 1;
  }
  return std::string_view::npos;
}

// Parses one value: `stale`, or a number with an optional sign (`Inf`, `NaN` case-insensitive).
// Advances `pos` past it.
Result<double> ScanValue(std::string_view tok, size_t* pos, bool allow_stale) {
  size_t p = *pos;
  bool negative = false;
  bool signed_value = false;
  if (p < tok.size() && (tok[p] == '+' || tok[p] == '-')) {
    negative = tok[p] == '-';
    signed_value = true;
    ++p;
  }
  if (p >= tok.size())
    return Status::InvalidArgument("missing number in \"" + std::string(tok) + "\"");
  double value = 0;
  if (IsAlpha(tok[p])) {
    // Like Prometheus' lexer, a word runs over letters, digits, '_' and ':'.
    size_t start = p;
    while (p < tok.size() && (IsAlphaNumeric(tok[p]) || tok[p] == ':')) ++p;
    std::string_view written = tok.substr(start, p - start);
    std::string word(written);
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (written == "stale" && allow_stale && !signed_value) {
      value = StaleMarker();
    } else if (word == "inf") {
      value = std::numeric_limits<double>::infinity();
    } else if (word == "nan") {
      value = std::numeric_limits<double>::quiet_NaN();
    } else {
      return Status::InvalidArgument("unexpected \"" + std::string(written) +
                                     "\" in series values, want a number or \"stale\"");
    }
  } else {
    size_t start = p;
    size_t digits = 0;
    while (p < tok.size() && IsDigit(tok[p])) ++p, ++digits;
    if (p < tok.size() && tok[p] == '.') {
      ++p;
      while (p < tok.size() && IsDigit(tok[p])) ++p, ++digits;
    }
    if (digits == 0) {
      return Status::InvalidArgument("unexpected character in series values: \"" +
                                     std::string(tok) + "\"");
    }
    if (p < tok.size() && (tok[p] == 'e' || tok[p] == 'E')) {
      ++p;
      if (p < tok.size() && (tok[p] == '+' || tok[p] == '-')) ++p;
      while (p < tok.size() && IsDigit(tok[p])) ++p;
    }
    // A number may be followed by the repetition `x` but by no other letter or digit.
    if (p < tok.size() && tok[p] != 'x' && (IsAlphaNumeric(tok[p]) || tok[p] == '.')) {
      return Status::InvalidArgument("bad number or duration syntax: \"" + std::string(tok) + "\"");
    }
    Result<double> parsed = util::GoParseFloat(tok.substr(start, p - start));
    if (!parsed.ok()) {
      return Status::InvalidArgument("bad number \"" + std::string(tok.substr(start, p - start)) +
                                     "\"");
    }
    value = *parsed;
  }
  *pos = p;
  return negative ? -value : value;
}

Result<uint64_t> ParseRepetition(std::string_view s) {
  auto n = ParseUint(s);
  if (!n)
    return Status::InvalidArgument("invalid repetition in series values: \"" + std::string(s) +
                                   "\"");
  if (*n > kMaxRepetition) {
    return Status::InvalidArgument("repetition " + std::string(s) + " exceeds the driver's limit");
  }
  return *n;
}

// Expands one whitespace-free item of a value sequence.
Status ExpandItem(std::string_view tok, std::vector<SequenceValue>* out) {
  if (tok == "_") {
    out->push_back({.value = 0, .omitted = true});
    return Status::OK();
  }
  if (tok.starts_with("_x")) {
    TM_ASSIGN_OR_RETURN(uint64_t n, ParseRepetition(tok.substr(2)));
    out->insert(out->end(), n, SequenceValue{.value = 0, .omitted = true});
    return Status::OK();
  }
  size_t pos = 0;
  TM_ASSIGN_OR_RETURN(double value, ScanValue(tok, &pos, /*allow_stale=*/true));
  if (pos == tok.size()) {
    out->push_back({.value = value});
    return Status::OK();
  }
  double delta = 0;
  if (tok[pos] == '+' || tok[pos] == '-') {
    TM_ASSIGN_OR_RETURN(delta, ScanValue(tok, &pos, /*allow_stale=*/false));
  }
  if (pos >= tok.size() || tok[pos] != 'x') {
    return Status::InvalidArgument("unexpected \"" + std::string(tok.substr(pos)) +
                                   "\" in series values");
  }
  TM_ASSIGN_OR_RETURN(uint64_t n, ParseRepetition(tok.substr(pos + 1)));
  // a+bxN is N+1 values; accumulate like Prometheus (repeated addition, not a + i*b) so that
  // fractional steps give bit-identical samples.
  for (uint64_t i = 0; i <= n; ++i) {
    out->push_back({.value = value});
    value += delta;
  }
  return Status::OK();
}

}  // namespace

Result<int64_t> ParseTestDuration(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty duration string");
  if (text == "0") return int64_t{0};
  struct Unit {
    std::string_view name;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {
      {"y", 365LL * 24 * 3600 * 1000},
      {"w", 7LL * 24 * 3600 * 1000},
      {"d", 24LL * 3600 * 1000},
      {"h", 3600LL * 1000},
      {"m", 60LL * 1000},
      {"s", 1000},
      {"ms", 1},
  };
  const Status invalid =
      Status::InvalidArgument("not a valid duration string: \"" + std::string(text) + "\"");
  size_t pos = 0;
  size_t next_unit = 0;
  int64_t total = 0;
  while (pos < text.size()) {
    size_t digits_start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    auto count = ParseUint(text.substr(digits_start, pos - digits_start));
    size_t unit_start = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    if (!count) return invalid;
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].name != unit) ++u;
    if (u == std::size(kUnits)) return invalid;
    next_unit = u + 1;
    const int64_t limit = std::numeric_limits<int64_t>::max();
    if (*count > static_cast<uint64_t>(limit / kUnits[u].ms)) {
      return Status::InvalidArgument("duration out of range: \"" + std::string(text) + "\"");
    }
    int64_t part = static_cast<int64_t>(*count) * kUnits[u].ms;
    if (total > limit - part) {
      return Status::InvalidArgument("duration out of range: \"" + std::string(text) + "\"");
    }
    total += part;
  }
  return total;
}

Result<double> ParseTestNumber(std::string_view text) {
  if (Result<int64_t> i = util::GoParseInt(text); i.ok()) return static_cast<double>(*i);
  if (Result<double> f = util::GoParseFloat(text); f.ok()) return *f;
  return Status::InvalidArgument("error parsing number: \"" + std::string(text) + "\"");
}

// Go's strconv.Unquote: as Prometheus' strutil.Unquote, except that raw strings lose their
// carriage returns.
Result<std::string> UnquoteString(std::string_view quoted) {
  Result<std::string> unquoted = util::GoUnquote(quoted);
  if (!unquoted.ok()) {
    return Status::InvalidArgument("invalid quoted string: " + std::string(quoted));
  }
  if (quoted.front() == '`') std::erase(*unquoted, '\r');
  return unquoted;
}

Result<SeriesDescription> ParseSeriesDescription(std::string_view line) {
  line = util::GoTrimSpace(line);
  SeriesDescription desc;
  size_t pos = 0;
  auto skip_blanks = [&] {
    while (pos < line.size() && IsBlank(line[pos])) ++pos;
  };
  auto read_string = [&]() -> Result<std::string> {
    size_t end = FindStringEnd(line, pos);
    if (end == std::string_view::npos) {
      return Status::InvalidArgument("unterminated quoted string in \"" + std::string(line) + "\"");
    }
    auto s = UnquoteString(line.substr(pos, end - pos));
    pos = end;
    return s;
  };

  std::string name;         // written before the braces
  std::string quoted_name;  // written as a lone string inside them
  if (pos < line.size() && (IsAlpha(line[pos]) || line[pos] == ':')) {
    size_t start = pos;
    while (pos < line.size() && (IsAlphaNumeric(line[pos]) || line[pos] == ':')) ++pos;
    name = std::string(line.substr(start, pos - start));
  }
  std::vector<Label> labels;
  if (pos < line.size() && line[pos] == '{') {
    ++pos;
    while (true) {
      skip_blanks();
      if (pos >= line.size()) return Status::InvalidArgument("unterminated label set");
      if (line[pos] == '}') {
        ++pos;
        break;
      }
      std::string label_name;
      bool name_quoted = false;
      if (line[pos] == '"' || line[pos] == '\'' || line[pos] == '`') {
        TM_ASSIGN_OR_RETURN(label_name, read_string());
        name_quoted = true;
      } else if (IsAlpha(line[pos])) {
        size_t start = pos;
        while (pos < line.size() && IsAlphaNumeric(line[pos])) ++pos;
        label_name = std::string(line.substr(start, pos - start));
      } else {
        return Status::InvalidArgument("unexpected character in label set: \"" +
                                       std::string(line.substr(pos)) + "\"");
      }
      skip_blanks();
      if (name_quoted && pos < line.size() && (line[pos] == ',' || line[pos] == '}')) {
        // `{"metric.name", job="x"}`: a lone quoted string is the metric name.
        quoted_name = std::move(label_name);
      } else {
        if (pos >= line.size() || line[pos] != '=') {
          return Status::InvalidArgument("expected \"=\" after label name \"" + label_name + "\"");
        }
        ++pos;
        skip_blanks();
        if (pos >= line.size() || (line[pos] != '"' && line[pos] != '\'' && line[pos] != '`')) {
          return Status::InvalidArgument("expected a quoted label value for \"" + label_name +
                                         "\"");
        }
        TM_ASSIGN_OR_RETURN(std::string value, read_string());
        labels.push_back(Label{std::move(label_name), std::move(value)});
        skip_blanks();
      }
      if (pos < line.size() && line[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < line.size() && line[pos] == '}') {
        ++pos;
        break;
      }
      return Status::InvalidArgument("expected \",\" or \"}\" in label set of \"" +
                                     std::string(line) + "\"");
    }
  }
  std::string metric_name = !name.empty() ? name : quoted_name;
  if (!metric_name.empty()) {
    std::erase_if(labels, [](const Label& l) { return l.name == kMetricNameLabel; });
    labels.push_back(Label{std::string(kMetricNameLabel), metric_name});
  }
  desc.metric = Labels(std::move(labels));

  if (pos < line.size() && !IsBlank(line[pos])) {
    return Status::InvalidArgument("unexpected \"" + std::string(line.substr(pos)) +
                                   "\" after the series labels");
  }
  std::string_view values = util::GoTrimSpace(line.substr(pos));
  if (values.find("{{") != std::string_view::npos) {
    desc.native_histogram = true;
    return desc;
  }
  size_t p = 0;
  while (p < values.size()) {
    while (p < values.size() && IsBlank(values[p])) ++p;
    size_t start = p;
    while (p < values.size() && !IsBlank(values[p])) ++p;
    if (p > start) TM_RETURN_IF_ERROR(ExpandItem(values.substr(start, p - start), &desc.values));
  }
  return desc;
}
}  // namespace tidemark::promql
