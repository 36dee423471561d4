// API tokens and idempotency records.
#include "core/time_format.h"
#include "store/columns.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {

using core::FromMicros;
using core::ToMicros;

Result<core::Token> PostgresStore::FindTokenByHash(std::string_view hash) {
  static const std::string kSql =
      std::string("SELECT ") + kTokenCols + " FROM tokens WHERE hash = $1";
  return ReadOne<core::Token>(
      {kSql, {P(hash)}},
      [](const Row& r) {
        core::Token t{r.Text(0), r.Text(1), r.OptText(2), r.Text(3), FromMicros(r.Int(4))};
        t.kind = core::ParseTokenKind(r.Text(5));
        if (auto caps = r.OptText(6)) t.capabilities = core::ParseCapabilities(*caps);
        if (auto at = r.OptInt(7)) t.expires_at = FromMicros(*at);
        t.session_id = r.OptText(8);
        return t;
      },
      "token");
}

Result<int64_t> PostgresStore::CountTokens() {
  return Read([](Conn& c) -> Result<int64_t> {
    auto rows = c.Exec("SELECT COUNT(*) FROM tokens");
    if (!rows) return std::unexpected(rows.error());
    return rows->Int(0, 0);
  });
}

void PostgresStore::CreateToken(core::Token token, Done<core::Token> done) {
  static const std::string kSql = std::string("INSERT INTO tokens(") + kTokenCols +
                                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
  Query q{
      kSql,
      {P(token.id), P(token.hash), P(token.app_id), P(token.name), P(ToMicros(token.created_at)),
       P(core::TokenKindName(token.kind)), P(core::FormatCapabilities(token.capabilities)),
       P(ToMicros(token.expires_at)), P(token.session_id)}};
  Write<core::Token>(
      std::nullopt, std::move(done), {std::move(q)},
      [token = std::move(token)](Result<std::vector<Rows>> r, Keys&) -> Result<core::Token> {
        if (!r) return std::unexpected(r.error());
        return token;
      });
}

void PostgresStore::DeleteToken(std::string_view id, Done<void> done) {
  static const std::string kSql = OrNotFound("DELETE FROM tokens WHERE id = $1", "token");
  Write<void>(std::nullopt, std::move(done), {{kSql, {P(id)}}},
              [](Result<std::vector<Rows>> r, Keys&) -> Status {
                if (!r) return std::unexpected(r.error());
                return {};
              });
}

void PostgresStore::ExpirePortalTokens(std::string_view app_id, core::TimePoint at,
                                       std::vector<std::string> session_ids, Done<void> done) {
  // An empty $3 means every session.
  static const std::string kSql =
      "UPDATE tokens SET expires_at = LEAST(COALESCE(expires_at, $2), $2)"
      " WHERE app_id = $1 AND kind = 'portal'"
      " AND (cardinality($3::text[]) = 0 OR session_id = ANY($3::text[]))";
  Write<void>(std::nullopt, std::move(done),
              {{kSql, {P(app_id), P(ToMicros(at)), TextArray(session_ids)}}},
              [](Result<std::vector<Rows>> r, Keys&) -> Status {
                if (!r) return std::unexpected(r.error());
                return {};
              });
}

Result<std::optional<core::IdempotencyRecord>> PostgresStore::GetIdempotency(std::string_view scope,
                                                                             std::string_view key) {
  return Read([&](Conn& c) -> Result<std::optional<core::IdempotencyRecord>> {
    auto rows = c.Exec(
        "SELECT fingerprint, status, body, expires_at FROM idempotency"
        " WHERE scope = $1 AND key = $2 AND expires_at > $3",
        {P(scope), P(key), P(ToMicros(clock_.Now()))});
    if (!rows) return std::unexpected(rows.error());
    if (rows->size() == 0) return std::optional<core::IdempotencyRecord>();
    return core::IdempotencyRecord{std::string(scope), std::string(key),
                                   rows->Text(0, 0),   static_cast<int>(rows->Int(0, 1)),
                                   rows->Text(0, 2),   FromMicros(rows->Int(0, 3))};
  });
}

}  // namespace hookd::store::postgres
