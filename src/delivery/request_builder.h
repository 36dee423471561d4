// Renders a message into the signed HTTP request for one try to one endpoint URL.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/types.h"
#include "delivery/http_client.h"
#include "delivery/signer.h"

namespace hookd::delivery {

struct RequestOptions {
  std::chrono::milliseconds timeout{15000};
  bool svix_headers = false;
};

// The URLs an endpoint is tried at, in order: its failover list, or its url. A view into `ep`.
std::span<const std::string> EndpointUrls(const core::Endpoint& ep);

// The request for one try of `ep` at `url_template`: POST of the payload as JSON or as a form
// (application/x-www-form-urlencoded, nested keys as a[b]), a raw payload (Message::content_type)
// as it is, or GET with no body; URL variables
// filled from the message, `env` and the payload; Standard Webhooks headers signed over the
// exact body bytes by every key of `ep` still valid at `now`; basic auth; custom headers.
// Fails (kValidation, naming the variable) when a URL variable has no value.
core::Result<HttpRequest> BuildRequest(const core::Endpoint& ep, std::string_view url_template,
                                       const core::Message& msg, const core::StringMap& env,
                                       core::TimePoint now, Signer& signer,
                                       const RequestOptions& options);

// application/x-www-form-urlencoded form of a JSON object: nested keys as a[b], array items as
// a[0]; strings raw, other scalars as JSON text, null as empty.
std::string FormEncode(std::string_view json_object);

}  // namespace hookd::delivery
