// The messages of opentelemetry.proto.common.v1 read from the wire format, shared by the OTLP
// trace and metrics decoders. They accept what protobuf's own parser accepts: unknown fields and
// known fields of an unexpected wire type are skipped, the last of a singular field wins,
// repeated messages merge; they refuse truncated or malformed input, proto3 strings that are not
// UTF-8 and values nested deeper than protobuf's recursion limit.
#ifndef TIDEMARK_INGEST_OTLP_WIRE_H_
#define TIDEMARK_INGEST_OTLP_WIRE_H_

#include <string>
#include <string_view>
#include <vector>

#include "ingest/wire_reader.h"
#include "tidemark/status.h"
#include "tidemark/trace.h"
#include "util/utf8.h"

namespace tidemark::ingest {

class OtlpWireDecoder {
 public:
  // `request_name` names the request in errors: "body is not a protobuf <name>: ...".
  explicit OtlpWireDecoder(const char* request_name) : request_name_(request_name) {}

  const Status& error() const { return error_; }

  // common.v1.KeyValue, appended to `out`.
  bool KeyValueMessage(std::string_view data, int depth, std::vector<KeyValue>* out);
  // common.v1.AnyValue, merged into `value` as protobuf merges a repeated message.
  bool AnyValueMessage(std::string_view data, int depth, AnyValue* value);
  // A KeyValue checked like KeyValueMessage without building it; its key.
  bool KeyValueView(std::string_view data, std::string_view* key);
  // common.v1.InstrumentationScope, checked.
  bool CheckScope(std::string_view data);
  // resource.v1.Resource: its attributes' KeyValue bytes appended to `attributes`.
  bool ResourceAttributes(std::string_view data, std::vector<std::string_view>* attributes);

  // The value's text of a KeyValue given as its bytes (checked by KeyValueView): a string as it
  // is, anything else as AnyValue::ToString prints it. Only non-string values build an AnyValue.
  static std::string ValueText(std::string_view key_value);

 protected:
  // Reads a message's fields in order: `on_field(reader, field, wire_type)` reads (or skips) each
  // and returns false once it has reported a problem. `where` names the message in errors.
  template <typename OnField>
  bool Fields(std::string_view data, const char* where, OnField on_field) {
    // A callback that fails has reported why; a bad tag has not.
    return ForEachField(data, on_field) || Failed(std::string("malformed field in ") + where);
  }
  // A nested message field: its bytes, then `decode(bytes)`.
  template <typename Decode>
  bool Message(WireReader& r, const char* name, Decode decode) {
    std::string_view bytes;
    return Nested(r, name, &bytes) && decode(bytes);
  }

  bool Failed(const std::string& what);
  bool String(WireReader& r, const char* name, std::string* out);
  bool StringView(WireReader& r, const char* name, std::string_view* out);
  bool BytesField(WireReader& r, const char* name, std::string* out);
  bool Uint32(WireReader& r, const char* name, uint32_t* out);
  bool Fixed64(WireReader& r, const char* name, uint64_t* out);
  bool Double(WireReader& r, const char* name, double* out);
  bool Nested(WireReader& r, const char* name, std::string_view* out);
  bool Skip(WireReader& r, int type);
  bool NextTag(WireReader& r, const char* where, uint32_t* field, int* type);

 private:
  bool CheckAnyValue(std::string_view data, int depth);
  bool CheckKeyValue(std::string_view data, int depth, std::string_view* key);

  const char* request_name_;
  Status error_;
};

// The small readers are inline: the decoders call them for every field.
inline bool OtlpWireDecoder::NextTag(WireReader& r, const char* where, uint32_t* field, int* type) {
  return r.Tag(field, type) || Failed(std::string("truncated field in ") + where);
}

inline bool OtlpWireDecoder::StringView(WireReader& r, const char* name, std::string_view* out) {
  if (!r.Bytes(out)) return Failed(std::string("truncated ") + name);
  // protobuf refuses proto3 strings that are not UTF-8, and so do we.
  if (!util::IsValidUtf8(*out)) return Failed(std::string(name) + " is not valid UTF-8");
  return true;
}

inline bool OtlpWireDecoder::Uint32(WireReader& r, const char* name, uint32_t* out) {
  uint64_t v;
  if (!r.Varint(&v)) return Failed(std::string("truncated ") + name);
  *out = static_cast<uint32_t>(v);
  return true;
}

inline bool OtlpWireDecoder::Fixed64(WireReader& r, const char* name, uint64_t* out) {
  return r.Fixed64(out) || Failed(std::string("truncated ") + name);
}

inline bool OtlpWireDecoder::Double(WireReader& r, const char* name, double* out) {
  return r.Double(out) || Failed(std::string("truncated ") + name);
}

inline bool OtlpWireDecoder::Nested(WireReader& r, const char* name, std::string_view* out) {
  return r.Bytes(out) || Failed(std::string("truncated ") + name);
}

inline bool OtlpWireDecoder::Skip(WireReader& r, int type) {
  return r.Skip(type) || Failed("malformed unknown field");
}

}  // namespace tidemark::ingest

#endif  // TIDEMARK_INGEST_OTLP_WIRE_H_
