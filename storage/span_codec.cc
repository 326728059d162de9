#include "storage/span_codec.h"

#include <charconv>

#include "util/coding.h"

namespace tidemark {

AnyValue AnyValue::String(std::string v) {
  AnyValue a;
  a.type = Type::kString;
  a.string_value = std::move(v);
  return a;
}
AnyValue AnyValue::Bytes(std::string v) {
  AnyValue a;
  a.type = Type::kBytes;
  a.string_value = std::move(v);
  return a;
}
AnyValue AnyValue::Bool(bool v) {
  AnyValue a;
  a.type = Type::kBool;
  a.bool_value = v;
  return a;
}
AnyValue AnyValue::Int(int64_t v) {
  AnyValue a;
  a.type = Type::kInt;
  a.int_value = v;
  return a;
}
AnyValue AnyValue::Double(double v) {
  AnyValue a;
  a.type = Type::kDouble;
  a.double_value = v;
  return a;
}
AnyValue AnyValue::Array(std::vector<AnyValue> v) {
  AnyValue a;
  a.type = Type::kArray;
  a.array_value = std::move(v);
  return a;
}
AnyValue AnyValue::KvList(std::vector<KeyValue> v) {
  AnyValue a;
  a.type = Type::kKvList;
  a.kvlist_value = std::move(v);
  return a;
}

bool AnyValue::operator==(const AnyValue& o) const {
  if (type != o.type) return false;
  switch (type) {
    case Type::kEmpty:
      return true;
    case Type::kString:
    case Type::kBytes:
      return string_value == o.string_value;
    case Type::kBool:
      return bool_value == o.bool_value;
    case Type::kInt:
      return int_value == o.int_value;
    // Bit equality: a NaN attribute read back equals the one written.
    case Type::kDouble:
      return util::DoubleBits(double_value) == util::DoubleBits(o.double_value);
    case Type::kArray:
      return array_value == o.array_value;
    case Type::kKvList:
      return kvlist_value == o.kvlist_value;
  }
  return false;
}

std::string_view SpanKindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kUnspecified:
      return "unspecified";
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
  }
  return "unspecified";
}

std::string_view SpanStatusName(SpanStatusCode code) {
  switch (code) {
    case SpanStatusCode::kUnset:
      return "unset";
    case SpanStatusCode::kOk:
      return "ok";
    case SpanStatusCode::kError:
      return "error";
  }
  return "unset";
}

std::string AnyValue::ToString() const {
  switch (type) {
    case Type::kEmpty:
      return "";
    case Type::kString:
    case Type::kBytes:
      return string_value;
    case Type::kBool:
      return bool_value ? "true" : "false";
    case Type::kInt:
      return std::to_string(int_value);
    case Type::kDouble: {
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, double_value);
      return std::string(buf, end);
    }
    case Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < array_value.size(); ++i) {
        if (i) out.push_back(',');
        out += array_value[i].ToString();
      }
      out.push_back(']');
      return out;
    }
    case Type::kKvList: {
      std::string out = "{";
      for (size_t i = 0; i < kvlist_value.size(); ++i) {
        if (i) out.push_back(',');
        out += kvlist_value[i].key;
        out.push_back(':');
        out += kvlist_value[i].value.ToString();
      }
      out.push_back('}');
      return out;
    }
  }
  return "";
}

std::string_view Span::ServiceName() const {
  for (const KeyValue& kv : resource_attributes) {
    if (kv.key == "service.name" && kv.value.type == AnyValue::Type::kString)
      return kv.value.string_value;
  }
  return "";
}

namespace storage {

using util::GetLengthPrefixed;
using util::GetVarint32;
using util::GetVarint64;
using util::PutLengthPrefixed;
using util::PutVarint64;

void EncodeAnyValue(const AnyValue& v, std::string* out) {
  out->push_back(static_cast<char>(v.type));
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      break;
    case AnyValue::Type::kString:
    case AnyValue::Type::kBytes:
      PutLengthPrefixed(out, v.string_value);
      break;
    case AnyValue::Type::kBool:
      out->push_back(v.bool_value ? 1 : 0);
      break;
    case AnyValue::Type::kInt:
      util::PutVarintSigned64(out, v.int_value);
      break;
    case AnyValue::Type::kDouble:
      util::PutFixed64(out, util::DoubleBits(v.double_value));
      break;
    case AnyValue::Type::kArray:
      PutVarint64(out, v.array_value.size());
      for (const AnyValue& e : v.array_value) EncodeAnyValue(e, out);
      break;
    case AnyValue::Type::kKvList:
      EncodeKeyValues(v.kvlist_value, out);
      break;
  }
}

bool DecodeAnyValue(std::string_view* in, AnyValue* v, int depth) {
  if (in->empty() || depth > kMaxAnyValueDepth) return false;
  const uint8_t type = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (type > static_cast<uint8_t>(AnyValue::Type::kKvList)) return false;
  *v = AnyValue();
  v->type = static_cast<AnyValue::Type>(type);
  switch (v->type) {
    case AnyValue::Type::kEmpty:
      return true;
    case AnyValue::Type::kString:
    case AnyValue::Type::kBytes: {
      std::string_view s;
      if (!GetLengthPrefixed(in, &s)) return false;
      v->string_value.assign(s);
      return true;
    }
    case AnyValue::Type::kBool:
      if (in->empty()) return false;
      v->bool_value = (*in)[0] != 0;
      in->remove_prefix(1);
      return true;
    case AnyValue::Type::kInt:
      return util::GetVarintSigned64(in, &v->int_value);
    case AnyValue::Type::kDouble: {
      uint64_t bits;
      if (!util::GetFixed64(in, &bits)) return false;
      v->double_value = util::BitsToDouble(bits);
      return true;
    }
    case AnyValue::Type::kArray: {
      uint64_t n;
      if (!GetVarint64(in, &n) || n > in->size()) return false;
      v->array_value.resize(n);
      for (auto& e : v->array_value) {
        if (!DecodeAnyValue(in, &e, depth + 1)) return false;
      }
      return true;
    }
    case AnyValue::Type::kKvList:
      return DecodeKeyValues(in, &v->kvlist_value, depth + 1);
  }
  return false;
}

void EncodeKeyValues(const std::vector<KeyValue>& kvs, std::string* out) {
  PutVarint64(out, kvs.size());
  for (const KeyValue& kv : kvs) {
    PutLengthPrefixed(out, kv.key);
    EncodeAnyValue(kv.value, out);
  }
}

bool DecodeKeyValues(std::string_view* in, std::vector<KeyValue>* kvs, int depth) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  kvs->resize(n);
  for (auto& kv : *kvs) {
    std::string_view key;
    if (!GetLengthPrefixed(in, &key) || !DecodeAnyValue(in, &kv.value, depth)) return false;
    kv.key.assign(key);
  }
  return true;
}

namespace {

bool GetString(std::string_view* in, std::string* s) {
  std::string_view v;
  if (!GetLengthPrefixed(in, &v)) return false;
  s->assign(v);
  return true;
}

}  // namespace

void EncodeResource(const Span& s, std::string* out) {
  EncodeKeyValues(s.resource_attributes, out);
  PutVarint64(out, s.resource_dropped_attributes_count);
  PutLengthPrefixed(out, s.resource_schema_url);
}

bool DecodeResource(std::string_view in, Span* s) {
  return DecodeKeyValues(&in, &s->resource_attributes) &&
         GetVarint32(&in, &s->resource_dropped_attributes_count) &&
         GetString(&in, &s->resource_schema_url) && in.empty();
}

void EncodeScope(const Span& s, std::string* out) {
  PutLengthPrefixed(out, s.scope_name);
  PutLengthPrefixed(out, s.scope_version);
  EncodeKeyValues(s.scope_attributes, out);
  PutVarint64(out, s.scope_dropped_attributes_count);
  PutLengthPrefixed(out, s.scope_schema_url);
}

bool DecodeScope(std::string_view in, Span* s) {
  return GetString(&in, &s->scope_name) && GetString(&in, &s->scope_version) &&
         DecodeKeyValues(&in, &s->scope_attributes) &&
         GetVarint32(&in, &s->scope_dropped_attributes_count) &&
         GetString(&in, &s->scope_schema_url) && in.empty();
}

void EncodeSpan(const Span& s, std::string* out) {
  PutLengthPrefixed(out, s.trace_id);
  PutLengthPrefixed(out, s.span_id);
  PutLengthPrefixed(out, s.parent_span_id);
  PutLengthPrefixed(out, s.trace_state);
  PutVarint64(out, s.flags);
  PutLengthPrefixed(out, s.name);
  out->push_back(static_cast<char>(s.kind));
  PutVarint64(out, s.start_time_unix_nano);
  PutVarint64(out, s.end_time_unix_nano - s.start_time_unix_nano);
  EncodeKeyValues(s.attributes, out);
  PutVarint64(out, s.dropped_attributes_count);
  PutVarint64(out, s.events.size());
  for (const SpanEvent& e : s.events) {
    PutVarint64(out, e.time_unix_nano);
    PutLengthPrefixed(out, e.name);
    EncodeKeyValues(e.attributes, out);
    PutVarint64(out, e.dropped_attributes_count);
  }
  PutVarint64(out, s.dropped_events_count);
  PutVarint64(out, s.links.size());
  for (const SpanLink& l : s.links) {
    PutLengthPrefixed(out, l.trace_id);
    PutLengthPrefixed(out, l.span_id);
    PutLengthPrefixed(out, l.trace_state);
    EncodeKeyValues(l.attributes, out);
    PutVarint64(out, l.dropped_attributes_count);
    PutVarint64(out, l.flags);
  }
  PutVarint64(out, s.dropped_links_count);
  out->push_back(static_cast<char>(s.status_code));
  PutLengthPrefixed(out, s.status_message);
  thread_local std::string scratch;  // no allocation per span
  scratch.clear();
  EncodeResource(s, &scratch);
  PutLengthPrefixed(out, scratch);
  scratch.clear();
  EncodeScope(s, &scratch);
  PutLengthPrefixed(out, scratch);
}

bool DecodeSpan(std::string_view* in, Span* s) {
  *s = Span();
  uint64_t start, duration, n;
  if (!GetString(in, &s->trace_id) || !GetString(in, &s->span_id) ||
      !GetString(in, &s->parent_span_id) || !GetString(in, &s->trace_state) ||
      !GetVarint32(in, &s->flags) || !GetString(in, &s->name) || in->empty()) {
    return false;
  }
  const uint8_t kind = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (kind > static_cast<uint8_t>(SpanKind::kConsumer)) return false;
  s->kind = static_cast<SpanKind>(kind);
  if (!GetVarint64(in, &start) || !GetVarint64(in, &duration)) return false;
  s->start_time_unix_nano = start;
  s->end_time_unix_nano = start + duration;
  if (!DecodeKeyValues(in, &s->attributes) || !GetVarint32(in, &s->dropped_attributes_count) ||
      !GetVarint64(in, &n) || n > in->size()) {
    return false;
  }
  s->events.resize(n);
  for (SpanEvent& e : s->events) {
    if (!GetVarint64(in, &e.time_unix_nano) || !GetString(in, &e.name) ||
        !DecodeKeyValues(in, &e.attributes) || !GetVarint32(in, &e.dropped_attributes_count)) {
      return false;
    }
  }
  if (!GetVarint32(in, &s->dropped_events_count) || !GetVarint64(in, &n) || n > in->size())
    return false;
  s->links.resize(n);
  for (SpanLink& l : s->links) {
    if (!GetString(in, &l.trace_id) || !GetString(in, &l.span_id) ||
        !GetString(in, &l.trace_state) || !DecodeKeyValues(in, &l.attributes) ||
        !GetVarint32(in, &l.dropped_attributes_count) || !GetVarint32(in, &l.flags)) {
      return false;
    }
  }
  if (!GetVarint32(in, &s->dropped_links_count) || in->empty()) return false;
  const uint8_t status = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (status > static_cast<uint8_t>(SpanStatusCode::kError)) return false;
  s->status_code = static_cast<SpanStatusCode>(status);
  std::string_view resource, scope;
  return GetString(in, &s->status_message) && GetLengthPrefixed(in, &resource) &&
         GetLengthPrefixed(in, &scope) && DecodeResource(resource, s) && DecodeScope(scope, s);
}

}  // namespace storage
}  // namespace tidemark
