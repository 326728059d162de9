#include "server/client_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

namespace tidemark::server {

ClientWatcher::ClientWatcher(int socket_fd) {
  if (socket_fd < 0) return;
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) return;
  thread_ = std::thread([this, socket_fd] {
    pollfd fds[2] = {{socket_fd, POLLRDHUP, 0}, {wake_fd_, POLLIN, 0}};
    while (true) {
      const int n = poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || fds[1].revents != 0) return;
      if (fds[0].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) {
        gone_ = true;
        return;
      }
      // Bytes of a pipelined next request: not a hang-up; stop watching rather than spin.
      if (fds[0].revents != 0) return;
    }
  });
}

ClientWatcher::~ClientWatcher() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    if (write(wake_fd_, &one, sizeof one) < 0) {
      // The watcher also ends when the socket closes; nothing else to do.
    }
    thread_.join();
  }
  if (wake_fd_ >= 0) close(wake_fd_);
}

}  // namespace tidemark::server
