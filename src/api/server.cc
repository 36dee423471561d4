#include "api/server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <thread>

#include "api/request_head.h"
#include "core/thread_setup.h"
#include "core/would_block.h"

namespace hookd::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
// Sockets and streams bound to their loop's executor type (not the type-erased any_io_executor,
// whose copies cost every asynchronous operation).
using Executor = asio::io_context::executor_type;
using Socket = tcp::socket::rebind_executor<Executor>::other;
using Stream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;

// An idle connection keeps no read or write buffer larger than this.
constexpr size_t kIdleBufferKeep = 4096;
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

Response PlainError(int status, std::string_view code, std::string_view detail) {
  return {status,
          "{\"code\":\"" + std::string(code) + "\",\"detail\":\"" + std::string(detail) + "\"}"};
}

struct Counters {
  std::atomic<uint64_t> open{0}, accepted{0}, idle_closed{0}, evicted{0}, refused{0}, timed_out{0},
      accept_errors{0};
};

class Session;

// One io thread: its event loop and its idle connections, longest idle first. A connection
// lives on one loop for its whole life, so its handlers never run concurrently (no strand).
struct Loop {
  std::list<Session*> idle;  // destroyed after `io`, whose sessions unlink themselves
  asio::io_context io{1};
  asio::steady_timer sweep{io};
};

struct Shared {
  ServerOptions options;
  HttpServer::Dispatch dispatch;
  HttpServer::Screen screen;
  Counters counters;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, Shared& shared, Loop& loop)
      : stream_(std::move(socket)), shared_(shared), options_(shared.options), loop_(loop) {
    shared_.counters.open.fetch_add(1, std::memory_order_relaxed);
  }
  ~Session() {
    LeaveIdle();
    shared_.counters.open.fetch_sub(1, std::memory_order_relaxed);
  }

  void Start() {
    beast::error_code ec;
    stream_.socket().non_blocking(true, ec);  // reads and writes try the socket directly first
    Read();
  }

  // Closes an idle connection (its pending wait ends with an error; nothing is lost).
  void Evict(std::atomic<uint64_t>& why) {
    why.fetch_add(1, std::memory_order_relaxed);
    LeaveIdle();
    beast::error_code ec;
    stream_.socket().close(ec);
  }
  Clock::time_point idle_since() const { return idle_since_; }

 private:
  void Read() {
    if (buffer_.size() > 0) return ReadHead();  // pipelined: the next request is already here
    // Idle: no parser and a small buffer until the client sends something.
    parser_.reset();
    if (buffer_.capacity() > kIdleBufferKeep) buffer_.shrink_to_fit();
    if (out_.capacity() > kIdleBufferKeep) std::string().swap(out_);
    idle_since_ = Clock::now();
    idle_at_ = loop_.idle.insert(loop_.idle.end(), this);
    stream_.socket().async_wait(tcp::socket::wait_read,
                                [self = shared_from_this()](beast::error_code ec) {
                                  self->LeaveIdle();
                                  if (ec) return self->Close();
                                  self->ReadHead();
                                });
  }

  void LeaveIdle() {
    if (idle_at_ == loop_.idle.end()) return;
    loop_.idle.erase(idle_at_);
    idle_at_ = loop_.idle.end();
  }

  // Reads and parses what has arrived here; waits (with a deadline) only for what has not.
  void ReadHead() {
    parser_.emplace();
    LimitParser(*parser_, options_.max_body_bytes);
    request_start_ = Clock::now();
    beast::error_code ec;
    http::read_header(stream_.socket(), buffer_, *parser_, ec);
    if (!core::WouldBlock(ec)) return OnHeader(ec);
    stream_.expires_after(options_.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // True when `ec` ended the request (answered or closed).
  bool Failed(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      // The stream closed the socket: there is no one to answer.
      shared_.counters.timed_out.fetch_add(1, std::memory_order_relaxed);
      Close();
      return true;
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      Close();
      return true;
    }
    if (ec) keep_alive_ = false;
    if (ec == http::error::body_limit) {
      Write(
          PlainError(413, "payload_too_large",
                     "request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes"));
      return true;
    }
    if (ec == http::error::header_limit) {
      Write(PlainError(431, "header_too_large", "request head exceeds 64 KiB"));
      return true;
    }
    if (ec == http::error::buffer_overflow) {
      Write(PlainError(400, "bad_request", "a chunk-size or trailer line exceeds 80 KiB"));
      return true;
    }
    if (ec) {
      Write(PlainError(400, "bad_request", "malformed HTTP request"));
      return true;
    }
    return false;
  }

  void OnHeader(beast::error_code ec) {
    if (Failed(ec)) return;
    const auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    auto head = ParseHead(msg);
    if (!head) {
      keep_alive_ = false;
      return Write(PlainError(head.error().status, head.error().code, head.error().detail));
    }
    head_ = std::move(head->request);
    if (shared_.screen) {
      if (auto early = shared_.screen(head_)) {
        keep_alive_ = false;  // the body stays unread
        return Write(std::move(*early));
      }
    }
    if (parser_->is_done()) return OnRead({});
    stream_.expires_at(request_start_ + options_.request_timeout);
    if (head->expects_continue) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(stream_, asio::buffer(kContinue),
                               [self = shared_from_this()](beast::error_code ec, size_t) {
                                 if (ec) return self->Close();
                                 self->ReadBody();
                               });
    }
    ReadBody();
  }

  void ReadBody() {
    beast::error_code ec;
    http::read(stream_.socket(), buffer_, *parser_, ec);
    if (!core::WouldBlock(ec)) return OnRead(ec);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (Failed(ec)) return;
    stream_.expires_never();  // handling may wait for a commit; Write sets the next deadline
    Request req = std::move(head_);
    req.body = std::move(parser_->get().body());
    auto self = shared_from_this();
    shared_.dispatch(std::move(req), [self](Response res) {
      asio::post(self->stream_.get_executor(),
                 [self, res = std::move(res)]() mutable { self->Write(std::move(res)); });
    });
  }

  void Write(Response res) {
    Serialize(res);
    // A response usually fits the socket's buffer: written here, the connection goes on without
    // a completion handler's round through the event loop.
    beast::error_code ec;
    size_t n = core::WriteNow(stream_.socket(), asio::buffer(out_), ec);
    if (ec || n == out_.size()) return Written(ec);
    stream_.expires_after(options_.request_timeout);
    asio::async_write(stream_, asio::buffer(out_.data() + n, out_.size() - n),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec == beast::error::timeout)
                          self->shared_.counters.timed_out.fetch_add(1, std::memory_order_relaxed);
                        self->Written(ec);
                      });
  }

  void Written(beast::error_code ec) {
    if (ec || !keep_alive_) return Close();
    Read();
  }

  // The whole response in out_, for one write.
  void Serialize(Response& res) {
    auto reason = http::obsolete_reason(static_cast<http::status>(res.status));
    out_.clear();
    out_.reserve(160 + res.body.size());
    out_ += "HTTP/1.1 ";
    out_ += std::to_string(res.status);
    out_ += ' ';
    out_.append(reason.data(), reason.size());
    out_ += "\r\nServer: hookd/" HOOKD_VERSION "\r\n";
    auto header = [this](std::string_view name, std::string_view value) {
      out_ += name;
      out_ += ": ";
      out_ += value;
      out_ += "\r\n";
    };
    if (!res.content_type.empty() && (!res.body.empty() || res.status != 204))
      header("Content-Type", res.content_type);
    for (const auto& [k, v] : res.headers) header(k, v);
    if (!keep_alive_) header("Connection", "close");
    if (res.status != 204 && res.status != 304 && res.status >= 200)
      header("Content-Length", std::to_string(res.body.size()));
    out_ += "\r\n";
    out_ += res.body;
  }

  // Half-closes, then reads and discards what the client still sends (bounded in time and
  // bytes), so an unread request body does not turn the close into a reset that loses our reply.
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    stream_.expires_after(std::chrono::seconds(2));
    Drain(8 * options_.max_body_bytes + (1 << 20));
  }

  void Drain(size_t budget) {
    auto buf = std::make_shared<std::array<char, 16384>>();
    stream_.async_read_some(asio::buffer(*buf), [self = shared_from_this(), buf, budget](
                                                    beast::error_code ec, size_t n) {
      if (ec || n >= budget) return;  // EOF, timeout or budget spent: the socket closes
      self->Drain(budget - n);
    });
  }

  Stream stream_;
  beast::flat_buffer buffer_{kReadBufferLimit};
  std::optional<RequestParser> parser_;
  Shared& shared_;
  const ServerOptions& options_;
  Loop& loop_;
  std::list<Session*>::iterator idle_at_ = loop_.idle.end();
  Clock::time_point idle_since_;
  Clock::time_point request_start_;
  Request head_;     // of the request being read
  std::string out_;  // the response being written
  bool keep_alive_ = true;
};

bool OutOfResources(const beast::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec.value() == ENFILE;
}

}  // namespace

struct HttpServer::Impl {
  Shared shared;
  std::vector<std::unique_ptr<Loop>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> backoff;  // on loops[0], like the acceptor
  size_t next_loop = 0;
  std::vector<std::thread> threads;
  std::atomic<int64_t> last_warning_ms{INT64_MIN / 2};

  // Runs on loops[0].
  void Accept() {
    Loop& loop = *loops[next_loop++ % loops.size()];
    acceptor->async_accept(loop.io, [this, &loop](beast::error_code ec, Socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        shared.counters.accept_errors.fetch_add(1, std::memory_order_relaxed);
        if (!OutOfResources(ec)) return Accept();
        // The pending connection stays queued; retrying at once would spin.
        Warn("cannot accept a connection ({}); pausing {} ms", ec.message(),
             kAcceptBackoff.count());
        backoff->expires_after(kAcceptBackoff);
        return backoff->async_wait([this](beast::error_code e) {
          if (!e) Accept();
        });
      }
      shared.counters.accepted.fetch_add(1, std::memory_order_relaxed);
      asio::post(loop.io, [this, &loop, s = std::move(s)]() mutable { Admit(loop, std::move(s)); });
      Accept();
    });
  }

  // On the connection's loop: makes room at the cap by closing that loop's longest-idle
  // connection, or closes the new one.
  void Admit(Loop& loop, Socket s) {
    auto& c = shared.counters;
    if (c.open.load(std::memory_order_relaxed) >= shared.options.max_connections) {
      if (loop.idle.empty()) {
        c.refused.fetch_add(1, std::memory_order_relaxed);
        Warn("{} connections open (max_connections): refusing new ones", c.open.load());
        return;  // `s` closes
      }
      loop.idle.front()->Evict(c.evicted);
    }
    beast::error_code ec;
    s.set_option(tcp::no_delay(true), ec);
    std::make_shared<Session>(std::move(s), shared, loop)->Start();
  }

  // Closes the loop's connections idle past idle_timeout, then runs again when the next may be.
  void Sweep(Loop& loop) {
    auto timeout = shared.options.idle_timeout;
    auto now = Clock::now();
    while (!loop.idle.empty() && now - loop.idle.front()->idle_since() >= timeout)
      loop.idle.front()->Evict(shared.counters.idle_closed);
    auto next = loop.idle.empty() ? now + timeout : loop.idle.front()->idle_since() + timeout;
    loop.sweep.expires_at(std::max(next, now + std::chrono::milliseconds(10)));
    loop.sweep.async_wait([this, &loop](beast::error_code ec) {
      if (!ec) Sweep(loop);
    });
  }

  // At most one warning per 10 s: the conditions it reports repeat per connection.
  template <typename... Args>
  void Warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
            .count();
    if (now - last_warning_ms.load(std::memory_order_relaxed) < 10'000) return;
    last_warning_ms.store(now, std::memory_order_relaxed);
    spdlog::warn(fmt, std::forward<Args>(args)...);
  }
};

HttpServer::HttpServer(ServerOptions options, Dispatch dispatch, Screen screen)
    : impl_(std::make_unique<Impl>()) {
  impl_->shared.options = std::move(options);
  impl_->shared.dispatch = std::move(dispatch);
  impl_->shared.screen = std::move(screen);
}

HttpServer::~HttpServer() { Stop(); }

core::Result<uint16_t> HttpServer::Start() {
  const auto& options = impl_->shared.options;
  beast::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec)
    return core::Fail(core::ErrorCode::kBadRequest,
                      "invalid listen address '" + options.host + "'");
  tcp::endpoint ep(address, options.port);
  for (int i = 0; i < std::max(1, options.io_threads); ++i) {
    impl_->loops.push_back(std::make_unique<Loop>());
    impl_->work.push_back(asio::make_work_guard(impl_->loops.back()->io));
  }
  impl_->acceptor = std::make_unique<tcp::acceptor>(impl_->loops[0]->io);
  impl_->backoff = std::make_unique<asio::steady_timer>(impl_->loops[0]->io);
  auto& acc = *impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Fail(core::ErrorCode::kInternal, "cannot listen on " + options.host + ":" +
                                                      std::to_string(options.port) + ": " +
                                                      ec.message());
  }
  impl_->Accept();
  for (auto& loop : impl_->loops) {
    impl_->Sweep(*loop);
    impl_->threads.emplace_back([&loop] {
      core::SetUpThisThread("hookd-http");
      loop->io.run();
    });
  }
  return acc.local_endpoint().port();
}

void HttpServer::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  for (auto& loop : impl_->loops) loop->io.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  beast::error_code ec;
  impl_->acceptor->close(ec);  // no loop runs any more: closing here races with nothing
}

ServerStats HttpServer::Stats() const {
  const auto& c = impl_->shared.counters;
  auto get = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  return {get(c.open),    get(c.accepted),  get(c.idle_closed),  get(c.evicted),
          get(c.refused), get(c.timed_out), get(c.accept_errors)};
}

}  // namespace hookd::api
