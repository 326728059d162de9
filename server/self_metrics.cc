#include "server/self_metrics.h"

#include <charconv>
#include <cstring>

#include "util/process_stats.h"

namespace tidemark::server {
namespace {

constexpr std::string_view kLatencyFamily = "tidemark_http_request_duration_seconds";

std::string Num(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

}  // namespace

void SelfMetrics::ObserveRequest(const std::string& handler, int status, double seconds) {
  std::lock_guard lock(mu_);
  Histogram& h = latency_[{handler, std::to_string(status / 100) + "xx"}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void SelfMetrics::AddSamples(const std::string& protocol, uint64_t accepted,
                             const CommitReport& report) {
  std::lock_guard lock(mu_);
  samples_[protocol] += accepted;
  for (int r = 0; r < kRejectReasonCount; ++r) {
    if (report.rejected_by_reason[r]) {
      rejected_[{"sample", std::string(RejectReasonName(static_cast<RejectReason>(r)))}] +=
          report.rejected_by_reason[r];
    }
  }
}

void SelfMetrics::AddSpans(const std::string& protocol, uint64_t accepted,
                           const SpanAppendReport& report) {
  std::lock_guard lock(mu_);
  spans_[protocol] += accepted;
  for (int r = 0; r < kSpanRejectReasonCount; ++r) {
    if (report.rejected_by_reason[r])
      rejected_[{"span", std::string(SpanRejectReasonName(static_cast<SpanRejectReason>(r)))}] +=
          report.rejected_by_reason[r];
  }
}

void SelfMetrics::AddRejectedDataPoints(const std::string& protocol, uint64_t n) {
  std::lock_guard lock(mu_);
  rejected_[{"otlp_data_point", "untranslatable"}] += n;
}

void SelfMetrics::AddSource(Source source) {
  std::lock_guard lock(mu_);
  sources_.push_back(std::move(source));
}

std::vector<std::pair<Labels, double>> SelfMetrics::Collect(Engine& engine) {
  std::vector<std::pair<Labels, double>> out;
  auto add = [&](std::string name, std::vector<Label> labels, double v) {
    labels.push_back({"__name__", std::move(name)});
    out.emplace_back(Labels(std::move(labels)), v);
  };
  {
    std::lock_guard lock(mu_);
    for (const auto& [protocol, n] : samples_)
      add("tidemark_samples_ingested_total", {{"protocol", protocol}}, double(n));
    for (const auto& [protocol, n] : spans_)
      add("tidemark_spans_ingested_total", {{"protocol", protocol}}, double(n));
    for (const auto& [key, n] : rejected_) {
      add("tidemark_rejected_total", {{"kind", key.first}, {"reason", key.second}}, double(n));
    }
    for (const auto& [key, h] : latency_) {
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        add(std::string(kLatencyFamily) + "_bucket",
            {{"handler", key.first}, {"code", key.second}, {"le", Num(kBuckets[i])}},
            double(h.buckets[i]));
      }
      add(std::string(kLatencyFamily) + "_bucket",
          {{"handler", key.first}, {"code", key.second}, {"le", "+Inf"}}, double(h.count));
      add(std::string(kLatencyFamily) + "_sum", {{"handler", key.first}, {"code", key.second}},
          h.sum);
      add(std::string(kLatencyFamily) + "_count", {{"handler", key.first}, {"code", key.second}},
          double(h.count));
    }
  }
  std::vector<Source> sources;
  {
    std::lock_guard lock(mu_);
    sources = sources_;
  }
  for (const Source& source : sources) {
    for (auto& series : source()) out.push_back(std::move(series));
  }
  const EngineStats st = engine.Stats();
  add("tidemark_head_series", {}, double(st.head_series));
  add("tidemark_head_samples", {}, double(st.head_samples));
  add("tidemark_head_memory_bytes", {}, double(st.head_memory_bytes));
  add("tidemark_selection_cache_requests_total", {{"result", "hit"}},
      double(st.selection_cache_hits));
  add("tidemark_selection_cache_requests_total", {{"result", "miss"}},
      double(st.selection_cache_misses));
  add("tidemark_selection_cache_bytes", {}, double(st.selection_cache_bytes));
  add("tidemark_wal_bytes", {}, double(st.wal_bytes));
  add("tidemark_disk_bytes", {{"data", "samples"}}, double(st.segment_bytes));
  add("tidemark_disk_bytes", {{"data", "spans"}}, double(st.span_bytes));
  add("tidemark_spans_buffered", {}, double(st.spans_buffered));
  add("tidemark_checkpoints_total", {}, double(st.checkpoints));
  add("tidemark_partitions_dropped_total", {}, double(st.partitions_dropped));
  // 1 while background work (checkpoints, retention, span segments) is failing; the log and
  // /-/ready say why.
  add("tidemark_background_error", {}, st.background_error ? 1 : 0);
  // Prometheus' process collector's series, which dashboards and tidemark-bench read. Without
  // /proc (not Linux, not mounted) they are absent, as client_golang leaves them out.
  if (auto p = util::ReadProcessStats(); p.ok()) {
    add("process_cpu_seconds_total", {}, p->cpu_seconds);
    add("process_resident_memory_bytes", {}, double(p->resident_bytes));
    add("process_virtual_memory_bytes", {}, double(p->virtual_bytes));
    add("process_start_time_seconds", {}, p->start_time_seconds);
    add("process_open_fds", {}, double(p->open_fds));
    if (p->max_fds > 0) add("process_max_fds", {}, double(p->max_fds));
  }
  return out;
}

std::string SelfMetrics::RenderText(Engine& engine) {
  std::string out;
  std::string last_family;
  for (const auto& [labels, value] : Collect(engine)) {
    std::string name(labels.Get("__name__"));
    // A histogram's series share its family name; the rest are their own family.
    std::string family = name;
    const bool histogram = name.starts_with(kLatencyFamily);
    if (histogram) family = kLatencyFamily;
    if (family != last_family) {
      const char* type = histogram                    ? " histogram\n"
                         : family.ends_with("_total") ? " counter\n"
                                                      : " gauge\n";
      out += "# TYPE " + family + type;
      last_family = family;
    }
    out += name;
    bool first = true;
    for (const Label& l : labels) {
      if (l.name == "__name__") continue;
      out += first ? "{" : ",";
      first = false;
      // The text format's escapes: a rule group's file path may hold any of them.
      out += l.name + "=\"";
      for (char ch : l.value) {
        if (ch == '\\' || ch == '"') out += '\\';
        if (ch == '\n') {
          out += "\\n";
          continue;
        }
        out += ch;
      }
      out += "\"";
    }
    if (!first) out += "}";
    out += " " + Num(value) + "\n";
  }
  return out;
}

}  // namespace tidemark::server
