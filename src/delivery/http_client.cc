#include "delivery/http_client.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace hookd::delivery {
namespace {

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

// Past what is recorded, a little more is read and discarded so the connection stays reusable;
// a longer body is not read to its end (it could be endless): the transfer stops there.
constexpr size_t kDiscardLimit = 64 * 1024;

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

struct HttpClient::Impl {
  HttpClientOptions options;
  const SsrfGuard* guard;
  CURLM* multi = nullptr;
  std::vector<CURL*> idle;                       // easy handles kept for reuse
  std::unordered_map<uint64_t, Transfer*> live;  // by id
  uint64_t next_id = 1;
  std::vector<std::pair<Transfer*, CURLcode>> finished;  // Poll's scratch list

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
};

HttpClient::HttpClient(HttpClientOptions options, const SsrfGuard* guard)
    : impl_(std::make_unique<Impl>()) {
  static GlobalInit init;
  impl_->options = std::move(options);
  impl_->guard = guard;
  impl_->multi = curl_multi_init();
  if (!impl_->multi) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(impl_->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  if (impl_->options.max_total_connections > 0)
    curl_multi_setopt(impl_->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      impl_->options.max_total_connections);
  if (impl_->options.max_host_connections > 0)
    curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      impl_->options.max_host_connections);
}

HttpClient::~HttpClient() {
  // Abandon transfers still running; their callbacks never fire.
  for (auto [id, t] : impl_->live) {
    curl_multi_remove_handle(impl_->multi, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    delete t;
  }
  for (CURL* e : impl_->idle) curl_easy_cleanup(e);
  curl_multi_cleanup(impl_->multi);
}

uint64_t HttpClient::Submit(HttpRequest request, HttpCallback done) {
  auto* t = new Transfer;
  t->id = impl_->next_id++;
  t->request = std::move(request);
  t->done = std::move(done);
  t->max_body = impl_->options.max_response_bytes;
  t->guard = impl_->guard;
  if (impl_->idle.empty()) {
    t->easy = curl_easy_init();
  } else {
    t->easy = impl_->idle.back();
    impl_->idle.pop_back();
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
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buf);
  if (!impl_->options.ca_file.empty())
    curl_easy_setopt(e, CURLOPT_CAINFO, impl_->options.ca_file.c_str());
  if (!impl_->options.user_agent.empty())
    curl_easy_setopt(e, CURLOPT_USERAGENT, impl_->options.user_agent.c_str());
  if (t->request.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->request.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(t->request.body.size()));
  }
  curl_multi_add_handle(impl_->multi, e);
  impl_->live.emplace(t->id, t);
  return t->id;
}

void HttpClient::Cancel(uint64_t id) {
  auto it = impl_->live.find(id);
  if (it != impl_->live.end()) impl_->Finish(it->second, CURLE_OK, true);
}

void HttpClient::Poll(std::chrono::milliseconds timeout) {
  int still = 0;
  curl_multi_perform(impl_->multi, &still);
  // Read every finished transfer before removing any: curl_multi_remove_handle walks the queue
  // of unread messages, so removing while reading costs O(n^2) per burst of n completions.
  int queued = 0;
  auto& finished = impl_->finished;
  while (CURLMsg* msg = curl_multi_info_read(impl_->multi, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    finished.emplace_back(t, msg->data.result);
  }
  for (auto [t, code] : finished) impl_->Finish(t, code);
  finished.clear();
  curl_multi_poll(impl_->multi, nullptr, 0, static_cast<int>(timeout.count()), nullptr);
}

void HttpClient::Wakeup() { curl_multi_wakeup(impl_->multi); }

size_t HttpClient::in_flight() const { return impl_->live.size(); }

}  // namespace hookd::delivery
