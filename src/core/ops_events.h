// Operational events (Svix's operational webhooks): facts about endpoints and deliveries that the
// operator's own endpoints receive. Each is stored as a message of the reserved operations app in
// the same commit as the change that caused it, and delivered by the engine like any message.
// Payloads have Svix's shapes: {"type": ..., "data": {...}}.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/completion.h"
#include "core/types.h"

namespace hookd::core {

// The app whose endpoints are the operational webhook endpoints and whose messages are the
// operational events. Created by the store's migrations; never listed among apps.
inline constexpr std::string_view kOperationsAppId = "app_operational";

namespace ops {
inline constexpr std::string_view kEndpointCreated = "endpoint.created";
inline constexpr std::string_view kEndpointUpdated = "endpoint.updated";
inline constexpr std::string_view kEndpointDeleted = "endpoint.deleted";
inline constexpr std::string_view kEndpointDisabled = "endpoint.disabled";
inline constexpr std::string_view kEndpointEnabled = "endpoint.enabled";
inline constexpr std::string_view kAttemptFailing = "message.attempt.failing";
inline constexpr std::string_view kAttemptExhausted = "message.attempt.exhausted";
inline constexpr std::string_view kAttemptRecovered = "message.attempt.recovered";
inline constexpr std::string_view kBackgroundTaskFinished = "background_task.finished";
inline constexpr std::string_view kMessageCompleted = "message.completed";
inline constexpr std::string_view kBatchCompleted = "batch.completed";
inline constexpr std::string_view kMessageKilled = "message.killed";
inline constexpr std::string_view kMessageNotKilled = "message.not_killed";
inline constexpr std::string_view kMessageReply = "message.reply";
inline constexpr std::string_view kAll[] = {
    kEndpointCreated,        kEndpointUpdated,  kEndpointDeleted,  kEndpointDisabled,
    kEndpointEnabled,        kAttemptFailing,   kAttemptExhausted, kAttemptRecovered,
    kBackgroundTaskFinished, kMessageCompleted, kBatchCompleted,   kMessageKilled,
    kMessageNotKilled,       kMessageReply};
// Svix sends message.attempt.failing on the fourth failed attempt of a message.
inline constexpr int kFailingAfterAttempts = 4;
}  // namespace ops

// endpoint.created / .updated / .deleted / .enabled.
OpsEvent EndpointEvent(std::string_view type, const EndpointRef& ref, std::string msg_id);
// endpoint.disabled; `trigger` is "automatic" (a failure rule) or "manual".
OpsEvent EndpointDisabledEvent(const EndpointRef& ref, TimePoint fail_since,
                               std::string_view trigger, std::string msg_id);
// message.attempt.failing / .exhausted / .recovered, about `last` (an attempt of `msg`).
OpsEvent AttemptEvent(std::string_view type, const std::optional<std::string>& app_uid,
                      const Message& msg, const Attempt& last, std::string msg_id);

// background_task.finished about task `task_id` of `app_id` (`kind` and `status` as the API
// names them), which made `sent` deliveries due.
OpsEvent BackgroundTaskFinishedEvent(std::string_view app_id, std::string_view task_id,
                                     std::string_view kind, std::string_view status, int64_t sent,
                                     std::string msg_id);

// message.completed: every delivery of `msg` is final.
OpsEvent MessageCompletedEvent(const std::optional<std::string>& app_uid, const Message& msg,
                               const MessageCompletion& completion, std::string msg_id);
// batch.completed: the messages `batch` expects are complete.
OpsEvent BatchCompletedEvent(const std::optional<std::string>& app_uid, const Batch& batch,
                             std::string msg_id);

// message.killed / message.not_killed: a kill of `msg` did or did not cancel its delivery to
// `endpoint_id` (not: it had been sent, or was being sent).
OpsEvent KillEvent(bool killed, const std::optional<std::string>& app_uid, const Message& msg,
                   std::string_view endpoint_id, std::string msg_id);

// message.reply: `attempt` (of `msg`) carried a reply (Attempt::reply), to send on.
OpsEvent ReplyEvent(const std::optional<std::string>& app_uid, const Message& msg,
                    const Attempt& attempt, std::string msg_id);

// The operations-app message that carries `event`, created at `now`.
Message OpsMessage(const OpsEvent& event, TimePoint now);

}  // namespace hookd::core
