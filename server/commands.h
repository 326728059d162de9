// Sub-commands of the `tidemark` binary.
#ifndef TIDEMARK_SERVER_COMMANDS_H_
#define TIDEMARK_SERVER_COMMANDS_H_

#include <cstdint>
#include <string>

namespace tidemark::server {

// Prints series counts, partitions, sizes and bytes per sample of a data directory, like
// `promtool tsdb analyze`. Returns the process exit code.
int RunInspect(const std::string& dir, int top);

struct GenerateOptions {
  std::string dir;
  uint64_t series = 10'000;
  double hours = 6;
  int jitter_ms = 5;
  uint64_t seed = 42;
  int zstd_level = 3;
  // If set, the same samples are also written there in Prometheus text format with millisecond
  // timestamps (what VictoriaMetrics' /api/v1/import/prometheus takes), for side-by-side sizes.
  std::string text_out;
};
// Fills a data directory with the realistic benchmark dataset, ending now.
int RunGenerate(const GenerateOptions& options);

struct ServerConfig;
// Runs the server until SIGTERM or SIGINT; exit code 2 for a bad configuration.
int RunServe(const ServerConfig& config);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_COMMANDS_H_
