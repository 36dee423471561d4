#include "inbox/verify.h"

#include <boost/json.hpp>
#include <charconv>

#include "core/crypto.h"
#include "core/text.h"

namespace hookd::inbox {
namespace {

std::string_view HeaderOf(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

std::string Lower(std::string_view s) { return core::AsciiLower(std::string(s)); }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "" when `timestamp` (seconds since the epoch) is within the tolerance of `now`.
std::string CheckTimestamp(std::string_view timestamp, int tolerance, core::TimePoint now) {
  int64_t ts = 0;
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (timestamp.empty() || ec != std::errc() || end != timestamp.data() + timestamp.size())
    return "missing or malformed timestamp";
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (ts < now_s - tolerance) return "timestamp too old";
  if (ts > now_s + tolerance) return "timestamp too new";
  return "";
}

std::string HmacHex(std::string_view digest, std::string_view key, std::string_view data) {
  return core::HexEncode(core::Hmac(digest, key, data).value_or(""));
}

bool AnyEquals(const std::vector<std::string_view>& candidates, std::string_view expected) {
  bool match = false;  // every candidate is compared: the time does not tell which matched
  for (auto c : candidates) match |= core::ConstantTimeEquals(c, expected);
  return match;
}

// Standard Webhooks (Svix): "{id}.{timestamp}.{body}" signed with the base64 key of
// "whsec_<base64>", sent as space-separated "v1,<base64>" entries.
std::string VerifyStandard(const core::SourceSettings& s, const Received& r, core::TimePoint now) {
  auto id = HeaderOf(r.headers, "webhook-id");
  auto ts = HeaderOf(r.headers, "webhook-timestamp");
  auto sig = HeaderOf(r.headers, "webhook-signature");
  if (id.empty() && ts.empty() && sig.empty()) {
    id = HeaderOf(r.headers, "svix-id");
    ts = HeaderOf(r.headers, "svix-timestamp");
    sig = HeaderOf(r.headers, "svix-signature");
  }
  if (id.empty() || sig.empty()) return "missing signature headers";
  if (auto bad = CheckTimestamp(ts, s.tolerance_seconds, now); !bad.empty()) return bad;
  std::string_view secret = s.secret;
  if (secret.starts_with("whsec_")) secret.remove_prefix(6);
  auto key = core::Base64Decode(secret);
  if (!key) return "the source's secret is not base64";
  std::string content = std::string(id) + "." + std::string(ts) + "." + std::string(r.body);
  std::string expected = core::Base64Encode(core::Hmac("sha256", *key, content).value_or(""));
  std::vector<std::string_view> given;
  for (auto entry : Split(sig, ' ')) {
    if (entry.starts_with("v1,")) given.push_back(entry.substr(3));
  }
  return AnyEquals(given, expected) ? "" : "signature mismatch";
}

// GitHub: "X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>".
std::string VerifyGithub(const core::SourceSettings& s, const Received& r) {
  auto sig = HeaderOf(r.headers, "x-hub-signature-256");
  if (!sig.starts_with("sha256=")) return "missing signature header";
  return core::ConstantTimeEquals(sig.substr(7), HmacHex("sha256", s.secret, r.body))
             ? ""
             : "signature mismatch";
}

// Stripe: "Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "{t}.{body}">[,v1=...]".
std::string VerifyStripe(const core::SourceSettings& s, const Received& r, core::TimePoint now) {
  auto header = HeaderOf(r.headers, "stripe-signature");
  if (header.empty()) return "missing signature header";
  std::string_view ts;
  std::vector<std::string_view> given;
  for (auto part : Split(header, ',')) {
    part = Trim(part);
    if (part.starts_with("t=")) ts = part.substr(2);
    if (part.starts_with("v1=")) given.push_back(part.substr(3));
  }
  if (auto bad = CheckTimestamp(ts, s.tolerance_seconds, now); !bad.empty()) return bad;
  std::string expected = HmacHex("sha256", s.secret, std::string(ts) + "." + std::string(r.body));
  return AnyEquals(given, expected) ? "" : "signature mismatch";
}

// Shopify: "X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256 of the body>".
std::string VerifyShopify(const core::SourceSettings& s, const Received& r) {
  auto sig = HeaderOf(r.headers, "x-shopify-hmac-sha256");
  if (sig.empty()) return "missing signature header";
  std::string expected = core::Base64Encode(core::Hmac("sha256", s.secret, r.body).value_or(""));
  return core::ConstantTimeEquals(sig, expected) ? "" : "signature mismatch";
}

// Slack: "X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{ts}:{body}">" with
// X-Slack-Request-Timestamp.
std::string VerifySlack(const core::SourceSettings& s, const Received& r, core::TimePoint now) {
  auto sig = HeaderOf(r.headers, "x-slack-signature");
  auto ts = HeaderOf(r.headers, "x-slack-request-timestamp");
  if (!sig.starts_with("v0=")) return "missing signature header";
  if (auto bad = CheckTimestamp(ts, s.tolerance_seconds, now); !bad.empty()) return bad;
  std::string expected =
      HmacHex("sha256", s.secret, "v0:" + std::string(ts) + ":" + std::string(r.body));
  return core::ConstantTimeEquals(sig.substr(3), expected) ? "" : "signature mismatch";
}

// A generic HMAC: `signed_content` with {body}, {timestamp} and {id} filled, under `algorithm`,
// `encoding`d, after `signature_prefix`.
std::string VerifyGenericHmac(const core::SourceSettings& s, const Received& r,
                              core::TimePoint now) {
  auto sig = HeaderOf(r.headers, Lower(s.signature_header));
  if (sig.empty()) return "missing signature header";
  if (!sig.starts_with(s.signature_prefix)) return "signature without its prefix";
  sig.remove_prefix(s.signature_prefix.size());
  std::string_view ts;
  if (!s.timestamp_header.empty()) {
    ts = HeaderOf(r.headers, Lower(s.timestamp_header));
    if (auto bad = CheckTimestamp(ts, s.tolerance_seconds, now); !bad.empty()) return bad;
  }
  std::string_view id = s.id_header.empty() ? "" : HeaderOf(r.headers, Lower(s.id_header));
  std::string content;
  std::string_view t = s.signed_content;
  while (!t.empty()) {
    if (t.starts_with("{body}")) {
      content += r.body;
      t.remove_prefix(6);
    } else if (t.starts_with("{timestamp}")) {
      content += ts;
      t.remove_prefix(11);
    } else if (t.starts_with("{id}")) {
      content += id;
      t.remove_prefix(4);
    } else {
      content += t.front();
      t.remove_prefix(1);
    }
  }
  auto mac = core::Hmac(s.algorithm, s.secret, content).value_or("");
  std::string expected = s.encoding == "base64" ? core::Base64Encode(mac) : core::HexEncode(mac);
  bool match = s.encoding == "base64" ? core::ConstantTimeEquals(sig, expected)
                                      : core::ConstantTimeEquals(Lower(sig), expected);
  return match ? "" : "signature mismatch";
}

std::string VerifyBasicAuth(const core::BasicAuth& auth, const Received& r) {
  auto header = HeaderOf(r.headers, "authorization");
  if (header.size() < 6 || Lower(header.substr(0, 6)) != "basic ") return "missing basic auth";
  auto decoded = core::Base64Decode(Trim(header.substr(6)));
  std::string expected = auth.username + ":" + auth.password;
  return decoded && core::ConstantTimeEquals(*decoded, expected) ? "" : "wrong basic auth";
}

}  // namespace

std::string Verify(const core::Source& source, const Received& r, core::TimePoint now) {
  const auto& s = source.settings;
  bool allowed = false;
  for (const auto& m : s.methods) allowed |= m == r.method;
  if (!allowed) return "method " + std::string(r.method) + " is not accepted";
  if (s.basic_auth) {
    if (auto bad = VerifyBasicAuth(*s.basic_auth, r); !bad.empty()) return bad;
  }
  if (!s.api_key_header.empty() &&
      !core::ConstantTimeEquals(HeaderOf(r.headers, Lower(s.api_key_header)), s.api_key)) {
    return "missing or wrong API key";
  }
  const auto& type = source.type;
  if (type == "generic-webhook") {
    return s.signature_header.empty() ? "" : VerifyGenericHmac(s, r, now);
  }
  if (s.secret.empty()) return "";
  if (type == "svix") return VerifyStandard(s, r, now);
  if (type == "github") return VerifyGithub(s, r);
  if (type == "stripe") return VerifyStripe(s, r, now);
  if (type == "shopify") return VerifyShopify(s, r);
  if (type == "slack") return VerifySlack(s, r, now);
  return "unknown source type";
}

std::string RedactedHeadersJson(const core::Source& source, const Headers& headers) {
  const auto& s = source.settings;
  std::string api_key = Lower(s.api_key_header), signature = Lower(s.signature_header);
  auto secret = [&](std::string_view name) {
    return core::IsCredentialHeader(name) || name.find("signature") != std::string_view::npos ||
           name == "x-shopify-hmac-sha256" || (!api_key.empty() && name == api_key) ||
           (!signature.empty() && name == signature);
  };
  boost::json::object out;
  for (const auto& [k, v] : headers) out[k] = secret(k) ? std::string("[redacted]") : v;
  return boost::json::serialize(out);
}

}  // namespace hookd::inbox
