// Operational events as messages of the operations app, written within another write.
#include "core/ops_events.h"

#include "core/time_format.h"
#include "store/postgres/store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::postgres {

std::string OpsListenSql(std::string_view type) {
  return "EXISTS (SELECT 1 FROM endpoints e WHERE e.app_id = '" +
         std::string(core::kOperationsAppId) + "' AND " + Subscribes(type, "NULL") + ")";
}

std::optional<size_t> AddOpsEvents(std::vector<Query>& queries,
                                   const std::vector<core::OpsEvent>& events, core::TimePoint now,
                                   const std::optional<core::DeliveryKey>& only_if,
                                   std::vector<std::string> more_ids) {
  static const std::string kInsert =
      "INSERT INTO messages(id, app_id, event_type, payload, tags, created_at)"
      " SELECT x.id, '" +
      std::string(core::kOperationsAppId) +
      "', x.type, x.payload, jsonb_build_array(x.app), $5::bigint"
      " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(id, type, payload, app)"
      " WHERE $6 = '' OR EXISTS (SELECT 1 FROM deliveries WHERE msg_id = $6 AND endpoint_id = $7)";
  // Each stored event message to the operations app's subscribed endpoints; a disabled one
  // holds it.
  static const std::string kFanOut = WithStates(
      "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts, next_attempt_at,"
      " next_trigger, created_at, updated_at, held)"
      " SELECT m.id, e.id, e.app_id, {pending}, 0, CASE WHEN e.disabled THEN NULL ELSE $2::bigint"
      " END, {scheduled}, $2::bigint, $2::bigint, e.disabled"
      " FROM messages m JOIN endpoints e ON e.app_id = m.app_id"
      " WHERE m.id = ANY($1::text[]) AND (" +
      Subscribes("m.event_type", "ARRAY[]") +
      " OR (m.id, e.id) IN (SELECT * FROM unnest($3::text[], $4::text[])))"
      " RETURNING msg_id, endpoint_id, held");
  if (events.empty() && more_ids.empty()) return std::nullopt;
  auto at = P(core::ToMicros(now));
  std::vector<std::string> callback_msgs, callbacks;  // events also sent to a callback
  if (!events.empty()) {
    std::vector<std::string> ids, types, payloads, apps;
    for (const auto& e : events) {
      ids.push_back(e.msg_id);
      types.push_back(e.type);
      payloads.push_back(e.payload);
      apps.push_back(e.app_id);
      if (e.callback_endpoint) {
        callback_msgs.push_back(e.msg_id);
        callbacks.push_back(*e.callback_endpoint);
      }
    }
    more_ids.insert(more_ids.end(), ids.begin(), ids.end());
    queries.push_back(
        {kInsert,
         {TextArray(ids), TextArray(types), TextArray(payloads), TextArray(apps), at,
          P(only_if ? only_if->msg_id : ""), P(only_if ? only_if->endpoint_id : "")}});
  }
  queries.push_back(
      {kFanOut, {TextArray(more_ids), at, TextArray(callback_msgs), TextArray(callbacks)}});
  size_t fan_out = queries.size() - 1;
  queries.push_back(PlanAlertsQuery(std::move(more_ids), now));
  return fan_out;
}

void CollectOpsDue(const std::vector<Rows>& results, std::optional<size_t> fan_out,
                   std::vector<core::DeliveryKey>& due) {
  if (!fan_out) return;
  const Rows& rows = results[*fan_out];
  for (int i = 0; i < rows.size(); ++i) {
    if (!rows.Bool(i, 2)) due.push_back({rows.Text(i, 0), rows.Text(i, 1)});
  }
}

}  // namespace hookd::store::postgres
