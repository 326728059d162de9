// Stored blocks (storage/block_codec.h): the checksum is repaired so that mutations reach the
// header and column decoders. Decoding never crashes; what it accepts has consistent headers.
#include <string>
#include <vector>

#include "storage/block_codec.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string block(fuzz::AsView(data, size));
  fuzz::RepairTrailingCrc(&block);
  auto header = storage::DecodeBlockHeader(block);
  storage::BlockHeader h;
  std::vector<Sample> samples;
  if (!storage::DecodeBlock(block, &h, &samples).ok()) return 0;
  if (!header.ok()) fuzz::Fail("DecodeBlock accepts what DecodeBlockHeader refuses");
  if (samples.size() != h.count) fuzz::Fail("sample count differs from the header's");
  for (size_t i = 0; i < samples.size(); ++i) {
    if (samples[i].timestamp_ms < h.min_time || samples[i].timestamp_ms > h.max_time)
      fuzz::Fail("sample outside the header's time range");
    if (i > 0 && samples[i].timestamp_ms <= samples[i - 1].timestamp_ms)
      fuzz::Fail("timestamps not strictly increasing");
  }
  return 0;
}
