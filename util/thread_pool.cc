#include "util/thread_pool.h"

#include <pthread.h>

#include <algorithm>

namespace tidemark::util {

size_t ThreadsFromOption(uint32_t configured) {
  if (configured != 0) return std::min<size_t>(configured, 64);
  return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
}

void NameThread(std::thread& thread, const std::string& name) {
  ::pthread_setname_np(thread.native_handle(), name.substr(0, 15).c_str());
}

ThreadPool::ThreadPool(size_t threads, const std::string& name, size_t max_queued)
    : max_queued_(max_queued) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { Run(); });
    NameThread(threads_.back(), name);
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool ThreadPool::TrySubmit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (tasks_.size() >= max_queued_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void ThreadPool::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // stopping, and nothing left to run
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // whatever the task holds is released outside the lock
    lock.lock();
  }
}

}  // namespace tidemark::util
