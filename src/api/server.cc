#include "api/server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <thread>

#include "core/text.h"
#include "core/thread_name.h"

namespace hookd::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(75);

Method ToMethod(http::verb v) {
  switch (v) {
    case http::verb::get:
      return Method::kGet;
    case http::verb::post:
      return Method::kPost;
    case http::verb::put:
      return Method::kPut;
    case http::verb::patch:
      return Method::kPatch;
    case http::verb::delete_:
      return Method::kDelete;
    default:
      return Method::kOther;
  }
}

Response PlainError(int status, std::string_view code, std::string_view detail) {
  return {status,
          "{\"code\":\"" + std::string(code) + "\",\"detail\":\"" + std::string(detail) + "\"}"};
}

// False when the target is not a valid origin-form request target.
bool ParseTarget(std::string_view target, Request& req) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return false;
  req.path = url->path();
  req.raw_query = url->encoded_query();
  for (auto param : url->params()) req.query.emplace(param.key, param.value);
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const ServerOptions& options, const HttpServer::Dispatch& dispatch,
          const HttpServer::Screen& screen)
      : stream_(std::move(socket)), options_(options), dispatch_(dispatch), screen_(screen) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // True when `ec` ended the request (answered or closed).
  bool Failed(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      Close();
      return true;
    }
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      Write(
          PlainError(413, "payload_too_large",
                     "request body exceeds " + std::to_string(options_.max_body_bytes) + " bytes"));
      return true;
    }
    if (ec) {
      keep_alive_ = false;
      Write(PlainError(400, "bad_request", "malformed HTTP request"));
      return true;
    }
    return false;
  }

  void OnHeader(beast::error_code ec) {
    if (Failed(ec)) return;
    const auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    head_ = Request{};
    head_.method = ToMethod(msg.method());
    if (!ParseTarget(msg.target(), head_)) {
      keep_alive_ = false;
      return Write(PlainError(400, "bad_request", "malformed request target"));
    }
    for (const auto& field : msg)
      head_.headers.emplace_back(core::AsciiLower(std::string(field.name_string())),
                                 std::string(field.value()));
    if (screen_) {
      if (auto early = screen_(head_)) {
        keep_alive_ = false;  // the body stays unread
        return Write(std::move(*early));
      }
    }
    if (parser_->is_done()) return OnRead({});
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (Failed(ec)) return;
    Request req = std::move(head_);
    req.body = std::move(parser_->get().body());
    auto self = shared_from_this();
    dispatch_(std::move(req), [self](Response res) {
      asio::post(self->stream_.get_executor(),
                 [self, res = std::move(res)]() mutable { self->Write(std::move(res)); });
    });
  }

  void Write(Response res) {
    auto out = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(res.status), 11);
    out->set(http::field::server, "hookd/" HOOKD_VERSION);
    if (!res.content_type.empty() && (!res.body.empty() || res.status != 204))
      out->set(http::field::content_type, res.content_type);
    for (auto& [k, v] : res.headers) out->set(k, v);
    out->keep_alive(keep_alive_);
    out->body() = std::move(res.body);
    out->prepare_payload();
    http::async_write(stream_, *out,
                      [self = shared_from_this(), out](beast::error_code ec, size_t) {
                        if (ec || !self->keep_alive_) return self->Close();
                        self->Read();
                      });
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

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const ServerOptions& options_;
  const HttpServer::Dispatch& dispatch_;
  const HttpServer::Screen& screen_;
  Request head_;  // of the request being read
  bool keep_alive_ = true;
};

}  // namespace

// One event loop per io thread: a connection lives on one loop for its whole life, so its
// handlers never run concurrently and need no strand.
struct HttpServer::Impl {
  ServerOptions options;
  Dispatch dispatch;
  Screen screen;
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<tcp::acceptor> acceptor;
  size_t next_loop = 0;
  std::vector<std::thread> threads;

  void Accept() {
    auto& loop = *loops[next_loop++ % loops.size()];
    acceptor->async_accept(loop, [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        s.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(s), options, dispatch, screen)->Start();
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(ServerOptions options, Dispatch dispatch, Screen screen)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->dispatch = std::move(dispatch);
  impl_->screen = std::move(screen);
}

HttpServer::~HttpServer() { Stop(); }

core::Result<uint16_t> HttpServer::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec)
    return core::Fail(core::ErrorCode::kBadRequest,
                      "invalid listen address '" + impl_->options.host + "'");
  tcp::endpoint ep(address, impl_->options.port);
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->loops.push_back(std::make_unique<asio::io_context>(1));
    impl_->work.push_back(asio::make_work_guard(*impl_->loops.back()));
  }
  impl_->acceptor = std::make_unique<tcp::acceptor>(*impl_->loops[0]);
  auto& acc = *impl_->acceptor;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Fail(core::ErrorCode::kInternal, "cannot listen on " + impl_->options.host + ":" +
                                                      std::to_string(impl_->options.port) + ": " +
                                                      ec.message());
  }
  impl_->Accept();
  for (auto& loop : impl_->loops) {
    impl_->threads.emplace_back([&loop] {
      core::NameThisThread("hookd-http");
      loop->run();
    });
  }
  return acc.local_endpoint().port();
}

void HttpServer::Stop() {
  if (!impl_ || impl_->threads.empty()) return;
  for (auto& loop : impl_->loops) loop->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  beast::error_code ec;
  impl_->acceptor->close(ec);  // no loop runs any more: closing here races with nothing
}

}  // namespace hookd::api
