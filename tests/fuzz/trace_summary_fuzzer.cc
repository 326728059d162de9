// Trace summaries of the span trace index (storage/span_segment.h).
#include <string>

#include "storage/span_segment_format.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  storage::TraceSummary summary;
  if (!storage::DecodeSummary(fuzz::AsView(data, size), &summary)) return 0;
  storage::TraceSummary again;
  if (!storage::DecodeSummary(storage::EncodeSummary(summary), &again))
    fuzz::Fail("re-encoded trace summary does not decode");
  return 0;
}
