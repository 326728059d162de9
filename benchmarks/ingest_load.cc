// tidemark-ingest-load: an ingestion load generator. Encodes every request before the timed
// phase, sends them over N concurrent connections to an OTLP or remote_write endpoint, and
// reports items/s, request latency percentiles and (given the server's PID) server CPU per item.
//   tidemark_ingest_load --protocol remote_write --target 127.0.0.1:9090 --server-pid 1234
// Protocols: remote_write, otlp_grpc_metrics, otlp_http_metrics, otlp_grpc_traces,
// otlp_http_traces.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <snappy.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include "datagen/dataset.h"
#include "datagen/span_dataset.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "prometheus/remote.pb.h"

namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
namespace tpb = opentelemetry::proto::collector::trace::v1;
namespace mpb = opentelemetry::proto::collector::metrics::v1;

double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  const size_t close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

void SetAttr(opentelemetry::proto::common::v1::KeyValue* kv, const std::string& k,
             const std::string& v) {
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

void FromSpan(const tidemark::Span& s, opentelemetry::proto::trace::v1::Span* p) {
  p->set_trace_id(s.trace_id);
  p->set_span_id(s.span_id);
  p->set_parent_span_id(s.parent_span_id);
  p->set_name(s.name);
  p->set_kind(static_cast<opentelemetry::proto::trace::v1::Span::SpanKind>(s.kind));
  p->set_start_time_unix_nano(s.start_time_unix_nano);
  p->set_end_time_unix_nano(s.end_time_unix_nano);
  for (const auto& kv : s.attributes) {
    auto* a = p->add_attributes();
    a->set_key(kv.key);
    switch (kv.value.type) {
      case tidemark::AnyValue::Type::kInt:
        a->mutable_value()->set_int_value(kv.value.int_value);
        break;
      case tidemark::AnyValue::Type::kDouble:
        a->mutable_value()->set_double_value(kv.value.double_value);
        break;
      case tidemark::AnyValue::Type::kBool:
        a->mutable_value()->set_bool_value(kv.value.bool_value);
        break;
      default:
        a->mutable_value()->set_string_value(kv.value.ToString());
        break;
    }
  }
  for (const auto& e : s.events) {
    auto* ev = p->add_events();
    ev->set_time_unix_nano(e.time_unix_nano);
    ev->set_name(e.name);
    for (const auto& kv : e.attributes) SetAttr(ev->add_attributes(), kv.key, kv.value.ToString());
  }
  p->mutable_status()->set_code(
      static_cast<opentelemetry::proto::trace::v1::Status::StatusCode>(s.status_code));
  p->mutable_status()->set_message(s.status_message);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tidemark ingestion load generator"};
  std::string protocol = "remote_write", target = "127.0.0.1:9090";
  int connections = 4, server_pid = 0;
  uint64_t series = 10'000, scrapes = 360, series_per_request = 1'000, spans = 400'000,
           spans_per_request = 1'000;
  app.add_option("--protocol", protocol)
      ->check(CLI::IsMember({"remote_write", "otlp_grpc_metrics", "otlp_http_metrics",
                             "otlp_grpc_traces", "otlp_http_traces"}));
  app.add_option("--target", target, "HOST:PORT");
  app.add_option("--connections", connections)->check(CLI::Range(1, 256));
  app.add_option("--series", series);
  app.add_option("--scrapes", scrapes);
  app.add_option("--series-per-request", series_per_request);
  app.add_option("--spans", spans);
  app.add_option("--spans-per-request", spans_per_request);
  app.add_option("--server-pid", server_pid, "measure this process' CPU time");
  CLI11_PARSE(app, argc, argv);

  // Encode everything first.
  std::vector<std::string> bodies;
  uint64_t items = 0;
  const uint64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  const bool metrics_protocol = protocol == "remote_write" || protocol == "otlp_grpc_metrics" ||
                                protocol == "otlp_http_metrics";
  if (metrics_protocol) {
    tidemark::datagen::DatasetOptions dopts;
    dopts.series = series;
    dopts.start_ms = static_cast<int64_t>(now_ms) - static_cast<int64_t>(scrapes) * 15'000;
    tidemark::datagen::MetricsDataset dataset(dopts);
    std::vector<tidemark::Sample> samples;
    for (uint64_t k = 0; k < scrapes; ++k) {
      dataset.NextScrape(&samples);
      for (size_t begin = 0; begin < samples.size(); begin += series_per_request) {
        const size_t end = std::min<size_t>(samples.size(), begin + series_per_request);
        std::string body;
        if (protocol == "remote_write") {
          prometheus::WriteRequest req;
          for (size_t i = begin; i < end; ++i) {
            auto* ts = req.add_timeseries();
            for (const auto& l : dataset.series()[i]) {
              auto* pl = ts->add_labels();
              pl->set_name(l.name);
              pl->set_value(l.value);
            }
            auto* s = ts->add_samples();
            s->set_timestamp(samples[i].timestamp_ms);
            s->set_value(samples[i].value);
          }
          snappy::Compress(req.SerializeAsString().data(), req.ByteSizeLong(), &body);
        } else {
          mpb::ExportMetricsServiceRequest req;
          auto* rm = req.add_resource_metrics();
          SetAttr(rm->mutable_resource()->add_attributes(), "service.name", "load");
          auto* sm = rm->add_scope_metrics();
          for (size_t i = begin; i < end; ++i) {
            auto* m = sm->add_metrics();
            m->set_name(std::string(dataset.series()[i].Get("__name__")));
            auto* p = m->mutable_gauge()->add_data_points();
            p->set_time_unix_nano(static_cast<uint64_t>(samples[i].timestamp_ms) * 1'000'000);
            p->set_as_double(samples[i].value);
            for (const auto& l : dataset.series()[i]) {
              if (l.name != "__name__") SetAttr(p->add_attributes(), l.name, l.value);
            }
          }
          body = req.SerializeAsString();
        }
        items += end - begin;
        bodies.push_back(std::move(body));
      }
    }
  } else {
    tidemark::datagen::SpanDatasetOptions dopts;
    dopts.start_unix_nano = (now_ms - 3'600'000) * 1'000'000;
    tidemark::datagen::SpanDataset dataset(dopts);
    while (items < spans) {
      std::vector<tidemark::Span> batch;
      while (batch.size() < spans_per_request) dataset.NextTrace(&batch);
      tpb::ExportTraceServiceRequest req;
      auto* rs = req.add_resource_spans();
      for (const auto& kv : batch[0].resource_attributes)
        SetAttr(rs->mutable_resource()->add_attributes(), kv.key, kv.value.ToString());
      auto* ss = rs->add_scope_spans();
      for (const auto& s : batch) FromSpan(s, ss->add_spans());
      items += batch.size();
      bodies.push_back(req.SerializeAsString());
    }
  }
  const size_t host_end = target.rfind(':');
  const std::string host = target.substr(0, host_end);
  const uint16_t port = static_cast<uint16_t>(std::stoi(target.substr(host_end + 1)));

  // gRPC requests go out as the bytes encoded above (a generic stub), so the timed phase does not
  // serialise messages: the client costs what an exporter's network path costs.
  const std::string grpc_method =
      metrics_protocol ? "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
                       : "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> failures{0}, retries{0};
  constexpr int kMaxAttempts = 100;
  std::vector<std::vector<double>> latencies(connections);
  const double cpu_before = server_pid ? CpuSeconds(server_pid) : 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int c = 0; c < connections; ++c) {
    workers.emplace_back([&, c] {
      const bool grpc = protocol.rfind("otlp_grpc", 0) == 0;
      std::shared_ptr<grpc::Channel> channel;
      std::unique_ptr<grpc::GenericStub> stub;
      boost::asio::io_context io;
      tcp::socket socket(io);
      if (grpc) {
        grpc::ChannelArguments args;
        args.SetInt(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, 64 << 20);
        args.SetInt("grpc.use_local_subchannel_pool", 1);  // one connection per worker
        channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
        stub = std::make_unique<grpc::GenericStub>(channel);
      } else {
        socket.connect(tcp::endpoint(boost::asio::ip::make_address(host), port));
      }
      boost::beast::flat_buffer buffer;
      for (size_t i = next++; i < bodies.size(); i = next++) {
        const auto start = std::chrono::steady_clock::now();
        // A request refused for backpressure (UNAVAILABLE, RESOURCE_EXHAUSTED, 429, 503) is sent
        // again with exponential backoff, as exporters retry (from 50 ms, doubling to 1 s: the
        // SDKs start at 1 s, which would leave this short run idle), at most kMaxAttempts
        // times: items/s counts only what the server accepted, and the request's latency runs
        // until it is accepted.
        bool ok = false;
        for (int attempt = 0; attempt < kMaxAttempts && !ok; ++attempt) {
          if (attempt > 0) {
            ++retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(50 << std::min(attempt - 1, 4)));
          }
          bool retryable = false;
          if (grpc) {
            grpc::Slice slice(bodies[i].data(), bodies[i].size(), grpc::Slice::STATIC_SLICE);
            const grpc::ByteBuffer request(&slice, 1);
            grpc::ByteBuffer response;
            grpc::ClientContext ctx;
            std::promise<grpc::Status> done;
            stub->UnaryCall(&ctx, grpc_method, grpc::StubOptions(), &request, &response,
                            [&done](grpc::Status status) { done.set_value(std::move(status)); });
            const grpc::Status status = done.get_future().get();
            ok = status.ok();
            retryable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                        status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
          } else {
            const char* path = protocol == "remote_write"        ? "/api/v1/write"
                               : protocol == "otlp_http_metrics" ? "/v1/metrics"
                                                                 : "/v1/traces";
            http::request<http::string_body> req{http::verb::post, path, 11};
            req.set(http::field::host, host);
            req.set(http::field::content_type, "application/x-protobuf");
            if (protocol == "remote_write") req.set(http::field::content_encoding, "snappy");
            req.body() = bodies[i];
            req.prepare_payload();
            boost::system::error_code ec;
            http::write(socket, req, ec);
            http::response<http::string_body> res;
            if (!ec) http::read(socket, buffer, res, ec);
            ok = !ec && res.result_int() < 300;
            retryable = !ec && (res.result_int() == 429 || res.result_int() == 503);
          }
          if (!ok && !retryable) break;
        }
        if (!ok) ++failures;
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count());
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = server_pid ? CpuSeconds(server_pid) - cpu_before : 0;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  std::printf(
      "protocol=%s requests=%zu items=%llu connections=%d failures=%llu retries=%llu "
      "seconds=%.3f "
      "items_per_s=%.0f "
      "p50_ms=%.2f p99_ms=%.2f server_cpu_s=%.3f server_cpu_us_per_item=%.3f\n",
      protocol.c_str(), bodies.size(), (unsigned long long)items, connections,
      (unsigned long long)failures.load(), (unsigned long long)retries.load(), seconds,
      double(items) / seconds, all[all.size() / 2], all[all.size() * 99 / 100], cpu,
      server_pid ? cpu * 1e6 / double(items) : 0.0);
  return failures == 0 ? 0 : 1;
}
