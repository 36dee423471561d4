// The outcome of an attempt as a pure decision: what the delivery becomes (retry, exhausted,
// succeeded), what the attempt adds to its endpoint's failure record, and the operational events
// it causes. No I/O and no clock reads: the engine passes in time, randomness and new ids.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/failure_policy.h"
#include "core/random.h"
#include "core/types.h"
#include "delivery/retry_policy.h"

namespace hookd::delivery {

struct AttemptResult {
  const core::Attempt& attempt;  // as recorded: status, response status, id, time
  std::optional<std::chrono::seconds> retry_after;  // from a 429/503, already parsed
};

struct DecideContext {
  core::TimePoint now;
  std::optional<core::TimePoint> deadline;  // the delivery's total timeout, if any
  const RetryPolicy& retry;                 // the endpoint's (or the global) schedule
  const core::FailurePolicy& policy;        // resolved: every field set
  core::Random& random;
  std::function<std::string()> new_msg_id;  // ids of event messages
};

// The update for delivery `d` after its attempt ended with `result` (the last try of the
// attempt: failover is decided before). Sets `exhausted` when no retry remains after a failure.
// A recovery probe's update only says how it went (probe_ok): success enables the endpoint,
// failure holds the delivery again.
core::DeliveryUpdate Decide(const core::DueDelivery& d, const AttemptResult& result,
                            const DecideContext& ctx, bool* exhausted = nullptr);

// The update that holds `d` without an attempt: its endpoint is disabled.
core::DeliveryUpdate Hold(const core::DueDelivery& d);

// The failure policy for `d`: its endpoint's rules, then its app's, then `server`.
core::FailurePolicy PolicyFor(const core::DueDelivery& d, const core::FailurePolicy& server);

}  // namespace hookd::delivery
