// Renders a message into the signed HTTP request for one endpoint.
#pragma once

#include <chrono>

#include "core/types.h"
#include "delivery/http_client.h"
#include "delivery/signer.h"

namespace hookd::delivery {

struct RequestOptions {
  std::chrono::milliseconds timeout{15000};
  bool svix_headers = false;
};

// POST of the message payload with Standard Webhooks headers signed by every key of `ep` that is
// still valid at `now`, plus the endpoint's custom headers.
HttpRequest BuildRequest(const core::Endpoint& ep, const core::Message& msg, core::TimePoint now,
                         Signer& signer, const RequestOptions& options);

}  // namespace hookd::delivery
