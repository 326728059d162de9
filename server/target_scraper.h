// What one scrape of one target does once its page is fetched, without any scheduling or HTTP, so
// that tests drive it with their own pages and clocks (the scrape loop in scrape_manager.cc does
// the fetching and timing). As Prometheus' scrapeLoop.append and report:
//
//  - every sample line gets the target's labels (scraped labels renamed `exported_<name>` on a
//    clash, or winning with honor_labels), then metric_relabel_configs; a series dropped there is
//    counted but not stored;
//  - label limits, sample_limit, duplicate series (the same series twice on a page) and parse
//    errors fail the whole scrape: nothing of the page is stored, and the target's series of the
//    previous scrape get stale markers, as does a failed fetch;
//  - a series that was on the previous page and is not on this one gets a stale marker at this
//    scrape's time (not one with an explicit timestamp, unless track_timestamps_staleness);
//  - the report series up, scrape_duration_seconds, scrape_samples_scraped,
//    scrape_samples_post_metric_relabeling and scrape_series_added carry the target's labels;
//  - a scrape is written to the log without waiting for its sync (Appender::CommitUnsynced);
//  - # HELP, # TYPE and # UNIT are kept per target (/api/v1/targets/metadata) and stored as the
//    engine's metric metadata when they change; OpenMetrics exemplars are stored as exemplars.
//
// Series are cached by their text on the page, so an unchanged page costs a parse and a lookup per
// line; entries unseen for kCacheIterations scrapes are dropped.
//
// Thread safety: Append*/WriteStaleMarkers from one thread at a time; Metadata from any thread.
#ifndef TIDEMARK_SERVER_TARGET_SCRAPER_H_
#define TIDEMARK_SERVER_TARGET_SCRAPER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ingest/exposition.h"
#include "server/config_scrape.h"
#include "tidemark/engine.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::server {

// The outcome of one scrape.
struct ScrapeResult {
  Status error;  // OK when the page was fetched, parsed and stored
  uint64_t samples_scraped = 0;
  uint64_t samples_post_relabel = 0;
  uint64_t series_added = 0;
  uint64_t samples_rejected = 0;    // by the engine (out of order, too old, ...): not an error
  uint64_t exemplars_rejected = 0;  // likewise
};

struct FamilyMetadata {
  std::string family;
  MetricMetadata metadata;
};

class TargetScraper {
 public:
  // `target_labels` are the target's labels (job, instance, ...; no `__` labels).
  TargetScraper(Engine* engine, std::shared_ptr<const ScrapeConfig> config, Labels target_labels);

  // Stores one fetched page scraped at `timestamp_ms` that took `duration_seconds`, and the
  // report series.
  ScrapeResult AppendPage(std::string_view page, ingest::ExpositionFormat format,
                          int64_t timestamp_ms, double duration_seconds);
  // Stores a failed scrape (fetch error, bad status, bad content type): stale markers for the
  // previous page's series, and the report series with up 0.
  ScrapeResult AppendFailure(Status error, int64_t timestamp_ms, double duration_seconds);
  // Stale markers at `timestamp_ms` for every series of the last page and the report series: the
  // target is gone or the server stops. Later appends start afresh.
  Status WriteStaleMarkers(int64_t timestamp_ms);

  // The metadata of the families on the last successful page, sorted by family.
  std::vector<FamilyMetadata> Metadata() const;
  const Labels& target_labels() const { return target_labels_; }

  static constexpr uint64_t kCacheIterations = 10;

 private:
  struct Entry {
    SeriesRef ref = 0;     // 0: not in the engine yet (or refused)
    bool dropped = false;  // by metric relabeling
    uint64_t last_iteration = 0;
  };
  // Parses and appends the page into `appender`; an error leaves the appender to be rolled back.
  Status AppendSamples(std::string_view page, ingest::ExpositionFormat format, int64_t timestamp_ms,
                       Appender* appender, ScrapeResult* result,
                       std::vector<ExemplarWrite>* exemplars,
                       std::map<std::string, MetricMetadata, std::less<>>* metadata);
  // The current line's series as stored: target labels, metric relabeling, limits checked.
  // *dropped when metric relabeling drops it.
  Status MakeLabels(const ingest::ExpositionParser& parser, Labels* out, bool* dropped) const;
  // Adds stale markers for the series of the previous page not seen at `iteration_`.
  void AddStaleMarkers(int64_t timestamp_ms, Appender* appender);
  void AddReport(int64_t timestamp_ms, double duration_seconds, const ScrapeResult& result,
                 Appender* appender);
  void EndIteration();
  // Ends a scrape that stored nothing: stale markers for the previous page, the report (up 0).
  ScrapeResult EndFailed(ScrapeResult result, int64_t timestamp_ms, double duration_seconds);
  Status Commit(Appender* appender, ScrapeResult* result);

  Engine* const engine_;
  const std::shared_ptr<const ScrapeConfig> config_;
  const Labels target_labels_;
  std::unique_ptr<Appender> appender_;

  // Looked up by the page's text without copying it (heterogeneous lookup).
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, Entry, TextHash, std::equal_to<>> cache_;
  uint64_t iteration_ = 0;
  // The staleness-tracked series of the previous and the current page, by ref.
  std::unordered_set<SeriesRef> previous_;
  std::unordered_set<SeriesRef> current_;
  SeriesRef report_refs_[5] = {};
  bool reported_ = false;  // report series written since the last stale markers

  mutable std::mutex metadata_mu_;
  std::map<std::string, MetricMetadata, std::less<>> metadata_;  // guarded by metadata_mu_
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_TARGET_SCRAPER_H_
