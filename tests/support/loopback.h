// The tests' own loopback servers: a listening TCP socket on 127.0.0.1 at a free port, and a
// server that serves each connection on a thread of its own.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace hookd::testing {

// Returns the listening socket's descriptor and sets `port`; throws when it cannot listen.
inline int ListenOnLoopback(uint16_t& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 512) != 0)
    throw std::runtime_error("cannot listen on 127.0.0.1");
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// Accepts on 127.0.0.1 and runs `serve` on a thread per connection; the connection closes when
// `serve` returns. Stop() (the destructor too) stops accepting, shuts the open connections down
// (a blocked read or write ends) and joins every thread: an owner whose `serve` may wait for
// something else releases that wait first. Declare it after what `serve` uses.
class LoopbackServer {
 public:
  using Serve = std::function<void(boost::asio::ip::tcp::socket&)>;

  explicit LoopbackServer(Serve serve) : serve_(std::move(serve)) {
    listen_fd_ = ListenOnLoopback(port_);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~LoopbackServer() { Stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  void Stop() {
    if (stopping_.exchange(true)) return;
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : fds_) shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
  }

  uint16_t port() const { return port_; }
  bool stopping() const { return stopping_; }
  int accepted() const { return accepted_; }

 private:
  void Accept() {
    while (!stopping_) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      if (stopping_) {
        close(fd);
        break;
      }
      ++accepted_;
      fds_.push_back(fd);
      workers_.emplace_back([this, fd] { Connection(fd); });
    }
  }

  void Connection(int fd) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket sock(io, boost::asio::ip::tcp::v4(), fd);
    serve_(sock);
    std::lock_guard lock(mu_);
    std::erase(fds_, fd);  // before the socket closes it, so the fd is never shut down when reused
  }

  Serve serve_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<int> fds_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

}  // namespace hookd::testing
