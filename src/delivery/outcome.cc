#include "delivery/outcome.h"

#include "core/ops_events.h"

namespace hookd::delivery {
namespace {

// Marks a final update of a delivery whose message's completion is tracked.
core::DeliveryUpdate Checked(const core::DueDelivery& d, core::DeliveryUpdate u) {
  bool final =
      (u.status == core::DeliveryStatus::kSuccess || u.status == core::DeliveryStatus::kFail) &&
      !u.next_attempt_at && !u.hold;
  u.check_completion = final && d.message && d.message->track_completion;
  return u;
}

}  // namespace

using core::AttemptOutcome;
using core::DeliveryStatus;

core::DeliveryUpdate Decide(const core::DueDelivery& d, const AttemptResult& result,
                            const DecideContext& ctx, bool* exhausted) {
  const core::Attempt& a = result.attempt;
  core::DeliveryUpdate u{d.msg_id, d.endpoint_id, DeliveryStatus::kSuccess, d.attempts + 1,
                         std::nullopt};
  u.trigger = d.trigger;
  bool tenant = d.app_id != core::kOperationsAppId;
  if (d.trigger == core::AttemptTrigger::kProbe) {  // the endpoint is disabled: no counting
    u.probe_ok = a.status == DeliveryStatus::kSuccess;
    if (!*u.probe_ok) {
      u.status = DeliveryStatus::kPending;
      u.hold = true;
    } else if (tenant) {
      u.events.push_back(
          core::EndpointEvent(core::ops::kEndpointEnabled,
                              {d.app_id, d.app ? d.app->uid : std::nullopt, d.endpoint_id,
                               d.endpoint ? d.endpoint->uid : std::nullopt},
                              ctx.new_msg_id()));
    }
    if (exhausted) *exhausted = false;
    return Checked(d, std::move(u));
  }
  AttemptOutcome outcome = AttemptOutcome::kSucceeded;
  if (a.status != DeliveryStatus::kSuccess) {
    u.status = DeliveryStatus::kFail;
    outcome = AttemptOutcome::kExhausted;
    if (a.response_status == 410 && ctx.policy.disable_on_gone.value_or(true)) {
      u.disable_endpoint = true;  // Gone: the receiver asks us to stop
    } else {
      auto delay = NextRetryDelay(ctx.retry, u.attempts, result.retry_after, ctx.random);
      auto next = delay ? std::optional(ctx.now + *delay) : std::nullopt;
      if (next && ctx.deadline && *next >= *ctx.deadline) next.reset();  // past the total timeout
      if (next) {
        u.status = DeliveryStatus::kSending;
        u.next_attempt_at = next;
        outcome = AttemptOutcome::kFailed;
      }
    }
  }
  if (exhausted) *exhausted = outcome == AttemptOutcome::kExhausted;

  // Operational events are about tenant apps, never about the operations app itself.
  core::FailureAccounting acc{
      outcome,
      ctx.policy,
      {d.app_id, d.app ? d.app->uid : std::nullopt, d.endpoint_id,
       d.endpoint ? d.endpoint->uid : std::nullopt},
      tenant && outcome != AttemptOutcome::kSucceeded ? ctx.new_msg_id() : std::string()};
  if (tenant) {
    const auto& uid = acc.ref.app_uid;
    if (a.reply) u.events.push_back(core::ReplyEvent(uid, *d.message, a, ctx.new_msg_id()));
    if (outcome == AttemptOutcome::kExhausted) {
      u.events.push_back(
          core::AttemptEvent(core::ops::kAttemptExhausted, uid, *d.message, a, ctx.new_msg_id()));
    } else if (outcome == AttemptOutcome::kFailed &&
               u.attempts == core::ops::kFailingAfterAttempts) {
      u.events.push_back(
          core::AttemptEvent(core::ops::kAttemptFailing, uid, *d.message, a, ctx.new_msg_id()));
    } else if (outcome == AttemptOutcome::kSucceeded &&
               d.attempts >= core::ops::kFailingAfterAttempts) {
      u.events.push_back(
          core::AttemptEvent(core::ops::kAttemptRecovered, uid, *d.message, a, ctx.new_msg_id()));
    }
  }
  u.accounting = std::move(acc);
  return Checked(d, std::move(u));
}

core::DeliveryUpdate Hold(const core::DueDelivery& d) {
  core::DeliveryUpdate u{d.msg_id, d.endpoint_id, DeliveryStatus::kPending, d.attempts,
                         std::nullopt};
  u.trigger = d.trigger;
  u.hold = true;
  return u;
}

core::FailurePolicy PolicyFor(const core::DueDelivery& d, const core::FailurePolicy& server) {
  core::FailurePolicy app = d.app ? core::Merge(d.app->failure_policy, server) : server;
  return d.endpoint ? core::Merge(d.endpoint->failure_policy, app) : app;
}

}  // namespace hookd::delivery
