#include "datagen/dataset.h"

#include <charconv>
#include <cmath>
#include <string>
#include <utility>

namespace tidemark::datagen {
namespace {

const char* const kModes[] = {"idle", "user",    "system", "iowait",
                              "irq",  "softirq", "steal",  "nice"};
const char* const kRegions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
const char* const kHandlers[] = {"/api/v1/query", "/api/v1/write", "/metrics"};
const double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, INFINITY};
const char* const kGauges[] = {"node_load1",
                               "node_load5",
                               "node_load15",
                               "node_memory_MemAvailable_ratio",
                               "node_hwmon_temp_celsius",
                               "node_cpu_scaling_frequency_ghz",
                               "process_open_fds_avg",
                               "node_entropy_available_kbits"};

// `le` as Prometheus' OTLP translation writes a bound: the shortest decimal, never an exponent.
std::string FormatLe(double le) {
  if (std::isinf(le)) return "+Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, le, std::chars_format::fixed);
  return std::string(buf, end);
}

// The app profile: services of an LLM application, the semantic conventions' default bounds.
const char* const kServices[] = {"chat-api", "rag-worker", "agent-runner", "embedder"};
const char* const kModels[] = {"gpt-4o", "gpt-4o-mini"};
const std::vector<double> kHttpBounds = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                         0.5,   0.75, 1,     2.5,  5,     7.5, 10};
const std::vector<double> kGenAiDurationBounds = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                                  1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
const std::vector<double> kTokenBounds = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
// Labels of the app profile and the OTel attributes they translate from.
const std::pair<std::string_view, OtelAttribute> kAppAttributes[] = {
    {"http_request_method", {"http.request.method"}},
    {"http_route", {"http.route"}},
    {"http_response_status_code", {"http.response.status_code", true}},
    {"gen_ai_operation_name", {"gen_ai.operation.name"}},
    {"gen_ai_system", {"gen_ai.system"}},
    {"gen_ai_request_model", {"gen_ai.request.model"}},
    {"gen_ai_token_type", {"gen_ai.token.type"}},
};

}  // namespace

MetricsDataset::MetricsDataset(const DatasetOptions& options)
    : options_(options), rng_(options.seed) {
  const uint64_t want = std::max<uint64_t>(options.series, 1);
  const bool app = options.profile == DatasetProfile::kApp;
  for (uint64_t t = 0; labels_.size() < want; ++t) {
    if (app) {
      AddAppTarget(t);
    } else {
      AddNodeTarget(t);
    }
  }
  if (app) {
    common_matcher_ = "job=~\"";
    for (size_t i = 0; i < std::min<size_t>(targets_, std::size(kServices)); ++i) {
      common_matcher_ += (i > 0 ? "|" : "") + std::string(kServices[i]);
    }
    common_matcher_ += "\"";
  } else {
    common_matcher_ = "job=\"node\"";
  }
}

OtelAttribute MetricsDataset::otel_attribute(std::string_view label) const {
  if (options_.profile == DatasetProfile::kApp) {
    for (const auto& [name, attribute] : kAppAttributes) {
      if (name == label) return attribute;
    }
  }
  return {label, false};
}

uint32_t MetricsDataset::Family(std::string otel_name, std::string unit, std::string description) {
  for (size_t f = 0; f < families_.size(); ++f) {
    if (families_[f].otel_name == otel_name) return static_cast<uint32_t>(f);
  }
  families_.push_back({std::move(otel_name), std::move(unit), std::move(description)});
  return static_cast<uint32_t>(families_.size() - 1);
}

void MetricsDataset::AddSeries(std::vector<Label> labels, SeriesKind kind, uint32_t family,
                               int64_t initial, double le, double value_scale) {
  labels_.emplace_back(std::move(labels));
  kinds_.push_back(kind);
  target_of_.push_back(targets_ - 1);
  bucket_bound_.push_back(le);
  value_scale_.push_back(value_scale);
  state_.push_back(initial);
  histogram_of_.push_back(UINT32_MAX);
  family_of_.push_back(family);
}

void MetricsDataset::AddHistogram(const std::vector<Label>& labels, const std::string& base,
                                  uint32_t family, const std::vector<double>& bounds, double mean) {
  const uint32_t h = static_cast<uint32_t>(histogram_series_.size());
  histogram_series_.emplace_back();
  histogram_mean_.push_back(mean);
  auto add = [&](const std::string& suffix, SeriesKind kind, double le, bool bucket) {
    std::vector<Label> l = labels;
    l.front().value = base + suffix;  // __name__ comes first
    if (bucket) l.push_back({"le", FormatLe(le)});
    AddSeries(std::move(l), kind, family, 0, le);
    histogram_of_.back() = h;
    histogram_series_[h].push_back(static_cast<uint32_t>(labels_.size() - 1));
  };
  for (double le : bounds) add("_bucket", SeriesKind::kBucket, le, true);
  add("_bucket", SeriesKind::kBucket, INFINITY, true);
  add("_sum", SeriesKind::kHistogramSum, 0, false);
  add("_count", SeriesKind::kHistogramCount, 0, false);
}

void MetricsDataset::AddNodeTarget(uint64_t index) {
  ++targets_;
  const std::string instance =
      "10.0." + std::to_string(index / 250) + "." + std::to_string(index % 250) + ":9100";
  const std::string region = kRegions[index % 3];
  auto base = [&](const std::string& name) {
    return std::vector<Label>{{"__name__", name},
                              {"job", "node"},
                              {"instance", instance},
                              {"region", region},
                              {"cluster", "prod-" + std::to_string(index % 7)},
                              {"env", index % 5 == 0 ? "staging" : "production"},
                              {"team", "team-" + std::to_string(index % 11)}};
  };
  // Counters are named in OTel without _total, which the translation adds back.
  auto counter_family = [&](const std::string& name) {
    return Family(name.substr(0, name.size() - std::string_view("_total").size()), "", "");
  };
  // 32 CPU counters.
  const uint32_t cpu_family = counter_family("node_cpu_seconds_total");
  for (int cpu = 0; cpu < 4; ++cpu) {
    for (const char* mode : kModes) {
      auto l = base("node_cpu_seconds_total");
      l.push_back({"cpu", std::to_string(cpu)});
      l.push_back({"mode", mode});
      AddSeries(std::move(l), SeriesKind::kCounter, cpu_family,
                static_cast<int64_t>(rng_() % 1'000'000));
    }
  }
  // 16 network and disk counters.
  for (const char* name : {"node_network_receive_bytes_total", "node_network_transmit_bytes_total",
                           "node_disk_read_bytes_total", "node_disk_written_bytes_total"}) {
    const uint32_t family = counter_family(name);
    for (const char* device : {"eth0", "eth1", "sda", "nvme0n1"}) {
      auto l = base(name);
      l.push_back({"device", device});
      l.push_back({"collector", "netdev"});
      AddSeries(std::move(l), SeriesKind::kCounter, family,
                static_cast<int64_t>(rng_() % 1'000'000'000));
    }
  }
  // 8 gauges x 2 sensors.
  for (const char* name : kGauges) {
    const uint32_t family = Family(name, "", "");
    for (const char* chip : {"0", "1"}) {
      auto l = base(name);
      l.push_back({"chip", chip});
      AddSeries(std::move(l), SeriesKind::kGauge, family, static_cast<int64_t>(rng_() % 10'000));
    }
  }
  // 3 classic histograms of 12 buckets, _sum and _count; observations average 125 ms.
  const uint32_t family = Family("http_request_duration_seconds", "", "");
  const std::vector<double> bounds(std::begin(kBuckets), std::end(kBuckets) - 1);
  for (const char* handler : kHandlers) {
    auto l = base("");
    l.push_back({"handler", handler});
    AddHistogram(l, "http_request_duration_seconds", family, bounds, 0.125);
  }
}

void MetricsDataset::AddAppTarget(uint64_t index) {
  ++targets_;
  const std::string service = kServices[index % std::size(kServices)];
  const std::string instance = service + "-" + std::to_string(index / std::size(kServices));
  auto base = [&](const std::string& name) {
    return std::vector<Label>{{"__name__", name}, {"job", service}, {"instance", instance}};
  };
  // HTTP server duration by route and status: 4 histograms of 15 buckets, mean 300 ms.
  const uint32_t http =
      Family("http.server.request.duration", "s", "Duration of HTTP server requests.");
  for (const char* route : {"/v1/chat", "/v1/search"}) {
    for (const char* status : {"200", "500"}) {
      auto l = base("");
      l.push_back({"http_request_method", "POST"});
      l.push_back({"http_route", route});
      l.push_back({"http_response_status_code", status});
      AddHistogram(l, "http_server_request_duration_seconds", http, kHttpBounds, 0.3);
    }
  }
  // GenAI client operation duration by model (mean 1.5 s) and token usage by model and token
  // type (input prompts longer than outputs).
  const uint32_t duration =
      Family("gen_ai.client.operation.duration", "s", "GenAI operation duration.");
  const uint32_t tokens = Family("gen_ai.client.token.usage", "{token}",
                                 "Measures number of input and output tokens used.");
  for (const char* model : kModels) {
    auto l = base("");
    l.push_back({"gen_ai_operation_name", "chat"});
    l.push_back({"gen_ai_system", "openai"});
    l.push_back({"gen_ai_request_model", model});
    AddHistogram(l, "gen_ai_client_operation_duration_seconds", duration, kGenAiDurationBounds,
                 1.5);
    for (const char* type : {"input", "output"}) {
      auto t = l;
      t.push_back({"gen_ai_token_type", type});
      AddHistogram(t, "gen_ai_client_token_usage", tokens, kTokenBounds,
                   type == std::string_view("input") ? 600 : 200);
    }
  }
  // The application's own counters (the user's documents' llm_requests_total,
  // llm_tokens_total, llm_cost_usd_total) and two gauges.
  const uint32_t requests = Family("llm.requests", "{request}", "LLM calls by outcome.");
  const uint32_t token_total = Family("llm.tokens", "{token}", "Tokens used.");
  const uint32_t cost = Family("llm.cost.usd", "", "Spend on LLM calls in US dollars.");
  for (const char* model : kModels) {
    for (const char* status : {"ok", "error"}) {
      auto l = base("llm_requests_total");
      l.push_back({"gen_ai_request_model", model});
      l.push_back({"status", status});
      AddSeries(std::move(l), SeriesKind::kCounter, requests,
                static_cast<int64_t>(rng_() % 100'000));
    }
    for (const char* type : {"input", "output"}) {
      auto l = base("llm_tokens_total");
      l.push_back({"gen_ai_request_model", model});
      l.push_back({"gen_ai_token_type", type});
      AddSeries(std::move(l), SeriesKind::kCounter, token_total,
                static_cast<int64_t>(rng_() % 10'000'000));
    }
    auto l = base("llm_cost_usd_total");
    l.push_back({"gen_ai_request_model", model});
    AddSeries(std::move(l), SeriesKind::kCounter, cost, static_cast<int64_t>(rng_() % 100'000), 0,
              0.01);
  }
  AddSeries(base("llm_queue_depth"), SeriesKind::kGauge,
            Family("llm.queue.depth", "{request}", "Requests waiting for a model."),
            static_cast<int64_t>(rng_() % 2'000));
  AddSeries(base("process_memory_usage_bytes"), SeriesKind::kGauge,
            Family("process.memory.usage", "By", "Resident memory of the process."),
            static_cast<int64_t>(rng_() % 100'000'000));
}

void MetricsDataset::NextScrape(std::vector<Sample>* out) {
  out->resize(labels_.size());
  std::vector<int64_t> jitter(targets_);
  std::uniform_int_distribution<int> jitter_dist(-options_.jitter_ms, options_.jitter_ms);
  for (auto& j : jitter) j = options_.jitter_ms > 0 ? jitter_dist(rng_) : 0;
  const int64_t base = ScrapeTime(scrape_);
  std::uniform_int_distribution<int> counter_step(0, 100);
  std::normal_distribution<double> gauge_step(0, 40);  // in cents
  std::uniform_int_distribution<int> observations(0, 20);

  // Histograms: draw this scrape's observations once per histogram.
  std::vector<std::vector<int64_t>> bucket_incr(histogram_series_.size());
  std::vector<int64_t> sum_incr_millis(histogram_series_.size());
  for (size_t h = 0; h < histogram_series_.size(); ++h) {
    const std::vector<uint32_t>& members = histogram_series_[h];
    const size_t buckets = members.size() - 2;
    bucket_incr[h].assign(buckets, 0);
    std::exponential_distribution<double> observation(1.0 / histogram_mean_[h]);
    const int n = observations(rng_);
    for (int i = 0; i < n; ++i) {
      const double d = observation(rng_);
      sum_incr_millis[h] += static_cast<int64_t>(std::llround(d * 1000));
      for (size_t b = 0; b < buckets; ++b) {
        if (d <= bucket_bound_[members[b]]) ++bucket_incr[h][b];
      }
    }
  }
  for (size_t i = 0; i < labels_.size(); ++i) {
    Sample& s = (*out)[i];
    s.timestamp_ms = base + jitter[target_of_[i]];
    switch (kinds_[i]) {
      case SeriesKind::kCounter:
        state_[i] += counter_step(rng_);
        s.value = static_cast<double>(state_[i]) * value_scale_[i];
        break;
      case SeriesKind::kGauge:
        state_[i] =
            std::max<int64_t>(0, state_[i] + static_cast<int64_t>(std::llround(gauge_step(rng_))));
        s.value = static_cast<double>(state_[i]) / 100.0;
        break;
      case SeriesKind::kBucket: {
        const auto& members = histogram_series_[histogram_of_[i]];
        size_t b = 0;
        while (members[b] != i) ++b;
        state_[i] += bucket_incr[histogram_of_[i]][b];
        s.value = static_cast<double>(state_[i]);
        break;
      }
      case SeriesKind::kHistogramSum:
        state_[i] += sum_incr_millis[histogram_of_[i]];
        s.value = static_cast<double>(state_[i]) / 1000.0;
        break;
      case SeriesKind::kHistogramCount:
        state_[i] += bucket_incr[histogram_of_[i]].back();
        s.value = static_cast<double>(state_[i]);
        break;
    }
  }
  ++scrape_;
}

}  // namespace tidemark::datagen
