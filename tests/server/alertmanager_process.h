// A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port, and a webhook
// listener, for the tests of alert delivery and of rules end to end.
#ifndef TIDEMARK_TESTS_SERVER_ALERTMANAGER_PROCESS_H_
#define TIDEMARK_TESTS_SERVER_ALERTMANAGER_PROCESS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "tests/server/child_process.h"
#include "tests/server/server_process.h"

namespace tidemark::testing {

using server::HttpRequest;
using server::HttpResponse;
using server::HttpServer;

inline std::string AlertmanagerBinary() {
  for (const char* path : {"/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// Records every request it receives and answers 200.
class WebhookListener {
 public:
  WebhookListener() {
    HttpServer::Settings settings;
    settings.host = "127.0.0.1";
    auto server = HttpServer::Start(settings, [this](const HttpRequest& r) {
      std::lock_guard lock(mu_);
      requests_.push_back(r);
      return HttpResponse{200, "text/plain", "ok", {}};
    });
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (server.ok()) server_ = std::move(server).value();
  }
  ~WebhookListener() {
    if (server_) server_->Stop(1000);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : 0) + path;
  }
  std::vector<HttpRequest> Requests(const std::string& path) const {
    std::lock_guard lock(mu_);
    std::vector<HttpRequest> out;
    for (const HttpRequest& r : requests_) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<HttpRequest> requests_;
  std::unique_ptr<HttpServer> server_;
};

// An Alertmanager on a loopback port with clustering off, routing every alert (grouped by
// alertname, within a second) to a webhook. Stopped by its PID.
class AlertmanagerProcess {
 public:
  AlertmanagerProcess(const std::string& dir, uint16_t port, const std::string& webhook_url)
      : dir_(dir), port_(port) {
    std::ofstream(dir + "/alertmanager.yml")
        << "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n"
           "  group_interval: 1s\n  repeat_interval: 1h\n"
           "receivers:\n  - name: hook\n    webhook_configs:\n      - url: "
        << webhook_url << "\n        send_resolved: true\n";
  }
  ~AlertmanagerProcess() { Stop(); }

  bool Start() {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            AlertmanagerBinary(), "--config.file=" + dir_ + "/alertmanager.yml",
            "--storage.path=" + dir_ + "/data",
            "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--cluster.listen-address="},
        dir_ + "/alertmanager.log", /*append_log=*/true);
    return Eventually([&] { return HttpCall(port_, "GET", "/-/ready").status == 200; });
  }
  void Stop() { process_.reset(); }
  // Alertmanager's current alerts (GET /api/v2/alerts), as a JSON array.
  rapidjson::Document Alerts() const {
    rapidjson::Document doc;
    doc.Parse(HttpCall(port_, "GET", "/api/v2/alerts").body.c_str());
    if (!doc.IsArray()) doc.SetArray();
    return doc;
  }
  std::string Log() const {
    std::ifstream in(dir_ + "/alertmanager.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  uint16_t port() const { return port_; }

 private:
  std::string dir_;
  uint16_t port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_SERVER_ALERTMANAGER_PROCESS_H_
