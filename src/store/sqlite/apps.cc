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
  // Sources own apps of their own: not listed here.
  return List<core::App>(std::string("SELECT ") + kAppCols + " FROM apps",
                         "id <> ? AND id NOT IN (SELECT id FROM sources)",
                         {std::string(core::kOperationsAppId)}, "id", page, ReadApp,
                         [](const core::App& a) { return a.id; });
}

namespace {

// Binds ?1..?10 (kAppCols, in order) to `a`.
Stmt& BindApp(Stmt& s, const core::App& a) {
  return s.Bind(1, a.id)
      .Bind(2, a.uid)
      .Bind(3, a.name)
      .Bind(4, a.rate_limit)
      .Bind(5, EncodeMap(a.metadata))
      .Bind(6, ToMicros(a.created_at))
      .Bind(7, ToMicros(a.updated_at))
      .Bind(8, EncodeMap(a.env))
      .Bind(9, EncodeFailurePolicy(a.failure_policy))
      .Bind(10, EncodeNotifications(a.notifications));
}

}  // namespace

void SqliteStore::CreateApp(core::App app, Idempotency idem, Done<core::App> done) {
  Write<core::App>(
      std::move(idem), std::move(done), [app = std::move(app)](Db& db) -> Result<core::App> {
        static const std::string kInsert = std::string("INSERT INTO apps(") + kAppCols +
                                           ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
        auto insert = db.Prepare(kInsert);
        auto s = BindApp(insert, app).Run();
        if (!s) return Conflict(s.error(), "an application with this uid already exists");
        return app;
      });
}

void SqliteStore::UpdateApp(core::App app, Done<core::App> done) {
  Write<core::App>(
      std::nullopt, std::move(done), [app = std::move(app)](Db& db) -> Result<core::App> {
        auto update = db.Prepare(  // created_at (?6) stays as it was
            "UPDATE apps SET uid = ?2, name = ?3, rate_limit = ?4, metadata = ?5,"
            " updated_at = ?7, env = ?8, failure_policy = ?9, notifications = ?10 WHERE id = ?1");
        auto s = BindApp(update, app).Run();
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
