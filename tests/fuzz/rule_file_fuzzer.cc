// Rule files and rule unit-test files (query/rules/rule_file.h, unit_test_file.h): any bytes are
// either refused with errors or give groups that a RuleGroup accepts, never a crash. yaml-cpp
// throws; the parsers must catch everything it throws.
#include <string>

#include "query/rules/group.h"
#include "query/rules/rule_file.h"
#include "query/rules/unit_test_file.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;  // the nesting and length limits are reached well below this
  const std::string_view input = fuzz::AsView(data, size);
  rules::RuleFileCheck check = rules::CheckRuleFileContent(input, "fuzz.yml");
  if (check.ok()) {
    // What validates must run: every expression parses, every group is accepted.
    for (rules::GroupSpec& group : check.groups) {
      auto g = rules::RuleGroup::Create(group, rules::RuleOptions{});
      if (!g.ok()) fuzz::Fail("a validated group is refused: " + g.status().ToString());
    }
    (void)rules::FindDuplicateRules(check.groups);
  } else if (check.groups.size() != 0) {
    fuzz::Fail("a refused file gave groups");
  }
  (void)rules::ParseRuleUnitTestFile(input);
  return 0;
}
