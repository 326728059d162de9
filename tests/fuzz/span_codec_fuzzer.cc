// The span codec (storage/span_codec.h): span log records and the nested columns of span
// segments. The first byte chooses the decoder (span, resource, scope, attributes, batch record);
// what decodes re-encodes and decodes the same.
#include <string>
#include <vector>

#include "storage/span_codec.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0] % 5;
  std::string_view in = fuzz::AsView(data + 1, size - 1);
  switch (which) {
    case 0: {
      Span span;
      if (!storage::DecodeSpan(&in, &span)) return 0;
      std::string encoded;
      storage::EncodeSpan(span, &encoded);
      std::string_view again = encoded;
      Span decoded;
      if (!storage::DecodeSpan(&again, &decoded) || !again.empty())
        fuzz::Fail("re-encoded span does not decode");
      std::string encoded_again;
      storage::EncodeSpan(decoded, &encoded_again);
      if (encoded_again != encoded) fuzz::Fail("span encoding not stable over a round trip");
      return 0;
    }
    case 1: {
      SpanResource resource;
      (void)storage::DecodeResource(in, &resource);
      return 0;
    }
    case 2: {
      SpanScope scope;
      (void)storage::DecodeScope(in, &scope);
      return 0;
    }
    case 4: {
      std::vector<Span> spans;
      if (!storage::DecodeSpanBatch(in, &spans)) return 0;
      std::string encoded;
      storage::EncodeSpanBatch(spans, &encoded);
      std::vector<Span> decoded;
      if (!storage::DecodeSpanBatch(encoded, &decoded) || decoded != spans)
        fuzz::Fail("re-encoded span batch does not decode to the same spans");
      return 0;
    }
    default: {
      std::vector<KeyValue> kvs;
      if (!storage::DecodeKeyValues(&in, &kvs)) return 0;
      std::string encoded;
      storage::EncodeKeyValues(kvs, &encoded);
      std::string_view again = encoded;
      std::vector<KeyValue> decoded;
      if (!storage::DecodeKeyValues(&again, &decoded) || !again.empty())
        fuzz::Fail("re-encoded attributes do not decode");
      return 0;
    }
  }
}
