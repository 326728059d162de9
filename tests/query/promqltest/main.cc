// promql_conformance: runs Prometheus' PromQL test files against tidemark.
//
//   promql_conformance [--verbose] [--report-only] [--max-samples=N] file.test...
//
// Prints `<file>: N passed, M failed, K skipped` per file, then each failure (line, expression,
// reason); --verbose also lists skipped cases. Exit code 0 iff no case failed and every file could
// be read and parsed; with --report-only always 0 (for files whose features are not done yet).
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/query/promqltest/runner.h"
#include "tests/query/promqltest/test_file.h"

namespace {

using tidemark::promqltest::CaseStatus;

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  *out = buf.str();
  return static_cast<bool>(in) || in.eof();
}

// `s` with control characters and bytes outside printable ASCII escaped as \xNN, so that a
// reason quoting raw label bytes cannot garble the terminal or the ctest log.
std::string Printable(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

int Usage() {
  std::fprintf(stderr,
               "usage: promql_conformance [--verbose] [--report-only] [--max-samples=N] "
               "file.test...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = false;
  bool report_only = false;
  tidemark::promqltest::RunnerOptions options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "--report-only") {
      report_only = true;
    } else if (arg.starts_with("--max-samples=")) {
      std::string_view v = arg.substr(std::string_view("--max-samples=").size());
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), options.max_samples);
      if (ec != std::errc() || ptr != v.data() + v.size()) return Usage();
    } else if (arg.starts_with("--")) {
      return Usage();
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) return Usage();

  bool any_failure = false;
  int total_passed = 0, total_failed = 0, total_skipped = 0;
  for (const std::string& path : files) {
    const std::string name = std::filesystem::path(path).filename().string();
    std::string content;
    if (!ReadFile(path, &content)) {
      std::printf("%s: cannot read %s\n", name.c_str(), path.c_str());
      any_failure = true;
      continue;
    }
    auto parsed = tidemark::promqltest::ParseTestFile(content);
    if (!parsed.ok()) {
      std::printf("%s: cannot parse: %s\n", name.c_str(), parsed.status().message().c_str());
      any_failure = true;
      continue;
    }
    auto result = tidemark::promqltest::RunTestFile(*parsed, options);
    if (!result.ok()) {
      std::printf("%s: cannot run: %s\n", name.c_str(), result.status().ToString().c_str());
      any_failure = true;
      continue;
    }
    std::printf("%s: %d passed, %d failed, %d skipped\n", name.c_str(), result->passed,
                result->failed, result->skipped);
    for (const auto& c : result->cases) {
      if (c.status == CaseStatus::kFailed || (verbose && c.status == CaseStatus::kSkipped)) {
        std::printf("  %s:%d: %s%s\n      %s\n", name.c_str(), c.line,
                    c.status == CaseStatus::kSkipped ? "SKIP " : "", Printable(c.expr).c_str(),
                    Printable(c.reason).c_str());
      } else if (verbose && c.status == CaseStatus::kPassed) {
        std::printf("  %s:%d: ok %s\n", name.c_str(), c.line, Printable(c.expr).c_str());
      }
    }
    std::fflush(stdout);
    total_passed += result->passed;
    total_failed += result->failed;
    total_skipped += result->skipped;
    if (result->failed > 0) any_failure = true;
  }
  if (files.size() > 1) {
    std::printf("total: %d passed, %d failed, %d skipped\n", total_passed, total_failed,
                total_skipped);
  }
  return any_failure && !report_only ? 1 : 0;
}
