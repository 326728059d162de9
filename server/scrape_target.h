// From discovered targets to scrape targets, as Prometheus' scrape/target.go PopulateLabels:
// the group's labels under each target's, the job's defaults (job, __scheme__,
// __metrics_path__, __scrape_interval__, __scrape_timeout__, __param_<name> for the first value
// of each `params` entry), `relabel_configs`, then `instance` from `__address__` when unset, the
// scrape URL, and every `__`-prefixed label removed from the target's labels. A target that
// relabeling drops is "dropped" and listed as such; one left without `__address__` is an error
// ("no address"), as in Prometheus 3.
#ifndef TIDEMARK_SERVER_SCRAPE_TARGET_H_
#define TIDEMARK_SERVER_SCRAPE_TARGET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "server/config_scrape.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::server {

// A group of targets as service discovery delivers it: each target is a label set with at least
// `__address__`; `labels` apply to all of them (a target's own labels win). `source` identifies
// the group within its provider (a file path and index, an http_sd URL and index).
struct TargetGroup {
  std::string source;
  std::vector<Labels> targets;
  Labels labels;
  bool operator==(const TargetGroup&) const = default;
};

struct ScrapeTarget {
  // What discovery gave plus the job's defaults, before relabeling (/api/v1/targets'
  // discoveredLabels).
  Labels discovered_labels;
  // After relabeling, without `__` labels: what every sample of the target carries (job,
  // instance, ...). Empty for a dropped target.
  Labels labels;
  std::string url;  // scheme://address/metrics_path?params
  int64_t interval_ms = 0;
  int64_t timeout_ms = 0;
  bool dropped = false;
};

// One discovered target of `config`. InvalidArgument for a target that cannot be scraped though
// relabeling kept it (no address, an address with a path, an interval or timeout that does not
// parse or is 0, a timeout over the interval, a label value that is not UTF-8), worded as
// Prometheus' PopulateLabels words it; Prometheus lists such targets nowhere and logs the error,
// as the caller does.
Result<ScrapeTarget> PopulateTarget(const ScrapeConfig& config, const Labels& target,
                                    const Labels& group_labels);

// All targets of `groups`, in order, skipping (and returning in *errors, as
// "instance <i> in group <source>: <why>", which names the target) those PopulateTarget refuses.
std::vector<ScrapeTarget> PopulateTargets(const ScrapeConfig& config,
                                          const std::vector<TargetGroup>& groups,
                                          std::vector<std::string>* errors);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_SCRAPE_TARGET_H_
