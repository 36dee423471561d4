#include "core/ops_events.h"

#include <boost/json.hpp>

#include "core/json_text.h"
#include "core/time_format.h"

namespace hookd::core {
namespace {

namespace json = boost::json;

json::value OrNull(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::value OrNull(const std::optional<TimePoint>& t) {
  return t ? json::value(FormatTime(*t)) : json::value(nullptr);
}

// The fields every event about message `msg` starts with.
json::object MessageData(const std::optional<std::string>& app_uid, const Message& msg) {
  return {{"appId", msg.app_id},
          {"appUid", OrNull(app_uid)},
          {"msgId", msg.id},
          {"msgEventId", OrNull(msg.event_id)}};
}

json::object RefData(const EndpointRef& ref) {
  return {{"appId", ref.app_id},
          {"appUid", OrNull(ref.app_uid)},
          {"endpointId", ref.endpoint_id},
          {"endpointUid", OrNull(ref.endpoint_uid)}};
}

OpsEvent Make(std::string_view type, std::string app_id, json::object data, std::string msg_id) {
  json::object payload{{"type", type}, {"data", std::move(data)}};
  return {std::move(msg_id), std::string(type), std::move(app_id), JsonText(payload)};
}

}  // namespace

OpsEvent EndpointEvent(std::string_view type, const EndpointRef& ref, std::string msg_id) {
  return Make(type, ref.app_id, RefData(ref), std::move(msg_id));
}

OpsEvent EndpointDisabledEvent(const EndpointRef& ref, TimePoint fail_since,
                               std::string_view trigger, std::string msg_id) {
  auto data = RefData(ref);
  data["failSince"] = FormatTime(fail_since);
  data["trigger"] = trigger;
  return Make(ops::kEndpointDisabled, ref.app_id, std::move(data), std::move(msg_id));
}

OpsEvent AttemptEvent(std::string_view type, const std::optional<std::string>& app_uid,
                      const Message& msg, const Attempt& last, std::string msg_id) {
  auto data = MessageData(app_uid, msg);
  data["endpointId"] = last.endpoint_id;
  data["lastAttempt"] = {{"id", last.id},
                         {"timestamp", FormatTime(last.created_at)},
                         {"responseStatusCode", last.response_status}};
  return Make(type, msg.app_id, std::move(data), std::move(msg_id));
}

OpsEvent BackgroundTaskFinishedEvent(std::string_view app_id, std::string_view task_id,
                                     std::string_view kind, std::string_view status, int64_t sent,
                                     std::string msg_id) {
  json::object data{
      {"taskId", task_id}, {"status", status}, {"task", kind}, {"data", {{"messagesSent", sent}}}};
  return Make(ops::kBackgroundTaskFinished, std::string(app_id), std::move(data),
              std::move(msg_id));
}

OpsEvent MessageCompletedEvent(const std::optional<std::string>& app_uid, const Message& msg,
                               const MessageCompletion& completion, std::string msg_id) {
  auto data = MessageData(app_uid, msg);
  data["eventType"] = msg.event_type;
  data["batchId"] = OrNull(msg.batch_id);
  data["status"] = CompletionStatusName(completion.status);
  data["completedAt"] = FormatTime(completion.completed_at);
  data["destinations"] = DestinationsJson(completion.destinations);
  auto event = Make(ops::kMessageCompleted, msg.app_id, std::move(data), std::move(msg_id));
  event.callback_endpoint = msg.completion_endpoint;
  return event;
}

OpsEvent BatchCompletedEvent(const std::optional<std::string>& app_uid, const Batch& batch,
                             std::string msg_id) {
  json::object data{
      {"appId", batch.app_id},
      {"appUid", OrNull(app_uid)},
      {"batchId", batch.id},
      {"messages", batch.completed()},
      {"succeeded", batch.succeeded},
      {"failed", batch.failed},
      {"killed", batch.killed},
      {"createdAt", FormatTime(batch.created_at)},
      {"closedAt", OrNull(batch.closed_at)},
      {"completedAt", OrNull(batch.completed_at)},
      {"members", "/api/v1/app/" + batch.app_id + "/batch/" + batch.id + "?include_members=true"}};
  auto event = Make(ops::kBatchCompleted, batch.app_id, std::move(data), std::move(msg_id));
  event.callback_endpoint = batch.callback_endpoint;
  return event;
}

OpsEvent KillEvent(bool killed, const std::optional<std::string>& app_uid, const Message& msg,
                   std::string_view endpoint_id, std::string msg_id) {
  auto data = MessageData(app_uid, msg);
  data["endpointId"] = endpoint_id;
  return Make(killed ? ops::kMessageKilled : ops::kMessageNotKilled, msg.app_id, std::move(data),
              std::move(msg_id));
}

OpsEvent ReplyEvent(const std::optional<std::string>& app_uid, const Message& msg,
                    const Attempt& attempt, std::string msg_id) {
  auto data = MessageData(app_uid, msg);
  data["eventType"] = msg.event_type;
  data["endpointId"] = attempt.endpoint_id;
  data["attemptId"] = attempt.id;
  data["timestamp"] = FormatTime(attempt.created_at);
  data["reply"] = core::ParseJson(attempt.reply.value_or("{}"));
  return Make(ops::kMessageReply, msg.app_id, std::move(data), std::move(msg_id));
}

Message OpsMessage(const OpsEvent& event, TimePoint now) {
  Message m;
  m.id = event.msg_id;
  m.app_id = std::string(kOperationsAppId);
  m.event_type = event.type;
  m.payload = event.payload;
  m.tags = std::vector<std::string>{event.app_id};
  m.created_at = now;
  return m;
}

}  // namespace hookd::core
