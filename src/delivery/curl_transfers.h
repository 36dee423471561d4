// Transfers libcurl makes (https://, and any URL the HTTP/1.1 client leaves to it), driven by an
// io_context: libcurl names the sockets and the timeout it wants watched
// (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION) and hears of each event through
// curl_multi_socket_action, so an event costs O(sockets ready), not O(transfers). TLS verified
// (against ca_file when set), HTTP/2 by ALPN, no redirects, no proxy, and the SSRF guard asked
// about every address libcurl opens a socket to.
//
// Threading: every member function runs on the owner thread (the one running the io_context);
// callbacks fire from handlers the io_context runs, or from Cancel(); never inside Start().
#pragma once

#include <cstdint>
#include <memory>

#include "delivery/http_client.h"

namespace boost::asio {
class io_context;
}

namespace hookd::delivery {

class CurlTransfers {
 public:
  // `io` and `guard` (nullptr: no check) must outlive the object.
  CurlTransfers(boost::asio::io_context& io, const HttpClientOptions& options,
                const SsrfGuard* guard);
  ~CurlTransfers();
  CurlTransfers(const CurlTransfers&) = delete;
  CurlTransfers& operator=(const CurlTransfers&) = delete;

  // Starts `request`; `done` fires once, later, with its result. `id` must be unique.
  void Start(uint64_t id, HttpRequest request, HttpCallback done);
  // When `id` is under way here: its callback runs now with error "canceled"; returns true.
  bool Cancel(uint64_t id);
  size_t in_flight() const;
  // Drops every transfer (their callbacks never fire) and stops watching libcurl's sockets;
  // handlers still queued on the io_context then find nothing to do: run them before destroying.
  void Shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::delivery
