// OTLP metrics in the protobuf wire format (ingest/otlp_metrics.h), translated into an in-memory
// store. The input's length chooses the translation strategy and whether resource attributes are
// promoted, so every path is fuzzed without changing the input format.
#include "ingest/otlp_metrics.h"
#include "storage/memory_store.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ingest::MetricsTranslationOptions options;
  options.translation_strategy = static_cast<ingest::TranslationStrategy>(size % 4);
  options.promote_all_resource_attributes = size % 8 >= 4;
  options.keep_identifying_resource_attributes = size % 8 >= 4;
  ingest::MetricsTranslator translator(options);
  storage::MemoryStore store;
  auto appender = store.NewAppender();
  (void)translator.Translate(fuzz::AsView(data, size), appender.get());
  return 0;
}
