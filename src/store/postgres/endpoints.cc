// Endpoints.
#include "core/time_format.h"
#include "store/json_fields.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::postgres {

using core::ToMicros;

Result<core::Endpoint> PostgresStore::GetEndpoint(std::string_view app_id, std::string_view ref) {
  return ReadOne<core::Endpoint>(
      {std::string("SELECT ") + kEndpointCols +
           " FROM endpoints WHERE app_id = $1 AND (id = $2 OR uid = $2)",
       {P(app_id), P(ref)}},
      [](const Row& r) { return ReadEndpoint(r); }, "endpoint");
}

Result<Page<core::Endpoint>> PostgresStore::ListEndpoints(std::string_view app_id,
                                                          const PageRequest& page) {
  Where where;
  where.And("app_id = {} AND NOT ephemeral", {P(app_id)});
  return List<core::Endpoint>(
      std::string("SELECT ") + kEndpointCols + " FROM endpoints", std::move(where), "id", page,
      [](const Row& r) { return ReadEndpoint(r); }, [](const core::Endpoint& e) { return e.id; });
}

Result<std::vector<core::Endpoint>> PostgresStore::ListSubscribedEndpoints(
    const core::Message& msg) {
  static const std::string kSql = "SELECT " + Prefixed("e", kEndpointCols) +
                                  " FROM endpoints e WHERE e.app_id = $1 AND NOT e.disabled AND " +
                                  Subscribes("$2", "$3") + " ORDER BY e.id";
  return Read([&](Conn& c) -> Result<std::vector<core::Endpoint>> {
    auto rows = c.Exec(kSql, {P(msg.app_id), P(msg.event_type),
                              TextArray(msg.channels.value_or(std::vector<std::string>{}))});
    if (!rows) return std::unexpected(rows.error());
    std::vector<core::Endpoint> out;
    for (int i = 0; i < rows->size(); ++i) out.push_back(ReadEndpoint(Row{*rows, i}));
    return out;
  });
}

Query ReleaseHeldQuery(const std::string& endpoint_id, core::TimePoint now) {
  static const std::string kSql = WithStates(
      "UPDATE deliveries SET held = false, next_attempt_at = $1, updated_at = $1"
      " WHERE endpoint_id = $2 AND held AND status = {pending}");
  return {kSql, {P(ToMicros(now)), P(endpoint_id)}};
}

void PostgresStore::CreateEndpoint(core::Endpoint ep, Idempotency idem,
                                   std::vector<core::OpsEvent> events, Done<core::Endpoint> done) {
  std::vector<Query> queries;
  queries.push_back({"INSERT INTO endpoints(" + std::string(kEndpointCols) + ") VALUES (" +
                         Placeholders(1, 20) + ")",
                     EndpointParams(ep)});
  auto fan = AddOpsEvents(queries, events, clock_.Now());
  Write<core::Endpoint>(
      std::move(idem), std::move(done), std::move(queries),
      [ep = std::move(ep), fan](Result<std::vector<Rows>> r, Keys& due) -> Result<core::Endpoint> {
        if (!r) return Conflict(r.error(), "an endpoint with this uid already exists");
        CollectOpsDue(*r, fan, due);
        return ep;
      },
      fan.has_value());
}

void PostgresStore::UpdateEndpoint(core::Endpoint ep, Idempotency idem,
                                   std::vector<core::OpsEvent> events, Done<core::Endpoint> done) {
  // Enabling a disabled endpoint starts its failure record afresh (before the update: the
  // record is dropped only while the endpoint is still disabled); held deliveries become due.
  static const std::string kResetHealth =
      "DELETE FROM endpoint_health WHERE endpoint_id = $1 AND EXISTS"
      " (SELECT 1 FROM endpoints WHERE id = $1 AND disabled)";
  static const std::string kSql = OrNotFound(
      "UPDATE endpoints SET uid = $3, url = $4, description = $5, disabled = $6,"
      " event_types = $7, channels = $8, throttle_rate = $9, version = $10, metadata = $11,"
      " headers = $12, secrets = $13, created_at = $14, updated_at = $15,"
      " retry_schedule = $16, options = $17, ephemeral = $18, failure_policy = $19,"
      " fallback_url = $20"
      " WHERE id = $1 AND app_id = $2",
      "endpoint");
  auto now = clock_.Now();
  std::vector<Query> queries;
  if (!ep.disabled) queries.push_back({kResetHealth, {P(ep.id)}});
  queries.push_back({kSql, EndpointParams(ep)});
  if (!ep.disabled) queries.push_back(ReleaseHeldQuery(ep.id, now));
  auto fan = AddOpsEvents(queries, events, now);
  Write<core::Endpoint>(
      std::move(idem), std::move(done), std::move(queries),
      [ep = std::move(ep), fan](Result<std::vector<Rows>> r, Keys& due) -> Result<core::Endpoint> {
        if (!r) return Conflict(r.error(), "an endpoint with this uid already exists");
        CollectOpsDue(*r, fan, due);
        return ep;
      },
      /*notify=*/!ep.disabled || fan.has_value());
}

void PostgresStore::DeleteEndpoint(std::string app_id, std::string id,
                                   std::vector<core::OpsEvent> events, Done<void> done) {
  // Tracked messages that waited for this endpoint may now be complete.
  static const std::string kQueue = WithStates(
      "INSERT INTO completion_queue(msg_id) SELECT d.msg_id FROM deliveries d JOIN messages m"
      " ON m.id = d.msg_id WHERE d.endpoint_id = $1 AND d.status IN ({pending}, {sending})"
      " AND m.track_completion");
  // Deliveries never attempted go; those with attempts stay as history, the pending ones
  // canceled. The endpoint stays too while history names it, hidden (ephemeral), disabled (an
  // attempt in flight cannot schedule another) and without its uid.
  static const std::string kHide = OrNotFound(
      "UPDATE endpoints SET ephemeral = true, disabled = true, uid = NULL, updated_at = $3"
      " WHERE app_id = $1 AND id = $2 AND NOT ephemeral",
      "endpoint");
  static const std::string kDrop = "DELETE FROM deliveries WHERE endpoint_id = $1 AND attempts = 0";
  static const std::string kCancel = WithStates(
      "UPDATE deliveries SET status = {canceled}, next_attempt_at = NULL, held = false,"
      " updated_at = $2 WHERE endpoint_id = $1 AND status = {pending}");
  static const std::string kRemove =
      "DELETE FROM endpoints WHERE id = $1 AND NOT EXISTS"
      " (SELECT 1 FROM deliveries WHERE endpoint_id = $1)";
  static const std::string kHealth = "DELETE FROM endpoint_health WHERE endpoint_id = $1";
  auto now = ToMicros(clock_.Now());
  std::vector<Query> queries{{kQueue, {P(id)}},  {kHide, {P(app_id), P(id), P(now)}},
                             {kDrop, {P(id)}},   {kCancel, {P(id), P(now)}},
                             {kRemove, {P(id)}}, {kHealth, {P(id)}}};
  auto fan = AddOpsEvents(queries, events, clock_.Now());
  Write<void>(
      std::nullopt, std::move(done), std::move(queries),
      [fan](Result<std::vector<Rows>> r, Keys& due) -> Status {
        if (!r) return std::unexpected(r.error());
        CollectOpsDue(*r, fan, due);
        return {};
      },
      fan.has_value());
}

}  // namespace hookd::store::postgres
