#include "api/metrics.h"

#include <fmt/format.h>

namespace hookd::api {

void Metrics::RecordRequest(int status, double seconds) {
  size_t cls = static_cast<size_t>(status / 100);
  if (cls >= requests_by_class_.size()) cls = 0;
  requests_by_class_[cls].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  latency_buckets_[b].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string Metrics::Render() const {
  std::string out;
  out += "# HELP hookd_http_requests_total HTTP requests answered, by status class.\n";
  out += "# TYPE hookd_http_requests_total counter\n";
  for (size_t c = 1; c < requests_by_class_.size(); ++c) {
    out += fmt::format("hookd_http_requests_total{{code=\"{}xx\"}} {}\n", c,
                       requests_by_class_[c].load(std::memory_order_relaxed));
  }
  out += "# HELP hookd_http_request_duration_seconds Time from parsed request to reply.\n";
  out += "# TYPE hookd_http_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kBuckets.size(); ++b) {
    cumulative += latency_buckets_[b].load(std::memory_order_relaxed);
    out += fmt::format("hookd_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kBuckets[b],
                       cumulative);
  }
  cumulative += latency_buckets_[kBuckets.size()].load(std::memory_order_relaxed);
  out += fmt::format("hookd_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("hookd_http_request_duration_seconds_sum {}\n",
                     latency_sum_us_.load(std::memory_order_relaxed) / 1e6);
  out += fmt::format("hookd_http_request_duration_seconds_count {}\n", cumulative);
  out += "# HELP hookd_messages_created_total Messages accepted (durably stored).\n";
  out += "# TYPE hookd_messages_created_total counter\n";
  out += fmt::format("hookd_messages_created_total {}\n",
                     messages_created_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace hookd::api
