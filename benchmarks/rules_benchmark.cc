// Rule evaluation at scale (issue 11): 10,000 recording and alerting rules in 100 groups over
// 100,000 node-exporter-like series (datagen/dataset.h) scraped every 15 s.
//   build/benchmarks/tidemark_rules_bench
//   TIDEMARK_BENCH_SERIES=20000 build/benchmarks/tidemark_rules_bench   # a smaller run
// BM_EvaluateRuleGroups evaluates every group once per iteration (one thread), reporting the time
// per group and rule evaluations per second. BM_IngestWithRules measures ingestion throughput for
// 30 s, without (rules:0) and with (rules:1) the rules manager evaluating the groups every 15 s
// beside it: the rules' 100,000 series keep being scraped every 15 s at the wall clock (so rules
// read recent data from the head, as in service), while TIDEMARK_BENCH_WRITERS (default 8)
// writers send a second fleet of 100,000 series (metric names prefixed `load_`, which no rule
// selects) as fast as the engine takes them, scrapes ahead of the clock. Run in one process,
// rules:1 ingests into an engine holding rules:0's samples and starts behind: compare the two
// with scripts/bench-rules.sh, which runs each in its own process, alternated. Figures and the
// machine: docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "datagen/dataset.h"
#include "query/rules/appender_output.h"
#include "query/rules/group.h"
#include "server/rules_manager.h"
#include "tidemark/engine.h"

namespace tidemark::bench {
namespace {

constexpr int kGroups = 100;
constexpr int kRulesPerGroup = 100;
constexpr int64_t kInterval = 15'000;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Rules in the shapes dashboards' rule files have, each over one team's targets in one cluster
// (a few hundred series): CPU and network rates, a latency quantile from a classic histogram,
// and alerts on load and on the recorded rates.
std::vector<rules::GroupSpec> RuleGroups() {
  std::vector<rules::GroupSpec> groups;
  for (int g = 0; g < kGroups; ++g) {
    rules::GroupSpec group;
    group.name = "group-" + std::to_string(g);
    group.file = "bench.yml";
    group.interval_ms = kInterval;
    for (int r = 0; r < kRulesPerGroup; ++r) {
      const std::string sel = "team=\"team-" + std::to_string(r % 11) + "\",cluster=\"prod-" +
                              std::to_string((g + r / 11) % 7) + "\"";
      const std::string suffix = ":g" + std::to_string(g) + "r" + std::to_string(r);
      rules::RuleSpec rule;
      switch (r % 4) {
        case 0:
          rule.kind = rules::RuleKind::kRecording;
          rule.name = "instance:node_cpu_busy:rate5m" + suffix;
          rule.expr =
              "sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"," + sel + "}[5m]))";
          break;
        case 1:
          rule.kind = rules::RuleKind::kRecording;
          rule.name = "instance_handler:latency:p99" + suffix;
          rule.expr =
              "histogram_quantile(0.99, sum by (le, instance, handler) "
              "(rate(http_request_duration_seconds_bucket{" +
              sel + "}[5m])))";
          break;
        case 2:
          rule.kind = rules::RuleKind::kAlerting;
          rule.name = "HighLoad" + std::to_string(r);
          rule.expr = "node_load1{" + sel + "} > 50";
          rule.for_ms = 5 * 60'000;
          rule.labels = {{"severity", "warning"}};
          rule.annotations = {{"summary", "{{ $labels.instance }} load is {{ $value }}"}};
          break;
        default:
          rule.kind = rules::RuleKind::kAlerting;
          rule.name = "NetworkSaturated" + std::to_string(r);
          rule.expr =
              "sum by (instance) (rate(node_network_receive_bytes_total{" + sel + "}[5m])) > 1e5";
          rule.labels = {{"severity", "page"}};
          rule.annotations = {
              {"summary", "{{ $labels.instance }} receives {{ $value | humanize }}B/s"}};
          break;
      }
      group.rules.push_back(std::move(rule));
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

// What the writers' requests came to; a failed commit is counted, never dropped silently.
struct SendCounts {
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> failed_commits{0};
  std::mutex mu;
  std::string first_error;  // guarded by mu: the first failed commit's status, for the report
};

int64_t ThreadCpuNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// One remote_write-sized request: samples[begin, end) of `series`, committed together. With
// `refs` (one per series, 0 until known) a series is added by the ref its first sample returned,
// as the server's receivers do (remote_write's and OTLP's series cache, the scrape cache);
// without, by its labels, as an embedding program that keeps no refs does.
void SendRequest(Engine* engine, const std::vector<Labels>& series,
                 const std::vector<Sample>& samples, size_t begin, size_t end, SendCounts* counts,
                 std::vector<SeriesRef>* refs = nullptr) {
  auto app = engine->NewAppender();
  for (size_t i = begin; i < end; ++i) {
    if (refs == nullptr) {
      app->Add(series[i], samples[i].timestamp_ms, samples[i].value);
      continue;
    }
    SeriesRef& ref = (*refs)[i];
    if (ref != 0 && app->TryAdd(ref, samples[i].timestamp_ms, samples[i].value) != 0) continue;
    ref = app->Add(series[i], samples[i].timestamp_ms, samples[i].value);
  }
  auto r = app->Commit();
  if (!r.ok()) {
    if (counts->failed_commits++ == 0) {
      std::lock_guard lock(counts->mu);
      counts->first_error = r.status().ToString();
    }
    return;
  }
  counts->accepted += r->accepted;
  counts->rejected += r->rejected;
}

// Concurrent writers (remote_write senders run many shards): enough that ingestion is bound by
// CPU, not by waiting for the log's group commit.
int Writers() {
  const char* env = std::getenv("TIDEMARK_BENCH_WRITERS");
  return env ? std::max(1, std::atoi(env)) : 8;
}

struct Fixture {
  std::string dir;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<datagen::MetricsDataset> dataset;  // the rules' series
  uint64_t next_live_scrape = 80;                    // of `dataset`, at its wall-clock time
  std::unique_ptr<datagen::MetricsDataset> load;     // the throughput load's series
  std::vector<Labels> load_labels;
};

// The scrapes after the stored ones, generated once and read by every writer: each writer sends
// its own share of the series of each scrape in turn, as remote_write senders shard series (a
// series' samples reach the engine in order, from one connection). Scrapes every writer has
// passed are dropped.
class ScrapeFeed {
 public:
  ScrapeFeed(datagen::MetricsDataset* dataset, int writers)
      : dataset_(dataset), passed_(static_cast<size_t>(writers), 0) {}

  // Scrape `k` (k >= every writer's earlier requests); `writer` has finished every scrape < k.
  std::shared_ptr<const std::vector<Sample>> Get(int writer, uint64_t k) {
    std::lock_guard lock(mu_);
    passed_[static_cast<size_t>(writer)] = k;
    const uint64_t oldest = *std::min_element(passed_.begin(), passed_.end());
    while (first_ < oldest && !scrapes_.empty()) {
      scrapes_.pop_front();
      ++first_;
    }
    while (first_ + scrapes_.size() <= k) {
      auto next = std::make_shared<std::vector<Sample>>();
      dataset_->NextScrape(next.get());
      scrapes_.push_back(std::move(next));
    }
    return scrapes_[static_cast<size_t>(k - first_)];
  }

 private:
  datagen::MetricsDataset* dataset_;
  std::mutex mu_;
  std::deque<std::shared_ptr<const std::vector<Sample>>> scrapes_;  // from scrape first_ on
  uint64_t first_ = 0;
  std::vector<uint64_t> passed_;
};

Fixture* GetFixture() {
  static Fixture* f = nullptr;
  if (f) return f;
  f = new Fixture;
  const char* env = std::getenv("TIDEMARK_BENCH_SERIES");
  datagen::DatasetOptions d;
  d.series = env ? std::strtoull(env, nullptr, 10) : 100'000;
  // 20 minutes of scrapes ending now; the ingestion benchmark continues from there.
  d.start_ms = (WallMs() - 20 * 60'000) / kInterval * kInterval;
  f->dataset = std::make_unique<datagen::MetricsDataset>(d);
  f->dir = std::filesystem::temp_directory_path() /
           ("tidemark-rules-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(f->dir);
  Options o;
  o.sync_policy = SyncPolicy::kGroupCommit;
  o.limits.max_active_series = 10'000'000;
  // The ingestion benchmark writes scrapes ahead of the clock, as fast as they are taken.
  o.max_future_ms = 365LL * 24 * 3600 * 1000;
  auto e = Engine::Open(o, f->dir);
  if (!e.ok()) return nullptr;
  f->engine = std::move(e).value();
  std::vector<Sample> samples;
  for (int s = 0; s < 80; ++s) {
    f->dataset->NextScrape(&samples);
    auto app = f->engine->NewAppender();
    for (size_t i = 0; i < samples.size(); ++i) {
      app->Add(f->dataset->series()[i], samples[i].timestamp_ms, samples[i].value);
    }
    if (!app->Commit().ok()) return nullptr;
  }
  d.seed = 43;
  f->load = std::make_unique<datagen::MetricsDataset>(d);
  for (const Labels& l : f->load->series()) {
    std::vector<Label> items = l.items();
    for (Label& item : items) {
      if (item.name == kMetricNameLabel) item.value = "load_" + item.value;
    }
    f->load_labels.push_back(Labels(std::move(items)));
  }
  return f;
}

void ReportPercentiles(benchmark::State& state, std::vector<double> ms, const char* prefix) {
  std::sort(ms.begin(), ms.end());
  state.counters[std::string(prefix) + "_p50_ms"] = ms[ms.size() / 2];
  state.counters[std::string(prefix) + "_p99_ms"] =
      ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.counters[std::string(prefix) + "_max_ms"] = ms.back();
}

void BM_EvaluateRuleGroups(benchmark::State& state) {
  Fixture* f = GetFixture();
  if (!f) {
    state.SkipWithError("setup failed");
    return;
  }
  // As the rules manager configures it.
  promql::QueryEngine engine(server::RuleQueryEngineOptions());
  std::vector<std::unique_ptr<rules::RuleGroup>> groups;
  for (rules::GroupSpec& spec : RuleGroups()) {
    auto g = rules::RuleGroup::Create(std::move(spec), rules::RuleOptions{});
    if (!g.ok()) {
      state.SkipWithError(g.status().ToString().c_str());
      return;
    }
    (*g)->SkipRestore();
    groups.push_back(std::move(g).value());
  }
  rules::EvalContext ctx;
  ctx.querier = f->engine.get();
  ctx.engine = &engine;
  std::vector<double> per_group;
  int64_t failed = 0, samples = 0, alerts = 0;
  double total_seconds = 0;
  int64_t t = f->dataset->ScrapeTime(79) + 1'000;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (auto& g : groups) {
      rules::AppenderOutput out(f->engine->NewAppender(), f->engine.get());
      rules::GroupEvalResult r = g->Evaluate(t, ctx, out);
      per_group.push_back(r.seconds * 1000);
      failed += r.failed_rules;
      samples += r.samples_written;
      alerts += static_cast<int64_t>(r.notifications.size());
    }
    total_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    t += kInterval;
  }
  ReportPercentiles(state, per_group, "group");
  state.counters["rule_evals_per_s"] =
      double(kGroups * kRulesPerGroup) * double(state.iterations()) / total_seconds;
  state.counters["failed_rules"] = double(failed);
  state.counters["samples_written"] = double(samples) / double(state.iterations());
  state.counters["series"] = double(f->dataset->size());
}
BENCHMARK(BM_EvaluateRuleGroups)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The load's scrapes as fast as the engine takes them, for 30 s, and the rules' series' scrapes
// on their schedule; with rules:1 the rules manager evaluates the 100 groups every 15 s meanwhile.
// refs:1 adds the load's samples by series ref after each series' first, as the server's
// receivers do; refs:0 by labels, every sample looking its series up in the index.
void BM_IngestWithRules(benchmark::State& state) {
  Fixture* f = GetFixture();
  if (!f) {
    state.SkipWithError("setup failed");
    return;
  }
  const bool with_rules = state.range(0) == 1;
  const bool by_ref = state.range(1) == 1;
  uint64_t appended = 0, rejected_total = 0, live_appended = 0, failed_total = 0;
  // The writers' own CPU time over the timed phase: with the rules running the writers have been
  // seen to spend more CPU per sample (docs/benchmarks.md, issue 11).
  std::atomic<int64_t> writer_cpu_ns{0};
  std::string first_error;  // of the first failed commit
  double seconds = 0;
  std::vector<server::RuleGroupMetrics> metrics;
  for (auto _ : state) {
    std::unique_ptr<server::RulesManager> manager;
    if (with_rules) {
      server::RulesManagerOptions options;
      if (const char* nice = std::getenv("TIDEMARK_BENCH_RULE_NICE")) {
        options.evaluation_nice = std::atoi(nice);
      }
      manager = std::make_unique<server::RulesManager>(f->engine.get(), options, nullptr);
      if (!manager->Update(RuleGroups()).ok()) {
        state.SkipWithError("rules refused");
        return;
      }
      manager->Start();
    }
    SendCounts load_counts, live_counts;
    std::atomic<bool> stop{false};
    const auto start = std::chrono::steady_clock::now();
    const int n_writers = Writers();
    ScrapeFeed feed(f->load.get(), n_writers);
    // Writers own disjoint blocks of series, so each ref has one writer.
    std::vector<SeriesRef> load_refs(f->load_labels.size(), 0);
    std::vector<std::thread> writers;
    for (int w = 0; w < n_writers; ++w) {
      writers.emplace_back([&, w] {
        const int64_t cpu_start = ThreadCpuNs();
        const auto& series = f->load_labels;
        for (uint64_t k = 0; !stop; ++k) {
          std::shared_ptr<const std::vector<Sample>> scrape = feed.Get(w, k);
          const std::vector<Sample>& samples = *scrape;
          // remote_write-sized requests of 2,000 samples: this writer's blocks of 2,000
          // consecutive series (block b goes to writer b % W).
          constexpr size_t kBlock = 2'000;
          for (size_t begin = static_cast<size_t>(w) * kBlock; begin < samples.size() && !stop;
               begin += static_cast<size_t>(n_writers) * kBlock) {
            SendRequest(f->engine.get(), series, samples, begin,
                        std::min(samples.size(), begin + kBlock), &load_counts,
                        by_ref ? &load_refs : nullptr);
          }
        }
        writer_cpu_ns += ThreadCpuNs() - cpu_start;
      });
    }
    // The rules' series, scraped at their wall-clock times.
    std::thread live([&] {
      std::vector<Sample> samples;
      while (!stop) {
        if (WallMs() < f->dataset->ScrapeTime(f->next_live_scrape)) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          continue;
        }
        f->dataset->NextScrape(&samples);
        ++f->next_live_scrape;
        for (size_t begin = 0; begin < samples.size(); begin += 2'000) {
          SendRequest(f->engine.get(), f->dataset->series(), samples, begin,
                      std::min(samples.size(), begin + 2'000), &live_counts);
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::seconds(30));
    stop = true;
    for (auto& w : writers) w.join();
    live.join();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    appended += load_counts.accepted;
    live_appended += live_counts.accepted;
    rejected_total += load_counts.rejected + live_counts.rejected;
    failed_total += load_counts.failed_commits + live_counts.failed_commits;
    if (first_error.empty()) {
      first_error =
          !load_counts.first_error.empty() ? load_counts.first_error : live_counts.first_error;
    }
    if (manager) {
      metrics = manager->Metrics();
      manager->Stop();
    }
  }
  if (failed_total > 0) {
    state.SkipWithError(
        (std::to_string(failed_total) + " commits failed, the first with: " + first_error).c_str());
    return;
  }
  state.counters["samples_per_s"] = double(appended) / seconds;
  state.counters["rejected"] = double(rejected_total);
  state.counters["live_samples"] = double(live_appended);
  state.counters["writer_cpu_ns_per_sample"] =
      appended > 0 ? double(writer_cpu_ns.load()) / double(appended) : 0;
  if (!metrics.empty()) {
    std::vector<double> ms;
    uint64_t iterations = 0, missed = 0;
    for (const auto& m : metrics) {
      if (m.iterations_total > 0) ms.push_back(m.last_duration_seconds * 1000);
      iterations += m.iterations_total;
      missed += m.iterations_missed_total;
    }
    if (!ms.empty()) ReportPercentiles(state, ms, "group");
    state.counters["group_evaluations"] = double(iterations);
    state.counters["group_evaluations_missed"] = double(missed);
  }
}
BENCHMARK(BM_IngestWithRules)
    ->ArgNames({"rules", "refs"})
    ->ArgsProduct({{0, 1}, {1, 0}})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
}  // namespace tidemark::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (auto* f = tidemark::bench::GetFixture(); f && f->engine) {
    f->engine.reset();
    std::filesystem::remove_all(f->dir);
  }
  return 0;
}
