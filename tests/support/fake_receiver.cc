#include "fake_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

#include "loopback.h"

namespace hookd::testing {
namespace http = boost::beast::http;

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

FakeReceiver::FakeReceiver() {
  listen_fd_ = ListenOnLoopback(port_);
  acceptor_ = std::thread([this] { Accept(); });
}

FakeReceiver::~FakeReceiver() {
  stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  {
    std::lock_guard lock(mu_);
    for (int fd : fds_) shutdown(fd, SHUT_RDWR);
  }
  stop_cv_.notify_all();
  acceptor_.join();
  for (auto& w : workers_) w.join();
}

std::string FakeReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void FakeReceiver::Script(const std::string& path, std::vector<ScriptedReply> replies) {
  std::lock_guard lock(mu_);
  scripts_[path] = std::move(replies);
}

std::vector<SeenRequest> FakeReceiver::Requests(const std::string& path) const {
  std::lock_guard lock(mu_);
  std::vector<SeenRequest> out;
  for (const auto& r : seen_)
    if (r.path == path) out.push_back(r);
  return out;
}

size_t FakeReceiver::Count(const std::string& path) const { return Requests(path).size(); }

int FakeReceiver::MaxConcurrent(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = max_concurrent_.find(path);
  return it == max_concurrent_.end() ? 0 : it->second;
}

void FakeReceiver::Accept() {
  while (!stopping_) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard lock(mu_);
    if (stopping_) {
      close(fd);
      break;
    }
    fds_.push_back(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeReceiver::Serve(int fd) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock(ioc, boost::asio::ip::tcp::v4(), fd);
  boost::beast::flat_buffer buffer;
  while (!stopping_) {
    http::request<http::string_body> req;
    boost::beast::error_code ec;
    http::read(sock, buffer, req, ec);
    if (ec) break;
    std::string path(req.target());
    ScriptedReply reply;
    {
      std::lock_guard lock(mu_);
      SeenRequest seen{
          std::string(req.method_string()), path, {}, req.body(), std::chrono::steady_clock::now()};
      for (const auto& f : req) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        seen.headers[name] = std::string(f.value());
      }
      seen_.push_back(std::move(seen));
      auto it = scripts_.find(path);
      if (it != scripts_.end() && !it->second.empty()) {
        size_t n = served_[path]++;
        reply = it->second[std::min(n, it->second.size() - 1)];
      }
      max_concurrent_[path] = std::max(max_concurrent_[path], ++concurrent_[path]);
    }
    if (reply.hang) {
      std::unique_lock lock(mu_);
      stop_cv_.wait(lock, [this] { return stopping_.load(); });
      break;
    }
    http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
    for (const auto& [k, v] : reply.headers) res.set(k, v);
    res.body() = reply.body;
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(sock, res, ec);
    {
      std::lock_guard lock(mu_);
      --concurrent_[path];
    }
    if (ec || !req.keep_alive()) break;
  }
  std::lock_guard lock(mu_);
  std::erase(fds_, fd);  // before the socket closes it, so the fd is never shut down when reused
}

}  // namespace hookd::testing
