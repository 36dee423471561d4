// HttpClient over real loopback HTTP: a raw server in the test answers as each case needs
// (statuses, slow, hanging, chunked, huge, resets, Connection: close, idle connections closed).
#include "delivery/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "delivery/http1_request.h"
#include "delivery/http_target.h"
#include "delivery/ssrf_guard.h"
#include "loopback.h"

namespace hookd::delivery {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using Request = http::request<http::string_body>;

// A loopback HTTP server, one thread per connection. `serve` writes the raw answer to one
// request; it returns false to end the connection (closed after it returns).
class RawServer {
 public:
  using Serve = std::function<bool(tcp::socket&, const Request&)>;

  explicit RawServer(Serve serve)
      : serve_(std::move(serve)), server_([this](tcp::socket& sock) { Connection(sock); }) {}

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }
  uint16_t port() const { return server_.port(); }
  int accepted() const { return server_.accepted(); }
  int max_open() const { return max_open_; }
  int requests() const { return requests_; }
  std::string last_head() const {
    std::lock_guard lock(mu_);
    return last_head_;
  }

 private:
  void Connection(tcp::socket& sock) {
    int now_open = ++open_;
    for (int m = max_open_; now_open > m && !max_open_.compare_exchange_weak(m, now_open);) {
    }
    boost::beast::flat_buffer buffer;
    while (!server_.stopping()) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 << 20);
      boost::beast::error_code ec;
      http::read(sock, buffer, parser, ec);
      if (ec) break;
      ++requests_;
      {
        std::lock_guard lock(mu_);
        std::ostringstream head;
        head << parser.get().base();
        last_head_ = head.str();
      }
      if (!serve_(sock, parser.get())) break;
    }
    --open_;
  }

  Serve serve_;
  std::atomic<int> open_{0}, max_open_{0}, requests_{0};
  mutable std::mutex mu_;
  std::string last_head_;
  hookd::testing::LoopbackServer server_;  // last: its threads use the members above
};

void Write(tcp::socket& sock, const std::string& bytes) {
  boost::system::error_code ec;
  asio::write(sock, asio::buffer(bytes), ec);
}

std::string Answer(int status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// Answers by path: /ok, /500, /429 (Retry-After: 7), /slow (300 ms), /hang (never),
// /close (Connection: close), /chunked, /huge/N (N body bytes), /reset (RST, no answer),
// /http10 (body until the connection ends), /drop-next (answers, then drops the next request
// on that connection unanswered), /echo (the request's head as the body).
bool Behave(tcp::socket& sock, const Request& req) {
  std::string path(req.target());
  if (path == "/ok") return Write(sock, Answer(200, "fine")), true;
  if (path == "/500") return Write(sock, Answer(500, "boom")), true;
  if (path == "/429") return Write(sock, Answer(429, "", "Retry-After: 7\r\n")), true;
  if (path == "/slow") {
    std::this_thread::sleep_for(300ms);
    return Write(sock, Answer(200, "late")), true;
  }
  if (path == "/hang") {
    char c;
    boost::system::error_code ec;
    sock.read_some(asio::buffer(&c, 1), ec);  // until the client goes away
    return false;
  }
  if (path == "/close") return Write(sock, Answer(200, "bye", "Connection: close\r\n")), false;
  if (path == "/chunked") {
    Write(sock,
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
          "world\r\n0\r\n\r\n");
    return true;
  }
  if (path.starts_with("/huge/")) {
    return Write(sock, Answer(200, std::string(std::stoul(path.substr(6)), 'x'))), true;
  }
  if (path == "/reset") {
    sock.set_option(asio::socket_base::linger(true, 0));
    return false;
  }
  if (path == "/http10") return Write(sock, "HTTP/1.0 200 OK\r\n\r\nuntil the end"), false;
  if (path == "/drop-next") {
    Write(sock, Answer(200, "once"));
    http::request<http::string_body> next;
    boost::beast::flat_buffer buffer;
    boost::beast::error_code ec;
    http::read(sock, buffer, next, ec);
    return false;  // closed without an answer
  }
  if (path.starts_with("/echo")) {
    std::ostringstream head;
    head << req.base();
    return Write(sock, Answer(200, head.str() + req.body())), true;
  }
  return Write(sock, Answer(404, "")), true;
}

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() : server_(Behave) {}

  HttpClient& Client(HttpClientOptions options = {}, const SsrfGuard* guard = nullptr) {
    if (options.user_agent.empty()) options.user_agent = "hookd-test";
    client_ = std::make_unique<HttpClient>(options, guard);
    return *client_;
  }

  // Polls until `done` holds or the deadline passes.
  bool Until(HttpClient& c, const std::function<bool()>& done,
             std::chrono::milliseconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) c.Poll(20ms);
    return done();
  }

  HttpResult Fetch(HttpClient& c, HttpRequest req) {
    std::optional<HttpResult> out;
    c.Submit(std::move(req), [&](HttpResult r) { out = std::move(r); });
    EXPECT_TRUE(Until(c, [&] { return out.has_value(); }));
    return out.value_or(HttpResult{});
  }

  HttpResult Get(HttpClient& c, const std::string& path, std::chrono::milliseconds timeout = 5s) {
    return Fetch(c, {"GET", server_.Url(path), {}, "", timeout});
  }

  RawServer server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(HttpClientTest, StatusBodyAndRetryAfter) {
  auto& c = Client();
  auto ok = Get(c, "/ok");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "fine");
  EXPECT_EQ(ok.error, "");
  EXPECT_FALSE(ok.retry_after);
  EXPECT_GT(ok.duration.count(), 0);
  auto boom = Get(c, "/500");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.body, "boom");
  auto busy = Get(c, "/429");
  EXPECT_EQ(busy.status, 429);
  EXPECT_EQ(busy.retry_after.value_or(""), "7");
  EXPECT_EQ(c.in_flight(), 0u);
  EXPECT_EQ(server_.accepted(), 1);
}

TEST_F(HttpClientTest, RequestHeadAndBody) {
  auto& c = Client();
  auto r = Fetch(c, {"POST",
                     server_.Url("/echo"),
                     {"Content-Type: application/json", "X-Tenant: t1"},
                     "{\"a\":1}",
                     5s});
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("POST /echo HTTP/1.1\r\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Host: 127.0.0.1:" + std::to_string(server_.port()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("User-Agent: hookd-test\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("Content-Length: 7\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("X-Tenant: t1\r\n"), std::string::npos);
  EXPECT_NE(r.body.find("\r\n\r\n{\"a\":1}"), std::string::npos);
  EXPECT_EQ(r.body.find("Expect"), std::string::npos);

  auto g = Fetch(c, {"GET", server_.Url("/echo?x=1&y=%20"), {}, "ignored", 5s});
  EXPECT_NE(g.body.find("GET /echo?x=1&y=%20 HTTP/1.1\r\n"), std::string::npos) << g.body;
  EXPECT_EQ(g.body.find("Content-Length"), std::string::npos);
  EXPECT_EQ(g.body.find("ignored"), std::string::npos);
}

TEST_F(HttpClientTest, RequestHeadRules) {
  HttpTarget target = *ParseHttpTarget("http://[::1]:8080/p/../q?a=b#frag");
  EXPECT_EQ(target.host, "::1");
  EXPECT_EQ(target.host_header, "[::1]:8080");
  EXPECT_EQ(target.target, "/p/../q?a=b");
  EXPECT_FALSE(ParseHttpTarget("https://example.com/"));
  EXPECT_FALSE(ParseHttpTarget("http://user:pw@example.com/"));
  EXPECT_EQ(ParseHttpTarget("http://Example.com:80")->host_header, "Example.com");

  std::string head;
  HttpRequest req{"POST", "", {"Host: other", "Accept:", "Content-Length: 99", "X-A:  v "}, "ab"};
  EXPECT_EQ(WriteRequestHead(req, target, "ua", head), "");
  EXPECT_EQ(head,
            "POST /p/../q?a=b HTTP/1.1\r\nUser-Agent: ua\r\nHost: other\r\nX-A: v\r\n"
            "Content-Length: 2\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n");
  req.headers = {"X-Bad: a\r\nInjected: b"};
  EXPECT_NE(WriteRequestHead(req, target, "ua", head), "");
  req.headers = {": no name"};
  EXPECT_NE(WriteRequestHead(req, target, "ua", head), "");
}

TEST(HttpTargetCacheTest, AnswersAsTheParserDoesAndStaysWithinItsCapacity) {
  HttpTargetCache cache(2);
  EXPECT_EQ(cache.Of("http://[::1]:8080/p?a=b")->target, "/p?a=b");
  EXPECT_EQ(cache.Of("http://[::1]:8080/p?a=b")->pool_key, "::1:8080");  // the cached answer
  EXPECT_FALSE(cache.Of("https://example.com/"));                        // refusals are kept too
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Of("http://example.com/x")->host, "example.com");  // full: starts over
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_FALSE(cache.Of("https://example.com/"));
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnection) {
  auto& c = Client();
  for (int i = 0; i < 50; ++i) ASSERT_EQ(Get(c, "/ok").status, 200);
  EXPECT_EQ(server_.accepted(), 1);
  EXPECT_EQ(server_.requests(), 50);
}

TEST_F(HttpClientTest, HostConnectionLimitQueuesRequests) {
  auto& c = Client({.max_host_connections = 3});
  int done = 0;
  for (int i = 0; i < 12; ++i)
    c.Submit({"GET", server_.Url("/slow"), {}, "", 10s}, [&](HttpResult r) {
      EXPECT_EQ(r.status, 200);
      ++done;
    });
  EXPECT_EQ(c.in_flight(), 12u);
  ASSERT_TRUE(Until(c, [&] { return done == 12; }));
  EXPECT_EQ(server_.max_open(), 3);
  EXPECT_EQ(server_.accepted(), 3);
}

TEST_F(HttpClientTest, TotalConnectionLimitAcrossHosts) {
  auto& c = Client({.max_total_connections = 2});
  std::vector<uint64_t> ids;
  int done = 0;
  for (const char* host : {"127.0.0.1", "localhost", "127.0.0.1", "localhost"}) {
    std::string url =
        "http://" + std::string(host) + ":" + std::to_string(server_.port()) + "/hang";
    ids.push_back(c.Submit({"GET", url, {}, "", 10s}, [&](HttpResult r) {
      EXPECT_EQ(r.error, "canceled");
      ++done;
    }));
  }
  ASSERT_TRUE(Until(c, [&] { return server_.requests() == 2; }));
  Until(
      c, [] { return false; }, 200ms);
  EXPECT_EQ(server_.requests(), 2);  // the other two wait for a connection
  EXPECT_EQ(server_.accepted(), 2);
  c.Cancel(ids[0]);
  c.Cancel(ids[1]);
  ASSERT_TRUE(Until(c, [&] { return server_.requests() == 4; }));
  EXPECT_EQ(server_.accepted(), 4);
  c.Cancel(ids[2]);
  c.Cancel(ids[3]);
  EXPECT_EQ(done, 4);
}

TEST_F(HttpClientTest, AtTheTotalLimitWaitingRequestsReuseConnections) {
  auto& c = Client({.max_total_connections = 4});
  int ok = 0;
  auto submit = [&](const char* host, int n) {
    std::string url = "http://" + std::string(host) + ":" + std::to_string(server_.port()) + "/ok";
    for (int i = 0; i < n; ++i)
      c.Submit({"GET", url, {}, "", 10s}, [&](HttpResult r) { ok += r.status == 200; });
  };
  submit("127.0.0.1", 200);
  ASSERT_TRUE(Until(c, [&] { return ok == 200; }));
  EXPECT_EQ(server_.accepted(), 4);  // not one per request
  // A second host's requests queue behind the first's: connections move over until both have
  // about as many, and are reused on both sides.
  submit("127.0.0.1", 200);
  submit("localhost", 200);
  ASSERT_TRUE(Until(c, [&] { return ok == 600; }));
  EXPECT_LE(server_.accepted(), 12);
  EXPECT_LE(server_.max_open(), 4 + 4);  // the closed ones may linger on the server's side
}

TEST_F(HttpClientTest, AtTheTotalLimitHostsTakingTurnsKeepTheirConnections) {
  auto& c = Client({.max_total_connections = 4});
  int ok = 0;
  // Requests arrive in long runs per host (as an engine turn hands out one endpoint's messages
  // together): once the two hosts share the connections, each keeps and reuses its share.
  for (int run = 0; run < 8; ++run) {
    std::string url = "http://" + std::string(run % 2 ? "localhost" : "127.0.0.1") + ":" +
                      std::to_string(server_.port()) + "/ok";
    for (int i = 0; i < 100; ++i)
      c.Submit({"GET", url, {}, "", 10s}, [&](HttpResult r) { ok += r.status == 200; });
  }
  ASSERT_TRUE(Until(c, [&] { return ok == 800; }));
  EXPECT_LE(server_.accepted(), 8);
}

TEST_F(HttpClientTest, AtTheTotalLimitTheConnectionIdleLongestMakesRoom) {
  RawServer other(Behave);
  auto& c = Client({.max_total_connections = 2});
  auto url = [](const std::string& host, int port) {
    return "http://" + host + ":" + std::to_string(port) + "/ok";
  };
  auto get = [&](const std::string& u) { return Fetch(c, {"GET", u, {}, "", 10s}).status; };
  ASSERT_EQ(get(url("localhost", server_.port())), 200);  // idle longest from here on
  ASSERT_EQ(get(url("127.0.0.1", server_.port())), 200);
  ASSERT_EQ(get(url("127.0.0.1", other.port())), 200);  // closes localhost's
  EXPECT_EQ(server_.accepted(), 2);
  ASSERT_EQ(get(url("127.0.0.1", server_.port())), 200);  // still open: reused
  EXPECT_EQ(server_.accepted(), 2);
  ASSERT_EQ(get(url("localhost", server_.port())), 200);  // closed: opened again
  EXPECT_EQ(server_.accepted(), 3);
}

TEST_F(HttpClientTest, ServerClosedKeptAliveConnectionIsRetriedOnce) {
  auto& c = Client();
  EXPECT_EQ(Get(c, "/drop-next").status, 200);
  auto r = Get(c, "/ok");  // sent on the kept connection, dropped, sent again on a new one
  EXPECT_EQ(r.status, 200) << r.error << ": " << r.error_detail;
  EXPECT_EQ(server_.accepted(), 2);
}

TEST_F(HttpClientTest, ConnectionCloseAndHttp10AreHonoured) {
  auto& c = Client();
  EXPECT_EQ(Get(c, "/close").body, "bye");
  EXPECT_EQ(Get(c, "/close").body, "bye");
  auto old = Get(c, "/http10");
  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(old.body, "until the end");
  EXPECT_EQ(Get(c, "/ok").status, 200);
  EXPECT_EQ(server_.accepted(), 4);
}

TEST_F(HttpClientTest, ChunkedResponse) {
  auto& c = Client();
  auto r = Get(c, "/chunked");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(Get(c, "/ok").status, 200);
  EXPECT_EQ(server_.accepted(), 1);
}

TEST_F(HttpClientTest, LongBodiesAreCut) {
  auto& c = Client({.max_response_bytes = 1000});
  // Within the extra 64 KiB: read to its end and dropped; the connection is kept.
  auto a = Get(c, "/huge/30000");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, std::string(1000, 'x'));
  EXPECT_EQ(Get(c, "/ok").status, 200);
  EXPECT_EQ(server_.accepted(), 1);
  // Past it: not read to its end; the status stands and the connection goes.
  auto b = Get(c, "/huge/4000000");
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.error, "");
  EXPECT_EQ(b.body.size(), 1000u);
  EXPECT_EQ(Get(c, "/ok").status, 200);
  EXPECT_EQ(server_.accepted(), 2);
}

TEST_F(HttpClientTest, TimeoutEndsAHangingRequest) {
  auto& c = Client();
  auto started = std::chrono::steady_clock::now();
  auto r = Get(c, "/hang", 300ms);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "timeout");
  EXPECT_NE(r.error_detail.find("timed out"), std::string::npos) << r.error_detail;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(Get(c, "/ok").status, 200);  // on a new connection: the hanging one was closed
  EXPECT_EQ(server_.accepted(), 2);
}

TEST_F(HttpClientTest, ZeroTimeoutMeansNone) {
  auto& c = Client();
  auto r = Get(c, "/slow", 0ms);
  EXPECT_EQ(r.status, 200) << r.error << ": " << r.error_detail;
}

TEST_F(HttpClientTest, CancelRunsTheCallbackNow) {
  auto& c = Client();
  std::optional<HttpResult> out;
  auto id = c.Submit({"GET", server_.Url("/hang"), {}, "", 10s},
                     [&](HttpResult r) { out = std::move(r); });
  ASSERT_TRUE(Until(c, [&] { return server_.requests() == 1; }));
  c.Cancel(id);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->error, "canceled");
  EXPECT_EQ(c.in_flight(), 0u);
  c.Cancel(id);  // nothing left to cancel
  // Canceled before it started any I/O, too.
  bool called = false;
  auto id2 = c.Submit({"GET", server_.Url("/ok"), {}, "", 10s}, [&](HttpResult r) {
    EXPECT_EQ(r.error, "canceled");
    called = true;
  });
  c.Cancel(id2);
  EXPECT_TRUE(called);
  c.Poll(10ms);
}

TEST_F(HttpClientTest, SsrfGuardRefusesBeforeConnecting) {
  auto guard = SsrfGuard::Create({});
  ASSERT_TRUE(guard);
  auto& c = Client({}, &*guard);
  auto r = Get(c, "/ok");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.error, "ssrf");
  EXPECT_NE(r.error_detail.find("loopback"), std::string::npos) << r.error_detail;
  auto named = Fetch(c, {"GET", "http://localhost:" + std::to_string(server_.port()) + "/ok"});
  EXPECT_EQ(named.error, "ssrf");
  EXPECT_EQ(server_.accepted(), 0);

  auto allowed = SsrfGuard::Create({"127.0.0.0/8", "::1/128"});
  auto& c2 = Client({}, &*allowed);
  EXPECT_EQ(Get(c2, "/ok").status, 200);
}

TEST_F(HttpClientTest, NamesAreResolved) {
  auto& c = Client();
  auto r = Fetch(c, {"GET", "http://localhost:" + std::to_string(server_.port()) + "/ok"});
  EXPECT_EQ(r.status, 200) << r.error << ": " << r.error_detail;
}

TEST_F(HttpClientTest, NetworkFailures) {
  auto& c = Client();
  auto reset = Get(c, "/reset");
  EXPECT_EQ(reset.status, 0);
  EXPECT_EQ(reset.error, "network") << reset.status << " " << reset.error_detail;
  // A port nobody listens on.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto refused =
      Fetch(c, {"GET", "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"});
  close(fd);
  EXPECT_EQ(refused.error, "connect");
  EXPECT_FALSE(refused.error_detail.empty());
}

TEST_F(HttpClientTest, ManyInFlightOnOneThread) {
  auto& c = Client();
  int done = 0;
  for (int i = 0; i < 200; ++i)
    c.Submit({"POST", server_.Url("/ok"), {"Content-Type: text/plain"}, "x", 10s},
             [&](HttpResult r) { done += r.status == 200; });
  ASSERT_TRUE(Until(c, [&] { return done == 200; }));
  EXPECT_EQ(c.in_flight(), 0u);
}

// Under steady load something is always ready; Poll still returns, so its caller gets turns.
TEST_F(HttpClientTest, PollReturnsUnderSteadyLoad) {
  auto& c = Client();
  int done = 0;
  bool stop = false;
  std::function<void()> submit = [&] {
    c.Submit({"GET", server_.Url("/ok"), {}, "", 10s}, [&](HttpResult r) {
      EXPECT_EQ(r.status, 200);
      ++done;
      if (!stop) submit();
    });
  };
  for (int i = 0; i < 32; ++i) submit();
  for (int turn = 0; turn < 50; ++turn) {
    auto started = std::chrono::steady_clock::now();
    c.Poll(100ms);
    ASSERT_LT(std::chrono::steady_clock::now() - started, 1s);
  }
  EXPECT_GT(done, 32);
  stop = true;
  ASSERT_TRUE(Until(c, [&] { return c.in_flight() == 0; }));
}

TEST_F(HttpClientTest, WakeupEndsPollEarly) {
  auto& c = Client();
  std::thread waker([&] {
    std::this_thread::sleep_for(50ms);
    c.Wakeup();
  });
  auto started = std::chrono::steady_clock::now();
  c.Poll(5s);
  waker.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  c.Wakeup();  // before Poll: that Poll returns at once
  started = std::chrono::steady_clock::now();
  c.Poll(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

// URLs the HTTP/1.1 client leaves to libcurl run on the same Poll().
TEST_F(HttpClientTest, LibcurlTransfersShareThePoll) {
  auto& c = Client();
  auto viaCurl =
      Fetch(c, {"GET", "http://u:p@127.0.0.1:" + std::to_string(server_.port()) + "/429"});
  EXPECT_EQ(viaCurl.status, 429);
  EXPECT_EQ(viaCurl.retry_after.value_or(""), "7");
  auto tls =
      Fetch(c, {"GET", "https://127.0.0.1:" + std::to_string(server_.port()) + "/ok", {}, "", 3s});
  EXPECT_EQ(tls.status, 0);
  EXPECT_TRUE(tls.error == "tls" || tls.error == "network") << tls.error;
  std::optional<HttpResult> hung;
  int before = server_.requests();
  auto id = c.Submit({"GET", "http://u:p@127.0.0.1:" + std::to_string(server_.port()) + "/hang"},
                     [&](HttpResult r) { hung = std::move(r); });
  ASSERT_TRUE(Until(c, [&] { return server_.requests() > before; }));
  c.Cancel(id);
  ASSERT_TRUE(hung);
  EXPECT_EQ(hung->error, "canceled");
  auto slow = Fetch(
      c,
      {"GET", "http://u:p@127.0.0.1:" + std::to_string(server_.port()) + "/hang", {}, "", 300ms});
  EXPECT_EQ(slow.error, "timeout");
}

}  // namespace
}  // namespace hookd::delivery
