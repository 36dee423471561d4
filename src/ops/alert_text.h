// What an alert says, to a person (email, SMS) or to a program (fallback JSON report). Pure: the
// sender reads the facts from the store and passes them in.
#pragma once

#include <optional>
#include <string>

#include "core/types.h"
#include "store/alert_store.h"

namespace hookd::ops {

// The facts an alert reports.
struct AlertFacts {
  const store::Alert& alert;
  const std::string& event_payload;  // the operational event's {"type", "data"} JSON
  const core::App* app = nullptr;    // null when deleted meanwhile
  const core::Endpoint* endpoint = nullptr;
  const core::Attempt* last_attempt = nullptr;  // of message.attempt.* events, when still stored
};

struct Mail {
  std::string subject;
  std::string body;  // plain text, "\n" line ends
};

Mail AlertMail(const AlertFacts& facts);
std::string AlertSms(const AlertFacts& facts);  // one short line
// The event payload with an "alert" member: {"events": n, "digest": bool, "since": time}.
std::string AlertReport(const AlertFacts& facts);

}  // namespace hookd::ops
