// Alerts to people about failing endpoints: email and SMS to an app's notification list, and a
// JSON report to an endpoint's fallback URL.
//
// Planning is part of the store contract: every operational event of an alerting type
// (kAlertingEvents) plans its alerts in the commit that stores it, one per recipient: each of the
// app's emails and phones when its notifications name the event type (or name none), and the
// endpoint's fallback URL. Per endpoint, event type and recipient, the first event of a window of
// `digestSeconds` (default kDefaultDigestSeconds) gives an immediate alert; the window's later
// events are counted in one digest alert, due when the window ends. So one outage is one alert
// and then a digest, whatever the number of failures, and an alert is never lost to a crash.
// Sending (ops/alert_sender.h) claims due alerts under a lease and records each result.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/common.h"

namespace hookd::store {

inline constexpr const char* kAlertingEvents[] = {"endpoint.disabled", "message.attempt.exhausted",
                                                  "message.attempt.failing"};
inline constexpr int64_t kDefaultDigestSeconds = 3600;

struct Alert {
  std::string id;
  std::string app_id;
  std::string endpoint_id;
  std::string rule;       // the event type
  std::string channel;    // "email", "sms" or "fallback"
  std::string recipient;  // address, phone number or URL
  std::string event_id;   // the operational event reported (a digest: its latest)
  bool digest = false;
  int events = 1;  // events it reports
  // "waiting" (a digest collecting), "pending" (to send), "sent", "failed" (gave up)
  std::string status = "pending";
  int attempts = 0;
  std::string error;  // of the last failed attempt
  std::optional<core::TimePoint> next_attempt_at;
  core::TimePoint created_at{};
  std::optional<core::TimePoint> sent_at;
};

class AlertStore {
 public:
  virtual ~AlertStore() = default;
  // Claims up to `limit` alerts due at `now` (pending, or digests whose window ended) that no
  // node holds under a valid lease.
  virtual void ClaimDueAlerts(std::string node, core::TimePoint now, core::TimePoint lease_until,
                              size_t limit, Done<std::vector<Alert>> done) = 0;
  // Records how sending went (status, attempts, error, next attempt, sent time) under `node`'s
  // claim, which ends; kLeaseLost when another node holds it.
  virtual void RecordAlert(Alert alert, std::string node, Done<void> done) = 0;
  // The app's alerts, newest first by default.
  virtual Result<Page<Alert>> ListAlerts(std::string_view app_id, const PageRequest& page) = 0;
};

}  // namespace hookd::store
