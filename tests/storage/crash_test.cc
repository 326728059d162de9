// SIGKILLs a writer in the middle of a stream of commits and checks after reopening that every
// acknowledged sample is present and nothing else was invented.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <random>
#include <thread>

#include "tests/storage/crash_spans.h"
#include "tests/storage/test_util.h"

namespace tidemark {
namespace {

using testing::TempDir;

constexpr int kSeries = 25;
double ValueOf(int series, int commit) { return series * 1000.0 + commit * 0.25; }

// Runs the writer from `first_commit`, kills it after it acknowledged `kill_after` commits (or
// after a time limit), and returns the last acknowledged commit number (-1 if none).
int RunAndKill(const std::string& dir, const char* policy, int first_commit, int kill_after,
               std::mt19937* rng) {
  int pipefd[2];
  EXPECT_EQ(::pipe(pipefd), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], STDOUT_FILENO);
    ::close(pipefd[0]);
    const std::string first = std::to_string(first_commit);
    ::execl(CRASH_WRITER_PATH, CRASH_WRITER_PATH, dir.c_str(), policy, first.c_str(), nullptr);
    _exit(127);
  }
  ::close(pipefd[1]);
  FILE* in = ::fdopen(pipefd[0], "r");
  int last_ack = -1, acks = 0;
  char line[64];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (acks < kill_after && std::chrono::steady_clock::now() < deadline &&
         std::fgets(line, sizeof line, in)) {
    int n;
    if (std::sscanf(line, "ack %d", &n) == 1) {
      last_ack = n;
      ++acks;
    }
  }
  // Let the writer run on a little, so the kill lands mid-commit or mid-checkpoint.
  std::this_thread::sleep_for(std::chrono::microseconds((*rng)() % 3000));
  ::kill(pid, SIGKILL);
  // Acks printed before the kill count as acknowledged too.
  while (std::fgets(line, sizeof line, in)) {
    int n;
    if (std::sscanf(line, "ack %d", &n) == 1) last_ack = n;
  }
  std::fclose(in);
  int wstatus;
  ::waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFSIGNALED(wstatus)) << "writer exited by itself";
  return last_ack;
}

// Checks the data and returns the highest commit present for every series. `acked` lists the
// commit ranges acknowledged so far (a commit can be stored but unacknowledged when the kill came
// between its samples and its spans; the next run starts after it).
int Verify(const std::string& dir, int first_commit, int last_ack,
           const std::vector<std::pair<int, int>>& acked) {
  Options o = testing::TestOptions();
  o.span_retention_ms = 0;
  auto engine = Engine::Open(o, dir);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) return -1;
  auto all = testing::ReadAll(**engine, {LabelMatcher::Equal("__name__", "crash")});
  int common_last = INT_MAX;
  for (int s = 0; s < kSeries; ++s) {
    const auto& samples = all["crash{s=\"" + std::to_string(s) + "\"}"];
    // Exactly commits first_commit.. k for some k >= last_ack, each with its value.
    EXPECT_GE(static_cast<int>(samples.size()) - 1 + first_commit, last_ack) << "series " << s;
    for (size_t i = 0; i < samples.size(); ++i) {
      const int c = first_commit + static_cast<int>(i);
      EXPECT_EQ(samples[i].timestamp_ms, c * 1000LL) << "series " << s;
      EXPECT_EQ(samples[i].value, ValueOf(s, c)) << "series " << s;
    }
    common_last = std::min(common_last, first_commit + static_cast<int>(samples.size()) - 1);
  }
  // Spans: every acknowledged commit's trace whole and exact; after it, only whole traces
  // of commits that were written, and nothing else.
  for (int c = first_commit; c <= last_ack + 20; ++c) {
    auto trace = (*engine)->GetTrace(crash::TraceIdOf(c));
    const bool was_acked = std::any_of(acked.begin(), acked.end(),
                                       [c](auto r) { return c >= r.first && c <= r.second; });
    if (was_acked) {
      EXPECT_TRUE(trace.ok()) << "acknowledged trace of commit " << c << ": "
                              << trace.status().ToString();
    }
    if (!trace.ok()) {
      EXPECT_EQ(trace.status().code(), StatusCode::kNotFound);
      continue;
    }
    EXPECT_TRUE(*trace == crash::SpansOf(c)) << "trace of commit " << c << " differs";
  }
  return common_last;
}

class CrashTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CrashTest, AcknowledgedCommitsSurviveSigkill) {
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  int next = 0;
  std::vector<std::pair<int, int>> acked;
  for (int round = 0; round < 3; ++round) {
    const int last_ack =
        RunAndKill(dir.path(), GetParam(), next, 60 + static_cast<int>(rng() % 60), &rng);
    ASSERT_GE(last_ack, next) << "writer acknowledged nothing";
    acked.emplace_back(next, last_ack);
    const int present = Verify(dir.path(), 0, last_ack, acked);
    ASSERT_GE(present, last_ack);
    // The writer's next run continues after what is stored (a commit applied to every series).
    next = present + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, CrashTest, ::testing::Values("every", "group", "none"));

}  // namespace
}  // namespace tidemark
