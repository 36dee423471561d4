// Inbox sender verification: the first byte picks the source type and the generic options, then
// lines give the signature, timestamp and id headers and the rest is the body. Any input is
// verified or refused with a reason, never crashes.
#include <cstdint>
#include <string>
#include <string_view>

#include "inbox/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* kTypes[] = {"generic-webhook", "svix", "github", "stripe", "shopify", "slack"};
  hookd::core::Source source;
  source.type = kTypes[data[0] % 6];
  auto& s = source.settings;
  s.secret = source.type == "svix" ? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : "secret";
  if (source.type == "generic-webhook") {
    s.signature_header = "x-signature";
    s.algorithm = (data[0] >> 3) % 3 == 0 ? "sha1" : (data[0] >> 3) % 3 == 1 ? "sha256" : "sha512";
    s.encoding = data[0] & 0x40 ? "base64" : "hex";
    s.signature_prefix = data[0] & 0x80 ? "sha256=" : "";
    s.signed_content = "{timestamp}.{id}.{body}";
    s.timestamp_header = "x-timestamp";
    s.id_header = "x-id";
  }
  s.basic_auth = data[0] & 0x20 ? std::optional<hookd::core::BasicAuth>({"u", "p"}) : std::nullopt;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string lines[4];
  for (auto& line : lines) {
    auto nl = in.find('\n');
    line = std::string(in.substr(0, nl));
    in = nl == std::string_view::npos ? "" : in.substr(nl + 1);
  }
  hookd::inbox::Headers headers;
  for (const char* name : {"webhook-signature", "x-hub-signature-256", "stripe-signature",
                           "x-shopify-hmac-sha256", "x-slack-signature", "x-signature"})
    headers.emplace_back(name, lines[0]);
  for (const char* name : {"webhook-timestamp", "x-slack-request-timestamp", "x-timestamp"})
    headers.emplace_back(name, lines[1]);
  headers.emplace_back("webhook-id", lines[2]);
  headers.emplace_back("x-id", lines[2]);
  headers.emplace_back("authorization", lines[3]);
  auto now = hookd::core::TimePoint(std::chrono::seconds(1'700'000'000));
  (void)hookd::inbox::Verify(source, {"POST", headers, in}, now);
  (void)hookd::inbox::RedactedHeadersJson(source, headers);
  return 0;
}
