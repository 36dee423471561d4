#include "store/sqlite/migrations.h"

#include <string>
#include <vector>

namespace hookd::store::sqlite {
namespace {

// Append only: never edit a released migration. Times are integer microseconds since the epoch;
// list/map fields are JSON text.
const std::vector<const char*> kMigrations = {
    // 1: foundation
    R"sql(
CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  uid TEXT UNIQUE,
  name TEXT NOT NULL,
  rate_limit INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE event_types (
  name TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  deprecated INTEGER NOT NULL DEFAULT 0,
  schemas TEXT,
  feature_flags TEXT,
  group_name TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  uid TEXT,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  disabled INTEGER NOT NULL DEFAULT 0,
  event_types TEXT,
  channels TEXT,
  throttle_rate INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  metadata TEXT NOT NULL DEFAULT '{}',
  headers TEXT NOT NULL DEFAULT '{}',
  secrets TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (app_id, uid)
) WITHOUT ROWID;
CREATE INDEX endpoints_by_app ON endpoints(app_id, id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  event_id TEXT,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  channels TEXT,
  tags TEXT,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX messages_by_app ON messages(app_id, id);
-- Partial: most messages carry no eventId and cost no entry here.
CREATE UNIQUE INDEX messages_event_id ON messages(app_id, event_id) WHERE event_id IS NOT NULL;

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  app_id TEXT REFERENCES apps(id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE idempotency (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_expiry ON idempotency(expires_at);
)sql",
    // 2: delivery state and attempt history
    R"sql(
CREATE TABLE deliveries (
  msg_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  status INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  next_trigger INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (msg_id, endpoint_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_due ON deliveries(next_attempt_at, msg_id, endpoint_id)
  WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_by_endpoint ON deliveries(endpoint_id, msg_id);
CREATE INDEX deliveries_due_by_endpoint ON deliveries(endpoint_id, next_attempt_at, msg_id)
  WHERE next_attempt_at IS NOT NULL;

CREATE TABLE attempts (
  id TEXT NOT NULL,
  app_id TEXT NOT NULL,
  msg_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  response_status INTEGER NOT NULL,
  response TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  error TEXT NOT NULL,
  error_detail TEXT NOT NULL,
  trigger_type INTEGER NOT NULL,
  status INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (msg_id, id)  -- a message's history is a range of the table itself
) WITHOUT ROWID;
CREATE INDEX attempts_by_endpoint ON attempts(endpoint_id, id);
ALTER TABLE endpoints ADD COLUMN retry_schedule TEXT;
)sql",
    // 3: callback options of the provider documents
    R"sql(
ALTER TABLE apps ADD COLUMN env TEXT NOT NULL DEFAULT '{}';
ALTER TABLE endpoints ADD COLUMN options TEXT;
ALTER TABLE endpoints ADD COLUMN ephemeral INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN test_routes TEXT;
)sql",
    // 4: failure policy: rules, each endpoint's failure record, held deliveries, and the
    // operations app (its endpoints are the operational webhook endpoints)
    R"sql(
ALTER TABLE apps ADD COLUMN failure_policy TEXT;
ALTER TABLE endpoints ADD COLUMN failure_policy TEXT;
ALTER TABLE deliveries ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_held ON deliveries(endpoint_id, msg_id) WHERE held = 1;
CREATE TABLE endpoint_health (
  endpoint_id TEXT PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
  consecutive_exhausted INTEGER NOT NULL DEFAULT 0,
  failing_since INTEGER,
  last_failure_at INTEGER
) WITHOUT ROWID;
INSERT INTO apps(id, uid, name, metadata, created_at, updated_at)
  VALUES ('app_operational', NULL, 'Operational webhooks', '{}',
          CAST(strftime('%s','now') AS INTEGER) * 1000000,
          CAST(strftime('%s','now') AS INTEGER) * 1000000);
)sql",
    // 5: background tasks (replay-missing, bulk-replay, recover), leased by the node running them
    R"sql(
CREATE TABLE background_tasks (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  spec TEXT NOT NULL,
  cursor TEXT,
  sent INTEGER NOT NULL DEFAULT 0,
  lease_node TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX background_tasks_running ON background_tasks(id) WHERE status = 'running';
CREATE INDEX background_tasks_by_app ON background_tasks(app_id, id);
)sql",
    // 6: alerts to people: each app's notification list, endpoints' fallback URLs, and the
    // alerts planned from operational events (see store/alert_store.h)
    R"sql(
ALTER TABLE apps ADD COLUMN notifications TEXT;
ALTER TABLE endpoints ADD COLUMN fallback_url TEXT;
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  event_id TEXT NOT NULL,
  digest INTEGER NOT NULL,
  events INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  next_attempt_at INTEGER,
  lease_node TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  sent_at INTEGER
) WITHOUT ROWID;
CREATE INDEX alerts_by_app ON alerts(app_id, id);
CREATE INDEX alerts_due ON alerts(next_attempt_at) WHERE status IN ('pending', 'waiting');
CREATE INDEX alerts_window ON alerts(app_id, endpoint_id, rule, channel, recipient, created_at)
  WHERE digest = 0;
CREATE UNIQUE INDEX alerts_open_digest ON alerts(app_id, endpoint_id, rule, channel, recipient)
  WHERE status = 'waiting';
)sql",
    // 7: automatic recovery: a disabled endpoint's current cool-down and its next probe
    R"sql(
ALTER TABLE endpoint_health ADD COLUMN cooldown_secs INTEGER;
ALTER TABLE endpoint_health ADD COLUMN probe_at INTEGER;
CREATE INDEX endpoint_health_probes ON endpoint_health(probe_at) WHERE probe_at IS NOT NULL;
)sql",
    // 8: message completion and batches (batch_store.h)
    R"sql(
ALTER TABLE messages ADD COLUMN batch_id TEXT;
ALTER TABLE messages ADD COLUMN track_completion INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN completion_endpoint TEXT;
CREATE INDEX messages_by_batch ON messages(app_id, batch_id, id) WHERE batch_id IS NOT NULL;
ALTER TABLE deliveries ADD COLUMN last_status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN reply TEXT;
ALTER TABLE attempts ADD COLUMN reply_error TEXT NOT NULL DEFAULT '';
CREATE TABLE completion_queue (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  msg_id TEXT,    -- a message to check
  app_id TEXT,    -- or a batch
  batch_id TEXT
);
CREATE TABLE message_completions (
  msg_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  batch_id TEXT,
  status TEXT NOT NULL,
  completed_at INTEGER NOT NULL,
  destinations TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE batches (
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  expected INTEGER,
  callback_endpoint TEXT,
  created_at INTEGER NOT NULL,
  closed_at INTEGER,
  completed_at INTEGER,
  succeeded INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  killed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (app_id, id)
) WITHOUT ROWID;
)sql",
    // 9: replies expected by event type, resolved into each message when it is created
    R"sql(
ALTER TABLE event_types ADD COLUMN expects_reply INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN expects_reply INTEGER NOT NULL DEFAULT 0;
)sql",
    // 10: the inbox: sources (each owns the app of its id), their URL tokens, received requests,
    // and raw message payloads (a forwarded request's body)
    R"sql(
ALTER TABLE messages ADD COLUMN content_type TEXT;
CREATE TABLE sources (
  id TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
  uid TEXT UNIQUE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  settings TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE source_tokens (
  token TEXT PRIMARY KEY,
  source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER  -- NULL: the current token
) WITHOUT ROWID;
CREATE INDEX source_tokens_by_source ON source_tokens(source_id);
CREATE TABLE inbox_requests (
  id TEXT PRIMARY KEY,
  source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  received_at INTEGER NOT NULL,
  method TEXT NOT NULL,
  query TEXT NOT NULL,
  headers TEXT NOT NULL,
  content_type TEXT NOT NULL,
  body TEXT,            -- NULL when forwarded: the message holds it
  verdict TEXT NOT NULL,
  reason TEXT NOT NULL,
  msg_id TEXT,
  event_type TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX inbox_requests_by_source ON inbox_requests(source_id, id);
)sql",
    // 11: token capabilities: producer keys and expiring customer portal tokens
    R"sql(
ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'app';
ALTER TABLE tokens ADD COLUMN capabilities TEXT;  -- NULL: every capability (older tokens)
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE tokens ADD COLUMN session_id TEXT;
)sql",
    // 12: no query reads deliveries by endpoint in due order any more (claims sweep the global
    // due order); one B-tree fewer for every delivery written
    R"sql(
DROP INDEX IF EXISTS deliveries_due_by_endpoint;
)sql",
    // 13: delivery statistics per app and endpoint, per minute and per hour (stats_store.h)
    R"sql(
CREATE TABLE delivery_stats_minute (
  app_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,  -- '': the app's totals
  at INTEGER NOT NULL,  -- unix seconds: the minute's start
  succeeded INTEGER NOT NULL, failed INTEGER NOT NULL, first_attempts INTEGER NOT NULL,
  latency0 INTEGER NOT NULL, latency1 INTEGER NOT NULL, latency2 INTEGER NOT NULL,
  latency3 INTEGER NOT NULL, latency4 INTEGER NOT NULL, latency5 INTEGER NOT NULL,
  latency6 INTEGER NOT NULL, latency7 INTEGER NOT NULL, latency8 INTEGER NOT NULL,
  latency9 INTEGER NOT NULL, latency10 INTEGER NOT NULL, latency11 INTEGER NOT NULL,
  latency12 INTEGER NOT NULL, latency13 INTEGER NOT NULL, latency14 INTEGER NOT NULL,
  latency15 INTEGER NOT NULL, latency16 INTEGER NOT NULL, latency17 INTEGER NOT NULL,
  latency18 INTEGER NOT NULL, latency19 INTEGER NOT NULL, failed_timeout INTEGER NOT NULL,
  failed_network INTEGER NOT NULL, failed_http4xx INTEGER NOT NULL,
  failed_http5xx INTEGER NOT NULL, failed_other INTEGER NOT NULL,
  PRIMARY KEY (app_id, endpoint_id, at)
) WITHOUT ROWID;
CREATE TABLE delivery_stats_hour (
  app_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,  -- '': the app's totals
  at INTEGER NOT NULL,  -- unix seconds: the hour's start
  succeeded INTEGER NOT NULL, failed INTEGER NOT NULL, first_attempts INTEGER NOT NULL,
  latency0 INTEGER NOT NULL, latency1 INTEGER NOT NULL, latency2 INTEGER NOT NULL,
  latency3 INTEGER NOT NULL, latency4 INTEGER NOT NULL, latency5 INTEGER NOT NULL,
  latency6 INTEGER NOT NULL, latency7 INTEGER NOT NULL, latency8 INTEGER NOT NULL,
  latency9 INTEGER NOT NULL, latency10 INTEGER NOT NULL, latency11 INTEGER NOT NULL,
  latency12 INTEGER NOT NULL, latency13 INTEGER NOT NULL, latency14 INTEGER NOT NULL,
  latency15 INTEGER NOT NULL, latency16 INTEGER NOT NULL, latency17 INTEGER NOT NULL,
  latency18 INTEGER NOT NULL, latency19 INTEGER NOT NULL, failed_timeout INTEGER NOT NULL,
  failed_network INTEGER NOT NULL, failed_http4xx INTEGER NOT NULL,
  failed_http5xx INTEGER NOT NULL, failed_other INTEGER NOT NULL,
  PRIMARY KEY (app_id, endpoint_id, at)
) WITHOUT ROWID;
ALTER TABLE background_tasks ADD COLUMN result TEXT;  -- application.stats: what it found
)sql",
};

}  // namespace

core::Status Migrate(Db& db) {
  if (auto s = db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                       " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
      !s)
    return s;
  int64_t current = 0;
  {
    auto q = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (q.Step()) current = q.Int(0);
  }
  if (current > static_cast<int64_t>(kMigrations.size())) {
    return core::Fail(core::ErrorCode::kInternal, "database schema version " +
                                                      std::to_string(current) +
                                                      " is newer than this hookd supports (" +
                                                      std::to_string(kMigrations.size()) + ")");
  }
  for (size_t v = current + 1; v <= kMigrations.size(); ++v) {
    if (auto s = db.Exec("BEGIN IMMEDIATE"); !s) return s;
    auto s = db.Exec(kMigrations[v - 1]);
    if (s) {
      s = db.Prepare(
                "INSERT INTO schema_migrations(version, applied_at)"
                " VALUES (?, CAST(strftime('%s','now') AS INTEGER) * 1000000)")
              .Bind(1, static_cast<int64_t>(v))
              .Run();
    }
    if (!s) {
      (void)db.Exec("ROLLBACK");
      return core::Fail(core::ErrorCode::kInternal,
                        "migration " + std::to_string(v) + " failed: " + s.error().detail);
    }
    if (auto c = db.Exec("COMMIT"); !c) return c;
  }
  return {};
}

}  // namespace hookd::store::sqlite
