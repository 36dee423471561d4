// Alerts: planned with the operational events that cause them (see alert_store.h), claimed by
// senders under a lease.
#include "core/time_format.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {
namespace {

using core::FromMicros;
using core::ToMicros;

constexpr const char* kAlertCols =
    "id, app_id, endpoint_id, rule, channel, recipient, event_id, digest, events, status,"
    " attempts, error, next_attempt_at, created_at, sent_at";

Alert ReadAlert(const Row& r) {
  Alert a;
  a.id = r.Text(0);
  a.app_id = r.Text(1);
  a.endpoint_id = r.Text(2);
  a.rule = r.Text(3);
  a.channel = r.Text(4);
  a.recipient = r.Text(5);
  a.event_id = r.Text(6);
  a.digest = r.Bool(7);
  a.events = static_cast<int>(r.Int(8));
  a.status = r.Text(9);
  a.attempts = static_cast<int>(r.Int(10));
  a.error = r.Text(11);
  a.next_attempt_at = FromMicros(r.OptInt(12));
  a.created_at = FromMicros(r.Int(13));
  a.sent_at = FromMicros(r.OptInt(14));
  return a;
}

}  // namespace

Query PlanAlertsQuery(std::vector<std::string> event_ids, core::TimePoint now) {
  static const std::string kSql = [] {
    std::string rules;
    for (const char* r : kAlertingEvents)
      rules += std::string(rules.empty() ? "'" : ", '") + r + "'";
    return "WITH ev AS (SELECT m.id AS ev, m.event_type AS rule, m.tags->>0 AS app_id,"
           " (m.payload::jsonb)->'data'->>'endpointId' AS endpoint_id FROM messages m"
           " WHERE m.id = ANY($1::text[]) AND m.event_type IN (" +
           rules +
           ")),"
           " cfg AS (SELECT ev.*, a.notifications::jsonb AS n, COALESCE((a.notifications::jsonb"
           "  ->>'digestSeconds')::bigint, " +
           std::to_string(kDefaultDigestSeconds) +
           ") * 1000000 AS win FROM ev JOIN apps a ON a.id = ev.app_id),"
           " wants AS (SELECT * FROM cfg WHERE n IS NOT NULL AND (NOT n ? 'events' OR"
           "  n->'events' ? rule)),"
           " r AS (SELECT ev, rule, app_id, endpoint_id, win, 'email' AS channel, j AS recipient"
           "  FROM wants, jsonb_array_elements_text(COALESCE(wants.n->'emails', '[]')) j"
           "  UNION ALL SELECT ev, rule, app_id, endpoint_id, win, 'sms', j"
           "  FROM wants, jsonb_array_elements_text(COALESCE(wants.n->'phones', '[]')) j"
           "  UNION ALL SELECT cfg.ev, cfg.rule, cfg.app_id, cfg.endpoint_id, cfg.win, 'fallback',"
           "  e.fallback_url FROM cfg JOIN endpoints e ON e.id = cfg.endpoint_id"
           "  WHERE e.fallback_url IS NOT NULL),"
           " x AS (SELECT r.*, (SELECT max(a.created_at) FROM alerts a WHERE a.app_id = r.app_id"
           "  AND a.endpoint_id = r.endpoint_id AND a.rule = r.rule AND a.channel = r.channel AND"
           "  a.recipient = r.recipient AND NOT a.digest AND a.created_at > $2::bigint - r.win)"
           "  AS last FROM r)"
           " INSERT INTO alerts(id, app_id, endpoint_id, rule, channel, recipient, event_id,"
           " digest, events, status, next_attempt_at, created_at)"
           " SELECT x.ev || ':' || CASE WHEN x.last IS NULL THEN '' ELSE 'digest:' END ||"
           " x.channel || ':' || x.recipient, x.app_id, x.endpoint_id, x.rule, x.channel,"
           " x.recipient, x.ev, x.last IS NOT NULL, 1, CASE WHEN x.last IS NULL THEN 'pending'"
           " ELSE 'waiting' END, CASE WHEN x.last IS NULL THEN $2::bigint ELSE x.last + x.win END,"
           " $2::bigint FROM x"
           " ON CONFLICT (app_id, endpoint_id, rule, channel, recipient) WHERE status = 'waiting'"
           " DO UPDATE SET events = alerts.events + 1, event_id = excluded.event_id";
  }();
  return {kSql, {TextArray(event_ids), P(ToMicros(now))}};
}

void PostgresStore::ClaimDueAlerts(std::string node, core::TimePoint now,
                                   core::TimePoint lease_until, size_t limit,
                                   Done<std::vector<Alert>> done) {
  static const std::string kSql =
      "UPDATE alerts SET lease_node = $1, lease_until = $2 WHERE id IN (SELECT id FROM alerts"
      " WHERE status IN ('pending', 'waiting') AND next_attempt_at <= $3 AND (lease_until IS NULL"
      " OR lease_until <= $3) ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)"
      " RETURNING " +
      std::string(kAlertCols);
  Write<std::vector<Alert>>(
      std::nullopt, std::move(done),
      {{kSql,
        {P(node), P(ToMicros(lease_until)), P(ToMicros(now)), P(static_cast<int64_t>(limit))}}},
      [](Result<std::vector<Rows>> r, Keys&) -> Result<std::vector<Alert>> {
        if (!r) return std::unexpected(r.error());
        std::vector<Alert> out;
        const Rows& rows = (*r)[0];
        for (int i = 0; i < rows.size(); ++i) out.push_back(ReadAlert(Row{rows, i}));
        return out;
      });
}

void PostgresStore::RecordAlert(Alert alert, std::string node, Done<void> done) {
  static const std::string kSql = FailUnless(
      "UPDATE alerts SET status = $1, attempts = $2, error = $3, next_attempt_at = $4,"
      " sent_at = $5, lease_node = NULL, lease_until = NULL WHERE id = $6 AND lease_node = $7",
      core::ErrorCode::kLeaseLost, "another node holds the alert");
  Write<void>(
      std::nullopt, std::move(done),
      {{kSql,
        {P(alert.status), P(alert.attempts), P(alert.error), P(ToMicros(alert.next_attempt_at)),
         P(ToMicros(alert.sent_at)), P(alert.id), P(node)}}},
      [](Result<std::vector<Rows>> r, Keys&) -> Status {
        if (!r) return std::unexpected(r.error());
        return {};
      });
}

Result<Page<Alert>> PostgresStore::ListAlerts(std::string_view app_id, const PageRequest& page) {
  Where where;
  where.And("app_id = {}", {P(app_id)});
  return List<Alert>(std::string("SELECT ") + kAlertCols + " FROM alerts", std::move(where), "id",
                     page, ReadAlert, [](const Alert& a) { return a.id; });
}

}  // namespace hookd::store::postgres
