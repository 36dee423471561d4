// Sends the alerts the store planned (store/alert_store.h): email through SMTP, SMS through the
// operator's HTTP hook (POST {"to", "text"} to a URL that may also carry {{to}} and {{text}}),
// and a signed JSON report to an endpoint's fallback URL. Claims due alerts under a lease, so
// several nodes share the work and a crash only delays an alert; a failed send is retried on
// `retry`, then recorded as failed.
//
// Threading: one thread of its own, apart from delivery: a slow or unreachable SMTP server never
// holds up a webhook. Public methods are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "ops/smtp.h"
#include "store/store.h"

namespace hookd::ops {

struct AlertSenderOptions {
  SmtpOptions smtp;
  std::string sms_url;  // {{to}}, {{text}} filled in; empty: SMS alerts fail (none configured)
  // Delays before each retry of a failed send; after the last, the alert is recorded failed.
  std::vector<std::chrono::seconds> retry = {std::chrono::seconds(10), std::chrono::minutes(1),
                                             std::chrono::minutes(5), std::chrono::minutes(30),
                                             std::chrono::hours(2)};
  std::vector<std::string> allowed_networks;  // fallback URLs pass the SSRF guard unless here
  std::chrono::seconds lease{30};
  std::chrono::milliseconds idle_poll{1000};
  std::chrono::milliseconds http_timeout{15000};
};

class AlertSender {
 public:
  AlertSender(store::Store& store, const core::Clock& clock, AlertSenderOptions options);
  ~AlertSender();  // Stop()

  // Fails on bad options (a malformed allowed network).
  core::Status Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hookd::ops
