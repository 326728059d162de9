// The Prometheus HTTP API of the real server: responses, value encoding and error types.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <snappy.h>

#include <string>

#include "prometheus/remote.pb.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::HttpCall;
using testing::HttpResult;
using testing::ServerProcess;
using testing::TempDir;

constexpr char kConfig[] = "self_scrape_interval: 0s\nstorage:\n  retention: 0s\n";
// Samples every 15 s from here; queries evaluate between samples (Prometheus 2.42 and 3 differ
// on window edges, and the differential test relies on the same choice).
constexpr int64_t kT0 = 1'700'000'000'000;

void AddLabel(prometheus::TimeSeries* ts, const std::string& n, const std::string& v) {
  auto* l = ts->add_labels();
  l->set_name(n);
  l->set_value(v);
}

// http_requests_total{code="200"|"500", job="api"}: counters rising 10 and 1 per 15 s for 10 min
// (scrapes `first` to `last` of 0..40); one exemplar and metadata.
std::string TestWriteRequest(int first = 0, int last = 40) {
  prometheus::WriteRequest req;
  for (const auto& [code, rate] : {std::pair{"200", 10.0}, std::pair{"500", 1.0}}) {
    auto* ts = req.add_timeseries();
    AddLabel(ts, "__name__", "http_requests_total");
    AddLabel(ts, "code", code);
    AddLabel(ts, "job", "api");
    for (int i = first; i <= last; ++i) {
      auto* s = ts->add_samples();
      s->set_timestamp(kT0 + i * 15'000);
      s->set_value(i * rate);
    }
    auto* e = ts->add_exemplars();
    auto* l = e->add_labels();
    l->set_name("trace_id");
    l->set_value(std::string("abc") + code);
    e->set_value(1);
    e->set_timestamp(kT0 + 30'000);
  }
  auto* m = req.add_metadata();
  m->set_type(prometheus::MetricMetadata::COUNTER);
  m->set_metric_family_name("http_requests_total");
  m->set_help("Requests served.");
  std::string compressed;
  snappy::Compress(req.SerializeAsString().data(), req.ByteSizeLong(), &compressed);
  return compressed;
}

HttpResult Write(const ServerProcess& server, int first = 0, int last = 40) {
  return HttpCall(server.http_port, "POST", "/api/v1/write", TestWriteRequest(first, last),
                  {{"Content-Type", "application/x-protobuf"},
                   {"Content-Encoding", "snappy"},
                   {"X-Prometheus-Remote-Write-Version", "0.1.0"}});
}

rapidjson::Document ParseJson(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  EXPECT_FALSE(d.HasParseError()) << body;
  return d;
}

std::string Get(const ServerProcess& server, const std::string& target, int want_status = 200) {
  HttpResult r = HttpCall(server.http_port, "GET", target);
  EXPECT_EQ(r.status, want_status) << target << ": " << r.body;
  return r.body;
}

class PromApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::SuiteSetUpOrExit(StartSuite, TearDownTestSuite); }
  static void StartSuite() {
    dir_ = new TempDir();
    server_ = new ServerProcess(dir_->path(), kConfig);
    ASSERT_TRUE(server_->ready) << server_->Log();
    ASSERT_EQ(Write(*server_).status, 204);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static TempDir* dir_;
  static ServerProcess* server_;
};
TempDir* PromApiTest::dir_ = nullptr;
ServerProcess* PromApiTest::server_ = nullptr;

TEST_F(PromApiTest, InstantQueryVectorAndScalarEncoding) {
  // 5 minutes after the start plus 7.5 s: between samples.
  auto d = ParseJson(Get(*server_,
                         "/api/v1/query?query=sum%20by%20(code)%20(http_requests_total)"
                         "&time=1700000307.5"));
  ASSERT_STREQ(d["status"].GetString(), "success");
  ASSERT_STREQ(d["data"]["resultType"].GetString(), "vector");
  const auto& result = d["data"]["result"];
  ASSERT_EQ(result.Size(), 2u);
  std::map<std::string, std::string> by_code;
  for (const auto& s : result.GetArray()) {
    EXPECT_FALSE(s["metric"].HasMember("__name__"));
    EXPECT_DOUBLE_EQ(s["value"][0].GetDouble(), 1700000307.5);
    by_code[s["metric"]["code"].GetString()] = s["value"][1].GetString();
  }
  EXPECT_EQ(by_code["200"], "200");  // 20 samples of 10 per 15 s
  EXPECT_EQ(by_code["500"], "20");

  auto scalar = ParseJson(Get(*server_, "/api/v1/query?query=1%2F0&time=1700000000"));
  ASSERT_STREQ(scalar["data"]["resultType"].GetString(), "scalar");
  EXPECT_EQ(scalar["data"]["result"][0].GetInt64(), 1700000000);
  EXPECT_STREQ(scalar["data"]["result"][1].GetString(), "+Inf");
  auto nan = ParseJson(Get(*server_, "/api/v1/query?query=0%2F0&time=1700000000.001"));
  EXPECT_STREQ(nan["data"]["result"][1].GetString(), "NaN");
  EXPECT_DOUBLE_EQ(nan["data"]["result"][0].GetDouble(), 1700000000.001);
  auto str = ParseJson(Get(*server_, "/api/v1/query?query=%22hello%22&time=2023-11-14T22:13:20Z"));
  EXPECT_STREQ(str["data"]["resultType"].GetString(), "string");
  EXPECT_STREQ(str["data"]["result"][1].GetString(), "hello");
  EXPECT_EQ(str["data"]["result"][0].GetInt64(), 1700000000);
}

TEST_F(PromApiTest, RangeQueryByPostForm) {
  HttpResult r = HttpCall(
      server_->http_port, "POST", "/api/v1/query_range",
      "query=rate(http_requests_total%7Bcode%3D~%225..%22%7D%5B1m%5D)&start=1700000067.5&end="
      "1700000367.5&step=60s",
      {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = ParseJson(r.body);
  ASSERT_STREQ(d["data"]["resultType"].GetString(), "matrix");
  ASSERT_EQ(d["data"]["result"].Size(), 1u);
  const auto& series = d["data"]["result"][0];
  EXPECT_STREQ(series["metric"]["code"].GetString(), "500");
  ASSERT_EQ(series["values"].Size(), 6u);
  for (const auto& p : series["values"].GetArray()) {
    EXPECT_NEAR(std::stod(p[1].GetString()), 1.0 / 15, 1e-9);  // 1 per 15 s
  }
  EXPECT_DOUBLE_EQ(series["values"][1][0].GetDouble(), 1700000127.5);
}

// A result past 65,536 samples is streamed (chunked, never whole in the server's memory) as the
// same JSON a small one is sent whole.
TEST_F(PromApiTest, LargeResultsAreStreamedAsTheSameJson) {
  // Each branch: one series with a point per step, 10,000 steps.
  auto query = [](int branches) {
    std::string q;
    for (int i = 1; i <= branches; ++i) {
      if (i > 1) q += " or ";
      q += "label_replace(vector(" + std::to_string(i) + "),\"x\",\"" + std::to_string(i) +
           "\",\"\",\"\")";
    }
    std::string encoded;
    for (unsigned char c : q) {
      if (isalnum(c)) {
        encoded += static_cast<char>(c);
      } else {
        char hex[4];
        snprintf(hex, sizeof(hex), "%%%02X", c);
        encoded += hex;
      }
    }
    return "/api/v1/query_range?start=1700000000&end=1700009999&step=1&query=" + encoded;
  };
  HttpResult small = HttpCall(server_->http_port, "GET", query(1));
  ASSERT_EQ(small.status, 200) << small.body.substr(0, 300);
  EXPECT_EQ(small.headers.count("Transfer-Encoding"), 0u);
  HttpResult large = HttpCall(server_->http_port, "GET", query(7));
  ASSERT_EQ(large.status, 200) << large.body.substr(0, 300);
  EXPECT_EQ(large.headers["Transfer-Encoding"], "chunked");
  EXPECT_EQ(large.headers["Content-Type"], "application/json");
  auto d = ParseJson(large.body);
  ASSERT_STREQ(d["status"].GetString(), "success");
  const auto& result = d["data"]["result"];
  ASSERT_EQ(result.Size(), 7u);
  for (const auto& series : result.GetArray()) {
    const std::string x = series["metric"]["x"].GetString();
    ASSERT_EQ(series["values"].Size(), 10'000u);
    for (const auto& p : series["values"].GetArray()) ASSERT_EQ(p[1].GetString(), x);
  }
  // The first series, as the streamed answer has it, is the small answer's one series.
  const std::string first_series = small.body.substr(small.body.find("[{\"metric\""));
  EXPECT_EQ(large.body.substr(large.body.find("[{\"metric\""), first_series.size() - 3),
            first_series.substr(0, first_series.size() - 3));
}

TEST_F(PromApiTest, ErrorTypesAndStatuses) {
  auto expect_error = [&](const std::string& target, int status, const char* type,
                          const std::string& fragment) {
    HttpResult r = HttpCall(server_->http_port, "GET", target);
    EXPECT_EQ(r.status, status) << target << ": " << r.body;
    auto d = ParseJson(r.body);
    ASSERT_TRUE(d.IsObject()) << r.body;
    EXPECT_STREQ(d["status"].GetString(), "error");
    EXPECT_STREQ(d["errorType"].GetString(), type) << r.body;
    EXPECT_NE(std::string(d["error"].GetString()).find(fragment), std::string::npos) << r.body;
  };
  expect_error("/api/v1/query?query=sum(", 400, "bad_data", "invalid parameter \"query\": 1:");
  expect_error("/api/v1/query?query=up&time=yesterday", 400, "bad_data",
               "invalid parameter \"time\": cannot parse \"yesterday\" to a valid timestamp");
  expect_error("/api/v1/query_range?query=up&start=10&end=5&step=1", 400, "bad_data",
               "end timestamp must not be before start time");
  expect_error("/api/v1/query_range?query=up&start=0&end=5&step=0", 400, "bad_data",
               "zero or negative query resolution step widths are not accepted");
  expect_error("/api/v1/query_range?query=up&start=0&end=100000&step=1", 400, "bad_data",
               "exceeded maximum resolution of 11000 points per timeseries");
  expect_error("/api/v1/query_range?query=up%5B5m%5D&start=0&end=5&step=1", 400, "bad_data",
               "invalid expression type \"range vector\" for range query");
  // Two series on each side with the same labels after on(job): Prometheus' execution error.
  expect_error(
      "/api/v1/query?query=http_requests_total%20%2B%20on(job)%20http_requests_total"
      "&time=1700000300",
      422, "execution", "many-to-many matching not allowed");
  expect_error("/api/v1/series", 400, "bad_data", "no match[] parameter provided");
  expect_error("/api/v1/series?match[]=%7B", 400, "bad_data", "parse error");
  expect_error("/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D", 400, "bad_data",
               "match[] must contain at least one non-empty matcher");
}

TEST_F(PromApiTest, SeriesLabelsAndValues) {
  auto series =
      ParseJson(Get(*server_, "/api/v1/series?match[]=http_requests_total%7Bcode%3D%22500%22%7D"));
  ASSERT_EQ(series["data"].Size(), 1u);
  EXPECT_STREQ(series["data"][0]["job"].GetString(), "api");
  auto limited = ParseJson(Get(*server_, "/api/v1/series?match[]=http_requests_total&limit=1"));
  EXPECT_EQ(limited["data"].Size(), 1u);
  ASSERT_TRUE(limited.HasMember("warnings"));

  auto labels = ParseJson(Get(*server_, "/api/v1/labels"));
  std::vector<std::string> names;
  for (const auto& v : labels["data"].GetArray()) names.push_back(v.GetString());
  EXPECT_EQ(names, (std::vector<std::string>{"__name__", "code", "job"}));

  auto values = ParseJson(Get(*server_, "/api/v1/label/code/values"));
  ASSERT_EQ(values["data"].Size(), 2u);
  EXPECT_STREQ(values["data"][1].GetString(), "500");
  // Prometheus 3's escaping of label names in the path: "U__" + name, '_' doubled.
  auto escaped = ParseJson(Get(*server_, "/api/v1/label/U______name____/values"));
  ASSERT_EQ(escaped["data"].Size(), 1u);
  EXPECT_STREQ(escaped["data"][0].GetString(), "http_requests_total");
}

TEST_F(PromApiTest, MetadataAndExemplars) {
  auto md = ParseJson(Get(*server_, "/api/v1/metadata"));
  ASSERT_TRUE(md["data"].HasMember("http_requests_total"));
  EXPECT_STREQ(md["data"]["http_requests_total"][0]["type"].GetString(), "counter");
  EXPECT_STREQ(md["data"]["http_requests_total"][0]["help"].GetString(), "Requests served.");

  auto ex = ParseJson(Get(*server_,
                          "/api/v1/query_exemplars?query=rate(http_requests_total%7Bcode%3D%22500%"
                          "22%7D%5B5m%5D)&start=1699999999&end=1700001000"));
  ASSERT_EQ(ex["data"].Size(), 1u);
  EXPECT_STREQ(ex["data"][0]["seriesLabels"]["code"].GetString(), "500");
  ASSERT_EQ(ex["data"][0]["exemplars"].Size(), 1u);
  EXPECT_STREQ(ex["data"][0]["exemplars"][0]["labels"]["trace_id"].GetString(), "abc500");
  EXPECT_STREQ(ex["data"][0]["exemplars"][0]["value"].GetString(), "1");
  EXPECT_EQ(ex["data"][0]["exemplars"][0]["timestamp"].GetInt64(), 1700000030);
}

TEST_F(PromApiTest, FormatAndParseQuery) {
  auto f =
      ParseJson(Get(*server_, "/api/v1/format_query?query=sum(rate(x%5B5m%5D))by(job)%20%3E%201"));
  EXPECT_STREQ(f["data"].GetString(), "sum by (job) (rate(x[5m])) > 1");
  auto p = ParseJson(Get(*server_, "/api/v1/parse_query?query=sum%20by(job)(x)"));
  EXPECT_STREQ(p["data"]["type"].GetString(), "aggregation");
  EXPECT_STREQ(p["data"]["op"].GetString(), "sum");
  EXPECT_STREQ(p["data"]["expr"]["type"].GetString(), "vectorSelector");
  EXPECT_STREQ(p["data"]["expr"]["matchers"][0]["value"].GetString(), "x");
}

TEST_F(PromApiTest, StatusEndpoints) {
  auto build = ParseJson(Get(*server_, "/api/v1/status/buildinfo"));
  EXPECT_TRUE(build["data"].HasMember("version"));
  auto runtime = ParseJson(Get(*server_, "/api/v1/status/runtimeinfo"));
  EXPECT_STREQ(runtime["data"]["storageRetention"].GetString(), "0s");
  auto flags = ParseJson(Get(*server_, "/api/v1/status/flags"));
  EXPECT_TRUE(flags["data"].HasMember("storage.tsdb.path"));
  auto config = ParseJson(Get(*server_, "/api/v1/status/config"));
  EXPECT_NE(std::string(config["data"]["yaml"].GetString()).find("lookback_delta: 5m"),
            std::string::npos);
  auto tsdb = ParseJson(Get(*server_, "/api/v1/status/tsdb?limit=1"));
  EXPECT_EQ(tsdb["data"]["headStats"]["numSeries"].GetUint64(), 2u);
  ASSERT_EQ(tsdb["data"]["seriesCountByMetricName"].Size(), 1u);
  EXPECT_STREQ(tsdb["data"]["seriesCountByMetricName"][0]["name"].GetString(),
               "http_requests_total");
}

TEST(PromApi, ExperimentalPromqlIsOffUnlessConfigured) {
  TempDir off_dir, on_dir;
  ServerProcess off(off_dir.path(), kConfig);
  ServerProcess on(on_dir.path(), std::string(kConfig) +
                                      "query:\n  experimental_functions: true\n"
                                      "  duration_expressions: true\n");
  ASSERT_TRUE(off.ready && on.ready) << off.Log() << on.Log();
  for (const std::string q :
       {"sort_by_label(vector(1)%2C%20%22a%22)", "count_over_time(vector(1)%5B5m%2B1m%3A1m%5D)"}) {
    const std::string target = "/api/v1/query?query=" + q + "&time=1700000000";
    HttpResult refused = HttpCall(off.http_port, "GET", target);
    EXPECT_EQ(refused.status, 400) << q << ": " << refused.body;
    HttpResult answered = HttpCall(on.http_port, "GET", target);
    EXPECT_EQ(answered.status, 200) << q << ": " << answered.body;
  }
}

TEST(PromApi, DeleteSeriesAndQueryLimits) {
  TempDir dir;
  ServerProcess server(
      dir.path(),
      std::string(kConfig) + "query:\n  max_samples: 30\nweb:\n  enable_admin_api: true\n");
  ASSERT_TRUE(server.ready) << server.Log();
  ASSERT_EQ(Write(server).status, 204);
  // 2 series x 41 samples over the 10-minute window: more than 30 at once.
  HttpResult over = HttpCall(server.http_port, "GET",
                             "/api/v1/query?query=max_over_time(http_requests_total%5B15m%5D)"
                             "&time=1700000700");
  EXPECT_EQ(over.status, 422) << over.body;
  EXPECT_NE(over.body.find("\"errorType\":\"execution\""), std::string::npos) << over.body;
  EXPECT_NE(over.body.find("too many samples"), std::string::npos) << over.body;

  EXPECT_EQ(HttpCall(server.http_port, "GET",
                     "/api/v1/admin/tsdb/delete_series?match[]=http_requests_total")
                .status,
            405);
  EXPECT_EQ(HttpCall(server.http_port, "POST",
                     "/api/v1/admin/tsdb/delete_series?match[]=http_requests_total%7Bcode%3D%22200%"
                     "22%7D")
                .status,
            204);
  auto left = ParseJson(Get(server, "/api/v1/series?match[]=http_requests_total"));
  ASSERT_EQ(left["data"].Size(), 1u);
  EXPECT_STREQ(left["data"][0]["code"].GetString(), "500");
}

// POST /api/v1/admin/compact flushes and merges each series' blocks in every partition, the
// current one too: two flushes leave two blocks a series, the compaction one; the answers stay.
TEST(PromApi, AdminCompactMergesBlocksAndKeepsEveryAnswer) {
  TempDir dir;
  ServerProcess server(dir.path(), std::string(kConfig) + "web:\n  enable_admin_api: true\n");
  ASSERT_TRUE(server.ready) << server.Log();
  auto blocks = [&] {
    auto status = ParseJson(Get(server, "/api/v1/status/storage"));
    int64_t n = 0;
    for (const auto& p : status["data"]["partitions"].GetArray()) n += p["blocks"].GetInt64();
    return n;
  };
  ASSERT_EQ(Write(server, 0, 20).status, 204);
  EXPECT_EQ(HttpCall(server.http_port, "POST", "/api/v1/admin/flush").status, 204);
  ASSERT_EQ(Write(server, 21, 40).status, 204);
  EXPECT_EQ(HttpCall(server.http_port, "POST", "/api/v1/admin/flush").status, 204);
  EXPECT_EQ(blocks(), 4);  // 2 series x 2 checkpoints
  const std::string query =
      "/api/v1/query_range?query=increase(http_requests_total%5B5m%5D)&start=1700000300"
      "&end=1700000600&step=30";
  const std::string before = Get(server, query);
  EXPECT_NE(before.find("\"code\":\"500\""), std::string::npos) << before;
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/api/v1/admin/compact").status, 405);
  HttpResult compacted = HttpCall(server.http_port, "POST", "/api/v1/admin/compact");
  EXPECT_EQ(compacted.status, 204) << compacted.body;
  EXPECT_EQ(blocks(), 2);
  EXPECT_EQ(Get(server, query), before);
}

TEST(PromApi, AdminEndpointsAreOffUnlessEnabled) {
  TempDir dir;
  ServerProcess server(dir.path(), kConfig);
  ASSERT_TRUE(server.ready) << server.Log();
  ASSERT_EQ(Write(server).status, 204);
  for (const char* target :
       {"/api/v1/admin/tsdb/delete_series?match[]=%7B__name__%3D~%22.%2B%22%7D",
        "/api/v1/admin/flush", "/api/v1/admin/compact"}) {
    HttpResult r = HttpCall(server.http_port, "POST", target);
    EXPECT_EQ(r.status, 403) << target << ": " << r.body;
    EXPECT_NE(r.body.find("--web.enable-admin-api"), std::string::npos) << r.body;
  }
  auto left = ParseJson(Get(server, "/api/v1/series?match[]=http_requests_total"));
  EXPECT_EQ(left["data"].Size(), 2u);
}

TEST(PromApi, StateChangingEndpointsRefuseCrossOriginBrowserRequests) {
  TempDir dir;
  ServerProcess server(dir.path(), std::string(kConfig) + "web:\n  enable_admin_api: true\n");
  ASSERT_TRUE(server.ready) << server.Log();
  ASSERT_EQ(Write(server).status, 204);
  const std::string wipe = "/api/v1/admin/tsdb/delete_series?match[]=%7B__name__%3D~%22.%2B%22%7D";
  const std::string form_body = "match[]=%7B__name__%3D~%22.%2B%22%7D";
  // What a web page elsewhere can make a browser send: a form post, or a script's simple request.
  const std::vector<std::map<std::string, std::string>> attacks = {
      {{"Origin", "http://evil.example"},
       {"Content-Type", "application/x-www-form-urlencoded"},
       {"Sec-Fetch-Site", "cross-site"}},
      {{"Origin", "http://evil.example"}, {"Content-Type", "application/x-www-form-urlencoded"}},
      {{"Sec-Fetch-Site", "cross-site"}},
      {{"Origin", "null"}},
      {{"Content-Type", "text/plain"}},
      {{"Content-Type", "multipart/form-data; boundary=x"}},
  };
  for (const auto& headers : attacks) {
    HttpResult r =
        HttpCall(server.http_port, "POST", "/api/v1/admin/tsdb/delete_series", form_body, headers);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(HttpCall(server.http_port, "POST", wipe, "", headers).status, 403);
  }
  // remote_write from a page: refused too.
  HttpResult rw = HttpCall(server.http_port, "POST", "/api/v1/write", TestWriteRequest(),
                           {{"Origin", "http://evil.example"},
                            {"Content-Type", "application/x-protobuf"},
                            {"Content-Encoding", "snappy"}});
  EXPECT_EQ(rw.status, 403) << rw.body;
  auto left = ParseJson(Get(server, "/api/v1/series?match[]=http_requests_total"));
  EXPECT_EQ(left["data"].Size(), 2u) << "nothing was deleted";

  // The same server's own pages (same origin) and non-browser clients may.
  const std::string self = "http://127.0.0.1:" + std::to_string(server.http_port);
  EXPECT_EQ(HttpCall(server.http_port, "POST", "/api/v1/admin/flush", "",
                     {{"Origin", self},
                      {"Host", "127.0.0.1:" + std::to_string(server.http_port)},
                      {"Sec-Fetch-Site", "same-origin"}})
                .status,
            204);
  EXPECT_EQ(HttpCall(server.http_port, "POST",
                     "/api/v1/admin/tsdb/delete_series?match[]=http_requests_total%7Bcode%3D%22200%"
                     "22%7D")
                .status,
            204);
  left = ParseJson(Get(server, "/api/v1/series?match[]=http_requests_total"));
  EXPECT_EQ(left["data"].Size(), 1u);
}

TEST(PromApi, DeeplyNestedQueriesAreRefusedAndTheServerStaysUp) {
  TempDir dir;
  ServerProcess server(dir.path(), kConfig);
  ASSERT_TRUE(server.ready) << server.Log();
  auto repeat = [](const std::string& unit, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += unit;
    return out;
  };
  // URL-encoded: %2B is '+', %28 '(' and %29 ')'.
  const std::vector<std::string> queries = {
      repeat("1%2B", 5000) + "1", repeat("abs%28", 5000) + "x" + repeat("%29", 5000),
      repeat("-", 20000) + "1", repeat("%28", 20000) + "1" + repeat("%29", 20000)};
  for (const std::string endpoint : {"query", "format_query", "parse_query"}) {
    for (const std::string& q : queries) {
      HttpResult r = HttpCall(server.http_port, "POST", "/api/v1/" + endpoint, "query=" + q,
                              {{"Content-Type", "application/x-www-form-urlencoded"}});
      EXPECT_EQ(r.status, 400) << endpoint << ": " << r.body.substr(0, 200);
      EXPECT_NE(r.body.find("nested too deeply"), std::string::npos) << r.body.substr(0, 300);
    }
  }
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/-/ready").status, 200);
}

TEST(PromApi, EndpointsOfFeaturesNotBuiltYetAnswerEmptyPrometheusShapes) {
  TempDir dir;
  ServerProcess server(dir.path(), kConfig);
  ASSERT_TRUE(server.ready) << server.Log();
  auto rules = ParseJson(Get(server, "/api/v1/rules"));
  EXPECT_EQ(rules["data"]["groups"].Size(), 0u);
  auto alerts = ParseJson(Get(server, "/api/v1/alerts"));
  EXPECT_EQ(alerts["data"]["alerts"].Size(), 0u);
  auto targets = ParseJson(Get(server, "/api/v1/targets"));
  EXPECT_EQ(targets["data"]["activeTargets"].Size(), 0u);
  EXPECT_EQ(targets["data"]["droppedTargets"].Size(), 0u);
  EXPECT_EQ(ParseJson(Get(server, "/api/v1/targets/metadata"))["data"].Size(), 0u);
  auto ams = ParseJson(Get(server, "/api/v1/alertmanagers"));
  EXPECT_EQ(ams["data"]["activeAlertmanagers"].Size(), 0u);
  EXPECT_EQ(ParseJson(Get(server, "/api/v1/scrape_pools"))["data"]["scrapePools"].Size(), 0u);
  // Unknown API paths answer in the API's JSON shape.
  HttpResult unknown = HttpCall(server.http_port, "GET", "/api/v1/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ParseJson(unknown.body)["errorType"].GetString(), std::string("not_found"));
  HttpResult wrong_method = HttpCall(server.http_port, "DELETE", "/api/v1/query");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["Allow"], "GET, POST");
}

TEST(PromApi, QueryTimesOutAndIsCancelledWhenTheClientGoesAway) {
  TempDir dir;
  ServerProcess server(dir.path(), kConfig);
  ASSERT_TRUE(server.ready) << server.Log();
  // The count of a vector at every second of 150 days: 13 million subquery steps, about a second
  // of work here (and well over 100 ms on any machine), under the sample limit.
  const std::string query =
      "/api/v1/query?query=count_over_time(vector(1)%5B150d%3A1s%5D)&time=1700000000";

  // With a 100 ms timeout: Prometheus' timeout error.
  HttpResult timed_out = HttpCall(server.http_port, "GET", query + "&timeout=100ms");
  EXPECT_EQ(timed_out.status, 503) << timed_out.body;
  EXPECT_NE(timed_out.body.find("\"errorType\":\"timeout\""), std::string::npos) << timed_out.body;

  // Without: the client hangs up 50 ms after sending the request; the server notices while the
  // query runs and stops it, and its log shows the request ending with 499 (Prometheus'
  // "canceled") within 15 s.
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.http_port));
  const std::string request = "GET " + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  socket.close();
  bool cancelled = false;
  for (int i = 0; i < 150 && !cancelled; ++i) {
    cancelled = server.Log().find("\"status\":\"499\"") != std::string::npos;
    if (!cancelled) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(cancelled) << server.Log();
  EXPECT_NE(server.Log().find("canceled"), std::string::npos);
}

TEST(PromApi, QueriesPastMaxConcurrencyWaitForASlotWithinTheirTimeout) {
  TempDir dir;
  ServerProcess server(dir.path(), std::string(kConfig) + "query:\n  max_concurrency: 1\n");
  ASSERT_TRUE(server.ready) << server.Log();
  // Seconds of work (see the cancellation test) holds the only slot...
  std::thread slow([&] {
    HttpCall(server.http_port, "GET",
             "/api/v1/query?query=count_over_time(vector(1)%5B150d%3A1s%5D)&time=1700000000"
             "&timeout=20s");
  });
  // ...so a second query waits in the queue and times out there. Until the slow query holds the
  // slot (its thread may not have been scheduled yet), the second one simply runs: try again,
  // at most 100 times.
  HttpResult queued;
  for (int i = 0; i < 100; ++i) {
    queued = HttpCall(server.http_port, "GET",
                      "/api/v1/query?query=1%2B1&time=1700000000&timeout=100ms");
    if (queued.status != 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(queued.status, 503) << queued.body;
  EXPECT_NE(queued.body.find("query timed out in query queue"), std::string::npos) << queued.body;
  slow.join();
  // With the slot free again, queries run.
  EXPECT_EQ(HttpCall(server.http_port, "GET", "/api/v1/query?query=1%2B1").status, 200);
}

}  // namespace
}  // namespace tidemark
