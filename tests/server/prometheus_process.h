// Starts Debian's `prometheus` (installed by scripts/install-test-clients.sh) on loopback for a
// test, and stops it by PID.
#ifndef TIDEMARK_TESTS_SERVER_PROMETHEUS_PROCESS_H_
#define TIDEMARK_TESTS_SERVER_PROMETHEUS_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/server_process.h"

namespace tidemark::testing {

// Forks `prometheus` with its config, data directory and listen port, output into `log`.
inline pid_t StartPrometheus(const std::string& config, const std::string& data, uint16_t port,
                             const std::string& log,
                             const std::vector<std::string>& extra_flags = {}) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDERR_FILENO);
    ::dup2(fd, STDOUT_FILENO);
    std::vector<std::string> args = {"prometheus", "--config.file=" + config,
                                     "--storage.tsdb.path=" + data,
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port)};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("prometheus", argv.data());
    _exit(127);
  }
  return pid;
}

// SIGTERM, then SIGKILL after 90 s; true if it exited on SIGTERM.
inline bool StopProcess(pid_t pid);

// Starts `prometheus` on a free port and waits (up to 30 s) until it answers as itself: a free
// port can be taken by another test's Prometheus before this one binds it, and then the other
// answers on it (this one exits). So the answer must name this data directory. Tries three
// ports; returns the pid and sets `*port`, or returns 0.
inline pid_t StartPrometheusOnFreePort(const std::string& config, const std::string& data,
                                       const std::string& log,
                                       const std::vector<std::string>& extra_flags,
                                       uint16_t* port) {
  const std::string mine = "\"storage.tsdb.path\":\"" + data + "\"";
  for (int attempt = 0; attempt < 3; ++attempt) {
    *port = FreePort();
    const pid_t pid = StartPrometheus(config, data, *port, log, extra_flags);
    bool exited = false;
    for (int i = 0; i < 300 && !exited; ++i) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) {
        exited = true;  // it could not bind the port
        break;
      }
      const HttpResult flags = HttpCall(*port, "GET", "/api/v1/status/flags");
      if (flags.status == 200 && HttpCall(*port, "GET", "/-/ready").status == 200) {
        if (flags.body.find(mine) != std::string::npos) return pid;
        break;  // another Prometheus holds the port
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!exited) StopProcess(pid);
  }
  return 0;
}

// SIGTERM, then SIGKILL after 90 s; true if it exited on SIGTERM.
inline bool StopProcess(pid_t pid) {
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 900; ++i) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return false;
}

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_SERVER_PROMETHEUS_PROCESS_H_
