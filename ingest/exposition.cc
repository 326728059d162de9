// ExpositionParser's public face: content-type negotiation, and the accessors that turn what the
// scanners (exposition_scan.cc) found into names, label sets and exemplars. Work that allocates
// (unescaping, label sets) happens here, only when the caller asks.
#include "ingest/exposition.h"

#include <cmath>
#include <vector>

#include "ingest/exposition_internal.h"
#include "util/go_text.h"
#include "util/utf8.h"

namespace tidemark::ingest {
namespace {

// OpenMetrics limits an exemplar's label set to 128 UTF-8 characters, names and values together.
constexpr size_t kMaxExemplarLabelRunes = 128;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Resolves Prometheus' escapes as its strings.Replacer does, left to right: `\\` and `\n`
// always, `\"` unless `help_text` (the text format's HELP keeps it); any other backslash stays.
std::string_view Unescape(const ExpositionSpan& span, bool help_text, std::string* buf) {
  if (!span.escaped) return span.view();
  buf->clear();
  const std::string_view s = span.view();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char next = s[i + 1];
      if (next == '\\' || next == 'n' || (next == '"' && !help_text)) {
        buf->push_back(next == 'n' ? '\n' : next);
        ++i;
        continue;
      }
    }
    buf->push_back(s[i]);
  }
  return *buf;
}

std::string UnescapeCopy(const ExpositionSpan& span) {
  std::string buf;
  return std::string(Unescape(span, /*help_text=*/false, &buf));
}

// Prometheus' formatOpenMetricsFloat: how it rewrites `le` and `quantile` values ("1" -> "1.0").
std::string FormatOpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  std::string s = util::GoFormatFloatG(f);
  if (s.find_first_of("e.") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

Result<ExpositionFormat> ExpositionFormatForContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  std::string lower;
  lower.reserve(media.size());
  for (char c : media) lower.push_back(Lower(c));
  if (lower == "text/plain") return ExpositionFormat::kPrometheusText;
  if (lower == "application/openmetrics-text") return ExpositionFormat::kOpenMetrics;
  if (content_type.empty()) {
    return Status::InvalidArgument(
        "the target sent no Content-Type (want text/plain or application/openmetrics-text)");
  }
  return Status::InvalidArgument("unsupported Content-Type " +
                                 util::GoQuote(util::Abbreviate(content_type, 128)) +
                                 " (want text/plain or application/openmetrics-text)");
}

ExpositionParser::ExpositionParser(ExpositionFormat format, std::string_view page)
    : impl_(new Impl(format, page)) {}

ExpositionParser::~ExpositionParser() { delete impl_; }

Result<ExpositionEntry> ExpositionParser::Next() { return impl_->Next(); }

int ExpositionParser::line() const { return impl_->line_; }

std::string_view ExpositionParser::series() const { return impl_->series_; }

std::string_view ExpositionParser::metric_name() const {
  return Unescape(impl_->name_, /*help_text=*/false, &impl_->name_buf_);
}

void ExpositionParser::labels(Labels* out) const {
  std::vector<Label> items;
  items.reserve(impl_->labels_.size() + 1);
  items.push_back({std::string(kMetricNameLabel), std::string(metric_name())});
  const std::string_view type = impl_->last_type_;
  for (const ExpositionLabelSpan& span : impl_->labels_) {
    Label label{UnescapeCopy(span.name), UnescapeCopy(span.value)};
    // Prometheus 3 writes bucket bounds and quantiles in one spelling ("1" and "1.0" are one
    // series), by the type of the last # TYPE line.
    if ((type == "histogram" && label.name == "le") ||
        (type == "summary" && label.name == "quantile")) {
      auto f = util::GoParseFloat(label.value);
      if (f.ok()) label.value = FormatOpenMetricsFloat(*f);
    }
    items.push_back(std::move(label));
  }
  *out = Labels(std::move(items));
}

double ExpositionParser::value() const { return impl_->value_; }

std::optional<int64_t> ExpositionParser::timestamp_ms() const {
  if (!impl_->has_timestamp_) return std::nullopt;
  return impl_->timestamp_ms_;
}

bool ExpositionParser::exemplar(Exemplar* out) const {
  if (!impl_->has_exemplar_) return false;
  std::vector<Label> items;
  items.reserve(impl_->exemplar_labels_.size());
  size_t runes = 0;
  for (const ExpositionLabelSpan& span : impl_->exemplar_labels_) {
    Label label{UnescapeCopy(span.name), UnescapeCopy(span.value)};
    runes += util::Utf8RuneCount(label.name) + util::Utf8RuneCount(label.value);
    items.push_back(std::move(label));
  }
  // Past the limit the exemplar is dropped and the sample kept, as Prometheus' storage does.
  if (runes > kMaxExemplarLabelRunes) return false;
  out->labels = Labels(std::move(items));
  out->value = impl_->exemplar_value_;
  out->timestamp_ms = impl_->exemplar_timestamp_ms_;
  return true;
}

std::string_view ExpositionParser::family() const {
  return Unescape(impl_->family_, /*help_text=*/false, &impl_->family_buf_);
}

std::string_view ExpositionParser::text() const {
  if (impl_->entry_ != ExpositionEntry::kHelp || !impl_->text_escaped_) return impl_->text_;
  const ExpositionSpan span{impl_->text_.data(), static_cast<size_t>(impl_->text_.size()), true};
  // The text format's HELP resolves `\\` and `\n` only; OpenMetrics also `\"`.
  return Unescape(span, impl_->format_ == ExpositionFormat::kPrometheusText, &impl_->text_buf_);
}

}  // namespace tidemark::ingest
