// Alerts in SQLite: planned with the operational event that causes them (see alert_store.h),
// claimed by senders under a lease.
#include "store/sqlite/sqlite_store_impl.h"

namespace hookd::store::sqlite {
namespace {

constexpr const char* kAlertCols =
    "id, app_id, endpoint_id, rule, channel, recipient, event_id, digest, events, status,"
    " attempts, error, next_attempt_at, created_at, sent_at";

Alert ReadAlert(Stmt& s) {
  Alert a;
  a.id = s.Text(0);
  a.app_id = s.Text(1);
  a.endpoint_id = s.Text(2);
  a.rule = s.Text(3);
  a.channel = s.Text(4);
  a.recipient = s.Text(5);
  a.event_id = s.Text(6);
  a.digest = s.Int(7) != 0;
  a.events = static_cast<int>(s.Int(8));
  a.status = s.Text(9);
  a.attempts = static_cast<int>(s.Int(10));
  a.error = s.Text(11);
  a.next_attempt_at = FromMicros(s.OptInt(12));
  a.created_at = FromMicros(s.Int(13));
  a.sent_at = FromMicros(s.OptInt(14));
  return a;
}

// The alerts of event ?1 at ?2: recipients (ev, rule, app, endpoint, window in µs, channel,
// recipient), each with the start of its open window (`last`: the latest immediate alert within
// the window), then immediate alerts or a digest counting on.
const std::string& PlanSql() {
  static const std::string kSql = [] {
    std::string rules;
    for (const char* r : kAlertingEvents)
      rules += std::string(rules.empty() ? "'" : ", '") + r + "'";
    return "WITH ev AS (SELECT m.id AS ev, m.event_type AS rule, json_extract(m.tags, '$[0]') AS"
           " app_id, json_extract(m.payload, '$.data.endpointId') AS endpoint_id FROM messages m"
           " WHERE m.id = ?1 AND m.event_type IN (" +
           rules +
           ")),"
           " cfg AS (SELECT ev.*, a.notifications AS n, COALESCE(json_extract(a.notifications,"
           "  '$.digestSeconds'), " +
           std::to_string(kDefaultDigestSeconds) +
           ") * 1000000 AS win FROM ev JOIN apps a ON a.id = ev.app_id),"
           " wants AS (SELECT * FROM cfg WHERE n IS NOT NULL AND (json_extract(n, '$.events') IS"
           "  NULL OR EXISTS (SELECT 1 FROM json_each(n, '$.events') WHERE value = cfg.rule))),"
           " r AS (SELECT ev, rule, app_id, endpoint_id, win, 'email' AS channel, j.value AS"
           "  recipient FROM wants, json_each(wants.n, '$.emails') j"
           "  UNION ALL SELECT ev, rule, app_id, endpoint_id, win, 'sms', j.value"
           "  FROM wants, json_each(wants.n, '$.phones') j"
           "  UNION ALL SELECT cfg.ev, cfg.rule, cfg.app_id, cfg.endpoint_id, cfg.win, 'fallback',"
           "  e.fallback_url FROM cfg JOIN endpoints e ON e.id = cfg.endpoint_id"
           "  WHERE e.fallback_url IS NOT NULL),"
           " x AS (SELECT r.*, (SELECT max(a.created_at) FROM alerts a WHERE a.app_id = r.app_id"
           "  AND a.endpoint_id = r.endpoint_id AND a.rule = r.rule AND a.channel = r.channel AND"
           "  a.recipient = r.recipient AND a.digest = 0 AND a.created_at > ?2 - r.win) AS last"
           "  FROM r)"
           " INSERT INTO alerts(id, app_id, endpoint_id, rule, channel, recipient, event_id,"
           " digest, events, status, next_attempt_at, created_at)"
           " SELECT x.ev || ':' || CASE WHEN x.last IS NULL THEN '' ELSE 'digest:' END ||"
           " x.channel || ':' || x.recipient, x.app_id, x.endpoint_id, x.rule, x.channel,"
           " x.recipient, x.ev, x.last IS NOT NULL, 1, CASE WHEN x.last IS NULL THEN 'pending'"
           " ELSE 'waiting' END, CASE WHEN x.last IS NULL THEN ?2 ELSE x.last + x.win END, ?2"
           " FROM x WHERE true"
           " ON CONFLICT (app_id, endpoint_id, rule, channel, recipient) WHERE status = 'waiting'"
           " DO UPDATE SET events = events + 1, event_id = excluded.event_id";
  }();
  return kSql;
}

}  // namespace

Status PlanAlerts(Db& db, const std::string& event_id, core::TimePoint now) {
  return db.Prepare(PlanSql()).Bind(1, event_id).Bind(2, ToMicros(now)).Run();
}

void SqliteStore::ClaimDueAlerts(std::string node, core::TimePoint now, core::TimePoint lease_until,
                                 size_t limit, Done<std::vector<Alert>> done) {
  Write<std::vector<Alert>>(
      std::nullopt, std::move(done),
      [node = std::move(node), now, lease_until, limit](Db& db) -> Result<std::vector<Alert>> {
        auto s = db.Prepare(
            "UPDATE alerts SET lease_node = ?1, lease_until = ?2 WHERE id IN (SELECT id FROM"
            " alerts WHERE status IN ('pending', 'waiting') AND next_attempt_at <= ?3 AND"
            " (lease_until IS NULL OR lease_until <= ?3) ORDER BY next_attempt_at LIMIT ?4)"
            " RETURNING " +
            std::string(kAlertCols));
        s.Bind(1, node).Bind(2, ToMicros(lease_until)).Bind(3, ToMicros(now));
        s.Bind(4, static_cast<int64_t>(limit));
        std::vector<Alert> out;
        while (s.Step()) out.push_back(ReadAlert(s));
        if (s.error()) return std::unexpected(*s.error());
        return out;
      });
}

void SqliteStore::RecordAlert(Alert alert, std::string node, Done<void> done) {
  Write<void>(std::nullopt, std::move(done),
              [a = std::move(alert), node = std::move(node)](Db& db) -> Status {
                auto s = db.Prepare(
                               "UPDATE alerts SET status = ?, attempts = ?, error = ?,"
                               " next_attempt_at = ?, sent_at = ?, lease_node = NULL,"
                               " lease_until = NULL WHERE id = ? AND lease_node = ?")
                             .Bind(1, a.status)
                             .Bind(2, a.attempts)
                             .Bind(3, a.error)
                             .Bind(4, ToMicros(a.next_attempt_at))
                             .Bind(5, ToMicros(a.sent_at))
                             .Bind(6, a.id)
                             .Bind(7, node)
                             .Run();
                if (!s) return s;
                if (db.Changes() == 0)
                  return core::Fail(ErrorCode::kLeaseLost, "another node holds the alert");
                return {};
              });
}

Result<Page<Alert>> SqliteStore::ListAlerts(std::string_view app_id, const PageRequest& page) {
  return List<Alert>(std::string("SELECT ") + kAlertCols + " FROM alerts", "app_id = ?",
                     {std::string(app_id)}, "id", page, ReadAlert,
                     [](const Alert& a) { return a.id; });
}

}  // namespace hookd::store::sqlite
