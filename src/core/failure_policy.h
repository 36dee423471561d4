// When an endpoint is disabled for failing. Rules are set per endpoint, per app and for the server;
// an unset field defers to the next level (endpoint -> app -> server).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/clock.h"

namespace hookd::core {

struct FailurePolicy {
  std::optional<int> disable_after_exhausted;         // consecutive exhausted messages; 0: off
  std::optional<int64_t> disable_after_failing_secs;  // failing continuously this long; 0: off
  std::optional<bool> disable_on_gone;                // a 410 Gone answer disables at once
  // Automatic recovery of an endpoint these rules disabled: after this cool-down one held
  // delivery is tried as a probe; success enables the endpoint again, failure doubles the
  // cool-down. 0: off.
  std::optional<int64_t> auto_recover_secs;
  bool operator==(const FailurePolicy&) const = default;
  bool empty() const { return *this == FailurePolicy{}; }
};

// `over`'s fields where set, else `under`'s.
FailurePolicy Merge(const FailurePolicy& over, const FailurePolicy& under);

// The server default: Svix's rules (disabled after failing for 5 days, and on 410 Gone); the
// exhausted-message count and automatic recovery are off.
inline FailurePolicy DefaultFailurePolicy() { return {0, int64_t{5 * 86400}, true, int64_t{0}}; }

// The failure record of one endpoint, kept by the store across nodes.
//
// A streak of failures starts at the first failed attempt after a success, or after a quiet gap
// of kFailureStreakGap without failures: the duration rule counts only while failures keep
// coming. A success ends the streak and resets the exhausted count.
struct EndpointHealth {
  int consecutive_exhausted = 0;
  std::optional<TimePoint> failing_since;
  std::optional<TimePoint> last_failure_at;
};
inline constexpr std::chrono::hours kFailureStreakGap{24};

enum class AttemptOutcome { kSucceeded, kFailed, kExhausted };

// `health` after an attempt that ended at `now`.
EndpointHealth Account(EndpointHealth health, AttemptOutcome outcome, TimePoint now);

// Whether `health` (after Account) disables the endpoint under `policy` (resolved: every field
// set).
bool ShouldDisable(const EndpointHealth& health, const FailurePolicy& policy, TimePoint now);

}  // namespace hookd::core
