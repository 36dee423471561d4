// Tokens and idempotency records in SQLite.
#include "store/sqlite/sqlite_store_impl.h"

namespace hookd::store::sqlite {

Result<core::Token> SqliteStore::FindTokenByHash(std::string_view hash) {
  return ReadOne<core::Token>(
      "SELECT id, hash, app_id, name, created_at FROM tokens WHERE hash = ?1", {std::string(hash)},
      [](Stmt& s) {
        return core::Token{s.Text(0), s.Text(1), s.OptText(2), s.Text(3), FromMicros(s.Int(4))};
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
                       auto s = db.Prepare(
                                      "INSERT INTO tokens(id, hash, app_id, name, created_at)"
                                      " VALUES (?,?,?,?,?)")
                                    .Bind(1, token.id)
                                    .Bind(2, token.hash)
                                    .Bind(3, token.app_id)
                                    .Bind(4, token.name)
                                    .Bind(5, ToMicros(token.created_at))
                                    .Run();
                       if (!s) return std::unexpected(s.error());
                       return token;
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
