// The inbox: sources that receive third-party callbacks at /ingest/{token}, verify them, store
// them and forward them through the delivery engine. A source owns an app of the same id whose
// endpoints are the source's forwarding endpoints and whose messages are the forwarded requests.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/types.h"

namespace hookd::core {

// Derives a received request's event type: the first rule whose field is present (and equal to
// `equals`, when set) names it. Fields are JSON paths ("a.b.0") or form field names.
struct RouteRule {
  std::string field;
  std::optional<std::string> equals;
  std::string event_type;
  bool operator==(const RouteRule&) const = default;
};

// How a source checks its senders and answers them. Every check that is configured must pass.
struct SourceSettings {
  // Signature secret of the source type (svix: "whsec_..."; github, stripe, shopify, slack and
  // generic-webhook HMAC: the shared secret). Empty: the type's signature is not checked.
  std::string secret;
  // generic-webhook HMAC: where the signature is, how it is made and what it covers.
  std::string signature_header;           // e.g. "x-signature"; empty: no HMAC check
  std::string algorithm = "sha256";       // sha1, sha256, sha512
  std::string encoding = "hex";           // hex or base64
  std::string signature_prefix;           // stripped before comparing, e.g. "sha256="
  std::string signed_content = "{body}";  // template over {body}, {timestamp}, {id}
  std::string timestamp_header;           // fills {timestamp}; checked against the tolerance
  std::string id_header;                  // fills {id}
  int tolerance_seconds = 300;            // timestamped signatures older or newer are refused
  std::optional<BasicAuth> basic_auth;
  std::string api_key_header;  // with api_key: the sender must send this header with this value
  std::string api_key;
  std::vector<std::string> methods{"POST"};  // accepted HTTP methods
  int ack_status = 200;                      // 200 or 204, with an empty body
  std::vector<RouteRule> routes;
  std::string default_event_type = "inbox.received";
  bool operator==(const SourceSettings&) const = default;
};

struct Source {
  std::string id;  // "src_...", also the id of the app it owns
  std::optional<std::string> uid;
  std::string name;
  std::string type;  // generic-webhook, svix (Standard Webhooks), github, stripe, shopify, slack
  SourceSettings settings;
  StringMap metadata;
  TimePoint created_at{};
  TimePoint updated_at{};
};

// The URL token of a source. Rotation gives the source a new current token and keeps the old
// one valid until `expires_at`.
struct SourceToken {
  std::string token;
  std::string source_id;
  TimePoint created_at{};
  std::optional<TimePoint> expires_at;
};

enum class InboxVerdict { kForwarded, kRejected };

// One request received at a source's URL, as stored for diagnosis and replay.
struct InboxRequest {
  std::string id;  // "inrq_..."
  std::string source_id;
  TimePoint received_at{};
  std::string method;
  std::string query;    // raw query string, without '?'
  std::string headers;  // JSON object, secrets redacted
  std::string content_type;
  std::string body;  // forwarded requests: the message's payload (stored there once)
  InboxVerdict verdict = InboxVerdict::kForwarded;
  std::string reason;                 // why it was rejected
  std::optional<std::string> msg_id;  // the message that forwards it
  std::string event_type;
  // Where forwarding stands (read only): its deliveries succeeded, failed or killed, pending.
  int64_t succeeded = 0, failed = 0, pending = 0;
};

// Whether hookd knows how to verify senders of source type `type`.
bool IsSourceType(std::string_view type);

// The JSON form of `settings` (the source's "config"): with its secrets for the store, without
// them for API answers.
boost::json::object SourceSettingsJson(const SourceSettings& settings, bool with_secrets);
// Reads what SourceSettingsJson wrote (fields it lacks keep their defaults).
SourceSettings SourceSettingsFromJson(const boost::json::object& json);

std::string_view VerdictName(InboxVerdict v);  // "forwarded", "rejected"
std::optional<InboxVerdict> ParseVerdict(std::string_view name);

}  // namespace hookd::core
