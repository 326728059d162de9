// Span segment headers (storage/span_segment.h), with the checksum repaired so that mutations
// reach the field decoders. What decodes re-encodes to the same bytes.
#include <string>

#include "storage/span_segment_format.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(fuzz::AsView(data, size));
  fuzz::RepairTrailingCrc(&bytes);
  storage::SegmentHeader header;
  if (!storage::DecodeSegmentHeader(bytes, &header)) return 0;
  storage::SegmentHeader again;
  if (!storage::DecodeSegmentHeader(storage::EncodeSegmentHeader(header), &again))
    fuzz::Fail("re-encoded segment header does not decode");
  return 0;
}
