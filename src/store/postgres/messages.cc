// Messages, and the fan-out of their deliveries.
#include "core/ops_events.h"
#include "core/time_format.h"
#include "store/json_fields.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::postgres {
namespace {

using core::ToMicros;

// The fan-out INSERT of a new message's deliveries (message $1, due $2, app $3), built once per
// routing: to every subscribed endpoint (type $4, channels $5) and the callback $6; to endpoint
// $4 and the callback $5; or to the callback $4 only. A callback id of '' matches nothing. A
// disabled endpoint's delivery is held (not due) until the endpoint is enabled.
const std::string& FanOutSql(const MessageRouting& routing) {
  static const auto make = [](const std::string& to) {
    return WithStates(
               "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts,"
               " next_attempt_at, next_trigger, created_at, updated_at, held)"
               " SELECT $1, e.id, e.app_id, {pending}, 0, CASE WHEN e.disabled THEN NULL"
               " ELSE $2::bigint END, {scheduled}, $2::bigint, $2::bigint, e.disabled"
               " FROM endpoints e WHERE e.app_id = $3 AND (") +
           to + ") RETURNING endpoint_id, held";
  };
  static const std::string kSubscribed = make(Subscribes("$4", "$5") + " OR e.id = $6"),
                           kOne = make("e.id = $4 OR e.id = $5"), kNone = make("e.id = $4");
  return routing.only_endpoint ? kOne : routing.fan_out ? kSubscribed : kNone;
}

}  // namespace

Result<core::Message> PostgresStore::GetMessage(std::string_view app_id, std::string_view ref) {
  return ReadOne<core::Message>(
      {std::string("SELECT ") + kMessageCols +
           " FROM messages WHERE app_id = $1 AND (id = $2 OR event_id = $2)",
       {P(app_id), P(ref)}},
      [](const Row& r) { return ReadMessage(r); }, "message");
}

Result<Page<core::Message>> PostgresStore::ListMessages(std::string_view app_id,
                                                        const MessageFilter& filter,
                                                        const PageRequest& page) {
  Where where;
  where.And("app_id = {}", {P(app_id)});
  AddMessageFilters(where, filter.event_types, filter.channel, "messages");
  if (filter.tag) where.And("tags ? {}", {P(*filter.tag)});
  AddTimeRange(where, "created_at", filter.before, filter.after);
  return List<core::Message>(
      std::string("SELECT ") + kMessageCols + " FROM messages", std::move(where), "id", page,
      [](const Row& r) { return ReadMessage(r); }, [](const core::Message& m) { return m.id; },
      "SELECT octet_length(payload) + COALESCE(octet_length(test_routes), 0) FROM messages");
}

void PostgresStore::CreateMessage(core::Message msg, Idempotency idem, MessageRouting routing,
                                  Done<core::Message> done) {
  // A batch is created when new; a message may join it only while it is open.
  static const std::string kNewBatch =
      "INSERT INTO batches(app_id, id, created_at) VALUES ($1, $2, $3)"
      " ON CONFLICT (app_id, id) DO NOTHING";
  static const std::string kBatchOpen =
      "SELECT hookd_fail('" + std::string(SqlStateOf(core::ErrorCode::kConflict)) +
      "', 'batch ' || $2 || ' is closed') FROM batches WHERE app_id = $1 AND id = $2"
      " AND (closed_at IS NOT NULL OR completed_at IS NOT NULL)";
  // Tracked ($11): asked for, or an operational endpoint listens for message.completed.
  // expects_reply: its event type expects one.
  static const std::string kInsert =
      "INSERT INTO messages(" + std::string(kMessageCols) +
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 AND ($10::text IS NOT NULL OR "
      "$12::text IS NOT"
      " NULL OR " +
      OpsListenSql("'" + std::string(core::ops::kMessageCompleted) + "'") +
      "), $12, COALESCE((SELECT expects_reply FROM event_types WHERE name = $4), false), $13)"
      " RETURNING track_completion, expects_reply";
  // Nothing to wait for: complete at once.
  static const std::string kQueueIfNone =
      "INSERT INTO completion_queue(msg_id) SELECT id FROM messages WHERE id = $1 AND"
      " track_completion AND NOT EXISTS (SELECT 1 FROM deliveries WHERE msg_id = $1)";
  std::vector<Query> queries;
  auto at = P(ToMicros(msg.created_at));
  if (msg.batch_id) {
    queries.push_back({kNewBatch, {P(msg.app_id), P(*msg.batch_id), at}});
    queries.push_back({kBatchOpen, {P(msg.app_id), P(*msg.batch_id)}});
  }
  if (routing.completion_callback) {
    msg.completion_endpoint = routing.completion_callback->id;
    queries.push_back({"INSERT INTO endpoints(" + std::string(kEndpointCols) + ") VALUES (" +
                           Placeholders(1, 20) + ")",
                       EndpointParams(*routing.completion_callback)});
  }
  bool tenant = msg.app_id != core::kOperationsAppId && !msg.test_routes;
  queries.push_back({kInsert,
                     {P(msg.id), P(msg.app_id), P(msg.event_id), P(msg.event_type), P(msg.payload),
                      EncodeList(msg.channels), EncodeList(msg.tags), at, msg.test_routes,
                      msg.batch_id, P(tenant), msg.completion_endpoint, msg.content_type}});
  size_t inserted = queries.size() - 1;
  std::string callback;
  if (routing.callback) {
    callback = routing.callback->id;
    queries.push_back({"INSERT INTO endpoints(" + std::string(kEndpointCols) + ") VALUES (" +
                           Placeholders(1, 20) + ")",
                       EndpointParams(*routing.callback)});
  }
  if (routing.received) queries.push_back(InboxRequestQuery(*routing.received));
  Query fan{FanOutSql(routing), {P(msg.id), at, P(msg.app_id)}};
  if (routing.only_endpoint) {
    fan.params.push_back(P(*routing.only_endpoint));
  } else if (routing.fan_out) {
    fan.params.push_back(P(msg.event_type));
    fan.params.push_back(TextArray(msg.channels.value_or(std::vector<std::string>{})));
  }
  fan.params.push_back(P(callback));
  queries.push_back(std::move(fan));
  size_t fanned_out = queries.size() - 1;
  if (tenant) queries.push_back({kQueueIfNone, {P(msg.id)}});
  Write<core::Message>(
      std::move(idem), std::move(done), std::move(queries),
      [msg = std::move(msg), inserted, fanned_out](Result<std::vector<Rows>> r,
                                                   Keys& due) -> Result<core::Message> {
        if (!r) return Conflict(r.error(), "a message with this eventId already exists");
        core::Message out = msg;
        out.track_completion = (*r)[inserted].Bool(0, 0);
        out.expects_reply = (*r)[inserted].Bool(0, 1);
        const Rows& fanned = (*r)[fanned_out];
        for (int i = 0; i < fanned.size(); ++i) {
          if (!fanned.Bool(i, 1)) due.push_back({msg.id, fanned.Text(i, 0)});
        }
        return out;
      },
      /*notify=*/true);
}

void PostgresStore::ExpungeMessageContent(std::string app_id, std::string id, Done<void> done) {
  static const std::string kSql = OrNotFound(
      "UPDATE messages SET payload = '{\"expired\":true}', content_type = NULL WHERE app_id = $1 "
      "AND id = $2",
      "message");
  Write<void>(std::nullopt, std::move(done), {{kSql, {P(app_id), P(id)}}},
              [](Result<std::vector<Rows>> r, Keys&) -> Status {
                if (!r) return std::unexpected(r.error());
                return {};
              });
}

}  // namespace hookd::store::postgres
