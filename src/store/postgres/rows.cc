#include "store/postgres/rows.h"

#include "core/time_format.h"
#include "store/json_fields.h"

namespace hookd::store::postgres {

using core::FromMicros;
using core::ToMicros;

std::string Subscribes(std::string_view type, std::string_view channels) {
  return "NOT e.ephemeral"
         " AND (e.event_types IS NULL OR e.event_types ? " +
         std::string(type) + ") AND (e.channels IS NULL OR e.channels ?| " + std::string(channels) +
         "::text[])";
}

core::App ReadApp(const Row& r, int c) {
  core::App a{r.Text(c), r.OptText(c + 1), r.Text(c + 2)};
  if (auto n = r.OptInt(c + 3)) a.rate_limit = static_cast<int>(*n);
  a.metadata = DecodeMap(r.Text(c + 4));
  a.created_at = FromMicros(r.Int(c + 5));
  a.updated_at = FromMicros(r.Int(c + 6));
  a.env = DecodeMap(r.Text(c + 7));
  a.failure_policy = DecodeFailurePolicy(r.OptText(c + 8));
  a.notifications = DecodeNotifications(r.OptText(c + 9));
  return a;
}

core::EventType ReadEventType(const Row& r, int c) {
  return {r.Text(c),
          r.Text(c + 1),
          r.Text(c + 2),
          r.Bool(c + 3),
          r.Bool(c + 4),
          r.OptText(c + 5),
          DecodeList(r.OptText(c + 6)),
          r.OptText(c + 7),
          FromMicros(r.Int(c + 8)),
          FromMicros(r.Int(c + 9)),
          r.Bool(c + 10)};
}

core::Endpoint ReadEndpoint(const Row& r, int c) {
  core::Endpoint e;
  e.id = r.Text(c);
  e.app_id = r.Text(c + 1);
  e.uid = r.OptText(c + 2);
  e.url = r.Text(c + 3);
  e.description = r.Text(c + 4);
  e.disabled = r.Bool(c + 5);
  e.event_types = DecodeList(r.OptText(c + 6));
  e.channels = DecodeList(r.OptText(c + 7));
  if (auto n = r.OptInt(c + 8)) e.throttle_rate = static_cast<int>(*n);
  e.version = static_cast<int>(r.Int(c + 9));
  e.metadata = DecodeMap(r.Text(c + 10));
  e.headers = DecodeMap(r.Text(c + 11));
  e.secrets = DecodeSecrets(r.Text(c + 12));
  e.created_at = FromMicros(r.Int(c + 13));
  e.updated_at = FromMicros(r.Int(c + 14));
  e.retry_schedule = DecodeInts(r.OptText(c + 15));
  e.options = DecodeOptions(r.OptText(c + 16));
  e.ephemeral = r.Bool(c + 17);
  e.failure_policy = DecodeFailurePolicy(r.OptText(c + 18));
  e.fallback_url = r.OptText(c + 19);
  return e;
}

core::Message ReadMessage(const Row& r, int c) {
  return {r.Text(c),
          r.Text(c + 1),
          r.OptText(c + 2),
          r.Text(c + 3),
          r.Text(c + 4),
          DecodeList(r.OptText(c + 5)),
          DecodeList(r.OptText(c + 6)),
          FromMicros(r.Int(c + 7)),
          r.OptText(c + 8),
          r.OptText(c + 9),
          r.Bool(c + 10),
          r.OptText(c + 11),
          r.Bool(c + 12),
          r.OptText(c + 13)};
}

core::Attempt ReadAttempt(const Row& r, int c) {
  core::Attempt a;
  a.id = r.Text(c);
  a.app_id = r.Text(c + 1);
  a.msg_id = r.Text(c + 2);
  a.endpoint_id = r.Text(c + 3);
  a.url = r.Text(c + 4);
  a.response_status = static_cast<int>(r.Int(c + 5));
  a.response = r.Text(c + 6);
  a.duration_ms = r.Int(c + 7);
  a.error = r.Text(c + 8);
  a.error_detail = r.Text(c + 9);
  a.trigger = static_cast<core::AttemptTrigger>(r.Int(c + 10));
  a.status = static_cast<core::DeliveryStatus>(r.Int(c + 11));
  a.created_at = FromMicros(r.Int(c + 12));
  a.reply = r.OptText(c + 13);
  a.reply_error = r.Text(c + 14);
  return a;
}

std::vector<Param> EndpointParams(const core::Endpoint& e) {
  return {P(e.id),
          P(e.app_id),
          P(e.uid),
          P(e.url),
          P(e.description),
          P(e.disabled),
          EncodeList(e.event_types),
          EncodeList(e.channels),
          P(e.throttle_rate),
          P(e.version),
          EncodeMap(e.metadata),
          EncodeMap(e.headers),
          EncodeSecrets(e.secrets),
          P(ToMicros(e.created_at)),
          P(ToMicros(e.updated_at)),
          EncodeInts(e.retry_schedule),
          EncodeOptions(e.options),
          P(e.ephemeral),
          EncodeFailurePolicy(e.failure_policy),
          P(e.fallback_url)};
}

std::vector<Param> EventTypeParams(const core::EventType& et) {
  return {P(et.id),
          P(et.name),
          P(et.description),
          P(et.archived),
          P(et.deprecated),
          et.schemas,
          EncodeList(et.feature_flags),
          et.group_name,
          P(ToMicros(et.created_at)),
          P(ToMicros(et.updated_at)),
          P(et.expects_reply)};
}

std::string Placeholders(int from, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += ", ";
    out += "$" + std::to_string(from + i);
  }
  return out;
}

Where& Where::And(std::string_view text, std::vector<Param> values) {
  if (!sql.empty()) sql += " AND ";
  size_t k = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.substr(i, 2) == "{}") {
      params.push_back(std::move(values.at(k++)));
      sql += "$" + std::to_string(params.size());
      ++i;
    } else {
      sql += text[i];
    }
  }
  return *this;
}

void AddMessageFilters(Where& where, const std::vector<std::string>& event_types,
                       const std::optional<std::string>& channel, std::string_view m) {
  std::string prefix = std::string(m) + ".";
  if (!event_types.empty())
    where.And(prefix + "event_type = ANY({}::text[])", {TextArray(event_types)});
  if (channel) where.And(prefix + "channels ? {}", {P(*channel)});
}

void AddTimeRange(Where& where, std::string_view col, const std::optional<core::TimePoint>& before,
                  const std::optional<core::TimePoint>& after) {
  if (before) where.And(std::string(col) + " < {}", {P(ToMicros(*before))});
  if (after) where.And(std::string(col) + " > {}", {P(ToMicros(*after))});
}

}  // namespace hookd::store::postgres
