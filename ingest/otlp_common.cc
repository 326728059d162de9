#include "ingest/otlp_common.h"

namespace tidemark::ingest {

namespace pb = opentelemetry::proto::common::v1;

AnyValue FromOtlp(const pb::AnyValue& v) {
  switch (v.value_case()) {
    case pb::AnyValue::kStringValue:
      return AnyValue::String(v.string_value());
    case pb::AnyValue::kBoolValue:
      return AnyValue::Bool(v.bool_value());
    case pb::AnyValue::kIntValue:
      return AnyValue::Int(v.int_value());
    case pb::AnyValue::kDoubleValue:
      return AnyValue::Double(v.double_value());
    case pb::AnyValue::kBytesValue:
      return AnyValue::Bytes(v.bytes_value());
    case pb::AnyValue::kArrayValue: {
      std::vector<AnyValue> items;
      items.reserve(v.array_value().values_size());
      for (const auto& e : v.array_value().values()) items.push_back(FromOtlp(e));
      return AnyValue::Array(std::move(items));
    }
    case pb::AnyValue::kKvlistValue:
      return AnyValue::KvList(FromOtlp(v.kvlist_value().values()));
    case pb::AnyValue::VALUE_NOT_SET:
      break;
  }
  return AnyValue();
}

std::vector<KeyValue> FromOtlp(const google::protobuf::RepeatedPtrField<pb::KeyValue>& kvs) {
  std::vector<KeyValue> out;
  out.reserve(kvs.size());
  for (const auto& kv : kvs) out.push_back({kv.key(), FromOtlp(kv.value())});
  return out;
}

std::string ToHex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool FromHex(std::string_view hex, std::string* bytes) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  bytes->clear();
  bytes->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

}  // namespace tidemark::ingest
