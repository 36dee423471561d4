// API tokens and idempotency records.
#include "core/time_format.h"
#include "store/postgres/rows.h"
#include "store/postgres/store_impl.h"

namespace hookd::store::postgres {

using core::FromMicros;
using core::ToMicros;

Result<core::Token> PostgresStore::FindTokenByHash(std::string_view hash) {
  return ReadOne<core::Token>(
      {"SELECT id, hash, app_id, name, created_at FROM tokens WHERE hash = $1", {P(hash)}},
      [](const Row& r) {
        return core::Token{r.Text(0), r.Text(1), r.OptText(2), r.Text(3), FromMicros(r.Int(4))};
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
  Query q{
      "INSERT INTO tokens(id, hash, app_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
      {P(token.id), P(token.hash), P(token.app_id), P(token.name), P(ToMicros(token.created_at))}};
  Write<core::Token>(
      std::nullopt, std::move(done), {std::move(q)},
      [token = std::move(token)](Result<std::vector<Rows>> r, Keys&) -> Result<core::Token> {
        if (!r) return std::unexpected(r.error());
        return token;
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
