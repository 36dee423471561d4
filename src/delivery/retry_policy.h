// When to try a failed delivery again.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/random.h"

namespace hookd::delivery {

struct RetryPolicy {
  // Delay before retry n (n = 1, 2, ...) after the first attempt, which is immediate.
  std::vector<std::chrono::seconds> schedule = {
      std::chrono::seconds(5),     std::chrono::minutes(5), std::chrono::minutes(30),
      std::chrono::hours(2),       std::chrono::hours(5),   std::chrono::hours(10),
      std::chrono::hours(10)};
  double jitter = 0.2;  // each delay is scaled by a factor in [1 - jitter, 1 + jitter]
  // Bounds applied to a receiver's Retry-After.
  std::chrono::seconds min_retry_after{1};
  std::chrono::seconds max_retry_after{std::chrono::hours(6)};
};

// Delay before the next attempt after `attempts_made` failed attempts, or nullopt when the
// schedule is exhausted. A Retry-After (429/503) replaces the scheduled delay, within bounds.
std::optional<std::chrono::milliseconds> NextRetryDelay(
    const RetryPolicy& policy, int attempts_made,
    std::optional<std::chrono::seconds> retry_after, core::Random& random);

// Retry-After as delta-seconds or an HTTP-date relative to `now`; nullopt when unparseable.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, core::TimePoint now);

// Parses "5,300,1800" or "5s,5m,2h" into a schedule; nullopt when malformed.
std::optional<std::vector<std::chrono::seconds>> ParseSchedule(std::string_view text);

}  // namespace hookd::delivery
