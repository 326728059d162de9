// Renders what an ExpositionParser reads from a page as one line per entry, so that tests compare
// whole pages with expectations written as text.
#ifndef TIDEMARK_TESTS_INGEST_EXPOSITION_TEST_UTIL_H_
#define TIDEMARK_TESTS_INGEST_EXPOSITION_TEST_UTIL_H_

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/exposition.h"
#include "util/go_text.h"

namespace tidemark::ingest::testing {

inline std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  return util::GoFormatFloatG(v);
}

inline std::string FormatLabels(const Labels& labels) {
  std::string out = "{";
  for (const Label& l : labels) {
    if (out.size() > 1) out += ", ";
    out += l.name + "=" + util::GoQuote(l.value);
  }
  return out + "}";
}

// One entry: `HELP family "text"`, `TYPE family text`, `UNIT family text`, `COMMENT text`, or
// `SERIES <series as written> {labels} value [@ts] [# {exemplar} value [@ts]]`.
inline std::string DescribeEntry(const ExpositionParser& p, ExpositionEntry e) {
  switch (e) {
    case ExpositionEntry::kHelp:
      return "HELP " + std::string(p.family()) + " " + util::GoQuote(p.text());
    case ExpositionEntry::kType:
      return "TYPE " + std::string(p.family()) + " " + std::string(p.text());
    case ExpositionEntry::kUnit:
      return "UNIT " + std::string(p.family()) + " " + std::string(p.text());
    case ExpositionEntry::kComment:
      return "COMMENT " + std::string(p.text());
    case ExpositionEntry::kEnd:
      return "END";
    case ExpositionEntry::kSeries:
      break;
  }
  Labels labels;
  p.labels(&labels);
  std::string out = "SERIES " + std::string(p.series()) + " " + FormatLabels(labels) + " " +
                    FormatValue(p.value());
  if (auto ts = p.timestamp_ms()) out += " @" + std::to_string(*ts);
  Exemplar ex;
  if (p.exemplar(&ex)) {
    out += " # " + FormatLabels(ex.labels) + " " + FormatValue(ex.value);
    if (ex.timestamp_ms != 0) out += " @" + std::to_string(ex.timestamp_ms);
  }
  return out;
}

// Every entry of the page, then "ERROR <message>" if it fails.
inline std::vector<std::string> ReadPage(ExpositionFormat format, std::string_view page) {
  ExpositionParser p(format, page);
  std::vector<std::string> out;
  for (int guard = 0; guard < 1000000; ++guard) {
    auto e = p.Next();
    if (!e.ok()) {
      out.push_back("ERROR " + e.status().message());
      return out;
    }
    if (*e == ExpositionEntry::kEnd) return out;
    out.push_back(DescribeEntry(p, *e));
  }
  out.push_back("ERROR parser did not stop");
  return out;
}

}  // namespace tidemark::ingest::testing

#endif  // TIDEMARK_TESTS_INGEST_EXPOSITION_TEST_UTIL_H_
