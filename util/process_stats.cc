#include "util/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tidemark::util {
namespace {

// The system's boot time (seconds since the epoch), from /proc/stat's btime line.
double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

Result<ProcessStats> ReadProcessStats(int pid) {
  const std::string base = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  std::ifstream stat_file(base + "/stat");
  const std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
  // The command (field 2) is in parentheses and may hold spaces: fields resume after the last ')'.
  const size_t close = stat.rfind(')');
  if (stat.empty() || close == std::string::npos || close + 2 > stat.size()) {
    return Status::NotFound("no process " + (pid == 0 ? std::string("self") : std::to_string(pid)));
  }
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0, starttime = 0, vsize = 0, rss_pages = 0;
  for (int i = 3; i <= 24 && fields >> f; ++i) {
    switch (i) {
      case 14:
        utime = std::stoull(f);
        break;
      case 15:
        stime = std::stoull(f);
        break;
      case 22:
        starttime = std::stoull(f);
        break;
      case 23:
        vsize = std::stoull(f);
        break;
      case 24:
        rss_pages = std::stoull(f);
        break;
      default:
        break;
    }
  }
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  ProcessStats s;
  s.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  s.resident_bytes = rss_pages * static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE));
  s.virtual_bytes = vsize;
  s.start_time_seconds = BootTimeSeconds() + static_cast<double>(starttime) / ticks;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(base + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++s.open_fds;
  }
  if (pid == 0) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      s.max_fds = limit.rlim_cur;
    }
  } else {
    std::ifstream limits(base + "/limits");
    std::string line;
    while (std::getline(limits, line)) {
      if (line.rfind("Max open files", 0) != 0) continue;
      std::istringstream in(line.substr(14));
      std::string soft;
      in >> soft;
      if (soft != "unlimited") s.max_fds = std::stoull(soft);
    }
  }
  return s;
}

}  // namespace tidemark::util
