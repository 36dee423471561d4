// A lean HTTP/1.1 client for http:// URLs on an io_context run by one thread (the owner):
// keep-alive connections pooled per host:port and reused newest first, connection limits with
// requests waiting per host (under the total limit hosts take turns and share it evenly), names
// resolved asynchronously (and remembered for a minute), every address checked by the SSRF guard
// before it is connected to, one gather write per request and reads into one buffer shared by all
// connections. No redirects, no proxy.
//
// Threading: every member function runs on the owner thread, and so do the callbacks: from
// handlers the io_context runs, or from Cancel(); never from inside Start().
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "delivery/http_client.h"
#include "delivery/http_target.h"

namespace boost::asio {
class io_context;
}

namespace hookd::delivery {

struct Http1Options {
  size_t max_response_bytes = 20 * 1024;
  long max_total_connections = 0;  // 0: unlimited
  long max_host_connections = 0;   // 0: unlimited, else per host:port
  std::string user_agent;
  const SsrfGuard* guard = nullptr;  // nullptr: no check (tests only)
};

class Http1Client {
 public:
  // `io` must outlive the client.
  Http1Client(boost::asio::io_context& io, Http1Options options);
  ~Http1Client();
  Http1Client(const Http1Client&) = delete;
  Http1Client& operator=(const Http1Client&) = delete;

  // Starts `request` to `target`; `done` fires once, later, with its result. `id` must be unique.
  void Start(uint64_t id, HttpTarget target, HttpRequest request, HttpCallback done);
  // When `id` is under way here: its callback runs now with error "canceled", its connection is
  // closed, and true is returned.
  bool Cancel(uint64_t id);
  size_t in_flight() const;
  // Drops every request (their callbacks never fire) and closes every connection. Afterwards
  // the handlers still queued on the io_context find nothing to do: run them (io_context::poll)
  // before destroying the client.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::delivery
