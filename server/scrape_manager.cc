#include "server/scrape_manager.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <set>
#include <thread>

#include "ingest/exposition.h"
#include "server/api_params.h"
#include "server/http_client.h"
#include "server/log.h"
#include "server/scrape_discovery.h"
#include "server/target_scraper.h"
#include "util/go_text.h"
#include "util/thread_pool.h"

namespace tidemark::server {
namespace {

// FNV-1a: the target's offset within the interval must be the same on every run and machine.
uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// Identifies a target within its pool: the same labels and URL are the same target (as
// Prometheus' target hash), and a different interval or timeout makes a new loop.
std::string TargetKey(const ScrapeTarget& t) {
  return t.labels.ToString() + ' ' + t.url + ' ' + std::to_string(t.interval_ms) + ' ' +
         std::to_string(t.timeout_ms);
}

ingest::ExpositionFormat FormatOf(ScrapeProtocol protocol) {
  switch (protocol) {
    case ScrapeProtocol::kOpenMetricsText1_0_0:
    case ScrapeProtocol::kOpenMetricsText0_0_1:
      return ingest::ExpositionFormat::kOpenMetrics;
    case ScrapeProtocol::kPrometheusText1_0_0:
    case ScrapeProtocol::kPrometheusText0_0_4:
      return ingest::ExpositionFormat::kPrometheusText;
  }
  return ingest::ExpositionFormat::kPrometheusText;
}

// What the loops of one pool share with it.
struct PoolShared {
  std::mutex mu;
  std::string forced_error;  // guarded by mu: target_limit exceeded
  std::atomic<uint64_t> scrapes{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> missed{0};
};

}  // namespace

std::string_view TargetHealthName(TargetHealth health) {
  switch (health) {
    case TargetHealth::kUp:
      return "up";
    case TargetHealth::kDown:
      return "down";
    case TargetHealth::kUnknown:
      break;
  }
  return "unknown";
}

// One target's scraping thread.
class ScrapeManager::Loop {
 public:
  Loop(Engine* engine, std::shared_ptr<const ScrapeConfig> config,
       std::shared_ptr<HttpClient> client, std::shared_ptr<PoolShared> shared, ScrapeTarget target)
      : config_(config),
        client_(std::move(client)),
        shared_(std::move(shared)),
        target_(std::move(target)),
        key_(TargetKey(target_)),
        accept_(AcceptHeaderFor(config->scrape_protocols)),
        scraper_(engine, config, target_.labels) {}

  ~Loop() {
    RequestStop(false);
    Join();
  }

  const std::string& key() const { return key_; }

  void Start() {
    thread_ = std::thread([this] { Run(); });
    util::NameThread(thread_, "tidemark-scrape");
  }

  void RequestStop(bool stale_markers) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      stop_ = true;
      stale_markers_ = stale_markers;
    }
    cancel_ = true;
    cv_.notify_all();
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  // Carries the health of the loop this one replaces (a reload of the job's configuration).
  void Adopt(const Loop& previous) {
    std::scoped_lock lock(mu_, previous.mu_);
    health_ = previous.health_;
    last_error_ = previous.last_error_;
    last_scrape_ms_ = previous.last_scrape_ms_;
    last_duration_ = previous.last_duration_;
    last_samples_ = previous.last_samples_;
  }

  ActiveTargetStatus Snapshot(const std::string& pool) const {
    ActiveTargetStatus s;
    s.pool = pool;
    s.target = target_;
    std::lock_guard lock(mu_);
    s.health = health_;
    s.last_error = last_error_;
    s.last_scrape_ms = last_scrape_ms_;
    s.last_scrape_duration_seconds = last_duration_;
    s.last_samples = last_samples_;
    return s;
  }

  std::vector<FamilyMetadata> Metadata() const { return scraper_.Metadata(); }
  const ScrapeTarget& target() const { return target_; }

 private:
  void Run() {
    const int64_t interval = std::max<int64_t>(target_.interval_ms, 1);
    const auto offset = static_cast<int64_t>(Fnv1a(key_) % static_cast<uint64_t>(interval));
    int64_t now = NowMs();
    int64_t next = now - now % interval + offset;
    if (next <= now) next += interval;
    bool scraped = false;
    while (true) {
      {
        std::unique_lock lock(mu_);
        const auto due = std::chrono::system_clock::time_point(std::chrono::milliseconds(next));
        if (cv_.wait_until(lock, due, [this] { return stop_; })) break;
      }
      ScrapeOnce(NowMs());
      scraped = true;
      next += interval;
      now = NowMs();
      if (next <= now) {
        // The scrape ran past its next slot: skip the slots it missed rather than catch up.
        const int64_t missed = (now - next) / interval + 1;
        shared_->missed += static_cast<uint64_t>(missed);
        next += missed * interval;
      }
    }
    bool stale;
    {
      std::lock_guard lock(mu_);
      stale = stale_markers_;
    }
    if (stale && scraped) {
      Status s = scraper_.WriteStaleMarkers(NowMs());
      if (!s.ok()) {
        LogError("cannot write the stale markers of a scrape target",
                 {{"target", target_.url}, {"error", s.ToString()}});
      }
    }
  }

  ScrapeResult Fetch(int64_t timestamp_ms) {
    std::string forced;
    {
      std::lock_guard lock(shared_->mu);
      forced = shared_->forced_error;
    }
    if (!forced.empty()) {
      return scraper_.AppendFailure(Status::ResourceExhausted(forced), timestamp_ms, 0);
    }
    HttpClientRequest request;
    request.url = target_.url;
    request.headers = {{"Accept", accept_},
                       {"X-Prometheus-Scrape-Timeout-Seconds",
                        util::GoFormatFloatF(static_cast<double>(target_.timeout_ms) / 1000)}};
    request.timeout_ms = target_.timeout_ms;
    request.max_response_bytes = config_->body_size_limit;
    request.cancel = &cancel_;
    const auto start = std::chrono::steady_clock::now();
    Result<HttpClientResponse> response = client_->Do(request);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!response.ok()) {
      Status error = response.status();
      if (error.code() == StatusCode::kResourceExhausted) {
        error = Status::ResourceExhausted("body size limit exceeded (limit " +
                                          std::to_string(config_->body_size_limit) + " bytes)");
      }
      return scraper_.AppendFailure(std::move(error), timestamp_ms, seconds);
    }
    if (response->status != 200) {
      return scraper_.AppendFailure(
          Status::Unavailable("server returned HTTP status " + HttpStatusLine(response->status)),
          timestamp_ms, seconds);
    }
    Result<ingest::ExpositionFormat> format =
        ingest::ExpositionFormatForContentType(response->content_type);
    if (!format.ok()) {
      if (!config_->has_fallback_protocol) {
        return scraper_.AppendFailure(
            Status::InvalidArgument("received unsupported Content-Type \"" +
                                    response->content_type +
                                    "\" and no fallback_scrape_protocol specified for target"),
            timestamp_ms, seconds);
      }
      format = FormatOf(config_->fallback_protocol);
    }
    return scraper_.AppendPage(response->body, *format, timestamp_ms, seconds);
  }

  void ScrapeOnce(int64_t timestamp_ms) {
    const auto start = std::chrono::steady_clock::now();
    ScrapeResult result = Fetch(timestamp_ms);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++shared_->scrapes;
    if (!result.error.ok()) ++shared_->failures;
    std::lock_guard lock(mu_);
    health_ = result.error.ok() ? TargetHealth::kUp : TargetHealth::kDown;
    last_error_ = result.error.ok() ? std::string() : result.error.message();
    last_scrape_ms_ = timestamp_ms;
    last_duration_ = seconds;
    last_samples_ = result.samples_post_relabel;
  }

  const std::shared_ptr<const ScrapeConfig> config_;
  const std::shared_ptr<HttpClient> client_;
  const std::shared_ptr<PoolShared> shared_;
  const ScrapeTarget target_;
  const std::string key_;
  const std::string accept_;
  TargetScraper scraper_;  // used by the loop's thread only
  std::thread thread_;
  std::atomic<bool> cancel_{false};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;           // guarded by mu_
  bool stale_markers_ = false;  // guarded by mu_
  TargetHealth health_ = TargetHealth::kUnknown;
  std::string last_error_;
  int64_t last_scrape_ms_ = 0;
  double last_duration_ = 0;
  uint64_t last_samples_ = 0;
};

// One job: its discovery and a loop per target.
class ScrapeManager::Pool {
 public:
  Pool(Engine* engine, std::shared_ptr<const ScrapeConfig> config,
       std::shared_ptr<HttpClient> client, std::string user_agent)
      : engine_(engine),
        config_(std::move(config)),
        client_(std::move(client)),
        user_agent_(std::move(user_agent)),
        shared_(std::make_shared<PoolShared>()) {}

  ~Pool() {
    RequestStop(false);
    Join();
  }

  const ScrapeConfig& config() const { return *config_; }
  const std::string& name() const { return config_->job_name; }

  // The pool whose loops this one takes over at its first sync (a reload changed the job).
  void SetPredecessor(std::unique_ptr<Pool> predecessor) {
    std::lock_guard lock(mu_);
    predecessor_ = std::move(predecessor);
  }

  void Start() {
    discovery_ = std::make_unique<JobDiscovery>(
        *config_, user_agent_, [this](const std::vector<TargetGroup>& groups) { Sync(groups); });
    discovery_->Start();
  }

  // Stops discovery; the loops keep scraping what they have.
  void StopDiscovery() {
    if (discovery_) discovery_->Stop();
  }

  void RequestStop(bool stale_markers) {
    StopDiscovery();
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& [key, loop] : loops_) loop->RequestStop(stale_markers);
    if (predecessor_) predecessor_->RequestStop(stale_markers);
  }

  void Join() {
    std::map<std::string, std::unique_ptr<Loop>> loops;
    std::unique_ptr<Pool> predecessor;
    {
      std::lock_guard lock(mu_);
      loops.swap(loops_);
      predecessor.swap(predecessor_);
    }
    for (auto& [key, loop] : loops) loop->Join();
    if (predecessor) predecessor->Join();
  }

  void AppendActive(std::vector<ActiveTargetStatus>* out) const {
    std::lock_guard lock(mu_);
    // Until the first sync, the predecessor's targets are the pool's.
    if (predecessor_ && !synced_) return predecessor_->AppendActive(out);
    for (const auto& [key, loop] : loops_) out->push_back(loop->Snapshot(name()));
  }

  void AppendDropped(std::vector<DroppedTargetStatus>* out) const {
    std::lock_guard lock(mu_);
    if (predecessor_ && !synced_) return predecessor_->AppendDropped(out);
    for (const ScrapeTarget& t : dropped_) out->push_back({name(), t.discovered_labels});
  }

  void AppendMetadata(std::vector<TargetMetadataEntry>* out) const {
    std::lock_guard lock(mu_);
    if (predecessor_ && !synced_) return predecessor_->AppendMetadata(out);
    for (const auto& [key, loop] : loops_) {
      for (FamilyMetadata& f : loop->Metadata()) {
        out->push_back({loop->target().labels, std::move(f.family), std::move(f.metadata)});
      }
    }
  }

  void AppendMetrics(std::vector<std::pair<Labels, double>>* out) const {
    size_t active = 0;
    {
      std::lock_guard lock(mu_);
      active = loops_.size();
    }
    auto add = [&](const char* metric, double v) {
      out->emplace_back(Labels{{"__name__", metric}, {"scrape_job", name()}}, v);
    };
    add("tidemark_scrape_pool_targets", static_cast<double>(active));
    add("tidemark_scrapes_total", static_cast<double>(shared_->scrapes.load()));
    add("tidemark_scrape_failures_total", static_cast<double>(shared_->failures.load()));
    add("tidemark_scrapes_missed_total", static_cast<double>(shared_->missed.load()));
  }

 private:
  void Sync(const std::vector<TargetGroup>& groups) {
    std::vector<std::string> errors;
    std::vector<ScrapeTarget> targets = PopulateTargets(*config_, groups, &errors);
    for (const std::string& e : errors) {
      LogError("scrape target refused", {{"scrape_job", name()}, {"error", e}});
    }
    std::vector<ScrapeTarget> active, dropped;
    for (ScrapeTarget& t : targets) (t.dropped ? dropped : active).push_back(std::move(t));

    std::vector<std::unique_ptr<Loop>> retired;
    std::unique_ptr<Pool> predecessor;
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      {
        std::lock_guard shared_lock(shared_->mu);
        shared_->forced_error.clear();
        if (config_->target_limit > 0 && active.size() > config_->target_limit) {
          shared_->forced_error =
              "target_limit exceeded (number of targets: " + std::to_string(active.size()) +
              ", limit: " + std::to_string(config_->target_limit) + ")";
        }
      }
      std::map<std::string, std::unique_ptr<Loop>> next;
      std::vector<Loop*> started;
      for (ScrapeTarget& t : active) {
        const std::string key = TargetKey(t);
        if (next.contains(key)) continue;  // discovered twice: one loop
        if (auto it = loops_.find(key); it != loops_.end()) {
          next.emplace(key, std::move(it->second));
          loops_.erase(it);
          continue;
        }
        auto loop = std::make_unique<Loop>(engine_, config_, client_, shared_, std::move(t));
        if (predecessor_) {
          if (Loop* old = predecessor_->FindLoop(key)) loop->Adopt(*old);
        }
        started.push_back(loop.get());
        next.emplace(key, std::move(loop));
      }
      // Targets discovery no longer reports end with stale markers.
      for (auto& [key, loop] : loops_) {
        loop->RequestStop(true);
        retired.push_back(std::move(loop));
      }
      loops_ = std::move(next);
      dropped_ = std::move(dropped);
      if (predecessor_) {
        // The old configuration's loops stop; a target the new one still scrapes goes on without
        // a gap, one it does not ends with stale markers.
        predecessor_->RetireInto(loops_, &retired);
        predecessor = std::move(predecessor_);
      }
      synced_ = true;
      for (Loop* loop : started) loop->Start();
    }
    for (auto& loop : retired) loop->Join();
  }

  Loop* FindLoop(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = loops_.find(key);
    return it == loops_.end() ? nullptr : it->second.get();
  }

  // Stops this (replaced) pool's loops into `retired`, with stale markers for targets not in
  // `successor`.
  void RetireInto(const std::map<std::string, std::unique_ptr<Loop>>& successor,
                  std::vector<std::unique_ptr<Loop>>* retired) {
    StopDiscovery();
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& [key, loop] : loops_) {
      loop->RequestStop(!successor.contains(key));
      retired->push_back(std::move(loop));
    }
    loops_.clear();
  }

  Engine* const engine_;
  const std::shared_ptr<const ScrapeConfig> config_;
  const std::shared_ptr<HttpClient> client_;
  const std::string user_agent_;
  const std::shared_ptr<PoolShared> shared_;
  std::unique_ptr<JobDiscovery> discovery_;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Loop>> loops_;  // by TargetKey
  std::vector<ScrapeTarget> dropped_;
  std::unique_ptr<Pool> predecessor_;
  bool synced_ = false;
  bool stopped_ = false;
};

ScrapeManager::ScrapeManager(Engine* engine, ScrapeManagerOptions options)
    : engine_(engine), options_(std::move(options)) {}

ScrapeManager::~ScrapeManager() { Stop(); }

Status ScrapeManager::ApplyConfig(const std::vector<ScrapeConfig>& configs) {
  std::lock_guard update(update_mu_);
  // Everything that can fail, first.
  std::vector<std::shared_ptr<HttpClient>> clients(configs.size());
  std::set<std::string> names;
  for (size_t i = 0; i < configs.size(); ++i) {
    if (!names.insert(configs[i].job_name).second) {
      return Status::InvalidArgument("scrape_configs: the job name \"" + configs[i].job_name +
                                     "\" is used twice");
    }
    auto client = HttpClient::Create(configs[i].http, options_.user_agent);
    if (!client.ok()) {
      return Status::InvalidArgument("scrape_configs job \"" + configs[i].job_name +
                                     "\": " + client.status().message());
    }
    clients[i] = std::move(client).value();
  }
  std::vector<std::unique_ptr<Pool>> removed;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, std::unique_ptr<Pool>> next;
    for (size_t i = 0; i < configs.size(); ++i) {
      const ScrapeConfig& config = configs[i];
      auto it = pools_.find(config.job_name);
      if (it != pools_.end() && it->second->config() == config) {
        next.emplace(config.job_name, std::move(it->second));
        pools_.erase(it);
        continue;
      }
      auto pool = std::make_unique<Pool>(engine_, std::make_shared<const ScrapeConfig>(config),
                                         clients[i], options_.user_agent);
      if (it != pools_.end()) {
        if (started_) {
          it->second->StopDiscovery();
          pool->SetPredecessor(std::move(it->second));
        }
        pools_.erase(it);
      }
      if (started_) pool->Start();
      next.emplace(config.job_name, std::move(pool));
    }
    for (auto& [name, pool] : pools_) {
      if (pool) removed.push_back(std::move(pool));
    }
    pools_ = std::move(next);
  }
  for (auto& pool : removed) pool->RequestStop(true);
  for (auto& pool : removed) pool->Join();
  return Status::OK();
}

void ScrapeManager::Start() {
  std::lock_guard update(update_mu_);
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (auto& [name, pool] : pools_) pool->Start();
}

void ScrapeManager::Stop() {
  std::lock_guard update(update_mu_);
  std::map<std::string, std::unique_ptr<Pool>> pools;
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    started_ = false;
    pools.swap(pools_);
  }
  // Every loop is told first, so that they all wind down at once.
  for (auto& [name, pool] : pools) pool->RequestStop(options_.stale_markers_at_stop);
  for (auto& [name, pool] : pools) pool->Join();
}

std::vector<std::string> ScrapeManager::Pools() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, pool] : pools_) out.push_back(name);
  return out;
}

std::vector<ActiveTargetStatus> ScrapeManager::ActiveTargets() const {
  std::lock_guard lock(mu_);
  std::vector<ActiveTargetStatus> out;
  for (const auto& [name, pool] : pools_) pool->AppendActive(&out);
  return out;
}

std::vector<DroppedTargetStatus> ScrapeManager::DroppedTargets() const {
  std::lock_guard lock(mu_);
  std::vector<DroppedTargetStatus> out;
  for (const auto& [name, pool] : pools_) pool->AppendDropped(&out);
  return out;
}

std::vector<TargetMetadataEntry> ScrapeManager::TargetMetadata() const {
  std::lock_guard lock(mu_);
  std::vector<TargetMetadataEntry> out;
  for (const auto& [name, pool] : pools_) pool->AppendMetadata(&out);
  return out;
}

void ScrapeManager::CollectMetrics(std::vector<std::pair<Labels, double>>* out) const {
  std::lock_guard lock(mu_);
  for (const auto& [name, pool] : pools_) pool->AppendMetrics(out);
}

}  // namespace tidemark::server
