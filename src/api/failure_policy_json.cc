#include "api/failure_policy_json.h"

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
  body.Absorb(*nested);
  p = read;
}

json::object FailurePolicyJson(const core::FailurePolicy& p) {
  auto opt = [](const auto& v) { return v ? json::value(*v) : json::value(nullptr); };
  return {{"disableAfterExhausted", opt(p.disable_after_exhausted)},
          {"disableAfterFailingSeconds", opt(p.disable_after_failing_secs)},
          {"disableOnGone", opt(p.disable_on_gone)}};
}

}  // namespace hookd::api
