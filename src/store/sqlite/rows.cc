#include "store/sqlite/rows.h"

#include "core/time_format.h"
#include "store/json_fields.h"

namespace hookd::store::sqlite {

using core::FromMicros;

core::App ReadApp(Stmt& s) {
  return {s.Text(0),
          s.OptText(1),
          s.Text(2),
          s.IsNull(3) ? std::nullopt : std::optional<int>(static_cast<int>(s.Int(3))),
          DecodeMap(s.Text(4)),
          FromMicros(s.Int(5)),
          FromMicros(s.Int(6)),
          DecodeMap(s.Text(7)),
          DecodeFailurePolicy(s.OptText(8)),
          DecodeNotifications(s.OptText(9))};
}

core::EventType ReadEventType(Stmt& s) {
  return {s.Text(0),
          s.Text(1),
          s.Text(2),
          s.Int(3) != 0,
          s.Int(4) != 0,
          s.OptText(5),
          DecodeList(s.OptText(6)),
          s.OptText(7),
          FromMicros(s.Int(8)),
          FromMicros(s.Int(9)),
          s.Int(10) != 0};
}

core::Endpoint ReadEndpointAt(Stmt& s, int c) {
  core::Endpoint e;
  e.id = s.Text(c);
  e.app_id = s.Text(c + 1);
  e.uid = s.OptText(c + 2);
  e.url = s.Text(c + 3);
  e.description = s.Text(c + 4);
  e.disabled = s.Int(c + 5) != 0;
  e.event_types = DecodeList(s.OptText(c + 6));
  e.channels = DecodeList(s.OptText(c + 7));
  if (!s.IsNull(c + 8)) e.throttle_rate = static_cast<int>(s.Int(c + 8));
  e.version = static_cast<int>(s.Int(c + 9));
  e.metadata = DecodeMap(s.Text(c + 10));
  e.headers = DecodeMap(s.Text(c + 11));
  e.secrets = DecodeSecrets(s.Text(c + 12));
  e.created_at = FromMicros(s.Int(c + 13));
  e.updated_at = FromMicros(s.Int(c + 14));
  e.retry_schedule = DecodeInts(s.OptText(c + 15));
  e.options = DecodeOptions(s.OptText(c + 16));
  e.ephemeral = s.Int(c + 17) != 0;
  e.failure_policy = DecodeFailurePolicy(s.OptText(c + 18));
  e.fallback_url = s.OptText(c + 19);
  return e;
}
core::Endpoint ReadEndpoint(Stmt& s) { return ReadEndpointAt(s, 0); }

core::Message ReadMessageAt(Stmt& s, int c) {
  return {s.Text(c),
          s.Text(c + 1),
          s.OptText(c + 2),
          s.Text(c + 3),
          s.Text(c + 4),
          DecodeList(s.OptText(c + 5)),
          DecodeList(s.OptText(c + 6)),
          FromMicros(s.Int(c + 7)),
          s.OptText(c + 8),
          s.OptText(c + 9),
          s.Int(c + 10) != 0,
          s.OptText(c + 11),
          s.Int(c + 12) != 0,
          s.OptText(c + 13)};
}
core::Message ReadMessage(Stmt& s) { return ReadMessageAt(s, 0); }

core::Attempt ReadAttempt(Stmt& s) {
  core::Attempt a;
  a.id = s.Text(0);
  a.app_id = s.Text(1);
  a.msg_id = s.Text(2);
  a.endpoint_id = s.Text(3);
  a.url = s.Text(4);
  a.response_status = static_cast<int>(s.Int(5));
  a.response = s.Text(6);
  a.duration_ms = s.Int(7);
  a.error = s.Text(8);
  a.error_detail = s.Text(9);
  a.trigger = static_cast<core::AttemptTrigger>(s.Int(10));
  a.status = static_cast<core::DeliveryStatus>(s.Int(11));
  a.created_at = FromMicros(s.Int(12));
  a.reply = s.OptText(13);
  a.reply_error = s.Text(14);
  return a;
}

void BindAll(Stmt& s, const std::vector<Param>& params) {
  int i = 1;
  for (const auto& p : params) std::visit([&](const auto& v) { s.Bind(i++, v); }, p);
}

}  // namespace hookd::store::sqlite
