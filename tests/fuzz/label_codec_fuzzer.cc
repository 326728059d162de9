// The label codec (storage/label_codec.h): series records in the log and the `series` column
// family. What decodes re-encodes to bytes that decode to the same labels.
#include <string>

#include "storage/label_codec.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::AsView(data, size);
  Labels labels;
  if (!storage::DecodeLabels(&in, &labels)) return 0;
  std::string encoded;
  storage::EncodeLabels(labels, &encoded);
  std::string_view again = encoded;
  Labels decoded;
  if (!storage::DecodeLabels(&again, &decoded) || !again.empty())
    fuzz::Fail("re-encoded labels do not decode");
  if (!(decoded == labels)) fuzz::Fail("labels differ after a round trip");
  (void)storage::ValidateLabels(labels, Limits{});
  return 0;
}
