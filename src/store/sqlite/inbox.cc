// Inbox sources, their tokens and received requests in SQLite.
#include <boost/json.hpp>

#include "store/sqlite/sqlite_store_impl.h"
#include "store/state_sql.h"

namespace hookd::store::sqlite {
namespace {

core::Source ReadSource(Stmt& s) {
  return {s.Text(0),
          s.OptText(1),
          s.Text(2),
          s.Text(3),
          core::SourceSettingsFromJson(boost::json::parse(s.Text(4)).as_object()),
          DecodeMap(s.Text(5)),
          FromMicros(s.Int(6)),
          FromMicros(s.Int(7))};
}

core::InboxRequest ReadInboxRequest(Stmt& s) {
  return {s.Text(0),
          s.Text(1),
          FromMicros(s.Int(2)),
          s.Text(3),
          s.Text(4),
          s.Text(5),
          s.Text(6),
          s.Text(7),
          core::ParseVerdict(s.Text(8)).value_or(core::InboxVerdict::kRejected),
          s.Text(9),
          s.OptText(10),
          s.Text(11),
          s.Int(12),
          s.Int(13),
          s.Int(14)};
}

// Binds ?1..?8 (kSourceCols, in order).
Stmt& BindSource(Stmt& s, const core::Source& src) {
  return s.Bind(1, src.id)
      .Bind(2, src.uid)
      .Bind(3, src.name)
      .Bind(4, src.type)
      .Bind(5, boost::json::serialize(core::SourceSettingsJson(src.settings, true)))
      .Bind(6, EncodeMap(src.metadata))
      .Bind(7, ToMicros(src.created_at))
      .Bind(8, ToMicros(src.updated_at));
}

Status InsertToken(Db& db, const core::SourceToken& t) {
  return db.Prepare("INSERT INTO source_tokens(token, source_id, created_at) VALUES (?,?,?)")
      .Bind(1, t.token)
      .Bind(2, t.source_id)
      .Bind(3, ToMicros(t.created_at))
      .Run();
}

const std::string kSelectRequests =
    WithStates(std::string("SELECT ") + kInboxRequestCols +
               " FROM inbox_requests r LEFT JOIN messages m ON m.id = r.msg_id");

}  // namespace

Status InsertInboxRequest(Db& db, const core::InboxRequest& r) {
  bool forwarded = r.verdict == core::InboxVerdict::kForwarded;
  return db
      .Prepare(
          "INSERT INTO inbox_requests(id, source_id, received_at, method, query, headers,"
          " content_type, body, verdict, reason, msg_id, event_type)"
          " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
      .Bind(1, r.id)
      .Bind(2, r.source_id)
      .Bind(3, ToMicros(r.received_at))
      .Bind(4, r.method)
      .Bind(5, r.query)
      .Bind(6, r.headers)
      .Bind(7, r.content_type)
      .Bind(8, forwarded ? std::nullopt : std::optional<std::string>(r.body))
      .Bind(9, core::VerdictName(r.verdict))
      .Bind(10, r.reason)
      .Bind(11, r.msg_id)
      .Bind(12, r.event_type)
      .Run();
}

Result<core::Source> SqliteStore::GetSource(std::string_view ref) {
  return ReadOne<core::Source>(
      std::string("SELECT ") + kSourceCols + " FROM sources WHERE id = ?1 OR uid = ?1",
      {std::string(ref)}, ReadSource, "source");
}

Result<Page<core::Source>> SqliteStore::ListSources(const PageRequest& page) {
  return List<core::Source>(std::string("SELECT ") + kSourceCols + " FROM sources", "", {}, "id",
                            page, ReadSource, [](const core::Source& s) { return s.id; });
}

void SqliteStore::CreateSource(core::Source source, core::SourceToken token, Idempotency idem,
                               Done<core::Source> done) {
  Write<core::Source>(
      std::move(idem), std::move(done),
      [source = std::move(source), token = std::move(token)](Db& db) -> Result<core::Source> {
        auto app = db.Prepare(
                         "INSERT INTO apps(id, name, metadata, created_at, updated_at, env)"
                         " VALUES (?, ?, '{}', ?, ?, '{}')")
                       .Bind(1, source.id)
                       .Bind(2, source.name)
                       .Bind(3, ToMicros(source.created_at))
                       .Bind(4, ToMicros(source.updated_at))
                       .Run();
        if (!app) return std::unexpected(app.error());
        static const std::string kInsert =
            std::string("INSERT INTO sources(") + kSourceCols + ") VALUES (?,?,?,?,?,?,?,?)";
        auto insert = db.Prepare(kInsert);
        if (auto s = BindSource(insert, source).Run(); !s)
          return Conflict(s.error(), "a source with this uid already exists");
        if (auto t = InsertToken(db, token); !t) return std::unexpected(t.error());
        return source;
      });
}

void SqliteStore::UpdateSource(core::Source source, Done<core::Source> done) {
  Write<core::Source>(
      std::nullopt, std::move(done), [source = std::move(source)](Db& db) -> Result<core::Source> {
        auto update = db.Prepare(  // created_at (?7) stays as it was
            "UPDATE sources SET uid = ?2, name = ?3, type = ?4, settings = ?5, metadata = ?6,"
            " updated_at = ?8 WHERE id = ?1");
        if (auto s = BindSource(update, source).Run(); !s)
          return Conflict(s.error(), "a source with this uid already exists");
        if (db.Changes() == 0) return core::NotFound("source");
        auto app = db.Prepare("UPDATE apps SET name = ?, updated_at = ? WHERE id = ?")
                       .Bind(1, source.name)
                       .Bind(2, ToMicros(source.updated_at))
                       .Bind(3, source.id)
                       .Run();
        if (!app) return std::unexpected(app.error());
        return source;
      });
}

void SqliteStore::DeleteSource(std::string id, Done<void> done) {
  Write<void>(std::nullopt, std::move(done), [id = std::move(id)](Db& db) -> Status {
    auto s = db.Prepare("DELETE FROM apps WHERE id = (SELECT id FROM sources WHERE id = ?)")
                 .Bind(1, id)
                 .Run();
    if (!s) return s;
    if (db.Changes() == 0) return core::NotFound("source");
    return {};
  });
}

Result<core::Source> SqliteStore::FindSourceByToken(std::string_view token) {
  return ReadOne<core::Source>(
      std::string("SELECT ") + Prefixed("s", kSourceCols) +
          " FROM source_tokens t JOIN sources s ON s.id = t.source_id"
          " WHERE t.token = ?1 AND (t.expires_at IS NULL OR t.expires_at > ?2)",
      {std::string(token), ToMicros(clock_.Now())}, ReadSource, "source");
}

Result<std::optional<core::SourceToken>> SqliteStore::CurrentSourceToken(std::string_view id) {
  auto t = ReadOne<core::SourceToken>(
      "SELECT token, source_id, created_at FROM source_tokens"
      " WHERE source_id = ?1 AND expires_at IS NULL",
      {std::string(id)},
      [](Stmt& s) {
        return core::SourceToken{s.Text(0), s.Text(1), FromMicros(s.Int(2)), std::nullopt};
      },
      "token");
  if (!t && t.error().code == ErrorCode::kNotFound) return std::optional<core::SourceToken>();
  if (!t) return std::unexpected(t.error());
  return std::optional<core::SourceToken>(std::move(*t));
}

void SqliteStore::RotateSourceToken(core::SourceToken token, core::TimePoint old_expires_at,
                                    Done<core::SourceToken> done) {
  Write<core::SourceToken>(
      std::nullopt, std::move(done),
      [token = std::move(token), old_expires_at](Db& db) -> Result<core::SourceToken> {
        auto old = db.Prepare(
                         "UPDATE source_tokens SET expires_at = ? WHERE source_id = ?"
                         " AND expires_at IS NULL")
                       .Bind(1, ToMicros(old_expires_at))
                       .Bind(2, token.source_id)
                       .Run();
        if (!old) return std::unexpected(old.error());
        if (auto t = InsertToken(db, token); !t) return std::unexpected(t.error());
        return token;
      });
}

void SqliteStore::RecordRejected(core::InboxRequest request, Done<core::InboxRequest> done) {
  Write<core::InboxRequest>(std::nullopt, std::move(done),
                            [request = std::move(request)](Db& db) -> Result<core::InboxRequest> {
                              if (auto s = InsertInboxRequest(db, request); !s)
                                return std::unexpected(s.error());
                              return request;
                            });
}

Result<core::InboxRequest> SqliteStore::GetInboxRequest(std::string_view source_id,
                                                        std::string_view id) {
  return ReadOne<core::InboxRequest>(kSelectRequests + " WHERE r.source_id = ?1 AND r.id = ?2",
                                     {std::string(source_id), std::string(id)}, ReadInboxRequest,
                                     "request");
}

Result<Page<core::InboxRequest>> SqliteStore::ListInboxRequests(std::string_view source_id,
                                                                const InboxRequestFilter& filter,
                                                                const PageRequest& page) {
  std::string where = "r.source_id = ?";
  std::vector<Param> params{std::string(source_id)};
  if (filter.verdict) {
    where += " AND r.verdict = ?";
    params.emplace_back(std::string(core::VerdictName(*filter.verdict)));
  }
  if (filter.event_type) {
    where += " AND r.event_type = ?";
    params.emplace_back(*filter.event_type);
  }
  AddTimeRange("r.received_at", filter.before, filter.after, where, params);
  return List<core::InboxRequest>(
      kSelectRequests, where, params, "r.id", page, ReadInboxRequest,
      [](const core::InboxRequest& r) { return r.id; }, InboxRequestBytes);
}

}  // namespace hookd::store::sqlite
