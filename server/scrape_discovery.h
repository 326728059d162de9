// Service discovery for scrape jobs: static_configs, file_sd_configs and http_sd_configs, each a
// provider of target groups. A JobDiscovery runs the providers of one job and hands the job's
// whole current set of groups to a callback whenever it changes (after the first complete round
// of every provider, so a job does not start with half its targets).
//
// file_sd: the files matching each pattern are re-read when their modification time or size
// changes (checked every few seconds) and every refresh_interval; a file that fails to parse
// keeps its previous groups and the error is reported. http_sd: the URL is fetched every
// refresh_interval; a failed fetch keeps the previous groups and the error is reported. The
// formats are Prometheus': a list of {targets: [...], labels: {...}} in JSON or YAML; http_sd
// answers JSON with Content-Type application/json. The labels `__meta_filepath` (file_sd) and
// `__meta_url` (http_sd) are added to every group, as Prometheus does.
//
// Thread safety: Start once, Stop once (or destroy); the callback runs on the discovery's own
// thread, never two at once for one JobDiscovery.
#ifndef TIDEMARK_SERVER_SCRAPE_DISCOVERY_H_
#define TIDEMARK_SERVER_SCRAPE_DISCOVERY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/config_scrape.h"
#include "server/scrape_target.h"
#include "tidemark/status.h"

namespace tidemark::server {

// Target groups of one file (Prometheus' file_sd format), for tests and the `check` command.
// InvalidArgument naming the file and the problem (with its line for YAML).
Result<std::vector<TargetGroup>> ParseFileSdContent(const std::string& path,
                                                    std::string_view content);
// Target groups of an http_sd response body.
Result<std::vector<TargetGroup>> ParseHttpSdContent(const std::string& url, std::string_view body);

struct DiscoveryStatus {
  std::string provider;    // "file_sd_configs[0]", "http_sd_configs[1]"
  std::string last_error;  // empty when the last refresh succeeded
  int64_t last_refresh_ms = 0;
};

class JobDiscovery {
 public:
  using Callback = std::function<void(const std::vector<TargetGroup>& groups)>;
  // `config` is copied. `user_agent` is sent with http_sd requests.
  JobDiscovery(const ScrapeConfig& config, std::string user_agent, Callback on_change);
  ~JobDiscovery();  // stops
  JobDiscovery(const JobDiscovery&) = delete;
  JobDiscovery& operator=(const JobDiscovery&) = delete;

  // Static groups are delivered at once (on the calling thread, before Start returns, when the
  // job has no other provider); the others from the discovery thread.
  void Start();
  void Stop();
  std::vector<DiscoveryStatus> Status() const;

  // How often file_sd files are checked for changes (5 s unless set); before Start.
  void TEST_SetPollInterval(int64_t ms);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_SCRAPE_DISCOVERY_H_
