// `hookd listen`: a local webhook receiver for development. Prints each request (method, path,
// headers, body), checks its Standard Webhooks signature when given the secret, and answers with
// a chosen status or relays the request to another URL and answers with that URL's answer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "inbox/verify.h"

namespace hookd::cli {

struct ListenOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8787;         // 0: a free port
  std::string secret;           // "whsec_..."; empty: signatures are not checked
  int status = 200;             // the answer when not forwarding
  std::string forward;          // URL to relay every request to; empty: none
  bool accept_invalid = false;  // answer as usual even when the signature is invalid (not 401)
};

// Runs until SIGINT/SIGTERM; returns the exit code. Prints "listening on http://HOST:PORT" once
// ready.
int RunListen(const ListenOptions& options);

// Empty when `secret` is usable to verify Standard Webhooks signatures ("whsec_" + base64 of a
// non-empty key); otherwise what is wrong with it.
std::string CheckSecret(std::string_view secret);

// Empty when the request's webhook-id / webhook-timestamp / webhook-signature headers (or the
// svix-* aliases) carry a valid signature of `body` under `secret`, timestamped within 5 minutes
// of `now`; otherwise why not (e.g. "signature mismatch", "timestamp too old").
std::string VerifySignature(std::string_view secret, const inbox::Headers& headers,
                            std::string_view body, core::TimePoint now);

}  // namespace hookd::cli
