// The exposition parsers (ingest/exposition.h): the first byte picks the text format or
// OpenMetrics, the rest is the page. Every accessor is called on every entry; a parse must end
// (kEnd or an error) within one entry per byte, errors must name a line inside the page, and a
// series' text must lie inside the page.
#include <string>

#include "ingest/exposition.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;
using namespace tidemark::ingest;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 65536) return 0;
  const ExpositionFormat format =
      (data[0] & 1) ? ExpositionFormat::kOpenMetrics : ExpositionFormat::kPrometheusText;
  const std::string page(fuzz::AsView(data + 1, size - 1));  // an exact-size heap copy for ASan
  ExpositionParser p(format, page);
  size_t lines = 1;
  for (char c : page) lines += c == '\n';
  for (size_t entries = 0;; ++entries) {
    if (entries > page.size() + 1) fuzz::Fail("parser does not stop");
    auto e = p.Next();
    if (!e.ok()) {
      const std::string& m = e.status().message();
      if (m.rfind("line ", 0) != 0) fuzz::Fail("error without a line: " + m);
      if (std::stoul(m.substr(5)) > lines) fuzz::Fail("error past the last line: " + m);
      if (p.Next().ok()) fuzz::Fail("an error does not repeat");
      return 0;
    }
    if (*e == ExpositionEntry::kEnd) {
      if (!p.Next().ok() || *p.Next() != ExpositionEntry::kEnd) fuzz::Fail("kEnd does not repeat");
      return 0;
    }
    if (p.line() < 1 || static_cast<size_t>(p.line()) > lines) fuzz::Fail("line out of range");
    switch (*e) {
      case ExpositionEntry::kSeries: {
        const std::string_view s = p.series();
        if (s.data() < page.data() || s.data() + s.size() > page.data() + page.size())
          fuzz::Fail("series outside the page");
        (void)p.metric_name();
        Labels labels;
        p.labels(&labels);
        (void)p.value();
        (void)p.timestamp_ms();
        Exemplar ex;
        if (p.exemplar(&ex) && format != ExpositionFormat::kOpenMetrics)
          fuzz::Fail("exemplar in the text format");
        break;
      }
      case ExpositionEntry::kHelp:
      case ExpositionEntry::kType:
      case ExpositionEntry::kUnit:
      case ExpositionEntry::kComment:
        (void)p.family();
        (void)p.text();
        break;
      case ExpositionEntry::kEnd:
        break;
    }
  }
}
