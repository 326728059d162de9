// tidemark::Scraper: Prometheus-style scraping into an embedded Engine. The program gives it jobs,
// either as Prometheus configuration text (`global` and `scrape_configs`, the shape of
// prometheus.yml) or as targets it knows itself, and the scraper pulls each target's /metrics
// page every interval and stores the samples, with `job` and `instance` labels, `up` and the
// scrape meta-series, and stale markers, as the `tidemark` server does (docs/scraping.md).
//
//   auto scraper = tidemark::Scraper::Create(engine.get(), {});
//   tidemark::ScrapeJob job;
//   job.name = "api";
//   job.interval_ms = 15'000;
//   job.targets.push_back({"127.0.0.1:8000", {{"env", "dev"}}});
//   tidemark::Status s = (*scraper)->SetJob(job);
//   ... (*scraper)->Targets() ...
//   (*scraper)->Stop();   // every scraped series ends with a stale marker
//
// Link tidemark::scrape (find_package(tidemark COMPONENTS scrape)).
//
// Thread safety: Scraper is thread-safe; every method may be called from any thread. Scrapes run
// on the scraper's own threads (one per target) until Stop or destruction.
// Ownership: the Engine must outlive the Scraper. Samples are written through the engine's
// ordinary appenders, so its Limits, retention and durability apply to them.
#ifndef TIDEMARK_SCRAPE_H_
#define TIDEMARK_SCRAPE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark {

class Engine;

struct ScraperOptions {
  // The User-Agent header of every scrape. Empty (default): "tidemark/<version>".
  std::string user_agent;
  // Relative paths in configuration text (file_sd_configs files, scrape_config_files, TLS and
  // password files) are resolved against this directory. Default: the working directory.
  std::string config_dir;
};

// One target of a ScrapeJob.
struct ScrapeTargetSpec {
  // "host:port" (scraped as http://host:port<metrics_path>) or a URL
  // "http[s]://host:port/path?query": its scheme is used, its path (if any) replaces the job's
  // metrics_path and its query parameters (each name once) are sent.
  std::string target;
  // Labels every sample of the target carries, besides `job` and `instance` (host:port unless
  // given here). Names starting with "__" are refused.
  Labels labels;
};

// A job given by the program: what Prometheus' static_configs with these keys would scrape.
struct ScrapeJob {
  // The `job` label; unique among all the scraper's jobs, from SetJob or ApplyConfigYaml.
  std::string name;
  // Milliseconds between scrapes of each target. Default 60 s (Prometheus' default); range
  // 1 ms..365 days.
  int64_t interval_ms = 60'000;
  // Milliseconds one scrape may take. Default 10 s; at most interval_ms.
  int64_t timeout_ms = 10'000;
  // The path of host:port targets. Default "/metrics".
  std::string metrics_path = "/metrics";
  // Prometheus' honor_labels: labels of the page win over the target's on a clash (else the
  // page's are kept as exported_<name>). Default false.
  bool honor_labels = false;
  // Prometheus' honor_timestamps: timestamps on the page are stored as given (else every
  // sample gets the scrape's time). Default true.
  bool honor_timestamps = true;
  std::vector<ScrapeTargetSpec> targets;
};

enum class ScrapeHealth { kUnknown, kUp, kDown };        // kUnknown: not scraped yet
std::string_view ScrapeHealthName(ScrapeHealth health);  // "unknown", "up", "down"

// One target being scraped, as /api/v1/targets describes it.
struct ScrapeTargetStatus {
  std::string job;
  std::string url;  // what is fetched
  Labels labels;    // what every sample of the target carries (job, instance, ...)
  ScrapeHealth health = ScrapeHealth::kUnknown;
  std::string last_error;        // empty after a successful scrape
  int64_t last_scrape_ms = 0;    // Unix milliseconds of the last scrape's start; 0: none yet
  int64_t last_duration_us = 0;  // how long the last scrape took, microseconds
  uint64_t last_samples = 0;     // samples stored by the last scrape, after metric relabeling
  int64_t interval_ms = 0;
  int64_t timeout_ms = 0;
};

class Scraper {
 public:
  // A scraper with no jobs, scraping each job as soon as it is given. `engine` must not be null.
  static Result<std::unique_ptr<Scraper>> Create(Engine* engine, const ScraperOptions& options);

  Scraper() = default;
  Scraper(const Scraper&) = delete;
  Scraper& operator=(const Scraper&) = delete;
  virtual ~Scraper() = default;  // the implementation's destructor calls Stop

  // Replaces the jobs read from configuration text with those of `yaml`: Prometheus'
  // configuration format with the top-level keys `global` (of which scrape_interval,
  // scrape_timeout and scrape_protocols matter here), `scrape_configs` and `scrape_config_files`,
  // each checked as the tidemark server checks its configuration file; other top-level keys
  // (rule_files, alerting, remote_write, ...) are refused. An error is InvalidArgument naming
  // the key (`config key "scrape_configs[0].scrape_interval": ...`) and changes nothing. Jobs
  // whose configuration did not change keep scraping undisturbed; targets that are gone get
  // stale markers. Empty text removes every job it gave before.
  virtual Status ApplyConfigYaml(std::string_view yaml) = 0;

  // Adds job `job.name`, or replaces its targets and settings; targets kept across the change
  // keep their state. InvalidArgument for a bad target, label or duration, or a name used by the
  // configuration text.
  virtual Status SetJob(const ScrapeJob& job) = 0;
  // Stops scraping job `name` (given by SetJob); its series get stale markers. NotFound if there
  // is no such job.
  virtual Status RemoveJob(std::string_view name) = 0;

  // Every target being scraped, sorted by job name, then in discovery order. Targets that a
  // job's relabel_configs drop are not listed.
  virtual std::vector<ScrapeTargetStatus> Targets() const = 0;

  // Stops every scrape, waits for them to end and writes stale markers for every scraped series.
  // Then Targets() is empty and changes return Unavailable. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace tidemark

#endif  // TIDEMARK_SCRAPE_H_
