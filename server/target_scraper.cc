#include "server/target_scraper.h"

#include <algorithm>
#include <utility>

#include "ingest/relabel.h"
#include "tidemark/querier.h"
#include "util/status_macros.h"

namespace tidemark::server {
namespace {

constexpr std::string_view kExportedPrefix = "exported_";

// The report series, in the order of TargetScraper::report_refs_.
constexpr std::string_view kReportNames[] = {
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
};

std::string Truncate(std::string_view s, size_t n) { return std::string(s.substr(0, n)); }

Labels WithName(const Labels& labels, std::string_view name) {
  std::vector<Label> out = labels.items();
  out.push_back({std::string(kMetricNameLabel), std::string(name)});
  return Labels(std::move(out));
}

// The scraped labels with the target's, as Prometheus' mutateSampleLabels: with honor_labels
// the page wins; otherwise the target wins and a scraped value it displaces moves to
// exported_<name> (exported_exported_<name> if that is taken, ...), shortest names first.
Labels MergeTargetLabels(const Labels& scraped, const Labels& target, bool honor_labels) {
  std::vector<Label> out = scraped.items();
  auto find = [&out](std::string_view name) {
    return std::find_if(out.begin(), out.end(), [name](const Label& l) { return l.name == name; });
  };
  if (honor_labels) {
    for (const Label& t : target) {
      if (find(t.name) == out.end()) out.push_back(t);
    }
    return Labels(std::move(out));
  }
  std::vector<Label> conflicts;
  for (const Label& t : target) {
    auto it = find(t.name);
    if (it != out.end()) {
      if (!it->value.empty()) conflicts.push_back(*it);
      it->value = t.value;
    } else {
      out.push_back(t);
    }
  }
  std::stable_sort(conflicts.begin(), conflicts.end(),
                   [](const Label& a, const Label& b) { return a.name.size() < b.name.size(); });
  for (const Label& c : conflicts) {
    std::string name = c.name;
    while (true) {
      name.insert(0, kExportedPrefix);
      auto it = find(name);
      if (it == out.end() || it->value.empty()) {
        if (it == out.end()) {
          out.push_back({name, c.value});
        } else {
          it->value = c.value;
        }
        break;
      }
    }
  }
  return Labels(std::move(out));
}

}  // namespace

TargetScraper::TargetScraper(Engine* engine, std::shared_ptr<const ScrapeConfig> config,
                             Labels target_labels)
    : engine_(engine),
      config_(std::move(config)),
      target_labels_(std::move(target_labels)),
      appender_(engine->NewAppender()) {}

Status TargetScraper::MakeLabels(const ingest::ExpositionParser& parser, Labels* out,
                                 bool* dropped) const {
  Labels scraped;
  parser.labels(&scraped);
  for (size_t i = 1; i < scraped.size(); ++i) {
    if (scraped.items()[i].name == scraped.items()[i - 1].name) {
      return Status::InvalidArgument("line " + std::to_string(parser.line()) + ": series " +
                                     std::string(parser.series()) + " has the label " +
                                     scraped.items()[i].name + " twice");
    }
  }
  Labels merged = MergeTargetLabels(scraped, target_labels_, config_->honor_labels);
  Labels relabeled;
  if (!ingest::Relabel(merged, config_->metric_relabel_configs, &relabeled) || relabeled.empty()) {
    *dropped = true;
    return Status::OK();
  }
  const std::string_view metric = relabeled.Get(kMetricNameLabel);
  if (config_->label_limit > 0 && relabeled.size() > config_->label_limit) {
    return Status::InvalidArgument("label_limit exceeded (metric: " + Truncate(metric, 50) +
                                   ", number of labels: " + std::to_string(relabeled.size()) +
                                   ", limit: " + std::to_string(config_->label_limit) + ")");
  }
  for (const Label& l : relabeled) {
    if (config_->label_name_length_limit > 0 && l.name.size() > config_->label_name_length_limit) {
      return Status::InvalidArgument(
          "label_name_length_limit exceeded (metric: " + Truncate(metric, 50) +
          ", label name: " + Truncate(l.name, 50) + ", length: " + std::to_string(l.name.size()) +
          ", limit: " + std::to_string(config_->label_name_length_limit) + ")");
    }
    if (config_->label_value_length_limit > 0 &&
        l.value.size() > config_->label_value_length_limit) {
      return Status::InvalidArgument(
          "label_value_length_limit exceeded (metric: " + Truncate(metric, 50) +
          ", label name: " + Truncate(l.name, 50) + ", value: \"" + Truncate(l.value, 50) +
          "\", length: " + std::to_string(l.value.size()) +
          ", limit: " + std::to_string(config_->label_value_length_limit) + ")");
    }
  }
  *out = std::move(relabeled);
  *dropped = false;
  return Status::OK();
}

Status TargetScraper::AppendSamples(std::string_view page, ingest::ExpositionFormat format,
                                    int64_t timestamp_ms, Appender* appender, ScrapeResult* result,
                                    std::vector<ExemplarWrite>* exemplars,
                                    std::map<std::string, MetricMetadata, std::less<>>* metadata) {
  ingest::ExpositionParser parser(format, page);
  auto family = [metadata](std::string_view name) -> MetricMetadata& {
    auto it = metadata->find(name);
    if (it == metadata->end()) it = metadata->emplace(std::string(name), MetricMetadata{}).first;
    return it->second;
  };
  while (true) {
    TM_ASSIGN_OR_RETURN(ingest::ExpositionEntry kind, parser.Next());
    switch (kind) {
      case ingest::ExpositionEntry::kEnd:
        return Status::OK();
      case ingest::ExpositionEntry::kComment:
        continue;
      case ingest::ExpositionEntry::kHelp:
        family(parser.family()).help = parser.text();
        continue;
      case ingest::ExpositionEntry::kUnit:
        family(parser.family()).unit = parser.text();
        continue;
      case ingest::ExpositionEntry::kType:
        // The text format's "untyped" is OpenMetrics' and Prometheus' metadata "unknown".
        family(parser.family()).type =
            parser.text() == "untyped" ? std::string("unknown") : std::string(parser.text());
        continue;
      case ingest::ExpositionEntry::kSeries:
        break;
    }
    ++result->samples_scraped;
    auto it = cache_.find(parser.series());
    const bool inserted = it == cache_.end();
    if (inserted) it = cache_.emplace(std::string(parser.series()), Entry{}).first;
    Entry& entry = it->second;
    // The labels are made when the series is new and, rarely, when they are needed again (the
    // engine forgot the ref, an exemplar): a cache of a million series does not hold them.
    Labels labels;
    if (inserted) {
      Status made = MakeLabels(parser, &labels, &entry.dropped);
      if (!made.ok()) {
        cache_.erase(it);
        return made;
      }
    } else if (entry.last_iteration == iteration_) {
      return Status::InvalidArgument("line " + std::to_string(parser.line()) +
                                     ": duplicate series " + std::string(parser.series()) +
                                     " (it is on the page twice)");
    }
    entry.last_iteration = iteration_;
    if (entry.dropped) continue;
    ++result->samples_post_relabel;
    if (config_->sample_limit > 0 && result->samples_post_relabel > config_->sample_limit) {
      return Status::ResourceExhausted("sample limit exceeded (limit " +
                                       std::to_string(config_->sample_limit) + ")");
    }
    const std::optional<int64_t> own_time =
        config_->honor_timestamps ? parser.timestamp_ms() : std::nullopt;
    const int64_t t = own_time.value_or(timestamp_ms);
    SeriesRef ref = entry.ref != 0 ? appender->TryAdd(entry.ref, t, parser.value()) : 0;
    if (ref == 0) {
      if (entry.ref == 0) ++result->series_added;
      if (labels.empty()) TM_RETURN_IF_ERROR(MakeLabels(parser, &labels, &entry.dropped));
      ref = appender->Add(labels, t, parser.value());
    }
    entry.ref = ref;
    if (ref != 0 && (!own_time || config_->track_timestamps_staleness)) current_.insert(ref);
    Exemplar exemplar;
    if (parser.exemplar(&exemplar)) {
      if (exemplar.timestamp_ms == 0) exemplar.timestamp_ms = t;
      if (labels.empty()) TM_RETURN_IF_ERROR(MakeLabels(parser, &labels, &entry.dropped));
      exemplars->push_back({std::move(labels), std::move(exemplar)});
    }
  }
}

void TargetScraper::AddStaleMarkers(int64_t timestamp_ms, Appender* appender) {
  for (SeriesRef ref : previous_) {
    // A series the engine no longer has (deleted, expired) needs no marker.
    if (!current_.contains(ref)) appender->TryAdd(ref, timestamp_ms, StaleMarker());
  }
}

void TargetScraper::AddReport(int64_t timestamp_ms, double duration_seconds,
                              const ScrapeResult& result, Appender* appender) {
  const double values[] = {
      result.error.ok() ? 1.0 : 0.0,
      duration_seconds,
      static_cast<double>(result.samples_scraped),
      static_cast<double>(result.samples_post_relabel),
      static_cast<double>(result.series_added),
  };
  for (size_t i = 0; i < std::size(kReportNames); ++i) {
    SeriesRef& ref = report_refs_[i];
    if (ref != 0) ref = appender->TryAdd(ref, timestamp_ms, values[i]);
    if (ref == 0)
      ref = appender->Add(WithName(target_labels_, kReportNames[i]), timestamp_ms, values[i]);
  }
  reported_ = true;
}

void TargetScraper::EndIteration() {
  previous_.swap(current_);
  current_.clear();
  ++iteration_;
  // Entries not seen for a while go.
  if (iteration_ % kCacheIterations == 0) {
    std::erase_if(cache_, [this](const auto& kv) {
      return kv.second.last_iteration + kCacheIterations < iteration_;
    });
  }
}

Status TargetScraper::Commit(Appender* appender, ScrapeResult* result) {
  // Written to the log and visible at once, made durable by the log's next sync (kill -9 loses
  // nothing; power loss the last moments), as Prometheus' own log is not synced per scrape: a
  // scrape is acknowledged to no one, and a sync per scrape would queue a thousand targets'
  // scrapes behind the disk and the OTLP and remote_write commits that do wait for it.
  Result<CommitReport> committed = appender->CommitUnsynced();
  if (!committed.ok()) return committed.status();
  result->samples_rejected += committed->rejected;
  return Status::OK();
}

ScrapeResult TargetScraper::AppendPage(std::string_view page, ingest::ExpositionFormat format,
                                       int64_t timestamp_ms, double duration_seconds) {
  ScrapeResult result;
  std::vector<ExemplarWrite> exemplars;
  std::map<std::string, MetricMetadata, std::less<>> metadata;
  Status appended =
      AppendSamples(page, format, timestamp_ms, appender_.get(), &result, &exemplars, &metadata);
  if (!appended.ok()) {
    // Nothing of the page is stored; what the counts say is what was read before the error.
    appender_->Rollback();
    result.error = std::move(appended);
    return EndFailed(std::move(result), timestamp_ms, duration_seconds);
  }
  AddStaleMarkers(timestamp_ms, appender_.get());
  AddReport(timestamp_ms, duration_seconds, result, appender_.get());
  result.error = Commit(appender_.get(), &result);
  if (!result.error.ok()) {
    // The engine refused the whole batch (closed, log write failed): as if the page never came.
    current_.clear();
    EndIteration();
    return result;
  }
  EndIteration();
  if (!exemplars.empty()) {
    Result<ExemplarAppendReport> stored = engine_->AppendExemplars(exemplars);
    result.exemplars_rejected = stored.ok() ? stored->rejected : exemplars.size();
  }
  std::lock_guard lock(metadata_mu_);
  for (auto it = metadata.begin(); it != metadata.end();) {
    auto known = metadata_.find(it->first);
    if ((known != metadata_.end() && known->second == it->second) ||
        engine_->SetMetricMetadata(it->first, it->second).ok()) {
      ++it;
      continue;
    }
    // The engine keeps the latest per family; a failure here loses only the description, and
    // the next scrape tries again (the entry is not recorded as written).
    it = metadata.erase(it);
  }
  metadata_ = std::move(metadata);
  return result;
}

ScrapeResult TargetScraper::AppendFailure(Status error, int64_t timestamp_ms,
                                          double duration_seconds) {
  ScrapeResult result;
  result.error = std::move(error);
  return EndFailed(std::move(result), timestamp_ms, duration_seconds);
}

ScrapeResult TargetScraper::EndFailed(ScrapeResult result, int64_t timestamp_ms,
                                      double duration_seconds) {
  current_.clear();
  AddStaleMarkers(timestamp_ms, appender_.get());
  AddReport(timestamp_ms, duration_seconds, result, appender_.get());
  Status committed = Commit(appender_.get(), &result);
  if (!committed.ok()) {
    result.error =
        Status(result.error.code(),
               result.error.message() + "; storing the report failed: " + committed.ToString());
  }
  EndIteration();
  return result;
}

Status TargetScraper::WriteStaleMarkers(int64_t timestamp_ms) {
  current_.clear();
  AddStaleMarkers(timestamp_ms, appender_.get());
  if (reported_) {
    for (size_t i = 0; i < std::size(kReportNames); ++i) {
      SeriesRef ref = report_refs_[i];
      if (ref == 0 || appender_->TryAdd(ref, timestamp_ms, StaleMarker()) == 0) {
        appender_->Add(WithName(target_labels_, kReportNames[i]), timestamp_ms, StaleMarker());
      }
    }
    reported_ = false;
  }
  ScrapeResult ignored;
  Status s = Commit(appender_.get(), &ignored);
  EndIteration();
  return s;
}

std::vector<FamilyMetadata> TargetScraper::Metadata() const {
  std::lock_guard lock(metadata_mu_);
  std::vector<FamilyMetadata> out;
  out.reserve(metadata_.size());
  for (const auto& [name, m] : metadata_) out.push_back({name, m});
  return out;
}

}  // namespace tidemark::server
