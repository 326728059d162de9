// The configuration file and flags (server/config.cc): every bad value is InvalidArgument naming
// its key, never an exception, an abort or a silent wrap.
#include "server/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/http_client.h"
#include "server/http_server.h"

namespace tidemark::server {
namespace {

class ConfigFile {
 public:
  explicit ConfigFile(const std::string& yaml) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("tidemark-config-test-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter++) + ".yaml"))
                .string();
    std::ofstream(path_) << yaml;
  }
  ~ConfigFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Status Load(const std::string& yaml, ServerConfig* c) {
  ConfigFile f(yaml);
  return LoadConfigFile(f.path(), c);
}

// The error loading `yaml`; the test fails when it loads.
std::string LoadError(const std::string& yaml) {
  ServerConfig c;
  Status s = Load(yaml, &c);
  EXPECT_FALSE(s.ok()) << yaml;
  if (s.ok()) return "";
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  return s.message();
}

void ExpectRefusedNaming(const std::string& yaml, const std::string& key) {
  const std::string error = LoadError(yaml);
  EXPECT_EQ(error.rfind("config key \"" + key + "\": ", 0), 0u) << yaml << " -> " << error;
}

TEST(Config, DocumentedExampleLoadsWithItsDefaults) {
  ServerConfig c;
  ASSERT_TRUE(LoadConfigFile(std::string(DOCS_DIR) + "/tidemark.example.yaml", &c).ok());
  const ServerConfig defaults;
  EXPECT_EQ(c.engine.retention_ms, defaults.engine.retention_ms);
  EXPECT_EQ(c.engine.max_future_ms, defaults.engine.max_future_ms);
  EXPECT_EQ(c.enable_admin_api, defaults.enable_admin_api);
  EXPECT_EQ(c.engine.group_commit_interval_ms, defaults.engine.group_commit_interval_ms);
  EXPECT_EQ(c.max_request_bytes, defaults.max_request_bytes);
  EXPECT_EQ(c.query.timeout_ms, defaults.query.timeout_ms);
  EXPECT_EQ(c.trace_query.default_range_ms, defaults.trace_query.default_range_ms);
  EXPECT_EQ(c.trace_query.max_range_ms, defaults.trace_query.max_range_ms);
  EXPECT_EQ(c.trace_query.timeout_ms, defaults.trace_query.timeout_ms);
  EXPECT_EQ(c.trace_query.max_spans_inspected, defaults.trace_query.max_spans_inspected);
  EXPECT_EQ(c.trace_query.max_traces, defaults.trace_query.max_traces);
  EXPECT_EQ(c.trace_query.max_concurrency, defaults.trace_query.max_concurrency);
  EXPECT_EQ(c.translation.translation_strategy, defaults.translation.translation_strategy);
  EXPECT_EQ(c.translation.promote_resource_attributes,
            defaults.translation.promote_resource_attributes);
  EXPECT_EQ(c.translation.promote_all_resource_attributes,
            defaults.translation.promote_all_resource_attributes);
  EXPECT_EQ(c.translation.ignore_resource_attributes,
            defaults.translation.ignore_resource_attributes);
  EXPECT_EQ(c.translation.keep_identifying_resource_attributes,
            defaults.translation.keep_identifying_resource_attributes);
  EXPECT_EQ(c.translation.target_info, defaults.translation.target_info);
  EXPECT_EQ(c.alerting, defaults.alerting);
  EXPECT_EQ(c.rules.evaluation_nice, defaults.rules.evaluation_nice);
  // A default range longer than the maximum is refused, naming both.
  const std::string error = LoadError("trace_query:\n  default_range: 40d\n  max_range: 30d\n");
  EXPECT_NE(error.find("trace_query.default_range"), std::string::npos) << error;
}

TEST(Config, RoutePrefixIsAPathOrTheExternalUrlsPath) {
  ServerConfig c;
  EXPECT_EQ(EffectiveRoutePrefix(c), "");
  ASSERT_TRUE(Load("web:\n  external_url: http://proxy.example:8080/tidemark/\n", &c).ok());
  EXPECT_EQ(EffectiveRoutePrefix(c), "/tidemark");
  ASSERT_TRUE(Load("web:\n  external_url: https://h/a/\n  route_prefix: /b/c/\n", &c).ok());
  EXPECT_EQ(EffectiveRoutePrefix(c), "/b/c");  // given: it wins over the URL's path
  ServerConfig root;
  ASSERT_TRUE(Load("web:\n  route_prefix: /\n", &root).ok());
  EXPECT_EQ(EffectiveRoutePrefix(root), "");
  ExpectRefusedNaming("web:\n  route_prefix: tidemark\n", "web.route_prefix");
  ExpectRefusedNaming("web:\n  route_prefix: '/a\"><script>'\n", "web.route_prefix");
  ExpectRefusedNaming("web:\n  route_prefix: /a//b\n", "web.route_prefix");
  ExpectRefusedNaming("web:\n  external_url: http://h/a%20b/\n", "web.external_url");
}

TEST(Config, UnsyncedCommitDelayIsADurationUpToAMinute) {
  ServerConfig c;
  EXPECT_EQ(c.engine.unsynced_commit_delay_ms, 1000u);
  ASSERT_TRUE(Load("storage:\n  unsynced_commit_delay: 250ms\n", &c).ok());
  EXPECT_EQ(c.engine.unsynced_commit_delay_ms, 250u);
  ExpectRefusedNaming("storage:\n  unsynced_commit_delay: 2m\n", "storage.unsynced_commit_delay");
}

// tenants.rule_files maps tenant ids to their rule files; the default tenant's are rule_files.
TEST(Config, TenantRuleFilesNeedTenantsAndValidIds) {
  ServerConfig c;
  ASSERT_TRUE(
      Load("tenants:\n  enabled: true\n  rule_files:\n    team-a: [a/*.yml, b.yml]\n", &c).ok());
  EXPECT_EQ(c.tenants.rule_files.at("team-a"), (std::vector<std::string>{"a/*.yml", "b.yml"}));
  ExpectRefusedNaming("tenants:\n  rule_files:\n    team-a: [a.yml]\n", "tenants.rule_files");
  ExpectRefusedNaming("tenants:\n  enabled: true\n  rule_files:\n    ../x: [a.yml]\n",
                      "tenants.rule_files.../x");
  ExpectRefusedNaming("tenants:\n  enabled: true\n  rule_files:\n    anonymous: [a.yml]\n",
                      "tenants.rule_files.anonymous");
  ExpectRefusedNaming("tenants:\n  enabled: true\n  rule_files:\n    team-a: ['']\n",
                      "tenants.rule_files.team-a");
  ExpectRefusedNaming("tenants:\n  enabled: true\n  rule_files: [a.yml]\n", "tenants.rule_files");
}

TEST(Config, ReadsEveryKindOfValue) {
  ServerConfig c;
  ASSERT_TRUE(Load(R"(storage:
  retention: 30d
  max_future: 2h
  group_commit_interval: 1s
  checkpoint_wal_bytes: 67108864
web:
  enable_admin_api: true
limits:
  max_active_series: 0
query:
  timeout: 1m30s
)",
                   &c)
                  .ok());
  EXPECT_EQ(c.engine.retention_ms, 30LL * 86'400'000);
  EXPECT_EQ(c.engine.max_future_ms, 2 * 3'600'000);
  EXPECT_EQ(c.engine.group_commit_interval_ms, 1000u);
  EXPECT_EQ(c.engine.checkpoint_wal_bytes, 64u << 20);
  EXPECT_TRUE(c.enable_admin_api);
  EXPECT_EQ(c.engine.limits.max_active_series, 0u);
  EXPECT_EQ(c.query.timeout_ms, 90'000);
  // Empty file, empty section: the defaults.
  EXPECT_TRUE(Load("", &c).ok());
  EXPECT_TRUE(Load("storage:\n", &c).ok());
}

TEST(Config, OutOfRangeDurationsAreRefusedNotThrownOrWrapped) {
  // std::stoll threw std::out_of_range (abort); 213503982335d wrapped to about 9 hours.
  ExpectRefusedNaming("storage:\n  retention: 99999999999999999999d\n", "storage.retention");
  ExpectRefusedNaming("storage:\n  retention: 213503982335d\n", "storage.retention");
  EXPECT_NE(LoadError("storage:\n  retention: 213503982335d\n").find("out of range"),
            std::string::npos);
  // static_cast<uint32_t> made this 1 ms.
  ExpectRefusedNaming("storage:\n  group_commit_interval: 4294967297ms\n",
                      "storage.group_commit_interval");
  ExpectRefusedNaming("storage:\n  retention: 15x\n", "storage.retention");
  ExpectRefusedNaming("storage:\n  retention: 5m1h\n", "storage.retention");
  ExpectRefusedNaming("storage:\n  retention: -1d\n", "storage.retention");
}

TEST(Config, EveryNumericKeyIsCheckedAgainstItsRange) {
  for (const auto& [yaml, key] : std::vector<std::pair<std::string, std::string>>{
           {"max_request_bytes: 0\n", "max_request_bytes"},
           {"max_request_bytes: 4294967296\n", "max_request_bytes"},
           {"self_scrape_interval: 1ms\n", "self_scrape_interval"},
           {"storage:\n  retention: 1s\n", "storage.retention"},
           {"storage:\n  span_retention: 101y\n", "storage.span_retention"},
           {"storage:\n  retention_bytes: -1\n", "storage.retention_bytes"},
           {"storage:\n  retention_bytes: 1000\n", "storage.retention_bytes"},
           {"storage:\n  group_commit_interval: 1001ms\n", "storage.group_commit_interval"},
           {"storage:\n  partition_duration: 59s\n", "storage.partition_duration"},
           {"storage:\n  partition_duration: 8d\n", "storage.partition_duration"},
           {"storage:\n  checkpoint_interval: 8d\n", "storage.checkpoint_interval"},
           {"storage:\n  checkpoint_wal_bytes: 1048575\n", "storage.checkpoint_wal_bytes"},
           {"storage:\n  max_future: 0\n", "storage.max_future"},
           {"storage:\n  max_future: 59s\n", "storage.max_future"},
           {"storage:\n  max_future: 366d\n", "storage.max_future"},
           {"limits:\n  max_active_series: -1\n", "limits.max_active_series"},
           {"limits:\n  max_active_series: 18446744073709551615\n", "limits.max_active_series"},
           {"limits:\n  max_labels_per_series: 0\n", "limits.max_labels_per_series"},
           {"limits:\n  max_labels_per_series: 1025\n", "limits.max_labels_per_series"},
           {"limits:\n  max_label_name_bytes: 0\n", "limits.max_label_name_bytes"},
           {"limits:\n  max_label_value_bytes: 4294967297\n", "limits.max_label_value_bytes"},
           {"limits:\n  max_samples_per_commit: 0\n", "limits.max_samples_per_commit"},
           {"limits:\n  max_span_attributes: -1\n", "limits.max_span_attributes"},
           {"limits:\n  max_span_attribute_value_bytes: 0\n",
            "limits.max_span_attribute_value_bytes"},
           {"limits:\n  max_span_events: 65537\n", "limits.max_span_events"},
           {"limits:\n  max_span_links: 65537\n", "limits.max_span_links"},
           {"limits:\n  max_spans_per_trace: 0\n", "limits.max_spans_per_trace"},
           {"otlp:\n  delta_max_series: 1\n", "otlp.delta_max_series"},
           {"otlp:\n  span_backpressure_wait: 6m\n", "otlp.span_backpressure_wait"},
           {"otlp:\n  grpc_workers: 0\n", "otlp.grpc_workers"},
           {"otlp:\n  grpc_max_queued: 0\n", "otlp.grpc_max_queued"},
           {"query:\n  lookback_delta: 0\n", "query.lookback_delta"},
           {"query:\n  timeout: 0s\n", "query.timeout"},
           {"query:\n  timeout: 2d\n", "query.timeout"},
           {"query:\n  max_samples: 0\n", "query.max_samples"},
           {"query:\n  max_points_per_series: 0\n", "query.max_points_per_series"},
           {"query:\n  max_result_points: 0\n", "query.max_result_points"},
           {"query:\n  default_subquery_step: 0\n", "query.default_subquery_step"},
           {"query:\n  max_concurrency: 0\n", "query.max_concurrency"},
           {"rules:\n  max_concurrent_evaluations: 0\n", "rules.max_concurrent_evaluations"},
           {"rules:\n  evaluation_nice: -1\n", "rules.evaluation_nice"},
           {"rules:\n  evaluation_nice: 20\n", "rules.evaluation_nice"},
       }) {
    ExpectRefusedNaming(yaml, key);
    const std::string error = LoadError(yaml);
    EXPECT_NE(error.find("must be"), std::string::npos) << error;
  }
  // The bounds themselves are accepted.
  ServerConfig c;
  for (const std::string yaml :
       {"storage:\n  group_commit_interval: 1ms\n", "storage:\n  group_commit_interval: 1s\n",
        "storage:\n  partition_duration: 1m\n", "storage:\n  partition_duration: 1w\n",
        "storage:\n  max_future: 1m\n", "storage:\n  max_future: 365d\n",
        "storage:\n  retention: 0\n", "self_scrape_interval: 0\n",
        "limits:\n  max_labels_per_series: 1024\n", "max_request_bytes: 1024\n",
        "rules:\n  evaluation_nice: 0\n", "rules:\n  evaluation_nice: 19\n"}) {
    Status s = Load(yaml, &c);
    EXPECT_TRUE(s.ok()) << yaml << s.ToString();
  }
}

TEST(Config, ValuesOfTheWrongShapeAreRefusedNamingTheKey) {
  ExpectRefusedNaming("data_dir: [a, b]\n", "data_dir");
  ExpectRefusedNaming("storage:\n  retention: [1d]\n", "storage.retention");
  ExpectRefusedNaming("storage:\n  retention: {a: 1}\n", "storage.retention");
  ExpectRefusedNaming("storage:\n  retention:\n", "storage.retention");
  ExpectRefusedNaming("limits:\n  max_active_series: [1]\n", "limits.max_active_series");
  ExpectRefusedNaming("limits:\n  max_active_series: 1.5\n", "limits.max_active_series");
  ExpectRefusedNaming("limits:\n  max_active_series: lots\n", "limits.max_active_series");
  ExpectRefusedNaming("web:\n  enable_admin_api: maybe\n", "web.enable_admin_api");
  ExpectRefusedNaming("web:\n  enable_admin_api: [true]\n", "web.enable_admin_api");
  ExpectRefusedNaming("storage: 15d\n", "storage");
  ExpectRefusedNaming("storage: [retention]\n", "storage");
  ExpectRefusedNaming("- a\n- b\n", "(top level)");
  // A key that is itself a list or mapping (kv.first.as<std::string>() threw).
  ExpectRefusedNaming("? [a, b]\n: 1\n", "(top level)");
  ExpectRefusedNaming("storage:\n  ? {a: 1}\n  : 1\n", "storage");
  ExpectRefusedNaming("storage:\n  retain: 1d\n", "storage.retain");
}

TEST(Config, RepeatedKeysAreRefusedNamingTheKeyAndLines) {
  const std::string error = LoadError("storage:\n  retention: 1d\n  retention: 2d\n");
  EXPECT_EQ(error, "config key \"storage.retention\": given twice (lines 2 and 3)");
  ExpectRefusedNaming("data_dir: a\ndata_dir: b\n", "data_dir");
  ExpectRefusedNaming("storage:\n  sync: none\nstorage:\n  sync: none\n", "storage");
}

TEST(Config, UnreadableFilesAreErrorsNotExceptions) {
  ServerConfig c;
  const std::string dir = std::filesystem::temp_directory_path().string();
  Status s = LoadConfigFile(dir, &c);  // std::ios_failure aborted the binary
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("is a directory"), std::string::npos) << s.message();
  s = LoadConfigFile(dir + "/tidemark-no-such-config.yaml", &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("No such file"), std::string::npos) << s.message();
  s = Load("storage: [\n", &c);  // a YAML syntax error
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("config file"), std::string::npos) << s.message();
}

TEST(Config, FlagsGoThroughTheSameChecks) {
  ServerConfig c;
  Status s = ApplyFlags({{"storage.retention", "99999999999999999999d"}}, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("config key \"storage.retention\": ", 0), 0u) << s.message();
  s = ApplyFlags({{"limits.max_active_series", "-1"}}, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("limits.max_active_series"), std::string::npos) << s.message();
  s = ApplyFlags({{"http_addr", "999.1.1.1:9090"}}, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("config key \"http_addr\": ", 0), 0u) << s.message();
  ASSERT_TRUE(ApplyFlags({{"storage.retention", "90d"},
                          {"limits.max_active_series", "100"},
                          {"web.enable_admin_api", "true"},
                          {"http_addr", "127.0.0.1:9091"}},
                         &c)
                  .ok());
  EXPECT_EQ(c.engine.retention_ms, 90LL * 86'400'000);
  EXPECT_EQ(c.engine.limits.max_active_series, 100u);
  EXPECT_TRUE(c.enable_admin_api);
  EXPECT_EQ(c.http_addr, "127.0.0.1:9091");
}

TEST(Config, OtlpTranslationKeysAreReadAsPrometheusNamesThem) {
  ServerConfig c;
  ASSERT_TRUE(Load(R"(otlp:
  translation_strategy: UnderscoreEscapingWithoutSuffixes
  promote_resource_attributes: [deployment.environment, " k8s.pod.name "]
  keep_identifying_resource_attributes: true
)",
                   &c)
                  .ok());
  const auto& t = c.translation;
  EXPECT_EQ(t.translation_strategy,
            ingest::TranslationStrategy::kUnderscoreEscapingWithoutSuffixes);
  // Trimmed of spaces, as Prometheus does.
  EXPECT_EQ(t.promote_resource_attributes,
            (std::vector<std::string>{"deployment.environment", "k8s.pod.name"}));
  EXPECT_FALSE(t.promote_all_resource_attributes);
  EXPECT_TRUE(t.keep_identifying_resource_attributes);
  ServerConfig all;
  ASSERT_TRUE(Load(R"(otlp:
  translation_strategy: NoTranslation
  promote_all_resource_attributes: true
  ignore_resource_attributes:
    - host.name
    - process.pid
)",
                   &all)
                  .ok());
  EXPECT_EQ(all.translation.translation_strategy, ingest::TranslationStrategy::kNoTranslation);
  EXPECT_TRUE(all.translation.promote_all_resource_attributes);
  EXPECT_EQ(all.translation.ignore_resource_attributes,
            (std::vector<std::string>{"host.name", "process.pid"}));
  // Every strategy by its name; an empty list is no list.
  for (const char* name : {"UnderscoreEscapingWithSuffixes", "UnderscoreEscapingWithoutSuffixes",
                           "NoUTF8EscapingWithSuffixes", "NoTranslation"}) {
    ServerConfig one;
    ASSERT_TRUE(Load(std::string("otlp:\n  translation_strategy: ") + name +
                         "\n  promote_resource_attributes:\n",
                     &one)
                    .ok())
        << name;
    EXPECT_EQ(ingest::TranslationStrategyName(one.translation.translation_strategy), name);
    EXPECT_TRUE(one.translation.promote_resource_attributes.empty());
  }
  // The defaults are Prometheus'.
  const ServerConfig defaults;
  EXPECT_EQ(defaults.translation.translation_strategy,
            ingest::TranslationStrategy::kUnderscoreEscapingWithSuffixes);
  EXPECT_FALSE(defaults.translation.promote_all_resource_attributes);
  EXPECT_FALSE(defaults.translation.keep_identifying_resource_attributes);
}

TEST(Config, OtlpTranslationIsCheckedAsPrometheusChecksIt) {
  struct Case {
    std::string yaml, key, says;
  };
  for (const Case& c : std::vector<Case>{
           {"otlp:\n  translation_strategy: Underscores\n", "otlp.translation_strategy",
            "\"Underscores\" is not UnderscoreEscapingWithSuffixes, "
            "UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes or NoTranslation "
            "(line 2)"},
           {"otlp:\n  translation_strategy: underscoreescapingwithsuffixes\n",
            "otlp.translation_strategy", "is not"},
           {"otlp:\n  translation_strategy: [NoTranslation]\n", "otlp.translation_strategy",
            "must be a string"},
           {"otlp:\n  promote_resource_attributes: service.name\n",
            "otlp.promote_resource_attributes", "must be a list of strings"},
           {"otlp:\n  promote_resource_attributes: [[a]]\n", "otlp.promote_resource_attributes",
            "must be a list of strings"},
           {"otlp:\n  promote_resource_attributes: [a, \"  \"]\n",
            "otlp.promote_resource_attributes", "has an empty attribute name (line 2)"},
           {"otlp:\n  promote_resource_attributes:\n    - a\n    - \" a\"\n",
            "otlp.promote_resource_attributes", "has \"a\" twice (line 4)"},
           {"otlp:\n  promote_all_resource_attributes: true\n  promote_resource_attributes: [a]\n",
            "otlp.promote_resource_attributes",
            "cannot be set together with otlp.promote_all_resource_attributes: true"},
           {"otlp:\n  ignore_resource_attributes: [host.name]\n", "otlp.ignore_resource_attributes",
            "can only be set with otlp.promote_all_resource_attributes: true"},
           {"otlp:\n  promote_all_resource_attributes: true\n  ignore_resource_attributes: [b, "
            "b]\n",
            "otlp.ignore_resource_attributes", "has \"b\" twice"},
           {"otlp:\n  promote_all_resource_attributes: all\n",
            "otlp.promote_all_resource_attributes", "is not true or false"},
           {"otlp:\n  keep_identifying_resource_attributes: 1x\n",
            "otlp.keep_identifying_resource_attributes", "is not true or false"},
           {"otlp:\n  metric_naming: utf8\n  translation_strategy: NoTranslation\n",
            "otlp.metric_naming", "cannot be set together with otlp.translation_strategy"},
           {"otlp:\n  metric_naming: dots\n", "otlp.metric_naming",
            "\"dots\" is not prometheus or utf8"},
       }) {
    ExpectRefusedNaming(c.yaml, c.key);
    const std::string error = LoadError(c.yaml);
    EXPECT_NE(error.find(c.says), std::string::npos) << c.yaml << " -> " << error;
  }
  // The older key still works: utf8 is NoTranslation.
  {
    ServerConfig old;
    ASSERT_TRUE(Load("otlp:\n  metric_naming: utf8\n", &old).ok());
    EXPECT_EQ(old.translation.translation_strategy, ingest::TranslationStrategy::kNoTranslation);
  }
  // A flag cannot get round the rules the file is held to.
  ServerConfig c;
  ASSERT_TRUE(Load("otlp:\n  promote_resource_attributes: [a]\n", &c).ok());
  Status s = ApplyFlags({{"otlp.promote_all_resource_attributes", "true"}}, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("config key \"otlp.promote_resource_attributes\": ", 0), 0u)
      << s.message();
}

TEST(Config, ListenAddressesMustBeAddresses) {
  std::string host;
  uint16_t port = 0;
  for (const char* good :
       {":9090", "127.0.0.1:9090", "0.0.0.0:1", "localhost:9090", "[::1]:9090", "[::]:65535"}) {
    EXPECT_TRUE(ParseListenAddress(good, &host, &port).ok()) << good;
  }
  EXPECT_TRUE(ParseListenAddress("[::1]:9090", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 9090);
  for (const char* bad : {"999.1.1.1:9090", "example.com:9090", "::1:9090", "1.2.3:9090",
                          "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1", "[zz]:1"}) {
    EXPECT_FALSE(ParseListenAddress(bad, &host, &port).ok()) << bad;
  }
}

TEST(Config, RenderedYamlShowsTheNewKeysAndLoadsBack) {
  ServerConfig c;
  c.enable_admin_api = true;
  c.engine.max_future_ms = 2 * 3'600'000;
  c.translation.translation_strategy = ingest::TranslationStrategy::kNoUTF8EscapingWithSuffixes;
  c.translation.promote_all_resource_attributes = true;
  c.translation.ignore_resource_attributes = {"host.name", "k8s.pod.uid"};
  c.translation.keep_identifying_resource_attributes = true;
  const std::string yaml = RenderConfigYaml(c);
  EXPECT_NE(yaml.find("enable_admin_api: true"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("max_future: 2h"), std::string::npos) << yaml;
  ServerConfig back;
  ASSERT_TRUE(Load(yaml, &back).ok()) << yaml;
  EXPECT_TRUE(back.enable_admin_api);
  EXPECT_EQ(back.engine.max_future_ms, 2 * 3'600'000);
  EXPECT_NE(yaml.find("translation_strategy: NoUTF8EscapingWithSuffixes"), std::string::npos)
      << yaml;
  EXPECT_EQ(back.translation.translation_strategy,
            ingest::TranslationStrategy::kNoUTF8EscapingWithSuffixes);
  EXPECT_TRUE(back.translation.promote_all_resource_attributes);
  EXPECT_EQ(back.translation.ignore_resource_attributes, c.translation.ignore_resource_attributes);
  EXPECT_TRUE(back.translation.keep_identifying_resource_attributes);
  // The default rendering (empty lists) loads back too.
  ServerConfig defaults;
  ASSERT_TRUE(Load(RenderConfigYaml(ServerConfig{}), &defaults).ok());
  EXPECT_TRUE(defaults.translation.promote_resource_attributes.empty());
}

TEST(Config, AlertingSectionReadsPrometheusKeys) {
  ServerConfig c;
  const Status s = Load(R"(alerting:
  alert_relabel_configs:
    - source_labels: [severity]
      regex: debug
      action: drop
  alertmanagers:
    - static_configs:
        - targets: ['am-1:9093', 'am-2:9093']
          labels: {dc: west}
      scheme: https
      path_prefix: /alertmanager
      timeout: 3s
      api_version: v2
      basic_auth: {username: u, password_file: /etc/secret}
      tls_config: {ca_file: /etc/ca.pem, server_name: am.internal, insecure_skip_verify: true}
      follow_redirects: false
      http_headers:
        X-Scope: {values: [a, b]}
      relabel_configs:
        - source_labels: [__address__]
          regex: am-1.*
          action: keep
      alert_relabel_configs:
        - target_label: team
          replacement: sre
  webhooks:
    - url: https://hooks.example/alerts
      timeout: 2s
      max_alerts: 10
      headers: {X-Token: abc}
      authorization: {credentials: tok}
  queue_capacity: 500
  max_batch_size: 32
  retry_min_backoff: 200ms
  retry_max_backoff: 10s
  drain_timeout: 0s
)",
                        &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const AlertingConfig& a = c.alerting;
  ASSERT_EQ(a.alert_relabel_configs.size(), 1u);
  EXPECT_EQ(a.alert_relabel_configs[0].rule.action, ingest::RelabelAction::kDrop);
  ASSERT_EQ(a.alertmanagers.size(), 1u);
  const AlertmanagerConfig& am = a.alertmanagers[0];
  ASSERT_EQ(am.static_configs.size(), 1u);
  EXPECT_EQ(am.static_configs[0].targets, (std::vector<std::string>{"am-1:9093", "am-2:9093"}));
  EXPECT_EQ(am.static_configs[0].labels, (Labels{{"dc", "west"}}));
  EXPECT_EQ(am.scheme, "https");
  EXPECT_EQ(am.path_prefix, "/alertmanager");
  EXPECT_EQ(am.timeout_ms, 3000);
  ASSERT_TRUE(am.http.basic_auth.has_value());
  EXPECT_EQ(am.http.basic_auth->password_file, "/etc/secret");
  EXPECT_EQ(am.http.tls.server_name, "am.internal");
  EXPECT_TRUE(am.http.tls.insecure_skip_verify);
  EXPECT_FALSE(am.http.follow_redirects);
  EXPECT_EQ(am.http.headers.size(), 2u);
  EXPECT_EQ(am.relabel_configs.size(), 1u);
  EXPECT_EQ(am.alert_relabel_configs.size(), 1u);
  ASSERT_EQ(a.webhooks.size(), 1u);
  EXPECT_EQ(a.webhooks[0].url, "https://hooks.example/alerts");
  EXPECT_EQ(a.webhooks[0].timeout_ms, 2000);
  EXPECT_EQ(a.webhooks[0].max_alerts, 10);
  EXPECT_EQ(a.webhooks[0].http.headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Token", "abc"}}));
  ASSERT_TRUE(a.webhooks[0].http.authorization.has_value());
  EXPECT_EQ(a.webhooks[0].http.authorization->type, "Bearer");
  EXPECT_EQ(a.queue_capacity, 500);
  EXPECT_EQ(a.max_batch_size, 32);
  EXPECT_EQ(a.retry_min_backoff_ms, 200);
  EXPECT_EQ(a.retry_max_backoff_ms, 10'000);
  EXPECT_EQ(a.drain_timeout_ms, 0);
  // The rendering loads back, secrets hidden.
  const std::string yaml = RenderConfigYaml(c);
  EXPECT_EQ(yaml.find("tok"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find("abc"), std::string::npos) << yaml;
  ServerConfig back;
  ASSERT_TRUE(Load(yaml, &back).ok()) << yaml;
  EXPECT_EQ(back.alerting.alertmanagers.size(), 1u);
  EXPECT_EQ(back.alerting.queue_capacity, 500);
}

TEST(Config, AlertingMistakesAreRefusedNamingTheKey) {
  const std::string am = "alerting:\n  alertmanagers:\n    - static_configs: [{targets: [a:1]}]\n";
  ExpectRefusedNaming(am + "      api_version: v1\n", "alerting.alertmanagers[0].api_version");
  EXPECT_NE(LoadError(am + "      api_version: v1\n").find("no longer supported"),
            std::string::npos);
  ExpectRefusedNaming(am + "      scheme: ftp\n", "alerting.alertmanagers[0].scheme");
  ExpectRefusedNaming(am + "      timeout: 0s\n", "alerting.alertmanagers[0].timeout");
  ExpectRefusedNaming(am + "      bearer_token: x\n", "alerting.alertmanagers[0].bearer_token");
  ExpectRefusedNaming(am + "      basic_auth: {username: u, password: p, password_file: f}\n",
                      "alerting.alertmanagers[0].basic_auth");
  ExpectRefusedNaming(
      am + "      basic_auth: {username: u}\n      authorization: {credentials: c}\n",
      "alerting.alertmanagers[0].authorization");
  ExpectRefusedNaming(am + "      authorization: {type: Basic, credentials: c}\n",
                      "alerting.alertmanagers[0].authorization.type");
  ExpectRefusedNaming(am + "      tls_config: {cert_file: c.pem}\n",
                      "alerting.alertmanagers[0].tls_config.cert_file");
  ExpectRefusedNaming(am + "      http_headers: {Authorization: {values: [x]}}\n",
                      "alerting.alertmanagers[0].http_headers.Authorization");
  ExpectRefusedNaming("alerting:\n  alertmanagers:\n    - static_configs: [{targets: [a/b:1]}]\n",
                      "alerting.alertmanagers[0].static_configs[0].targets[0]");
  ExpectRefusedNaming("alerting:\n  webhooks:\n    - timeout: 1s\n", "alerting.webhooks[0].url");
  ExpectRefusedNaming("alerting:\n  webhooks:\n    - url: ftp://x\n", "alerting.webhooks[0].url");
  ExpectRefusedNaming("alerting:\n  queue_capacity: 0\n", "alerting.queue_capacity");
  ExpectRefusedNaming("alerting:\n  retry_min_backoff: 1m\n  retry_max_backoff: 1s\n",
                      "alerting.retry_min_backoff");
  ExpectRefusedNaming("alerting:\n  alertmanager: []\n", "alerting.alertmanager");
}

TEST(Config, RelabelRulesAreCheckedAsPrometheusChecksThem) {
  const std::string hashmod = LoadError(
      "alerting:\n  alert_relabel_configs:\n    - source_labels: [a]\n      target_label: b\n"
      "      action: hashmod\n");
  EXPECT_EQ(hashmod,
            "config key \"alerting.alert_relabel_configs[0]\": relabel configuration for hashmod "
            "requires non-zero modulus (line 3)");
  ExpectRefusedNaming("alerting:\n  alert_relabel_configs:\n    - action: delete\n",
                      "alerting.alert_relabel_configs[0].action");
  ExpectRefusedNaming(
      "alerting:\n  alert_relabel_configs:\n    - regex: '('\n      target_label: x\n",
      "alerting.alert_relabel_configs[0]");
  ExpectRefusedNaming(
      "alerting:\n  alert_relabel_configs:\n    - source_labels: [a]\n"
      "      regex: x\n      action: labeldrop\n",
      "alerting.alert_relabel_configs[0]");
  ExpectRefusedNaming("alerting:\n  alert_relabel_configs:\n    - modulus: -1\n",
                      "alerting.alert_relabel_configs[0].modulus");
  ExpectRefusedNaming("alerting:\n  alert_relabel_configs:\n    -\n",
                      "alerting.alert_relabel_configs[0]");
  ExpectRefusedNaming("alerting:\n  alert_relabel_configs: {action: drop}\n",
                      "alerting.alert_relabel_configs");
  // The action is case-insensitive and a rule with every default is a valid replace.
  ServerConfig c;
  ASSERT_TRUE(Load("alerting:\n  alert_relabel_configs:\n    - action: LabelKeep\n      regex: a\n"
                   "    - target_label: x\n",
                   &c)
                  .ok());
  EXPECT_EQ(c.alerting.alert_relabel_configs[0].rule.action, ingest::RelabelAction::kLabelKeep);
}

// web.auth: names and values as written, token files relative to the configuration file, the
// shapes checked naming the key; the rendered configuration hides the hashes. Then the
// listeners' bounds (web.*) and the engine's reading threads (storage.*).
TEST(Config, AuthListenerBoundsAndReadThreadsAreRead) {
  ServerConfig c;
  ASSERT_TRUE(Load("web:\n  auth:\n    basic_auth_users:\n      grafana: \"$2y$10$x\"\n"
                   "    bearer_tokens:\n      collector: tokens/collector.token\n"
                   "      other: /etc/tidemark/other.token\n"
                   "    roles:\n      read: [grafana]\n      write: [collector, other]\n",
                   &c)
                  .ok());
  EXPECT_TRUE(c.auth.enabled());
  EXPECT_EQ(c.auth.basic_auth_users.at("grafana"), "$2y$10$x");
  const std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_EQ(c.auth.bearer_token_files.at("collector"), dir + "/tokens/collector.token");
  EXPECT_EQ(c.auth.bearer_token_files.at("other"), "/etc/tidemark/other.token");
  EXPECT_EQ(c.auth.readers, std::vector<std::string>{"grafana"});
  EXPECT_EQ(c.auth.writers, (std::vector<std::string>{"collector", "other"}));
  const std::string rendered = RenderConfigYaml(c);
  EXPECT_EQ(rendered.find("$2y$"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("grafana: <secret>"), std::string::npos) << rendered;
  // The engine's reading threads.
  ServerConfig threads;
  ASSERT_TRUE(Load("storage:\n  read_threads: 3\n  span_scan_threads: 1\n  span_flush_threads: 2\n",
                   &threads)
                  .ok());
  EXPECT_EQ(threads.engine.read_threads, 3u);
  EXPECT_EQ(threads.engine.span_scan_threads, 1u);
  EXPECT_EQ(threads.engine.span_flush_threads, 2u);
  ExpectRefusedNaming("storage:\n  read_threads: 65\n", "storage.read_threads");
  ExpectRefusedNaming("storage:\n  span_flush_threads: 65\n", "storage.span_flush_threads");
  // The listeners' bounds.
  ServerConfig limits;
  ASSERT_TRUE(Load("web:\n  max_connections: 64\n  max_connections_per_client: 8\n"
                   "  request_timeout: 5s\n  write_timeout: 2s\n  idle_timeout: 30s\n"
                   "  max_concurrent_requests: 12\n  max_request_bytes_in_flight: 67108864\n",
                   &limits)
                  .ok());
  EXPECT_EQ(limits.idle_timeout_ms, 30'000);
  EXPECT_EQ(limits.max_concurrent_requests, 12);
  EXPECT_EQ(limits.max_request_bytes_in_flight, 64ULL << 20);
  ExpectRefusedNaming("web:\n  max_concurrent_requests: 0\n", "web.max_concurrent_requests");
  ExpectRefusedNaming("web:\n  max_request_bytes_in_flight: 1000\n",
                      "web.max_request_bytes_in_flight");
  ExpectRefusedNaming("web:\n  idle_timeout: 1ms\n", "web.idle_timeout");
  ServerConfig memory;
  ASSERT_TRUE(
      Load("query:\n  max_bytes_per_query: 536870912\n  max_bytes_all_queries: 4294967296\n",
           &memory)
          .ok());
  EXPECT_EQ(memory.query.max_bytes_per_query, 512LL << 20);
  EXPECT_EQ(memory.query.max_bytes_all_queries, 4LL << 30);
  ExpectRefusedNaming("query:\n  max_bytes_per_query: 1000\n", "query.max_bytes_per_query");
  EXPECT_EQ(limits.max_connections, 64);
  EXPECT_EQ(limits.max_connections_per_client, 8);
  EXPECT_EQ(limits.request_timeout_ms, 5'000);
  EXPECT_EQ(limits.write_timeout_ms, 2'000);
  ExpectRefusedNaming("web:\n  max_connections: 0\n", "web.max_connections");
  ExpectRefusedNaming("web:\n  request_timeout: 10ms\n", "web.request_timeout");
  ExpectRefusedNaming("web:\n  write_timeout: 0s\n", "web.write_timeout");
  ExpectRefusedNaming("web:\n  auth:\n    users: {}\n", "web.auth.users");
  ExpectRefusedNaming("web:\n  auth:\n    roles:\n      owner: [x]\n", "web.auth.roles.owner");
  ExpectRefusedNaming("web:\n  auth:\n    basic_auth_users: [a, b]\n", "web.auth.basic_auth_users");
  ExpectRefusedNaming("web:\n  auth:\n    roles:\n      read: grafana\n", "web.auth.roles.read");
}

TEST(HttpServer, StartOnABadAddressFailsWithoutCrashing) {
  // The destructor's Stop dereferenced a null acceptor (SIGSEGV).
  HttpServer::Settings settings;
  settings.host = "999.1.1.1";
  auto server = HttpServer::Start(settings, [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_FALSE(server.ok());
  settings.host = "127.0.0.1";
  settings.tls_cert_file = "/nonexistent/cert.pem";
  settings.tls_key_file = "/nonexistent/key.pem";
  server = HttpServer::Start(settings, [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_FALSE(server.ok());
}

// Connections are served by threads that wait for the next one afterwards: a query on a fresh
// thread paid for new allocator arenas (docs/benchmarks.md). Every request is answered, and Stop
// ends the waiting threads.
TEST(HttpServer, ThreadsServeOneConnectionAfterAnother) {
  // Thread ids of ended threads are reused; a thread-local flag is new in every thread.
  std::atomic<int> threads{0};
  HttpServer::Settings settings;
  settings.host = "127.0.0.1";
  auto server = HttpServer::Start(settings, [&](const HttpRequest&) {
    thread_local bool counted = false;
    if (!counted) ++threads;
    counted = true;
    HttpResponse r;
    r.body = "ok";
    return r;
  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto client = HttpClient::Create(HttpClientConfig(), "test");
  ASSERT_TRUE(client.ok());
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port()) + "/";
  auto get = [&] {
    HttpClientRequest req;
    req.url = url;
    req.headers = {{"Connection", "close"}};  // a new connection for every request
    return (*client)->Do(req);
  };
  for (int i = 0; i < 20; ++i) {
    auto r = get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->body, "ok");
  }
  // One thread, or a second when a connection came before the previous one's thread waited.
  EXPECT_LT(threads.load(), 10);
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto r = get();
        if (r.ok() && r->body == "ok") ++answered;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(answered.load(), 40);
  (*server)->Stop(1'000);
}

}  // namespace
}  // namespace tidemark::server
