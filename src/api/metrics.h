// Process-wide counters exposed as Prometheus text at /metrics. Lock-free increments. Every
// family of the exposition (HTTP, store, delivery) is rendered here with the same helpers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "api/server.h"
#include "delivery/engine.h"
#include "store/store.h"

namespace hookd::api {

class Metrics {
 public:
  // Counts one finished HTTP request by status class (1xx..5xx) and its handling time.
  void RecordRequest(int status, double seconds);
  void RecordMessageCreated() { messages_created_.fetch_add(1, std::memory_order_relaxed); }
  std::string Render() const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.25,  1.0};
  std::array<std::atomic<uint64_t>, 6> requests_by_class_{};
  std::array<std::atomic<uint64_t>, kBuckets.size() + 1> latency_buckets_{};
  std::atomic<uint64_t> latency_sum_us_{0};
  std::atomic<uint64_t> messages_created_{0};
};

std::string RenderStoreMetrics(const store::StoreStats& s);
std::string RenderDeliveryMetrics(const delivery::EngineStats& s);
std::string RenderServerMetrics(const ServerStats& s);

}  // namespace hookd::api
