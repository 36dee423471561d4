#include "ops/alert_text.h"

#include <boost/json.hpp>
#include <cctype>

#include "core/json_text.h"
#include "core/time_format.h"

namespace hookd::ops {
namespace {

namespace json = boost::json;

std::string Where(const AlertFacts& f) {
  return f.endpoint ? f.endpoint->url : "endpoint " + f.alert.endpoint_id;
}

// What an alert is about, in two or three words: "Endpoint disabled".
std::string Headline(const std::string& rule) {
  return rule == "endpoint.disabled"           ? "Endpoint disabled"
         : rule == "message.attempt.exhausted" ? "Delivery failed"
                                               : "Deliveries failing";
}

// One line saying what happened, about one event.
std::string WhatHappened(const AlertFacts& f, const json::value& data) {
  const auto& rule = f.alert.rule;
  auto msg = [&]() -> std::string {
    auto* m = data.is_object() ? data.as_object().if_contains("msgId") : nullptr;
    return m && m->is_string() ? std::string(m->as_string()) : "a message";
  };
  if (rule == "endpoint.disabled") {
    std::string since;
    if (auto* s = data.as_object().if_contains("failSince"); s && s->is_string())
      since = " (failing since " + std::string(s->as_string()) + ")";
    return "The endpoint was disabled after repeated failures" + since +
           ". New messages for it are held, not lost.";
  }
  if (rule == "message.attempt.exhausted")
    return "Message " + msg() + " could not be delivered: every retry failed.";
  return "Message " + msg() + " has failed several attempts and is being retried.";
}

}  // namespace

Mail AlertMail(const AlertFacts& f) {
  const auto& a = f.alert;
  auto payload = core::ParseJson(f.event_payload);
  json::value data = payload.is_object() && payload.as_object().contains("data")
                         ? payload.at("data")
                         : json::value(json::object());
  std::string what = Headline(a.rule);
  Mail m;
  m.subject = a.digest ? "[hookd] " + std::to_string(a.events) + " more: " + what + ": " + Where(f)
                       : "[hookd] " + what + ": " + Where(f);
  std::string& b = m.body;
  b += "Application: " + (f.app ? f.app->name + " (" + a.app_id + ")" : a.app_id) + "\n";
  b += "Endpoint: " + Where(f) + " (" + a.endpoint_id + ")\n\n";
  if (a.digest) {
    b += std::to_string(a.events) + " more event(s) of this kind (" + a.rule + ") since " +
         core::FormatTime(a.created_at) + ". The latest:\n";
  }
  b += WhatHappened(f, data) + "\n";
  if (const auto* t = f.last_attempt) {
    b += "\nLast attempt: " + core::FormatTime(t->created_at) + ", " + t->url + "\n";
    if (t->response_status)
      b += "Response: HTTP " + std::to_string(t->response_status) + "\n";
    else
      b += "No response: " + t->error +
           (t->error_detail.empty() ? "" : " (" + t->error_detail + ")") + "\n";
    if (!t->response.empty()) b += "Response body: " + t->response.substr(0, 500) + "\n";
  }
  if (f.endpoint && f.endpoint->disabled) {
    b += "\nTo re-enable it once the receiver works again:\n  PATCH /api/v1/app/" + a.app_id +
         "/endpoint/" + a.endpoint_id +
         " {\"disabled\": false}\nMessages held meanwhile are then delivered, in order.\n";
  }
  b += "\nFurther alerts like this one are summarized in one digest per window.\n";
  return m;
}

std::string AlertSms(const AlertFacts& f) {
  const auto& a = f.alert;
  std::string what = Headline(a.rule);
  what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  std::string text = "hookd: " + what + ": " + Where(f);
  if (a.digest) text += " (" + std::to_string(a.events) + " more)";
  if (f.app) text += " [" + f.app->name + "]";
  return text;
}

std::string AlertReport(const AlertFacts& f) {
  auto payload = core::ParseJson(f.event_payload);
  json::object out = payload.is_object() ? payload.as_object() : json::object();
  out["alert"] = {{"events", f.alert.events},
                  {"digest", f.alert.digest},
                  {"since", core::FormatTime(f.alert.created_at)}};
  return core::JsonText(out);
}

}  // namespace hookd::ops
