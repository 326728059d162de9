#include "ingest/remote_write.h"

#include <gtest/gtest.h>

#include <climits>
#include <random>

#include "io/prometheus/write/v2/types.pb.h"
#include "prometheus/remote.pb.h"
#include "tests/storage/test_util.h"

namespace tidemark::ingest {
namespace {

prometheus::WriteRequest Request(int64_t t0) {
  prometheus::WriteRequest req;
  auto* ts = req.add_timeseries();
  for (auto [n, v] : {std::pair{"__name__", "up"}, std::pair{"job", "api"}}) {
    auto* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  for (int i = 0; i < 3; ++i) {
    auto* s = ts->add_samples();
    s->set_timestamp(t0 + i * 1000);
    s->set_value(i);
  }
  return req;
}

// The request as the receiver sees it: encoded, then decoded into views of `buffer`.
RemoteWriteRequest Decoded(const prometheus::WriteRequest& req, std::string* buffer) {
  *buffer = req.SerializeAsString();
  RemoteWriteRequest out;
  Status s = ParseRemoteWriteRequest(*buffer, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

Result<RemoteWriteReport> Append(const prometheus::WriteRequest& req, Engine& engine,
                                 SeriesRefCache* cache = nullptr) {
  std::string buffer;
  return AppendRemoteWrite(Decoded(req, &buffer), engine, cache);
}

// Random requests, encoded by protobuf: the wire decoder must read back exactly what protobuf
// wrote (labels, samples with special values, exemplars, metadata, unknown fields skipped).
TEST(RemoteWriteDecoder, AgreesWithProtobufOnRandomRequests) {
  std::mt19937_64 rng(7);
  auto str = [&](size_t max) {
    // Valid UTF-8 (protobuf checks string fields): letters, and some two-byte characters.
    std::string s;
    for (size_t n = rng() % (max + 1); n > 0; --n) {
      if (rng() % 8 == 0) {
        s += "é";
      } else {
        s.push_back(static_cast<char>('a' + rng() % 26));
      }
    }
    return s;
  };
  for (int round = 0; round < 200; ++round) {
    prometheus::WriteRequest req;
    const int n = static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) {
      auto* ts = req.add_timeseries();
      for (int k = static_cast<int>(rng() % 4); k > 0; --k) {
        auto* l = ts->add_labels();
        l->set_name(str(12));
        l->set_value(str(300));
      }
      for (int k = static_cast<int>(rng() % 4); k > 0; --k) {
        auto* smp = ts->add_samples();
        const double specials[] = {0, -1.5, 1e308, std::nan(""), -INFINITY, StaleMarker()};
        smp->set_value(specials[rng() % 6]);
        smp->set_timestamp(static_cast<int64_t>(rng()));
      }
      if (rng() % 3 == 0) {
        auto* e = ts->add_exemplars();
        auto* l = e->add_labels();
        l->set_name("trace_id");
        l->set_value(str(32));
        e->set_value(0.5);
        e->set_timestamp(-5);
      }
    }
    if (rng() % 2 == 0) {
      auto* m = req.add_metadata();
      m->set_type(prometheus::MetricMetadata::SUMMARY);
      m->set_metric_family_name(str(20));
      m->set_help(str(50));
    }
    std::string buffer;
    RemoteWriteRequest got = Decoded(req, &buffer);
    ASSERT_EQ(got.series.size(), static_cast<size_t>(req.timeseries_size()));
    for (int i = 0; i < req.timeseries_size(); ++i) {
      const auto& want = req.timeseries(i);
      const auto& s = got.series[i];
      ASSERT_EQ(s.labels_end - s.labels_begin, static_cast<uint32_t>(want.labels_size()));
      for (int k = 0; k < want.labels_size(); ++k) {
        EXPECT_EQ(got.labels[s.labels_begin + k].name, want.labels(k).name());
        EXPECT_EQ(got.labels[s.labels_begin + k].value, want.labels(k).value());
      }
      ASSERT_EQ(s.samples_end - s.samples_begin, static_cast<uint32_t>(want.samples_size()));
      for (int k = 0; k < want.samples_size(); ++k) {
        EXPECT_EQ(got.samples[s.samples_begin + k].timestamp_ms, want.samples(k).timestamp());
        EXPECT_EQ(testing::Bits(got.samples[s.samples_begin + k].value),
                  testing::Bits(want.samples(k).value()));
      }
      ASSERT_EQ(s.exemplars_end - s.exemplars_begin, static_cast<uint32_t>(want.exemplars_size()));
      if (want.exemplars_size() == 1) {
        const auto& e = got.exemplars[s.exemplars_begin];
        EXPECT_EQ(e.timestamp_ms, -5);
        EXPECT_EQ(got.exemplar_labels[e.labels_begin].value, want.exemplars(0).labels(0).value());
      }
    }
    ASSERT_EQ(got.metadata.size(), static_cast<size_t>(req.metadata_size()));
    if (req.metadata_size() == 1) {
      EXPECT_EQ(got.metadata[0].metric_family_name, req.metadata(0).metric_family_name());
      EXPECT_EQ(got.metadata[0].help, req.metadata(0).help());
      EXPECT_EQ(got.metadata[0].type, prometheus::MetricMetadata::SUMMARY);
    }
  }
}

TEST(RemoteWriteDecoder, MalformedBytesAreRefusedAndTruncationNeverCrashes) {
  prometheus::WriteRequest req = Request(1000);
  const std::string bytes = req.SerializeAsString();
  RemoteWriteRequest out;
  for (size_t n = 0; n < bytes.size(); ++n) {
    // A cut inside a field is an error; a cut between fields is a shorter valid request.
    Status s = ParseRemoteWriteRequest(std::string_view(bytes).substr(0, n), &out);
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(s.message().find("not a protobuf WriteRequest"), std::string::npos);
    }
  }
  EXPECT_FALSE(ParseRemoteWriteRequest("\x0a\xff\xff\xff\xff\x0f", &out).ok());  // length past end
  EXPECT_FALSE(ParseRemoteWriteRequest("\x0b", &out).ok());                      // group wire type
  // The same labels give the same cache key across requests.
  RemoteWriteRequest a, b;
  const std::string other = Request(5000).SerializeAsString();
  ASSERT_TRUE(ParseRemoteWriteRequest(bytes, &a).ok());
  ASSERT_TRUE(ParseRemoteWriteRequest(other, &b).ok());
  EXPECT_EQ(a.series[0].label_bytes, b.series[0].label_bytes);
  EXPECT_FALSE(a.series[0].label_bytes.empty());
}

namespace w2 = io::prometheus::write::v2;

// A 2.0 request: symbols (the first ""), series by reference, metadata on each series.
w2::Request RequestV2() {
  w2::Request req;
  for (const char* s : {"", "__name__", "http_requests_total", "job", "api", "trace_id", "abc",
                        "Requests served.", "requests", "latency_seconds"}) {
    req.add_symbols(s);
  }
  auto* ts = req.add_timeseries();
  for (uint32_t ref : {1, 2, 3, 4}) ts->add_labels_refs(ref);
  for (int i = 0; i < 3; ++i) {
    auto* smp = ts->add_samples();
    smp->set_timestamp(1'700'000'000'000 + i * 15'000);
    smp->set_value(i);
  }
  auto* e = ts->add_exemplars();
  for (uint32_t ref : {5, 6}) e->add_labels_refs(ref);
  e->set_value(2);
  e->set_timestamp(1'700'000'030'000);
  ts->mutable_metadata()->set_type(w2::Metadata::METRIC_TYPE_COUNTER);
  ts->mutable_metadata()->set_help_ref(7);
  ts->mutable_metadata()->set_unit_ref(8);
  auto* h = req.add_timeseries();
  for (uint32_t ref : {1, 9, 3, 4}) h->add_labels_refs(ref);
  h->add_histograms()->set_count_int(5);
  h->add_histograms()->set_count_int(6);
  return req;
}

// Every field resolved through the symbols, histograms counted, and each series keyed by the
// bytes 1.0 would have sent for its labels, so that one cache serves both versions.
TEST(RemoteWriteV2Decoder, ResolvesSymbolsAndKeysSeriesAsVersion1Does) {
  const std::string body = RequestV2().SerializeAsString();
  RemoteWriteRequest req;
  Status s = ParseRemoteWriteV2Request(body, &req);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(req.series.size(), 2u);
  ASSERT_EQ(req.labels.size(), 4u);
  EXPECT_EQ(req.labels[0].name, "__name__");
  EXPECT_EQ(req.labels[0].value, "http_requests_total");
  EXPECT_EQ(req.labels[3].value, "api");
  ASSERT_EQ(req.samples.size(), 3u);
  EXPECT_EQ(req.samples[2].timestamp_ms, 1'700'000'030'000);
  ASSERT_EQ(req.exemplars.size(), 1u);
  EXPECT_EQ(req.exemplar_labels[0].name, "trace_id");
  EXPECT_EQ(req.exemplar_labels[0].value, "abc");
  ASSERT_EQ(req.metadata.size(), 1u);
  EXPECT_EQ(req.metadata[0].metric_family_name, "http_requests_total");
  EXPECT_EQ(req.metadata[0].type, 1);
  EXPECT_EQ(req.metadata[0].help, "Requests served.");
  EXPECT_EQ(req.metadata[0].unit, "requests");
  EXPECT_EQ(req.histograms, 2u);
  EXPECT_EQ(req.histogram_series, 1u);
  // The same labels sent as 1.0.
  prometheus::WriteRequest v1 = Request(0);
  std::string v1_buffer;
  const RemoteWriteRequest v1_req = Decoded(v1, &v1_buffer);
  prometheus::WriteRequest named;
  auto* ts = named.add_timeseries();
  for (auto [n, v] : {std::pair{"__name__", "http_requests_total"}, std::pair{"job", "api"}}) {
    auto* l = ts->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  std::string named_buffer;
  const RemoteWriteRequest named_req = Decoded(named, &named_buffer);
  EXPECT_EQ(req.series[0].label_bytes, named_req.series[0].label_bytes);
  EXPECT_NE(req.series[0].label_bytes, v1_req.series[0].label_bytes);
}

// The wire bytes as the Remote-Write 2.0 specification lays them out, written by hand rather
// than by protoc: symbols are field 4, series field 5, labels_refs packed in field 1, a sample's
// value a double in field 1 and its timestamp a varint in field 2. docs/format/remote-write.md.
TEST(RemoteWriteV2Decoder, GoldenBytes) {
  const std::string body(
      "\x22\x00"                              // symbols[0] = ""
      "\x22\x08__name__"                      // symbols[1]
      "\x22\x02up"                            // symbols[2]
      "\x2a\x11"                              // timeseries, 17 bytes
      "\x0a\x02\x01\x02"                      // labels_refs [1, 2], packed
      "\x12\x0b"                              // samples[0], 11 bytes
      "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f"  // value 1.0
      "\x10\x64",                             // timestamp 100
      2 + 10 + 4 + 2 + 17);
  RemoteWriteRequest req;
  Status s = ParseRemoteWriteV2Request(body, &req);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(req.series.size(), 1u);
  ASSERT_EQ(req.labels.size(), 1u);
  EXPECT_EQ(req.labels[0].name, "__name__");
  EXPECT_EQ(req.labels[0].value, "up");
  ASSERT_EQ(req.samples.size(), 1u);
  EXPECT_EQ(req.samples[0].value, 1.0);
  EXPECT_EQ(req.samples[0].timestamp_ms, 100);
  // The same with the references unpacked, one varint field each, and the symbols last.
  const std::string unpacked(
      "\x2a\x11"
      "\x08\x01\x08\x02"
      "\x12\x0b\x09\x00\x00\x00\x00\x00\x00\xf0\x3f\x10\x64"
      "\x22\x00\x22\x08__name__\x22\x02up",
      19 + 2 + 10 + 4);
  ASSERT_TRUE(ParseRemoteWriteV2Request(unpacked, &req).ok());
  ASSERT_EQ(req.labels.size(), 1u);
  EXPECT_EQ(req.labels[0].value, "up");
}

TEST(RemoteWriteV2Decoder, ReferencesPastTheSymbolsAreNamed) {
  w2::Request bad = RequestV2();
  bad.mutable_timeseries(0)->set_labels_refs(3, 42);
  RemoteWriteRequest req;
  Status s = ParseRemoteWriteV2Request(bad.SerializeAsString(), &req);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("time series 0 label reference 42 past the 10 symbols"),
            std::string::npos)
      << s.message();
  w2::Request odd = RequestV2();
  odd.mutable_timeseries(1)->add_labels_refs(1);
  s = ParseRemoteWriteV2Request(odd.SerializeAsString(), &req);
  EXPECT_NE(s.message().find("time series 1 an odd number of label references"), std::string::npos)
      << s.message();
  w2::Request bad_help = RequestV2();
  bad_help.mutable_timeseries(0)->mutable_metadata()->set_help_ref(99);
  s = ParseRemoteWriteV2Request(bad_help.SerializeAsString(), &req);
  EXPECT_NE(s.message().find("metadata references a symbol"), std::string::npos) << s.message();
  // Truncations never crash and are refused.
  const std::string body = RequestV2().SerializeAsString();
  for (size_t n = 1; n < body.size(); ++n) {
    RemoteWriteRequest partial;
    (void)ParseRemoteWriteV2Request(body.substr(0, n), &partial);
  }
}

TEST(RemoteWrite, CachedRefsSurviveSeriesDeletion) {
  tidemark::testing::TempDir dir;
  auto engine = std::move(Engine::Open(tidemark::testing::TestOptions(), dir.path())).value();
  SeriesRefCache cache;
  auto r = Append(Request(1000), *engine, &cache);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->commit.accepted, 3u);
  r = Append(Request(10'000), *engine, &cache);  // by cached ref
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->commit.accepted, 3u);
  ASSERT_TRUE(engine->DeleteSeries({LabelMatcher::Equal("job", "api")}, INT64_MIN, INT64_MAX).ok());
  r = Append(Request(20'000), *engine, &cache);  // the cached ref is stale now
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->commit.accepted, 3u);
  EXPECT_EQ(r->commit.rejected, 0u);
  auto all = tidemark::testing::ReadAll(*engine, {LabelMatcher::Equal("job", "api")});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.begin()->second.size(), 3u);
  EXPECT_EQ(all.begin()->second[0].timestamp_ms, 20'000);
}

// The cache keeps fingerprints of the label bytes, not the bytes: keys that differ anywhere, by
// one byte, by length or by a prefix, are told apart; erased and bounded as before.
TEST(SeriesRefCache, TellsApartKeysThatDifferByOneByte) {
  SeriesRefCache cache(1'000'000);
  std::vector<std::string> keys;
  for (int i = 0; i < 20'000; ++i) {
    std::string k =
        "\n\x0e\n\x08__name__\x12\x02up\n\x0f\n\x03job\x12\x08api-" + std::to_string(i % 1000);
    keys.push_back(k + std::string(1, static_cast<char>(i / 1000)));
  }
  keys.push_back(keys[0].substr(0, keys[0].size() - 1));  // a prefix of another key
  keys.push_back(keys[0] + '\0');                         // the same with a byte more
  for (size_t i = 0; i < keys.size(); ++i) cache.Put(keys[i], i + 1);
  std::vector<std::string_view> views(keys.begin(), keys.end());
  views.push_back("");  // an empty key is never cached
  std::vector<SeriesRef> refs(views.size(), 99);
  cache.GetMany(views, refs);
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_EQ(refs[i], i + 1) << i;
    ASSERT_EQ(cache.Get(keys[i]), i + 1) << i;
  }
  EXPECT_EQ(refs.back(), 99u);
  EXPECT_EQ(cache.Get("not put"), 0u);
  cache.Erase(keys[7]);
  EXPECT_EQ(cache.Get(keys[7]), 0u);
  EXPECT_EQ(cache.Get(keys[8]), 9u);
  cache.Put(keys[8], 1234);  // replaced
  EXPECT_EQ(cache.Get(keys[8]), 1234u);

  // Bounded: a shard past its share is emptied, and keys are looked up again.
  SeriesRefCache small(32);
  for (size_t i = 0; i < keys.size(); ++i) small.Put(keys[i], i + 1);
  size_t kept = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const SeriesRef r = small.Get(keys[i]);
    if (r != 0) {
      ASSERT_EQ(r, i + 1);
      ++kept;
    }
  }
  EXPECT_GT(kept, 0u);
  EXPECT_LE(kept, 16u * (32 / 16 + 1));
}

TEST(RemoteWrite, StoresExemplarsAndMetadata) {
  tidemark::testing::TempDir dir;
  auto engine = std::move(Engine::Open(tidemark::testing::TestOptions(), dir.path())).value();
  prometheus::WriteRequest req = Request(1000);
  auto* e = req.mutable_timeseries(0)->add_exemplars();
  auto* l = e->add_labels();
  l->set_name("trace_id");
  l->set_value("4bf92f3577b34da6a3ce929d0e0e4736");
  e->set_value(0.25);
  e->set_timestamp(1500);
  auto* m = req.add_metadata();
  m->set_type(prometheus::MetricMetadata::GAUGE);
  m->set_metric_family_name("up");
  m->set_help("1 if the target is up.");
  auto r = Append(req, *engine);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exemplars.accepted, 1u);
  EXPECT_EQ(r->metadata, 1u);
  auto ex = engine->SelectExemplars({LabelMatcher::Equal("__name__", "up")}, 0, 10'000);
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->size(), 1u);
  ASSERT_EQ((*ex)[0].exemplars.size(), 1u);
  EXPECT_EQ((*ex)[0].exemplars[0].labels.Get("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ((*ex)[0].exemplars[0].timestamp_ms, 1500);
  auto md = engine->GetMetricMetadata("up", 0);
  ASSERT_TRUE(md.ok());
  ASSERT_EQ(md->size(), 1u);
  EXPECT_EQ((*md)[0].second.type, "gauge");
  EXPECT_EQ((*md)[0].second.help, "1 if the target is up.");
}

TEST(RemoteWrite, InvalidSeriesRefusesTheWholeRequest) {
  tidemark::testing::TempDir dir;
  auto engine = std::move(Engine::Open(tidemark::testing::TestOptions(), dir.path())).value();
  auto req = Request(1000);
  auto* bad = req.add_timeseries();
  for (auto [n, v] : {std::pair{"__name__", "x"}, std::pair{"a", "1"}, std::pair{"a", "2"}}) {
    auto* l = bad->add_labels();
    l->set_name(n);
    l->set_value(v);
  }
  auto r = Append(req, *engine);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("duplicate label name \"a\""), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(tidemark::testing::ReadAll(*engine, {LabelMatcher::Equal("job", "api")}).empty());
}

}  // namespace
}  // namespace tidemark::ingest
