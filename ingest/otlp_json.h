// OTLP/JSON request bodies to protobuf messages. OTLP/JSON is protobuf's JSON mapping with three
// differences this handles: trace and span ids are hex (either case), not base64; enums may be
// integers; 64-bit integers may be numbers or strings. Unknown fields are ignored.
#ifndef TIDEMARK_INGEST_OTLP_JSON_H_
#define TIDEMARK_INGEST_OTLP_JSON_H_

#include <google/protobuf/message.h>

#include <string_view>

#include "tidemark/status.h"

namespace tidemark::ingest {

// InvalidArgument naming the problem when the body is not valid OTLP/JSON for `message`'s type.
Status ParseOtlpJson(std::string_view body, google::protobuf::Message* message);
// The message as OTLP/JSON (ids in hex), for responses.
Result<std::string> ToOtlpJson(const google::protobuf::Message& message);

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_OTLP_JSON_H_
