// The delivery HTTP client alone, many requests in flight to many slow endpoints: a child
// process serves N loopback ports and answers each request after a delay; the client keeps
// --in-flight POSTs under way (each completion submits the next) and reports requests/s, the CPU
// time of the client's thread per request and the process's peak RSS.
//   bench_http_client --ports 1000 --in-flight 16000 --delay-ms 200 --seconds 10
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "delivery/http_client.h"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// One keep-alive connection of the slow server: reads a request (head + Content-Length body),
// answers 200 after the delay, and again.
class ServerConnection : public std::enable_shared_from_this<ServerConnection> {
 public:
  ServerConnection(tcp::socket s, std::chrono::milliseconds delay)
      : socket_(std::move(s)), timer_(socket_.get_executor()), delay_(delay) {}
  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buf_, sizeof buf_), [self](auto ec, size_t n) {
      if (ec) return;
      self->in_.append(self->buf_, n);
      self->Parse();
    });
  }

 private:
  void Parse() {
    size_t end = in_.find("\r\n\r\n");
    if (end == std::string::npos) return Read();
    size_t length = 0;
    auto cl = in_.find("Content-Length: ");
    if (cl != std::string::npos && cl < end) length = std::stoul(in_.substr(cl + 16));
    if (in_.size() < end + 4 + length) return Read();
    in_.erase(0, end + 4 + length);
    timer_.expires_after(delay_);
    auto self = shared_from_this();
    timer_.async_wait([self](auto ec) {
      if (ec) return;
      static const char kAnswer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      asio::async_write(self->socket_, asio::buffer(kAnswer, sizeof kAnswer - 1),
                        [self](auto ec, size_t) {
                          if (!ec) self->Parse();
                        });
    });
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  std::chrono::milliseconds delay_;
  char buf_[4096];
  std::string in_;
};

void Accept(tcp::acceptor& a, std::chrono::milliseconds delay) {
  a.async_accept([&a, delay](auto ec, tcp::socket s) {
    if (!ec) {
      s.set_option(tcp::no_delay(true));
      std::make_shared<ServerConnection>(std::move(s), delay)->Read();
    }
    Accept(a, delay);
  });
}

double ThreadCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PeakRssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int ports = 1000, in_flight = 2000, delay_ms = 200;
  double seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--ports") ports = std::atoi(argv[i + 1]);
    if (k == "--in-flight") in_flight = std::atoi(argv[i + 1]);
    if (k == "--delay-ms") delay_ms = std::atoi(argv[i + 1]);
    if (k == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {  // the slow server
    asio::io_context io(1);
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::vector<uint16_t> bound;
    for (int i = 0; i < ports; ++i) {
      auto a = std::make_unique<tcp::acceptor>(
          io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      a->listen(4096);
      bound.push_back(a->local_endpoint().port());
      Accept(*a, std::chrono::milliseconds(delay_ms));
      acceptors.push_back(std::move(a));
    }
    if (write(pipe_fds[1], bound.data(), bound.size() * sizeof(uint16_t)) < 0) return 1;
    io.run();
    return 0;
  }
  std::vector<uint16_t> bound(ports);
  size_t want = bound.size() * sizeof(uint16_t), got = 0;
  while (got < want) {
    ssize_t n = read(pipe_fds[0], reinterpret_cast<char*>(bound.data()) + got, want - got);
    if (n <= 0) return 1;
    got += n;
  }
  std::vector<std::string> urls;
  for (auto p : bound) urls.push_back("http://127.0.0.1:" + std::to_string(p) + "/hook");

  hookd::delivery::HttpClient client({.user_agent = "bench"}, nullptr);
  const std::string body(300, 'x');
  std::vector<std::string> headers = {
      "Content-Type: application/json", "webhook-id: msg_1", "webhook-timestamp: 1700000000",
      "webhook-signature: v1,abcdefghijklmnopqrstuvwxyz0123456789+/="};
  size_t done = 0, failed = 0, next = 0;
  std::function<void()> submit;
  std::function<void(hookd::delivery::HttpResult)> on_done = [&](hookd::delivery::HttpResult r) {
    ++done;
    if (r.status != 200 && ++failed <= 5)
      std::fprintf(stderr, "failed: %d %s %s\n", r.status, r.error.c_str(), r.error_detail.c_str());
    submit();
  };
  submit = [&] {
    client.Submit({"POST", urls[next++ % urls.size()], headers, body, std::chrono::seconds(30)},
                  on_done);
  };
  for (int i = 0; i < in_flight; ++i) submit();
  auto warm_until = Clock::now() + std::chrono::seconds(3);
  while (Clock::now() < warm_until) client.Poll(std::chrono::milliseconds(100));
  size_t done0 = done, failed0 = failed;
  double cpu0 = ThreadCpuSeconds();
  auto t0 = Clock::now();
  auto end =
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < end) client.Poll(std::chrono::milliseconds(100));
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = ThreadCpuSeconds() - cpu0;
  size_t n = done - done0;
  std::printf(
      "{\"in_flight\": %d, \"ports\": %d, \"delay_ms\": %d, \"requests_per_s\": %.0f, "
      "\"ideal_per_s\": %.0f, \"client_cpu_us_per_request\": %.2f, \"failed\": %zu, "
      "\"peak_rss_mb\": %.1f}\n",
      in_flight, ports, delay_ms, n / secs, in_flight / (delay_ms / 1000.0), cpu / n * 1e6,
      failed - failed0, PeakRssKb() / 1024.0);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return 0;
}
