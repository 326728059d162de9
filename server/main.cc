// The `tidemark` binary. The server (`tidemark serve`) arrives with the ingestion issue; until
// then it inspects data directories and fills them with the benchmark dataset.
#include <CLI/CLI.hpp>

#include "server/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"tidemark: an embedded time-series and trace storage engine"};
  app.require_subcommand(1);

  std::string inspect_dir;
  int top = 10;
  auto* inspect = app.add_subcommand("inspect", "Print series, partitions and bytes per sample of a data directory");
  inspect->add_option("dir", inspect_dir, "data directory")->required();
  inspect->add_option("--top", top, "how many metric names and label names to list")->check(CLI::Range(1, 1000));

  tidemark::server::GenerateOptions gen;
  auto* generate = app.add_subcommand("generate", "Fill a data directory with the realistic benchmark dataset");
  generate->add_option("dir", gen.dir, "data directory")->required();
  generate->add_option("--series", gen.series, "number of series (about 100 per target)")->check(CLI::Range(1, 10'000'000));
  generate->add_option("--hours", gen.hours, "hours of 15 s scrapes, ending now")->check(CLI::Range(0.01, 24.0 * 365));
  generate->add_option("--jitter-ms", gen.jitter_ms, "scrape timestamp jitter, +- milliseconds")->check(CLI::Range(0, 1000));
  generate->add_option("--seed", gen.seed, "random seed");
  generate->add_option("--zstd-level", gen.zstd_level, "zstd level of segment blocks")->check(CLI::Range(1, 19));
  generate->add_option("--text-out", gen.text_out, "also write the samples as Prometheus text with timestamps");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*inspect) return tidemark::server::RunInspect(inspect_dir, top);
  if (*generate) return tidemark::server::RunGenerate(gen);
  return 2;
}
