// The state of an ExpositionParser (ingest/exposition.h), shared by the scanners
// (exposition_scan.cc) and the accessors (exposition.cc). Not part of the public surface.
#ifndef TIDEMARK_INGEST_EXPOSITION_INTERNAL_H_
#define TIDEMARK_INGEST_EXPOSITION_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/exposition.h"

namespace tidemark::ingest {

// A name or value as it lies on the page, quotes stripped. `escaped` marks text holding a
// backslash (unescaped only when asked for); `quoted` marks a label name written as "...".
struct ExpositionSpan {
  const char* data = nullptr;
  size_t size = 0;
  bool escaped = false;
  std::string_view view() const { return {data, size}; }
};

struct ExpositionLabelSpan {
  ExpositionSpan name;
  ExpositionSpan value;
};

class ExpositionParser::Impl {
 public:
  Impl(ExpositionFormat format, std::string_view page)
      : format_(format), pos_(page.data()), end_(page.data() + page.size()) {}

  Result<ExpositionEntry> Next();

  // --- Scanner output, read by the accessors. Views point into the page. ---
  ExpositionFormat format_;
  ExpositionEntry entry_ = ExpositionEntry::kEnd;
  int line_ = 0;  // line of the current entry
  std::string_view series_;
  ExpositionSpan name_;
  // Reused from line to line: cleared, never shrunk, so a page allocates only while it grows.
  std::vector<ExpositionLabelSpan> labels_;
  double value_ = 0;
  int64_t timestamp_ms_ = 0;
  bool has_timestamp_ = false;
  bool has_exemplar_ = false;
  std::vector<ExpositionLabelSpan> exemplar_labels_;
  double exemplar_value_ = 0;
  int64_t exemplar_timestamp_ms_ = 0;
  ExpositionSpan family_;
  std::string_view text_;
  bool text_escaped_ = false;
  // The type named by the last # TYPE line: Prometheus 3 normalises `le` of histograms and
  // `quantile` of summaries by it.
  std::string_view last_type_;

  // Unescaped copies, made only for text that holds escapes.
  mutable std::string name_buf_;
  mutable std::string family_buf_;
  mutable std::string text_buf_;

 private:
  Result<ExpositionEntry> NextText();
  Result<ExpositionEntry> NextOpenMetrics();
  Result<ExpositionEntry> TextComment();
  Result<ExpositionEntry> TextSample();
  Result<ExpositionEntry> OpenMetricsMeta();
  Result<ExpositionEntry> OpenMetricsSample();
  bool ScanLabels(std::vector<ExpositionLabelSpan>* out, bool exemplar);
  bool ScanQuoted(ExpositionSpan* out, bool allow_newline, bool allow_nul);
  bool ScanValue(double* out, const char* what);
  bool ScanFloatSeconds(int64_t* out_ms, const char* what);
  bool ScanMetaName(std::string_view keyword);
  void SkipBlanks();
  void Fail(std::string what);
  std::string Got() const;

  const char* pos_;
  const char* end_;
  int cur_line_ = 1;  // line of pos_
  bool finished_ = false;
  Status error_;
};

// Go's strconv.ParseFloat without hex floats or '_' (Prometheus' parseFloat). False with the
// reason in *why when `s` is refused.
bool ParseExpositionFloat(std::string_view s, double* out, std::string* why);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_EXPOSITION_INTERNAL_H_
