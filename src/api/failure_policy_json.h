// The failure-handling fields: `failurePolicy` of apps and endpoints (when an endpoint is
// disabled for failing) and `notifications` of apps (who is alerted, see store/alert_store.h).
//
// failurePolicy:
//   {"disableAfterExhausted": 3, "disableAfterFailingSeconds": 432000, "disableOnGone": true,
//    "autoRecoverSeconds": 300}
// Each rule is optional (null or absent: the next level's), 0 or false switches it off.
#pragma once

#include <boost/json.hpp>

#include "api/body_reader.h"
#include "core/failure_policy.h"

namespace hookd::api {

// Reads `failurePolicy` into `p`. `patch`: an absent field keeps `p`; otherwise it resets it.
void ReadFailurePolicy(BodyReader& body, core::FailurePolicy& p, bool patch);

boost::json::object FailurePolicyJson(const core::FailurePolicy& p);

// notifications: {"emails": [...], "phones": [...], "events": [...], "digestSeconds": n}; events
// are alerting event types (absent: all of them). `patch` as above.
void ReadNotifications(BodyReader& body, core::Notifications& n, bool patch);

boost::json::object NotificationsJson(const core::Notifications& n);

}  // namespace hookd::api
