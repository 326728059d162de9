// OTLP metrics in the protobuf wire format (ingest/otlp_metrics.h), translated into an in-memory
// store. The input's length chooses the naming (Prometheus or UTF-8) so both paths are fuzzed
// without changing the input format.
#include "ingest/otlp_metrics.h"
#include "storage/memory_store.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ingest::MetricsTranslationOptions options;
  options.naming = size % 2 ? ingest::MetricNaming::kUtf8 : ingest::MetricNaming::kPrometheus;
  ingest::MetricsTranslator translator(options);
  storage::MemoryStore store;
  auto appender = store.NewAppender();
  (void)translator.Translate(fuzz::AsView(data, size), appender.get());
  return 0;
}
