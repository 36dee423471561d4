#include "delivery/request_builder.h"

#include <boost/json.hpp>

#include "core/crypto.h"
#include "core/json_text.h"
#include "delivery/url_template.h"

namespace hookd::delivery {
namespace {

namespace json = boost::json;

void FormField(const std::string& key, const json::value& v, std::string& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object())
      FormField(key + "[" + std::string(k) + "]", child, out);
    return;
  }
  if (v.is_array()) {
    const auto& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) FormField(key + "[" + std::to_string(i) + "]", a[i], out);
    return;
  }
  if (!out.empty()) out += '&';
  AppendPercentEncoded(key, out, true);
  out += '=';
  if (v.is_string())
    AppendPercentEncoded(v.as_string(), out, true);
  else if (!v.is_null())
    AppendPercentEncoded(core::JsonText(v), out, true);
}

}  // namespace

std::span<const std::string> EndpointUrls(const core::Endpoint& ep) {
  if (ep.options.urls.empty()) return {&ep.url, 1};
  return ep.options.urls;
}

std::string FormEncode(std::string_view json_object) {
  std::string out;
  auto v = core::ParseJson(json_object);
  if (!v.is_object()) return out;
  for (const auto& [k, child] : v.as_object()) FormField(std::string(k), child, out);
  return out;
}

core::Result<HttpRequest> BuildRequest(const core::Endpoint& ep, std::string_view url_template,
                                       const core::Message& msg, const core::StringMap& env,
                                       core::TimePoint now, Signer& signer,
                                       const RequestOptions& options) {
  const auto& o = ep.options;
  HttpRequest req;
  req.method = o.method;
  req.timeout = options.timeout;
  if (HasPlaceholders(url_template)) {
    auto url = RenderUrl(url_template, msg, PayloadFields(msg), env);
    if (!url) return std::unexpected(url.error());
    req.url = std::move(*url);
  } else {
    req.url = std::string(url_template);
  }
  // A raw payload is sent as it is, with its own media type.
  const std::string& content_type = msg.content_type ? *msg.content_type : o.content_type;
  bool form = !msg.content_type && o.content_type == "application/x-www-form-urlencoded";
  if (o.method != "GET") req.body = form ? FormEncode(msg.payload) : msg.payload;

  std::vector<std::string> keys;
  for (const auto& s : ep.secrets)
    if (!s.expires_at || *s.expires_at > now) keys.push_back(s.key);
  int64_t ts = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::string signature = keys.empty() ? "" : signer.Sign(msg.id, ts, req.body, keys);
  std::string ts_text = std::to_string(ts);

  req.headers.reserve(8 + ep.headers.size());
  if (o.method != "GET") req.headers.push_back("Content-Type: " + content_type);
  req.headers.push_back("webhook-id: " + msg.id);
  req.headers.push_back("webhook-timestamp: " + ts_text);
  if (!signature.empty()) req.headers.push_back("webhook-signature: " + signature);
  if (options.svix_headers) {
    req.headers.push_back("svix-id: " + msg.id);
    req.headers.push_back("svix-timestamp: " + ts_text);
    if (!signature.empty()) req.headers.push_back("svix-signature: " + signature);
  }
  if (o.basic_auth) {
    req.headers.push_back(
        "Authorization: Basic " +
        core::Base64Encode(o.basic_auth->username + ":" + o.basic_auth->password));
  }
  for (const auto& [name, value] : ep.headers) req.headers.push_back(name + ": " + value);
  return req;
}

}  // namespace hookd::delivery
