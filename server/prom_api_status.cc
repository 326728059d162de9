// The Prometheus API's status, formatting and admin endpoints, and the empty answers of those
// that belong to features not built yet.
#include <filesystem>
#include <thread>

#include "query/parser.h"
#include "server/api_response.h"
#include "server/prom_api.h"
#include "server/prom_json.h"
#include "tidemark/version.h"

namespace tidemark::server {

HttpResponse PrometheusApi::FormatQuery(const FormValues& form) {
  auto expr = promql::ParseExpr(form.Get("query"), ParseOptions());
  if (!expr.ok()) return BadParam("query", expr.status().message());
  std::string data;
  AppendJsonString(&data, promql::PrettyExpr(**expr));
  return Success(data);
}

HttpResponse PrometheusApi::ParseQuery(const FormValues& form) {
  auto expr = promql::ParseExpr(form.Get("query"), ParseOptions());
  if (!expr.ok()) return BadParam("query", expr.status().message());
  std::string data;
  AppendAstJson(&data, **expr);
  return Success(data);
}

HttpResponse PrometheusApi::BuildInfo() {
  // Clients (Grafana) read `version` to decide which Prometheus features to use; tidemark
  // implements Prometheus 3's API, so it reports that, and its own version as the revision.
  std::string data = "{\"version\":\"3.0.0\",\"revision\":\"tidemark-";
  data += TIDEMARK_VERSION_STRING;
  data +=
      "\",\"branch\":\"main\",\"buildUser\":\"tidemark\",\"buildDate\":\"\",\"goVersion\":\"\","
      "\"application\":\"tidemark\"}";
  return Success(data);
}

HttpResponse PrometheusApi::RuntimeInfo() {
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string();
  std::string data = "{\"startTime\":";
  AppendJsonString(&data, FormatRfc3339(start_time_));
  data += ",\"CWD\":";
  AppendJsonString(&data, cwd);
  data += ",\"reloadConfigSuccess\":true,\"lastConfigTime\":";
  AppendJsonString(&data, FormatRfc3339(start_time_));
  data += ",\"corruptionCount\":0,\"goroutineCount\":0,\"GOMAXPROCS\":" +
          std::to_string(std::max(1u, std::thread::hardware_concurrency())) +
          ",\"GOMEMLIMIT\":0,\"GOGC\":\"\",\"GODEBUG\":\"\",\"storageRetention\":";
  AppendJsonString(&data, settings_.storage_retention);
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::Flags() {
  std::string data = "{";
  bool first = true;
  for (const auto& [k, v] : settings_.flags) {
    if (!first) data.push_back(',');
    first = false;
    AppendJsonString(&data, k);
    data.push_back(':');
    AppendJsonString(&data, v);
  }
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::Config() {
  std::string data = "{\"yaml\":";
  AppendJsonString(&data, settings_.config_yaml);
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::TsdbStatus(const FormValues& form) {
  size_t limit = 10;
  if (form.Has("limit")) {
    auto l = LimitParam(form);
    if (!l.ok() || *l == 0) return ApiError(ErrorType::kBadData, "limit must be a positive number");
    limit = *l;
  }
  auto hs = engine_->HeadStats(limit);
  if (!hs.ok()) return StorageError(hs.status());
  auto list = [](std::string* out, const std::vector<std::pair<std::string, uint64_t>>& items) {
    out->push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out->push_back(',');
      *out += "{\"name\":";
      AppendJsonString(out, items[i].first);
      *out += ",\"value\":" + std::to_string(items[i].second) + "}";
    }
    out->push_back(']');
  };
  std::string data = "{\"headStats\":{\"numSeries\":" + std::to_string(hs->num_series) +
                     ",\"numLabelPairs\":" + std::to_string(hs->num_label_pairs) +
                     ",\"chunkCount\":" + std::to_string(hs->chunk_count) +
                     ",\"minTime\":" + std::to_string(hs->min_time_ms) +
                     ",\"maxTime\":" + std::to_string(hs->max_time_ms) +
                     "},\"seriesCountByMetricName\":";
  list(&data, hs->series_count_by_metric_name);
  data += ",\"labelValueCountByLabelName\":";
  list(&data, hs->label_value_count_by_label_name);
  data += ",\"memoryInBytesByLabelName\":";
  list(&data, hs->memory_in_bytes_by_label_name);
  data += ",\"seriesCountByLabelValuePair\":";
  list(&data, hs->series_count_by_label_value_pair);
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::StorageStatus() {
  auto partitions = engine_->Partitions();
  if (!partitions.ok()) return StorageError(partitions.status());
  const EngineStats stats = engine_->Stats();
  auto field = [](std::string* out, const char* name, uint64_t value) {
    *out += ",\"";
    *out += name;
    *out += "\":" + std::to_string(value);
  };
  std::string data = "{\"retention\":";
  AppendJsonString(&data, settings_.storage_retention);
  data += ",\"spanRetention\":";
  AppendJsonString(&data, settings_.span_retention);
  data += ",\"head\":{\"series\":" + std::to_string(stats.head_series);
  field(&data, "chunks", stats.head_chunks);
  field(&data, "samples", stats.head_samples);
  field(&data, "memoryBytes", stats.head_memory_bytes);
  data += "}";
  field(&data, "walBytes", stats.wal_bytes);
  field(&data, "segmentBytes", stats.segment_bytes);
  field(&data, "samplesAppended", stats.samples_appended);
  field(&data, "exemplarsAppended", stats.exemplars_appended);
  field(&data, "spansAppended", stats.spans_appended);
  field(&data, "spanBytes", stats.span_bytes);
  uint64_t stored_samples = 0;
  data += ",\"partitions\":[";
  for (size_t i = 0; i < partitions->size(); ++i) {
    const PartitionInfo& p = (*partitions)[i];
    stored_samples += p.samples;
    if (i) data.push_back(',');
    data += "{\"start\":" + std::to_string(p.start_ms) + ",\"end\":" + std::to_string(p.end_ms);
    field(&data, "blocks", p.blocks);
    field(&data, "samples", p.samples);
    field(&data, "series", p.series);
    field(&data, "storedBytes", p.stored_bytes);
    data += "}";
  }
  data += "]";
  field(&data, "storedSamples", stored_samples);
  // On disk (RocksDB's compressed files) per sample moved out of the head; null until one has.
  data += ",\"bytesPerSample\":";
  data += stored_samples == 0
              ? std::string("null")
              : FormatSampleValue(static_cast<double>(stats.segment_bytes) / stored_samples);
  data += "}";
  return Success(data);
}

HttpResponse PrometheusApi::DeleteSeries(const FormValues& form) {
  if (form.All("match[]").empty())
    return ApiError(ErrorType::kBadData, "no match[] parameter provided");
  Selection sel;
  if (auto error = ParseSelection(form, &sel)) return *error;
  for (const auto& matchers : sel.sets) {
    auto deleted = engine_->DeleteSeries(matchers, sel.start, sel.end);
    if (!deleted.ok()) return StorageError(deleted.status());
  }
  HttpResponse r;
  r.status = 204;
  r.content_type = "application/json";
  return r;
}

}  // namespace tidemark::server
