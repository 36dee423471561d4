#include "api/metrics.h"

#include <fmt/format.h>

#include <span>

namespace hookd::api {
namespace {

// "# HELP" and "# TYPE" lines of one metric family.
void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// One sample; `labels` is "" or "{k=\"v\"}".
template <class V>
void Sample(std::string& out, std::string_view name, V value, std::string_view labels = "") {
  out += fmt::format("{}{} {}\n", name, labels, value);
}

// A family with one unlabelled sample.
template <class V>
void Single(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            V value) {
  Family(out, name, type, help);
  Sample(out, name, value);
}

// A histogram from per-bucket counts (one more count than bounds: the last is +Inf).
void Histogram(std::string& out, std::string_view name, std::string_view help,
               std::span<const double> bounds, std::span<const uint64_t> counts, double sum) {
  Family(out, name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    cumulative += counts[b];
    std::string le = b < bounds.size() ? fmt::format("{}", bounds[b]) : "+Inf";
    Sample(out, fmt::format("{}_bucket", name), cumulative, "{le=\"" + le + "\"}");
  }
  Sample(out, fmt::format("{}_sum", name), sum);
  Sample(out, fmt::format("{}_count", name), cumulative);
}

}  // namespace

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
  Family(out, "hookd_http_requests_total", "counter", "HTTP requests answered, by status class.");
  for (size_t c = 1; c < requests_by_class_.size(); ++c) {
    Sample(out, "hookd_http_requests_total", requests_by_class_[c].load(std::memory_order_relaxed),
           fmt::format("{{code=\"{}xx\"}}", c));
  }
  std::array<uint64_t, kBuckets.size() + 1> counts;
  for (size_t b = 0; b < counts.size(); ++b)
    counts[b] = latency_buckets_[b].load(std::memory_order_relaxed);
  Histogram(out, "hookd_http_request_duration_seconds", "Time from parsed request to reply.",
            kBuckets, counts, latency_sum_us_.load(std::memory_order_relaxed) / 1e6);
  Single(out, "hookd_messages_created_total", "counter", "Messages accepted (durably stored).",
         messages_created_.load(std::memory_order_relaxed));
  return out;
}

std::string RenderStoreMetrics(const store::StoreStats& s) {
  std::string out;
  Single(out, "hookd_store_writes_total", "counter", "Writes applied by the store.", s.writes);
  Single(out, "hookd_store_commits_total", "counter", "Group commits.", s.commits);
  Single(out, "hookd_store_syncs_total", "counter", "Disk syncs that made commits durable.",
         s.syncs);
  Single(out, "hookd_store_outcomes_refused_total", "counter",
         "Delivery outcomes not recorded because another node held the delivery.",
         s.outcomes_refused);
  return out;
}

std::string RenderDeliveryMetrics(const delivery::EngineStats& s) {
  std::string out;
  Family(out, "hookd_delivery_attempts_total", "counter", "Delivery attempts by outcome.");
  Sample(out, "hookd_delivery_attempts_total", s.attempts_ok, "{result=\"success\"}");
  Sample(out, "hookd_delivery_attempts_total", s.attempts_failed, "{result=\"failure\"}");
  Single(out, "hookd_delivery_exhausted_total", "counter",
         "Deliveries that failed after their last retry.", s.deliveries_exhausted);
  Single(out, "hookd_delivery_in_flight", "gauge", "Requests in flight.", s.in_flight);
  Single(out, "hookd_delivery_window", "gauge", "Deliveries held in memory.", s.window);
  Single(out, "hookd_delivery_live_nodes", "gauge",
         "Nodes claiming deliveries from the store (they share each endpoint's rate).",
         s.live_nodes);
  Histogram(out, "hookd_delivery_attempt_duration_seconds", "Time from request start to response.",
            delivery::kLatencyBuckets, s.latency_counts, s.latency_sum_seconds);
  return out;
}

std::string RenderServerMetrics(const ServerStats& s) {
  std::string out;
  Single(out, "hookd_http_connections", "gauge", "Open HTTP connections.", s.open);
  Single(out, "hookd_http_connections_accepted_total", "counter", "HTTP connections accepted.",
         s.accepted);
  Family(out, "hookd_http_connections_closed_total", "counter",
         "HTTP connections hookd closed before the client did, by reason.");
  Sample(out, "hookd_http_connections_closed_total", s.idle_closed, "{reason=\"idle\"}");
  Sample(out, "hookd_http_connections_closed_total", s.evicted, "{reason=\"evicted\"}");
  Sample(out, "hookd_http_connections_closed_total", s.refused, "{reason=\"refused\"}");
  Sample(out, "hookd_http_connections_closed_total", s.timed_out, "{reason=\"timeout\"}");
  Single(out, "hookd_http_accept_errors_total", "counter",
         "Failed accepts (e.g. out of file descriptors; accepting pauses).", s.accept_errors);
  return out;
}

}  // namespace hookd::api
