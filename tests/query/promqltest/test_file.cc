#include "tests/query/promqltest/test_file.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "tests/query/promqltest/text.h"
#include "util/go_text.h"
#include "util/status_macros.h"

namespace tidemark::promqltest {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

Status LineError(size_t index, std::string_view message) {
  return Status::InvalidArgument("line " + std::to_string(index + 1) + ": " + std::string(message));
}

// The first whitespace-separated word of a line ("@st" lines mark start timestamps).
bool IsStartTimestampLine(std::string_view line) {
  size_t space = line.find_first_of(" \t");
  if (space == std::string_view::npos) return false;
  return line.substr(0, space).ends_with("@st");
}

// Lines trimmed, comment lines blanked, as the harness sees them.
std::vector<std::string_view> GetLines(std::string_view content) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    size_t nl = content.find('\n', start);
    std::string_view line = content.substr(start, nl == std::string_view::npos ? nl : nl - start);
    line = util::GoTrimSpace(line);
    if (line.starts_with("#")) line = {};
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

void SetExpectedSeries(EvalCommand* cmd, ExpectedSeries series) {
  for (ExpectedSeries& existing : cmd->expected_series) {
    if (existing.metric == series.metric) {
      existing = std::move(series);
      return;
    }
  }
  cmd->expected_series.push_back(std::move(series));
}

Result<LoadCommand> ParseLoad(const std::vector<std::string_view>& lines, size_t* index) {
  size_t i = *index;
  std::string_view header = lines[i];
  LoadCommand cmd;
  cmd.line = static_cast<int>(i + 1);
  std::string_view rest;
  if (header.starts_with("load_with_nhcb") && header.size() > 14 && IsBlank(header[14])) {
    cmd.with_nhcb = true;
    rest = header.substr(14);
  } else if (header.starts_with("load") && header.size() > 4 && IsBlank(header[4])) {
    rest = header.substr(4);
  } else {
    return LineError(i, "invalid load command. (load[_with_nhcb] <step:duration>)");
  }
  rest = util::GoTrimSpace(rest);
  auto interval = ParseTestDuration(rest);
  if (!interval.ok()) {
    return LineError(
        i, "invalid step definition \"" + std::string(rest) + "\": " + interval.status().message());
  }
  cmd.interval_ms = *interval;
  while (i + 1 < lines.size()) {
    ++i;
    if (lines[i].empty()) {
      --i;
      break;
    }
    // Start timestamps (`metric@st <offsets>`) are a storage feature tidemark does not have;
    // the lines are accepted and ignored.
    if (IsStartTimestampLine(lines[i])) continue;
    auto series = ParseSeriesDescription(lines[i]);
    if (!series.ok()) return LineError(i, series.status().message());
    bool replaced = false;
    for (SeriesDescription& existing : cmd.series) {
      if (existing.metric == series->metric) {
        existing = std::move(*series);
        replaced = true;
        break;
      }
    }
    if (!replaced) cmd.series.push_back(std::move(*series));
  }
  *index = i;
  return cmd;
}

Result<Expectation> ParseExpect(std::string_view line) {
  static const RE2 kExpect(
      R"(^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$)");
  std::string mode, match_type, argument;
  if (!RE2::FullMatch(line, kExpect, &mode, &match_type, &argument)) {
    return Status::InvalidArgument(
        "invalid expect statement, must match `expect <type> <match_type>: <string>` format");
  }
  Expectation e;
  if (mode == "ordered") e.kind = ExpectKind::kOrdered;
  if (mode == "fail") e.kind = ExpectKind::kFail;
  if (mode == "warn") e.kind = ExpectKind::kWarn;
  if (mode == "no_warn") e.kind = ExpectKind::kNoWarn;
  if (mode == "info") e.kind = ExpectKind::kInfo;
  if (mode == "no_info") e.kind = ExpectKind::kNoInfo;
  if (match_type == "msg") {
    e.is_regex = false;
    e.text = std::string(util::GoTrimSpace(argument));
  } else if (match_type == "regex") {
    e.text = std::string(util::GoTrimSpace(argument));
    RE2 re(e.text, RE2::Quiet);
    if (!re.ok()) return Status::InvalidArgument("invalid regex " + e.text + " for " + mode);
  }
  return e;
}

Status ValidateExpectations(const EvalCommand& cmd) {
  auto count = [&](ExpectKind kind) { return cmd.Expectations(kind).size(); };
  if (count(ExpectKind::kInfo) > 0 && count(ExpectKind::kNoInfo) > 0) {
    return Status::InvalidArgument(
        "invalid expect lines, info and no_info cannot be used together");
  }
  if (count(ExpectKind::kWarn) > 0 && count(ExpectKind::kNoWarn) > 0) {
    return Status::InvalidArgument(
        "invalid expect lines, warn and no_warn cannot be used together");
  }
  if (count(ExpectKind::kFail) > 1) {
    return Status::InvalidArgument(
        "invalid expect lines, multiple expect fail lines are not allowed");
  }
  return Status::OK();
}

struct TimeRange {
  int64_t from = 0;
  int64_t to = 0;
  int64_t step = 0;
};

Result<TimeRange> ParseTimeRange(std::string_view from, std::string_view to,
                                 std::string_view step) {
  TimeRange r;
  auto f = ParseTestDuration(from);
  if (!f.ok()) {
    return Status::InvalidArgument("invalid start timestamp definition \"" + std::string(from) +
                                   "\": " + f.status().message());
  }
  auto t = ParseTestDuration(to);
  if (!t.ok()) {
    return Status::InvalidArgument("invalid end timestamp definition \"" + std::string(to) +
                                   "\": " + t.status().message());
  }
  if (*t < *f) {
    return Status::InvalidArgument("invalid test definition, end timestamp (" + std::string(to) +
                                   ") is before start timestamp (" + std::string(from) + ")");
  }
  auto s = ParseTestDuration(step);
  if (!s.ok()) {
    return Status::InvalidArgument("invalid step definition \"" + std::string(step) +
                                   "\": " + s.status().message());
  }
  r.from = *f;
  r.to = *t;
  r.step = *s;
  return r;
}

Result<EvalCommand> ParseEval(const std::vector<std::string_view>& lines, size_t* index) {
  static const RE2 kInstant(
      R"(^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$)");
  static const RE2 kRange(
      R"(^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$)");
  static const RE2 kExpectRange(R"(^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$)");
  constexpr std::string_view kRangeVectorPrefix = "expect range vector";
  constexpr std::string_view kStringPrefix = "expect string";

  size_t i = *index;
  const std::string_view header = lines[i];
  EvalCommand cmd;
  cmd.line = static_cast<int>(i + 1);
  std::string mod, at, from, to, step, expr;
  auto error = [&](std::string_view message) {
    return LineError(i, "error in eval " + cmd.expr + ": " + std::string(message));
  };
  if (RE2::FullMatch(header, kInstant, &mod, &at, &expr)) {
    cmd.expr = expr;
    auto eval_time = ParseTestDuration(at);
    if (!eval_time.ok()) {
      return error("invalid timestamp definition \"" + at + "\": " + eval_time.status().message());
    }
    cmd.eval_ms = *eval_time;
    cmd.start_ms = *eval_time;
  } else if (RE2::FullMatch(header, kRange, &mod, &from, &to, &step, &expr)) {
    cmd.expr = expr;
    cmd.is_range = true;
    auto range = ParseTimeRange(from, to, step);
    if (!range.ok()) return error(range.status().message());
    cmd.start_ms = range->from;
    cmd.end_ms = range->to;
    cmd.step_ms = range->step;
    cmd.has_end = true;
  } else {
    return LineError(i,
                     "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] "
                     "instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range from "
                     "<from> to <to> step <step> <query>'");
  }
  cmd.legacy_fail = mod == "fail";
  cmd.legacy_warn = mod == "warn";
  cmd.legacy_info = mod == "info";
  cmd.legacy_ordered = mod == "ordered";

  bool expect_range_vector = false;
  // The position counter of Prometheus' harness: every line but `expect <kind>` lines advances it.
  int position = 1;
  for (; i + 1 < lines.size(); ++position) {
    ++i;
    std::string_view def = lines[i];
    if (def.empty()) {
      --i;
      break;
    }
    if (cmd.legacy_fail && def.starts_with("expected_fail_message")) {
      cmd.expected_fail_message = std::string(
          util::GoTrimSpace(def.substr(std::string_view("expected_fail_message").size())));
      break;
    }
    if (cmd.legacy_fail && def.starts_with("expected_fail_regexp")) {
      cmd.expected_fail_regexp = std::string(
          util::GoTrimSpace(def.substr(std::string_view("expected_fail_regexp").size())));
      RE2 re(cmd.expected_fail_regexp, RE2::Quiet);
      if (!re.ok()) return error("invalid regexp '" + cmd.expected_fail_regexp + "'");
      break;
    }
    if (def.starts_with(kRangeVectorPrefix)) {
      if (!RE2::FullMatch(def, kExpectRange, &from, &to, &step)) {
        return error("invalid range vector definition \"" + std::string(def) + "\"");
      }
      auto range = ParseTimeRange(from, to, step);
      if (!range.ok()) return error(range.status().message());
      expect_range_vector = true;
      cmd.start_ms = range->from;
      cmd.end_ms = range->to;
      cmd.step_ms = range->step;
      cmd.eval_ms = range->to;
      cmd.has_end = true;
      cmd.exclude_from_range_query = true;
      continue;
    }
    if (def.starts_with(kStringPrefix)) {
      constexpr std::string_view kWithSpace = "expect string ";
      if (def == kStringPrefix || !def.starts_with(kWithSpace) || def.size() == kWithSpace.size()) {
        return error("expected string literal not valid - a quoted string literal is required");
      }
      auto unquoted = UnquoteString(def.substr(kWithSpace.size()));
      if (!unquoted.ok()) {
        return error(
            "expected string literal not valid - check that the string is correctly quoted");
      }
      cmd.expected_string = *unquoted;
      cmd.exclude_from_range_query = true;
      continue;
    }
    if (def.substr(0, def.find(' ')) == "expect") {
      auto expectation = ParseExpect(def);
      if (!expectation.ok()) return error(expectation.status().message());
      cmd.expectations.push_back(std::move(*expectation));
      Status valid = ValidateExpectations(cmd);
      if (!valid.ok()) return error(valid.message());
      --position;
      continue;
    }
    if (auto number = ParseTestNumber(def); number.ok()) {
      cmd.expect_scalar = true;
      cmd.expected_scalar = *number;
      break;
    }
    auto series = ParseSeriesDescription(def);
    if (!series.ok()) return LineError(i, series.status().message());
    if (series->values.size() > 1 && !cmd.is_range && !expect_range_vector) {
      return error(
          "expecting multiple values in instant evaluation not allowed. consider using 'expect "
          "range vector' directive to enable a range vector result for an instant query");
    }
    cmd.expect_scalar = false;
    SetExpectedSeries(&cmd, ExpectedSeries{.metric = std::move(series->metric),
                                           .values = std::move(series->values),
                                           .position = position,
                                           .native_histogram = series->native_histogram});
  }
  *index = i;
  return cmd;
}

}  // namespace

bool EvalCommand::IsFail() const { return legacy_fail || !Expectations(ExpectKind::kFail).empty(); }

bool EvalCommand::IsOrdered() const {
  return legacy_ordered || !Expectations(ExpectKind::kOrdered).empty();
}

std::vector<const Expectation*> EvalCommand::Expectations(ExpectKind kind) const {
  std::vector<const Expectation*> out;
  for (const Expectation& e : expectations) {
    if (e.kind == kind) out.push_back(&e);
  }
  return out;
}

bool EvalCommand::ExpectsNativeHistogram() const {
  return std::any_of(expected_series.begin(), expected_series.end(),
                     [](const ExpectedSeries& s) { return s.native_histogram; });
}

Result<TestFile> ParseTestFile(std::string_view content) {
  std::vector<std::string_view> lines = GetLines(content);
  TestFile file;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) continue;
    std::string command = ToLower(line.substr(0, line.find_first_of(" \t")));
    if (command == "clear") {
      // Constructed in place: GCC 12 warns (falsely) about a variant moved from a temporary.
      auto& clear = file.commands.emplace_back(std::in_place_type<ClearCommand>);
      std::get<ClearCommand>(clear).line = static_cast<int>(i + 1);
    } else if (command.starts_with("load")) {
      TM_ASSIGN_OR_RETURN(LoadCommand load, ParseLoad(lines, &i));
      file.commands.push_back(std::move(load));
    } else if (command.starts_with("eval")) {
      TM_ASSIGN_OR_RETURN(EvalCommand eval, ParseEval(lines, &i));
      file.commands.push_back(std::move(eval));
    } else {
      return LineError(i, "invalid command \"" + std::string(line) + "\"");
    }
  }
  return file;
}

}  // namespace tidemark::promqltest