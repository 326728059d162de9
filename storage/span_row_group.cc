#include "storage/span_row_group.h"

#include <absl/container/flat_hash_map.h>
#include <absl/strings/string_view.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <type_traits>

#include "storage/span_codec.h"
#include "storage/span_interner.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/status_macros.h"

namespace tidemark::storage {
namespace {

using util::GetVarint32;
using util::GetVarint64;
using util::PutVarint64;

// Column compressions. Persisted: never renumber.
constexpr uint8_t kCompressionNone = 0;
constexpr uint8_t kCompressionZstd = 1;

class DictBuilder {
 public:
  uint32_t Add(std::string_view s) {
    // Most strings repeat: look up by view; a new string is stored once, in a deque so that the
    // views keying the map stay valid.
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(strings_.size());
    strings_.emplace_back(s);
    ids_.emplace(std::string_view(strings_.back()), id);
    return id;
  }
  void Encode(std::string* out) const {
    PutVarint64(out, strings_.size());
    for (const auto& s : strings_) util::PutLengthPrefixed(out, s);
  }

 private:
  absl::flat_hash_map<std::string_view, uint32_t> ids_;
  std::deque<std::string> strings_;
};

void EncodeAttrs(const std::vector<KeyValue>& attrs, DictBuilder* dict, std::string* out) {
  PutVarint64(out, attrs.size());
  std::string complex;
  for (const KeyValue& kv : attrs) {
    PutVarint64(out, dict->Add(kv.key));
    out->push_back(static_cast<char>(kv.value.type));
    switch (kv.value.type) {
      case AnyValue::Type::kEmpty:
        break;
      case AnyValue::Type::kString:
      case AnyValue::Type::kBytes:
        PutVarint64(out, dict->Add(kv.value.string_value));
        break;
      case AnyValue::Type::kBool:
        out->push_back(kv.value.bool_value ? 1 : 0);
        break;
      case AnyValue::Type::kInt:
        util::PutVarintSigned64(out, kv.value.int_value);
        break;
      case AnyValue::Type::kDouble:
        util::PutFixed64(out, util::DoubleBits(kv.value.double_value));
        break;
      case AnyValue::Type::kArray:
      case AnyValue::Type::kKvList:
        complex.clear();
        EncodeAnyValue(kv.value, &complex);
        PutVarint64(out, dict->Add(complex));
        break;
    }
  }
}

bool DecodeAttrRefs(std::string_view* in, size_t dict_size, std::vector<AttrRef>* out) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  for (uint64_t k = 0; k < n; ++k) {
    AttrRef a;
    if (!GetVarint32(in, &a.key) || a.key >= dict_size || in->empty()) return false;
    const uint8_t type = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    if (type > static_cast<uint8_t>(AnyValue::Type::kKvList)) return false;
    a.type = static_cast<AnyValue::Type>(type);
    switch (a.type) {
      case AnyValue::Type::kEmpty:
        break;
      case AnyValue::Type::kString:
      case AnyValue::Type::kBytes:
      case AnyValue::Type::kArray:
      case AnyValue::Type::kKvList:
        if (!GetVarint32(in, &a.dict) || a.dict >= dict_size) return false;
        break;
      case AnyValue::Type::kBool:
        if (in->empty()) return false;
        a.bool_value = (*in)[0] != 0;
        in->remove_prefix(1);
        break;
      case AnyValue::Type::kInt:
        if (!util::GetVarintSigned64(in, &a.int_value)) return false;
        break;
      case AnyValue::Type::kDouble: {
        uint64_t bits;
        if (!util::GetFixed64(in, &bits)) return false;
        a.double_value = util::BitsToDouble(bits);
        break;
      }
    }
    out->push_back(a);
  }
  return true;
}

// A list of strings: count <uvarint>, then each length-prefixed; as views into `in`'s buffer.
bool GetStrings(std::string_view* in, std::vector<std::string_view>* out) {
  uint64_t count;
  if (!GetVarint64(in, &count) || count > in->size()) return false;
  out->resize(count);
  for (std::string_view& str : *out) {
    if (!util::GetLengthPrefixed(in, &str)) return false;
  }
  return true;
}

// `n` indices <uvarint>, each below `count`.
bool GetIndices(std::string_view* in, uint32_t n, uint64_t count, std::vector<uint32_t>* out) {
  out->resize(n);
  for (uint32_t& id : *out) {
    if (!GetVarint32(in, &id) || id >= count) return false;
  }
  return true;
}

}  // namespace

// Dictionary ids of resources (or scopes). A batch holds a few dozen distinct ones, each shared
// by many spans in no particular order (spans are sorted by trace id). Spans of one resource
// mostly point at one object (the span buffer interns them), so the object's address is looked up
// first; a new object is then matched by a hash of its fields and a full comparison, so equal
// resources in different objects share one entry, and only a resource seen for the first time is
// encoded.
template <typename T>  // SpanResource or SpanScope
class ResourceIds {
 public:
  uint32_t Id(const T& value, DictBuilder* dict) {
    auto [known, inserted] = by_address_.try_emplace(&value, 0);
    if (!inserted) return known->second;
    std::vector<Entry>& same_hash = by_hash_[FingerprintOf(value)];
    for (const Entry& e : same_hash) {
      if (*e.value == value) return known->second = e.id;
    }
    scratch_.clear();
    if constexpr (std::is_same_v<T, SpanResource>) {
      EncodeResource(value, &scratch_);
    } else {
      EncodeScope(value, &scratch_);
    }
    const uint32_t id = dict->Add(scratch_);
    same_hash.push_back({&value, id});
    return known->second = id;
  }

 private:
  struct Entry {
    const T* value = nullptr;
    uint32_t id = 0;
  };
  // The spans being encoded keep every object alive, so addresses are not reused meanwhile.
  absl::flat_hash_map<const T*, uint32_t> by_address_;
  absl::flat_hash_map<size_t, std::vector<Entry>> by_hash_;
  std::string scratch_;
};

std::string EncodeRowGroup(const std::vector<const Span*>& spans, int zstd_level,
                           RowGroupStats* stats) {
  DictBuilder dict;
  ResourceIds<SpanResource> resources;
  ResourceIds<SpanScope> scopes;
  // kService: the distinct services first, then an index per span.
  absl::flat_hash_map<std::string, uint32_t> service_ids;
  std::vector<std::string> service_list;
  std::string service_column;
  // kAttrKeys: the distinct key sets (each encoded as the column stores it) first, then an index
  // per span. Spans of one instrumentation share a set, so a row group holds a few dozen.
  absl::flat_hash_map<std::string, uint32_t> key_set_ids;
  std::string key_sets, key_set_column, key_set;
  std::string cols[kSpanColumnCount];
  auto col = [&](SpanColumn c) -> std::string& { return cols[static_cast<int>(c)]; };
  uint64_t prev_start = 0;
  *stats = RowGroupStats();
  stats->spans = static_cast<uint32_t>(spans.size());

  // Trace ids in runs.
  for (size_t i = 0; i < spans.size();) {
    size_t j = i + 1;
    while (j < spans.size() && spans[j]->trace_id == spans[i]->trace_id) ++j;
    col(SpanColumn::kTraceId) += spans[i]->trace_id;
    PutVarint64(&col(SpanColumn::kTraceId), j - i);
    i = j;
  }
  // Parents by the row of the span with their id: most are in the row group (a trace's spans are
  // adjacent), and a small row difference takes a byte where the id took eight.
  absl::flat_hash_map<uint64_t, uint32_t> row_of;  // span id (8 bytes) -> its first row
  for (size_t i = 0; i < spans.size(); ++i) {
    if (spans[i]->span_id.size() != 8) continue;
    uint64_t id;
    std::memcpy(&id, spans[i]->span_id.data(), 8);
    row_of.try_emplace(id, static_cast<uint32_t>(i));
  }
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = *spans[i];
    col(SpanColumn::kSpanId) += s.span_id;
    std::string& parent = col(SpanColumn::kParentRows);
    if (s.parent_span_id.empty()) {
      parent.push_back(0);
    } else {
      auto row = row_of.end();
      if (s.parent_span_id.size() == 8) {
        uint64_t id;
        std::memcpy(&id, s.parent_span_id.data(), 8);
        row = row_of.find(id);
      }
      if (row != row_of.end()) {
        PutVarint64(
            &parent,
            util::ZigZagEncode(static_cast<int64_t>(row->second) - static_cast<int64_t>(i)) + 2);
      } else {
        parent.push_back(1);
        parent += s.parent_span_id;
      }
    }
    if (i == 0) {
      PutVarint64(&col(SpanColumn::kStart), s.start_time_unix_nano);
    } else {
      util::PutVarintSigned64(&col(SpanColumn::kStart),
                              static_cast<int64_t>(s.start_time_unix_nano - prev_start));
    }
    prev_start = s.start_time_unix_nano;
    const uint64_t duration = s.end_time_unix_nano - s.start_time_unix_nano;
    PutVarint64(&col(SpanColumn::kDuration), duration);
    PutVarint64(&col(SpanColumn::kName), dict.Add(s.name));
    col(SpanColumn::kKind).push_back(static_cast<char>(s.kind));
    col(SpanColumn::kStatus).push_back(static_cast<char>(s.status_code));
    PutVarint64(&col(SpanColumn::kStatus), dict.Add(s.status_message));
    PutVarint64(&col(SpanColumn::kFlagsState), s.flags);
    PutVarint64(&col(SpanColumn::kFlagsState), dict.Add(s.trace_state));
    PutVarint64(&col(SpanColumn::kResource), resources.Id(s.Resource(), &dict));
    {
      const std::string_view service = s.ServiceName();
      auto it = service_ids.find(absl::string_view(service.data(), service.size()));
      if (it == service_ids.end()) {
        it = service_ids.emplace(std::string(service), static_cast<uint32_t>(service_list.size()))
                 .first;
        service_list.emplace_back(service);
      }
      PutVarint64(&service_column, it->second);
      uint64_t status = 0;  // absent
      for (const KeyValue& kv : s.attributes) {
        if (kv.key != "http.status_code") continue;
        status =
            kv.value.type == AnyValue::Type::kInt ? util::ZigZagEncode(kv.value.int_value) + 2 : 1;
        break;
      }
      PutVarint64(&col(SpanColumn::kHttpStatus), status);
    }
    PutVarint64(&col(SpanColumn::kScope), scopes.Id(s.Scope(), &dict));
    EncodeAttrs(s.attributes, &dict, &col(SpanColumn::kAttrs));
    key_set.clear();
    PutVarint64(&key_set, s.attributes.size());
    for (const KeyValue& kv : s.attributes) util::PutLengthPrefixed(&key_set, kv.key);
    auto [known, added] = key_set_ids.try_emplace(key_set, key_set_ids.size());
    if (added) key_sets += key_set;
    PutVarint64(&key_set_column, known->second);
    PutVarint64(&col(SpanColumn::kDropped), s.dropped_attributes_count);
    PutVarint64(&col(SpanColumn::kDropped), s.dropped_events_count);
    PutVarint64(&col(SpanColumn::kDropped), s.dropped_links_count);
    std::string& ev = col(SpanColumn::kEvents);
    PutVarint64(&ev, s.events.size());
    for (const SpanEvent& e : s.events) {
      util::PutVarintSigned64(&ev, static_cast<int64_t>(e.time_unix_nano - s.start_time_unix_nano));
      PutVarint64(&ev, dict.Add(e.name));
      EncodeAttrs(e.attributes, &dict, &ev);
      PutVarint64(&ev, e.dropped_attributes_count);
    }
    std::string& ln = col(SpanColumn::kLinks);
    PutVarint64(&ln, s.links.size());
    for (const SpanLink& l : s.links) {
      util::PutLengthPrefixed(&ln, l.trace_id);
      util::PutLengthPrefixed(&ln, l.span_id);
      PutVarint64(&ln, dict.Add(l.trace_state));
      EncodeAttrs(l.attributes, &dict, &ln);
      PutVarint64(&ln, l.dropped_attributes_count);
      PutVarint64(&ln, l.flags);
    }
    stats->min_start = std::min(stats->min_start, s.start_time_unix_nano);
    stats->max_start = std::max(stats->max_start, s.start_time_unix_nano);
    stats->max_duration = std::max(stats->max_duration, duration);
  }
  dict.Encode(&col(SpanColumn::kDict));
  PutVarint64(&col(SpanColumn::kService), service_list.size());
  for (const std::string& name : service_list)
    util::PutLengthPrefixed(&col(SpanColumn::kService), name);
  col(SpanColumn::kService) += service_column;
  PutVarint64(&col(SpanColumn::kAttrKeys), key_set_ids.size());
  col(SpanColumn::kAttrKeys) += key_sets;
  col(SpanColumn::kAttrKeys) += key_set_column;
  stats->first_trace_id = spans.front()->trace_id;
  stats->last_trace_id = spans.back()->trace_id;

  // kParent is not written: kParentRows replaces it.
  const auto written = [](int c) { return c != static_cast<int>(SpanColumn::kParent); };
  std::string out;
  out.push_back(static_cast<char>(kRowGroupFormatVersion));
  PutVarint64(&out, spans.size());
  PutVarint64(&out, kSpanColumnCount - 1);
  std::string stored[kSpanColumnCount];
  uint8_t compression[kSpanColumnCount];
  for (int c = 0; c < kSpanColumnCount; ++c) {
    if (!written(c)) continue;
    const std::string& raw = cols[c];
    compression[c] = kCompressionNone;
    if (raw.size() > 64) {
      stored[c].resize(ZSTD_compressBound(raw.size()));
      // One compression context per thread: creating one per column costs more than compressing.
      thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(),
                                                                           ZSTD_freeCCtx);
      const size_t n = ZSTD_compressCCtx(cctx.get(), stored[c].data(), stored[c].size(), raw.data(),
                                         raw.size(), zstd_level);
      if (!ZSTD_isError(n) && n < raw.size()) {
        stored[c].resize(n);
        compression[c] = kCompressionZstd;
      }
    }
    if (compression[c] == kCompressionNone) stored[c] = raw;
    out.push_back(static_cast<char>(c));
    out.push_back(static_cast<char>(compression[c]));
    PutVarint64(&out, raw.size());
    PutVarint64(&out, stored[c].size());
    util::PutFixed32(&out, util::Crc32c(stored[c]));
  }
  // The header's own checksum; each column carries one, checked when the column is read, so a
  // search that reads three columns checksums only those.
  util::PutFixed32(&out, util::Crc32c(out));
  for (int c = 0; c < kSpanColumnCount; ++c) {
    if (written(c)) out += stored[c];
  }
  return out;
}

Status RowGroupReader::Corrupt(const std::string& what) const {
  return Status::Corruption(where_ + ": " + what);
}

Status RowGroupReader::Open(std::string_view value, std::string where) {
  where_ = std::move(where);
  std::string_view in = value;
  if (in.size() < 8) return Corrupt("row group of " + std::to_string(value.size()) + " bytes");
  if (static_cast<uint8_t>(in[0]) != kRowGroupFormatVersion) {
    return Corrupt("row group format version " + std::to_string(static_cast<uint8_t>(in[0])));
  }
  in.remove_prefix(1);
  uint64_t n, ncols;
  if (!GetVarint64(&in, &n) || n == 0 || n > kRowGroupMaxSpans || !GetVarint64(&in, &ncols) ||
      ncols > 64) {
    return Corrupt("row group header");
  }
  n_ = static_cast<uint32_t>(n);
  struct Entry {
    uint8_t id, compression;
    uint64_t raw, stored;
    uint32_t crc;
  };
  std::vector<Entry> entries(ncols);
  for (auto& e : entries) {
    if (in.size() < 2) return Corrupt("column directory truncated");
    e.id = static_cast<uint8_t>(in[0]);
    e.compression = static_cast<uint8_t>(in[1]);
    in.remove_prefix(2);
    if (!GetVarint64(&in, &e.raw) || !GetVarint64(&in, &e.stored) ||
        !util::GetFixed32(&in, &e.crc) || e.compression > kCompressionZstd ||
        e.raw > (256u << 20)) {
      return Corrupt("column directory entry");
    }
  }
  uint32_t header_crc;
  const size_t header_len = static_cast<size_t>(in.data() - value.data());
  if (!util::GetFixed32(&in, &header_crc)) return Corrupt("row group header truncated");
  if (util::Crc32c(value.substr(0, header_len)) != header_crc)
    return Corrupt("row group header checksum mismatch");
  dir_ = {};
  for (const Entry& e : entries) {
    if (e.stored > in.size())
      return Corrupt("column " + std::to_string(e.id) + " runs past the row group");
    if (e.id < kSpanColumnCount) {
      dir_[e.id] = {true, false, e.compression, e.raw, e.crc, in.substr(0, e.stored)};
    }
    in.remove_prefix(e.stored);
  }
  for (int c = 0; c < kSpanColumnCount; ++c) {
    if (!dir_[c].present && c != static_cast<int>(SpanColumn::kAttrKeys) &&
        c != static_cast<int>(SpanColumn::kParent) &&
        c != static_cast<int>(SpanColumn::kParentRows)) {
      return Corrupt("column " + std::to_string(c) + " missing");
    }
  }
  // The parents are in one of the two (column 19 replaced column 3).
  if (has(SpanColumn::kParent) == has(SpanColumn::kParentRows)) {
    return Corrupt(has(SpanColumn::kParent) ? "both parent columns (3 and 19)"
                                            : "column 3 missing");
  }
  key_answers_.clear();
  return Status::OK();
}

bool RowGroupReader::StatusMessagesInDict() const {
  return std::all_of(status_messages_.begin(), status_messages_.end(),
                     [&](uint32_t id) { return id < dict_.size(); });
}

bool RowGroupReader::HasAttrKey(uint32_t i, std::string_view key) {
  auto answers = std::find_if(key_answers_.begin(), key_answers_.end(),
                              [&](const auto& entry) { return entry.first == key; });
  if (answers == key_answers_.end()) {
    std::vector<bool> holds(key_sets_.size());
    for (size_t k = 0; k < key_sets_.size(); ++k) {
      holds[k] = std::find(key_sets_[k].begin(), key_sets_[k].end(), key) != key_sets_[k].end();
    }
    answers = key_answers_.emplace(key_answers_.end(), std::string(key), std::move(holds));
  }
  return answers->second[key_set_ids_[i]];
}

Status RowGroupReader::Column(SpanColumn c, std::string* raw) {
  const Dir& d = dir_[static_cast<int>(c)];
  if (util::Crc32c(d.stored) != d.crc) {
    return Corrupt("column " + std::to_string(static_cast<int>(c)) + " checksum mismatch");
  }
  if (d.compression == kCompressionNone) {
    raw->assign(d.stored);
    return Status::OK();
  }
  raw->resize(d.raw_len);
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(),
                                                                       ZSTD_freeDCtx);
  const size_t n =
      ZSTD_decompressDCtx(dctx.get(), raw->data(), raw->size(), d.stored.data(), d.stored.size());
  if (ZSTD_isError(n) || n != d.raw_len) {
    return Corrupt("column " + std::to_string(static_cast<int>(c)) + " does not decompress");
  }
  return Status::OK();
}

// Column 19: per span a <uvarint>: 0 for a root, 1 followed by the parent's 8-byte id, or
// zigzag(row - i) + 2 for the parent with the id of the span at that row.
Status RowGroupReader::LoadParentRows() {
  Dir& parent = dir_[static_cast<int>(SpanColumn::kParent)];
  Dir& rows = dir_[static_cast<int>(SpanColumn::kParentRows)];
  if (parent.loaded) return Status::OK();
  TM_RETURN_IF_ERROR(Load(SpanColumn::kSpanId));
  std::string raw;
  TM_RETURN_IF_ERROR(Column(SpanColumn::kParentRows, &raw));
  std::string_view in = raw;
  parent_ids_.assign(8u * n_, '\0');
  has_parent_.assign(n_, 0);
  for (uint32_t i = 0; i < n_; ++i) {
    uint64_t code;
    if (!GetVarint64(&in, &code)) return Corrupt("column 19 malformed");
    if (code == 0) continue;
    has_parent_[i] = 1;
    if (code == 1) {
      if (in.size() < 8) return Corrupt("column 19 malformed");
      std::memcpy(&parent_ids_[8u * i], in.data(), 8);
      in.remove_prefix(8);
      continue;
    }
    const int64_t row = static_cast<int64_t>(i) + util::ZigZagDecode(code - 2);
    if (row < 0 || row >= static_cast<int64_t>(n_)) {
      return Corrupt("column 19 names row " + std::to_string(row) + " of " + std::to_string(n_));
    }
    std::memcpy(&parent_ids_[8u * i], &span_ids_[8u * static_cast<uint64_t>(row)], 8);
  }
  if (!in.empty()) return Corrupt("column 19 malformed: trailing bytes");
  parent.loaded = rows.loaded = true;
  return Status::OK();
}

Status RowGroupReader::Load(SpanColumn c) {
  // Either parent column is read as kParent.
  if (c == SpanColumn::kParentRows) c = SpanColumn::kParent;
  if (c == SpanColumn::kParent && !has(SpanColumn::kParent)) return LoadParentRows();
  Dir& d = dir_[static_cast<int>(c)];
  if (d.loaded) return Status::OK();
  if (!d.present) return Corrupt("column " + std::to_string(static_cast<int>(c)) + " missing");
  if (c != SpanColumn::kDict && c != SpanColumn::kTraceId && c != SpanColumn::kSpanId &&
      c != SpanColumn::kParent && c != SpanColumn::kStart && c != SpanColumn::kDuration &&
      c != SpanColumn::kKind && c != SpanColumn::kService && c != SpanColumn::kHttpStatus &&
      c != SpanColumn::kAttrKeys && c != SpanColumn::kStatus) {
    Status s = Load(SpanColumn::kDict);
    if (!s.ok()) return s;
  }
  std::string raw;
  Status s = Column(c, &raw);
  if (!s.ok()) return s;
  std::string_view in = raw;
  const size_t dict_size = dict_.size();
  auto dict_id = [&](uint32_t* id) { return GetVarint32(&in, id) && *id < dict_size; };
  const std::string bad = "column " + std::to_string(static_cast<int>(c)) + " malformed";
  switch (c) {
    case SpanColumn::kDict: {
      // The strings stay in the decompressed column; the dictionary is views into it.
      dict_raw_ = std::move(raw);
      in = dict_raw_;
      uint64_t count;
      if (!GetVarint64(&in, &count) || count > in.size()) return Corrupt(bad);
      dict_.resize(count);
      for (auto& str : dict_) {
        if (!util::GetLengthPrefixed(&in, &str)) return Corrupt(bad);
      }
      if (loaded(SpanColumn::kStatus) && !StatusMessagesInDict()) {
        return Corrupt("column " + std::to_string(static_cast<int>(SpanColumn::kStatus)) +
                       " malformed");
      }
      break;
    }
    case SpanColumn::kService:
      // The names stay in the decompressed column; the list is views into it.
      service_raw_ = std::move(raw);
      in = service_raw_;
      if (!GetStrings(&in, &service_list_) ||
          !GetIndices(&in, n_, service_list_.size(), &service_ids_)) {
        return Corrupt(bad);
      }
      break;
    case SpanColumn::kAttrKeys: {
      keys_raw_ = std::move(raw);  // the key sets are views into it
      in = keys_raw_;
      uint64_t count;
      if (!GetVarint64(&in, &count) || count > in.size()) return Corrupt(bad);
      key_sets_.resize(count);
      for (std::vector<std::string_view>& keys : key_sets_) {
        if (!GetStrings(&in, &keys)) return Corrupt(bad);
      }
      if (!GetIndices(&in, n_, count, &key_set_ids_)) return Corrupt(bad);
      key_answers_.clear();
      break;
    }
    case SpanColumn::kHttpStatus:
      http_status_.resize(n_);
      for (auto& v : http_status_) {
        uint64_t raw_value;
        if (!GetVarint64(&in, &raw_value)) return Corrupt(bad);
        v = raw_value == 0   ? kHttpStatusAbsent
            : raw_value == 1 ? kHttpStatusNotInt
                             : util::ZigZagDecode(raw_value - 2);
      }
      break;
    case SpanColumn::kTraceId: {
      trace_ids_.resize(16u * n_);
      size_t filled = 0;  // spans
      while (!in.empty()) {
        if (in.size() < 16) return Corrupt(bad);
        const char* id = in.data();
        in.remove_prefix(16);
        uint64_t run;
        if (!GetVarint64(&in, &run) || run == 0 || filled + run > n_) return Corrupt(bad);
        for (uint64_t k = 0; k < run; ++k) std::memcpy(&trace_ids_[16 * (filled + k)], id, 16);
        filled += run;
      }
      if (filled != n_) return Corrupt(bad);
      break;
    }
    case SpanColumn::kSpanId:
      if (in.size() != 8u * n_) return Corrupt(bad);
      span_ids_.assign(in);
      in = {};
      break;
    case SpanColumn::kParentRows:  // read by LoadParentRows
      return Corrupt("column 19 read as column 3");
    case SpanColumn::kParent:
      parent_ids_.assign(8u * n_, '\0');
      has_parent_.assign(n_, 0);
      for (uint32_t i = 0; i < n_; ++i) {
        if (in.empty()) return Corrupt(bad);
        has_parent_[i] = in[0] != 0;
        in.remove_prefix(1);
        if (has_parent_[i]) {
          if (in.size() < 8) return Corrupt(bad);
          std::memcpy(&parent_ids_[8u * i], in.data(), 8);
          in.remove_prefix(8);
        }
      }
      break;
    case SpanColumn::kStart: {
      starts_.resize(n_);
      uint64_t first;
      if (!GetVarint64(&in, &first)) return Corrupt(bad);
      starts_[0] = first;
      for (uint32_t i = 1; i < n_; ++i) {
        int64_t d;
        if (!util::GetVarintSigned64(&in, &d)) return Corrupt(bad);
        starts_[i] = starts_[i - 1] + static_cast<uint64_t>(d);
      }
      break;
    }
    case SpanColumn::kDuration:
      durations_.resize(n_);
      for (auto& d : durations_) {
        if (!GetVarint64(&in, &d)) return Corrupt(bad);
      }
      break;
    case SpanColumn::kName:
      names_.resize(n_);
      for (auto& id : names_) {
        if (!dict_id(&id)) return Corrupt(bad);
      }
      break;
    case SpanColumn::kKind:
      if (in.size() != n_) return Corrupt(bad);
      kinds_.assign(in.begin(), in.end());
      for (uint8_t k : kinds_) {
        if (k > static_cast<uint8_t>(SpanKind::kConsumer)) return Corrupt(bad);
      }
      in = {};
      break;
    case SpanColumn::kStatus:
      // Read without the dictionary (a search on the status code needs none); the message ids
      // are checked against it once both are loaded.
      status_codes_.resize(n_);
      status_messages_.resize(n_);
      for (uint32_t i = 0; i < n_; ++i) {
        if (in.empty()) return Corrupt(bad);
        status_codes_[i] = static_cast<uint8_t>(in[0]);
        in.remove_prefix(1);
        if (status_codes_[i] > static_cast<uint8_t>(SpanStatusCode::kError) ||
            !GetVarint32(&in, &status_messages_[i])) {
          return Corrupt(bad);
        }
      }
      if (loaded(SpanColumn::kDict) && !StatusMessagesInDict()) return Corrupt(bad);
      break;
    case SpanColumn::kFlagsState:
      flags_.resize(n_);
      trace_states_.resize(n_);
      for (uint32_t i = 0; i < n_; ++i) {
        if (!GetVarint32(&in, &flags_[i]) || !dict_id(&trace_states_[i])) return Corrupt(bad);
      }
      break;
    case SpanColumn::kResource:
    case SpanColumn::kScope: {
      // Each distinct dictionary entry decoded once, into one object its spans share.
      auto load = [&](std::vector<uint32_t>* index, auto* decoded, auto decode) -> bool {
        index->resize(n_);
        decoded->clear();
        absl::flat_hash_map<uint32_t, uint32_t> seen;
        for (auto& idx : *index) {
          uint32_t id;
          if (!dict_id(&id)) return false;
          auto [it, inserted] = seen.try_emplace(id, static_cast<uint32_t>(decoded->size()));
          if (inserted) {
            auto value = decode(dict_[id]);
            if (!value) return false;
            decoded->push_back(std::move(value));
          }
          idx = it->second;
        }
        return true;
      };
      if (c == SpanColumn::kResource) {
        services_.clear();
        const bool ok = load(&resource_index_, &resources_,
                             [&](std::string_view bytes) -> std::shared_ptr<const SpanResource> {
                               auto r = std::make_shared<SpanResource>();
                               if (!DecodeResource(bytes, r.get())) return nullptr;
                               services_.emplace_back(r->ServiceName());
                               return r;
                             });
        if (!ok) return Corrupt(bad);
      } else {
        const bool ok = load(&scope_index_, &scopes_,
                             [](std::string_view bytes) -> std::shared_ptr<const SpanScope> {
                               auto sc = std::make_shared<SpanScope>();
                               if (!DecodeScope(bytes, sc.get())) return nullptr;
                               return sc;
                             });
        if (!ok) return Corrupt(bad);
      }
      break;
    }
    case SpanColumn::kAttrs:
      attrs_.clear();
      attr_offsets_.resize(n_ + 1);
      for (uint32_t i = 0; i < n_; ++i) {
        attr_offsets_[i] = static_cast<uint32_t>(attrs_.size());
        if (!DecodeAttrRefs(&in, dict_size, &attrs_)) return Corrupt(bad);
      }
      attr_offsets_[n_] = static_cast<uint32_t>(attrs_.size());
      break;
    case SpanColumn::kDropped:
      dropped_.resize(n_);
      for (auto& d : dropped_) {
        if (!GetVarint32(&in, &d[0]) || !GetVarint32(&in, &d[1]) || !GetVarint32(&in, &d[2]))
          return Corrupt(bad);
      }
      break;
    case SpanColumn::kEvents:
    case SpanColumn::kLinks: {
      // Kept raw; split per span here, decoded by ReadSpan.
      std::string& keep = c == SpanColumn::kEvents ? events_raw_ : links_raw_;
      auto& parts = c == SpanColumn::kEvents ? events_ : links_;
      keep = std::move(raw);
      in = keep;
      parts.resize(n_);
      for (uint32_t i = 0; i < n_; ++i) {
        const char* begin = in.data();
        uint64_t count;
        if (!GetVarint64(&in, &count) || count > in.size()) return Corrupt(bad);
        std::vector<AttrRef> scratch;
        for (uint64_t k = 0; k < count; ++k) {
          uint64_t u;
          int64_t sv;
          uint32_t id;
          std::string_view sv1, sv2;
          if (c == SpanColumn::kEvents) {
            if (!util::GetVarintSigned64(&in, &sv) || !dict_id(&id) ||
                !DecodeAttrRefs(&in, dict_size, &scratch) || !GetVarint64(&in, &u)) {
              return Corrupt(bad);
            }
          } else {
            if (!util::GetLengthPrefixed(&in, &sv1) || !util::GetLengthPrefixed(&in, &sv2) ||
                !dict_id(&id) || !DecodeAttrRefs(&in, dict_size, &scratch) ||
                !GetVarint64(&in, &u) || !GetVarint64(&in, &u)) {
              return Corrupt(bad);
            }
          }
        }
        parts[i] = std::string_view(begin, static_cast<size_t>(in.data() - begin));
      }
      break;
    }
  }
  if (!in.empty()) return Corrupt(bad + ": trailing bytes");
  d.loaded = true;
  return Status::OK();
}

Status RowGroupReader::LoadAll() {
  for (int c = 0; c < kSpanColumnCount; ++c) {
    if (c == static_cast<int>(SpanColumn::kAttrKeys)) continue;  // kAttrs has the keys too
    Status s = Load(static_cast<SpanColumn>(c));
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status RowGroupReader::Materialize(const AttrRef& ref, AnyValue* out) const {
  *out = AnyValue();
  out->type = ref.type;
  switch (ref.type) {
    case AnyValue::Type::kEmpty:
      break;
    case AnyValue::Type::kString:
    case AnyValue::Type::kBytes:
      out->string_value.assign(dict_[ref.dict]);
      break;
    case AnyValue::Type::kBool:
      out->bool_value = ref.bool_value;
      break;
    case AnyValue::Type::kInt:
      out->int_value = ref.int_value;
      break;
    case AnyValue::Type::kDouble:
      out->double_value = ref.double_value;
      break;
    case AnyValue::Type::kArray:
    case AnyValue::Type::kKvList: {
      std::string_view in = dict_[ref.dict];
      if (!DecodeAnyValue(&in, out) || !in.empty())
        return Corrupt("complex attribute value malformed");
      break;
    }
  }
  return Status::OK();
}

Status RowGroupReader::ReadSpan(uint32_t i, Span* span) const {
  Span& s = *span;
  s = Span();
  s.resource = resources_[resource_index_[i]];
  s.scope = scopes_[scope_index_[i]];
  s.trace_id.assign(trace_id(i));
  s.span_id.assign(span_id(i));
  s.parent_span_id.assign(parent(i));
  s.trace_state.assign(dict_[trace_states_[i]]);
  s.flags = flags_[i];
  s.name.assign(dict_[names_[i]]);
  s.kind = kind(i);
  s.start_time_unix_nano = starts_[i];
  s.end_time_unix_nano = starts_[i] + durations_[i];
  s.status_code = status(i);
  s.status_message.assign(dict_[status_messages_[i]]);
  s.dropped_attributes_count = dropped_[i][0];
  s.dropped_events_count = dropped_[i][1];
  s.dropped_links_count = dropped_[i][2];
  auto materialize_list = [&](const std::vector<AttrRef>& refs,
                              std::vector<KeyValue>* out) -> Status {
    out->resize(refs.size());
    for (size_t k = 0; k < refs.size(); ++k) {
      (*out)[k].key.assign(dict_[refs[k].key]);
      Status st = Materialize(refs[k], &(*out)[k].value);
      if (!st.ok()) return st;
    }
    return Status::OK();
  };
  std::vector<AttrRef> refs(attrs_.begin() + attr_offsets_[i],
                            attrs_.begin() + attr_offsets_[i + 1]);
  Status st = materialize_list(refs, &s.attributes);
  if (!st.ok()) return st;

  const size_t dict_size = dict_.size();
  std::string_view in = events_[i];
  uint64_t count;
  GetVarint64(&in, &count);
  s.events.resize(count);
  for (SpanEvent& e : s.events) {
    int64_t delta;
    uint32_t name;
    refs.clear();
    if (!util::GetVarintSigned64(&in, &delta) || !GetVarint32(&in, &name) || name >= dict_size ||
        !DecodeAttrRefs(&in, dict_size, &refs) || !GetVarint32(&in, &e.dropped_attributes_count)) {
      return Corrupt("event malformed");
    }
    e.time_unix_nano = s.start_time_unix_nano + static_cast<uint64_t>(delta);
    e.name.assign(dict_[name]);
    st = materialize_list(refs, &e.attributes);
    if (!st.ok()) return st;
  }
  in = links_[i];
  GetVarint64(&in, &count);
  s.links.resize(count);
  for (SpanLink& l : s.links) {
    std::string_view tid, sid;
    uint32_t state;
    refs.clear();
    if (!util::GetLengthPrefixed(&in, &tid) || !util::GetLengthPrefixed(&in, &sid) ||
        !GetVarint32(&in, &state) || state >= dict_size || !DecodeAttrRefs(&in, dict_size, &refs) ||
        !GetVarint32(&in, &l.dropped_attributes_count) || !GetVarint32(&in, &l.flags)) {
      return Corrupt("link malformed");
    }
    l.trace_id.assign(tid);
    l.span_id.assign(sid);
    l.trace_state.assign(dict_[state]);
    st = materialize_list(refs, &l.attributes);
    if (!st.ok()) return st;
  }
  return Status::OK();
}

}  // namespace tidemark::storage
