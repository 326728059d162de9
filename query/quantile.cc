#include "query/quantile.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace tidemark::promql {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Relative differences between adjacent classic bucket counts up to this size are taken as
// floating-point noise (typically from sharded or federated sums) rather than a real decrease.
// Prometheus' smallDeltaTolerance.
constexpr double kSmallDeltaTolerance = 1e-12;

// Prometheus' util/almost.Equal: relative comparison with a fallback for values near zero.
bool AlmostEqual(double a, double b, double epsilon) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kMinNormal = std::numeric_limits<double>::min();  // 0x0010000000000000
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

// Go's sort.Search: the smallest index in [0, n) for which `pred` holds, or n.
template <typename Pred>
size_t SearchFirst(size_t n, Pred pred) {
  size_t low = 0;
  size_t high = n;
  while (low < high) {
    const size_t mid = low + (high - low) / 2;
    if (pred(mid)) {
      high = mid;
    } else {
      low = mid + 1;
    }
  }
  return low;
}

void SortByUpperBound(std::vector<ClassicBucket>* buckets) {
  std::stable_sort(
      buckets->begin(), buckets->end(),
      [](const ClassicBucket& a, const ClassicBucket& b) { return a.upper_bound < b.upper_bound; });
}

// Merges buckets with the same upper bound (summing their counts). Input sorted, non-empty.
void CoalesceBuckets(std::vector<ClassicBucket>* buckets) {
  std::vector<ClassicBucket>& b = *buckets;
  ClassicBucket last = b[0];
  size_t i = 0;
  for (size_t j = 1; j < b.size(); ++j) {
    if (b[j].upper_bound == last.upper_bound) {
      last.count += b[j].count;
    } else {
      b[i] = last;
      last = b[j];
      ++i;
    }
  }
  b[i] = last;
  b.resize(i + 1);
}

// Makes the cumulative counts non-decreasing. bucketQuantile's binary search relies on that,
// but real data breaks it (inconsistent targets, remote write, precision loss in downstream
// systems). Differences small enough to be float noise are absorbed silently in either
// direction; any other decrease is removed by carrying the last accepted count forward.
// Fills the monotonicity fields of `result`.
void EnsureMonotonicAndIgnoreSmallDeltas(std::vector<ClassicBucket>* buckets, double tolerance,
                                         BucketQuantileResult* result) {
  result->min_bucket = kInf;
  result->max_bucket = -kInf;
  std::vector<ClassicBucket>& b = *buckets;
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    const double curr = b[i].count;
    if (curr == prev) continue;
    if (AlmostEqual(prev, curr, tolerance)) {
      b[i].count = prev;
      result->fixed_precision = true;
      continue;
    }
    if (curr < prev) {
      b[i].count = prev;
      result->forced_monotonicity = true;
      result->min_bucket = std::min(result->min_bucket, b[i].upper_bound);
      result->max_bucket = std::max(result->max_bucket, b[i].upper_bound);
      result->max_diff = std::max(result->max_diff, prev - curr);
      continue;
    }
    prev = curr;
  }
}

}  // namespace

double Quantile(double q, std::vector<double> values) {
  if (values.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  // NaN sorts first, as Prometheus' vectorByValueHeap orders it.
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower_index = std::max(0.0, std::floor(rank));
  const double upper_index = std::min(n - 1, lower_index + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower_index)] * (1 - weight) +
         values[static_cast<size_t>(upper_index)] * weight;
}

BucketQuantileResult BucketQuantile(double q, std::vector<ClassicBucket> buckets) {
  BucketQuantileResult result;
  if (std::isnan(q)) {
    result.value = kNaN;
    return result;
  }
  if (q < 0) {
    result.value = -kInf;
    return result;
  }
  if (q > 1) {
    result.value = kInf;
    return result;
  }
  if (buckets.empty()) {
    result.value = kNaN;
    return result;
  }
  SortByUpperBound(&buckets);
  if (buckets.back().upper_bound != kInf) {
    result.value = kNaN;
    return result;
  }
  CoalesceBuckets(&buckets);
  EnsureMonotonicAndIgnoreSmallDeltas(&buckets, kSmallDeltaTolerance, &result);

  const size_t n = buckets.size();
  if (n < 2) {
    result.value = kNaN;
    return result;
  }
  const double observations = buckets[n - 1].count;
  if (observations == 0) {
    result.value = kNaN;
    return result;
  }
  double rank = q * observations;
  // The +Inf bucket is excluded from the search: landing there yields its lower bound.
  const size_t b = SearchFirst(n - 1, [&](size_t i) { return buckets[i].count >= rank; });
  if (b == n - 1) {
    result.value = buckets[n - 2].upper_bound;
    return result;
  }
  if (b == 0 && buckets[0].upper_bound <= 0) {
    result.value = buckets[0].upper_bound;
    return result;
  }
  double bucket_start = 0;
  const double bucket_end = buckets[b].upper_bound;
  double count = buckets[b].count;
  if (b > 0) {
    bucket_start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  result.value = bucket_start + (bucket_end - bucket_start) * (rank / count);
  return result;
}

double BucketFraction(double lower, double upper, std::vector<ClassicBucket> buckets) {
  if (buckets.empty()) return kNaN;
  SortByUpperBound(&buckets);
  if (buckets.back().upper_bound != kInf) return kNaN;
  CoalesceBuckets(&buckets);

  const double count = buckets.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;

  double rank = 0;
  double lower_rank = 0;
  double upper_rank = 0;
  bool lower_set = false;
  bool upper_set = false;
  // A lowest bucket with a positive upper bound is taken to start at 0 (observations are
  // non-negative); otherwise it reaches down to -Inf.
  double lower_bound = buckets[0].upper_bound <= 0 ? -kInf : 0.0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (i > 0) lower_bound = buckets[i - 1].upper_bound;
    const double upper_bound = buckets[i].upper_bound;
    const double cumulative = buckets[i].count;
    // No interpolation into a bucket reaching down to -Inf: it contributes nothing partial.
    // Into a bucket reaching up to +Inf the second term is finite/Inf = 0, with the same effect.
    auto interpolate = [&](double v) {
      if (lower_bound == -kInf) return cumulative;
      return rank + (cumulative - rank) * (v - lower_bound) / (upper_bound - lower_bound);
    };
    if (!lower_set && lower_bound >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lower_bound >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lower_bound < lower && upper_bound > lower) {
      lower_rank = interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && lower_bound < upper && upper_bound > upper) {
      upper_rank = interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank = cumulative;  // counts are cumulative: the next bucket starts where this one ends
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

}  // namespace tidemark::promql
