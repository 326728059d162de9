// Sub-commands of the `tidemark` binary.
#ifndef TIDEMARK_SERVER_COMMANDS_H_
#define TIDEMARK_SERVER_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tidemark/status.h"

namespace tidemark::server {

// Prints series counts, partitions, sizes and bytes per sample of a data directory, like
// `promtool tsdb analyze`. Returns the process exit code.
int RunInspect(const std::string& dir, int top);

struct GenerateOptions {
  std::string dir;
  std::string profile = "node";  // node | app (datagen/dataset.h)
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

struct CheckRulesOptions {
  std::vector<std::string> files;
  // Comma-separated lint checks: all, duplicate-rules (the default), none.
  std::string lint = "duplicate-rules";
  bool lint_fatal = false;  // lint problems exit with 3 instead of 0
  // Prometheus 3's UTF-8 metric and label names; false: Prometheus 2's legacy names.
  bool utf8_names = true;
};
// Validates rule files as `promtool check rules` does, with its output and exit codes: 0 valid,
// 1 an error in a file (or a file missing), 3 lint problems with lint_fatal.
int RunCheckRules(const CheckRulesOptions& options);

// Runs rule unit test files as `promtool test rules` does: 0 all passed, 1 otherwise.
int RunTestRules(const std::vector<std::string>& files, bool utf8_names);

struct ServerConfig;
// Reads the configuration again (file and flags), for a reload.
using ConfigLoader = std::function<Result<ServerConfig>()>;
// Runs the server until SIGTERM or SIGINT; exit code 2 for a bad configuration. SIGHUP and
// POST /-/reload call `reload` (if set) and apply what can change while running: the rules.
int RunServe(const ServerConfig& config, ConfigLoader reload = nullptr);

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_COMMANDS_H_
