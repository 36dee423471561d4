// Tokens and idempotency records in SQLite.
#include "store/columns.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace hookd::store::sqlite {

Result<core::Token> SqliteStore::FindTokenByHash(std::string_view hash) {
  return ReadOne<core::Token>(
      std::string("SELECT ") + kTokenCols + " FROM tokens WHERE hash = ?1", {std::string(hash)},
      [](Stmt& s) {
        core::Token t{s.Text(0), s.Text(1), s.OptText(2), s.Text(3), FromMicros(s.Int(4))};
        t.kind = core::ParseTokenKind(s.Text(5));
        if (auto caps = s.OptText(6)) t.capabilities = core::ParseCapabilities(*caps);
        if (auto at = s.OptInt(7)) t.expires_at = FromMicros(*at);
        t.session_id = s.OptText(8);
        return t;
      },
      "token");
}

Result<int64_t> SqliteStore::CountTokens() {
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  auto s = (*db)->Prepare("SELECT COUNT(*) FROM tokens");
  if (!s.Step()) return Internal(s);
  return s.Int(0);
}

void SqliteStore::CreateToken(core::Token token, Done<core::Token> done) {
  Write<core::Token>(std::nullopt, std::move(done),
                     [token = std::move(token)](Db& db) -> Result<core::Token> {
                       auto s = db.Prepare(std::string("INSERT INTO tokens(") + kTokenCols +
                                           ") VALUES (?,?,?,?,?,?,?,?,?)")
                                    .Bind(1, token.id)
                                    .Bind(2, token.hash)
                                    .Bind(3, token.app_id)
                                    .Bind(4, token.name)
                                    .Bind(5, ToMicros(token.created_at))
                                    .Bind(6, core::TokenKindName(token.kind))
                                    .Bind(7, core::FormatCapabilities(token.capabilities))
                                    .Bind(8, ToMicros(token.expires_at))
                                    .Bind(9, token.session_id)
                                    .Run();
                       if (!s) return std::unexpected(s.error());
                       return token;
                     });
}

void SqliteStore::DeleteToken(std::string_view id, Done<void> done) {
  Write<void>(std::nullopt, std::move(done), [id = std::string(id)](Db& db) -> Status {
    if (auto s = db.Prepare("DELETE FROM tokens WHERE id = ?").Bind(1, id).Run(); !s) return s;
    if (db.Changes() == 0) return core::NotFound("token");
    return {};
  });
}

void SqliteStore::ExpirePortalTokens(std::string_view app_id, core::TimePoint at,
                                     std::vector<std::string> session_ids, Done<void> done) {
  // No session ids (NULL ?3) means every session.
  static const std::string kSql =
      "UPDATE tokens SET expires_at = MIN(COALESCE(expires_at, ?2), ?2)"
      " WHERE app_id = ?1 AND kind = 'portal'"
      " AND (?3 IS NULL OR session_id IN (SELECT value FROM json_each(?3)))";
  std::optional<std::vector<std::string>> sessions;
  if (!session_ids.empty()) sessions = std::move(session_ids);
  Write<void>(std::nullopt, std::move(done),
              [app_id = std::string(app_id), at = ToMicros(at),
               sessions = EncodeList(sessions)](Db& db) -> Status {
                return db.Prepare(kSql).Bind(1, app_id).Bind(2, at).Bind(3, sessions).Run();
              });
}

Result<std::optional<core::IdempotencyRecord>> SqliteStore::GetIdempotency(std::string_view scope,
                                                                           std::string_view key) {
  auto db = reads_.Acquire();
  if (!db) return std::unexpected(db.error());
  auto s = (*db)->Prepare(
      "SELECT fingerprint, status, body, expires_at FROM idempotency"
      " WHERE scope = ? AND key = ? AND expires_at > ?");
  s.Bind(1, scope).Bind(2, key).Bind(3, ToMicros(clock_.Now()));
  if (!s.Step()) {
    if (s.error()) return std::unexpected(*s.error());
    return std::optional<core::IdempotencyRecord>();
  }
  return core::IdempotencyRecord{std::string(scope), std::string(key),
                                 s.Text(0),          static_cast<int>(s.Int(1)),
                                 s.Text(2),          FromMicros(s.Int(3))};
}

}  // namespace hookd::store::sqlite
