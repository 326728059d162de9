// The threads that run HTTP handlers, apart from the threads that do the listeners' I/O, so that
// a connection costs a thread only while its request is being handled. Handlers block (a query
// waits for its slot and runs for seconds), so the pool grows on demand up to a limit and its
// threads end after a while unused. Past the limit, requests wait, and they are taken round
// robin by client address: a flood from one address queues behind its own requests, not before
// everyone else's.
#ifndef TIDEMARK_SERVER_HANDLER_POOL_H_
#define TIDEMARK_SERVER_HANDLER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tidemark::server {

class HandlerPool {
 public:
  // `max_threads` handlers run at once. A thread waits `idle_ms` for more work before it ends:
  // reusing threads matters beyond the cost of creating them, since the allocator binds each new
  // thread to an arena and a query on a fresh thread touches megabytes of new pages.
  HandlerPool(size_t max_threads, int idle_ms);
  // Waits for the jobs queued and running to finish.
  ~HandlerPool();

  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // Runs `job` on a pool thread, after the jobs already queued for the same `client` and in
  // turn with other clients' jobs.
  void Submit(const std::string& client, std::function<void()> job);

  size_t running() const;
  size_t queued() const;

 private:
  void WorkerLoop();
  // The next job, round robin over the clients with work; under mu_, with queued_ > 0.
  std::function<void()> TakeNext();

  const size_t max_threads_;
  const int idle_ms_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  // guarded by mu_: jobs by client, and the clients with jobs in the order they are served
  std::unordered_map<std::string, std::deque<std::function<void()>>> jobs_;
  std::list<std::string> turn_;
  size_t queued_ = 0;        // guarded by mu_
  size_t threads_ = 0;       // guarded by mu_
  size_t idle_threads_ = 0;  // guarded by mu_
  size_t running_ = 0;       // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_HANDLER_POOL_H_
