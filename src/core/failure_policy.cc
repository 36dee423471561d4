#include "core/failure_policy.h"

namespace hookd::core {

FailurePolicy Merge(const FailurePolicy& over, const FailurePolicy& under) {
  return {
      over.disable_after_exhausted ? over.disable_after_exhausted : under.disable_after_exhausted,
      over.disable_after_failing_secs ? over.disable_after_failing_secs
                                      : under.disable_after_failing_secs,
      over.disable_on_gone ? over.disable_on_gone : under.disable_on_gone,
      over.auto_recover_secs ? over.auto_recover_secs : under.auto_recover_secs};
}

EndpointHealth Account(EndpointHealth health, AttemptOutcome outcome, TimePoint now) {
  if (outcome == AttemptOutcome::kSucceeded) {
    health.consecutive_exhausted = 0;
    health.failing_since.reset();
    return health;
  }
  if (!health.failing_since || !health.last_failure_at ||
      now - *health.last_failure_at > kFailureStreakGap)
    health.failing_since = now;
  health.last_failure_at = now;
  if (outcome == AttemptOutcome::kExhausted) ++health.consecutive_exhausted;
  return health;
}

bool ShouldDisable(const EndpointHealth& health, const FailurePolicy& policy, TimePoint now) {
  int max_exhausted = policy.disable_after_exhausted.value_or(0);
  int64_t failing_for = policy.disable_after_failing_secs.value_or(0);
  if (max_exhausted > 0 && health.consecutive_exhausted >= max_exhausted) return true;
  return failing_for > 0 && health.failing_since &&
         now - *health.failing_since >= std::chrono::seconds(failing_for);
}

}  // namespace hookd::core
