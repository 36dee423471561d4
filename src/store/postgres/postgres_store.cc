#include "store/postgres/postgres_store.h"

#include "core/time_format.h"
#include "store/postgres/migrations.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {

using core::ToMicros;

PostgresStore::PostgresStore(PostgresOptions options, const core::Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      pool_(options_.url, health_),
      writer_(
          options_.url, health_,
          {.max_batch = options_.max_batch,
           .linger = std::chrono::microseconds(options_.linger_us),
           .maintenance =
               [this](Conn& conn) {
                 PurgeExpired(conn);
                 RollUpStats(conn);
               },
           .maintenance_interval = options_.maintenance_interval,
           .stats_queries =
               [this](std::vector<StatsBatch::Row> rows) { return StatsQueries(std::move(rows)); },
           .made_due =
               [this] {
                 if (wake_) wake_();
               }}),
      listener_(
          options_.url, health_, [this] { return writer_.backend_pid(); },
          [this] {
            foreign_due_ = true;
            if (wake_) wake_();
          }) {}

Status PostgresStore::Init() {
  auto conn = Conn::Open(options_.url);
  if (!conn) {
    return core::Fail(core::ErrorCode::kUnavailable,
                      "cannot connect to PostgreSQL: " + conn.error().detail);
  }
  if (auto s = Migrate(**conn); !s) return s;
  writer_.Start(std::move(*conn));
  claims_.Start();
  listener_.Start();
  started_ = true;
  return {};
}

void PostgresStore::Close() {
  if (!started_) return;
  started_ = false;
  claims_.Stop();
  writer_.Stop();
  listener_.Stop();
  pool_.Close();
}

StoreStats PostgresStore::Stats() const {
  // Each COMMIT is durable when it returns: one sync per commit.
  return {writer_.writes(), writer_.commits(), writer_.commits(), outcomes_refused_.load()};
}

void PostgresStore::Barrier(Done<void> done) {
  Write<void>(std::nullopt, std::move(done), {},
              [](Result<std::vector<Rows>>, Keys&) -> Status { return {}; });
}

std::string FailUnless(std::string_view modify, core::ErrorCode code, std::string_view detail) {
  return "WITH w AS (" + std::string(modify) + " RETURNING 1) SELECT hookd_fail('" +
         std::string(SqlStateOf(code)) + "', '" + std::string(detail) +
         "') WHERE NOT EXISTS (SELECT 1 FROM w)";
}

Query PostgresStore::IdempotencyQuery(const core::IdempotencyRecord& r) const {
  // An expired record is replaced.
  static const std::string kSql = FailUnless(
      "INSERT INTO idempotency(scope, key, fingerprint, status, body, expires_at)"
      " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key) DO UPDATE SET"
      " fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, body = EXCLUDED.body,"
      " expires_at = EXCLUDED.expires_at WHERE idempotency.expires_at <= $7",
      core::ErrorCode::kIdempotencyTaken, "idempotency key already used");
  return {kSql,
          {P(r.scope), P(r.key), P(r.fingerprint), P(r.status), P(r.body),
           P(ToMicros(r.expires_at)), P(ToMicros(clock_.Now()))}};
}

void PostgresStore::PurgeExpired(Conn& conn) {
  (void)conn.Exec(
      "DELETE FROM idempotency WHERE (scope, key) IN (SELECT scope, key FROM"
      " idempotency WHERE expires_at <= $1 ORDER BY expires_at LIMIT 10000)",
      {P(ToMicros(clock_.Now()))});
}

std::unique_ptr<Store> MakePostgresStore(PostgresOptions options, const core::Clock& clock) {
  return std::make_unique<PostgresStore>(std::move(options), clock);
}

}  // namespace hookd::store::postgres
