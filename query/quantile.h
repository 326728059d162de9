// Quantile estimation as PromQL defines it: the φ-quantile of a set of sample values (the
// `quantile` aggregation, quantile_over_time, mad_over_time) and the quantile and fraction of a
// classic histogram given as cumulative `le` buckets (histogram_quantile, histogram_fraction).
//
// The algorithms follow Prometheus' promql/quantile.go so that results agree bit for bit on
// the same inputs (no fused multiply-add, same operation order).
//
// Thread safety: pure functions.
#ifndef TIDEMARK_QUERY_QUANTILE_H_
#define TIDEMARK_QUERY_QUANTILE_H_

#include <vector>

namespace tidemark::promql {

// The φ-quantile of `values` (which are taken by value and sorted), interpolating linearly
// between the two closest ranks: rank = q * (n - 1). NaN values sort below every number.
// Special cases: no values or q NaN -> NaN; q < 0 -> -Inf; q > 1 -> +Inf.
double Quantile(double q, std::vector<double> values);

// One bucket of a classic histogram: the cumulative count of observations <= upper_bound.
struct ClassicBucket {
  double upper_bound = 0;
  double count = 0;
};

struct BucketQuantileResult {
  double value = 0;
  // A bucket count below a lower bucket's count had to be raised (the input was not
  // monotonic); Prometheus then reports the "needed to be fixed for monotonicity" info.
  bool forced_monotonicity = false;
  // Counts that differed by a relative 1e-12 or less were treated as equal (float noise).
  bool fixed_precision = false;
  // When forced_monotonicity: the lowest and highest upper bound that had to be raised and the
  // largest amount one was raised by.
  double min_bucket = 0;
  double max_bucket = 0;
  double max_diff = 0;
};

// The φ-quantile of a classic histogram, interpolating linearly within the bucket that holds
// rank q * total. `buckets` need not be sorted; buckets with the same upper bound are merged.
// The lowest bucket's lower bound is taken as 0 if its upper bound is positive; if the
// quantile falls into the lowest bucket and its upper bound is <= 0, that bound is returned.
// If it falls into the +Inf bucket, the second highest upper bound is returned.
// Special cases: q NaN -> NaN; q < 0 -> -Inf; q > 1 -> +Inf; no buckets, no +Inf bucket, fewer
// than two buckets or zero observations -> NaN.
BucketQuantileResult BucketQuantile(double q, std::vector<ClassicBucket> buckets);

// The fraction of a classic histogram's observations between `lower` and `upper`,
// interpolating linearly within buckets (no interpolation into an infinitely wide bucket: it
// contributes nothing). Special cases: no buckets, no +Inf bucket, zero observations or a NaN
// bound -> NaN; lower >= upper -> 0.
double BucketFraction(double lower, double upper, std::vector<ClassicBucket> buckets);

}  // namespace tidemark::promql

#endif  // TIDEMARK_QUERY_QUANTILE_H_
