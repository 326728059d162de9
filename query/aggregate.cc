// Aggregations: sum avg min max count group stddev stdvar quantile (one output series per
// group), topk bottomk limitk limit_ratio (a selection of the input series), count_values
// (Prometheus' rangeEvalAgg, aggregation, aggregationK, aggregationCountValues).
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "query/eval_internal.h"
#include "query/functions.h"
#include "query/quantile.h"
#include "util/go_text.h"
#include "util/prom_names.h"
#include "util/status_macros.h"

namespace tidemark::promql::eval {

namespace {

// The largest float64 that converts to int64 without overflow, and the smallest.
constexpr double kMaxInt64 = 9223372036854774784.0;
constexpr double kMinInt64 = -9223372036854775808.0;

// The aggregation parameter (k, q or r) at each step, and its extremes over all steps.
struct FParams {
  bool constant = false;
  double constant_value = 0;
  std::vector<FPoint> values;
  size_t next = 0;
  double min = 0;
  double max = 0;
  bool has_nan = false;

  double Next() {
    if (constant) return constant_value;
    if (next < values.size()) return values[next++].f;
    return 0;
  }
};

// Neumaier's improved Kahan summation step (Prometheus' kahanSumInc).
void KahanSumInc(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

// An input series (by index) and its value at the current step.
struct Picked {
  size_t series = 0;
  double f = 0;
};

struct Group {
  bool seen = false;
  bool incremental_mean = false;
  bool drop_name = false;
  bool complete = false;  // limitk: k series taken
  double value = 0;
  double mean = 0;
  double kahan_c = 0;
  double count = 0;
  std::vector<double> values;  // quantile
  // topk, bottomk, limitk, limit_ratio: the input series picked at this step, by index, so that
  // only the winners' labels are ever copied.
  std::vector<Picked> heap;
};

bool Contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Whether an aggregation `by` (or `without`) `grouping` leaves `l` out of its groups' labels.
bool LeftOutOfGroup(const Label& l, const std::vector<std::string>& grouping, bool without) {
  const bool listed = Contains(grouping, l.name);
  return without ? (listed || l.name == kMetricNameLabel) : !listed;
}

// Into `key` (emptied first), so that one buffer serves every series of an aggregation: a key
// is only copied when it starts a new group.
void GroupingKey(const Labels& metric, const std::vector<std::string>& grouping, bool without,
                 std::string* key) {
  key->clear();
  if (!without && grouping.empty()) return;
  for (const Label& l : metric) {
    if (LeftOutOfGroup(l, grouping, without)) continue;
    key->append(l.name);
    key->push_back('\xff');
    key->append(l.value);
    key->push_back('\xff');
  }
}

Labels GroupingLabels(const Labels& metric, const std::vector<std::string>& grouping,
                      bool without) {
  if (!without && grouping.empty()) return Labels();
  std::vector<Label> kept;
  for (const Label& l : metric) {
    if (!LeftOutOfGroup(l, grouping, without)) kept.push_back(l);
  }
  return Labels(std::move(kept));
}

// The same from a label set no longer needed: its strings move into the group's.
Labels GroupingLabels(Labels&& metric, const std::vector<std::string>& grouping, bool without) {
  if (!without && grouping.empty()) return Labels();
  std::vector<Label> kept = std::move(metric).ReleaseItems();
  std::erase_if(kept, [&](const Label& l) { return LeftOutOfGroup(l, grouping, without); });
  return Labels(std::move(kept));
}

// Prometheus' vectorByValueHeap order: NaN below everything. `reverse` gives
// vectorByReverseValueHeap (NaN above everything).
bool HeapLess(const Picked& a, const Picked& b, bool reverse) {
  if (std::isnan(a.f)) return true;
  return reverse ? a.f > b.f : a.f < b.f;
}

// container/heap's up and down, so that ties resolve as in Prometheus.
void HeapUp(std::vector<Picked>& h, size_t j, bool reverse) {
  while (j > 0) {
    const size_t i = (j - 1) / 2;
    if (i == j || !HeapLess(h[j], h[i], reverse)) break;
    std::swap(h[i], h[j]);
    j = i;
  }
}

void HeapDown(std::vector<Picked>& h, size_t i0, bool reverse) {
  const size_t n = h.size();
  size_t i = i0;
  while (true) {
    const size_t j1 = 2 * i + 1;
    if (j1 >= n) break;
    size_t j = j1;
    if (const size_t j2 = j1 + 1; j2 < n && HeapLess(h[j2], h[j1], reverse)) j = j2;
    if (!HeapLess(h[j], h[i], reverse)) break;
    std::swap(h[i], h[j]);
    i = j;
  }
}

void HeapPush(std::vector<Picked>& h, Picked s, bool reverse) {
  h.push_back(s);
  HeapUp(h, h.size() - 1, reverse);
}

// limit_ratio's deterministic sampling: a series is in if its labels hash, as a fraction of the
// hash space (its offset), falls within the ratio (from the top for a negative ratio).
double RatioOffset(const Labels& metric) {
  return static_cast<double>(PromLabelsHash(metric)) /
         static_cast<double>(std::numeric_limits<uint64_t>::max());
}

bool AddRatioSample(double ratio, double offset) {
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1.0 + ratio);
}

}  // namespace

Result<Matrix> Evaluator::EvalAggregate(const AggregateExpr& e) {
  std::vector<std::string> grouping = e.grouping;
  std::sort(grouping.begin(), grouping.end());
  const Expr* input_expr[1] = {e.expr.get()};

  if (e.op == AggregateOp::kCountValues) {
    TM_ASSIGN_OR_RETURN(EvalValue label_value, Eval(*e.param));
    const std::string value_label = label_value.str;
    if (!util::IsValidLabelName(value_label)) {
      return Status::InvalidArgument("invalid label name " + util::GoQuote(value_label));
    }
    if (!e.without) {
      grouping.push_back(value_label);
      std::sort(grouping.begin(), grouping.end());
    }
    const bool without = e.without;
    return RangeEval(
        nullptr, input_expr,
        [&](std::span<const Vector> in, std::span<const std::vector<int>>, int64_t ts,
            Vector* out) {
          absl::flat_hash_map<std::string, size_t> index;
          std::string key;
          for (const VectorSample& s : in[0]) {
            std::vector<Label> items;
            for (const Label& l : s.metric) {
              if (l.name != value_label) items.push_back(l);
            }
            items.push_back(Label{value_label, util::GoFormatFloatF(s.f)});
            const Labels metric(std::move(items));
            GroupingKey(metric, grouping, without, &key);
            auto [it, inserted] = index.try_emplace(key, out->size());
            if (inserted) {
              out->push_back(VectorSample{GroupingLabels(metric, grouping, without), ts, 1});
            } else {
              (*out)[it->second].f += 1;
            }
          }
          return Status::OK();
        });
  }

  const int64_t original_samples = q_->current_samples;
  FParams fp;
  if (e.param != nullptr && e.param->type() == ValueType::kScalar) {
    const bool constant = UnwrapParens(*e.param).kind == ExprKind::kNumberLiteral;
    TM_ASSIGN_OR_RETURN(EvalValue param, Eval(*e.param));
    if (!param.matrix.empty() && !param.matrix[0].floats.empty()) {
      fp.values = std::move(param.matrix[0].floats);
      if (constant) {
        fp.constant = true;
        fp.constant_value = fp.values[0].f;
        fp.min = fp.max = fp.constant_value;
        fp.has_nan = std::isnan(fp.constant_value);
      } else {
        fp.min = std::numeric_limits<double>::max();
        fp.max = -std::numeric_limits<double>::max();
        for (const FPoint& p : fp.values) {
          if (std::isnan(p.f)) {
            fp.has_nan = true;
            fp.min = fp.max = p.f;  // Go's math.Min/Max return NaN once one operand is NaN
            break;
          }
          fp.min = std::min(fp.min, p.f);
          fp.max = std::max(fp.max, p.f);
        }
      }
    }
  }
  const AggregateOp op = e.op;
  const bool k_op = op == AggregateOp::kTopk || op == AggregateOp::kBottomk ||
                    op == AggregateOp::kLimitk || op == AggregateOp::kLimitRatio;
  // An aggregation `by` labels uses no others of its input's series (the k operators return
  // their input's series whole): its input may read just those, and the metric name, type and
  // unit, which a range function's result needs to tell whether it holds duplicates. Rules and
  // dashboards are mostly `sum by (...) (rate(...))`, and building each selected series' full
  // label set was a tenth of their evaluation.
  std::vector<std::string> projection;
  if (!e.without && !k_op) {
    projection = grouping;
    for (std::string_view schema : {"__name__", "__type__", "__unit__"}) {
      projection.emplace_back(schema);
    }
    std::sort(projection.begin(), projection.end());
    projection.erase(std::unique(projection.begin(), projection.end()), projection.end());
  }
  TM_ASSIGN_OR_RETURN(EvalValue input_value,
                      EvalProjected(*e.expr, k_op || e.without ? nullptr : &projection));
  // Only the k operators read their input's label sets after grouping: the others' groups take
  // their labels from them.
  Matrix& input = input_value.matrix;

  // Map input series to groups; non-selecting aggregations get one output series per group.
  absl::flat_hash_map<std::string, size_t> group_index;
  std::vector<size_t> series_group(input.size());
  Matrix result;
  std::string key;
  for (size_t si = 0; si < input.size(); ++si) {
    GroupingKey(input[si].metric, grouping, e.without, &key);
    auto [it, inserted] = group_index.try_emplace(key, group_index.size());
    if (inserted && !k_op) {
      Series s;
      s.metric = GroupingLabels(std::move(input[si].metric), grouping, e.without);
      result.push_back(std::move(s));
    }
    series_group[si] = it->second;
  }

  auto ratio_warning = [](double got, double to) {
    return "PromQL warning: ratio value should be between -1 and 1, got " +
           util::GoFormatFloatG(got) + ", capping to " + util::GoFormatFloatG(to);
  };
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kLimitk:
      if (fp.max < 1) {
        q_->current_samples = original_samples;
        return Matrix();
      }
      if (fp.has_nan) return Status::InvalidArgument("Parameter value is NaN");
      if (fp.min <= kMinInt64) {
        return Status::InvalidArgument("Scalar value " + util::GoFormatFloatG(fp.min) +
                                       " underflows int64");
      }
      if (fp.max >= kMaxInt64) {
        return Status::InvalidArgument("Scalar value " + util::GoFormatFloatG(fp.max) +
                                       " overflows int64");
      }
      break;
    case AggregateOp::kLimitRatio:
      if (fp.max == 0 && fp.min == 0) {
        q_->current_samples = original_samples;
        return Matrix();
      }
      if (fp.has_nan) return Status::InvalidArgument("Ratio value is NaN");
      if (fp.max > 1.0) AddWarning(&q_->annotations, ratio_warning(fp.max, 1.0));
      if (fp.min < -1.0) AddWarning(&q_->annotations, ratio_warning(fp.min, -1.0));
      break;
    case AggregateOp::kQuantile: {
      auto warn = [&](double q) {
        AddWarning(&q_->annotations,
                   "PromQL warning: quantile value should be between 0 and 1, got " +
                       util::GoFormatFloatG(q));
      };
      if (fp.has_nan) warn(std::numeric_limits<double>::quiet_NaN());
      if (fp.max > 1) warn(fp.max);
      if (fp.min < 0) warn(fp.min);
      break;
    }
    default:
      break;
  }

  // Steps are processed in blocks, and within a block series by series: each input series' points
  // are then read in one sweep, where visiting every series at every step took a cache miss per
  // series and step on large inputs. The state of each (group, step) cell still receives the
  // input series in input order, so sums accumulate in the same order and results are identical
  // to a step-by-step evaluation. Blocks bound the cells held at once.
  constexpr size_t kMaxCells = 16384;
  constexpr size_t kPrefetchSeries = 8;
  const size_t num_groups = group_index.size();
  const auto num_steps = static_cast<size_t>(NumSteps());
  const size_t block_steps =
      std::clamp<size_t>(kMaxCells / std::max<size_t>(num_groups, 1), 1, num_steps);
  std::vector<Group> cells(num_groups * block_steps);  // cell (group g, step s): g*block_steps+s
  std::vector<double> params(num_steps);
  for (double& p : params) p = fp.Next();
  // limit_ratio's per-series hash offset does not change between steps.
  std::vector<double> ratio_offsets;
  if (op == AggregateOp::kLimitRatio) {
    ratio_offsets.reserve(input.size());
    for (const Series& s : input) ratio_offsets.push_back(RatioOffset(s.metric));
  }
  // Per step of a block for k_op: k or the ratio, and whether the step selects nothing.
  std::vector<int64_t> step_k(block_steps);
  std::vector<double> step_ratio(block_steps);
  std::vector<char> step_none(block_steps);

  std::vector<size_t> cursors(input.size(), 0);
  // Selected series of a range query, by labels.
  absl::flat_hash_map<size_t, size_t> selected_index;
  Matrix selected;
  const int64_t temp_samples = q_->current_samples;
  int64_t produced = 0;
  std::vector<Picked> step_out;

  for (size_t b0 = 0; b0 < num_steps; b0 += block_steps) {
    TM_RETURN_IF_ERROR(CheckContext());
    const size_t len = std::min(block_steps, num_steps - b0);
    for (Group& g : cells) {
      g.seen = false;
      g.complete = false;
      g.values.clear();
      g.heap.clear();
    }
    if (k_op) {
      for (size_t s = 0; s < len; ++s) {
        const double param = params[b0 + s];
        step_none[s] = false;
        if (op == AggregateOp::kLimitRatio) {
          if (param == 0) step_none[s] = true;
          step_ratio[s] = std::clamp(param, -1.0, 1.0);
        } else {
          step_k[s] =
              std::min<int64_t>(static_cast<int64_t>(param), static_cast<int64_t>(input.size()));
          if (step_k[s] < 1) step_none[s] = true;
        }
      }
    }
    const int64_t block_first_ts = start_ + static_cast<int64_t>(b0) * interval_;
    const int64_t block_last_ts = start_ + static_cast<int64_t>(b0 + len - 1) * interval_;

    for (size_t si = 0; si < input.size(); ++si) {
      // A block may span every step: look at the deadline now and then within it too.
      if (si % 4096 == 4095) TM_RETURN_IF_ERROR(CheckContext());
      // Each series' points were written long before (by the input's evaluation, series after
      // series) and are mostly out of cache, and a block's few lines of each of thousands of
      // series are too short a stream for the hardware to prefetch: fetch the block's points a
      // few series ahead, so the sweep below does not wait for memory at every line.
      if (const size_t ahead = si + kPrefetchSeries; ahead < input.size()) {
        const std::vector<FPoint>& next = input[ahead].floats;
        const size_t at = cursors[ahead];
        const size_t until = std::min(next.size(), at + len);
        for (size_t p = at; p < until; p += 4) __builtin_prefetch(next.data() + p);
        if (at < until) __builtin_prefetch(next.data() + until - 1);
      }
      const std::vector<FPoint>& points = input[si].floats;
      size_t& c = cursors[si];
      Group* row = &cells[series_group[si] * block_steps];
      const bool drop_name = input[si].drop_name;
      // A point is taken at the step equal to its time; of points sharing a time only the first
      // (as a step-by-step cursor would). Steps are walked, not divided out: points are sorted.
      size_t step = 0;
      int64_t step_ts = block_first_ts;
      for (; c < points.size() && points[c].t <= block_last_ts; ++c) {
        const int64_t t = points[c].t;
        if (t < step_ts) continue;
        while (step_ts < t) {
          step_ts += interval_;
          ++step;
        }
        if (step_ts != t) continue;
        step_ts += interval_;
        const size_t taken = step++;
        Group& g = row[taken];
        const double f = points[c].f;
        if (k_op) {
          if (step_none[taken]) continue;
          const Picked s{si, f};
          const int64_t k = step_k[taken];
          switch (op) {
            case AggregateOp::kTopk:
            case AggregateOp::kBottomk: {
              const bool reverse = op == AggregateOp::kBottomk;
              if (!g.seen) {
                g.seen = true;
                HeapPush(g.heap, s, reverse);
              } else if (static_cast<int64_t>(g.heap.size()) < k) {
                HeapPush(g.heap, s, reverse);
              } else if ((reverse ? g.heap[0].f > s.f : g.heap[0].f < s.f) ||
                         (std::isnan(g.heap[0].f) && !std::isnan(s.f))) {
                g.heap[0] = s;
                if (k > 1) HeapDown(g.heap, 0, reverse);
              }
              break;
            }
            case AggregateOp::kLimitk:
              // Once a group has k series the rest of the step is skipped for it.
              g.seen = true;
              if (g.complete) break;
              if (static_cast<int64_t>(g.heap.size()) < k) g.heap.push_back(s);
              if (static_cast<int64_t>(g.heap.size()) == k) g.complete = true;
              break;
            default: {  // limit_ratio
              g.seen = true;
              if (AddRatioSample(step_ratio[taken], ratio_offsets[si])) g.heap.push_back(s);
              break;
            }
          }
          continue;
        }
        if (!g.seen) {
          g.seen = true;
          g.value = f;
          g.mean = f;
          g.kahan_c = 0;
          g.count = 1;
          g.incremental_mean = false;
          g.drop_name = drop_name;
          switch (op) {
            case AggregateOp::kStddev:
            case AggregateOp::kStdvar:
              g.value =
                  std::isnan(f) || std::isinf(f) ? std::numeric_limits<double>::quiet_NaN() : 0;
              break;
            case AggregateOp::kQuantile:
              g.values.push_back(f);
              break;
            case AggregateOp::kGroup:
              g.value = 1;
              break;
            default:
              break;
          }
          continue;
        }
        if (drop_name) g.drop_name = true;
        switch (op) {
          case AggregateOp::kSum:
            KahanSumInc(f, &g.value, &g.kahan_c);
            break;
          case AggregateOp::kAvg: {
            // Sum directly while the sum stays finite (more accurate), then switch to an
            // incremental mean, which does not overflow.
            g.count++;
            if (!g.incremental_mean) {
              double sum = g.value;
              double kc = g.kahan_c;
              KahanSumInc(f, &sum, &kc);
              if (!std::isinf(sum)) {
                g.value = sum;
                g.kahan_c = kc;
                break;
              }
              g.incremental_mean = true;
              g.mean = g.value / (g.count - 1);
              g.kahan_c /= g.count - 1;
            }
            const double q = (g.count - 1) / g.count;
            double mean = q * g.mean;
            double kc = q * g.kahan_c;
            KahanSumInc(f / g.count, &mean, &kc);
            g.mean = mean;
            g.kahan_c = kc;
            break;
          }
          case AggregateOp::kGroup:
            break;
          case AggregateOp::kMax:
            if (g.value < f || std::isnan(g.value)) g.value = f;
            break;
          case AggregateOp::kMin:
            if (g.value > f || std::isnan(g.value)) g.value = f;
            break;
          case AggregateOp::kCount:
            g.count++;
            break;
          case AggregateOp::kStddev:
          case AggregateOp::kStdvar: {
            g.count++;
            const double delta = f - g.mean;
            g.mean += delta / g.count;
            g.value += delta * (f - g.mean);
            break;
          }
          case AggregateOp::kQuantile:
            g.values.push_back(f);
            break;
          default:
            return Status::Internal("unexpected aggregation");
        }
      }
    }

    // The block's outputs, step by step as a step-by-step evaluation emits them.
    for (size_t s = 0; s < len; ++s) {
      const int64_t ts = block_first_ts + static_cast<int64_t>(s) * interval_;
      q_->current_samples = temp_samples + produced;
      if (k_op) {
        step_out.clear();
        for (size_t gi = 0; gi < num_groups; ++gi) {
          Group& g = cells[gi * block_steps + s];
          if (!g.seen) continue;
          if (op == AggregateOp::kTopk) {
            std::stable_sort(g.heap.begin(), g.heap.end(), [](const Picked& a, const Picked& b) {
              return !std::isnan(a.f) && (std::isnan(b.f) || a.f > b.f);
            });
          } else if (op == AggregateOp::kBottomk) {
            std::stable_sort(g.heap.begin(), g.heap.end(), [](const Picked& a, const Picked& b) {
              return !std::isnan(a.f) && (std::isnan(b.f) || a.f < b.f);
            });
          }
          for (const Picked& p : g.heap) step_out.push_back(p);
        }
        TM_RETURN_IF_ERROR(AddSamples(static_cast<int64_t>(step_out.size())));
        produced += static_cast<int64_t>(step_out.size());
        if (start_ == end_) {
          Matrix mat;
          for (const Picked& p : step_out) {
            Series series;
            series.metric = input[p.series].metric;
            series.drop_name = input[p.series].drop_name;
            series.floats.push_back(FPoint{ts, p.f});
            mat.push_back(std::move(series));
          }
          q_->current_samples = original_samples + static_cast<int64_t>(mat.size());
          return mat;
        }
        for (const Picked& p : step_out) {
          // Input series have distinct label sets, so the index identifies the output series.
          auto [it, inserted] = selected_index.emplace(p.series, selected.size());
          if (inserted) {
            Series series;
            series.metric = input[p.series].metric;
            series.drop_name = input[p.series].drop_name;
            series.floats.reserve(std::min<size_t>(num_steps, 5000));
            selected.push_back(std::move(series));
          }
          selected[it->second].floats.push_back(FPoint{ts, p.f});
        }
        continue;
      }

      const double param = params[b0 + s];
      int64_t step_points = 0;
      for (size_t ri = 0; ri < num_groups; ++ri) {
        Group& g = cells[ri * block_steps + s];
        if (!g.seen) continue;
        double v = g.value;
        switch (op) {
          case AggregateOp::kAvg:
            v = g.incremental_mean ? g.mean + g.kahan_c : g.value / g.count + g.kahan_c / g.count;
            break;
          case AggregateOp::kCount:
            v = g.count;
            break;
          case AggregateOp::kStdvar:
            v = g.value / g.count;
            break;
          case AggregateOp::kStddev:
            v = std::sqrt(g.value / g.count);
            break;
          case AggregateOp::kQuantile:
            v = Quantile(param, std::move(g.values));
            g.values.clear();
            break;
          case AggregateOp::kSum:
            v = g.value + g.kahan_c;
            break;
          default:
            break;
        }
        result[ri].floats.push_back(FPoint{ts, v});
        result[ri].drop_name = g.drop_name;
        ++step_points;
      }
      produced += step_points;
      TM_RETURN_IF_ERROR(AddSamples(step_points));
    }
  }

  Matrix out;
  if (k_op) {
    out = std::move(selected);
  } else {
    for (Series& s : result) {
      if (!s.floats.empty()) out.push_back(std::move(s));
    }
  }
  int64_t total = 0;
  for (const Series& s : out) total += static_cast<int64_t>(s.floats.size());
  q_->current_samples = original_samples + total;
  UpdatePeak();
  return out;
}

}  // namespace tidemark::promql::eval
