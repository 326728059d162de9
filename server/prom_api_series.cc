// The series metadata endpoints of the Prometheus API: series, labels, label values, metadata,
// query_exemplars.
#include <map>
#include <memory>
#include <set>

#include "query/parser.h"
#include "server/api_response.h"
#include "server/prom_api.h"
#include "server/prom_json.h"
#include "util/utf8.h"

namespace tidemark::server {
namespace {

using promql::Expr;
using promql::ExprKind;

void WalkSelectors(const Expr& e, std::vector<const promql::VectorSelector*>* out) {
  switch (e.kind) {
    case ExprKind::kVectorSelector:
      out->push_back(static_cast<const promql::VectorSelector*>(&e));
      break;
    case ExprKind::kMatrixSelector:
      WalkSelectors(*static_cast<const promql::MatrixSelector&>(e).selector, out);
      break;
    case ExprKind::kSubquery:
      WalkSelectors(*static_cast<const promql::SubqueryExpr&>(e).expr, out);
      break;
    case ExprKind::kParen:
      WalkSelectors(*static_cast<const promql::ParenExpr&>(e).expr, out);
      break;
    case ExprKind::kUnary:
      WalkSelectors(*static_cast<const promql::UnaryExpr&>(e).expr, out);
      break;
    case ExprKind::kBinary: {
      const auto& b = static_cast<const promql::BinaryExpr&>(e);
      WalkSelectors(*b.lhs, out);
      WalkSelectors(*b.rhs, out);
      break;
    }
    case ExprKind::kAggregate: {
      const auto& a = static_cast<const promql::AggregateExpr&>(e);
      if (a.param) WalkSelectors(*a.param, out);
      WalkSelectors(*a.expr, out);
      break;
    }
    case ExprKind::kCall:
      for (const auto& arg : static_cast<const promql::Call&>(e).args) WalkSelectors(*arg, out);
      break;
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
      break;
  }
}

// A sorted list of names or values, cut to `limit` with Prometheus' warning.
HttpResponse StringListResponse(const std::set<std::string>& items, size_t limit) {
  std::vector<std::string> out(items.begin(), items.end());
  std::vector<std::string> warnings;
  if (limit != 0 && out.size() > limit) {
    out.resize(limit);
    warnings.push_back("results truncated due to limit");
  }
  std::string data;
  AppendStringArray(&data, out);
  return Success(data, warnings);
}

}  // namespace

ReadOptions PrometheusApi::MetadataReadOptions() const {
  // Metadata reads are bounded by the query timeout too (Prometheus bounds them by its request
  // context).
  ReadOptions options;
  options.deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.query.timeout_ms);
  return options;
}

HttpResponse PrometheusApi::Series(const FormValues& form) {
  if (form.All("match[]").empty())
    return ApiError(ErrorType::kBadData, "no match[] parameter provided");
  Selection sel;
  if (auto error = ParseSelection(form, &sel)) return *error;
  std::set<tidemark::Labels> all;
  for (const auto& matchers : sel.sets) {
    // One more than the limit tells whether the result was cut.
    ReadOptions options = MetadataReadOptions();
    options.limit = sel.limit == 0 ? 0 : sel.limit + 1;
    auto series = engine_->Series(options, matchers, sel.start, sel.end);
    if (!series.ok()) return StorageError(series.status());
    all.insert(series->begin(), series->end());
  }
  std::vector<std::string> warnings;
  size_t count = all.size();
  if (sel.limit != 0 && count > sel.limit) {
    count = sel.limit;
    warnings.push_back("results truncated due to limit");
  }
  // Past 10,000 series (about 1 MB of JSON) the answer is streamed while it is encoded.
  const bool stream = count > 10'000;
  auto shared = std::make_shared<const std::set<tidemark::Labels>>(std::move(all));
  return SuccessOf(
      stream,
      [shared, count](std::string* out, const std::function<bool(std::string*)>& flush) {
        out->push_back('[');
        size_t n = 0;
        for (const auto& labels : *shared) {
          if (n == count) break;
          if (n++) out->push_back(',');
          AppendJsonLabels(out, labels);
          if (!flush(out)) return;
        }
        out->push_back(']');
      },
      std::move(warnings));
}

HttpResponse PrometheusApi::Labels(const FormValues& form) {
  Selection sel;
  if (auto error = ParseSelection(form, &sel)) return *error;
  if (sel.sets.empty()) sel.sets.push_back({});
  std::set<std::string> names;
  for (const auto& matchers : sel.sets) {
    auto got = engine_->LabelNames(MetadataReadOptions(), matchers, sel.start, sel.end);
    if (!got.ok()) return StorageError(got.status());
    names.insert(got->begin(), got->end());
  }
  return StringListResponse(names, sel.limit);
}

HttpResponse PrometheusApi::LabelValues(const std::string& raw_name, const FormValues& form) {
  auto name = UnescapeLabelName(raw_name);
  if (!name.ok()) return ApiError(ErrorType::kBadData, name.status().message());
  if (name->empty() || !util::IsValidUtf8(*name)) {
    std::string quoted;
    AppendJsonString(&quoted, *name);
    return ApiError(ErrorType::kBadData, "invalid label name: " + quoted);
  }
  Selection sel;
  if (auto error = ParseSelection(form, &sel)) return *error;
  if (sel.sets.empty()) sel.sets.push_back({});
  std::set<std::string> values;
  for (const auto& matchers : sel.sets) {
    auto got = engine_->LabelValues(MetadataReadOptions(), *name, matchers, sel.start, sel.end);
    if (!got.ok()) return StorageError(got.status());
    values.insert(got->begin(), got->end());
  }
  return StringListResponse(values, sel.limit);
}

HttpResponse PrometheusApi::Metadata(const FormValues& form) {
  // Prometheus: limit and limit_per_metric are integers, negative meaning "no limit".
  auto int_param = [&](const std::string& name, int64_t* out) -> bool {
    const std::string v = form.Get(name);
    *out = -1;
    if (v.empty()) return true;
    char* end = nullptr;
    errno = 0;
    *out = std::strtoll(v.c_str(), &end, 10);
    return errno == 0 && end == v.c_str() + v.size();
  };
  int64_t limit, per_metric;
  if (!int_param("limit", &limit)) return ApiError(ErrorType::kBadData, "limit must be a number");
  if (!int_param("limit_per_metric", &per_metric))
    return ApiError(ErrorType::kBadData, "limit_per_metric must be a number");
  if (limit == 0) return Success("{}");
  // Negative: no limit, which the engine spells 0.
  auto md = engine_->GetMetricMetadata(form.Get("metric"), limit < 0 ? 0 : size_t(limit));
  if (!md.ok()) return StorageError(md.status());
  std::string data = "{";
  bool first = true;
  for (const auto& [name, m] : *md) {
    if (!first) data.push_back(',');
    first = false;
    AppendJsonString(&data, name);
    data += ":[";
    if (per_metric != 0) {
      data += "{\"type\":";
      AppendJsonString(&data, m.type);
      data += ",\"help\":";
      AppendJsonString(&data, m.help);
      data += ",\"unit\":";
      AppendJsonString(&data, m.unit);
      data += "}";
    }
    data += "]";
  }
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::QueryExemplars(const FormValues& form) {
  auto start = TimeParam(form, "start", kMinTimeMs);
  if (!start.ok()) return BadParam("start", start.status().message());
  auto end = TimeParam(form, "end", kMaxTimeMs);
  if (!end.ok()) return BadParam("end", end.status().message());
  if (*end < *start) return BadParam("end", "end timestamp must not be before start timestamp");
  auto expr = promql::ParseExpr(form.Get("query"), ParseOptions());
  if (!expr.ok()) return BadParam("query", expr.status().message());
  const ReadOptions exemplar_options = MetadataReadOptions();
  std::vector<const promql::VectorSelector*> selectors;
  WalkSelectors(**expr, &selectors);
  std::map<tidemark::Labels, std::vector<Exemplar>> by_series;
  for (const auto* vs : selectors) {
    if (Status s = exemplar_options.Check(); !s.ok()) return StorageError(s);
    auto got = engine_->SelectExemplars(vs->matchers, *start, *end);
    if (!got.ok()) return StorageError(got.status());
    for (auto& se : *got) {
      auto& dst = by_series[se.series];
      if (dst.empty()) dst = std::move(se.exemplars);  // two selectors of one series: once
    }
  }
  std::string data = "[";
  bool first = true;
  for (const auto& [series, exemplars] : by_series) {
    if (!first) data.push_back(',');
    first = false;
    data += "{\"seriesLabels\":";
    AppendJsonLabels(&data, series);
    data += ",\"exemplars\":[";
    for (size_t i = 0; i < exemplars.size(); ++i) {
      if (i) data.push_back(',');
      data += "{\"labels\":";
      AppendJsonLabels(&data, exemplars[i].labels);
      data += ",\"value\":";
      AppendJsonSampleValue(&data, exemplars[i].value);
      data += ",\"timestamp\":";
      AppendJsonTimestamp(&data, exemplars[i].timestamp_ms);
      data += "}";
    }
    data += "]}";
  }
  data += "]";
  return Success(data);
}

}  // namespace tidemark::server
