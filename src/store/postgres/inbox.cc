// Inbox sources, their tokens and received requests.
#include <boost/json.hpp>

#include "core/time_format.h"
#include "store/json_fields.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::postgres {
namespace {

using core::FromMicros;
using core::ToMicros;

core::Source ReadSource(const Row& r, int c = 0) {
  return {r.Text(c),
          r.OptText(c + 1),
          r.Text(c + 2),
          r.Text(c + 3),
          core::SourceSettingsFromJson(boost::json::parse(r.Text(c + 4)).as_object()),
          DecodeMap(r.Text(c + 5)),
          FromMicros(r.Int(c + 6)),
          FromMicros(r.Int(c + 7))};
}

core::InboxRequest ReadInboxRequest(const Row& r) {
  return {r.Text(0),
          r.Text(1),
          FromMicros(r.Int(2)),
          r.Text(3),
          r.Text(4),
          r.Text(5),
          r.Text(6),
          r.Text(7),
          core::ParseVerdict(r.Text(8)).value_or(core::InboxVerdict::kRejected),
          r.Text(9),
          r.OptText(10),
          r.Text(11),
          r.Int(12),
          r.Int(13),
          r.Int(14)};
}

// Parameters in kSourceCols order.
std::vector<Param> SourceParams(const core::Source& s) {
  return {P(s.id),
          P(s.uid),
          P(s.name),
          P(s.type),
          boost::json::serialize(core::SourceSettingsJson(s.settings, true)),
          EncodeMap(s.metadata),
          P(ToMicros(s.created_at)),
          P(ToMicros(s.updated_at))};
}

Query TokenQuery(const core::SourceToken& t) {
  return {"INSERT INTO source_tokens(token, source_id, created_at) VALUES ($1, $2, $3)",
          {P(t.token), P(t.source_id), P(ToMicros(t.created_at))}};
}

const std::string kSelectRequests =
    WithStates(std::string("SELECT ") + kInboxRequestCols +
               " FROM inbox_requests r LEFT JOIN messages m ON m.id = r.msg_id");

template <class T>
auto Returning(T value) {
  return [value = std::move(value)](Result<std::vector<Rows>> r, auto&) -> Result<T> {
    if (!r) return std::unexpected(r.error());
    return value;
  };
}

}  // namespace

Query InboxRequestQuery(const core::InboxRequest& r) {
  bool forwarded = r.verdict == core::InboxVerdict::kForwarded;
  return {
      "INSERT INTO inbox_requests(id, source_id, received_at, method, query, headers,"
      " content_type, body, verdict, reason, msg_id, event_type) VALUES (" +
          Placeholders(1, 12) + ")",
      {P(r.id), P(r.source_id), P(ToMicros(r.received_at)), P(r.method), P(r.query), P(r.headers),
       P(r.content_type), forwarded ? std::nullopt : P(r.body), P(core::VerdictName(r.verdict)),
       P(r.reason), P(r.msg_id), P(r.event_type)}};
}

Result<core::Source> PostgresStore::GetSource(std::string_view ref) {
  return ReadOne<core::Source>(
      {std::string("SELECT ") + kSourceCols + " FROM sources WHERE id = $1 OR uid = $1", {P(ref)}},
      [](const Row& r) { return ReadSource(r); }, "source");
}

Result<Page<core::Source>> PostgresStore::ListSources(const PageRequest& page) {
  return List<core::Source>(
      std::string("SELECT ") + kSourceCols + " FROM sources", Where{}, "id", page,
      [](const Row& r) { return ReadSource(r); }, [](const core::Source& s) { return s.id; });
}

void PostgresStore::CreateSource(core::Source source, core::SourceToken token, Idempotency idem,
                                 Done<core::Source> done) {
  std::vector<Query> queries{
      {"INSERT INTO apps(id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)",
       {P(source.id), P(source.name), P(ToMicros(source.created_at)),
        P(ToMicros(source.updated_at))}},
      {"INSERT INTO sources(" + std::string(kSourceCols) + ") VALUES (" + Placeholders(1, 8) + ")",
       SourceParams(source)},
      TokenQuery(token)};
  Write<core::Source>(
      std::move(idem), std::move(done), std::move(queries),
      [source = std::move(source)](Result<std::vector<Rows>> r, Keys&) -> Result<core::Source> {
        if (!r) return Conflict(r.error(), "a source with this uid already exists");
        return source;
      });
}

void PostgresStore::UpdateSource(core::Source source, Done<core::Source> done) {
  static const std::string kSql = OrNotFound(
      "UPDATE sources SET uid = $2, name = $3, type = $4, settings = $5, metadata = $6,"
      " updated_at = $7 WHERE id = $1",
      "source");
  auto params = SourceParams(source);
  params.erase(params.begin() + 6);  // created_at stays as it was
  std::vector<Query> queries{{kSql, std::move(params)},
                             {"UPDATE apps SET name = $2, updated_at = $3 WHERE id = $1",
                              {P(source.id), P(source.name), P(ToMicros(source.updated_at))}}};
  Write<core::Source>(
      std::nullopt, std::move(done), std::move(queries),
      [source = std::move(source)](Result<std::vector<Rows>> r, Keys&) -> Result<core::Source> {
        if (!r) return Conflict(r.error(), "a source with this uid already exists");
        return source;
      });
}

void PostgresStore::DeleteSource(std::string id, Done<void> done) {
  static const std::string kSql =
      OrNotFound("DELETE FROM apps WHERE id = (SELECT id FROM sources WHERE id = $1)", "source");
  Write<void>(std::nullopt, std::move(done), {{kSql, {P(id)}}},
              [](Result<std::vector<Rows>> r, Keys&) -> Status {
                if (!r) return std::unexpected(r.error());
                return {};
              });
}

Result<core::Source> PostgresStore::FindSourceByToken(std::string_view token) {
  return ReadOne<core::Source>(
      {"SELECT " + Prefixed("s", kSourceCols) +
           " FROM source_tokens t JOIN sources s ON s.id = t.source_id"
           " WHERE t.token = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)",
       {P(token), P(ToMicros(clock_.Now()))}},
      [](const Row& r) { return ReadSource(r); }, "source");
}

Result<std::optional<core::SourceToken>> PostgresStore::CurrentSourceToken(std::string_view id) {
  return Read([&](Conn& c) -> Result<std::optional<core::SourceToken>> {
    auto rows = c.Exec(
        "SELECT token, source_id, created_at FROM source_tokens"
        " WHERE source_id = $1 AND expires_at IS NULL",
        {P(id)});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) return std::optional<core::SourceToken>();
    return core::SourceToken{rows->Text(0, 0), rows->Text(0, 1), FromMicros(rows->Int(0, 2)),
                             std::nullopt};
  });
}

void PostgresStore::RotateSourceToken(core::SourceToken token, core::TimePoint old_expires_at,
                                      Done<core::SourceToken> done) {
  std::vector<Query> queries{
      {"UPDATE source_tokens SET expires_at = $2 WHERE source_id = $1 AND expires_at IS NULL",
       {P(token.source_id), P(ToMicros(old_expires_at))}},
      TokenQuery(token)};
  Write<core::SourceToken>(std::nullopt, std::move(done), std::move(queries), Returning(token));
}

void PostgresStore::RecordRejected(core::InboxRequest request, Done<core::InboxRequest> done) {
  Query q = InboxRequestQuery(request);
  Write<core::InboxRequest>(std::nullopt, std::move(done), {std::move(q)},
                            Returning(std::move(request)));
}

Result<core::InboxRequest> PostgresStore::GetInboxRequest(std::string_view source_id,
                                                          std::string_view id) {
  return ReadOne<core::InboxRequest>(
      {kSelectRequests + " WHERE r.source_id = $1 AND r.id = $2", {P(source_id), P(id)}},
      [](const Row& r) { return ReadInboxRequest(r); }, "request");
}

Result<Page<core::InboxRequest>> PostgresStore::ListInboxRequests(std::string_view source_id,
                                                                  const InboxRequestFilter& filter,
                                                                  const PageRequest& page) {
  Where where;
  where.And("r.source_id = {}", {P(source_id)});
  if (filter.verdict) where.And("r.verdict = {}", {P(core::VerdictName(*filter.verdict))});
  if (filter.event_type) where.And("r.event_type = {}", {P(*filter.event_type)});
  if (filter.before) where.And("r.received_at < {}", {P(ToMicros(*filter.before))});
  if (filter.after) where.And("r.received_at > {}", {P(ToMicros(*filter.after))});
  return List<core::InboxRequest>(
      kSelectRequests, std::move(where), "r.id", page,
      [](const Row& r) { return ReadInboxRequest(r); },
      [](const core::InboxRequest& r) { return r.id; },
      "SELECT octet_length(r.body) + octet_length(r.headers) + COALESCE(octet_length(m.payload), 0)"
      " FROM inbox_requests r LEFT JOIN messages m ON m.id = r.msg_id");
}

}  // namespace hookd::store::postgres
