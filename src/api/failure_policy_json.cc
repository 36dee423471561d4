#include "api/failure_policy_json.h"

#include "store/alert_store.h"

namespace hookd::api {

namespace json = boost::json;

void ReadFailurePolicy(BodyReader& body, core::FailurePolicy& p, bool patch) {
  auto nested = body.Nested("failurePolicy");
  if (!nested) {
    if (!patch || body.IsNull("failurePolicy")) p = {};
    return;
  }
  core::FailurePolicy read;
  if (auto n = nested->Int("disableAfterExhausted", 0, 1'000'000))
    read.disable_after_exhausted = static_cast<int>(*n);
  if (auto s = nested->Int("disableAfterFailingSeconds", 0, 10LL * 365 * 86400))
    read.disable_after_failing_secs = *s;
  read.disable_on_gone = nested->Bool("disableOnGone");
  if (auto s = nested->Int("autoRecoverSeconds", 0, 7 * 86400)) read.auto_recover_secs = *s;
  body.Absorb(*nested);
  p = read;
}

json::object FailurePolicyJson(const core::FailurePolicy& p) {
  auto opt = [](const auto& v) { return v ? json::value(*v) : json::value(nullptr); };
  return {{"disableAfterExhausted", opt(p.disable_after_exhausted)},
          {"disableAfterFailingSeconds", opt(p.disable_after_failing_secs)},
          {"disableOnGone", opt(p.disable_on_gone)},
          {"autoRecoverSeconds", opt(p.auto_recover_secs)}};
}

void ReadNotifications(BodyReader& body, core::Notifications& n, bool patch) {
  auto nested = body.Nested("notifications");
  if (!nested) {
    if (!patch || body.IsNull("notifications")) n = {};
    return;
  }
  core::Notifications read;
  if (auto emails = nested->StringList("emails", 50)) {
    for (const auto& e : *emails) {
      auto at = e.find('@');
      if (e.size() > 254 || at == std::string::npos || at == 0 || at + 1 == e.size() ||
          e.find_first_of(" ,;<>\r\n\"") != std::string::npos)
        nested->Fail("emails", "'" + e + "' is not an email address");
    }
    read.emails = *emails;
  }
  if (auto phones = nested->StringList("phones", 50)) {
    for (const auto& p : *phones) {
      if (p.empty() || p.size() > 32 || p.find_first_not_of("+0123456789 -") != std::string::npos)
        nested->Fail("phones", "'" + p + "' is not a phone number");
    }
    read.phones = *phones;
  }
  if (auto events = nested->StringList("events", 10)) {
    for (const auto& e : *events) {
      bool known = false;
      for (const char* a : store::kAlertingEvents) known = known || e == a;
      if (!known)
        nested->Fail("events", "'" + e +
                                   "' is not an alerting event (endpoint.disabled,"
                                   " message.attempt.exhausted, message.attempt.failing)");
    }
    read.events = *events;
  }
  if (auto d = nested->Int("digestSeconds", 1, 7 * 86400)) read.digest_seconds = *d;
  body.Absorb(*nested);
  n = read;
}

json::object NotificationsJson(const core::Notifications& n) {
  auto list = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  return {{"emails", list(n.emails)},
          {"phones", list(n.phones)},
          {"events", n.events.empty() ? json::value(nullptr) : json::value(list(n.events))},
          {"digestSeconds", n.digest_seconds.value_or(store::kDefaultDigestSeconds)}};
}

}  // namespace hookd::api
