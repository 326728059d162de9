// The OTLP trace wire decoder against protobuf's own parser: for generated requests with every
// field, and for every truncation and many corruptions of them, the decoder accepts exactly what
// protobuf accepts and produces the spans a message-based conversion produces.
#include "ingest/otlp_traces.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

#include "ingest/otlp_common.h"
#include "ingest/otlp_json.h"
#include "ingest/otlp_traces_out.h"
#include "ingest/wire_reader.h"

namespace tidemark::ingest {
namespace {

namespace tpb = opentelemetry::proto::collector::trace::v1;
namespace trace = opentelemetry::proto::trace::v1;
namespace common = opentelemetry::proto::common::v1;

// The reference: spans from a parsed message, field by field.
std::vector<Span> ReferenceSpans(const tpb::ExportTraceServiceRequest& request) {
  std::vector<Span> out;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& p : ss.spans()) {
        Span s;
        s.resource = std::make_shared<const SpanResource>(
            SpanResource{.attributes = FromOtlp(rs.resource().attributes()),
                         .dropped_attributes_count = rs.resource().dropped_attributes_count(),
                         .schema_url = rs.schema_url()});
        s.scope = std::make_shared<const SpanScope>(
            SpanScope{.name = ss.scope().name(),
                      .version = ss.scope().version(),
                      .attributes = FromOtlp(ss.scope().attributes()),
                      .dropped_attributes_count = ss.scope().dropped_attributes_count(),
                      .schema_url = ss.schema_url()});
        s.trace_id = p.trace_id();
        s.span_id = p.span_id();
        s.parent_span_id = p.parent_span_id();
        s.trace_state = p.trace_state();
        s.flags = p.flags();
        s.name = p.name();
        s.kind = p.kind() >= 0 && p.kind() <= 5 ? static_cast<SpanKind>(p.kind())
                                                : SpanKind::kUnspecified;
        s.start_time_unix_nano = p.start_time_unix_nano();
        s.end_time_unix_nano = p.end_time_unix_nano();
        s.attributes = FromOtlp(p.attributes());
        s.dropped_attributes_count = p.dropped_attributes_count();
        for (const auto& e : p.events()) {
          s.events.push_back({e.time_unix_nano(), e.name(), FromOtlp(e.attributes()),
                              e.dropped_attributes_count()});
        }
        s.dropped_events_count = p.dropped_events_count();
        for (const auto& l : p.links()) {
          s.links.push_back({l.trace_id(), l.span_id(), l.trace_state(), FromOtlp(l.attributes()),
                             l.dropped_attributes_count(), l.flags()});
        }
        s.dropped_links_count = p.dropped_links_count();
        const int code = p.status().code();
        s.status_code =
            code >= 0 && code <= 2 ? static_cast<SpanStatusCode>(code) : SpanStatusCode::kUnset;
        s.status_message = p.status().message();
        out.push_back(std::move(s));
      }
    }
  }
  return out;
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  tpb::ExportTraceServiceRequest Request() {
    tpb::ExportTraceServiceRequest req;
    for (int r = Int(1, 3); r > 0; --r) {
      auto* rs = req.add_resource_spans();
      Attributes(rs->mutable_resource()->mutable_attributes(), 0);
      rs->mutable_resource()->set_dropped_attributes_count(Int(0, 2));
      if (Int(0, 1)) rs->set_schema_url(Text());
      for (int s = Int(1, 3); s > 0; --s) {
        auto* ss = rs->add_scope_spans();
        ss->mutable_scope()->set_name(Text());
        ss->mutable_scope()->set_version(Text());
        Attributes(ss->mutable_scope()->mutable_attributes(), 0);
        ss->mutable_scope()->set_dropped_attributes_count(Int(0, 2));
        if (Int(0, 1)) ss->set_schema_url(Text());
        for (int n = Int(0, 4); n > 0; --n) SpanMessage(ss->add_spans());
      }
    }
    return req;
  }

  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::string Bytes(size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(Int(0, 255));
    return s;
  }
  std::string Text() {
    static const char* kWords[] = {"", "checkout", "gen_ai.chat", "π≈3.14", "GET /api", "x"};
    return kWords[Int(0, 5)];
  }
  void Value(common::AnyValue* v, int depth) {
    switch (Int(0, depth < 3 ? 7 : 5)) {
      case 0:
        v->set_string_value(Text());
        break;
      case 1:
        v->set_bool_value(Int(0, 1));
        break;
      case 2:
        v->set_int_value(static_cast<int64_t>(Int(-1000000, 1000000)) * 1000003);
        break;
      case 3:
        v->set_double_value(Int(-1000, 1000) / 7.0);
        break;
      case 4:
        v->set_bytes_value(Bytes(Int(0, 5)));
        break;
      case 5:
        break;  // no value set
      case 6:
        for (int i = Int(0, 3); i > 0; --i)
          Value(v->mutable_array_value()->add_values(), depth + 1);
        break;
      default:
        Attributes(v->mutable_kvlist_value()->mutable_values(), depth + 1);
    }
  }
  void Attributes(google::protobuf::RepeatedPtrField<common::KeyValue>* kvs, int depth) {
    for (int i = Int(0, 4); i > 0; --i) {
      auto* kv = kvs->Add();
      kv->set_key(Text());
      if (Int(0, 5)) Value(kv->mutable_value(), depth);
    }
  }
  void SpanMessage(trace::Span* s) {
    s->set_trace_id(Bytes(Int(0, 3) ? 16 : Int(0, 20)));
    s->set_span_id(Bytes(8));
    if (Int(0, 1)) s->set_parent_span_id(Bytes(8));
    if (Int(0, 2) == 0) s->set_trace_state("k=v");
    s->set_flags(static_cast<uint32_t>(Int(0, 1 << 20)));
    s->set_name(Text());
    s->set_kind(static_cast<trace::Span::SpanKind>(Int(0, 7)));  // 6, 7: unknown values
    s->set_start_time_unix_nano(1'700'000'000'000'000'000ULL + Int(0, 1 << 30));
    s->set_end_time_unix_nano(s->start_time_unix_nano() + Int(0, 1 << 30));
    Attributes(s->mutable_attributes(), 0);
    s->set_dropped_attributes_count(Int(0, 3));
    for (int i = Int(0, 2); i > 0; --i) {
      auto* e = s->add_events();
      e->set_time_unix_nano(s->start_time_unix_nano() + Int(0, 1000));
      e->set_name(Text());
      Attributes(e->mutable_attributes(), 0);
      e->set_dropped_attributes_count(Int(0, 1));
    }
    s->set_dropped_events_count(Int(0, 2));
    for (int i = Int(0, 2); i > 0; --i) {
      auto* l = s->add_links();
      l->set_trace_id(Bytes(16));
      l->set_span_id(Bytes(8));
      l->set_trace_state(Text());
      Attributes(l->mutable_attributes(), 0);
      l->set_dropped_attributes_count(Int(0, 1));
      l->set_flags(static_cast<uint32_t>(Int(0, 3)));
    }
    s->set_dropped_links_count(Int(0, 2));
    if (Int(0, 1)) {
      s->mutable_status()->set_code(static_cast<trace::Status::StatusCode>(Int(0, 4)));
      s->mutable_status()->set_message(Text());
    }
  }

  std::mt19937 rng_;
};

// The decoder's verdict and spans, against protobuf's parser and the reference conversion.
void ExpectSameAsProtobuf(const std::string& body, const std::string& what) {
  tpb::ExportTraceServiceRequest parsed;
  const bool protobuf_ok = parsed.ParseFromString(body);
  std::vector<Span> decoded;
  const Status s = DecodeOtlpTraces(body, &decoded);
  ASSERT_EQ(s.ok(), protobuf_ok) << what << ": " << s.ToString();
  if (!s.ok()) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << what;
    EXPECT_NE(s.message().find("ExportTraceServiceRequest"), std::string::npos) << s.message();
    return;
  }
  const std::vector<Span> expected = ReferenceSpans(parsed);
  ASSERT_EQ(decoded.size(), expected.size()) << what;
  // Sized once for the whole request: the vector becomes a span buffer batch as it is. So are
  // the spans' attributes.
  EXPECT_EQ(decoded.capacity(), decoded.size()) << what;
  for (const Span& span : decoded) {
    EXPECT_EQ(span.attributes.capacity(), span.attributes.size()) << what;
  }
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_TRUE(decoded[i] == expected[i]) << what;
}

TEST(OtlpTraceDecoder, AgreesWithProtobufOnGeneratedRequests) {
  Generator gen(7);
  for (int i = 0; i < 300; ++i) {
    const std::string body = gen.Request().SerializeAsString();
    ExpectSameAsProtobuf(body, "request " + std::to_string(i));
  }
}

// The spans of one ResourceSpans point at one resource object, and those of one ScopeSpans at
// one scope object: a batch holds each once (include/tidemark/trace.h).
TEST(OtlpTraceDecoder, SpansOfOneResourceAndScopeShareThem) {
  Generator gen(5);
  for (int i = 0; i < 50; ++i) {
    const tpb::ExportTraceServiceRequest request = gen.Request();
    std::vector<Span> decoded;
    ASSERT_TRUE(DecodeOtlpTraces(request.SerializeAsString(), &decoded).ok());
    size_t k = 0;
    for (const auto& rs : request.resource_spans()) {
      const SpanResource* resource = nullptr;
      for (const auto& ss : rs.scope_spans()) {
        const SpanScope* scope = nullptr;
        for (int n = 0; n < ss.spans_size(); ++n, ++k) {
          ASSERT_LT(k, decoded.size());
          ASSERT_NE(decoded[k].resource, nullptr);
          ASSERT_NE(decoded[k].scope, nullptr);
          if (resource == nullptr) resource = decoded[k].resource.get();
          if (scope == nullptr) scope = decoded[k].scope.get();
          EXPECT_EQ(decoded[k].resource.get(), resource) << "request " << i << " span " << k;
          EXPECT_EQ(decoded[k].scope.get(), scope) << "request " << i << " span " << k;
        }
      }
    }
    EXPECT_EQ(k, decoded.size());
  }
}

// Counting a repeated field's elements stops at the first malformed field; the decoder then
// reports it.
TEST(WireReader, CountsLengthDelimitedFieldsUpToTheFirstMalformedOne) {
  trace::Span span;
  span.set_name("x");
  for (int i = 0; i < 5; ++i) span.add_attributes()->set_key("k" + std::to_string(i));
  span.set_start_time_unix_nano(7);
  const std::string body = span.SerializeAsString();
  EXPECT_EQ(CountLengthDelimited(body, 9), 5u);
  EXPECT_EQ(CountLengthDelimited(body, 5), 1u);   // the name
  EXPECT_EQ(CountLengthDelimited(body, 7), 0u);   // fixed64, not length-delimited
  EXPECT_EQ(CountLengthDelimited(body, 11), 0u);  // no events
  EXPECT_EQ(CountLengthDelimited("", 9), 0u);
  // Cut inside the fourth attribute: three are whole.
  const size_t fourth = body.find("k3");
  ASSERT_NE(fourth, std::string::npos);
  EXPECT_EQ(CountLengthDelimited(std::string_view(body).substr(0, fourth), 9), 3u);
  // A length past the end counts nothing after it.
  EXPECT_EQ(CountLengthDelimited(std::string("\x4a\x7f\x0a", 3), 9), 0u);
}

TEST(OtlpTraceDecoder, AgreesWithProtobufOnTruncationsAndCorruptions) {
  // protobuf logs every string that is not UTF-8; thousands of corruptions make many.
  google::protobuf::LogSilencer quiet;
  Generator gen(11);
  for (int i = 0; i < 20; ++i) {
    const std::string body = gen.Request().SerializeAsString();
    for (size_t n = 0; n < body.size(); ++n)
      ExpectSameAsProtobuf(body.substr(0, n),
                           "request " + std::to_string(i) + " cut at " + std::to_string(n));
    for (int k = 0; k < 200 && !body.empty(); ++k) {
      std::string corrupt = body;
      corrupt[gen.Int(0, static_cast<int>(body.size()) - 1)] = static_cast<char>(gen.Int(0, 255));
      ExpectSameAsProtobuf(corrupt,
                           "request " + std::to_string(i) + " corruption " + std::to_string(k));
    }
  }
}

TEST(OtlpTraceDecoder, UnknownFieldsAndRepeatedMessagesMergeAsProtobufDoes) {
  Generator gen(3);
  tpb::ExportTraceServiceRequest req = gen.Request();
  std::string body = req.SerializeAsString();
  // An unknown field of each wire type at the top level, and a second copy of a request
  // appended (protobuf concatenates repeated fields and merges singular messages).
  body += std::string("\xa0\x06\x05", 3);                       // field 100, varint
  body += std::string("\xa9\x06", 2) + std::string(8, '\x01');  // field 101, fixed64
  body += std::string("\xb2\x06\x02hi", 5);                     // field 102, bytes
  body += std::string("\xbd\x06", 2) + std::string(4, '\x02');  // field 103, fixed32
  body += gen.Request().SerializeAsString();
  ExpectSameAsProtobuf(body, "unknown fields");
}

TEST(OtlpTraceDecoder, RefusesInvalidUtf8AndDeepNesting) {
  tpb::ExportTraceServiceRequest req;
  auto* span = req.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_trace_id(std::string(16, '\x01'));
  span->set_span_id(std::string(8, '\x02'));
  span->set_name("NAME");
  std::string body = req.SerializeAsString();
  std::vector<Span> spans;
  ASSERT_TRUE(DecodeOtlpTraces(body, &spans).ok());
  ASSERT_EQ(spans.size(), 1u);
  // The same bytes with the name replaced by bytes that are not UTF-8.
  body.replace(body.find("NAME"), 4, "\xff\xfe\xfd\xfc");
  Status s = DecodeOtlpTraces(body, &spans);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("span name is not valid UTF-8"), std::string::npos) << s.ToString();
  ExpectSameAsProtobuf(body, "invalid UTF-8");

  common::AnyValue deep;
  common::AnyValue* v = &deep;
  for (int i = 0; i < 150; ++i) v = v->mutable_array_value()->add_values();
  v->set_int_value(1);
  auto* kv = span->add_attributes();
  kv->set_key("deep");
  *kv->mutable_value() = deep;
  spans.clear();
  s = DecodeOtlpTraces(req.SerializeAsString(), &spans);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nested too deeply"), std::string::npos) << s.ToString();
}

// Spans written back as OTLP (for Tempo and Jaeger v3) read back as the same spans, through the
// protobuf wire format and through OTLP/JSON.
std::vector<Span> Sorted(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return std::tie(a.trace_id, a.span_id, a.start_time_unix_nano, a.name) <
           std::tie(b.trace_id, b.span_id, b.start_time_unix_nano, b.name);
  });
  return spans;
}

TEST(OtlpTraceEncoder, SpansRoundTripThroughProtobufAndJson) {
  Generator gen(23);
  for (int i = 0; i < 200; ++i) {
    std::vector<Span> spans;
    ASSERT_TRUE(DecodeOtlpTraces(gen.Request().SerializeAsString(), &spans).ok());
    for (Span& s : spans) {  // values the store keeps (it refuses unknown enums and ids)
      s.kind = static_cast<SpanKind>(static_cast<int>(s.kind) % 6);
      s.status_code = static_cast<SpanStatusCode>(static_cast<int>(s.status_code) % 3);
      s.trace_id.resize(16, '\x01');
    }
    const std::string what = "request " + std::to_string(i);

    std::vector<Span> from_wire;
    const std::string wire = SpansToOtlp(spans).SerializeAsString();
    ASSERT_TRUE(DecodeOtlpTraces(wire, &from_wire).ok()) << what;
    ASSERT_TRUE(Sorted(from_wire) == Sorted(spans)) << what;

    const std::string json = SpansToOtlpJson(spans);
    tpb::ExportTraceServiceRequest parsed;
    const Status st = ParseOtlpJson(json, &parsed);
    ASSERT_TRUE(st.ok()) << what << ": " << st.ToString() << "\n" << json;
    auto from_json = SpansFromOtlp(parsed);
    ASSERT_TRUE(from_json.ok()) << what;
    ASSERT_TRUE(Sorted(*from_json) == Sorted(spans)) << what << "\n" << json;

    // Tempo's flavour: base64 ids, which protobuf's own JSON parser reads as bytes.
    const std::string tempo = SpansToOtlpJson(spans, "resourceSpans", JsonIds::kBase64);
    tpb::ExportTraceServiceRequest generic;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(tempo, &generic).ok()) << what;
    auto from_tempo = SpansFromOtlp(generic);
    ASSERT_TRUE(from_tempo.ok()) << what;
    ASSERT_TRUE(Sorted(*from_tempo) == Sorted(spans)) << what << "\n" << tempo;
  }
}

TEST(OtlpTraceEncoder, JsonSpellsIdsInHexAndEnumsByName) {
  Span s;
  s.trace_id = std::string("\x0a\xbc", 2) + std::string(14, '\0');
  s.span_id = std::string(7, '\0') + "\x01";
  s.name = "GET \"/\"";
  s.kind = SpanKind::kServer;
  s.status_code = SpanStatusCode::kError;
  s.start_time_unix_nano = 1'700'000'000'000'000'123ULL;
  s.end_time_unix_nano = s.start_time_unix_nano + 5;
  s.attributes = {{"n", AnyValue::Int(-3)}, {"b", AnyValue::Bytes("\xff")}};
  s.resource = MakeSpanResource({{"service.name", AnyValue::String("api")}});
  const std::string json = SpansToOtlpJson({s}, "batches");
  EXPECT_EQ(json.rfind("{\"batches\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\"", 0),
            0u)
      << json;
  EXPECT_NE(json.find("\"traceId\":\"0abc0000000000000000000000000000\""), std::string::npos);
  EXPECT_NE(json.find("\"spanId\":\"0000000000000001\""), std::string::npos);
  EXPECT_NE(json.find("\"kind\":\"SPAN_KIND_SERVER\""), std::string::npos);
  EXPECT_NE(json.find("\"code\":\"STATUS_CODE_ERROR\""), std::string::npos);
  EXPECT_NE(json.find("\"startTimeUnixNano\":\"1700000000000000123\""), std::string::npos);
  EXPECT_NE(json.find("{\"intValue\":\"-3\"}"), std::string::npos);
  EXPECT_NE(json.find("{\"bytesValue\":\"/w==\"}"), std::string::npos);
  EXPECT_NE(json.find("\"name\":\"GET \\\"/\\\"\""), std::string::npos) << json;
}

}  // namespace
}  // namespace tidemark::ingest
