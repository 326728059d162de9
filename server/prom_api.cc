#include "server/prom_api.h"

#include <algorithm>
#include <memory>

#include "query/parser.h"
#include "server/api_response.h"
#include "server/client_watcher.h"
#include "server/prom_json.h"
#include "util/process_stats.h"

namespace tidemark::server {

PrometheusApi::PrometheusApi(Engine* engine, Settings settings)
    : engine_(engine),
      settings_(std::move(settings)),
      query_engine_([&] {
        promql::EngineOptions o;
        o.lookback_delta_ms = settings_.query.lookback_delta_ms;
        o.max_samples = settings_.query.max_samples;
        o.max_result_points = settings_.query.max_result_points;
        o.max_bytes_per_query = settings_.query.max_bytes_per_query;
        o.memory_budget = settings_.query_memory != nullptr ? settings_.query_memory
                                                            : QueryMemoryBudget(settings_.query);
        o.default_subquery_step_ms = settings_.query.default_subquery_step_ms;
        // Prometheus' server removes __name__ at once unless a feature flag asks otherwise.
        o.delayed_name_removal = false;
        return o;
      }()),
      slots_(settings_.query.max_concurrency),
      start_time_(std::chrono::system_clock::now()) {}

std::shared_ptr<util::MemoryBudget> QueryMemoryBudget(const QueryConfig& query) {
  uint64_t all_queries = static_cast<uint64_t>(query.max_bytes_all_queries);
  if (all_queries == 0) all_queries = util::PhysicalMemoryBytes() / 4;
  if (all_queries == 0) all_queries = UINT64_MAX;  // the machine's size unknown
  return std::make_shared<util::MemoryBudget>(all_queries);
}

bool PrometheusApi::QuerySlots::Acquire(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_until(lock, deadline, [&] { return free_ > 0; })) return false;
  --free_;
  return true;
}

void PrometheusApi::QuerySlots::Resize(int64_t slots) {
  {
    std::lock_guard lock(mu_);
    free_ += slots - total_;
    total_ = slots;
  }
  cv_.notify_all();
}

void PrometheusApi::QuerySlots::Release() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  cv_.notify_one();
}

template <typename Evaluate>
HttpResponse PrometheusApi::InSlot(const QueryParams& params, Evaluate evaluate) {
  if (!slots_.Acquire(params.ctx.deadline))
    return ApiError(ErrorType::kTimeout, "query timed out in query queue");
  HttpResponse response = evaluate();
  slots_.Release();
  return response;
}

promql::ParseOptions PrometheusApi::ParseOptions() const {
  return {.enable_experimental_functions = settings_.query.experimental_functions,
          .enable_duration_expressions = settings_.query.duration_expressions};
}

namespace {

// Deadline from the configured timeout, shortened by a `timeout` parameter.
Result<std::chrono::milliseconds> QueryTimeout(const FormValues& form, int64_t configured_ms) {
  int64_t ms = configured_ms;
  if (form.Has("timeout") && !form.Get("timeout").empty()) {
    auto t = ParseApiDuration(form.Get("timeout"));
    if (!t.ok()) return t.status();
    if (*t <= 0) return Status::InvalidArgument("timeout must be positive");
    ms = std::min(ms, *t);
  }
  return std::chrono::milliseconds(ms);
}

// Applies a `limit` to a result (Prometheus 3's query limit) and says so in a warning.
void LimitResult(promql::QueryResult* result, size_t limit, std::vector<std::string>* warnings) {
  if (limit == 0) return;
  bool truncated = false;
  if (result->type == promql::ValueType::kVector && result->vector.size() > limit) {
    result->vector.resize(limit);
    truncated = true;
  } else if (result->type == promql::ValueType::kMatrix && result->matrix.size() > limit) {
    result->matrix.resize(limit);
    truncated = true;
  }
  if (truncated) warnings->push_back("results truncated due to limit");
}

}  // namespace

// What query and query_range share: `limit`, `timeout`, `lookback_delta` and the expression.
// Returns the error response, or nullopt with `*out` filled.
std::optional<HttpResponse> PrometheusApi::ParseQueryParams(const FormValues& form,
                                                            QueryParams* out) const {
  auto limit = LimitParam(form);
  if (!limit.ok()) return ApiError(ErrorType::kBadData, limit.status().message());
  out->limit = *limit;
  auto timeout = QueryTimeout(form, settings_.query.timeout_ms);
  if (!timeout.ok()) return BadParam("timeout", timeout.status().message());
  out->ctx = promql::QueryContext::WithTimeout(*timeout);
  if (form.Has("lookback_delta") && !form.Get("lookback_delta").empty()) {
    auto d = ParseApiDuration(form.Get("lookback_delta"));
    if (!d.ok()) return BadParam("lookback_delta", d.status().message());
    if (*d < 0) return BadParam("lookback_delta", "lookback delta must not be negative");
    out->ctx.lookback_delta_ms = *d;
  }
  auto expr = promql::ParseExpr(form.Get("query"), ParseOptions());
  if (!expr.ok()) return BadParam("query", expr.status().message());
  out->expr = std::move(expr).value();
  return std::nullopt;
}

namespace {

// Results with more samples than this are streamed rather than encoded whole: their JSON (about
// 20-35 bytes a sample) would be megabytes, and a range query's can be hundreds.
constexpr size_t kStreamedResultSamples = 64 * 1024;

size_t SampleCount(const promql::QueryResult& result) {
  if (result.type == promql::ValueType::kVector) return result.vector.size();
  size_t n = 0;
  if (result.type == promql::ValueType::kMatrix) {
    for (const auto& series : result.matrix) n += series.floats.size();
  }
  return n;
}

// The success response of an evaluated query, cut to `limit` series.
HttpResponse QueryResponse(Result<promql::QueryResult> result, size_t limit) {
  if (!result.ok()) return ApiError(QueryErrorType(result.status()), result.status().message());
  std::vector<std::string> warnings = result->annotations.warnings;
  LimitResult(&*result, limit, &warnings);
  const bool stream = SampleCount(*result) > kStreamedResultSamples;
  std::vector<std::string> infos = result->annotations.infos;
  auto shared = std::make_shared<const promql::QueryResult>(std::move(result).value());
  return SuccessOf(
      stream,
      [shared](std::string* out, const std::function<bool(std::string*)>& flush) {
        AppendJsonQueryData(out, *shared, flush);
      },
      std::move(warnings), std::move(infos));
}

}  // namespace

HttpResponse PrometheusApi::Query(const HttpRequest& request, const FormValues& form) {
  auto t = TimeParam(form, "time", NowMs());
  if (!t.ok()) return BadParam("time", t.status().message());
  QueryParams params;
  if (auto error = ParseQueryParams(form, &params)) return *error;
  return InSlot(params, [&] {
    ClientWatcher watcher(request.socket_fd);
    params.ctx.cancelled = watcher.flag();
    return QueryResponse(query_engine_.Instant(*engine_, *params.expr, *t, params.ctx),
                         params.limit);
  });
}

HttpResponse PrometheusApi::QueryRange(const HttpRequest& request, const FormValues& form) {
  auto start = ParseApiTime(form.Get("start"));
  if (!start.ok()) return BadParam("start", start.status().message());
  auto end = ParseApiTime(form.Get("end"));
  if (!end.ok()) return BadParam("end", end.status().message());
  if (*end < *start) return BadParam("end", "end timestamp must not be before start time");
  auto step = ParseApiDuration(form.Get("step"));
  if (!step.ok()) return BadParam("step", step.status().message());
  if (*step <= 0) {
    return BadParam("step",
                    "zero or negative query resolution step widths are not accepted. Try a "
                    "positive integer");
  }
  // Prometheus' guard against a result no graph can show.
  if ((*end - *start) / *step > settings_.query.max_points_per_series) {
    return ApiError(ErrorType::kBadData,
                    "exceeded maximum resolution of " +
                        std::to_string(settings_.query.max_points_per_series) +
                        " points per timeseries. Try decreasing the query resolution (?step=XX)");
  }
  QueryParams params;
  if (auto error = ParseQueryParams(form, &params)) return *error;
  const promql::ValueType type = params.expr->type();
  if (type != promql::ValueType::kScalar && type != promql::ValueType::kVector) {
    return ApiError(ErrorType::kBadData,
                    "invalid expression type \"" + std::string(promql::ValueTypeName(type)) +
                        "\" for range query, must be Scalar or instant Vector");
  }
  return InSlot(params, [&] {
    ClientWatcher watcher(request.socket_fd);
    params.ctx.cancelled = watcher.flag();
    return QueryResponse(
        query_engine_.Range(*engine_, *params.expr, *start, *end, *step, params.ctx), params.limit);
  });
}

}  // namespace tidemark::server
