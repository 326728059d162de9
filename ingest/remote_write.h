// Prometheus remote_write 1.0: snappy block-compressed protobuf WriteRequest bodies.
#ifndef TIDEMARK_INGEST_REMOTE_WRITE_H_
#define TIDEMARK_INGEST_REMOTE_WRITE_H_

#include <string_view>

#include "prometheus/remote.pb.h"
#include "tidemark/engine.h"

namespace tidemark::ingest {

// Decompresses and parses a request body. InvalidArgument names the problem; ResourceExhausted
// when the decoded size would pass `max_decoded_bytes`.
Status DecodeRemoteWrite(std::string_view body, size_t max_decoded_bytes,
                         prometheus::WriteRequest* request);

struct RemoteWriteReport {
  uint64_t samples = 0;
  uint64_t exemplars_ignored = 0;
  CommitReport commit;
};

// Checks every series (labels present, no duplicate names, a metric name) before anything is
// stored, so that an invalid request is refused whole with InvalidArgument (HTTP 400, which
// senders do not retry), then appends all samples in one commit. Samples the engine refuses one
// by one (out of order, duplicates) are in the report and do not fail the request.
Result<RemoteWriteReport> AppendRemoteWrite(const prometheus::WriteRequest& request,
                                            Engine& engine);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_REMOTE_WRITE_H_
