// A process' resource use as Linux reports it in /proc: what Prometheus' process collector
// exports (process_cpu_seconds_total, process_resident_memory_bytes, ...), and what
// tidemark-bench reads of the server it measures.
#ifndef TIDEMARK_UTIL_PROCESS_STATS_H_
#define TIDEMARK_UTIL_PROCESS_STATS_H_

#include <cstdint>

#include "tidemark/status.h"

namespace tidemark::util {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  double start_time_seconds = 0;  // since the epoch
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;  // the soft limit; 0 if unlimited or unknown
};

// Stats of process `pid` (0: this process). NotFound when there is no such process.
Result<ProcessStats> ReadProcessStats(int pid = 0);

// The machine's physical memory in bytes (what defaults sized by it divide).
uint64_t PhysicalMemoryBytes();

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_PROCESS_STATS_H_
