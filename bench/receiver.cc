// Benchmark receiver: a minimal single-thread HTTP/1.1 server (Boost.Beast) that answers 200 with
// an empty body and records arrivals. Chosen over nginx because it also measures end-to-end
// latency (from a "sent_ns" field in the body to arrival), counts distinct webhook-ids and, given
// the endpoints' secret, verifies each delivery's Standard Webhooks signature.
//   bench_receiver --port 9000 [--secret whsec_...]
// Paths: /hang/...  never answered (isolation scenario)
//        /ignore/... answered 200, not counted
//        /flaky/... answered 500 until GET /__recover, then 200 (retry storm)
//        anything else: 200
// Control: GET /__stats -> JSON counts, unique webhook-ids, latency percentiles, per-second
//          arrivals; GET /__reset clears them; GET /__recover.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
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

struct State {
  uint64_t requests = 0;
  uint64_t verified = 0, bad_signature = 0;  // only with --secret
  int64_t first_ns = 0, last_ns = 0;
  std::unordered_set<std::string> ids;
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
    if (auto it = req.find("webhook-id"); it != req.end()) ids.emplace(it->value());
    const auto& body = req.body();
    if (auto p = body.find("\"sent_ns\":"); p != std::string::npos) {
      int64_t sent = std::strtoll(body.c_str() + p + 10, nullptr, 10);
      if (sent > 0 && now > sent) latency.Add(sec, static_cast<uint32_t>((now - sent) / 1000));
    }
  }

  std::string Stats() {
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "{\"requests\":%llu,\"unique\":%zu,\"verified\":%llu,\"bad_signature\":%llu,"
                  "\"first_ns\":%lld,\"last_ns\":%lld,"
                  "\"latency_ms\":{\"count\":%zu,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f},"
                  "\"per_second\":[",
                  (unsigned long long)requests, ids.size(), (unsigned long long)verified,
                  (unsigned long long)bad_signature, (long long)first_ns, (long long)last_ns,
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
  Session(tcp::socket s, State& st, const std::string& key)
      : stream_(std::move(s)), st_(st), key_(key) {}
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
      res_.body() = st_.Stats();
    } else if (target == "/__reset") {
      st_ = State{};
    } else if (target == "/__recover") {
      st_.recovered = true;
    } else if (target.starts_with("/hang/")) {
      return Read();  // never answered: the pending read holds the connection until the client
                      // gives up and closes it
    } else {
      if (target.starts_with("/flaky/") && !st_.recovered) {
        res_.result(http::status::internal_server_error);
      } else if (!target.starts_with("/ignore/")) {
        st_.Record(req_, key_);
      }
    }
    res_.prepare_payload();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec && self->req_.keep_alive()) self->Read();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  State& st_;
  const std::string& key_;
};

void Accept(tcp::acceptor& acc, State& st, const std::string& key) {
  acc.async_accept([&acc, &st, &key](beast::error_code ec, tcp::socket s) {
    if (!ec) {
      s.set_option(tcp::no_delay(true));
      std::make_shared<Session>(std::move(s), st, key)->Start();
    }
    Accept(acc, st, key);
  });
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 9000;
  std::string key;  // --secret whsec_...: verify every recorded delivery's signature
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--port"))
      port = static_cast<unsigned short>(std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--secret"))
      key = SecretKey(argv[++i]);
  }
  asio::io_context ioc(1);
  tcp::acceptor acc(ioc, {asio::ip::make_address("127.0.0.1"), port});
  State st;
  std::printf("bench_receiver listening on 127.0.0.1:%u\n", acc.local_endpoint().port());
  std::fflush(stdout);
  Accept(acc, st, key);
  ioc.run();
}
