// Scrapes the jobs of `scrape_configs` as Prometheus' scrape.Manager does: a pool per job runs
// the job's service discovery (scrape_discovery.h), turns what it finds into targets
// (scrape_target.h) and runs one loop per target. A loop fetches the target's page every
// scrape_interval at an offset within the interval fixed by a hash of the target, so that a
// pool's scrapes spread over the interval, bounded by scrape_timeout; what it fetched is stored
// by the target's TargetScraper (target_scraper.h). Each loop has its own thread, so one slow or
// failing target never delays another.
//
// Reloads (ApplyConfig) keep jobs whose configuration did not change untouched. A changed job
// starts new loops under the new configuration; a target present before and after keeps its
// health and last scrape and gets no stale markers, one that is gone gets them. Targets that
// discovery stops reporting, jobs that are removed, and every target at Stop get stale markers.
//
// Thread safety: every method may be called from any thread.
#ifndef TIDEMARK_SERVER_SCRAPE_MANAGER_H_
#define TIDEMARK_SERVER_SCRAPE_MANAGER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "server/config_scrape.h"
#include "server/scrape_target.h"
#include "tidemark/engine.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::server {

struct ScrapeManagerOptions {
  std::string user_agent = "tidemark";
  // Prometheus leaves its series as they are at shutdown (it expects to come back); tidemark
  // ends them, so that a stopped server's targets do not look up for another lookback period.
  bool stale_markers_at_stop = true;
};

enum class TargetHealth { kUnknown, kUp, kDown };
std::string_view TargetHealthName(TargetHealth health);  // "unknown", "up", "down"

struct ActiveTargetStatus {
  std::string pool;
  ScrapeTarget target;
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;
  int64_t last_scrape_ms = 0;  // 0: never scraped
  double last_scrape_duration_seconds = 0;
  uint64_t last_samples = 0;  // after metric relabeling
};

struct DroppedTargetStatus {
  std::string pool;
  Labels discovered_labels;
};

// One family's metadata as one target exposes it (/api/v1/targets/metadata).
struct TargetMetadataEntry {
  Labels target;  // the target's labels
  std::string metric;
  MetricMetadata metadata;
};

class ScrapeManager {
 public:
  ScrapeManager(Engine* engine, ScrapeManagerOptions options);
  ~ScrapeManager();  // Stop
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  // Replaces the jobs. Every job's HTTP client is built first (an unreadable CA file, say), so an
  // error changes nothing.
  Status ApplyConfig(const std::vector<ScrapeConfig>& configs);
  // Starts scraping the jobs given so far and later ones.
  void Start();
  // Stops every loop (stale markers per ScrapeManagerOptions) and discovery.
  void Stop();

  std::vector<std::string> Pools() const;  // job names, sorted
  std::vector<ActiveTargetStatus> ActiveTargets() const;
  std::vector<DroppedTargetStatus> DroppedTargets() const;
  std::vector<TargetMetadataEntry> TargetMetadata() const;
  // Series for /metrics: per pool targets and sync counts, scrape failures.
  void CollectMetrics(std::vector<std::pair<Labels, double>>* out) const;

 private:
  class Loop;
  class Pool;

  Engine* const engine_;
  const ScrapeManagerOptions options_;
  std::mutex update_mu_;   // one ApplyConfig, Start or Stop at a time
  mutable std::mutex mu_;  // guards pools_, started_
  std::map<std::string, std::unique_ptr<Pool>> pools_;
  bool started_ = false;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_SCRAPE_MANAGER_H_
