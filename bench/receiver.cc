// Benchmark receiver: a minimal single-thread HTTP/1.1 server (Boost.Beast) that answers 200 with
// an empty body and records arrivals. Chosen over nginx because it also measures end-to-end
// latency (from a "sent_ns" field in the body to arrival), counts distinct webhook-ids and, given
// the endpoints' secret, verifies each delivery's Standard Webhooks signature.
// Single-threaded, it holds as many connections as its open-file limit allows (raised to the hard
// limit at start): run several, on several loopback addresses, for more.
//   bench_receiver --port 9000 [--bind 127.0.0.1] [--secret whsec_...] [--journal FILE]
// Paths: /hang/...  never answered (isolation scenario)
//        /ignore/... answered 200, not counted
//        /flaky/... answered 500 until GET /__recover, then 200 (retry storm)
//        /slow/<ms>/... answered 200 after <ms> without blocking the thread; recorded when
//                       answered (slow scenario)
//        /durable/...   (with --journal FILE) answered 200 once its body is on the disk: bodies
//                       are written to FILE and synced in groups by a syncer thread, one fdatasync
//                       at a time (the inbox scenario's floor for a durable acknowledgement)
//        anything else: 200
// Control: GET /__stats -> JSON counts, unique webhook-ids, distinct deliveries (path and
//          webhook-id pairs), latency percentiles, per-second arrivals, connections;
//          GET /__reset clears them; GET /__recover.
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/crypto.h"
#include "latency.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The HMAC key of a "whsec_<base64>" endpoint secret.
std::string SecretKey(std::string_view secret) {
  if (secret.starts_with("whsec_")) secret.remove_prefix(6);
  return hookd::core::Base64Decode(secret).value_or("");
}

// Standard Webhooks: one of the "v1,<base64>" signatures must be the HMAC-SHA256 of
// "<webhook-id>.<webhook-timestamp>.<body>" under the key.
bool SignatureValid(const std::string& key, const http::request<http::string_body>& req) {
  auto id = req.find("webhook-id"), ts = req.find("webhook-timestamp"),
       sig = req.find("webhook-signature");
  if (id == req.end() || ts == req.end() || sig == req.end()) return false;
  std::string signed_text =
      std::string(id->value()) + "." + std::string(ts->value()) + "." + req.body();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &len);
  std::string expected =
      "v1," + hookd::core::Base64Encode(std::string_view(reinterpret_cast<char*>(mac), len));
  std::string_view list = sig->value();
  while (!list.empty()) {
    auto space = list.find(' ');
    if (list.substr(0, space) == expected) return true;
    list = space == std::string_view::npos ? std::string_view() : list.substr(space + 1);
  }
  return false;
}

// The delay of a "/slow/<ms>/..." target; nullopt for other targets.
std::optional<std::chrono::milliseconds> DelayOf(std::string_view target) {
  constexpr std::string_view kPrefix = "/slow/";
  if (!target.starts_with(kPrefix)) return std::nullopt;
  target.remove_prefix(kPrefix.size());
  unsigned ms = 0;
  std::from_chars(target.data(), target.data() + target.size(), ms);
  return std::chrono::milliseconds(ms);
}

// Group commit at its simplest: bodies appended to a preallocated file that is written over from
// its start when full (so a sync never changes the file's size), synced by one thread, one
// fdatasync at a time; each request is answered on the io thread once a sync covered it.
class Journal {
 public:
  static constexpr off_t kSize = 8 << 20;  // ~20 s of the inbox scenario's bodies

  Journal(asio::io_context& ioc, const char* path) : ioc_(ioc) {
    fd_ = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error(std::string("cannot open ") + path);
    std::string zeros(1 << 20, '\0');
    for (off_t at = 0; at < kSize; at += static_cast<off_t>(zeros.size()))
      if (pwrite(fd_, zeros.data(), zeros.size(), at) < 0) throw std::runtime_error("write");
    fsync(fd_);
    syncer_ = std::thread([this] { Loop(); });
  }
  ~Journal() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    syncer_.join();
    close(fd_);
  }
  // Called on the io thread; `done` runs there once `body` is durable.
  void Append(std::string_view body, std::function<void()> done) {
    {
      std::lock_guard lock(mu_);
      bytes_.append(body);
      waiting_.push_back(std::move(done));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    std::string bytes;
    std::vector<std::function<void()>> waiting;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !waiting_.empty(); });
        if (stop_) return;
        bytes.swap(bytes_);
        waiting.swap(waiting_);
      }
      for (size_t at = 0; at < bytes.size();) {  // written over from the start when full
        if (offset_ == kSize) offset_ = 0;
        size_t n = std::min(bytes.size() - at, static_cast<size_t>(kSize - offset_));
        if (pwrite(fd_, bytes.data() + at, n, offset_) < 0) std::abort();
        at += n;
        offset_ += static_cast<off_t>(n);
      }
      if (fdatasync(fd_) != 0) std::abort();
      asio::post(ioc_, [w = std::move(waiting)] {
        for (const auto& done : w) done();
      });
      waiting.clear();
      bytes.clear();
    }
  }

  asio::io_context& ioc_;
  int fd_ = -1;
  off_t offset_ = 0;  // syncer only
  std::mutex mu_;
  std::condition_variable cv_;
  std::string bytes_;
  std::vector<std::function<void()>> waiting_;
  bool stop_ = false;
  std::thread syncer_;
};

// Open connections; not cleared by /__reset (they outlive it).
struct Connections {
  uint64_t open = 0, peak = 0;
  uint64_t accept_errors = 0;  // e.g. out of file descriptors
};

struct State {
  uint64_t requests = 0;
  uint64_t verified = 0, bad_signature = 0;  // only with --secret
  int64_t first_ns = 0, last_ns = 0;
  std::unordered_set<std::string> ids;
  // Distinct (path, webhook-id) pairs as 64-bit hashes: one per endpoint a message reached.
  std::unordered_set<uint64_t> deliveries;
  LatencyRecorder latency;
  std::vector<uint64_t> per_second;  // arrivals per second since the first one
  bool recovered = false;

  void Record(const http::request<http::string_body>& req, const std::string& key) {
    // Deliveries carry a webhook-id (one without is missing from `unique`, so counted as lost).
    if (!key.empty() && req.count("webhook-id"))
      (SignatureValid(key, req) ? verified : bad_signature)++;
    int64_t now = NowNs();
    if (requests++ == 0) first_ns = now;
    last_ns = now;
    size_t sec = static_cast<size_t>((now - first_ns) / 1'000'000'000);
    if (sec >= per_second.size()) per_second.resize(sec + 1, 0);
    ++per_second[sec];
    if (auto it = req.find("webhook-id"); it != req.end()) {
      ids.emplace(it->value());
      std::string pair = std::string(req.target()) + '\n' + std::string(it->value());
      deliveries.insert(std::hash<std::string>{}(pair));
    }
    const auto& body = req.body();
    if (auto p = body.find("\"sent_ns\":"); p != std::string::npos) {
      int64_t sent = std::strtoll(body.c_str() + p + 10, nullptr, 10);
      if (sent > 0 && now > sent) latency.Add(sec, static_cast<uint32_t>((now - sent) / 1000));
    }
  }

  std::string Stats(const Connections& conns) {
    char buf[600];
    std::snprintf(buf, sizeof buf,
                  "{\"requests\":%llu,\"unique\":%zu,\"deliveries\":%zu,\"verified\":%llu,"
                  "\"bad_signature\":%llu,\"first_ns\":%lld,\"last_ns\":%lld,"
                  "\"connections\":%llu,\"peak_connections\":%llu,\"accept_errors\":%llu,"
                  "\"latency_ms\":{\"count\":%zu,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f},"
                  "\"per_second\":[",
                  (unsigned long long)requests, ids.size(), deliveries.size(),
                  (unsigned long long)verified, (unsigned long long)bad_signature,
                  (long long)first_ns, (long long)last_ns, (unsigned long long)conns.open,
                  (unsigned long long)conns.peak, (unsigned long long)conns.accept_errors,
                  latency.count(), latency.Percentile(0.5), latency.Percentile(0.99),
                  latency.Percentile(0.999));
    std::string out = buf;
    for (size_t i = 0; i < per_second.size(); ++i)
      out += (i ? "," : "") + std::to_string(per_second[i]);
    return out + "],\"latency_per_second_ms\":" + latency.PerSecondJson() + "}";
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket s, State& st, Connections& conns, const std::string& key, Journal* journal)
      : stream_(std::move(s)),
        timer_(stream_.get_executor()),
        st_(st),
        conns_(conns),
        key_(key),
        journal_(journal) {
    conns_.peak = std::max(conns_.peak, ++conns_.open);
  }
  ~Session() { --conns_.open; }
  void Start() { Read(); }

 private:
  void Read() {
    req_ = {};
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->Handle();
                     });
  }
  void Handle() {
    std::string_view target = req_.target();
    res_ = {};
    res_.version(11);
    res_.keep_alive(req_.keep_alive());
    res_.result(http::status::ok);
    if (target == "/__stats") {
      res_.body() = st_.Stats(conns_);
    } else if (target == "/__reset") {
      st_ = State{};
      conns_.peak = conns_.open;
      conns_.accept_errors = 0;
    } else if (target == "/__recover") {
      st_.recovered = true;
    } else if (target.starts_with("/hang/")) {
      return Read();  // never answered: the pending read holds the connection until the client
                      // gives up and closes it
    } else if (auto delay = DelayOf(target)) {
      timer_.expires_after(*delay);
      return timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (ec) return;
        self->st_.Record(self->req_, self->key_);
        self->Write();
      });
    } else if (journal_ && target.starts_with("/durable/")) {
      return journal_->Append(req_.body(), [self = shared_from_this()] {
        self->st_.Record(self->req_, self->key_);
        self->Write();
      });
    } else {
      if (target.starts_with("/flaky/") && !st_.recovered) {
        res_.result(http::status::internal_server_error);
      } else if (!target.starts_with("/ignore/")) {
        st_.Record(req_, key_);
      }
    }
    Write();
  }
  void Write() {
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec && self->req_.keep_alive()) self->Read();
    });
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;  // a /slow/ answer's delay
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  State& st_;
  Connections& conns_;
  const std::string& key_;
  Journal* journal_;  // null without --journal
};

// Accepts for ever; after a failed accept (e.g. no file descriptor left) it waits 10 ms instead
// of spinning.
struct Listener {
  tcp::acceptor acc;
  asio::steady_timer pause;
  State& st;
  Connections& conns;
  const std::string& key;
  Journal* journal;

  void Accept() {
    acc.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        ++conns.accept_errors;
        pause.expires_after(std::chrono::milliseconds(10));
        return pause.async_wait([this](beast::error_code) { Accept(); });
      }
      s.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(s), st, conns, key, journal)->Start();
      Accept();
    });
  }
};

// Raises the soft open-file limit to the hard one; returns the limit in force.
rlim_t RaiseFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  rlimit raised{lim.rlim_max, lim.rlim_max};
  return setrlimit(RLIMIT_NOFILE, &raised) == 0 ? lim.rlim_max : lim.rlim_cur;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 9000;
  std::string bind = "127.0.0.1";
  std::string key;  // --secret whsec_...: verify every recorded delivery's signature
  const char* journal_path = nullptr;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--port"))
      port = static_cast<unsigned short>(std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--bind"))
      bind = argv[++i];
    else if (!std::strcmp(argv[i], "--secret"))
      key = SecretKey(argv[++i]);
    else if (!std::strcmp(argv[i], "--journal"))
      journal_path = argv[++i];
  }
  rlim_t files = RaiseFileLimit();
  asio::io_context ioc(1);
  State st;
  Connections conns;
  std::optional<Journal> journal;
  if (journal_path) journal.emplace(ioc, journal_path);
  Listener listener{tcp::acceptor(ioc, {asio::ip::make_address(bind), port}),
                    asio::steady_timer(ioc),
                    st,
                    conns,
                    key,
                    journal ? &*journal : nullptr};
  std::printf("bench_receiver listening on %s:%u (open-file limit %llu)\n", bind.c_str(),
              listener.acc.local_endpoint().port(), (unsigned long long)files);
  std::fflush(stdout);
  listener.Accept();
  ioc.run();
}
