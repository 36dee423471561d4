// A webhook receiver for tests: real HTTP/1.1 on 127.0.0.1, scripted answers per path, and a
// record of every request. Each connection is served by its own thread (tests only).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "loopback.h"

namespace hookd::testing {

struct ScriptedReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool hang = false;  // never answer (until the receiver stops)
};

struct SeenRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::chrono::steady_clock::time_point at;
};

class FakeReceiver {
 public:
  FakeReceiver();
  ~FakeReceiver();

  std::string Url(const std::string& path) const;
  // Answers for `path`, in order; the last one repeats. Unscripted paths answer 200.
  void Script(const std::string& path, std::vector<ScriptedReply> replies);
  std::vector<SeenRequest> Requests(const std::string& path) const;
  size_t Count(const std::string& path) const;
  int MaxConcurrent(const std::string& path) const;

 private:
  void Serve(boost::asio::ip::tcp::socket& sock);

  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  std::map<std::string, std::vector<ScriptedReply>> scripts_;
  std::map<std::string, size_t> served_;
  std::map<std::string, int> concurrent_, max_concurrent_;
  std::vector<SeenRequest> seen_;
  LoopbackServer server_;  // last: its threads use the members above
};

// Polls `done` until it holds or `timeout` passes. Returns its last value.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace hookd::testing
