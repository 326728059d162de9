#include "ingest/otlp_wire.h"

#include "util/utf8.h"

namespace tidemark::ingest {
namespace {

// protobuf's default recursion limit: AnyValue arrays and key-value lists nest.
constexpr int kMaxDepth = 100;

}  // namespace

bool OtlpWireDecoder::Failed(const std::string& what) {
  if (error_.ok()) {
    error_ = Status::InvalidArgument(std::string("body is not a protobuf ") + request_name_ + ": " +
                                     what);
  }
  return false;
}

bool OtlpWireDecoder::String(WireReader& r, const char* name, std::string* out) {
  std::string_view v;
  if (!StringView(r, name, &v)) return false;
  out->assign(v.data(), v.size());
  return true;
}

bool OtlpWireDecoder::BytesField(WireReader& r, const char* name, std::string* out) {
  std::string_view v;
  if (!r.Bytes(&v)) return Failed(std::string("truncated ") + name);
  out->assign(v.data(), v.size());
  return true;
}

bool OtlpWireDecoder::KeyValueMessage(std::string_view data, int depth,
                                      std::vector<KeyValue>* out) {
  KeyValue kv;
  const bool ok = Fields(data, "attribute", [&](WireReader& r, uint32_t field, int type) {
    if (field == 1 && type == kLengthDelimited) return String(r, "attribute key", &kv.key);
    if (field == 2 && type == kLengthDelimited) {
      // A repeated occurrence of a message field merges into the first, as protobuf does.
      return Message(r, "attribute value",
                     [&](std::string_view b) { return AnyValueMessage(b, depth + 1, &kv.value); });
    }
    return Skip(r, type);
  });
  if (ok) out->push_back(std::move(kv));
  return ok;
}

// common.v1.AnyValue: a oneof of string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7.
bool OtlpWireDecoder::AnyValueMessage(std::string_view data, int depth, AnyValue* value) {
  if (depth > kMaxDepth) return Failed("attribute values nested too deeply");
  return Fields(data, "attribute value", [&](WireReader& r, uint32_t field, int type) {
    uint64_t v = 0;
    double d = 0;
    if (field == 1 && type == kLengthDelimited) {
      *value = AnyValue();
      value->type = AnyValue::Type::kString;
      return String(r, "string value", &value->string_value);
    }
    if (field == 2 && type == kVarint) {
      if (!r.Varint(&v)) return Failed("truncated bool value");
      *value = AnyValue::Bool(v != 0);
      return true;
    }
    if (field == 3 && type == kVarint) {
      if (!r.Varint(&v)) return Failed("truncated int value");
      *value = AnyValue::Int(static_cast<int64_t>(v));
      return true;
    }
    if (field == 4 && type == kFixed64) {
      if (!Double(r, "double value", &d)) return false;
      *value = AnyValue::Double(d);
      return true;
    }
    if (field == 5 && type == kLengthDelimited) {
      // ArrayValue {repeated AnyValue values = 1}; a second occurrence merges (appends).
      if (value->type != AnyValue::Type::kArray) *value = AnyValue::Array({});
      return Message(r, "array value", [&](std::string_view array) {
        return Fields(array, "array value", [&](WireReader& a, uint32_t f, int t) {
          if (f != 1 || t != kLengthDelimited) return Skip(a, t);
          value->array_value.emplace_back();
          return Message(a, "array element", [&](std::string_view b) {
            return AnyValueMessage(b, depth + 1, &value->array_value.back());
          });
        });
      });
    }
    if (field == 6 && type == kLengthDelimited) {
      // KeyValueList {repeated KeyValue values = 1}
      if (value->type != AnyValue::Type::kKvList) *value = AnyValue::KvList({});
      return Message(r, "kvlist value", [&](std::string_view list) {
        return Fields(list, "kvlist value", [&](WireReader& l, uint32_t f, int t) {
          if (f != 1 || t != kLengthDelimited) return Skip(l, t);
          return Message(l, "kvlist element", [&](std::string_view b) {
            return KeyValueMessage(b, depth + 1, &value->kvlist_value);
          });
        });
      });
    }
    if (field == 7 && type == kLengthDelimited) {
      *value = AnyValue();
      value->type = AnyValue::Type::kBytes;
      return BytesField(r, "bytes value", &value->string_value);
    }
    return Skip(r, type);
  });
}

// The same checks as AnyValueMessage, building nothing.
bool OtlpWireDecoder::CheckAnyValue(std::string_view data, int depth) {
  if (depth > kMaxDepth) return Failed("attribute values nested too deeply");
  return Fields(data, "attribute value", [&](WireReader& r, uint32_t field, int type) {
    std::string_view bytes;
    uint64_t v = 0;
    double d = 0;
    if (field == 1 && type == kLengthDelimited) return StringView(r, "string value", &bytes);
    if ((field == 2 || field == 3) && type == kVarint)
      return r.Varint(&v) || Failed("truncated attribute value");
    if (field == 4 && type == kFixed64) return Double(r, "double value", &d);
    if (field == 5 && type == kLengthDelimited) {
      return Message(r, "array value", [&](std::string_view array) {
        return Fields(array, "array value", [&](WireReader& a, uint32_t f, int t) {
          if (f != 1 || t != kLengthDelimited) return Skip(a, t);
          return Message(a, "array element",
                         [&](std::string_view b) { return CheckAnyValue(b, depth + 1); });
        });
      });
    }
    if (field == 6 && type == kLengthDelimited) {
      return Message(r, "kvlist value", [&](std::string_view list) {
        return Fields(list, "kvlist value", [&](WireReader& l, uint32_t f, int t) {
          if (f != 1 || t != kLengthDelimited) return Skip(l, t);
          return Message(l, "kvlist element",
                         [&](std::string_view b) { return CheckKeyValue(b, depth + 1, &bytes); });
        });
      });
    }
    if (field == 7 && type == kLengthDelimited) return Nested(r, "bytes value", &bytes);
    return Skip(r, type);
  });
}

bool OtlpWireDecoder::CheckKeyValue(std::string_view data, int depth, std::string_view* key) {
  *key = {};
  return Fields(data, "attribute", [&](WireReader& r, uint32_t field, int type) {
    if (field == 1 && type == kLengthDelimited)
      return StringView(r, "attribute key", key);  // the last occurrence wins
    if (field == 2 && type == kLengthDelimited) {
      return Message(r, "attribute value",
                     [&](std::string_view b) { return CheckAnyValue(b, depth + 1); });
    }
    return Skip(r, type);
  });
}

bool OtlpWireDecoder::KeyValueView(std::string_view data, std::string_view* key) {
  return CheckKeyValue(data, 0, key);
}

std::string OtlpWireDecoder::ValueText(std::string_view key_value) {
  // Fast path: one value holding one string field, as every SDK writes a string attribute.
  WireReader r(key_value);
  std::string_view value, text;
  int values = 0;
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!r.Tag(&field, &type)) return std::string();  // checked before: cannot happen
    if (field == 2 && type == kLengthDelimited) {
      if (!r.Bytes(&value)) return std::string();
      ++values;
    } else if (!r.Skip(type)) {
      return std::string();
    }
  }
  if (values == 0) return std::string();  // no value: an empty AnyValue prints as ""
  if (values == 1) {
    WireReader v(value);
    uint32_t field = 0;
    int type = 0;
    if (v.Tag(&field, &type) && field == 1 && type == kLengthDelimited && v.Bytes(&text) &&
        v.done())
      return std::string(text);
  }
  // Anything else (other kinds, several value fields merging) through the full decoder.
  std::vector<KeyValue> decoded;
  OtlpWireDecoder decoder("KeyValue");
  if (!decoder.KeyValueMessage(key_value, 0, &decoded) || decoded.empty()) return std::string();
  return decoded[0].value.ToString();
}

bool OtlpWireDecoder::CheckScope(std::string_view data) {
  return Fields(data, "scope", [&](WireReader& r, uint32_t field, int type) {
    std::string_view bytes, key;
    uint64_t v = 0;
    if ((field == 1 || field == 2) && type == kLengthDelimited)
      return StringView(r, field == 1 ? "scope name" : "scope version", &bytes);
    if (field == 3 && type == kLengthDelimited) {
      return Message(r, "scope attribute",
                     [&](std::string_view b) { return KeyValueView(b, &key); });
    }
    if (field == 4 && type == kVarint)
      return r.Varint(&v) || Failed("truncated dropped_attributes_count");
    return Skip(r, type);
  });
}

bool OtlpWireDecoder::ResourceAttributes(std::string_view data,
                                         std::vector<std::string_view>* attributes) {
  return Fields(data, "resource", [&](WireReader& r, uint32_t field, int type) {
    std::string_view key;
    uint64_t v = 0;
    if (field == 1 && type == kLengthDelimited) {
      return Message(r, "resource attribute", [&](std::string_view b) {
        if (!KeyValueView(b, &key)) return false;
        attributes->push_back(b);
        return true;
      });
    }
    if (field == 2 && type == kVarint)
      return r.Varint(&v) || Failed("truncated dropped_attributes_count");
    return Skip(r, type);
  });
}

}  // namespace tidemark::ingest
