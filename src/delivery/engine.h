// The delivery engine: claims due deliveries from the store, sends them with the HTTP client and
// records every attempt's outcome back in the store under its claim.
//
// Data flow (one way): store (claims, woken by the due listener) -> bounded in-memory window
// (per-endpoint queues) -> HttpClient -> outcome -> store.RecordOutcome. The store stays the
// source of truth: the window holds at most `window` claimed deliveries, claims give every
// endpoint and app a bounded share of it, and what is not claimed stays due in the store. Claims
// are leases, renewed while held and given back on Stop; after a crash they expire and any node
// sends the work again (at least once; receivers dedupe by webhook-id). The engine thread never
// waits for the store: claims, renewals and outcomes complete into its inbox.
//
// Threading: one engine thread runs scheduling and all HTTP I/O. Public methods are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "delivery/http_client.h"
#include "delivery/retry_policy.h"
#include "store/store.h"

namespace hookd::delivery {

struct EngineOptions {
  RetryPolicy retry;
  std::chrono::milliseconds attempt_timeout{15000};
  size_t window = 10000;             // deliveries held in memory (queued, in flight, recording)
  size_t endpoint_queue = 1000;      // per-endpoint share of the window
  size_t app_window = 2500;          // per-app share of the window
  size_t endpoint_concurrency = 32;  // requests in flight per endpoint
  size_t max_in_flight = 2048;       // requests in flight in all
  size_t app_in_flight = 512;        // per-app share of them
  std::chrono::milliseconds scan_interval{500};  // how often the due order is swept for work
  size_t scan_batch = 1000;                      // deliveries claimed at most at once
  // Claims start at most this often: at moderate load one claim (a hand-off to the store's
  // claims thread and back, a wakeup of the engine) takes a millisecond of commits instead of
  // one each; it delays a delivery's first attempt by at most this much.
  std::chrono::microseconds claim_interval{1000};
  std::chrono::seconds lease{30};  // claims last this long unless renewed (every third of it)
  core::FailurePolicy failure_policy = core::DefaultFailurePolicy();  // apps and endpoints refine
  bool svix_headers = false;                  // also send svix-id/svix-timestamp/svix-signature
  std::vector<std::string> allowed_networks;  // CIDRs the SSRF guard lets through
  HttpClientOptions http;
};

// Counters since start.
struct EngineStats {
  uint64_t attempts_ok = 0;
  uint64_t attempts_failed = 0;
  uint64_t deliveries_exhausted = 0;
  uint64_t scans = 0;  // completed claims
  uint64_t in_flight = 0;
  uint64_t window = 0;
  uint64_t live_nodes = 1;  // nodes claiming from the store, as of the last renewal
  // Attempt durations: counts per bucket of kLatencyBuckets (seconds), last is +Inf.
  std::vector<uint64_t> latency_counts;
  double latency_sum_seconds = 0;
};

inline constexpr double kLatencyBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1,     2.5,  5,     10,   30};

class Engine {
 public:
  Engine(store::Store& store, const core::Clock& clock, core::Random& random,
         EngineOptions options);
  ~Engine();  // Stop()

  // Registers with the store (before store Init) — call once.
  void AttachToStore();
  // Starts the engine thread. Fails on bad options (e.g. a malformed allowed network).
  core::Status Start();
  // Stops sending; deliveries not yet recorded stay due in the store.
  void Stop();

  EngineStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::delivery
