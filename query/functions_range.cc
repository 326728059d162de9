// Range-vector functions: called once per input series and step with the series' points in
// the window (t - range, t]. Each emits at most one sample carrying the input series' labels,
// marked for delayed `__name__` removal (VectorSample::drop_name) except by last_over_time and
// first_over_time, which act like an offset and keep the name (as Prometheus' engine does).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "query/functions_internal.h"
#include "query/quantile.h"
#include "util/go_text.h"

namespace tidemark::promql::internal {
namespace {

using Points = std::vector<FPoint>;

// A range function's result at this step: the value only. The caller owns the series' labels
// and whether it keeps its name (see functions.h).
void Emit(const FunctionArgs& args, const FunctionOutput& output, double value) {
  VectorSample sample;
  sample.t = args.t;
  sample.f = value;
  output.out->push_back(std::move(sample));
}

}  // namespace

void MaybeAddNonCounterInfo(std::string_view metric_name, Annotations* annotations) {
  if (metric_name.empty()) return;
  for (std::string_view suffix : {"_total", "_sum", "_count", "_bucket"}) {
    if (metric_name.ends_with(suffix)) return;
  }
  AddInfo(annotations,
          "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: " +
              util::GoQuote(metric_name));
}

namespace {

// The parts of an extrapolated rate that depend only on the window's shape: the first and last
// points' distances from its edges, their count and the range. Computed exactly as Prometheus'
// extrapolatedRate computes them, before the counter's clamp at zero (which depends on values).
void ComputeRateShape(int64_t to_start_ms, int64_t to_end_ms, int64_t sampled_ms, size_t count,
                      int64_t range_ms, bool is_rate, RateWindowCache::Shape* shape) {
  shape->to_start_ms = to_start_ms;
  shape->to_end_ms = to_end_ms;
  shape->sampled_ms = sampled_ms;
  shape->count = count;
  shape->range_ms = range_ms;
  shape->is_rate = is_rate;
  double duration_to_start = static_cast<double>(to_start_ms) / 1000;
  double duration_to_end = static_cast<double>(to_end_ms) / 1000;
  const double sampled_interval = static_cast<double>(sampled_ms) / 1000;
  const double average_spacing = sampled_interval / static_cast<double>(count - 1);
  const double threshold = average_spacing * 1.1;
  if (duration_to_start >= threshold) duration_to_start = average_spacing / 2;
  if (duration_to_end >= threshold) duration_to_end = average_spacing / 2;
  shape->duration_to_start = duration_to_start;
  shape->duration_to_end = duration_to_end;
  shape->sampled_interval = sampled_interval;
  shape->range_seconds = static_cast<double>(range_ms) / 1000;
  double factor = (sampled_interval + duration_to_start + duration_to_end) / sampled_interval;
  if (is_rate) factor /= shape->range_seconds;
  shape->factor = factor;
  // The zero clamp applies when sampled_interval * (first / result) < duration_to_start, that
  // is when first / result is below about duration_to_start / sampled_interval. Widened by
  // 1e-9, far above the few rounding errors of either side, the bound lets most windows rule
  // the clamp out with one multiplication; near it, the exact test decides. Not for ratios
  // outside the normal range, where relative error bounds do not hold (NaN: always exact).
  const double ratio = duration_to_start / sampled_interval;
  shape->zero_bound = std::isfinite(ratio) && ratio >= std::numeric_limits<double>::min()
                          ? ratio * (1 + 1e-9)
                          : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

// rate, increase and delta: the change over the sampled interval, extrapolated towards the
// window's boundaries. Extrapolation reaches a boundary only if the first/last sample is
// within 110% of the average sample spacing of it; otherwise the series is assumed to start or
// end inside the window and is extended by half an average spacing. A counter is never
// extrapolated below zero.
bool ExtrapolatedRateValue(std::span<const FPoint> points, int64_t window_start, int64_t window_end,
                           int64_t range_ms, bool is_counter, bool is_rate, bool may_have_resets,
                           RateWindowCache* cache, double* value) {
  if (points.size() < 2) return false;
  if (cache == nullptr) cache = &RateWindowCache::ForThisThread();
  const FPoint& first = points.front();
  const FPoint& last = points.back();
  double result = last.f - first.f;
  if (is_counter && may_have_resets) {
    // A decrease is a counter reset: the counter restarted from zero, so the value before the
    // reset was gained as well.
    for (size_t i = 1; i < points.size(); ++i) {
      if (points[i].f < points[i - 1].f) result += points[i - 1].f;
    }
  }
  ExtrapolatedRateFromEnds(first.t, first.f, last.t, points.size(), result, window_start,
                           window_end, range_ms, is_counter, is_rate, cache, value);
  return true;
}

void ExtrapolatedRateFromEnds(int64_t first_t, double first_f, int64_t last_t, size_t count,
                              double change, int64_t window_start, int64_t window_end,
                              int64_t range_ms, bool is_counter, bool is_rate,
                              RateWindowCache* cache, double* value) {
  const double result = change;
  const int64_t to_start_ms = first_t - window_start;
  const int64_t to_end_ms = window_end - last_t;
  const int64_t sampled_ms = last_t - first_t;
  if (range_ms == 0) range_ms = window_end - window_start;
  RateWindowCache::Shape* shape = &cache->shapes[RateWindowCache::SlotOf(
      to_start_ms, to_end_ms, sampled_ms, count, range_ms, is_rate)];
  if (!shape->Matches(to_start_ms, to_end_ms, sampled_ms, count, range_ms, is_rate)) {
    ComputeRateShape(to_start_ms, to_end_ms, sampled_ms, count, range_ms, is_rate, shape);
  }

  double factor = shape->factor;
  if (is_counter && result > 0 && first_f >= 0) {
    // Where a straight line through the samples reaches zero, if that is closer than the
    // extrapolation target: counters cannot go negative.
    const double bound = result * shape->zero_bound;
    const bool clamp_ruled_out = bound >= std::numeric_limits<double>::min() && first_f > bound;
    if (!clamp_ruled_out) {
      const double duration_to_zero = shape->sampled_interval * (first_f / result);
      if (duration_to_zero < shape->duration_to_start) {
        factor = (shape->sampled_interval + duration_to_zero + shape->duration_to_end) /
                 shape->sampled_interval;
        if (is_rate) factor /= shape->range_seconds;
      }
    }
  }
  *value = result * factor;
}

RateWindowCache& RateWindowCache::ForThisThread() {
  // On the heap: 48 KiB is too much for a thread's static TLS block in every thread that links
  // the library.
  thread_local std::unique_ptr<RateWindowCache> cache = std::make_unique<RateWindowCache>();
  return *cache;
}

bool LookupRateKernel(std::string_view name, bool* is_counter, bool* is_rate) {
  if (name != "rate" && name != "increase" && name != "delta") return false;
  *is_counter = name != "delta";
  *is_rate = name == "rate";
  return true;
}

namespace {

Status ExtrapolatedRate(const FunctionArgs& args, const FunctionOutput& output, bool is_counter,
                        bool is_rate) {
  double value;
  if (!ExtrapolatedRateValue(RangeArg(args), args.window_start, args.window_end, args.range_ms,
                             is_counter, is_rate, /*may_have_resets=*/true, /*cache=*/nullptr,
                             &value)) {
    return Status::OK();
  }
  Emit(args, output, value);
  if (is_counter) MaybeAddNonCounterInfo(RangeMetricName(args), output.annotations);
  return Status::OK();
}

Status Rate(const FunctionArgs& args, const FunctionOutput& output) {
  return ExtrapolatedRate(args, output, /*is_counter=*/true, /*is_rate=*/true);
}

Status Increase(const FunctionArgs& args, const FunctionOutput& output) {
  return ExtrapolatedRate(args, output, /*is_counter=*/true, /*is_rate=*/false);
}

Status Delta(const FunctionArgs& args, const FunctionOutput& output) {
  return ExtrapolatedRate(args, output, /*is_counter=*/false, /*is_rate=*/false);
}

// irate and idelta: from the last two samples only.
Status InstantValue(const FunctionArgs& args, const FunctionOutput& output, bool is_rate) {
  const Points& points = RangeArg(args);
  if (points.size() < 2) return Status::OK();
  const FPoint& prev = points[points.size() - 2];
  const FPoint& last = points.back();
  const int64_t interval_ms = last.t - prev.t;
  if (interval_ms == 0) return Status::OK();
  double result = last.f;  // after a counter reset, the increase is the new value itself
  if (!is_rate || !(last.f < prev.f)) result = last.f - prev.f;
  if (is_rate) result /= static_cast<double>(interval_ms) / 1000;
  Emit(args, output, result);
  return Status::OK();
}

Status Irate(const FunctionArgs& args, const FunctionOutput& output) {
  return InstantValue(args, output, /*is_rate=*/true);
}

Status Idelta(const FunctionArgs& args, const FunctionOutput& output) {
  return InstantValue(args, output, /*is_rate=*/false);
}

struct Regression {
  double slope = 0;
  double intercept = 0;
};

// Least-squares fit of value over time (seconds relative to intercept_time_ms), with Kahan
// sums. A constant series has slope 0 (NaN for a constant infinity) rather than the 0/0 the
// formula would give.
Regression LinearRegression(const Points& points, int64_t intercept_time_ms) {
  double n = 0;
  double sum_x = 0, c_x = 0;
  double sum_y = 0, c_y = 0;
  double sum_xy = 0, c_xy = 0;
  double sum_x2 = 0, c_x2 = 0;
  const double init_y = points[0].f;
  bool const_y = true;
  for (size_t i = 0; i < points.size(); ++i) {
    const FPoint& p = points[i];
    if (const_y && i > 0 && p.f != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(p.t - intercept_time_ms) / 1e3;
    KahanInc(x, &sum_x, &c_x);
    KahanInc(p.f, &sum_y, &c_y);
    KahanInc(x * p.f, &sum_xy, &c_xy);
    KahanInc(x * x, &sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      return {nan, nan};
    }
    return {0, init_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  Regression r;
  r.slope = cov_xy / var_x;
  r.intercept = sum_y / n - r.slope * sum_x / n;
  return r;
}

Status Deriv(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.size() < 2) return Status::OK();
  // Times relative to the first sample keep x small (Prometheus issue 2674).
  Emit(args, output, LinearRegression(points, points[0].t).slope);
  return Status::OK();
}

Status PredictLinear(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.size() < 2) return Status::OK();
  const double duration = ScalarArg(args, 1);
  const Regression r = LinearRegression(points, args.t);
  Emit(args, output, r.slope * duration + r.intercept);
  return Status::OK();
}

Status Changes(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  int changes = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    const double prev = points[i - 1].f;
    const double cur = points[i].f;
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) ++changes;
  }
  Emit(args, output, changes);
  return Status::OK();
}

Status Resets(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  int resets = 0;
  for (size_t i = 1; i < points.size(); ++i) {
    if (points[i].f < points[i - 1].f) ++resets;
  }
  Emit(args, output, resets);
  return Status::OK();
}

// The mean with Kahan summation of the running sum; if that sum overflows, switches to an
// incremental mean (which cannot overflow for finite inputs). Direct summation is usually the
// more accurate of the two (Prometheus issue 16714), hence the order.
double MeanOf(const Points& points) {
  double sum = points[0].f;
  double count = 1;
  double mean = 0;
  double kahan_c = 0;
  bool incremental = false;
  for (size_t i = 1; i < points.size(); ++i) {
    const double f = points[i].f;
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double new_sum = sum;
      double new_c = kahan_c;
      KahanInc(f, &new_sum, &new_c);
      if (!std::isinf(new_sum)) {
        sum = new_sum;
        kahan_c = new_c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      kahan_c /= (count - 1);
    }
    const double q = (count - 1) / count;
    double new_mean = q * mean;
    double new_c = q * kahan_c;
    KahanInc(f / count, &new_mean, &new_c);
    mean = new_mean;
    kahan_c = new_c;
  }
  if (incremental) return mean + kahan_c;
  return sum / count + kahan_c / count;
}

Status AvgOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  Emit(args, output, MeanOf(points));
  return Status::OK();
}

Status SumOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  double sum = 0;
  double c = 0;
  for (const FPoint& p : points) KahanInc(p.f, &sum, &c);
  Emit(args, output, std::isinf(sum) ? sum : sum + c);
  return Status::OK();
}

Status CountOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  Emit(args, output, static_cast<double>(points.size()));
  return Status::OK();
}

Status PresentOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  if (RangeArg(args).empty()) return Status::OK();
  Emit(args, output, 1);
  return Status::OK();
}

Status LastOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  Emit(args, output, points.back().f);
  return Status::OK();
}

Status FirstOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  Emit(args, output, points.front().f);
  return Status::OK();
}

Status TsOfFirstOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  Emit(args, output, static_cast<double>(points.front().t) / 1000);
  return Status::OK();
}

Status TsOfLastOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  Emit(args, output, static_cast<double>(points.back().t) / 1000);
  return Status::OK();
}

// min/max_over_time and their ts_of_ variants: the sample that wins `replaces(candidate,
// best)` scanning in time order. A NaN is replaced by any later value, so NaN is the result
// only if all values are NaN. The ts_of_ variants use >= / <= to report the latest extreme.
template <typename Replaces>
Status CompareOverTime(const FunctionArgs& args, const FunctionOutput& output, Replaces replaces,
                       bool return_timestamp) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  double best = points[0].f;
  int64_t best_t = points[0].t;
  for (const FPoint& p : points) {
    if (replaces(p.f, best)) {
      best = p.f;
      best_t = p.t;
    }
  }
  Emit(args, output, return_timestamp ? static_cast<double>(best_t) / 1000 : best);
  return Status::OK();
}

Status MaxOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  return CompareOverTime(
      args, output, [](double cur, double best) { return cur > best || std::isnan(best); }, false);
}

Status MinOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  return CompareOverTime(
      args, output, [](double cur, double best) { return cur < best || std::isnan(best); }, false);
}

Status TsOfMaxOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  return CompareOverTime(
      args, output, [](double cur, double best) { return cur >= best || std::isnan(best); }, true);
}

Status TsOfMinOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  return CompareOverTime(
      args, output, [](double cur, double best) { return cur <= best || std::isnan(best); }, true);
}

std::vector<double> ValuesOf(const Points& points) {
  std::vector<double> values;
  values.reserve(points.size());
  for (const FPoint& p : points) values.push_back(p.f);
  return values;
}

Status QuantileOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  const double q = ScalarArg(args, 0);
  if (std::isnan(q) || q < 0 || q > 1) AddWarning(output.annotations, InvalidQuantileMessage(q));
  Emit(args, output, Quantile(q, ValuesOf(points)));
  return Status::OK();
}

// Median absolute deviation: the median of the distances from the median. A NaN sample makes
// the median undefined, so the result is NaN rather than the NaN being sorted aside.
Status MadOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  for (const FPoint& p : points) {
    if (std::isnan(p.f)) {
      Emit(args, output, std::numeric_limits<double>::quiet_NaN());
      return Status::OK();
    }
  }
  const double median = Quantile(0.5, ValuesOf(points));
  std::vector<double> deviations;
  deviations.reserve(points.size());
  for (const FPoint& p : points) deviations.push_back(std::fabs(p.f - median));
  Emit(args, output, Quantile(0.5, std::move(deviations)));
  return Status::OK();
}

// Population variance by Welford's online algorithm, both accumulators Kahan-compensated.
double VarianceOf(const Points& points) {
  double count = 0;
  double mean = 0, c_mean = 0;
  double aux = 0, c_aux = 0;
  for (const FPoint& p : points) {
    count += 1;
    const double delta = p.f - (mean + c_mean);
    KahanInc(delta / count, &mean, &c_mean);
    KahanInc(delta * (p.f - (mean + c_mean)), &aux, &c_aux);
  }
  return (aux + c_aux) / count;
}

Status StdvarOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  Emit(args, output, VarianceOf(points));
  return Status::OK();
}

Status StddevOverTime(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  Emit(args, output, std::sqrt(VarianceOf(points)));
  return Status::OK();
}

// Holt's linear (double exponential) smoothing with smoothing factor sf and trend factor tf,
// both strictly between 0 and 1; the last smoothed value is the result.
Status DoubleExponentialSmoothing(const FunctionArgs& args, const FunctionOutput& output) {
  const Points& points = RangeArg(args);
  if (points.empty()) return Status::OK();
  const double sf = ScalarArg(args, 1);
  const double tf = ScalarArg(args, 2);
  if (sf <= 0 || sf >= 1) {
    return Status::InvalidArgument("invalid smoothing factor. Expected: 0 < sf < 1, got: " +
                                   util::GoSprintfF(sf));
  }
  if (tf <= 0 || tf >= 1) {
    return Status::InvalidArgument("invalid trend factor. Expected: 0 < tf < 1, got: " +
                                   util::GoSprintfF(tf));
  }
  if (points.size() < 2) return Status::OK();
  double s0 = 0;
  double s1 = points[0].f;
  double trend = points[1].f - points[0].f;
  for (size_t i = 1; i < points.size(); ++i) {
    const double x = sf * points[i].f;
    if (i > 1) trend = tf * (s1 - s0) + (1 - tf) * trend;  // the initial trend is used as is
    const double y = (1 - sf) * (s1 + trend);
    s0 = s1;
    s1 = x + y;
  }
  Emit(args, output, s1);
  return Status::OK();
}

constexpr FunctionEntry kRangeFunctions[] = {
    {"rate", Rate},
    {"increase", Increase},
    {"delta", Delta},
    {"irate", Irate},
    {"idelta", Idelta},
    {"deriv", Deriv},
    {"predict_linear", PredictLinear},
    {"changes", Changes},
    {"resets", Resets},
    {"avg_over_time", AvgOverTime},
    {"sum_over_time", SumOverTime},
    {"count_over_time", CountOverTime},
    {"present_over_time", PresentOverTime},
    {"last_over_time", LastOverTime},
    {"first_over_time", FirstOverTime},
    {"ts_of_first_over_time", TsOfFirstOverTime},
    {"ts_of_last_over_time", TsOfLastOverTime},
    {"max_over_time", MaxOverTime},
    {"min_over_time", MinOverTime},
    {"ts_of_max_over_time", TsOfMaxOverTime},
    {"ts_of_min_over_time", TsOfMinOverTime},
    {"quantile_over_time", QuantileOverTime},
    {"mad_over_time", MadOverTime},
    {"stdvar_over_time", StdvarOverTime},
    {"stddev_over_time", StddevOverTime},
    {"double_exponential_smoothing", DoubleExponentialSmoothing},
};

}  // namespace

FunctionImpl LookupRangeFunctionImpl(std::string_view name) {
  return FindFunction(kRangeFunctions, std::size(kRangeFunctions), name);
}

}  // namespace tidemark::promql::internal
