// Whether the database is reachable, shared by the pool, the writer and the listener of one store.
// Logs once per outage (when a connection attempt first fails, and when one succeeds again) and
// spaces connection attempts with a growing backoff, so calls fail fast while the database is
// down. Internal to store/postgres; thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string_view>

namespace hookd::store::postgres {

class Health {
 public:
  // False inside the backoff after a failed attempt: the caller fails at once (kUnavailable).
  bool MayConnect();
  void Failed(std::string_view detail);
  void Connected();

 private:
  using Steady = std::chrono::steady_clock;
  std::mutex mu_;
  bool down_ = false;
  Steady::time_point retry_at_{};
  Steady::duration backoff_{};
};

}  // namespace hookd::store::postgres
