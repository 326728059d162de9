// Rule unit tests as `promtool test rules` runs them (Prometheus' cmd/promtool/unittest.go), on
// RuleGroup and the PromQL engine over a fresh in-memory store per test group; no scheduler.
//
// For each test group of a file (unit_test_file.h):
// - the rule files (relative to the test file, globbed; a pattern matching nothing is a warning)
//   are loaded as groups whose default interval is the test's `interval`, in file order, then
//   stably sorted by their place in group_eval_order (a group it does not name counts as its
//   first; promtool leaves the order of such ties to chance);
// - from time 0 to the largest eval_time, every evaluation_interval: the input series' samples up
//   to that instant are written, then every group is evaluated in order. A rule that fails ends
//   the test group with "    rule: NAME, time: 1m0s, err: ...". Alerting rules count as
//   restored, so ALERTS and ALERTS_FOR_STATE are written (promtool marks them restored; nothing
//   is read back);
// - an alert_rule_test is checked after the evaluation at the last instant <= its eval_time: the
//   firing alerts of that name (labels with alertname, expanded annotations) must equal
//   exp_alerts exactly, in any order;
// - promql_expr_tests run after the last evaluation, as instant queries at their eval_time;
//   the samples must equal exp_samples (labels exactly, values with ==, so NaN never matches,
//   as in promtool).
// Failures are worded as promtool words them, with its sorting and its exp/got listings.
//
// Thread safety: RunRuleUnitTestFile may run on several threads at once with separate storage.
#ifndef TIDEMARK_QUERY_RULES_UNIT_TEST_RUNNER_H_
#define TIDEMARK_QUERY_RULES_UNIT_TEST_RUNNER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "query/rules/rule_file.h"
#include "query/rules/unit_test_file.h"
#include "tidemark/engine.h"
#include "tidemark/querier.h"

namespace tidemark::rules {

// An empty store for one test group: samples written through NewAppender are read by querier()
// once committed (storage::MemoryStore, say).
class RuleTestStorage {
 public:
  virtual ~RuleTestStorage() = default;
  virtual SampleQuerier& querier() = 0;
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};
using RuleTestStorageFactory = std::function<std::unique_ptr<RuleTestStorage>()>;

struct RuleUnitTestOptions {
  RuleFileOptions rule_files;
};

struct RuleUnitTestResult {
  // Printed before the failures, on stderr: "  WARNING: no file match pattern tests/x*.yml".
  std::vector<std::string> warnings;
  // One entry per failure, as promtool prints it (several lines for exp/got listings). Empty:
  // the file passed.
  std::vector<std::string> failures;

  bool ok() const { return failures.empty(); }
};

// Runs every test group of the unit test file at `path`.
RuleUnitTestResult RunRuleUnitTestFile(const std::string& path,
                                       const RuleTestStorageFactory& new_storage,
                                       const RuleUnitTestOptions& options = {});

}  // namespace tidemark::rules

#endif  // TIDEMARK_QUERY_RULES_UNIT_TEST_RUNNER_H_
