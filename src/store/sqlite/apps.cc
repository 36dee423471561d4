// Applications in SQLite.
#include "core/ops_events.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace hookd::store::sqlite {

Result<core::App> SqliteStore::GetApp(std::string_view ref) {
  return ReadOne<core::App>(
      std::string("SELECT ") + kAppCols + " FROM apps WHERE id = ?1 OR uid = ?1",
      {std::string(ref)}, ReadApp, "application");
}

Result<Page<core::App>> SqliteStore::ListApps(const PageRequest& page) {
  return List<core::App>(std::string("SELECT ") + kAppCols + " FROM apps", "id <> ?",
                         {std::string(core::kOperationsAppId)}, "id", page, ReadApp,
                         [](const core::App& a) { return a.id; });
}

void SqliteStore::CreateApp(core::App app, Idempotency idem, Done<core::App> done) {
  Write<core::App>(
      std::move(idem), std::move(done), [app = std::move(app)](Db& db) -> Result<core::App> {
        auto s =
            db.Prepare(
                  "INSERT INTO apps(id, uid, name, rate_limit, metadata, created_at,"
                  " updated_at, env, failure_policy, notifications) VALUES (?,?,?,?,?,?,?,?,?,?)")
                .Bind(1, app.id)
                .Bind(2, app.uid)
                .Bind(3, app.name)
                .Bind(4, app.rate_limit)
                .Bind(5, EncodeMap(app.metadata))
                .Bind(6, ToMicros(app.created_at))
                .Bind(7, ToMicros(app.updated_at))
                .Bind(8, EncodeMap(app.env))
                .Bind(9, EncodeFailurePolicy(app.failure_policy))
                .Bind(10, EncodeNotifications(app.notifications))
                .Run();
        if (!s) return Conflict(s.error(), "an application with this uid already exists");
        return app;
      });
}

void SqliteStore::UpdateApp(core::App app, Done<core::App> done) {
  Write<core::App>(
      std::nullopt, std::move(done), [app = std::move(app)](Db& db) -> Result<core::App> {
        auto s = db.Prepare(
                       "UPDATE apps SET uid=?, name=?, rate_limit=?, metadata=?, updated_at=?,"
                       " env=?, failure_policy=?, notifications=? WHERE id=?")
                     .Bind(1, app.uid)
                     .Bind(2, app.name)
                     .Bind(3, app.rate_limit)
                     .Bind(4, EncodeMap(app.metadata))
                     .Bind(5, ToMicros(app.updated_at))
                     .Bind(6, EncodeMap(app.env))
                     .Bind(7, EncodeFailurePolicy(app.failure_policy))
                     .Bind(8, EncodeNotifications(app.notifications))
                     .Bind(9, app.id)
                     .Run();
        if (!s) return Conflict(s.error(), "an application with this uid already exists");
        if (db.Changes() == 0) return core::NotFound("application");
        return app;
      });
}

void SqliteStore::DeleteApp(std::string id, Done<void> done) {
  Write<void>(std::nullopt, std::move(done), [id = std::move(id)](Db& db) -> Status {
    if (auto s = db.Prepare("DELETE FROM apps WHERE id=?").Bind(1, id).Run(); !s) return s;
    if (db.Changes() == 0) return core::NotFound("application");
    return {};
  });
}

}  // namespace hookd::store::sqlite
