#include "benchmarks/bench/report.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstdio>

#include "server/http_client.h"
#include "util/process_stats.h"
#include "util/status_macros.h"

namespace tidemark::bench {
namespace {

Result<ServerSampler::Reading> ReadProc(int pid) {
  TM_ASSIGN_OR_RETURN(const util::ProcessStats p, util::ReadProcessStats(pid));
  ServerSampler::Reading r;
  r.cpu_seconds = p.cpu_seconds;
  r.rss_bytes = p.resident_bytes;
  return r;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

Result<double> MetricFromExposition(std::string_view text, std::string_view name) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.starts_with(name) || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != ' ' && next != '{') continue;
    size_t value_at = name.size();
    if (next == '{') {
      value_at = line.find('}', name.size());
      if (value_at == std::string_view::npos) continue;
      ++value_at;
    }
    std::string_view rest = line.substr(value_at);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const size_t end = rest.find(' ');
    const std::string value(rest.substr(0, end));
    char* parsed_end = nullptr;
    const double v = std::strtod(value.c_str(), &parsed_end);
    if (parsed_end == value.c_str()) continue;
    return v;
  }
  return Status::NotFound(std::string(name) + " is not on the metrics page");
}

Result<std::unique_ptr<ServerSampler>> ServerSampler::ForPid(int pid) {
  std::unique_ptr<ServerSampler> s(new ServerSampler());
  s->pid_ = pid;
  TM_RETURN_IF_ERROR(s->Read().status());
  return s;
}

Result<std::unique_ptr<ServerSampler>> ServerSampler::ForMetricsUrl(std::string url) {
  std::unique_ptr<ServerSampler> s(new ServerSampler());
  s->url_ = std::move(url);
  TM_RETURN_IF_ERROR(s->Read().status());
  return s;
}

ServerSampler::~ServerSampler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Result<ServerSampler::Reading> ServerSampler::Read() const {
  if (pid_ > 0) return ReadProc(pid_);
  static server::HttpClient* client = [] {
    auto c = server::HttpClient::Create(server::HttpClientConfig(), "tidemark-bench");
    return c.ok() ? c->release() : nullptr;
  }();
  if (client == nullptr) return Status::Internal("creating an HTTP client failed");
  server::HttpClientRequest req;
  req.url = url_;
  req.timeout_ms = 5'000;
  TM_ASSIGN_OR_RETURN(server::HttpClientResponse res, client->Do(req));
  if (res.status != 200) {
    return Status::Unavailable(url_ + " answered HTTP " + std::to_string(res.status));
  }
  Reading r;
  TM_ASSIGN_OR_RETURN(r.cpu_seconds, MetricFromExposition(res.body, "process_cpu_seconds_total"));
  TM_ASSIGN_OR_RETURN(const double rss,
                      MetricFromExposition(res.body, "process_resident_memory_bytes"));
  r.rss_bytes = static_cast<uint64_t>(rss);
  return r;
}

void ServerSampler::Start() {
  auto first = Read();
  if (first.ok()) {
    first_ = *first;
    peak_rss_ = first->rss_bytes;
  } else {
    error_ = first.status();
  }
  thread_ = std::thread([this] {
    while (!stop_) {
      for (int i = 0; i < 5 && !stop_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      auto r = Read();
      std::lock_guard lock(mu_);
      if (r.ok()) {
        peak_rss_ = std::max(peak_rss_, r->rss_bytes);
      } else if (error_.ok()) {
        error_ = r.status();
      }
    }
  });
}

Result<ServerSampler::Reading> ServerSampler::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  TM_ASSIGN_OR_RETURN(const Reading last, Read());
  std::lock_guard lock(mu_);
  if (!error_.ok()) return error_;
  Reading out;
  out.cpu_seconds = last.cpu_seconds - first_.cpu_seconds;
  out.rss_bytes = std::max(peak_rss_, last.rss_bytes);
  out.end_rss_bytes = last.rss_bytes;
  return out;
}

std::string SummaryText(const Report& r) {
  const LoadResult& l = r.load;
  const double rate = l.measured_seconds > 0 ? l.items_accepted / l.measured_seconds : 0;
  const std::string unit = r.signal == "traces" ? "spans" : "samples";
  std::string out;
  auto row = [&](const std::string& k, const std::string& v) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-28s %s\n", k.c_str(), v.c_str());
    out += buf;
  };
  out += "tidemark-bench: " + r.workload + " over " + r.protocol + " (" + r.encoding + ") to " +
         r.target + "\n";
  row("connections", std::to_string(r.connections) +
                         (r.rate > 0 ? ", open loop at " + Fixed(r.rate, 0) + " " + unit + "/s"
                                     : ", closed loop"));
  row("encoded", std::to_string(r.requests) + " requests, " + std::to_string(r.items) + " " + unit +
                     ", " + Fixed(static_cast<double>(r.bytes) / 1e6, 1) + " MB in " +
                     Fixed(r.encode_seconds, 1) + " s");
  row("measured",
      Fixed(l.measured_seconds, 2) + " s after " + Fixed(l.measured_start_seconds, 1) +
          " s of warm-up" +
          (l.requests_unsent > 0 ? ", " + std::to_string(l.requests_unsent) + " requests unsent"
                                 : ""));
  row(unit + " accepted", std::to_string(l.items_accepted) + " (" + Fixed(rate, 0) + "/s)");
  row("requests", std::to_string(l.requests_ok) + " ok, " + std::to_string(l.requests_failed) +
                      " failed, " + std::to_string(l.retries) + " retries after backpressure");
  if (l.items_rejected > 0) {
    row(unit + " refused", std::to_string(l.items_rejected) + " (OTLP partial success)");
  }
  for (const auto& [k, v] : l.errors) row("  error " + k, std::to_string(v));
  if (!l.first_error.empty()) row("  first error", l.first_error.substr(0, 200));
  row("latency ms p50/p90/p99/p99.9/max",
      Fixed(Percentile(l.latencies_ms, 50), 2) + " / " + Fixed(Percentile(l.latencies_ms, 90), 2) +
          " / " + Fixed(Percentile(l.latencies_ms, 99), 2) + " / " +
          Fixed(Percentile(l.latencies_ms, 99.9), 2) + " / " +
          Fixed(l.latencies_ms.empty() ? 0 : l.latencies_ms.back(), 2));
  if (r.has_server) {
    row("server CPU",
        Fixed(r.server.cpu_seconds, 2) + " s, " +
            (l.items_accepted_total > 0
                 ? Fixed(r.server.cpu_seconds * 1e6 / static_cast<double>(l.items_accepted_total),
                         2) +
                       " s per million " + unit
                 : std::string("nothing accepted")));
    row("server peak RSS", Fixed(static_cast<double>(r.server.rss_bytes) / (1 << 20), 1) + " MiB");
    row("server RSS at the end",
        Fixed(static_cast<double>(r.server.end_rss_bytes) / (1 << 20), 1) + " MiB");
  }
  if (r.verified) {
    const VerifyResult& v = r.verify;
    if (r.signal == "traces") {
      row("verified", std::to_string(v.traces_found) + " of " + std::to_string(v.traces_checked) +
                          " traces checked, " + std::to_string(v.found_spans) + " of " +
                          std::to_string(v.expected_spans) + " spans");
    } else {
      row("verified", std::to_string(v.found_samples) + " of " +
                          std::to_string(v.expected_samples) + " samples, " +
                          std::to_string(v.found_series) + " of " +
                          std::to_string(v.expected_series) + " series");
    }
    for (size_t i = 0; i < v.losses.size() && i < 10; ++i) row("  short", v.losses[i]);
    if (v.losses.size() > 10) row("  short", "... and " + std::to_string(v.losses.size() - 10));
  }
  return out;
}

std::string ReportJson(const Report& r) {
  const LoadResult& l = r.load;
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  auto str = [&](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  auto u64 = [&](const char* k, uint64_t v) {
    w.Key(k);
    w.Uint64(v);
  };
  auto dbl = [&](const char* k, double v) {
    w.Key(k);
    w.Double(v);
  };
  w.StartObject();
  str("target", r.target);
  str("protocol", r.protocol);
  str("signal", r.signal);
  str("encoding", r.encoding);
  str("workload", r.workload);
  u64("connections", static_cast<uint64_t>(r.connections));
  dbl("rate", r.rate);
  w.Key("encoded");
  w.StartObject();
  u64("requests", r.requests);
  u64("items", r.items);
  u64("bytes", r.bytes);
  dbl("seconds", r.encode_seconds);
  w.EndObject();
  dbl("measured_seconds", l.measured_seconds);
  dbl("warmup_seconds", l.measured_start_seconds);
  u64("items_accepted", l.items_accepted);
  dbl("items_per_second", l.measured_seconds > 0 ? l.items_accepted / l.measured_seconds : 0);
  u64("items_accepted_total", l.items_accepted_total);
  u64("requests_ok", l.requests_ok);
  u64("requests_failed", l.requests_failed);
  u64("items_failed", l.items_failed);
  u64("items_rejected", l.items_rejected);
  u64("requests_unsent", l.requests_unsent);
  u64("retries", l.retries);
  w.Key("errors");
  w.StartObject();
  for (const auto& [k, v] : l.errors) u64(k.c_str(), v);
  w.EndObject();
  str("first_error", l.first_error);
  w.Key("latency_ms");
  w.StartObject();
  for (const auto& [name, p] : {std::pair{"p50", 50.0}, std::pair{"p90", 90.0},
                                std::pair{"p99", 99.0}, std::pair{"p999", 99.9}}) {
    dbl(name, Percentile(l.latencies_ms, p));
  }
  dbl("max", l.latencies_ms.empty() ? 0 : l.latencies_ms.back());
  w.EndObject();
  if (r.has_server) {
    w.Key("server");
    w.StartObject();
    dbl("cpu_seconds", r.server.cpu_seconds);
    dbl("cpu_seconds_per_million_items",
        l.items_accepted_total > 0
            ? r.server.cpu_seconds * 1e6 / static_cast<double>(l.items_accepted_total)
            : 0);
    u64("peak_rss_bytes", r.server.rss_bytes);
    u64("end_rss_bytes", r.server.end_rss_bytes);
    w.EndObject();
  }
  if (r.verified) {
    const VerifyResult& v = r.verify;
    w.Key("verify");
    w.StartObject();
    w.Key("complete");
    w.Bool(v.complete());
    u64("expected_samples", v.expected_samples);
    u64("found_samples", v.found_samples);
    u64("expected_series", v.expected_series);
    u64("found_series", v.found_series);
    u64("traces_checked", v.traces_checked);
    u64("traces_found", v.traces_found);
    u64("expected_spans", v.expected_spans);
    u64("found_spans", v.found_spans);
    w.Key("losses");
    w.StartArray();
    for (const std::string& loss : v.losses) w.String(loss.c_str());
    w.EndArray();
    w.EndObject();
  }
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize()) + "\n";
}

}  // namespace tidemark::bench
