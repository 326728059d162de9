#include "storage/span_codec.h"

#include <absl/container/flat_hash_map.h>

#include <charconv>
#include <memory>

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

std::string_view SpanResource::ServiceName() const {
  for (const KeyValue& kv : attributes) {
    if (kv.key == "service.name" && kv.value.type == AnyValue::Type::kString)
      return kv.value.string_value;
  }
  return "";
}

const SpanResource& Span::Resource() const {
  static const SpanResource kEmpty;
  return resource ? *resource : kEmpty;
}

const SpanScope& Span::Scope() const {
  static const SpanScope kEmpty;
  return scope ? *scope : kEmpty;
}

std::shared_ptr<const SpanResource> MakeSpanResource(std::vector<KeyValue> attributes) {
  auto r = std::make_shared<SpanResource>();
  r->attributes = std::move(attributes);
  return r;
}

std::shared_ptr<const SpanScope> MakeSpanScope(std::string name, std::string version) {
  auto sc = std::make_shared<SpanScope>();
  sc->name = std::move(name);
  sc->version = std::move(version);
  return sc;
}

bool Span::operator==(const Span& o) const {
  return trace_id == o.trace_id && span_id == o.span_id && parent_span_id == o.parent_span_id &&
         trace_state == o.trace_state && flags == o.flags && name == o.name && kind == o.kind &&
         start_time_unix_nano == o.start_time_unix_nano &&
         end_time_unix_nano == o.end_time_unix_nano && attributes == o.attributes &&
         dropped_attributes_count == o.dropped_attributes_count && events == o.events &&
         dropped_events_count == o.dropped_events_count && links == o.links &&
         dropped_links_count == o.dropped_links_count && status_code == o.status_code &&
         status_message == o.status_message &&
         (resource == o.resource || Resource() == o.Resource()) &&
         (scope == o.scope || Scope() == o.Scope());
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

void EncodeResource(const SpanResource& r, std::string* out) {
  EncodeKeyValues(r.attributes, out);
  PutVarint64(out, r.dropped_attributes_count);
  PutLengthPrefixed(out, r.schema_url);
}

bool DecodeResource(std::string_view in, SpanResource* r) {
  return DecodeKeyValues(&in, &r->attributes) && GetVarint32(&in, &r->dropped_attributes_count) &&
         GetString(&in, &r->schema_url) && in.empty();
}

void EncodeScope(const SpanScope& sc, std::string* out) {
  PutLengthPrefixed(out, sc.name);
  PutLengthPrefixed(out, sc.version);
  EncodeKeyValues(sc.attributes, out);
  PutVarint64(out, sc.dropped_attributes_count);
  PutLengthPrefixed(out, sc.schema_url);
}

bool DecodeScope(std::string_view in, SpanScope* sc) {
  return GetString(&in, &sc->name) && GetString(&in, &sc->version) &&
         DecodeKeyValues(&in, &sc->attributes) && GetVarint32(&in, &sc->dropped_attributes_count) &&
         GetString(&in, &sc->schema_url) && in.empty();
}

void EncodeSpanBody(const Span& s, std::string* out) {
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
}

bool DecodeSpanBody(std::string_view* in, Span* s) {
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
  return GetString(in, &s->status_message);
}

void EncodeSpan(const Span& s, std::string* out) {
  EncodeSpanBody(s, out);
  std::string scratch;
  EncodeResource(s.Resource(), &scratch);
  PutLengthPrefixed(out, scratch);
  scratch.clear();
  EncodeScope(s.Scope(), &scratch);
  PutLengthPrefixed(out, scratch);
}

bool DecodeSpan(std::string_view* in, Span* s) {
  std::string_view resource_bytes, scope_bytes;
  if (!DecodeSpanBody(in, s) || !GetLengthPrefixed(in, &resource_bytes) ||
      !GetLengthPrefixed(in, &scope_bytes)) {
    return false;
  }
  auto resource = std::make_shared<SpanResource>();
  auto scope = std::make_shared<SpanScope>();
  if (!DecodeResource(resource_bytes, resource.get()) || !DecodeScope(scope_bytes, scope.get()))
    return false;
  s->resource = std::move(resource);
  s->scope = std::move(scope);
  return true;
}

void EncodeSpanBatch(const std::vector<Span>& spans, std::string* out) {
  // Resources and scopes by the object the spans share: one entry per ResourceSpans or
  // ScopeSpans of the request. Equal values behind different pointers are kept apart, which
  // costs bytes, never correctness.
  absl::flat_hash_map<const void*, uint32_t> resource_ids, scope_ids;
  std::vector<const SpanResource*> resources;
  std::vector<const SpanScope*> scopes;
  std::vector<std::pair<uint32_t, uint32_t>> refs;
  refs.reserve(spans.size());
  for (const Span& s : spans) {
    const SpanResource* r = &s.Resource();
    const SpanScope* sc = &s.Scope();
    auto [rit, r_new] = resource_ids.try_emplace(r, static_cast<uint32_t>(resources.size()));
    if (r_new) resources.push_back(r);
    auto [sit, s_new] = scope_ids.try_emplace(sc, static_cast<uint32_t>(scopes.size()));
    if (s_new) scopes.push_back(sc);
    refs.emplace_back(rit->second, sit->second);
  }
  std::string scratch;
  PutVarint64(out, resources.size());
  for (const SpanResource* r : resources) {
    scratch.clear();
    EncodeResource(*r, &scratch);
    PutLengthPrefixed(out, scratch);
  }
  PutVarint64(out, scopes.size());
  for (const SpanScope* sc : scopes) {
    scratch.clear();
    EncodeScope(*sc, &scratch);
    PutLengthPrefixed(out, scratch);
  }
  PutVarint64(out, spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    PutVarint64(out, refs[i].first);
    PutVarint64(out, refs[i].second);
    EncodeSpanBody(spans[i], out);
  }
}

bool DecodeSpanBatch(std::string_view in, std::vector<Span>* spans) {
  // A count, then that many length-prefixed values, each decoded into its own shared object.
  auto decode_list = [&in]<typename T>(std::vector<std::shared_ptr<T>>* list,
                                       bool (*decode)(std::string_view, T*)) {
    uint64_t count;
    if (!GetVarint64(&in, &count) || count > in.size()) return false;
    list->resize(count);
    for (auto& shared : *list) {
      std::string_view bytes;
      auto value = std::make_shared<T>();
      if (!GetLengthPrefixed(&in, &bytes) || !decode(bytes, value.get())) return false;
      shared = std::move(value);
    }
    return true;
  };
  std::vector<std::shared_ptr<SpanResource>> resources;
  std::vector<std::shared_ptr<SpanScope>> scopes;
  if (!decode_list(&resources, DecodeResource) || !decode_list(&scopes, DecodeScope)) return false;
  uint64_t n;
  if (!GetVarint64(&in, &n) || n > in.size()) return false;
  spans->reserve(spans->size() + n);
  for (uint64_t k = 0; k < n; ++k) {
    uint64_t r, sc;
    Span s;
    if (!GetVarint64(&in, &r) || r >= resources.size() || !GetVarint64(&in, &sc) ||
        sc >= scopes.size() || !DecodeSpanBody(&in, &s)) {
      return false;
    }
    s.resource = resources[r];
    s.scope = scopes[sc];
    spans->push_back(std::move(s));
  }
  return in.empty();
}

}  // namespace storage
}  // namespace tidemark
