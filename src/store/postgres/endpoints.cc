// Endpoints.
#include "store/json_fields.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {

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
                                  " FROM endpoints e WHERE e.app_id = $1 AND " +
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

void PostgresStore::CreateEndpoint(core::Endpoint ep, Idempotency idem, Done<core::Endpoint> done) {
  Query q{"INSERT INTO endpoints(" + std::string(kEndpointCols) + ") VALUES (" +
              Placeholders(1, 18) + ")",
          EndpointParams(ep)};
  Write<core::Endpoint>(
      std::move(idem), std::move(done), {std::move(q)},
      [ep = std::move(ep)](Result<std::vector<Rows>> r, Keys&) -> Result<core::Endpoint> {
        if (!r) return Conflict(r.error(), "an endpoint with this uid already exists");
        return ep;
      });
}

void PostgresStore::UpdateEndpoint(core::Endpoint ep, Idempotency idem, Done<core::Endpoint> done) {
  static const std::string kSql = OrNotFound(
      "UPDATE endpoints SET uid = $3, url = $4, description = $5, disabled = $6,"
      " event_types = $7, channels = $8, throttle_rate = $9, version = $10, metadata = $11,"
      " headers = $12, secrets = $13, created_at = $14, updated_at = $15,"
      " retry_schedule = $16, options = $17, ephemeral = $18 WHERE id = $1 AND app_id = $2",
      "endpoint");
  Query q{kSql, EndpointParams(ep)};
  Write<core::Endpoint>(
      std::move(idem), std::move(done), {std::move(q)},
      [ep = std::move(ep)](Result<std::vector<Rows>> r, Keys&) -> Result<core::Endpoint> {
        if (!r) return Conflict(r.error(), "an endpoint with this uid already exists");
        return ep;
      });
}

void PostgresStore::DeleteEndpoint(std::string app_id, std::string id, Done<void> done) {
  static const std::string kSql =
      OrNotFound("DELETE FROM endpoints WHERE app_id = $1 AND id = $2", "endpoint");
  Write<void>(std::nullopt, std::move(done), {{kSql, {P(app_id), P(id)}}},
              [](Result<std::vector<Rows>> r, Keys&) -> Status {
                if (!r) return std::unexpected(r.error());
                return {};
              });
}

}  // namespace hookd::store::postgres
