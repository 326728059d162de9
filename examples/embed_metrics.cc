// Embedding tidemark: open an engine, write a few samples, read them back, run a PromQL query.
//   embed_metrics /tmp/tidemark-example
#include <cstdio>

#include "tidemark/engine.h"
#include "tidemark/promql.h"
#include "tidemark/version.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
    return 2;
  }
  std::printf("tidemark %s\n", TIDEMARK_VERSION_STRING);
  tidemark::Options options;
  options.sync_policy = tidemark::SyncPolicy::kEveryCommit;
  options.retention_ms = 0;  // keep everything: the samples below are from November 2023
  auto engine = tidemark::Engine::Open(options, argv[1]);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 1;
  }

  const int64_t t0 = 1'700'000'000'000;
  auto appender = (*engine)->NewAppender();
  for (int i = 0; i < 10; ++i) {
    appender->Add(
        tidemark::Labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}},
        t0 + i * 15'000, 100.0 + i * 3);
    appender->Add(
        tidemark::Labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "500"}},
        t0 + i * 15'000, i);
  }
  auto report = appender->Commit();
  if (!report.ok()) {
    std::fprintf(stderr, "commit: %s\n", report.status().ToString().c_str());
    return 1;
  }
  std::printf("accepted %llu samples, rejected %llu\n", (unsigned long long)report->accepted,
              (unsigned long long)report->rejected);

  auto set = (*engine)->Select({tidemark::LabelMatcher::Equal("__name__", "http_requests_total"),
                                tidemark::LabelMatcher::Regex("code", "5..")},
                               t0, t0 + 3'600'000);
  if (!set.ok()) {
    std::fprintf(stderr, "select: %s\n", set.status().ToString().c_str());
    return 1;
  }
  while ((*set)->Next()) {
    std::printf("%s\n", (*set)->labels().ToString().c_str());
    tidemark::SampleIterator* it = (*set)->Samples();
    while (it->Next()) std::printf("  %lld %g\n", (long long)it->At().timestamp_ms, it->At().value);
    if (!it->status().ok()) std::fprintf(stderr, "read: %s\n", it->status().ToString().c_str());
  }
  if (!(*set)->status().ok()) return 1;

  auto sum = tidemark::EvaluateInstant(**engine, "sum(http_requests_total)", t0 + 135'000);
  if (!sum.ok() || sum->series.size() != 1) {
    std::fprintf(stderr, "promql: %s\n", sum.status().ToString().c_str());
    return 1;
  }
  std::printf("sum(http_requests_total) = %g\n", sum->series[0].points[0].value);
  return 0;
}
