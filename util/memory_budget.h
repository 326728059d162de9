// A byte budget shared by concurrent users: the queries running at once, the HTTP requests being
// received. Each reserves what it is about to hold and releases it when done, so that together
// they stay under one bound however many there are. Lock-free; the counts are estimates the
// users make, not what the allocator reports.
#ifndef TIDEMARK_UTIL_MEMORY_BUDGET_H_
#define TIDEMARK_UTIL_MEMORY_BUDGET_H_

#include <atomic>
#include <cstdint>

namespace tidemark::util {

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Counts `bytes` when they fit under the limit; false (and nothing counted) when they do not.
  bool TryReserve(uint64_t bytes) {
    uint64_t now = used_.load(std::memory_order_relaxed);
    do {
      if (bytes > limit_ || now > limit_ - bytes) return false;
    } while (!used_.compare_exchange_weak(now, now + bytes, std::memory_order_relaxed));
    return true;
  }
  // Counts `bytes` whether or not they fit: memory already held that must be seen by others.
  void ForceReserve(uint64_t bytes) { used_.fetch_add(bytes, std::memory_order_relaxed); }
  void Release(uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_MEMORY_BUDGET_H_
