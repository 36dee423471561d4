// The HTTP server over real loopback sockets, where a whole process is not needed: running out
// of file descriptors, responses larger than the socket buffers.
#include "api/server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

namespace hookd::api {
namespace {

int OpenFiles() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (readdir(d)) ++n;
  closedir(d);
  return n - 3;  // ".", ".." and the directory itself
}

// A blocking socket with a 5 s receive timeout, connected to 127.0.0.1:port when `port` is set.
int Socket() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}
bool Connect(int fd, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

// The status line of a GET / on `fd`, or "" when the connection gives no answer.
std::string Get(int fd) {
  std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size())) return "";
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return "";
  std::string got(buf, size_t(n));
  return got.substr(0, got.find("\r\n"));
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

TEST(HttpServerTest, PausesAcceptingWhileOutOfFileDescriptorsThenResumes) {
  HttpServer server({.host = "127.0.0.1", .port = 0}, [](Request, Reply reply) {
    reply(Response{204, ""});
  });
  auto port = server.Start();
  ASSERT_TRUE(port) << port.error().detail;

  // 30 clients (their sockets made first), room for 10 accepted connections: the rest wait in
  // the backlog while every accept fails with EMFILE.
  std::vector<int> clients;
  for (int i = 0; i < 30; ++i) clients.push_back(Socket());
  for (int fd : clients) ASSERT_GE(fd, 0);
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = rlim_t(OpenFiles() + 10);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  for (int fd : clients) ASSERT_TRUE(Connect(fd, *port));
  for (int i = 0; i < 500 && server.Stats().accept_errors == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_GT(server.Stats().accept_errors, 0u);

  double cpu = CpuSeconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Spinning on accept would burn the whole 0.5 s; pausing between tries costs almost nothing.
  EXPECT_LT(CpuSeconds() - cpu, 0.1);
  EXPECT_LT(server.Stats().accept_errors, 20u);

  for (int fd : clients) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  int fd = Socket();
  ASSERT_TRUE(Connect(fd, *port));
  EXPECT_EQ(Get(fd), "HTTP/1.1 204 No Content");
  close(fd);
  server.Stop();
}

TEST(HttpServerTest, AResponseLargerThanTheSocketBuffersIsWrittenWholeAndTheConnectionGoesOn) {
  // 8 MB cannot go in one write to a client whose receive buffer is small: the server writes
  // what fits at once and the rest as the client reads.
  const std::string big(8 << 20, 'x');
  HttpServer server({.host = "127.0.0.1", .port = 0}, [&](Request req, Reply reply) {
    reply(Response{200, req.path == "/big" ? big : "small", "text/plain"});
  });
  auto port = server.Start();
  ASSERT_TRUE(port) << port.error().detail;
  int fd = Socket();
  int rcvbuf = 4096;
  ASSERT_EQ(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
  ASSERT_TRUE(Connect(fd, *port));
  // Reads one response with a body of `length` bytes; returns the body.
  auto response = [fd](size_t length) {
    std::string got;
    char buf[65536];
    size_t end = std::string::npos;
    while (end == std::string::npos || got.size() < end + 4 + length) {
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, size_t(n));
      if (end == std::string::npos) end = got.find("\r\n\r\n");
    }
    return end == std::string::npos ? std::string() : got.substr(end + 4);
  };
  for (std::string path : {"/big", "/small"}) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send(fd, req.data(), req.size(), MSG_NOSIGNAL), ssize_t(req.size()));
    const std::string expected = path == "/big" ? big : "small";
    std::string body = response(expected.size());
    EXPECT_EQ(body.size(), expected.size()) << path;
    EXPECT_TRUE(body == expected) << path;  // not EXPECT_EQ: it would print 8 MB
  }
  close(fd);
  server.Stop();
}

}  // namespace
}  // namespace hookd::api
