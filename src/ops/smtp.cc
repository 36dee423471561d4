#include "ops/smtp.h"

#include <curl/curl.h>

#include <cstring>
#include <ctime>
#include <memory>

#include "core/ids.h"

namespace hookd::ops {
namespace {

// Header values never carry line breaks (no header injection).
std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  return s;
}

std::string RfcDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// The message with CRLF line ends; lines starting with "." are dot-stuffed by libcurl.
std::string Compose(const SmtpOptions& o, const std::vector<std::string>& to,
                    const std::string& subject, const std::string& body) {
  std::string to_list;
  for (const auto& t : to) to_list += (to_list.empty() ? "" : ", ") + OneLine(t);
  std::string domain = o.from.substr(o.from.find('@') + 1);
  std::string m = "Date: " + RfcDate() + "\r\nFrom: " + OneLine(o.from) + "\r\nTo: " + to_list +
                  "\r\nSubject: " + OneLine(subject) + "\r\nMessage-ID: <" + core::NewId("mail") +
                  "@" + OneLine(domain) +
                  ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n";
  for (char c : body) {
    if (c == '\n')
      m += "\r\n";
    else if (c != '\r')
      m += c;
  }
  if (!m.ends_with("\r\n")) m += "\r\n";
  return m;
}

struct Upload {
  const std::string& data;
  size_t at = 0;
};

size_t Read(char* out, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  size_t len = std::min(size * n, u->data.size() - u->at);
  std::memcpy(out, u->data.data() + u->at, len);
  u->at += len;
  return len;
}

}  // namespace

core::Status SendMail(const SmtpOptions& o, const std::vector<std::string>& to,
                      const std::string& subject, const std::string& body) {
  if (o.url.empty()) return core::Fail(core::ErrorCode::kUnavailable, "no SMTP server configured");
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return core::Fail(core::ErrorCode::kInternal, "curl_easy_init failed");
  curl_slist* rcpt = nullptr;
  for (const auto& t : to) rcpt = curl_slist_append(rcpt, ("<" + OneLine(t) + ">").c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt, curl_slist_free_all);
  std::string message = Compose(o, to, subject, body);
  Upload upload{message};
  std::string from = "<" + OneLine(o.from) + ">";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, o.url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, Read);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (o.starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, o.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, o.password.c_str());
  }
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return core::Fail(core::ErrorCode::kUnavailable,
                      std::string("smtp: ") + (error[0] ? error : curl_easy_strerror(rc)));
  }
  return {};
}

}  // namespace hookd::ops
