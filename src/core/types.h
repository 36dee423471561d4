// Domain types shared by every layer. Plain data; JSON-valued fields hold serialized JSON text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace hookd::core {

using StringMap = std::map<std::string, std::string>;

struct App {
  std::string id;
  std::optional<std::string> uid;
  std::string name;
  std::optional<int> rate_limit;
  StringMap metadata;
  TimePoint created_at{};
  TimePoint updated_at{};
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
  std::vector<EndpointSecret> secrets;  // secrets[0] is current
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
};

// An API token; only its SHA-256 hash is stored. app_id empty means admin.
struct Token {
  std::string id;
  std::string hash;
  std::optional<std::string> app_id;
  std::string name;
  TimePoint created_at{};
};

// The stored first response to a request carrying an idempotency key.
struct IdempotencyRecord {
  std::string scope;        // who may replay it: the token's principal
  std::string key;
  std::string fingerprint;  // method + path + body hash of the first request
  int status = 0;
  std::string body;
  TimePoint expires_at{};
};

}  // namespace hookd::core
