// Service discovery for scrape jobs: the file_sd and http_sd formats, files re-read when they
// change, http_sd against a local server, errors kept per provider, and a prompt Stop. Every wait
// is bounded in time.
#include "server/scrape_discovery.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "server/http_server.h"

namespace tidemark::server {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("tidemark-sd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  // Written to a temporary name and renamed, as tools that write these files do.
  std::string Write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    const fs::path tmp = path_ / (".tmp-" + name);
    std::ofstream(tmp) << text;
    fs::rename(tmp, p);
    return p.string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// Collects callback deliveries; Wait returns the latest once `pred` holds, or fails after 10 s.
class Deliveries {
 public:
  JobDiscovery::Callback Callback() {
    return [this](const std::vector<TargetGroup>& groups) {
      std::lock_guard lock(mu_);
      latest_ = groups;
      ++count_;
      cv_.notify_all();
    };
  }
  bool Wait(const std::function<bool(const std::vector<TargetGroup>&, int)>& pred,
            std::vector<TargetGroup>* out) {
    std::unique_lock lock(mu_);
    const bool ok = cv_.wait_for(lock, std::chrono::seconds(10),
                                 [&] { return count_ > 0 && pred(latest_, count_); });
    *out = latest_;
    return ok;
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<TargetGroup> latest_;
  int count_ = 0;
};

size_t TargetCount(const std::vector<TargetGroup>& groups) {
  size_t n = 0;
  for (const TargetGroup& g : groups) n += g.targets.size();
  return n;
}

TEST(FileSdContent, JsonAndYamlGroups) {
  Result<std::vector<TargetGroup>> json = ParseFileSdContent(
      "/d/t.json", R"([{"targets": ["a:1", "b:2"], "labels": {"env": "prod"}}, {"targets": []}])");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  ASSERT_EQ(json->size(), 2u);
  EXPECT_EQ((*json)[0].source, "/d/t.json:0");
  EXPECT_EQ((*json)[1].source, "/d/t.json:1");
  EXPECT_EQ((*json)[0].targets[1], (Labels{{"__address__", "b:2"}}));
  EXPECT_EQ((*json)[0].labels, (Labels{{"__meta_filepath", "/d/t.json"}, {"env", "prod"}}));
  EXPECT_EQ((*json)[1].labels.Get("__meta_filepath"), "/d/t.json");

  Result<std::vector<TargetGroup>> yaml =
      ParseFileSdContent("/d/t.yml", "- targets: [a:1]\n  labels:\n    env: dev\n");
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  ASSERT_EQ(yaml->size(), 1u);
  EXPECT_EQ((*yaml)[0].labels.Get("env"), "dev");
  EXPECT_TRUE(ParseFileSdContent("/d/empty.yaml", "").ok());
}

TEST(FileSdContent, RefusesMalformedFilesNamingThem) {
  const std::pair<const char*, const char*> bad[] = {
      {"/d/t.json", "{\"targets\": []}"},
      {"/d/t.json", "[{\"targets\": [1]}]"},
      {"/d/t.json", "[{\"targets\": [], \"extra\": 1}]"},
      {"/d/t.json", "[null]"},
      {"/d/t.json", "[{\"labels\": {\"\": \"x\"}}]"},
      {"/d/t.json", "[{"},
      {"/d/t.yml", "- targets: [a]\n  bogus: 1\n"},
      {"/d/t.yml", "- targets: [a\n"},
      {"/d/t.yml", "targets: [a]\n"},
      {"/d/t.txt", "[]"},
  };
  for (const auto& [path, text] : bad) {
    Result<std::vector<TargetGroup>> r = ParseFileSdContent(path, text);
    ASSERT_FALSE(r.ok()) << path << ": " << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  }
  Result<std::vector<TargetGroup>> line =
      ParseFileSdContent("/d/t.yml", "- targets: [a]\n  x: 1\n");
  ASSERT_FALSE(line.ok());
  EXPECT_NE(line.status().message().find("(line 2)"), std::string::npos) << line.status().message();
}

TEST(HttpSdContent, AddsTheUrlMetaLabel) {
  Result<std::vector<TargetGroup>> r =
      ParseHttpSdContent("http://sd/x", R"([{"targets": ["a:1"], "labels": {"k": "v"}}])");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].source, "http://sd/x:0");
  EXPECT_EQ((*r)[0].labels.Get("__meta_url"), "http://sd/x");
}

TEST(JobDiscovery, StaticGroupsAreDeliveredBeforeStartReturns) {
  ScrapeConfig c;
  c.job_name = "static";
  c.static_configs.push_back({{"a:1", "b:2"}, Labels{{"env", "x"}}});
  Deliveries d;
  JobDiscovery discovery(c, "test", d.Callback());
  discovery.Start();
  ASSERT_EQ(d.count(), 1);
  std::vector<TargetGroup> groups;
  ASSERT_TRUE(d.Wait([](const auto&, int) { return true; }, &groups));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].source, "0");
  EXPECT_EQ(groups[0].targets.size(), 2u);
  EXPECT_EQ(groups[0].labels.Get("env"), "x");
  discovery.Stop();
}

TEST(JobDiscovery, FileSdFollowsChangesAndKeepsGroupsOfABadFile) {
  TempDir dir;
  dir.Write("a.json", R"([{"targets": ["a:1"]}])");
  ScrapeConfig c;
  c.job_name = "files";
  c.static_configs.push_back({{"s:1"}, {}});
  c.file_sd_configs.push_back({{dir.path() + "/*.json", dir.path() + "/*.yml"}, 3'600'000});
  Deliveries d;
  JobDiscovery discovery(c, "test", d.Callback());
  discovery.TEST_SetPollInterval(100);
  discovery.Start();
  std::vector<TargetGroup> groups;
  // The first delivery holds the static group and the file's.
  ASSERT_TRUE(d.Wait([](const auto& g, int) { return TargetCount(g) == 2; }, &groups));
  EXPECT_EQ(groups[0].source, "0");
  EXPECT_EQ(groups[1].labels.Get("__meta_filepath"), dir.path() + "/a.json");

  // A new file matching another pattern.
  dir.Write("b.yml", "- targets: [b:1, b:2]\n");
  ASSERT_TRUE(d.Wait([](const auto& g, int) { return TargetCount(g) == 4; }, &groups));

  // A broken file keeps its previous groups, and the provider reports the error.
  const int before = d.count();
  dir.Write("a.json", "[{broken");
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  std::string error;
  while (steady_clock::now() < deadline) {
    error = discovery.Status()[0].last_error;
    if (!error.empty()) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_NE(error.find("a.json"), std::string::npos) << error;
  EXPECT_EQ(discovery.Status()[0].provider, "file_sd_configs[0]");
  EXPECT_EQ(d.count(), before);  // nothing changed: no delivery
  ASSERT_TRUE(d.Wait([](const auto& g, int) { return TargetCount(g) == 4; }, &groups));

  // Fixed, changed: delivered, error cleared.
  dir.Write("a.json", R"([{"targets": ["a:1", "a:2", "a:3"]}])");
  ASSERT_TRUE(d.Wait([](const auto& g, int) { return TargetCount(g) == 6; }, &groups));
  EXPECT_EQ(discovery.Status()[0].last_error, "");

  // A removed file takes its groups with it.
  fs::remove(dir.path() + "/b.yml");
  ASSERT_TRUE(d.Wait([](const auto& g, int) { return TargetCount(g) == 4; }, &groups));

  const auto stop_start = steady_clock::now();
  discovery.Stop();
  EXPECT_LT(steady_clock::now() - stop_start, std::chrono::seconds(2));
}

TEST(JobDiscovery, HttpSdFetchesAndChecksContentType) {
  std::mutex mu;
  std::string body = R"([{"targets": ["h:1"], "labels": {"k": "v"}}])";
  std::string content_type = "application/json; charset=utf-8";
  int status = 200;
  std::string seen_accept, seen_interval;
  HttpServer::Settings settings;
  settings.host = "127.0.0.1";
  Result<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(settings, [&](const HttpRequest& req) {
        std::lock_guard lock(mu);
        seen_accept = req.Header("accept");
        seen_interval = req.Header("x-prometheus-refresh-interval-seconds");
        HttpResponse r;
        r.status = status;
        r.content_type = content_type;
        r.body = body;
        return r;
      });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/sd";

  ScrapeConfig c;
  c.job_name = "http";
  c.http_sd_configs.push_back({url, 1'000, {}});
  Deliveries d;
  JobDiscovery discovery(c, "tidemark-test", d.Callback());
  discovery.Start();
  std::vector<TargetGroup> groups;
  ASSERT_TRUE(d.Wait([](const auto& g, int) { return TargetCount(g) == 1; }, &groups));
  EXPECT_EQ(groups[0].labels.Get("__meta_url"), url);
  EXPECT_EQ(groups[0].source, url + ":0");
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(seen_accept, "application/json");
    EXPECT_EQ(seen_interval, "1");
  }

  // A wrong content type is an error and the previous groups stay.
  {
    std::lock_guard lock(mu);
    content_type = "text/plain";
    body = R"([{"targets": ["h:1", "h:2"]}])";
  }
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  std::string error;
  while (steady_clock::now() < deadline) {
    error = discovery.Status()[0].last_error;
    if (!error.empty()) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(error, "unsupported content type \"text/plain\"");
  ASSERT_TRUE(d.Wait([](const auto& g, int) { return TargetCount(g) == 1; }, &groups));

  // A failing status too.
  {
    std::lock_guard lock(mu);
    content_type = "application/json";
    status = 500;
  }
  const auto deadline2 = steady_clock::now() + std::chrono::seconds(10);
  while (steady_clock::now() < deadline2) {
    error = discovery.Status()[0].last_error;
    if (error.find("500") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(error, "server returned HTTP status 500 Internal Server Error");

  // Fixed: the new groups arrive.
  {
    std::lock_guard lock(mu);
    status = 200;
  }
  ASSERT_TRUE(d.Wait([](const auto& g, int) { return TargetCount(g) == 2; }, &groups));

  const auto stop_start = steady_clock::now();
  discovery.Stop();
  EXPECT_LT(steady_clock::now() - stop_start, std::chrono::seconds(2));
  (*server)->Stop(1000);
}

TEST(JobDiscovery, StopsPromptlyWithLongRefreshIntervals) {
  TempDir dir;
  ScrapeConfig c;
  c.job_name = "idle";
  c.file_sd_configs.push_back({{dir.path() + "/*.json"}, 3'600'000});
  Deliveries d;
  JobDiscovery discovery(c, "test", d.Callback());
  discovery.Start();
  std::vector<TargetGroup> groups;
  ASSERT_TRUE(d.Wait([](const auto&, int n) { return n >= 1; }, &groups));
  EXPECT_TRUE(groups.empty());
  const auto start = steady_clock::now();
  discovery.Stop();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace tidemark::server
