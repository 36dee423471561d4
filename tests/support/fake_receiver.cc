#include "fake_receiver.h"

#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

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

FakeReceiver::FakeReceiver() : server_([this](auto& sock) { Serve(sock); }) {}

FakeReceiver::~FakeReceiver() {
  {
    std::lock_guard lock(mu_);  // a hanging reply waits under it for stopping_
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_.Stop();
}

std::string FakeReceiver::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
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

void FakeReceiver::Serve(boost::asio::ip::tcp::socket& sock) {
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
}

}  // namespace hookd::testing
