#include "server/scrape_discovery.h"

#include <glob.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "server/api_params.h"
#include "server/http_client.h"
#include "server/log.h"
#include "util/go_text.h"
#include "util/prom_names.h"
#include "util/thread_pool.h"
#include "util/utf8.h"

namespace tidemark::server {
namespace {

constexpr int64_t kDefaultPollMs = 5'000;

// Steady time, for the refresh schedule.
int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status Invalid(const std::string& what, const std::string& why) {
  return Status::InvalidArgument(what + ": " + why);
}

// One group in the shape both formats share, checked as Prometheus' model.LabelSet checks it.
Status MakeGroup(const std::vector<std::string>& targets, std::vector<Label> labels,
                 const std::string& meta_name, const std::string& meta_value,
                 const std::string& source, TargetGroup* out) {
  for (const Label& l : labels) {
    if (!util::IsValidLabelName(l.name)) {
      return Status::InvalidArgument(util::GoQuote(l.name) + " is not a valid label name");
    }
    if (!util::IsValidUtf8(l.value)) {
      return Status::InvalidArgument(util::GoQuote(l.value) + " is not a valid label value");
    }
  }
  labels.push_back({meta_name, meta_value});
  out->labels = Labels(std::move(labels));
  out->source = source;
  for (const std::string& t : targets) out->targets.push_back(Labels{{"__address__", t}});
  return Status::OK();
}

// `what` names the source in errors ("file x.json"); every group gets meta_name=meta_value.
Result<std::vector<TargetGroup>> ParseJsonGroups(const std::string& what, std::string_view text,
                                                 const std::string& meta_name,
                                                 const std::string& meta_value) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return Invalid(what, std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                             " at offset " + std::to_string(doc.GetErrorOffset()));
  }
  std::vector<TargetGroup> groups;
  if (doc.IsNull()) return groups;
  if (!doc.IsArray()) return Invalid(what, "want a list of target groups");
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const rapidjson::Value& g = doc[i];
    const std::string where = "target group " + std::to_string(i) + ": ";
    if (g.IsNull()) return Invalid(what, "nil target group item found");
    if (!g.IsObject()) return Invalid(what, where + "want an object with targets and labels");
    std::vector<std::string> targets;
    std::vector<Label> labels;
    for (auto m = g.MemberBegin(); m != g.MemberEnd(); ++m) {
      const std::string key(m->name.GetString(), m->name.GetStringLength());
      const rapidjson::Value& v = m->value;
      if (key == "targets") {
        if (v.IsNull()) continue;
        if (!v.IsArray()) return Invalid(what, where + "targets must be a list of strings");
        for (const rapidjson::Value& t : v.GetArray()) {
          if (!t.IsString()) return Invalid(what, where + "targets must be a list of strings");
          targets.emplace_back(t.GetString(), t.GetStringLength());
        }
      } else if (key == "labels") {
        if (v.IsNull()) continue;
        if (!v.IsObject()) return Invalid(what, where + "labels must be an object of strings");
        for (auto l = v.MemberBegin(); l != v.MemberEnd(); ++l) {
          if (!l->value.IsString()) {
            return Invalid(what, where + "labels must be an object of strings");
          }
          labels.push_back({std::string(l->name.GetString(), l->name.GetStringLength()),
                            std::string(l->value.GetString(), l->value.GetStringLength())});
        }
      } else {
        return Invalid(what, where + "json: unknown field " + util::GoQuote(key));
      }
    }
    TargetGroup group;
    Status s = MakeGroup(targets, std::move(labels), meta_name, meta_value, "", &group);
    if (!s.ok()) return Invalid(what, where + s.message());
    groups.push_back(std::move(group));
  }
  return groups;
}

std::string Line(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return "";
  return " (line " + std::to_string(mark.line + 1) + ")";
}

Result<std::vector<TargetGroup>> ParseYamlGroups(const std::string& what, std::string_view text,
                                                 const std::string& meta_name,
                                                 const std::string& meta_value) {
  std::vector<TargetGroup> groups;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) return groups;
    if (!root.IsSequence()) return Invalid(what, "want a list of target groups" + Line(root));
    for (size_t i = 0; i < root.size(); ++i) {
      const YAML::Node g = root[i];
      const std::string where = "target group " + std::to_string(i) + ": ";
      if (g.IsNull()) return Invalid(what, "nil target group item found" + Line(g));
      if (!g.IsMap())
        return Invalid(what, where + "want a mapping of targets and labels" + Line(g));
      std::vector<std::string> targets;
      std::vector<Label> labels;
      for (const auto& kv : g) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
        const YAML::Node& v = kv.second;
        if (key == "targets") {
          if (v.IsNull()) continue;
          if (!v.IsSequence()) return Invalid(what, where + "targets must be a list" + Line(v));
          for (const auto& t : v) {
            if (!t.IsScalar()) return Invalid(what, where + "a target must be a string" + Line(t));
            targets.push_back(t.Scalar());
          }
        } else if (key == "labels") {
          if (v.IsNull()) continue;
          if (!v.IsMap()) return Invalid(what, where + "labels must be a mapping" + Line(v));
          for (const auto& l : v) {
            if (!l.first.IsScalar() || !l.second.IsScalar()) {
              return Invalid(what, where + "labels must map names to strings" + Line(l.first));
            }
            labels.push_back({l.first.Scalar(), l.second.Scalar()});
          }
        } else {
          return Invalid(what, where + "unknown key " + util::GoQuote(key) + Line(kv.first));
        }
      }
      TargetGroup group;
      Status s = MakeGroup(targets, std::move(labels), meta_name, meta_value, "", &group);
      if (!s.ok()) return Invalid(what, where + s.message() + Line(g));
      groups.push_back(std::move(group));
    }
  } catch (const YAML::Exception& e) {
    return Invalid(what, e.what());
  } catch (const std::exception& e) {
    return Invalid(what, e.what());
  }
  return groups;
}

void SetSources(const std::string& base, std::vector<TargetGroup>* groups) {
  for (size_t i = 0; i < groups->size(); ++i) {
    (*groups)[i].source = base + ":" + std::to_string(i);
  }
}

// discovery/http's matchContentType: ^(?i:application\/json(;\s*charset=("utf-8"|utf-8))?)$ on
// the trimmed header.
bool IsJsonContentType(std::string_view value) {
  const auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!value.empty() && space(value.front())) value.remove_prefix(1);
  while (!value.empty() && space(value.back())) value.remove_suffix(1);
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::string_view kJson = "application/json";
  if (lower == kJson) return true;
  if (!lower.starts_with(std::string(kJson) + ";")) return false;
  std::string_view rest = std::string_view(lower).substr(kJson.size() + 1);
  while (!rest.empty() && space(rest.front())) rest.remove_prefix(1);
  return rest == "charset=utf-8" || rest == "charset=\"utf-8\"";
}

struct FileSignature {
  int64_t mtime_ns = 0;
  int64_t size = 0;
  uint64_t inode = 0;
  bool operator==(const FileSignature&) const = default;
};

}  // namespace

Result<std::vector<TargetGroup>> ParseFileSdContent(const std::string& path,
                                                    std::string_view content) {
  const std::string what = "file " + path;
  const size_t dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  Result<std::vector<TargetGroup>> groups =
      ext == "json" ? ParseJsonGroups(what, content, "__meta_filepath", path)
      : ext == "yml" || ext == "yaml"
          ? ParseYamlGroups(what, content, "__meta_filepath", path)
          : Result<std::vector<TargetGroup>>(Invalid(what, "not .json, .yml or .yaml"));
  if (groups.ok()) SetSources(path, &*groups);
  return groups;
}

Result<std::vector<TargetGroup>> ParseHttpSdContent(const std::string& url, std::string_view body) {
  Result<std::vector<TargetGroup>> groups = ParseJsonGroups("url " + url, body, "__meta_url", url);
  if (groups.ok()) SetSources(url, &*groups);
  return groups;
}

class JobDiscovery::Impl {
 public:
  Impl(const ScrapeConfig& config, std::string user_agent, Callback on_change)
      : config_(config), user_agent_(std::move(user_agent)), on_change_(std::move(on_change)) {
    for (size_t i = 0; i < config_.static_configs.size(); ++i) {
      const StaticTargetGroup& sg = config_.static_configs[i];
      TargetGroup g;
      g.source = std::to_string(i);  // as Prometheus' static provider names its groups
      g.labels = sg.labels;
      for (const std::string& t : sg.targets) g.targets.push_back(Labels{{"__address__", t}});
      static_groups_.push_back(std::move(g));
    }
    for (size_t i = 0; i < config_.file_sd_configs.size(); ++i) {
      FileProvider& p = files_.emplace_back();
      p.config = &config_.file_sd_configs[i];
      p.name = "file_sd_configs[" + std::to_string(i) + "]";
      status_.push_back({p.name, "", 0});
    }
    for (size_t i = 0; i < config_.http_sd_configs.size(); ++i) {
      HttpProvider& p = https_.emplace_back();
      p.config = &config_.http_sd_configs[i];
      p.name = "http_sd_configs[" + std::to_string(i) + "]";
      status_.push_back({p.name, "", 0});
    }
  }

  ~Impl() { Stop(); }

  void SetPollInterval(int64_t ms) { poll_ms_ = std::max<int64_t>(ms, 1); }

  void Start() {
    if (files_.empty() && https_.empty()) {
      Deliver();
      return;
    }
    thread_ = std::thread([this] { Run(); });
    util::NameThread(thread_, "tidemark-sd");
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cancel_ = true;  // an http_sd request in flight gives up within about a second
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  std::vector<DiscoveryStatus> GetStatus() const {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  struct FileEntry {
    FileSignature signature;
    std::vector<TargetGroup> groups;
    std::string error;
  };
  struct FileProvider {
    const FileSdConfig* config = nullptr;
    std::string name;
    std::map<std::string, FileEntry> files;  // by path, sorted as Go's Glob
    int64_t next_refresh_ms = 0;
  };
  struct HttpProvider {
    const HttpSdConfig* config = nullptr;
    std::string name;
    std::unique_ptr<HttpClient> client;
    std::vector<TargetGroup> groups;
    int64_t next_refresh_ms = 0;
  };

  void Run() {
    int64_t now = SteadyMs();
    for (FileProvider& p : files_) {
      RefreshFiles(&p, true);
      p.next_refresh_ms = now + p.config->refresh_interval_ms;
    }
    for (HttpProvider& p : https_) {
      if (Stopping()) return;
      RefreshHttp(&p);
      p.next_refresh_ms = SteadyMs() + p.config->refresh_interval_ms;
    }
    if (Stopping()) return;
    Deliver();
    int64_t next_poll = SteadyMs() + poll_ms_;
    while (true) {
      int64_t wake = files_.empty() ? INT64_MAX : next_poll;
      for (const FileProvider& p : files_) wake = std::min(wake, p.next_refresh_ms);
      for (const HttpProvider& p : https_) wake = std::min(wake, p.next_refresh_ms);
      {
        std::unique_lock lock(mu_);
        // Bounded waits: Stop's notify ends them at once, and a missed one within a second.
        const int64_t wait = std::clamp<int64_t>(wake - SteadyMs(), 0, 1'000);
        cv_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stop_; });
        if (stop_) return;
      }
      now = SteadyMs();
      if (now < wake) continue;
      bool changed = false;
      const bool poll = now >= next_poll;
      for (FileProvider& p : files_) {
        const bool force = now >= p.next_refresh_ms;
        if (!force && !poll) continue;
        changed |= RefreshFiles(&p, force);
        if (force) p.next_refresh_ms = now + p.config->refresh_interval_ms;
      }
      if (poll) next_poll = now + poll_ms_;
      for (HttpProvider& p : https_) {
        if (SteadyMs() < p.next_refresh_ms) continue;
        if (Stopping()) return;
        changed |= RefreshHttp(&p);
        p.next_refresh_ms = SteadyMs() + p.config->refresh_interval_ms;
      }
      if (changed && !Stopping()) Deliver();
    }
  }

  bool Stopping() const {
    std::lock_guard lock(mu_);
    return stop_;
  }

  // Re-reads the provider's files whose signature changed (all of them when `force`); returns
  // whether its groups changed. A file that fails keeps its previous groups.
  bool RefreshFiles(FileProvider* p, bool force) {
    std::vector<std::string> paths;
    for (const std::string& pattern : p->config->files) {
      glob_t g{};
      if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) paths.emplace_back(g.gl_pathv[i]);
      }
      ::globfree(&g);
    }
    bool changed = false;
    std::map<std::string, FileEntry> next;
    for (const std::string& path : paths) {
      if (next.count(path)) continue;
      auto old = p->files.find(path);
      FileEntry entry = old == p->files.end() ? FileEntry{} : std::move(old->second);
      struct stat st;
      if (::stat(path.c_str(), &st) != 0) continue;  // gone since the glob
      const FileSignature sig{
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<int64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
      if (force || old == p->files.end() || !(sig == entry.signature)) {
        entry.signature = sig;
        std::ifstream in(path, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        Result<std::vector<TargetGroup>> groups =
            in ? ParseFileSdContent(path, text.str())
               : Result<std::vector<TargetGroup>>(
                     tidemark::Status::IOError("file " + path + ": cannot be read"));
        if (groups.ok()) {
          entry.error.clear();
          if (*groups != entry.groups) {
            entry.groups = std::move(groups).value();
            changed = true;
          }
        } else {
          entry.error = groups.status().message();
          LogError("file_sd: error reading file",
                   {{"job", config_.job_name}, {"provider", p->name}, {"err", entry.error}});
        }
      }
      next.emplace(path, std::move(entry));
    }
    if (next.size() != p->files.size()) changed = true;
    p->files = std::move(next);
    std::string error;
    for (const auto& [path, entry] : p->files) {
      if (error.empty()) error = entry.error;
    }
    SetStatus(p->name, error);
    return changed;
  }

  bool RefreshHttp(HttpProvider* p) {
    Result<std::vector<TargetGroup>> groups = FetchHttp(p);
    if (!groups.ok()) {
      SetStatus(p->name, groups.status().message());
      LogError(
          "http_sd: refresh failed",
          {{"job", config_.job_name}, {"provider", p->name}, {"err", groups.status().message()}});
      return false;
    }
    SetStatus(p->name, "");
    if (*groups == p->groups) return false;
    p->groups = std::move(groups).value();
    return true;
  }

  Result<std::vector<TargetGroup>> FetchHttp(HttpProvider* p) {
    const HttpSdConfig& c = *p->config;
    if (!p->client) {
      Result<std::unique_ptr<HttpClient>> client = HttpClient::Create(c.http, user_agent_);
      if (!client.ok()) return client.status();
      p->client = std::move(client).value();
    }
    HttpClientRequest request;
    request.url = c.url;
    request.timeout_ms = c.refresh_interval_ms;  // as Prometheus' client.Timeout
    request.cancel = &cancel_;
    request.headers = {{"Accept", "application/json"},
                       {"X-Prometheus-Refresh-Interval-Seconds",
                        util::GoFormatFloatF(static_cast<double>(c.refresh_interval_ms) / 1000)}};
    Result<HttpClientResponse> response = p->client->Do(request);
    if (!response.ok()) return response.status();
    if (response->status != 200) {
      return tidemark::Status::Unavailable("server returned HTTP status " +
                                           HttpStatusLine(response->status));
    }
    if (!IsJsonContentType(response->content_type)) {
      return tidemark::Status::InvalidArgument("unsupported content type " +
                                               util::GoQuote(response->content_type));
    }
    return ParseHttpSdContent(c.url, response->body);
  }

  void SetStatus(const std::string& provider, const std::string& error) {
    std::lock_guard lock(mu_);
    for (DiscoveryStatus& s : status_) {
      if (s.provider != provider) continue;
      s.last_error = error;
      s.last_refresh_ms = server::NowMs();  // wall clock (api_params.h)
    }
  }

  void Deliver() {
    std::vector<TargetGroup> all = static_groups_;
    for (const FileProvider& p : files_) {
      for (const auto& [path, entry] : p.files) {
        all.insert(all.end(), entry.groups.begin(), entry.groups.end());
      }
    }
    for (const HttpProvider& p : https_) all.insert(all.end(), p.groups.begin(), p.groups.end());
    if (delivered_once_ && all == last_delivered_) return;
    delivered_once_ = true;
    last_delivered_ = all;
    if (on_change_) on_change_(all);
  }

  const ScrapeConfig config_;
  const std::string user_agent_;
  const Callback on_change_;
  int64_t poll_ms_ = kDefaultPollMs;
  // Used by the discovery thread only (or by Start when there is no thread).
  std::vector<TargetGroup> static_groups_;
  std::vector<FileProvider> files_;
  std::vector<HttpProvider> https_;
  std::vector<TargetGroup> last_delivered_;
  bool delivered_once_ = false;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                    // guarded by mu_
  std::vector<DiscoveryStatus> status_;  // guarded by mu_
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

JobDiscovery::JobDiscovery(const ScrapeConfig& config, std::string user_agent, Callback on_change)
    : impl_(std::make_unique<Impl>(config, std::move(user_agent), std::move(on_change))) {}

JobDiscovery::~JobDiscovery() = default;

void JobDiscovery::Start() { impl_->Start(); }
void JobDiscovery::Stop() { impl_->Stop(); }
std::vector<DiscoveryStatus> JobDiscovery::Status() const { return impl_->GetStatus(); }
void JobDiscovery::TEST_SetPollInterval(int64_t ms) { impl_->SetPollInterval(ms); }

}  // namespace tidemark::server
