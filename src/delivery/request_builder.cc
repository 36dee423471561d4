#include "delivery/request_builder.h"

namespace hookd::delivery {

HttpRequest BuildRequest(const core::Endpoint& ep, const core::Message& msg, core::TimePoint now,
                         Signer& signer, const RequestOptions& options) {
  HttpRequest req;
  req.method = "POST";
  req.url = ep.url;
  req.body = msg.payload;
  req.timeout = options.timeout;

  std::vector<std::string> keys;
  for (const auto& s : ep.secrets)
    if (!s.expires_at || *s.expires_at > now) keys.push_back(s.key);
  int64_t ts = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::string signature = signer.Sign(msg.id, ts, req.body, keys);
  std::string ts_text = std::to_string(ts);

  req.headers.reserve(6 + ep.headers.size());
  req.headers.push_back("Content-Type: application/json");
  req.headers.push_back("webhook-id: " + msg.id);
  req.headers.push_back("webhook-timestamp: " + ts_text);
  req.headers.push_back("webhook-signature: " + signature);
  if (options.svix_headers) {
    req.headers.push_back("svix-id: " + msg.id);
    req.headers.push_back("svix-timestamp: " + ts_text);
    req.headers.push_back("svix-signature: " + signature);
  }
  for (const auto& [name, value] : ep.headers) req.headers.push_back(name + ": " + value);
  return req;
}

}  // namespace hookd::delivery
