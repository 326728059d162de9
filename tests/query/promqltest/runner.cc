#include "tests/query/promqltest/runner.h"

#include <re2/re2.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>

#include "query/ast.h"
#include "query/engine.h"
#include "query/parser.h"
#include "query/value.h"
#include "tidemark/engine.h"
#include "tidemark/options.h"
#include "util/status_macros.h"
#include "util/utf8.h"

namespace tidemark::promqltest {
namespace {

using promql::Expr;
using promql::ExprKind;
using promql::QueryResult;
using promql::ValueType;

// Relative tolerance of sample comparisons (Prometheus' defaultEpsilon).
constexpr double kEpsilon = 1e-6;
// Prometheus' test engine timeout.
constexpr std::chrono::seconds kQueryTimeout{100};
// The range-mode cross-check of an instant eval runs over [t - 1m, t + 1m] with a 1m step.
constexpr int64_t kRangeCheckStepMs = 60'000;

// A failed check: why. No value means the check passed.
using Failure = std::optional<std::string>;

// Functions whose result changes with the evaluation time even when their arguments do not
// (Prometheus' AtModifierUnsafeFunctions): the `@` variants are not run for them. start(), end(),
// range() and step() belong here too: Prometheus 3.14's own cases (`eval instant at 0s start()`
// expecting 0) could not pass if their `@` variants ran at other times.
bool IsAtModifierUnsafe(std::string_view function) {
  static const std::set<std::string_view> kUnsafe = {
      "days_in_month", "day_of_month", "day_of_week", "day_of_year",    "hour",
      "minute",        "month",        "year",        "predict_linear", "time",
      "timestamp",     "start",        "end",         "range",          "step"};
  return kUnsafe.contains(function);
}

// Go decodes each invalid UTF-8 byte as U+FFFD, which `.` matches; RE2 would not match the raw
// byte. Messages are converted the same way before a regular expression is applied to them.
std::string ReplaceInvalidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t width = 0;
    const char32_t r = util::DecodeUtf8Rune(s, i, &width);
    if (r == util::kRuneError && width == 1) {
      util::AppendUtf8(&out, util::kRuneError);
    } else {
      out.append(s.substr(i, width));
    }
    i += width;
  }
  return out;
}

// Prometheus' almost.Equal: NaN equals NaN; otherwise a relative difference below epsilon, with
// an absolute floor near zero.
bool AlmostEqual(double a, double b, double epsilon) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  const double min_normal = std::numeric_limits<double>::min();
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < min_normal) return diff < epsilon * min_normal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

std::string FormatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "?";
  return std::string(buf, ptr);
}

std::string FormatTime(int64_t ms) { return FormatFloat(static_cast<double>(ms) / 1000.0) + "s"; }

std::string FormatPoints(const std::vector<promql::FPoint>& points) {
  std::string out =
      std::to_string(points.size()) + " float point" + (points.size() == 1 ? "" : "s") + " [";
  for (size_t i = 0; i < points.size(); ++i) {
    if (i > 0) out += " ";
    out += FormatFloat(points[i].f) + " @[" + std::to_string(points[i].t) + "]";
  }
  return out + "]";
}

std::string FormatValues(const std::vector<SequenceValue>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += " ";
    out += values[i].omitted ? "_" : FormatFloat(values[i].value);
  }
  return out + "]";
}

std::string FormatVector(const promql::Vector& vector) {
  std::string out;
  for (const auto& s : vector) {
    if (!out.empty()) out += ", ";
    out += s.metric.ToString() + " => " + FormatFloat(s.f);
  }
  return "{" + out + "}";
}

// --- AST helpers ---

std::vector<Expr*> Children(Expr& e) {
  std::vector<Expr*> out;
  auto add = [&](const promql::ExprPtr& p) {
    if (p) out.push_back(p.get());
  };
  switch (e.kind) {
    case ExprKind::kMatrixSelector:
      add(static_cast<promql::MatrixSelector&>(e).selector);
      break;
    case ExprKind::kSubquery:
      add(static_cast<promql::SubqueryExpr&>(e).expr);
      break;
    case ExprKind::kParen:
      add(static_cast<promql::ParenExpr&>(e).expr);
      break;
    case ExprKind::kUnary:
      add(static_cast<promql::UnaryExpr&>(e).expr);
      break;
    case ExprKind::kBinary:
      add(static_cast<promql::BinaryExpr&>(e).lhs);
      add(static_cast<promql::BinaryExpr&>(e).rhs);
      break;
    case ExprKind::kAggregate:
      add(static_cast<promql::AggregateExpr&>(e).param);
      add(static_cast<promql::AggregateExpr&>(e).expr);
      break;
    case ExprKind::kCall:
      for (const auto& arg : static_cast<promql::Call&>(e).args) add(arg);
      break;
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
    case ExprKind::kVectorSelector:
      break;
  }
  return out;
}

void CollectSelectors(const Expr& e, std::vector<const promql::VectorSelector*>* out) {
  if (e.kind == ExprKind::kVectorSelector) {
    out->push_back(static_cast<const promql::VectorSelector*>(&e));
  }
  // Children() only reads; the cast spares a second, const, copy of the traversal.
  for (Expr* child : Children(const_cast<Expr&>(e))) CollectSelectors(*child, out);
}

// Adds `@ ts` to every selector and subquery outside of subqueries, as Prometheus'
// atModifierTestCases does (a subquery gets the timestamp, its inner selectors stay relative to
// it). `@ start()` / `@ end()` are replaced too: Prometheus prints the timestamp in their place.
// Sets *unsafe when a time-dependent function is found outside of subqueries.
void AddAtModifiers(Expr& e, int64_t ts, bool under_subquery, bool* unsafe) {
  if (!under_subquery) {
    if (e.kind == ExprKind::kVectorSelector) {
      auto& vs = static_cast<promql::VectorSelector&>(e);
      if (vs.at != promql::AtModifier::kTimestamp) {
        vs.at = promql::AtModifier::kTimestamp;
        vs.at_ms = ts;
      }
    } else if (e.kind == ExprKind::kSubquery) {
      auto& sq = static_cast<promql::SubqueryExpr&>(e);
      if (sq.at != promql::AtModifier::kTimestamp) {
        sq.at = promql::AtModifier::kTimestamp;
        sq.at_ms = ts;
      }
    } else if (e.kind == ExprKind::kCall) {
      const auto& call = static_cast<promql::Call&>(e);
      if (call.func != nullptr && IsAtModifierUnsafe(call.func->name)) *unsafe = true;
    }
  }
  bool children_under_subquery = under_subquery || e.kind == ExprKind::kSubquery;
  for (Expr* child : Children(e)) AddAtModifiers(*child, ts, children_under_subquery, unsafe);
}

bool MatcherMatches(const LabelMatcher& m, const Labels& labels) {
  std::string_view value = labels.Get(m.name);
  switch (m.type) {
    case MatchType::kEqual:
      return value == m.value;
    case MatchType::kNotEqual:
      return value != m.value;
    case MatchType::kRegexMatch:
    case MatchType::kRegexNoMatch: {
      RE2 re("(?s:" + m.value + ")", RE2::Quiet);
      bool match = re.ok() && RE2::FullMatch(value, re);
      return m.type == MatchType::kRegexMatch ? match : !match;
    }
  }
  return false;
}

bool MatchesRegex(std::string_view text, const std::string& pattern) {
  RE2 re(pattern, RE2::Quiet);
  return re.ok() && RE2::PartialMatch(ReplaceInvalidUtf8(text), re);
}

bool ExpectationMatches(const Expectation& e, std::string_view text) {
  return e.is_regex ? MatchesRegex(text, e.text) : text == e.text;
}

// Whether `text` contains `word` not as part of a longer identifier.
bool ContainsWord(std::string_view text, std::string_view word) {
  auto is_ident = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  };
  for (size_t pos = text.find(word); pos != std::string_view::npos;
       pos = text.find(word, pos + 1)) {
    bool starts = pos == 0 || !is_ident(text[pos - 1]);
    size_t end = pos + word.size();
    bool ends = end == text.size() || !is_ident(text[end]);
    if (starts && ends) return true;
  }
  return false;
}

// The classic-histogram series `foo_bucket`/`foo_count`/`foo_sum` that load_with_nhcb also
// stores as a native histogram `foo` (without `le`), or nothing.
std::optional<Labels> NativeHistogramOfClassicSeries(const Labels& metric) {
  std::string_view name = metric.Get(kMetricNameLabel);
  for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      std::vector<Label> labels;
      for (const Label& l : metric) {
        if (l.name == "le") continue;
        if (l.name == kMetricNameLabel) {
          labels.push_back(Label{l.name, std::string(name.substr(0, name.size() - suffix.size()))});
        } else {
          labels.push_back(l);
        }
      }
      return Labels(std::move(labels));
    }
  }
  return std::nullopt;
}

// --- The runner ---

class FileRunner {
 public:
  explicit FileRunner(const RunnerOptions& options)
      : options_(options), engine_(promql::EngineOptions{.max_samples = options.max_samples}) {}
  ~FileRunner() { CloseStorage(); }

  FileRunner(const FileRunner&) = delete;
  FileRunner& operator=(const FileRunner&) = delete;

  Status Clear() {
    CloseStorage();
    native_histogram_series_.clear();
    return Status::OK();
  }

  // Appends a load block; a failure is returned as a message (the case fails, the file goes on).
  Result<Failure> Load(const LoadCommand& cmd) {
    TM_ASSIGN_OR_RETURN(Engine * storage, Storage());
    std::unique_ptr<Appender> appender = storage->NewAppender();
    for (const SeriesDescription& series : cmd.series) {
      if (series.native_histogram) {
        native_histogram_series_.push_back(series.metric);
        continue;
      }
      if (cmd.with_nhcb) {
        if (auto nh = NativeHistogramOfClassicSeries(series.metric)) {
          native_histogram_series_.push_back(std::move(*nh));
        }
      }
      SeriesRef ref = 0;
      for (size_t i = 0; i < series.values.size(); ++i) {
        if (series.values[i].omitted) continue;
        int64_t ts = static_cast<int64_t>(i) * cmd.interval_ms;
        double v = series.values[i].value;
        ref = ref != 0 ? appender->Add(ref, ts, v) : appender->Add(series.metric, ts, v);
      }
    }
    auto report = appender->Commit();
    if (!report.ok()) return Failure("load failed: " + report.status().ToString());
    if (report->rejected > 0) {
      std::string first = report->first_rejections.empty() ? "" : report->first_rejections[0];
      return Failure("load rejected " + std::to_string(report->rejected) + " samples: " + first);
    }
    return Failure();
  }

  Result<CaseResult> Eval(const EvalCommand& cmd) {
    CaseResult result{.line = cmd.line, .expr = cmd.expr};
    auto skip = [&](std::string reason) {
      result.status = CaseStatus::kSkipped;
      result.reason = std::move(reason);
      return result;
    };
    if (cmd.ExpectsNativeHistogram()) return skip("skipped (native histogram): expected output");
    TM_ASSIGN_OR_RETURN(Engine * storage, Storage());
    storage_for_eval_ = storage;

    Failure failure;
    auto parsed = promql::ParseExpr(
        cmd.expr, {.enable_experimental_functions = true, .enable_duration_expressions = true});
    if (!parsed.ok()) {
      if (MentionsNativeHistogramMetric(cmd.expr)) {
        return skip("skipped (native histogram): names a native-histogram metric");
      }
      // Prometheus only gets runtime errors here (its harness rejects files whose expressions
      // do not parse), so a parse error passes only if it is the failure the eval expects.
      if (cmd.IsFail()) {
        failure = CheckExpectedFailure(cmd, parsed.status().message());
      } else {
        failure = "parse error: " + parsed.status().message();
      }
    } else if (SelectsNativeHistogram(**parsed)) {
      return skip("skipped (native histogram): selects a series with native-histogram samples");
    } else {
      failure = cmd.is_range ? RunRange(cmd, **parsed) : RunInstant(cmd, **parsed);
    }
    if (failure) {
      result.status = CaseStatus::kFailed;
      result.reason = std::move(*failure);
    }
    return result;
  }

 private:
  Result<Engine*> Storage() {
    if (storage_) return storage_.get();
    std::filesystem::path root = options_.temp_root.empty()
                                     ? std::filesystem::temp_directory_path()
                                     : std::filesystem::path(options_.temp_root);
    std::string templ = (root / "promqltest-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      return Status::IOError("cannot create a temporary directory under " + root.string());
    }
    dir_ = templ;
    Options opts;
    // The test data sits near the Unix epoch: keep everything, whatever the wall clock says.
    opts.retention_ms = 0;
    opts.sync_policy = SyncPolicy::kNone;
    opts.maintenance_interval_ms = 0;
    opts.checkpoint_interval_ms = 0;
    TM_ASSIGN_OR_RETURN(storage_, Engine::Open(opts, dir_));
    return storage_.get();
  }

  void CloseStorage() {
    storage_.reset();
    storage_for_eval_ = nullptr;
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

  bool SelectsNativeHistogram(const Expr& expr) const {
    if (native_histogram_series_.empty()) return false;
    std::vector<const promql::VectorSelector*> selectors;
    CollectSelectors(expr, &selectors);
    for (const auto* vs : selectors) {
      for (const Labels& series : native_histogram_series_) {
        bool all = std::all_of(vs->matchers.begin(), vs->matchers.end(),
                               [&](const LabelMatcher& m) { return MatcherMatches(m, series); });
        if (all && !vs->matchers.empty()) return true;
      }
    }
    return false;
  }

  bool MentionsNativeHistogramMetric(std::string_view expr) const {
    for (const Labels& series : native_histogram_series_) {
      std::string_view name = series.Get(kMetricNameLabel);
      if (!name.empty() && ContainsWord(expr, name)) return true;
    }
    return false;
  }

  promql::QueryContext Context() const {
    return promql::QueryContext::WithTimeout(
        std::chrono::duration_cast<std::chrono::milliseconds>(kQueryTimeout));
  }

  Failure RunRange(const EvalCommand& cmd, const Expr& expr) {
    auto r =
        engine_.Range(*storage_for_eval_, expr, cmd.start_ms, cmd.end_ms, cmd.step_ms, Context());
    if (!r.ok()) {
      if (cmd.IsFail()) return CheckExpectedFailure(cmd, r.status().message());
      return "error evaluating query: " + r.status().ToString();
    }
    if (cmd.IsFail()) return "expected an error evaluating the query but got none";
    if (Failure f = CheckAnnotations(cmd, r->annotations)) return f;
    return CompareResult(cmd, *r);
  }

  Failure RunInstant(const EvalCommand& cmd, const Expr& expr) {
    if (Failure f = RunInstantVariant(cmd, cmd.expr, expr, cmd.eval_ms, /*is_variant=*/false)) {
      return f;
    }
    // The same query with `@ <eval time>` everywhere must give the same result at other times.
    promql::ExprPtr with_at = promql::CloneExpr(expr);
    bool unsafe = false;
    AddAtModifiers(*with_at, cmd.eval_ms, /*under_subquery=*/false, &unsafe);
    if (unsafe) return Failure();
    std::string text = promql::FormatExpr(*with_at);
    // Like Prometheus, evaluate the printed form: it also checks that printing round-trips.
    auto reparsed = promql::ParseExpr(
        text, {.enable_experimental_functions = true, .enable_duration_expressions = true});
    if (!reparsed.ok()) {
      return "printer round trip: FormatExpr gave `" + text +
             "`, which does not parse: " + reparsed.status().message();
    }
    const int64_t ts = cmd.eval_ms;
    std::vector<int64_t> times = ts == 0 ? std::vector<int64_t>{-1000, 0, 1000}
                                         : std::vector<int64_t>{-10 * ts, 0, ts / 5, ts, 10 * ts};
    for (int64_t t : times) {
      if (Failure f = RunInstantVariant(cmd, text, **reparsed, t, /*is_variant=*/true)) return f;
    }
    return Failure();
  }

  Failure RunInstantVariant(const EvalCommand& cmd, const std::string& text, const Expr& expr,
                            int64_t t, bool is_variant) {
    const std::string where =
        is_variant ? "[@ variant `" + text + "` at " + FormatTime(t) + "] " : "";
    auto r = engine_.Instant(*storage_for_eval_, expr, t, Context());
    if (!r.ok()) {
      if (cmd.IsFail()) {
        Failure f = CheckExpectedFailure(cmd, r.status().message());
        return f ? Failure(where + *f) : f;
      }
      return where + "error evaluating query: " + r.status().ToString();
    }
    if (cmd.IsFail()) return where + "expected an error evaluating the query but got none";
    if (Failure f = CheckAnnotations(cmd, r->annotations)) return where + *f;
    if (Failure f = CompareResult(cmd, *r)) return where + *f;

    if (cmd.exclude_from_range_query) return Failure();
    // start(), end(), range() and step() resolve differently in a range query.
    static const RE2 kQueryContextFunctions(R"((start|end|range|step)\(\))");
    if (RE2::PartialMatch(text, kQueryContextFunctions)) return Failure();

    auto range = engine_.Range(*storage_for_eval_, expr, t - kRangeCheckStepMs,
                               t + kRangeCheckStepMs, kRangeCheckStepMs, Context());
    const std::string range_where = where + "[range mode] ";
    if (!range.ok()) return range_where + "error evaluating query: " + range.status().ToString();
    if (cmd.IsOrdered()) return Failure();  // range results are sorted by labels
    if (range->type != ValueType::kMatrix) {
      return range_where + "range query returned a " +
             std::string(promql::ValueTypeApiName(range->type)) + ", not a matrix";
    }
    if (Failure f = CheckSorted(range->matrix)) return range_where + *f;
    QueryResult middle;
    middle.type = ValueType::kVector;
    for (const promql::Series& s : range->matrix) {
      for (const promql::FPoint& p : s.floats) {
        if (p.t == t) {
          middle.vector.push_back(promql::VectorSample{.metric = s.metric, .t = p.t, .f = p.f});
          break;
        }
      }
    }
    if (r->type == ValueType::kScalar) {
      if (middle.vector.empty()) return range_where + "no point at the evaluation time";
      middle.type = ValueType::kScalar;
      middle.scalar = middle.vector[0].f;
    }
    if (Failure f = CompareResult(cmd, middle)) return range_where + *f;
    return Failure();
  }

  static Failure CheckExpectedFailure(const EvalCommand& cmd, const std::string& message) {
    if (!cmd.expected_fail_message.empty() && cmd.expected_fail_message != message) {
      return "expected error \"" + cmd.expected_fail_message + "\" but got: " + message;
    }
    if (!cmd.expected_fail_regexp.empty() && !MatchesRegex(message, cmd.expected_fail_regexp)) {
      return "expected error matching \"" + cmd.expected_fail_regexp + "\" but got: " + message;
    }
    auto fails = cmd.Expectations(ExpectKind::kFail);
    if (!fails.empty() && !ExpectationMatches(*fails[0], message)) {
      return "expected error " + std::string(fails[0]->is_regex ? "matching " : "") + "\"" +
             fails[0]->text + "\" but got: " + message;
    }
    return Failure();
  }

  static Failure CheckAnnotationsOfType(const EvalCommand& cmd, ExpectKind kind,
                                        const std::vector<std::string>& actual,
                                        std::string_view type_name,
                                        const promql::Annotations& all) {
    auto expected = cmd.Expectations(kind);
    if (expected.empty()) return Failure();
    if (actual.empty()) {
      return "expected " + std::string(type_name) + " annotations but none were found";
    }
    for (const Expectation* e : expected) {
      bool found = std::any_of(actual.begin(), actual.end(),
                               [&](const std::string& a) { return ExpectationMatches(*e, a); });
      if (!found) {
        std::string got;
        for (const auto& w : all.warnings) got += " [" + w + "]";
        for (const auto& i : all.infos) got += " [" + i + "]";
        return "expected " + std::string(type_name) + " annotation " +
               (e->is_regex ? "matching pattern" : "with message") + " \"" + e->text +
               "\" but found:" + got;
      }
    }
    for (const std::string& a : actual) {
      bool expected_one = std::any_of(expected.begin(), expected.end(), [&](const Expectation* e) {
        return ExpectationMatches(*e, a);
      });
      if (!expected_one)
        return "unexpected " + std::string(type_name) + " annotation \"" + a + "\"";
    }
    return Failure();
  }

  static Failure CheckAnnotations(const EvalCommand& cmd, const promql::Annotations& a) {
    if (cmd.legacy_warn && a.warnings.empty()) return "expected warnings but got none";
    if (cmd.legacy_info && a.infos.empty()) return "expected info annotations but got none";
    if (Failure f = CheckAnnotationsOfType(cmd, ExpectKind::kWarn, a.warnings, "warn", a)) return f;
    if (Failure f = CheckAnnotationsOfType(cmd, ExpectKind::kInfo, a.infos, "info", a)) return f;
    if (!cmd.Expectations(ExpectKind::kNoWarn).empty() && !a.warnings.empty()) {
      return "unexpected warning annotation \"" + a.warnings[0] + "\"";
    }
    if (!cmd.Expectations(ExpectKind::kNoInfo).empty() && !a.infos.empty()) {
      return "unexpected info annotation \"" + a.infos[0] + "\"";
    }
    return Failure();
  }

  static Failure CheckSorted(const promql::Matrix& matrix) {
    for (size_t i = 0; i + 1 < matrix.size(); ++i) {
      if (matrix[i].metric > matrix[i + 1].metric) {
        return "matrix results should always be sorted by labels, but " +
               matrix[i].metric.ToString() + " comes before " + matrix[i + 1].metric.ToString();
      }
    }
    return Failure();
  }

  static const ExpectedSeries* FindExpected(const EvalCommand& cmd, const Labels& metric) {
    for (const ExpectedSeries& e : cmd.expected_series) {
      if (e.metric == metric) return &e;
    }
    return nullptr;
  }

  static Failure CompareMatrix(const EvalCommand& cmd, const promql::Matrix& matrix) {
    if (cmd.IsOrdered()) return "expected ordered result, but query returned a matrix";
    if (cmd.expect_scalar) return "expected scalar result, but got a matrix";
    if (Failure f = CheckSorted(matrix)) return f;
    std::set<const ExpectedSeries*> seen;
    for (const promql::Series& s : matrix) {
      const ExpectedSeries* exp = FindExpected(cmd, s.metric);
      if (exp == nullptr) {
        return "unexpected metric " + s.metric.ToString() + " in result, has " +
               FormatPoints(s.floats);
      }
      seen.insert(exp);
      std::vector<promql::FPoint> expected;
      for (size_t i = 0; i < exp->values.size(); ++i) {
        int64_t ts = cmd.start_ms + static_cast<int64_t>(i) * cmd.step_ms;
        if (!cmd.has_end || ts > cmd.end_ms) {
          return "expected " + std::to_string(exp->values.size()) + " points for " +
                 exp->metric.ToString() + ", but query time range cannot return this many points";
        }
        if (!exp->values[i].omitted) expected.push_back({.t = ts, .f = exp->values[i].value});
      }
      if (expected.size() != s.floats.size()) {
        return "expected " + std::to_string(expected.size()) + " float points for " +
               exp->metric.ToString() + " " + FormatValues(exp->values) + ", but got " +
               FormatPoints(s.floats);
      }
      for (size_t i = 0; i < expected.size(); ++i) {
        const promql::FPoint& actual = s.floats[i];
        if (expected[i].t != actual.t) {
          return "expected point " + std::to_string(i) + " of " + exp->metric.ToString() +
                 " at t=" + std::to_string(expected[i].t) +
                 ", but it is at t=" + std::to_string(actual.t) + " (result has " +
                 FormatPoints(s.floats) + ")";
        }
        if (!AlmostEqual(actual.f, expected[i].f, kEpsilon)) {
          return "expected " + FormatFloat(expected[i].f) + " at t=" + std::to_string(actual.t) +
                 " for " + exp->metric.ToString() + " but got " + FormatFloat(actual.f) +
                 " (result has " + FormatPoints(s.floats) + ")";
        }
      }
    }
    for (const ExpectedSeries& e : cmd.expected_series) {
      if (!seen.contains(&e)) return "expected metric " + e.metric.ToString() + " not found";
    }
    return Failure();
  }

  static Failure CompareVector(const EvalCommand& cmd, const promql::Vector& vector) {
    if (cmd.expect_scalar) return "expected scalar result, but got vector " + FormatVector(vector);
    std::set<const ExpectedSeries*> seen;
    for (size_t pos = 0; pos < vector.size(); ++pos) {
      const promql::VectorSample& v = vector[pos];
      const ExpectedSeries* exp = FindExpected(cmd, v.metric);
      if (exp == nullptr) {
        return "unexpected metric " + v.metric.ToString() + " in result, has value " +
               FormatFloat(v.f);
      }
      if (cmd.IsOrdered() && exp->position != static_cast<int>(pos) + 1) {
        return "expected metric " + v.metric.ToString() + " at position " +
               std::to_string(exp->position) + " but was at " + std::to_string(pos + 1);
      }
      if (exp->values.empty()) return "expected metric " + v.metric.ToString() + " has no value";
      if (!AlmostEqual(exp->values[0].value, v.f, kEpsilon)) {
        return "expected " + FormatFloat(exp->values[0].value) + " for " + v.metric.ToString() +
               " but got " + FormatFloat(v.f);
      }
      seen.insert(exp);
    }
    for (const ExpectedSeries& e : cmd.expected_series) {
      if (!seen.contains(&e)) {
        return "expected metric " + e.metric.ToString() + " with " + FormatValues(e.values) +
               " not found";
      }
    }
    return Failure();
  }

  static Failure CompareResult(const EvalCommand& cmd, const QueryResult& r) {
    switch (r.type) {
      case ValueType::kMatrix:
        return CompareMatrix(cmd, r.matrix);
      case ValueType::kVector:
        return CompareVector(cmd, r.vector);
      case ValueType::kScalar:
        if (!cmd.expect_scalar) {
          return "expected vector or matrix result, but got scalar " + FormatFloat(r.scalar);
        }
        if (!AlmostEqual(cmd.expected_scalar, r.scalar, kEpsilon)) {
          return "expected scalar " + FormatFloat(cmd.expected_scalar) + " but got " +
                 FormatFloat(r.scalar);
        }
        return Failure();
      case ValueType::kString:
        if (cmd.expected_string != r.string_value) {
          return "expected string \"" + cmd.expected_string + "\" but got \"" + r.string_value +
                 "\"";
        }
        return Failure();
      case ValueType::kNone:
        break;
    }
    return "query returned no value";
  }

  const RunnerOptions& options_;
  promql::QueryEngine engine_;
  std::string dir_;
  std::unique_ptr<Engine> storage_;
  Engine* storage_for_eval_ = nullptr;
  // Series of the current storage that Prometheus would hold as native histograms.
  std::vector<Labels> native_histogram_series_;
};

}  // namespace

Result<FileResult> RunTestFile(const TestFile& file, const RunnerOptions& options) {
  FileRunner runner(options);
  FileResult out;
  auto record = [&](CaseResult c) {
    switch (c.status) {
      case CaseStatus::kPassed:
        ++out.passed;
        break;
      case CaseStatus::kFailed:
        ++out.failed;
        break;
      case CaseStatus::kSkipped:
        ++out.skipped;
        break;
    }
    out.cases.push_back(std::move(c));
  };
  for (const TestCommand& command : file.commands) {
    if (const auto* load = std::get_if<LoadCommand>(&command)) {
      TM_ASSIGN_OR_RETURN(Failure failure, runner.Load(*load));
      if (failure) {
        record(CaseResult{.line = load->line,
                          .expr = "load",
                          .status = CaseStatus::kFailed,
                          .reason = std::move(*failure)});
      }
    } else if (std::holds_alternative<ClearCommand>(command)) {
      TM_RETURN_IF_ERROR(runner.Clear());
    } else {
      TM_ASSIGN_OR_RETURN(CaseResult result, runner.Eval(std::get<EvalCommand>(command)));
      record(std::move(result));
    }
  }
  return out;
}

}  // namespace tidemark::promqltest
