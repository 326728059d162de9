// The `scrape_configs` section (server/config_scrape.h): Prometheus' keys and defaults, and every
// refusal naming its key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "server/config.h"
#include "server/config_scrape.h"

namespace tidemark::server {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("tidemark-scrape-config-" + std::to_string(::getpid()) +
                                         "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

Status Load(const std::string& yaml, ServerConfig* c) {
  TempDir dir;
  return LoadConfigFile(dir.Write("tidemark.yaml", yaml), c);
}

void ExpectRefusedNaming(const std::string& yaml, const std::string& key,
                         const std::string& why = "") {
  ServerConfig c;
  Status s = Load(yaml, &c);
  ASSERT_FALSE(s.ok()) << yaml;
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("config key \"" + key + "\": ", 0), 0u)
      << yaml << " -> " << s.message();
  EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
}

TEST(ScrapeConfig, DefaultsAsPrometheus) {
  ServerConfig c;
  ASSERT_TRUE(Load("scrape_configs:\n- job_name: node\n  static_configs:\n"
                   "  - targets: ['localhost:9100']\n",
                   &c)
                  .ok());
  ASSERT_EQ(c.scrape.scrape_configs.size(), 1u);
  const ScrapeConfig& j = c.scrape.scrape_configs[0];
  EXPECT_EQ(j.job_name, "node");
  EXPECT_EQ(j.scrape_interval_ms, 60'000);
  EXPECT_EQ(j.scrape_timeout_ms, 10'000);
  EXPECT_EQ(j.scrape_protocols, DefaultScrapeProtocols());
  EXPECT_EQ(j.metrics_path, "/metrics");
  EXPECT_EQ(j.scheme, "http");
  EXPECT_TRUE(j.honor_timestamps);
  EXPECT_FALSE(j.honor_labels);
  EXPECT_FALSE(j.has_fallback_protocol);
  ASSERT_EQ(j.static_configs.size(), 1u);
  EXPECT_EQ(j.static_configs[0].targets, std::vector<std::string>{"localhost:9100"});
}

TEST(ScrapeConfig, ReadsEveryKey) {
  ServerConfig c;
  Status s = Load(R"(
global:
  scrape_interval: 15s
  scrape_protocols: [PrometheusText0.0.4]
scrape_configs:
- job_name: app
  scrape_interval: 30s
  scrape_timeout: 20s
  scrape_protocols: [OpenMetricsText1.0.0, PrometheusText0.0.4]
  fallback_scrape_protocol: PrometheusText0.0.4
  metrics_path: /m
  scheme: https
  params:
    module: [http_2xx, other]
  honor_labels: true
  honor_timestamps: false
  track_timestamps_staleness: true
  basic_auth: {username: u, password: p}
  tls_config: {insecure_skip_verify: true, ca_file: ca.pem}
  follow_redirects: false
  enable_http2: false
  body_size_limit: 10MB
  sample_limit: 1000
  label_limit: 30
  label_name_length_limit: 100
  label_value_length_limit: 200
  target_limit: 5
  static_configs:
  - targets: [a:1, b:2]
    labels: {env: prod}
  file_sd_configs:
  - files: [targets/*.json, extra.yml]
    refresh_interval: 1m
  http_sd_configs:
  - url: http://sd.example:8080/targets
    refresh_interval: 2m
    authorization: {credentials: tok}
  relabel_configs:
  - source_labels: [__address__]
    target_label: host
  metric_relabel_configs:
  - action: labeldrop
    regex: tmp_.*
- job_name: other
)",
                  &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(c.scrape.scrape_configs.size(), 2u);
  const ScrapeConfig& j = c.scrape.scrape_configs[0];
  EXPECT_EQ(j.scrape_interval_ms, 30'000);
  EXPECT_EQ(j.scrape_timeout_ms, 20'000);
  EXPECT_EQ(j.scrape_protocols,
            (std::vector<ScrapeProtocol>{ScrapeProtocol::kOpenMetricsText1_0_0,
                                         ScrapeProtocol::kPrometheusText0_0_4}));
  EXPECT_TRUE(j.has_fallback_protocol);
  EXPECT_EQ(j.metrics_path, "/m");
  EXPECT_EQ(j.scheme, "https");
  ASSERT_EQ(j.params.size(), 1u);
  EXPECT_EQ(j.params[0].second, (std::vector<std::string>{"http_2xx", "other"}));
  EXPECT_TRUE(j.honor_labels);
  EXPECT_FALSE(j.honor_timestamps);
  EXPECT_TRUE(j.track_timestamps_staleness);
  ASSERT_TRUE(j.http.basic_auth.has_value());
  EXPECT_TRUE(j.http.tls.insecure_skip_verify);
  EXPECT_TRUE(j.http.tls.ca_file.ends_with("/ca.pem")) << j.http.tls.ca_file;
  EXPECT_FALSE(j.http.follow_redirects);
  EXPECT_FALSE(j.http.enable_http2);
  EXPECT_EQ(j.body_size_limit, 10u << 20);
  EXPECT_EQ(j.sample_limit, 1000u);
  EXPECT_EQ(j.label_limit, 30u);
  EXPECT_EQ(j.label_name_length_limit, 100u);
  EXPECT_EQ(j.label_value_length_limit, 200u);
  EXPECT_EQ(j.target_limit, 5u);
  ASSERT_EQ(j.file_sd_configs.size(), 1u);
  EXPECT_TRUE(j.file_sd_configs[0].files[0].ends_with("/targets/*.json"));
  EXPECT_EQ(j.file_sd_configs[0].files[0].front(), '/');
  EXPECT_EQ(j.file_sd_configs[0].refresh_interval_ms, 60'000);
  ASSERT_EQ(j.http_sd_configs.size(), 1u);
  EXPECT_EQ(j.http_sd_configs[0].refresh_interval_ms, 120'000);
  EXPECT_TRUE(j.http_sd_configs[0].http.authorization.has_value());
  EXPECT_EQ(j.relabel_configs.size(), 1u);
  EXPECT_EQ(j.metric_relabel_configs.size(), 1u);
  // The second job takes global's interval, a timeout capped by it, and global's protocols.
  const ScrapeConfig& o = c.scrape.scrape_configs[1];
  EXPECT_EQ(o.scrape_interval_ms, 15'000);
  EXPECT_EQ(o.scrape_timeout_ms, 10'000);
  EXPECT_EQ(o.scrape_protocols, std::vector<ScrapeProtocol>{ScrapeProtocol::kPrometheusText0_0_4});
  // And the section renders.
  const std::string rendered = RenderConfigYaml(c);
  EXPECT_NE(rendered.find("job_name: app"), std::string::npos) << rendered;
  EXPECT_NE(rendered.find("body_size_limit: 10MiB"), std::string::npos) << rendered;
  EXPECT_EQ(rendered.find("password: p"), std::string::npos) << rendered;
  EXPECT_EQ(rendered.find("tok"), std::string::npos) << rendered;
}

TEST(ScrapeConfig, TimeoutDefaultsToTheIntervalWhenShorter) {
  ServerConfig c;
  ASSERT_TRUE(Load("scrape_configs:\n- job_name: a\n  scrape_interval: 5s\n", &c).ok());
  EXPECT_EQ(c.scrape.scrape_configs[0].scrape_timeout_ms, 5'000);
  ServerConfig g;
  ASSERT_TRUE(Load("global: {scrape_interval: 3s}\nscrape_configs:\n- job_name: a\n", &g).ok());
  EXPECT_EQ(g.global.scrape_timeout_ms, 3'000);
  EXPECT_EQ(g.scrape.scrape_configs[0].scrape_timeout_ms, 3'000);
}

TEST(ScrapeConfig, RefusesWhatPrometheusRefuses) {
  const std::string job = "scrape_configs:\n- job_name: a\n";
  ExpectRefusedNaming("scrape_configs:\n- scheme: http\n", "scrape_configs[0].job_name",
                      "job_name is empty");
  ExpectRefusedNaming("scrape_configs:\n-\n", "scrape_configs[0]", "empty or null");
  ExpectRefusedNaming(job + "- job_name: a\n", "scrape_configs[1].job_name",
                      "found multiple scrape configs with job name \"a\"");
  ExpectRefusedNaming(job + "  scrape_interval: 5s\n  scrape_timeout: 10s\n",
                      "scrape_configs[0].scrape_timeout", "greater than scrape interval");
  ExpectRefusedNaming("global: {scrape_interval: 5s, scrape_timeout: 6s}\n",
                      "global.scrape_timeout",
                      "global scrape timeout greater than scrape interval");
  ExpectRefusedNaming(job + "  scheme: ftp\n", "scrape_configs[0].scheme", "not http or https");
  ExpectRefusedNaming(job + "  bogus: 1\n", "scrape_configs[0].bogus", "unknown key");
  ExpectRefusedNaming(job + "  scrape_protocols: []\n", "scrape_configs[0].scrape_protocols",
                      "cannot be empty");
  ExpectRefusedNaming(job + "  scrape_protocols: [PrometheusText0.0.4, prometheustext0.0.4]\n",
                      "scrape_configs[0].scrape_protocols", "duplicated protocol");
  ExpectRefusedNaming(job + "  scrape_protocols: [Text]\n", "scrape_configs[0].scrape_protocols[0]",
                      "unknown scrape protocol Text");
  ExpectRefusedNaming(job + "  scrape_protocols: [PrometheusProto]\n",
                      "scrape_configs[0].scrape_protocols[0]", "not supported");
  ExpectRefusedNaming(job + "  fallback_scrape_protocol: nope\n",
                      "scrape_configs[0].fallback_scrape_protocol", "unknown scrape protocol");
  ExpectRefusedNaming("global: {scrape_protocols: [x]}\n", "global.scrape_protocols[0]",
                      "unknown scrape protocol");
  ExpectRefusedNaming(job + "  body_size_limit: 10\n", "scrape_configs[0].body_size_limit",
                      "missing unit");
  ExpectRefusedNaming(job + "  body_size_limit: 10XB\n", "scrape_configs[0].body_size_limit",
                      "unknown unit");
  ExpectRefusedNaming(job + "  sample_limit: -1\n", "scrape_configs[0].sample_limit");
  ExpectRefusedNaming(job + "  honor_labels: maybe\n", "scrape_configs[0].honor_labels");
  ExpectRefusedNaming(job + "  params: [a]\n", "scrape_configs[0].params");
  ExpectRefusedNaming(job + "  static_configs:\n  - targets: ['http://a:1/metrics']\n",
                      "scrape_configs[0].static_configs[0].targets[0]", "not a valid hostname");
  ExpectRefusedNaming(job + "  static_configs:\n  - targets: [a]\n    bogus: 1\n",
                      "scrape_configs[0].static_configs[0].bogus", "unknown key");
  ExpectRefusedNaming(job + "  file_sd_configs:\n  - files: []\n",
                      "scrape_configs[0].file_sd_configs[0].files", "at least one path name");
  ExpectRefusedNaming(job + "  file_sd_configs:\n  - files: [targets.txt]\n",
                      "scrape_configs[0].file_sd_configs[0].files",
                      "path name \"targets.txt\" is not valid for file discovery");
  ExpectRefusedNaming(job + "  file_sd_configs:\n  - files: ['*/t.json']\n",
                      "scrape_configs[0].file_sd_configs[0].files", "not valid for file discovery");
  ExpectRefusedNaming(job + "  file_sd_configs:\n  - files: [t.json]\n    refresh_interval: x\n",
                      "scrape_configs[0].file_sd_configs[0].refresh_interval");
  ExpectRefusedNaming(job + "  http_sd_configs:\n  - refresh_interval: 1m\n",
                      "scrape_configs[0].http_sd_configs[0].url", "URL is missing");
  ExpectRefusedNaming(job + "  http_sd_configs:\n  - url: ftp://x/\n",
                      "scrape_configs[0].http_sd_configs[0].url", "URL scheme must be");
  ExpectRefusedNaming(job + "  http_sd_configs:\n  - url: http:///x\n",
                      "scrape_configs[0].http_sd_configs[0].url", "host is missing");
  ExpectRefusedNaming(job + "  http_sd_configs:\n  - url: http://x/\n    bogus: 1\n",
                      "scrape_configs[0].http_sd_configs[0].bogus", "unknown key");
  ExpectRefusedNaming(job + "  relabel_configs:\n  - action: hashmod\n    target_label: x\n",
                      "scrape_configs[0].relabel_configs[0]", "modulus");
  ExpectRefusedNaming(job + "  metric_relabel_configs:\n  - action: nope\n",
                      "scrape_configs[0].metric_relabel_configs[0].action");
  ExpectRefusedNaming(job + "  basic_auth: {username: u}\n  authorization: {credentials: c}\n",
                      "scrape_configs[0].authorization", "at most one");
  ExpectRefusedNaming(job + "  scrape_interval: 1x\n", "scrape_configs[0].scrape_interval");
  ExpectRefusedNaming("scrape_configs: {a: 1}\n", "scrape_configs", "must be a list");
  ExpectRefusedNaming("scrape_config_files: ['a/*/b.yml']\n", "scrape_config_files",
                      "invalid scrape config file path");
}

TEST(ScrapeConfig, StaticTargetsAreNotCheckedWhenRelabelingMayRewriteThem) {
  ServerConfig c;
  Status s = Load(R"(scrape_configs:
- job_name: blackbox
  static_configs: [{targets: ['http://example.com/health']}]
  relabel_configs:
  - {source_labels: [__address__], target_label: __param_target}
  - {target_label: __address__, replacement: 'localhost:9115'}
)",
                  &c);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(ScrapeConfig, ScrapeConfigFilesAddJobs) {
  TempDir dir;
  fs::create_directories(dir.path() + "/jobs");
  dir.Write("jobs/a.yml",
            "scrape_configs:\n- job_name: from_file\n  file_sd_configs:\n"
            "  - files: [sd.json]\n");
  const std::string main = dir.Write(
      "tidemark.yaml",
      "global: {scrape_interval: 20s}\nscrape_config_files: ['jobs/*.yml']\nscrape_configs:\n"
      "- job_name: main\n");
  ServerConfig c;
  Status s = LoadConfigFile(main, &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(c.scrape.scrape_configs.size(), 2u);
  EXPECT_EQ(c.scrape.scrape_configs[1].job_name, "from_file");
  EXPECT_EQ(c.scrape.scrape_configs[1].scrape_interval_ms, 20'000);
  // Relative to the file that names them.
  EXPECT_EQ(c.scrape.scrape_configs[1].file_sd_configs[0].files[0], dir.path() + "/jobs/sd.json");

  dir.Write("jobs/b.yml", "scrape_configs:\n- job_name: main\n");
  ServerConfig d;
  s = LoadConfigFile(main, &d);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("b.yml"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("found multiple scrape configs with job name \"main\""),
            std::string::npos)
      << s.message();
}

TEST(ScrapeConfig, AcceptHeaderIsPrometheus3s) {
  EXPECT_EQ(AcceptHeaderFor(DefaultScrapeProtocols()),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
            "application/openmetrics-text;version=0.0.1;q=0.5,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
  EXPECT_EQ(AcceptHeaderFor({ScrapeProtocol::kPrometheusText0_0_4}),
            "text/plain;version=0.0.4;q=0.6,*/*;q=0.5");
  EXPECT_EQ(ScrapeProtocolName(ScrapeProtocol::kOpenMetricsText0_0_1), "OpenMetricsText0.0.1");
}

TEST(ScrapeConfig, ByteSizesAsPrometheusUnits) {
  EXPECT_EQ(*ParseByteSize("0"), 0u);
  EXPECT_EQ(*ParseByteSize("100B"), 100u);
  EXPECT_EQ(*ParseByteSize("1KB"), 1024u);
  EXPECT_EQ(*ParseByteSize("1KiB"), 1024u);
  EXPECT_EQ(*ParseByteSize("1.5MB"), 1536u * 1024);
  EXPECT_EQ(*ParseByteSize("1GB512MB"), (1536ull << 20));
  for (const char* bad : {"", "10", "MB", "1kb", "-1MB", "1 MB"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatByteSize(0), "0B");
  EXPECT_EQ(FormatByteSize(10u << 20), "10MiB");
  EXPECT_EQ(FormatByteSize(1536), "1KiB512B");
}

}  // namespace
}  // namespace tidemark::server
