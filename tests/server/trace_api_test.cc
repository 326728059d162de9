// The trace read APIs against traces the OpenTelemetry JS SDK exported (tests/clients/
// otel_rag_traces.js: RAG requests through two services, gen_ai spans, failures with recorded
// exceptions): each trace by id through Jaeger v1 and v3 and Tempo (JSON and protobuf), Jaeger
// search with its semantics, dependencies, operations, Tempo tags; the exact sets of traces.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

#include "ingest/otlp_common.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

struct SentTrace {
  std::string id;  // hex
  int index = 0;
  std::string model;
  bool failed = false;
  size_t spans = 0;
};

class TraceApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::SuiteSetUpOrExit(StartSuite, TearDownTestSuite); }
  static void StartSuite() {
    dir_ = new testing::TempDir();
    server_ = new testing::ServerProcess(
        dir_->path(), "storage:\n  span_retention: 0\n  retention: 0\nself_scrape_interval: 0\n");
    ASSERT_TRUE(server_->ready) << server_->Log();
    const std::string sent_path = dir_->path() + "-sent.json";
    ASSERT_EQ(testing::RunNode(CLIENTS_DIR, {"otel_rag_traces.js",
                                             std::to_string(server_->otlp_http_port), sent_path}),
              0)
        << "the export script failed (are the clients installed? scripts/install-test-clients.sh)";
    rapidjson::Document doc;
    doc.Parse(testing::ReadFileOrDie(sent_path).c_str());
    ASSERT_TRUE(doc.IsObject());
    for (const auto& t : doc["traces"].GetArray()) {
      sent_->push_back({t["traceId"].GetString(), t["index"].GetInt(), t["model"].GetString(),
                        t["failed"].GetBool(), t["spans"].GetUint()});
    }
    ASSERT_EQ(sent_->size(), 6u);
  }
  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0);
    }
    delete server_;
    delete dir_;
    server_ = nullptr;
    dir_ = nullptr;
  }

  static testing::HttpResult Get(const std::string& target,
                                 const std::map<std::string, std::string>& headers = {}) {
    return testing::HttpCall(server_->http_port, "GET", target, "", headers);
  }
  static rapidjson::Document Json(const std::string& target, int want_status = 200) {
    const auto r = Get(target);
    EXPECT_EQ(r.status, want_status) << target << ": " << r.body;
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << target << ": " << r.body;
    return doc;
  }
  // The ids of the traces a Jaeger search answers.
  static std::set<std::string> JaegerIds(const std::string& query) {
    auto doc = Json("/jaeger/api/traces?" + query);
    std::set<std::string> ids;
    if (!doc.IsObject() || !doc["data"].IsArray()) return ids;
    for (const auto& t : doc["data"].GetArray()) ids.insert(t["traceID"].GetString());
    return ids;
  }
  static std::set<std::string> Ids(bool (*keep)(const SentTrace&)) {
    std::set<std::string> ids;
    for (const SentTrace& t : *sent_) {
      if (keep(t)) ids.insert(t.id);
    }
    return ids;
  }

  static testing::TempDir* dir_;
  static testing::ServerProcess* server_;
  static std::vector<SentTrace>* sent_;
};

testing::TempDir* TraceApiTest::dir_ = nullptr;
testing::ServerProcess* TraceApiTest::server_ = nullptr;
std::vector<SentTrace>* TraceApiTest::sent_ = new std::vector<SentTrace>();

TEST_F(TraceApiTest, JaegerTraceByIdHasJaegersModel) {
  for (const SentTrace& t : *sent_) {
    auto doc = Json("/jaeger/api/traces/" + t.id);
    ASSERT_TRUE(doc["data"].IsArray());
    ASSERT_EQ(doc["data"].Size(), 1u);
    const auto& trace = doc["data"][0];
    EXPECT_EQ(std::string(trace["traceID"].GetString()), t.id);
    ASSERT_EQ(trace["spans"].Size(), t.spans) << t.id;
    std::map<std::string, std::string> services;  // processID -> service
    for (const auto& p : trace["processes"].GetObject()) {
      services[p.name.GetString()] = p.value["serviceName"].GetString();
      for (const auto& tag : p.value["tags"].GetArray()) {
        EXPECT_NE(std::string(tag["key"].GetString()), "service.name");
      }
    }
    EXPECT_EQ(services.size(), 2u);
    int roots = 0;
    for (const auto& span : trace["spans"].GetArray()) {
      const std::string op = span["operationName"].GetString();
      const std::string service = services[span["processID"].GetString()];
      if (span["references"].Size() == 0) {
        ++roots;
        EXPECT_EQ(op, "GET /api/chat");
        EXPECT_EQ(service, "frontend");
      } else {
        EXPECT_EQ(std::string(span["references"][0]["refType"].GetString()), "CHILD_OF");
        EXPECT_EQ(service, "rag-api");
      }
      std::map<std::string, std::string> tags;
      for (const auto& tag : span["tags"].GetArray()) {
        const auto& v = tag["value"];
        tags[tag["key"].GetString()] = v.IsString()  ? v.GetString()
                                       : v.IsBool()  ? (v.GetBool() ? "true" : "false")
                                       : v.IsInt64() ? std::to_string(v.GetInt64())
                                                     : "number";
      }
      EXPECT_FALSE(tags["span.kind"].empty()) << op;
      EXPECT_FALSE(tags["otel.scope.name"].empty()) << op;
      if (op.starts_with("chat ")) {
        EXPECT_EQ(tags["gen_ai.request.model"], t.model);
        EXPECT_EQ(tags["gen_ai.usage.input_tokens"], std::to_string(800 + t.index));
        EXPECT_EQ(tags["span.kind"], "client");
        bool has_prompt_log = false, has_exception_log = false;
        for (const auto& log : span["logs"].GetArray()) {
          for (const auto& f : log["fields"].GetArray()) {
            if (std::string(f["key"].GetString()) != "event") continue;
            has_prompt_log |= std::string(f["value"].GetString()) == "gen_ai.content.prompt";
            has_exception_log |= std::string(f["value"].GetString()) == "exception";
          }
        }
        EXPECT_TRUE(has_prompt_log);
        EXPECT_EQ(has_exception_log, t.failed);
        EXPECT_EQ(tags["error"], t.failed ? "true" : "");
        EXPECT_EQ(tags["otel.status_code"], t.failed ? "ERROR" : "");
      }
    }
    EXPECT_EQ(roots, 1);
  }
  // A malformed id is 400, an unknown one 404, in Jaeger's envelope.
  auto bad = Json("/jaeger/api/traces/not-hex", 400);
  EXPECT_EQ(bad["errors"][0]["code"].GetInt(), 400);
  auto unknown = Json("/jaeger/api/traces/0123456789abcdef0123456789abcdef", 404);
  EXPECT_EQ(unknown["errors"][0]["code"].GetInt(), 404);
}

TEST_F(TraceApiTest, JaegerSearchHasJaegersSemantics) {
  const auto all = Ids([](const SentTrace&) { return true; });
  EXPECT_EQ(JaegerIds("service=frontend"), all);
  EXPECT_EQ(JaegerIds("service=rag-api&operation=retrieval"), all);
  EXPECT_EQ(JaegerIds("service=rag-api&operation=chat%20gpt-4o"),
            Ids([](const SentTrace& t) { return t.model == "gpt-4o"; }));
  // Tags: all on one span, values compared as strings (an int attribute matches "500").
  EXPECT_EQ(JaegerIds("service=rag-api&tags=%7B%22gen_ai.request.model%22%3A%22gpt-4o%22%7D"),
            Ids([](const SentTrace& t) { return t.model == "gpt-4o"; }));
  EXPECT_EQ(JaegerIds("service=rag-api&tags=%7B%22error%22%3A%22true%22%7D"),
            Ids([](const SentTrace& t) { return t.failed; }));
  EXPECT_EQ(JaegerIds("service=frontend&tag=http.response.status_code:500"),
            Ids([](const SentTrace& t) { return t.failed; }));
  EXPECT_EQ(JaegerIds("service=rag-api&tag=gen_ai.request.model:gpt-4o&tag=error:true"),
            Ids([](const SentTrace& t) { return t.failed && t.model == "gpt-4o"; }));
  // Two tags that only hold on different spans do not match.
  EXPECT_TRUE(JaegerIds("service=rag-api&tag=gen_ai.tool.name:search_docs&tag=error:true").empty());
  // The resource and event attributes are searched too.
  EXPECT_EQ(JaegerIds("service=rag-api&tag=deployment.environment:test"), all);
  EXPECT_EQ(JaegerIds("service=rag-api&tag=exception.message:upstream%20rate%20limited"),
            Ids([](const SentTrace& t) { return t.failed; }));
  // Durations: the failed chat spans take 300 ms, the others 50 ms; bounds are inclusive.
  EXPECT_EQ(JaegerIds("service=rag-api&operation=chat%20gpt-4o&minDuration=300ms"),
            Ids([](const SentTrace& t) { return t.failed && t.model == "gpt-4o"; }));
  EXPECT_EQ(JaegerIds("service=rag-api&minDuration=299.5ms&maxDuration=300ms&tag=error:true"),
            Ids([](const SentTrace& t) { return t.failed; }));
  EXPECT_EQ(JaegerIds("service=rag-api&operation=chat%20gpt-4o&minDuration=50ms&maxDuration=50ms"),
            Ids([](const SentTrace& t) { return !t.failed && t.model == "gpt-4o"; }));
  EXPECT_TRUE(JaegerIds("service=rag-api&operation=chat%20gpt-4o&minDuration=50000.001us"
                        "&maxDuration=299999.999us")
                  .empty());
  EXPECT_EQ(JaegerIds("service=frontend&limit=2").size(), 2u);
  EXPECT_TRUE(JaegerIds("service=nobody").empty());
  // Newest first.
  auto doc = Json("/jaeger/api/traces?service=frontend");
  ASSERT_EQ(doc["data"].Size(), 6u);
  EXPECT_EQ(std::string(doc["data"][0]["traceID"].GetString()), sent_->back().id);
  // Bad parameters are 400 naming them.
  for (const char* bad :
       {"", "service=x&minDuration=5", "service=x&tags=%7B", "service=x&tag=nocolon",
        "service=x&start=abc", "service=x&minDuration=2s&maxDuration=1s"}) {
    auto r = Get(std::string("/jaeger/api/traces?") + bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
}

TEST_F(TraceApiTest, JaegerServicesOperationsDependencies) {
  auto services = Json("/jaeger/api/services");
  ASSERT_EQ(services["data"].Size(), 2u);
  EXPECT_EQ(std::string(services["data"][0].GetString()), "frontend");
  EXPECT_EQ(std::string(services["data"][1].GetString()), "rag-api");
  auto ops = Json("/jaeger/api/services/rag-api/operations");
  std::set<std::string> names;
  for (const auto& o : ops["data"].GetArray()) names.insert(o.GetString());
  EXPECT_EQ(names, (std::set<std::string>{"POST /v1/rag", "chat claude-3-5-sonnet", "chat gpt-4o",
                                          "embeddings text-embedding-3-small",
                                          "execute_tool search_docs", "retrieval"}));
  auto clients = Json("/jaeger/api/operations?service=rag-api&spanKind=client");
  std::set<std::string> client_ops;
  for (const auto& o : clients["data"].GetArray()) {
    client_ops.insert(o["name"].GetString());
    EXPECT_EQ(std::string(o["spanKind"].GetString()), "client");
  }
  EXPECT_EQ(client_ops, (std::set<std::string>{"chat claude-3-5-sonnet", "chat gpt-4o",
                                               "embeddings text-embedding-3-small"}));
  EXPECT_EQ(Get("/jaeger/api/operations").status, 400);
  auto deps = Json("/jaeger/api/dependencies?endTs=" +
                   std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count() +
                                  60'000) +
                   "&lookback=3600000");
  ASSERT_EQ(deps["data"].Size(), 1u);
  EXPECT_EQ(std::string(deps["data"][0]["parent"].GetString()), "frontend");
  EXPECT_EQ(std::string(deps["data"][0]["child"].GetString()), "rag-api");
  EXPECT_EQ(deps["data"][0]["callCount"].GetInt(), 6);
}

// Now plus `seconds`, as RFC 3339 with a fraction.
std::string Rfc3339(int64_t seconds) {
  const std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.5Z", &tm);
  return buf;
}

TEST_F(TraceApiTest, JaegerV3IsOtlpShaped) {
  auto services = Json("/jaeger/api/v3/services");
  EXPECT_EQ(services["services"].Size(), 2u);
  auto ops = Json("/jaeger/api/v3/operations?service=frontend");
  ASSERT_EQ(ops["operations"].Size(), 1u);
  EXPECT_EQ(std::string(ops["operations"][0]["spanKind"].GetString()), "server");
  const SentTrace& t = sent_->front();
  auto trace = Json("/jaeger/api/v3/traces/" + t.id);
  size_t spans = 0;
  for (const auto& rs : trace["result"]["resourceSpans"].GetArray()) {
    for (const auto& ss : rs["scopeSpans"].GetArray()) {
      for (const auto& s : ss["spans"].GetArray()) {
        ++spans;
        EXPECT_EQ(std::string(s["traceId"].GetString()), t.id);  // hex, as OTLP/JSON
      }
    }
  }
  EXPECT_EQ(spans, t.spans);
  auto found = Json(
      "/jaeger/api/v3/traces?query.service_name=rag-api&query.operation_name=chat%20gpt-4o"
      "&query.start_time_min=" +
      Rfc3339(-24 * 3600) + "&query.start_time_max=" + Rfc3339(3600));
  std::set<std::string> ids;
  for (const auto& rs : found["result"]["resourceSpans"].GetArray()) {
    for (const auto& ss : rs["scopeSpans"].GetArray()) {
      for (const auto& s : ss["spans"].GetArray()) ids.insert(s["traceId"].GetString());
    }
  }
  EXPECT_EQ(ids, Ids([](const SentTrace& s) { return s.model == "gpt-4o"; }));
  EXPECT_EQ(Get("/jaeger/api/v3/traces?query.service_name=x").status, 400);
  EXPECT_EQ(Get("/jaeger/api/v3/traces/zz").status, 400);
}

TEST_F(TraceApiTest, TempoTraceByIdAsJsonAndProtobuf) {
  for (const SentTrace& t : *sent_) {
    auto v1 = Json("/api/traces/" + t.id);
    size_t spans = 0;
    std::string bytes;
    ASSERT_TRUE(ingest::FromHex(t.id, &bytes));
    for (const auto& rs : v1["batches"].GetArray()) {
      for (const auto& ss : rs["scopeSpans"].GetArray()) spans += ss["spans"].Size();
    }
    EXPECT_EQ(spans, t.spans);
    auto v2 = Json("/api/v2/traces/" + t.id);
    spans = 0;
    for (const auto& rs : v2["trace"]["resourceSpans"].GetArray()) {
      for (const auto& ss : rs["scopeSpans"].GetArray()) {
        for (const auto& s : ss["spans"].GetArray()) {
          ++spans;
          EXPECT_EQ(std::string(s["traceId"].GetString()).size(), 24u);  // base64, as Tempo
        }
      }
    }
    EXPECT_EQ(spans, t.spans);
    auto proto = Get("/api/traces/" + t.id, {{"Accept", "application/protobuf"}});
    ASSERT_EQ(proto.status, 200);
    opentelemetry::proto::trace::v1::TracesData data;
    ASSERT_TRUE(data.ParseFromString(proto.body));
    spans = 0;
    for (const auto& rs : data.resource_spans()) {
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& s : ss.spans()) {
          ++spans;
          EXPECT_EQ(s.trace_id(), bytes);
        }
      }
    }
    EXPECT_EQ(spans, t.spans);
  }
  EXPECT_EQ(Get("/api/traces/xyz").status, 400);
  EXPECT_EQ(Get("/api/traces/0123456789abcdef0123456789abcdef").status, 404);
}

// The trace ids a Tempo search answers (hex, leading zeros kept).
std::set<std::string> TempoIds(uint16_t port, const std::string& query, int want_status = 200) {
  const auto r = testing::HttpCall(port, "GET", "/api/search?" + query);
  EXPECT_EQ(r.status, want_status) << query << ": " << r.body;
  std::set<std::string> ids;
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  if (r.status != 200 || !doc.IsObject() || !doc["traces"].IsArray()) return ids;
  for (const auto& t : doc["traces"].GetArray()) ids.insert(t["traceID"].GetString());
  return ids;
}

std::string Escape(const std::string& q) {
  std::string out;
  for (unsigned char c : q) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

TEST_F(TraceApiTest, TempoSearchWithTraceQL) {
  const uint16_t port = server_->http_port;
  auto q = [&](const std::string& traceql) { return TempoIds(port, "q=" + Escape(traceql)); };
  const auto all = Ids([](const SentTrace&) { return true; });
  const auto failed = Ids([](const SentTrace& t) { return t.failed; });
  const auto gpt = Ids([](const SentTrace& t) { return t.model == "gpt-4o"; });
  EXPECT_EQ(q("{}"), all);
  EXPECT_EQ(q("{ resource.service.name = \"rag-api\" }"), all);
  EXPECT_EQ(q("{ span.gen_ai.request.model = \"gpt-4o\" }"), gpt);
  EXPECT_EQ(q("{ span.\"gen_ai.request.model\" =~ \"gpt.*\" }"), gpt);
  EXPECT_EQ(q("{ span.http.response.status_code >= 500 }"), failed);
  EXPECT_EQ(q("{ status = error }"), failed);
  EXPECT_EQ(q("{ event:name = \"exception\" }"), failed);
  EXPECT_EQ(q("{ name = \"chat gpt-4o\" && duration >= 300ms }"),
            Ids([](const SentTrace& t) { return t.failed && t.model == "gpt-4o"; }));
  EXPECT_EQ(q("{ kind = client && span.gen_ai.usage.input_tokens > 803 }"),
            Ids([](const SentTrace& t) { return t.index > 3; }));
  EXPECT_EQ(q("{ span.gen_ai.system != nil } >> { status = error }"), std::set<std::string>());
  EXPECT_EQ(q("{ span.http.request.method = \"POST\" } > { status = error }"), failed);
  EXPECT_EQ(q("{ resource.service.name = \"frontend\" } >> { span.gen_ai.tool.name != nil }"),
            Ids([](const SentTrace& t) { return !t.failed; }));
  EXPECT_EQ(q("{ resource.service.name = \"rag-api\" } | count() > 4"),
            Ids([](const SentTrace& t) { return !t.failed; }));
  EXPECT_EQ(q("{ rootServiceName = \"frontend\" && traceDuration > 400ms }"), all);
  EXPECT_EQ(TempoIds(port, "q=" + Escape("{}") + "&limit=2").size(), 2u);
  EXPECT_EQ(TempoIds(port, "q=" + Escape("{}") + "&limit=0&spss=0"), all);  // Tempo's defaults
  EXPECT_EQ(Get("/api/search?q=%7B%7D&limit=-1").status, 400);
  // Tag search: substrings, case-insensitive; error=true; durations of the trace.
  EXPECT_EQ(TempoIds(port, "tags=" + Escape("gen_ai.request.model=GPT")), gpt);
  EXPECT_EQ(TempoIds(port, "tags=" + Escape("error=true")), failed);
  EXPECT_EQ(TempoIds(port, "tags=" + Escape("service.name=rag") + "&minDuration=400ms"), all);
  EXPECT_TRUE(TempoIds(port, "tags=" + Escape("service.name=rag") + "&minDuration=1s").empty());
  // Spansets: matched spans with the attributes the query names.
  auto r = Get("/api/search?q=" + Escape("{ span.gen_ai.request.model = \"gpt-4o\" }") + "&spss=1");
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  ASSERT_TRUE(doc.IsObject()) << r.body;
  ASSERT_EQ(doc["traces"].Size(), 3u);
  for (const auto& t : doc["traces"].GetArray()) {
    EXPECT_EQ(std::string(t["rootServiceName"].GetString()), "frontend");
    EXPECT_EQ(std::string(t["rootTraceName"].GetString()), "GET /api/chat");
    EXPECT_EQ(t["durationMs"].GetInt(), 401);
    ASSERT_EQ(t["spanSets"].Size(), 1u);
    EXPECT_EQ(t["spanSets"][0]["spans"].Size(), 1u);
    EXPECT_EQ(t["spanSets"][0]["matched"].GetInt(), 1);
  }
  // Bad queries are 400 naming the problem; metrics queries are not supported yet.
  for (const char* bad : {"{ span.x = }", "{ .a = 1", "{ .a = 1 } | rate()", "{ .a =~ \"(\" }"}) {
    auto res = Get("/api/search?q=" + Escape(bad));
    EXPECT_EQ(res.status, 400) << bad << ": " << res.body;
    EXPECT_FALSE(res.body.empty());
  }
  EXPECT_EQ(Get("/api/search?q=%7B%7D&limit=99999999").status, 400);
  EXPECT_EQ(Get("/api/search?q=%7B%7D&start=10&end=5").status, 400);
}

TEST_F(TraceApiTest, TempoTagsAndTypedValues) {
  auto tags = Json("/api/v2/search/tags");
  std::map<std::string, std::set<std::string>> scopes;
  for (const auto& s : tags["scopes"].GetArray()) {
    for (const auto& t : s["tags"].GetArray()) scopes[s["name"].GetString()].insert(t.GetString());
  }
  EXPECT_TRUE(scopes["span"].contains("gen_ai.request.model"));
  EXPECT_TRUE(scopes["resource"].contains("service.name"));
  EXPECT_TRUE(scopes["intrinsic"].contains("duration"));
  auto values = Json("/api/v2/search/tag/span.http.response.status_code/values");
  std::set<std::string> typed;
  for (const auto& v : values["tagValues"].GetArray()) {
    typed.insert(std::string(v["type"].GetString()) + ":" + v["value"].GetString());
  }
  EXPECT_EQ(typed, (std::set<std::string>{"int:200", "int:500"}));
  auto services = Json("/api/search/tag/service.name/values");
  ASSERT_EQ(services["tagValues"].Size(), 2u);
  EXPECT_EQ(Get("/api/v2/search/tags?scope=bogus").status, 400);
  // Narrowed by a query: only the values on spans that match it.
  auto narrowed =
      Json("/api/v2/search/tag/span.gen_ai.request.model/values?q=" + Escape("{ status = error }"));
  std::set<std::string> models;
  for (const auto& v : narrowed["tagValues"].GetArray()) models.insert(v["value"].GetString());
  EXPECT_EQ(models, (std::set<std::string>{"claude-3-5-sonnet", "gpt-4o"}));
  auto statuses = Json("/api/v2/search/tag/status/values");
  EXPECT_EQ(statuses["tagValues"].Size(), 3u);
  EXPECT_EQ(Get("/api/echo").body, "echo");
  EXPECT_EQ(Get("/api/status/buildinfo").status, 200);
}

}  // namespace
}  // namespace tidemark
