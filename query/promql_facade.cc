// The embedding facade of include/tidemark/promql.h over the parser and evaluator.
#include "query/engine.h"
#include "query/parser.h"
#include "tidemark/promql.h"

namespace tidemark {
namespace {

promql::ParseOptions ParseOptionsOf(const PromQLOptions& o) {
  promql::ParseOptions p;
  p.enable_experimental_functions = o.experimental_functions;
  p.enable_duration_expressions = o.duration_expressions;
  return p;
}

promql::QueryEngine EngineOf(const PromQLOptions& o) {
  promql::EngineOptions e;
  e.lookback_delta_ms = o.lookback_delta_ms;
  e.max_samples = o.max_samples;
  e.max_result_points = o.max_result_points;
  e.max_bytes_per_query = o.max_bytes_per_query;
  e.default_subquery_step_ms = o.default_subquery_step_ms;
  e.delayed_name_removal = false;  // as Prometheus' server
  return promql::QueryEngine(e);
}

promql::QueryContext ContextOf(const PromQLOptions& o) {
  promql::QueryContext ctx = promql::QueryContext::WithTimeout(o.timeout);
  ctx.cancelled = o.cancelled;
  return ctx;
}

PromQLResult Convert(promql::QueryResult r) {
  PromQLResult out;
  out.warnings = std::move(r.annotations.warnings);
  out.infos = std::move(r.annotations.infos);
  switch (r.type) {
    case promql::ValueType::kScalar:
      out.type = PromQLValueType::kScalar;
      out.scalar = {r.scalar_t, r.scalar};
      break;
    case promql::ValueType::kString:
      out.type = PromQLValueType::kString;
      out.string_value = std::move(r.string_value);
      break;
    case promql::ValueType::kMatrix:
      out.type = PromQLValueType::kMatrix;
      for (promql::Series& s : r.matrix) {
        PromQLSeries series{std::move(s.metric), {}};
        series.points.reserve(s.floats.size());
        for (const promql::FPoint& p : s.floats) series.points.push_back({p.t, p.f});
        out.series.push_back(std::move(series));
      }
      break;
    default:
      out.type = PromQLValueType::kVector;
      for (promql::VectorSample& s : r.vector)
        out.series.push_back({std::move(s.metric), {{s.t, s.f}}});
      break;
  }
  return out;
}

}  // namespace

Status CheckPromQL(std::string_view query, const PromQLOptions& options) {
  return promql::ParseExpr(query, ParseOptionsOf(options)).status();
}

Result<std::string> FormatPromQL(std::string_view query, const PromQLOptions& options) {
  auto expr = promql::ParseExpr(query, ParseOptionsOf(options));
  if (!expr.ok()) return expr.status();
  return promql::PrettyExpr(**expr);
}

Result<PromQLResult> EvaluateInstant(SampleQuerier& storage, std::string_view query,
                                     int64_t time_ms, const PromQLOptions& options) {
  auto expr = promql::ParseExpr(query, ParseOptionsOf(options));
  if (!expr.ok()) return expr.status();
  auto r = EngineOf(options).Instant(storage, **expr, time_ms, ContextOf(options));
  if (!r.ok()) return r.status();
  return Convert(std::move(r).value());
}

Result<PromQLResult> EvaluateRange(SampleQuerier& storage, std::string_view query, int64_t start_ms,
                                   int64_t end_ms, int64_t step_ms, const PromQLOptions& options) {
  if (step_ms <= 0) return Status::InvalidArgument("step must be positive");
  auto expr = promql::ParseExpr(query, ParseOptionsOf(options));
  if (!expr.ok()) return expr.status();
  auto r = EngineOf(options).Range(storage, **expr, start_ms, end_ms, step_ms, ContextOf(options));
  if (!r.ok()) return r.status();
  return Convert(std::move(r).value());
}

}  // namespace tidemark
