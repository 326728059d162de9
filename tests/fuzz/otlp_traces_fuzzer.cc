// OTLP traces in the protobuf wire format (ingest/otlp_traces.h), decoded straight into spans.
#include <vector>

#include "ingest/otlp_traces.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<Span> spans;
  (void)ingest::DecodeOtlpTraces(fuzz::AsView(data, size), &spans);
  return 0;
}
