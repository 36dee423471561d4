// Benchmark load generator: N keep-alive HTTP/1.1 connections on one thread, closed loop (each
// connection sends its next request when the previous answer arrives) or open loop at a fixed
// rate (latency measured from each request's scheduled time, so queueing is not hidden).
//   bench_loadgen --url http://127.0.0.1:8071/api/v1/app/bench/msg --connections 64 --seconds 10
//   (--url may repeat, e.g. one per node: connections are spread over the URLs in turn)
//     [--rate 5000] [--method POST] [--header "authorization: Bearer x"]
//     [--body '{"eventType":"e","payload":{"sent_ns":$NS}}']   ($NS: send time, ns since epoch;
//      $I%K: the connection's request number modulo K)
//     [--max-requests N] [--json out.json] [--quiet]
// Prints a progress bar on stderr and a JSON summary (throughput per second, latency percentiles).
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "latency.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1", port = "8071", target = "/";
  int connections = 64;
  double seconds = 10;
  double rate = 0;  // 0: closed loop
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  long long max_requests = 0;
  std::string json_path;
  bool quiet = false;
};

int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Shared {
  Options opt;
  Clock::time_point start, end;
  long long sent = 0, ok = 0, bad = 0, errors = 0;
  LatencyRecorder latency;
  std::vector<long long> per_second;
  bool Done() const {
    return Clock::now() >= end || (opt.max_requests && sent >= opt.max_requests);
  }
  // Open loop: the time request number `n` is due.
  Clock::time_point Due(long long n) const {
    return start + std::chrono::nanoseconds(static_cast<int64_t>(n * 1e9 / opt.rate));
  }
};

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(asio::io_context& ioc, Shared& s, tcp::resolver::results_type ep)
      : ioc_(ioc), stream_(ioc), timer_(ioc), s_(s), ep_(std::move(ep)) {}
  void Start() {
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec, auto) {
      if (ec) {
        ++self->s_.errors;
        return;
      }
      self->stream_.socket().set_option(tcp::no_delay(true));
      self->Next();
    });
  }

 private:
  void Next() {
    if (s_.Done()) return;
    if (s_.opt.rate > 0) {
      long long n = s_.sent++;
      scheduled_ = s_.Due(n);
      timer_.expires_at(scheduled_);
      timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Send(); });
    } else {
      ++s_.sent;
      scheduled_ = Clock::now();
      Send();
    }
  }
  void Send() {
    if (Clock::now() >= s_.end) return;
    req_ = {};
    req_.method(http::string_to_verb(s_.opt.method));
    req_.target(s_.opt.target);
    req_.version(11);
    req_.set(http::field::host, s_.opt.host);
    for (const auto& [k, v] : s_.opt.headers) req_.set(k, v);
    std::string body = s_.opt.body;
    if (auto p = body.find("$NS"); p != std::string::npos)
      body.replace(p, 3, std::to_string(WallNs()));
    // "$I%K": this request's number modulo K (spreads requests over event types or channels).
    if (auto p = body.find("$I%"); p != std::string::npos) {
      size_t end = p + 3;
      while (end < body.size() && std::isdigit(static_cast<unsigned char>(body[end]))) ++end;
      long long k = std::max(1LL, std::stoll(body.substr(p + 3, end - p - 3)));
      body.replace(p, end - p, std::to_string(number_++ % k));
    }
    if (!body.empty()) {
      if (req_.find(http::field::content_type) == req_.end())
        req_.set(http::field::content_type, "application/json");
      req_.body() = std::move(body);
    }
    req_.prepare_payload();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail();
      self->res_ = {};
      http::async_read(self->stream_, self->buffer_, self->res_,
                       [self](beast::error_code ec, size_t) {
                         if (ec) return self->Fail();
                         self->Answered();
                       });
    });
  }
  void Answered() {
    auto now = Clock::now();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - scheduled_).count();
    unsigned code = res_.result_int();
    (code >= 200 && code < 300 ? s_.ok : s_.bad)++;
    size_t sec = static_cast<size_t>(std::chrono::duration<double>(now - s_.start).count());
    s_.latency.Add(sec, static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
    if (sec < s_.per_second.size()) ++s_.per_second[sec];
    Next();
  }
  // Counts the error and carries on with a fresh connection.
  void Fail() {
    ++s_.errors;
    if (!s_.Done()) std::make_shared<Conn>(ioc_, s_, ep_)->Start();
  }

  asio::io_context& ioc_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  Shared& s_;
  tcp::resolver::results_type ep_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  Clock::time_point scheduled_;
  long long number_ = 0;
};

// This process's CPU time (user + system), so the suite can tell the load generator's share.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  Shared s;
  Options& o = s.opt;
  std::vector<std::string> urls;  // --url repeats: connections are spread over them in turn
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--url")
      urls.push_back(next());
    else if (a == "--connections")
      o.connections = std::stoi(next());
    else if (a == "--seconds")
      o.seconds = std::stod(next());
    else if (a == "--rate")
      o.rate = std::stod(next());
    else if (a == "--method")
      o.method = next();
    else if (a == "--body")
      o.body = next();
    else if (a == "--max-requests")
      o.max_requests = std::stoll(next());
    else if (a == "--json")
      o.json_path = next();
    else if (a == "--quiet")
      o.quiet = true;
    else if (a == "--header") {
      std::string h = next();
      auto c = h.find(':');
      o.headers.emplace_back(h.substr(0, c), h.substr(h.find_first_not_of(' ', c + 1)));
    } else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  if (urls.empty()) urls.push_back("http://127.0.0.1:8071/");
  asio::io_context ioc(1);
  std::vector<tcp::resolver::results_type> eps;
  for (const auto& url : urls) {  // http://host:port/target; host and target as in the first
    auto rest = url.substr(url.find("://") + 3);
    auto slash = rest.find('/');
    auto hostport = rest.substr(0, slash);
    o.target = slash == std::string::npos ? "/" : rest.substr(slash);
    auto colon = hostport.rfind(':');
    o.host = hostport.substr(0, colon);
    o.port = colon == std::string::npos ? "80" : hostport.substr(colon + 1);
    eps.push_back(tcp::resolver(ioc).resolve(o.host, o.port));
  }
  s.per_second.assign(static_cast<size_t>(o.seconds) + 2, 0);
  s.start = Clock::now();
  s.end = s.start +
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  for (int i = 0; i < o.connections; ++i)
    std::make_shared<Conn>(ioc, s, eps[i % eps.size()])->Start();

  // Progress bar, once per 250 ms.
  asio::steady_timer ticker(ioc);
  std::function<void()> tick = [&] {
    double elapsed = std::chrono::duration<double>(Clock::now() - s.start).count();
    if (!o.quiet) {
      int filled = static_cast<int>(30 * std::min(1.0, elapsed / o.seconds));
      std::fprintf(stderr, "\r[%-30s] %5.1fs %9lld ok %7.0f/s", std::string(filled, '#').c_str(),
                   elapsed, s.ok, elapsed > 0 ? s.ok / elapsed : 0.0);
    }
    if (Clock::now() >= s.end || (o.max_requests && s.ok + s.bad >= o.max_requests)) return;
    ticker.expires_after(std::chrono::milliseconds(250));
    ticker.async_wait([&](beast::error_code) { tick(); });
  };
  tick();
  ioc.run();
  if (!o.quiet) std::fprintf(stderr, "\n");

  double secs = std::chrono::duration<double>(std::min(Clock::now(), s.end) - s.start).count();
  std::string series;
  for (size_t i = 0; i + 1 < s.per_second.size() && i < static_cast<size_t>(o.seconds); ++i)
    series += (series.empty() ? "" : ",") + std::to_string(s.per_second[i]);
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"requests\":%lld,\"ok\":%lld,\"non2xx\":%lld,\"errors\":%lld,\"seconds\":%.3f,"
                "\"rps\":%.1f,\"cpu_seconds\":%.3f,\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,"
                "\"p999\":%.3f,\"max\":%.3f},"
                "\"per_second\":[",
                s.ok + s.bad, s.ok, s.bad, s.errors, secs, s.ok / secs, CpuSeconds(),
                s.latency.Percentile(0.5), s.latency.Percentile(0.99), s.latency.Percentile(0.999),
                s.latency.Percentile(1.0));
  std::string out =
      std::string(buf) + series + "],\"latency_per_second_ms\":" + s.latency.PerSecondJson() + "}";
  std::cout << out << "\n";
  if (!o.json_path.empty()) std::ofstream(o.json_path) << out << "\n";
  return s.errors > 0 && s.ok == 0 ? 1 : 0;
}
