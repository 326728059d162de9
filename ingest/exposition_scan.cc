// The scanners of ExpositionParser: one pass over each line, in the manner of Prometheus 3's
// promlex.l (text format) and openmetricslex.l (OpenMetrics), with the checks of promparse.go and
// openmetricsparse.go. The grammar they accept is written down in docs/format/exposition.md.
//
// The hot path (a sample line whose series the caller has seen) touches each byte once and
// allocates nothing: names and label values stay views into the page (ExpositionSpan) and are
// unescaped only when the caller asks for labels (exposition.cc).
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

#include "ingest/exposition_internal.h"
#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::ingest {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLabelStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsLabelChar(char c) { return IsLabelStart(c) || IsDigit(c); }
bool IsNameStart(char c) { return IsLabelStart(c) || c == ':'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

// Prometheus stores every NaN a page holds as this one (value.NormalNaN), so that no page can
// write the staleness marker's NaN.
double NormalNaN() {
  const uint64_t bits = 0x7ff8000000000001ULL;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

const char* FindLineEnd(const char* p, const char* end) {
  const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
  return nl == nullptr ? end : static_cast<const char*>(nl);
}

bool IsTextType(std::string_view t) {
  return t == "counter" || t == "gauge" || t == "histogram" || t == "summary" || t == "untyped";
}

bool IsOpenMetricsType(std::string_view t) {
  return t == "counter" || t == "gauge" || t == "histogram" || t == "gaugehistogram" ||
         t == "summary" || t == "info" || t == "stateset" || t == "unknown";
}

}  // namespace

bool ParseExpositionFloat(std::string_view s, double* out, std::string* why) {
  // Prometheus keeps to the spellings Go accepted before 1.13: no hex floats, no '_'.
  for (char c : s) {
    if (c == 'p' || c == 'P' || c == '_') {
      *why = "hexadecimal floats and '_' are not allowed";
      return false;
    }
  }
  std::string_view rest = s;
  bool negative = false;
  const bool has_sign = !rest.empty() && (rest[0] == '+' || rest[0] == '-');
  if (has_sign) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  *why = "not a number";
  if (rest.empty()) return false;
  if ((rest[0] | 0x20) == 'i') {
    if (!EqualsIgnoreCase(rest, "inf") && !EqualsIgnoreCase(rest, "infinity")) return false;
    *out = negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
    return true;
  }
  if ((rest[0] | 0x20) == 'n') {
    if (has_sign || !EqualsIgnoreCase(rest, "nan")) return false;  // Go refuses "+NaN"
    *out = NormalNaN();
    return true;
  }
  // Go's decimal spelling: digits with an optional point (at least one digit in all), then an
  // optional exponent with at least one digit. from_chars reads the same set once it is checked.
  size_t i = 0;
  size_t digits = 0;
  while (i < rest.size() && IsDigit(rest[i])) ++i, ++digits;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    while (i < rest.size() && IsDigit(rest[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < rest.size() && (rest[i] == 'e' || rest[i] == 'E')) {
    ++i;
    if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < rest.size() && IsDigit(rest[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  if (i != rest.size()) return false;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), v);
  if (ec == std::errc() && ptr == rest.data() + rest.size()) {
    *out = negative ? -v : v;
    return true;
  }
  // Out of range: Go reads a value too small as zero and refuses one too large.
  auto go = util::GoParseFloat(s);
  if (!go.ok()) {
    *why = "value out of range";
    return false;
  }
  *out = *go;
  return true;
}

void ExpositionParser::Impl::Fail(std::string what) {
  error_ = Status::InvalidArgument("line " + std::to_string(cur_line_) + ": " + std::move(what));
  finished_ = true;
}

std::string ExpositionParser::Impl::Got() const {
  if (pos_ == end_) return "the end of the page";
  if (*pos_ == '\n') return "the end of the line";
  size_t n = 0;
  while (pos_ + n < end_ && n < 16 && pos_[n] != '\n') ++n;
  return util::GoQuote(std::string_view(pos_, n));
}

void ExpositionParser::Impl::SkipBlanks() {
  while (pos_ < end_ && IsBlank(*pos_)) ++pos_;
}

Result<ExpositionEntry> ExpositionParser::Impl::Next() {
  if (finished_) {
    if (!error_.ok()) return error_;
    return ExpositionEntry::kEnd;
  }
  labels_.clear();
  exemplar_labels_.clear();
  has_timestamp_ = false;
  has_exemplar_ = false;
  name_ = {};
  return format_ == ExpositionFormat::kOpenMetrics ? NextOpenMetrics() : NextText();
}

// ---- Shared pieces -----------------------------------------------------------------------------

// A "..." string at pos_: `\` escapes any character but a newline (which escape means what is
// decided when unescaping); a raw newline only where `allow_newline` (the text format's label
// values and quoted names). Label values must be valid UTF-8 and may hold NUL bytes.
bool ExpositionParser::Impl::ScanQuoted(ExpositionSpan* out, bool allow_newline, bool is_value) {
  const char* const what = is_value ? "label value" : "quoted name";
  const char* p = pos_ + 1;
  bool escaped = false;
  bool high = false;
  for (;;) {
    if (p == end_) {
      pos_ = p;
      Fail(std::string("unterminated ") + what + ": the page ends inside the quotes");
      return false;
    }
    const char c = *p;
    if (c == '"') break;
    if (c == '\\') {
      if (p + 1 == end_ || p[1] == '\n') {
        pos_ = p;
        Fail(std::string("a backslash in a ") + what + " must escape a character on the same line");
        return false;
      }
      escaped = true;
      high |= (p[1] & 0x80) != 0;
      p += 2;
      continue;
    }
    if (c == '\n') {
      if (!allow_newline) {
        pos_ = p;
        Fail(std::string("unterminated ") + what + ": the line ends inside the quotes");
        return false;
      }
      ++cur_line_;
    } else if (c == '\0' && !is_value) {
      pos_ = p;
      Fail(std::string("NUL byte in a ") + what);
      return false;
    }
    high |= (c & 0x80) != 0;
    ++p;
  }
  *out = {pos_ + 1, static_cast<size_t>(p - pos_ - 1), escaped};
  if (is_value && high && !util::IsValidUtf8(out->view())) {
    Fail("invalid UTF-8 in label value " + util::GoQuote(util::Abbreviate(out->view(), 64)));
    return false;
  }
  pos_ = p + 1;
  return true;
}

// The label set after `{`, through `}`. The text format allows blanks between the tokens and
// omitted commas (as promparse does); OpenMetrics allows neither. A quoted string followed by `,`
// or `}` is the metric name (`{"my.metric", a="b"}`), never in an exemplar.
bool ExpositionParser::Impl::ScanLabels(std::vector<ExpositionLabelSpan>* out, bool exemplar) {
  const bool text = format_ == ExpositionFormat::kPrometheusText;
  for (;;) {
    if (text) SkipBlanks();
    if (pos_ == end_) {
      Fail("unterminated label set: expected a label name or `}`, got the end of the page");
      return false;
    }
    const char c = *pos_;
    if (c == '}') {
      ++pos_;
      return true;
    }
    ExpositionLabelSpan label;
    if (IsLabelStart(c)) {
      const char* start = pos_;
      while (pos_ < end_ && IsLabelChar(*pos_)) ++pos_;
      label.name = {start, static_cast<size_t>(pos_ - start), false};
    } else if (c == '"') {
      if (!ScanQuoted(&label.name, /*allow_newline=*/!exemplar, /*is_value=*/false)) return false;
      if (text) SkipBlanks();
      if (pos_ < end_ && (*pos_ == ',' || *pos_ == '}')) {
        if (exemplar) {
          Fail("expected `=` and a value after exemplar label name " +
               util::GoQuote(label.name.view()) + " (an exemplar has no metric name), got " +
               Got());
          return false;
        }
        if (name_.data != nullptr) {
          Fail("metric name already set: " + util::GoQuote(label.name.view()) +
               " would be a second one");
          return false;
        }
        name_ = label.name;
        ++pos_;
        if (pos_[-1] == '}') return true;
        continue;
      }
    } else {
      Fail(std::string("expected a label name") +
           (exemplar ? " or `}` in the exemplar" : " or `}`") + ", got " + Got());
      return false;
    }
    if (text) SkipBlanks();
    if (pos_ == end_ || *pos_ != '=') {
      Fail("expected `=` after label name " + util::GoQuote(label.name.view()) + ", got " + Got());
      return false;
    }
    ++pos_;
    if (text) SkipBlanks();
    if (pos_ == end_ || *pos_ != '"') {
      Fail("expected a quoted label value after " + util::GoQuote(label.name.view()) + "=, got " +
           Got());
      return false;
    }
    if (!ScanQuoted(&label.value, /*allow_newline=*/text, /*is_value=*/true)) return false;
    out->push_back(label);
    if (text) {
      SkipBlanks();
      if (pos_ < end_ && *pos_ == ',') ++pos_;
      continue;
    }
    if (pos_ < end_ && *pos_ == ',') {
      ++pos_;
      continue;
    }
    if (pos_ < end_ && *pos_ == '}') continue;
    Fail("expected `,` or `}` after a label value, got " + Got());
    return false;
  }
}

// A sample value: the token runs to the next blank (or `{` in the text format), newline or NUL.
bool ExpositionParser::Impl::ScanValue(double* out, const char* what) {
  const bool text = format_ == ExpositionFormat::kPrometheusText;
  const char* start = pos_;
  if (text) {
    while (pos_ < end_ && *pos_ != ' ' && *pos_ != '\t' && *pos_ != '\n' && *pos_ != '{' &&
           *pos_ != '\0') {
      ++pos_;
    }
  } else {
    while (pos_ < end_ && *pos_ != ' ' && *pos_ != '\n' && *pos_ != '\0') ++pos_;
  }
  if (pos_ == start) {
    Fail(std::string("expected a value after ") + what + ", got " + Got());
    return false;
  }
  const std::string_view token(start, pos_ - start);
  std::string why;
  if (!ParseExpositionFloat(token, out, &why)) {
    pos_ = start;
    Fail("invalid value " + util::GoQuote(util::Abbreviate(token, 64)) + " after " + what + ": " +
         why);
    return false;
  }
  return true;
}

// An OpenMetrics timestamp, float seconds, as ms: Prometheus' int64(seconds * 1000), which
// truncates toward zero (and gives the minimum int64 out of range, as Go does on amd64).
bool ExpositionParser::Impl::ScanFloatSeconds(int64_t* out_ms, const char* what) {
  const char* start = pos_;
  while (pos_ < end_ && *pos_ != ' ' && *pos_ != '\n' && *pos_ != '\0') ++pos_;
  const std::string_view token(start, pos_ - start);
  if (token.empty()) {
    Fail(std::string("expected ") + what + ", got " + Got());
    return false;
  }
  double seconds = 0;
  std::string why;
  if (!ParseExpositionFloat(token, &seconds, &why)) {
    pos_ = start;
    Fail("invalid " + std::string(what) + " " + util::GoQuote(util::Abbreviate(token, 64)) + ": " +
         why);
    return false;
  }
  if (std::isnan(seconds) || std::isinf(seconds)) {
    pos_ = start;
    Fail("invalid " + std::string(what) + " " + std::string(token) + ": not a finite number");
    return false;
  }
  const double ms = seconds * 1000;
  constexpr double kLimit = 9223372036854775808.0;  // 2^63
  *out_ms = (ms >= -kLimit && ms < kLimit) ? static_cast<int64_t>(ms)
                                           : std::numeric_limits<int64_t>::min();
  return true;
}

// The family name of a HELP, TYPE or UNIT line: a metric name, or a quoted UTF-8 one.
bool ExpositionParser::Impl::ScanMetaName(std::string_view keyword) {
  if (pos_ < end_ && *pos_ == '"') {
    return ScanQuoted(&family_, /*allow_newline=*/true, /*is_value=*/false);
  }
  if (pos_ == end_ || !IsNameStart(*pos_)) {
    Fail("expected a metric name after " + std::string(keyword) + ", got " + Got());
    return false;
  }
  const char* start = pos_;
  while (pos_ < end_ && IsNameChar(*pos_)) ++pos_;
  family_ = {start, static_cast<size_t>(pos_ - start), false};
  return true;
}

// ---- Prometheus text format ------------------------------------------------------------------

Result<ExpositionEntry> ExpositionParser::Impl::NextText() {
  for (;;) {
    SkipBlanks();
    line_ = cur_line_;
    // promlex ends the page at a NUL byte where a line starts.
    if (pos_ == end_ || *pos_ == '\0') {
      finished_ = true;
      entry_ = ExpositionEntry::kEnd;
      return entry_;
    }
    const char c = *pos_;
    if (c == '\n') {  // blank lines are allowed
      ++pos_;
      ++cur_line_;
      continue;
    }
    if (c == '#') return TextComment();
    if (IsNameStart(c) || c == '{' || c == '"') return TextSample();
    Fail("expected a metric name, `{` or `#` at the start of a line, got " + Got());
    return error_;
  }
}

Result<ExpositionEntry> ExpositionParser::Impl::TextComment() {
  const char* line_start = pos_;
  const char* p = pos_ + 1;
  if (p < end_ && IsBlank(*p)) {
    while (p < end_ && IsBlank(*p)) ++p;
    const bool help = end_ - p > 4 && std::memcmp(p, "HELP", 4) == 0 && IsBlank(p[4]);
    const bool type = end_ - p > 4 && std::memcmp(p, "TYPE", 4) == 0 && IsBlank(p[4]);
    if (help || type) {
      pos_ = p + 4;
      SkipBlanks();
      if (!ScanMetaName(help ? "HELP" : "TYPE")) return error_;
      const char* eol = FindLineEnd(pos_, end_);
      std::string_view rest(pos_, eol - pos_);
      // promlex takes the rest of the line after the name and drops its first character (the
      // separating blank); a rest of blanks alone is whitespace, so the text is empty.
      bool all_blank = true;
      for (char r : rest) all_blank &= IsBlank(r);
      text_ = all_blank ? std::string_view() : rest.substr(1);
      pos_ = eol;
      if (type) {
        if (!IsTextType(text_)) {
          Fail("invalid metric type " + util::GoQuote(util::Abbreviate(text_, 64)) +
               " (want counter, gauge, histogram, summary or untyped)");
          return error_;
        }
        last_type_ = text_;
        text_escaped_ = false;
        entry_ = ExpositionEntry::kType;
      } else {
        if (!util::IsValidUtf8(text_)) {
          Fail("help text is not valid UTF-8");
          return error_;
        }
        text_escaped_ = text_.find('\\') != std::string_view::npos;
        entry_ = ExpositionEntry::kHelp;
      }
      if (pos_ < end_) ++pos_, ++cur_line_;
      return entry_;
    }
  }
  const char* eol = FindLineEnd(pos_, end_);
  text_ = std::string_view(line_start, eol - line_start);
  text_escaped_ = false;
  pos_ = eol;
  if (pos_ < end_) ++pos_, ++cur_line_;
  entry_ = ExpositionEntry::kComment;
  return entry_;
}

Result<ExpositionEntry> ExpositionParser::Impl::TextSample() {
  const char* start = pos_;
  const char* series_end = pos_;
  if (*pos_ == '"') {  // a quoted UTF-8 name before the braces: "my.metric"{...}
    if (!ScanQuoted(&name_, /*allow_newline=*/true, /*is_value=*/false)) return error_;
    series_end = pos_;
    SkipBlanks();
  } else if (IsNameStart(*pos_)) {
    while (pos_ < end_ && IsNameChar(*pos_)) ++pos_;
    name_ = {start, static_cast<size_t>(pos_ - start), false};
    series_end = pos_;
    SkipBlanks();
  }
  if (pos_ < end_ && *pos_ == '{') {
    ++pos_;
    if (!ScanLabels(&labels_, /*exemplar=*/false)) return error_;
    series_end = pos_;
    SkipBlanks();
  }
  if (name_.data == nullptr) {
    Fail("metric name not set: the series needs a name before `{` or a quoted one inside it");
    return error_;
  }
  series_ = std::string_view(start, series_end - start);
  if (!ScanValue(&value_, "the series")) return error_;
  SkipBlanks();
  if (pos_ < end_ && *pos_ != '\n') {
    if (!IsDigit(*pos_)) {
      Fail("expected a timestamp (integer ms) or the end of the line after the value, got " +
           Got());
      return error_;
    }
    const char* ts = pos_;
    while (pos_ < end_ && IsDigit(*pos_)) ++pos_;
    const auto [ptr, ec] = std::from_chars(ts, pos_, timestamp_ms_);
    if (ec != std::errc()) {
      pos_ = ts;
      Fail("timestamp " + std::string(ts, ptr - ts) + " is out of range");
      return error_;
    }
    has_timestamp_ = true;
    SkipBlanks();
    if (pos_ < end_ && *pos_ != '\n') {
      Fail("expected the end of the line after the timestamp, got " + Got());
      return error_;
    }
  }
  if (pos_ < end_) ++pos_, ++cur_line_;
  entry_ = ExpositionEntry::kSeries;
  return entry_;
}

// ---- OpenMetrics ------------------------------------------------------------------------------

Result<ExpositionEntry> ExpositionParser::Impl::NextOpenMetrics() {
  line_ = cur_line_;
  if (pos_ == end_) {
    Fail("the page does not end with `# EOF`");
    return error_;
  }
  const char c = *pos_;
  if (c == '#') return OpenMetricsMeta();
  if (IsNameStart(c) || c == '{' || c == '"') return OpenMetricsSample();
  if (c == '\n') {
    Fail("blank lines are not allowed in OpenMetrics");
    return error_;
  }
  Fail("expected a metric name, `{` or `#` at the start of a line, got " + Got());
  return error_;
}

Result<ExpositionEntry> ExpositionParser::Impl::OpenMetricsMeta() {
  const char* p = pos_ + 1;
  if (p == end_ || *p != ' ') {
    Fail(
        "expected `# HELP`, `# TYPE`, `# UNIT` or `# EOF` (OpenMetrics has no other comments), "
        "got " +
        Got());
    return error_;
  }
  ++p;
  if (end_ - p >= 3 && std::memcmp(p, "EOF", 3) == 0) {
    p += 3;
    if (p < end_ && *p == '\n') ++p, ++cur_line_;
    pos_ = p;
    if (p != end_) {
      Fail("unexpected data after `# EOF`");
      return error_;
    }
    finished_ = true;
    entry_ = ExpositionEntry::kEnd;
    return entry_;
  }
  std::string_view keyword;
  if (end_ - p > 4 && p[4] == ' ') {
    const std::string_view word(p, 4);
    if (word == "HELP" || word == "TYPE" || word == "UNIT") keyword = word;
  }
  if (keyword.empty()) {
    Fail(
        "expected `# HELP`, `# TYPE`, `# UNIT` or `# EOF` (OpenMetrics has no other comments), "
        "got " +
        Got());
    return error_;
  }
  pos_ = p + 5;
  if (!ScanMetaName(keyword)) return error_;
  if (pos_ == end_ || *pos_ != ' ') {
    Fail("expected a space and the text of " + std::string(keyword) + " after the name, got " +
         Got());
    return error_;
  }
  const char* eol = FindLineEnd(pos_, end_);
  if (eol == end_) {
    pos_ = eol;
    Fail("the page does not end with `# EOF`");
    return error_;
  }
  text_ = std::string_view(pos_ + 1, eol - pos_ - 1);
  text_escaped_ = false;
  pos_ = eol;
  if (keyword == "TYPE") {
    if (!IsOpenMetricsType(text_)) {
      Fail("invalid metric type " + util::GoQuote(util::Abbreviate(text_, 64)) +
           " (want counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown)");
      return error_;
    }
    last_type_ = text_;
    entry_ = ExpositionEntry::kType;
  } else if (keyword == "HELP") {
    if (!util::IsValidUtf8(text_)) {
      Fail("help text is not valid UTF-8");
      return error_;
    }
    text_escaped_ = text_.find('\\') != std::string_view::npos;
    entry_ = ExpositionEntry::kHelp;
  } else {
    // OpenMetrics: a family with a unit is named <name>_<unit>.
    const std::string_view family = family_.view();
    if (!text_.empty() && !(family.size() > text_.size() && family.ends_with(text_) &&
                            family[family.size() - text_.size() - 1] == '_')) {
      Fail("unit " + util::GoQuote(util::Abbreviate(text_, 64)) + " is not a suffix of metric " +
           util::GoQuote(util::Abbreviate(family, 64)) + " (want a name ending in _" +
           std::string(util::Abbreviate(text_, 64)) + ")");
      return error_;
    }
    entry_ = ExpositionEntry::kUnit;
  }
  ++pos_, ++cur_line_;
  return entry_;
}

Result<ExpositionEntry> ExpositionParser::Impl::OpenMetricsSample() {
  const char* start = pos_;
  const char* series_end = pos_;
  if (*pos_ == '"') {  // a quoted UTF-8 name before the braces: "my.metric"{...}
    if (!ScanQuoted(&name_, /*allow_newline=*/false, /*is_value=*/false)) return error_;
    series_end = pos_;
  } else if (IsNameStart(*pos_)) {
    while (pos_ < end_ && IsNameChar(*pos_)) ++pos_;
    name_ = {start, static_cast<size_t>(pos_ - start), false};
    series_end = pos_;
  }
  if (pos_ < end_ && *pos_ == '{') {
    ++pos_;
    if (!ScanLabels(&labels_, /*exemplar=*/false)) return error_;
    series_end = pos_;
  }
  if (name_.data == nullptr) {
    Fail("metric name not set: the series needs a name before `{` or a quoted one inside it");
    return error_;
  }
  series_ = std::string_view(start, series_end - start);
  if (pos_ == end_ || *pos_ != ' ') {
    Fail("expected one space and a value after the series, got " + Got());
    return error_;
  }
  ++pos_;
  if (!ScanValue(&value_, "the series")) return error_;
  // Then the end of the line, or ` <timestamp>`, then optionally ` # {exemplar}`.
  bool exemplar = false;
  auto at_exemplar = [this] {
    return end_ - pos_ >= 4 && pos_[0] == ' ' && pos_[1] == '#' && pos_[2] == ' ' && pos_[3] == '{';
  };
  if (pos_ < end_ && *pos_ == ' ') {
    if (at_exemplar()) {
      exemplar = true;
    } else {
      ++pos_;
      if (!ScanFloatSeconds(&timestamp_ms_, "timestamp")) return error_;
      has_timestamp_ = true;
      if (at_exemplar()) {
        exemplar = true;
      } else if (pos_ < end_ && *pos_ != '\n') {
        Fail("expected the end of the line or an exemplar after the timestamp, got " + Got());
        return error_;
      }
    }
  }
  if (exemplar) {
    pos_ += 4;
    if (!ScanLabels(&exemplar_labels_, /*exemplar=*/true)) return error_;
    if (pos_ == end_ || *pos_ != ' ') {
      Fail("expected one space and a value after the exemplar's labels, got " + Got());
      return error_;
    }
    ++pos_;
    if (!ScanValue(&exemplar_value_, "the exemplar's labels")) return error_;
    exemplar_timestamp_ms_ = 0;
    if (pos_ < end_ && *pos_ == ' ') {
      ++pos_;
      if (!ScanFloatSeconds(&exemplar_timestamp_ms_, "exemplar timestamp")) return error_;
    }
    has_exemplar_ = true;
  }
  if (pos_ == end_) {
    Fail("the page does not end with `# EOF`");
    return error_;
  }
  if (*pos_ != '\n') {
    Fail(std::string("expected the end of the line after ") +
         (exemplar ? "the exemplar" : "the value") + ", got " + Got());
    return error_;
  }
  ++pos_, ++cur_line_;
  entry_ = ExpositionEntry::kSeries;
  return entry_;
}

}  // namespace tidemark::ingest
