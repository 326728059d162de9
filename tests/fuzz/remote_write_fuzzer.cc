// Prometheus remote_write bodies (ingest/remote_write.h): the input is parsed as the protobuf
// WriteRequest and as a 2.0 io.prometheus.write.v2.Request, and also decoded as a whole body
// (snappy, then protobuf) of each version.
#include <string>

#include "ingest/remote_write.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::AsView(data, size);
  ingest::RemoteWriteRequest request;
  for (int version = 1; version <= 2; ++version) {
    const bool parsed = version == 1 ? ingest::ParseRemoteWriteRequest(in, &request).ok()
                                     : ingest::ParseRemoteWriteV2Request(in, &request).ok();
    if (!parsed) continue;
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
    // 2.0 keys the series by the 1.0 encoding of its labels, built in label_keys.
    for (const auto& series : request.series) {
      if (version == 2 && series.labels_end > series.labels_begin &&
          (series.label_bytes.data() < request.label_keys.data() ||
           series.label_bytes.data() + series.label_bytes.size() >
               request.label_keys.data() + request.label_keys.size()))
        fuzz::Fail("a 2.0 series key outside label_keys");
    }
  }
  std::string decoded;
  (void)ingest::DecodeRemoteWrite(in, 1 << 20, &decoded, &request);
  (void)ingest::DecodeRemoteWrite(in, 1 << 20, &decoded, &request, ingest::RemoteWriteVersion::kV2);
  return 0;
}
