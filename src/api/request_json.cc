#include "api/request_json.h"

#include "core/text.h"

namespace hookd::api {

boost::json::object RequestJson(const delivery::HttpRequest& req, bool with_signature) {
  boost::json::object headers;
  for (const auto& line : req.headers) {
    auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    bool hidden = core::IsCredentialHeader(name) ||
                  (!with_signature && core::AsciiLower(name) == "webhook-signature");
    headers[name] = hidden ? "[redacted]" : line.substr(colon + 2);
  }
  return {{"url", req.url},
          {"method", req.method},
          {"headers", std::move(headers)},
          {"body", req.body}};
}

}  // namespace hookd::api
