// Runs a parsed PromQL test file against tidemark's storage and PromQL engine, checking every
// eval as Prometheus' promqltest harness does:
// - `load` appends the series into the current storage (a fresh Engine in a temporary directory,
//   replaced on `clear`); samples at load offset 0 + i * interval, ms since the epoch.
// - instant evals also run (a) with `@ <eval time>` added to every selector and subquery and
//   evaluated at other times (unless the expression uses a function whose result depends on the
//   evaluation time), and (b) as a range query over [t - 1m, t + 1m] step 1m whose middle step
//   must give the same result;
// - results are compared with a relative tolerance of 1e-6 (NaN equals NaN), series by label set,
//   range results point by point; annotations only when the eval has expect warn/info lines.
// Native histograms are not supported yet: an eval whose expected output uses `{{...}}` or whose
// expression selects a series that had native-histogram samples is reported as skipped.
//
// Thread safety: RunTestFile is reentrant; each call uses its own storage.
#ifndef TIDEMARK_TESTS_QUERY_PROMQLTEST_RUNNER_H_
#define TIDEMARK_TESTS_QUERY_PROMQLTEST_RUNNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/query/promqltest/test_file.h"
#include "tidemark/status.h"

namespace tidemark::promqltest {

struct RunnerOptions {
  // Directory under which each storage gets a fresh subdirectory; empty: the system temp dir.
  std::string temp_root;
  // Prometheus' test engine limit (DefaultMaxSamplesPerQuery).
  int64_t max_samples = 10000;
};

enum class CaseStatus { kPassed, kFailed, kSkipped };

// The outcome of one eval (or of a load that could not be stored).
struct CaseResult {
  int line = 0;
  std::string expr;  // the eval's expression; "load" for a load failure
  CaseStatus status = CaseStatus::kPassed;
  // Why it failed or was skipped; names the query variant that failed (e.g. with `@`).
  std::string reason;
};

struct FileResult {
  std::vector<CaseResult> cases;
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

// Runs every command of `file`. Returns an error only when the storage cannot be set up (cannot
// create or open the directory); query and comparison failures are cases.
Result<FileResult> RunTestFile(const TestFile& file, const RunnerOptions& options);

}  // namespace tidemark::promqltest

#endif  // TIDEMARK_TESTS_QUERY_PROMQLTEST_RUNNER_H_
