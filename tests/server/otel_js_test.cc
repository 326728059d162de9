// The OpenTelemetry JS SDK's own exporters (gRPC, HTTP/protobuf, HTTP/JSON) export to a real
// `tidemark serve`; the script records what it sent and this test compares every span field and
// every sample with what the engine stored.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>

#include <climits>

#include "ingest/otlp_common.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"
#include "tidemark/engine.h"

namespace tidemark {
namespace {

int RunNode(const std::vector<std::string>& args) { return testing::RunNode(CLIENTS_DIR, args); }

std::string Bytes(const rapidjson::Value& hex) {
  std::string out;
  EXPECT_TRUE(ingest::FromHex(hex.GetString(), &out)) << hex.GetString();
  return out;
}

uint64_t Nanos(const rapidjson::Value& v) { return std::stoull(v.GetString()); }

// A JS attribute value against the stored one, type included (the exporters send integral
// numbers as intValue, others as doubleValue).
void ExpectSameValue(const rapidjson::Value& sent, const AnyValue& stored, const std::string& key) {
  if (sent.IsString()) {
    EXPECT_EQ(stored.type, AnyValue::Type::kString) << key;
    EXPECT_EQ(stored.string_value, sent.GetString()) << key;
  } else if (sent.IsBool()) {
    EXPECT_EQ(stored.type, AnyValue::Type::kBool) << key;
    EXPECT_EQ(stored.bool_value, sent.GetBool()) << key;
  } else if (sent.IsInt64()) {
    EXPECT_EQ(stored.type, AnyValue::Type::kInt) << key;
    EXPECT_EQ(stored.int_value, sent.GetInt64()) << key;
  } else if (sent.IsNumber()) {
    EXPECT_EQ(stored.type, AnyValue::Type::kDouble) << key;
    EXPECT_EQ(stored.double_value, sent.GetDouble()) << key;
  } else if (sent.IsArray()) {
    ASSERT_EQ(stored.type, AnyValue::Type::kArray) << key;
    ASSERT_EQ(stored.array_value.size(), sent.Size()) << key;
    for (rapidjson::SizeType i = 0; i < sent.Size(); ++i)
      ExpectSameValue(sent[i], stored.array_value[i], key);
  } else {
    ADD_FAILURE() << "unexpected JSON type for " << key;
  }
}

void ExpectSameAttributes(const rapidjson::Value& sent, const std::vector<KeyValue>& stored,
                          const std::string& where) {
  ASSERT_EQ(stored.size(), sent.MemberCount()) << where;
  for (const auto& m : sent.GetObject()) {
    const std::string key = m.name.GetString();
    auto it = std::find_if(stored.begin(), stored.end(),
                           [&](const KeyValue& kv) { return kv.key == key; });
    ASSERT_NE(it, stored.end()) << where << ": " << key;
    ExpectSameValue(m.value, it->value, where + ": " + key);
  }
}

class OtelJsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OtelJsTest, ExportedSpansAndMetricsAreStoredExactly) {
  const std::string protocol = GetParam();
  testing::TempDir dir;
  const std::string sent_path = dir.path() + "-sent.json";
  {
    testing::ServerProcess server(
        dir.path(), "storage:\n  span_retention: 0\n  retention: 0\nself_scrape_interval: 0\n");
    ASSERT_TRUE(server.ready) << server.Log();
    ASSERT_EQ(RunNode({"otel_export.js", protocol, std::to_string(server.grpc_port),
                       std::to_string(server.otlp_http_port), sent_path}),
              0)
        << "the export script failed (are the clients installed? scripts/install-test-clients.sh)\n"
        << server.Log();
    ASSERT_EQ(server.Stop(), 0) << server.Log();
  }
  rapidjson::Document sent;
  sent.Parse(testing::ReadFileOrDie(sent_path).c_str());
  std::remove(sent_path.c_str());
  ASSERT_TRUE(sent.IsObject());

  Options o = testing::TestOptions();
  o.span_retention_ms = 0;
  auto opened = Engine::Open(o, dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Engine& engine = **opened;

  const auto& spans = sent["spans"];
  ASSERT_EQ(spans.Size(), 2u);
  for (const auto& js : spans.GetArray()) {
    const std::string name = js["name"].GetString();
    auto trace = engine.GetTrace(Bytes(js["traceId"]));
    ASSERT_TRUE(trace.ok()) << name << ": " << trace.status().ToString();
    const std::string span_id = Bytes(js["spanId"]);
    auto it = std::find_if(trace->begin(), trace->end(),
                           [&](const Span& s) { return s.span_id == span_id; });
    ASSERT_NE(it, trace->end()) << name;
    const Span& s = *it;
    EXPECT_EQ(s.name, name);
    EXPECT_EQ(static_cast<int>(s.kind), js["kind"].GetInt() + 1)
        << name;  // JS kinds start at INTERNAL = 0
    EXPECT_EQ(s.start_time_unix_nano, Nanos(js["start"])) << name;
    EXPECT_EQ(s.end_time_unix_nano, Nanos(js["end"])) << name;
    EXPECT_EQ(s.parent_span_id,
              std::string(js["parentSpanId"].GetString()).empty() ? "" : Bytes(js["parentSpanId"]));
    EXPECT_EQ(static_cast<int>(s.status_code), js["status"].GetInt()) << name;
    EXPECT_EQ(s.status_message, js["statusMessage"].GetString()) << name;
    EXPECT_EQ(s.Scope().name, js["scope"].GetString());
    EXPECT_EQ(s.Scope().version, js["scopeVersion"].GetString());
    EXPECT_EQ(s.ServiceName(), "js-" + protocol);
    ExpectSameAttributes(js["attributes"], s.attributes, name);
    ASSERT_EQ(s.events.size(), js["events"].Size()) << name;
    for (rapidjson::SizeType i = 0; i < js["events"].Size(); ++i) {
      const auto& e = js["events"][i];
      EXPECT_EQ(s.events[i].name, e["name"].GetString());
      EXPECT_EQ(s.events[i].time_unix_nano, Nanos(e["time"]));
      ExpectSameAttributes(e["attributes"], s.events[i].attributes, name + " event");
    }
    ASSERT_EQ(s.links.size(), js["links"].Size()) << name;
    for (rapidjson::SizeType i = 0; i < js["links"].Size(); ++i) {
      const auto& l = js["links"][i];
      EXPECT_EQ(s.links[i].trace_id, Bytes(l["traceId"]));
      EXPECT_EQ(s.links[i].span_id, Bytes(l["spanId"]));
      ExpectSameAttributes(l["attributes"], s.links[i].attributes, name + " link");
    }
  }

  // Metrics, as the Prometheus translation names them.
  const std::string job = "js-" + protocol;
  auto value = [&](std::vector<LabelMatcher> ms) -> double {
    ms.push_back(LabelMatcher::Equal("job", job));
    ms.push_back(LabelMatcher::Equal("instance", "i-1"));
    auto all = testing::ReadAll(engine, ms);
    EXPECT_EQ(all.size(), 1u);
    return all.empty() || all.begin()->second.empty() ? -1 : all.begin()->second.back().value;
  };
  const auto& m = sent["metrics"];
  EXPECT_EQ(value({LabelMatcher::Equal("__name__", "llm_requests_total"),
                   LabelMatcher::Equal("model", "gpt-4o")}),
            m["counter"].GetDouble());
  const auto& h = m["histogram"];
  const char* les[] = {"100", "1000", "+Inf"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(value({LabelMatcher::Equal("__name__", "llm_latency_milliseconds_bucket"),
                     LabelMatcher::Equal("le", les[i])}),
              h["buckets"][i].GetDouble())
        << les[i];
  }
  EXPECT_EQ(value({LabelMatcher::Equal("__name__", "llm_latency_milliseconds_count")}),
            h["count"].GetDouble());
  EXPECT_EQ(value({LabelMatcher::Equal("__name__", "llm_latency_milliseconds_sum")}),
            h["sum"].GetDouble());
  EXPECT_EQ(value({LabelMatcher::Equal("__name__", "target_info"),
                   LabelMatcher::Equal("deployment_environment", "test")}),
            1);
}

INSTANTIATE_TEST_SUITE_P(Exporters, OtelJsTest, ::testing::Values("grpc", "proto", "http"));

}  // namespace
}  // namespace tidemark
