// Parsers for the pages a scrape returns: the Prometheus text format 0.0.4 (and 1.0.0, which adds
// quoted UTF-8 metric and label names) and OpenMetrics 1.0 text. A pull parser in the manner of
// Prometheus' model/textparse: Next() stops at each entry, and the caller asks only for what it
// needs, so that a scrape of an unchanged page costs a scan and a cache lookup per line (the
// series' raw text is its cache key) rather than a label set built per sample.
//
// Semantics are Prometheus 3's parsers' (promparse.go, openmetricsparse.go): escapes, value
// spellings (Go's ParseFloat without hex floats or underscores), timestamps (integer ms in the
// text format, float seconds in OpenMetrics), `# EOF` required by OpenMetrics and nothing after
// it, exemplars only in OpenMetrics (on any sample line: Prometheus 3's parser does not tie them
// to `_total` or `_bucket` series). `_created` series are ordinary series here, as Prometheus
// stores them unless its created-timestamp feature is on. The grammar: docs/format/exposition.md.
// The first malformed line ends the parse with InvalidArgument naming its line: a scrape is all or
// nothing, as in Prometheus.
//
// Thread safety: a parser is used by one thread; the page it reads must outlive it.
#ifndef TIDEMARK_INGEST_EXPOSITION_H_
#define TIDEMARK_INGEST_EXPOSITION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tidemark/engine.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::ingest {

enum class ExpositionFormat { kPrometheusText, kOpenMetrics };

// The format of a response by its Content-Type ("text/plain; version=0.0.4; charset=utf-8",
// "application/openmetrics-text; version=1.0.0; charset=utf-8", case-insensitive media type,
// parameters in any order). InvalidArgument naming the type when it is missing or none of these;
// the caller may then fall back to a configured format (Prometheus' fallback_scrape_protocol).
Result<ExpositionFormat> ExpositionFormatForContentType(std::string_view content_type);

// What Next() stopped at.
enum class ExpositionEntry {
  kEnd,      // the end of the page (after `# EOF` in OpenMetrics)
  kSeries,   // a sample line
  kHelp,     // # HELP
  kType,     // # TYPE
  kUnit,     // # UNIT (OpenMetrics)
  kComment,  // any other comment line (skipped by most callers)
};

class ExpositionParser {
 public:
  ExpositionParser(ExpositionFormat format, std::string_view page);
  ~ExpositionParser();
  ExpositionParser(const ExpositionParser&) = delete;
  ExpositionParser& operator=(const ExpositionParser&) = delete;

  // Moves to the next entry. After kEnd or an error, keeps returning the same. Errors are
  // InvalidArgument "line N: <what is wrong>" (e.g. `line 7: invalid UTF-8 in label value
  // "\xff"`, `line 3: expected a value after the series, got "}"`).
  Result<ExpositionEntry> Next();

  // The 1-based line of the current entry.
  int line() const;

  // --- kSeries ---
  // The series as written on the page (metric name and label set, without value and timestamp):
  // identical text means the identical series, so callers cache by it.
  std::string_view series() const;
  // The metric name, unescaped (for a quoted UTF-8 name, without the quotes).
  std::string_view metric_name() const;
  // The label set with __name__, values unescaped. Duplicate label names are kept so that the
  // caller can refuse the series (Labels keeps duplicates for validation). As in Prometheus 3,
  // `le` under a `# TYPE ... histogram` and `quantile` under `# TYPE ... summary` are written in
  // one spelling ("1" -> "1.0", "+Inf").
  void labels(Labels* out) const;
  double value() const;
  // The sample's own timestamp, in ms (OpenMetrics' seconds are converted, rounded as
  // Prometheus rounds them), if the line has one.
  std::optional<int64_t> timestamp_ms() const;
  // The exemplar of the line (OpenMetrics `# {trace_id="..."} 1.5 1700000000.123`), if any.
  // Its timestamp is 0 when the exemplar has none (the caller uses the sample's time). False
  // also when its label names and values pass OpenMetrics' 128 characters: the exemplar is
  // dropped, the sample kept, as Prometheus' storage does.
  bool exemplar(Exemplar* out) const;

  // --- kHelp, kType, kUnit ---
  // The metric family named by the comment, unescaped.
  std::string_view family() const;
  // kHelp: the help text, unescaped. kType: the type as written ("counter", "gauge", "histogram",
  // "gaugehistogram", "summary", "info", "stateset", "unknown", and the text format's
  // "untyped"). kUnit: the unit.
  std::string_view text() const;

 private:
  class Impl;   // ingest/exposition_internal.h
  Impl* impl_;  // owned
};

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_EXPOSITION_H_
