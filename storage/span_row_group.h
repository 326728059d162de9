// Span row groups: up to 1,024 spans of a segment, sorted by trace id, stored column by column.
// Each column is zstd-compressed on its own, so a search decompresses only the columns its
// conditions need. Strings (names, attribute keys and string values, resources, scopes) go
// through a dictionary local to the row group. Layout: docs/format/span-segments.md.
#ifndef TIDEMARK_STORAGE_SPAN_ROW_GROUP_H_
#define TIDEMARK_STORAGE_SPAN_ROW_GROUP_H_

#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tidemark/status.h"
#include "tidemark/trace.h"

namespace tidemark::storage {

inline constexpr uint32_t kRowGroupMaxSpans = 1024;
// Persisted: never renumber.
inline constexpr uint8_t kRowGroupFormatVersion = 1;

// Column ids. Persisted: never renumber.
enum class SpanColumn : uint8_t {
  kDict = 0,         // the row group's strings
  kTraceId = 1,      // runs of (16-byte id, count)
  kSpanId = 2,       // 8 bytes each
  kParent = 3,       // flag byte, then 8 bytes when present (row groups before kParentRows)
  kStart = 4,        // first uvarint, then zigzag deltas (ns)
  kDuration = 5,     // uvarint ns
  kName = 6,         // dict id
  kKind = 7,         // byte
  kStatus = 8,       // code byte, message dict id
  kFlagsState = 9,   // flags uvarint, trace state dict id
  kResource = 10,    // dict id of the encoded resource
  kScope = 11,       // dict id of the encoded scope
  kAttrs = 12,       // count, then (key dict id, type, value) per attribute
  kDropped = 13,     // dropped attributes, events, links counts
  kEvents = 14,      // count, then events (time delta, name, attributes, dropped)
  kLinks = 15,       // count, then links
  kService = 16,     // service.name per span, for searches that need nothing else of the resource
  kHttpStatus = 17,  // the span attribute http.status_code, for the most common search
  kAttrKeys = 18,    // which span attribute keys each span has (absent from older row groups)
  // The parent as the row of the span with its id, or the id (kParent's successor: a row group
  // has one of the two, and RowGroupReader::Load(kParent) reads either).
  kParentRows = 19,
};
inline constexpr int kSpanColumnCount = 20;

struct RowGroupStats {
  std::string first_trace_id;
  std::string last_trace_id;
  uint32_t spans = 0;
  uint64_t min_start = UINT64_MAX;
  uint64_t max_start = 0;
  uint64_t max_duration = 0;
};

// Encodes `spans`, which must be sorted by trace id, and fills `stats`.
std::string EncodeRowGroup(const std::vector<const Span*>& spans, int zstd_level,
                           RowGroupStats* stats);

// An attribute as stored: strings and complex values stay dictionary ids until asked for.
struct AttrRef {
  uint32_t key = 0;  // dict id
  AnyValue::Type type = AnyValue::Type::kEmpty;
  uint32_t dict = 0;  // kString, kBytes: the value; kArray, kKvList: the encoded value
  int64_t int_value = 0;
  double double_value = 0;
  bool bool_value = false;
};

// Reads one row group. Columns are decompressed and parsed on first use.
class RowGroupReader {
 public:
  // Checks the checksum and the column directory. `where` names the segment and row group in
  // errors.
  Status Open(std::string_view value, std::string where);
  uint32_t size() const { return n_; }

  Status Load(SpanColumn column);
  Status LoadAll();

  std::string_view trace_id(uint32_t i) const { return {trace_ids_.data() + 16 * i, 16}; }
  uint64_t start(uint32_t i) const { return starts_[i]; }
  uint64_t duration(uint32_t i) const { return durations_[i]; }
  std::string_view name(uint32_t i) const { return dict_[names_[i]]; }
  SpanKind kind(uint32_t i) const { return static_cast<SpanKind>(kinds_[i]); }
  SpanStatusCode status(uint32_t i) const { return static_cast<SpanStatusCode>(status_codes_[i]); }
  // Requires kDict loaded too.
  std::string_view status_message(uint32_t i) const { return dict_[status_messages_[i]]; }
  std::string_view trace_state(uint32_t i) const { return dict_[trace_states_[i]]; }
  std::string_view span_id(uint32_t i) const { return {span_ids_.data() + 8 * i, 8}; }
  std::string_view parent(uint32_t i) const {  // "" for a root
    return has_parent_[i] ? std::string_view(parent_ids_.data() + 8 * i, 8) : std::string_view();
  }
  // The span's resource and scope (decoded once per distinct dictionary entry).
  const SpanResource& resource(uint32_t i) const { return *resources_[resource_index_[i]]; }
  // service.name of span i: from kService (no dictionary needed) or else from kResource.
  std::string_view service_name(uint32_t i) const {
    return dir_[static_cast<int>(SpanColumn::kService)].loaded
               ? service_list_[service_ids_[i]]
               : std::string_view(services_[resource_index_[i]]);
  }
  // http.status_code of span i from kHttpStatus: nullopt-like kAbsent, kNotInt when present but
  // not an integer (the generic attribute path decides), else the value.
  static constexpr int64_t kHttpStatusAbsent = INT64_MIN;
  static constexpr int64_t kHttpStatusNotInt = INT64_MIN + 1;
  int64_t http_status(uint32_t i) const { return http_status_[i]; }
  bool loaded(SpanColumn c) const { return dir_[static_cast<int>(c)].loaded; }
  // Whether the row group has the column: kAttrKeys is missing from row groups written before
  // it existed (every other column is always there).
  bool has(SpanColumn c) const { return dir_[static_cast<int>(c)].present; }
  // Whether span i has the span attribute `key`, from kAttrKeys (requires it loaded): answers
  // existence without the dictionary or the attributes, and spares decoding them for spans
  // that lack the key. The answer per distinct key set is kept for the next spans.
  bool HasAttrKey(uint32_t i, std::string_view key);
  // Span attributes of span i: [attr_begin(i), attr_begin(i + 1)) in attrs().
  uint32_t attr_begin(uint32_t i) const { return attr_offsets_[i]; }
  const std::vector<AttrRef>& attrs() const { return attrs_; }
  std::string_view dict(uint32_t id) const { return dict_[id]; }
  // The attribute as a value (strings copied out of the dictionary).
  Status Materialize(const AttrRef& ref, AnyValue* out) const;

  // Every field of span i; requires LoadAll().
  Status ReadSpan(uint32_t i, Span* span) const;

 private:
  Status Corrupt(const std::string& what) const;
  bool StatusMessagesInDict() const;
  Status Column(SpanColumn c, std::string* raw);
  Status LoadParentRows();

  std::string where_;
  uint32_t n_ = 0;
  struct Dir {
    bool present = false;
    bool loaded = false;
    uint8_t compression = 0;
    uint64_t raw_len = 0;
    uint32_t crc = 0;
    std::string_view stored;
  };
  std::array<Dir, kSpanColumnCount> dir_{};

  std::string dict_raw_;                // the decompressed dictionary column
  std::vector<std::string_view> dict_;  // views into dict_raw_
  std::string trace_ids_;
  std::string span_ids_;
  std::string parent_ids_;  // 8 bytes a span (zeros for a root)
  std::vector<uint8_t> has_parent_;
  std::vector<uint64_t> starts_, durations_;
  std::vector<uint32_t> names_, status_messages_, trace_states_, flags_;
  std::vector<uint8_t> kinds_, status_codes_;
  std::vector<uint32_t> resource_index_, scope_index_;
  // Shared by the spans ReadSpan fills, as they were shared when written.
  std::vector<std::shared_ptr<const SpanResource>> resources_;
  std::vector<std::shared_ptr<const SpanScope>> scopes_;
  std::vector<std::string> services_;
  std::string service_raw_;                     // the decompressed service column
  std::vector<std::string_view> service_list_;  // views into service_raw_
  std::vector<uint32_t> service_ids_;
  std::vector<int64_t> http_status_;
  std::string keys_raw_;                                 // the decompressed key column
  std::vector<std::vector<std::string_view>> key_sets_;  // kAttrKeys: the distinct sets
  std::vector<uint32_t> key_set_ids_;                    // per span
  // HasAttrKey's answers: per key asked about, per key set whether it holds the key.
  std::vector<std::pair<std::string, std::vector<bool>>> key_answers_;
  std::vector<AttrRef> attrs_;
  std::vector<uint32_t> attr_offsets_;
  std::vector<std::array<uint32_t, 3>> dropped_;
  std::string events_raw_, links_raw_;
  std::vector<std::string_view> events_, links_;
};

}  // namespace tidemark::storage

#endif  // TIDEMARK_STORAGE_SPAN_ROW_GROUP_H_
