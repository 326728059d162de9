// Prometheus remote_write bodies (ingest/remote_write.h): the input is parsed as the protobuf
// WriteRequest, and also decoded as a whole body (snappy, then protobuf).
#include <string>

#include "ingest/remote_write.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::AsView(data, size);
  ingest::RemoteWriteRequest request;
  if (ingest::ParseRemoteWriteRequest(in, &request).ok()) {
    // The index ranges that consumers follow stay inside their vectors.
    for (const auto& series : request.series) {
      if (series.labels_begin > series.labels_end || series.labels_end > request.labels.size() ||
          series.samples_begin > series.samples_end ||
          series.samples_end > request.samples.size() ||
          series.exemplars_begin > series.exemplars_end ||
          series.exemplars_end > request.exemplars.size())
        fuzz::Fail("series ranges outside the request's vectors");
    }
    for (const auto& e : request.exemplars) {
      if (e.labels_begin > e.labels_end || e.labels_end > request.exemplar_labels.size())
        fuzz::Fail("exemplar label range outside the request");
    }
  }
  std::string decoded;
  (void)ingest::DecodeRemoteWrite(in, 1 << 20, &decoded, &request);
  return 0;
}
