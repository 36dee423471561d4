// Benchmark receiver: answers every HTTP request with 200 and an empty body, as fast as one
// thread can, and counts requests (and distinct webhook-ids when asked).
//   bench_receiver --port 9000 [--track-ids]
//   GET /__stats -> {"requests":N,"unique":M,"first_ns":..,"last_ns":..}
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct Counters {
  uint64_t requests = 0;
  int64_t first_ns = 0, last_ns = 0;
  bool track_ids = false;
  std::unordered_set<std::string> ids;
};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket s, Counters& c) : stream_(std::move(s)), counters_(c) {}
  void Start() { Read(); }

 private:
  void Read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->Handle();
    });
  }
  void Handle() {
    res_ = {};
    res_.version(11);
    res_.keep_alive(req_.keep_alive());
    if (req_.target() == "/__stats") {
      char buf[200];
      std::snprintf(buf, sizeof buf,
                    "{\"requests\":%llu,\"unique\":%zu,\"first_ns\":%lld,\"last_ns\":%lld}",
                    (unsigned long long)counters_.requests, counters_.ids.size(),
                    (long long)counters_.first_ns, (long long)counters_.last_ns);
      res_.result(http::status::ok);
      res_.body() = buf;
    } else {
      int64_t now = NowNs();
      if (counters_.requests++ == 0) counters_.first_ns = now;
      counters_.last_ns = now;
      if (counters_.track_ids) {
        auto it = req_.find("webhook-id");
        if (it != req_.end()) counters_.ids.emplace(it->value());
      }
      res_.result(http::status::ok);
    }
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->req_.keep_alive()) return;
      self->Read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  Counters& counters_;
};

void Accept(tcp::acceptor& acc, Counters& c) {
  acc.async_accept([&acc, &c](beast::error_code ec, tcp::socket s) {
    if (!ec) {
      s.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(s), c)->Start();
    }
    Accept(acc, c);
  });
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 9000;
  Counters counters;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--port") && i + 1 < argc) port = static_cast<unsigned short>(std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--track-ids")) counters.track_ids = true;
  }
  asio::io_context ioc(1);
  tcp::acceptor acc(ioc, {asio::ip::make_address("127.0.0.1"), port});
  std::printf("bench_receiver listening on 127.0.0.1:%u\n", acc.local_endpoint().port());
  std::fflush(stdout);
  Accept(acc, counters);
  ioc.run();
}
