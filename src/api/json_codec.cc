#include "api/json_codec.h"

#include "api/delivery_options.h"
#include "api/failure_policy_json.h"
#include "core/json_text.h"
#include "core/time_format.h"

namespace hookd::api {
namespace json = boost::json;
using core::FormatTime;

json::value OptString(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::value StringList(const std::optional<std::vector<std::string>>& v) {
  if (!v) return nullptr;
  json::array a;
  for (const auto& s : *v) a.emplace_back(s);
  return a;
}

json::object StringMapJson(const core::StringMap& m) {
  json::object o;
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

json::object AppJson(const core::App& app) {
  return {{"id", app.id},
          {"uid", OptString(app.uid)},
          {"name", app.name},
          {"throttleRate", app.rate_limit ? json::value(*app.rate_limit) : nullptr},
          {"rateLimit", app.rate_limit ? json::value(*app.rate_limit) : nullptr},
          {"metadata", StringMapJson(app.metadata)},
          {"env", StringMapJson(app.env)},
          {"failurePolicy", FailurePolicyJson(app.failure_policy)},
          {"notifications", NotificationsJson(app.notifications)},
          {"createdAt", FormatTime(app.created_at)},
          {"updatedAt", FormatTime(app.updated_at)}};
}

json::object EventTypeJson(const core::EventType& et, bool with_schemas) {
  json::value schemas = nullptr;
  if (with_schemas && et.schemas) schemas = core::ParseJson(*et.schemas);
  return {{"id", et.id},
          {"name", et.name},
          {"description", et.description},
          {"archived", et.archived},
          {"deprecated", et.deprecated},
          {"schemas", schemas},
          {"featureFlags", StringList(et.feature_flags)},
          {"featureFlag", et.feature_flags && !et.feature_flags->empty()
                              ? json::value(et.feature_flags->front())
                              : nullptr},
          {"groupName", OptString(et.group_name)},
          {"expectsReply", et.expects_reply},
          {"createdAt", FormatTime(et.created_at)},
          {"updatedAt", FormatTime(et.updated_at)}};
}

json::object EndpointJson(const core::Endpoint& ep) {
  json::value rate = ep.throttle_rate ? json::value(*ep.throttle_rate) : nullptr;
  json::object out{{"id", ep.id},
                   {"uid", OptString(ep.uid)},
                   {"url", ep.url},
                   {"description", ep.description},
                   {"disabled", ep.disabled},
                   {"eventTypes", StringList(ep.event_types)},
                   {"filterTypes", StringList(ep.event_types)},
                   {"channels", StringList(ep.channels)},
                   {"throttleRate", rate},
                   {"rateLimit", rate},
                   {"version", ep.version},
                   {"metadata", StringMapJson(ep.metadata)},
                   {"failurePolicy", FailurePolicyJson(ep.failure_policy)},
                   {"fallbackUrl", OptString(ep.fallback_url)},
                   {"createdAt", FormatTime(ep.created_at)},
                   {"updatedAt", FormatTime(ep.updated_at)}};
  AddDeliveryOptionsJson(out, ep);
  return out;
}

json::value OptTime(const std::optional<core::TimePoint>& t) {
  return t ? json::value(FormatTime(*t)) : json::value(nullptr);
}

json::object AttemptJson(const core::Attempt& a) {
  return {
      {"id", a.id},
      {"msgId", a.msg_id},
      {"endpointId", a.endpoint_id},
      {"url", a.url},
      {"response", a.response},
      {"responseStatusCode", a.response_status},
      {"responseDurationMs", a.duration_ms},
      {"status", static_cast<int>(a.status)},
      {"statusText", core::StatusText(a.status)},
      {"triggerType", a.trigger == core::AttemptTrigger::kManual ? 1 : 0},  // probes: 0
      {"timestamp", FormatTime(a.created_at)},
      {"error", a.error.empty() ? json::value(nullptr) : json::value(a.error)},
      {"errorDetail", a.error_detail.empty() ? json::value(nullptr) : json::value(a.error_detail)},
      {"reply", a.reply ? core::ParseJson(*a.reply) : json::value(nullptr)},
      {"replyError", a.reply_error.empty() ? json::value(nullptr) : json::value(a.reply_error)}};
}

namespace {

// `s` as a JSON string, escaped as Boost.JSON escapes it.
void AppendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      switch (c) {
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
      }
    } else {
      out += c;
    }
  }
  out += '"';
}

void AppendOptQuoted(std::string& out, const std::optional<std::string>& s) {
  if (s) return AppendQuoted(out, *s);
  out += "null";
}

void AppendList(std::string& out, const std::optional<std::vector<std::string>>& v) {
  if (!v) {
    out += "null";
    return;
  }
  out += '[';
  for (size_t i = 0; i < v->size(); ++i) {
    if (i) out += ',';
    AppendQuoted(out, (*v)[i]);
  }
  out += ']';
}

}  // namespace

// The text of MessageJson, written directly for stored JSON payloads (the common case: no
// objects built per message on the request path).
std::string MessageJsonText(const core::Message& msg, bool with_content) {
  if (msg.test_routes || msg.content_type) return core::JsonText(MessageJson(msg, with_content));
  std::string text;
  text.reserve(192 + (with_content ? msg.payload.size() : 0));
  text += "{\"id\":";
  AppendQuoted(text, msg.id);
  text += ",\"eventId\":";
  AppendOptQuoted(text, msg.event_id);
  text += ",\"eventType\":";
  AppendQuoted(text, msg.event_type);
  text += ",\"channels\":";
  AppendList(text, msg.channels);
  text += ",\"tags\":";
  AppendList(text, msg.tags);
  text += ",\"timestamp\":";
  AppendQuoted(text, FormatTime(msg.created_at));
  if (msg.batch_id) {
    text += ",\"batchId\":";
    AppendQuoted(text, *msg.batch_id);
  }
  text += ",\"payload\":";
  text += with_content ? std::string_view(msg.payload) : std::string_view("{}");
  text += '}';
  return text;
}

json::object MessageJson(const core::Message& msg, bool with_content) {
  json::object o{{"id", msg.id},
                 {"eventId", OptString(msg.event_id)},
                 {"eventType", msg.event_type},
                 {"channels", StringList(msg.channels)},
                 {"tags", StringList(msg.tags)},
                 {"timestamp", FormatTime(msg.created_at)}};
  if (msg.batch_id) o["batchId"] = *msg.batch_id;
  if (msg.content_type) o["contentType"] = *msg.content_type;  // payload: the raw body's text
  o["payload"] = !with_content      ? json::value(json::object())
                 : msg.content_type ? json::value(msg.payload)
                                    : core::ParseJson(msg.payload);  // expunged: {"expired":true}
  if (msg.test_routes) {
    o["test"] = true;
    o["routes"] = core::ParseJson(*msg.test_routes);
  }
  return o;
}

}  // namespace hookd::api
