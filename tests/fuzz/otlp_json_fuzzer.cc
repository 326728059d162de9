// OTLP/JSON bodies (ingest/otlp_json.h) as the HTTP receiver reads them: parsed into the traces and
// the metrics request types, then turned into spans and samples as a request would be.
#include "ingest/otlp_json.h"
#include "ingest/otlp_metrics.h"
#include "ingest/otlp_traces.h"
#include "storage/memory_store.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body = fuzz::AsView(data, size);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest traces;
  if (ingest::ParseOtlpJson(body, &traces).ok()) {
    (void)ingest::SpansFromOtlp(traces);
    (void)ingest::ToOtlpJson(traces);
  }
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest metrics;
  if (ingest::ParseOtlpJson(body, &metrics).ok()) {
    ingest::MetricsTranslator translator({});
    storage::MemoryStore store;
    auto appender = store.NewAppender();
    (void)translator.Translate(metrics, appender.get());
  }
  return 0;
}
