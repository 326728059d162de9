// The Prometheus HTTP API (/api/v1/...) over a tidemark::Engine and the PromQL engine: query,
// query_range, series, labels, label values, metadata, query_exemplars, format_query,
// parse_query, status/*, admin/tsdb/delete_series. Requests and responses as Prometheus 3 has
// them (docs/prometheus-api.md lists the differences that remain).
//
// Thread safety: Handle may be called from any number of threads at once.
#ifndef TIDEMARK_SERVER_PROM_API_H_
#define TIDEMARK_SERVER_PROM_API_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "query/engine.h"
#include "query/parser.h"
#include "server/config.h"
#include "server/http_server.h"
#include "tidemark/engine.h"

namespace tidemark::server {

// The decoded parameters of a request: URL query string and, for POST, a form-encoded body.
class FormValues {
 public:
  // InvalidArgument if percent-encoding is malformed.
  static Result<FormValues> Parse(const HttpRequest& request);
  // The first value of `name` (body first, then URL, as Go's Request.FormValue), or "".
  std::string Get(const std::string& name) const;
  bool Has(const std::string& name) const;
  // Every value of `name` (body, then URL), e.g. for `match[]`.
  std::vector<std::string> All(const std::string& name) const;

 private:
  std::vector<std::pair<std::string, std::string>> values_;
};

// Prometheus' parseTime: Unix seconds with fractions or RFC 3339; milliseconds.
Result<int64_t> ParseApiTime(const std::string& text);
// Prometheus' parseDuration: seconds with fractions or a duration ("5m"); milliseconds.
Result<int64_t> ParseApiDuration(const std::string& text);

class PrometheusApi {
 public:
  struct Settings {
    QueryConfig query;
    std::string config_yaml;                   // for status/config
    std::map<std::string, std::string> flags;  // for status/flags
    std::string storage_retention = "15d";     // for status/runtimeinfo
  };

  PrometheusApi(Engine* engine, Settings settings);

  // The response for an /api/v1/ path this API serves; nullopt for other paths.
  std::optional<HttpResponse> Handle(const HttpRequest& request);
  // The name under which a path's requests are counted ("query", "series", ...); "" if unknown.
  static std::string HandlerName(const std::string& path);

 private:
  struct QueryParams {
    promql::QueryContext ctx;
    promql::ExprPtr expr;
    size_t limit = 0;
  };
  std::optional<HttpResponse> ParseQueryParams(const FormValues& form, QueryParams* out) const;
  // The PromQL dialect the configuration enables.
  promql::ParseOptions ParseOptions() const;

  HttpResponse Dispatch(const HttpRequest& request, const std::string& endpoint);
  HttpResponse Query(const HttpRequest& request, const FormValues& form);
  HttpResponse QueryRange(const HttpRequest& request, const FormValues& form);
  HttpResponse Series(const FormValues& form);
  HttpResponse Labels(const FormValues& form);
  HttpResponse LabelValues(const std::string& name, const FormValues& form);
  HttpResponse Metadata(const FormValues& form);
  HttpResponse QueryExemplars(const FormValues& form);
  HttpResponse FormatQuery(const FormValues& form);
  HttpResponse ParseQuery(const FormValues& form);
  HttpResponse BuildInfo();
  HttpResponse RuntimeInfo();
  HttpResponse Flags();
  HttpResponse Config();
  HttpResponse TsdbStatus(const FormValues& form);
  HttpResponse DeleteSeries(const HttpRequest& request, const FormValues& form);

  // Admits at most QueryConfig::max_concurrency evaluations at once; the others wait, each until
  // its own deadline.
  class QuerySlots {
   public:
    explicit QuerySlots(int64_t slots) : free_(slots) {}
    bool Acquire(std::chrono::steady_clock::time_point deadline);
    void Release();

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    int64_t free_;  // guarded by mu_
  };
  // Runs `evaluate` in a slot; Prometheus' timeout error if none frees up before the deadline.
  template <typename Evaluate>
  HttpResponse InSlot(const QueryParams& params, Evaluate evaluate);

  Engine* engine_;
  const Settings settings_;
  promql::QueryEngine query_engine_;
  QuerySlots slots_;
  const std::chrono::system_clock::time_point start_time_;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_PROM_API_H_
