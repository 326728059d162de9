// Conversions shared by the OTLP decoders: attribute values and ids.
#ifndef TIDEMARK_INGEST_OTLP_COMMON_H_
#define TIDEMARK_INGEST_OTLP_COMMON_H_

#include <string>
#include <vector>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "tidemark/trace.h"

namespace tidemark::ingest {

AnyValue FromOtlp(const opentelemetry::proto::common::v1::AnyValue& v);
std::vector<KeyValue> FromOtlp(
    const google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>& kvs);

// Lower-case hex of bytes, as OTLP/JSON and Tempo print ids.
std::string ToHex(std::string_view bytes);
// Decodes hex (either case); false if the length is odd or a character is not hex.
bool FromHex(std::string_view hex, std::string* bytes);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_OTLP_COMMON_H_
