// `tidemark serve`: the engine behind OTLP (gRPC and HTTP), remote_write and the HTTP API.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <sstream>
#include <thread>

#include "server/commands.h"
#include "server/config.h"
#include "server/grpc_services.h"
#include "server/http_server.h"
#include "server/log.h"
#include "server/notifier.h"
#include "server/receivers.h"
#include "server/self_metrics.h"
#include "tidemark/version.h"

namespace tidemark::server {
namespace {

std::string ReadFile(const std::string& path, Status* s) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *s = Status::InvalidArgument("cannot read " + path);
    return "";
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int RunServe(const ServerConfig& config) {
  // Signals are taken synchronously by this thread; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (!SetLogLevel(config.log_level)) {
    std::fprintf(stderr,
                 "tidemark: config key \"log_level\": \"%s\" is not debug, info, warn or error\n",
                 config.log_level.c_str());
    return 2;
  }
  std::string http_host, otlp_http_host, grpc_host;
  uint16_t http_port, otlp_http_port, grpc_port;
  for (auto [addr, host, port, key] :
       {std::tuple{&config.http_addr, &http_host, &http_port, "http_addr"},
        std::tuple{&config.otlp_http_addr, &otlp_http_host, &otlp_http_port, "otlp_http_addr"},
        std::tuple{&config.otlp_grpc_addr, &grpc_host, &grpc_port, "otlp_grpc_addr"}}) {
    Status s = ParseListenAddress(*addr, host, port);
    if (!s.ok()) {
      std::fprintf(stderr, "tidemark: config key \"%s\": %s\n", key, s.message().c_str());
      return 2;
    }
  }
  const bool tls = !config.tls_cert_file.empty() || !config.tls_key_file.empty();
  if (tls && (config.tls_cert_file.empty() || config.tls_key_file.empty())) {
    std::fprintf(
        stderr,
        "tidemark: config keys \"tls.cert_file\" and \"tls.key_file\" must be set together\n");
    return 2;
  }

  Options engine_options = config.engine;
  engine_options.on_background_error = [](const Status& s) {
    LogError("background work failed; writes that depend on it are refused until it succeeds",
             {{"error", s.ToString()}});
  };
  auto opened = Engine::Open(engine_options, config.data_dir);
  if (!opened.ok()) {
    std::fprintf(stderr, "tidemark: open %s: %s\n", config.data_dir.c_str(),
                 opened.status().ToString().c_str());
    return opened.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::unique_ptr<Engine> engine = std::move(opened).value();
  for (const std::string& m : engine->recovery().messages) LogInfo("recovery", {{"detail", m}});

  SelfMetrics metrics;
  // Alert delivery; the rule evaluator sends through it. External labels come with the
  // configuration's `global` section once there is one.
  NotifierOptions notifier_options;
  notifier_options.external_url = (tls ? "https://" : "http://") + config.http_addr;
  notifier_options.user_agent = "tidemark/" TIDEMARK_VERSION_STRING;
  auto created = Notifier::Create(config.alerting, Labels(), notifier_options);
  if (!created.ok()) {
    std::fprintf(stderr, "tidemark: %s\n", created.status().message().c_str());
    return 2;
  }
  std::unique_ptr<Notifier> notifier = std::move(created).value();
  metrics.AddSource([n = notifier.get()] { return NotifierMetrics(n->Stats()); });
  Receivers receivers(engine.get(), &metrics, config, notifier.get());

  // gRPC first: it can report the port it bound.
  // Declared before the gRPC server: its Shutdown waits for exports the pool is running.
  WorkerPool grpc_workers(static_cast<int>(config.otlp_grpc_workers),
                          static_cast<size_t>(config.otlp_grpc_max_queued));
  TraceGrpcService trace_service(&receivers, &grpc_workers, "trace");
  MetricsGrpcService metrics_service(&receivers, &grpc_workers, "metrics");
  LogsGrpcService logs_service;
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (tls) {
    Status s;
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back(
        {ReadFile(config.tls_key_file, &s), ReadFile(config.tls_cert_file, &s)});
    if (!s.ok()) {
      std::fprintf(stderr, "tidemark: tls: %s\n", s.message().c_str());
      return 2;
    }
    credentials = grpc::SslServerCredentials(ssl);
  }
  int bound_grpc_port = 0;
  builder.AddListeningPort(grpc_host + ":" + std::to_string(grpc_port), credentials,
                           &bound_grpc_port);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(std::min<uint64_t>(config.max_request_bytes, INT32_MAX)));
  builder.RegisterService(&trace_service);
  builder.RegisterService(&metrics_service);
  builder.RegisterService(&logs_service);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  if (!grpc_server || bound_grpc_port == 0) {
    LogError("cannot listen", {{"addr", config.otlp_grpc_addr}});
    return 1;
  }
  HttpServer::Settings api_settings{
      http_host,          http_port, config.max_request_bytes, 512, config.tls_cert_file,
      config.tls_key_file};
  auto api =
      HttpServer::Start(api_settings, [&](const HttpRequest& r) { return receivers.HandleApi(r); });
  HttpServer::Settings otlp_settings{otlp_http_host,           otlp_http_port,
                                     config.max_request_bytes, 512,
                                     config.tls_cert_file,     config.tls_key_file};
  auto otlp = HttpServer::Start(otlp_settings,
                                [&](const HttpRequest& r) { return receivers.HandleOtlpHttp(r); });
  if (!api.ok() || !otlp.ok()) {
    LogError("cannot listen", {{"error", (!api.ok() ? api.status() : otlp.status()).ToString()}});
    grpc_server->Shutdown();
    return 1;
  }
  LogInfo("listening", {{"http_addr", http_host + ":" + std::to_string((*api)->port())},
                        {"otlp_http_addr", otlp_http_host + ":" + std::to_string((*otlp)->port())},
                        {"otlp_grpc_addr", grpc_host + ":" + std::to_string(bound_grpc_port)},
                        {"data_dir", config.data_dir}});
  receivers.SetReady(true);

  // The server's own metrics go into the engine too, so they can be queried.
  std::mutex scrape_mu;
  std::condition_variable scrape_cv;
  bool stopping = false;
  std::thread self_scrape([&] {
    if (config.self_scrape_interval_ms <= 0) return;
    std::unique_lock lock(scrape_mu);
    while (!scrape_cv.wait_for(lock, std::chrono::milliseconds(config.self_scrape_interval_ms),
                               [&] { return stopping; })) {
      const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      auto appender = engine->NewAppender();
      for (auto& [labels, value] : metrics.Collect(*engine)) {
        std::vector<Label> with_job = labels.items();
        with_job.push_back({"job", "tidemark"});
        with_job.push_back({"instance", config.http_addr});
        appender->Add(Labels(std::move(with_job)), now, value);
      }
      auto r = appender->Commit();
      if (!r.ok()) LogError("self scrape failed", {{"error", r.status().ToString()}});
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  receivers.SetReady(false);
  // Stop accepting; requests in flight finish.
  (*otlp)->Stop();
  (*api)->Stop();
  grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  {
    std::lock_guard lock(scrape_mu);
    stopping = true;
  }
  scrape_cv.notify_all();
  self_scrape.join();
  notifier->Stop();  // sends what is queued, for at most alerting.drain_timeout
  Status flushed = engine->Flush();
  if (!flushed.ok()) LogError("final flush failed", {{"error", flushed.ToString()}});
  engine.reset();
  LogInfo("stopped");
  return flushed.ok() ? 0 : 1;
}

}  // namespace tidemark::server
