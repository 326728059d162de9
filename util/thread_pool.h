// A fixed set of threads running queued tasks in order (OTLP/gRPC exports, reading series ahead
// of a query). The threads live as long as the pool, so a task pays no thread start and
// allocates from an allocator arena that is already warm.
#ifndef TIDEMARK_UTIL_THREAD_POOL_H_
#define TIDEMARK_UTIL_THREAD_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tidemark::util {

// The threads an option asks for, where 0 means one per core, at most 8 (Options::read_threads,
// Options::span_scan_threads); a number asked for is capped at 64.
size_t ThreadsFromOption(uint32_t configured);

// Names `thread` for `top -H`, perf and /proc/PID/task/*/comm (the first 15 characters show), so
// an operator can tell which of the engine's threads uses the CPU.
void NameThread(std::thread& thread, const std::string& name);

class ThreadPool {
 public:
  // `threads` >= 1; each is named `name` (at most 15 characters show in `top -H` and perf).
  // At most `max_queued` tasks wait for a thread (TrySubmit).
  ThreadPool(size_t threads, const std::string& name, size_t max_queued = SIZE_MAX);
  // Runs every task already submitted, then joins the threads.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // False, without running `task`, when `max_queued` tasks are already waiting.
  bool TrySubmit(std::function<void()> task);
  size_t size() const { return threads_.size(); }

 private:
  void Run();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace tidemark::util

#endif  // TIDEMARK_UTIL_THREAD_POOL_H_
