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
  WireReader r(data);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!NextTag(r, "attribute", &field, &type)) return false;
    std::string_view bytes;
    bool ok;
    if (field == 1 && type == kLengthDelimited) {
      ok = String(r, "attribute key", &kv.key);
    } else if (field == 2 && type == kLengthDelimited) {
      // A repeated occurrence of a message field merges into the first, as protobuf does.
      ok = Nested(r, "attribute value", &bytes) && AnyValueMessage(bytes, depth + 1, &kv.value);
    } else {
      ok = Skip(r, type);
    }
    if (!ok) return false;
  }
  out->push_back(std::move(kv));
  return true;
}

// common.v1.AnyValue: a oneof of string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7.
bool OtlpWireDecoder::AnyValueMessage(std::string_view data, int depth, AnyValue* value) {
  if (depth > kMaxDepth) return Failed("attribute values nested too deeply");
  WireReader r(data);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!NextTag(r, "attribute value", &field, &type)) return false;
    std::string_view bytes;
    uint64_t v = 0;
    double d = 0;
    bool ok = true;
    if (field == 1 && type == kLengthDelimited) {
      *value = AnyValue();
      value->type = AnyValue::Type::kString;
      ok = String(r, "string value", &value->string_value);
    } else if (field == 2 && type == kVarint) {
      ok = r.Varint(&v) || Failed("truncated bool value");
      *value = AnyValue::Bool(v != 0);
    } else if (field == 3 && type == kVarint) {
      ok = r.Varint(&v) || Failed("truncated int value");
      *value = AnyValue::Int(static_cast<int64_t>(v));
    } else if (field == 4 && type == kFixed64) {
      ok = Double(r, "double value", &d);
      *value = AnyValue::Double(d);
    } else if (field == 5 && type == kLengthDelimited) {
      // ArrayValue {repeated AnyValue values = 1}; a second occurrence merges (appends).
      if (value->type != AnyValue::Type::kArray) *value = AnyValue::Array({});
      ok = Nested(r, "array value", &bytes);
      WireReader a(bytes);
      while (ok && !a.done()) {
        uint32_t f = 0;
        int t = 0;
        std::string_view element;
        if (!NextTag(a, "array value", &f, &t)) return false;
        if (f == 1 && t == kLengthDelimited) {
          value->array_value.emplace_back();
          ok = Nested(a, "array element", &element) &&
               AnyValueMessage(element, depth + 1, &value->array_value.back());
        } else {
          ok = Skip(a, t);
        }
      }
    } else if (field == 6 && type == kLengthDelimited) {
      // KeyValueList {repeated KeyValue values = 1}
      if (value->type != AnyValue::Type::kKvList) *value = AnyValue::KvList({});
      ok = Nested(r, "kvlist value", &bytes);
      WireReader l(bytes);
      while (ok && !l.done()) {
        uint32_t f = 0;
        int t = 0;
        std::string_view element;
        if (!NextTag(l, "kvlist value", &f, &t)) return false;
        if (f == 1 && t == kLengthDelimited) {
          ok = Nested(l, "kvlist element", &element) &&
               KeyValueMessage(element, depth + 1, &value->kvlist_value);
        } else {
          ok = Skip(l, t);
        }
      }
    } else if (field == 7 && type == kLengthDelimited) {
      *value = AnyValue();
      value->type = AnyValue::Type::kBytes;
      ok = BytesField(r, "bytes value", &value->string_value);
    } else {
      ok = Skip(r, type);
    }
    if (!ok) return false;
  }
  return true;
}

// The same checks as AnyValueMessage, building nothing.
bool OtlpWireDecoder::CheckAnyValue(std::string_view data, int depth) {
  if (depth > kMaxDepth) return Failed("attribute values nested too deeply");
  WireReader r(data);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!NextTag(r, "attribute value", &field, &type)) return false;
    std::string_view bytes;
    uint64_t v;
    double d;
    bool ok = true;
    if (field == 1 && type == kLengthDelimited) {
      ok = StringView(r, "string value", &bytes);
    } else if ((field == 2 || field == 3) && type == kVarint) {
      ok = r.Varint(&v) || Failed("truncated attribute value");
    } else if (field == 4 && type == kFixed64) {
      ok = Double(r, "double value", &d);
    } else if ((field == 5 || field == 6) && type == kLengthDelimited) {
      ok = Nested(r, field == 5 ? "array value" : "kvlist value", &bytes);
      WireReader list(bytes);
      while (ok && !list.done()) {
        uint32_t f = 0;
        int t = 0;
        std::string_view element, key, value;
        if (!NextTag(list, field == 5 ? "array value" : "kvlist value", &f, &t)) return false;
        if (f == 1 && t == kLengthDelimited) {
          ok = Nested(list, "list element", &element);
          if (ok && field == 5) ok = CheckAnyValue(element, depth + 1);
          if (ok && field == 6) {
            // A KeyValue: its key, then its value one level deeper.
            WireReader kv(element);
            while (ok && !kv.done()) {
              uint32_t kf = 0;
              int kt = 0;
              if (!NextTag(kv, "attribute", &kf, &kt)) return false;
              if (kf == 1 && kt == kLengthDelimited) {
                ok = StringView(kv, "attribute key", &key);
              } else if (kf == 2 && kt == kLengthDelimited) {
                ok = Nested(kv, "attribute value", &value) && CheckAnyValue(value, depth + 2);
              } else {
                ok = Skip(kv, kt);
              }
            }
          }
        } else {
          ok = Skip(list, t);
        }
      }
    } else if (field == 7 && type == kLengthDelimited) {
      ok = Nested(r, "bytes value", &bytes);
    } else {
      ok = Skip(r, type);
    }
    if (!ok) return false;
  }
  return true;
}

bool OtlpWireDecoder::KeyValueView(std::string_view data, std::string_view* key) {
  *key = {};
  WireReader r(data);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!NextTag(r, "attribute", &field, &type)) return false;
    std::string_view bytes;
    bool ok;
    if (field == 1 && type == kLengthDelimited) {
      ok = StringView(r, "attribute key", key);  // the last occurrence wins
    } else if (field == 2 && type == kLengthDelimited) {
      ok = Nested(r, "attribute value", &bytes) && CheckAnyValue(bytes, 1);
    } else {
      ok = Skip(r, type);
    }
    if (!ok) return false;
  }
  return true;
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
  WireReader r(data);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!NextTag(r, "scope", &field, &type)) return false;
    std::string_view bytes, key;
    uint64_t v;
    bool ok;
    if ((field == 1 || field == 2) && type == kLengthDelimited) {
      ok = StringView(r, field == 1 ? "scope name" : "scope version", &bytes);
    } else if (field == 3 && type == kLengthDelimited) {
      ok = Nested(r, "scope attribute", &bytes) && KeyValueView(bytes, &key);
    } else if (field == 4 && type == kVarint) {
      ok = r.Varint(&v) || Failed("truncated dropped_attributes_count");
    } else {
      ok = Skip(r, type);
    }
    if (!ok) return false;
  }
  return true;
}

bool OtlpWireDecoder::ResourceAttributes(std::string_view data,
                                         std::vector<std::string_view>* attributes) {
  WireReader r(data);
  while (!r.done()) {
    uint32_t field = 0;
    int type = 0;
    if (!NextTag(r, "resource", &field, &type)) return false;
    std::string_view bytes, key;
    uint64_t v;
    bool ok;
    if (field == 1 && type == kLengthDelimited) {
      ok = Nested(r, "resource attribute", &bytes) && KeyValueView(bytes, &key);
      if (ok) attributes->push_back(bytes);
    } else if (field == 2 && type == kVarint) {
      ok = r.Varint(&v) || Failed("truncated dropped_attributes_count");
    } else {
      ok = Skip(r, type);
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace tidemark::ingest
