// Golden files of the span side: span log records, row groups, segment headers, trace index
// summaries and the keys of the span column families (docs/format/span-segments.md). As in
// golden_test.cc, each test decodes the checked-in bytes and compares every field with values
// written here, and checks the encoder where it is deterministic.
#include <gtest/gtest.h>

#include <set>

#include "storage/kv_layout.h"
#include "storage/span_codec.h"
#include "storage/span_row_group.h"
#include "storage/span_segment_format.h"
#include "storage/wal.h"
#include "tests/storage/golden_util.h"
#include "tests/storage/raw_db.h"
#include "tests/storage/test_util.h"
#include "tidemark/trace_search.h"
#include "util/coding.h"

namespace tidemark::storage {
namespace {

using testing::GoldenBytes;
using testing::TempDir;
using testing::TestOptions;

constexpr uint64_t kStart = 1'700'000'000'000'000'000ULL;  // ns, partition 236111 of 2 hours
const std::string kTraceA(16, '\x0a');

// Compares field by field, so that a failure names the field.
void ExpectSpan(const Span& got, const Span& want) {
  EXPECT_EQ(got.trace_id, want.trace_id);
  EXPECT_EQ(got.span_id, want.span_id);
  EXPECT_EQ(got.parent_span_id, want.parent_span_id);
  EXPECT_EQ(got.trace_state, want.trace_state);
  EXPECT_EQ(got.flags, want.flags);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.start_time_unix_nano, want.start_time_unix_nano);
  EXPECT_EQ(got.end_time_unix_nano, want.end_time_unix_nano);
  EXPECT_TRUE(got.attributes == want.attributes) << "attributes";
  EXPECT_EQ(got.dropped_attributes_count, want.dropped_attributes_count);
  EXPECT_TRUE(got.events == want.events) << "events";
  EXPECT_EQ(got.dropped_events_count, want.dropped_events_count);
  EXPECT_TRUE(got.links == want.links) << "links";
  EXPECT_EQ(got.dropped_links_count, want.dropped_links_count);
  EXPECT_EQ(got.status_code, want.status_code);
  EXPECT_EQ(got.status_message, want.status_message);
  EXPECT_TRUE(got.Resource().attributes == want.Resource().attributes) << "resource attributes";
  EXPECT_EQ(got.Resource().dropped_attributes_count, want.Resource().dropped_attributes_count);
  EXPECT_EQ(got.Resource().schema_url, want.Resource().schema_url);
  EXPECT_EQ(got.Scope().name, want.Scope().name);
  EXPECT_EQ(got.Scope().version, want.Scope().version);
  EXPECT_TRUE(got.Scope().attributes == want.Scope().attributes) << "scope attributes";
  EXPECT_EQ(got.Scope().dropped_attributes_count, want.Scope().dropped_attributes_count);
  EXPECT_EQ(got.Scope().schema_url, want.Scope().schema_url);
  EXPECT_TRUE(got == want);
}

// A root span with every field set and every attribute value type.
Span LoggedRoot() {
  Span s;
  s.trace_id = "\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x36";
  s.span_id.assign("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8);
  s.trace_state = "rojo=00f067aa0ba902b7";
  s.flags = 1;
  s.name = "GET /api/orders";
  s.kind = SpanKind::kServer;
  s.start_time_unix_nano = kStart;
  s.end_time_unix_nano = kStart + 1'500'000;
  s.attributes = {{"http.response.status_code", AnyValue::Int(503)},
                  {"ok", AnyValue::Bool(false)},
                  {"ratio", AnyValue::Double(0.5)},
                  {"payload", AnyValue::Bytes(std::string("\x00\x01", 2))},
                  {"tags", AnyValue::Array({AnyValue::String("a"), AnyValue::Int(-1)})},
                  {"nested", AnyValue::KvList({{"k", AnyValue()}})}};
  s.dropped_attributes_count = 2;
  s.events = {{kStart + 5, "exception", {{"exception.type", AnyValue::String("E")}}, 1}};
  s.dropped_events_count = 3;
  SpanLink link;
  link.trace_id = std::string(16, '\x11');
  link.span_id = std::string(8, '\x22');
  link.trace_state = "x=1";
  link.attributes = {{"link.kind", AnyValue::String("follows")}};
  link.dropped_attributes_count = 4;
  link.flags = 0x101;
  s.links = {link};
  s.dropped_links_count = 5;
  s.status_code = SpanStatusCode::kError;
  s.status_message = "upstream failed";
  s.resource = std::make_shared<const SpanResource>(
      SpanResource{.attributes = {{"service.name", AnyValue::String("checkout")}},
                   .dropped_attributes_count = 6,
                   .schema_url = "https://opentelemetry.io/schemas/1.21.0"});
  s.scope =
      std::make_shared<const SpanScope>(SpanScope{.name = "io.opentelemetry.http",
                                                  .version = "1.2.3",
                                                  .attributes = {{"scope.attr", AnyValue::Int(7)}},
                                                  .dropped_attributes_count = 8,
                                                  .schema_url = "s"});
  return s;
}

Span LoggedChild() {
  Span s;
  s.trace_id = LoggedRoot().trace_id;
  s.span_id = "\x01\x02\x03\x04\x05\x06\x07\x08";
  s.parent_span_id = LoggedRoot().span_id;
  s.name = "SELECT orders";
  s.kind = SpanKind::kClient;
  s.start_time_unix_nano = kStart + 100'000;
  s.end_time_unix_nano = kStart + 900'000;
  s.status_code = SpanStatusCode::kOk;
  s.resource = MakeSpanResource({{"service.name", AnyValue::String("checkout")}});
  s.scope = MakeSpanScope("db");
  return s;
}

// A second child of the root, sharing the first child's resource and scope objects.
Span LoggedSibling(const Span& child) {
  Span s;
  s.trace_id = child.trace_id;
  s.span_id = "\x01\x02\x03\x04\x05\x06\x07\x09";
  s.parent_span_id = child.parent_span_id;
  s.name = "SELECT items";
  s.kind = SpanKind::kClient;
  s.start_time_unix_nano = kStart + 950'000;
  s.end_time_unix_nano = kStart + 1'200'000;
  s.resource = child.resource;
  s.scope = child.scope;
  return s;
}

// A log file holding one record, written by the real log writer.
std::string LogFileWith(WalRecordType type, const std::string& payload) {
  TempDir dir;
  {
    auto w = WalWriter::Open(dir.path(), 1, SyncPolicy::kNone, 0);
    EXPECT_TRUE(w.ok());
    if (!w.ok()) return "";
    EXPECT_TRUE((*w)->Append(type, payload).ok());
  }
  return testing::ReadFile(WalFilePath(dir.path(), 1));
}

// A span log file with one record of both spans, written by the real log writer.
std::string SpanLogFile() {
  std::string payload;
  util::PutVarint64(&payload, 2);
  EncodeSpan(LoggedRoot(), &payload);
  EncodeSpan(LoggedChild(), &payload);
  return LogFileWith(WalRecordType::kSpans, payload);
}

TEST(GoldenSpans, SpanLogRecord) {
  const std::string bytes = GoldenBytes("span_wal", SpanLogFile());
  TempDir dir;
  const std::string path = WalFilePath(dir.path(), 1);
  testing::WriteFile(path, bytes);
  std::vector<Span> spans;
  auto replayed = ReplayWalFile(path, [&](WalRecordType type, std::string_view payload) {
    EXPECT_EQ(type, WalRecordType::kSpans);
    uint64_t n;
    EXPECT_TRUE(util::GetVarint64(&payload, &n));
    EXPECT_EQ(n, 2u);
    for (uint64_t i = 0; i < n; ++i) {
      Span s;
      EXPECT_TRUE(DecodeSpan(&payload, &s)) << "span " << i;
      spans.push_back(std::move(s));
    }
    EXPECT_TRUE(payload.empty());
    return Status::OK();
  });
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed->records, 1u);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "GET /api/orders");
  EXPECT_EQ(spans[0].kind, SpanKind::kServer);
  EXPECT_EQ(spans[0].end_time_unix_nano, 1'700'000'000'001'500'000ULL);
  EXPECT_EQ(spans[0].status_code, SpanStatusCode::kError);
  ASSERT_EQ(spans[0].attributes.size(), 6u);
  EXPECT_EQ(spans[0].attributes[0].value.int_value, 503);
  EXPECT_EQ(spans[0].attributes[4].value.type, AnyValue::Type::kArray);
  EXPECT_EQ(spans[0].attributes[5].value.kvlist_value[0].value.type, AnyValue::Type::kEmpty);
  EXPECT_EQ(spans[0].links[0].flags, 0x101u);
  EXPECT_EQ(spans[0].ServiceName(), "checkout");
  ExpectSpan(spans[0], LoggedRoot());
  EXPECT_EQ(spans[1].parent_span_id, std::string("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8));
  EXPECT_EQ(spans[1].kind, SpanKind::kClient);
  EXPECT_EQ(spans[1].status_code, SpanStatusCode::kOk);
  ExpectSpan(spans[1], LoggedChild());
}

// The real path: an engine opened on a directory whose span log is the golden file.
TEST(GoldenSpans, EngineReplaysGoldenSpanLog) {
  TempDir dir;
  testing::WriteFile(WalFilePath(dir.path() + "/span_wal", 1), GoldenBytes("span_wal"));
  Options options = TestOptions();
  options.span_retention_ms = 0;
  auto engine = std::move(Engine::Open(options, dir.path())).value();
  auto trace = engine->GetTrace(LoggedRoot().trace_id);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  ASSERT_EQ(trace->size(), 2u);
  ExpectSpan((*trace)[0], LoggedRoot());
  ExpectSpan((*trace)[1], LoggedChild());
}

// A span log file with one batch record (type 4) of the root, the child and the child's sibling,
// written by the real log writer: the record holds two resources and two scopes.
std::string SpanBatchLogFile() {
  const Span child = LoggedChild();
  std::string payload;
  EncodeSpanBatch({LoggedRoot(), child, LoggedSibling(child)}, &payload);
  return LogFileWith(WalRecordType::kSpanBatch, payload);
}

TEST(GoldenSpans, SpanBatchLogRecord) {
  const std::string bytes = GoldenBytes("span_wal_batch", SpanBatchLogFile());
  TempDir dir;
  const std::string path = WalFilePath(dir.path(), 1);
  testing::WriteFile(path, bytes);
  std::vector<Span> spans;
  auto replayed = ReplayWalFile(path, [&](WalRecordType type, std::string_view payload) {
    EXPECT_EQ(type, WalRecordType::kSpanBatch);
    EXPECT_TRUE(DecodeSpanBatch(payload, &spans));
    uint64_t n_resources;
    EXPECT_TRUE(util::GetVarint64(&payload, &n_resources));
    EXPECT_EQ(n_resources, 2u);
    return Status::OK();
  });
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed->records, 1u);
  ASSERT_EQ(spans.size(), 3u);
  const Span child = LoggedChild();
  ExpectSpan(spans[0], LoggedRoot());
  ExpectSpan(spans[1], child);
  ExpectSpan(spans[2], LoggedSibling(child));
  // Written once, decoded once: the two children share their resource and scope again.
  EXPECT_EQ(spans[1].resource.get(), spans[2].resource.get());
  EXPECT_EQ(spans[1].scope.get(), spans[2].scope.get());
  EXPECT_NE(spans[0].resource.get(), spans[1].resource.get());
}

TEST(GoldenSpans, EngineReplaysGoldenSpanBatchLog) {
  TempDir dir;
  testing::WriteFile(WalFilePath(dir.path() + "/span_wal", 1), GoldenBytes("span_wal_batch"));
  Options options = TestOptions();
  options.span_retention_ms = 0;
  auto engine = std::move(Engine::Open(options, dir.path())).value();
  auto trace = engine->GetTrace(LoggedRoot().trace_id);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  ASSERT_EQ(trace->size(), 3u);
  const Span child = LoggedChild();
  ExpectSpan((*trace)[0], LoggedRoot());
  ExpectSpan((*trace)[1], child);
  ExpectSpan((*trace)[2], LoggedSibling(child));
}

// The span of span_row_group.hex.
Span RowGroupSpan() {
  Span s;
  s.trace_id = kTraceA;
  s.span_id = std::string(8, '\x0b');
  s.name = "GET /api";
  s.kind = SpanKind::kServer;
  s.start_time_unix_nano = kStart;
  s.end_time_unix_nano = kStart + 1234;
  s.attributes = {{"http.status_code", AnyValue::Int(503)}, {"ok", AnyValue::Bool(false)}};
  s.events = {{kStart + 5, "exception", {{"exception.type", AnyValue::String("E")}}, 0}};
  s.status_code = SpanStatusCode::kError;
  s.resource = MakeSpanResource({{"service.name", AnyValue::String("svc")}});
  s.scope = MakeSpanScope("scope");
  return s;
}

TEST(GoldenSpans, RowGroup) {
  const Span span = RowGroupSpan();
  RowGroupStats stats;
  const std::string bytes = GoldenBytes("span_row_group", EncodeRowGroup({&span}, 3, &stats));
  EXPECT_EQ(bytes[0], 1);  // version
  RowGroupReader rg;
  ASSERT_TRUE(rg.Open(bytes, "golden row group").ok());
  ASSERT_EQ(rg.size(), 1u);
  // The dedicated columns, read without the dictionary.
  ASSERT_TRUE(rg.Load(SpanColumn::kService).ok());
  ASSERT_TRUE(rg.Load(SpanColumn::kHttpStatus).ok());
  ASSERT_TRUE(rg.Load(SpanColumn::kDuration).ok());
  EXPECT_EQ(rg.service_name(0), "svc");
  EXPECT_EQ(rg.http_status(0), 503);
  EXPECT_EQ(rg.duration(0), 1234u);
  ASSERT_TRUE(rg.has(SpanColumn::kAttrKeys));
  ASSERT_TRUE(rg.Load(SpanColumn::kAttrKeys).ok());
  EXPECT_TRUE(rg.HasAttrKey(0, "http.status_code"));
  EXPECT_TRUE(rg.HasAttrKey(0, "ok"));
  EXPECT_FALSE(rg.HasAttrKey(0, "exception.type"));  // an event's, not the span's
  EXPECT_FALSE(rg.loaded(SpanColumn::kDict));
  ASSERT_TRUE(rg.LoadAll().ok());
  EXPECT_EQ(rg.trace_id(0), kTraceA);
  EXPECT_EQ(rg.span_id(0), std::string(8, '\x0b'));
  EXPECT_EQ(rg.start(0), 1'700'000'000'000'000'000ULL);
  EXPECT_EQ(rg.name(0), "GET /api");
  EXPECT_EQ(rg.kind(0), SpanKind::kServer);
  EXPECT_EQ(rg.status(0), SpanStatusCode::kError);
  EXPECT_EQ(rg.status_message(0), "");
  ASSERT_EQ(rg.attr_begin(1) - rg.attr_begin(0), 2u);
  const AttrRef& code = rg.attrs()[rg.attr_begin(0)];
  EXPECT_EQ(rg.dict(code.key), "http.status_code");
  EXPECT_EQ(code.type, AnyValue::Type::kInt);
  EXPECT_EQ(code.int_value, 503);
  Span got;
  ASSERT_TRUE(rg.ReadSpan(0, &got).ok());
  EXPECT_EQ(got.events.size(), 1u);
  EXPECT_EQ(got.Scope().name, "scope");
  ExpectSpan(got, RowGroupSpan());
}

// A row group written before column 18 (attribute keys) existed reads as it did: every other
// column, and searches on attributes decode the attributes instead.
TEST(GoldenSpans, RowGroupWithoutAttributeKeys) {
  const std::string bytes = GoldenBytes("span_row_group_without_attr_keys");
  RowGroupReader rg;
  ASSERT_TRUE(rg.Open(bytes, "golden row group").ok());
  EXPECT_FALSE(rg.has(SpanColumn::kAttrKeys));
  EXPECT_FALSE(rg.Load(SpanColumn::kAttrKeys).ok());
  ASSERT_TRUE(rg.LoadAll().ok());
  Span got;
  ASSERT_TRUE(rg.ReadSpan(0, &got).ok());
  ExpectSpan(got, RowGroupSpan());
}

// Three spans of one trace: a root, its child, and a span whose parent is not in the row group.
std::vector<Span> ParentSpans() {
  std::vector<Span> spans(3, RowGroupSpan());
  spans[1].span_id = std::string(8, '\x0c');
  spans[1].parent_span_id = spans[0].span_id;
  spans[1].start_time_unix_nano += 10;
  spans[2].span_id = std::string(8, '\x0d');
  spans[2].parent_span_id = std::string(8, '\x7f');
  spans[2].start_time_unix_nano += 20;
  return spans;
}

// The loaded parents of ParentSpans() in `rg`, then every span read whole.
void ExpectParentSpans(RowGroupReader* rg, const std::vector<Span>& spans) {
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(rg->parent(i), spans[i].parent_span_id) << i;
  ASSERT_TRUE(rg->LoadAll().ok());
  for (uint32_t i = 0; i < 3; ++i) {
    Span got;
    ASSERT_TRUE(rg->ReadSpan(i, &got).ok());
    ExpectSpan(got, spans[i]);
  }
}

// Parents as row groups written before column 19 store them (column 3: each id in full).
TEST(GoldenSpans, RowGroupParentIds) {
  const std::vector<Span> spans = ParentSpans();
  const std::string bytes = GoldenBytes("span_row_group_parent_ids");
  RowGroupReader rg;
  ASSERT_TRUE(rg.Open(bytes, "golden row group").ok());
  ASSERT_TRUE(rg.has(SpanColumn::kParent));
  ASSERT_TRUE(rg.Load(SpanColumn::kParent).ok());
  ExpectParentSpans(&rg, spans);
}

// Parents as row groups store them now (column 19: the row of a parent in the row group, or the
// id of one outside it).
TEST(GoldenSpans, RowGroupParentRows) {
  const std::vector<Span> spans = ParentSpans();
  RowGroupStats stats;
  const std::string bytes = GoldenBytes(
      "span_row_group_parent_rows", EncodeRowGroup({&spans[0], &spans[1], &spans[2]}, 3, &stats));
  RowGroupReader rg;
  ASSERT_TRUE(rg.Open(bytes, "golden row group").ok());
  EXPECT_FALSE(rg.has(SpanColumn::kParent));
  ASSERT_TRUE(rg.has(SpanColumn::kParentRows));
  ASSERT_TRUE(rg.Load(SpanColumn::kParent).ok());
  EXPECT_TRUE(rg.loaded(SpanColumn::kSpanId));  // row references name span ids
  ExpectParentSpans(&rg, spans);
}

// Consistent with span_row_group.hex: its row group 0 holds trace kTraceA.
SegmentHeader GoldenSegmentHeader() {
  SegmentHeader h;
  h.spans = 3;
  h.min_start = kStart;
  h.max_start = kStart + 2'000;
  h.services = {"db", "svc"};
  h.names = {"GET /api", "SELECT"};
  RowGroupStats a;
  a.first_trace_id = a.last_trace_id = kTraceA;
  a.spans = 1;
  a.min_start = a.max_start = kStart;
  a.max_duration = 1234;
  RowGroupStats b;
  b.first_trace_id = std::string(16, '\x0b');
  b.last_trace_id = std::string(16, '\x0c');
  b.spans = 2;
  b.min_start = kStart + 1'000;
  b.max_start = kStart + 2'000;
  b.max_duration = 99;
  h.row_groups = {a, b};
  return h;
}

TEST(GoldenSpans, SegmentHeader) {
  const std::string bytes =
      GoldenBytes("segment_header", EncodeSegmentHeader(GoldenSegmentHeader()));
  SegmentHeader h;
  ASSERT_TRUE(DecodeSegmentHeader(bytes, &h));
  EXPECT_EQ(h.spans, 3u);
  EXPECT_EQ(h.min_start, 1'700'000'000'000'000'000ULL);
  EXPECT_EQ(h.max_start, 1'700'000'000'000'002'000ULL);
  EXPECT_EQ(h.services, (std::set<std::string, std::less<>>{"db", "svc"}));
  EXPECT_EQ(h.names, (std::set<std::string, std::less<>>{"GET /api", "SELECT"}));
  ASSERT_EQ(h.row_groups.size(), 2u);
  EXPECT_EQ(h.row_groups[0].first_trace_id, kTraceA);
  EXPECT_EQ(h.row_groups[0].last_trace_id, kTraceA);
  EXPECT_EQ(h.row_groups[0].spans, 1u);
  EXPECT_EQ(h.row_groups[0].min_start, 1'700'000'000'000'000'000ULL);
  EXPECT_EQ(h.row_groups[0].max_start, 1'700'000'000'000'000'000ULL);
  EXPECT_EQ(h.row_groups[0].max_duration, 1234u);
  EXPECT_EQ(h.row_groups[1].first_trace_id, std::string(16, '\x0b'));
  EXPECT_EQ(h.row_groups[1].last_trace_id, std::string(16, '\x0c'));
  EXPECT_EQ(h.row_groups[1].spans, 2u);
  EXPECT_EQ(h.row_groups[1].min_start, 1'700'000'000'000'001'000ULL);
  EXPECT_EQ(h.row_groups[1].max_start, 1'700'000'000'000'002'000ULL);
  EXPECT_EQ(h.row_groups[1].max_duration, 99u);
}

TEST(GoldenSpans, TraceIndexSummary) {
  TraceSummary root;
  root.Add(RowGroupSpan());
  const std::string bytes = GoldenBytes("trace_summary", EncodeSummary(root));
  TraceSummary s;
  ASSERT_TRUE(DecodeSummary(bytes, &s));
  EXPECT_EQ(s.spans, 1u);
  EXPECT_EQ(s.min_start, 1'700'000'000'000'000'000ULL);
  EXPECT_EQ(s.max_end, 1'700'000'000'000'001'234ULL);
  EXPECT_TRUE(s.has_root);
  EXPECT_EQ(s.root_service, "svc");
  EXPECT_EQ(s.root_name, "GET /api");

  TraceSummary no_root;
  no_root.spans = 2;
  no_root.min_start = 5;
  no_root.max_end = 10;
  const std::string partial = GoldenBytes("trace_summary_no_root", EncodeSummary(no_root));
  EXPECT_EQ(partial, std::string("\x02\x05\x0a\x00", 4));
  TraceSummary p;
  ASSERT_TRUE(DecodeSummary(partial, &p));
  EXPECT_EQ(p.spans, 2u);
  EXPECT_EQ(p.min_start, 5u);
  EXPECT_EQ(p.max_end, 10u);
  EXPECT_FALSE(p.has_root);
  EXPECT_EQ(p.root_service, "");
}

TEST(GoldenSpans, Keys) {
  const std::string segment = GoldenBytes("span_segment_key", SegmentKey(236'111, 1));
  ASSERT_EQ(segment.size(), 12u);
  EXPECT_EQ(DecodeOrderedInt32(segment.data()), 236'111);
  EXPECT_EQ(util::DecodeBigEndian64(segment.data() + 4), 1u);
  const std::string row_group = GoldenBytes("span_row_group_key", RowGroupKey(236'111, 1, 0));
  ASSERT_EQ(row_group.size(), 16u);
  EXPECT_EQ(row_group.substr(0, 12), segment);
  EXPECT_EQ(util::DecodeBigEndian32(row_group.data() + 12), 0u);
  const std::string index = GoldenBytes("trace_index_key", TraceIndexKey(236'111, kTraceA, 1));
  ASSERT_EQ(index.size(), 28u);
  EXPECT_EQ(DecodeOrderedInt32(index.data()), 236'111);
  EXPECT_EQ(index.substr(4, 16), kTraceA);
  EXPECT_EQ(util::DecodeBigEndian64(index.data() + 20), 1u);
}

// The real path: golden segment header, row group and trace index entry put into an engine's
// column families are found by GetTrace and SearchTraces.
void ReadGoldenSegment(const std::string& row_group_file) {
  TempDir dir;
  Options options = TestOptions();
  options.span_retention_ms = 0;
  { auto engine = std::move(Engine::Open(options, dir.path())).value(); }
  {
    testing::RawDb raw(dir.path());
    ASSERT_TRUE(raw.ok());
    raw.Put(kSpanSegmentsColumnFamily, GoldenBytes("span_segment_key"),
            GoldenBytes("segment_header"));
    raw.Put(kSpanDataColumnFamily, GoldenBytes("span_row_group_key"), GoldenBytes(row_group_file));
    raw.Put(kTraceIndexColumnFamily, GoldenBytes("trace_index_key"), GoldenBytes("trace_summary"));
  }
  auto engine = std::move(Engine::Open(options, dir.path())).value();
  auto trace = engine->GetTrace(kTraceA);
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  ASSERT_EQ(trace->size(), 1u);
  ExpectSpan((*trace)[0], RowGroupSpan());

  // The time range leaves out row group 1, which the header lists but which is not stored: the
  // header's per-row-group statistics decide which row groups are read.
  TraceSearchRequest request;
  request.start_unix_nano = kStart;
  request.end_unix_nano = kStart + 500;
  request.conditions = {
      {ConditionScope::kIntrinsic, "service.name", ConditionOp::kEq, AnyValue::String("svc")}};
  auto found = SearchTraces(*engine, request);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_TRUE(found->warnings.empty()) << found->warnings.front();
  ASSERT_EQ(found->traces.size(), 1u);
  const TraceSearchResult& t = found->traces[0];
  EXPECT_EQ(t.trace_id, kTraceA);
  EXPECT_EQ(t.root_service_name, "svc");  // from the trace index summary
  EXPECT_EQ(t.root_span_name, "GET /api");
  EXPECT_EQ(t.start_time_unix_nano, 1'700'000'000'000'000'000ULL);
  EXPECT_EQ(t.duration_nano, 1234u);

  // Attribute conditions, answered from the key sets where the row group has them.
  auto count = [&](ConditionScope scope, const char* key, ConditionOp op, AnyValue v = {}) {
    TraceSearchRequest r;
    r.conditions = {{scope, key, op, std::move(v)}};
    auto result = SearchTraces(*engine, r);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->traces.size() : 99;
  };
  using S = ConditionScope;
  using O = ConditionOp;
  EXPECT_EQ(count(S::kSpan, "ok", O::kExists), 1u);
  EXPECT_EQ(count(S::kSpan, "ok", O::kNotExists), 0u);
  EXPECT_EQ(count(S::kSpan, "absent", O::kExists), 0u);
  EXPECT_EQ(count(S::kSpan, "absent", O::kNotExists), 1u);
  EXPECT_EQ(count(S::kSpan, "ok", O::kEq, AnyValue::Bool(false)), 1u);
  EXPECT_EQ(count(S::kSpan, "absent", O::kNe, AnyValue::Bool(false)), 0u);
  EXPECT_EQ(count(S::kAny, "service.name", O::kExists), 1u);  // from the resource
  EXPECT_EQ(count(S::kSpan, "service.name", O::kExists), 0u);
}

TEST(GoldenSpans, EngineReadsGoldenSegment) { ReadGoldenSegment("span_row_group"); }

TEST(GoldenSpans, EngineReadsGoldenSegmentWithoutAttributeKeys) {
  ReadGoldenSegment("span_row_group_without_attr_keys");
}

}  // namespace
}  // namespace tidemark::storage
