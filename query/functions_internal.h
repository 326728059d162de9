// Helpers shared by the PromQL function implementations (query/functions*.cc). Internal to
// query/: the evaluator uses query/functions.h, and from here only the window kernels.
//
// The implementations are split by argument kind:
//   functions_range.cc      rate, *_over_time, deriv, ... (one call per series and step)
//   functions_math.cc       abs, clamp, round, trig, date functions, time, vector, scalar, ...
//   functions_labels.cc     label_replace, label_join, sort, sort_desc, sort_by_label[_desc]
//   functions_histogram.cc  histogram_quantile/quantiles/fraction over classic `le` buckets
// Each exposes a Lookup*FunctionImpl that functions.cc's LookupFunctionImpl consults. The
// evaluator also uses the window kernels below, its fast path for rate and friends.
#ifndef TIDEMARK_QUERY_FUNCTIONS_INTERNAL_H_
#define TIDEMARK_QUERY_FUNCTIONS_INTERNAL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "query/functions.h"
#include "query/value.h"
#include "tidemark/labels.h"
#include "tidemark/status.h"

namespace tidemark::promql::internal {

// One (name, implementation) row of a function table.
struct FunctionEntry {
  std::string_view name;
  FunctionImpl impl;
};

FunctionImpl LookupRangeFunctionImpl(std::string_view name);
FunctionImpl LookupMathFunctionImpl(std::string_view name);
FunctionImpl LookupLabelFunctionImpl(std::string_view name);
FunctionImpl LookupHistogramFunctionImpl(std::string_view name);

// Finds `name` in a table of `count` rows; null if absent.
FunctionImpl FindFunction(const FunctionEntry* table, size_t count, std::string_view name);

// --- Arguments -------------------------------------------------------------------------------

// The number of arguments the call was written with. Uses the Call node when the evaluator
// passes one, otherwise the longest of the per-position argument slots (hand-built args).
size_t ArgCount(const FunctionArgs& args);
// The scalar at position i, or NaN when absent.
double ScalarArg(const FunctionArgs& args, size_t i);
// The instant vector at position i, or an empty vector when absent.
const Vector& VectorArg(const FunctionArgs& args, size_t i);
// The string at position i, or empty when absent.
std::string_view StringArg(const FunctionArgs& args, size_t i);
// The window of a range-vector function (empty when absent).
const std::vector<FPoint>& RangeArg(const FunctionArgs& args);
// The metric name (`__name__`) of the range function's input series ("" when none).
std::string_view RangeMetricName(const FunctionArgs& args);

// --- Window kernels --------------------------------------------------------------------------
//
// rate, increase and delta as plain functions of a window's points. The evaluator's range-function
// loop (query/eval_functions.cc) calls these directly for every series and step, skipping
// FunctionArgs, the output vector and the per-step annotation check that dominate such cheap
// functions; the FunctionImpl of each calls the same code, so both give identical values.

// True (with `is_counter`, `is_rate` set) if `name` is rate, increase or delta.
bool LookupRateKernel(std::string_view name, bool* is_counter, bool* is_rate);

// Memo of the time-derived parts of ExtrapolatedRateValue (five divisions, most of its cost).
// Values are bit-identical with or without it. A window's shape is its first and last points'
// distances from its ends, their count and the range: scrapes land a few milliseconds off their
// schedule, so a window's shape recurs across steps and series rather than repeating step after
// step, and a few hundred cover a dashboard's query. The table is direct-mapped by a hash of the
// shape and kept for each thread (ForThisThread), so that it stays warm from one query or rule
// evaluation to the next. Not thread-safe.
struct RateWindowCache {
  struct Shape {
    // The key: the first point's distance from the window start, the last point's from its end,
    // their distance, the point count and the range, in ms; whether it is a rate.
    int64_t to_start_ms = 0;
    int64_t to_end_ms = 0;
    int64_t sampled_ms = 0;
    size_t count = 0;  // 0: an empty slot
    int64_t range_ms = 0;
    bool is_rate = false;
    // Derived, in seconds: the extrapolation at each end (before the counter's zero clamp), the
    // sampled interval, the range, and the resulting factor.
    double duration_to_start = 0;
    double duration_to_end = 0;
    double sampled_interval = 0;
    double range_seconds = 0;
    double factor = 0;

    // duration_to_start / sampled_interval widened by 1e-9 (NaN if not a normal number): when
    // first / result exceeds it, the counter's zero clamp cannot apply.
    double zero_bound = 0;

    bool Matches(int64_t start, int64_t end, int64_t sampled, size_t n, int64_t range,
                 bool rate) const {
      return count == n && to_start_ms == start && to_end_ms == end && sampled_ms == sampled &&
             range_ms == range && is_rate == rate;
    }
  };
  static constexpr int kSlotBits = 9;  // 512 shapes, 48 KiB
  std::array<Shape, size_t{1} << kSlotBits> shapes;

  static size_t SlotOf(int64_t to_start, int64_t to_end, int64_t sampled, size_t n, int64_t range,
                       bool rate) {
    const uint64_t h = static_cast<uint64_t>(to_start) * 0x9E3779B97F4A7C15ULL +
                       static_cast<uint64_t>(to_end) * 0xC2B2AE3D27D4EB4FULL +
                       static_cast<uint64_t>(sampled) * 0x165667B19E3779F9ULL +
                       static_cast<uint64_t>(n) * 0x27D4EB2F165667C5ULL +
                       static_cast<uint64_t>(range) * 0x94D049BB133111EBULL + (rate ? 1 : 0);
    return static_cast<size_t>((h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL >> (64 - kSlotBits));
  }
  // This thread's table.
  static RateWindowCache& ForThisThread();
};

// The extrapolated change over `points` (the window (window_start, window_end], stale markers
// removed), per second of `range_ms` (FunctionArgs::range_ms; 0 means the window's width) for a
// rate. False, and no value, for fewer than two points. A caller that knows no point is below
// its predecessor (no counter reset) passes may_have_resets false to skip looking for them.
// `cache` may be null.
bool ExtrapolatedRateValue(std::span<const FPoint> points, int64_t window_start, int64_t window_end,
                           int64_t range_ms, bool is_counter, bool is_rate, bool may_have_resets,
                           RateWindowCache* cache, double* value);
// The same from a window's ends: its first and last points, its point count (>= 2) and `change`,
// last minus first plus, for a counter, the value before each reset. For callers that keep the
// window as a span of samples rather than of points.
void ExtrapolatedRateFromEnds(int64_t first_t, double first_f, int64_t last_t, size_t count,
                              double change, int64_t window_start, int64_t window_end,
                              int64_t range_ms, bool is_counter, bool is_rate,
                              RateWindowCache* cache, double* value);
// The info rate() and increase() raise for a series whose metric name does not look like a
// counter's (none for an empty name). Annotations are deduplicated, so once per series suffices.
void MaybeAddNonCounterInfo(std::string_view metric_name, Annotations* annotations);

// --- Labels ----------------------------------------------------------------------------------

// `labels` with `name` set to `value`; an empty value removes the label (Prometheus' builder).
Labels WithLabel(const Labels& labels, std::string_view name, std::string_view value);
// The same, reusing `labels`' strings (a label set about to be replaced by the result).
Labels WithLabel(Labels&& labels, std::string_view name, std::string_view value);
// `labels` without `name`.
Labels WithoutLabel(const Labels& labels, std::string_view name);

// True if two samples of `vector` carry the same label set.
bool HasDuplicateLabelsets(const Vector& vector);
// The error Prometheus raises for such a vector.
Status DuplicateLabelsetError();

// --- Formatting ------------------------------------------------------------------------------

// labels.FormatOpenMetricsFloat: like %g but integral values get ".0" ("1.0", "0.25", "NaN").
std::string FormatOpenMetricsFloat(double v);

// facette/natsort's Compare, which sort_by_label uses: digit runs compare as integers, other
// runs bytewise. Not a strict weak ordering ("a1" and "a01" each sort before the other).
bool NaturalLess(std::string_view a, std::string_view b);

// --- Numerics --------------------------------------------------------------------------------

// One step of Kahan-Neumaier summation (Prometheus' kahansum.Inc): adds `inc` to `*sum`,
// accumulating the lost low-order bits in `*c`. The compensation is reset when the sum
// overflows to an infinity.
void KahanInc(double inc, double* sum, double* c);
// Go's math.Min / math.Max: NaN wins, then the infinities, and -0 < +0.
double GoMin(double x, double y);
double GoMax(double x, double y);

// "quantile value should be between 0 and 1, got <q>" (without the "PromQL warning: " prefix).
std::string InvalidQuantileMessage(double q);

}  // namespace tidemark::promql::internal

#endif  // TIDEMARK_QUERY_FUNCTIONS_INTERNAL_H_
