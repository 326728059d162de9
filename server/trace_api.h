// The trace read APIs of the API port: Jaeger's query API under /jaeger (v1 JSON and v3
// OTLP-shaped, jaeger_api.cc) and Tempo's HTTP API at the root (tempo_api.cc). Searches run on
// the query layer (query/jaeger_search.h, tidemark/traceql.h) over the engine's SpanReader; this
// is the protocol around them: parameters, bounds, response shapes. docs/trace-api.md describes
// both and what differs from Jaeger and Tempo.
//
// Thread safety: every endpoint may be called from any number of threads at once.
#ifndef TIDEMARK_SERVER_TRACE_API_H_
#define TIDEMARK_SERVER_TRACE_API_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "query/trace_tags.h"
#include "server/api_params.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/router.h"
#include "tidemark/engine.h"

namespace tidemark::server {

class TraceApi {
 public:
  TraceApi(Engine* engine, TraceQueryConfig config);

  // --- Jaeger v1 (/jaeger/api/...) ---
  HttpResponse JaegerServices(const FormValues& form);
  HttpResponse JaegerServiceOperations(const std::string& service, const FormValues& form);
  HttpResponse JaegerOperations(const FormValues& form);
  HttpResponse JaegerTrace(const std::string& id);
  HttpResponse JaegerTraces(const FormValues& form);
  HttpResponse JaegerDependencies(const FormValues& form);
  // --- Jaeger v3 (/jaeger/api/v3/...) ---
  HttpResponse JaegerV3Services();
  HttpResponse JaegerV3Operations(const FormValues& form);
  HttpResponse JaegerV3Trace(const std::string& id, const FormValues& form);
  HttpResponse JaegerV3Traces(const FormValues& form);

  // --- Tempo (/api/...) ---
  HttpResponse TempoTrace(const HttpRequest& request, const std::string& id, const FormValues& form,
                          bool v2);
  HttpResponse TempoSearch(const FormValues& form);
  HttpResponse TempoTags(const FormValues& form, bool v2);
  HttpResponse TempoTagValues(const std::string& tag, const FormValues& form, bool v2);
  HttpResponse TempoEcho();
  HttpResponse TempoBuildInfo();

  const TraceQueryConfig& config() const { return config_; }

 private:
  // Admits at most TraceQueryConfig::max_concurrency reads at once.
  class Slot {
   public:
    Slot(TraceApi* api, std::chrono::steady_clock::time_point deadline);
    ~Slot();
    bool acquired() const { return acquired_; }

   private:
    TraceApi* api_;
    bool acquired_ = false;
  };

  // The time range, limit, maxStaleValues and q of Tempo's tag endpoints.
  Status ParseDiscovery(const FormValues& form, uint32_t default_limit,
                        query::TagDiscovery* request) const;
  ReadOptions Deadline() const;
  uint64_t NowNanos() const;

  Engine* engine_;
  const TraceQueryConfig config_;
  std::mutex slots_mu_;
  std::condition_variable slots_cv_;
  int64_t free_slots_;  // guarded by slots_mu_
};

// The routes of the trace APIs, for the API port's table (routes.cc).
std::vector<Route> TraceRoutes(TraceApi* api);

// A time parameter given as a count of `unit_nanos` since the epoch (Jaeger's µs and ms, Tempo's
// seconds), in nanoseconds; absent: `fallback`. InvalidArgument naming the parameter when it is not
// a non-negative integer or overflows.
Result<uint64_t> ParseUnixTimeParam(const FormValues& form, const std::string& name,
                                    uint64_t unit_nanos, uint64_t fallback);

// A count parameter (limit, spss, maxStaleValues): absent or 0 (as Jaeger and Tempo take it) gives
// `fallback`; negative, not a number, or over `max` is InvalidArgument naming the parameter and,
// for the maximum, `max_key` (the configuration key that sets it).
Result<uint32_t> CountParam(const FormValues& form, const std::string& name, uint32_t fallback,
                            int64_t max, const std::string& max_key);

// A trace id as the APIs take it: 1 to 32 hex digits (Jaeger drops leading zeros), as 16 bytes.
// InvalidArgument naming the id otherwise.
Result<std::string> ParseTraceId(std::string_view hex);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_TRACE_API_H_
