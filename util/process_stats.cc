#include "util/process_stats.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace tidemark::util {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// The number at the start of `s` (after spaces), or 0: /proc is the kernel's, but a malformed
// field must not throw.
uint64_t LeadingNumber(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// The value after `key` on the line of `text` starting with it, or 0.
uint64_t LineValue(std::string_view text, std::string_view key) {
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    if (line.starts_with(key)) return LeadingNumber(line.substr(key.size()));
    pos = eol + 1;
  }
  return 0;
}

}  // namespace

Result<ProcessStats> ReadProcessStats(int pid) {
  const std::string base = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  const std::string stat = ReadAll(base + "/stat");
  // The command (field 2) is in parentheses and may hold spaces: fields resume after the last ')'.
  const size_t close = stat.rfind(')');
  if (stat.empty() || close == std::string::npos || close + 2 > stat.size()) {
    return Status::NotFound("no process " + (pid == 0 ? std::string("self") : std::to_string(pid)));
  }
  // fields[0] is field 3 (state).
  std::vector<std::string_view> fields;
  std::string_view rest = std::string_view(stat).substr(close + 2);
  while (!rest.empty() && fields.size() < 22) {
    const size_t space = rest.find(' ');
    fields.push_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  if (fields.size() < 22) return Status::Internal(base + "/stat has fewer fields than expected");
  auto field = [&](int n) { return LeadingNumber(fields[static_cast<size_t>(n - 3)]); };
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  ProcessStats s;
  s.cpu_seconds = static_cast<double>(field(14) + field(15)) / ticks;  // utime + stime
  s.virtual_bytes = field(23);
  s.resident_bytes = field(24) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t boot_time = LineValue(ReadAll("/proc/stat"), "btime ");
  s.start_time_seconds = static_cast<double>(boot_time) + static_cast<double>(field(22)) / ticks;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(base + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++s.open_fds;
  }
  // "Max open files  <soft>  <hard>  files"; "unlimited" reads as 0.
  s.max_fds = LineValue(ReadAll(base + "/limits"), "Max open files");
  return s;
}

uint64_t PhysicalMemoryBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

}  // namespace tidemark::util
