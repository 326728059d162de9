#include "benchmarks/bench/verify.h"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdlib>
#include <memory>

#include "server/http_client.h"
#include "util/status_macros.h"

namespace tidemark::bench {
namespace {

std::string UrlEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

class Api {
 public:
  static Result<Api> Create(const VerifyOptions& o) {
    server::HttpClientConfig config;
    config.headers = o.headers;
    TM_ASSIGN_OR_RETURN(auto client, server::HttpClient::Create(config, "tidemark-bench"));
    return Api(std::move(client));
  }
  Result<server::HttpClientResponse> Get(const std::string& url) {
    server::HttpClientRequest req;
    req.url = url;
    req.timeout_ms = 60'000;
    req.max_response_bytes = 256ULL << 20;
    return client_->Do(req);
  }
  // The value of a query answering one sample (0 when it answers none), evaluated at `t_ms`.
  Result<double> Scalar(const std::string& base, const std::string& promql, int64_t t_ms) {
    const std::string url = base + "/api/v1/query?query=" + UrlEncode(promql) +
                            "&time=" + std::to_string(static_cast<double>(t_ms) / 1000.0);
    TM_ASSIGN_OR_RETURN(server::HttpClientResponse res, Get(url));
    rapidjson::Document d;
    d.Parse(res.body.c_str());
    if (res.status != 200 || d.HasParseError() || !d.IsObject() || !d.HasMember("data")) {
      return Status::Unavailable(url + " answered HTTP " + std::to_string(res.status) + ": " +
                                 res.body.substr(0, 300));
    }
    const auto& result = d["data"]["result"];
    if (!result.IsArray() || result.Empty()) return 0.0;
    const auto& value = result[0]["value"];
    if (!value.IsArray() || value.Size() != 2 || !value[1].IsString()) {
      return Status::Unavailable(url + ": unexpected answer " + res.body.substr(0, 300));
    }
    const char* text = value[1].GetString();
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (end == text)
      return Status::Unavailable(url + ": the value \"" + text + "\" is not a number");
    return v;
  }

 private:
  explicit Api(std::unique_ptr<server::HttpClient> c) : client_(std::move(c)) {}
  std::unique_ptr<server::HttpClient> client_;
};

uint64_t CountOtlpSpans(const rapidjson::Value& resources) {
  uint64_t n = 0;
  for (const auto& r : resources.GetArray()) {
    for (const char* scopes_key : {"scopeSpans", "instrumentationLibrarySpans"}) {
      if (!r.HasMember(scopes_key) || !r[scopes_key].IsArray()) continue;
      for (const auto& s : r[scopes_key].GetArray()) {
        if (s.HasMember("spans") && s["spans"].IsArray()) n += s["spans"].Size();
      }
    }
  }
  return n;
}

}  // namespace

Result<uint64_t> CountSpansInTraceJson(std::string_view body) {
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) {
    return Status::InvalidArgument("trace answer is not a JSON object");
  }
  for (const char* key : {"batches", "resourceSpans"}) {
    if (d.HasMember(key) && d[key].IsArray()) return CountOtlpSpans(d[key]);
  }
  if (d.HasMember("trace") && d["trace"].IsObject()) {  // Tempo's v2 API
    for (const char* key : {"batches", "resourceSpans"}) {
      if (d["trace"].HasMember(key) && d["trace"][key].IsArray()) {
        return CountOtlpSpans(d["trace"][key]);
      }
    }
  }
  if (d.HasMember("data") && d["data"].IsArray()) {  // Jaeger
    uint64_t n = 0;
    for (const auto& t : d["data"].GetArray()) {
      if (t.HasMember("spans") && t["spans"].IsArray()) n += t["spans"].Size();
    }
    return n;
  }
  return Status::InvalidArgument("trace answer has neither OTLP batches nor Jaeger data");
}

Result<VerifyResult> Verify(const Workload& w, const VerifyOptions& o) {
  TM_ASSIGN_OR_RETURN(Api api, Api::Create(o));
  VerifyResult out;
  if (w.signal == Signal::kMetrics) {
    if (o.query_url.empty()) return Status::InvalidArgument("verifying metrics needs a query URL");
    // A window holding every sample (they lie within a few ms of the scrape times) whichever way
    // the engine closes its left end: evaluated half an interval after the last scrape, reaching
    // half an interval before the first.
    const int64_t at = w.last_ms + w.interval_ms / 2;
    const int64_t range_ms = w.last_ms - w.first_ms + w.interval_ms;
    const std::string window = "[" + std::to_string(range_ms) + "ms]";
    for (const auto& [name, expect] : w.metrics) {
      const std::string selector = "{__name__=\"" + name + "\"," + w.common_matcher + "}";
      TM_ASSIGN_OR_RETURN(
          const double samples,
          api.Scalar(o.query_url, "sum(count_over_time(" + selector + window + "))", at));
      TM_ASSIGN_OR_RETURN(
          const double series,
          api.Scalar(o.query_url, "count(last_over_time(" + selector + window + "))", at));
      out.expected_samples += expect.samples;
      out.expected_series += expect.series;
      out.found_samples += static_cast<uint64_t>(std::llround(samples));
      out.found_series += static_cast<uint64_t>(std::llround(series));
      if (std::llround(samples) != static_cast<long long>(expect.samples) ||
          std::llround(series) != static_cast<long long>(expect.series)) {
        out.losses.push_back(name + ": " + std::to_string(std::llround(samples)) + " of " +
                             std::to_string(expect.samples) + " samples, " +
                             std::to_string(std::llround(series)) + " of " +
                             std::to_string(expect.series) + " series");
      }
    }
    return out;
  }
  if (o.traces_url.empty())
    return Status::InvalidArgument("verifying traces needs a trace API URL");
  const size_t n = w.traces.size();
  const size_t checks = std::min(n, std::max<size_t>(o.max_traces, 1));
  for (size_t k = 0; k < checks; ++k) {
    const TraceExpectation& t = w.traces[k * n / checks];
    ++out.traces_checked;
    out.expected_spans += t.spans;
    const std::string url = o.traces_url + "/api/traces/" + t.trace_id;
    TM_ASSIGN_OR_RETURN(server::HttpClientResponse res, api.Get(url));
    if (res.status == 404) {
      out.losses.push_back("trace " + t.trace_id + ": not found");
      continue;
    }
    if (res.status != 200) {
      return Status::Unavailable(url + " answered HTTP " + std::to_string(res.status) + ": " +
                                 res.body.substr(0, 300));
    }
    auto spans = CountSpansInTraceJson(res.body);
    if (!spans.ok()) return Status::Unavailable(url + ": " + spans.status().message());
    ++out.traces_found;
    out.found_spans += *spans;
    if (*spans != t.spans) {
      out.losses.push_back("trace " + t.trace_id + ": " + std::to_string(*spans) + " of " +
                           std::to_string(t.spans) + " spans");
    }
  }
  return out;
}

}  // namespace tidemark::bench
