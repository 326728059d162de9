// tidemark::Scraper (include/tidemark/scrape.h) over the server's ScrapeManager: configuration
// text goes through the server's own readers (LoadScrapeConfigText), jobs given by the program
// become ScrapeConfigs with static_configs, and both sets are handed to the manager together, so
// that a change to one job leaves the others' loops alone.
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "server/config.h"
#include "server/config_scrape.h"
#include "server/scrape_manager.h"
#include "server/scrape_target.h"
#include "tidemark/engine.h"
#include "tidemark/scrape.h"
#include "tidemark/version.h"
#include "util/go_text.h"
#include "util/prom_names.h"
#include "util/status_macros.h"

namespace tidemark {
namespace {

constexpr int64_t kMaxIntervalMs = 365LL * 24 * 3600 * 1000;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// url.QueryUnescape: %XX and '+' for a space.
Result<std::string> QueryUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      const int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1;
      const int lo = hi >= 0 ? HexValue(s[i + 2]) : -1;
      if (lo < 0) return Status::InvalidArgument("invalid escape in query " + util::GoQuote(s));
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A ScrapeTargetSpec's `target` as the labels Prometheus' static_configs would carry for it:
// __address__ and, for a URL, __scheme__, __metrics_path__ and one __param_<name> per query
// parameter (which holds one value, so a name given twice is refused).
Status TargetLabels(std::string_view target, std::string* address, std::vector<Label>* labels) {
  const size_t sep = target.find("://");
  if (sep == std::string_view::npos) {
    *address = std::string(target);
  } else {
    const std::string_view scheme = target.substr(0, sep);
    if (scheme != "http" && scheme != "https") {
      return Status::InvalidArgument("scheme " + util::GoQuote(scheme) + " is not http or https");
    }
    labels->push_back({"__scheme__", std::string(scheme)});
    std::string_view rest = target.substr(sep + 3);
    const size_t hash = rest.find('#');
    if (hash != std::string_view::npos) rest = rest.substr(0, hash);
    const size_t q = rest.find('?');
    std::string_view query;
    if (q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    const size_t slash = rest.find('/');
    *address = std::string(rest.substr(0, slash));
    if (address->find('@') != std::string::npos) {
      return Status::InvalidArgument("credentials in the URL are not supported");
    }
    if (slash != std::string_view::npos) {
      labels->push_back({"__metrics_path__", std::string(rest.substr(slash))});
    }
    std::set<std::string> seen;
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      TM_ASSIGN_OR_RETURN(std::string name, QueryUnescape(pair.substr(0, eq)));
      TM_ASSIGN_OR_RETURN(
          std::string value,
          QueryUnescape(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1)));
      if (!seen.insert(name).second) {
        return Status::InvalidArgument("query parameter " + util::GoQuote(name) +
                                       " is given twice");
      }
      labels->push_back({"__param_" + name, std::move(value)});
    }
  }
  if (address->empty()) return Status::InvalidArgument("no host:port");
  return Status::OK();
}

// The ScrapeConfig Prometheus would read for `job` written as a static_configs job.
Result<server::ScrapeConfig> ToScrapeConfig(const ScrapeJob& job) {
  const std::string where = "job " + util::GoQuote(job.name);
  if (job.name.empty()) return Status::InvalidArgument("ScrapeJob: the name is empty");
  if (job.interval_ms < 1 || job.interval_ms > kMaxIntervalMs) {
    return Status::InvalidArgument(where + ": interval_ms " + std::to_string(job.interval_ms) +
                                   " is outside 1..365 days");
  }
  if (job.timeout_ms < 1 || job.timeout_ms > job.interval_ms) {
    return Status::InvalidArgument(where + ": timeout_ms " + std::to_string(job.timeout_ms) +
                                   " is outside 1..interval_ms (" +
                                   std::to_string(job.interval_ms) + ")");
  }
  server::ScrapeConfig c;
  c.job_name = job.name;
  c.scrape_interval_ms = job.interval_ms;
  c.scrape_timeout_ms = job.timeout_ms;
  c.scrape_protocols = server::DefaultScrapeProtocols();
  c.metrics_path = job.metrics_path;
  c.honor_labels = job.honor_labels;
  c.honor_timestamps = job.honor_timestamps;
  for (size_t i = 0; i < job.targets.size(); ++i) {
    const ScrapeTargetSpec& spec = job.targets[i];
    const std::string what =
        where + " targets[" + std::to_string(i) + "] " + util::GoQuote(spec.target) + ": ";
    std::vector<Label> labels;
    for (const Label& l : spec.labels) {
      if (l.name.starts_with("__") || !util::IsValidLabelName(l.name)) {
        return Status::InvalidArgument(what + "label name " + util::GoQuote(l.name) +
                                       " is reserved or invalid");
      }
      labels.push_back(l);
    }
    std::string address;
    Status s = TargetLabels(spec.target, &address, &labels);
    if (!s.ok()) return Status::InvalidArgument(what + s.message());
    Labels group(std::move(labels));
    // What the scrape manager would otherwise only log and skip is refused here.
    Result<server::ScrapeTarget> populated =
        server::PopulateTarget(c, Labels{{"__address__", address}}, group);
    if (!populated.ok()) return Status::InvalidArgument(what + populated.status().message());
    c.static_configs.push_back({{address}, std::move(group)});
  }
  return c;
}

ScrapeHealth ToHealth(server::TargetHealth h) {
  switch (h) {
    case server::TargetHealth::kUp:
      return ScrapeHealth::kUp;
    case server::TargetHealth::kDown:
      return ScrapeHealth::kDown;
    case server::TargetHealth::kUnknown:
      break;
  }
  return ScrapeHealth::kUnknown;
}

class EmbeddedScraper final : public Scraper {
 public:
  EmbeddedScraper(Engine* engine, const ScraperOptions& options)
      : config_dir_(options.config_dir),
        manager_(engine, server::ScrapeManagerOptions{
                             .user_agent = options.user_agent.empty()
                                               ? std::string("tidemark/" TIDEMARK_VERSION_STRING)
                                               : options.user_agent}) {
    manager_.Start();
  }
  ~EmbeddedScraper() override { Stop(); }

  Status ApplyConfigYaml(std::string_view yaml) override {
    server::GlobalConfig global;
    server::ScrapeSettings settings;
    TM_RETURN_IF_ERROR(server::LoadScrapeConfigText(yaml, config_dir_, &global, &settings));
    std::lock_guard lock(mu_);
    if (stopped_) return Status::Unavailable("the scraper is stopped");
    const std::vector<server::ScrapeConfig>& jobs = settings.scrape_configs;
    for (size_t i = 0; i < jobs.size(); ++i) {
      if (program_jobs_.count(jobs[i].job_name)) {
        return Status::InvalidArgument("config key \"scrape_configs[" + std::to_string(i) +
                                       "].job_name\": job " + util::GoQuote(jobs[i].job_name) +
                                       " is given by SetJob");
      }
    }
    std::vector<server::ScrapeConfig> previous = std::exchange(config_jobs_, jobs);
    Status s = ApplyLocked();
    if (!s.ok()) config_jobs_ = std::move(previous);
    return s;
  }

  Status SetJob(const ScrapeJob& job) override {
    TM_ASSIGN_OR_RETURN(server::ScrapeConfig config, ToScrapeConfig(job));
    std::lock_guard lock(mu_);
    if (stopped_) return Status::Unavailable("the scraper is stopped");
    for (const server::ScrapeConfig& c : config_jobs_) {
      if (c.job_name == job.name) {
        return Status::InvalidArgument("job " + util::GoQuote(job.name) +
                                       " is given by the configuration text");
      }
    }
    auto it = program_jobs_.find(job.name);
    std::optional<server::ScrapeConfig> previous;
    if (it != program_jobs_.end()) previous = std::move(it->second);
    program_jobs_[job.name] = std::move(config);
    Status s = ApplyLocked();
    if (!s.ok()) {
      if (previous) {
        program_jobs_[job.name] = std::move(*previous);
      } else {
        program_jobs_.erase(job.name);
      }
    }
    return s;
  }

  Status RemoveJob(std::string_view name) override {
    std::lock_guard lock(mu_);
    if (stopped_) return Status::Unavailable("the scraper is stopped");
    auto it = program_jobs_.find(name);
    if (it == program_jobs_.end()) {
      return Status::NotFound("no job " + util::GoQuote(name) + " given by SetJob");
    }
    server::ScrapeConfig removed = std::move(it->second);
    program_jobs_.erase(it);
    Status s = ApplyLocked();
    if (!s.ok()) program_jobs_.emplace(removed.job_name, std::move(removed));
    return s;
  }

  std::vector<ScrapeTargetStatus> Targets() const override {
    std::vector<ScrapeTargetStatus> out;
    for (server::ActiveTargetStatus& t : manager_.ActiveTargets()) {
      ScrapeTargetStatus& s = out.emplace_back();
      s.job = std::move(t.pool);
      s.url = std::move(t.target.url);
      s.labels = std::move(t.target.labels);
      s.health = ToHealth(t.health);
      s.last_error = std::move(t.last_error);
      s.last_scrape_ms = t.last_scrape_ms;
      s.last_duration_us = static_cast<int64_t>(t.last_scrape_duration_seconds * 1e6);
      s.last_samples = t.last_samples;
      s.interval_ms = t.target.interval_ms;
      s.timeout_ms = t.target.timeout_ms;
    }
    return out;
  }

  void Stop() override {
    std::lock_guard lock(mu_);
    stopped_ = true;
    manager_.Stop();
  }

 private:
  // Both sets of jobs to the manager at once; it keeps unchanged jobs as they are.
  Status ApplyLocked() {
    std::vector<server::ScrapeConfig> all = config_jobs_;
    for (const auto& [name, config] : program_jobs_) all.push_back(config);
    return manager_.ApplyConfig(all);
  }

  const std::string config_dir_;
  mutable std::mutex mu_;                          // one change at a time; guards the three below
  std::vector<server::ScrapeConfig> config_jobs_;  // from ApplyConfigYaml
  std::map<std::string, server::ScrapeConfig, std::less<>> program_jobs_;  // from SetJob
  bool stopped_ = false;
  server::ScrapeManager manager_;  // last: its loops end before the state above goes
};

}  // namespace

std::string_view ScrapeHealthName(ScrapeHealth health) {
  switch (health) {
    case ScrapeHealth::kUp:
      return "up";
    case ScrapeHealth::kDown:
      return "down";
    case ScrapeHealth::kUnknown:
      break;
  }
  return "unknown";
}

Result<std::unique_ptr<Scraper>> Scraper::Create(Engine* engine, const ScraperOptions& options) {
  if (engine == nullptr) return Status::InvalidArgument("Scraper::Create: engine is null");
  return std::unique_ptr<Scraper>(new EmbeddedScraper(engine, options));
}

}  // namespace tidemark
