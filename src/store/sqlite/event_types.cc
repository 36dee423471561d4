// Event types in SQLite.
#include "store/sqlite/sqlite_store_impl.h"

namespace hookd::store::sqlite {

Result<core::EventType> SqliteStore::GetEventType(std::string_view name) {
  return ReadOne<core::EventType>(
      std::string("SELECT ") + kEventTypeCols + " FROM event_types WHERE name = ?1 OR id = ?1",
      {std::string(name)}, ReadEventType, "event type");
}

Result<Page<core::EventType>> SqliteStore::ListEventTypes(const PageRequest& page,
                                                          bool include_archived) {
  return List<core::EventType>(std::string("SELECT ") + kEventTypeCols + " FROM event_types",
                               include_archived ? "" : "archived = 0", {}, "name", page,
                               ReadEventType, [](const core::EventType& e) { return e.name; });
}

void SqliteStore::CreateEventType(core::EventType et, Idempotency idem,
                                  Done<core::EventType> done) {
  Write<core::EventType>(
      std::move(idem), std::move(done), [et = std::move(et)](Db& db) -> Result<core::EventType> {
        auto s = BindEventType(db.Prepare(std::string("INSERT INTO event_types(") + kEventTypeCols +
                                          ") VALUES (?,?,?,?,?,?,?,?,?,?,?)"),
                               et)
                     .Run();
        if (!s) return Conflict(s.error(), "an event type with this name already exists");
        return et;
      });
}

void SqliteStore::UpdateEventType(core::EventType et, Idempotency idem,
                                  Done<core::EventType> done) {
  Write<core::EventType>(
      std::move(idem), std::move(done), [et = std::move(et)](Db& db) -> Result<core::EventType> {
        auto s = BindEventType(db.Prepare("UPDATE event_types SET id=?1, name=?2, description=?3,"
                                          " archived=?4, deprecated=?5, schemas=?6,"
                                          " feature_flags=?7, group_name=?8, created_at=?9,"
                                          " updated_at=?10, expects_reply=?11 WHERE id=?1"),
                               et)
                     .Run();
        if (!s) return std::unexpected(s.error());
        if (db.Changes() == 0) return core::NotFound("event type");
        return et;
      });
}

void SqliteStore::DeleteEventType(std::string name, Done<void> done) {
  Write<void>(std::nullopt, std::move(done), [name = std::move(name)](Db& db) -> Status {
    if (auto s = db.Prepare("DELETE FROM event_types WHERE name=?").Bind(1, name).Run(); !s)
      return s;
    if (db.Changes() == 0) return core::NotFound("event type");
    return {};
  });
}

}  // namespace hookd::store::sqlite
