// Starts a program (an exporter, a scrape target script) for a test and stops it by PID.
#ifndef TIDEMARK_TESTS_SERVER_CHILD_PROCESS_H_
#define TIDEMARK_TESTS_SERVER_CHILD_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace tidemark::testing {

// A child process with stdout and stderr into `log` (appended to with `append_log`, so that a
// restart keeps the first run's lines), stopped (SIGTERM, then SIGKILL after 10 s) when the object
// goes.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, std::string log, bool append_log = false)
      : log_(std::move(log)) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd =
          ::open(log_.c_str(), O_WRONLY | O_CREAT | (append_log ? O_APPEND : O_TRUNC), 0644);
      ::dup2(fd, STDERR_FILENO);
      ::dup2(fd, STDOUT_FILENO);
      std::vector<std::string> copy = args;
      std::vector<char*> argv;
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      _exit(127);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { Stop(); }

  // True while it runs.
  bool Running() {
    if (pid_ <= 0) return false;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = 0;
      return false;
    }
    return true;
  }

  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = 0;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

  std::string Log() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

}  // namespace tidemark::testing

#endif  // TIDEMARK_TESTS_SERVER_CHILD_PROCESS_H_
