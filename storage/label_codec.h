// Label validation and the persisted encoding of a label set (series records in the log and the
// `series` column family; see docs/format/).
#ifndef TIDEMARK_STORAGE_LABEL_CODEC_H_
#define TIDEMARK_STORAGE_LABEL_CODEC_H_

#include <string>
#include <string_view>

#include "tidemark/labels.h"
#include "tidemark/options.h"
#include "tidemark/status.h"
#include "util/coding.h"

namespace tidemark::storage {

// InvalidArgument for an empty set, invalid UTF-8, duplicate names or names over the limits;
// ResourceExhausted when there are more labels than Limits::max_labels_per_series. The message
// names the label and the limit.
Status ValidateLabels(const Labels& labels, const Limits& limits);

// count <uvarint>, then per label: name <length-prefixed>, value <length-prefixed>.
void EncodeLabels(const Labels& labels, std::string* out);
// The same bytes for `n` labels held elsewhere (a series' interned pairs), sorted by name:
// `label(i)` returns the i-th as a pair of name and value.
template <typename LabelAt>
void EncodeLabelsFrom(size_t n, LabelAt label, std::string* out) {
  util::PutVarint64(out, n);
  for (size_t i = 0; i < n; ++i) {
    const auto& [name, value] = label(i);
    util::PutLengthPrefixed(out, name);
    util::PutLengthPrefixed(out, value);
  }
}
bool DecodeLabels(std::string_view* input, Labels* labels);

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_LABEL_CODEC_H_
