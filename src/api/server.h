// HTTP/1.1 server on Boost.Beast: keep-alive, body size limit, one or more io threads.
// Requests are passed to a dispatch function on an io thread; replies may come from any thread.
// A screen function sees each request's head (no body yet) first and may answer it at once; the
// body is then never read (the connection closes), so e.g. an unauthenticated client cannot make
// the server hold large bodies.
#pragma once

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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::api
