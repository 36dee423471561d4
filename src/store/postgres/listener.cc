#include "store/postgres/listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/thread_setup.h"
#include "store/postgres/pool.h"

namespace hookd::store::postgres {
namespace {
// How long the listener waits before trying again to connect (Health spaces real attempts).
constexpr int kRetryMs = 200;
}  // namespace

Listener::Listener(std::string url, Health& health, std::function<int()> own_pid,
                   std::function<void()> wake)
    : url_(std::move(url)),
      health_(health),
      own_pid_(std::move(own_pid)),
      wake_(std::move(wake)),
      stop_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

Listener::~Listener() {
  Stop();
  if (stop_fd_ >= 0) close(stop_fd_);
}

void Listener::Start() {
  thread_ = std::thread([this] {
    core::SetUpThisThread("hookd-listen");
    Loop();
  });
}

void Listener::Stop() {
  stopping_ = true;
  uint64_t one = 1;
  if (stop_fd_ >= 0) (void)!write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void Listener::Loop() {
  std::unique_ptr<Conn> conn;
  bool reconnect = false;
  while (!stopping_) {
    if (!conn) {
      auto c = Connect(url_, health_);
      if (c && (*c)->ExecScript(std::string("LISTEN ") + kDueChannel)) {
        conn = std::move(*c);
        if (reconnect && wake_) wake_();
      }
      reconnect = true;
    }
    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {conn ? conn->socket() : -1, POLLIN, 0}};
    if (poll(fds, conn ? 2 : 1, conn ? -1 : kRetryMs) < 0) continue;
    if (fds[0].revents & POLLIN) break;
    if (!conn || !(fds[1].revents & (POLLIN | POLLERR | POLLHUP))) continue;
    if (!conn->ConsumeInput()) {
      conn.reset();  // reconnects (and wakes) on the next turn
      continue;
    }
    bool foreign = false;
    while (auto n = conn->NextNotification()) foreign = foreign || n->second != own_pid_();
    if (foreign && wake_) wake_();
  }
}

}  // namespace hookd::store::postgres
