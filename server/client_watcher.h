// Watches a client's socket while a long request (a query) runs and raises a flag when the client
// hangs up, so the work is cancelled (Prometheus cancels through the request context).
#ifndef TIDEMARK_SERVER_CLIENT_WATCHER_H_
#define TIDEMARK_SERVER_CLIENT_WATCHER_H_

#include <atomic>
#include <thread>

namespace tidemark::server {

class ClientWatcher {
 public:
  // Watches `socket_fd` (nothing when it is negative) until destroyed.
  explicit ClientWatcher(int socket_fd);
  ~ClientWatcher();
  ClientWatcher(const ClientWatcher&) = delete;
  ClientWatcher& operator=(const ClientWatcher&) = delete;

  // Set once the client has gone.
  const std::atomic<bool>* flag() const { return &gone_; }

 private:
  std::atomic<bool> gone_{false};
  int wake_fd_ = -1;
  std::thread thread_;
};

}  // namespace tidemark::server

#endif  // TIDEMARK_SERVER_CLIENT_WATCHER_H_
