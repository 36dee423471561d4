// Applications.
#include "core/ops_events.h"
#include "core/time_format.h"
#include "store/json_fields.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {

using core::ToMicros;

Result<core::App> PostgresStore::GetApp(std::string_view ref) {
  return ReadOne<core::App>(
      {std::string("SELECT ") + kAppCols + " FROM apps WHERE id = $1 OR uid = $1", {P(ref)}},
      [](const Row& r) { return ReadApp(r); }, "application");
}

Result<Page<core::App>> PostgresStore::ListApps(const PageRequest& page) {
  Where where;
  where.And("id <> {}", {P(core::kOperationsAppId)});
  where.And("id NOT IN (SELECT id FROM sources)");  // sources own apps of their own
  return List<core::App>(
      std::string("SELECT ") + kAppCols + " FROM apps", std::move(where), "id", page,
      [](const Row& r) { return ReadApp(r); }, [](const core::App& a) { return a.id; });
}

void PostgresStore::CreateApp(core::App app, Idempotency idem, Done<core::App> done) {
  Query q{"INSERT INTO apps(" + std::string(kAppCols) + ") VALUES (" + Placeholders(1, 10) + ")",
          {P(app.id), P(app.uid), P(app.name), P(app.rate_limit), EncodeMap(app.metadata),
           P(ToMicros(app.created_at)), P(ToMicros(app.updated_at)), EncodeMap(app.env),
           EncodeFailurePolicy(app.failure_policy), EncodeNotifications(app.notifications)}};
  Write<core::App>(std::move(idem), std::move(done), {std::move(q)},
                   [app = std::move(app)](Result<std::vector<Rows>> r, Keys&) -> Result<core::App> {
                     if (!r)
                       return Conflict(r.error(), "an application with this uid already exists");
                     return app;
                   });
}

void PostgresStore::UpdateApp(core::App app, Done<core::App> done) {
  static const std::string kSql = OrNotFound(
      "UPDATE apps SET uid = $2, name = $3, rate_limit = $4, metadata = $5,"
      " updated_at = $6, env = $7, failure_policy = $8, notifications = $9 WHERE id = $1",
      "application");
  Query q{kSql,
          {P(app.id), P(app.uid), P(app.name), P(app.rate_limit), EncodeMap(app.metadata),
           P(ToMicros(app.updated_at)), EncodeMap(app.env), EncodeFailurePolicy(app.failure_policy),
           EncodeNotifications(app.notifications)}};
  Write<core::App>(std::nullopt, std::move(done), {std::move(q)},
                   [app = std::move(app)](Result<std::vector<Rows>> r, Keys&) -> Result<core::App> {
                     if (!r)
                       return Conflict(r.error(), "an application with this uid already exists");
                     return app;
                   });
}

void PostgresStore::DeleteApp(std::string id, Done<void> done) {
  static const std::string kSql = OrNotFound("DELETE FROM apps WHERE id = $1", "application");
  Write<void>(std::nullopt, std::move(done), {{kSql, {P(id)}}},
              [](Result<std::vector<Rows>> r, Keys&) -> Status {
                if (!r) return std::unexpected(r.error());
                return {};
              });
}

}  // namespace hookd::store::postgres
