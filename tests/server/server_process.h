// Starts `tidemark serve` on free loopback ports for a test and stops it by PID; a small HTTP
// client for talking to it.
#ifndef TIDEMARK_TESTS_SERVER_SERVER_PROCESS_H_
#define TIDEMARK_TESTS_SERVER_SERVER_PROCESS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/storage/test_util.h"

namespace tidemark::testing {

// Runs a test suite's shared set-up (SetUpTestSuite); a fatal failure in it ends the test
// program with a failure. Left alone, gtest marks every test of the suite skipped, and ctest
// counts skipped tests as not failed: a server that did not start would hide the whole suite.
// `tear_down` stops what the set-up started first: processes left running would hold the test's
// output pipe open, and ctest would wait for them until its timeout.
inline void SuiteSetUpOrExit(void (*set_up)(), void (*tear_down)()) {
  set_up();
  if (::testing::Test::HasFatalFailure()) {
    tear_down();
    std::fprintf(stderr, "the test suite's set-up failed (above): stopping\n");
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(1);
  }
}

inline uint16_t FreePort() {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
};

inline HttpResult HttpCall(uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {}) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  HttpResult out;
  try {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(socket, req);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(socket, buffer, parser);
    out.status = parser.get().result_int();
    out.body = parser.get().body();
    for (const auto& f : parser.get())
      out.headers[std::string(f.name_string())] = std::string(f.value());
  } catch (const std::exception& e) {
    out.status = -1;
    out.body = e.what();
  }
  return out;
}

class ServerProcess {
 public:
  // `ready_probe` tells whether the server answers on its HTTP port (plain HTTP by default);
  // `extra_args` follow the standard flags.
  ServerProcess(const std::string& data_dir, const std::string& config_yaml,
                std::function<bool(uint16_t)> ready_probe = {},
                const std::vector<std::string>& extra_args = {})
      : data_dir_(data_dir) {
    if (!ready_probe) {
      ready_probe = [](uint16_t port) { return HttpCall(port, "GET", "/-/ready").status == 200; };
    }
    config_path_ = data_dir + ".yaml";
    std::ofstream(config_path_) << config_yaml;
    log_path_ = data_dir + ".log";
    // A port FreePort found free may be taken before the server binds it (by another test's
    // server or a client's ephemeral port): then the server exits at once, and it is started
    // again on other ports.
    for (int attempt = 0; attempt < 5; ++attempt) {
      Launch(extra_args, ready_probe);
      const std::string log = Log();
      const bool port_taken = log.find("already in use") != std::string::npos ||
                              log.find("cannot listen") != std::string::npos;
      if (ready || pid_ != 0 || !port_taken) break;
    }
  }
  // SIGTERM and wait (bounded); returns the exit code, or -1.
  int Stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 300; ++i) {
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
    return -1;
  }
  ~ServerProcess() {
    if (pid_ > 0) Stop();
    std::remove(config_path_.c_str());
  }
  std::string Log() const {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  pid_t pid() const { return pid_; }

  uint16_t http_port = 0, otlp_http_port = 0, grpc_port = 0;
  bool ready = false;

 private:
  // Starts the server on new free ports and waits until it is ready or has exited.
  void Launch(const std::vector<std::string>& extra_args,
              const std::function<bool(uint16_t)>& ready_probe) {
    http_port = FreePort();
    otlp_http_port = FreePort();
    grpc_port = FreePort();
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, STDERR_FILENO);
      const std::string h = "127.0.0.1:" + std::to_string(http_port),
                        o = "127.0.0.1:" + std::to_string(otlp_http_port),
                        g = "127.0.0.1:" + std::to_string(grpc_port);
      std::vector<std::string> args = {
          TIDEMARK_BINARY,    "serve",   "--config",         config_path_,
          "--data-dir",       data_dir_, "--http-addr",      h,
          "--otlp-http-addr", o,         "--otlp-grpc-addr", g};
      args.insert(args.end(), extra_args.begin(), extra_args.end());
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(TIDEMARK_BINARY, argv.data());
      _exit(127);
    }
    // Ready within 20 s, or the test fails.
    for (int i = 0; i < 200; ++i) {
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited early (bad configuration)
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        pid_ = 0;
        break;
      }
      if (ready_probe(http_port)) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  std::string data_dir_, config_path_, log_path_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

// Runs a shell command; its stdout and stderr.
// Runs `node ARGS...` in `dir` (the npm clients of scripts/install-test-clients.sh); returns its
// exit code, or -1 when it ran past 90 s (then it is killed).
inline int RunNode(const std::string& dir, const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) _exit(126);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("node"));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp("node", argv.data());
    _exit(127);
  }
  for (int i = 0; i < 900; ++i) {
    int status;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

inline std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

inline std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_SERVER_SERVER_PROCESS_H_
