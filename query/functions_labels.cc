// Functions that rewrite labels (label_replace, label_join) or order a vector (sort,
// sort_desc, sort_by_label, sort_by_label_desc). They keep `__name__`.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "query/functions_internal.h"
#include "query/go_regexp.h"
#include "re2/re2.h"
#include "util/prom_names.h"

namespace tidemark::promql::internal {
namespace {

// The compiled `^(?s:regex)$` of the last label_replace call on this thread: the evaluator
// calls once per step with the same pattern, and compiling per step would dominate.
std::shared_ptr<const RE2> CompileAnchored(std::string_view regex) {
  thread_local std::string cached_pattern;
  thread_local std::shared_ptr<const RE2> cached;
  if (cached != nullptr && cached_pattern == regex) return cached;
  RE2::Options options;
  options.set_log_errors(false);
  options.set_dot_nl(false);
  auto re = std::make_shared<const RE2>("^(?s:" + std::string(regex) + ")$", options);
  if (!re->ok()) return nullptr;
  cached_pattern = std::string(regex);
  cached = re;
  return re;
}

// label_replace(v, dst, replacement, src, regex): where `regex` matches the whole value of
// `src`, sets `dst` to the expanded replacement (removing it if that is empty).
Status LabelReplace(const FunctionArgs& args, const FunctionOutput& output) {
  const std::string_view dst = StringArg(args, 1);
  const std::string_view replacement = StringArg(args, 2);
  const std::string_view src = StringArg(args, 3);
  const std::string_view regex = StringArg(args, 4);
  std::shared_ptr<const RE2> re = CompileAnchored(regex);
  if (re == nullptr) {
    return Status::InvalidArgument("invalid regular expression in label_replace(): " +
                                   std::string(regex));
  }
  if (!util::IsValidLabelName(dst)) {
    return Status::InvalidArgument("invalid destination label name in label_replace(): " +
                                   std::string(dst));
  }
  const size_t num_groups = static_cast<size_t>(re->NumberOfCapturingGroups()) + 1;
  std::vector<re2::StringPiece> groups(num_groups);
  const size_t first_out = output.out->size();
  for (const VectorSample& s : VectorArg(args, 0)) {
    const std::string_view value = s.metric.Get(src);
    std::fill(groups.begin(), groups.end(), re2::StringPiece());
    if (!re->Match(re2::StringPiece(value.data(), value.size()), 0, value.size(), RE2::UNANCHORED,
                   groups.data(), static_cast<int>(groups.size()))) {
      output.out->push_back(VectorSample{s.metric, args.t, s.f});
      continue;
    }
    // An empty source value matched by an empty group still "participated"; RE2 reports a
    // non-null empty view for it, which GoRegexpExpand inserts as "".
    const std::string expanded = GoRegexpExpand(*re, replacement, groups);
    output.out->push_back(VectorSample{WithLabel(s.metric, dst, expanded), args.t, s.f});
  }
  Vector produced(output.out->begin() + static_cast<std::ptrdiff_t>(first_out), output.out->end());
  if (HasDuplicateLabelsets(produced)) return DuplicateLabelsetError();
  return Status::OK();
}

// label_join(v, dst, separator, src...): sets `dst` to the values of the `src` labels (missing
// ones as "") joined by `separator`.
Status LabelJoin(const FunctionArgs& args, const FunctionOutput& output) {
  const std::string_view dst = StringArg(args, 1);
  const std::string_view separator = StringArg(args, 2);
  std::vector<std::string_view> sources;
  const size_t arg_count = ArgCount(args);
  for (size_t i = 3; i < arg_count; ++i) {
    const std::string_view src = StringArg(args, i);
    if (!util::IsValidLabelName(src)) {
      return Status::InvalidArgument("invalid source label name in label_join(): " +
                                     std::string(src));
    }
    sources.push_back(src);
  }
  if (!util::IsValidLabelName(dst)) {
    return Status::InvalidArgument("invalid destination label name in label_join(): " +
                                   std::string(dst));
  }
  const size_t first_out = output.out->size();
  for (const VectorSample& s : VectorArg(args, 0)) {
    std::string joined;
    for (size_t i = 0; i < sources.size(); ++i) {
      if (i > 0) joined.append(separator);
      joined.append(s.metric.Get(sources[i]));
    }
    output.out->push_back(VectorSample{WithLabel(s.metric, dst, joined), args.t, s.f});
  }
  Vector produced(output.out->begin() + static_cast<std::ptrdiff_t>(first_out), output.out->end());
  if (HasDuplicateLabelsets(produced)) return DuplicateLabelsetError();
  return Status::OK();
}

// Range queries return series ordered by labels whatever the per-step order was.
void WarnIfRangeQuery(const FunctionArgs& args, const FunctionOutput& output) {
  if (args.query_start != args.query_end) {
    AddWarning(output.annotations,
               "sort is ineffective for range queries since results are always ordered by "
               "labels");
  }
}

// Appends the first argument to the output and returns the appended range.
std::pair<Vector::iterator, Vector::iterator> CopyInput(const FunctionArgs& args,
                                                        const FunctionOutput& output) {
  const size_t first_out = output.out->size();
  for (const VectorSample& s : VectorArg(args, 0)) {
    output.out->push_back(VectorSample{s.metric, args.t, s.f});
  }
  return {output.out->begin() + static_cast<std::ptrdiff_t>(first_out), output.out->end()};
}

// A stable bottom-up merge sort that stays in bounds whatever `less` answers. The natural
// order below is not a strict weak ordering (natsort quirks), which std::sort and
// std::stable_sort are allowed to punish with out-of-range accesses.
template <typename Less>
void RobustStableSort(Vector::iterator begin, Vector::iterator end, Less less) {
  const size_t n = static_cast<size_t>(end - begin);
  if (n < 2) return;
  std::vector<VectorSample> src(std::make_move_iterator(begin), std::make_move_iterator(end));
  std::vector<VectorSample> dst(n);
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      const size_t mid = std::min(lo + width, n);
      const size_t hi = std::min(lo + 2 * width, n);
      size_t i = lo;
      size_t j = mid;
      size_t k = lo;
      while (i < mid && j < hi) {
        // Take from the right run only if strictly smaller: equal elements keep their order.
        dst[k++] = less(src[j], src[i]) ? std::move(src[j++]) : std::move(src[i++]);
      }
      while (i < mid) dst[k++] = std::move(src[i++]);
      while (j < hi) dst[k++] = std::move(src[j++]);
    }
    src.swap(dst);
  }
  std::move(src.begin(), src.end(), begin);
}

// sort / sort_desc: by value, NaN last in both directions.
Status SortByValue(const FunctionArgs& args, const FunctionOutput& output, bool descending) {
  WarnIfRangeQuery(args, output);
  auto [begin, end] = CopyInput(args, output);
  RobustStableSort(begin, end, [descending](const VectorSample& a, const VectorSample& b) {
    if (std::isnan(a.f) || std::isnan(b.f)) return !std::isnan(a.f) && std::isnan(b.f);
    return descending ? a.f > b.f : a.f < b.f;
  });
  return Status::OK();
}

Status Sort(const FunctionArgs& args, const FunctionOutput& output) {
  return SortByValue(args, output, /*descending=*/false);
}

Status SortDesc(const FunctionArgs& args, const FunctionOutput& output) {
  return SortByValue(args, output, /*descending=*/true);
}

// Splits `s` into maximal runs of ASCII digits and of non-digits.
std::vector<std::string_view> NaturalChunks(std::string_view s) {
  std::vector<std::string_view> chunks;
  size_t i = 0;
  while (i < s.size()) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    size_t j = i + 1;
    while (j < s.size() && (s[j] >= '0' && s[j] <= '9') == digit) ++j;
    chunks.push_back(s.substr(i, j - i));
    i = j;
  }
  return chunks;
}

bool ParseChunkInt(std::string_view chunk, int64_t* out) {
  if (chunk.empty() || chunk[0] < '0' || chunk[0] > '9') return false;
  auto res = std::from_chars(chunk.data(), chunk.data() + chunk.size(), *out);
  return res.ec == std::errc() && res.ptr == chunk.data() + chunk.size();
}

}  // namespace

// Natural order as facette/natsort (which Prometheus' sort_by_label uses): digit runs compare
// as integers, other runs as bytes. Kept bug-compatible: when all of a's chunks equal b's
// leading chunks, a sorts first.
bool NaturalLess(std::string_view a, std::string_view b) {
  const std::vector<std::string_view> ca = NaturalChunks(a);
  const std::vector<std::string_view> cb = NaturalChunks(b);
  for (size_t i = 0; i < ca.size(); ++i) {
    if (i >= cb.size()) return false;
    int64_t ia = 0;
    int64_t ib = 0;
    if (ParseChunkInt(ca[i], &ia) && ParseChunkInt(cb[i], &ib)) {
      if (ia == ib) {
        if (i == ca.size() - 1) return true;
        if (i == cb.size() - 1) return false;
        continue;
      }
      return ia < ib;
    }
    if (ca[i] == cb[i]) {
      if (i == ca.size() - 1) return true;
      if (i == cb.size() - 1) return false;
      continue;
    }
    return ca[i] < cb[i];
  }
  return false;
}

namespace {

// sort_by_label[_desc](v, label...): by the given labels' values in natural order, then by the
// whole label set for a deterministic order.
Status SortByLabels(const FunctionArgs& args, const FunctionOutput& output, bool descending) {
  WarnIfRangeQuery(args, output);
  std::vector<std::string_view> names;
  const size_t arg_count = ArgCount(args);
  for (size_t i = 1; i < arg_count; ++i) names.push_back(StringArg(args, i));
  auto [begin, end] = CopyInput(args, output);
  RobustStableSort(begin, end, [&](const VectorSample& a, const VectorSample& b) {
    for (std::string_view name : names) {
      const std::string_view va = a.metric.Get(name);
      const std::string_view vb = b.metric.Get(name);
      if (va == vb) continue;
      return NaturalLess(va, vb) != descending;
    }
    return descending ? b.metric < a.metric : a.metric < b.metric;
  });
  return Status::OK();
}

Status SortByLabel(const FunctionArgs& args, const FunctionOutput& output) {
  return SortByLabels(args, output, /*descending=*/false);
}

Status SortByLabelDesc(const FunctionArgs& args, const FunctionOutput& output) {
  return SortByLabels(args, output, /*descending=*/true);
}

constexpr FunctionEntry kLabelFunctions[] = {
    {"label_replace", LabelReplace},
    {"label_join", LabelJoin},
    {"sort", Sort},
    {"sort_desc", SortDesc},
    {"sort_by_label", SortByLabel},
    {"sort_by_label_desc", SortByLabelDesc},
};

}  // namespace

FunctionImpl LookupLabelFunctionImpl(std::string_view name) {
  return FindFunction(kLabelFunctions, std::size(kLabelFunctions), name);
}

}  // namespace tidemark::promql::internal
