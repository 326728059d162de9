// Span row groups (storage/span_row_group.h). The header checksum and each column's checksum are
// repaired so that mutations reach the column decoders; then every column is loaded on its own
// (as searches do), the status and attribute-key columns are read as searches read them, and every
// span read (as GetTrace does).
#include <string>

#include "storage/span_row_group.h"
#include "tests/fuzz/fuzz_util.h"

using namespace tidemark;

namespace {

// Follows the directory as RowGroupReader::Open does: version <u8>, spans <uvarint>,
// columns <uvarint>, per column: id <u8>, compression <u8>, raw length <uvarint>, stored length
// <uvarint>, crc32c <u32>; then the header's crc32c <u32> and the columns' bytes.
void RepairChecksums(std::string* value) {
  std::string_view in = *value;
  if (in.empty()) return;
  in.remove_prefix(1);
  uint64_t n, ncols;
  if (!util::GetVarint64(&in, &n) || !util::GetVarint64(&in, &ncols) || ncols > 64) return;
  std::vector<std::pair<size_t, uint64_t>> crc_at_and_len;
  for (uint64_t c = 0; c < ncols; ++c) {
    if (in.size() < 2) return;
    in.remove_prefix(2);
    uint64_t raw, stored;
    if (!util::GetVarint64(&in, &raw) || !util::GetVarint64(&in, &stored) || in.size() < 4) return;
    crc_at_and_len.emplace_back(in.data() - value->data(), stored);
    in.remove_prefix(4);
  }
  if (in.size() < 4) return;
  const size_t header_len = in.data() - value->data();
  size_t pos = header_len + 4;
  for (const auto& [crc_at, len] : crc_at_and_len) {
    if (len > value->size() - pos) break;
    std::string crc;
    util::PutFixed32(&crc, util::Crc32c(std::string_view(*value).substr(pos, len)));
    value->replace(crc_at, 4, crc);
    pos += len;
  }
  std::string crc;
  util::PutFixed32(&crc, util::Crc32c(std::string_view(*value).substr(0, header_len)));
  value->replace(header_len, 4, crc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string value(fuzz::AsView(data, size));
  RepairChecksums(&value);
  for (int c = 0; c < storage::kSpanColumnCount; ++c) {
    storage::RowGroupReader reader;
    if (!reader.Open(value, "fuzz").ok()) return 0;
    (void)reader.Load(static_cast<storage::SpanColumn>(c));
  }
  {
    // In the order searches load them: the status column before the dictionary (its message ids
    // are checked once both are in), the attribute key sets on their own.
    storage::RowGroupReader reader;
    if (reader.Open(value, "fuzz").ok()) {
      if (reader.Load(storage::SpanColumn::kStatus).ok() &&
          reader.Load(storage::SpanColumn::kDict).ok()) {
        for (uint32_t i = 0; i < reader.size(); ++i) (void)reader.status_message(i);
      }
      if (reader.has(storage::SpanColumn::kAttrKeys) &&
          reader.Load(storage::SpanColumn::kAttrKeys).ok()) {
        for (uint32_t i = 0; i < reader.size(); ++i) (void)reader.HasAttrKey(i, "http.method");
      }
    }
  }
  storage::RowGroupReader reader;
  if (!reader.Open(value, "fuzz").ok() || !reader.LoadAll().ok()) return 0;
  for (uint32_t i = 0; i < reader.size(); ++i) {
    Span span;
    if (!reader.ReadSpan(i, &span).ok()) break;
  }
  for (const storage::AttrRef& ref : reader.attrs()) {
    AnyValue v;
    (void)reader.Materialize(ref, &v);
  }
  return 0;
}
