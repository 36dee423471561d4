// HTTP/1.1 server on Boost.Beast: keep-alive, body size limit, one or more io threads.
// Requests are passed to a dispatch function on an io thread; replies may come from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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
  HttpServer(ServerOptions options, Dispatch dispatch);
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
