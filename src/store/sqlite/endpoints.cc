// Endpoints in SQLite.
#include "store/sqlite/sqlite_store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::sqlite {

Result<core::Endpoint> SqliteStore::GetEndpoint(std::string_view app_id, std::string_view ref) {
  return ReadOne<core::Endpoint>(std::string("SELECT ") + kEndpointCols +
                                     " FROM endpoints WHERE app_id = ?1 AND (id = ?2 OR uid = ?2)",
                                 {std::string(app_id), std::string(ref)}, ReadEndpoint, "endpoint");
}

Result<Page<core::Endpoint>> SqliteStore::ListEndpoints(std::string_view app_id,
                                                        const PageRequest& page) {
  return List<core::Endpoint>(std::string("SELECT ") + kEndpointCols + " FROM endpoints",
                              "app_id = ? AND ephemeral = 0", {std::string(app_id)}, "id", page,
                              ReadEndpoint, [](const core::Endpoint& e) { return e.id; });
}

Result<std::vector<core::Endpoint>> SqliteStore::ListSubscribedEndpoints(const core::Message& msg) {
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  auto s = (*db)->Prepare("SELECT " + Prefixed("e", kEndpointCols) +
                          " FROM endpoints e WHERE e.app_id = ?3 AND e.disabled = 0 AND " +
                          kSubscribes + " ORDER BY e.id");
  s.Bind(3, msg.app_id).Bind(4, msg.event_type).Bind(5, EncodeList(msg.channels));
  std::vector<core::Endpoint> out;
  while (s.Step()) out.push_back(ReadEndpoint(s));
  if (s.error()) return std::unexpected(*s.error());
  return out;
}

Status ReleaseHeld(Db& db, const std::string& endpoint_id, int64_t now_us) {
  static const std::string kSql = WithStates(
      "UPDATE deliveries SET held = 0, next_attempt_at = ?1, updated_at = ?1"
      " WHERE endpoint_id = ?2 AND held = 1 AND status = {pending}");
  return db.Prepare(kSql).Bind(1, now_us).Bind(2, endpoint_id).Run();
}

void SqliteStore::CreateEndpoint(core::Endpoint ep, Idempotency idem,
                                 std::vector<core::OpsEvent> events, Done<core::Endpoint> done) {
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<core::Endpoint>(
      std::move(idem), std::move(done),
      [ep = std::move(ep), events = std::move(events), due,
       this](Db& db) -> Result<core::Endpoint> {
        due->clear();
        auto s = BindEndpoint(db.Prepare(kInsertEndpoint), ep).Run();
        if (!s) return Conflict(s.error(), "an endpoint with this uid already exists");
        if (auto e = InsertOpsEvents(db, events, clock_.Now(), *due); !e)
          return std::unexpected(e.error());
        return ep;
      },
      due);
}

void SqliteStore::UpdateEndpoint(core::Endpoint ep, Idempotency idem,
                                 std::vector<core::OpsEvent> events, Done<core::Endpoint> done) {
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<core::Endpoint>(
      std::move(idem), std::move(done),
      [ep = std::move(ep), events = std::move(events), due,
       this](Db& db) -> Result<core::Endpoint> {
        due->clear();
        auto now = ToMicros(clock_.Now());
        if (!ep.disabled) {  // enabling a disabled endpoint starts its failure record afresh
          auto s = db.Prepare(
                         "DELETE FROM endpoint_health WHERE endpoint_id = ?1 AND EXISTS"
                         " (SELECT 1 FROM endpoints WHERE id = ?1 AND disabled)")
                       .Bind(1, ep.id)
                       .Run();
          if (!s) return std::unexpected(s.error());
        }
        auto s = BindEndpoint(db.Prepare("UPDATE endpoints SET uid=?3, url=?4, description=?5,"
                                         " disabled=?6, event_types=?7, channels=?8,"
                                         " throttle_rate=?9, version=?10, metadata=?11,"
                                         " headers=?12, secrets=?13, created_at=?14,"
                                         " updated_at=?15, retry_schedule=?16, options=?17,"
                                         " ephemeral=?18, failure_policy=?19, fallback_url=?20"
                                         " WHERE id=?1 AND app_id=?2"),
                              ep)
                     .Run();
        if (!s) return Conflict(s.error(), "an endpoint with this uid already exists");
        if (db.Changes() == 0) return core::NotFound("endpoint");
        if (!ep.disabled) {
          if (s = ReleaseHeld(db, ep.id, now); !s) return std::unexpected(s.error());
        }
        if (auto e = InsertOpsEvents(db, events, clock_.Now(), *due); !e)
          return std::unexpected(e.error());
        return ep;
      },
      due);
}

void SqliteStore::DeleteEndpoint(std::string app_id, std::string id,
                                 std::vector<core::OpsEvent> events, Done<void> done) {
  auto due = std::make_shared<std::vector<core::DueDelivery>>();
  Write<void>(
      std::nullopt, std::move(done),
      [app_id = std::move(app_id), id = std::move(id), events = std::move(events), due,
       this](Db& db) -> Status {
        due->clear();
        // Tracked messages that waited for this endpoint may now be complete.
        static const std::string kQueue = WithStates(
            "INSERT INTO completion_queue(msg_id) SELECT d.msg_id FROM deliveries d JOIN"
            " messages m ON m.id = d.msg_id WHERE d.endpoint_id = ? AND d.status IN ({pending},"
            " {sending}) AND m.track_completion");
        // Deliveries never attempted go; those with attempts stay as history, the pending
        // ones canceled. The endpoint stays too while history names it, hidden (ephemeral),
        // disabled (an attempt in flight cannot schedule another) and without its uid.
        static const std::string kHide =
            "UPDATE endpoints SET ephemeral = 1, disabled = 1, uid = NULL, updated_at = ?3"
            " WHERE app_id = ?1 AND id = ?2 AND NOT ephemeral";
        static const std::string kCancel = WithStates(
            "UPDATE deliveries SET status = {canceled}, next_attempt_at = NULL, held = 0,"
            " updated_at = ?2 WHERE endpoint_id = ?1 AND status = {pending}");
        auto now = ToMicros(clock_.Now());
        auto s = db.Prepare(kQueue).Bind(1, id).Run();
        if (!s) return s;
        if (s = db.Prepare(kHide).Bind(1, app_id).Bind(2, id).Bind(3, now).Run(); !s) return s;
        if (db.Changes() == 0) return core::NotFound("endpoint");
        for (const char* sql : {"DELETE FROM deliveries WHERE endpoint_id = ? AND attempts = 0",
                                "DELETE FROM endpoint_health WHERE endpoint_id = ?"}) {
          if (s = db.Prepare(sql).Bind(1, id).Run(); !s) return s;
        }
        if (s = db.Prepare(kCancel).Bind(1, id).Bind(2, now).Run(); !s) return s;
        s = db.Prepare(
                  "DELETE FROM endpoints WHERE id = ?1 AND NOT EXISTS"
                  " (SELECT 1 FROM deliveries WHERE endpoint_id = ?1)")
                .Bind(1, id)
                .Run();
        if (!s) return s;
        return InsertOpsEvents(db, events, clock_.Now(), *due);
      },
      due);
}

}  // namespace hookd::store::sqlite
