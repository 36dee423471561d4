// Messages in SQLite, with the fan-out of their deliveries.
#include <algorithm>

#include "core/ops_events.h"
#include "store/sqlite/sqlite_store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::sqlite {
namespace {

// The fan-out INSERT of a new message's deliveries, built once per routing: to endpoint ?6 only,
// to every subscribed endpoint, or to none; each also to the per-message callback endpoint ?7.
// A disabled endpoint's delivery is held (not due) until the endpoint is enabled.
const std::string& FanOutSql(const MessageRouting& routing) {
  static const auto make = [](std::string_view to) {
    return WithStates(
               "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts,"
               " next_attempt_at, next_trigger, created_at, updated_at, held)"
               " SELECT ?1, e.id, e.app_id, {pending}, 0, CASE WHEN e.disabled THEN NULL ELSE ?2"
               " END, {scheduled}, ?2, ?2, e.disabled FROM endpoints e WHERE e.app_id = ?3 AND (") +
           std::string(to) + " OR e.id = ?7) RETURNING endpoint_id, held";
  };
  static const std::string kOne = make("e.id = ?6"), kSubscribed = make(kSubscribes),
                           kNone = make("0");
  return routing.only_endpoint ? kOne : routing.fan_out ? kSubscribed : kNone;
}

}  // namespace

Result<core::Message> SqliteStore::GetMessage(std::string_view app_id, std::string_view ref) {
  return ReadOne<core::Message>(
      std::string("SELECT ") + kMessageCols +
          " FROM messages WHERE app_id = ?1 AND (id = ?2 OR event_id = ?2)",
      {std::string(app_id), std::string(ref)}, ReadMessage, "message");
}

Result<Page<core::Message>> SqliteStore::ListMessages(std::string_view app_id,
                                                      const MessageFilter& filter,
                                                      const PageRequest& page) {
  std::string where = "app_id = ?";
  std::vector<Param> params{std::string(app_id)};
  AddMessageFilters(filter.event_types, filter.channel, "messages", where, params);
  if (filter.tag) {
    where += " AND EXISTS (SELECT 1 FROM json_each(messages.tags) WHERE value = ?)";
    params.emplace_back(*filter.tag);
  }
  AddTimeRange("created_at", filter.before, filter.after, where, params);
  return List<core::Message>(
      std::string("SELECT ") + kMessageCols + " FROM messages", where, params, "id", page,
      ReadMessage, [](const core::Message& m) { return m.id; }, MessageBytes);
}

// Creates batch `batch_id` of `app_id` when it is new; fails unless it is open. One read when it
// exists (the common case: messages join a batch that is there); the writer is alone, so no
// other write comes between the read and the insert.
Status JoinBatch(Db& db, const std::string& app_id, const std::string& batch_id,
                 core::TimePoint now) {
  auto open = db.Prepare(
      "SELECT closed_at IS NULL AND completed_at IS NULL FROM batches WHERE app_id = ? AND id = ?");
  open.Bind(1, app_id).Bind(2, batch_id);
  if (open.Step()) {
    if (open.Int(0) != 0) return {};
    return core::Fail(ErrorCode::kConflict, "batch " + batch_id + " is closed");
  }
  if (open.error()) return std::unexpected(*open.error());
  return db.Prepare("INSERT INTO batches(app_id, id, created_at) VALUES (?, ?, ?)")
      .Bind(1, app_id)
      .Bind(2, batch_id)
      .Bind(3, ToMicros(now))
      .Run();
}

std::string OpsListenSql(std::string_view type) {
  return "EXISTS (SELECT 1 FROM endpoints e WHERE e.app_id = '" +
         std::string(core::kOperationsAppId) +
         "' AND NOT e.ephemeral AND (e.event_types IS NULL OR EXISTS (SELECT 1 FROM"
         " json_each(e.event_types) WHERE value = " +
         std::string(type) + ")))";
}

Status QueueCompletionCheck(Db& db, const std::string& msg_id) {
  return db.Prepare("INSERT INTO completion_queue(msg_id) VALUES (?)").Bind(1, msg_id).Run();
}

// What the fan-out SQL decides, from the writer's routing cache: whether `msg` is tracked for
// completion and expects a reply, and its subscribers.
struct CachedRouting {
  bool track_completion = false;
  bool expects_reply = false;
  std::vector<const RoutingCache::Endpoint*> to;
};

Result<CachedRouting> RouteFromCache(Db& db, RoutingCache& cache, const core::Message& msg,
                                     bool tenant) {
  CachedRouting r;
  auto endpoints = cache.Endpoints(db, msg.app_id);
  if (!endpoints) return std::unexpected(endpoints.error());
  for (const auto& e : **endpoints)
    if (Subscribes(e, msg.event_type, msg.channels)) r.to.push_back(&e);
  auto expects = cache.ExpectsReply(db, msg.event_type);
  if (!expects) return std::unexpected(expects.error());
  r.expects_reply = *expects;
  r.track_completion = tenant && (msg.batch_id || msg.completion_endpoint);
  if (tenant && !r.track_completion) {  // an operational endpoint listening for it tracks it too
    auto ops = cache.Endpoints(db, std::string(core::kOperationsAppId));
    if (!ops) return std::unexpected(ops.error());
    for (const auto& e : **ops)
      r.track_completion |=
          !e.event_types || std::find(e.event_types->begin(), e.event_types->end(),
                                      core::ops::kMessageCompleted) != e.event_types->end();
  }
  return r;
}

Result<core::Message> InsertMessage(Db& db, const core::Message& in, const MessageRouting& routing,
                                    std::vector<core::DueDelivery>& due,
                                    RoutingCache* routing_cache) {
  core::Message msg = in;
  bool tenant = msg.app_id != core::kOperationsAppId && !msg.test_routes;
  if (msg.batch_id) {
    if (auto s = JoinBatch(db, msg.app_id, *msg.batch_id, msg.created_at); !s)
      return std::unexpected(s.error());
  }
  if (routing.completion_callback) {
    auto cb = BindEndpoint(db.Prepare(kInsertEndpoint), *routing.completion_callback).Run();
    if (!cb) return std::unexpected(cb.error());
    msg.completion_endpoint = routing.completion_callback->id;
  }
  // Fan-out to subscribers alone is planned from the cache; the rest reads in SQL.
  std::optional<CachedRouting> plan;
  if (routing_cache && routing.fan_out && !routing.only_endpoint && !routing.callback &&
      !routing.also_endpoint) {
    auto r = RouteFromCache(db, *routing_cache, msg, tenant);
    if (!r) return std::unexpected(r.error());
    plan = std::move(*r);
  }
  // Tracked: asked for, or an operational endpoint listens for message.completed.
  // expects_reply: its event type expects one.
  static const std::string kColumns =
      "INSERT INTO messages(id, app_id, event_id, event_type, payload, channels, tags, created_at,"
      " test_routes, batch_id, track_completion, completion_endpoint, expects_reply, content_type)";
  static const std::string kInsert =
      kColumns +
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 AND (?10 IS NOT NULL OR ?12"
      " IS NOT NULL OR " +
      OpsListenSql("'" + std::string(core::ops::kMessageCompleted) + "'") +
      "), ?12, COALESCE((SELECT expects_reply FROM event_types WHERE name = ?4), false), ?13)"
      " RETURNING track_completion, expects_reply";
  static const std::string kInsertPlanned =
      kColumns + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?14, ?13)";
  auto channels = EncodeList(msg.channels);
  {
    auto ins = db.Prepare(plan ? kInsertPlanned : kInsert);
    ins.Bind(1, msg.id)
        .Bind(2, msg.app_id)
        .Bind(3, msg.event_id)
        .Bind(4, msg.event_type)
        .Bind(5, msg.payload)
        .Bind(6, channels)
        .Bind(7, EncodeList(msg.tags))
        .Bind(8, ToMicros(msg.created_at))
        .Bind(9, msg.test_routes)
        .Bind(10, msg.batch_id)
        .Bind(11, plan ? plan->track_completion : tenant)
        .Bind(12, msg.completion_endpoint)
        .Bind(13, msg.content_type);
    if (plan) ins.Bind(14, plan->expects_reply);
    bool row = ins.Step();
    if (ins.error()) {
      if (ins.error()->code == ErrorCode::kConflict)
        return core::Fail(ErrorCode::kConflict, "a message with this eventId already exists");
      return std::unexpected(*ins.error());
    }
    if (plan) {
      msg.track_completion = plan->track_completion;
      msg.expects_reply = plan->expects_reply;
    } else if (row) {
      msg.track_completion = ins.Int(0) != 0;
      msg.expects_reply = ins.Int(1) != 0;
    } else {
      return core::Fail(ErrorCode::kInternal, "no row inserted");
    }
  }
  if (routing.callback) {
    auto cb = BindEndpoint(db.Prepare(kInsertEndpoint), *routing.callback).Run();
    if (!cb) return std::unexpected(cb.error());
  }
  if (routing.received) {
    if (auto s = InsertInboxRequest(db, *routing.received); !s) return std::unexpected(s.error());
  }
  std::shared_ptr<const core::Message> shared;
  bool any = false;
  // A delivery to an endpoint that is not disabled (held) is due now.
  auto made_due = [&](std::string endpoint_id) {
    // Small payloads ride along (bounded memory: the window holds at most so many).
    if (!shared && msg.payload.size() <= kHintPayloadLimit)
      shared = std::make_shared<const core::Message>(msg);
    due.push_back({msg.app_id,
                   msg.id,
                   std::move(endpoint_id),
                   0,
                   core::AttemptTrigger::kScheduled,
                   msg.created_at,
                   shared,
                   nullptr,
                   nullptr,
                   {}});
  };
  if (plan) {
    static const std::string kInsertDelivery = WithStates(
        "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts, next_attempt_at,"
        " next_trigger, created_at, updated_at, held)"
        " VALUES (?1, ?2, ?3, {pending}, 0, ?4, {scheduled}, ?5, ?5, ?6)");
    int64_t now = ToMicros(msg.created_at);
    for (const auto* e : plan->to) {
      auto ins = db.Prepare(kInsertDelivery);
      ins.Bind(1, msg.id).Bind(2, e->id).Bind(3, msg.app_id).Bind(5, now).Bind(6, e->disabled);
      if (!e->disabled) ins.Bind(4, now);
      if (auto s = ins.Run(); !s) return std::unexpected(s.error());
      any = true;
      if (!e->disabled) made_due(e->id);
    }
  } else {
    auto fan = db.Prepare(FanOutSql(routing));
    fan.Bind(1, msg.id)
        .Bind(2, ToMicros(msg.created_at))
        .Bind(3, msg.app_id)
        .Bind(4, msg.event_type)
        .Bind(5, channels);
    if (routing.only_endpoint) fan.Bind(6, *routing.only_endpoint);
    fan.Bind(7, routing.callback ? routing.callback->id : routing.also_endpoint.value_or(""));
    while (fan.Step()) {
      any = true;
      if (fan.Int(1) == 0) made_due(fan.Text(0));  // else held: its endpoint is disabled
    }
    if (fan.error()) return std::unexpected(*fan.error());
  }
  if (!any && msg.track_completion) {  // nothing to wait for: complete at once
    if (auto s = QueueCompletionCheck(db, msg.id); !s) return std::unexpected(s.error());
  }
  return msg;
}

Status InsertOpsEvents(Db& db, const std::vector<core::OpsEvent>& events, core::TimePoint now,
                       std::vector<core::DueDelivery>& due) {
  for (const auto& e : events) {
    MessageRouting routing;
    routing.also_endpoint = e.callback_endpoint;
    auto m = InsertMessage(db, core::OpsMessage(e, now), routing, due);
    if (!m) return std::unexpected(m.error());
    if (auto s = PlanAlerts(db, e.msg_id, now); !s) return s;
  }
  return {};
}

void SqliteStore::CreateMessage(core::Message msg, Idempotency idem, MessageRouting routing,
                                Done<core::Message> done) {
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<core::Message>(
      std::move(idem), std::move(done),
      [this, msg = std::move(msg), due,
       routing = std::move(routing)](Db& db) -> Result<core::Message> {
        due->clear();
        return InsertMessage(db, msg, routing, *due, &routing_);
      },
      due);
}

void SqliteStore::ExpungeMessageContent(std::string app_id, std::string id, Done<void> done) {
  Write<void>(std::nullopt, std::move(done),
              [app_id = std::move(app_id), id = std::move(id)](Db& db) -> Status {
                auto s = db.Prepare(
                               "UPDATE messages SET payload='{\"expired\":true}', "
                               "content_type=NULL WHERE app_id=? AND id=?")
                             .Bind(1, app_id)
                             .Bind(2, id)
                             .Run();
                if (!s) return s;
                if (db.Changes() == 0) return core::NotFound("message");
                return {};
              });
}

}  // namespace hookd::store::sqlite
