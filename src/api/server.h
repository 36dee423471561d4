// HTTP/1.1 server on Boost.Beast: keep-alive, bounded framing and connections, one or more io
// threads. Requests are passed to a dispatch function on an io thread; replies may come from any
// thread. A screen function sees each request's head (no body yet) first and may answer it at
// once; the body is then never read (the connection closes), so e.g. an unauthenticated client
// cannot make the server hold large bodies.
//
// Limits: a request's head is at most 64 KiB and every framing line (chunk size, extensions,
// trailers) fits in a fixed read buffer: more is 400/431 and close. Only `chunked` is accepted as
// a transfer coding. A connection waiting for a request is idle: it holds no buffers, closes after
// `idle_timeout`, and is the first to go when `max_connections` is reached (if none is idle, the
// new connection is closed). A request must complete its head within `header_timeout` and its
// body within `request_timeout` of its first byte; a response must be taken within
// `request_timeout`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/http.h"
#include "core/error.h"

namespace hookd::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8071;  // 0 picks a free port
  size_t max_body_bytes = 1 << 20;
  int io_threads = 1;
  size_t max_connections = 10000;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
};

// Counters since start; `open` is a gauge.
struct ServerStats {
  uint64_t open = 0;
  uint64_t accepted = 0;
  uint64_t idle_closed = 0;    // idle past idle_timeout
  uint64_t evicted = 0;        // idle, closed to make room at max_connections
  uint64_t refused = 0;        // closed at once: max_connections reached, none idle
  uint64_t timed_out = 0;      // head or body not complete in time, or response not taken
  uint64_t accept_errors = 0;  // e.g. out of file descriptors (accepting pauses briefly)
};

class HttpServer {
 public:
  using Dispatch = std::function<void(Request, Reply)>;
  // On the io thread, with the request's method, path, query and headers; must not block long.
  using Screen = std::function<std::optional<Response>(Request& head)>;
  HttpServer(ServerOptions options, Dispatch dispatch, Screen screen = nullptr);
  ~HttpServer();

  // Binds and starts accepting; returns the bound port.
  core::Result<uint16_t> Start();
  // Stops accepting, closes connections and joins the io threads.
  void Stop();
  ServerStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::api
