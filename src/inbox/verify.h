// Checks a request received at a source's URL against the source's settings: its type's
// signature (svix / Standard Webhooks, GitHub, Stripe, Shopify, Slack, or a generic HMAC),
// timestamp tolerance, basic auth and API-key header. Pure: no I/O, time is passed in.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/inbox.h"

namespace hookd::inbox {

using Headers = std::vector<std::pair<std::string, std::string>>;  // lower-case names

struct Received {
  std::string_view method;
  const Headers& headers;
  std::string_view body;
};

// Empty when the request passes every configured check; otherwise why it does not (for the
// request's record, never sent to the sender).
std::string Verify(const core::Source& source, const Received& request, core::TimePoint now);

// `headers` as a JSON object with the values of credentials (core::IsCredentialHeader, the
// source's API-key header) and of the senders' signatures replaced by "[redacted]".
std::string RedactedHeadersJson(const core::Source& source, const Headers& headers);

}  // namespace hookd::inbox
