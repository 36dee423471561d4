#include "delivery/http_client.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "delivery/curl_transfers.h"
#include "delivery/http1_client.h"
#include "delivery/http_target.h"

namespace hookd::delivery {

namespace asio = boost::asio;

struct HttpClient::Impl {
  Impl(HttpClientOptions o, const SsrfGuard* g)
      : options(std::move(o)),
        guard(g),
        http1(io, {.max_response_bytes = options.max_response_bytes,
                   .max_total_connections = options.max_total_connections,
                   .max_host_connections = options.max_host_connections,
                   .user_agent = options.user_agent,
                   .guard = guard}) {}

  ~Impl() {
    http1.Shutdown();
    if (curl) curl->Shutdown();
    io.restart();
    io.poll();  // the handlers the shutdowns aborted, while what they point to lives
  }

  CurlTransfers& Curl() {
    if (!curl) curl = std::make_unique<CurlTransfers>(io, options, guard);
    return *curl;
  }

  HttpClientOptions options;
  const SsrfGuard* guard;
  asio::io_context io{1};  // run only inside Poll(), on the owner thread
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  Http1Client http1;
  HttpTargetCache targets;
  std::unique_ptr<CurlTransfers> curl;  // made for the first URL the HTTP/1.1 client leaves
  std::atomic<bool> wake_posted{false};
  uint64_t next_id = 1;
};

HttpClient::HttpClient(HttpClientOptions options, const SsrfGuard* guard)
    : impl_(std::make_unique<Impl>(std::move(options), guard)) {}

HttpClient::~HttpClient() = default;

uint64_t HttpClient::Submit(HttpRequest request, HttpCallback done) {
  uint64_t id = impl_->next_id++;
  if (const auto& target = impl_->targets.Of(request.url))
    impl_->http1.Start(id, *target, std::move(request), std::move(done));
  else
    impl_->Curl().Start(id, std::move(request), std::move(done));
  return id;
}

void HttpClient::Cancel(uint64_t id) {
  if (!impl_->http1.Cancel(id) && impl_->curl) impl_->curl->Cancel(id);
}

void HttpClient::Poll(std::chrono::milliseconds timeout) {
  auto& io = impl_->io;
  // What is ready; else wait for the first event (or Wakeup's handler), then what it made ready.
  // At most kPollBatch handlers: under steady load something is always ready, and the owner's
  // loop needs its turn (io_context::poll() would not return while events keep coming).
  constexpr size_t kPollBatch = 1024;
  size_t ran = 0;
  while (ran < kPollBatch && io.poll_one()) ++ran;
  if (ran == 0 && timeout.count() > 0 && io.run_one_for(timeout) == 1) {
    while (++ran < kPollBatch && io.poll_one()) {
    }
  }
}

void HttpClient::Wakeup() {
  // One handler in the queue at a time: a burst of wakeups costs one.
  if (!impl_->wake_posted.exchange(true))
    asio::post(impl_->io, [impl = impl_.get()] { impl->wake_posted.store(false); });
}

size_t HttpClient::in_flight() const {
  return impl_->http1.in_flight() + (impl_->curl ? impl_->curl->in_flight() : 0);
}

}  // namespace hookd::delivery
