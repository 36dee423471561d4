#include "cli/http_call.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "cli/stop_signals.h"

namespace hookd::cli {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * n > kMaxBodyBytes) return 0;  // curl reports a write error
  body->append(data, size * n);
  return size * n;
}

int AbortOnStop(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return StopRequested() ? 1 : 0;
}

}  // namespace

HttpAnswer Perform(const HttpCall& call) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpAnswer answer;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    answer.error = "cannot initialize libcurl";
    return answer;
  }
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : call.headers)
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  // curl adds "Expect: 100-continue" to large bodies; a plain request is what the peer expects.
  headers = curl_slist_append(headers, "Expect:");
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  if (!call.body.empty() || call.method == "POST" || call.method == "PUT" ||
      call.method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(call.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, AbortOnStop);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    answer.error = rc == CURLE_WRITE_ERROR ? "answer larger than 16 MiB"
                   : *error                ? error
                                           : curl_easy_strerror(rc);
    answer.body.clear();
    return answer;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  answer.status = static_cast<int>(status);
  const char* type = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
    answer.content_type = type;
  return answer;
}

}  // namespace hookd::cli
