// Alert delivery (server/notifier.h) against a real Alertmanager (Debian's
// prometheus-alertmanager, started on loopback ports) and a webhook listener: alerts are read back
// from Alertmanager's own API (GET /api/v2/alerts), and Alertmanager's webhook message is the
// reference for tidemark's own.
#include "server/notifier.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "server/api_params.h"
#include "server/http_server.h"
#include "tests/server/alertmanager_process.h"
#include "tests/server/server_process.h"

namespace tidemark::server {
namespace {

using tidemark::testing::AlertmanagerBinary;
using tidemark::testing::AlertmanagerProcess;
using tidemark::testing::Eventually;
using tidemark::testing::FreePort;
using tidemark::testing::HttpCall;
using tidemark::testing::WebhookListener;

std::string Str(const rapidjson::Value& v, const char* name) {
  return v.IsObject() && v.HasMember(name) && v[name].IsString() ? v[name].GetString() : "";
}

// The alert of Alertmanager's list whose alertname is `name`, or null.
const rapidjson::Value* FindAlert(const rapidjson::Document& alerts, const std::string& name) {
  for (const auto& a : alerts.GetArray()) {
    if (a.HasMember("labels") && Str(a["labels"], "alertname") == name) return &a;
  }
  return nullptr;
}

Labels LabelsOf(const rapidjson::Value& object) {
  std::vector<Label> items;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    items.push_back({it->name.GetString(), it->value.GetString()});
  }
  return Labels(std::move(items));
}

NotifierAlert Firing(const std::string& name, Labels extra = {}) {
  std::vector<Label> labels = extra.items();
  labels.push_back({"alertname", name});
  NotifierAlert a;
  a.labels = Labels(std::move(labels));
  a.annotations = Labels{{"summary", name + " is firing"}};
  a.starts_at_ms = NowMs() - 60'000;
  a.ends_at_ms = NowMs() + 3'600'000;
  a.generator_url = "http://tidemark.example:9090/graph?g0.expr=up";
  return a;
}

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (AlertmanagerBinary().empty()) {
      GTEST_SKIP() << "prometheus-alertmanager is not installed (scripts/install-test-clients.sh "
                      "installs it)";
    }
    dir_ = (std::filesystem::temp_directory_path() /
            ("tidemark-notifier-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    am_ = std::make_unique<AlertmanagerProcess>(dir_, FreePort(), listener_.Url("/am"));
    ASSERT_TRUE(am_->Start()) << am_->Log();
  }
  void TearDown() override {
    notifier_.reset();
    am_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Alerting with the test's Alertmanager and short retry waits.
  AlertingConfig Config() const {
    AlertingConfig c;
    AlertmanagerConfig am;
    am.static_configs.push_back({{"127.0.0.1:" + std::to_string(am_->port())}, {}});
    c.alertmanagers.push_back(am);
    c.retry_min_backoff_ms = 100;
    c.retry_max_backoff_ms = 400;
    c.drain_timeout_ms = 1000;
    return c;
  }
  void Start(const AlertingConfig& config, const Labels& external_labels = {}) {
    auto made = Notifier::Create(config, external_labels);
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    notifier_ = std::move(made).value();
  }
  const NotifierDestinationStats& Stats(size_t i = 0) {
    stats_ = notifier_->Stats();
    EXPECT_GT(stats_.destinations.size(), i);
    return stats_.destinations[i];
  }

  std::string dir_;
  WebhookListener listener_;
  std::unique_ptr<AlertmanagerProcess> am_;
  std::unique_ptr<Notifier> notifier_;
  NotifierStats stats_;
};

TEST_F(NotifierTest, FiringAlertsReachAlertmanagerWithExternalLabels) {
  Start(Config(), Labels{{"cluster", "eu-1"}, {"region", "from-external"}});
  NotifierAlert alert = Firing("HighLatency", Labels{{"severity", "page"}, {"region", "own"}});
  notifier_->Send({alert});
  rapidjson::Document alerts;
  ASSERT_TRUE(Eventually([&] {
    alerts = am_->Alerts();
    return FindAlert(alerts, "HighLatency") != nullptr;
  })) << am_->Log();
  const rapidjson::Value& got = *FindAlert(alerts, "HighLatency");
  // The external label is added; the alert's own label of the same name wins.
  const Labels want{
      {"alertname", "HighLatency"}, {"cluster", "eu-1"}, {"region", "own"}, {"severity", "page"}};
  EXPECT_EQ(LabelsOf(got["labels"]), want);
  EXPECT_EQ(LabelsOf(got["annotations"]), (Labels{{"summary", "HighLatency is firing"}}));
  EXPECT_EQ(Str(got, "startsAt"), FormatRfc3339Millis(alert.starts_at_ms));
  EXPECT_EQ(Str(got, "endsAt"), FormatRfc3339Millis(alert.ends_at_ms));
  EXPECT_EQ(Str(got, "generatorURL"), alert.generator_url);
  EXPECT_EQ(Str(got["status"], "state"), "active");
  // Alertmanager's fingerprint of the label set is the one tidemark's webhooks carry.
  EXPECT_EQ(Str(got, "fingerprint"), AlertFingerprint(want));
  EXPECT_TRUE(Eventually([&] { return Stats().sent == 1; }));
  EXPECT_EQ(Stats().errors, 0u);
  EXPECT_EQ(Stats().url, "http://127.0.0.1:" + std::to_string(am_->port()) + "/api/v2/alerts");
}

TEST_F(NotifierTest, ResolvedAlertsResolveInAlertmanager) {
  Start(Config());
  NotifierAlert alert = Firing("DiskFull");
  notifier_->Send({alert});
  ASSERT_TRUE(Eventually([&] { return FindAlert(am_->Alerts(), "DiskFull") != nullptr; }));
  alert.ends_at_ms = NowMs() - 1000;
  notifier_->Send({alert});
  // Gone from the active alerts, and Alertmanager notifies the resolution.
  EXPECT_TRUE(Eventually([&] { return FindAlert(am_->Alerts(), "DiskFull") == nullptr; }));
  EXPECT_TRUE(Eventually([&] {
    for (const HttpRequest& r : listener_.Requests("/am")) {
      rapidjson::Document message;
      message.Parse(r.body.c_str());
      if (Str(message, "status") == "resolved" &&
          Str(message["commonLabels"], "alertname") == "DiskFull") {
        return true;
      }
    }
    return false;
  })) << am_->Log();
}

TEST_F(NotifierTest, AlertsQueueWhileAlertmanagerIsDownAndArriveWhenItReturns) {
  Start(Config());
  am_->Stop();
  notifier_->Send({Firing("WhileDown1"), Firing("WhileDown2")});
  // Failed attempts are counted; the alerts stay queued.
  ASSERT_TRUE(Eventually([&] { return Stats().errors >= 4; }, 10'000));
  EXPECT_EQ(Stats().queue_length, 2u);
  EXPECT_EQ(Stats().sent, 0u);
  EXPECT_EQ(Stats().dropped, 0u);
  ASSERT_TRUE(am_->Start()) << am_->Log();
  EXPECT_TRUE(Eventually([&] {
    rapidjson::Document alerts = am_->Alerts();
    return FindAlert(alerts, "WhileDown1") != nullptr && FindAlert(alerts, "WhileDown2") != nullptr;
  })) << am_->Log();
  EXPECT_TRUE(Eventually([&] { return Stats().sent == 2 && Stats().queue_length == 0; }));
}

TEST_F(NotifierTest, AlertRelabelConfigsDropAndRewrite) {
  AlertingConfig config = Config();
  ingest::RelabelRule drop_debug;
  drop_debug.action = ingest::RelabelAction::kDrop;
  drop_debug.source_labels = {"severity"};
  drop_debug.regex = "debug";
  config.alert_relabel_configs.push_back(*ingest::MakeRelabelConfig(drop_debug));
  // The set's own rule: only what goes to this Alertmanager gets the label.
  ingest::RelabelRule add_team;
  add_team.target_label = "team";
  add_team.replacement = "sre";
  config.alertmanagers[0].alert_relabel_configs.push_back(*ingest::MakeRelabelConfig(add_team));
  config.webhooks.push_back({listener_.Url("/tidemark"), 10'000, 0, {}});
  Start(config);
  notifier_->Send({Firing("Kept", Labels{{"severity", "page"}}),
                   Firing("Dropped", Labels{{"severity", "debug"}})});
  rapidjson::Document alerts;
  ASSERT_TRUE(Eventually([&] {
    alerts = am_->Alerts();
    return FindAlert(alerts, "Kept") != nullptr;
  }));
  EXPECT_EQ(FindAlert(alerts, "Dropped"), nullptr);  // same request: it would be there by now
  EXPECT_EQ(Str((*FindAlert(alerts, "Kept"))["labels"], "team"), "sre");
  ASSERT_TRUE(Eventually([&] { return !listener_.Requests("/tidemark").empty(); }));
  rapidjson::Document message;
  message.Parse(listener_.Requests("/tidemark")[0].body.c_str());
  ASSERT_TRUE(message.IsObject());
  ASSERT_EQ(message["alerts"].Size(), 1u);
  EXPECT_EQ(Str(message["alerts"][0]["labels"], "alertname"), "Kept");
  EXPECT_EQ(Str(message["alerts"][0]["labels"], "team"), "");  // the set's rule only
  EXPECT_EQ(notifier_->Stats().relabel_dropped, 1u);
}

TEST_F(NotifierTest, AlertsAlertmanagerRefusesAreDroppedNotRetried) {
  Start(Config());
  // Alertmanager 0.25 refuses label names outside [a-zA-Z_][a-zA-Z0-9_]* with 400.
  notifier_->Send({Firing("Bad", Labels{{"bad-name", "x"}})});
  ASSERT_TRUE(Eventually([&] { return Stats().dropped == 1; })) << am_->Log();
  EXPECT_EQ(Stats().errors, 1u);
  notifier_->Send({Firing("GoodAfterBad")});
  EXPECT_TRUE(Eventually([&] { return FindAlert(am_->Alerts(), "GoodAfterBad") != nullptr; }));
}

// The member names of a JSON object, sorted.
std::vector<std::string> Keys(const rapidjson::Value& object) {
  std::vector<std::string> keys;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it)
    keys.push_back(it->name.GetString());
  std::sort(keys.begin(), keys.end());
  return keys;
}

TEST_F(NotifierTest, WebhookSendsAlertmanagersMessageShape) {
  AlertingConfig config = Config();
  WebhookConfig hook;
  hook.url = listener_.Url("/tidemark");
  hook.http.basic_auth = BasicAuthConfig{"user", "secret", ""};
  hook.http.headers = {{"X-Team", "sre"}};
  config.webhooks.push_back(hook);
  Start(config, Labels{{"cluster", "eu-1"}});
  NotifierAlert alert = Firing("Shape", Labels{{"severity", "page"}});
  notifier_->Send({alert});
  ASSERT_TRUE(Eventually([&] {
    return !listener_.Requests("/tidemark").empty() && !listener_.Requests("/am").empty();
  })) << am_->Log();
  const HttpRequest ours = listener_.Requests("/tidemark")[0];
  EXPECT_EQ(ours.Header("authorization"), "Basic dXNlcjpzZWNyZXQ=");
  EXPECT_EQ(ours.Header("x-team"), "sre");
  EXPECT_EQ(ours.Header("content-type"), "application/json");
  rapidjson::Document mine, theirs;
  mine.Parse(ours.body.c_str());
  theirs.Parse(listener_.Requests("/am")[0].body.c_str());
  ASSERT_TRUE(mine.IsObject()) << ours.body;
  ASSERT_TRUE(theirs.IsObject());
  // The same fields as Alertmanager's own webhook message, at both levels.
  EXPECT_EQ(Keys(mine), Keys(theirs));
  EXPECT_EQ(Keys(mine["alerts"][0]), Keys(theirs["alerts"][0]));
  EXPECT_EQ(Str(mine, "version"), "4");
  EXPECT_EQ(Str(mine, "status"), "firing");
  const rapidjson::Value& a = mine["alerts"][0];
  const rapidjson::Value& b = theirs["alerts"][0];
  EXPECT_EQ(Str(a, "status"), "firing");
  EXPECT_EQ(LabelsOf(a["labels"]), LabelsOf(b["labels"]));
  EXPECT_EQ(LabelsOf(a["annotations"]), LabelsOf(b["annotations"]));
  EXPECT_EQ(Str(a, "fingerprint"), Str(b, "fingerprint"));
  EXPECT_EQ(Str(a, "startsAt"), FormatRfc3339Millis(alert.starts_at_ms));
  EXPECT_EQ(Str(a, "generatorURL"), Str(b, "generatorURL"));
  EXPECT_EQ(LabelsOf(mine["commonLabels"]), LabelsOf(a["labels"]));
}

TEST(NotifierQueue, FullQueueDropsTheOldestAndCountsThem) {
  AlertingConfig config;
  AlertmanagerConfig am;
  am.static_configs.push_back({{"127.0.0.1:" + std::to_string(FreePort())}, {}});  // nobody
  config.alertmanagers.push_back(am);
  config.queue_capacity = 5;
  config.retry_min_backoff_ms = 10'000;  // one attempt during the test
  config.retry_max_backoff_ms = 10'000;
  config.drain_timeout_ms = 0;
  auto notifier = Notifier::Create(config, {});
  ASSERT_TRUE(notifier.ok()) << notifier.status().ToString();
  std::vector<NotifierAlert> alerts;
  for (int i = 0; i < 8; ++i) alerts.push_back(Firing("A" + std::to_string(i)));
  (*notifier)->Send(alerts);
  const NotifierDestinationStats stats = (*notifier)->Stats().destinations.at(0);
  EXPECT_EQ(stats.dropped, 3u);
  EXPECT_EQ(stats.queue_length, 5u);
  EXPECT_EQ(stats.queue_capacity, 5u);
  (*notifier)->Stop();
  EXPECT_EQ((*notifier)->Stats().destinations.at(0).dropped, 8u);  // the rest, at shutdown
}

TEST(NotifierTargets, RelabelConfigsChooseAlertmanagers) {
  AlertingConfig config;
  AlertmanagerConfig am;
  am.path_prefix = "/prefix/";
  am.static_configs.push_back({{"127.0.0.1:1", "127.0.0.1:2"}, Labels{{"dc", "x"}}});
  ingest::RelabelRule keep_one;
  keep_one.action = ingest::RelabelAction::kKeep;
  keep_one.source_labels = {"__address__"};
  keep_one.regex = ".*:1";
  am.relabel_configs.push_back(*ingest::MakeRelabelConfig(keep_one));
  config.alertmanagers.push_back(am);
  auto notifier = Notifier::Create(config, {});
  ASSERT_TRUE(notifier.ok()) << notifier.status().ToString();
  EXPECT_EQ((*notifier)->Alertmanagers(),
            std::vector<std::string>{"http://127.0.0.1:1/prefix/api/v2/alerts"});
  EXPECT_EQ((*notifier)->DroppedAlertmanagers(),
            std::vector<std::string>{"http://127.0.0.1:2/prefix/api/v2/alerts"});
  const HttpResponse response = AlertmanagersResponse(notifier->get());
  EXPECT_EQ(response.body,
            "{\"status\":\"success\",\"data\":{\"activeAlertmanagers\":[{\"url\":\"http://"
            "127.0.0.1:1/prefix/api/v2/alerts\"}],\"droppedAlertmanagers\":[{\"url\":\"http://"
            "127.0.0.1:2/prefix/api/v2/alerts\"}]}}");
  // A reload that keeps the set keeps its destination; one that changes it replaces it.
  ASSERT_TRUE((*notifier)->ApplyConfig(config, {}).ok());
  config.alertmanagers[0].relabel_configs.clear();
  ASSERT_TRUE((*notifier)->ApplyConfig(config, {}).ok());
  EXPECT_EQ((*notifier)->Alertmanagers().size(), 2u);
  // An address relabeling made invalid is refused, and the old configuration stays.
  ingest::RelabelRule bad;
  bad.target_label = "__address__";
  bad.replacement = "host/with/path";
  config.alertmanagers[0].relabel_configs.push_back(*ingest::MakeRelabelConfig(bad));
  EXPECT_FALSE((*notifier)->ApplyConfig(config, {}).ok());
  EXPECT_EQ((*notifier)->Alertmanagers().size(), 2u);
}

TEST(NotifierServer, ServeListsAlertmanagersAndReportsMetrics) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("tidemark-notifier-serve-" + std::to_string(::getpid())))
                              .string();
  std::filesystem::remove_all(dir);
  const uint16_t am_port = FreePort();
  tidemark::testing::ServerProcess server(
      dir, "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:" +
               std::to_string(am_port) + "']\n      path_prefix: /am\n");
  ASSERT_TRUE(server.ready) << server.Log();
  auto r = HttpCall(server.http_port, "GET", "/api/v1/alertmanagers");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "{\"status\":\"success\",\"data\":{\"activeAlertmanagers\":[{\"url\":\"http://"
            "127.0.0.1:" +
                std::to_string(am_port) + "/am/api/v2/alerts\"}],\"droppedAlertmanagers\":[]}}");
  r = HttpCall(server.http_port, "GET", "/metrics");
  EXPECT_NE(
      r.body.find("tidemark_notifications_queue_capacity{alertmanager=\"http://127.0.0.1:" +
                  std::to_string(am_port) + "/am/api/v2/alerts\",kind=\"alertmanager\"} 10000"),
      std::string::npos)
      << r.body;
  EXPECT_EQ(server.Stop(), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tidemark::server
