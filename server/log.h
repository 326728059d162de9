// Structured logs: one JSON object per line on stderr. Errors only per request, never one line
// per accepted request.
#ifndef TIDEMARK_SERVER_LOG_H_
#define TIDEMARK_SERVER_LOG_H_

#include <string>
#include <utility>
#include <vector>

namespace tidemark::server {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
bool SetLogLevel(const std::string& name);
void Log(LogLevel level, const std::string& msg,
         const std::vector<std::pair<std::string, std::string>>& fields = {});
inline void LogInfo(const std::string& msg,
                    const std::vector<std::pair<std::string, std::string>>& fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogError(const std::string& msg,
                     const std::vector<std::pair<std::string, std::string>>& fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_LOG_H_
