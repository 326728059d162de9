#include "server/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "server/api_params.h"
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
  const std::string ts = FormatRfc3339Millis(NowMs());
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
