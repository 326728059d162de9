// `tidemark serve`: the engine behind OTLP (gRPC and HTTP), remote_write and the HTTP API.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "query/rules/rule_file.h"
#include "server/api_params.h"
#include "server/commands.h"
#include "server/config.h"
#include "server/grpc_services.h"
#include "server/http_server.h"
#include "server/log.h"
#include "server/notifier.h"
#include "server/receivers.h"
#include "server/rules_manager.h"
#include "server/scrape_manager.h"
#include "server/self_metrics.h"
#include "server/tenant_rules.h"
#include "tidemark/version.h"
#include "util/status_macros.h"

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

// Rule evaluation settings from the config: Prometheus' global keys and --rules.* flags, as the
// embedding API's options (rules_manager.h turns them into the evaluator's).
RuleEvaluatorOptions RuleEvaluatorOptionsFor(const ServerConfig& config, bool tls) {
  RuleEvaluatorOptions o;
  o.default_interval_ms = config.global.evaluation_interval_ms;
  o.default_query_offset_ms = config.global.rule_query_offset_ms;
  o.resend_delay_ms = config.rules.resend_delay_ms;
  o.for_grace_period_ms = config.rules.for_grace_period_ms;
  o.outage_tolerance_ms = config.rules.outage_tolerance_ms;
  o.external_labels = config.global.external_labels;
  o.external_url = config.external_url;
  if (o.external_url.empty()) {
    const std::string host =
        config.http_addr.starts_with(":") ? "localhost" + config.http_addr : config.http_addr;
    o.external_url = (tls ? "https://" : "http://") + host + "/";
  }
  o.query.experimental_functions = config.query.experimental_functions;
  o.query.duration_expressions = config.query.duration_expressions;
  o.query.lookback_delta_ms = config.query.lookback_delta_ms;
  o.query.max_samples = config.query.max_samples;
  o.query.max_result_points = config.query.max_result_points;
  o.query.max_bytes_per_query = config.query.max_bytes_per_query;
  o.query.default_subquery_step_ms = config.query.default_subquery_step_ms;
  o.query.timeout = std::chrono::milliseconds(config.query.timeout_ms);
  o.max_concurrent_evaluations = static_cast<int>(config.rules.max_concurrent_evaluations);
  o.evaluation_nice = static_cast<int>(config.rules.evaluation_nice);
  return o;
}

// The rule groups of rule files `patterns` (the default tenant's rule_files, or another tenant's
// tenants.rule_files); relative paths are relative to the config file, as in Prometheus.
Result<std::vector<rules::GroupSpec>> RuleGroupsOf(const ServerConfig& config,
                                                   const std::vector<std::string>& patterns,
                                                   bool tls) {
  const std::string base = config.config_file.empty()
                               ? std::string()
                               : std::filesystem::path(config.config_file).parent_path().string();
  return LoadRuleGroups(patterns, base, RuleFileOptionsFor(RuleEvaluatorOptionsFor(config, tls)));
}

Result<std::vector<rules::GroupSpec>> ConfiguredRuleGroups(const ServerConfig& config, bool tls) {
  return RuleGroupsOf(config, config.rules.rule_files, tls);
}

// Every other tenant's rule groups (tenants.rule_files); an error names the tenant.
Result<std::map<std::string, std::vector<rules::GroupSpec>>> TenantRuleGroups(
    const ServerConfig& config, bool tls) {
  std::map<std::string, std::vector<rules::GroupSpec>> out;
  for (const auto& [id, patterns] : config.tenants.rule_files) {
    auto groups = RuleGroupsOf(config, patterns, tls);
    if (!groups.ok()) {
      return Status(groups.status().code(), "tenant \"" + id + "\": " + groups.status().message());
    }
    out[id] = std::move(groups).value();
  }
  return out;
}

// The jobs to scrape: the configuration's, or, when it has none, the server's own /metrics as job
// "tidemark" every self_scrape_interval (0: none), as Prometheus' default configuration scrapes
// Prometheus. `self_address` is the API listener's host:port.
std::vector<ScrapeConfig> ScrapeJobsFor(const ServerConfig& config, const std::string& self_address,
                                        bool tls, const std::string& self_token) {
  if (!config.scrape.scrape_configs.empty()) return config.scrape.scrape_configs;
  if (config.self_scrape_interval_ms <= 0) return {};
  ScrapeConfig job;
  job.job_name = "tidemark";
  job.scrape_interval_ms = config.self_scrape_interval_ms;
  job.scrape_timeout_ms = std::min<int64_t>(10'000, config.self_scrape_interval_ms);
  job.scrape_protocols = DefaultScrapeProtocols();
  if (tls) {
    job.scheme = "https";
    // The server's own certificate need not name 127.0.0.1; the address is this process.
    job.http.tls.insecure_skip_verify = true;
    // With client certificates required, the server presents its own: it passes when the CA
    // that verifies clients signed it (docs/auth.md), else the target shows the handshake error.
    if (config.tls_client_auth_type == "RequireAndVerifyClientCert") {
      job.http.tls.cert_file = config.tls_cert_file;
      job.http.tls.key_file = config.tls_key_file;
    }
  }
  // With authentication on, the server reads its own /metrics with a token of its own.
  if (!self_token.empty()) job.http.authorization = AuthorizationConfig{"Bearer", self_token, ""};
  job.static_configs.push_back({{self_address}, Labels()});
  return {job};
}

// 32 random bytes as hex, from the kernel's generator.
std::string RandomToken() {
  std::random_device device;
  std::string out;
  for (int i = 0; i < 8; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", device());
    out += buf;
  }
  return out;
}

// Raises the open-file limit to its hard limit, as Go programs such as Prometheus do: every
// connection is a descriptor, and the data store holds files open. Says when the limit is below
// what web.max_connections and the store may need.
void RaiseFileLimit(const ServerConfig& config) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  // Both HTTP listeners may each hold max_connections, plus the store's files and the scrapes'.
  const uint64_t wanted = 2 * static_cast<uint64_t>(config.max_connections) + 4096;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    LogInfo(
        "open-file limit below what web.max_connections may need; past it, connections are "
        "refused",
        {{"limit", std::to_string(limit.rlim_cur)}, {"wanted", std::to_string(wanted)}});
  }
}

}  // namespace

int RunServe(const ServerConfig& config, ConfigLoader reload_config) {
  // Signals are taken synchronously by this thread; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (!SetLogLevel(config.log_level)) {
    std::fprintf(stderr,
                 "tidemark: config key \"log_level\": \"%s\" is not debug, info, warn or error\n",
                 config.log_level.c_str());
    return 2;
  }
  RaiseFileLimit(config);
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
  if (!tls && config.tls_client_auth_type != "NoClientCert") {
    std::fprintf(stderr,
                 "tidemark: config key \"tls.client_auth_type\": client certificates need TLS "
                 "(tls.cert_file and tls.key_file)\n");
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
  // Alert delivery; the rule evaluator sends through it.
  const RulesManagerOptions rules_options =
      RulesManagerOptionsFor(RuleEvaluatorOptionsFor(config, tls));
  NotifierOptions notifier_options;
  notifier_options.external_url = rules_options.rules.external_url;
  notifier_options.user_agent = "tidemark/" TIDEMARK_VERSION_STRING;
  auto created = Notifier::Create(config.alerting, config.global.external_labels, notifier_options);
  if (!created.ok()) {
    std::fprintf(stderr, "tidemark: %s\n", created.status().message().c_str());
    return 2;
  }
  std::unique_ptr<Notifier> notifier = std::move(created).value();
  metrics.AddSource([n = notifier.get()] { return NotifierMetrics(n->Stats()); });
  ScrapeManager scrape(engine.get(),
                       ScrapeManagerOptions{.user_agent = "tidemark/" TIDEMARK_VERSION_STRING});
  metrics.AddSource([&scrape] {
    std::vector<std::pair<Labels, double>> out;
    scrape.CollectMetrics(&out);
    return out;
  });
  // Set once the API listener has its port (the self-scrape target), before any reload.
  std::string self_address;
  // Authentication (web.auth): checked here, so that a bad hash or token file stops the start.
  // The self-scrape gets a random token of its own with the read role. Changes need a restart.
  std::string self_token;
  std::unique_ptr<Authenticator> authenticator;
  {
    AuthConfig auth = config.auth;
    if (auth.enabled()) {
      self_token = RandomToken();
      auth.bearer_token_values["tidemark-self-scrape"] = self_token;
      auth.readers.push_back("tidemark-self-scrape");
      // It reads the server endpoints, which are no tenant's; bound like any name if names are.
      if (!auth.tenants.empty())
        auth.tenants["tidemark-self-scrape"] = {config.tenants.default_tenant};
    }
    auto created = Authenticator::Create(auth);
    if (!created.ok()) {
      std::fprintf(stderr, "tidemark: %s\n", created.status().message().c_str());
      return 2;
    }
    authenticator = std::move(created).value();
  }
  RulesManager rules(engine.get(), rules_options, NotifyThrough(notifier.get()));
  // Other tenants' rules (tenants.rule_files), made once the tenants can be opened, below.
  std::unique_ptr<TenantRules> tenant_rules;
  {
    auto groups = ConfiguredRuleGroups(config, tls);
    Status s = groups.ok() ? rules.Update(std::move(groups).value()) : groups.status();
    if (!s.ok()) {
      std::fprintf(stderr, "tidemark: rule_files: %s\n", s.message().c_str());
      return 2;
    }
  }
  // A reload applies the rule files of the configuration read again; anything wrong keeps the
  // rules running as they were.
  std::mutex reload_mu;
  std::atomic<bool> last_reload_ok{true};
  std::atomic<int64_t> last_reload_ms{NowMs()};
  Receivers* reconfigured_receivers = nullptr;  // set once made, below: tenants' limits
  auto reload = [&]() -> Status {
    std::lock_guard lock(reload_mu);
    Status s = [&]() -> Status {
      if (!reload_config) return Status::Unavailable("the configuration cannot be read again");
      TM_ASSIGN_OR_RETURN(ServerConfig fresh, reload_config());
      TM_ASSIGN_OR_RETURN(std::vector<rules::GroupSpec> groups, ConfiguredRuleGroups(fresh, tls));
      TM_ASSIGN_OR_RETURN(auto tenant_groups, TenantRuleGroups(fresh, tls));
      if (!tenant_groups.empty() && tenant_rules == nullptr) {
        return Status::InvalidArgument("tenants.rule_files needs a restart to be turned on");
      }
      if (reconfigured_receivers != nullptr) {
        TM_RETURN_IF_ERROR(reconfigured_receivers->ReconfigureTenants(fresh));
      }
      TM_RETURN_IF_ERROR(scrape.ApplyConfig(ScrapeJobsFor(fresh, self_address, tls, self_token)));
      // The rules first: a bad rule file changes nothing. The notifier's settings were checked
      // when read; should applying them fail after all, the new rules stay and the error is
      // reported.
      TM_RETURN_IF_ERROR(rules.Update(std::move(groups)));
      if (tenant_rules != nullptr) {
        TM_RETURN_IF_ERROR(tenant_rules->Apply(std::move(tenant_groups), fresh.alerting,
                                               fresh.global.external_labels));
      }
      return notifier->ApplyConfig(fresh.alerting, fresh.global.external_labels);
    }();
    last_reload_ok = s.ok();
    if (s.ok()) {
      last_reload_ms = NowMs();
      LogInfo("configuration reloaded");
    } else {
      LogError("reload failed; the previous configuration stays", {{"error", s.ToString()}});
    }
    return s;
  };
  metrics.AddSource([&] {
    std::vector<std::pair<Labels, double>> out;
    out.emplace_back(Labels{{"__name__", "tidemark_config_last_reload_successful"}},
                     last_reload_ok ? 1 : 0);
    out.emplace_back(Labels{{"__name__", "tidemark_config_last_reload_success_timestamp_seconds"}},
                     static_cast<double>(last_reload_ms.load()) / 1000);
    return out;
  });
  metrics.AddSource([&rules, &tenant_rules] {
    std::vector<std::pair<Labels, double>> out;
    rules.CollectMetrics(&out);
    if (tenant_rules != nullptr) {
      tenant_rules->CollectMetrics(&out);
      // Family by family, so that /metrics writes each TYPE line once.
      std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.first.Get("__name__") < b.first.Get("__name__");
      });
    }
    return out;
  });
  Receivers receivers(engine.get(), &metrics, config, &rules, notifier.get(), &scrape,
                      authenticator.get());
  receivers.SetReloader(reload);
  reconfigured_receivers = &receivers;
  if (Status s = receivers.OpenTenants(); !s.ok()) {
    std::fprintf(stderr, "tidemark: tenants: %s\n", s.ToString().c_str());
    return 1;
  }
  // Gone before the receivers, whose tenants' engines the rules use, on every way out.
  struct ResetTenantRules {
    std::unique_ptr<TenantRules>& rules;
    ~ResetTenantRules() { rules.reset(); }
  } reset_tenant_rules{tenant_rules};
  if (!config.tenants.rule_files.empty()) {
    tenant_rules = std::make_unique<TenantRules>(
        rules_options, notifier_options,
        [&receivers](const std::string& id) { return receivers.OpenTenant(id); });
    auto groups = TenantRuleGroups(config, tls);
    Status s = groups.ok() ? tenant_rules->Apply(std::move(groups).value(), config.alerting,
                                                 config.global.external_labels)
                           : groups.status();
    if (!s.ok()) {
      std::fprintf(stderr, "tidemark: tenants.rule_files: %s\n", s.message().c_str());
      return 2;
    }
  }

  // gRPC first: it can report the port it bound.
  // Declared before the gRPC server: its Shutdown waits for exports the pool is running.
  util::ThreadPool grpc_workers(static_cast<size_t>(config.otlp_grpc_workers), "tidemark-otlp",
                                static_cast<size_t>(config.otlp_grpc_max_queued));
  TraceGrpcService trace_service(&receivers, &grpc_workers, "trace", authenticator.get());
  MetricsGrpcService metrics_service(&receivers, &grpc_workers, "metrics", authenticator.get());
  LogsGrpcService logs_service(authenticator.get());
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
    if (config.tls_client_auth_type != "NoClientCert") {
      ssl.pem_root_certs = ReadFile(config.tls_client_ca_file, &s);
      if (!s.ok()) {
        std::fprintf(stderr, "tidemark: tls.client_ca_file: %s\n", s.message().c_str());
        return 2;
      }
      ssl.client_certificate_request =
          config.tls_client_auth_type == "RequireAndVerifyClientCert"
              ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
              : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
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
  HttpServer::Settings api_settings;
  api_settings.host = http_host;
  api_settings.port = http_port;
  api_settings.max_body_bytes = config.max_request_bytes;
  api_settings.max_connections = static_cast<size_t>(config.max_connections);
  api_settings.tls_cert_file = config.tls_cert_file;
  api_settings.tls_key_file = config.tls_key_file;
  api_settings.request_timeout_ms = config.request_timeout_ms;
  api_settings.write_timeout_ms = config.write_timeout_ms;
  api_settings.max_connections_per_client = static_cast<size_t>(config.max_connections_per_client);
  api_settings.idle_timeout_ms = config.idle_timeout_ms;
  api_settings.max_concurrent_requests = static_cast<size_t>(config.max_concurrent_requests);
  api_settings.max_bytes_in_flight = config.max_request_bytes_in_flight;
  api_settings.path_prefix = EffectiveRoutePrefix(config);
  if (config.tls_client_auth_type != "NoClientCert") {
    api_settings.tls_client_ca_file = config.tls_client_ca_file;
    api_settings.require_client_cert = config.tls_client_auth_type == "RequireAndVerifyClientCert";
  }
  auto api =
      HttpServer::Start(api_settings, [&](const HttpRequest& r) { return receivers.HandleApi(r); });
  HttpServer::Settings otlp_settings = api_settings;
  otlp_settings.path_prefix.clear();  // OTLP/HTTP's paths are fixed by the protocol
  otlp_settings.host = otlp_http_host;
  otlp_settings.port = otlp_http_port;
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
  {
    std::lock_guard lock(reload_mu);
    self_address = (http_host.empty() || http_host == "0.0.0.0" ? std::string("127.0.0.1")
                    : http_host == "::" || http_host == "[::]"  ? std::string("[::1]")
                                                                : http_host) +
                   ":" + std::to_string((*api)->port());
    Status s = scrape.ApplyConfig(ScrapeJobsFor(config, self_address, tls, self_token));
    if (!s.ok()) {
      std::fprintf(stderr, "tidemark: %s\n", s.message().c_str());
      (*otlp)->Stop();
      (*api)->Stop();
      grpc_server->Shutdown();
      return 2;
    }
  }
  receivers.SetReady(true);
  rules.Start();
  if (tenant_rules != nullptr) tenant_rules->Start();
  scrape.Start();

  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    LogInfo("reloading the configuration", {{"signal", "SIGHUP"}});
    (void)reload();  // logged; the old rules keep running on failure
  }
  LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  receivers.SetReady(false);
  rules.Stop();
  if (tenant_rules != nullptr) tenant_rules->Stop();  // and sends their queued alerts
  scrape.Stop();  // stale markers for every target, while the server's own /metrics still answers
  // Stop accepting; requests in flight finish.
  (*otlp)->Stop();
  (*api)->Stop();
  grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  notifier->Stop();  // sends what is queued, for at most alerting.drain_timeout
  Status flushed = receivers.FlushAll();  // every tenant's engine, the default one first
  if (!flushed.ok()) LogError("final flush failed", {{"error", flushed.ToString()}});
  engine.reset();
  LogInfo("stopped");
  return flushed.ok() ? 0 : 1;
}

}  // namespace tidemark::server
