#include <charconv>
#include <chrono>
#include <climits>
#include <cstdio>
#include <memory>

#include "datagen/dataset.h"
#include "server/commands.h"
#include "tidemark/engine.h"

namespace tidemark::server {
namespace {

// `name{a="b",...} value timestamp_ms`, values in shortest round-trip form.
void WriteTextLine(std::FILE* f, const Labels& labels, const Sample& s) {
  std::string line(labels.Get("__name__"));
  line.push_back('{');
  bool first = true;
  for (const Label& l : labels) {
    if (l.name == "__name__") continue;
    if (!first) line.push_back(',');
    first = false;
    line += l.name + "=\"" + l.value + "\"";
  }
  line += "} ";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s.value);
  line.append(buf, end);
  line.push_back(' ');
  line += std::to_string(s.timestamp_ms);
  line.push_back('\n');
  std::fputs(line.c_str(), f);
}

}  // namespace

int RunGenerate(const GenerateOptions& o) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const uint64_t scrapes = static_cast<uint64_t>(o.hours * 3600 / 15);
  datagen::DatasetOptions dopts;
  dopts.profile =
      o.profile == "app" ? datagen::DatasetProfile::kApp : datagen::DatasetProfile::kNode;
  dopts.series = o.series;
  dopts.jitter_ms = o.jitter_ms;
  dopts.seed = o.seed;
  dopts.start_ms = now - static_cast<int64_t>(scrapes) * dopts.interval_ms;
  datagen::MetricsDataset dataset(dopts);

  Options options;
  options.maintenance_interval_ms = 0;
  options.zstd_level = o.zstd_level;
  auto engine = Engine::Open(options, o.dir);
  if (!engine.ok()) {
    std::fprintf(stderr, "tidemark generate: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> text(nullptr, &std::fclose);
  if (!o.text_out.empty()) {
    text.reset(std::fopen(o.text_out.c_str(), "w"));
    if (!text) {
      std::perror(("tidemark generate: " + o.text_out).c_str());
      return 1;
    }
  }
  auto appender = (*engine)->NewAppender();
  std::vector<SeriesRef> refs(dataset.size(), 0);
  std::vector<Sample> samples;
  uint64_t total = 0;
  for (uint64_t k = 0; k < scrapes; ++k) {
    dataset.NextScrape(&samples);
    for (size_t i = 0; i < samples.size(); ++i) {
      refs[i] = refs[i] != 0
                    ? appender->Add(refs[i], samples[i].timestamp_ms, samples[i].value)
                    : appender->Add(dataset.series()[i], samples[i].timestamp_ms, samples[i].value);
      if (text) WriteTextLine(text.get(), dataset.series()[i], samples[i]);
    }
    auto report = appender->Commit();
    if (!report.ok()) {
      std::fprintf(stderr, "tidemark generate: commit: %s\n", report.status().ToString().c_str());
      return 1;
    }
    total += report->accepted;
    // A checkpoint every 30 minutes of data, as the default checkpoint interval gives when the
    // samples arrive in real time.
    if ((k + 1) % 120 == 0 && !(*engine)->Flush().ok()) {
      std::fprintf(stderr, "tidemark generate: checkpoint failed\n");
      return 1;
    }
  }
  Status s = (*engine)->Flush();
  // Merge each series' per-checkpoint blocks, as background compaction eventually does.
  if (s.ok()) s = (*engine)->Compact(INT64_MAX);
  if (!s.ok()) {
    std::fprintf(stderr, "tidemark generate: flush: %s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("generated %llu samples of %zu series over %.2f hours into %s\n",
              static_cast<unsigned long long>(total), dataset.size(), o.hours, o.dir.c_str());
  return 0;
}

}  // namespace tidemark::server
