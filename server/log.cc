#include "server/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "server/prom_json.h"

namespace tidemark::server {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_mu;

}  // namespace

bool SetLogLevel(const std::string& name) {
  static const std::pair<const char*, LogLevel> kLevels[] = {{"debug", LogLevel::kDebug},
                                                             {"info", LogLevel::kInfo},
                                                             {"warn", LogLevel::kWarn},
                                                             {"error", LogLevel::kError}};
  for (const auto& [n, l] : kLevels) {
    if (name == n) {
      g_level = static_cast<int>(l);
      return true;
    }
  }
  return false;
}

void Log(LogLevel level, const std::string& msg,
         const std::vector<std::pair<std::string, std::string>>& fields) {
  if (static_cast<int>(level) < g_level) return;
  static const char* kNames[] = {"debug", "info", "warn", "error"};
  const auto now = std::chrono::system_clock::now();
  const time_t secs = std::chrono::system_clock::to_time_t(now);
  const int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char ts[64];
  std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  std::string line = "{\"ts\":\"";
  line += ts;
  line += "\",\"level\":\"";
  line += kNames[static_cast<int>(level)];
  line += "\",\"msg\":";
  AppendJsonString(&line, msg);
  for (const auto& [k, v] : fields) {
    line.push_back(',');
    AppendJsonString(&line, k);
    line.push_back(':');
    AppendJsonString(&line, v);
  }
  line += "}\n";
  std::lock_guard lock(g_mu);
  std::fputs(line.c_str(), stderr);
}

}  // namespace tidemark::server
