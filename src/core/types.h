// Domain types shared by every layer. Plain data; JSON-valued fields hold serialized JSON text.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/capability.h"
#include "core/clock.h"
#include "core/failure_policy.h"

namespace hookd::core {

using StringMap = std::map<std::string, std::string>;

// Who hears about an app's failing endpoints, and of what (see ops/alert_sender.h).
struct Notifications {
  std::vector<std::string> emails;
  std::vector<std::string> phones;        // through the operator's SMS hook
  std::vector<std::string> events;        // alerting event types; empty: all of them
  std::optional<int64_t> digest_seconds;  // one alert per endpoint and event type in this window
  bool operator==(const Notifications&) const = default;
  bool empty() const { return *this == Notifications{}; }
};

struct App {
  std::string id;
  std::optional<std::string> uid;
  std::string name;
  std::optional<int> rate_limit;
  StringMap metadata;
  TimePoint created_at{};
  TimePoint updated_at{};
  StringMap env;                 // values for {{name}} / {{env.name}} in endpoint URL templates
  FailurePolicy failure_policy;  // defaults for the app's endpoints
  Notifications notifications;
};

struct EventType {
  std::string id;
  std::string name;
  std::string description;
  bool archived = false;
  bool deprecated = false;
  std::optional<std::string> schemas;  // JSON object text
  std::optional<std::vector<std::string>> feature_flags;
  std::optional<std::string> group_name;
  TimePoint created_at{};
  TimePoint updated_at{};
  bool expects_reply = false;  // its messages' 2xx answers carry a reply (delivery/reply.h)
};

struct BasicAuth {
  std::string username;
  std::string password;
  bool operator==(const BasicAuth&) const = default;
};

// How an endpoint (or a per-message callback) is called. Defaults match Svix behaviour.
struct DeliveryOptions {
  std::string method = "POST";                     // POST or GET (no body)
  std::string content_type = "application/json";   // or application/x-www-form-urlencoded
  std::vector<std::string> urls;                   // failover list; empty: the endpoint url
  int retries_per_url = 1;                         // tries of each URL within one attempt
  std::optional<int> timeout_ms;                   // per try; unset: the server default
  std::optional<int64_t> total_timeout_ms;         // all tries of the message, retries included
  std::optional<std::vector<int>> success_status;  // unset: any 2xx
  std::optional<BasicAuth> basic_auth;
  bool expects_reply = false;  // a 2xx answer carries a reply (delivery/reply.h)
  bool operator==(const DeliveryOptions&) const = default;
};

// A signing key: "whsec_<base64>". Keys with an expiry are old keys kept valid after a rotation.
struct EndpointSecret {
  std::string key;
  std::optional<TimePoint> expires_at;
};

struct Endpoint {
  std::string id;
  std::string app_id;
  std::optional<std::string> uid;
  std::string url;
  std::string description;
  bool disabled = false;
  std::optional<std::vector<std::string>> event_types;  // null: every type
  std::optional<std::vector<std::string>> channels;
  std::optional<int> throttle_rate;  // messages per second
  int version = 1;
  StringMap metadata;
  StringMap headers;
  std::vector<EndpointSecret> secrets;             // secrets[0] is current
  std::optional<std::vector<int>> retry_schedule;  // seconds before each retry; null: global
  DeliveryOptions options;
  // A per-message callback, or a deleted endpoint kept while attempts name it: not listed,
  // never fanned out to, not found through the API.
  bool ephemeral = false;
  FailurePolicy failure_policy;             // unset fields: the app's, then the server's
  std::optional<std::string> fallback_url;  // receives a JSON report of each alerting event
  TimePoint created_at{};
  TimePoint updated_at{};
};

struct Message {
  std::string id;
  std::string app_id;
  std::optional<std::string> event_id;
  std::string event_type;
  std::string payload;  // JSON text; "{}" once expunged
  std::optional<std::vector<std::string>> channels;
  std::optional<std::vector<std::string>> tags;
  TimePoint created_at{};
  std::optional<std::string> test_routes;  // test mode: JSON of what would be sent; nothing is
  std::optional<std::string> batch_id;     // the batch it belongs to (batch_store.h)
  // Its completion is tracked (message.completed, batch counts): it is in a batch, has a
  // completion callback, or an operational endpoint listened for message.completed when it came.
  bool track_completion = false;
  // The endpoint (ephemeral, of the operations app) that receives its completion report.
  std::optional<std::string> completion_endpoint;
  // Its event type expected a reply when it came (EventType::expects_reply).
  bool expects_reply = false;
  // Set: `payload` is a raw body of this media type, sent as it is. Unset: JSON.
  std::optional<std::string> content_type;
};

// An API token; only its SHA-256 hash is stored. app_id empty means admin (every capability
// everywhere); an app-scoped token may do what its capabilities say, in its app only.
struct Token {
  // A producer's key (`hookd token create --app`), or a customer portal token
  // (auth/app-portal-access): always expiring, and what `expire-all` expires.
  enum class Kind : uint8_t { kApp, kPortal };
  std::string id;
  std::string hash;
  std::optional<std::string> app_id;
  std::string name;
  TimePoint created_at{};
  Kind kind = Kind::kApp;
  Capabilities capabilities = kAllCapabilities;
  std::optional<TimePoint> expires_at;
  std::optional<std::string> session_id;  // a portal token's session (expire-all sessionIds)
};

// The stored first response to a request carrying an idempotency key.
struct IdempotencyRecord {
  std::string scope;  // who may replay it: the token's principal
  std::string key;
  std::string fingerprint;  // method + path + body hash of the first request
  int status = 0;
  std::string body;
  TimePoint expires_at{};
};

}  // namespace hookd::core

namespace hookd::core {

// Svix MessageStatus values (wire integers).
enum class DeliveryStatus : int {
  kSuccess = 0,
  kPending = 1,
  kFail = 2,
  kSending = 3,
  kCanceled = 4
};
// kProbe (hookd's own, shown as scheduled): a held delivery sent to a disabled endpoint to see
// whether it recovered (FailurePolicy::auto_recover_secs).
enum class AttemptTrigger : int { kScheduled = 0, kManual = 1, kProbe = 2 };

const char* StatusText(DeliveryStatus s);
// Stored names of token kinds: "app", "portal".
const char* TokenKindName(Token::Kind k);
Token::Kind ParseTokenKind(std::string_view name);

// Identifies a delivery: one message to one endpoint.
struct DeliveryKey {
  std::string msg_id;
  std::string endpoint_id;
  bool operator==(const DeliveryKey&) const = default;
};

// A claimed delivery, with what sending it needs (snapshots taken at claim time).
struct DueDelivery {
  std::string app_id;
  std::string msg_id;
  std::string endpoint_id;
  int attempts = 0;  // attempts already made
  AttemptTrigger trigger = AttemptTrigger::kScheduled;
  TimePoint due{};
  std::shared_ptr<const Message> message;
  std::shared_ptr<const Endpoint> endpoint;
  std::shared_ptr<const App> app;
  TimePoint lease_until{};  // the claim's expiry when it was made
  DeliveryKey key() const { return {msg_id, endpoint_id}; }
};

// One HTTP attempt and its outcome.
struct Attempt {
  std::string id;
  std::string app_id;
  std::string msg_id;
  std::string endpoint_id;
  std::string url;
  int response_status = 0;  // 0: no HTTP response
  std::string response;     // body, truncated
  int64_t duration_ms = 0;
  std::string error;  // "" or timeout, connect, dns, tls, ssrf, redirect, network
  std::string error_detail;
  AttemptTrigger trigger = AttemptTrigger::kScheduled;
  DeliveryStatus status = DeliveryStatus::kFail;  // kSuccess or kFail
  TimePoint created_at{};
  std::optional<std::string> reply;  // JSON object text: the reply the answer carried
  std::string reply_error;           // or why it carried none that could be read
};

// An operational event (see ops_events.h): a message of the operations app, written in the same
// commit as the change that caused it.
struct OpsEvent {
  std::string msg_id;   // of the operations-app message that carries it
  std::string type;     // one of ops::k*
  std::string app_id;   // the tenant app it is about (the message is tagged with it)
  std::string payload;  // {"type", "data"} JSON text
  // Also delivered to this endpoint (an ephemeral one of the operations app: a completion
  // callback), besides the operational endpoints that subscribe to the type.
  std::optional<std::string> callback_endpoint;
};

// Who an endpoint event is about.
struct EndpointRef {
  std::string app_id;
  std::optional<std::string> app_uid;
  std::string endpoint_id;
  std::optional<std::string> endpoint_uid;
};

// What an attempt's outcome adds to its endpoint's failure record (see failure_policy.h), and
// what the store does if the record then crosses the policy: disable the endpoint and emit
// endpoint.disabled (trigger "automatic") with this message id.
struct FailureAccounting {
  AttemptOutcome outcome = AttemptOutcome::kSucceeded;
  FailurePolicy policy;  // resolved: every field set
  EndpointRef ref;
  std::string disabled_event_id;
};

// The state a delivery moves to after an attempt (or without one, e.g. endpoint disabled).
struct DeliveryUpdate {
  std::string msg_id;
  std::string endpoint_id;
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  std::optional<TimePoint> next_attempt_at;  // set while retries remain
  bool disable_endpoint = false;  // the receiver answered 410 Gone (events carry endpoint.disabled)
  bool hold = false;  // the endpoint is disabled: the delivery waits, held, until it is enabled
  AttemptTrigger trigger = AttemptTrigger::kScheduled;  // of the attempt that led here
  std::string node;                                     // the claimant recording it
  bool keep_claim = false;       // a failover try within one attempt: the claim goes on
  std::vector<OpsEvent> events;  // written with the outcome
  // A recovery probe's result: true enables the endpoint (and sends what it held), false holds
  // the delivery again and doubles the cool-down.
  std::optional<bool> probe_ok;
  std::optional<FailureAccounting> accounting;  // unset: the attempt does not count
  // The delivery is final (succeeded, exhausted) and its message's completion is tracked: the
  // store queues the message for the completion check (completion_store.h).
  bool check_completion = false;
};

}  // namespace hookd::core
