// Asynchronous HTTP client over libcurl's multi interface: many transfers in flight on one
// thread, keep-alive connection reuse, HTTP/1.1 and HTTP/2, TLS verified, no redirects followed,
// and every connection's address checked by the SSRF guard (the address actually connected to).
//
// Threading: Submit() and Poll() must be called from one thread (the owner); callbacks run on
// it inside Poll(). Wakeup() may be called from any thread.
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

struct HttpClientOptions {
  size_t max_response_bytes = 20 * 1024;
  long max_total_connections = 0;  // 0: unlimited
  long max_host_connections = 0;   // 0: unlimited
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
