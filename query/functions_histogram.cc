// histogram_quantile, histogram_quantiles and histogram_fraction over classic histograms:
// series that share all labels but `le` are one histogram, each series a cumulative bucket
// whose upper bound is its `le` value. Output labels are the group's labels without `le`,
// marked for `__name__` removal (VectorSample::drop_name).
#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>

#include <cmath>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "query/functions_internal.h"
#include "query/quantile.h"
#include "util/go_text.h"

namespace tidemark::promql::internal {
namespace {

constexpr std::string_view kBucketLabel = "le";

struct BucketGroup {
  Labels metric;  // the group's labels: the series' labels without `le`, `__name__` kept
  std::vector<ClassicBucket> buckets;
};

// Groups the samples of `in` into classic histograms, in order of first appearance. A series
// whose `le` is missing or not a float is skipped with a warning.
// The labels of `metric` but `le`, hashed and compared in place: a copy without `le` is made
// only for the first series of each group.
size_t HashWithoutBucketLabel(const Labels& metric) {
  size_t h = 0;
  for (const Label& l : metric) {
    if (l.name != kBucketLabel) h = absl::HashOf(h, l.name, l.value);
  }
  return h;
}

bool SameWithoutBucketLabel(const Labels& group, const Labels& metric) {
  auto g = group.begin();
  for (const Label& l : metric) {
    if (l.name == kBucketLabel) continue;
    if (g == group.end() || *g != l) return false;
    ++g;
  }
  return g == group.end();
}

std::vector<BucketGroup> GroupBuckets(const Vector& in, const FunctionOutput& output) {
  std::vector<BucketGroup> groups;
  absl::flat_hash_map<size_t, std::vector<size_t>> by_hash;  // -> indices into groups
  // Every histogram of a metric has the same few bounds: each distinct `le` text is parsed once
  // (nullopt: not a float). The keys view the labels of `in`.
  absl::flat_hash_map<std::string_view, std::optional<double>> bounds;
  for (const VectorSample& s : in) {
    const std::string_view le = s.metric.Get(kBucketLabel);
    auto [bound, inserted] = bounds.try_emplace(le);
    if (inserted) {
      const Result<double> parsed = util::GoParseFloat(le);
      if (parsed.ok()) bound->second = *parsed;
    }
    const std::optional<double> upper_bound = bound->second;
    if (!upper_bound) {
      std::string message =
          "bucket label \"le\" is missing or has a malformed value of " + util::GoQuote(le);
      const std::string_view name = s.metric.Get(kMetricNameLabel);
      if (!name.empty()) message += " for metric name " + util::GoQuote(name);
      AddWarning(output.annotations, std::move(message));
      continue;
    }
    std::vector<size_t>& candidates = by_hash[HashWithoutBucketLabel(s.metric)];
    BucketGroup* group = nullptr;
    for (size_t g : candidates) {
      if (SameWithoutBucketLabel(groups[g].metric, s.metric)) {
        group = &groups[g];
        break;
      }
    }
    if (group == nullptr) {
      candidates.push_back(groups.size());
      group = &groups.emplace_back(BucketGroup{WithoutLabel(s.metric, kBucketLabel), {}});
    }
    group->buckets.push_back(ClassicBucket{*upper_bound, s.f});
  }
  return groups;
}

void WarnIfInvalidQuantile(double q, const FunctionOutput& output) {
  if (std::isnan(q) || q < 0 || q > 1) AddWarning(output.annotations, InvalidQuantileMessage(q));
}

// The info Prometheus raises when bucket counts decreased with increasing `le`, naming the
// metric when the buckets still carry one (as Prometheus 3 does with delayed name removal).
void InfoIfForcedMonotonicity(const BucketQuantileResult& result, const BucketGroup& group,
                              const FunctionOutput& output) {
  if (!result.forced_monotonicity) return;
  std::string message =
      "input to histogram_quantile needed to be fixed for monotonicity (see "
      "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)";
  const std::string_view name = group.metric.Get(kMetricNameLabel);
  if (!name.empty()) message += " for metric name " + util::GoQuote(name);
  AddInfo(output.annotations, std::move(message));
}

// histogram_quantile(φ, buckets).
Status HistogramQuantile(const FunctionArgs& args, const FunctionOutput& output) {
  const double q = ScalarArg(args, 0);
  WarnIfInvalidQuantile(q, output);
  for (BucketGroup& group : GroupBuckets(VectorArg(args, 1), output)) {
    const BucketQuantileResult result = BucketQuantile(q, std::move(group.buckets));
    InfoIfForcedMonotonicity(result, group, output);
    output.out->push_back(
        VectorSample{std::move(group.metric), args.t, result.value, /*drop_name=*/true});
  }
  return Status::OK();
}

// histogram_quantiles(buckets, label, φ1, φ2, ...): one output series per group and φ, told
// apart by `label` set to the φ.
Status HistogramQuantiles(const FunctionArgs& args, const FunctionOutput& output) {
  const std::string_view quantile_label = StringArg(args, 1);
  std::vector<double> qs;
  const size_t arg_count = ArgCount(args);
  for (size_t i = 2; i < arg_count; ++i) {
    qs.push_back(ScalarArg(args, i));
    WarnIfInvalidQuantile(qs.back(), output);
  }
  const std::vector<BucketGroup> groups = GroupBuckets(VectorArg(args, 0), output);
  const size_t first_out = output.out->size();
  for (double q : qs) {
    const std::string q_text = FormatOpenMetricsFloat(q);
    for (const BucketGroup& group : groups) {
      const BucketQuantileResult result = BucketQuantile(q, group.buckets);
      InfoIfForcedMonotonicity(result, group, output);
      output.out->push_back(VectorSample{WithLabel(group.metric, quantile_label, q_text), args.t,
                                         result.value, /*drop_name=*/true});
    }
  }
  Vector produced(output.out->begin() + static_cast<std::ptrdiff_t>(first_out), output.out->end());
  if (HasDuplicateLabelsets(produced)) return DuplicateLabelsetError();
  return Status::OK();
}

// histogram_fraction(lower, upper, buckets).
Status HistogramFraction(const FunctionArgs& args, const FunctionOutput& output) {
  const double lower = ScalarArg(args, 0);
  const double upper = ScalarArg(args, 1);
  for (BucketGroup& group : GroupBuckets(VectorArg(args, 2), output)) {
    const double fraction = BucketFraction(lower, upper, std::move(group.buckets));
    output.out->push_back(VectorSample{group.metric, args.t, fraction, /*drop_name=*/true});
  }
  return Status::OK();
}

constexpr FunctionEntry kHistogramFunctions[] = {
    {"histogram_quantile", HistogramQuantile},
    {"histogram_quantiles", HistogramQuantiles},
    {"histogram_fraction", HistogramFraction},
};

}  // namespace

FunctionImpl LookupHistogramFunctionImpl(std::string_view name) {
  return FindFunction(kHistogramFunctions, std::size(kHistogramFunctions), name);
}

}  // namespace tidemark::promql::internal
