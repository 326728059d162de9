// The server's own metrics: served at /metrics in Prometheus text format and appended into the
// engine every self_scrape_interval under job="tidemark".
#ifndef TIDEMARK_SERVER_SELF_METRICS_H_
#define TIDEMARK_SERVER_SELF_METRICS_H_

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tidemark/engine.h"

namespace tidemark::server {

class SelfMetrics {
 public:
  // Request latency per handler ("otlp_http_traces", "remote_write", ...), and the status class.
  void ObserveRequest(const std::string& handler, int status, double seconds);
  void AddSamples(const std::string& protocol, uint64_t accepted, const CommitReport& report);
  void AddSpans(const std::string& protocol, uint64_t accepted, const SpanAppendReport& report);
  void AddRejectedDataPoints(const std::string& protocol, uint64_t n);
  // Series another component reports (the notifier's counters), collected with the others.
  // `source` is called from Collect on any thread and must outlive this object's use.
  using Source = std::function<std::vector<std::pair<Labels, double>>()>;
  void AddSource(Source source);

  // Every series with its current value, engine statistics included.
  std::vector<std::pair<Labels, double>> Collect(Engine& engine);
  std::string RenderText(Engine& engine);

 private:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;  // (handler, code class)
  std::map<std::string, uint64_t> samples_;                           // protocol
  std::map<std::string, uint64_t> spans_;                             // protocol
  std::map<std::pair<std::string, std::string>, uint64_t> rejected_;  // (kind, reason)
  std::vector<Source> sources_;                                       // guarded by mu_
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_SELF_METRICS_H_
