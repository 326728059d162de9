// The Prometheus HTTP API (/api/v1/...) over a tidemark::Engine and the PromQL engine: query,
// query_range, series, labels, label values, metadata, query_exemplars, format_query,
// parse_query, status/*, admin/tsdb/delete_series, and the empty answers of endpoints whose
// features tidemark does not have yet (rules, alerts, targets). Requests and responses as
// Prometheus 3 has them (docs/prometheus-api.md lists the differences that remain). Which path
// reaches which endpoint is decided by the route table (routes.cc).
//
// Thread safety: every endpoint may be called from any number of threads at once.
#ifndef TIDEMARK_SERVER_PROM_API_H_
#define TIDEMARK_SERVER_PROM_API_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "query/engine.h"
#include "query/parser.h"
#include "server/api_params.h"
#include "server/config.h"
#include "server/http_server.h"
#include "tidemark/engine.h"
#include "util/memory_budget.h"

namespace tidemark::server {

// The budget all queries of the APIs sharing it hold together (query.max_bytes_all_queries; 0:
// a quarter of the machine's memory).
std::shared_ptr<util::MemoryBudget> QueryMemoryBudget(const QueryConfig& query);

class PrometheusApi {
 public:
  struct Settings {
    QueryConfig query;
    std::string config_yaml;                   // for status/config
    std::map<std::string, std::string> flags;  // for status/flags
    std::string storage_retention = "15d";     // for status/runtimeinfo and status/storage
    std::string span_retention = "7d";         // for status/storage
    // Shared with other APIs' queries (other tenants'); null: one of its own, sized by
    // query.max_bytes_all_queries.
    std::shared_ptr<util::MemoryBudget> query_memory;
  };

  PrometheusApi(Engine* engine, Settings settings);

  // The endpoints, each answering one request whose form values are already parsed.
  HttpResponse Query(const HttpRequest& request, const FormValues& form);
  HttpResponse QueryRange(const HttpRequest& request, const FormValues& form);
  HttpResponse Series(const FormValues& form);
  HttpResponse Labels(const FormValues& form);
  // `raw_name` as written in the path (possibly U__-escaped).
  HttpResponse LabelValues(const std::string& raw_name, const FormValues& form);
  HttpResponse Metadata(const FormValues& form);
  HttpResponse QueryExemplars(const FormValues& form);
  HttpResponse FormatQuery(const FormValues& form);
  HttpResponse ParseQuery(const FormValues& form);
  // tidemark's own: what is stored where (head, partitions, spans), bytes per sample, retention.
  HttpResponse StorageStatus();
  HttpResponse BuildInfo();
  HttpResponse RuntimeInfo();
  HttpResponse Flags();
  HttpResponse Config();
  HttpResponse TsdbStatus(const FormValues& form);
  HttpResponse DeleteSeries(const FormValues& form);
  // Changes QueryConfig::max_concurrency (a reload changed a tenant's limit).
  void SetMaxConcurrency(int64_t max_concurrency) { slots_.Resize(max_concurrency); }

 private:
  struct QueryParams {
    promql::QueryContext ctx;
    promql::ExprPtr expr;
    size_t limit = 0;
  };
  std::optional<HttpResponse> ParseQueryParams(const FormValues& form, QueryParams* out) const;
  // The PromQL dialect the configuration enables.
  promql::ParseOptions ParseOptions() const;
  // Options of a series, label or exemplar read: the configured query timeout as its deadline.
  ReadOptions MetadataReadOptions() const;

  // Admits at most QueryConfig::max_concurrency evaluations at once; the others wait, each until
  // its own deadline.
  class QuerySlots {
   public:
    explicit QuerySlots(int64_t slots) : total_(slots), free_(slots) {}
    bool Acquire(std::chrono::steady_clock::time_point deadline);
    void Release();
    // Queries running past a lowered count finish; new ones wait until they are under it.
    void Resize(int64_t slots);

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    int64_t total_;  // guarded by mu_
    int64_t free_;   // guarded by mu_; negative while more run than a lowered total allows
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
