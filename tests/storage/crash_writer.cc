// Child process of the crash test: writes a deterministic stream of commits and prints
// "ack N" after commit N was acknowledged. The parent SIGKILLs it at a random moment.
//   crash_writer DIR POLICY(every|group|none) FIRST_COMMIT
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/storage/crash_spans.h"
#include "tidemark/engine.h"

namespace {
constexpr int kSeries = 25;
double ValueOf(int series, int commit) { return series * 1000.0 + commit * 0.25; }
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  tidemark::Options o;
  const std::string policy = argv[2];
  o.sync_policy = policy == "every"   ? tidemark::SyncPolicy::kEveryCommit
                  : policy == "group" ? tidemark::SyncPolicy::kGroupCommit
                                      : tidemark::SyncPolicy::kNone;
  o.retention_ms = 0;
  o.samples_per_chunk = 16;
  o.maintenance_interval_ms = 0;
  o.span_retention_ms = 0;
  o.span_segment_max_spans = 90;  // segments are written in the middle of the stream too
  o.span_segment_max_age_ms = 5;
  auto engine = tidemark::Engine::Open(o, argv[1]);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  auto app = (*engine)->NewAppender();
  for (int c = std::atoi(argv[3]); c < 1'000'000; ++c) {
    for (int s = 0; s < kSeries; ++s) {
      app->Add(tidemark::Labels{{"__name__", "crash"}, {"s", std::to_string(s)}}, c * 1000LL,
               ValueOf(s, c));
    }
    auto r = app->Commit();
    if (!r.ok() || r->accepted != kSeries) {
      std::fprintf(stderr, "commit %d failed\n", c);
      return 1;
    }
    auto spans = (*engine)->AppendSpans(tidemark::crash::SpansOf(c));
    if (!spans.ok() || spans->accepted != tidemark::crash::kSpansPerCommit) {
      std::fprintf(stderr, "span append %d failed\n", c);
      return 1;
    }
    std::printf("ack %d\n", c);
    std::fflush(stdout);
    // Checkpoints in the middle of the stream, so crashes hit them too.
    if (c % 37 == 0 && !(*engine)->Flush().ok()) return 1;
  }
  return 0;
}
