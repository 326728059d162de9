// The same samples written to tidemark and to a real Prometheus (Debian's 2.42, through its
// remote-write receiver), the same PromQL sent to both, the answers compared numerically. Also
// promtool (from the same package) querying tidemark.
//
// Known difference: Prometheus 2.42's range and lookback windows are closed on the left
// ([t - range, t]), Prometheus 3's and tidemark's are open ((t - range, t]). Samples here are at
// hh:mm:07 and queries evaluate at hh:mm:30 or on whole hours, so no sample sits on a window edge
// and the two semantics give the same answers. docs/prometheus-api.md records the differences.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <snappy.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "prometheus/remote.pb.h"
#include "tests/server/prometheus_process.h"
#include "tests/server/server_process.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::HttpCall;
using testing::HttpResult;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kMinute = 60'000;
constexpr int kHours = 48;

// Deterministic pseudo-random numbers in [0, 1).
struct Lcg {
  uint64_t state;
  double Next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  }
};

struct SeriesData {
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<double> values;  // one per minute
};

// A small service: request counters by instance and status (one counter reset), a latency
// histogram, a memory gauge and LLM cost counters.
std::vector<SeriesData> MakeData() {
  std::vector<SeriesData> out;
  const int points = kHours * 60;
  Lcg rng{42};
  const char* instances[] = {"i-0", "i-1", "i-2"};
  for (int in = 0; in < 3; ++in) {
    for (const char* status : {"200", "404", "500", "503"}) {
      SeriesData s{{{"__name__", "http_requests_total"},
                    {"instance", instances[in]},
                    {"job", "api"},
                    {"status", status}},
                   {}};
      const double base =
          std::string(status) == "200" ? 50 : (std::string(status) == "404" ? 5 : 1);
      double v = 0;
      for (int i = 0; i < points; ++i) {
        // Counters start at zero (a new process) and restart once: Prometheus 2.42 and 3 then
        // extrapolate increase() over a window reaching before the series' start the same way.
        if (in == 2 && i == points / 2) v = 0;
        s.values.push_back(v);
        v += std::round(base * (0.5 + rng.Next()) * 60);
      }
      out.push_back(std::move(s));
    }
    const char* bounds[] = {"0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
    std::vector<std::vector<double>> buckets(6);
    std::vector<double> sum, count;
    double c[6] = {0, 0, 0, 0, 0, 0}, total = 0;
    for (int i = 0; i < points; ++i) {
      const int n = 100 + static_cast<int>(rng.Next() * 50);
      for (int k = 0; k < n; ++k) {
        const double latency = std::pow(rng.Next(), 2) * 3 * (1 + in * 0.3);
        for (int b = 0; b < 6; ++b) {
          const double le = b == 5 ? INFINITY : std::stod(bounds[b]);
          if (latency <= le) ++c[b];
        }
        total += latency;
      }
      for (int b = 0; b < 6; ++b) buckets[b].push_back(c[b]);
      sum.push_back(std::round(total * 1000) / 1000);
      count.push_back(c[5]);
    }
    for (int b = 0; b < 6; ++b) {
      out.push_back({{{"__name__", "request_duration_seconds_bucket"},
                      {"instance", instances[in]},
                      {"job", "api"},
                      {"le", bounds[b]}},
                     buckets[b]});
    }
    out.push_back({{{"__name__", "request_duration_seconds_sum"},
                    {"instance", instances[in]},
                    {"job", "api"}},
                   sum});
    out.push_back({{{"__name__", "request_duration_seconds_count"},
                    {"instance", instances[in]},
                    {"job", "api"}},
                   count});
    SeriesData mem{{{"__name__", "process_resident_memory_bytes"},
                    {"instance", instances[in]},
                    {"job", "api"}},
                   {}};
    for (int i = 0; i < points; ++i) {
      mem.values.push_back(std::round(2e8 + in * 7e7 + i * 1000 + rng.Next() * 5e6));
    }
    out.push_back(std::move(mem));
  }
  for (const char* model : {"gpt-4o", "claude-sonnet"}) {
    SeriesData s{{{"__name__", "llm_cost_usd_total"}, {"job", "llm"}, {"model", model}}, {}};
    double v = 0;
    for (int i = 0; i < points; ++i) {
      s.values.push_back(v);
      v += std::round(rng.Next() * (model[0] == 'g' ? 15 : 8)) / 100;
    }
    out.push_back(std::move(s));
  }
  return out;
}

// One snappy-compressed remote-write body per hour of data, in time order (Prometheus' head only
// takes samples within an hour of its newest).
std::vector<std::string> WriteBodies(const std::vector<SeriesData>& data, int64_t start) {
  std::vector<std::string> bodies;
  for (int h = 0; h < kHours; ++h) {
    prometheus::WriteRequest req;
    for (const auto& s : data) {
      auto* ts = req.add_timeseries();
      for (const auto& [n, v] : s.labels) {
        auto* l = ts->add_labels();
        l->set_name(n);
        l->set_value(v);
      }
      for (int m = 0; m < 60; ++m) {
        const int i = h * 60 + m;
        auto* smp = ts->add_samples();
        smp->set_timestamp(start + i * kMinute + 7'000);
        smp->set_value(s.values[i]);
      }
    }
    std::string compressed;
    snappy::Compress(req.SerializeAsString().data(), req.ByteSizeLong(), &compressed);
    bodies.push_back(std::move(compressed));
  }
  return bodies;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string SecondsParam(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000);
  return buf;
}

// A query result reduced to comparable form: label set -> points (t, value).
struct Answer {
  std::string status;
  std::string error_type;
  std::string result_type;
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  std::string raw;
};

std::string LabelKey(const rapidjson::Value& metric) {
  std::map<std::string, std::string> sorted;
  for (const auto& m : metric.GetObject()) sorted[m.name.GetString()] = m.value.GetString();
  std::string key = "{";
  for (const auto& [k, v] : sorted) key += k + "=\"" + v + "\",";
  return key + "}";
}

double ParseValue(const rapidjson::Value& v) { return std::strtod(v.GetString(), nullptr); }

Answer Ask(uint16_t port, const std::string& target) {
  Answer a;
  HttpResult r = HttpCall(port, "GET", target);
  a.raw = r.body;
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  if (d.HasParseError() || !d.IsObject()) {
    a.status = "unparsable (HTTP " + std::to_string(r.status) + ")";
    return a;
  }
  a.status = d["status"].GetString();
  if (a.status != "success") {
    a.error_type = d["errorType"].GetString();
    return a;
  }
  const auto& data = d["data"];
  a.result_type = data["resultType"].GetString();
  const auto& result = data["result"];
  if (a.result_type == "scalar") {
    a.series["scalar"].push_back({result[0].GetDouble(), ParseValue(result[1])});
  } else if (a.result_type == "vector") {
    for (const auto& s : result.GetArray()) {
      a.series[LabelKey(s["metric"])].push_back(
          {s["value"][0].GetDouble(), ParseValue(s["value"][1])});
    }
  } else if (a.result_type == "matrix") {
    for (const auto& s : result.GetArray()) {
      auto& points = a.series[LabelKey(s["metric"])];
      for (const auto& p : s["values"].GetArray())
        points.push_back({p[0].GetDouble(), ParseValue(p[1])});
    }
  }
  return a;
}

bool Close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::fabs(a - b) <= 1e-9 + 1e-6 * std::max(std::fabs(a), std::fabs(b));
}

// Empty if equal, otherwise what differs.
std::string Diff(const Answer& want, const Answer& got) {
  if (want.status != got.status)
    return "status " + want.status + " vs " + got.status + ": " + got.raw;
  if (want.status != "success")
    return want.error_type == got.error_type
               ? ""
               : "errorType " + want.error_type + " vs " + got.error_type;
  if (want.result_type != got.result_type)
    return "resultType " + want.result_type + " vs " + got.result_type;
  for (const auto& [key, points] : want.series) {
    auto it = got.series.find(key);
    if (it == got.series.end())
      return "missing series " + key + "; tidemark: " + got.raw.substr(0, 600);
    if (it->second.size() != points.size()) {
      return key + ": " + std::to_string(points.size()) + " points vs " +
             std::to_string(it->second.size());
    }
    for (size_t i = 0; i < points.size(); ++i) {
      if (points[i].first != it->second[i].first ||
          !Close(points[i].second, it->second[i].second)) {
        char buf[200];
        std::snprintf(buf, sizeof buf, " point %zu: (%.3f, %.17g) vs (%.3f, %.17g)", i,
                      points[i].first, points[i].second, it->second[i].first, it->second[i].second);
        return key + buf;
      }
    }
  }
  for (const auto& [key, points] : got.series) {
    if (!want.series.count(key)) return "extra series " + key;
  }
  return "";
}

// The queries of ../shared/seeds (rates, histogram quantiles, error ratios, 30-day increases,
// the 30-day subquery, topk, memory in MiB, cost alerts) and more of our own.
const char* kQueries[] = {
    "rate(http_requests_total[5m])",
    "irate(http_requests_total[5m])",
    "increase(http_requests_total[1h])",
    "increase(http_requests_total[30d])",
    "sum by (status) (rate(http_requests_total[5m]))",
    "sum(rate(http_requests_total{status=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))",
    "histogram_quantile(0.95, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
    "histogram_quantile(0.99, sum by (le, instance) (rate(request_duration_seconds_bucket[5m])))",
    "histogram_quantile(0.99, rate(request_duration_seconds_bucket[5m])) > 1",
    "histogram_quantile(0.5, rate(request_duration_seconds_bucket[1h]))",
    "max_over_time(rate(http_requests_total[1m])[30d:1h])",
    "max_over_time(rate(http_requests_total[1m])[1d:1h])",
    "avg_over_time(sum(rate(http_requests_total[5m]))[2h:10m])",
    "process_resident_memory_bytes / 1024 / 1024",
    "topk(3, sum by (instance, status) (rate(http_requests_total[5m])))",
    "bottomk(2, process_resident_memory_bytes)",
    "llm_cost_usd_total > 180",
    "sum(increase(llm_cost_usd_total[1d])) by (model)",
    "avg_over_time(process_resident_memory_bytes[10m])",
    "quantile_over_time(0.9, process_resident_memory_bytes[30m])",
    "stddev_over_time(process_resident_memory_bytes[1h])",
    "deriv(process_resident_memory_bytes[15m])",
    "predict_linear(process_resident_memory_bytes[30m], 3600)",
    "delta(process_resident_memory_bytes[10m])",
    "idelta(process_resident_memory_bytes[10m])",
    "resets(http_requests_total[30h])",
    "changes(process_resident_memory_bytes[10m])",
    "count by (job) (http_requests_total)",
    "count_values(\"gib\", round(process_resident_memory_bytes / 2^30))",
    "quantile(0.5, rate(http_requests_total[5m]))",
    "stddev by (status) (rate(http_requests_total[5m]))",
    "stdvar(process_resident_memory_bytes)",
    "avg without (instance) (rate(http_requests_total[5m]))",
    "min by (job) (process_resident_memory_bytes)",
    "max(process_resident_memory_bytes) by (job)",
    "group by (status) (http_requests_total)",
    "rate(http_requests_total[5m]) / on(instance) group_left sum by (instance) "
    "(rate(http_requests_total[5m]))",
    "sum by (instance) (rate(request_duration_seconds_sum[5m])) / sum by (instance) "
    "(rate(request_duration_seconds_count[5m]))",
    "http_requests_total offset 1h",
    "rate(http_requests_total[5m] offset 30m)",
    "process_resident_memory_bytes > bool 3e8",
    "process_resident_memory_bytes > 3e8",
    "label_replace(process_resident_memory_bytes, \"host\", \"$1\", \"instance\", \"i-(.*)\")",
    "label_join(process_resident_memory_bytes, \"id\", \"/\", \"job\", \"instance\")",
    "abs(delta(process_resident_memory_bytes[5m]))",
    "clamp_max(rate(http_requests_total[5m]), 0.5)",
    "clamp(rate(http_requests_total[5m]), 0.1, 0.5)",
    "absent(nonexistent_metric{job=\"x\"})",
    "absent(process_resident_memory_bytes)",
    "absent_over_time(nonexistent_metric[5m])",
    "sum(rate(http_requests_total[5m])) or vector(0)",
    "rate(http_requests_total{status=\"500\"}[5m]) and rate(http_requests_total[5m]) > 0.5",
    "http_requests_total unless http_requests_total{status=\"200\"}",
    "timestamp(process_resident_memory_bytes)",
    "min_over_time(process_resident_memory_bytes[1h])",
    "last_over_time(process_resident_memory_bytes[1h])",
    "present_over_time(process_resident_memory_bytes[1h])",
    "sum_over_time(process_resident_memory_bytes[10m]) / "
    "count_over_time(process_resident_memory_bytes[10m])",
    "sqrt(process_resident_memory_bytes)",
    "ln(process_resident_memory_bytes) + log2(process_resident_memory_bytes) - "
    "log10(process_resident_memory_bytes)",
    "exp(process_resident_memory_bytes / 1e9)",
    "ceil(rate(http_requests_total[5m])) + floor(rate(http_requests_total[5m]))",
    "round(rate(http_requests_total[5m]), 0.01)",
    "scalar(sum(llm_cost_usd_total)) * 2",
    "vector(1) + 1",
    "time() - 1",
    "hour(timestamp(process_resident_memory_bytes))",
    "day_of_week() + month() + year() + day_of_month() + days_in_month() + minute()",
    "-process_resident_memory_bytes % 7",
    "process_resident_memory_bytes ^ 0.5 == sqrt(process_resident_memory_bytes)",
    "sum(http_requests_total) by (instance) > ignoring(instance) group_left() "
    "avg(http_requests_total)",
    "sgn(deriv(process_resident_memory_bytes[10m]))",
    "sum by (le) (increase(request_duration_seconds_bucket[1h]))",
    "rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])",
    "{__name__=~\"llm_.*\", model!=\"gpt-4o\"}",
    "count({job=\"api\"})",
    "sort_desc(sum by (instance) (rate(http_requests_total[5m])))",
    "1 - (sum(rate(http_requests_total{status!~\"5..\"}[5m])) / "
    "sum(rate(http_requests_total[5m])))",
};

class Differential : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::SuiteSetUpOrExit(StartSuite, TearDownTestSuite); }
  static void StartSuite() {
    dir_ = new testing::TempDir();
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    end_ = now / kHour * kHour - kHour;
    start_ = end_ - kHours * kHour;
    tidemark_ = new testing::ServerProcess(dir_->path(),
                                           "self_scrape_interval: 0s\nstorage:\n  retention: 0s\n");
    ASSERT_TRUE(tidemark_->ready) << tidemark_->Log();

    const std::string config = dir_->path() + "-prometheus.yml";
    prometheus_log_ = dir_->path() + "-prometheus.log";
    std::ofstream(config) << "global:\n  scrape_interval: 1h\n";
    // Blocks of 120 h: Prometheus compacts its head (on a one-minute timer) once it spans 1.5
    // blocks, and then refuses samples older than the compacted range as out of bounds. With
    // the default 2 h blocks, a timer firing while the 48 hours were being written failed the
    // set-up now and then.
    prometheus_pid_ = testing::StartPrometheusOnFreePort(
        config, dir_->path() + "-prometheus-data", prometheus_log_,
        {"--web.enable-remote-write-receiver", "--storage.tsdb.min-block-duration=120h",
         "--storage.tsdb.max-block-duration=120h"},
        &prometheus_port_);
    const bool up = prometheus_pid_ > 0;
    ASSERT_TRUE(up) << testing::ReadFileOrDie(prometheus_log_);

    const std::map<std::string, std::string> headers = {
        {"Content-Type", "application/x-protobuf"},
        {"Content-Encoding", "snappy"},
        {"X-Prometheus-Remote-Write-Version", "0.1.0"}};
    for (const std::string& body : WriteBodies(MakeData(), start_)) {
      HttpResult p = HttpCall(prometheus_port_, "POST", "/api/v1/write", body, headers);
      ASSERT_EQ(p.status, 204) << p.body;
      HttpResult t = HttpCall(tidemark_->http_port, "POST", "/api/v1/write", body, headers);
      ASSERT_EQ(t.status, 204) << t.body;
    }
  }
  static void TearDownTestSuite() {
    if (prometheus_pid_ > 0) testing::StopProcess(prometheus_pid_);
    delete tidemark_;
    delete dir_;
  }

  static testing::TempDir* dir_;
  static testing::ServerProcess* tidemark_;
  static uint16_t prometheus_port_;
  static pid_t prometheus_pid_;
  static std::string prometheus_log_;
  static int64_t start_, end_;
};
testing::TempDir* Differential::dir_ = nullptr;
testing::ServerProcess* Differential::tidemark_ = nullptr;
uint16_t Differential::prometheus_port_ = 0;
pid_t Differential::prometheus_pid_ = 0;
std::string Differential::prometheus_log_;
int64_t Differential::start_ = 0;
int64_t Differential::end_ = 0;

TEST_F(Differential, InstantQueriesAgreeWithPrometheus) {
  // Between samples (hh:mm:30): neither samples nor subquery steps (whole multiples of their
  // step) fall on a window's edge. After the data ends (the last time), series have gone stale.
  const int64_t times[] = {end_ - 30 * kMinute + 30'000, end_ - 20 * kHour + 30'000,
                           end_ - 5 * kHour + 30'000, end_ + 10 * kMinute + 30'000};
  int compared = 0;
  for (const char* q : kQueries) {
    for (int64_t t : times) {
      const std::string target = "/api/v1/query?query=" + UrlEncode(q) + "&time=" + SecondsParam(t);
      const Answer want = Ask(prometheus_port_, target);
      ASSERT_EQ(want.status, "success") << q << ": " << want.raw;
      const Answer got = Ask(tidemark_->http_port, target);
      EXPECT_EQ(Diff(want, got), "") << q << " at " << SecondsParam(t);
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(std::size(kQueries)) * 4);
}

TEST_F(Differential, RangeQueriesAgreeWithPrometheus) {
  const int64_t from = end_ - 6 * kHour + 30'000, to = end_ + 30 * kMinute + 30'000;
  for (const char* q : kQueries) {
    for (const char* step : {"60", "900"}) {
      const std::string target = "/api/v1/query_range?query=" + UrlEncode(q) +
                                 "&start=" + SecondsParam(from) + "&end=" + SecondsParam(to) +
                                 "&step=" + step;
      const Answer want = Ask(prometheus_port_, target);
      ASSERT_EQ(want.status, "success") << q << ": " << want.raw;
      const Answer got = Ask(tidemark_->http_port, target);
      EXPECT_EQ(Diff(want, got), "") << q << " step " << step;
    }
  }
}

TEST_F(Differential, MetadataEndpointsAgreeWithPrometheus) {
  for (const std::string target :
       {"/api/v1/labels", "/api/v1/label/instance/values", "/api/v1/label/__name__/values",
        "/api/v1/series?match[]=process_resident_memory_bytes",
        "/api/v1/series?match[]=llm_cost_usd_total&match[]=%7Bstatus%3D%22503%22%7D"}) {
    const HttpResult want = HttpCall(prometheus_port_, "GET", target);
    const HttpResult got = HttpCall(tidemark_->http_port, "GET", target);
    ASSERT_EQ(want.status, 200) << want.body;
    rapidjson::Document w, g;
    w.Parse(want.body.c_str());
    g.Parse(got.body.c_str());
    ASSERT_TRUE(g.IsObject()) << got.body;
    EXPECT_TRUE(w["data"] == g["data"])
        << target << "\nprometheus: " << want.body << "\ntidemark: " << got.body;
  }
}

// promtool (Debian package prometheus) as a client of tidemark's API.
std::string RunPromtool(const std::string& args) { return testing::RunCommand("promtool " + args); }

TEST_F(Differential, PromtoolQueriesTidemark) {
  const std::string url = "http://127.0.0.1:" + std::to_string(tidemark_->http_port);
  // The memory gauge of i-1 at a known minute: exactly the value written there.
  const std::vector<SeriesData> data = MakeData();
  const SeriesData* mem = nullptr;
  for (const auto& s : data) {
    if (s.labels[0].second == "process_resident_memory_bytes" && s.labels[1].second == "i-1")
      mem = &s;
  }
  ASSERT_NE(mem, nullptr);
  const int minute = kHours * 60 - 10;
  const int64_t t = start_ + minute * kMinute + 30'000;
  std::string out = RunPromtool("query instant -o json --time=" + SecondsParam(t) + " " + url +
                                " 'process_resident_memory_bytes{instance=\"i-1\"}'");
  rapidjson::Document d;
  d.Parse(out.c_str());
  ASSERT_TRUE(d.IsArray()) << out;
  ASSERT_EQ(d.Size(), 1u) << out;
  EXPECT_DOUBLE_EQ(std::stod(d[0]["value"][1].GetString()), mem->values[minute]);

  out = RunPromtool("query range -o json --start=" + SecondsParam(t - 10 * kMinute) +
                    " --end=" + SecondsParam(t) + " --step=1m " + url +
                    " 'process_resident_memory_bytes{instance=\"i-1\"}'");
  d.Parse(out.c_str());
  ASSERT_TRUE(d.IsArray()) << out;
  ASSERT_EQ(d.Size(), 1u) << out;
  ASSERT_EQ(d[0]["values"].Size(), 11u) << out;
  for (int i = 0; i <= 10; ++i) {
    EXPECT_DOUBLE_EQ(std::stod(d[0]["values"][i][1].GetString()), mem->values[minute - 10 + i]);
  }

  out = RunPromtool("query series -o json --match='http_requests_total{instance=\"i-0\"}' " + url);
  d.Parse(out.c_str());
  ASSERT_TRUE(d.IsArray()) << out;
  std::set<std::string> statuses;
  for (const auto& s : d.GetArray()) statuses.insert(s["status"].GetString());
  EXPECT_EQ(statuses, (std::set<std::string>{"200", "404", "500", "503"}));

  out = RunPromtool("query labels -o json " + url + " model");
  d.Parse(out.c_str());
  ASSERT_TRUE(d.IsArray()) << out;
  ASSERT_EQ(d.Size(), 2u) << out;
  EXPECT_STREQ(d[0].GetString(), "claude-sonnet");
  EXPECT_STREQ(d[1].GetString(), "gpt-4o");
}

}  // namespace
}  // namespace tidemark
