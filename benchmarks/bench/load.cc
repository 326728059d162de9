#include "benchmarks/bench/load.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "ingest/otlp_json.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace tidemark::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// What one send came to.
struct Outcome {
  bool ok = false;
  bool retryable = false;   // backpressure: the request may be sent again
  std::string error_class;  // "HTTP 400", "gRPC UNAVAILABLE", "connect", ...
  std::string message;
  // OTLP partial success: the request was answered but these items were refused.
  uint64_t rejected = 0;
};

// An OTLP response's partial_success: the items refused and why. A body that does not parse
// counts as none refused (some back ends answer an empty body).
void ReadPartialSuccess(const TargetOptions& t, std::string_view body, bool json, Outcome* out) {
  if (t.protocol == Protocol::kRemoteWrite || body.empty()) return;
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse metrics;
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse traces;
  google::protobuf::Message* m =
      t.signal == Signal::kMetrics ? static_cast<google::protobuf::Message*>(&metrics) : &traces;
  const bool parsed = json ? ingest::ParseOtlpJson(body, m).ok()
                           : m->ParseFromArray(body.data(), static_cast<int>(body.size()));
  if (!parsed) return;
  if (t.signal == Signal::kMetrics) {
    out->rejected = static_cast<uint64_t>(metrics.partial_success().rejected_data_points());
    out->message = metrics.partial_success().error_message();
  } else {
    out->rejected = static_cast<uint64_t>(traces.partial_success().rejected_spans());
    out->message = traces.partial_success().error_message();
  }
  if (out->rejected > 0) out->error_class = "OTLP partial success";
}

class Client {
 public:
  virtual ~Client() = default;
  virtual Outcome Send(const std::string& body) = 0;
};

std::string DefaultPath(const TargetOptions& t) {
  if (!t.path.empty()) return t.path;
  if (t.protocol == Protocol::kRemoteWrite) return "/api/v1/write";
  return t.signal == Signal::kMetrics ? "/v1/metrics" : "/v1/traces";
}

std::pair<std::string, std::string> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return {address, ""};
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, address.substr(colon + 1)};
}

// HTTP/1.1 with keep-alive over plain TCP or TLS (Boost.Beast). A connection the server closed
// is opened again before the next send.
class HttpClient final : public Client {
 public:
  HttpClient(const TargetOptions& target, double timeout_seconds, asio::ssl::context* tls)
      : target_(target),
        path_(DefaultPath(target)),
        timeout_(std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000))),
        tls_(tls) {
    std::tie(host_, port_) = SplitHostPort(target.address);
  }

  Outcome Send(const std::string& body) override {
    // A kept-alive connection the server has since closed fails the first write: open a new one
    // and send once more, which is not a failure of the request.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!connected_) {
        Outcome c = Connect();
        if (!c.ok) return c;
      }
      http::request<http::span_body<const char>> req{http::verb::post, path_, 11};
      req.set(http::field::host, host_);
      req.set(http::field::user_agent, "tidemark-bench");
      req.set(http::field::content_type,
              target_.encoding == Encoding::kJson ? "application/json" : "application/x-protobuf");
      if (target_.protocol == Protocol::kRemoteWrite) {
        req.set(http::field::content_encoding, "snappy");
        if (target_.remote_write_version == 2) {
          req.set(http::field::content_type,
                  "application/x-protobuf;proto=io.prometheus.write.v2.Request");
          req.set("X-Prometheus-Remote-Write-Version", "2.0.0");
        } else {
          req.set("X-Prometheus-Remote-Write-Version", "0.1.0");
        }
      } else if (target_.gzip) {
        req.set(http::field::content_encoding, "gzip");
      }
      for (const auto& [k, v] : target_.headers) req.set(k, v);
      req.body() = beast::span<const char>(body.data(), body.size());
      req.prepare_payload();
      beast::error_code ec;
      http::response<http::string_body> res;
      if (tls_stream_) {
        beast::get_lowest_layer(*tls_stream_).expires_after(timeout_);
        http::write(*tls_stream_, req, ec);
        if (!ec) http::read(*tls_stream_, buffer_, res, ec);
      } else {
        plain_->expires_after(timeout_);
        http::write(*plain_, req, ec);
        if (!ec) http::read(*plain_, buffer_, res, ec);
      }
      if (ec) {
        Close();
        const bool stale =
            attempt == 0 && fresh_uses_ > 0 &&
            (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
             ec == asio::error::broken_pipe || ec == asio::error::eof);
        if (stale) continue;
        return {false, false, ec == beast::error::timeout ? "timeout" : "connection", ec.message()};
      }
      ++fresh_uses_;
      if (!res.keep_alive()) Close();
      const int code = res.result_int();
      if (code >= 200 && code < 300) {
        Outcome ok{true, false, "", ""};
        ReadPartialSuccess(target_, res.body(), target_.encoding == Encoding::kJson, &ok);
        return ok;
      }
      std::string message = res.body().substr(0, 300);
      return {false, code == 429 || code == 502 || code == 503 || code == 504,
              "HTTP " + std::to_string(code), std::move(message)};
    }
    return {false, false, "connection", "the server closed the connection twice"};
  }

 private:
  Outcome Connect() {
    beast::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) return {false, false, "connect", "resolve " + target_.address + ": " + ec.message()};
    if (tls_ != nullptr) {
      tls_stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, *tls_);
      auto& lowest = beast::get_lowest_layer(*tls_stream_);
      lowest.expires_after(timeout_);
      lowest.connect(endpoints, ec);
      const std::string name = target_.tls_server_name.empty() ? host_ : target_.tls_server_name;
      if (!ec && !SSL_set_tlsext_host_name(tls_stream_->native_handle(), name.c_str())) {
        return {false, false, "tls", "setting the TLS server name failed"};
      }
      if (!ec) {
        tls_stream_->set_verify_callback(asio::ssl::host_name_verification(name));
        tls_stream_->handshake(asio::ssl::stream_base::client, ec);
      }
      if (ec) {
        tls_stream_.reset();
        return {false, false, "connect", "connect to " + target_.address + ": " + ec.message()};
      }
    } else {
      plain_ = std::make_unique<beast::tcp_stream>(io_);
      plain_->expires_after(timeout_);
      plain_->connect(endpoints, ec);
      if (ec) {
        plain_.reset();
        return {false, false, "connect", "connect to " + target_.address + ": " + ec.message()};
      }
    }
    connected_ = true;
    fresh_uses_ = 0;
    buffer_.clear();
    return {true, false, "", ""};
  }
  void Close() {
    connected_ = false;
    tls_stream_.reset();
    plain_.reset();
  }

  const TargetOptions& target_;
  const std::string path_;
  const std::chrono::milliseconds timeout_;
  asio::ssl::context* tls_;
  std::string host_, port_;
  asio::io_context io_;
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
  uint64_t fresh_uses_ = 0;
};

// OTLP/gRPC through a generic stub: the encoded bytes go out as they are, so the timed phase does
// not serialise messages. One channel (one HTTP/2 connection) per client.
class GrpcClient final : public Client {
 public:
  GrpcClient(const TargetOptions& target, double timeout_seconds,
             const std::shared_ptr<grpc::ChannelCredentials>& creds)
      : target_(target),
        method_(target.signal == Signal::kMetrics
                    ? "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
                    : "/opentelemetry.proto.collector.trace.v1.TraceService/Export"),
        timeout_(std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000))) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, 256 << 20);
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
    if (!target.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(target.tls_server_name);
    }
    channel_ = grpc::CreateCustomChannel(target.address, creds, args);
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  Outcome Send(const std::string& body) override {
    grpc::Slice slice(body.data(), body.size(), grpc::Slice::STATIC_SLICE);
    const grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
    if (target_.gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [k, v] : target_.headers) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      ctx.AddMetadata(key, v);
    }
    std::promise<grpc::Status> done;
    stub_->UnaryCall(&ctx, method_, grpc::StubOptions(), &request, &response,
                     [&done](grpc::Status status) { done.set_value(std::move(status)); });
    const grpc::Status status = done.get_future().get();
    if (status.ok()) {
      Outcome ok{true, false, "", ""};
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (response.Dump(&slices).ok()) {
        for (const grpc::Slice& sl : slices) {
          bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
        }
      }
      ReadPartialSuccess(target_, bytes, false, &ok);
      return ok;
    }
    const grpc::StatusCode code = status.error_code();
    // The codes OTLP's specification calls retryable.
    const bool retryable =
        code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
        code == grpc::StatusCode::ABORTED || code == grpc::StatusCode::CANCELLED ||
        code == grpc::StatusCode::DEADLINE_EXCEEDED || code == grpc::StatusCode::OUT_OF_RANGE ||
        code == grpc::StatusCode::DATA_LOSS;
    return {false, retryable, "gRPC " + GrpcCodeName(code), status.error_message()};
  }

  static std::string GrpcCodeName(grpc::StatusCode code) {
    static const char* const kNames[] = {"OK",
                                         "CANCELLED",
                                         "UNKNOWN",
                                         "INVALID_ARGUMENT",
                                         "DEADLINE_EXCEEDED",
                                         "NOT_FOUND",
                                         "ALREADY_EXISTS",
                                         "PERMISSION_DENIED",
                                         "RESOURCE_EXHAUSTED",
                                         "FAILED_PRECONDITION",
                                         "ABORTED",
                                         "OUT_OF_RANGE",
                                         "UNIMPLEMENTED",
                                         "INTERNAL",
                                         "UNAVAILABLE",
                                         "DATA_LOSS",
                                         "UNAUTHENTICATED"};
    const int i = static_cast<int>(code);
    return i >= 0 && i < 17 ? kNames[i] : std::to_string(i);
  }

 private:
  const TargetOptions& target_;
  const std::string method_;
  const std::chrono::milliseconds timeout_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Counters shared by the connections and the progress reporter.
struct Shared {
  std::atomic<uint64_t> items_accepted{0};
  std::atomic<uint64_t> requests_failed{0};
  std::mutex recent_mu;
  std::vector<double> recent_latencies;  // since the last progress report
};

// One connection's share of the result.
struct ConnectionResult {
  LoadResult r;
  std::vector<double> latencies;
};

}  // namespace

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  // The epsilon keeps p99.9 of 1,000 values at the 999th, not the 1,000th, despite rounding.
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()) - 1e-9);
  const size_t i = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(sorted.size())));
  return sorted[i - 1];
}

Result<LoadResult> RunLoad(const std::vector<RequestBody>& requests, const TargetOptions& target,
                           const LoadOptions& options) {
  if (options.connections < 1) return Status::InvalidArgument("--connections must be at least 1");
  if (options.rate < 0) return Status::InvalidArgument("--rate must not be negative");

  // Credentials, shared by the connections.
  std::unique_ptr<asio::ssl::context> tls;
  std::shared_ptr<grpc::ChannelCredentials> grpc_creds = grpc::InsecureChannelCredentials();
  if (target.tls) {
    std::string roots;
    if (!target.tls_ca_file.empty()) {
      auto pem = ReadFile(target.tls_ca_file);
      if (!pem.ok()) return pem.status();
      roots = *pem;
    }
    if (target.protocol == Protocol::kOtlpGrpc) {
      grpc::SslCredentialsOptions o;
      o.pem_root_certs = roots;
      grpc_creds = grpc::SslCredentials(o);
    } else {
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      beast::error_code ec;
      if (roots.empty()) {
        tls->set_default_verify_paths(ec);
      } else {
        tls->add_certificate_authority(asio::buffer(roots), ec);
      }
      if (ec) return Status::InvalidArgument("TLS roots: " + ec.message());
      tls->set_verify_mode(asio::ssl::verify_peer);
    }
  }
  auto make_client = [&]() -> std::unique_ptr<Client> {
    if (target.protocol == Protocol::kOtlpGrpc) {
      return std::make_unique<GrpcClient>(target, options.timeout_seconds, grpc_creds);
    }
    return std::make_unique<HttpClient>(target, options.timeout_seconds, tls.get());
  };

  // Each connection's requests, in order, with the time the open-loop schedule sends them at
  // (seconds from the start): the global order spread evenly by items at `rate`.
  const int n = options.connections;
  struct Scheduled {
    const RequestBody* body;
    double at;
  };
  std::vector<std::vector<Scheduled>> queues(n);
  double items_before = 0;
  for (const RequestBody& r : requests) {
    const double at = options.rate > 0 ? items_before / options.rate : 0;
    queues[r.order_key % static_cast<uint64_t>(n)].push_back({&r, at});
    items_before += static_cast<double>(r.items);
  }

  Shared shared;
  const Clock::time_point start = Clock::now();
  const auto seconds_since = [&](Clock::time_point t) {
    return std::chrono::duration<double>(t - start).count();
  };
  const double warmup = options.warmup_seconds;
  const double stop_sending_at =
      options.duration_seconds > 0 ? warmup + options.duration_seconds : 1e300;
  std::vector<ConnectionResult> results(n);
  std::atomic<int> connections_up{0};
  std::string connect_error;
  std::mutex connect_error_mu;

  std::vector<std::thread> workers;
  for (int c = 0; c < n; ++c) {
    workers.emplace_back([&, c] {
      ConnectionResult& out = results[c];
      std::unique_ptr<Client> client = make_client();
      bool counted_up = false;
      for (size_t qi = 0; qi < queues[c].size(); ++qi) {
        const Scheduled& s = queues[c][qi];
        const Clock::time_point intended = start + std::chrono::duration_cast<Clock::duration>(
                                                       std::chrono::duration<double>(s.at));
        if (options.rate > 0) std::this_thread::sleep_until(intended);
        const Clock::time_point sent = Clock::now();
        if (seconds_since(sent) >= stop_sending_at) {
          out.r.requests_unsent += queues[c].size() - qi;
          break;
        }
        Outcome outcome;
        for (int attempt = 0; attempt < std::max(1, options.max_attempts); ++attempt) {
          if (attempt > 0) {
            ++out.r.retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(50 << std::min(attempt - 1, 4)));
          }
          outcome = client->Send(s.body->bytes);
          if (outcome.ok || !outcome.retryable) break;
        }
        const Clock::time_point done = Clock::now();
        if (outcome.ok && !counted_up) {
          counted_up = true;
          ++connections_up;
        }
        if (!outcome.ok && outcome.error_class == "connect" && !counted_up) {
          std::lock_guard lock(connect_error_mu);
          if (connect_error.empty()) connect_error = outcome.message;
        }
        // Open loop: from when the schedule meant to send it; closed loop: from the send.
        const double latency_ms =
            std::chrono::duration<double, std::milli>(done - (options.rate > 0 ? intended : sent))
                .count();
        const bool measured = seconds_since(done) >= warmup;
        const uint64_t rejected = outcome.ok ? std::min(outcome.rejected, s.body->items) : 0;
        if (outcome.ok) {
          shared.items_accepted += s.body->items - rejected;
          out.r.items_accepted_total += s.body->items - rejected;
          if (rejected > 0) ++shared.requests_failed;
        } else {
          ++shared.requests_failed;
        }
        {
          std::lock_guard lock(shared.recent_mu);
          shared.recent_latencies.push_back(latency_ms);
        }
        if (!measured) continue;
        out.latencies.push_back(latency_ms);
        if (outcome.ok) {
          ++out.r.requests_ok;
          out.r.items_accepted += s.body->items - rejected;
          if (rejected > 0) {
            out.r.items_rejected += rejected;
            ++out.r.errors[outcome.error_class];
            if (out.r.first_error.empty()) {
              out.r.first_error = outcome.error_class + ": " + std::to_string(rejected) + " of " +
                                  std::to_string(s.body->items) + " refused: " + outcome.message;
            }
          }
        } else {
          ++out.r.requests_failed;
          out.r.items_failed += s.body->items;
          ++out.r.errors[outcome.error_class];
          if (out.r.first_error.empty()) {
            out.r.first_error = outcome.error_class + ": " + outcome.message;
          }
        }
      }
    });
  }

  // Progress, once a second, until the workers are done.
  std::atomic<bool> finished{false};
  std::thread reporter;
  if (options.on_progress) {
    reporter = std::thread([&] {
      uint64_t last_items = 0;
      Clock::time_point last = start;
      while (!finished) {
        for (int i = 0; i < 10 && !finished; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        const Clock::time_point now = Clock::now();
        Progress p;
        p.elapsed_seconds = seconds_since(now);
        p.items_accepted = shared.items_accepted;
        p.requests_failed = shared.requests_failed;
        const double dt = std::chrono::duration<double>(now - last).count();
        p.items_per_second = dt > 0 ? static_cast<double>(p.items_accepted - last_items) / dt : 0;
        std::vector<double> recent;
        {
          std::lock_guard lock(shared.recent_mu);
          recent.swap(shared.recent_latencies);
        }
        std::sort(recent.begin(), recent.end());
        p.last_p99_ms = Percentile(recent, 99);
        last_items = p.items_accepted;
        last = now;
        options.on_progress(p);
      }
    });
  }
  for (auto& w : workers) w.join();
  const Clock::time_point end = Clock::now();
  finished = true;
  if (reporter.joinable()) reporter.join();

  if (connections_up == 0 && !connect_error.empty()) {
    return Status::Unavailable(connect_error);
  }
  LoadResult total;
  for (ConnectionResult& c : results) {
    total.requests_ok += c.r.requests_ok;
    total.items_accepted += c.r.items_accepted;
    total.requests_failed += c.r.requests_failed;
    total.items_failed += c.r.items_failed;
    total.items_rejected += c.r.items_rejected;
    total.retries += c.r.retries;
    total.items_accepted_total += c.r.items_accepted_total;
    total.requests_unsent += c.r.requests_unsent;
    for (const auto& [k, v] : c.r.errors) total.errors[k] += v;
    if (total.first_error.empty()) total.first_error = c.r.first_error;
    total.latencies_ms.insert(total.latencies_ms.end(), c.latencies.begin(), c.latencies.end());
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  total.measured_start_seconds = std::min(warmup, seconds_since(end));
  total.measured_seconds = seconds_since(end) - total.measured_start_seconds;
  return total;
}

}  // namespace tidemark::bench
