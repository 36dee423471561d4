#include "delivery/curl_transfers.h"

#include <curl/curl.h>
#include <strings.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>
#include <unordered_map>
#include <vector>

namespace hookd::delivery {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

struct GlobalInit {
  GlobalInit() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

// Per-transfer state, owned by Impl while the transfer runs.
struct Transfer {
  uint64_t id = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpRequest request;
  HttpCallback done;
  HttpResult result;
  size_t max_body = 0;
  size_t discarded = 0;  // body bytes read past max_body
  bool cut = false;      // stopped reading a long body (the status stands; the connection goes)
  const SsrfGuard* guard = nullptr;
  std::string ssrf_reason;
  char error_buf[CURL_ERROR_SIZE] = {0};
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  size_t room = t->max_body > t->result.body.size() ? t->max_body - t->result.body.size() : 0;
  t->result.body.append(data, std::min(room, len));
  t->discarded += len - std::min(room, len);
  if (t->discarded > kDiscardLimit) {
    t->cut = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR and closes the connection
  }
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  constexpr std::string_view kRetryAfter = "retry-after:";
  if (line.size() > kRetryAfter.size() &&
      strncasecmp(line.data(), kRetryAfter.data(), kRetryAfter.size()) == 0) {
    auto v = line.substr(kRetryAfter.size());
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' '))
      v.remove_suffix(1);
    t->result.retry_after = std::string(v);
  }
  return size * n;
}

// Refuses sockets to addresses the SSRF guard rejects; runs for every connection attempt.
curl_socket_t OnOpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN && t->guard) {
    std::string reason = t->guard->Check(&address->addr);
    if (!reason.empty()) {
      t->ssrf_reason = std::move(reason);
      return CURL_SOCKET_BAD;
    }
  }
  return socket(address->family, address->socktype, address->protocol);
}

std::string ErrorClass(CURLcode code, const Transfer& t) {
  if (!t.ssrf_reason.empty()) return "ssrf";
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "dns";
    case CURLE_COULDNT_CONNECT:
      return "connect";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return "tls";
    default:
      return "network";
  }
}

}  // namespace

struct CurlTransfers::Impl {
  // A socket libcurl asked to have watched. Shared with the waits pending on it; `gone` once
  // libcurl no longer wants it (the descriptor is then released, never closed here).
  struct Watch {
    explicit Watch(asio::io_context& io) : fd(io) {}
    ~Watch() {
      if (fd.is_open()) fd.release();
    }
    asio::posix::stream_descriptor fd;
    int want = 0;  // CURL_POLL_IN / OUT / INOUT
    bool reading = false, writing = false, gone = false;
  };
  using WatchPtr = std::shared_ptr<Watch>;

  Impl(asio::io_context& io, HttpClientOptions options, const SsrfGuard* guard)
      : io(io), options(std::move(options)), guard(guard), timer(io) {}

  asio::io_context& io;
  HttpClientOptions options;
  const SsrfGuard* guard;
  CURLM* multi = nullptr;
  asio::steady_timer timer;  // libcurl's next timeout
  std::unordered_map<curl_socket_t, WatchPtr> watches;
  std::vector<CURL*> idle;                              // easy handles kept for reuse
  std::unordered_map<uint64_t, Transfer*> live;         // by id
  std::vector<std::pair<uint64_t, CURLcode>> finished;  // ReadDone's scratch list
  bool shut = false;

  static int OnSocket(CURL*, curl_socket_t s, int what, void* user, void*) {
    auto* impl = static_cast<Impl*>(user);
    if (what == CURL_POLL_REMOVE) {
      impl->Unwatch(s);
      return 0;
    }
    WatchPtr& w = impl->watches[s];
    if (!w) {
      w = std::make_shared<Watch>(impl->io);
      error_code ec;
      w->fd.assign(s, ec);
      if (ec) {
        impl->watches.erase(s);
        return -1;  // libcurl fails the transfers on this socket
      }
    }
    w->want = what;
    impl->Arm(w, s);
    return 0;
  }

  static int OnTimer(CURLM*, long timeout_ms, void* user) {
    auto* impl = static_cast<Impl*>(user);
    if (timeout_ms < 0) {
      impl->timer.cancel();
      return 0;
    }
    impl->timer.expires_after(std::chrono::milliseconds(timeout_ms));
    impl->timer.async_wait([impl](error_code ec) {
      if (!ec && !impl->shut) impl->Act(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  static int OnCloseSocket(void* user, curl_socket_t s) {
    static_cast<Impl*>(user)->Unwatch(s);
    return close(s);
  }

  void Unwatch(curl_socket_t s) {
    auto it = watches.find(s);
    if (it == watches.end()) return;
    it->second->gone = true;
    it->second->fd.release();  // pending waits end with operation_aborted
    watches.erase(it);
  }

  // Waits for what libcurl wants of `s`, unless a wait for it is pending already.
  void Arm(const WatchPtr& w, curl_socket_t s) {
    if ((w->want & CURL_POLL_IN) && !w->reading) {
      w->reading = true;
      w->fd.async_wait(asio::posix::stream_descriptor::wait_read, [this, w, s](error_code ec) {
        w->reading = false;
        if (ec || w->gone) return;
        Act(s, CURL_CSELECT_IN);
        if (!w->gone) Arm(w, s);
      });
    }
    if ((w->want & CURL_POLL_OUT) && !w->writing) {
      w->writing = true;
      w->fd.async_wait(asio::posix::stream_descriptor::wait_write, [this, w, s](error_code ec) {
        w->writing = false;
        if (ec || w->gone) return;
        Act(s, CURL_CSELECT_OUT);
        if (!w->gone) Arm(w, s);
      });
    }
  }

  void Act(curl_socket_t s, int mask) {
    int running = 0;
    curl_multi_socket_action(multi, s, mask, &running);
    ReadDone();
  }

  // Ends the transfers libcurl finished. Every one is read before any is removed:
  // curl_multi_remove_handle walks the queue of unread messages.
  void ReadDone() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      finished.emplace_back(t->id, msg->data.result);
    }
    if (finished.empty()) return;
    std::vector<std::pair<uint64_t, CURLcode>> batch;
    batch.swap(finished);
    for (auto [id, code] : batch) {
      // A callback may have canceled a transfer of the same batch.
      if (auto it = live.find(id); it != live.end()) Finish(it->second, code);
    }
    batch.clear();
    if (finished.empty()) finished.swap(batch);  // keeps the capacity
  }

  // `canceled`: ended by Cancel(), not by libcurl.
  void Finish(Transfer* t, CURLcode code, bool canceled = false) {
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_off_t total_us = 0;
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    t->result.duration = std::chrono::microseconds(total_us);
    if (canceled) {
      t->result.status = 0;
      t->result.error = "canceled";
      t->result.error_detail = "the attempt was given up before it finished";
    } else if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && t->cut)) {
      t->result.status = static_cast<int>(status);
    } else {
      t->result.status = 0;
      t->result.error = ErrorClass(code, *t);
      t->result.error_detail = !t->ssrf_reason.empty() ? t->ssrf_reason
                               : t->error_buf[0]       ? std::string(t->error_buf)
                                                       : curl_easy_strerror(code);
    }
    curl_multi_remove_handle(multi, t->easy);
    curl_slist_free_all(t->headers);
    idle.push_back(t->easy);
    live.erase(t->id);
    auto done = std::move(t->done);
    auto result = std::move(t->result);
    delete t;
    done(std::move(result));
  }

  void Start(uint64_t id, HttpRequest request, HttpCallback done) {
    auto* t = new Transfer;
    t->id = id;
    t->request = std::move(request);
    t->done = std::move(done);
    t->max_body = options.max_response_bytes;
    t->guard = guard;
    if (idle.empty()) {
      t->easy = curl_easy_init();
    } else {
      t->easy = idle.back();
      idle.pop_back();
      curl_easy_reset(t->easy);
    }
    CURL* e = t->easy;
    for (const auto& h : t->request.headers) t->headers = curl_slist_append(t->headers, h.c_str());
    // libcurl adds "Expect: 100-continue" to large POSTs; a webhook sends its body at once.
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);  // the path as rendered (and shown in test mode)
    curl_easy_setopt(e, CURLOPT_PROXY, "");       // never route through an environment proxy
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t->request.timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<int64_t>(t->request.timeout.count(), 10000)));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, OnCloseSocket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buf);
    if (!options.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file.c_str());
    if (!options.user_agent.empty())
      curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
    if (t->request.method == "GET") {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request.body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(t->request.body.size()));
    }
    live.emplace(t->id, t);
    // libcurl sets a timeout of 0 through OnTimer: the transfer starts from a handler.
    curl_multi_add_handle(multi, e);
  }

  void Shutdown() {
    if (shut) return;
    shut = true;
    timer.cancel();
    for (auto [id, t] : live) {
      curl_multi_remove_handle(multi, t->easy);
      curl_easy_cleanup(t->easy);
      curl_slist_free_all(t->headers);
      delete t;
    }
    live.clear();
    for (CURL* e : idle) curl_easy_cleanup(e);
    idle.clear();
    curl_multi_cleanup(multi);  // closes cached connections (through OnCloseSocket)
    multi = nullptr;
    while (!watches.empty()) Unwatch(watches.begin()->first);
  }
};

CurlTransfers::CurlTransfers(boost::asio::io_context& io, const HttpClientOptions& options,
                             const SsrfGuard* guard)
    : impl_(std::make_unique<Impl>(io, options, guard)) {
  static GlobalInit init;
  impl_->multi = curl_multi_init();
  if (!impl_->multi) throw std::runtime_error("curl_multi_init failed");
  CURLM* m = impl_->multi;
  curl_multi_setopt(m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, Impl::OnSocket);
  curl_multi_setopt(m, CURLMOPT_SOCKETDATA, impl_.get());
  curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, Impl::OnTimer);
  curl_multi_setopt(m, CURLMOPT_TIMERDATA, impl_.get());
  if (options.max_total_connections > 0)
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, options.max_total_connections);
  if (options.max_host_connections > 0)
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, options.max_host_connections);
}

CurlTransfers::~CurlTransfers() { impl_->Shutdown(); }

void CurlTransfers::Start(uint64_t id, HttpRequest request, HttpCallback done) {
  impl_->Start(id, std::move(request), std::move(done));
}

bool CurlTransfers::Cancel(uint64_t id) {
  auto it = impl_->live.find(id);
  if (it == impl_->live.end()) return false;
  impl_->Finish(it->second, CURLE_OK, true);
  return true;
}

size_t CurlTransfers::in_flight() const { return impl_->live.size(); }

void CurlTransfers::Shutdown() { impl_->Shutdown(); }

}  // namespace hookd::delivery
