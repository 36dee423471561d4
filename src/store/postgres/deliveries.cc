// Delivery state: outcomes under claims, manual control (resend, recover, kill) and the attempt
// history.
#include <algorithm>
#include <climits>

#include "core/ids.h"
#include "core/ops_events.h"
#include "core/time_format.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::postgres {

using core::FromMicros;
using core::ToMicros;

namespace {

// The failure record's change by an attempt that failed ($2: exhausted) at $3, while the delivery
// ($4, endpoint $1) exists; see core::Account.
const std::string kHealthFailed =
    "INSERT INTO endpoint_health AS h (endpoint_id, consecutive_exhausted, failing_since,"
    " last_failure_at) SELECT $1, CASE WHEN $2 THEN 1 ELSE 0 END, $3::bigint, $3::bigint"
    " WHERE EXISTS (SELECT 1 FROM deliveries WHERE msg_id = $4 AND endpoint_id = $1)"
    " ON CONFLICT (endpoint_id) DO UPDATE SET"
    " consecutive_exhausted = h.consecutive_exhausted + CASE WHEN $2 THEN 1 ELSE 0 END,"
    " failing_since = CASE WHEN h.failing_since IS NULL OR h.last_failure_at IS NULL"
    "   OR $3::bigint - h.last_failure_at > $5::bigint THEN $3::bigint ELSE h.failing_since END,"
    " last_failure_at = $3::bigint";
// ... and by one that succeeded.
const std::string kHealthSucceeded =
    "UPDATE endpoint_health SET consecutive_exhausted = 0, failing_since = NULL"
    " WHERE endpoint_id = $1 AND (consecutive_exhausted <> 0 OR failing_since IS NOT NULL)";
// Disables endpoint $1 when its record crosses the policy ($5 exhausted messages, $6 seconds
// failing; 0: off) or at once ($4), while the delivery ($3) exists, and then stores
// endpoint.disabled as message $7 (none when $7 is ''): see core::ShouldDisable and
// core::EndpointDisabledEvent. With automatic recovery ($11 seconds of cool-down, 0: off), the
// first probe is scheduled.
const std::string kDisable =
    "WITH d AS (UPDATE endpoints e SET disabled = true, updated_at = $2::bigint"
    "  WHERE e.id = $1 AND NOT e.disabled"
    "  AND EXISTS (SELECT 1 FROM deliveries WHERE msg_id = $3 AND endpoint_id = $1)"
    "  AND ($4 OR EXISTS (SELECT 1 FROM endpoint_health h WHERE h.endpoint_id = $1 AND"
    "   (($5::integer > 0 AND h.consecutive_exhausted >= $5::integer) OR ($6::bigint > 0 AND"
    "    h.failing_since IS NOT NULL AND $2::bigint - h.failing_since >= $6::bigint * 1000000))))"
    "  RETURNING e.id),"
    " p AS (UPDATE endpoint_health SET cooldown_secs = $11::bigint, probe_at = $2::bigint +"
    "  $11::bigint * 1000000 WHERE endpoint_id = $1 AND $11::bigint > 0 AND EXISTS"
    "  (SELECT 1 FROM d)),"
    " f AS (SELECT COALESCE((SELECT failing_since FROM endpoint_health WHERE endpoint_id = $1),"
    "  $2::bigint) AS since)"
    " INSERT INTO messages(id, app_id, event_type, payload, tags, created_at)"
    " SELECT $7, '" +
    std::string(core::kOperationsAppId) + "', '" + std::string(core::ops::kEndpointDisabled) +
    "', json_build_object('type', '" + std::string(core::ops::kEndpointDisabled) +
    "', 'data', json_build_object('appId', $8::text, 'appUid', $9::text, 'endpointId', $1::text,"
    "  'endpointUid', $10::text, 'failSince', to_char(to_timestamp(f.since / 1000000.0)"
    "  AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'trigger', 'automatic'))::text,"
    " jsonb_build_array($8::text), $2::bigint FROM d, f WHERE $7 <> ''";

}  // namespace

void PostgresStore::RecordOutcome(std::optional<core::Attempt> attempt, core::DeliveryUpdate update,
                                  Done<void> done) {
  // 1: the delivery, locked until the commit (no claim or kill slips in); the outcome is refused
  //    (kLeaseLost) when another node's claim is on it. A deleted delivery records nothing.
  // 2: the update. A manual resend requested while a scheduled attempt was in flight stays
  //    due; the claim ends unless the update keeps it.
  // Then, while the delivery exists: the attempt, the endpoint's failure record and disabling,
  // and the operational events.
  static const std::string kClaimed =
      "SELECT hookd_fail('" + std::string(SqlStateOf(core::ErrorCode::kLeaseLost)) +
      "', 'another node holds the delivery') FROM (SELECT lease_node FROM deliveries"
      " WHERE msg_id = $1 AND endpoint_id = $2 FOR UPDATE) d WHERE d.lease_node <> $3";
  static const std::string kUpdate = WithStates(
      "UPDATE deliveries SET status = $1, attempts = $2,"
      " next_attempt_at = CASE WHEN next_trigger = {manual} AND $7 = {scheduled} AND NOT $9"
      "   THEN next_attempt_at ELSE $3 END,"
      " next_trigger = CASE WHEN next_trigger = {manual} AND $7 = {scheduled}"
      "   THEN {manual} ELSE {scheduled} END,"
      " lease_node = CASE WHEN $8 THEN lease_node END,"
      " lease_until = CASE WHEN $8 THEN lease_until END,"
      " held = $9, last_status = COALESCE($10::integer, last_status), updated_at = $4"
      " WHERE msg_id = $5 AND endpoint_id = $6 AND status <> {canceled} RETURNING next_attempt_at");
  // The delivery is final and its message's completion tracked (unless it was killed meanwhile:
  // the kill queued it).
  static const std::string kQueueCheck = WithStates(
      "INSERT INTO completion_queue(msg_id) SELECT $1 WHERE EXISTS (SELECT 1 FROM deliveries"
      " WHERE msg_id = $1 AND endpoint_id = $2 AND status <> {canceled})");
  static const std::string kAttempt =
      "INSERT INTO attempts(id, app_id, msg_id, endpoint_id, url, response_status, response,"
      " duration_ms, error, error_detail, trigger_type, status, created_at, reply, reply_error)"
      " SELECT $1, $2, $3, $4, $5, $6::integer, $7, $8::bigint, $9, $10, $11::integer,"
      " $12::integer, $13::bigint, $14, $15 WHERE EXISTS (SELECT 1 FROM deliveries"
      " WHERE msg_id = $3 AND endpoint_id = $4)";
  static const std::string kDisableNow =
      "UPDATE endpoints SET disabled = true, updated_at = $1 WHERE id = $2 AND EXISTS"
      " (SELECT 1 FROM deliveries WHERE msg_id = $3 AND endpoint_id = $2)";

  auto now = ToMicros(clock_.Now());
  const auto& u = update;
  std::vector<Query> queries;
  queries.push_back({kClaimed, {P(u.msg_id), P(u.endpoint_id), P(u.node)}});
  queries.push_back(
      {kUpdate,
       {P(static_cast<int>(u.status)), P(u.attempts), P(ToMicros(u.next_attempt_at)), P(now),
        P(u.msg_id), P(u.endpoint_id), P(static_cast<int>(u.trigger)), P(u.keep_claim), P(u.hold),
        attempt ? P(attempt->response_status) : std::nullopt}});
  if (u.check_completion) queries.push_back({kQueueCheck, {P(u.msg_id), P(u.endpoint_id)}});
  if (attempt) {
    const auto& a = *attempt;
    queries.push_back(
        {kAttempt,
         {P(a.id), P(a.app_id), P(a.msg_id), P(a.endpoint_id), P(a.url), P(a.response_status),
          P(a.response), P(a.duration_ms), P(a.error), P(a.error_detail),
          P(static_cast<int>(a.trigger)), P(static_cast<int>(a.status)), P(ToMicros(a.created_at)),
          P(a.reply), P(a.reply_error)}});
  }
  std::vector<std::string> disabled_event;
  if (u.probe_ok && *u.probe_ok) {  // recovered: enabled, its record cleared, what it held due
    queries.push_back({"UPDATE endpoints SET disabled = false, updated_at = $1 WHERE id = $2",
                       {P(now), P(u.endpoint_id)}});
    queries.push_back({"DELETE FROM endpoint_health WHERE endpoint_id = $1", {P(u.endpoint_id)}});
    queries.push_back(ReleaseHeldQuery(u.endpoint_id, clock_.Now()));
  } else if (u.probe_ok) {  // still failing: the next probe after twice the cool-down
    queries.push_back(
        {"UPDATE endpoint_health SET cooldown_secs = cooldown_secs * 2,"
         " probe_at = $1 + cooldown_secs * 2 * 1000000 WHERE endpoint_id = $2",
         {P(now), P(u.endpoint_id)}});
  } else if (u.accounting) {
    const auto& acc = *u.accounting;
    if (acc.outcome == core::AttemptOutcome::kSucceeded) {
      queries.push_back({kHealthSucceeded, {P(u.endpoint_id)}});
    } else {
      int64_t gap =
          std::chrono::duration_cast<std::chrono::microseconds>(core::kFailureStreakGap).count();
      queries.push_back({kHealthFailed,
                         {P(u.endpoint_id), P(acc.outcome == core::AttemptOutcome::kExhausted),
                          P(now), P(u.msg_id), P(gap)}});
    }
    if (acc.outcome != core::AttemptOutcome::kSucceeded || u.disable_endpoint) {
      queries.push_back({kDisable,
                         {P(u.endpoint_id), P(now), P(u.msg_id), P(u.disable_endpoint),
                          P(acc.policy.disable_after_exhausted.value_or(0)),
                          P(acc.policy.disable_after_failing_secs.value_or(0)),
                          P(acc.disabled_event_id), P(acc.ref.app_id), acc.ref.app_uid,
                          acc.ref.endpoint_uid, P(acc.policy.auto_recover_secs.value_or(0))}});
      if (!acc.disabled_event_id.empty()) disabled_event.push_back(acc.disabled_event_id);
    }
  } else if (u.disable_endpoint) {
    queries.push_back({kDisableNow, {P(now), P(u.endpoint_id), P(u.msg_id)}});
  }
  auto fan = AddOpsEvents(queries, u.events, clock_.Now(),
                          core::DeliveryKey{u.msg_id, u.endpoint_id}, std::move(disabled_event));

  std::optional<StatsBatch::Row> counted;
  if (attempt) counted = StatsBatch::RowOf(*attempt, u.attempts == 1 && !u.keep_claim);
  // An outcome that could not be recorded leaves its claim in doubt: released before the node's
  // next claim or renewal (the caller forgets the delivery; a renewal would keep it unsent).
  Done<void> count_refused = [this, node = u.node, key = core::DeliveryKey{u.msg_id, u.endpoint_id},
                              done = std::move(done)](Status s) {
    if (!s && s.error().code == core::ErrorCode::kLeaseLost) outcomes_refused_.fetch_add(1);
    if (!s && s.error().code != core::ErrorCode::kLeaseLost) {
      (void)claims_.Post([this, node, key] {
        in_doubt_.node = node;
        in_doubt_.keys.push_back(key);
      });
    }
    done(std::move(s));
  };
  Write<void>(
      std::nullopt, std::move(count_refused), std::move(queries),
      [u = std::move(update), now, fan](Result<std::vector<Rows>> r, Keys& due) -> Status {
        if (!r) return std::unexpected(r.error());
        // A resend requested meanwhile is due now that the claim ended.
        const Rows& updated = (*r)[1];
        if (!u.keep_claim && updated.size() == 1 && !updated.IsNull(0, 0) &&
            updated.Int(0, 0) <= now) {
          due.push_back({u.msg_id, u.endpoint_id});
        }
        CollectOpsDue(*r, fan, due);
        return {};
      },
      /*notify=*/fan.has_value(), std::move(counted));
}

void PostgresStore::ResendDelivery(std::string app_id, std::string msg_id, std::string endpoint_id,
                                   core::TimePoint now, Done<void> done) {
  // A claimed delivery keeps its claim: it is sent again once its outcome is recorded.
  static const std::string kSql = WithStates(
      "INSERT INTO deliveries(msg_id, endpoint_id, app_id, status, attempts, next_attempt_at,"
      " next_trigger, created_at, updated_at)"
      " VALUES ($1, $2, $3, {pending}, 0, $4, {manual}, $4, $4)"
      " ON CONFLICT (msg_id, endpoint_id) DO UPDATE SET next_attempt_at = $4,"
      " next_trigger = {manual}, updated_at = $4,"
      " status = CASE WHEN deliveries.status = {sending} THEN {sending} ELSE {pending} END");
  Write<void>(
      std::nullopt, std::move(done),
      {{kSql, {P(msg_id), P(endpoint_id), P(app_id), P(ToMicros(now))}}},
      [msg_id, endpoint_id](Result<std::vector<Rows>> r, Keys& due) -> Status {
        if (!r) return std::unexpected(r.error());
        due.push_back({msg_id, endpoint_id});
        return {};
      },
      /*notify=*/true);
}

void PostgresStore::StartProbes(core::TimePoint now, Done<int64_t> done) {
  static const std::string kSql = WithStates(
      "WITH p AS (SELECT (SELECT d.msg_id FROM deliveries d WHERE d.endpoint_id = h.endpoint_id"
      "  AND d.held AND d.status = {pending} ORDER BY d.msg_id LIMIT 1) AS msg_id, h.endpoint_id"
      "  FROM endpoint_health h JOIN endpoints e ON e.id = h.endpoint_id"
      "  WHERE h.probe_at <= $1 AND e.disabled FOR UPDATE OF h SKIP LOCKED),"
      " u AS (UPDATE deliveries d SET held = false, next_attempt_at = $1, next_trigger = {probe},"
      "  updated_at = $1 FROM p WHERE d.msg_id = p.msg_id AND d.endpoint_id = p.endpoint_id"
      "  RETURNING d.msg_id, d.endpoint_id)"
      " UPDATE endpoint_health h SET probe_at = NULL FROM u WHERE h.endpoint_id = u.endpoint_id"
      " RETURNING u.msg_id, u.endpoint_id");
  Write<int64_t>(
      std::nullopt, std::move(done), {{kSql, {P(ToMicros(now))}}},
      [](Result<std::vector<Rows>> r, Keys& due) -> Result<int64_t> {
        if (!r) return std::unexpected(r.error());
        const Rows& rows = (*r)[0];
        for (int i = 0; i < rows.size(); ++i) due.push_back({rows.Text(i, 0), rows.Text(i, 1)});
        return static_cast<int64_t>(rows.size());
      });  // no NOTIFY: this runs every second on every node; this node claims its probes
}

void PostgresStore::KillDeliveries(core::Message msg, std::optional<std::string> app_uid,
                                   core::TimePoint now, Done<KillResult> done) {
  // The message's deliveries are locked first, so no claim slips in; then those that are due
  // and not under a valid claim are canceled; then each destination's report is stored (killed:
  // canceled by this statement's time $2), with ids drawn for the destinations read before.
  static const std::string kLock =
      "SELECT endpoint_id FROM deliveries WHERE msg_id = $1 ORDER BY endpoint_id FOR UPDATE";
  static const std::string kCancel = WithStates(
      "UPDATE deliveries SET status = {canceled}, next_attempt_at = NULL, lease_node = NULL,"
      " lease_until = NULL, held = false, updated_at = $2 WHERE msg_id = $1"
      " AND (next_attempt_at IS NOT NULL OR held)"
      " AND (lease_until IS NULL OR lease_until <= $2) RETURNING endpoint_id");
  static const std::string kQueueCheck =
      "INSERT INTO completion_queue(msg_id) SELECT $1 WHERE EXISTS (SELECT 1 FROM deliveries"
      " WHERE msg_id = $1 AND updated_at = $2)";
  // Each destination's report (core::KillEvent, both ways): killed when canceled by this kill
  // (its time $2).
  static const std::string kReport = WithStates(
      "INSERT INTO messages(id, app_id, event_type, payload, tags, created_at)"
      " SELECT x.id, '" +
      std::string(core::kOperationsAppId) + "', CASE WHEN k.killed THEN '" +
      std::string(core::ops::kMessageKilled) + "' ELSE '" +
      std::string(core::ops::kMessageNotKilled) +
      "' END, CASE WHEN k.killed THEN x.killed ELSE x.kept END, jsonb_build_array($3::text),"
      " $2::bigint FROM unnest($4::text[], $5::text[], $6::text[], $7::text[])"
      " AS x(id, ep, killed, kept) JOIN deliveries d ON d.msg_id = $1 AND d.endpoint_id = x.ep"
      " CROSS JOIN LATERAL (SELECT d.status = {canceled} AND d.updated_at = $2::bigint AS killed) "
      "k");
  auto known = Read([&](Conn& c) {
    return c.Exec("SELECT endpoint_id FROM deliveries WHERE msg_id = $1", {P(msg.id)});
  });
  if (!known) return done(std::unexpected(known.error()));
  std::vector<std::string> ids, endpoints, killed, kept;
  for (int i = 0; i < known->size(); ++i) {
    auto ep = known->Text(i, 0);
    ids.push_back(core::NewId("msg", clock_));
    killed.push_back(core::KillEvent(true, app_uid, msg, ep, ids.back()).payload);
    kept.push_back(core::KillEvent(false, app_uid, msg, ep, ids.back()).payload);
    endpoints.push_back(std::move(ep));
  }
  auto at = P(ToMicros(now));
  std::vector<Query> queries{{kLock, {P(msg.id)}}, {kCancel, {P(msg.id), at}}};
  if (msg.track_completion) queries.push_back({kQueueCheck, {P(msg.id), at}});
  queries.push_back({kReport,
                     {P(msg.id), at, P(msg.app_id), TextArray(ids), TextArray(endpoints),
                      TextArray(killed), TextArray(kept)}});
  auto fan = AddOpsEvents(queries, {}, now, std::nullopt, ids);
  Write<KillResult>(
      std::nullopt, std::move(done), std::move(queries),
      [fan](Result<std::vector<Rows>> r, Keys& due) -> Result<KillResult> {
        if (!r) return std::unexpected(r.error());
        const Rows& all = (*r)[0];
        const Rows& canceled = (*r)[1];
        KillResult out;
        for (int i = 0; i < canceled.size(); ++i) out.killed.push_back(canceled.Text(i, 0));
        std::sort(out.killed.begin(), out.killed.end());
        for (int i = 0; i < all.size(); ++i) {
          auto id = all.Text(i, 0);
          if (!std::binary_search(out.killed.begin(), out.killed.end(), id)) {
            out.not_killed.push_back(std::move(id));
          }
        }
        CollectOpsDue(*r, fan, due);
        return out;
      },
      /*notify=*/true);
}

Result<Page<core::Attempt>> PostgresStore::ListAttempts(std::string_view app_id,
                                                        const AttemptFilter& filter,
                                                        const PageRequest& page) {
  Where where;
  where.And("a.app_id = {}", {P(app_id)});
  if (filter.msg_id) where.And("a.msg_id = {}", {P(*filter.msg_id)});
  if (filter.endpoint_id) where.And("a.endpoint_id = {}", {P(*filter.endpoint_id)});
  if (filter.status) where.And("a.status = {}", {P(static_cast<int>(*filter.status))});
  if (filter.status_code_class) {
    if (*filter.status_code_class == 0) {
      where.And("a.response_status = 0");
    } else {
      where.And("a.response_status / 100 = {}", {P(*filter.status_code_class / 100)});
    }
  }
  if (filter.with_reply) where.And("(a.reply IS NOT NULL OR a.reply_error <> '')");
  AddMessageFilters(where, filter.event_types, filter.channel, "m");
  AddTimeRange(where, "a.created_at", filter.before, filter.after);
  return List<core::Attempt>(
      std::string("SELECT ") + kAttemptCols + " FROM attempts a JOIN messages m ON m.id = a.msg_id",
      std::move(where), "a.id", page, [](const Row& r) { return ReadAttempt(r); },
      [](const core::Attempt& a) { return a.id; });
}

Result<core::Attempt> PostgresStore::GetAttempt(std::string_view app_id, std::string_view msg_id,
                                                std::string_view attempt_id) {
  return ReadOne<core::Attempt>(
      {std::string("SELECT ") + kAttemptCols +
           " FROM attempts a WHERE a.app_id = $1 AND a.msg_id = $2 AND a.id = $3",
       {P(app_id), P(msg_id), P(attempt_id)}},
      [](const Row& r) { return ReadAttempt(r); }, "attempt");
}

void PostgresStore::ExpungeAttemptContent(std::string app_id, std::string msg_id,
                                          std::string attempt_id, Done<void> done) {
  static const std::string kSql = OrNotFound(
      "UPDATE attempts SET response = 'EXPUNGED', reply = NULL WHERE app_id = $1 AND msg_id = $2"
      " AND id = $3",
      "attempt");
  Write<void>(std::nullopt, std::move(done), {{kSql, {P(app_id), P(msg_id), P(attempt_id)}}},
              [](Result<std::vector<Rows>> r, Keys&) -> Status {
                if (!r) return std::unexpected(r.error());
                return {};
              });
}

namespace {
// "d.status, d.next_attempt_at" followed by the joined row.
template <class Fill>
DeliveryView ReadDeliveryView(const Row& r, Fill fill) {
  DeliveryView v;
  v.status = static_cast<core::DeliveryStatus>(r.Int(0));
  v.next_attempt_at = FromMicros(r.OptInt(1));
  fill(v, r);
  return v;
}
}  // namespace

Result<Page<DeliveryView>> PostgresStore::ListMessageDestinations(std::string_view app_id,
                                                                  std::string_view msg_id,
                                                                  const PageRequest& page) {
  Where where;
  where.And("d.app_id = {} AND d.msg_id = {}", {P(app_id), P(msg_id)});
  return List<DeliveryView>(
      "SELECT d.status, d.next_attempt_at, " + Prefixed("e", kEndpointCols) +
          " FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id",
      std::move(where), "d.endpoint_id", page,
      [](const Row& r) {
        return ReadDeliveryView(
            r, [](DeliveryView& v, const Row& row) { v.endpoint = ReadEndpoint(row, 2); });
      },
      [](const DeliveryView& v) { return v.endpoint.id; });
}

Result<Page<DeliveryView>> PostgresStore::ListEndpointMessages(std::string_view app_id,
                                                               std::string_view endpoint_id,
                                                               const AttemptFilter& filter,
                                                               const PageRequest& page) {
  Where where;
  where.And("d.app_id = {} AND d.endpoint_id = {}", {P(app_id), P(endpoint_id)});
  if (filter.status) where.And("d.status = {}", {P(static_cast<int>(*filter.status))});
  AddMessageFilters(where, filter.event_types, filter.channel, "m");
  AddTimeRange(where, "m.created_at", filter.before, filter.after);
  return List<DeliveryView>(
      "SELECT d.status, d.next_attempt_at, " + Prefixed("m", kMessageCols) +
          " FROM deliveries d JOIN messages m ON m.id = d.msg_id",
      std::move(where), "d.msg_id", page,
      [](const Row& r) {
        return ReadDeliveryView(
            r, [](DeliveryView& v, const Row& row) { v.message = ReadMessage(row, 2); });
      },
      [](const DeliveryView& v) { return v.message.id; });
}

Result<DeliveryStats> PostgresStore::GetEndpointStats(std::string_view app_id,
                                                      std::string_view endpoint_id,
                                                      std::optional<core::TimePoint> since,
                                                      std::optional<core::TimePoint> until) {
  static const std::string kSql =
      "SELECT status, COUNT(*) FROM deliveries WHERE app_id = $1 AND endpoint_id = $2"
      " AND created_at >= $3 AND created_at < $4 GROUP BY status";
  return Read([&](Conn& c) -> Result<DeliveryStats> {
    auto rows = c.Exec(kSql, {P(app_id), P(endpoint_id), P(since ? ToMicros(*since) : INT64_MIN),
                              P(until ? ToMicros(*until) : INT64_MAX)});
    if (!rows) return std::unexpected(rows.error());
    DeliveryStats stats;
    for (int i = 0; i < rows->size(); ++i) {
      stats.Add(static_cast<core::DeliveryStatus>(rows->Int(i, 0)), rows->Int(i, 1));
    }
    return stats;
  });
}

}  // namespace hookd::store::postgres
