// The `failurePolicy` field of apps and endpoints: when an endpoint is disabled for failing.
//   {"disableAfterExhausted": 3, "disableAfterFailingSeconds": 432000, "disableOnGone": true}
// Each rule is optional (null or absent: the next level's), 0 or false switches it off.
#pragma once

#include <boost/json.hpp>

#include "api/body_reader.h"
#include "core/failure_policy.h"

namespace hookd::api {

// Reads `failurePolicy` into `p`. `patch`: an absent field keeps `p`; otherwise it resets it.
void ReadFailurePolicy(BodyReader& body, core::FailurePolicy& p, bool patch);

boost::json::object FailurePolicyJson(const core::FailurePolicy& p);

}  // namespace hookd::api
