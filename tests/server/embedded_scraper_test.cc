// The embedding API's Scraper (include/tidemark/scrape.h): configuration text checked as the
// server checks its file, jobs given by the program scraped from pages served in-process, what
// lands in the engine, what Targets() reports, and the stale markers of Stop and of removed
// jobs. Every wait is bounded in time and in polls.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "server/http_server.h"
#include "tests/storage/test_util.h"
#include "tidemark/engine.h"
#include "tidemark/scrape.h"

namespace tidemark::testing {
namespace {

using server::HttpRequest;
using server::HttpResponse;
using server::HttpServer;

// Polls `done` every 50 ms, at most 400 times (20 s).
template <typename Done>
bool WaitFor(Done done) {
  for (int i = 0; i < 400; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// Pages served on 127.0.0.1: /metrics and /other/path (which records its query).
class Pages {
 public:
  Pages() {
    auto server = HttpServer::Start(
        HttpServer::Settings{"127.0.0.1", 0, 1 << 20, 64, "", ""},
        [this](const HttpRequest& r) -> HttpResponse {
          const std::string text = "text/plain; version=0.0.4; charset=utf-8";
          if (r.path == "/metrics") {
            return {200, text, "# TYPE page_value gauge\npage_value{kind=\"a\"} 1.5\n", {}};
          }
          if (r.path == "/other/path") {
            std::lock_guard lock(mu_);
            other_queries_.insert(r.query);
            return {200, text, "other_value 7\n", {}};
          }
          return {404, "text/plain", "not found\n", {}};
        });
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (server.ok()) server_ = std::move(server).value();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  std::set<std::string> other_queries() const {
    std::lock_guard lock(mu_);
    return other_queries_;
  }

 private:
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mu_;
  std::set<std::string> other_queries_;
};

class ScraperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = Engine::Open(TestOptions(), dir_.path());
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
    auto scraper = Scraper::Create(engine_.get(), ScraperOptions());
    ASSERT_TRUE(scraper.ok()) << scraper.status().ToString();
    scraper_ = std::move(scraper).value();
  }
  void TearDown() override {
    scraper_.reset();  // before the engine it writes to
    engine_.reset();
  }

  // Whether `n` targets are listed and every one has health `health`.
  bool AllTargets(size_t n, ScrapeHealth health) {
    auto targets = scraper_->Targets();
    if (targets.size() != n) return false;
    for (const auto& t : targets) {
      if (t.health != health) return false;
    }
    return true;
  }

  // The samples of every series named `name`, by printed labels.
  std::map<std::string, std::vector<Sample>> Series(const std::string& name) {
    return ReadAll(*engine_, {LabelMatcher::Equal("__name__", name)});
  }

  ScrapeJob FastJob(const std::string& name) {
    ScrapeJob job;
    job.name = name;
    job.interval_ms = 200;
    job.timeout_ms = 200;
    return job;
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Scraper> scraper_;
};

void ExpectKeyError(const Status& s, const std::string& key) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.message().rfind("config key \"" + key + "\": ", 0), 0u) << s.ToString();
}

TEST_F(ScraperTest, ConfigTextErrorsNameTheKeyAndChangeNothing) {
  Pages pages;
  const std::string good =
      "global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\n"
      "scrape_configs:\n  - job_name: yaml\n    static_configs:\n"
      "      - targets: ['" +
      pages.address() + "']\n";
  ASSERT_TRUE(scraper_->ApplyConfigYaml(good).ok());
  ASSERT_EQ(scraper_->Targets().size(), 1u);

  ExpectKeyError(scraper_->ApplyConfigYaml("scrape_configs:\n  - job_name: a\n"
                                           "    scrape_interval: soon\n"),
                 "scrape_configs[0].scrape_interval");
  ExpectKeyError(scraper_->ApplyConfigYaml("global:\n  scrape_interval: 1s\n"
                                           "  scrape_timeout: 2s\n"),
                 "global.scrape_timeout");
  ExpectKeyError(scraper_->ApplyConfigYaml("scrape_configs:\n  - job_name: a\n"
                                           "    relabel_configs:\n      - action: explode\n"),
                 "scrape_configs[0].relabel_configs[0].action");
  ExpectKeyError(scraper_->ApplyConfigYaml("scrape_configs:\n  - job_name: a\n  - job_name: a\n"),
                 "scrape_configs[1].job_name");
  // A prometheus.yml's other sections are not the scraper's to read.
  ExpectKeyError(scraper_->ApplyConfigYaml("rule_files: [a.yml]\nscrape_configs: []\n"),
                 "rule_files");
  Status syntax = scraper_->ApplyConfigYaml("scrape_configs: [\n");
  EXPECT_EQ(syntax.code(), StatusCode::kInvalidArgument) << syntax.ToString();

  // None of that touched the job given before.
  auto targets = scraper_->Targets();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].job, "yaml");
  EXPECT_EQ(targets[0].interval_ms, 200);
}

TEST_F(ScraperTest, ProgrammaticTargetsStoreSamplesWithJobAndInstance) {
  Pages pages;
  ScrapeJob job = FastJob("app");
  job.targets.push_back({pages.address(), {{"team", "a"}}});
  job.targets.push_back(
      {"http://" + pages.address() + "/other/path?module=m%20x", {{"instance", "named"}}});
  ASSERT_TRUE(scraper_->SetJob(job).ok());
  ASSERT_TRUE(WaitFor([&] { return AllTargets(2, ScrapeHealth::kUp); }));

  auto targets = scraper_->Targets();
  ASSERT_EQ(targets.size(), 2u);
  std::map<std::string, ScrapeTargetStatus> by_url;
  for (auto& t : targets) by_url[t.url] = t;
  const std::string plain_url = "http://" + pages.address() + "/metrics";
  const std::string other_url = "http://" + pages.address() + "/other/path?module=m+x";
  ASSERT_TRUE(by_url.count(plain_url)) << targets[0].url << " " << targets[1].url;
  ASSERT_TRUE(by_url.count(other_url)) << targets[0].url << " " << targets[1].url;
  const ScrapeTargetStatus& plain = by_url[plain_url];
  EXPECT_EQ(plain.job, "app");
  EXPECT_EQ(plain.labels, (Labels{{"instance", pages.address()}, {"job", "app"}, {"team", "a"}}));
  EXPECT_EQ(plain.last_error, "");
  EXPECT_GT(plain.last_scrape_ms, 0);
  EXPECT_GT(plain.last_duration_us, 0);
  EXPECT_EQ(plain.last_samples, 1u);
  EXPECT_EQ(plain.interval_ms, 200);
  EXPECT_EQ(plain.timeout_ms, 200);
  EXPECT_EQ(by_url[other_url].labels, (Labels{{"instance", "named"}, {"job", "app"}}));
  EXPECT_EQ(pages.other_queries(), (std::set<std::string>{"module=m+x"}));

  auto page = Series("page_value");
  const std::string page_series =
      "page_value{instance=\"" + pages.address() + "\", job=\"app\", kind=\"a\", team=\"a\"}";
  ASSERT_EQ(page.size(), 1u) << (page.empty() ? "" : page.begin()->first);
  ASSERT_TRUE(page.count(page_series)) << page.begin()->first;
  EXPECT_EQ(page[page_series].back().value, 1.5);
  auto other = Series("other_value");
  ASSERT_TRUE(other.count("other_value{instance=\"named\", job=\"app\"}"));
  auto up = Series("up");
  ASSERT_EQ(up.size(), 2u);
  for (const auto& [series, samples] : up) EXPECT_EQ(samples.back().value, 1) << series;
}

TEST_F(ScraperTest, TargetsReportDownWithTheError) {
  Pages pages;
  ScrapeJob job = FastJob("broken");
  job.metrics_path = "/missing";
  job.targets.push_back({pages.address(), {}});
  ASSERT_TRUE(scraper_->SetJob(job).ok());
  ASSERT_TRUE(WaitFor([&] { return AllTargets(1, ScrapeHealth::kDown); }));
  const auto t = scraper_->Targets()[0];
  EXPECT_EQ(t.last_error, "server returned HTTP status 404 Not Found");
  EXPECT_EQ(ScrapeHealthName(t.health), "down");
  auto up = Series("up");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up.begin()->second.back().value, 0);
}

TEST_F(ScraperTest, StopEndsEverySeriesWithAStaleMarker) {
  Pages pages;
  ScrapeJob job = FastJob("app");
  job.targets.push_back({pages.address(), {}});
  ASSERT_TRUE(scraper_->SetJob(job).ok());
  ASSERT_TRUE(WaitFor([&] { return AllTargets(1, ScrapeHealth::kUp); }));
  scraper_->Stop();
  EXPECT_TRUE(scraper_->Targets().empty());
  for (const std::string name : {"page_value", "up", "scrape_duration_seconds"}) {
    auto series = Series(name);
    ASSERT_EQ(series.size(), 1u) << name;
    const std::vector<Sample>& samples = series.begin()->second;
    ASSERT_GE(samples.size(), 2u) << name;
    EXPECT_TRUE(IsStaleMarker(samples.back().value)) << name;
    EXPECT_FALSE(IsStaleMarker(samples[samples.size() - 2].value)) << name;
  }
  EXPECT_EQ(scraper_->SetJob(job).code(), StatusCode::kUnavailable);
  EXPECT_EQ(scraper_->ApplyConfigYaml("").code(), StatusCode::kUnavailable);
  scraper_->Stop();  // idempotent
}

TEST_F(ScraperTest, RemovedJobsEndTheirSeriesAndOthersKeepScraping) {
  Pages pages;
  ScrapeJob a = FastJob("a");
  a.targets.push_back({pages.address(), {}});
  ScrapeJob b = FastJob("b");
  b.targets.push_back({pages.address(), {}});
  ASSERT_TRUE(scraper_->SetJob(a).ok());
  ASSERT_TRUE(scraper_->SetJob(b).ok());
  ASSERT_TRUE(WaitFor([&] { return AllTargets(2, ScrapeHealth::kUp); }));
  const int64_t b_scraped = scraper_->Targets()[1].last_scrape_ms;

  ASSERT_TRUE(scraper_->RemoveJob("a").ok());
  EXPECT_EQ(scraper_->RemoveJob("a").code(), StatusCode::kNotFound);
  auto targets = scraper_->Targets();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].job, "b");
  auto up = ReadAll(*engine_, {LabelMatcher::Equal("__name__", "up")});
  for (const auto& [series, samples] : up) {
    const bool of_a = series.find("job=\"a\"") != std::string::npos;
    EXPECT_EQ(IsStaleMarker(samples.back().value), of_a) << series;
  }
  // b was left alone: it keeps its state and goes on scraping.
  EXPECT_GE(targets[0].last_scrape_ms, b_scraped);
  EXPECT_TRUE(WaitFor([&] {
    auto t = scraper_->Targets();
    return t.size() == 1 && t[0].last_scrape_ms > b_scraped;
  }));
}

TEST_F(ScraperTest, ConfigTextAndProgramJobsShareOneNamespace) {
  Pages pages;
  ASSERT_TRUE(scraper_
                  ->ApplyConfigYaml("scrape_configs:\n  - job_name: yaml\n"
                                    "    scrape_interval: 200ms\n    scrape_timeout: 100ms\n"
                                    "    static_configs:\n      - targets: ['" +
                                    pages.address() + "']\n")
                  .ok());
  ScrapeJob clash = FastJob("yaml");
  clash.targets.push_back({pages.address(), {}});
  EXPECT_EQ(scraper_->SetJob(clash).code(), StatusCode::kInvalidArgument);
  ScrapeJob program = FastJob("program");
  program.targets.push_back({pages.address(), {}});
  ASSERT_TRUE(scraper_->SetJob(program).ok());
  ExpectKeyError(scraper_->ApplyConfigYaml("scrape_configs:\n  - job_name: program\n"),
                 "scrape_configs[0].job_name");
  ASSERT_TRUE(WaitFor([&] { return AllTargets(2, ScrapeHealth::kUp); }));
  EXPECT_EQ(scraper_->Targets()[1].timeout_ms, 100);

  // Empty text removes the text's jobs only.
  ASSERT_TRUE(scraper_->ApplyConfigYaml("").ok());
  auto targets = scraper_->Targets();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].job, "program");
}

TEST_F(ScraperTest, SetJobRefusesWhatCannotBeScraped) {
  auto code_of = [&](auto edit) {
    ScrapeJob job = FastJob("j");
    job.targets.push_back({"127.0.0.1:9", {}});
    edit(job);
    return scraper_->SetJob(job);
  };
  Status s = code_of([](ScrapeJob& j) { j.name = ""; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = code_of([](ScrapeJob& j) { j.timeout_ms = j.interval_ms + 1; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("timeout_ms"), std::string::npos) << s.ToString();
  s = code_of([](ScrapeJob& j) { j.interval_ms = 0; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = code_of([](ScrapeJob& j) { j.targets[0].labels = Labels{{"__address__", "x:1"}}; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("targets[0]"), std::string::npos) << s.ToString();
  s = code_of([](ScrapeJob& j) { j.targets[0].target = "ftp://127.0.0.1:9/"; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = code_of([](ScrapeJob& j) { j.targets[0].target = "127.0.0.1:9/metrics"; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("is not a valid hostname"), std::string::npos) << s.ToString();
  s = code_of([](ScrapeJob& j) { j.targets[0].target = "http://127.0.0.1:9/m?a=1&a=2"; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = code_of([](ScrapeJob& j) { j.targets[0].target = ""; });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(scraper_->Targets().empty());
  EXPECT_EQ(scraper_->RemoveJob("j").code(), StatusCode::kNotFound);
}

TEST(Scraper, RelativePathsInConfigTextResolveAgainstConfigDir) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/conf");
  Pages pages;
  {
    std::ofstream targets(dir.path() + "/conf/targets.json");
    targets << "[{\"targets\": [\"" << pages.address() << "\"], \"labels\": {\"from\": \"file\"}}]";
  }
  auto engine = Engine::Open(TestOptions(), dir.path() + "/data");
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ScraperOptions options;
  options.config_dir = dir.path() + "/conf";
  auto scraper = Scraper::Create(engine->get(), options);
  ASSERT_TRUE(scraper.ok());
  ASSERT_TRUE((*scraper)
                  ->ApplyConfigYaml("scrape_configs:\n  - job_name: files\n"
                                    "    scrape_interval: 200ms\n    scrape_timeout: 200ms\n"
                                    "    file_sd_configs:\n      - files: [targets.json]\n")
                  .ok());
  ASSERT_TRUE(WaitFor([&] {
    auto t = (*scraper)->Targets();
    return t.size() == 1 && t[0].health == ScrapeHealth::kUp;
  }));
  EXPECT_EQ((*scraper)->Targets()[0].labels,
            (Labels{{"from", "file"}, {"instance", pages.address()}, {"job", "files"}}));
  (*scraper)->Stop();
}

TEST(Scraper, CreateRefusesANullEngine) {
  auto scraper = Scraper::Create(nullptr, ScraperOptions());
  EXPECT_EQ(scraper.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tidemark::testing
