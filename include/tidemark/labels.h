// Labels: the identity of a time series, a set of (name, value) pairs sorted by name.
//
// Thread safety: values; copy them freely.
#ifndef TIDEMARK_LABELS_H_
#define TIDEMARK_LABELS_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidemark {

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
  // For Abseil's hash containers (absl::flat_hash_map<Labels, ...>); no dependency here.
  template <typename H>
  friend H AbslHashValue(H h, const Label& l) {
    return H::combine(std::move(h), l.name, l.value);
  }
};

// A label set. Construction sorts by name; labels with an empty value are dropped, because an
// empty value means "absent" in the Prometheus data model. Duplicate names are kept so that
// validation can report them (see Engine's InvalidArgument rejections).
class Labels {
 public:
  Labels() = default;
  Labels(std::initializer_list<Label> labels);
  explicit Labels(std::vector<Label> labels);

  const std::vector<Label>& items() const { return labels_; }
  // The pairs, moved out of a label set that is about to be rebuilt (without a label, say), so
  // their strings are not copied. The set is left empty.
  std::vector<Label> ReleaseItems() && { return std::move(labels_); }
  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  auto begin() const { return labels_.begin(); }
  auto end() const { return labels_.end(); }

  // The value of `name`, or an empty view if absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;

  // `{__name__="up", job="x"}` rendered as `up{job="x"}`, as Prometheus prints series.
  std::string ToString() const;

  bool operator==(const Labels&) const = default;
  auto operator<=>(const Labels&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const Labels& l) {
    return H::combine(std::move(h), l.labels_);
  }

 private:
  void Canonicalize();
  std::vector<Label> labels_;
};

}  // namespace tidemark

#endif  // TIDEMARK_LABELS_H_
