// Persisted formats against checked-in bytes: a change to an encoding must change its page in
// docs/format/ and these files in the same commit. TIDEMARK_UPDATE_GOLDEN=1 rewrites them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "storage/block_codec.h"
#include "storage/span_row_group.h"
#include "storage/wal.h"
#include "tests/storage/test_util.h"

namespace tidemark::storage {
namespace {

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    out.push_back(kDigits[static_cast<uint8_t>(bytes[i]) >> 4]);
    out.push_back(kDigits[static_cast<uint8_t>(bytes[i]) & 15]);
    if (i % 32 == 31) out.push_back('\n');
  }
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

void ExpectGolden(const std::string& name, std::string_view bytes) {
  const std::string path = std::string(GOLDEN_DIR) + "/" + name + ".hex";
  const std::string hex = Hex(bytes);
  if (std::getenv("TIDEMARK_UPDATE_GOLDEN")) {
    std::ofstream(path) << hex;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path
                         << " (run with TIDEMARK_UPDATE_GOLDEN=1)";
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), hex) << name << " changed: update docs/format/ and the golden file together";
}

TEST(Golden, StoredBlocks) {
  std::vector<Sample> decimal;
  for (int i = 0; i < 20; ++i)
    decimal.push_back({1'700'000'000'000 + i * 15'000 + (i % 3), 100 + i * 0.25});
  decimal[7].value = StaleMarker();
  ExpectGolden("block_decimal", EncodeBlock(42, decimal));
  std::vector<Sample> xor_values;
  for (int i = 0; i < 10; ++i) xor_values.push_back({-5'000 + i * 1'000, 1.0 / (i + 3)});
  ExpectGolden("block_xor", EncodeBlock(7, xor_values));
}

TEST(Golden, LogRecordFraming) {
  tidemark::testing::TempDir dir;
  {
    auto w = WalWriter::Open(dir.path(), 1, SyncPolicy::kNone, 1);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(WalRecordType::kCommit, "payload-1").ok());
    ASSERT_TRUE((*w)->Append(WalRecordType::kDelete, std::string("\x00\x01\x02", 3)).ok());
  }
  std::ifstream in(WalFilePath(dir.path(), 1), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ExpectGolden("wal_records", bytes);
}

TEST(Golden, SpanRowGroup) {
  Span s;
  s.trace_id = std::string(16, '\x0a');
  s.span_id = std::string(8, '\x0b');
  s.name = "GET /api";
  s.kind = SpanKind::kServer;
  s.start_time_unix_nano = 1'700'000'000'000'000'000ULL;
  s.end_time_unix_nano = s.start_time_unix_nano + 1234;
  s.attributes = {{"http.status_code", AnyValue::Int(503)}, {"ok", AnyValue::Bool(false)}};
  s.events = {
      {s.start_time_unix_nano + 5, "exception", {{"exception.type", AnyValue::String("E")}}, 0}};
  s.status_code = SpanStatusCode::kError;
  s.resource_attributes = {{"service.name", AnyValue::String("svc")}};
  s.scope_name = "scope";
  RowGroupStats stats;
  ExpectGolden("span_row_group", EncodeRowGroup({&s}, 3, &stats));
}

}  // namespace
}  // namespace tidemark::storage
