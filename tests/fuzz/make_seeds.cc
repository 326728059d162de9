// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from the encoders and
// the OTLP/JSON examples, so the seeds stay valid when a format changes:
//   build-fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus ../shared/peer/otlp
// Each seed is small (the corpus is checked in).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/otlp_json.h"
#include "io/prometheus/write/v2/types.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "prometheus/remote.pb.h"
#include "storage/block_codec.h"
#include "storage/kv_layout.h"
#include "storage/label_codec.h"
#include "storage/span_codec.h"
#include "storage/span_row_group.h"
#include "storage/span_segment_format.h"
#include "storage/wal.h"
#include "util/coding.h"
#include "util/crc32c.h"

using namespace tidemark;

namespace {

std::string out_dir;

void Write(const std::string& target, const std::string& name, std::string_view bytes) {
  const std::string dir = out_dir + "/" + target;
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Span ExampleSpan(int i) {
  Span s;
  s.trace_id = std::string(16, static_cast<char>(0x0a + i));
  s.span_id = std::string(8, static_cast<char>(0x0b + i));
  if (i > 0) s.parent_span_id = std::string(8, '\x0b');
  s.name = i == 0 ? "GET /api" : "SELECT";
  s.kind = i == 0 ? SpanKind::kServer : SpanKind::kClient;
  s.start_time_unix_nano = 1'700'000'000'000'000'000ULL + i * 1000;
  s.end_time_unix_nano = s.start_time_unix_nano + 1234;
  s.attributes = {{"http.status_code", AnyValue::Int(503)},
                  {"ok", AnyValue::Bool(false)},
                  {"ratio", AnyValue::Double(0.5)},
                  {"list", AnyValue::Array({AnyValue::String("a"), AnyValue::Int(1)})},
                  {"map", AnyValue::KvList({{"k", AnyValue::Bytes("\x01\x02")}})}};
  s.events = {
      {s.start_time_unix_nano + 5, "exception", {{"exception.type", AnyValue::String("E")}}, 0}};
  s.links = {{std::string(16, '\x0c'), std::string(8, '\x0d'), "", {}, 0, 0}};
  s.status_code = SpanStatusCode::kError;
  s.status_message = "boom";
  s.resource = MakeSpanResource({{"service.name", AnyValue::String("svc")}});
  s.scope = MakeSpanScope("lib", "1.0");
  return s;
}

void AppendRecord(std::string* file, storage::WalRecordType type, std::string_view payload) {
  std::string type_and_payload(1, static_cast<char>(type));
  type_and_payload += payload;
  util::PutFixed32(file, util::Crc32c(type_and_payload));
  util::PutFixed32(file, static_cast<uint32_t>(payload.size()));
  *file += type_and_payload;
}

void StorageSeeds() {
  std::vector<Sample> decimal, xor_values, one = {{1'700'000'000'000, 1}};
  for (int i = 0; i < 20; ++i)
    decimal.push_back({1'700'000'000'000 + i * 15'000 + (i % 3), 100 + i * 0.25});
  for (int i = 0; i < 10; ++i) xor_values.push_back({-5'000 + i * 1'000, 1.0 / (i + 3)});
  Write("block", "decimal", storage::EncodeBlock(42, decimal));
  Write("block", "xor", storage::EncodeBlock(7, xor_values));
  Write("block", "one", storage::EncodeBlock(1, one));

  const Labels labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}};
  std::string encoded_labels;
  storage::EncodeLabels(labels, &encoded_labels);
  Write("label_codec", "three", encoded_labels);
  std::string empty_labels;
  storage::EncodeLabels(Labels{}, &empty_labels);
  Write("label_codec", "empty", empty_labels);

  storage::SeriesRecord record;
  record.labels = labels;
  record.min_time = 1'700'000'000'000;
  record.max_time = 1'700'000'900'000;
  record.last_value_bits = util::DoubleBits(1027);
  Write("series_record", "one", storage::EncodeSeriesRecord(record));

  const Span a = ExampleSpan(0), b = ExampleSpan(1);
  std::string span_bytes(1, '\0'), resource(1, '\1'), scope(1, '\2'), kvs(1, '\3'), batch(1, '\4');
  storage::EncodeSpan(a, &span_bytes);
  storage::EncodeResource(a.Resource(), &resource);
  storage::EncodeScope(a.Scope(), &scope);
  storage::EncodeKeyValues(a.attributes, &kvs);
  storage::EncodeSpanBatch({a, b}, &batch);
  Write("span_codec", "batch", batch);
  Write("span_codec", "span", span_bytes);
  Write("span_codec", "resource", resource);
  Write("span_codec", "scope", scope);
  Write("span_codec", "attributes", kvs);

  storage::RowGroupStats stats;
  Write("span_row_group", "one", storage::EncodeRowGroup({&a}, 3, &stats));
  Write("span_row_group", "two", storage::EncodeRowGroup({&a, &b}, 3, &stats));

  storage::SegmentHeader header;
  header.spans = 2;
  header.min_start = a.start_time_unix_nano;
  header.max_start = b.start_time_unix_nano;
  header.services = {"svc"};
  header.names = {"GET /api", "SELECT"};
  header.row_groups.push_back(stats);
  Write("segment_header", "one", storage::EncodeSegmentHeader(header));

  storage::TraceSummary summary;
  summary.Add(a);
  summary.Add(b);
  Write("trace_summary", "root", storage::EncodeSummary(summary));
  storage::TraceSummary no_root;
  no_root.Add(b);
  Write("trace_summary", "no_root", storage::EncodeSummary(no_root));

  // Sample log: a commit (one series definition, three samples) and a delete. The first byte of
  // a wal_fuzzer input chooses the log: even for samples, odd for spans.
  std::string commit;
  util::PutVarint64(&commit, 1);
  util::PutVarint64(&commit, 1);
  storage::EncodeLabels(labels, &commit);
  util::PutVarint64(&commit, 3);
  int64_t prev = 0;
  for (int i = 0; i < 3; ++i) {
    const int64_t t = 1'699'999'000'000 + i * 15'000;
    util::PutVarint64(&commit, 1);
    util::PutVarintSigned64(&commit, t - prev);
    util::PutFixed64(&commit, util::DoubleBits(i + 0.5));
    prev = t;
  }
  std::string del;
  util::PutVarintSigned64(&del, 1'699'999'000'000);
  util::PutVarintSigned64(&del, 1'699'999'015'000);
  util::PutVarint64(&del, 1);
  util::PutVarint64(&del, 1);
  std::string samples_log(1, '\0');
  AppendRecord(&samples_log, storage::WalRecordType::kCommit, commit);
  AppendRecord(&samples_log, storage::WalRecordType::kDelete, del);
  Write("wal", "samples", samples_log);
  std::string spans;
  util::PutVarint64(&spans, 2);
  storage::EncodeSpan(a, &spans);
  storage::EncodeSpan(b, &spans);
  std::string span_log(1, '\1');
  AppendRecord(&span_log, storage::WalRecordType::kSpans, spans);
  Write("wal", "spans", span_log);
  std::string span_batch, span_batch_log(1, '\1');
  storage::EncodeSpanBatch({a, b}, &span_batch);
  AppendRecord(&span_batch_log, storage::WalRecordType::kSpanBatch, span_batch);
  Write("wal", "span_batch", span_batch_log);
}

void IngestSeeds(const std::string& otlp_dir) {
  prometheus::WriteRequest request;
  auto* series = request.add_timeseries();
  for (auto [n, v] : {std::pair{"__name__", "up"}, {"job", "api"}, {"instance", "a:9090"}}) {
    auto* l = series->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  auto* sample = series->add_samples();
  sample->set_value(1);
  sample->set_timestamp(1'700'000'000'000);
  auto* exemplar = series->add_exemplars();
  auto* el = exemplar->add_labels();
  el->set_name("trace_id");
  el->set_value("0af7651916cd43dd8448eb211c80319c");
  exemplar->set_value(1);
  exemplar->set_timestamp(1'700'000'000'000);
  auto* md = request.add_metadata();
  md->set_type(prometheus::MetricMetadata::GAUGE);
  md->set_metric_family_name("up");
  md->set_help("Whether the target is up.");
  Write("remote_write", "one", request.SerializeAsString());
  {
    // The same series as Remote-Write 2.0 sends it.
    io::prometheus::write::v2::Request v2;
    for (const char* symbol : {"", "__name__", "up", "trace_id", "abc"}) v2.add_symbols(symbol);
    auto* ts = v2.add_timeseries();
    for (uint32_t ref : {1, 2}) ts->add_labels_refs(ref);
    auto* s = ts->add_samples();
    s->set_value(1);
    s->set_timestamp(100);
    auto* e = ts->add_exemplars();
    for (uint32_t ref : {3, 4}) e->add_labels_refs(ref);
    e->set_value(1);
    e->set_timestamp(100);
    ts->mutable_metadata()->set_type(io::prometheus::write::v2::Metadata::METRIC_TYPE_GAUGE);
    Write("remote_write", "two", v2.SerializeAsString());
  }

  const std::string trace_json = ReadFile(otlp_dir + "/trace.json");
  const std::string metrics_json = ReadFile(otlp_dir + "/metrics.json");
  Write("otlp_json", "trace.json", trace_json);
  Write("otlp_json", "metrics.json", metrics_json);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest traces;
  if (!ingest::ParseOtlpJson(trace_json, &traces).ok()) std::cerr << "trace.json does not parse\n";
  Write("otlp_traces", "trace", traces.SerializeAsString());
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest metrics;
  if (!ingest::ParseOtlpJson(metrics_json, &metrics).ok())
    std::cerr << "metrics.json does not parse\n";
  Write("otlp_metrics", "metrics", metrics.SerializeAsString());
}

void PromqlSeeds() {
  // From tests/query/parser_test.cc and the Prometheus documentation's examples.
  const char* queries[] = {
      "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m]))",
      "foo * on(a) group_right(b) bar",
      "max_over_time(rate(foo[1m])[1h:5m] offset -2m @ end())",
      "-1^2 + 2 ^ 3 ^ 2 - 5 % 3",
      "foo{a!=\"b\", c=~\"d.*\", e!~'f'} or bar unless baz",
      "{__name__=~\"foo|bar\"}",
      "{\"foo.bar\", \"a\"=\"b\"}",
      "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
      "topk(3, count_values(\"v\", foo)) > bool 2",
      "label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")",
      "absent_over_time(nonexistent{job=\"x\"}[1h])",
      "quantile_over_time(0.5, foo[5m:]) / ignoring(x) sum without (y) (bar)",
      "foo[5m+1m] offset -step()",
      "limitk(1, foo)",
      "\"a\\tb\\u00e9\\x41\\101\"",
      "1e3 + 0x1F - Inf + NaN",
      "time() - timestamp(up @ 1700000000)",
  };
  int i = 0;
  for (const char* q : queries) Write("promql", "q" + std::to_string(i++), q);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_make_seeds CORPUS_DIR OTLP_JSON_DIR\n";
    return 2;
  }
  out_dir = argv[1];
  StorageSeeds();
  IngestSeeds(argv[2]);
  PromqlSeeds();
  return 0;
}
