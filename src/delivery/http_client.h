// Asynchronous HTTP client: many requests in flight on one thread, event-driven on one
// asio::io_context. http:// URLs go to a lean HTTP/1.1 client (http1_client.h: keep-alive pools,
// one write and one read per request on a warm connection); https:// (TLS verified, HTTP/2 by
// ALPN) and any URL it does not take go to libcurl driven by the same io_context
// (curl_transfers.h). Neither follows redirects or uses a proxy, and both check every address
// they connect to with the SSRF guard (the address actually connected to).
//
// Threading: Submit(), Cancel() and Poll() must be called from one thread (the owner); callbacks
// run on it inside Poll() (or inside Cancel()), never inside Submit(). Wakeup() may be called
// from any thread. Connection limits apply to each of the two transports separately.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delivery/ssrf_guard.h"

namespace hookd::delivery {

struct HttpRequest {
  std::string method = "POST";  // POST or GET
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  std::chrono::milliseconds timeout{15000};  // whole transfer
};

struct HttpResult {
  int status = 0;                          // HTTP status; 0 when no response arrived
  std::string body;                        // response body, at most max_response_bytes
  std::optional<std::string> retry_after;  // Retry-After header, if any
  std::string error;  // "" or timeout, dns, connect, tls, ssrf, network, canceled
  std::string error_detail;
  std::chrono::microseconds duration{0};
};

using HttpCallback = std::function<void(HttpResult)>;

// Past max_response_bytes this much more of a body is read and dropped, so the connection stays
// reusable; a longer body is not read to its end (the status stands, the connection is closed).
inline constexpr size_t kDiscardLimit = 64 * 1024;

struct HttpClientOptions {
  size_t max_response_bytes = 20 * 1024;
  // Each limit applies to plain HTTP and to TLS separately (two pools). 0: unlimited.
  long max_total_connections = 0;
  long max_host_connections = 0;
  std::string user_agent;
  std::string ca_file;  // PEM bundle to verify receivers against instead of the system's
};

class HttpClient {
 public:
  // `guard` must outlive the client; nullptr disables the check (tests only).
  HttpClient(HttpClientOptions options, const SsrfGuard* guard);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Returns the transfer's id, for Cancel().
  uint64_t Submit(HttpRequest request, HttpCallback done);
  // Ends a transfer still under way: its callback runs now, with error "canceled". Does nothing
  // when it has finished.
  void Cancel(uint64_t id);
  // Drives transfers, waiting at most `timeout` for network activity or Wakeup(); fires the
  // callbacks of finished transfers.
  void Poll(std::chrono::milliseconds timeout);
  void Wakeup();
  size_t in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::delivery
