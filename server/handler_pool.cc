#include "server/handler_pool.h"

#include <chrono>
#include <thread>

namespace tidemark::server {

HandlerPool::HandlerPool(size_t max_threads, int idle_ms)
    : max_threads_(max_threads == 0 ? 1 : max_threads), idle_ms_(idle_ms) {}

HandlerPool::~HandlerPool() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  work_cv_.notify_all();
  done_cv_.wait(lock, [&] { return threads_ == 0; });
}

void HandlerPool::Submit(const std::string& client, std::function<void()> job) {
  bool spawn = false;
  {
    std::lock_guard lock(mu_);
    auto& queue = jobs_[client];
    if (queue.empty()) turn_.push_back(client);
    queue.push_back(std::move(job));
    ++queued_;
    if (idle_threads_ >= queued_) {
      work_cv_.notify_one();
    } else if (threads_ < max_threads_) {
      ++threads_;
      spawn = true;
    }
  }
  if (spawn) std::thread([this] { WorkerLoop(); }).detach();
}

std::function<void()> HandlerPool::TakeNext() {
  const std::string client = std::move(turn_.front());
  turn_.pop_front();
  auto it = jobs_.find(client);
  std::function<void()> job = std::move(it->second.front());
  it->second.pop_front();
  if (it->second.empty()) {
    jobs_.erase(it);
  } else {
    turn_.push_back(client);  // its next job waits for the other clients' turns
  }
  --queued_;
  return job;
}

void HandlerPool::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    if (queued_ == 0) {
      if (stopping_) break;
      ++idle_threads_;
      const bool woken = work_cv_.wait_for(lock, std::chrono::milliseconds(idle_ms_),
                                           [&] { return stopping_ || queued_ > 0; });
      --idle_threads_;
      if (!woken) break;
      continue;
    }
    std::function<void()> job = TakeNext();
    ++running_;
    lock.unlock();
    job();
    job = nullptr;  // what it holds is released outside the lock
    lock.lock();
    --running_;
  }
  --threads_;
  done_cv_.notify_all();
}

size_t HandlerPool::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

size_t HandlerPool::queued() const {
  std::lock_guard lock(mu_);
  return queued_;
}

}  // namespace tidemark::server
