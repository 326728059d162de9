#include "server/notifier.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <thread>

#include "server/api_params.h"
#include "server/api_response.h"
#include "server/config_yaml.h"
#include "server/http_client.h"
#include "server/log.h"
#include "util/json_string.h"
#include "util/thread_pool.h"

namespace tidemark::server {
namespace {

using Clock = std::chrono::steady_clock;

// A response body larger than this fails the request: Alertmanager answers with a few bytes.
constexpr uint64_t kMaxResponseBytes = 1 << 20;

// The queue and retry settings every destination of a configuration shares.
struct QueueSettings {
  size_t capacity;
  size_t batch_size;
  int64_t min_backoff_ms;
  int64_t max_backoff_ms;
};

QueueSettings SettingsOf(const AlertingConfig& c) {
  return {static_cast<size_t>(c.queue_capacity), static_cast<size_t>(c.max_batch_size),
          c.retry_min_backoff_ms, c.retry_max_backoff_ms};
}

bool SameLimits(const AlertingConfig& a, const AlertingConfig& b) {
  return a.queue_capacity == b.queue_capacity && a.max_batch_size == b.max_batch_size &&
         a.retry_min_backoff_ms == b.retry_min_backoff_ms &&
         a.retry_max_backoff_ms == b.retry_max_backoff_ms;
}

// Go's path.Join("/", parts...): segments joined by one '/', "." dropped, ".." removing the one
// before it, no trailing slash.
std::string JoinPath(const std::vector<std::string>& parts) {
  std::vector<std::string> segments;
  for (const std::string& part : parts) {
    size_t i = 0;
    while (i <= part.size()) {
      const size_t slash = std::min(part.find('/', i), part.size());
      const std::string segment = part.substr(i, slash - i);
      if (segment == "..") {
        if (!segments.empty()) segments.pop_back();
      } else if (!segment.empty() && segment != ".") {
        segments.push_back(segment);
      }
      i = slash + 1;
    }
  }
  std::string out;
  for (const std::string& s : segments) out += "/" + s;
  return out.empty() ? "/" : out;
}

// Whether a failed delivery is worth retrying: the receiver was not reached, timed out, is
// overloaded or failing (5xx, 429, 408). Any other status says the request itself is refused
// (a malformed alert, a wrong path_prefix): sending it again would block the queue forever.
bool Retryable(const Result<HttpClientResponse>& r) {
  if (!r.ok()) return r.status().code() != StatusCode::kInvalidArgument;
  const int s = r->status;
  return s >= 500 || s == 429 || s == 408;
}

}  // namespace

// One receiver URL: a bounded queue of alerts and a thread that sends them in batches, retrying
// a failed batch with exponential backoff while new alerts keep queueing behind it.
class Notifier::Destination {
 public:
  using Encoder = std::function<std::string(const std::vector<NotifierAlert>&)>;

  Destination(std::string kind, std::string url, std::shared_ptr<HttpClient> client,
              int64_t timeout_ms, QueueSettings settings, Encoder encode,
              std::vector<std::pair<std::string, std::string>> headers)
      : kind_(std::move(kind)),
        url_(std::move(url)),
        client_(std::move(client)),
        timeout_ms_(timeout_ms),
        settings_(settings),
        encode_(std::move(encode)),
        headers_(std::move(headers)) {
    thread_ = std::thread([this] { Loop(); });
    util::NameThread(thread_, "tidemark-notify");
  }
  ~Destination() {
    BeginStop(Clock::now());
    Cancel();
    Join();
  }

  const std::string& url() const { return url_; }

  // Queues `alerts`; when the queue would pass its capacity, the oldest alerts make room.
  void Add(const std::vector<NotifierAlert>& alerts) {
    std::lock_guard lock(mu_);
    if (stopping_) {
      dropped_ += alerts.size();
      return;
    }
    for (const NotifierAlert& a : alerts) queue_.push_back({next_seq_++, a});
    if (queue_.size() > settings_.capacity) {
      const size_t excess = queue_.size() - settings_.capacity;
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(excess));
      dropped_ += excess;
      if (!warned_full_) {
        Log(LogLevel::kWarn, "alert notification queue full, dropping the oldest alerts",
            {{"kind", kind_}, {"url", url_}, {"capacity", std::to_string(settings_.capacity)}});
        warned_full_ = true;
      }
    }
    cv_.notify_all();
  }

  // Stops taking alerts; the sender keeps sending what is queued until `deadline`.
  void BeginStop(Clock::time_point deadline) {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = deadline;
    }
    cv_.notify_all();
  }
  // Waits until the queue is sent (or given up) or `deadline` passes.
  void WaitFinished(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    finished_cv_.wait_until(lock, deadline, [this] { return finished_; });
  }
  // Abandons the request in flight and whatever is still queued.
  void Cancel() {
    cancel_ = true;
    std::lock_guard lock(mu_);
    deadline_ = Clock::now();
    cv_.notify_all();
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  NotifierDestinationStats Stats() const {
    std::lock_guard lock(mu_);
    return {kind_, url_, sent_, errors_, dropped_, queue_.size(), settings_.capacity};
  }

 private:
  struct Queued {
    uint64_t seq;
    NotifierAlert alert;
  };

  void Loop() {
    int64_t backoff_ms = settings_.min_backoff_ms;
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() || (stopping_ && Clock::now() >= deadline_)) break;
      const size_t n = std::min(queue_.size(), settings_.batch_size);
      std::vector<NotifierAlert> batch;
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) batch.push_back(queue_[i].alert);
      const uint64_t end_seq = queue_[n - 1].seq + 1;
      int64_t timeout_ms = timeout_ms_;
      if (stopping_) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
        timeout_ms = std::max<int64_t>(1, std::min<int64_t>(timeout_ms, left.count()));
      }
      lock.unlock();
      HttpClientRequest request;
      request.method = "POST";
      request.url = url_;
      request.body = encode_(batch);
      request.headers = {{"Content-Type", "application/json"}};
      request.headers.insert(request.headers.end(), headers_.begin(), headers_.end());
      request.timeout_ms = timeout_ms;
      request.max_response_bytes = kMaxResponseBytes;
      request.cancel = &cancel_;
      const Result<HttpClientResponse> response = client_->Do(request);
      const bool ok = response.ok() && response->status / 100 == 2;
      const std::string why = !response.ok() ? response.status().ToString()
                              : ok           ? ""
                                             : "HTTP status " + std::to_string(response->status);
      lock.lock();
      if (ok) {
        sent_ += batch.size();
        backoff_ms = settings_.min_backoff_ms;
        if (failing_) {
          LogInfo("alert delivery recovered", {{"kind", kind_}, {"url", url_}});
          failing_ = false;
        }
        PopThrough(end_seq);
        continue;
      }
      errors_ += batch.size();
      if (!Retryable(response)) {
        LogError("alerts refused by receiver, dropped", {{"kind", kind_},
                                                         {"url", url_},
                                                         {"count", std::to_string(batch.size())},
                                                         {"error", why}});
        dropped_ += PopThrough(end_seq);
        continue;
      }
      if (stopping_) break;
      Log(failing_ ? LogLevel::kDebug : LogLevel::kWarn, "error sending alerts, will retry",
          {{"kind", kind_},
           {"url", url_},
           {"count", std::to_string(batch.size())},
           {"error", why},
           {"retry_in_ms", std::to_string(backoff_ms)}});
      failing_ = true;
      cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [this] { return stopping_; });
      backoff_ms = std::min(backoff_ms * 2, settings_.max_backoff_ms);
    }
    if (!queue_.empty()) {
      Log(LogLevel::kWarn, "alert notification queue not drained at shutdown, dropping alerts",
          {{"kind", kind_}, {"url", url_}, {"count", std::to_string(queue_.size())}});
      dropped_ += queue_.size();
      queue_.clear();
    }
    finished_ = true;
    finished_cv_.notify_all();
  }

  // Removes the queued alerts before sequence number `end_seq` (some may already have been
  // dropped to make room); returns how many it removed. Needs mu_.
  size_t PopThrough(uint64_t end_seq) {
    size_t n = 0;
    while (!queue_.empty() && queue_.front().seq < end_seq) {
      queue_.pop_front();
      ++n;
    }
    return n;
  }

  const std::string kind_;
  const std::string url_;
  const std::shared_ptr<HttpClient> client_;
  const int64_t timeout_ms_;
  const QueueSettings settings_;
  const Encoder encode_;
  const std::vector<std::pair<std::string, std::string>> headers_;  // NotifierOptions::headers
  std::atomic<bool> cancel_{false};

  mutable std::mutex mu_;
  std::condition_variable cv_;                    // work queued, or stopping
  std::condition_variable finished_cv_;           // finished_ set
  std::deque<Queued> queue_;                      // guarded by mu_
  uint64_t next_seq_ = 0;                         // guarded by mu_
  bool stopping_ = false;                         // guarded by mu_
  bool finished_ = false;                         // guarded by mu_
  Clock::time_point deadline_;                    // guarded by mu_; the end of the drain
  bool failing_ = false;                          // guarded by mu_: the last attempt failed
  bool warned_full_ = false;                      // guarded by mu_
  uint64_t sent_ = 0, errors_ = 0, dropped_ = 0;  // guarded by mu_
  std::thread thread_;
};

Notifier::Notifier(NotifierOptions options) : options_(std::move(options)) {}

Notifier::~Notifier() { Stop(); }

Result<std::unique_ptr<Notifier>> Notifier::Create(const AlertingConfig& config,
                                                   const Labels& external_labels,
                                                   NotifierOptions options) {
  std::unique_ptr<Notifier> notifier(new Notifier(std::move(options)));
  Result<std::shared_ptr<State>> state = notifier->Build(config, external_labels, nullptr);
  if (!state.ok()) return state.status();
  notifier->state_ = std::move(state).value();
  return notifier;
}

Result<std::shared_ptr<Notifier::State>> Notifier::Build(const AlertingConfig& config,
                                                         const Labels& external_labels,
                                                         const State* old) const {
  auto state = std::make_shared<State>();
  state->config = config;
  state->external_labels = external_labels;
  const QueueSettings settings = SettingsOf(config);
  const bool same_limits = old != nullptr && SameLimits(old->config, config);
  for (size_t i = 0; i < config.alertmanagers.size(); ++i) {
    const AlertmanagerConfig& am = config.alertmanagers[i];
    const std::string key = "alerting.alertmanagers[" + std::to_string(i) + "]";
    const AlertmanagerSet* old_set = nullptr;
    for (size_t j = 0; same_limits && j < old->sets.size() && old_set == nullptr; ++j) {
      if (old->sets[j].config == am) old_set = &old->sets[j];
    }
    std::shared_ptr<HttpClient> client;
    if (old_set == nullptr) {
      Result<std::unique_ptr<HttpClient>> made = HttpClient::Create(am.http, options_.user_agent);
      if (!made.ok()) return config_yaml::Bad(key, made.status().message());
      client = std::move(made).value();
    }
    AlertmanagerSet set;
    set.config = am;
    const std::string alerts_path =
        JoinPath({"/", am.path_prefix, "/api/" + am.api_version + "/alerts"});
    for (const StaticTargetGroup& group : am.static_configs) {
      for (const std::string& target : group.targets) {
        std::vector<Label> items = {
            {"__address__", target}, {"__scheme__", am.scheme}, {"__alerts_path__", alerts_path}};
        for (const Label& l : group.labels) {
          if (l.name == "__address__") continue;  // the target's own label wins
          std::erase_if(items, [&](const Label& have) { return have.name == l.name; });
          items.push_back(l);
        }
        const Labels before(std::move(items));
        auto url_of = [](const Labels& l) {
          return std::string(l.Get("__scheme__")) + "://" + std::string(l.Get("__address__")) +
                 std::string(l.Get("__alerts_path__"));
        };
        Labels after;
        if (!ingest::Relabel(before, am.relabel_configs, &after)) {
          set.dropped_urls.push_back(url_of(before));
          continue;
        }
        const std::string_view address = after.Get("__address__");
        if (address.empty() || address.find('/') != std::string_view::npos) {
          return config_yaml::Bad(key + ".relabel_configs",
                                  "\"" + std::string(address) + "\" is not a valid hostname");
        }
        const std::string url = url_of(after);
        const bool seen = std::any_of(set.alertmanagers.begin(), set.alertmanagers.end(),
                                      [&](const auto& d) { return d->url() == url; });
        if (seen) continue;
        std::shared_ptr<Destination> reused;
        for (size_t j = 0; old_set != nullptr && j < old_set->alertmanagers.size(); ++j) {
          if (old_set->alertmanagers[j]->url() == url) reused = old_set->alertmanagers[j];
        }
        if (reused == nullptr && client == nullptr) {
          // A new target in an unchanged set: the set's client was not built above.
          Result<std::unique_ptr<HttpClient>> made =
              HttpClient::Create(am.http, options_.user_agent);
          if (!made.ok()) return config_yaml::Bad(key, made.status().message());
          client = std::move(made).value();
        }
        set.alertmanagers.push_back(
            reused != nullptr
                ? reused
                : std::make_shared<Destination>("alertmanager", url, client, am.timeout_ms,
                                                settings, EncodePostableAlerts, options_.headers));
      }
    }
    state->sets.push_back(std::move(set));
  }
  for (size_t i = 0; i < config.webhooks.size(); ++i) {
    const WebhookConfig& hook = config.webhooks[i];
    std::shared_ptr<Destination> reused;
    for (size_t j = 0; same_limits && j < old->config.webhooks.size() && !reused; ++j) {
      if (old->config.webhooks[j] == hook) reused = old->webhooks[j];
    }
    if (reused != nullptr) {
      state->webhooks.push_back(reused);
      continue;
    }
    Result<std::unique_ptr<HttpClient>> client = HttpClient::Create(hook.http, options_.user_agent);
    if (!client.ok()) {
      return config_yaml::Bad("alerting.webhooks[" + std::to_string(i) + "]",
                              client.status().message());
    }
    QueueSettings hook_settings = settings;
    if (hook.max_alerts > 0) {
      hook_settings.batch_size = std::min(hook_settings.batch_size, size_t(hook.max_alerts));
    }
    const std::string external_url = options_.external_url;
    state->webhooks.push_back(std::make_shared<Destination>(
        "webhook", hook.url, std::move(client).value(), hook.timeout_ms, hook_settings,
        [external_url](const std::vector<NotifierAlert>& alerts) {
          return EncodeWebhookMessage(alerts, {"tidemark", external_url, NowMs(), 0});
        },
        options_.headers));
  }
  return state;
}

void Notifier::Send(std::vector<NotifierAlert> alerts) {
  std::shared_ptr<State> state;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    state = state_;
  }
  // External labels first (the alert's own label of a name wins), then the global relabeling.
  std::vector<NotifierAlert> kept;
  kept.reserve(alerts.size());
  for (NotifierAlert& a : alerts) {
    if (!state->external_labels.empty()) {
      std::vector<Label> items = a.labels.items();
      for (const Label& l : state->external_labels) {
        if (!a.labels.Has(l.name)) items.push_back(l);
      }
      a.labels = Labels(std::move(items));
    }
    if (!ingest::Relabel(a.labels, state->config.alert_relabel_configs, &a.labels)) {
      ++relabel_dropped_;
      continue;
    }
    kept.push_back(std::move(a));
  }
  if (kept.empty()) return;
  for (const AlertmanagerSet& set : state->sets) {
    if (set.alertmanagers.empty()) continue;
    std::vector<NotifierAlert> for_set;
    const std::vector<NotifierAlert>* to_send = &kept;
    if (!set.config.alert_relabel_configs.empty()) {
      for (const NotifierAlert& a : kept) {
        NotifierAlert copy = a;
        if (ingest::Relabel(a.labels, set.config.alert_relabel_configs, &copy.labels)) {
          for_set.push_back(std::move(copy));
        }
      }
      to_send = &for_set;
    }
    if (to_send->empty()) continue;
    for (const auto& destination : set.alertmanagers) destination->Add(*to_send);
  }
  for (const auto& destination : state->webhooks) destination->Add(kept);
}

Status Notifier::ApplyConfig(const AlertingConfig& config, const Labels& external_labels) {
  std::shared_ptr<State> old;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return Status::Unavailable("the notifier is stopped");
    old = state_;
  }
  Result<std::shared_ptr<State>> next = Build(config, external_labels, old.get());
  if (!next.ok()) return next.status();
  {
    std::lock_guard lock(mu_);
    state_ = *next;
  }
  // Destinations the new state does not hold stop now; their queues are dropped and counted.
  std::vector<std::shared_ptr<Destination>> kept;
  for (const AlertmanagerSet& set : (*next)->sets) {
    kept.insert(kept.end(), set.alertmanagers.begin(), set.alertmanagers.end());
  }
  kept.insert(kept.end(), (*next)->webhooks.begin(), (*next)->webhooks.end());
  auto stop_unless_kept = [&](const std::shared_ptr<Destination>& d) {
    if (std::find(kept.begin(), kept.end(), d) != kept.end()) return;
    d->BeginStop(Clock::now());
    d->Cancel();
  };
  for (const AlertmanagerSet& set : old->sets) {
    for (const auto& d : set.alertmanagers) stop_unless_kept(d);
  }
  for (const auto& d : old->webhooks) stop_unless_kept(d);
  return Status::OK();
}

std::vector<std::string> Notifier::Alertmanagers() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> urls;
  for (const AlertmanagerSet& set : state_->sets) {
    for (const auto& d : set.alertmanagers) urls.push_back(d->url());
  }
  return urls;
}

std::vector<std::string> Notifier::DroppedAlertmanagers() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> urls;
  for (const AlertmanagerSet& set : state_->sets) {
    urls.insert(urls.end(), set.dropped_urls.begin(), set.dropped_urls.end());
  }
  return urls;
}

NotifierStats Notifier::Stats() const {
  std::shared_ptr<State> state;
  {
    std::lock_guard lock(mu_);
    state = state_;
  }
  NotifierStats stats;
  for (const AlertmanagerSet& set : state->sets) {
    for (const auto& d : set.alertmanagers) stats.destinations.push_back(d->Stats());
  }
  for (const auto& d : state->webhooks) stats.destinations.push_back(d->Stats());
  stats.relabel_dropped = relabel_dropped_;
  return stats;
}

void Notifier::Stop() {
  std::shared_ptr<State> state;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    state = state_;
  }
  if (state == nullptr) return;  // Create failed before there was anything to stop
  std::vector<std::shared_ptr<Destination>> all;
  for (const AlertmanagerSet& set : state->sets) {
    all.insert(all.end(), set.alertmanagers.begin(), set.alertmanagers.end());
  }
  all.insert(all.end(), state->webhooks.begin(), state->webhooks.end());
  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(state->config.drain_timeout_ms);
  for (const auto& d : all) d->BeginStop(deadline);
  for (const auto& d : all) d->WaitFinished(deadline);
  for (const auto& d : all) d->Cancel();
  for (const auto& d : all) d->Join();
}

HttpResponse AlertmanagersResponse(const Notifier* notifier) {
  auto list = [](const std::vector<std::string>& urls) {
    std::string out = "[";
    for (size_t i = 0; i < urls.size(); ++i) {
      if (i > 0) out += ",";
      out += "{\"url\":";
      util::AppendJsonString(&out, urls[i]);
      out += "}";
    }
    return out + "]";
  };
  std::vector<std::string> active, dropped;
  if (notifier != nullptr) {
    active = notifier->Alertmanagers();
    dropped = notifier->DroppedAlertmanagers();
  }
  return Success("{\"activeAlertmanagers\":" + list(active) +
                 ",\"droppedAlertmanagers\":" + list(dropped) + "}");
}

std::vector<std::pair<Labels, double>> NotifierMetrics(const NotifierStats& stats) {
  std::vector<std::pair<Labels, double>> out;
  auto add = [&](const std::string& name, const NotifierDestinationStats* d, double v) {
    std::vector<Label> labels = {{"__name__", name}};
    if (d != nullptr) {
      // Prometheus' label for the receiver; webhooks are told apart by `kind`.
      labels.push_back({"alertmanager", d->url});
      labels.push_back({"kind", d->kind});
    }
    out.emplace_back(Labels(std::move(labels)), v);
  };
  // One family after the other: the text format wants a family's series together.
  using Field = uint64_t NotifierDestinationStats::*;
  const std::pair<const char*, Field> families[] = {
      {"tidemark_notifications_sent_total", &NotifierDestinationStats::sent},
      {"tidemark_notifications_errors_total", &NotifierDestinationStats::errors},
      {"tidemark_notifications_dropped_total", &NotifierDestinationStats::dropped},
      {"tidemark_notifications_queue_length", &NotifierDestinationStats::queue_length},
      {"tidemark_notifications_queue_capacity", &NotifierDestinationStats::queue_capacity}};
  for (const auto& [name, field] : families) {
    for (const NotifierDestinationStats& d : stats.destinations) add(name, &d, double(d.*field));
  }
  size_t alertmanagers = 0;
  for (const NotifierDestinationStats& d : stats.destinations) {
    if (d.kind == "alertmanager") ++alertmanagers;
  }
  add("tidemark_notifications_alertmanagers_discovered", nullptr, double(alertmanagers));
  add("tidemark_notifications_relabel_dropped_total", nullptr, double(stats.relabel_dropped));
  return out;
}

}  // namespace tidemark::server
