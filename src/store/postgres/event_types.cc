// Event types.
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {

Result<core::EventType> PostgresStore::GetEventType(std::string_view name) {
  return ReadOne<core::EventType>(
      {std::string("SELECT ") + kEventTypeCols + " FROM event_types WHERE name = $1 OR id = $1",
       {P(name)}},
      [](const Row& r) { return ReadEventType(r); }, "event type");
}

Result<Page<core::EventType>> PostgresStore::ListEventTypes(const PageRequest& page,
                                                            bool include_archived) {
  Where where;
  if (!include_archived) where.And("NOT archived");
  return List<core::EventType>(
      std::string("SELECT ") + kEventTypeCols + " FROM event_types", std::move(where), "name", page,
      [](const Row& r) { return ReadEventType(r); },
      [](const core::EventType& e) { return e.name; });
}

void PostgresStore::CreateEventType(core::EventType et, Idempotency idem,
                                    Done<core::EventType> done) {
  Query q{"INSERT INTO event_types(" + std::string(kEventTypeCols) + ") VALUES (" +
              Placeholders(1, 11) + ")",
          EventTypeParams(et)};
  Write<core::EventType>(
      std::move(idem), std::move(done), {std::move(q)},
      [et = std::move(et)](Result<std::vector<Rows>> r, Keys&) -> Result<core::EventType> {
        if (!r) return Conflict(r.error(), "an event type with this name already exists");
        return et;
      });
}

void PostgresStore::UpdateEventType(core::EventType et, Idempotency idem,
                                    Done<core::EventType> done) {
  static const std::string kSql = OrNotFound(
      "UPDATE event_types SET id = $1, name = $2, description = $3, archived = $4,"
      " deprecated = $5, schemas = $6, feature_flags = $7, group_name = $8, created_at = $9,"
      " updated_at = $10, expects_reply = $11 WHERE id = $1",
      "event type");
  Query q{kSql, EventTypeParams(et)};
  Write<core::EventType>(
      std::move(idem), std::move(done), {std::move(q)},
      [et = std::move(et)](Result<std::vector<Rows>> r, Keys&) -> Result<core::EventType> {
        if (!r) return std::unexpected(r.error());
        return et;
      });
}

void PostgresStore::DeleteEventType(std::string name, Done<void> done) {
  static const std::string kSql =
      OrNotFound("DELETE FROM event_types WHERE name = $1", "event type");
  Write<void>(std::nullopt, std::move(done), {{kSql, {P(name)}}},
              [](Result<std::vector<Rows>> r, Keys&) -> Status {
                if (!r) return std::unexpected(r.error());
                return {};
              });
}

}  // namespace hookd::store::postgres
