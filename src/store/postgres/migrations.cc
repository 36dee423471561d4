#include "store/postgres/migrations.h"

#include <string>
#include <vector>

namespace hookd::store::postgres {
namespace {

// Keys the advisory lock of migrations (any constant unlikely to be used by others).
constexpr int64_t kMigrationLock = 0x686f6f6b64;  // "hookd"

// Append only: never edit a released migration. The tables of the SQLite store's migrations with
// PostgreSQL types: times are BIGINT microseconds since the epoch; list fields the fan-out rule
// and the filters test membership of are JSONB, other JSON-valued fields TEXT as json_fields.h
// encodes them (payloads byte for byte). Keys collate as bytes ("C"), as in SQLite, so pages and
// the due order do not depend on the database's collation. Deliveries carry their claim:
// lease_node, lease_until.
const std::vector<const char*> kMigrations = {
    // 1: the schema of SQLite's migrations 1-3, and claims
    R"sql(
CREATE TABLE apps (
  id TEXT COLLATE "C" PRIMARY KEY,
  uid TEXT UNIQUE,
  name TEXT NOT NULL,
  rate_limit INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  env TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE event_types (
  name TEXT COLLATE "C" PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  archived BOOLEAN NOT NULL DEFAULT false,
  deprecated BOOLEAN NOT NULL DEFAULT false,
  schemas TEXT,
  feature_flags JSONB,
  group_name TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE endpoints (
  id TEXT COLLATE "C" PRIMARY KEY,
  app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  uid TEXT,
  url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  disabled BOOLEAN NOT NULL DEFAULT false,
  event_types JSONB,
  channels JSONB,
  throttle_rate INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  metadata TEXT NOT NULL DEFAULT '{}',
  headers TEXT NOT NULL DEFAULT '{}',
  secrets TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  retry_schedule TEXT,
  options TEXT,
  ephemeral BOOLEAN NOT NULL DEFAULT false,
  UNIQUE (app_id, uid)
);
CREATE INDEX endpoints_by_app ON endpoints(app_id, id);

CREATE TABLE messages (
  id TEXT COLLATE "C" PRIMARY KEY,
  app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  event_id TEXT,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  channels JSONB,
  tags JSONB,
  created_at BIGINT NOT NULL,
  test_routes TEXT
);
CREATE INDEX messages_by_app ON messages(app_id, id);
CREATE UNIQUE INDEX messages_event_id ON messages(app_id, event_id) WHERE event_id IS NOT NULL;

CREATE TABLE tokens (
  id TEXT COLLATE "C" PRIMARY KEY,
  hash TEXT NOT NULL UNIQUE,
  app_id TEXT COLLATE "C" REFERENCES apps(id) ON DELETE CASCADE,
  name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX tokens_by_app ON tokens(app_id);

CREATE TABLE idempotency (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_expiry ON idempotency(expires_at);

CREATE TABLE deliveries (
  msg_id TEXT COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  app_id TEXT COLLATE "C" NOT NULL,
  status INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  next_trigger INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  lease_node TEXT,
  lease_until BIGINT,
  PRIMARY KEY (msg_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at, msg_id, endpoint_id)
  WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_by_endpoint ON deliveries(endpoint_id, msg_id);
CREATE INDEX deliveries_leased ON deliveries(lease_node) WHERE lease_node IS NOT NULL;

CREATE TABLE attempts (
  id TEXT COLLATE "C" NOT NULL,
  app_id TEXT COLLATE "C" NOT NULL,
  msg_id TEXT COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES endpoints(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  response_status INTEGER NOT NULL,
  response TEXT NOT NULL,
  duration_ms BIGINT NOT NULL,
  error TEXT NOT NULL,
  error_detail TEXT NOT NULL,
  trigger_type INTEGER NOT NULL,
  status INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (msg_id, id)
);
CREATE INDEX attempts_by_endpoint ON attempts(endpoint_id, id);
CREATE INDEX attempts_by_app ON attempts(app_id, id);
)sql",
    // 2: hookd_fail raises an error with a given SQLSTATE. The writer rolls a write back only on
    // a statement error, so post-conditions (not found, idempotency key taken, lease lost) raise
    // one (see FailUnless in store_impl.h, ErrorOf in conn.cc).
    R"sql(
CREATE FUNCTION hookd_fail(code text, message text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
END $$;
)sql",
    // 3: the nodes that claim deliveries, alive until their last renewal's lease ends
    R"sql(
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  alive_until BIGINT NOT NULL
);
)sql",
    // 4: failure policy: rules, each endpoint's failure record, held deliveries, and the
    // operations app (its endpoints are the operational webhook endpoints)
    R"sql(
ALTER TABLE apps ADD COLUMN failure_policy TEXT;
ALTER TABLE endpoints ADD COLUMN failure_policy TEXT;
ALTER TABLE deliveries ADD COLUMN held BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX deliveries_held ON deliveries(endpoint_id, msg_id) WHERE held;
CREATE TABLE endpoint_health (
  endpoint_id TEXT COLLATE "C" PRIMARY KEY REFERENCES endpoints(id) ON DELETE CASCADE,
  consecutive_exhausted INTEGER NOT NULL DEFAULT 0,
  failing_since BIGINT,
  last_failure_at BIGINT
);
INSERT INTO apps(id, uid, name, metadata, created_at, updated_at)
  VALUES ('app_operational', NULL, 'Operational webhooks', '{}',
          (extract(epoch FROM now()) * 1000000)::bigint,
          (extract(epoch FROM now()) * 1000000)::bigint);
)sql",
    // 5: background tasks (replay-missing, bulk-replay, recover), leased by the node running them
    R"sql(
CREATE TABLE background_tasks (
  id TEXT COLLATE "C" PRIMARY KEY,
  app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  spec TEXT NOT NULL,
  cursor TEXT COLLATE "C",
  sent BIGINT NOT NULL DEFAULT 0,
  lease_node TEXT,
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX background_tasks_running ON background_tasks(id) WHERE status = 'running';
CREATE INDEX background_tasks_by_app ON background_tasks(app_id, id);
)sql",
    // 6: alerts to people: each app's notification list, endpoints' fallback URLs, and the
    // alerts planned from operational events (see store/alert_store.h)
    R"sql(
ALTER TABLE apps ADD COLUMN notifications TEXT;
ALTER TABLE endpoints ADD COLUMN fallback_url TEXT;
CREATE TABLE alerts (
  id TEXT COLLATE "C" PRIMARY KEY,
  app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  event_id TEXT NOT NULL,
  digest BOOLEAN NOT NULL,
  events INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  next_attempt_at BIGINT,
  lease_node TEXT,
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  sent_at BIGINT
);
CREATE INDEX alerts_by_app ON alerts(app_id, id);
CREATE INDEX alerts_due ON alerts(next_attempt_at) WHERE status IN ('pending', 'waiting');
CREATE INDEX alerts_window ON alerts(app_id, endpoint_id, rule, channel, recipient, created_at)
  WHERE NOT digest;
CREATE UNIQUE INDEX alerts_open_digest ON alerts(app_id, endpoint_id, rule, channel, recipient)
  WHERE status = 'waiting';
)sql",
    // 7: automatic recovery: a disabled endpoint's current cool-down and its next probe
    R"sql(
ALTER TABLE endpoint_health ADD COLUMN cooldown_secs BIGINT;
ALTER TABLE endpoint_health ADD COLUMN probe_at BIGINT;
CREATE INDEX endpoint_health_probes ON endpoint_health(probe_at) WHERE probe_at IS NOT NULL;
)sql",
    // 8: message completion and batches (batch_store.h)
    R"sql(
ALTER TABLE messages ADD COLUMN batch_id TEXT;
ALTER TABLE messages ADD COLUMN track_completion BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN completion_endpoint TEXT;
CREATE INDEX messages_by_batch ON messages(app_id, batch_id, id) WHERE batch_id IS NOT NULL;
ALTER TABLE deliveries ADD COLUMN last_status INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN reply TEXT;
ALTER TABLE attempts ADD COLUMN reply_error TEXT NOT NULL DEFAULT '';
CREATE TABLE completion_queue (
  id BIGSERIAL PRIMARY KEY,
  msg_id TEXT,    -- a message to check
  app_id TEXT,    -- or a batch
  batch_id TEXT
);
CREATE TABLE message_completions (
  msg_id TEXT COLLATE "C" PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL,
  batch_id TEXT,
  status TEXT NOT NULL,
  completed_at BIGINT NOT NULL,
  destinations TEXT NOT NULL
);
CREATE TABLE batches (
  app_id TEXT COLLATE "C" NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  id TEXT COLLATE "C" NOT NULL,
  expected BIGINT,
  callback_endpoint TEXT,
  created_at BIGINT NOT NULL,
  closed_at BIGINT,
  completed_at BIGINT,
  succeeded BIGINT NOT NULL DEFAULT 0,
  failed BIGINT NOT NULL DEFAULT 0,
  killed BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (app_id, id)
);
)sql",
    // 9: replies expected by event type, resolved into each message when it is created
    R"sql(
ALTER TABLE event_types ADD COLUMN expects_reply BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN expects_reply BOOLEAN NOT NULL DEFAULT false;
)sql",
    // 10: the inbox: sources (each owns the app of its id), their URL tokens, received requests,
    // and raw message payloads (a forwarded request's body)
    R"sql(
ALTER TABLE messages ADD COLUMN content_type TEXT;
CREATE TABLE sources (
  id TEXT COLLATE "C" PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
  uid TEXT UNIQUE,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  settings TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE source_tokens (
  token TEXT PRIMARY KEY,
  source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT  -- NULL: the current token
);
CREATE INDEX source_tokens_by_source ON source_tokens(source_id);
CREATE TABLE inbox_requests (
  id TEXT COLLATE "C" PRIMARY KEY,
  source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  received_at BIGINT NOT NULL,
  method TEXT NOT NULL,
  query TEXT NOT NULL,
  headers TEXT NOT NULL,
  content_type TEXT NOT NULL,
  body TEXT,            -- NULL when forwarded: the message holds it
  verdict TEXT NOT NULL,
  reason TEXT NOT NULL,
  msg_id TEXT,
  event_type TEXT NOT NULL
);
CREATE INDEX inbox_requests_by_source ON inbox_requests(source_id, id);
)sql",
    // 11: token capabilities: producer keys and expiring customer portal tokens
    R"sql(
ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'app';
ALTER TABLE tokens ADD COLUMN capabilities TEXT;  -- NULL: every capability (older tokens)
ALTER TABLE tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE tokens ADD COLUMN session_id TEXT;
)sql",
    // 12: delivery statistics per app and endpoint, per minute and per hour (stats_store.h)
    R"sql(
CREATE TABLE delivery_stats_minute (
  app_id TEXT COLLATE "C" NOT NULL,
  endpoint_id TEXT COLLATE "C" NOT NULL,  -- '': the app's totals
  at BIGINT NOT NULL,  -- unix seconds: the minute's start
  succeeded BIGINT NOT NULL, failed BIGINT NOT NULL, first_attempts BIGINT NOT NULL,
  latency0 BIGINT NOT NULL, latency1 BIGINT NOT NULL, latency2 BIGINT NOT NULL,
  latency3 BIGINT NOT NULL, latency4 BIGINT NOT NULL, latency5 BIGINT NOT NULL,
  latency6 BIGINT NOT NULL, latency7 BIGINT NOT NULL, latency8 BIGINT NOT NULL,
  latency9 BIGINT NOT NULL, latency10 BIGINT NOT NULL, latency11 BIGINT NOT NULL,
  latency12 BIGINT NOT NULL, latency13 BIGINT NOT NULL, latency14 BIGINT NOT NULL,
  latency15 BIGINT NOT NULL, latency16 BIGINT NOT NULL, latency17 BIGINT NOT NULL,
  latency18 BIGINT NOT NULL, latency19 BIGINT NOT NULL, failed_timeout BIGINT NOT NULL,
  failed_network BIGINT NOT NULL, failed_http4xx BIGINT NOT NULL, failed_http5xx BIGINT NOT NULL,
  failed_other BIGINT NOT NULL,
  PRIMARY KEY (app_id, endpoint_id, at)
);
CREATE TABLE delivery_stats_hour (
  app_id TEXT COLLATE "C" NOT NULL,
  endpoint_id TEXT COLLATE "C" NOT NULL,  -- '': the app's totals
  at BIGINT NOT NULL,  -- unix seconds: the hour's start
  succeeded BIGINT NOT NULL, failed BIGINT NOT NULL, first_attempts BIGINT NOT NULL,
  latency0 BIGINT NOT NULL, latency1 BIGINT NOT NULL, latency2 BIGINT NOT NULL,
  latency3 BIGINT NOT NULL, latency4 BIGINT NOT NULL, latency5 BIGINT NOT NULL,
  latency6 BIGINT NOT NULL, latency7 BIGINT NOT NULL, latency8 BIGINT NOT NULL,
  latency9 BIGINT NOT NULL, latency10 BIGINT NOT NULL, latency11 BIGINT NOT NULL,
  latency12 BIGINT NOT NULL, latency13 BIGINT NOT NULL, latency14 BIGINT NOT NULL,
  latency15 BIGINT NOT NULL, latency16 BIGINT NOT NULL, latency17 BIGINT NOT NULL,
  latency18 BIGINT NOT NULL, latency19 BIGINT NOT NULL, failed_timeout BIGINT NOT NULL,
  failed_network BIGINT NOT NULL, failed_http4xx BIGINT NOT NULL, failed_http5xx BIGINT NOT NULL,
  failed_other BIGINT NOT NULL,
  PRIMARY KEY (app_id, endpoint_id, at)
);
ALTER TABLE background_tasks ADD COLUMN result TEXT;  -- application.stats: what it found
)sql",
};

}  // namespace

Status Migrate(Conn& conn) {
  if (auto s = conn.ExecScript("BEGIN"); !s) return s;
  auto fail = [&conn](std::string detail) {
    (void)conn.ExecScript("ROLLBACK");
    return core::Fail(core::ErrorCode::kInternal, std::move(detail));
  };
  auto s = conn.ExecScript("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) +
                           ");"
                           "CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
  if (!s) return fail("cannot lock migrations: " + s.error().detail);
  auto current = conn.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!current) return fail("cannot read the schema version: " + current.error().detail);
  int64_t version = current->Int(0, 0);
  if (version > static_cast<int64_t>(kMigrations.size())) {
    return fail("database schema version " + std::to_string(version) +
                " is newer than this hookd supports (" + std::to_string(kMigrations.size()) + ")");
  }
  for (size_t v = version + 1; v <= kMigrations.size(); ++v) {
    auto m = conn.ExecScript(kMigrations[v - 1]);
    if (m) {
      auto r = conn.Exec(
          "INSERT INTO schema_migrations(version, applied_at)"
          " VALUES ($1, (extract(epoch FROM now()) * 1000000)::bigint)",
          {P(static_cast<int64_t>(v))});
      if (!r) m = std::unexpected(r.error());
    }
    if (!m) return fail("migration " + std::to_string(v) + " failed: " + m.error().detail);
  }
  return conn.ExecScript("COMMIT");
}

}  // namespace hookd::store::postgres
